//! Benchmark of the circuit-breaker model: the trace of ten minutes of
//! virtual time at 100 calls per second (and at the largest settings), for
//! each policy, and two policies side by side at 200 calls a second. Prints figures; asserts nothing. Run with
//! `cargo bench --bench breaker`.

mod common;

use common::{ms, time};

use backend_playground::sim::breaker::{Health, Params, Phase, Policy, Run, MAX_RATE};
use backend_playground::sim::Trace;

/// Ten minutes in 20 phases (the most a timeline holds).
fn ten_minutes() -> Vec<Phase> {
    let phase = |health, secs| Phase { health, secs };
    (0..4)
        .flat_map(|_| {
            [
                phase(Health::Healthy, 50),
                phase(Health::Degraded(30), 20),
                phase(Health::Down, 40),
                phase(Health::Recovering, 20),
                phase(Health::Slow, 20),
            ]
        })
        .collect()
}

fn main() {
    println!("Circuit-breaker model, 600 s of virtual time, 1 s per step");
    println!(
        "{:<34} {:>7} {:>8} {:>11} {:>10} {:>10} {:>10}",
        "run", "calls", "steps", "changes", "median", "fastest", "memory"
    );
    let mut cases = Vec::new();
    for policy in Policy::ALL {
        cases.push((policy, None, 100));
    }
    cases.push((Policy::Naive, Some(Policy::Consecutive), 100));
    cases.push((Policy::CountWindow, Some(Policy::TimeWindow), MAX_RATE));
    // The budget: two policies side by side at 200 calls a second, past
    // the page's limit of 100.
    cases.push((Policy::Opossum, Some(Policy::CountWindow), 200));
    cases.push((Policy::Consecutive, Some(Policy::Opossum), 200));
    for (policy, compare, rate) in cases {
        let p = Params {
            policy,
            compare,
            rate,
            health: ten_minutes(),
            window_calls: 100,
            min_calls: 20,
            ..Params::default()
        };
        let (median, fastest) = time(|| Run::unclamped(p.clone()));
        let run = Run::unclamped(p.clone());
        let changes: usize = run.lanes().iter().map(|l| l.transitions.len()).sum();
        let name = format!(
            "{}{} at {rate}/s",
            policy.slug(),
            compare
                .map(|c| format!(" + {}", c.slug()))
                .unwrap_or_default()
        );
        println!(
            "{:<34} {:>7} {:>8} {:>11} {:>10} {:>10} {:>7.2} MB",
            name,
            run.calls().len(),
            run.steps(),
            changes,
            ms(median),
            ms(fastest),
            run.heap_bytes() as f64 / 1e6
        );
    }
    let p = Params {
        rate: 100,
        health: ten_minutes(),
        ..Params::default()
    };
    let run = Run::new(&p);
    let (median, _) = time(|| {
        (0..run.steps())
            .map(|s| run.caption(s).len())
            .sum::<usize>()
    });
    println!(
        "captions of every step: {} for {} steps ({:.2} µs per step)",
        ms(median),
        run.steps(),
        median.as_secs_f64() * 1e6 / run.steps() as f64
    );
}
