//! Benchmark of the rate-limiter model: ten minutes of virtual time at
//! 1,000 requests a second (600,000 requests) through five algorithms side
//! by side, the budget being 50 ms, and through all eight; also the
//! largest race-mode run. Prints figures; asserts nothing. Run with
//! `cargo bench --bench ratelimit`.
//!
//! Beside the wall-clock median and fastest run it prints the fastest
//! run's CPU time (the thread's own, from `CLOCK_THREAD_CPUTIME_ID`): on a
//! machine shared with other builds the wall clock also counts the time
//! the thread waited for a core, the CPU time does not.

mod common;

use std::time::Duration;

use common::{ms, time};

use backend_playground::sim::ratelimit::{Algo, Mode, Params, Pattern, Run};
use backend_playground::sim::Trace;

/// `struct timespec` on 64-bit Linux.
#[repr(C)]
struct Timespec {
    secs: i64,
    nanos: i64,
}

extern "C" {
    fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
}

/// The calling thread's CPU time so far.
fn thread_cpu() -> Duration {
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { secs: 0, nanos: 0 };
    // SAFETY: `ts` is a valid, writable timespec for the call.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.secs as u64, ts.nanos as u32)
}

/// The least CPU time of 15 runs of `f`.
fn least_cpu<T>(mut f: impl FnMut() -> T) -> Duration {
    (0..15)
        .map(|_| {
            let t = thread_cpu();
            std::hint::black_box(f());
            thread_cpu().saturating_sub(t)
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    println!("Rate-limiter model, 600 s of virtual time at 1,000 requests/s");
    println!(
        "{:<44} {:>9} {:>9} {:>10} {:>10} {:>10}",
        "run", "requests", "steps", "median", "fastest", "CPU"
    );
    let five = vec![
        Algo::CheatSheet,
        Algo::FixedWindow,
        Algo::SlidingLog,
        Algo::SlidingCounter,
        Algo::TokenBucket,
    ];
    let mut cases = Vec::new();
    for pattern in [Pattern::Random, Pattern::Abuser, Pattern::Edge] {
        cases.push((
            format!("5 algorithms, {pattern:?}, 100 clients"),
            five.clone(),
            pattern,
            Mode::Traffic,
            600,
        ));
    }
    cases.push((
        "all 8 algorithms, Random, 100 clients".into(),
        Algo::ALL.to_vec(),
        Pattern::Random,
        Mode::Traffic,
        600,
    ));
    cases.push((
        "race mode, 8 algorithms, 2,000 requests".into(),
        Algo::ALL.to_vec(),
        Pattern::Pairs,
        Mode::Race,
        2,
    ));
    for (name, algos, pattern, mode, seconds) in cases {
        let p = Params {
            mode,
            algos,
            pattern,
            limit: 100,
            window_ms: 1_000,
            rate: 100,
            burst: 100,
            clients: 100,
            rps: 1_000,
            seconds,
            instances: 4,
            ..Params::default()
        };
        let (median, fastest) = time(|| Run::new(&p));
        let cpu = least_cpu(|| Run::new(&p));
        let run = Run::new(&p);
        println!(
            "{name:<44} {:>9} {:>9} {:>10} {:>10} {:>10}",
            run.requests().len(),
            run.steps(),
            ms(median),
            ms(fastest),
            ms(cpu)
        );
    }
}
