//! The measured claims, computed from a run: each algorithm's most
//! requests let through for one client within any window (its overshoot
//! over the limit), and the sliding window counter's error against the
//! exact count of what it let through.

use super::engine::Limits;
use super::engine::Outcome;
use super::traffic::Request;
use super::Algo;

/// One algorithm's figures over the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Requests let through (queued, for the leaky queue).
    pub allowed: u64,
    /// Requests limited.
    pub limited: u64,
    /// The most requests of one client let through (for the leaky queue:
    /// served) within any window of `window_ms`, half-open `(t - w, t]`.
    pub worst: u64,
    /// When that window ends, ms.
    pub worst_at: u64,
    /// Whose it was.
    pub worst_client: u32,
}

impl Summary {
    /// The worst window over what the algorithm means to let through in
    /// one window: `limit` for the windowed algorithms, `rate` times the
    /// window for the buckets and GCRA (which let a burst through on top,
    /// by design).
    pub fn overshoot(&self, algo: Algo, lim: &Limits) -> f64 {
        self.worst as f64 / nominal(algo, lim)
    }
}

/// What an algorithm means to let through per client in one window.
pub fn nominal(algo: Algo, lim: &Limits) -> f64 {
    if algo.windowed() {
        f64::from(lim.limit)
    } else {
        f64::from(lim.rate) * lim.window_ms as f64 / 1000.0
    }
}

/// The sliding window counter measured against the exact sliding count of
/// the requests it let through, request by request (as Cloudflare measured
/// it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CounterError {
    /// Requests decided.
    pub requests: u64,
    /// Let through while the exact count had reached the limit.
    pub wrongly_allowed: u64,
    /// Limited while the exact count was below it.
    pub wrongly_limited: u64,
}

impl CounterError {
    /// Wrong decisions as a share of all requests, in percent.
    pub fn percent(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            (self.wrongly_allowed + self.wrongly_limited) as f64 * 100.0 / self.requests as f64
        }
    }
}

/// Sums a lane's figures up as its requests are decided.
///
/// A client's count within the window ending at `t` only ever grows by one
/// per request, so the worst window grows by at most one per request too:
/// it grows exactly when the request let through now and the `worst`
/// before it of the same client all lie within one window, that is when
/// the `worst`-th time back in the client's history is later than
/// `t - window`. One look per request, where counting each window would
/// walk it.
pub struct Summing {
    algo: Algo,
    lim: Limits,
    /// Per client: when each of its requests let through counts (served,
    /// for the leaky queue), in order.
    history: Vec<Vec<u64>>,
    s: Summary,
    err: CounterError,
}

/// Whether at least `k` of the times `h` (in order, none after `t`) lie
/// within the window of `w` ending at `t`, half-open `(t - w, t]`.
#[inline]
fn holds(h: &[u64], t: u64, w: u64, k: usize) -> bool {
    k == 0 || (h.len() >= k && h[h.len() - k] + w > t)
}

impl Summing {
    /// Nothing summed yet.
    pub fn new(algo: Algo, lim: Limits, clients: usize) -> Summing {
        Summing {
            algo,
            lim,
            history: vec![Vec::new(); clients],
            s: Summary::default(),
            err: CounterError::default(),
        }
    }

    /// Adds request `r`'s outcome.
    #[inline]
    pub fn add(&mut self, r: &Request, o: &Outcome) {
        let w = self.lim.window_ms;
        let c = r.client as usize;
        if self.algo == Algo::SlidingCounter {
            let full = holds(&self.history[c], r.at, w, self.lim.limit as usize);
            self.count_error(o.ok, full);
        }
        if !o.ok {
            self.s.limited += 1;
            return;
        }
        // The leaky queue's requests count when served.
        let at = if self.algo == Algo::LeakyQueue {
            r.at + (o.aux / i64::from(self.lim.rate)) as u64
        } else {
            r.at
        };
        let h = &mut self.history[c];
        h.push(at);
        let s = &mut self.s;
        s.allowed += 1;
        if holds(h, at, w, s.worst as usize + 1) {
            s.worst += 1;
            s.worst_at = at;
            s.worst_client = r.client;
        }
        // Only the last `worst + 1` times (or `limit`) are ever looked at
        // again: drop the older ones now and then.
        let keep = (s.worst as usize + 1).max(self.lim.limit as usize);
        if h.len() >= 2 * keep + 64 {
            h.drain(..h.len() - keep);
        }
    }

    /// Judges a sliding counter's decision against the exact count of
    /// what it let through within the window (`full`: it had reached the
    /// limit).
    #[inline]
    fn count_error(&mut self, ok: bool, full: bool) {
        self.err.requests += 1;
        if ok && full {
            self.err.wrongly_allowed += 1;
        } else if !ok && !full {
            self.err.wrongly_limited += 1;
        }
    }

    /// The figures, and the sliding counter's error.
    pub fn finish(self) -> (Summary, Option<CounterError>) {
        let counter = self.algo == Algo::SlidingCounter;
        (self.s, counter.then_some(self.err))
    }
}
