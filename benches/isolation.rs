//! Benchmark of the isolation lab: the level x anomaly matrix of each
//! profile (every preset at every level, run and judged), and
//! one schedule. Prints figures; asserts nothing. Run with
//! `cargo bench --bench isolation`.

mod common;

use common::{ms, time};

use backend_playground::sim::isolation::analysis;
use backend_playground::sim::isolation::db::Submitted;
use backend_playground::sim::isolation::innodb;
use backend_playground::sim::isolation::lab::{round_robin, Params, Run};
use backend_playground::sim::isolation::matrix::{judge, matrix, Profile, ANOMALIES};
use backend_playground::sim::isolation::presets::{all, busiest};
use backend_playground::sim::isolation::sql::Level;
use backend_playground::sim::isolation::sql::{parse, Stmt};

fn main() {
    // The matrices themselves, as the engine computes them.
    for profile in [Profile::Textbook, Profile::Postgres, Profile::Innodb] {
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
    for profile in [Profile::Postgres, Profile::Innodb, Profile::Textbook] {
        let levels = profile.levels().len();
        let (median, fastest) = time(|| matrix(profile));
        println!(
            "matrix, {profile:?}: {schedules} schedules x {levels} levels, median {}, fastest {}",
            ms(median),
            ms(fastest)
        );
    }
    let (three, _) = time(|| {
        (
            matrix(Profile::Postgres),
            matrix(Profile::Innodb),
            matrix(Profile::Textbook),
        )
    });
    println!("all three matrices: median {}", ms(three));
    let p4 = all().into_iter().find(|h| h.name == "P4");
    if let Some(p4) = p4 {
        let (one, _) = time(|| judge(Profile::Postgres, Level::ReadCommitted, &p4));
        println!(
            "one schedule (P4) run and judged: {:.1} µs",
            one.as_secs_f64() * 1e6
        );
    }
    largest_links();
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

/// The lab's busiest schedule, parsed.
fn largest() -> Vec<(usize, Stmt)> {
    busiest()
        .into_iter()
        .filter_map(|(s, sql)| Some((s, parse(sql).ok()?)))
        .collect()
}

/// For each profile, the lab's largest link of the pattern its worst-link
/// search starts from (four sessions insert as many rows as the link
/// allows, then update every row in twelve autocommit statements), at its
/// slowest level: opened with every frame, and run once and judged (only
/// the last step kept, as the level comparison runs each level, with the
/// anomaly as the run tracks it), and that run's full verdict with every
/// dependency and the proof (what the verdict panel shows) added.
fn largest_links() {
    for profile in [Profile::Postgres, Profile::Innodb, Profile::Textbook] {
        let mut slowest: Option<(std::time::Duration, String)> = None;
        for &level in profile.levels() {
            let p = pattern(profile, level);
            let (open, _) = time(|| Run::new(&p).steps_list().len());
            let (run, _) = time(|| Run::light(&p).step(usize::MAX).anomaly);
            let (judged, _) = time(|| Run::light(&p).final_verdict().deps.len());
            let line = format!(
                "{profile:?}, the largest link ({} characters, {} rows, {} steps) at {}: opened with every frame {}; run once and judged (its anomaly) {}; with the full verdict listing every dependency and the proof {}",
                p.link_len(),
                p.sessions
                    .iter()
                    .flatten()
                    .filter(|s| s.starts_with("insert"))
                    .map(|s| s.matches("),(").count() + 1)
                    .sum::<usize>(),
                p.schedule.len() + 1,
                level.sql(),
                ms(open),
                ms(run),
                ms(judged)
            );
            if slowest.as_ref().is_none_or(|(t, _)| open + judged > *t) {
                slowest = Some((open + judged, line));
            }
        }
        if let Some((_, line)) = slowest {
            println!("{line}");
        }
    }
}

/// The pattern at its limits: the most rows whose link still fits.
fn pattern(profile: Profile, level: Level) -> Params {
    let make = |rows: u64| {
        let sessions: Vec<Vec<String>> = (0..4u64)
            .map(|k| {
                let mut list = vec!["commit".to_string()];
                let mut first = 10 + k * 1000;
                let mut left = rows;
                while left > 0 && list.len() + 12 < 20 {
                    let n = left.min(25);
                    let values: Vec<String> = (first..first + n)
                        .map(|i| format!("({i},{})", i % 9))
                        .collect();
                    list.push(format!(
                        "insert into test (id,value) values {}",
                        values.join(",")
                    ));
                    first += n;
                    left -= n;
                }
                list.extend((0..12).map(|_| "update test set value=value+1".to_string()));
                list
            })
            .collect();
        let counts: Vec<usize> = sessions.iter().map(Vec::len).collect();
        Params {
            profile,
            level,
            schedule: round_robin(&counts),
            sessions,
            ..Params::default()
        }
    };
    (1..=200)
        .rev()
        .map(make)
        .find(|p| p.check_link().is_ok())
        .unwrap_or_else(|| make(1))
}
