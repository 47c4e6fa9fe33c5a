//! Benchmark of the isolation lab: the level x anomaly matrix of each
//! profile (every preset at every level, run and judged), and
//! one schedule. Prints figures; asserts nothing. Run with
//! `cargo bench --bench isolation`.

mod common;

use common::{ms, time};

use backend_playground::sim::isolation::matrix::{judge, matrix, Profile, ANOMALIES};
use backend_playground::sim::isolation::presets::all;
use backend_playground::sim::isolation::sql::Level;

fn main() {
    // The matrices themselves, as the engine computes them.
    for profile in [Profile::Textbook, Profile::Postgres] {
        println!("{profile:?}:");
        for row in matrix(profile) {
            println!("  {}", row.level.sql());
            for (a, cell) in ANOMALIES.iter().zip(&row.cells) {
                if !cell.is_empty() {
                    println!("    {}: {}", a.label(), cell.join(", "));
                }
            }
        }
    }
    let schedules = all().len();
    for profile in [Profile::Postgres, Profile::Textbook] {
        let levels = profile.levels().len();
        let (median, fastest) = time(|| matrix(profile));
        println!(
            "matrix, {profile:?}: {schedules} schedules x {levels} levels, median {}, fastest {}",
            ms(median),
            ms(fastest)
        );
    }
    let (both, _) = time(|| (matrix(Profile::Postgres), matrix(Profile::Textbook)));
    println!("both matrices: median {}", ms(both));
    let p4 = all().into_iter().find(|h| h.name == "P4");
    if let Some(p4) = p4 {
        let (one, _) = time(|| judge(Profile::Postgres, Level::ReadCommitted, &p4));
        println!(
            "one schedule (P4) run and judged: {:.1} µs",
            one.as_secs_f64() * 1e6
        );
    }
}
