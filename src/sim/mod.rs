//! The models: pure Rust, with no Leptos, no browser APIs, no clock and no
//! I/O. A model is a function of its parameters (a seed included) to a
//! [`Trace`]: the same input gives the same output on any machine.
//!
//! Every model has the same shape:
//!
//! - a `Params` type that can only hold valid values, read from the pairs of
//!   a URL by [`params`] helpers that clamp or fall back with a reason;
//! - a `run` function that computes the whole trace up front, so that
//!   stepping back and jumping to any step cost nothing;
//! - a trace that answers, for each step, a caption and the figures the view
//!   shows.

pub mod breaker;
pub mod cache;
pub mod isolation;
pub mod nplus1;
pub mod params;
pub mod rng;

/// What every model's trace offers the shared player.
pub trait Trace {
    /// The number of steps; at least one (the state before anything ran).
    fn steps(&self) -> usize;
    /// A plain sentence saying what happened at `step` and why. Steps past
    /// the end are read as the last step.
    fn caption(&self, step: usize) -> String;
}

/// A model: parameters in, a trace out.
pub trait Model {
    /// Everything a permalink carries; a value that exists is valid.
    type Params;
    /// The steps, with what the view shows at each.
    type Trace: Trace;
    /// Computes the whole trace. Never panics.
    fn run(params: &Self::Params) -> Self::Trace;
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

/// Reads a model's parameters and the player's step from decoded URL pairs
/// and runs the model. Never fails: bad values give the nearest valid state
/// and a problem.
pub fn open_with<P, R: Trace>(
    pairs: &[(String, String)],
    read: impl FnOnce(&mut params::Reader) -> P,
    run: impl FnOnce(&P) -> R,
) -> Opened<R> {
    let mut r = params::Reader::new(pairs);
    let p = read(&mut r);
    let run = run(&p);
    let step = r.step(run.steps());
    Opened {
        run,
        step,
        problems: r.finish(),
    }
}

/// A model's URL pairs with the player's step last.
pub fn with_step(
    mut pairs: Vec<(&'static str, String)>,
    step: usize,
) -> Vec<(&'static str, String)> {
    pairs.push(("step", step.to_string()));
    pairs
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
    Some(match visualization {
        "n-plus-one" => nplus1::open(&[]).run.caption(0),
        "circuit-breaker" => breaker::open(&[]).run.caption(0),
        "cache-aside" => cache::open(&[]).run.caption(0),
        "isolation" => isolation::lab::open(&[]).run.caption(0),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_visualization_has_a_first_caption() {
        for t in crate::content::TOPICS {
            if let Some(v) = t.visualization {
                let caption = first_caption(v).unwrap_or_default();
                assert!(!caption.is_empty(), "{v} has no first caption");
            }
        }
        assert_eq!(first_caption("no-such-model"), None);
    }

    use super::*;

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
