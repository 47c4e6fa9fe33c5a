//! The lab's model: the verdicts it shows equal the matrix's, its steps
//! follow the engine (waits, releases, deadlocks, errors), and its
//! permalinks read, clamp and round-trip.

use super::*;
use crate::isolation::matrix::{judge, matrix, ANOMALIES};

/// Opens a run from URL pairs, as a permalink does.
fn open(pairs: &[(String, String)]) -> crate::Opened<Run> {
    crate::open::<Run>(pairs)
}

/// A permalink's pairs at `step`.
fn to_pairs(p: &Params, step: usize) -> Vec<(&'static str, String)> {
    crate::link::<Run>(p, step)
}

fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
    q.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn reopen(p: &Params, step: usize) -> crate::Opened<Run> {
    open(&crate::model::owned(to_pairs(p, step)))
}

#[test]
fn every_preset_at_every_level_shows_the_matrix_verdict() {
    let mut checked = 0;
    for profile in PROFILES {
        for &level in profile.levels() {
            for s in presets::all() {
                let p = Params::of_preset(s.name, profile, level).expect("preset exists");
                assert_eq!(p.level, level);
                let run = Run::new(&p);
                assert_eq!(
                    run.final_verdict().anomaly,
                    judge(profile, level, &s),
                    "{} at {level:?} under {profile:?}",
                    s.name
                );
                assert_eq!(run.steps(), s.steps.len() + 1);
                checked += 1;
            }
        }
    }
    assert!(checked >= 14 * 7, "{checked}");
    // The matrix's cells name presets the lab opens.
    for profile in PROFILES {
        for row in matrix(profile) {
            assert_eq!(row.cells.len(), ANOMALIES.len());
            for name in row.cells.iter().flatten() {
                assert!(Params::of_preset(name, profile, row.level).is_some());
            }
        }
    }
}

#[test]
fn the_default_is_a_preset_and_its_link_is_short() {
    let p = Params::default();
    assert_eq!(p.preset(), Some("P4"));
    let pairs = to_pairs(&p, 3);
    assert_eq!(pairs[2], ("preset", "P4".to_string()));
    assert!(pairs
        .iter()
        .all(|(k, _)| !k.starts_with('s') || *k == "step"));
    let o = reopen(&p, 3);
    assert!(o.problems.is_empty(), "{:?}", o.problems);
    assert_eq!(o.run.params(), &p);
    assert_eq!(o.step, 3);
    // Read committed loses the update; the caption says so at the end.
    let run = Run::new(&p);
    assert_eq!(run.final_verdict().anomaly, Some(Anomaly::LostUpdate));
    assert!(run
        .caption(usize::MAX)
        .contains("End of the schedule: lost update"));
}

#[test]
fn a_blocked_statement_completes_at_the_holders_commit() {
    // P4 at read committed: session 2's UPDATE waits for session 1.
    let p = Params::default();
    let run = Run::new(&p);
    let st = run.step(4);
    assert_eq!(st.entry, Some((1, 1)));
    assert_eq!(st.outcome, Outcome::Blocked(0));
    assert_eq!(st.status[1][1], Status::Waiting { since: 4, on: 0 });
    assert_eq!(st.db.waits_for(1), Some(0));
    assert!(st.caption.contains("must wait"), "{}", st.caption);
    let st = run.step(5);
    assert_eq!(st.released, vec![(1, 1, Answer::Changed(1))]);
    assert!(matches!(
        st.status[1][1],
        Status::Done { sent: 4, at: 5, .. }
    ));
    assert!(st.caption.contains("now completes"), "{}", st.caption);
    // Repeatable read: it completes with the serialization error instead.
    let rr = Params {
        level: Level::RepeatableRead,
        ..p
    };
    let run = Run::new(&rr);
    assert_eq!(
        run.step(5).released,
        vec![(1, 1, Answer::Error(DbError::ConcurrentUpdate))]
    );
    assert_eq!(run.final_verdict().anomaly, None);
    assert!(run.caption(usize::MAX).contains("serializable"));
}

#[test]
fn a_deadlock_is_reported_as_the_database_does() {
    for profile in PROFILES {
        let p = Params::of_preset("deadlock", profile, Level::ReadCommitted).expect("preset");
        let run = Run::new(&p);
        assert_eq!(run.step(3).outcome, Outcome::Blocked(1), "{profile:?}");
        let (error, words) = match profile {
            Profile::Innodb => (
                DbError::DeadlockFound,
                "Deadlock found when trying to get lock",
            ),
            _ => (DbError::Deadlock, "deadlock detected"),
        };
        assert!(run.errors().contains(&error), "{profile:?}");
        let all: String = run.steps_list().iter().map(|s| s.caption.clone()).collect();
        assert!(all.contains(words), "{all}");
    }
}

#[test]
fn statements_outside_the_subset_open_with_their_error() {
    let o = open(&pairs(&[
        ("s1", "select * from test;selct 1;commit"),
        ("s2", "update test set value = 5 where id = 1"),
        ("schedule", "1 2 1 1"),
    ]));
    assert!(o.problems.is_empty(), "{:?}", o.problems);
    let p = o.run.params();
    assert_eq!(p.sessions[0].len(), 3);
    assert_eq!(p.schedule, vec![0, 1, 0, 0]);
    assert!(matches!(o.run.step(0).status[0][1], Status::Invalid { .. }));
    let st = o.run.step(3);
    assert!(matches!(st.outcome, Outcome::Invalid(_)));
    assert!(
        st.caption.contains("outside the lab's SQL subset"),
        "{}",
        st.caption
    );
    assert_eq!(o.run.steps(), 5);
}

#[test]
fn bad_values_are_clamped_with_a_notice() {
    let o = open(&pairs(&[
        ("profile", "oracle"),
        ("level", "chaos"),
        ("preset", "nope"),
        ("step", "99"),
    ]));
    assert_eq!(o.run.params(), &Params::default());
    assert_eq!(o.problems.len(), 4, "{:?}", o.problems);
    // A schedule that does not fit the statements is made to fit.
    let o = open(&pairs(&[
        ("s1", "select * from test;commit"),
        ("s2", "commit"),
        ("schedule", "2,2,x,1,7"),
    ]));
    let p = o.run.params();
    assert_eq!(p.schedule, vec![1, 0, 0]);
    assert_eq!(o.problems.len(), 4, "{:?}", o.problems);
    // A level the profile does not have is the nearest it has.
    let top = *Profile::Postgres.levels().last().expect("levels");
    let o = open(&pairs(&[("level", "serializable")]));
    assert_eq!(o.run.params().level, top);
    assert_eq!(o.problems.is_empty(), top == Level::Serializable);
}

#[test]
fn links_over_the_limit_lose_their_last_statements() {
    let long =
        vec!["update test set value = value + 1 where id = 1 or id = 2 or id = 3"; 20].join(";");
    let o = open(&pairs(&[
        ("s1", &long),
        ("s2", &long),
        ("s3", &long),
        ("s4", &long),
    ]));
    let p = o.run.params();
    assert!(p.link_len() <= MAX_URL);
    assert!(p.check_link().is_ok());
    assert!(
        o.problems.iter().any(|x| x.contains("link limit")),
        "{:?}",
        o.problems
    );
    let back = reopen(p, 0);
    assert!(back.problems.is_empty(), "{:?}", back.problems);
    assert_eq!(back.run.params(), p);
}

#[test]
fn custom_statements_round_trip() {
    let o = open(&pairs(&[
        ("profile", "textbook"),
        ("level", "serializable"),
        ("s1", "  select   *  from test ; commit;"),
        ("s3", "insert into test (id, value) values (3, 30)"),
        ("matrix", "on"),
    ]));
    assert!(o.problems.is_empty(), "{:?}", o.problems);
    let p = o.run.params();
    assert_eq!(p.sessions.len(), 3);
    assert_eq!(p.sessions[0], vec!["select * from test", "commit"]);
    assert!(p.sessions[1].is_empty());
    assert_eq!(p.schedule, vec![0, 2, 0]);
    assert!(p.matrix);
    assert_eq!(p.preset(), None);
    let back = reopen(p, 2);
    assert!(back.problems.is_empty(), "{:?}", back.problems);
    assert_eq!(back.run.params(), p);
    assert_eq!(back.step, 2);
}

#[test]
fn levels_compare_and_the_export_reads_as_psql() {
    let p = Params::default();
    let rows = compare(&p);
    assert_eq!(rows.len(), p.profile.levels().len());
    let rc = rows
        .iter()
        .find(|r| r.level == Level::ReadCommitted)
        .expect("rc");
    assert_eq!(rc.anomaly, Some(Anomaly::LostUpdate));
    assert!(rc.waited);
    let rr = rows
        .iter()
        .find(|r| r.level == Level::RepeatableRead)
        .expect("rr");
    assert_eq!(rr.anomaly, None);
    assert!(rr.errors.contains(&DbError::ConcurrentUpdate));
    assert!(rr.how().contains("could not serialize"), "{}", rr.how());
    let sql = export_sql(&Run::new(&p));
    assert!(sql.contains("CREATE TABLE test"));
    assert_eq!(
        sql.matches("BEGIN ISOLATION LEVEL READ COMMITTED;").count(),
        2
    );
    assert!(sql.contains("-- Session 2"));
    assert!(sql.contains("waits for session 1 until step 5"), "{sql}");
    // A read skew at repeatable read is stopped by the older snapshot.
    let g = Params::of_preset("G-single", Profile::Postgres, Level::ReadCommitted).expect("preset");
    let rows = compare(&g);
    let rr = rows
        .iter()
        .find(|r| r.level == Level::RepeatableRead)
        .expect("rr");
    assert!(rr.older_snapshot && rr.anomaly.is_none(), "{rr:?}");
}

#[test]
fn a_serializable_run_has_an_order() {
    let p = Params::of_preset("G1a", Profile::Postgres, Level::ReadCommitted).expect("preset");
    let run = Run::new(&p);
    let last = run.step(usize::MAX);
    assert_eq!(last.anomaly, None);
    let order = serial_order(&last.db, &run.final_verdict().deps);
    assert_eq!(order, vec![2]);
}

#[test]
fn the_acid_pages_links_show_what_its_text_says() {
    let at = |preset: &str, level: Level| {
        Run::new(&Params::of_preset(preset, Profile::Postgres, level).expect("preset"))
    };
    let p4 = at("P4", Level::ReadCommitted);
    assert_eq!(p4.step(4).outcome, Outcome::Blocked(0));
    let skew = at("G2-item", Level::RepeatableRead);
    assert_eq!(skew.step(6).anomaly, Some(Anomaly::WriteSkew));
    let dead = at("deadlock", Level::ReadCommitted);
    assert!(
        dead.caption(4).contains("deadlock detected"),
        "{}",
        dead.caption(4)
    );
}

#[test]
fn each_profile_exports_for_its_own_client() {
    let mut p =
        Params::of_preset("gap-lock", Profile::Innodb, Level::RepeatableRead).expect("preset");
    p.sessions[0][0] = "select * from test where id > 1 for share".into();
    p.settings.lock_wait = LockWait::None;
    let sql = export_sql(&Run::new(&p));
    assert!(sql.contains("ENGINE=InnoDB"), "{sql}");
    assert!(sql.contains("mariadb (or mysql)"), "{sql}");
    assert_eq!(
        sql.matches("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; START TRANSACTION;")
            .count(),
        2,
        "{sql}"
    );
    assert_eq!(
        sql.matches("SET SESSION innodb_lock_wait_timeout = 0;")
            .count(),
        2
    );
    // MariaDB has no FOR SHARE.
    assert!(sql.contains("LOCK IN SHARE MODE"), "{sql}");
    assert!(!sql.contains("BEGIN ISOLATION LEVEL"), "{sql}");
    // PostgreSQL's export: psql, its own spelling, and the planner setting.
    let mut p =
        Params::of_preset("key-updates", Profile::Postgres, Level::Serializable).expect("preset");
    p.sessions[1][0] = "select * from test where id = 2 lock in share mode".into();
    p.settings.planner = Planner::SeqScanOnly;
    let sql = export_sql(&Run::new(&p));
    assert!(sql.contains("psql sessions"), "{sql}");
    assert!(
        sql.contains("SELECT * FROM test WHERE id = 2 FOR SHARE;"),
        "{sql}"
    );
    assert_eq!(
        sql.matches("SET enable_indexscan = off;").count(),
        2,
        "{sql}"
    );
    assert!(!sql.contains("ENGINE=InnoDB"));
}

#[test]
fn each_dependency_names_its_row() {
    // A write that moved row 7 out of a scan's condition, beside another
    // that moved row 8: two sentences, told apart by their row.
    let moved = |id| Dep {
        from: 9,
        to: 10,
        kind: Kind::Predicate,
        id,
    };
    assert_eq!(
        dep_text(&moved(7)),
        "T10 changed what matched the condition of T9 (row 7)"
    );
    assert_ne!(dep_text(&moved(7)), dep_text(&moved(8)));
}
