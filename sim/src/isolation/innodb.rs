//! The MySQL / InnoDB profile of the isolation lab, checked statement by
//! statement against MariaDB 10.11's InnoDB (`tests/it/isolation_mariadb.rs`).
//!
//! The table is InnoDB's clustered primary-key index: one record per key,
//! holding the newest version of the row (committed or not) and reaching
//! older versions through the undo log. A plain SELECT is a consistent
//! read: at REPEATABLE READ from a read view made at the transaction's
//! first consistent read, at READ COMMITTED from a fresh one per statement,
//! at READ UNCOMMITTED from the newest versions, dirty or not. UPDATE,
//! DELETE and locking reads (`FOR UPDATE`, `FOR SHARE`; at SERIALIZABLE
//! every plain SELECT inside a transaction) read the newest committed
//! version and lock it, waiting for a transaction that holds it: so a lost
//! update happens at REPEATABLE READ. (MariaDB 10.11's
//! `innodb_snapshot_isolation` is OFF by default, and the lab follows the
//! default; with it ON, such a read of a row changed since the read view
//! fails instead.)
//!
//! Locks are on index records ([`locks`]): at REPEATABLE READ and
//! SERIALIZABLE a range or full scan takes next-key locks on every record
//! it passes, the supremum's included, which keep INSERTs out of the
//! scanned gaps; a search for one key takes a record lock, or a gap lock
//! where the key is missing. READ COMMITTED and READ UNCOMMITTED take
//! record locks only, release those on rows that do not match, and an
//! UPDATE there reads a locked row's last committed version first
//! (a semi-consistent read), and waits only if that version matches.
//!
//! A wait that closes a cycle is a deadlock: the transaction of least
//! weight (rows changed plus lock structures held; on a tie, the one that
//! asked last) is rolled back whole, with error 1213. A lock wait timeout
//! ([`LockWait`]) and every other error roll back only the statement; the
//! transaction goes on. `BEGIN` inside a transaction commits it, `SET
//! TRANSACTION` inside one is an error, and after a deadlock's rollback the
//! session's statements commit on their own until the next BEGIN.
//!
//! The lab's `BEGIN ISOLATION LEVEL l` (each session's start) stands for
//! MySQL's `SET SESSION TRANSACTION ISOLATION LEVEL l; START TRANSACTION`:
//! the session keeps `l` for the transactions after it. `SET TRANSACTION
//! ISOLATION LEVEL l` outside a transaction sets the next one's level only.
//! Sessions start at REPEATABLE READ, InnoDB's default.
//!
//! What MariaDB 10.11 was found to do, and the lab does with it: a
//! request passes a waiting request that itself waits for a lock the
//! requester holds in as strong a mode (MDEV-34877; an insert intention
//! never passes); READ COMMITTED passes a record whose delete has committed
//! without locking it; a lock granted after a wait is kept at READ
//! COMMITTED even on a row that does not match; the duplicate check locks
//! the record alone (S), at every level; a scan takes the next-key lock
//! on a record its own transaction changed (the change covers the record,
//! not the gap); with lock waits off, an UPDATE at READ COMMITTED fails on
//! a locked row at once, without the semi-consistent read; after a
//! deadlock, the session's statements commit on their own.
//!
//! Where MySQL 8 differs on what the lab shows: it words a duplicate key
//! `for key 'test.PRIMARY'`; its `innodb_lock_wait_timeout` cannot be 0
//! (the lab's [`LockWait::None`] is MariaDB's; MySQL has `NOWAIT` per
//! statement instead); it has no `innodb_snapshot_isolation`; it accepts
//! `FOR SHARE`, which MariaDB 10.11 rejects as a syntax error (the lab's
//! `FOR SHARE` is MariaDB's `LOCK IN SHARE MODE`). The lab follows MariaDB.
//!
//! MySQL's `/` divides exactly, in decimals; the lab refuses it
//! ([`DbError::DecimalDivision`]) rather than compute something else.
//! `%` by zero is NULL in a SELECT and error 1365 in an UPDATE or DELETE
//! (its SET or its WHERE), as MariaDB's default strict mode has it.

use super::chunked::Chunked;
use super::db::{Answer, DbError, Event, Finished, LockInfo, LockKind, Submitted, Tx, TxState};
use super::sql::{Level, Stmt};

mod exec;
mod expr;
mod locks;
#[cfg(test)]
mod tests;

pub use locks::SUPREMUM;
use locks::{has_to_wait, Kind, LockTable, RecLock};

/// How long a statement waits for a lock before error 1205 rolls it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockWait {
    /// Until the lock comes or a deadlock is found: the server's default
    /// `innodb_lock_wait_timeout` of 50 seconds is longer than any lab run
    /// stays on a step.
    #[default]
    Long,
    /// Not at all: a statement that would wait fails at once
    /// (`innodb_lock_wait_timeout = 0`).
    None,
}

/// One version of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Version {
    pub(super) id: i64,
    pub(super) value: i64,
    /// The transaction that wrote it (0: the initial data).
    pub(super) xmin: Tx,
    /// The transaction that replaced or deleted it.
    pub(super) xmax: Option<Tx>,
    /// The version that replaced it (none: it is the newest, or deleted).
    next: Option<usize>,
    /// The version it replaced (the undo log's link).
    prev: Option<usize>,
}

/// A record of the primary key index: its key and newest version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rec {
    id: i64,
    head: usize,
}

/// A lock structure: one kind of lock of one transaction on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LockStruct {
    x: bool,
    kind: Kind,
    /// Made for a waiting request, not yet granted.
    waiting: bool,
    id: u32,
}

/// An undo record: how to take back one change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Undo {
    /// An update of record `id`, whose newest version was `old`.
    Update { id: i64, old: usize },
    /// A delete-mark of record `id`.
    Delete { id: i64 },
    /// An insert of a new key: the record goes.
    Insert { id: i64 },
    /// An insert over the delete-marked record `id`, whose newest
    /// version was `old`.
    Revive { id: i64, old: usize },
}

#[derive(Debug, Clone)]
struct Session {
    tx: Option<Tx>,
    /// In a transaction begun by BEGIN: statements do not commit on their
    /// own.
    explicit: bool,
    /// The session's level.
    level: Level,
    /// The next transaction's level, set by SET TRANSACTION.
    next: Option<Level>,
    /// The running transaction's level.
    tx_level: Level,
    /// The read view of a REPEATABLE READ transaction: the commit
    /// sequence number it sees up to.
    view: Option<u64>,
    undo: Vec<Undo>,
    /// The table locks taken: IS (shared reads), IX (changes and
    /// exclusive reads).
    table_locks: (bool, bool),
    pending: Option<exec::Pending>,
}

/// The database: the table `test` of `(id, value)` rows and the sessions.
#[derive(Debug, Clone)]
pub struct Db {
    pub(super) heap: Chunked<Version>,
    pub(super) txs: Vec<(TxState, u64)>,
    pub(super) owner: Vec<usize>,
    pub(super) history: Chunked<Event>,
    seq: u64,
    clock: u64,
    /// The index records, by key.
    index: Vec<Rec>,
    /// Record locks, granted and waiting, in the order asked.
    locks: LockTable,
    /// The lock structures of running transactions, by transaction number,
    /// in the order made: they stay when the locks in them are released
    /// (READ COMMITTED's), as InnoDB's do, and count in a transaction's
    /// weight.
    structs: Vec<Vec<LockStruct>>,
    next_struct: u32,
    sessions: Vec<Session>,
    timeout: LockWait,
    /// An empty list with room for a statement's reads and writes, left by
    /// the last statement: a statement over many rows does not grow its
    /// list from nothing each time.
    spare: Vec<Event>,
}

impl Db {
    /// A database with `rows` committed and `sessions` idle sessions at
    /// REPEATABLE READ.
    pub fn new(rows: &[(i64, i64)], sessions: usize) -> Db {
        let mut db = Db {
            heap: Chunked::new(),
            txs: vec![(TxState::Committed, 0)],
            owner: vec![usize::MAX],
            history: Chunked::new(),
            seq: 0,
            clock: 0,
            index: Vec::new(),
            locks: LockTable::default(),
            structs: Vec::new(),
            next_struct: 0,
            sessions: vec![
                Session {
                    tx: None,
                    explicit: false,
                    level: Level::RepeatableRead,
                    next: None,
                    tx_level: Level::RepeatableRead,
                    view: None,
                    undo: Vec::new(),
                    table_locks: (false, false),
                    pending: None,
                };
                sessions
            ],
            timeout: LockWait::Long,
            spare: Vec::new(),
        };
        let mut rows = rows.to_vec();
        rows.sort_unstable();
        rows.dedup_by_key(|r| r.0);
        for (id, value) in rows {
            db.index.push(Rec {
                id,
                head: db.heap.len(),
            });
            db.heap.push(Version {
                id,
                value,
                xmin: 0,
                xmax: None,
                next: None,
                prev: None,
            });
        }
        db
    }

    /// Sets how long statements wait for locks.
    pub fn set_lock_wait_timeout(&mut self, wait: LockWait) {
        self.timeout = wait;
    }

    /// How long statements wait for locks.
    pub fn lock_wait_timeout(&self) -> LockWait {
        self.timeout
    }

    fn running(&self, t: Tx) -> bool {
        matches!(self.txs.get(t), Some((TxState::Running, _)))
    }

    fn committed_in(&self, t: Tx, seq: u64) -> bool {
        matches!(self.txs[t], (TxState::Committed, at) if at <= seq)
    }

    /// The transaction that deleted version `v`, if it is the last of its
    /// row and delete-marked.
    fn deleter(&self, v: usize) -> Option<Tx> {
        let ver = &self.heap[v];
        ver.next.is_none().then_some(ver.xmax).flatten()
    }

    /// Where record `id` is in the index, or where it would go.
    fn find(&self, id: i64) -> Result<usize, usize> {
        self.index.binary_search_by_key(&id, |r| r.id)
    }

    /// The position of the first record above `k` (`strict`) or at or
    /// above it; the index's length stands for the supremum.
    fn seek(&self, k: i64, strict: bool) -> usize {
        self.index
            .partition_point(|r| r.id < k || (strict && r.id == k))
    }

    /// The version of record `r` a read by `me` sees as of commit `seq`:
    /// its own changes and what had committed; none if the row was deleted
    /// or not yet there.
    fn visible_in(&self, r: &Rec, me: Tx, seq: u64) -> Option<usize> {
        // A record its reader delete-marked is gone for it, whatever
        // version it holds.
        if self.deleter(r.head) == Some(me) {
            return None;
        }
        let mut at = Some(r.head);
        while let Some(i) = at {
            let v = &self.heap[i];
            if v.xmin == me || self.committed_in(v.xmin, seq) {
                return match self.deleter(i) {
                    Some(x) if x == me || self.committed_in(x, seq) => None,
                    _ => Some(i),
                };
            }
            at = v.prev;
        }
        None
    }

    /// The newest version of record `r`, committed or not, unless it is
    /// deleted (what READ UNCOMMITTED reads).
    fn newest(&self, r: &Rec) -> Option<usize> {
        self.deleter(r.head).is_none().then_some(r.head)
    }

    /// The last committed version of record `r` (none: never committed,
    /// or deleted by a committed transaction).
    fn last_committed(&self, r: &Rec) -> Option<usize> {
        self.visible_in(r, usize::MAX, self.seq)
    }

    /// The running transaction holding record `id` implicitly: the one
    /// whose change is its newest version.
    fn implicit_holder(&self, id: i64) -> Option<Tx> {
        self.holder_of(self.index.get(self.find(id).ok()?)?)
    }

    /// The running transaction holding record `r` implicitly.
    fn holder_of(&self, r: &Rec) -> Option<Tx> {
        if let Some(x) = self.deleter(r.head).filter(|x| self.running(*x)) {
            return Some(x);
        }
        let w = self.heap[r.head].xmin;
        self.running(w).then_some(w)
    }

    /// The committed rows now, ordered by id.
    pub fn committed_rows(&self) -> Vec<(i64, i64)> {
        self.index
            .iter()
            .filter_map(|r| self.last_committed(r))
            .map(|v| (self.heap[v].id, self.heap[v].value))
            .collect()
    }

    /// Whether `session` is waiting.
    pub fn is_blocked(&self, session: usize) -> bool {
        self.sessions
            .get(session)
            .is_some_and(|s| s.pending.is_some())
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
        let done = |answer| Finished { session, answer };
        match stmt {
            Stmt::Begin(level) => {
                // BEGIN commits an open transaction first.
                let mut out = vec![done(Answer::Done)];
                out.extend(self.end(session, true));
                let sess = &mut self.sessions[session];
                if let Some(l) = level {
                    sess.level = *l;
                    sess.next = None;
                }
                sess.explicit = true;
                self.begin(session);
                Submitted::Done(out)
            }
            Stmt::SetLevel(level) => {
                let sess = &mut self.sessions[session];
                let answer = if sess.explicit {
                    Answer::Error(DbError::CharacteristicsInTransaction)
                } else {
                    sess.next = Some(*level);
                    Answer::Done
                };
                Submitted::Done(vec![done(answer)])
            }
            Stmt::Commit | Stmt::Rollback => {
                let mut out = vec![done(Answer::Done)];
                out.extend(self.end(session, *stmt == Stmt::Commit));
                Submitted::Done(out)
            }
            _ => self.run_query(session, stmt),
        }
    }

    /// Opens a transaction in `s` at the level it is due.
    fn begin(&mut self, s: usize) -> Tx {
        let tx = self.txs.len();
        self.txs.push((TxState::Running, 0));
        self.owner.push(s);
        let sess = &mut self.sessions[s];
        sess.tx = Some(tx);
        sess.tx_level = sess.next.take().unwrap_or(sess.level);
        sess.view = None;
        sess.undo.clear();
        sess.table_locks = (false, false);
        tx
    }

    /// Ends `s`'s transaction, if any: commits it, or rolls it back; the
    /// session leaves BEGIN's mode. Returns the statements its locks'
    /// release let finish.
    fn end(&mut self, s: usize, commit: bool) -> Vec<Finished> {
        self.sessions[s].explicit = false;
        let Some(tx) = self.sessions[s].tx else {
            return Vec::new();
        };
        if commit {
            self.seq += 1;
            self.txs[tx] = (TxState::Committed, self.seq);
        } else {
            self.undo_to(s, 0, false);
            self.txs[tx] = (TxState::Aborted, 0);
        }
        self.locks.release(tx);
        if let Some(mine) = self.structs.get_mut(tx) {
            *mine = Vec::new();
        }
        let sess = &mut self.sessions[s];
        sess.tx = None;
        sess.view = None;
        sess.undo.clear();
        self.wake()
    }

    /// Takes back `s`'s changes after the first `mark` undo records, newest
    /// first. A version a statement's rollback leaves behind is marked
    /// replaced by its writer (it was never committed).
    fn undo_to(&mut self, s: usize, mark: usize, statement: bool) {
        let me = self.sessions[s].tx.unwrap_or(usize::MAX);
        while self.sessions[s].undo.len() > mark {
            let Some(u) = self.sessions[s].undo.pop() else {
                break;
            };
            let pos = match u {
                Undo::Update { id, .. }
                | Undo::Delete { id }
                | Undo::Insert { id }
                | Undo::Revive { id, .. } => self.find(id),
            };
            let Ok(pos) = pos else { continue };
            let head = self.index[pos].head;
            let drop_head = |db: &mut Db| {
                if statement {
                    db.heap[head].xmax = Some(me);
                }
            };
            match u {
                Undo::Update { old, .. } => {
                    drop_head(self);
                    self.index[pos].head = old;
                    self.heap[old].xmax = None;
                    self.heap[old].next = None;
                }
                Undo::Delete { .. } => self.heap[head].xmax = None,
                Undo::Revive { old, .. } => {
                    drop_head(self);
                    self.index[pos].head = old;
                }
                Undo::Insert { id } => {
                    drop_head(self);
                    self.index.remove(pos);
                    self.inherit_removed(id, pos);
                }
            }
        }
    }

    /// The locks on record `id`, which a rollback removed, pass to the gap
    /// below the record after it (InnoDB's `lock_rec_inherit_to_gap`): a
    /// READ COMMITTED transaction's exclusive locks excepted. Requests
    /// waiting on the record go, and their statements look again.
    fn inherit_removed(&mut self, id: i64, pos: usize) {
        let heir = self.index.get(pos).map_or(SUPREMUM, |r| r.id);
        let donors = self.locks.take_record(id);
        for l in donors.into_iter().filter(|l| l.kind != Kind::Insert) {
            let strict = self
                .session_of(l.tx)
                .is_some_and(|s| self.sessions[s].tx_level > Level::ReadCommitted);
            if strict || !l.x {
                self.add_lock(l.tx, heir, l.x, Kind::Gap, false);
            }
        }
    }

    /// Adds a lock of `tx`, in a lock structure it has for the same kind
    /// unless a request waits on the record (as InnoDB reuses them).
    fn add_lock(&mut self, tx: Tx, id: i64, x: bool, kind: Kind, waiting: bool) {
        let mut queue_waits = false;
        for (_, l) in self.locks.on(id) {
            // A request that waits is queued anew; so is an insert
            // intention, which a granted one does not cover.
            let held = l.tx == tx && l.x == x && l.kind == kind && !l.waiting;
            if held && !waiting && kind != Kind::Insert {
                return;
            }
            queue_waits |= l.waiting;
        }
        if self.structs.len() <= tx {
            self.structs.resize_with(tx + 1, Vec::new);
        }
        let mine = &mut self.structs[tx];
        let st = mine
            .iter()
            .find(|st| !waiting && !queue_waits && st.x == x && st.kind == kind && !st.waiting)
            .map(|st| st.id);
        let st = st.unwrap_or_else(|| {
            self.next_struct += 1;
            mine.push(LockStruct {
                x,
                kind,
                waiting,
                id: self.next_struct,
            });
            self.next_struct
        });
        self.locks.push(RecLock {
            tx,
            id,
            x,
            kind,
            waiting,
            st,
        });
    }

    /// Asks for a lock for `me`: `Ok(true)` if it was taken now,
    /// `Ok(false)` if `me` held it already (or holds the record
    /// implicitly), or the transaction it has to wait for. An implicit
    /// lock of another transaction is made explicit first. An insert
    /// intention that need not wait leaves no lock.
    fn request(&mut self, me: Tx, id: i64, x: bool, kind: Kind) -> Result<bool, Tx> {
        let holder = if id != SUPREMUM && kind != Kind::Insert {
            self.implicit_holder(id)
        } else {
            None
        };
        self.request_with(me, id, holder, x, kind)
    }

    /// [`Db::request`], with the transaction that holds record `id`
    /// implicitly already found (none for the supremum or an insert
    /// intention).
    fn request_with(
        &mut self,
        me: Tx,
        id: i64,
        holder: Option<Tx>,
        x: bool,
        kind: Kind,
    ) -> Result<bool, Tx> {
        if let Some(h) = holder {
            // Its own change covers the record, not the gap below it.
            if h == me && kind == Kind::Record {
                return Ok(false);
            }
            if h != me
                && !self
                    .locks
                    .on(id)
                    .any(|(_, l)| l.tx == h && locks::covers(l, true, Kind::Record))
            {
                self.add_lock(h, id, true, Kind::Record, false);
            }
        }
        // Held already, or the first lock that stands against it.
        let mut blocker = None;
        for (_, l) in self.locks.on(id) {
            if l.tx == me && locks::covers(l, x, kind) {
                return Ok(false);
            }
            if blocker.is_none()
                && has_to_wait(me, id, x, kind, l)
                && !self.waits_behind(l, me, x, kind)
            {
                blocker = Some(l.tx);
            }
        }
        if let Some(b) = blocker {
            return Err(b);
        }
        if kind != Kind::Insert {
            self.add_lock(me, id, x, kind, false);
        }
        Ok(true)
    }

    /// Whether a request of `me` for `(x, kind)` may pass the waiting
    /// request `l`: `l`'s transaction waits for `me`, and `me` holds a
    /// granted lock on the record (not a gap alone) at least as strong in
    /// mode; an insert intention never passes (MariaDB's MDEV-34877).
    fn waits_behind(&self, l: &RecLock, me: Tx, x: bool, kind: Kind) -> bool {
        let waits_for_me = self
            .session_of(l.tx)
            .and_then(|s| self.sessions[s].pending.as_ref())
            .and_then(|p| p.wait)
            .is_some_and(|w| w.blocker == me);
        l.waiting
            && kind != Kind::Insert
            && waits_for_me
            && self.locks.on(l.id).any(|(_, g)| {
                g.tx == me
                    && !g.waiting
                    && matches!(g.kind, Kind::Record | Kind::NextKey)
                    && (g.x || !x)
            })
    }

    /// Releases the lock `me` took on record `id` for a row that did not
    /// match (READ COMMITTED's `unlock_row`).
    fn unlock(&mut self, me: Tx, id: i64, x: bool, kind: Kind) {
        if let Some((i, _)) = self
            .locks
            .on(id)
            .find(|(_, l)| l.tx == me && l.x == x && l.kind == kind && !l.waiting)
        {
            self.locks.remove(i);
        }
    }

    /// A transaction's weight for the deadlock victim: its undo records
    /// and its lock structures (table locks among them).
    fn weight(&self, tx: Tx) -> u64 {
        let Some(s) = self.session_of(tx) else {
            return 0;
        };
        let sess = &self.sessions[s];
        let structs = self.structs.get(tx).map_or(0, Vec::len);
        let tables = u64::from(sess.table_locks.0) + u64::from(sess.table_locks.1);
        sess.undo.len() as u64 + structs as u64 + tables
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
            .map_or(Level::RepeatableRead, |s| {
                if s.tx.is_some() {
                    s.tx_level
                } else {
                    s.next.unwrap_or(s.level)
                }
            })
    }

    /// Never: an error in InnoDB rolls back the statement, or the whole
    /// transaction on a deadlock, and the session goes on.
    pub fn is_failed(&self, _session: usize) -> bool {
        false
    }

    /// The session whose transaction `session` is waiting for.
    pub fn waits_for(&self, session: usize) -> Option<usize> {
        let p = self.sessions.get(session)?.pending.as_ref()?;
        self.session_of(p.wait?.blocker)
    }

    /// The record `session`'s waiting statement waits at ([`SUPREMUM`]:
    /// the supremum; for a gap or an insert, the record above the gap).
    pub fn waiting_row(&self, session: usize) -> Option<i64> {
        let p = self.sessions.get(session)?.pending.as_ref()?;
        p.wait.map(|w| w.id)
    }

    /// The rows a plain `SELECT *` by `session` would read now (without
    /// waiting), ordered by id: its read view's at REPEATABLE READ, the
    /// newest at READ UNCOMMITTED, else the committed rows and its own
    /// changes.
    pub fn seen_by(&self, session: usize) -> Vec<(i64, i64)> {
        let Some(sess) = self.sessions.get(session) else {
            return Vec::new();
        };
        let me = sess.tx.unwrap_or(usize::MAX);
        let level = self.level_of(session);
        self.index
            .iter()
            .filter_map(|r| match (level, sess.view) {
                (Level::ReadUncommitted, _) => self.newest(r),
                (_, Some(view)) => self.visible_in(r, me, view),
                _ => self.visible_in(r, me, self.seq),
            })
            .map(|v| (self.heap[v].id, self.heap[v].value))
            .collect()
    }

    /// The locks of running transactions, granted and waiting, by record:
    /// explicit ones as InnoDB lists them, and the implicit lock a change
    /// holds on its record (a write lock).
    pub fn locks(&self) -> Vec<LockInfo> {
        let mut out = Vec::new();
        for r in &self.index {
            if let Some(session) = self.holder_of(r).and_then(|t| self.session_of(t)) {
                out.push(LockInfo {
                    session,
                    id: r.id,
                    kind: LockKind::Write,
                });
            }
        }
        for l in self.locks.in_order() {
            let Some(session) = self.session_of(l.tx).filter(|_| self.running(l.tx)) else {
                continue;
            };
            let (exclusive, waiting) = (l.x, l.waiting);
            let kind = match l.kind {
                Kind::Record => LockKind::Record { exclusive, waiting },
                Kind::Gap => LockKind::Gap { exclusive, waiting },
                Kind::NextKey => LockKind::NextKey { exclusive, waiting },
                Kind::Insert => LockKind::InsertIntention { waiting },
            };
            out.push(LockInfo {
                session,
                id: l.id,
                kind,
            });
        }
        out.sort_by_key(|l| (l.id, l.session));
        out.dedup();
        out
    }

    /// None: InnoDB locks index records and gaps, not conditions.
    pub fn predicate_locks(&self) -> Vec<(usize, Option<String>)> {
        Vec::new()
    }
}

/// MySQL's error number and SQLSTATE for an error of this profile.
pub fn mysql_code(e: DbError) -> (u16, &'static str) {
    match e {
        DbError::DeadlockFound => (1213, "40001"),
        DbError::LockWaitTimeout => (1205, "HY000"),
        DbError::DuplicateEntry(_) => (1062, "23000"),
        DbError::DivisionBy0 => (1365, "22012"),
        DbError::BigintOutOfRange => (1690, "22003"),
        DbError::ColumnOutOfRange => (1264, "22003"),
        DbError::CharacteristicsInTransaction => (1568, "25001"),
        DbError::NoSuchTableMysql => (1146, "42S02"),
        _ => (0, "HY000"),
    }
}
