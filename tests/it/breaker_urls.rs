//! Property test of the circuit-breaker permalinks: random query strings,
//! built from the words its URLs use and from garbage, never panic, always
//! open a valid state, and that state written back reads back the same with
//! nothing to complain about.

use crate::common;

use backend_playground::sim::breaker::{
    MAX_ACTIONS, MAX_PHASES, MAX_RATE, MAX_SECONDS, TICK_RANGE,
};
use backend_playground::sim::rng::Rng;

const KEYS: &[&str] = &[
    "mode",
    "policy",
    "compare",
    "fail_max",
    "successes",
    "wait_ms",
    "window",
    "window_s",
    "min_calls",
    "failure_rate",
    "slow_rate",
    "slow_ms",
    "half_open",
    "health",
    "rate",
    "seed",
    "tick_ms",
    "script",
    "latency_ms",
    "slow_latency_ms",
    "timeout_ms",
    "step",
    "",
    "%",
    "n",
];

const VALUES: &[&str] = &[
    "traffic",
    "manual",
    "consecutive",
    "count",
    "time",
    "cheat-sheet",
    "none",
    "naive",
    "0",
    "1",
    "5",
    "100",
    "-3",
    "600001",
    "99999999999999999999999999999999999",
    "1.5",
    " 7 ",
    "",
    "healthy:20,down:30",
    "degraded50:10,slow:5",
    "degraded0:10",
    "degraded100:5",
    "down:x",
    "healthy:700",
    "recovering:1,,healthy:2",
    "slow",
    ":::",
    "ok,fail,slow,wait1s,wait250ms",
    "ok,boom",
    "wait0s",
    "wait99999999999s",
    "wait3600s",
    "fail,fail,fail,fail,fail",
];

fn random_query(rng: &mut Rng) -> String {
    common::random_query(rng, "circuit-breaker", KEYS, VALUES, ",healthy:3,fail")
}

#[test]
fn random_urls_open_a_valid_state_that_round_trips() {
    let seen = common::round_trips::<backend_playground::sim::breaker::Run>(
        0xb4ea,
        4_000,
        "circuit-breaker",
        random_query,
        |q, o| {
            let p = o.run.params();
            assert!(p.health.len() <= MAX_PHASES && !p.health.is_empty(), "{q}");
            assert!(
                p.health.iter().map(|h| h.secs).sum::<u32>() <= MAX_SECONDS,
                "{q}"
            );
            assert!(p.script.len() <= MAX_ACTIONS, "{q}");
            assert!((1..=MAX_RATE).contains(&p.rate), "{q}");
            assert!((TICK_RANGE.0..=TICK_RANGE.1).contains(&p.tick_ms), "{q}");
            assert!(p.compare != Some(p.policy), "{q}");
        },
        |back, o, o2| {
            assert_eq!(
                backend_playground::sim::pairs::<backend_playground::sim::breaker::Run>(
                    o2.run.params()
                ),
                backend_playground::sim::pairs::<backend_playground::sim::breaker::Run>(
                    o.run.params()
                ),
                "{back}"
            )
        },
    );
    let (opened, with_problems) = (seen.opened, seen.with_problems);
    println!("{opened} URLs opened the circuit breaker, {with_problems} with a notice");
    assert!(opened >= 3_000, "only {opened}");
    assert!(with_problems > 500 && with_problems < opened);
}
