//! Benchmark of the isolation lab: the level x anomaly matrix of each
//! profile (every preset at every level, run and judged), and
//! one schedule. Prints figures; asserts nothing. Run with
//! `cargo bench --bench isolation`.

mod common;

use common::{ms, time};

use backend_playground::sim::isolation::analysis;
use backend_playground::sim::isolation::db::Submitted;
use backend_playground::sim::isolation::innodb;
use backend_playground::sim::isolation::matrix::{judge, matrix, Profile, ANOMALIES};
use backend_playground::sim::isolation::presets::all;
use backend_playground::sim::isolation::sql::Level;
use backend_playground::sim::isolation::sql::{parse, Stmt};

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
    let script = largest();
    let (one, _) = time(|| {
        let mut db = innodb::Db::new(&[(1, 10), (2, 20)], 4);
        for s in 0..4 {
            db.run(s, &Stmt::Begin(Some(Level::RepeatableRead)));
        }
        let blocked = script
            .iter()
            .filter(|(s, stmt)| matches!(db.run(*s, stmt), Submitted::Blocked { .. }))
            .count();
        (blocked, analysis::judge(&db).0.anomaly)
    });
    println!(
        "InnoDB, the lab's largest schedule ({} statements, 4 sessions) run and judged: {:.1} µs",
        script.len(),
        one.as_secs_f64() * 1e6
    );
}

/// Four sessions of twenty statements each, interleaved: locking reads,
/// inserts into locked gaps, changes and commits, with waits among them.
fn largest() -> Vec<(usize, Stmt)> {
    let statements = [
        "select * from test where id > 1 for update",
        "insert into test (id, value) values (7, 70)",
        "update test set value = value + 1 where value % 2 = 0",
        "select * from test where id = 2 for share",
        "delete from test where id = 7",
        "select sum(value), count(*) from test",
        "insert into test (id, value) values (3, 30)",
        "update test set value = value - 1 where id >= 1 and id <= 3",
        "select * from test",
        "commit",
    ];
    (0..20)
        .flat_map(|k| (0..4).map(move |s| (k, s)))
        .filter_map(|(k, s)| {
            Some((
                s,
                parse(statements[(k * 3 + s * 7) % statements.len()]).ok()?,
            ))
        })
        .collect()
}
