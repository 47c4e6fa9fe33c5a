//! Conformance of the isolation engine's PostgreSQL profile with a real
//! PostgreSQL: the test starts Debian's PostgreSQL in a temporary directory
//! (`initdb`, a unix socket only, stopped at the end), and runs the Hermitage
//! schedules and random schedules with one connection per session, statement
//! by statement in the schedule's order. For every statement it compares the
//! engine with the server: the rows returned, whether it blocked, the error,
//! and which waiting statements finished with it; and the final table.
//!
//! Every level PostgreSQL distinguishes is covered: read committed,
//! repeatable read and serializable, each twice: with the default planner
//! (index, index-only and bitmap scans on the primary key, as people run
//! PostgreSQL) and with index and bitmap scans switched off (every read a
//! sequential scan). For every SELECT, UPDATE and DELETE the engine's plan
//! must be the scan the server's EXPLAIN shows; at serializable, after
//! every step, the engine's SIREAD locks must be the server's `pg_locks`
//! (tuple, page and relation locks on the table and its index). The server
//! runs with autovacuum off, so the table is never analyzed and its plans
//! stay those of a fresh table.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use backend_playground::sim::isolation::db::Recorded;
use backend_playground::sim::isolation::pg::{
    Answer, Db, DbError, Finished, Planner, SireadTarget, Submitted, TxState,
};
use backend_playground::sim::isolation::presets::all;
use backend_playground::sim::isolation::sql::{parse, Level, Projection, Stmt};
use backend_playground::sim::rng::Rng;

use crate::lab_words::{self, env};
use crate::pg::{Conn, Partial, Reply, Server};

/// The server's deadlock check runs this long after a wait begins; a step
/// that blocks waits a little longer before it is judged.
const DEADLOCK_MS: u64 = 25;

/// The engine's answer as the server would give it.
fn expected(a: &Answer) -> String {
    lab_words::expected(a, |e| format!("error {} {}", code(e), text(e)))
}

/// The message PostgreSQL prints for `e` on the lab's table.
fn text(e: DbError) -> String {
    match e {
        DbError::DuplicateKey => format!("{} \"test_pkey\"", e.message()),
        e => e.message().to_string(),
    }
}

fn code(e: DbError) -> &'static str {
    match e {
        DbError::ConcurrentUpdate | DbError::ConcurrentDelete | DbError::ReadWriteDependencies => {
            "40001"
        }
        DbError::Deadlock => "40P01",
        DbError::DuplicateKey => "23505",
        DbError::InFailedTransaction => "25P02",
        DbError::DivisionByZero => "22012",
        DbError::OutOfRange => "22003",
        DbError::NoSuchTable => "42P01",
        DbError::LevelTooLate => "25001",
        // The InnoDB profile's errors: never PostgreSQL's.
        _ => "not a PostgreSQL error",
    }
}

/// The server's reply in the same words.
fn observed(r: &Reply, select_all: bool) -> String {
    match r {
        Reply::Error(c, m) => format!("error {c} {m}"),
        Reply::Rows(rows, tag) => {
            let word = tag.split(' ').next().unwrap_or("");
            match word {
                "SELECT" => lab_words::selected(rows, select_all),
                "UPDATE" | "DELETE" => format!("changed {}", tag.rsplit(' ').next().unwrap_or("")),
                "INSERT" => format!("changed {}", tag.rsplit(' ').next().unwrap_or("")),
                _ => "done".into(),
            }
        }
    }
}

/// One schedule to run on both: the level, the planner, the sessions,
/// the statements and a name for messages.
struct Case<'a> {
    level: Level,
    planner: Planner,
    sessions: usize,
    script: &'a [(usize, String)],
    what: &'a str,
}

/// The server's plans, by planner and statement (a plan depends on
/// neither the data nor the session: the table is never analyzed).
type Plans = HashMap<(bool, String), String>;

/// Runs one schedule on both, statement by statement: per statement,
/// `blocked` or not, and the sorted list of `Tn: answer` that finished
/// must agree, and so must the plan and (at serializable) the SIREAD
/// locks; then the final table. Returns what it saw.
fn compare(pool: &mut Pool, case: &Case, plans: &mut Plans) -> Seen {
    let mut run = Run::open(pool, case, plans);
    let mut raced = false;
    for (k, (s, sql)) in case.script.iter().enumerate() {
        if run.step(k, *s, sql) == Step::Raced {
            raced = true;
            break;
        }
    }
    if !raced {
        run.check_committed();
    }
    let seen = Seen { raced, ..run.seen };
    run.close(pool);
    seen
}

/// A server and the connections schedules borrow from it, kept from one
/// schedule to the next (rolled back in between), so that a schedule does
/// not wait for new server processes.
struct Pool {
    server: Server,
    admin: Option<Conn>,
    idle: Vec<Conn>,
}

impl Pool {
    fn new(server: Server) -> Pool {
        Pool {
            server,
            admin: None,
            idle: Vec::new(),
        }
    }

    fn admin(&mut self) -> Conn {
        self.admin.take().unwrap_or_else(|| self.server.connect())
    }

    fn sessions(&mut self, n: usize) -> Vec<Conn> {
        (0..n)
            .map(|_| self.idle.pop().unwrap_or_else(|| self.server.connect()))
            .collect()
    }
}

/// How a step of a schedule went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Compared (or skipped, for a session still waiting).
    Compared,
    /// PostgreSQL leaves its outcome to a race: the schedule stops here.
    Raced,
}

/// One schedule under way on the engine and on the server.
struct Run<'a> {
    level: Level,
    sessions: usize,
    script: &'a [(usize, String)],
    what: &'a str,
    planner: Planner,
    plans: &'a mut Plans,
    /// The connection that sets up, watches locks and reads the table.
    admin: Conn,
    /// One connection per session.
    conns: Vec<Conn>,
    db: Db,
    /// Per session: a statement in flight and what it was.
    in_flight: Vec<Option<(bool, Partial)>>,
    /// Per session: the statement waiting in the engine.
    waiting_sql: Vec<Option<String>>,
    seen: Seen,
}

impl<'a> Run<'a> {
    /// A fresh table on both, the planner set on both, and every
    /// session begun at the case's level.
    fn open(pool: &mut Pool, case: &Case<'a>, plans: &'a mut Plans) -> Run<'a> {
        let mut admin = pool.admin();
        for q in [
            "drop table if exists test",
            "create table test (id int primary key, value int)",
            "insert into test (id, value) values (1, 10), (2, 20)",
        ] {
            assert!(matches!(admin.query(q), Reply::Rows(..)), "{q}");
        }
        let sessions = case.sessions;
        let mut conns = pool.sessions(sessions);
        let on = if case.planner == Planner::Default {
            "on"
        } else {
            "off"
        };
        for c in conns.iter_mut().chain(std::iter::once(&mut admin)) {
            for q in [
                "enable_indexscan",
                "enable_bitmapscan",
                "enable_indexonlyscan",
            ] {
                let q = format!("set {q} = {on}");
                assert!(matches!(c.query(&q), Reply::Rows(..)), "{q}");
            }
        }
        let mut db = Db::new(&[(1, 10), (2, 20)], sessions);
        db.set_planner(case.planner);
        let begin = format!("begin isolation level {}", case.level.sql());
        let begin_stmt = parse(&begin).expect("begin parses");
        for (s, c) in conns.iter_mut().enumerate() {
            assert_eq!(c.query(&begin), Reply::Rows(Vec::new(), "BEGIN".into()));
            assert!(matches!(db.run(s, &begin_stmt), Submitted::Done(_)));
        }
        Run {
            level: case.level,
            sessions,
            script: case.script,
            what: case.what,
            planner: case.planner,
            plans,
            admin,
            conns,
            db,
            in_flight: (0..sessions).map(|_| None).collect(),
            waiting_sql: vec![None; sessions],
            seen: Seen::default(),
        }
    }

    /// Ends every session's transaction on the server (a waiting statement
    /// finishes once the one it waits for is rolled back) and gives the
    /// connections back to the pool.
    fn close(mut self, pool: &mut Pool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            for (i, c) in self.conns.iter_mut().enumerate() {
                if self.in_flight[i].is_none() {
                    let _ = c.query("rollback");
                }
            }
            if self.in_flight.iter().all(Option::is_none) {
                break;
            }
            for (i, c) in self.conns.iter_mut().enumerate() {
                if let Some((_, acc)) = &mut self.in_flight[i] {
                    if c.reply(Some(Duration::from_millis(20)), acc).is_some() {
                        self.in_flight[i] = None;
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "{}: the sessions did not end",
                self.what
            );
        }
        pool.admin = Some(self.admin);
        pool.idle.extend(self.conns);
    }

    /// The scan the server plans for `sql` (its top scan node, and the
    /// node under a bitmap heap scan), which the engine's must be.
    fn check_plan(&mut self, k: usize, sql: &str, stmt: &Stmt) {
        let Some(plan) = self.db.plan_of(stmt) else {
            return;
        };
        let key = (self.planner == Planner::Default, sql.to_string());
        if !self.plans.contains_key(&key) {
            let got = match self.admin.query(&format!("explain (costs off) {sql}")) {
                Reply::Rows(rows, _) => scan_nodes(&rows),
                Reply::Error(c, m) => format!("error {c} {m}"),
            };
            self.plans.insert(key.clone(), got);
        }
        let want = match plan.bitmap_input() {
            Some(input) => format!("{} / {input}", plan.explain()),
            None => plan.explain(),
        };
        assert_eq!(
            self.plans[&key], want,
            "{}: step {k}: the plan of {sql} (left: PostgreSQL, right: the engine)",
            self.what
        );
        if plan.uses_index() {
            self.seen.index_plans += 1;
        }
    }

    /// At serializable, the engine's SIREAD locks must be the server's.
    fn check_siread(&mut self, k: usize, sql: &str) {
        if self.level != Level::Serializable {
            return;
        }
        let q = "select locktype, relation::regclass::text, coalesce(page, -1), coalesce(tuple, -1), pid from pg_locks where mode = 'SIReadLock'";
        let mut got: Vec<String> = match self.admin.query(q) {
            Reply::Rows(rows, _) => rows
                .iter()
                .map(|r| {
                    let f = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
                    let pid: i32 = f(4).parse().unwrap_or(0);
                    let session = self.conns.iter().position(|c| c.pid == pid);
                    let who = session.map_or("?".to_string(), |s| format!("T{}", s + 1));
                    format!("{who} {} {} {} {}", f(0), f(1), f(2), f(3))
                })
                .collect(),
            Reply::Error(c, m) => vec![format!("error {c} {m}")],
        };
        got.sort();
        let mut want: Vec<String> = self
            .db
            .siread_locks()
            .iter()
            .map(|l| {
                let (kind, rel, page, tuple) = match l.target {
                    SireadTarget::Relation { index } => ("relation", index, -1, -1),
                    SireadTarget::Page { index, page } => ("page", index, i64::from(page), -1),
                    SireadTarget::Tuple { page, offset } => {
                        ("tuple", false, i64::from(page), i64::from(offset))
                    }
                };
                let rel = if rel { "test_pkey" } else { "test" };
                format!("T{} {kind} {rel} {page} {tuple}", l.session + 1)
            })
            .collect();
        want.sort();
        assert_eq!(
            got, want,
            "{}: step {k}: SIREAD locks after {sql} (left: PostgreSQL, right: the engine)\nscript: {:?}",
            self.what, self.script
        );
        self.seen.siread_checks += 1;
        // A lock on a heap page comes only from promoting tuple locks.
        let promoted = self
            .db
            .siread_locks()
            .iter()
            .any(|l| matches!(l.target, SireadTarget::Page { index: false, .. }));
        self.seen.promoted += usize::from(promoted);
    }

    /// Step `k`: session `s` runs `sql` on the engine, then on the server
    /// (unless the session is still waiting there), and both must agree.
    fn step(&mut self, k: usize, s: usize, sql: &str) -> Step {
        let stmt = parse(sql).expect("a statement of the subset");
        self.check_plan(k, sql, &stmt);
        // Who waits for whom before the step.
        let waits: Vec<(usize, Option<usize>)> = (0..self.sessions)
            .filter_map(|w| {
                let on = self.db.waits_for(w)?;
                Some((w, self.db.tx_of(on)))
            })
            .collect();
        let rows_before: Vec<Option<i64>> =
            (0..self.sessions).map(|w| self.db.waiting_row(w)).collect();
        let select_all = matches!(
            &stmt,
            Stmt::Select {
                what: Projection::All,
                ..
            }
        );
        // The engine.
        let sub = self.db.run(s, &stmt);
        let (engine_blocked, finished) = match sub {
            Submitted::Done(f) => (false, f),
            Submitted::Blocked { finished, .. } => (true, finished),
            Submitted::Busy => return Step::Compared,
        };
        if self.raced(&waits, &rows_before) {
            return Step::Raced;
        }
        for (w, slot) in self.waiting_sql.iter_mut().enumerate() {
            if !self.db.is_blocked(w) {
                *slot = None;
            }
        }
        if engine_blocked {
            self.waiting_sql[s] = Some(sql.to_string());
        }
        let want = self.engine_answers(&finished, engine_blocked);
        // The server.
        if self.in_flight[s].is_some() {
            return Step::Compared;
        }
        let got = self.server_answers(k, s, sql, select_all);
        let server_blocked = self.in_flight[s].is_some();
        let (what, level, script) = (self.what, self.level, self.script);
        assert_eq!(
            (server_blocked, &got),
            (engine_blocked, &want),
            "{what} at {level:?} ({:?}), step {k}: T{} {sql} (left: PostgreSQL, right: the engine)\nscript: {script:?}",
            self.planner,
            s + 1
        );
        self.check_siread(k, sql);
        Step::Compared
    }

    /// Statements waiting for one transaction are released together
    /// when it ends. PostgreSQL queues waiters on the same row in order,
    /// as the engine does; but waiters on different rows, or an INSERT
    /// waiting on a key, wake at once and race, so the outcome is not
    /// fixed. The schedule is left out from such a step on.
    fn raced(&self, waits: &[(usize, Option<usize>)], rows_before: &[Option<i64>]) -> bool {
        for (w, tx) in waits {
            let Some(tx) = tx else { continue };
            let group: Vec<usize> = waits
                .iter()
                .filter(|(_, t)| *t == Some(*tx))
                .map(|(x, _)| *x)
                .collect();
            let ended = self.db.tx_state(*tx) != Some(TxState::Running);
            let insert = group.iter().any(|g| {
                self.waiting_sql[*g]
                    .as_deref()
                    .is_some_and(|q| q.starts_with("insert"))
            });
            let rows: Vec<Option<i64>> = group.iter().map(|g| rows_before[*g]).collect();
            let same_row = rows.windows(2).all(|p| p[0] == p[1]);
            if ended && group.len() >= 2 && (insert || !same_row) && group[0] == *w {
                return true;
            }
        }
        false
    }

    /// The engine's statements that finished, as sorted `Tn: answer`;
    /// counts them, and the serialization failures, in `seen`.
    fn engine_answers(&mut self, finished: &[Finished], engine_blocked: bool) -> Vec<String> {
        let want = lab_words::finished(finished, expected);
        for f in finished {
            match f.answer {
                Answer::Error(DbError::ReadWriteDependencies) => self.seen.ssi += 1,
                Answer::Error(DbError::ConcurrentUpdate) => self.seen.updates += 1,
                Answer::Error(DbError::ConcurrentDelete) => self.seen.deletes += 1,
                Answer::Error(DbError::DuplicateKey) => self.seen.unique += 1,
                _ => {}
            }
        }
        self.seen.blocked += usize::from(engine_blocked);
        self.seen.statements += 1;
        want
    }

    /// Sends `sql` on session `s` and gathers, as sorted `Tn: answer`,
    /// every statement that finishes until the rest are all waiting on a
    /// lock (and the deadlock check has had its time).
    fn server_answers(&mut self, k: usize, s: usize, sql: &str, select_all: bool) -> Vec<String> {
        self.conns[s].send(sql);
        self.in_flight[s] = Some((select_all, (Vec::new(), None)));
        let mut got: Vec<String> = Vec::new();
        let settle = Instant::now() + Duration::from_millis(DEADLOCK_MS * 4);
        loop {
            lab_words::gather(
                &mut self.conns,
                &mut self.in_flight,
                &mut got,
                |c, all, acc| {
                    let r = c.reply(Some(Duration::from_millis(2)), acc)?;
                    Some(observed(&r, all))
                },
            );
            let waiting: Vec<usize> = (0..self.sessions)
                .filter(|i| self.in_flight[*i].is_some())
                .collect();
            if waiting.is_empty() {
                break;
            }
            // Still running, or waiting on a lock?
            if self.all_locked(&waiting) && Instant::now() >= settle {
                break;
            }
            assert!(
                Instant::now() < settle + Duration::from_secs(10),
                "{}: step {k} never settled",
                self.what
            );
        }
        got.sort();
        got
    }

    /// Whether every session in `waiting` waits on a lock on the server.
    fn all_locked(&mut self, waiting: &[usize]) -> bool {
        waiting.iter().all(|&i| {
            let q = format!("select cardinality(pg_blocking_pids({}))", self.conns[i].pid);
            matches!(self.admin.query(&q), Reply::Rows(r, _) if r.first().and_then(|r| r[0].clone()).is_some_and(|n| n != "0"))
        })
    }

    /// The committed table, read while the sessions are still open, must
    /// be the engine's.
    fn check_committed(&mut self) {
        let rows = match self.admin.query("select id, value from test order by id") {
            Reply::Rows(r, _) => lab_words::table(&r),
            Reply::Error(..) => Vec::new(),
        };
        assert_eq!(
            rows,
            self.db.committed_rows(),
            "{} at {:?}: the committed table",
            self.what,
            self.level
        );
    }
}

/// The scan nodes of an EXPLAIN: the first node that scans, and under a
/// bitmap heap scan the node that feeds it.
fn scan_nodes(rows: &[Vec<Option<String>>]) -> String {
    let lines: Vec<String> = rows
        .iter()
        .filter_map(|r| r.first().cloned().flatten())
        .map(|l| l.trim_start().trim_start_matches("->").trim().to_string())
        .filter(|l| !l.contains(':'))
        .collect();
    let Some(at) = lines.iter().position(|l| l.contains("Scan")) else {
        return lines.join(" / ");
    };
    // A Result over the scan: it never runs.
    if lines[..at].iter().any(|l| l.starts_with("Result")) {
        return "Result".into();
    }
    match lines.get(at + 1) {
        Some(next) if lines[at].starts_with("Bitmap Heap Scan") => {
            format!("{} / {next}", lines[at])
        }
        _ => lines[at].clone(),
    }
}

/// What one schedule showed.
#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    /// Statements compared.
    statements: usize,
    /// Of them, read through the index (index, index-only or bitmap scans).
    index_plans: usize,
    /// Steps after which the SIREAD locks were compared.
    siread_checks: usize,
    /// Of them, with a heap page lock (tuple locks promoted).
    promoted: usize,
    /// Serialization failures of serializable snapshot isolation.
    ssi: usize,
    /// Serialization failures on a concurrent update.
    updates: usize,
    /// Serialization failures on a concurrent delete.
    deletes: usize,
    /// Unique violations.
    unique: usize,
    /// Statements that blocked.
    blocked: usize,
    /// Left out from a step whose outcome PostgreSQL leaves to a race.
    raced: bool,
    /// Schedules cut short so (in a sum).
    cut: usize,
}

/// A random condition: on the key (equalities, ranges, ORs of keys, which
/// the default planner reads through the index) or on the value.
fn random_condition(rng: &mut Rng) -> String {
    let mut pick = |n: u64| rng.below(n);
    let id = 1 + pick(5);
    let other = 1 + pick(5);
    let v = 10 * (1 + pick(4));
    match pick(13) {
        0 | 1 => format!("id = {id}"),
        2 => format!("value = {v}"),
        3 => format!("value % {} = 0", 2 + pick(3)),
        4 => format!("id > {}", pick(4)),
        5 => format!("id < {}", 2 + pick(4)),
        6 => format!("id >= {id} and id <= {}", id + pick(3)),
        7 => format!("id = {id} or id = {other}"),
        8 => format!("id = {id} or id = {other} or id = {}", 1 + pick(6)),
        9 => format!("id = {id} or value > {v}"),
        10 => format!("id = {id} and value = {v}"),
        11 => format!("id > {} and value > {v}", pick(3)),
        _ => format!("not value < {v}"),
    }
}

/// A random statement of the subset: reads, locking reads, updates and
/// deletes by condition or by key, inserts of new keys and of taken ones.
fn random_statement(rng: &mut Rng) -> String {
    let pred = random_condition(rng);
    let mut pick = |n: u64| rng.below(n);
    // Keys by which sessions read and write each other's rows most often.
    let id = 1 + pick(3);
    let v = 10 * (1 + pick(4));
    match pick(17) {
        0 | 1 => format!("select * from test where {pred}"),
        2 => "select * from test".into(),
        3 => format!("select sum(value), count(*) from test where {pred}"),
        4 => format!("select count(*) from test where id = {id}"),
        5 => format!("select * from test where {pred} for update"),
        6 => format!("select * from test where {pred} for share"),
        7 => format!(
            "update test set value = value + {} where {pred}",
            1 + pick(5)
        ),
        8 | 9 => format!("update test set value = {v} where id = {id}"),
        10 => format!("insert into test (id, value) values ({}, {v})", 1 + pick(6)),
        11 => format!("insert into test (id, value) values ({}, {v})", 3 + pick(4)),
        12 => format!("delete from test where {pred}"),
        13 => format!("delete from test where id = {id}"),
        14 => "commit".into(),
        15 => format!("select * from test where id = {id}"),
        _ => "rollback".into(),
    }
}

/// Conditions beyond the random schedules' forms, with the plan PostgreSQL
/// chose for each on a fresh table: the engine's planner must choose it.
fn plan_sweep() -> Vec<String> {
    let mut conds: Vec<String> = [
        "id = 1 + 1",
        "id = -(1)",
        "id = value",
        "not id = 1",
        "not (id <> 1 or value = 2)",
        "not (id > 1 and id < 3)",
        "not (id <> 1 and id <> 2)",
        "not not id = 1",
        "id = 1 and id = 1",
        "id > 1 and id > 2",
        "value = 1 and id > 0",
        "1 < id",
        "id % 2 = 0",
        "id + 1 = 2",
        "id >= 1 and id <= 1",
        "id > 1 or id < 0",
        "id > 1 or id = 1",
        "id <= 1 or id >= 3",
        "id = 1 or id > 0 and value = 3",
        "id > 1 or (id > 2 and id < 5)",
        "id > 1 or id > 2 and id > 3",
        "(id > 1 and id > 2) or (id > 3 and id > 4)",
        "id > 1 and value = 1 or id > 2 and value = 2",
        "(id > 1 and id < 3) or (id > 4 and id < 6) or id > 10",
        "(id = 1 or id = 2) and id > 0",
        "(id = 1 or id = 5) and id > 2",
        "id = 1 and (id = 2 or value = 3)",
        "id = 1 or id = 2 or id = 1",
        "id = 1 and value = 2 or id = 1",
        "id > 1 or id > 1 and id < 3",
        "id <> 1 and id = 2",
        "(id = 1 or value = 1) and id = 2",
        "id = 3000000000",
        "id = 1 and id = 2",
        "value = 1 and value = 2 and id > 0",
        "id = value and id = 1",
        "(id = 1 and id = 2) or id = 3",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    // Where a BitmapOr stops paying: a one-sided range beside 12 equalities
    // or 13; and many equalities alone.
    for k in [12, 13, 28] {
        let eqs: Vec<String> = (1..=k).map(|i| format!("id = {i}")).collect();
        conds.push(format!("id > 1 or {}", eqs.join(" or ")));
        conds.push(eqs.join(" or "));
    }
    let mut out = Vec::new();
    for c in conds {
        out.push(format!("select * from test where {c}"));
        out.push(format!("select count(*) from test where {c}"));
        out.push(format!("delete from test where {c}"));
    }
    out
}

/// A schedule where each session reads, then writes, then commits, the
/// sessions interleaved at random: the shape of write skew and of the
/// read-only anomaly, where serializable snapshot isolation's SIREAD locks
/// decide. Half of them start with one more session adding rows 3 to 5 and
/// committing, so that a read of three rows or more is promoted to a lock
/// on the heap page.
fn crossed_script(rng: &mut Rng, sessions: usize) -> Vec<(usize, String)> {
    let mut lists: Vec<Vec<String>> = (0..sessions)
        .map(|_| {
            let mut list = Vec::new();
            for _ in 0..1 + rng.below(2) {
                list.push(format!(
                    "select * from test where {}",
                    random_condition(rng)
                ));
            }
            let id = 1 + rng.below(4);
            list.push(match rng.below(4) {
                0 => format!(
                    "insert into test (id, value) values ({}, 30)",
                    2 + rng.below(4)
                ),
                1 => format!("delete from test where id = {id}"),
                2 => format!(
                    "update test set value = value + 1 where {}",
                    random_condition(rng)
                ),
                _ => format!("update test set value = 0 where id = {id}"),
            });
            list.push("commit".to_string());
            list
        })
        .collect();
    let mut script = Vec::new();
    if rng.below(2) == 0 {
        script.push((
            sessions,
            "insert into test (id, value) values (3, 30), (4, 40), (5, 50)".to_string(),
        ));
        script.push((sessions, "commit".to_string()));
    }
    while lists.iter().any(|l| !l.is_empty()) {
        let s = rng.below(sessions as u64) as usize;
        if !lists[s].is_empty() {
            script.push((s, lists[s].remove(0)));
        }
    }
    script
}

/// Figures per level (read committed, repeatable read, serializable) of
/// one planner: schedules and what they saw.
type Tally = [(usize, Seen); 3];

fn count(t: &mut Tally, case: &Case, seen: Seen) {
    let k = match case.level {
        Level::RepeatableRead => 1,
        Level::Serializable => 2,
        _ => 0,
    };
    let (runs, sum) = &mut t[k];
    *runs += 1;
    sum.statements += seen.statements;
    sum.index_plans += seen.index_plans;
    sum.siread_checks += seen.siread_checks;
    sum.promoted += seen.promoted;
    sum.ssi += seen.ssi;
    sum.updates += seen.updates;
    sum.deletes += seen.deletes;
    sum.unique += seen.unique;
    sum.blocked += seen.blocked;
    sum.cut += usize::from(seen.raced);
}

/// Both planners: PostgreSQL's default, and sequential scans only.
const PLANNERS: [Planner; 2] = [Planner::Default, Planner::SeqScanOnly];

const LEVELS: [Level; 3] = [
    Level::ReadCommitted,
    Level::RepeatableRead,
    Level::Serializable,
];

/// What the random schedules are: ISOLATION_RANDOM=n schedules per level
/// (each run with both planners), ISOLATION_SEED=s, ISOLATION_LEVEL=
/// serializable (or another) for one level, ISOLATION_LENGTH=n for
/// schedules up to n long, ISOLATION_PICK=i for random schedule i alone.
struct Random {
    count: usize,
    seed: u64,
    only: Option<Level>,
    longest: u64,
    pick: Option<usize>,
}

impl Random {
    fn from_env() -> Random {
        Random {
            count: env("ISOLATION_RANDOM").unwrap_or(300),
            seed: env("ISOLATION_SEED").unwrap_or(0x9e5),
            only: lab_words::only_level(&LEVELS),
            longest: env("ISOLATION_LENGTH").unwrap_or(13u64).max(4),
            pick: env("ISOLATION_PICK"),
        }
    }
}

/// The catalogue and the random schedules with one planner, on a server
/// of its own: the figures, the plans checked, and the seconds taken by
/// the catalogue and by the random schedules.
fn run_planner(planner: Planner, random: &Random) -> (Tally, usize, f64, f64) {
    let tag = if planner == Planner::Default {
        "default"
    } else {
        "seqscan"
    };
    let mut pool = Pool::new(Server::start(
        tag,
        &format!("-c deadlock_timeout={DEADLOCK_MS}ms -c autovacuum=off"),
    ));
    let mut tally: Tally = Default::default();
    let mut plans = Plans::new();
    let started = Instant::now();
    for level in LEVELS {
        for h in all() {
            let script: Vec<(usize, String)> = h
                .steps
                .iter()
                .map(|(s, q)| (s - 1, q.to_string()))
                .collect();
            let case = Case {
                level,
                planner,
                sessions: h.sessions,
                script: &script,
                what: h.name,
            };
            let seen = compare(&mut pool, &case, &mut plans);
            count(&mut tally, &case, seen);
        }
    }
    // The planner's rule over more forms, one statement per schedule.
    for sql in plan_sweep() {
        let script = vec![(0, sql), (0, "rollback".to_string())];
        // At serializable, so that its SIREAD locks are compared too.
        let case = Case {
            level: Level::Serializable,
            planner,
            sessions: 1,
            script: &script,
            what: "the plan sweep",
        };
        compare(&mut pool, &case, &mut plans);
    }
    let catalogue = started.elapsed().as_secs_f64();
    let mut rng = Rng::new(random.seed);
    let started = Instant::now();
    for level in LEVELS {
        for i in 0..random.count {
            let sessions = 2 + rng.below(2) as usize;
            let len = 4 + rng.below(random.longest - 3) as usize;
            let script = if rng.below(3) == 0 {
                crossed_script(&mut rng, sessions)
            } else {
                (0..len)
                    .map(|_| {
                        (
                            rng.below(sessions as u64) as usize,
                            random_statement(&mut rng),
                        )
                    })
                    .collect()
            };
            // A crossed schedule may bring a session of its own.
            let sessions = script
                .iter()
                .map(|(s, _)| s + 1)
                .max()
                .unwrap_or(0)
                .max(sessions);
            if random.pick.is_some_and(|p| p != i) || random.only.is_some_and(|l| l != level) {
                continue;
            }
            let what = format!(
                "random schedule {i} at {} (seed {})",
                level.sql(),
                random.seed
            );
            let case = Case {
                level,
                planner,
                sessions,
                script: &script,
                what: &what,
            };
            let seen = compare(&mut pool, &case, &mut plans);
            count(&mut tally, &case, seen);
        }
    }
    (
        tally,
        plans.len(),
        catalogue,
        started.elapsed().as_secs_f64(),
    )
}

#[test]
fn postgresql_agrees_with_the_engine() {
    // ISOLATION_PLANNER=default or seqscan runs one planner only; else
    // both run at once, each on a server of its own.
    let planners: Vec<Planner> = match std::env::var("ISOLATION_PLANNER").as_deref() {
        Ok("default") => vec![Planner::Default],
        Ok("seqscan") => vec![Planner::SeqScanOnly],
        _ => PLANNERS.to_vec(),
    };
    let random = Random::from_env();
    let results: Vec<(Planner, (Tally, usize, f64, f64))> = std::thread::scope(|scope| {
        let handles: Vec<_> = planners
            .iter()
            .map(|&p| {
                let random = &random;
                (p, scope.spawn(move || run_planner(p, random)))
            })
            .collect();
        handles
            .into_iter()
            .map(|(p, h)| match h.join() {
                Ok(r) => (p, r),
                Err(e) => std::panic::resume_unwind(e),
            })
            .collect()
    });
    println!("Every statement the same on PostgreSQL and the engine (rows, waits, errors with their SQLSTATE and message, the plan, the SIREAD locks at serializable, the final table):");
    println!("planner  level            schedules statements via-index blocked 40001-rw 40001-update 40001-delete 23505 siread-checks (promoted) cut-short");
    for (planner, (tally, plans, catalogue, randoms)) in &results {
        let name = if *planner == Planner::Default {
            "default"
        } else {
            "seqscan"
        };
        for (level, (runs, t)) in LEVELS.iter().zip(tally) {
            println!(
                "{name:8} {:16} {runs:9} {:10} {:9} {:7} {:8} {:12} {:12} {:5} {:13} {:10} {:9}",
                level.sql().to_lowercase(),
                t.statements,
                t.index_plans,
                t.blocked,
                t.ssi,
                t.updates,
                t.deletes,
                t.unique,
                t.siread_checks,
                format!("({})", t.promoted),
                t.cut
            );
        }
        println!(
            "{name}: catalogue {catalogue:.1} s, {} random schedules per level {randoms:.1} s, {plans} distinct plans checked",
            random.count
        );
    }
}
