//! Timing helpers shared by the benchmarks.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Runs `f` repeatedly for about a second (at least 5 times) and returns the
/// median and the fastest time.
pub fn time<T>(mut f: impl FnMut() -> T) -> (Duration, Duration) {
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < 5 || (start.elapsed() < Duration::from_secs(1) && samples.len() < 200) {
        let t = Instant::now();
        black_box(f());
        samples.push(t.elapsed());
    }
    samples.sort();
    (samples[samples.len() / 2], samples[0])
}

/// A duration in milliseconds, two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}
