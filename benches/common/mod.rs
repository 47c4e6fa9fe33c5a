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

/// Runs `f` with the C allocator keeping the memory freed on its heap
/// instead of handing it back to the system, as a browser's wasm memory
/// does (it never shrinks); the setting is restored after. On glibc,
/// freeing the few megabytes a run used hands them back at once, and the
/// next run takes a page fault on each page again; elsewhere `f` just runs.
pub fn memory_kept<T>(f: impl FnOnce() -> T) -> T {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // glibc's M_TRIM_THRESHOLD, and its default of 128 KiB.
        const TRIM: i32 = -1;
        // SAFETY: mallopt only changes a setting of the C allocator.
        unsafe { mallopt(TRIM, i32::MAX) };
        let out = f();
        // SAFETY: as above.
        unsafe { mallopt(TRIM, 128 * 1024) };
        out
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    f()
}
