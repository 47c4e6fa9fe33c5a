//! The measured claims, computed from a run: each algorithm's most
//! requests let through for one client within any window (its overshoot
//! over the limit), and the sliding window counter's error against the
//! exact count of what it let through.

use std::collections::VecDeque;

use super::engine::Limits;
use super::traffic::Request;
use super::{Algo, Lane};

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

/// The summary of one lane, and for the sliding counter its error.
pub fn summarize(
    lane: &Lane,
    reqs: &[Request],
    lim: &Limits,
    clients: usize,
) -> (Summary, Option<CounterError>) {
    let w = lim.window_ms;
    let mut logs: Vec<VecDeque<u64>> = vec![VecDeque::new(); clients];
    let mut s = Summary::default();
    let counter = lane.algo == Algo::SlidingCounter;
    let mut err = CounterError::default();
    for (k, r) in reqs.iter().enumerate() {
        let o = lane.outcome(k);
        let log = &mut logs[r.client as usize];
        // The leaky queue's requests count when served.
        let at = if lane.algo == Algo::LeakyQueue && o.ok {
            r.at + (o.aux / i64::from(lim.rate)) as u64
        } else {
            r.at
        };
        while log.front().is_some_and(|&t| t + w <= at) {
            log.pop_front();
        }
        if counter {
            let exact = log.len() as u64;
            err.requests += 1;
            if o.ok && exact >= u64::from(lim.limit) {
                err.wrongly_allowed += 1;
            } else if !o.ok && exact < u64::from(lim.limit) {
                err.wrongly_limited += 1;
            }
        }
        if o.ok {
            s.allowed += 1;
            log.push_back(at);
            if log.len() as u64 > s.worst {
                s.worst = log.len() as u64;
                s.worst_at = at;
                s.worst_client = r.client;
            }
        } else {
            s.limited += 1;
        }
    }
    (s, counter.then_some(err))
}
