//! The PostgreSQL profile of the isolation lab: multi-version rows, a
//! snapshot per statement (read committed) or per transaction (repeatable
//! read, serializable), row locks taken by UPDATE, DELETE and SELECT FOR
//! UPDATE / FOR SHARE, waiting on the transaction that holds a row, read
//! committed's re-check of the newest version after the wait, the
//! serialization failure on a concurrent update, unique keys, deadlock
//! detection, and at serializable PostgreSQL's serializable snapshot
//! isolation (module `ssi`). Read uncommitted behaves as read committed, as
//! in PostgreSQL.
//!
//! Each SELECT, UPDATE and DELETE reads the table by the scan PostgreSQL
//! 15 plans for it (module `plan`): through the primary key's index for
//! conditions on the key, sequentially otherwise, or always sequentially
//! when the planner is told to ([`Planner::SeqScanOnly`]). The scan decides
//! which row versions a statement passes, in which order it deals with its
//! rows, and at serializable which SIREAD locks it takes.
//!
//! [`Db::textbook`] runs the same statements under the textbook's two-phase
//! locking instead (the rules the cheat sheet's isolation table describes).

use super::chunked::Chunked;
pub(super) use super::db::Event;
pub use super::db::{
    Answer, DbError, Finished, LockInfo, LockKind, Submitted, Tx, TxState, VersionInfo,
};
use super::sql::{EvalError, Level, Lock, Pred, Stmt};

mod plan;
mod ssi;
#[cfg(test)]
mod tests;

pub use plan::{Plan, Planner};
pub use ssi::{SireadLock, SireadTarget};

/// The block of the primary key's btree that holds its keys: the lab's
/// table is small enough that its root is its only leaf (block 0 is the
/// metapage).
pub(super) const LEAF: u32 = 1;

/// The most heap tuples the model places exactly as PostgreSQL does. A
/// page of 8 kB holds 226 of the lab's tuples (36 bytes each with its line
/// pointer, checked on PostgreSQL 15); once less than a tenth of the page
/// is free (past 204 tuples) PostgreSQL may prune dead versions when it
/// reads the page, reusing their line pointers, and past 226 it starts a
/// second page. The model keeps every version on page 0 at the next line
/// pointer and every UPDATE a HOT update. A lab link can go past it (a
/// dozen inserts of thirty rows fit in a link), so the view can say from
/// which step the tuple positions, and the SIREAD locks that name them,
/// may differ from a server's ([`Db::heap_tuples`]).
pub const EXACT_HEAP_TUPLES: u32 = 204;

/// One version of a row (its row locks are kept apart, in the database's
/// `row_locks`, so that a version is plain data to copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Version {
    pub(super) id: i64,
    pub(super) value: i64,
    pub(super) xmin: Tx,
    /// The transaction that deleted or replaced it.
    pub(super) xmax: Option<Tx>,
    /// The version that replaced it.
    next: Option<usize>,
    /// Whether it is an UPDATE's new version of a row (some version's
    /// `next`, unless that UPDATE aborted and another replaced the row).
    replaces: bool,
    /// Its line pointer on heap page 0 (from 1). Every version PostgreSQL
    /// writes takes the next one: the lab's table stays on one page (a
    /// page holds 226 such tuples, and PostgreSQL starts pruning dead ones
    /// past 204, which the model does not follow), and every UPDATE is a
    /// HOT update (only `value` changes, and the page has room), so the
    /// new version sits on the same page with no new index entry.
    lp: u32,
    /// The line pointer of the first version of its row, where the
    /// index entry points.
    root: u32,
}

/// An entry of the primary key's index: a row's key and where its first
/// version is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    id: i64,
    /// The line pointer of the version (its row's `root`).
    lp: u32,
    /// The version's position in the heap.
    version: usize,
}

/// A snapshot: what had committed when it was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    /// Commit sequence number at the time: a transaction committed at or
    /// before it is visible.
    seq: u64,
}

/// A statement waiting for a transaction to end.
#[derive(Debug, Clone)]
struct Pending {
    stmt: Stmt,
    snap: Snapshot,
    /// The versions to process, and where it is.
    targets: Vec<usize>,
    next: usize,
    changed: u64,
    rows: Vec<(i64, i64)>,
    /// The transaction it waits for.
    waits_for: Tx,
    /// When it started waiting (for the deadlock victim).
    since: u64,
    /// Rows it has dealt with (the textbook restarts its scan after a wait
    /// and skips them).
    done: Vec<i64>,
    /// Where its scan is in the history.
    scan: Option<usize>,
    /// The INSERT row whose serializable check is done.
    checked: Option<usize>,
    /// The line pointer the INSERT row took in the heap.
    lp: u32,
}

impl Pending {
    /// A statement about to start, reading `snap`.
    fn new(stmt: Stmt, snap: Snapshot) -> Pending {
        Pending {
            stmt,
            snap,
            targets: Vec::new(),
            next: 0,
            changed: 0,
            rows: Vec::new(),
            waits_for: 0,
            since: 0,
            done: Vec::new(),
            scan: None,
            checked: None,
            lp: 0,
        }
    }
}

#[derive(Debug, Clone)]
struct Session {
    tx: Option<Tx>,
    /// Whether the transaction was opened by BEGIN (else it is implicit).
    explicit: bool,
    level: Level,
    /// The level the next transaction starts with (`SET SESSION` is not in
    /// the subset, so it is the default).
    failed: bool,
    snap: Option<Snapshot>,
    /// Whether a query has run in the transaction (fixes the snapshot and
    /// forbids SET TRANSACTION).
    queried: bool,
    pending: Option<Pending>,
}

/// The database: one table `test` of `(id, value)` rows and the sessions.
#[derive(Debug, Clone)]
pub struct Db {
    pub(super) heap: Chunked<Version>,
    /// The versions (positions in `heap`, ascending) that a snapshot taken
    /// now or later may still see: the others, dead for every snapshot,
    /// are left out of sequential scans. Pruned when a scan is planned.
    live: Vec<usize>,
    /// The row locks of SELECT FOR UPDATE (`true`) or FOR SHARE
    /// (`false`), in the order taken, of each version that has some
    /// (ordered by position in `heap`).
    row_locks: Vec<(usize, Vec<(Tx, bool)>)>,
    /// The primary key's index entries, ordered by key (one key's in the
    /// order written).
    entries: Vec<Entry>,
    pub(super) txs: Vec<(TxState, u64)>,
    seq: u64,
    clock: u64,
    sessions: Vec<Session>,
    /// The session of each transaction.
    pub(super) owner: Vec<usize>,
    /// Every read and write, in order.
    pub(super) history: Chunked<Event>,
    /// The textbook's locking rules instead of PostgreSQL's versions.
    textbook: bool,
    /// Predicate locks of the textbook's serializable transactions.
    predicates: Vec<(Tx, Option<Pred>)>,
    /// Each transaction's id, given at its first write.
    xids: Vec<Option<u64>>,
    next_xid: u64,
    /// Serializable snapshot isolation's state.
    ssi: ssi::Ssi,
    /// Which scans the planner may use.
    planner: Planner,
    /// Line pointers taken on heap page 0.
    lp: u32,
}

/// The lab's table.
pub const TABLE: &str = "test";

impl Db {
    /// A database with `rows` committed and `sessions` idle sessions at
    /// `level` by default.
    pub fn new(rows: &[(i64, i64)], sessions: usize) -> Db {
        let mut db = Db {
            heap: Chunked::new(),
            live: (0..rows.len()).collect(),
            row_locks: Vec::new(),
            entries: Vec::new(),
            txs: vec![(TxState::Committed, 0)],
            seq: 0,
            clock: 0,
            sessions: vec![
                Session {
                    tx: None,
                    explicit: false,
                    level: Level::ReadCommitted,
                    failed: false,
                    snap: None,
                    queried: false,
                    pending: None,
                };
                sessions
            ],
            owner: vec![usize::MAX],
            history: Chunked::new(),
            textbook: false,
            predicates: Vec::new(),
            xids: vec![Some(0)],
            next_xid: 1,
            ssi: ssi::Ssi::default(),
            planner: Planner::Default,
            lp: 0,
        };
        for &(id, value) in rows {
            db.lp += 1;
            db.add_entry(Entry {
                id,
                lp: db.lp,
                version: db.heap.len(),
            });
            db.heap.push(Version {
                id,
                value,
                xmin: 0,
                xmax: None,
                next: None,
                replaces: false,
                lp: db.lp,
                root: db.lp,
            });
        }
        db
    }

    /// Adds an index entry, after those of lower or equal keys.
    fn add_entry(&mut self, entry: Entry) {
        let at = self.entries.partition_point(|e| e.id <= entry.id);
        self.entries.insert(at, entry);
    }

    /// Lets the planner use index and bitmap scans, or only sequential
    /// scans.
    pub fn set_planner(&mut self, planner: Planner) {
        self.planner = planner;
    }

    /// The heap tuples PostgreSQL would have written so far (row versions,
    /// and the rows of inserts that failed on a taken key); past
    /// [`EXACT_HEAP_TUPLES`] the model's layout may differ.
    pub fn heap_tuples(&self) -> u32 {
        self.lp
    }

    /// The row version at line pointer `offset` of heap page `page`, as
    /// `(id, value)`.
    pub fn tuple_at(&self, page: u32, offset: u32) -> Option<(i64, i64)> {
        if page != 0 {
            return None;
        }
        self.heap
            .iter()
            .find(|v| v.lp == offset)
            .map(|v| (v.id, v.value))
    }

    /// Which scans the planner may use.
    pub fn planner(&self) -> Planner {
        self.planner
    }

    /// The scan PostgreSQL reads `stmt`'s rows with (`None`: the statement
    /// reads no rows, or the database follows the textbook's rules).
    pub fn plan_of(&self, stmt: &Stmt) -> Option<Plan> {
        if self.textbook {
            return None;
        }
        plan::path(stmt, self.planner).map(|p| p.plan)
    }

    /// A database that follows the textbook's two-phase locking instead:
    /// one current version per row; no read locks at read uncommitted
    /// (dirty reads happen), read locks held for the statement at read
    /// committed and to the end at repeatable read, and predicate locks as
    /// well at serializable. Writers hold their locks to the end at every
    /// level.
    pub fn textbook(rows: &[(i64, i64)], sessions: usize) -> Db {
        Db {
            textbook: true,
            ..Db::new(rows, sessions)
        }
    }

    fn committed_in(&self, tx: Tx, snap: &Snapshot) -> bool {
        matches!(self.txs[tx], (TxState::Committed, at) if at <= snap.seq)
    }

    /// Whether version `v` is visible to `me` in `snap`.
    fn visible(&self, v: &Version, me: Tx, snap: &Snapshot) -> bool {
        let born = v.xmin == me || self.committed_in(v.xmin, snap);
        let dead = match v.xmax {
            Some(x) if x == me => true,
            Some(x) => self.committed_in(x, snap),
            None => false,
        };
        born && !dead
    }

    /// The committed rows now, ordered by id.
    pub fn committed_rows(&self) -> Vec<(i64, i64)> {
        let snap = Snapshot { seq: self.seq };
        let mut rows: Vec<(i64, i64)> = self
            .heap
            .iter()
            .filter(|v| self.visible(v, usize::MAX, &snap))
            .map(|v| (v.id, v.value))
            .collect();
        rows.sort_unstable();
        rows
    }

    /// Whether `session` is waiting.
    pub fn is_blocked(&self, session: usize) -> bool {
        self.sessions
            .get(session)
            .is_some_and(|s| s.pending.is_some())
    }

    fn begin(&mut self, s: usize, explicit: bool) -> Tx {
        let tx = self.txs.len();
        self.txs.push((TxState::Running, 0));
        self.owner.push(s);
        let sess = &mut self.sessions[s];
        sess.tx = Some(tx);
        sess.level = Level::ReadCommitted;
        sess.explicit = explicit;
        sess.failed = false;
        sess.snap = None;
        sess.queried = false;
        tx
    }

    /// Releases the row locks `tx` holds.
    fn release_row_locks(&mut self, tx: Tx) {
        self.row_locks.retain_mut(|(_, locks)| {
            locks.retain(|(t, _)| *t != tx);
            !locks.is_empty()
        });
    }

    /// The row locks on version `i`, in the order taken.
    pub(super) fn row_locks_of(&self, i: usize) -> &[(Tx, bool)] {
        match self.row_locks.binary_search_by_key(&i, |(v, _)| *v) {
            Ok(k) => &self.row_locks[k].1,
            Err(_) => &[],
        }
    }

    fn end(&mut self, s: usize, commit: bool) -> Vec<Finished> {
        let Some(tx) = self.sessions[s].tx.take() else {
            return Vec::new();
        };
        let ok = commit && !self.sessions[s].failed;
        if ok {
            self.seq += 1;
            self.txs[tx] = (TxState::Committed, self.seq);
        } else {
            self.txs[tx] = (TxState::Aborted, 0);
        }
        self.ssi_end(tx, ok);
        self.release_row_locks(tx);
        self.predicates.retain(|(t, _)| *t != tx);
        let sess = &mut self.sessions[s];
        sess.explicit = false;
        sess.failed = false;
        sess.snap = None;
        sess.queried = false;
        sess.level = Level::ReadCommitted;
        self.wake()
    }

    /// Resumes waiting statements whose transaction has ended, oldest wait
    /// first, until none can move.
    fn wake(&mut self) -> Vec<Finished> {
        let mut out = Vec::new();
        loop {
            let mut ready: Vec<(u64, usize)> = self
                .sessions
                .iter()
                .enumerate()
                .filter_map(|(i, s)| {
                    let p = s.pending.as_ref()?;
                    (self.txs[p.waits_for].0 != TxState::Running).then_some((p.since, i))
                })
                .collect();
            if ready.is_empty() {
                return out;
            }
            ready.sort_unstable();
            let s = ready[0].1;
            let Some(mut p) = self.sessions[s].pending.take() else {
                continue;
            };
            // A locking database reads the rows again once it has the lock:
            // the textbook's statement scans afresh, skipping rows it has
            // dealt with. (PostgreSQL keeps its scan and re-checks the rows.)
            if self.textbook && !matches!(p.stmt, Stmt::Insert { .. }) {
                p.snap = Snapshot { seq: self.seq };
                p = match self.plan(s, p) {
                    Ok(p) => p,
                    Err(e) => {
                        out.extend(self.finish(s, Answer::Error(e)));
                        continue;
                    }
                };
            }
            match self.execute(s, p) {
                Step::Finished(answer) => {
                    out.extend(self.finish(s, answer));
                }
                Step::Wait(p) => {
                    out.extend(self.wait(s, *p));
                }
            }
        }
    }

    /// Records the answer of `s`'s statement: an error aborts the
    /// transaction (kept open until ROLLBACK if explicit); an implicit
    /// transaction commits.
    fn finish(&mut self, s: usize, answer: Answer) -> Vec<Finished> {
        let mut out = vec![Finished {
            session: s,
            answer: answer.clone(),
        }];
        let explicit = self.sessions[s].explicit;
        if let Answer::Error(_) = answer {
            if explicit {
                self.sessions[s].failed = true;
                // Its locks and rows are released at once, as PostgreSQL
                // does when the statement fails.
                if let Some(tx) = self.sessions[s].tx {
                    self.txs[tx] = (TxState::Aborted, 0);
                    self.ssi_end(tx, false);
                    self.release_row_locks(tx);
                    self.predicates.retain(|(t, _)| *t != tx);
                    out.extend(self.wake());
                }
            } else {
                out.extend(self.end(s, false));
            }
        } else if !explicit && self.sessions[s].tx.is_some() {
            out.extend(self.end(s, true));
        }
        out
    }

    /// `s` starts waiting; if that closes a cycle of waits, `s` gets the
    /// deadlock error. PostgreSQL checks for a cycle once, a second
    /// (`deadlock_timeout`) after a wait begins, in the waiting process:
    /// the others in the cycle checked long before, when there was none.
    fn wait(&mut self, s: usize, p: Pending) -> Vec<Finished> {
        self.sessions[s].pending = Some(p);
        let mut seen = vec![s];
        let mut at = s;
        loop {
            let Some(p) = &self.sessions[at].pending else {
                return Vec::new();
            };
            let next = self.owner[p.waits_for];
            if next == s {
                break;
            }
            if seen.contains(&next) || next >= self.sessions.len() {
                return Vec::new();
            }
            seen.push(next);
            at = next;
        }
        self.sessions[s].pending = None;
        self.finish(s, Answer::Error(DbError::Deadlock))
    }

    /// Runs one statement of `session`.
    pub fn run(&mut self, session: usize, stmt: &Stmt) -> Submitted {
        self.clock += 1;
        let Some(sess) = self.sessions.get(session) else {
            return Submitted::Busy;
        };
        if sess.pending.is_some() {
            return Submitted::Busy;
        }
        if sess.failed && !matches!(stmt, Stmt::Commit | Stmt::Rollback) {
            return Submitted::Done(vec![Finished {
                session,
                answer: Answer::Error(DbError::InFailedTransaction),
            }]);
        }
        match stmt {
            Stmt::Begin(level) => self.run_begin(session, *level),
            Stmt::SetLevel(level) => self.run_set_level(session, *level),
            Stmt::Commit => self.run_end(session, true),
            Stmt::Rollback => self.run_end(session, false),
            _ => self.run_query(session, stmt),
        }
    }

    /// BEGIN: opens a transaction unless one is open, at `level` if given.
    fn run_begin(&mut self, session: usize, level: Option<Level>) -> Submitted {
        if self.sessions[session].tx.is_none() {
            self.begin(session, true);
        }
        if let Some(l) = level {
            self.sessions[session].level = l;
        }
        Submitted::Done(vec![Finished {
            session,
            answer: Answer::Done,
        }])
    }

    /// SET TRANSACTION ISOLATION LEVEL: allowed before the transaction's
    /// first query.
    fn run_set_level(&mut self, session: usize, level: Level) -> Submitted {
        // Outside a transaction block it only warns, and changes nothing.
        let answer = if self.sessions[session].tx.is_none() {
            Answer::Done
        } else if self.sessions[session].queried {
            Answer::Error(DbError::LevelTooLate)
        } else {
            self.sessions[session].level = level;
            Answer::Done
        };
        if let Answer::Error(_) = answer {
            return Submitted::Done(self.finish(session, answer));
        }
        Submitted::Done(vec![Finished { session, answer }])
    }

    /// COMMIT (`commit`) or ROLLBACK: ends the transaction, which releases
    /// the statements waiting for it.
    fn run_end(&mut self, session: usize, mut commit: bool) -> Submitted {
        let mut answer = Answer::Done;
        // Serializable's last check; a failure rolls back.
        if let (true, false, Some(tx)) = (
            commit,
            self.sessions[session].failed,
            self.sessions[session].tx,
        ) {
            if let Err(e) = self.ssi_precommit(tx) {
                answer = Answer::Error(e);
                commit = false;
            }
        }
        let mut out = vec![Finished { session, answer }];
        out.extend(self.end(session, commit));
        Submitted::Done(out)
    }

    /// SELECT, INSERT, UPDATE or DELETE, in the open transaction or an
    /// implicit one: it finishes, waits, or is the victim of a deadlock it
    /// closes.
    fn run_query(&mut self, session: usize, stmt: &Stmt) -> Submitted {
        if self.sessions[session].tx.is_none() {
            self.begin(session, false);
        }
        let snap = self.statement_snapshot(session);
        let table = match stmt {
            Stmt::Select { table, .. }
            | Stmt::Update { table, .. }
            | Stmt::Insert { table, .. }
            | Stmt::Delete { table, .. } => table,
            _ => TABLE,
        };
        if table != TABLE {
            return Submitted::Done(self.finish(session, Answer::Error(DbError::NoSuchTable)));
        }
        let p = match self.plan(session, Pending::new(stmt.clone(), snap)) {
            Ok(p) => p,
            Err(e) => return Submitted::Done(self.finish(session, Answer::Error(e))),
        };
        match self.execute(session, p) {
            Step::Finished(answer) => Submitted::Done(self.finish(session, answer)),
            Step::Wait(p) => {
                let on = self.owner[p.waits_for];
                let finished = self.wait(session, *p);
                if self.sessions[session].pending.is_some() {
                    Submitted::Blocked { on, finished }
                } else {
                    // It closed a cycle: the deadlock error is its.
                    Submitted::Done(finished)
                }
            }
        }
    }

    fn statement_snapshot(&mut self, s: usize) -> Snapshot {
        let sess = &mut self.sessions[s];
        sess.queried = true;
        // The textbook has no snapshots: every statement reads the present.
        let per_transaction =
            !self.textbook && matches!(sess.level, Level::RepeatableRead | Level::Serializable);
        match (&sess.snap, per_transaction) {
            (Some(snap), true) => snap.clone(),
            _ => {
                let snap = Snapshot { seq: self.seq };
                if per_transaction {
                    self.sessions[s].snap = Some(snap.clone());
                    if let (Level::Serializable, Some(tx)) =
                        (self.sessions[s].level, self.sessions[s].tx)
                    {
                        self.ssi_begin(tx);
                    }
                }
                snap
            }
        }
    }

    /// Chooses the versions the statement works on: those visible in its
    /// snapshot that match its condition. An INSERT reads no rows.
    fn plan(&mut self, s: usize, mut p: Pending) -> Result<Pending, DbError> {
        p.next = 0;
        if matches!(p.stmt, Stmt::Insert { .. }) {
            p.targets = Vec::new();
            return Ok(p);
        }
        let me = self.sessions[s].tx.unwrap_or(usize::MAX);
        let level = self.sessions[s].level;
        let seen = self.prune_and_see(me, level, &p.snap);
        let path = plan::path(&p.stmt, self.planner).filter(|_| !self.textbook);
        let reached = match &path {
            Some(path) if path.plan == Plan::NoScan => Vec::new(),
            Some(path) if path.plan.uses_index() => self.index_read(me, &p.snap, path, &seen)?,
            _ => {
                // A sequential scan locks the table, and checks every
                // version for writes by concurrent serializable
                // transactions, before any row is filtered.
                self.ssi_scan(me, &p.snap)?;
                // The textbook's order is the order versions were
                // written; PostgreSQL's the order on the page.
                if self.textbook {
                    seen
                } else {
                    self.page_order(seen)
                }
            }
        };
        let filter = filter_of(&p.stmt);
        let mut targets = Vec::with_capacity(reached.len());
        for i in reached {
            let v = &self.heap[i];
            if !p.done.is_empty() && p.done.contains(&v.id) {
                continue;
            }
            if let Some(f) = filter {
                if !f.eval(v.id, v.value)? {
                    continue;
                }
            }
            targets.push(i);
        }
        let filter = filter.cloned();
        p.targets = targets;
        if self.textbook && level == Level::Serializable && p.scan.is_none() {
            self.predicates.push((me, filter.clone()));
        }
        let scan = Event::Scan {
            tx: me,
            filter,
            seq: p.snap.seq,
        };
        // A restarted scan replaces the one it abandoned.
        match p.scan {
            Some(k) => self.history[k] = scan,
            None => {
                p.scan = Some(self.history.len());
                self.history.push(scan);
            }
        }
        Ok(p)
    }

    /// Versions `seen` (positions in `heap`) in the order of their line
    /// pointers, the order a sequential scan meets them on the page.
    fn page_order(&self, seen: Vec<usize>) -> Vec<usize> {
        let mut by_lp: Vec<(u32, usize)> = seen.iter().map(|&i| (self.heap[i].lp, i)).collect();
        if by_lp.is_sorted() {
            return seen;
        }
        // Line pointers are never shared: an unstable sort keeps the order.
        by_lp.sort_unstable();
        by_lp.into_iter().map(|(_, i)| i).collect()
    }

    /// An index or bitmap scan by `me`: a SIREAD lock on the index's leaf
    /// page (on the index, while it has none), then each index entry whose
    /// key the path selects, in the order of the rows' first line pointers:
    /// the row's versions followed from its first until one `me` sees,
    /// each checked for a conflict out, and a SIREAD lock on the tuple seen
    /// (unless `me` wrote it). Returns the versions seen, in that order.
    /// Outside serializable, `seen` (the versions `me` sees, ascending)
    /// gives the versions read without following the rows.
    fn index_read(
        &mut self,
        me: Tx,
        snap: &Snapshot,
        path: &plan::Path,
        seen: &[usize],
    ) -> Result<Vec<usize>, DbError> {
        if self.sxact_of(me).is_none() {
            let out = self.seen_by_key(seen, path);
            debug_assert_eq!(
                out,
                self.index_entries(path)
                    .into_iter()
                    .filter_map(|r| self.first_seen(r, me, snap, &mut Vec::new()))
                    .collect::<Vec<usize>>()
            );
            return Ok(out);
        }
        // The index gets its leaf page with its first key.
        let index = if !self.entries.is_empty() {
            SireadTarget::Page {
                index: true,
                page: LEAF,
            }
        } else {
            SireadTarget::Relation { index: true }
        };
        self.ssi_lock(me, index);
        let mut out = Vec::new();
        let mut passed = Vec::new();
        for r in self.index_entries(path) {
            passed.clear();
            let found = self.first_seen(r, me, snap, &mut passed);
            self.ssi_passed(me, snap, &passed)?;
            if let Some(i) = found {
                if self.heap[i].xmin != me {
                    let offset = self.heap[i].lp;
                    self.ssi_lock(me, SireadTarget::Tuple { page: 0, offset });
                }
                out.push(i);
            }
        }
        Ok(out)
    }

    /// The first versions of the rows whose keys `path` selects (where
    /// their index entries point), in the order of their line pointers.
    fn index_entries(&self, path: &plan::Path) -> Vec<usize> {
        let mut roots: Vec<(u32, usize)> = self
            .entries
            .iter()
            .filter(|e| path.visits(e.id))
            .map(|e| (e.lp, e.version))
            .collect();
        // Line pointers are never shared: an unstable sort keeps the order.
        roots.sort_unstable();
        roots.into_iter().map(|(_, i)| i).collect()
    }

    /// The version of the row from version `r` on that `me` sees in
    /// `snap`, following the row's newer versions; each version passed on
    /// the way, the one seen included, is added to `passed`.
    fn first_seen(
        &self,
        r: usize,
        me: Tx,
        snap: &Snapshot,
        passed: &mut Vec<usize>,
    ) -> Option<usize> {
        let mut at = Some(r);
        while let Some(i) = at {
            passed.push(i);
            // A version left out of `live` is seen by no snapshot, so
            // visibility alone tells.
            let v = &self.heap[i];
            if self.visible(v, me, snap) {
                return Some(i);
            }
            at = v.next;
        }
        None
    }

    /// What an index scan reads when no serializable checks need the
    /// versions it passes: of the versions `seen`, those of the rows whose
    /// keys `path` selects, in the order of the rows' first line pointers.
    /// A snapshot sees at most one version of a row (a version ends
    /// exactly when its successor begins), and that one is in `live`, so
    /// the rows' histories need not be followed.
    fn seen_by_key(&self, seen: &[usize], path: &plan::Path) -> Vec<usize> {
        let mut by_root: Vec<(u32, usize)> = seen
            .iter()
            .filter_map(|&i| {
                let v = &self.heap[i];
                path.visits(v.id).then_some((v.root, i))
            })
            .collect();
        by_root.sort_unstable();
        by_root.into_iter().map(|(_, i)| i).collect()
    }

    /// Which versions a read by `me` at `level` sees, as positions in
    /// `heap` in ascending order: those visible in `snap`, or under the
    /// textbook's rules each row's current version.
    fn seen_versions(&self, me: Tx, level: Level, snap: &Snapshot) -> Vec<usize> {
        // The versions left out of `live` are seen by no snapshot.
        self.live
            .iter()
            .copied()
            .filter(|&i| self.sees(&self.heap[i], me, level, snap))
            .collect()
    }

    /// Whether a read by `me` at `level` sees version `v`: visible in
    /// `snap`, or under the textbook's rules its row's current version.
    fn sees(&self, v: &Version, me: Tx, level: Level, snap: &Snapshot) -> bool {
        if self.textbook {
            self.current(v, me, level, v.replaces)
        } else {
            self.visible(v, me, snap)
        }
    }

    /// Leaves out of `live` the versions no snapshot can see any more: an
    /// aborted transaction's, and those whose deleter committed at or
    /// before every snapshot still held (the running statements', the
    /// repeatable read transactions', and `snap`) and the next one; for
    /// the textbook, which reads the present, as soon as their deleter
    /// committed. Returns the versions a read by `me` at `level` in `snap`
    /// sees, as [`Db::seen_versions`] does, found on the same pass.
    fn prune_and_see(&mut self, me: Tx, level: Level, snap: &Snapshot) -> Vec<usize> {
        let held = self.sessions.iter().flat_map(|s| {
            s.snap
                .iter()
                .chain(s.pending.as_ref().map(|p| &p.snap))
                .map(|x| x.seq)
        });
        let horizon = held.fold(self.seq.min(snap.seq), u64::min);
        let mut live = std::mem::take(&mut self.live);
        let mut seen = Vec::with_capacity(live.len());
        live.retain(|&i| {
            let v = &self.heap[i];
            if self.txs[v.xmin].0 == TxState::Aborted {
                return false;
            }
            if let Some(x) = v.xmax {
                if let (TxState::Committed, at) = self.txs[x] {
                    if self.textbook || at <= horizon {
                        return false;
                    }
                }
            }
            if self.sees(v, me, level, snap) {
                seen.push(i);
            }
            true
        });
        self.live = live;
        seen
    }

    /// The textbook's current version of a row: at read uncommitted the
    /// newest written, committed or not; above it the newest committed one,
    /// or a row another transaction is inserting (the reader waits for it).
    fn current(&self, v: &Version, me: Tx, level: Level, replaced: bool) -> bool {
        let state = |t: Tx| self.txs[t].0;
        if level == Level::ReadUncommitted {
            return state(v.xmin) != TxState::Aborted
                && v.xmax.is_none_or(|x| state(x) == TxState::Aborted);
        }
        let born = v.xmin == me
            || state(v.xmin) == TxState::Committed
            || (state(v.xmin) == TxState::Running && !replaced);
        let dead = v
            .xmax
            .is_some_and(|x| x == me || state(x) == TxState::Committed);
        born && !dead
    }

    /// A running transaction other than `me` whose predicate lock covers
    /// `row` (the textbook's serializable).
    fn predicate_holder(&self, me: Tx, row: (i64, i64)) -> Option<Tx> {
        self.predicates
            .iter()
            .find(|(t, f)| {
                *t != me
                    && self.txs[*t].0 == TxState::Running
                    && f.as_ref()
                        .is_none_or(|f| f.eval(row.0, row.1).unwrap_or(true))
            })
            .map(|(t, _)| *t)
    }

    /// Works through the statement's rows: INSERT adds its own, the
    /// others visit the versions `plan` chose. Stops to wait on a row held
    /// by a running transaction.
    fn execute(&mut self, s: usize, p: Pending) -> Step {
        let me = self.sessions[s].tx.unwrap_or(usize::MAX);
        if let Stmt::Insert { rows, .. } = &p.stmt {
            let rows = rows.clone();
            return self.insert(me, &rows, p);
        }
        let access = self.access(self.sessions[s].level, &p.stmt);
        self.scan(me, access, p)
    }

    /// How `stmt` at `level` treats the rows it visits.
    fn access(&self, level: Level, stmt: &Stmt) -> Access {
        let (write, lock) = match stmt {
            Stmt::Update { .. } | Stmt::Delete { .. } => (true, None),
            Stmt::Select { lock, .. } => (false, *lock),
            _ => (false, None),
        };
        // The textbook's reads above read uncommitted take a shared lock:
        // for the statement at read committed, to the end above it.
        let plain_read = self.textbook && lock.is_none() && !write;
        let share =
            plain_read && level != Level::ReadUncommitted && matches!(stmt, Stmt::Select { .. });
        Access {
            write,
            lock: if share { Some(Lock::Share) } else { lock },
            short_read: plain_read && level == Level::ReadCommitted,
            snapshot_level: !self.textbook
                && matches!(level, Level::RepeatableRead | Level::Serializable),
        }
    }

    /// The statement's step after a stop: its error, or a wait that keeps
    /// its place.
    fn stopped(&self, mut p: Pending, stop: Stop) -> Step {
        match stop {
            Stop::Fail(e) => Step::Finished(Answer::Error(e)),
            Stop::WaitFor(t) => {
                p.waits_for = t;
                p.since = self.clock;
                Step::Wait(Box::new(p))
            }
        }
    }

    /// INSERT: adds `rows` from the statement's place on.
    fn insert(&mut self, me: Tx, rows: &[(i64, i64)], mut p: Pending) -> Step {
        while let Some(&row) = rows.get(p.next) {
            if let Err(stop) = self.insert_row(me, row, &mut p) {
                return self.stopped(p, stop);
            }
        }
        Step::Finished(Answer::Changed(p.changed))
    }

    /// Adds one row of an INSERT, unless its key is taken.
    fn insert_row(&mut self, me: Tx, (id, value): (i64, i64), p: &mut Pending) -> Result<(), Stop> {
        if i32::try_from(value).is_err() || i32::try_from(id).is_err() {
            return Err(Stop::Fail(DbError::OutOfRange));
        }
        // The row goes into the table before its key is checked: the
        // transaction gets its id, serializable checks the SIREAD locks on
        // the table, and the tuple takes the next line pointer (once, not
        // again after a wait on the key; a failed check places nothing).
        if p.checked != Some(p.next) {
            self.assign_xid(me);
            self.ssi_write_table(me)?;
            self.lp += 1;
            p.lp = self.lp;
            p.checked = Some(p.next);
        }
        if self.textbook {
            if let Some(t) = self.predicate_holder(me, (id, value)) {
                return Err(Stop::WaitFor(t));
            }
        }
        match self.key_taken(me, id) {
            // Serializable checks the index page as if it wrote it first:
            // a serialization failure is not masked by the violation.
            Some(Stop::Fail(DbError::DuplicateKey)) => {
                self.ssi_write_index(me)?;
                return Err(Stop::Fail(DbError::DuplicateKey));
            }
            Some(stop) => return Err(stop),
            None => {}
        }
        // The key is free: the index entry goes into the leaf page, which
        // serializable checks for SIREAD locks (and whether the
        // transaction was marked to fail, maybe while it waited).
        self.ssi_write_index(me)?;
        self.history.push(Event::Write {
            tx: me,
            old: None,
            new: Some(self.heap.len()),
        });
        self.live.push(self.heap.len());
        self.add_entry(Entry {
            id,
            lp: p.lp,
            version: self.heap.len(),
        });
        self.heap.push(Version {
            id,
            value,
            xmin: me,
            xmax: None,
            next: None,
            replaces: false,
            lp: p.lp,
            root: p.lp,
        });
        p.changed += 1;
        p.next += 1;
        Ok(())
    }

    /// What a live or in-doubt row with key `id` means for `me`'s INSERT:
    /// a wait for the transaction writing it, or else the duplicate key.
    /// `None`: the key is free.
    fn key_taken(&self, me: Tx, id: i64) -> Option<Stop> {
        let state = |t: Tx| self.txs[t].0;
        let taken = |v: &Version| {
            state(v.xmin) != TxState::Aborted
                && !v
                    .xmax
                    .is_some_and(|x| x != me && state(x) == TxState::Committed)
                && v.xmax != Some(me)
        };
        // The first such version written. A row's versions follow one
        // another from its index entry, in the order written; a version
        // cut off from its row (an update or delete after an aborted
        // update replaces the link) is the aborted transaction's, and
        // never taken.
        let from = self.entries.partition_point(|e| e.id < id);
        let first = self.entries[from..]
            .iter()
            .take_while(|e| e.id == id)
            .filter_map(|e| {
                let mut at = Some(e.version);
                while let Some(i) = at {
                    let v = &self.heap[i];
                    if taken(v) {
                        return Some(i);
                    }
                    at = v.next;
                }
                None
            })
            .min();
        debug_assert_eq!(first, self.heap.iter().position(|v| v.id == id && taken(v)));
        let v = &self.heap[first?];
        if v.xmin != me && state(v.xmin) == TxState::Running {
            return Some(Stop::WaitFor(v.xmin));
        }
        if let Some(x) = v.xmax.filter(|x| *x != me && state(*x) == TxState::Running) {
            return Some(Stop::WaitFor(x));
        }
        Some(Stop::Fail(DbError::DuplicateKey))
    }

    /// SELECT, UPDATE and DELETE: visits the chosen versions in order,
    /// then answers.
    fn scan(&mut self, me: Tx, access: Access, mut p: Pending) -> Step {
        while p.next < p.targets.len() {
            if let Err(stop) = self.visit(me, access, &mut p) {
                return self.stopped(p, stop);
            }
        }
        Step::Finished(scan_answer(p))
    }

    /// Deals with the statement's next version: follows the row to the
    /// version that matters now, then reads, locks, changes or deletes it.
    fn visit(&mut self, me: Tx, access: Access, p: &mut Pending) -> Result<(), Stop> {
        let mut i = p.targets[p.next];
        if access.write {
            self.assign_xid(me);
        }
        if access.write || access.lock.is_some() {
            match self.follow(me, access, &p.stmt, i)? {
                Some(n) => i = n,
                None => {
                    p.next += 1;
                    return Ok(());
                }
            }
        }
        let v = &self.heap[i];
        let (id, value, lp) = (v.id, v.value, v.lp);
        // The textbook's serializable: a write that moves a row in or out
        // of another transaction's predicate waits for it.
        if self.textbook && access.write {
            if let Some(t) = self.predicate_conflict(me, &p.stmt, (id, value)) {
                return Err(Stop::WaitFor(t));
            }
        }
        if access.write {
            self.ssi_write_tuple(me, lp)?;
        }
        self.history.push(Event::Read { tx: me, version: i });
        match &p.stmt {
            Stmt::Update { value: e, .. } => {
                let new = e.eval(id, value)?;
                self.update_row(me, i, new)?;
                p.changed += 1;
            }
            Stmt::Delete { .. } => p.changed += u64::from(self.delete_row(me, i)),
            Stmt::Select { .. } => {
                self.select_row(me, access, i);
                p.rows.push((id, value));
            }
            _ => {}
        }
        // Only the textbook's scan starts afresh after a wait.
        if self.textbook {
            p.done.push(id);
        }
        p.next += 1;
        Ok(())
    }

    /// Follows version `i` to the one the statement works on now. `None`:
    /// the row is gone, or no longer matches the condition; a stop: another
    /// running transaction holds it, or it changed after the snapshot of a
    /// snapshot level.
    fn follow(
        &self,
        me: Tx,
        access: Access,
        stmt: &Stmt,
        mut i: usize,
    ) -> Result<Option<usize>, Stop> {
        let state = |t: Tx| self.txs[t].0;
        loop {
            let v = &self.heap[i];
            // A row another transaction is inserting.
            if self.textbook && v.xmin != me && state(v.xmin) != TxState::Committed {
                if state(v.xmin) == TxState::Running {
                    return Err(Stop::WaitFor(v.xmin));
                }
                return Ok(None);
            }
            if let Some(holder) = self.lock_holder(me, i, access) {
                return Err(Stop::WaitFor(holder));
            }
            match v.xmax {
                Some(x) if x == me => return Ok(Some(i)),
                Some(x) if state(x) == TxState::Running => return Err(Stop::WaitFor(x)),
                Some(x) if state(x) == TxState::Committed => {
                    // The newer version must be the one `x` wrote; none:
                    // deleted.
                    let newer = v.next.filter(|n| self.heap[*n].xmin == x);
                    // Changed by a transaction that committed after the
                    // snapshot (else the version was not seen). UPDATE and
                    // DELETE name a delete apart; a row lock does not.
                    if access.snapshot_level {
                        return Err(Stop::Fail(match newer {
                            None if access.write => DbError::ConcurrentDelete,
                            _ => DbError::ConcurrentUpdate,
                        }));
                    }
                    let Some(n) = newer else {
                        return Ok(None);
                    };
                    // Read committed re-checks the condition on the newest
                    // version.
                    if !self.still_matches(stmt, n)? {
                        return Ok(None);
                    }
                    i = n;
                }
                _ => return Ok(Some(i)),
            }
        }
    }

    /// A running transaction other than `me` whose row lock on version
    /// `i` conflicts with the statement's access.
    fn lock_holder(&self, me: Tx, i: usize, access: Access) -> Option<Tx> {
        let exclusive = access.write || access.lock == Some(Lock::Update);
        self.row_locks_of(i)
            .iter()
            .find(|(t, ex)| *t != me && self.txs[*t].0 == TxState::Running && (exclusive || *ex))
            .map(|&(t, _)| t)
    }

    /// Whether version `i` satisfies the statement's condition.
    fn still_matches(&self, stmt: &Stmt, i: usize) -> Result<bool, Stop> {
        let v = &self.heap[i];
        match filter_of(stmt) {
            Some(f) => Ok(f.eval(v.id, v.value)?),
            None => Ok(true),
        }
    }

    /// The textbook's serializable: a running transaction other than `me`
    /// whose predicate lock covers `row` before or after `stmt` writes it.
    fn predicate_conflict(&self, me: Tx, stmt: &Stmt, (id, value): (i64, i64)) -> Option<Tx> {
        if self.predicates.is_empty() {
            return None;
        }
        self.predicate_holder(me, (id, value)).or_else(|| {
            let Stmt::Update { value: e, .. } = stmt else {
                return None;
            };
            let new = e.eval(id, value).ok()?;
            self.predicate_holder(me, (id, new))
        })
    }

    /// UPDATE: version `i` gets `value` in a new version that replaces it,
    /// or in the newer version `me` wrote already.
    fn update_row(&mut self, me: Tx, i: usize, value: i64) -> Result<(), Stop> {
        if i32::try_from(value).is_err() {
            return Err(Stop::Fail(DbError::OutOfRange));
        }
        self.lp += 1;
        if self.heap[i].xmax != Some(me) {
            let n = self.heap.len();
            let old = &mut self.heap[i];
            old.xmax = Some(me);
            old.next = Some(n);
            let (id, root) = (old.id, old.root);
            self.live.push(n);
            self.heap.push(Version {
                id,
                value,
                xmin: me,
                xmax: None,
                next: None,
                replaces: true,
                lp: self.lp,
                root,
            });
            self.history.push(Event::Write {
                tx: me,
                old: Some(i),
                new: Some(n),
            });
        } else if let Some(n) = self.heap[i].next {
            let new = &mut self.heap[n];
            new.value = value;
            new.lp = self.lp;
        }
        Ok(())
    }

    /// DELETE: version `i` ends, unless `me` replaced or deleted it
    /// already. Returns whether it did.
    fn delete_row(&mut self, me: Tx, i: usize) -> bool {
        if self.heap[i].xmax == Some(me) {
            return false;
        }
        let v = &mut self.heap[i];
        v.xmax = Some(me);
        // A link left by an aborted update goes: the row ends here.
        v.next = None;
        self.history.push(Event::Write {
            tx: me,
            old: Some(i),
            new: None,
        });
        true
    }

    /// SELECT ... FOR UPDATE / FOR SHARE (and the textbook's read locks
    /// held to the end): locks version `i`, unless `me` holds as strong a
    /// lock on it.
    fn select_row(&mut self, me: Tx, access: Access, i: usize) {
        let Some(l) = access.lock.filter(|_| !access.short_read) else {
            return;
        };
        let ex = l == Lock::Update;
        if !self
            .row_locks_of(i)
            .iter()
            .any(|(t, e)| *t == me && (*e || !ex))
        {
            self.assign_xid(me);
            match self.row_locks.binary_search_by_key(&i, |(v, _)| *v) {
                Ok(k) => self.row_locks[k].1.push((me, ex)),
                Err(k) => self.row_locks.insert(k, (i, vec![(me, ex)])),
            }
        }
    }
}

/// Read-only views of the state, for the lab's view.
impl Db {
    /// The transaction open in `session`.
    pub fn tx_of(&self, session: usize) -> Option<Tx> {
        self.sessions.get(session).and_then(|s| s.tx)
    }

    /// The session that ran transaction `tx` (none for the initial data).
    pub fn session_of(&self, tx: Tx) -> Option<usize> {
        self.owner
            .get(tx)
            .copied()
            .filter(|s| *s < self.sessions.len())
    }

    /// The isolation level of `session`'s transaction (or of its next one).
    pub fn level_of(&self, session: usize) -> Level {
        self.sessions
            .get(session)
            .map_or(Level::ReadCommitted, |s| s.level)
    }

    /// Whether `session`'s transaction failed and awaits ROLLBACK.
    pub fn is_failed(&self, session: usize) -> bool {
        self.sessions.get(session).is_some_and(|s| s.failed)
    }

    /// The session whose transaction `session` is waiting for.
    pub fn waits_for(&self, session: usize) -> Option<usize> {
        let p = self.sessions.get(session)?.pending.as_ref()?;
        self.session_of(p.waits_for)
    }

    /// The row `session`'s waiting statement waits at (for an INSERT, the
    /// key it inserts).
    pub fn waiting_row(&self, session: usize) -> Option<i64> {
        let p = self.sessions.get(session)?.pending.as_ref()?;
        match &p.stmt {
            Stmt::Insert { rows, .. } => rows.get(p.next).map(|r| r.0),
            _ => p.targets.get(p.next).map(|&i| self.heap[i].id),
        }
    }

    /// The rows a plain `SELECT *` by `session` would read now (without
    /// waiting), ordered by id: its snapshot's rows and its own changes, or
    /// under the textbook's rules the present rows.
    pub fn seen_by(&self, session: usize) -> Vec<(i64, i64)> {
        let Some(sess) = self.sessions.get(session) else {
            return Vec::new();
        };
        // A failed transaction's own writes are gone with it.
        let me = sess.tx.filter(|_| !sess.failed).unwrap_or(usize::MAX);
        let snap = sess.snap.clone().unwrap_or(Snapshot { seq: self.seq });
        let mut rows: Vec<(i64, i64)> = self
            .seen_versions(me, sess.level, &snap)
            .into_iter()
            .map(|i| (self.heap[i].id, self.heap[i].value))
            .collect();
        rows.sort_unstable();
        rows
    }

    /// The row locks running transactions hold, by row.
    pub fn locks(&self) -> Vec<LockInfo> {
        let running = |t: Tx| matches!(self.txs.get(t), Some((TxState::Running, _)));
        let mut out = Vec::new();
        // The versions with row locks, met in heap order.
        let mut locked = self.row_locks.iter().peekable();
        for (i, v) in self.heap.iter().enumerate() {
            let locks = match locked.next_if(|(at, _)| *at == i) {
                Some((_, locks)) => &locks[..],
                None => &[],
            };
            if let Some(x) = v.xmax.filter(|x| running(*x)) {
                if let Some(session) = self.session_of(x) {
                    out.push(LockInfo {
                        session,
                        id: v.id,
                        kind: LockKind::Write,
                    });
                }
            }
            for &(t, ex) in locks {
                if let (true, Some(session)) = (running(t), self.session_of(t)) {
                    out.push(LockInfo {
                        session,
                        id: v.id,
                        kind: if ex {
                            LockKind::Update
                        } else {
                            LockKind::Share
                        },
                    });
                }
            }
        }
        out.sort_by_key(|l| (l.id, l.session));
        out.dedup();
        out
    }

    /// The textbook's predicate locks of running transactions: the session
    /// and the condition (`None`: the whole table).
    pub fn predicate_locks(&self) -> Vec<(usize, Option<String>)> {
        self.predicates
            .iter()
            .filter(|(t, _)| matches!(self.txs.get(*t), Some((TxState::Running, _))))
            .filter_map(|(t, f)| Some((self.session_of(*t)?, f.as_ref().map(|p| p.to_string()))))
            .collect()
    }
}

enum Step {
    Finished(Answer),
    Wait(Box<Pending>),
}

/// How a SELECT, UPDATE or DELETE treats the rows it visits.
#[derive(Debug, Clone, Copy)]
struct Access {
    /// UPDATE or DELETE: it writes the rows.
    write: bool,
    /// The row lock a SELECT takes: FOR UPDATE, FOR SHARE, or the
    /// textbook's read lock.
    lock: Option<Lock>,
    /// The textbook's read lock at read committed: held for the statement
    /// only, so not kept on the row.
    short_read: bool,
    /// A snapshot per transaction: a row changed since is an error, not
    /// re-read.
    snapshot_level: bool,
}

/// Why a statement stopped before its last row.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// It ends with this error.
    Fail(DbError),
    /// It waits for this transaction to end.
    WaitFor(Tx),
}

impl From<DbError> for Stop {
    fn from(e: DbError) -> Self {
        Stop::Fail(e)
    }
}

impl From<EvalError> for Stop {
    fn from(e: EvalError) -> Self {
        Stop::Fail(e.into())
    }
}

/// The condition of a SELECT, UPDATE or DELETE.
fn filter_of(stmt: &Stmt) -> Option<&Pred> {
    match stmt {
        Stmt::Select { filter, .. } | Stmt::Update { filter, .. } | Stmt::Delete { filter, .. } => {
            filter.as_ref()
        }
        _ => None,
    }
}

/// The answer of a SELECT, UPDATE or DELETE that went through all its
/// rows: the rows read, their aggregates, or how many changed.
fn scan_answer(p: Pending) -> Answer {
    Answer::of_scan(&p.stmt, p.rows, p.changed)
}
