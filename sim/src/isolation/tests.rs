//! The Hermitage tests at PostgreSQL's read committed, repeatable read and
//! serializable, with the outcomes PostgreSQL gives (Hermitage's
//! `postgres.md`), run through the engine.

use super::analysis::{verdict, Anomaly, Kind};
use super::pg::{Answer, Db, Submitted};
use super::sql::{parse, Level};

fn answer(a: &Answer) -> String {
    match a {
        Answer::Rows(rows) if rows.is_empty() => "none".into(),
        Answer::Rows(rows) => rows
            .iter()
            .map(|(i, v)| format!("{i}=>{v}"))
            .collect::<Vec<_>>()
            .join(" "),
        Answer::Values(v) => format!("{v:?}"),
        Answer::Changed(n) => format!("ok {n}"),
        Answer::Done => "ok".into(),
        Answer::Error(e) => format!("ERROR {}", e.message()),
    }
}

/// Runs `script` (session, statement) with every session in a transaction
/// at `level` from the start; returns one line per statement: `blocked`,
/// or what finished, each as `Tn: answer`.
fn play(level: Level, sessions: usize, script: &[(usize, &str)]) -> Vec<String> {
    let mut db = Db::new(&[(1, 10), (2, 20)], sessions);
    for s in 0..sessions {
        let begin = parse(&format!("begin isolation level {}", level.sql())).expect("begin parses");
        assert!(matches!(db.run(s, &begin), Submitted::Done(_)));
    }
    script
        .iter()
        .map(|(s, sql)| {
            let stmt = parse(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            let (blocked, finished) = match db.run(*s - 1, &stmt) {
                Submitted::Done(f) => (false, f),
                Submitted::Blocked { finished, .. } => (true, finished),
                Submitted::Busy => return "busy".into(),
            };
            let mut parts: Vec<String> = Vec::new();
            if blocked {
                parts.push("blocked".into());
            }
            for f in finished {
                parts.push(format!("T{}: {}", f.session + 1, answer(&f.answer)));
            }
            parts.join(" / ")
        })
        .collect()
}

fn check(level: Level, sessions: usize, script: &[(usize, &str, &str)]) {
    let steps: Vec<(usize, &str)> = script.iter().map(|(s, q, _)| (*s, *q)).collect();
    let got = play(level, sessions, &steps);
    for ((s, q, want), got) in script.iter().zip(&got) {
        assert_eq!(got, want, "{level:?}, T{s}: {q}");
    }
}

const RC: Level = Level::ReadCommitted;
const RR: Level = Level::RepeatableRead;
const SER: Level = Level::Serializable;

#[test]
fn g0_write_cycles() {
    let script = |t2_resumes: &'static str, t2_next: &'static str, last: &'static str| {
        vec![
            (1, "update test set value = 11 where id = 1", "T1: ok 1"),
            (2, "update test set value = 12 where id = 1", "blocked"),
            (1, "update test set value = 21 where id = 2", "T1: ok 1"),
            (1, "commit", t2_resumes),
            (2, "update test set value = 22 where id = 2", t2_next),
            (2, "commit", "T2: ok"),
            (1, "select * from test", last),
        ]
    };
    check(
        RC,
        2,
        &script("T1: ok / T2: ok 1", "T2: ok 1", "T1: 1=>12 2=>22"),
    );
    check(
        RR,
        2,
        &script(
            "T1: ok / T2: ERROR could not serialize access due to concurrent update",
            "T2: ERROR current transaction is aborted, commands ignored until end of transaction block",
            "T1: 1=>11 2=>21",
        ),
    );
}

#[test]
fn g1_no_dirty_or_intermediate_reads() {
    for level in [Level::ReadUncommitted, RC, RR] {
        check(
            level,
            2,
            &[
                (1, "update test set value = 101 where id = 1", "T1: ok 1"),
                (2, "select * from test", "T2: 1=>10 2=>20"),
                (1, "rollback", "T1: ok"),
                (2, "select * from test", "T2: 1=>10 2=>20"),
            ],
        );
    }
    let g1b = |last: &'static str| {
        vec![
            (1, "update test set value = 101 where id = 1", "T1: ok 1"),
            (2, "select * from test", "T2: 1=>10 2=>20"),
            (1, "update test set value = 11 where id = 1", "T1: ok 1"),
            (1, "commit", "T1: ok"),
            (2, "select * from test", last),
        ]
    };
    check(RC, 2, &g1b("T2: 1=>11 2=>20"));
    check(RR, 2, &g1b("T2: 1=>10 2=>20"));
    check(
        RC,
        2,
        &[
            (1, "update test set value = 11 where id = 1", "T1: ok 1"),
            (2, "update test set value = 22 where id = 2", "T2: ok 1"),
            (1, "select * from test where id = 2", "T1: 2=>20"),
            (2, "select * from test where id = 1", "T2: 1=>10"),
        ],
    );
}

#[test]
fn otv_observed_transaction_vanishes() {
    check(
        RC,
        3,
        &[
            (1, "update test set value = 11 where id = 1", "T1: ok 1"),
            (1, "update test set value = 19 where id = 2", "T1: ok 1"),
            (2, "update test set value = 12 where id = 1", "blocked"),
            (1, "commit", "T1: ok / T2: ok 1"),
            (3, "select * from test where id = 1", "T3: 1=>11"),
            (2, "update test set value = 18 where id = 2", "T2: ok 1"),
            (3, "select * from test where id = 2", "T3: 2=>19"),
            (2, "commit", "T2: ok"),
            (3, "select * from test where id = 2", "T3: 2=>18"),
            (3, "select * from test where id = 1", "T3: 1=>12"),
        ],
    );
}

#[test]
fn pmp_predicate_many_preceders() {
    let pmp = |last: &'static str| {
        vec![
            (1, "select * from test where value = 30", "T1: none"),
            (2, "insert into test (id, value) values (3, 30)", "T2: ok 1"),
            (2, "commit", "T2: ok"),
            (1, "select * from test where value % 3 = 0", last),
        ]
    };
    check(RC, 2, &pmp("T1: 3=>30"));
    check(RR, 2, &pmp("T1: none"));
    let write = |resumed: &'static str, last: &'static str| {
        vec![
            (1, "update test set value = value + 10", "T1: ok 2"),
            (2, "delete from test where value = 20", "blocked"),
            (1, "commit", resumed),
            (2, "select * from test where value = 20", last),
        ]
    };
    // Read committed re-checks the condition on the newest version: 2 now
    // holds 30, so nothing is deleted, yet 1 (now 20) is seen.
    check(RC, 2, &write("T1: ok / T2: ok 0", "T2: 1=>20"));
    check(
        RR,
        2,
        &write(
            "T1: ok / T2: ERROR could not serialize access due to concurrent update",
            "T2: ERROR current transaction is aborted, commands ignored until end of transaction block",
        ),
    );
}

#[test]
fn p4_lost_update() {
    let p4 = |resumed: &'static str| {
        vec![
            (1, "select * from test where id = 1", "T1: 1=>10"),
            (2, "select * from test where id = 1", "T2: 1=>10"),
            (1, "update test set value = 11 where id = 1", "T1: ok 1"),
            (2, "update test set value = 11 where id = 1", "blocked"),
            (1, "commit", resumed),
        ]
    };
    check(RC, 2, &p4("T1: ok / T2: ok 1"));
    check(
        RR,
        2,
        &p4("T1: ok / T2: ERROR could not serialize access due to concurrent update"),
    );
}

#[test]
fn g_single_read_skew() {
    let g = |last: &'static str| {
        vec![
            (1, "select * from test where id = 1", "T1: 1=>10"),
            (2, "select * from test where id = 1", "T2: 1=>10"),
            (2, "select * from test where id = 2", "T2: 2=>20"),
            (2, "update test set value = 12 where id = 1", "T2: ok 1"),
            (2, "update test set value = 18 where id = 2", "T2: ok 1"),
            (2, "commit", "T2: ok"),
            (1, "select * from test where id = 2", last),
        ]
    };
    check(RC, 2, &g("T1: 2=>18"));
    check(RR, 2, &g("T1: 2=>20"));
    let write = |last: &'static str| {
        vec![
            (1, "select * from test where id = 1", "T1: 1=>10"),
            (2, "select * from test", "T2: 1=>10 2=>20"),
            (2, "update test set value = 12 where id = 1", "T2: ok 1"),
            (2, "update test set value = 18 where id = 2", "T2: ok 1"),
            (2, "commit", "T2: ok"),
            (1, "delete from test where value = 20", last),
        ]
    };
    check(RC, 2, &write("T1: ok 0"));
    check(
        RR,
        2,
        &write("T1: ERROR could not serialize access due to concurrent update"),
    );
}

#[test]
fn g2_write_skew_passes_snapshot_isolation() {
    check(
        RR,
        2,
        &[
            (
                1,
                "select * from test where id = 1 or id = 2",
                "T1: 1=>10 2=>20",
            ),
            (
                2,
                "select * from test where id = 1 or id = 2",
                "T2: 1=>10 2=>20",
            ),
            (1, "update test set value = 11 where id = 1", "T1: ok 1"),
            (2, "update test set value = 21 where id = 2", "T2: ok 1"),
            (1, "commit", "T1: ok"),
            (2, "commit", "T2: ok"),
        ],
    );
    check(
        RR,
        2,
        &[
            (1, "select * from test where value % 3 = 0", "T1: none"),
            (2, "select * from test where value % 3 = 0", "T2: none"),
            (1, "insert into test (id, value) values (3, 30)", "T1: ok 1"),
            (2, "insert into test (id, value) values (4, 42)", "T2: ok 1"),
            (1, "commit", "T1: ok"),
            (2, "commit", "T2: ok"),
        ],
    );
}

#[test]
fn locks_duplicates_and_deadlocks() {
    // The statement that closes the cycle is the one that fails.
    check(
        RC,
        2,
        &[
            (1, "update test set value = 11 where id = 1", "T1: ok 1"),
            (2, "update test set value = 22 where id = 2", "T2: ok 1"),
            (1, "update test set value = 21 where id = 2", "blocked"),
            (
                2,
                "update test set value = 12 where id = 1",
                "T2: ERROR deadlock detected / T1: ok 1",
            ),
            (1, "commit", "T1: ok"),
            (2, "rollback", "T2: ok"),
        ],
    );
    // FOR UPDATE waits for a writer; FOR SHARE readers share.
    check(
        RC,
        3,
        &[
            (1, "select * from test where id = 1 for share", "T1: 1=>10"),
            (2, "select * from test where id = 1 for share", "T2: 1=>10"),
            (3, "update test set value = 0 where id = 1", "blocked"),
            (1, "commit", "T1: ok"),
            (2, "commit", "T2: ok / T3: ok 1"),
        ],
    );
    // An insert of a key another transaction is inserting waits for it.
    check(
        RC,
        2,
        &[
            (1, "insert into test (id, value) values (3, 30)", "T1: ok 1"),
            (2, "insert into test (id, value) values (3, 31)", "blocked"),
            (
                1,
                "commit",
                "T1: ok / T2: ERROR duplicate key value violates unique constraint",
            ),
        ],
    );
}

/// Runs a schedule at `level` and judges it.
fn judge(level: Level, sessions: usize, script: &[(usize, &str)]) -> (Option<Anomaly>, Vec<Kind>) {
    let mut db = Db::new(&[(1, 10), (2, 20)], sessions);
    for s in 0..sessions {
        let begin = parse(&format!("begin isolation level {}", level.sql())).expect("begin parses");
        db.run(s, &begin);
    }
    for (s, sql) in script {
        db.run(*s - 1, &parse(sql).expect("a statement"));
    }
    let v = verdict(&db);
    (v.anomaly, v.proof.iter().map(|d| d.kind).collect())
}

/// The verdict of each catalogue schedule at read committed and repeatable
/// read (PostgreSQL's behaviour, so none of G0, G1a, G1b happens).
#[test]
fn verdicts_name_the_anomalies() {
    use super::presets::hermitage;
    // Serializable prevents them all.
    let want = |name: &str| -> [Option<Anomaly>; 3] {
        let [rc, rr] = match name {
            // Read committed reads each statement's snapshot: the reader
            // sees a value change under it.
            "G1b" | "OTV" | "G-single" | "G-single-dependencies" => [Some(Anomaly::ReadSkew), None],
            "PMP" | "PMP-write" => [Some(Anomaly::Phantom), None],
            // Each reads the row the other overwrote: no cycle of writes
            // and reads (G1c), but write skew all the same.
            "G1c" => [Some(Anomaly::WriteSkew), Some(Anomaly::WriteSkew)],
            "P4" => [Some(Anomaly::LostUpdate), None],
            "G2-item" => [Some(Anomaly::WriteSkew), Some(Anomaly::WriteSkew)],
            "G2" => [Some(Anomaly::Phantom), Some(Anomaly::Phantom)],
            // Two read-write edges closed by a read of a committed write.
            "G2-two-edges" => [Some(Anomaly::WriteSkew), Some(Anomaly::WriteSkew)],
            _ => [None, None],
        };
        [rc, rr, None]
    };
    for h in hermitage() {
        for (k, level) in [RC, RR, SER].into_iter().enumerate() {
            let (got, proof) = judge(level, h.sessions, h.steps);
            assert_eq!(got, want(h.name)[k], "{} at {level:?}: {proof:?}", h.name);
            assert_eq!(got.is_some(), !proof.is_empty());
        }
    }
    // The proof of a lost update: a read, then the overwrite, then the write.
    let p4 = hermitage()
        .into_iter()
        .find(|h| h.name == "P4")
        .expect("P4 is in the catalogue");
    assert_eq!(
        judge(RC, 2, p4.steps).1,
        vec![Kind::ReadWrite, Kind::WriteWrite]
    );
    // No dirty reads in PostgreSQL, even at read uncommitted.
    let g1a = hermitage()
        .into_iter()
        .find(|h| h.name == "G1a")
        .expect("G1a is in the catalogue");
    assert_eq!(judge(Level::ReadUncommitted, 2, g1a.steps).0, None);
}

/// Runs a catalogue schedule under the textbook's locking and judges it.
fn judge_textbook(level: Level, name: &str) -> Option<Anomaly> {
    let h = super::presets::hermitage()
        .into_iter()
        .find(|h| h.name == name)
        .expect("the schedule is in the catalogue");
    let mut db = Db::textbook(&[(1, 10), (2, 20)], h.sessions);
    for s in 0..h.sessions {
        let begin = parse(&format!("begin isolation level {}", level.sql())).expect("begin parses");
        db.run(s, &begin);
    }
    for (s, sql) in h.steps {
        db.run(*s - 1, &parse(sql).expect("a statement"));
    }
    verdict(&db).anomaly
}

#[test]
fn the_textbook_reproduces_the_cheat_sheets_table() {
    use Level::{ReadCommitted as C, ReadUncommitted as U, RepeatableRead as R, Serializable as S};
    // Dirty read: only at read uncommitted.
    assert_eq!(judge_textbook(U, "G1a"), Some(Anomaly::AbortedRead));
    for l in [C, R, S] {
        assert_eq!(judge_textbook(l, "G1a"), None, "{l:?}");
    }
    // Non-repeatable read: up to read committed.
    for l in [U, C] {
        assert_eq!(
            judge_textbook(l, "G-single"),
            Some(Anomaly::ReadSkew),
            "{l:?}"
        );
    }
    for l in [R, S] {
        assert_eq!(judge_textbook(l, "G-single"), None, "{l:?}");
    }
    // Phantom: up to repeatable read.
    for l in [U, C, R] {
        assert_eq!(judge_textbook(l, "PMP"), Some(Anomaly::Phantom), "{l:?}");
    }
    assert_eq!(judge_textbook(S, "PMP"), None);
    // Lost update and write skew, which the table leaves out: long read
    // locks turn them into deadlocks, and one transaction is aborted.
    assert_eq!(judge_textbook(C, "P4"), Some(Anomaly::LostUpdate));
    assert_eq!(judge_textbook(R, "P4"), None);
    assert_eq!(judge_textbook(C, "G2-item"), Some(Anomaly::WriteSkew));
    assert_eq!(judge_textbook(R, "G2-item"), None);
    // Dirty writes never: writers hold their locks to the end at every level.
    for l in [U, C, R, S] {
        assert_eq!(judge_textbook(l, "G0"), None, "{l:?}");
    }
}

const SSI: &str =
    "ERROR could not serialize access due to read/write dependencies among transactions";

/// Serializable's write skew: the first to commit wins, the other fails at
/// its commit (it became the pivot of a dangerous structure).
#[test]
fn serializable_fails_write_skew_at_commit() {
    let ssi_commit: &str = &format!("T2: {SSI}");
    check(
        SER,
        2,
        &[
            (
                1,
                "select * from test where id = 1 or id = 2",
                "T1: 1=>10 2=>20",
            ),
            (
                2,
                "select * from test where id = 1 or id = 2",
                "T2: 1=>10 2=>20",
            ),
            (1, "update test set value = 11 where id = 1", "T1: ok 1"),
            (2, "update test set value = 21 where id = 2", "T2: ok 1"),
            (1, "commit", "T1: ok"),
            (2, "commit", ssi_commit),
        ],
    );
    // The same with inserts into what both read (G2).
    check(
        SER,
        2,
        &[
            (1, "select * from test where value % 3 = 0", "T1: none"),
            (2, "select * from test where value % 3 = 0", "T2: none"),
            (1, "insert into test (id, value) values (3, 30)", "T1: ok 1"),
            (2, "insert into test (id, value) values (4, 42)", "T2: ok 1"),
            (1, "commit", "T1: ok"),
            (2, "commit", ssi_commit),
        ],
    );
}

/// Fekete et al.'s read-only anomaly: the writer fails at its update, once
/// a read-only transaction has seen the state that cannot be serialized.
#[test]
fn serializable_catches_the_read_only_anomaly() {
    let ssi_update: &str = &format!("T1: {SSI}");
    check(
        SER,
        3,
        &[
            (1, "select * from test", "T1: 1=>10 2=>20"),
            (
                2,
                "update test set value = value + 5 where id = 2",
                "T2: ok 1",
            ),
            (2, "commit", "T2: ok"),
            (3, "select * from test", "T3: 1=>10 2=>25"),
            (3, "commit", "T3: ok"),
            (1, "update test set value = 0 where id = 1", ssi_update),
            (1, "commit", "T1: ok"),
        ],
    );
}

/// A reader that finds a write of a committed pivot fails at once, and a
/// transaction marked to fail fails at its next read.
#[test]
fn serializable_fails_a_doomed_transaction_at_its_next_statement() {
    let ssi_select: &str = &format!("T2: {SSI}");
    check(
        SER,
        2,
        &[
            (1, "select * from test where id = 1", "T1: 1=>10"),
            (2, "select * from test where id = 2", "T2: 2=>20"),
            (1, "update test set value = 21 where id = 2", "T1: ok 1"),
            (2, "update test set value = 11 where id = 1", "T2: ok 1"),
            (1, "commit", "T1: ok"),
            (2, "select * from test", ssi_select),
            (2, "rollback", "T2: ok"),
        ],
    );
}

/// A row whose update rolled back and which another transaction then
/// deleted is gone: a waiting reader does not follow the link to the
/// rolled-back version.
#[test]
fn a_deleted_row_does_not_lead_to_a_rolled_back_version() {
    check(
        RC,
        2,
        &[
            (2, "update test set value = 23 where id = 2", "T2: ok 1"),
            (1, "delete from test where value = 20", "blocked"),
            (2, "rollback", "T2: ok / T1: ok 1"),
            (2, "select * from test where id > 1 for share", "blocked"),
            (1, "commit", "T1: ok / T2: none"),
        ],
    );
}

/// A serializable transaction marked to fail while it waits for a key
/// reports the serialization failure, not the key violation it would mask.
#[test]
fn serializable_reports_its_failure_before_a_duplicate_key() {
    let ssi_insert: &str = &format!("T1: ok / T2: {SSI}");
    check(
        SER,
        2,
        &[
            (1, "select * from test", "T1: 1=>10 2=>20"),
            (2, "select * from test", "T2: 1=>10 2=>20"),
            (1, "insert into test (id, value) values (3, 30)", "T1: ok 1"),
            (2, "update test set value = 11 where id = 1", "T2: ok 1"),
            (2, "insert into test (id, value) values (3, 31)", "blocked"),
            (1, "commit", ssi_insert),
        ],
    );
}

/// The same when the key turns out free after the wait: the insert fails
/// all the same, at the index entry's check.
#[test]
fn serializable_fails_a_marked_insert_after_its_wait() {
    let ssi_insert: &str = &format!("T2: ok / T1: {SSI}");
    check(
        SER,
        2,
        &[
            (2, "insert into test (id, value) values (5, 40)", "T2: ok 1"),
            (
                1,
                "update test set value = value + 4 where value = 30",
                "T1: ok 0",
            ),
            (2, "select * from test", "T2: 1=>10 2=>20 5=>40"),
            (2, "delete from test where id > 0", "T2: ok 3"),
            (1, "insert into test (id, value) values (5, 40)", "blocked"),
            (2, "commit", ssi_insert),
        ],
    );
}
