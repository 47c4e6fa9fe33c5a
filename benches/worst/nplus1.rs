//! The search for the slowest link of the N+1 model: random links within
//! the table's limits, biased to the edges of each range, and mutations of
//! the worst found so far. Also holds the search loop the other models'
//! searches share.

use std::time::{Duration, Instant};

use backend_playground::route;
use backend_playground::sim::model::{self, Kind, Model};
use backend_playground::sim::nplus1::Run;
use backend_playground::sim::rng::Rng;
use backend_playground::sim::{open, Trace};

use crate::{cost, cost_once, Cost, Worst};

/// A link's pairs, in the order the link writes them.
pub type Pairs = Vec<(String, String)>;

/// What a model's search needs: a random link, a mutation of a link, and
/// how to open one.
pub struct Space {
    /// A random link within the model's limits.
    pub random: fn(&mut Rng) -> Pairs,
    /// A small change to a link.
    pub mutate: fn(&mut Rng, &Pairs) -> Pairs,
    /// Opens a link's decoded pairs (what the page does on loading).
    pub open: fn(&[(String, String)]),
}

/// What a search found: the worst link, its cost (median of five opens),
/// how many links it opened and the most memory any of them held.
pub struct Found {
    /// The worst link's query string (without the `?`).
    pub query: String,
    /// What it cost.
    pub cost: Cost,
    /// Links opened.
    pub tried: usize,
    /// The most memory held by any link opened.
    pub peak: usize,
    /// The query string of the link that held it.
    pub hungriest: String,
}

/// The query string of `pairs`, without the leading `?`.
pub fn query(pairs: &Pairs) -> String {
    route::page_query(pairs).trim_start_matches('?').to_string()
}

/// Random search plus mutation of the worst so far: half the candidates
/// are new random links, half mutations of the current worst; stops after
/// `most` links or `budget`. The five slowest are measured again (median of
/// five) and the slowest of those is the answer.
pub fn search(space: &Space, seed: u64, most: usize, budget: Duration) -> Found {
    let mut rng = Rng::new(seed);
    let start = Instant::now();
    let mut seen: Vec<(Cost, Pairs)> = Vec::new();
    let mut peak = 0;
    let mut hungriest = String::new();
    let mut tried = 0;
    while tried < most && start.elapsed() < budget {
        let candidate = match seen.first() {
            Some((_, worst)) if rng.below(2) == 0 => (space.mutate)(&mut rng, worst),
            _ => (space.random)(&mut rng),
        };
        let c = cost_once(&query(&candidate), space.open);
        tried += 1;
        if c.peak > peak {
            peak = c.peak;
            hungriest = query(&candidate);
        }
        seen.push((c, candidate));
        seen.sort_by_key(|s| std::cmp::Reverse(s.0.time));
        seen.truncate(5);
    }
    let (cost, pairs) = seen
        .into_iter()
        .map(|(_, p)| (cost(&query(&p), space.open), p))
        .max_by_key(|(c, _)| c.time)
        .unwrap_or_default();
    Found {
        query: query(&pairs),
        cost,
        tried,
        peak: peak.max(cost.peak),
        hungriest,
    }
}

/// A number in `lo..=hi`, at an end of the range (or next to one) half the
/// time.
pub fn edge(rng: &mut Rng, lo: u64, hi: u64) -> u64 {
    match rng.below(6) {
        0 => lo,
        1 | 2 => hi,
        3 => hi.saturating_sub(rng.below(3)).max(lo),
        _ => lo + rng.below(hi - lo + 1),
    }
}

/// A whole-number parameter of model `M` by [`edge`] over its table's
/// range (0 for a key with no range).
pub fn edge_of<M: Model>(rng: &mut Rng, key: &str) -> u64 {
    match model::row::<M>(key).map(|r| &r.kind) {
        Some(Kind::Int { min, max, .. } | Kind::OptionalInt { min, max, .. }) => {
            edge(rng, (*min).into(), (*max).into())
        }
        _ => 0,
    }
}

/// One of `words`.
pub fn one<'a>(rng: &mut Rng, words: &[&'a str]) -> &'a str {
    words[rng.below(words.len() as u64) as usize]
}

/// `pairs` with the value of `key` set to `value` (added if absent).
pub fn set(pairs: &Pairs, key: &str, value: String) -> Pairs {
    let mut out = pairs.clone();
    match out.iter_mut().find(|(k, _)| k == key) {
        Some(pair) => pair.1 = value,
        None => out.push((key.to_string(), value)),
    }
    out
}

fn pair(k: &str, v: impl ToString) -> (String, String) {
    (k.to_string(), v.to_string())
}

const STRATEGIES: [&str; 5] = ["lazy", "joined", "selectin", "subquery", "dataloader"];
const LATENCIES: [&str; 3] = ["same-host", "same-zone", "cross-region"];

fn random(rng: &mut Rng) -> Pairs {
    let mut p = vec![
        pair("strategy", one(rng, &STRATEGIES)),
        pair("n", edge_of::<Run>(rng, "n")),
        pair("orders", edge_of::<Run>(rng, "orders")),
        pair(
            "load",
            if rng.below(4) == 0 {
                "orders"
            } else {
                "orders.items"
            },
        ),
        pair("items", edge_of::<Run>(rng, "items")),
        pair("spread", one(rng, &["fixed", "random"])),
        pair("seed", rng.below(1 << 32)),
        pair("latency", one(rng, &LATENCIES)),
        pair("row_us", edge_of::<Run>(rng, "row_us")),
    ];
    if rng.below(2) == 0 {
        p.push(pair("batch", edge_of::<Run>(rng, "batch")));
    }
    p
}

fn mutate(rng: &mut Rng, pairs: &Pairs) -> Pairs {
    match rng.below(8) {
        0 => set(pairs, "strategy", one(rng, &STRATEGIES).into()),
        1 => set(pairs, "n", edge_of::<Run>(rng, "n").to_string()),
        2 => set(pairs, "orders", edge_of::<Run>(rng, "orders").to_string()),
        3 => set(pairs, "items", edge_of::<Run>(rng, "items").to_string()),
        4 => set(pairs, "spread", one(rng, &["fixed", "random"]).into()),
        5 => set(pairs, "seed", rng.below(1 << 32).to_string()),
        6 => set(pairs, "batch", edge_of::<Run>(rng, "batch").to_string()),
        _ => set(pairs, "step", edge(rng, 0, 300_000).to_string()),
    }
}

/// Opens a link's decoded pairs with model `M`, as its page does (a
/// [`Space`]'s `open`).
pub fn open_link<M: Model>(pairs: &[(String, String)]) {
    std::hint::black_box(open::<M>(pairs));
}

/// What the view computes for one frame at `step`: the caption, the
/// figures, the SQL of the log's six queries and the rows shown.
fn frame(run: &Run, step: usize) -> usize {
    let mut n = run.caption(step).len() + run.totals_at(step).rows as usize;
    for i in step.saturating_sub(6)..step {
        n += run.sql_preview(i).len();
    }
    if let Some(i) = step.checked_sub(1) {
        n += run.rows(i, 4).len();
    }
    n
}

/// The slowest link found, and what it cost.
pub fn worst() -> Worst {
    let space = Space {
        random,
        mutate,
        open: open_link::<Run>,
    };
    let found = search(&space, 0x9_1u64, 1_500, Duration::from_secs(50));
    let opened = open::<Run>(&crate::pairs(&found.query));
    let steps = opened.run.steps();
    let t = Instant::now();
    let picks = [0, 1, steps / 2, steps - 1];
    let sum: usize = picks.iter().map(|&s| frame(&opened.run, s)).sum();
    std::hint::black_box(sum);
    let per_frame = t.elapsed() / picks.len() as u32;
    Worst {
        model: "nplus1",
        query: found.query,
        cost: found.cost,
        tried: found.tried,
        extra: format!(
            "{} steps; a frame's model work {:.1} µs; most memory of any link {:.1} MiB",
            backend_playground::sim::thousands(steps as u64),
            per_frame.as_secs_f64() * 1e6,
            found.peak as f64 / (1024.0 * 1024.0)
        ),
    }
}
