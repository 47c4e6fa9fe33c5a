//! The algorithms' decisions, fast: per-client state in plain vectors and
//! integer arithmetic only, so that the Redis scripts (which compute in
//! Lua's doubles, exact for integers below 2^53) store the same numbers.
//!
//! Units: the windowed algorithms count requests; the token bucket and the
//! leaky meter keep thousandths of a request (a bucket of `burst` holds
//! `burst * 1000`, refilled or drained by `rate` thousandths per ms, that is
//! `rate` per second); GCRA and the leaky queue keep times in units of
//! 1/`rate` ms, so that the emission interval (1000/`rate` ms) is exactly
//! 1000 units.

use std::collections::VecDeque;

use super::traffic::Request;
use super::Algo;

/// The settings every algorithm reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Requests per window (fixed windows, sliding log and counter).
    pub limit: u32,
    /// The window, ms.
    pub window_ms: u64,
    /// Requests per second (buckets, GCRA).
    pub rate: u32,
    /// Requests allowed at once (bucket capacity, GCRA burst).
    pub burst: u32,
}

impl Limits {
    /// The emission interval of GCRA and the leaky queue, in 1/`rate` ms.
    pub const INTERVAL: i64 = 1000;

    /// A bucket's capacity in thousandths of a request.
    #[inline]
    pub fn capacity(&self) -> i64 {
        i64::from(self.burst) * 1000
    }

    /// GCRA's tolerance: how far ahead of now the TAT may be and still
    /// let a request through, in 1/`rate` ms.
    #[inline]
    pub fn tau(&self) -> i64 {
        (i64::from(self.burst) - 1) * Self::INTERVAL
    }

    /// `at` in 1/`rate` ms.
    #[inline]
    pub fn scaled(&self, at: u64) -> i64 {
        at as i64 * i64::from(self.rate)
    }

    /// The start of the fixed window holding `at`.
    #[inline]
    pub fn window_start(&self, at: u64) -> u64 {
        at - at % self.window_ms
    }
}

/// What one algorithm decided for one request, and its state after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Let through (or queued, for the leaky queue).
    pub ok: bool,
    /// The stored state after: the window's count, the log's size, the
    /// tokens or level (thousandths), the TAT or last departure (1/rate ms).
    pub value: i64,
    /// A second figure: what the cheat sheet's GET read, the entries the
    /// log dropped, the previous window's count, the queue's wait (1/rate
    /// ms).
    pub aux: i64,
}

/// One algorithm's state over every client.
pub struct Engine {
    algo: Algo,
    lim: Limits,
    /// Per client: the count, tokens, level, TAT or last departure.
    value: Vec<i64>,
    /// Per client: the window start or the last update's time
    /// (`u64::MAX`: never seen).
    at: Vec<u64>,
    /// Per client: the previous window's count (sliding counter); the
    /// count when the current group started (cheat sheet).
    other: Vec<i64>,
    /// Per client: the group the cheat sheet's `other` belongs to.
    group: Vec<u32>,
    /// The sliding log of every client in one queue: what was let through
    /// within the last window, oldest first, with whose it was (requests
    /// come in time order). `value` counts each client's entries, `other`
    /// the entries of a client dropped since its last request.
    log: VecDeque<(u64, u32)>,
}

impl Engine {
    /// A fresh limiter for `clients` clients.
    pub fn new(algo: Algo, lim: Limits, clients: usize) -> Engine {
        Engine {
            algo,
            lim,
            value: vec![0; clients],
            at: vec![u64::MAX; clients],
            other: vec![0; clients],
            group: vec![u32::MAX; clients],
            log: VecDeque::new(),
        }
    }

    /// Decides every request in order, `groups` being where each group of
    /// concurrent requests starts (ending with the number of requests),
    /// handing each outcome to `f`. One loop per algorithm, so that the
    /// choice of algorithm is made once, not per request.
    pub fn decide_all(
        &mut self,
        reqs: &[Request],
        groups: &[u32],
        mut f: impl FnMut(&Request, &Outcome),
    ) {
        match self.algo {
            Algo::CheatSheet => {
                self.each(reqs, groups, &mut f, |e, c, at, g| e.cheat_sheet(c, at, g))
            }
            Algo::FixedWindow => self.each(reqs, groups, &mut f, |e, c, at, _| e.fixed(c, at)),
            Algo::SlidingLog => self.each(reqs, groups, &mut f, |e, c, at, _| e.sliding_log(c, at)),
            Algo::SlidingCounter => {
                self.each(reqs, groups, &mut f, |e, c, at, _| e.sliding_counter(c, at))
            }
            Algo::TokenBucket => self.each(reqs, groups, &mut f, |e, c, at, _| {
                e.bucket_as(c, at, false)
            }),
            Algo::LeakyMeter => {
                self.each(reqs, groups, &mut f, |e, c, at, _| e.bucket_as(c, at, true))
            }
            Algo::Gcra | Algo::LeakyQueue => {
                self.each(reqs, groups, &mut f, |e, c, at, _| e.gcra(c, at))
            }
        }
    }

    /// The loop of [`Engine::decide_all`] for one algorithm's `step`.
    #[inline(always)]
    fn each(
        &mut self,
        reqs: &[Request],
        groups: &[u32],
        f: &mut impl FnMut(&Request, &Outcome),
        step: impl Fn(&mut Engine, usize, u64, u32) -> Outcome,
    ) {
        let mut g = 0usize;
        let mut next = groups.get(1).copied().unwrap_or(u32::MAX);
        for (k, r) in reqs.iter().enumerate() {
            while k as u32 >= next {
                g += 1;
                next = groups.get(g + 1).copied().unwrap_or(u32::MAX);
            }
            let o = step(self, r.client as usize, r.at, g as u32);
            f(r, &o);
        }
    }

    /// INCR, and PEXPIRE when the key is new, in one script.
    #[inline]
    fn fixed(&mut self, c: usize, at: u64) -> Outcome {
        self.roll(c, at);
        self.value[c] += 1;
        Outcome {
            ok: self.value[c] <= i64::from(self.lim.limit),
            value: self.value[c],
            aux: 0,
        }
    }

    /// Moves client `c`'s fixed window to the one holding `at` (a new
    /// window's key starts absent: count 0).
    #[inline]
    fn roll(&mut self, c: usize, at: u64) {
        let start = self.lim.window_start(at);
        if self.at[c] != start {
            self.at[c] = start;
            self.value[c] = 0;
        }
    }

    /// GET, compare, INCR, EXPIRE: every GET of a group runs before any
    /// INCR (the commands interleave), so they all read the count as it
    /// was when the group started.
    #[inline]
    fn cheat_sheet(&mut self, c: usize, at: u64, group: u32) -> Outcome {
        self.roll(c, at);
        if self.group[c] != group {
            self.group[c] = group;
            self.other[c] = self.value[c];
        }
        let read = self.other[c];
        let ok = read < i64::from(self.lim.limit);
        if ok {
            self.value[c] += 1;
        }
        Outcome {
            ok,
            value: self.value[c],
            aux: read,
        }
    }

    #[inline]
    fn sliding_log(&mut self, c: usize, at: u64) -> Outcome {
        while let Some(&(t, who)) = self.log.front() {
            if t + self.lim.window_ms > at {
                break;
            }
            self.value[who as usize] -= 1;
            self.other[who as usize] += 1;
            self.log.pop_front();
        }
        let dropped = std::mem::take(&mut self.other[c]);
        let ok = self.value[c] < i64::from(self.lim.limit);
        if ok {
            self.log.push_back((at, c as u32));
            self.value[c] += 1;
        }
        Outcome {
            ok,
            value: self.value[c],
            aux: dropped,
        }
    }

    #[inline]
    fn sliding_counter(&mut self, c: usize, at: u64) -> Outcome {
        let w = self.lim.window_ms;
        let start = self.lim.window_start(at);
        if self.at[c] != start {
            self.other[c] = if self.at[c] != u64::MAX && self.at[c] + w == start {
                self.value[c]
            } else {
                0
            };
            self.value[c] = 0;
            self.at[c] = start;
        }
        let (prev, curr) = (self.other[c], self.value[c]);
        let ok = counter_allows(prev, curr, at - start, w, self.lim.limit);
        if ok {
            self.value[c] += 1;
        }
        Outcome {
            ok,
            value: self.value[c],
            aux: prev,
        }
    }

    /// The token bucket holds tokens; the leaky meter (`meter`) holds a
    /// level. One is the other upside down: tokens = capacity - level.
    #[inline(always)]
    fn bucket_as(&mut self, c: usize, at: u64, meter: bool) -> Outcome {
        let cap = self.lim.capacity();
        let rate = i64::from(self.lim.rate);
        let (mut v, since) = if self.at[c] == u64::MAX {
            (if meter { 0 } else { cap }, at)
        } else {
            (self.value[c], self.at[c])
        };
        let flow = (at - since) as i64 * rate;
        let ok;
        if meter {
            v = (v - flow).max(0);
            ok = v + 1000 <= cap;
            if ok {
                v += 1000;
            }
        } else {
            v = (v + flow).min(cap);
            ok = v >= 1000;
            if ok {
                v -= 1000;
            }
        }
        self.value[c] = v;
        self.at[c] = at;
        Outcome {
            ok,
            value: v,
            aux: 0,
        }
    }

    /// GCRA keeps the theoretical arrival time (TAT); the leaky queue keeps
    /// when its last queued request leaves. The same arithmetic: a request
    /// fits while the TAT is at most `tau` ahead of now, and moves it one
    /// interval on; the queue's request waits until the old TAT.
    #[inline]
    fn gcra(&mut self, c: usize, at: u64) -> Outcome {
        let now = self.lim.scaled(at);
        let stored = if self.at[c] == u64::MAX {
            now
        } else {
            self.value[c]
        };
        let tat = stored.max(now);
        let ok = tat - now <= self.lim.tau();
        if ok {
            self.value[c] = tat + Limits::INTERVAL;
            self.at[c] = at;
        }
        Outcome {
            ok,
            value: if self.at[c] == u64::MAX {
                0
            } else {
                self.value[c]
            },
            aux: if ok { tat - now } else { -1 },
        }
    }
}

/// The sliding window counter's rule, in integers: the previous window's
/// count weighted by the part of it still inside the sliding window, plus
/// the current count, must be below the limit:
/// `prev * (w - elapsed) / w + curr < limit`.
#[inline]
pub fn counter_allows(prev: i64, curr: i64, elapsed: u64, w: u64, limit: u32) -> bool {
    let w = w as i64;
    prev * (w - elapsed as i64) + curr * w < i64::from(limit) * w
}
