//! The search for the slowest link of the circuit-breaker model: random
//! links within the table's limits (timelines of up to 20 phases and 600 s,
//! up to 200 calls a second, scripts of up to 1,000 actions with waits of
//! up to an hour, calls in the background and calls with their own
//! durations, and words the readers drop), and mutations of the worst.

use std::time::Duration;

use backend_playground::sim::breaker::{Run, TICK_RANGE};
use backend_playground::sim::rng::Rng;
use backend_playground::sim::{open, Trace};

use crate::nplus1::{edge, edge_of, one, open_link, search, set, Pairs, Space};
use crate::Worst;

const POLICIES: [&str; 5] = ["consecutive", "count", "time", "opossum", "cheat-sheet"];
const KINDS: [&str; 6] = [
    "healthy",
    "slow",
    "down",
    "recovering",
    "degraded",
    "client",
];

/// A health timeline: up to 22 phases (past the limit of 20), often
/// filling the 600 s exactly, with the odd word the reader drops.
fn health(rng: &mut Rng) -> String {
    let n = 1 + edge(rng, 0, 21);
    let mut left = 600u64 + rng.below(2) * rng.below(1_000);
    let mut out = Vec::new();
    for i in 0..n {
        let kind = one(rng, &KINDS);
        let kind = if kind == "degraded" || kind == "client" {
            format!("{kind}{}", 1 + rng.below(99))
        } else {
            kind.to_string()
        };
        let secs = if i + 1 == n {
            left.max(1)
        } else {
            1 + rng.below(left.max(1) / 2 + 1)
        };
        left = left.saturating_sub(secs);
        out.push(match rng.below(20) {
            0 => "bogus:x".to_string(),
            _ => format!("{kind}:{secs}"),
        });
    }
    out.join(",")
}

/// A manual script of up to 1,010 actions: calls (in the background, with
/// their own durations up to two minutes) and waits up to an hour.
fn script(rng: &mut Rng) -> String {
    let n = edge(rng, 0, 1_010);
    (0..n)
        .map(|_| {
            let call = match rng.below(10) {
                0 => return format!("wait{}s", edge(rng, 1, 3_600)),
                1 => return format!("wait{}ms", edge(rng, 1, 3_600_000)),
                2 => return "nope".to_string(),
                3 => "slow",
                4 | 5 => "fail",
                6 => "client",
                _ => "ok",
            };
            let bg = if rng.below(2) == 0 { "~" } else { "" };
            match rng.below(3) {
                0 => format!("{bg}{call}:{}ms", edge(rng, 0, 120_000)),
                _ => format!("{bg}{call}"),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn pair(k: &str, v: impl ToString) -> (String, String) {
    (k.to_string(), v.to_string())
}

fn random(rng: &mut Rng) -> Pairs {
    let traffic = rng.below(5) > 0;
    let mut p = vec![
        pair("mode", if traffic { "traffic" } else { "manual" }),
        pair("policy", one(rng, &POLICIES)),
        pair(
            "compare",
            one(
                rng,
                &["none", "consecutive", "count", "time", "cheat-sheet"],
            ),
        ),
        pair("fail_max", edge_of::<Run>(rng, "fail_max")),
        pair("successes", edge_of::<Run>(rng, "successes")),
        pair("wait_ms", edge_of::<Run>(rng, "wait_ms")),
        pair("window", edge_of::<Run>(rng, "window")),
        pair("window_s", edge_of::<Run>(rng, "window_s")),
        pair("min_calls", edge_of::<Run>(rng, "min_calls")),
        pair("failure_rate", edge_of::<Run>(rng, "failure_rate")),
        pair("slow_rate", edge_of::<Run>(rng, "slow_rate")),
        pair("slow_ms", edge_of::<Run>(rng, "slow_ms")),
        pair("half_open", edge_of::<Run>(rng, "half_open")),
        pair("latency_ms", edge_of::<Run>(rng, "latency_ms")),
        pair("slow_latency_ms", edge_of::<Run>(rng, "slow_latency_ms")),
        pair("timeout_ms", edge_of::<Run>(rng, "timeout_ms")),
    ];
    if traffic {
        p.push(pair("health", health(rng)));
        p.push(pair("rate", edge_of::<Run>(rng, "rate")));
        p.push(pair("seed", rng.below(1 << 32)));
        let (lo, hi) = TICK_RANGE;
        // The shortest step gives the most steps.
        let tick = if rng.below(2) == 0 {
            u64::from(lo)
        } else {
            edge(rng, lo.into(), hi.into())
        };
        p.push(pair("tick_ms", tick));
    } else {
        p.push(pair("script", script(rng)));
    }
    p.push(pair("step", edge(rng, 0, 10_000)));
    p
}

fn mutate(rng: &mut Rng, pairs: &Pairs) -> Pairs {
    match rng.below(10) {
        0 => set(pairs, "policy", one(rng, &POLICIES).into()),
        1 => set(pairs, "compare", one(rng, &POLICIES).into()),
        2 => set(pairs, "health", health(rng)),
        3 => set(pairs, "rate", edge_of::<Run>(rng, "rate").to_string()),
        4 => set(
            pairs,
            "window_s",
            edge_of::<Run>(rng, "window_s").to_string(),
        ),
        5 => set(pairs, "window", edge_of::<Run>(rng, "window").to_string()),
        6 => set(pairs, "seed", rng.below(1 << 32).to_string()),
        7 => set(pairs, "script", script(rng)),
        8 => set(
            pairs,
            "latency_ms",
            edge_of::<Run>(rng, "latency_ms").to_string(),
        ),
        _ => set(
            pairs,
            "min_calls",
            edge_of::<Run>(rng, "min_calls").to_string(),
        ),
    }
}

/// The slowest link found, and what it cost.
pub fn worst() -> Worst {
    let space = Space {
        random,
        mutate,
        open: open_link::<Run>,
    };
    let found = search(&space, 0xB4EA, 3_000, Duration::from_secs(50));
    let run = open::<Run>(&crate::pairs(&found.query)).run;
    let steps = run.steps();
    let caption = crate::caption_us(&run);
    Worst {
        model: "breaker",
        query: found.query,
        cost: found.cost,
        tried: found.tried,
        extra: format!(
            "{steps} steps, {} calls; caption {caption:.1} µs per frame; most memory of any link {:.1} MiB (?{})",
            run.calls().len(),
            found.peak as f64 / (1024.0 * 1024.0),
            found.hungriest
        ),
    }
}
