//! The search for the slowest link of the retry model: random links from
//! its table (the most clients and units, the highest arrival rates, caps
//! and timeouts of ten minutes, four layers, words the reader drops), and
//! mutations of the worst.

use std::time::Duration;

use backend_playground::sim::open;
use backend_playground::sim::retry::Run;
use backend_playground::sim::rng::Rng;

use crate::nplus1::{open_link, search, Pairs, Space};
use crate::table::{mutate_link, random_link};
use crate::Worst;

/// The retry table has no free text.
fn no_text(_: &mut Rng, _: &str) -> String {
    String::new()
}

fn random(rng: &mut Rng) -> Pairs {
    random_link::<Run>(rng, no_text, 3_000)
}

fn mutate(rng: &mut Rng, pairs: &Pairs) -> Pairs {
    mutate_link::<Run>(rng, pairs, no_text)
}

/// The slowest link found, and what it cost.
pub fn worst() -> Worst {
    let space = Space {
        random,
        mutate,
        open: open_link::<Run>,
    };
    let found = search(&space, 0x2E72, 2_000, Duration::from_secs(40));
    let run = open::<Run>(&crate::pairs(&found.query)).run;
    Worst {
        model: "retry",
        query: found.query,
        cost: found.cost,
        tried: found.tried,
        extra: format!(
            "{} attempts sent; most memory of any link {:.1} MiB",
            run.totals().sent,
            found.peak as f64 / (1024.0 * 1024.0)
        ),
    }
}
