//! The measured claims, computed from a run: each algorithm's most
//! requests let through for one client within any window (its overshoot
//! over the limit), and the sliding window counter's error against the
//! exact count of what it let through.

use std::collections::VecDeque;

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
pub struct Summing {
    algo: Algo,
    lim: Limits,
    /// What was let through within the last window, oldest first, with
    /// whose it was (requests arrive in time order, so one queue serves
    /// every client); and per client how many of them are its.
    recent: VecDeque<(u64, u32)>,
    counts: Vec<u32>,
    /// The leaky queue's served times are in order per client only: a
    /// queue per client.
    served: Vec<VecDeque<u64>>,
    s: Summary,
    err: CounterError,
}

impl Summing {
    /// Nothing summed yet.
    pub fn new(algo: Algo, lim: Limits, clients: usize) -> Summing {
        let queue = algo == Algo::LeakyQueue;
        Summing {
            algo,
            lim,
            recent: VecDeque::new(),
            counts: vec![0; clients],
            served: vec![VecDeque::new(); if queue { clients } else { 0 }],
            s: Summary::default(),
            err: CounterError::default(),
        }
    }

    /// Adds request `r`'s outcome.
    #[inline]
    pub fn add(&mut self, r: &Request, o: &Outcome) {
        let w = self.lim.window_ms;
        let c = r.client as usize;
        let (at, within) = if self.algo == Algo::LeakyQueue {
            // The leaky queue's requests count when served.
            let at = if o.ok {
                r.at + (o.aux / i64::from(self.lim.rate)) as u64
            } else {
                r.at
            };
            let log = &mut self.served[c];
            while log.front().is_some_and(|&t| t + w <= at) {
                log.pop_front();
            }
            if o.ok {
                log.push_back(at);
            }
            (at, log.len() as u64)
        } else {
            while let Some(&(t, who)) = self.recent.front() {
                if t + w > r.at {
                    break;
                }
                self.counts[who as usize] -= 1;
                self.recent.pop_front();
            }
            let exact = u64::from(self.counts[c]);
            if self.algo == Algo::SlidingCounter {
                self.count_error(o.ok, exact);
            }
            if o.ok {
                self.recent.push_back((r.at, r.client));
                self.counts[c] += 1;
            }
            (r.at, exact + u64::from(o.ok))
        };
        let s = &mut self.s;
        if o.ok {
            s.allowed += 1;
            if within > s.worst {
                s.worst = within;
                s.worst_at = at;
                s.worst_client = r.client;
            }
        } else {
            s.limited += 1;
        }
    }

    /// Judges a sliding counter's decision against the exact count of
    /// what it let through within the window.
    #[inline]
    fn count_error(&mut self, ok: bool, exact: u64) {
        let limit = u64::from(self.lim.limit);
        self.err.requests += 1;
        if ok && exact >= limit {
            self.err.wrongly_allowed += 1;
        } else if !ok && exact < limit {
            self.err.wrongly_limited += 1;
        }
    }

    /// The figures, and the sliding counter's error.
    pub fn finish(self) -> (Summary, Option<CounterError>) {
        let counter = self.algo == Algo::SlidingCounter;
        (self.s, counter.then_some(self.err))
    }
}
