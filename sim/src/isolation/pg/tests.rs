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
    assert_eq!(db.row_locks_of(2), [(me, false)]);
    let lock = db.access(Level::ReadCommitted, &stmt("select * from test for update"));
    db.select_row(me, lock, 2);
    assert_eq!(db.row_locks_of(2), [(me, false), (me, true)]);
}

/// Runs `steps` of `(session, sql)` and returns each statement's own
/// answer (`None` for one that blocked).
fn script(db: &mut Db, steps: &[(usize, &str)]) -> Vec<Option<Answer>> {
    steps
        .iter()
        .map(|&(s, sql)| match run(db, s, sql) {
            Submitted::Done(f) => f.into_iter().find(|f| f.session == s).map(|f| f.answer),
            _ => None,
        })
        .collect()
}

fn serializable(rows: &[(i64, i64)], sessions: usize, planner: Planner) -> Db {
    let mut db = Db::new(rows, sessions);
    db.set_planner(planner);
    for s in 0..sessions {
        run(&mut db, s, "begin isolation level serializable");
    }
    db
}

fn targets(db: &Db, session: usize) -> Vec<SireadTarget> {
    let mut t: Vec<SireadTarget> = db
        .siread_locks()
        .into_iter()
        .filter(|l| l.session == session)
        .map(|l| l.target)
        .collect();
    t.sort();
    t
}

const LEAF_PAGE: SireadTarget = SireadTarget::Page {
    index: true,
    page: LEAF,
};

fn tuple(offset: u32) -> SireadTarget {
    SireadTarget::Tuple { page: 0, offset }
}

#[test]
fn the_planner_reads_by_key_through_the_index() {
    let db = Db::new(&[], 1);
    let plan = |sql: &str| db.plan_of(&stmt(sql)).map(|p| p.explain());
    let index = Some("Index Scan using test_pkey on test".to_string());
    let bitmap = Some("Bitmap Heap Scan on test".to_string());
    let seq = Some("Seq Scan on test".to_string());
    assert_eq!(plan("select * from test where id = 1"), index);
    assert_eq!(plan("update test set value = 1 where 1 = id"), index);
    assert_eq!(plan("select * from test where not id <> 2"), index);
    assert_eq!(plan("delete from test where id = 3 or id = 3"), index);
    assert_eq!(
        plan("select count(*) from test where id = 1"),
        Some("Index Only Scan using test_pkey on test".to_string())
    );
    assert_eq!(plan("select sum(value) from test where id = 1"), index);
    assert_eq!(plan("select * from test where id > 1 for update"), bitmap);
    assert_eq!(plan("select * from test where id >= 1 and id <= 2"), bitmap);
    let or = db.plan_of(&stmt("select * from test where id = 1 or id = 2"));
    assert_eq!(or, Some(Plan::BitmapHeapScan { arms: 2 }));
    assert_eq!(or.and_then(|p| p.bitmap_input()), Some("BitmapOr".into()));
    assert_eq!(plan("select * from test where id > 1 or id < 0"), seq);
    assert_eq!(plan("select * from test where id = 1 or value > 10"), seq);
    assert_eq!(plan("select * from test where value = 10"), seq);
    assert_eq!(plan("select * from test where id + 0 = 1"), seq);
    assert_eq!(plan("select * from test"), seq);
    assert_eq!(
        db.plan_of(&stmt("select * from test where id = 1 and id = 2")),
        Some(Plan::NoScan)
    );
    assert_eq!(plan("insert into test (id, value) values (1, 1)"), None);
    assert_eq!(plan("commit"), None);
    let mut off = Db::new(&[], 1);
    off.set_planner(Planner::SeqScanOnly);
    assert_eq!(off.planner(), Planner::SeqScanOnly);
    assert_eq!(
        off.plan_of(&stmt("select * from test where id = 1")),
        Some(Plan::SeqScan)
    );
    assert_eq!(
        Db::textbook(&[], 1).plan_of(&stmt("select * from test")),
        None
    );
}

#[test]
fn updates_of_different_rows_by_key_conflict_only_through_a_table_scan() {
    let steps = [
        (0, "update test set value = 11 where id = 1"),
        (1, "update test set value = 21 where id = 2"),
        (0, "commit"),
        (1, "commit"),
    ];
    let mut db = serializable(&[(1, 10), (2, 20)], 2, Planner::Default);
    let answers = script(&mut db, &steps);
    assert!(answers
        .iter()
        .all(|a| !matches!(a, Some(Answer::Error(_)) | None)));
    assert_eq!(db.committed_rows(), vec![(1, 11), (2, 21)]);
    // Sequential scans lock the table: each reads past the other's write.
    let mut db = serializable(&[(1, 10), (2, 20)], 2, Planner::SeqScanOnly);
    let answers = script(&mut db, &steps);
    assert_eq!(
        answers[3],
        Some(Answer::Error(DbError::ReadWriteDependencies))
    );
    assert_eq!(db.committed_rows(), vec![(1, 11), (2, 20)]);
}

#[test]
fn a_taken_key_is_a_unique_violation_unless_the_other_read_its_range() {
    let insert = "insert into test (id, value) values (3, 30)";
    // T2 read row 1 only; T1 inserts key 3 and commits.
    let mut db = serializable(&[(1, 10), (2, 20)], 2, Planner::Default);
    let answers = script(
        &mut db,
        &[
            (1, "select * from test where id = 1"),
            (0, insert),
            (0, "commit"),
            (1, insert),
        ],
    );
    assert_eq!(answers[3], Some(Answer::Error(DbError::DuplicateKey)));
    // T1 looked for key 3 before inserting it: T2's insert fails as a
    // serialization failure, not the violation that would mask it.
    let mut db = serializable(&[(1, 10), (2, 20)], 2, Planner::Default);
    let answers = script(
        &mut db,
        &[
            (0, "select * from test where id = 3"),
            (1, "select * from test where id = 3"),
            (0, insert),
            (0, "commit"),
            (1, insert),
        ],
    );
    assert_eq!(
        answers[4],
        Some(Answer::Error(DbError::ReadWriteDependencies))
    );
}

#[test]
fn a_third_tuple_lock_on_a_page_becomes_a_page_lock() {
    let mut db = serializable(&[(1, 10), (2, 20), (3, 30)], 1, Planner::Default);
    run(&mut db, 0, "select * from test where id = 1");
    run(&mut db, 0, "select * from test where id = 2");
    assert_eq!(targets(&db, 0), vec![LEAF_PAGE, tuple(1), tuple(2)]);
    run(&mut db, 0, "select * from test where id = 3");
    let heap_page = SireadTarget::Page {
        index: false,
        page: 0,
    };
    assert_eq!(targets(&db, 0), vec![heap_page, LEAF_PAGE]);
    // A scan of the table covers every finer lock on it.
    run(&mut db, 0, "select * from test");
    assert_eq!(
        targets(&db, 0),
        vec![SireadTarget::Relation { index: false }, LEAF_PAGE]
    );
}

#[test]
fn a_write_drops_the_writers_own_tuple_lock() {
    let mut db = serializable(&[(1, 10), (2, 20)], 1, Planner::Default);
    run(&mut db, 0, "select * from test where id = 1 or id = 2");
    assert_eq!(targets(&db, 0), vec![LEAF_PAGE, tuple(1), tuple(2)]);
    run(&mut db, 0, "update test set value = 11 where id = 1");
    assert_eq!(targets(&db, 0), vec![LEAF_PAGE, tuple(2)]);
    // Its own new version is not locked, and counts no more.
    run(&mut db, 0, "select * from test where id = 1");
    assert_eq!(targets(&db, 0), vec![LEAF_PAGE, tuple(2)]);
}

#[test]
fn an_index_page_lock_catches_an_insert_into_the_range() {
    let mut db = serializable(&[(1, 10), (2, 20)], 2, Planner::Default);
    let answers = script(
        &mut db,
        &[
            // T1 finds no key above 2; T2 reads row 1.
            (0, "select * from test where id > 2"),
            (1, "select * from test where id = 1"),
            // T2 adds key 3 to the range T1 read; T1 changes row 1.
            (1, "insert into test (id, value) values (3, 30)"),
            (0, "update test set value = 11 where id = 1"),
            (1, "commit"),
            (0, "commit"),
        ],
    );
    assert_eq!(answers[4], Some(Answer::Done));
    assert_eq!(
        answers[5],
        Some(Answer::Error(DbError::ReadWriteDependencies))
    );
    // Without T1's read of the range before the insert, T1 commits: its
    // update reads key 1 only, after the insert.
    let mut db = serializable(&[(1, 10), (2, 20)], 2, Planner::Default);
    let answers = script(
        &mut db,
        &[
            (1, "select * from test where id = 1"),
            (1, "insert into test (id, value) values (3, 30)"),
            (0, "update test set value = 11 where id = 1"),
            (1, "commit"),
            (0, "commit"),
        ],
    );
    assert_eq!(answers[4], Some(Answer::Done));
}

#[test]
fn a_row_deleted_since_the_snapshot_is_a_concurrent_delete() {
    let mut db = Db::new(&[(1, 10), (2, 20)], 2);
    run(&mut db, 0, "begin isolation level repeatable read");
    run(&mut db, 0, "select * from test");
    run(&mut db, 1, "delete from test where id = 1");
    run(&mut db, 1, "update test set value = 21 where id = 2");
    let answers = script(
        &mut db,
        &[
            (0, "update test set value = 0 where id = 1"),
            (0, "rollback"),
            (0, "begin isolation level repeatable read"),
            (0, "select * from test where id = 3"),
            (1, "delete from test where id = 2"),
            (0, "delete from test where id = 2"),
        ],
    );
    assert_eq!(answers[0], Some(Answer::Error(DbError::ConcurrentDelete)));
    assert_eq!(answers[5], Some(Answer::Error(DbError::ConcurrentDelete)));
}

#[test]
fn every_tuple_written_takes_a_line_pointer() {
    let mut db = Db::new(&[(1, 10), (2, 20)], 1);
    assert_eq!(db.heap_tuples(), 2);
    run(&mut db, 0, "begin");
    run(&mut db, 0, "update test set value = 11 where id = 1");
    // A failed insert leaves its dead tuple behind.
    run(&mut db, 0, "insert into test (id, value) values (2, 0)");
    run(&mut db, 0, "rollback");
    run(&mut db, 0, "insert into test (id, value) values (3, 30)");
    assert_eq!(db.heap_tuples(), 5);
    assert!(db.heap_tuples() <= EXACT_HEAP_TUPLES);
}
