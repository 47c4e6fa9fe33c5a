//! opossum's breaker (Node.js, `lib/circuit.js` and `lib/status.js` of
//! opossum 10): every call is a fire, counted in a rolling window of
//! buckets; an error percentage strictly over the threshold opens it once
//! the window has `volumeThreshold` fires; a reset timer moves it to
//! half-open with no call needed; one trial call; the window is never
//! cleared.
//!
//! opossum runs on timers, so the model fixes the order of timers due at
//! the same millisecond: by due time, then by when each was set (an
//! interval counts as set again each time it runs), the order of the fake
//! clock its conformance test runs opossum on (`@sinonjs/fake-timers`):
//!
//! - the window turns over every `floor(rollingCountTimeout /
//!   rollingCountBuckets)` ms from the breaker's creation, on an interval
//!   that is set again each time it runs. An outcome due exactly at a
//!   bucket edge therefore lands before the turn (in the bucket that is
//!   ending) if its call began before the previous edge, that is, if it
//!   took longer than one bucket; otherwise after it. A call's start at
//!   an edge is always in the new bucket;
//! - the warm-up timer is set at creation: a failure exactly
//!   `rollingCountTimeout` ms in may open the breaker;
//! - a call's own timeout is set before its action runs, so a call that
//!   takes exactly `timeout` ms has timed out;
//! - the reset timer is set when the breaker opens, after the timers of
//!   every call in flight: outcomes due at its instant come first, call
//!   starts after (a call at that instant is the trial).

use std::collections::VecDeque;

use super::engine::{
    Breaker, Config, Count, Permit, Raised, Record, Rule, State, Tally, Transition,
};
use super::{flag, secs, Lane, Result};

/// What one bucket (or the whole window) counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Calls fired, rejected ones included.
    pub fires: u32,
    /// Failures, timeouts included (errors the filter lets through are
    /// successes).
    pub failures: u32,
    /// Successes, filtered errors included.
    pub successes: u32,
    /// Calls that timed out.
    pub timeouts: u32,
    /// Calls rejected while open.
    pub rejects: u32,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.fires += o.fires;
        self.failures += o.failures;
        self.successes += o.successes;
        self.timeouts += o.timeouts;
        self.rejects += o.rejects;
    }
}

/// opossum's own state beside the shared [`Breaker`] fields.
#[derive(Debug, Clone)]
pub struct Opossum {
    /// A bucket's span, ms: `floor(rolling_ms / buckets)`, at least 1.
    interval: u64,
    /// Buckets in the window.
    buckets: u64,
    /// `(bucket number, counts)`, oldest first, for the buckets that
    /// counted something: the window's, and the one just before it (an
    /// outcome at an edge may still land in the bucket that is ending).
    ring: VecDeque<(u64, Counts)>,
    /// The trial call has not started yet (opossum's `pendingClose`).
    pending_close: bool,
    /// The reset timer, while open: when it goes off, and the call whose
    /// failure opened the breaker.
    reset: Option<(u64, u32)>,
}

impl Opossum {
    /// The state of a new breaker with `cfg`.
    pub fn new(cfg: &Config) -> Opossum {
        let buckets = u64::from(cfg.buckets.max(1));
        Opossum {
            interval: (cfg.rolling_ms / buckets).max(1),
            buckets,
            ring: VecDeque::new(),
            pending_close: false,
            reset: None,
        }
    }

    /// The bucket a start at `now` counts in.
    fn bucket_of_start(&self, now: u64) -> u64 {
        now / self.interval
    }

    /// The bucket an outcome at `now` of a call that took `duration` ms
    /// counts in: at an edge, the ending one if the call took longer than
    /// a bucket (its timer was set before the window last turned over).
    fn bucket_of_outcome(&self, now: u64, duration: u64) -> u64 {
        let k = now / self.interval;
        if now.is_multiple_of(self.interval) && duration > self.interval && k > 0 {
            k - 1
        } else {
            k
        }
    }

    /// The counts of bucket `k`, created if need be; buckets too old to
    /// matter any more are dropped.
    fn bucket(&mut self, k: u64) -> &mut Counts {
        while self.ring.front().is_some_and(|(i, _)| i + self.buckets < k) {
            self.ring.pop_front();
        }
        let at = self.ring.partition_point(|(i, _)| *i < k);
        if self.ring.get(at).is_none_or(|(i, _)| *i != k) {
            self.ring.insert(at, (k, Counts::default()));
        }
        &mut self.ring[at].1
    }

    /// The window as of bucket `k`: that bucket and the `buckets - 1`
    /// before it.
    pub fn window(&self, k: u64) -> Counts {
        let mut sum = Counts::default();
        for (i, c) in &self.ring {
            if *i <= k && i + self.buckets > k {
                sum.add(c);
            }
        }
        sum
    }

    /// The window at `now`.
    pub fn window_at(&self, now: u64) -> Counts {
        self.window(self.bucket_of_start(now))
    }

    /// When the reset timer goes off, if it is set.
    pub fn reset_due(&self) -> Option<u64> {
        self.reset.map(|(due, _)| due)
    }

    /// Whether the one trial call may still start.
    pub fn trial_free(&self) -> bool {
        self.pending_close
    }
}

/// Runs opossum's timers due by `now` (see [`Breaker::tick`]): the reset
/// timer, which moves an open breaker to half-open with no call needed.
/// The window's turns and the warm-up's end depend on the time alone.
pub fn tick(b: &mut Breaker, now: u64, inclusive: bool) {
    if b.state() != State::Open {
        return;
    }
    let Some((due, call)) = b.op.reset else {
        return;
    };
    if due < now || (inclusive && due == now) {
        b.op.reset = None;
        b.op.pending_close = true;
        let wait_ms = b.config().wait_ms;
        b.go(due, State::HalfOpen, Rule::ResetTimer { wait_ms }, call);
    }
}

/// The window's figures at `now`, after the timers due before it.
pub fn tally(b: &mut Breaker, now: u64) -> Tally {
    tick(b, now, false);
    let w = b.op.window_at(now);
    Tally {
        total: w.fires,
        failed: w.failures,
        slow: 0,
    }
}

/// A fire at `now`: counted whatever happens next; it passes when closed,
/// or as the one trial in half-open.
pub fn acquire(b: &mut Breaker, now: u64, _call: u32) -> Permit {
    let k = b.op.bucket_of_start(now);
    b.op.bucket(k).fires += 1;
    let pass = match b.state() {
        State::Closed => true,
        State::HalfOpen if b.op.pending_close => {
            b.op.pending_close = false;
            true
        }
        _ => false,
    };
    if pass {
        Permit::Pass
    } else {
        b.op.bucket(k).rejects += 1;
        Permit::Reject
    }
}

/// The outcome of a call that passed: a call as long as the timeout or
/// longer has timed out (the caller gets opossum's `ETIMEDOUT`); a filtered
/// client error is a success; a success in half-open closes the breaker and
/// any failure there opens it again, whichever call it comes from.
pub fn record(b: &mut Breaker, now: u64, call: u32, result: Result, duration: u64) -> Raised {
    let cfg = *b.config();
    let timed_out = result == Result::Timeout || duration >= cfg.timeout_ms;
    let failed = timed_out || b.count(result) == Count::Failure;
    let k = b.op.bucket_of_outcome(now, duration);
    let c = b.op.bucket(k);
    if timed_out {
        c.timeouts += 1;
    }
    if failed {
        c.failures += 1;
    } else {
        c.successes += 1;
    }
    let state = b.state();
    b.records.push(Record {
        at: now,
        call,
        failed,
        slow: false,
        state,
    });
    if failed {
        fail(b, now, call, k);
    } else if state == State::HalfOpen {
        b.op.pending_close = false;
        b.op.reset = None;
        b.go(
            now,
            State::Closed,
            Rule::TrialsPassed { successes: 1 },
            call,
        );
    }
    if timed_out {
        Raised::BreakerError
    } else {
        Raised::Original
    }
}

/// opossum's `fail()`: after the warm-up, with enough fires in the window
/// (or in half-open), a failure percentage strictly over the threshold
/// opens the breaker, computed in floating point as opossum does.
fn fail(b: &mut Breaker, now: u64, call: u32, k: u64) {
    let cfg = *b.config();
    if cfg.warm_up && now < cfg.rolling_ms {
        return;
    }
    let half = b.state() == State::HalfOpen;
    let w = b.op.window(k);
    if w.fires < cfg.volume && !half {
        return;
    }
    let rate = f64::from(w.failures) / f64::from(w.fires) * 100.0;
    if !(rate > f64::from(cfg.failure_rate) || half) || b.state() == State::Open {
        return;
    }
    let rule = if half {
        Rule::TrialFailed
    } else {
        Rule::ErrorPercentage {
            failed: w.failures,
            fires: w.fires,
            threshold: cfg.failure_rate,
        }
    };
    b.op.pending_close = false;
    b.op.reset = Some((now.saturating_add(cfg.wait_ms), call));
    b.go(now, State::Open, rule, call);
}

/// What a change of state out of half-open means: opossum lets any call's
/// outcome decide, the trial's or an earlier call's, and closing keeps the
/// window.
pub fn half_open_caption(lane: &Lane, t: &Transition) -> String {
    let c = &lane.config;
    let at = secs(t.at);
    let trial = lane
        .flags
        .get(t.call as usize)
        .is_some_and(|f| f & flag::TRIAL != 0 && f & flag::PASSED != 0);
    let who = if trial {
        "the trial call"
    } else {
        "an earlier call, not the trial,"
    };
    if t.to == State::Open {
        format!(
            "At {at}, {who} failed while half-open: opossum opens again on any failure then, and its {} reset timer starts over.",
            secs(c.wait_ms)
        )
    } else {
        format!(
            "At {at}, {who} succeeded while half-open: the breaker closes. Its rolling window is not cleared: the fires and failures of the last {} still count.",
            secs(c.rolling_ms)
        )
    }
}

#[cfg(test)]
#[path = "opossum_tests.rs"]
mod tests;
