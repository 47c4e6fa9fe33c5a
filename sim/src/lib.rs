//! The models: pure Rust, with no Leptos, no browser APIs, no clock and no
//! I/O. A model is a function of its parameters (a seed included) to a
//! [`Trace`]: the same input gives the same output on any machine.
//!
//! Every model has the same shape, the [`Model`] trait:
//!
//! - a `Params` type, read from the pairs of a URL, clamped and written back
//!   by one parameter table ([`model::Param`] rows) through the
//!   [`params::Reader`], which clamps or falls back with a reason;
//! - a run type that does its work up front (every step, or compact
//!   records from which any step is a lookup), so that stepping
//!   back and jumping to any step cost nothing;
//! - a trace that answers, for each step, a caption and the figures the view
//!   shows.

#![warn(missing_docs)]

pub mod breaker;
pub mod cache;
pub mod isolation;
pub mod model;
pub mod nplus1;
pub mod params;
pub mod query;
pub mod ratelimit;
pub mod retry;
pub mod rng;

pub use model::{clamp, link, open, pairs, read, Model};

/// What every model's trace offers the shared player.
pub trait Trace {
    /// The number of steps; at least one (the state before anything ran).
    fn steps(&self) -> usize;
    /// A plain sentence saying what happened at `step` and why. Steps past
    /// the end are read as the last step.
    fn caption(&self, step: usize) -> String;
}

/// A run opened from a URL: the run, the step to show, and what in the URL
/// was wrong (each named with the value used instead).
#[derive(Debug, Clone)]
pub struct Opened<R> {
    /// The run of the parameters read.
    pub run: R,
    /// The step to show, within the run.
    pub step: usize,
    /// What was ignored or changed, for the notice.
    pub problems: Vec<String>,
}

/// Formats an integer with thousands separators: `12345` → `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Formats a duration in nanoseconds for people: `850 ns`, `12.3 ms`,
/// `4.2 s`.
pub fn duration(ns: u64) -> String {
    scaled(ns, ["ns", "µs", "ms", "s"])
}

/// Formats a byte count: `512 B`, `12.5 kB`, `3.4 MB` (powers of 1000).
pub fn bytes(n: u64) -> String {
    scaled(n, ["B", "kB", "MB", "GB"])
}

/// `v` in the largest of four units 1000 apart that it reaches.
fn scaled(v: u64, units: [&str; 4]) -> String {
    let (mut div, mut i) = (1u64, 0);
    while i < 3 && v / div >= 1_000 {
        div *= 1_000;
        i += 1;
    }
    if i == 0 {
        format!("{v} {}", units[0])
    } else {
        format!("{} {}", trim(v as f64 / div as f64), units[i])
    }
}

/// Three significant figures, without trailing zeros after the point.
fn trim(x: f64) -> String {
    let s = if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The caption a visualization opens with when its page's URL carries no
/// parameters (its default preset at step 0), by the name a topic's front
/// matter gives it: what the page shows before the model's module runs.
pub fn first_caption(visualization: &str) -> Option<String> {
    fn first<M: Model>(name: &str) -> Option<String> {
        (name == M::NAME).then(|| open::<M>(&[]).run.caption(0))
    }
    first::<nplus1::Run>(visualization)
        .or_else(|| first::<breaker::Run>(visualization))
        .or_else(|| first::<cache::Run>(visualization))
        .or_else(|| first::<isolation::lab::Run>(visualization))
        .or_else(|| first::<retry::Run>(visualization))
        .or_else(|| first::<ratelimit::Run>(visualization))
}

/// Every model's name, as topics give it (`visualization:`).
pub const NAMES: [&str; 6] = [
    <nplus1::Run as Model>::NAME,
    <breaker::Run as Model>::NAME,
    <cache::Run as Model>::NAME,
    <isolation::lab::Run as Model>::NAME,
    <ratelimit::Run as Model>::NAME,
    <retry::Run as Model>::NAME,
];

/// Checks every model's parameter table (see [`model::check_table`]).
pub fn check_tables() -> Vec<String> {
    let mut wrong = model::check_table::<nplus1::Run>();
    wrong.extend(model::check_table::<breaker::Run>());
    wrong.extend(model::check_table::<cache::Run>());
    wrong.extend(model::check_table::<isolation::lab::Run>());
    wrong.extend(model::check_table::<retry::Run>());
    wrong.extend(model::check_table::<ratelimit::Run>());
    wrong
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_table_is_sound() {
        assert_eq!(check_tables(), Vec::<String>::new());
    }

    #[test]
    fn figures_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(40_001), "40,001");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(duration(850), "850 ns");
        assert_eq!(duration(100_000), "100 µs");
        assert_eq!(duration(12_340_000), "12.3 ms");
        assert_eq!(duration(1_500_000), "1.5 ms");
        assert_eq!(duration(4_200_000_000), "4.2 s");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(12_500), "12.5 kB");
    }
}
