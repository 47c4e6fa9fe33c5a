//! The retry policies as pure functions: the delay before retry `n` is a
//! function of `n`, the previous delay, the base, the cap and one uniform
//! draw in `[0, 1)`, so that a library given the same draws can be compared
//! with the model delay for delay (`tests/it/retry_libraries.rs`).
//!
//! Retry `n` counts from 1 (the first retry, after the first failure). The
//! exponential family waits `min(cap, base * 2^(n-1))` before retry `n`:
//! the first retry waits `base`, as tenacity, exponential-backoff and
//! p-retry do. The AWS simulator counts from 1 in the exponent
//! (`base * 2^n`), so its retry `n` waits what ours waits at `n + 1`.
//! A uniform draw in `[a, b)` is `a + (b - a) * u`, the arithmetic of
//! Python's `random.uniform`, so equal draws give equal bits.

use super::super::model::Choices;

/// How a client waits before trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// No retry: the first failure is final.
    None,
    /// Retry at once, with no wait (the AWS simulator's "no backoff").
    Immediate,
    /// Wait `base` before every retry.
    Fixed,
    /// `min(cap, base * 2^(n-1))`, no jitter.
    Exponential,
    /// Full jitter: uniform in `[0, min(cap, base * 2^(n-1)))`.
    Full,
    /// Equal jitter: half the exponential delay plus a uniform draw over
    /// the other half.
    Equal,
    /// Decorrelated jitter: `min(cap, uniform(base, 3 * previous))`, the
    /// previous delay starting at `base`.
    Decorrelated,
}

impl Policy {
    /// Every policy, in the order the view lists them.
    pub const ALL: [Policy; 7] = [
        Policy::None,
        Policy::Immediate,
        Policy::Fixed,
        Policy::Exponential,
        Policy::Full,
        Policy::Equal,
        Policy::Decorrelated,
    ];

    /// The policies that retry (every one but [`Policy::None`]): the
    /// sweep's curves.
    pub const RETRYING: [Policy; 6] = [
        Policy::Immediate,
        Policy::Fixed,
        Policy::Exponential,
        Policy::Full,
        Policy::Equal,
        Policy::Decorrelated,
    ];

    /// The word the URL uses.
    pub fn slug(self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::Immediate => "immediate",
            Policy::Fixed => "fixed",
            Policy::Exponential => "exponential",
            Policy::Full => "full-jitter",
            Policy::Equal => "equal-jitter",
            Policy::Decorrelated => "decorrelated",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Policy::None => "No retry",
            Policy::Immediate => "Immediate retry (no backoff)",
            Policy::Fixed => "Fixed delay",
            Policy::Exponential => "Exponential, no jitter",
            Policy::Full => "Exponential, full jitter",
            Policy::Equal => "Exponential, equal jitter",
            Policy::Decorrelated => "Decorrelated jitter",
        }
    }

    /// Whether a delay takes a random draw.
    pub fn jittered(self) -> bool {
        matches!(self, Policy::Full | Policy::Equal | Policy::Decorrelated)
    }

    /// The delay before retry `n` (from 1), in ms; `previous` is the delay
    /// before retry `n - 1` (`base` for the first retry), `u` a draw in
    /// `[0, 1)`. [`Policy::None`] never retries; it answers 0.
    pub fn delay(self, n: u32, previous: f64, base: f64, cap: f64, u: f64) -> f64 {
        match self {
            Policy::None | Policy::Immediate => 0.0,
            Policy::Fixed => base.min(cap),
            Policy::Exponential => exponential(n, base, cap),
            Policy::Full => uniform(0.0, exponential(n, base, cap), u),
            Policy::Equal => {
                let half = exponential(n, base, cap) / 2.0;
                half + uniform(0.0, half, u)
            }
            Policy::Decorrelated => uniform(base, previous * 3.0, u).min(cap),
        }
    }

    /// The delays before retries `1..=n`, drawing from `draws` in order
    /// (only jittered policies draw; a missing draw reads as 0).
    pub fn delays(self, n: u32, base: f64, cap: f64, draws: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(n as usize);
        let mut previous = base;
        let mut next = draws.iter().copied();
        for i in 1..=n {
            let u = if self.jittered() {
                next.next().unwrap_or(0.0)
            } else {
                0.0
            };
            let d = self.delay(i, previous, base, cap, u);
            previous = d;
            out.push(d);
        }
        out
    }
}

impl Choices for Policy {
    const ALL: &'static [Policy] = &Policy::ALL;
    fn word(self) -> &'static str {
        self.slug()
    }
}

/// `min(cap, base * 2^(n-1))`, exact in binary floating point (a power of
/// two times `base`), with no overflow for any `n`.
pub fn exponential(n: u32, base: f64, cap: f64) -> f64 {
    let shift = n.saturating_sub(1);
    if shift >= 63 {
        return cap;
    }
    (base * (1u64 << shift) as f64).min(cap)
}

/// A draw `u` in `[0, 1)` placed in `[a, b)`: `a + (b - a) * u`, Python's
/// `random.uniform`.
pub fn uniform(a: f64, b: f64, u: f64) -> f64 {
    a + (b - a) * u
}

/// A uniform draw in `[0, 1)` from 64 random bits: the top 53, as Python's
/// `random.random` and JavaScript engines make theirs.
pub fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}
