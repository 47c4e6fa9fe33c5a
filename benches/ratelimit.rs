//! Benchmark of the rate-limiter model: ten minutes of virtual time at
//! 1,000 requests a second (600,000 requests) through five algorithms side
//! by side, the budget being 50 ms, and through all eight; also the
//! largest race-mode run. Prints figures; asserts nothing. Run with
//! `cargo bench --bench ratelimit`.

mod common;

use common::{ms, time};

use backend_playground::sim::ratelimit::{Algo, Mode, Params, Pattern, Run};
use backend_playground::sim::Trace;

fn main() {
    println!("Rate-limiter model, 600 s of virtual time at 1,000 requests/s");
    println!(
        "{:<44} {:>9} {:>9} {:>10} {:>10}",
        "run", "requests", "steps", "median", "fastest"
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
        let run = Run::new(&p);
        println!(
            "{name:<44} {:>9} {:>9} {:>10} {:>10}",
            run.requests().len(),
            run.steps(),
            ms(median),
            ms(fastest)
        );
    }
}
