//! The search for the slowest link of the rate-limiter model: random links
//! from its table (every algorithm list, the longest runs at the highest
//! rates, race mode at its limit, words the reader drops), and mutations
//! of the worst.

use std::time::Duration;

use backend_playground::sim::open;
use backend_playground::sim::ratelimit::{Algo, Run};
use backend_playground::sim::rng::Rng;

use crate::nplus1::{open_link, search, Pairs, Space};
use crate::table::{mutate_link, random_link};
use crate::Worst;

/// A list of algorithms: up to ten words, repeats and unknown ones among
/// them.
fn algos(rng: &mut Rng, _key: &str) -> String {
    let n = 1 + rng.below(10);
    (0..n)
        .map(|_| match rng.below(10) {
            0 => "zz",
            _ => Algo::ALL[rng.below(Algo::ALL.len() as u64) as usize].slug(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn random(rng: &mut Rng) -> Pairs {
    random_link::<Run>(rng, algos, 700_000)
}

fn mutate(rng: &mut Rng, pairs: &Pairs) -> Pairs {
    mutate_link::<Run>(rng, pairs, algos)
}

/// The slowest link found, and what it cost.
pub fn worst() -> Worst {
    let space = Space {
        random,
        mutate,
        open: open_link::<Run>,
    };
    let found = search(&space, 0x4A7E, 400, Duration::from_secs(40));
    let run = open::<Run>(&crate::pairs(&found.query)).run;
    Worst {
        model: "ratelimit",
        query: found.query,
        cost: found.cost,
        tried: found.tried,
        extra: format!(
            "{} requests x {} algorithms; most memory of any link {:.1} MiB",
            run.requests().len(),
            run.lanes().len(),
            found.peak as f64 / (1024.0 * 1024.0)
        ),
    }
}
