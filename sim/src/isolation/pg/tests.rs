//! The engine's pieces one at a time: how each statement kind treats its
//! rows, the answer of a scan, an INSERT's key check, and the row changes
//! of UPDATE, DELETE and SELECT ... FOR UPDATE.

use super::*;
use crate::isolation::sql::parse;

fn stmt(sql: &str) -> Stmt {
    match parse(sql) {
        Ok(s) => s,
        Err(e) => panic!("{sql}: {e:?}"),
    }
}

fn run(db: &mut Db, s: usize, sql: &str) -> Submitted {
    db.run(s, &stmt(sql))
}

#[test]
fn each_statement_kind_has_its_access() {
    let pg = Db::new(&[], 1);
    let book = Db::textbook(&[], 1);
    let read = stmt("select * from test");
    let a = pg.access(Level::ReadCommitted, &read);
    assert!(!a.write && a.lock.is_none() && !a.short_read && !a.snapshot_level);
    assert!(pg.access(Level::RepeatableRead, &read).snapshot_level);
    // The textbook's plain reads lock, for the statement at read committed.
    let a = book.access(Level::ReadCommitted, &read);
    assert_eq!(a.lock, Some(Lock::Share));
    assert!(a.short_read && !a.snapshot_level);
    let a = book.access(Level::RepeatableRead, &read);
    assert!(a.lock == Some(Lock::Share) && !a.short_read);
    assert!(book.access(Level::ReadUncommitted, &read).lock.is_none());
    let a = pg.access(Level::Serializable, &stmt("delete from test"));
    assert!(a.write && a.lock.is_none() && a.snapshot_level);
    let a = pg.access(Level::ReadCommitted, &stmt("select * from test for update"));
    assert_eq!(a.lock, Some(Lock::Update));
}

#[test]
fn a_scan_answers_rows_aggregates_or_a_count() {
    let mut p = Pending::new(
        stmt("select sum(value), count(*) from test"),
        Snapshot { seq: 0 },
    );
    assert_eq!(scan_answer(p.clone()), Answer::Values(vec![None, Some(0)]));
    p.rows = vec![(2, 20), (1, 10)];
    assert_eq!(scan_answer(p), Answer::Values(vec![Some(30), Some(2)]));
    let mut p = Pending::new(stmt("select * from test"), Snapshot { seq: 0 });
    p.rows = vec![(2, 20), (1, 10)];
    assert_eq!(scan_answer(p), Answer::Rows(vec![(1, 10), (2, 20)]));
    let mut p = Pending::new(stmt("delete from test"), Snapshot { seq: 0 });
    p.changed = 3;
    assert_eq!(scan_answer(p), Answer::Changed(3));
}

#[test]
fn an_insert_waits_for_a_key_in_doubt_and_fails_on_a_taken_one() {
    let mut db = Db::new(&[(1, 10)], 2);
    run(&mut db, 0, "begin");
    run(&mut db, 1, "begin");
    run(&mut db, 0, "insert into test (id, value) values (3, 30)");
    let t1 = db.tx_of(0).unwrap_or(0);
    let t2 = db.tx_of(1).unwrap_or(0);
    assert!(matches!(db.key_taken(t2, 3), Some(Stop::WaitFor(t)) if t == t1));
    assert!(db.key_taken(t2, 2).is_none());
    assert!(matches!(
        db.key_taken(t2, 1),
        Some(Stop::Fail(DbError::DuplicateKey))
    ));
    run(&mut db, 0, "rollback");
    assert!(db.key_taken(t2, 3).is_none());
    let mut p = Pending::new(
        stmt("insert into test (id, value) values (9, 1)"),
        Snapshot { seq: 0 },
    );
    assert!(matches!(
        db.insert_row(t2, (9, 3_000_000_000), &mut p),
        Err(Stop::Fail(DbError::OutOfRange))
    ));
    assert!(db.insert_row(t2, (9, 1), &mut p).is_ok());
    assert_eq!((p.changed, p.next), (1, 1));
}

#[test]
fn row_changes_write_versions_and_locks() {
    let mut db = Db::new(&[(1, 10), (2, 20)], 1);
    run(&mut db, 0, "begin");
    let me = db.tx_of(0).unwrap_or(0);
    assert!(matches!(
        db.update_row(me, 0, i64::from(i32::MAX) + 1),
        Err(Stop::Fail(DbError::OutOfRange))
    ));
    assert!(db.update_row(me, 0, 11).is_ok());
    assert_eq!(db.heap.len(), 3);
    // A second update by the same transaction changes its own version.
    assert!(db.update_row(me, 0, 12).is_ok());
    assert_eq!(db.heap.len(), 3);
    assert_eq!((db.heap[0].xmax, db.heap[2].value), (Some(me), 12));
    assert!(db.delete_row(me, 1));
    assert!(!db.delete_row(me, 1));
    let lock = db.access(Level::ReadCommitted, &stmt("select * from test for share"));
    db.select_row(me, lock, 2);
    db.select_row(me, lock, 2);
    assert_eq!(db.heap[2].locks, vec![(me, false)]);
    let lock = db.access(Level::ReadCommitted, &stmt("select * from test for update"));
    db.select_row(me, lock, 2);
    assert_eq!(db.heap[2].locks, vec![(me, false), (me, true)]);
}
