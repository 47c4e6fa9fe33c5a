//! opossum's breaker (Node.js, `lib/circuit.js` and `lib/status.js` of
//! opossum 10): every call is a fire, counted in a rolling window of
//! buckets; an error percentage strictly over the threshold opens it once
//! the window has `volumeThreshold` fires; a reset timer moves it to
//! half-open with no call needed; one trial call; the window is never
//! cleared.

use super::engine::{Breaker, Config, Count, Permit, Raised, Record};
use super::Result;

/// opossum's own state beside the shared [`Breaker`] fields.
#[derive(Debug, Clone, Default)]
pub struct Opossum {}

impl Opossum {
    /// The state of a new breaker with `cfg`.
    pub fn new(_cfg: &Config) -> Opossum {
        Opossum {}
    }
}

/// Runs opossum's timers due by `now` (see [`Breaker::tick`]).
pub fn tick(b: &mut Breaker, _now: u64, _inclusive: bool) {
    let _ = &b.op;
}

/// A fire at `now`.
pub fn acquire(_b: &mut Breaker, _now: u64, _call: u32) -> Permit {
    Permit::Pass
}

/// The outcome of a call that passed.
pub fn record(b: &mut Breaker, now: u64, call: u32, result: Result, _duration: u64) -> Raised {
    let failed = b.count(result) == Count::Failure;
    let state = b.state();
    b.records.push(Record {
        at: now,
        call,
        failed,
        slow: false,
        state,
    });
    Raised::Original
}
