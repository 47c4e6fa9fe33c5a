//! The search for the slowest link of the cache-aside model: random links
//! within the table's limits (programs of up to 20 operations for two or
//! three instances, schedules of up to 200 entries with crashes and waits
//! of up to a day, and words the readers drop), and mutations of the worst.

use std::time::Duration;

use backend_playground::sim::cache::{Run, WritePolicy, MAX_OPS, MAX_SCHEDULE};
use backend_playground::sim::rng::Rng;
use backend_playground::sim::{open, Trace};

use crate::nplus1::{edge, edge_of, one, open_link, search, set, Pairs, Space};
use crate::Worst;

/// A program of up to 22 operations (past the limit of 20).
fn program(rng: &mut Rng) -> String {
    let n = edge(rng, 0, MAX_OPS as u64 + 2);
    (0..n)
        .map(|_| match rng.below(12) {
            0 => "rm",
            k if k % 2 == 0 => "read",
            _ => "write",
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A schedule of up to 205 entries: steps, crashes, waits up to a day.
fn schedule(rng: &mut Rng, three: bool) -> String {
    let n = edge(rng, 0, MAX_SCHEDULE as u64 + 5);
    let names: &[&str] = if three { &["a", "b", "c"] } else { &["a", "b"] };
    (0..n)
        .map(|_| match rng.below(10) {
            0 => format!("{}!", one(rng, names)),
            1 => format!("{}s", edge(rng, 1, 86_400)),
            2 => format!("{}ms", edge(rng, 1, 86_400_000)),
            3 => "zz".to_string(),
            _ => one(rng, names).to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn pair(k: &str, v: impl ToString) -> (String, String) {
    (k.to_string(), v.to_string())
}

fn random(rng: &mut Rng) -> Pairs {
    let policy = WritePolicy::ALL[rng.below(6) as usize].slug();
    let three = rng.below(2) == 0;
    let mut p = vec![
        pair("policy", policy),
        pair("lease", one(rng, &["on", "off"])),
        pair("jitter", edge_of::<Run>(rng, "jitter")),
        pair("xfetch", edge_of::<Run>(rng, "xfetch")),
        pair("ttl_ms", edge_of::<Run>(rng, "ttl_ms")),
        pair("lease_ms", edge_of::<Run>(rng, "lease_ms")),
        pair("flush_ms", edge_of::<Run>(rng, "flush_ms")),
        pair("refresh", edge_of::<Run>(rng, "refresh")),
        pair("db_ms", edge_of::<Run>(rng, "db_ms")),
        pair("warm", one(rng, &["on", "off"])),
        pair("seed", rng.below(1 << 32)),
        pair("a", program(rng)),
        pair("b", program(rng)),
    ];
    if three {
        p.push(pair("c", program(rng)));
    }
    p.push(pair("schedule", schedule(rng, three)));
    p.push(pair("step", edge(rng, 0, 3_000)));
    p
}

fn mutate(rng: &mut Rng, pairs: &Pairs) -> Pairs {
    let three = pairs.iter().any(|(k, _)| k == "c");
    match rng.below(7) {
        0 => set(
            pairs,
            "policy",
            WritePolicy::ALL[rng.below(6) as usize].slug().into(),
        ),
        1 => set(pairs, one(rng, &["a", "b"]), program(rng)),
        2 | 3 => set(pairs, "schedule", schedule(rng, three)),
        4 => set(
            pairs,
            "flush_ms",
            edge_of::<Run>(rng, "flush_ms").to_string(),
        ),
        5 => set(pairs, "ttl_ms", edge_of::<Run>(rng, "ttl_ms").to_string()),
        _ => set(pairs, "lease", one(rng, &["on", "off"]).into()),
    }
}

/// The slowest link found, and what it cost.
pub fn worst() -> Worst {
    let space = Space {
        random,
        mutate,
        open: open_link::<Run>,
    };
    let found = search(&space, 0xCAC4E, 3_000, Duration::from_secs(40));
    let run = open::<Run>(&crate::pairs(&found.query)).run;
    let steps = run.steps();
    let caption = crate::caption_us(&run);
    Worst {
        model: "cache",
        query: found.query,
        cost: found.cost,
        tried: found.tried,
        extra: format!(
            "{steps} steps; caption {caption:.1} µs per frame; most memory of any link {:.1} MiB",
            found.peak as f64 / (1024.0 * 1024.0)
        ),
    }
}
