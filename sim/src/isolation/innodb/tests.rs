//! InnoDB's signature behaviours, each as a short schedule.

use super::*;
use crate::isolation::sql::parse;

/// A database over rows 1 => 10, 2 => 20 with `n` sessions each in a
/// transaction at `level`.
fn db(level: Level, n: usize) -> Db {
    let mut db = Db::new(&[(1, 10), (2, 20)], n);
    let begin = Stmt::Begin(Some(level));
    for s in 0..n {
        db.run(s, &begin);
    }
    db
}

fn run(db: &mut Db, s: usize, sql: &str) -> Submitted {
    let stmt = parse(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    db.run(s, &stmt)
}

/// The answer of a statement that finished at once.
fn answer(db: &mut Db, s: usize, sql: &str) -> Answer {
    match run(db, s, sql) {
        Submitted::Done(f) => f
            .into_iter()
            .find(|f| f.session == s)
            .map(|f| f.answer)
            .unwrap_or(Answer::Done),
        other => panic!("{sql}: {other:?}"),
    }
}

fn blocked(db: &mut Db, s: usize, sql: &str) -> Vec<Finished> {
    match run(db, s, sql) {
        Submitted::Blocked { finished, .. } => finished,
        other => panic!("{sql} should wait: {other:?}"),
    }
}

#[test]
fn repeatable_read_loses_an_update() {
    let mut db = db(Level::RepeatableRead, 2);
    assert_eq!(
        answer(&mut db, 0, "select * from test where id = 1"),
        Answer::Rows(vec![(1, 10)])
    );
    assert_eq!(
        answer(&mut db, 1, "select * from test where id = 1"),
        Answer::Rows(vec![(1, 10)])
    );
    answer(&mut db, 0, "update test set value = value + 1 where id = 1");
    blocked(&mut db, 1, "update test set value = value + 1 where id = 1");
    let out = answer_all(&mut db, 0, "commit");
    assert!(out.contains(&(1, Answer::Changed(1))), "{out:?}");
    // T2's update read the committed 11, not its snapshot's 10 ...
    answer(&mut db, 1, "commit");
    assert_eq!(db.committed_rows(), vec![(1, 12), (2, 20)]);
    // ... while a plain read in the same transaction kept the snapshot.
    let mut db = self::db(Level::RepeatableRead, 2);
    answer(&mut db, 1, "select * from test");
    answer(&mut db, 0, "update test set value = 11 where id = 1");
    answer(&mut db, 0, "commit");
    answer(&mut db, 1, "update test set value = value + 1 where id = 2");
    assert_eq!(
        answer(&mut db, 1, "select * from test"),
        Answer::Rows(vec![(1, 10), (2, 21)])
    );
    assert_eq!(
        answer(&mut db, 1, "select * from test where id = 1 for share"),
        Answer::Rows(vec![(1, 11)])
    );
}

fn answer_all(db: &mut Db, s: usize, sql: &str) -> Vec<(usize, Answer)> {
    match run(db, s, sql) {
        Submitted::Done(f) | Submitted::Blocked { finished: f, .. } => {
            f.into_iter().map(|f| (f.session, f.answer)).collect()
        }
        Submitted::Busy => Vec::new(),
    }
}

#[test]
fn a_gap_lock_keeps_an_insert_out_at_repeatable_read_only() {
    let mut db = db(Level::RepeatableRead, 2);
    answer(&mut db, 0, "select * from test where id > 1 for update");
    assert!(db.locks().iter().any(|l| l.id == SUPREMUM
        && l.kind
            == LockKind::NextKey {
                exclusive: true,
                waiting: false
            }));
    blocked(&mut db, 1, "insert into test (id, value) values (3, 30)");
    assert_eq!(db.waits_for(1), Some(0));
    assert_eq!(db.waiting_row(1), Some(SUPREMUM));
    let out = answer_all(&mut db, 0, "commit");
    assert!(out.contains(&(1, Answer::Changed(1))));

    let mut db = self::db(Level::ReadCommitted, 2);
    answer(&mut db, 0, "select * from test where id > 1 for update");
    assert_eq!(
        answer(&mut db, 1, "insert into test (id, value) values (3, 30)"),
        Answer::Changed(1)
    );
}

#[test]
fn read_committed_update_reads_semi_consistently() {
    let mut db = db(Level::ReadCommitted, 2);
    answer(&mut db, 0, "update test set value = 11 where id = 1");
    // Row 1's last committed version (10) does not match: no wait.
    assert_eq!(
        answer(&mut db, 1, "update test set value = 0 where value = 20"),
        Answer::Changed(1)
    );
    // A DELETE reads no such version: it waits on row 1.
    blocked(&mut db, 1, "delete from test where value = 99");
    // At repeatable read the UPDATE waits too.
    let mut db = self::db(Level::RepeatableRead, 2);
    answer(&mut db, 0, "update test set value = 11 where id = 1");
    blocked(&mut db, 1, "update test set value = 0 where value = 20");
}

#[test]
fn a_serializable_read_blocks_a_writer() {
    let mut db = db(Level::Serializable, 2);
    answer(&mut db, 0, "select * from test where id = 1");
    blocked(&mut db, 1, "update test set value = 12 where id = 1");
    let out = answer_all(&mut db, 0, "commit");
    assert!(out.contains(&(1, Answer::Changed(1))));
}

#[test]
fn a_deadlock_rolls_back_the_lighter_transaction() {
    // P4 at serializable: both read row 1 (shared locks), both update it.
    let mut db = db(Level::Serializable, 2);
    answer(&mut db, 0, "select * from test where id = 1");
    answer(&mut db, 1, "select * from test where id = 1");
    blocked(&mut db, 0, "update test set value = 11 where id = 1");
    // The two weigh the same: the one that closed the cycle goes.
    let out = answer_all(&mut db, 1, "update test set value = 11 where id = 1");
    assert!(
        out.contains(&(1, Answer::Error(DbError::DeadlockFound))),
        "{out:?}"
    );
    assert!(out.contains(&(0, Answer::Changed(1))), "{out:?}");
    // The victim's session is in a new transaction (nothing of the old).
    assert_eq!(db.tx_of(1), None);
    // A heavier transaction survives even when it closes the cycle.
    let mut db = self::db(Level::RepeatableRead, 2);
    answer(&mut db, 0, "update test set value = 0 where id = 1");
    answer(
        &mut db,
        1,
        "insert into test (id, value) values (5, 50), (6, 60)",
    );
    answer(&mut db, 1, "update test set value = 0 where id = 2");
    blocked(&mut db, 0, "update test set value = 0 where id = 2");
    let out = answer_all(&mut db, 1, "update test set value = 1 where id = 1");
    assert!(
        out.contains(&(0, Answer::Error(DbError::DeadlockFound))),
        "{out:?}"
    );
    assert!(out.contains(&(1, Answer::Changed(1))), "{out:?}");
}

#[test]
fn a_lock_wait_timeout_rolls_back_the_statement_only() {
    let mut db = db(Level::RepeatableRead, 2);
    db.set_lock_wait_timeout(LockWait::None);
    answer(&mut db, 0, "update test set value = 11 where id = 1");
    answer(&mut db, 1, "update test set value = 21 where id = 2");
    assert_eq!(
        answer(&mut db, 1, "update test set value = value + 1"),
        Answer::Error(DbError::LockWaitTimeout)
    );
    // Its own earlier change stands, and the transaction goes on.
    assert_eq!(
        db.tx_state(db.tx_of(1).unwrap_or(0)),
        Some(TxState::Running)
    );
    answer(&mut db, 1, "commit");
    assert_eq!(db.committed_rows(), vec![(1, 10), (2, 21)]);
}

#[test]
fn errors_roll_back_the_statement_and_the_session_goes_on() {
    let mut db = db(Level::RepeatableRead, 1);
    assert_eq!(
        answer(
            &mut db,
            0,
            "insert into test (id, value) values (3, 30), (1, 5)"
        ),
        Answer::Error(DbError::DuplicateEntry(1))
    );
    assert_eq!(
        DbError::DuplicateEntry(1).server_text(),
        "Duplicate entry '1' for key 'PRIMARY'"
    );
    assert_eq!(
        answer(&mut db, 0, "set transaction isolation level read committed"),
        Answer::Error(DbError::CharacteristicsInTransaction)
    );
    assert_eq!(
        answer(&mut db, 0, "update test set value = value * 1000000000"),
        Answer::Error(DbError::ColumnOutOfRange)
    );
    assert_eq!(
        answer(&mut db, 0, "update test set value = value / 2"),
        Answer::Error(DbError::DecimalDivision)
    );
    assert!(!db.is_failed(0));
    answer(&mut db, 0, "update test set value = 5 where id = 2");
    // BEGIN commits the open transaction.
    answer(&mut db, 0, "begin");
    assert_eq!(db.committed_rows(), vec![(1, 10), (2, 5)]);
}
