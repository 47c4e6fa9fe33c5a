//! How InnoDB runs the lab's statements: consistent reads, locking scans
//! of the primary key (with READ COMMITTED's semi-consistent read for
//! UPDATE), inserts with their duplicate check and insert intention, lock
//! waits, the deadlock check and its victim, and statements resumed when
//! the locks they wait for are granted.

use super::expr::{self, Range};
use super::locks::{has_to_wait, Kind, SUPREMUM};
use super::{Db, LockWait, Rec, Undo, Version};
use crate::isolation::db::{Answer, DbError, Event, Finished, Submitted, Tx, TxState};
use crate::isolation::sql::{Level, Lock, Pred, Stmt};

/// What a waiting statement asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Wait {
    /// The transaction it waits for.
    pub(super) blocker: Tx,
    /// The record.
    pub(super) id: i64,
    x: bool,
    kind: Kind,
}

/// How a statement reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// The newest versions, committed or not (READ UNCOMMITTED).
    Dirty,
    /// A consistent read from the read view of this commit number.
    View(u64),
    /// A locking read or change: exclusive locks or shared ones.
    Locking { x: bool },
}

/// A statement under way: where its scan is, and what it has done.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    stmt: Stmt,
    access: Access,
    ranges: Vec<Range>,
    /// The range being read, and the key to read on from (none: the
    /// range's start).
    range: usize,
    at: Option<i64>,
    /// The range's first record is not yet dealt with.
    first: bool,
    rows: Vec<(i64, i64)>,
    changed: u64,
    /// Its reads and writes, entered in the history when it succeeds.
    events: Vec<Event>,
    /// The undo log's length when it began.
    mark: usize,
    /// The INSERT row it is at.
    insert_row: usize,
    /// The lock it waits for.
    pub(super) wait: Option<Wait>,
    /// When it began to wait.
    since: u64,
}

/// How a statement's run stopped.
enum Step {
    Finished(Box<Pending>, Answer),
    Wait(Box<Pending>, Wait),
}

/// What visiting one record decided.
enum Flow {
    Next,
    EndRange,
    Wait(Wait),
    Fail(DbError),
}

impl From<DbError> for Flow {
    fn from(e: DbError) -> Self {
        Flow::Fail(e)
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

/// Whether the statement uses `/`, which the lab does not run.
fn uses_division(stmt: &Stmt) -> bool {
    let in_filter = filter_of(stmt).is_some_and(expr::pred_divides);
    match stmt {
        Stmt::Update { value, .. } => in_filter || expr::expr_divides(value),
        _ => in_filter,
    }
}

impl Db {
    /// SELECT, INSERT, UPDATE or DELETE, in the open transaction or in a
    /// statement of its own.
    pub(super) fn run_query(&mut self, s: usize, stmt: &Stmt) -> Submitted {
        let table = match stmt {
            Stmt::Select { table, .. }
            | Stmt::Update { table, .. }
            | Stmt::Insert { table, .. }
            | Stmt::Delete { table, .. } => table.as_str(),
            _ => super::super::pg::TABLE,
        };
        let fail = |e| {
            Submitted::Done(vec![Finished {
                session: s,
                answer: Answer::Error(e),
            }])
        };
        if table != super::super::pg::TABLE {
            return fail(DbError::NoSuchTableMysql);
        }
        if uses_division(stmt) {
            return fail(DbError::DecimalDivision);
        }
        if self.sessions[s].tx.is_none() {
            self.begin(s);
        }
        let access = self.access(s, stmt);
        let p = Pending {
            stmt: stmt.clone(),
            access,
            ranges: expr::plan(filter_of(stmt)),
            range: 0,
            at: None,
            first: true,
            rows: Vec::new(),
            changed: 0,
            events: std::mem::take(&mut self.spare),
            mark: self.sessions[s].undo.len(),
            insert_row: 0,
            wait: None,
            since: 0,
        };
        match self.execute(s, p) {
            Step::Finished(p, answer) => Submitted::Done(self.complete(s, *p, answer)),
            Step::Wait(p, w) => {
                let finished = self.wait(s, *p, w);
                match self.sessions[s].pending.as_ref().and_then(|p| p.wait) {
                    Some(w) => Submitted::Blocked {
                        on: self.owner[w.blocker],
                        finished,
                    },
                    None => Submitted::Done(finished),
                }
            }
        }
    }

    /// How `s`'s statement reads: SERIALIZABLE makes a plain SELECT in a
    /// transaction a shared locking read; a consistent read at REPEATABLE
    /// READ makes the transaction's read view if it has none.
    fn access(&mut self, s: usize, stmt: &Stmt) -> Access {
        let sess = &self.sessions[s];
        let level = sess.tx_level;
        match stmt {
            Stmt::Select { lock: Some(l), .. } => Access::Locking {
                x: *l == Lock::Update,
            },
            Stmt::Select { .. } if level == Level::Serializable && sess.explicit => {
                Access::Locking { x: false }
            }
            Stmt::Select { .. } => match level {
                Level::ReadUncommitted => Access::Dirty,
                Level::ReadCommitted | Level::Serializable => Access::View(self.seq),
                Level::RepeatableRead => {
                    let view = *self.sessions[s].view.get_or_insert(self.seq);
                    Access::View(view)
                }
            },
            _ => Access::Locking { x: true },
        }
    }

    fn execute(&mut self, s: usize, mut p: Pending) -> Step {
        let me = self.sessions[s].tx.unwrap_or(usize::MAX);
        match p.access {
            Access::Dirty | Access::View(_) => {
                let answer = self.consistent_read(me, &mut p);
                Step::Finished(Box::new(p), answer)
            }
            Access::Locking { x } => {
                // IX covers IS: a shared read after a change takes no new
                // table lock.
                let tables = &mut self.sessions[s].table_locks;
                if x {
                    tables.1 = true;
                } else if !tables.1 {
                    tables.0 = true;
                }
                if let Stmt::Insert { rows, .. } = &p.stmt {
                    let rows = rows.clone();
                    return self.insert(s, me, &rows, p);
                }
                self.locking_scan(s, me, p)
            }
        }
    }

    /// A plain SELECT: the rows of its read view (or the newest ones),
    /// without locks.
    fn consistent_read(&mut self, me: Tx, p: &mut Pending) -> Answer {
        let filter = filter_of(&p.stmt).cloned();
        let seq = match p.access {
            Access::View(v) => v,
            _ => self.seq,
        };
        p.events.push(Event::Scan {
            tx: me,
            filter: filter.clone(),
            seq,
        });
        for r in &self.index {
            let v = match p.access {
                Access::Dirty => self.newest(r),
                _ => self.visible_in(r, me, seq),
            };
            let Some(v) = v else { continue };
            let (id, value) = (self.heap[v].id, self.heap[v].value);
            match filter
                .as_ref()
                .map_or(Ok(Some(true)), |f| expr::truth(f, id, value))
            {
                Ok(Some(true)) => {
                    p.events.push(Event::Read { tx: me, version: v });
                    p.rows.push((id, value));
                }
                Ok(_) => {}
                Err(e) => return Answer::Error(e),
            }
        }
        answer_of(p)
    }

    /// UPDATE, DELETE and locking reads: each range of the key in order,
    /// record by record.
    fn locking_scan(&mut self, s: usize, me: Tx, mut p: Pending) -> Step {
        if p.events.is_empty() {
            p.events.push(Event::Scan {
                tx: me,
                filter: filter_of(&p.stmt).cloned(),
                seq: self.seq,
            });
        }
        // The record after the one visited, while the scan goes on (a
        // visit leaves the index as it is).
        let mut next = None;
        while let Some(&r) = p.ranges.get(p.range) {
            let pos = match (next, p.at, r.lo) {
                (Some(pos), _, _) => pos,
                (None, Some(k), _) => self.seek(k, false),
                (None, None, Some((k, strict))) => self.seek(k, strict),
                (None, None, None) => 0,
            };
            let id = self.index.get(pos).map_or(SUPREMUM, |r| r.id);
            match self.visit(s, me, &mut p, r, pos) {
                Flow::Next => {
                    p.at = Some(id.saturating_add(1));
                    p.first = false;
                    next = Some(pos + 1);
                }
                Flow::EndRange => {
                    p.range += 1;
                    p.at = None;
                    p.first = true;
                    next = None;
                }
                Flow::Wait(w) => {
                    p.at = Some(id);
                    return Step::Wait(Box::new(p), w);
                }
                Flow::Fail(e) => return Step::Finished(Box::new(p), Answer::Error(e)),
            }
        }
        // The scan read the latest committed rows as they are now.
        if let Some(Event::Scan { seq, .. }) = p.events.first_mut() {
            *seq = self.seq;
        }
        let answer = answer_of(&p);
        Step::Finished(Box::new(p), answer)
    }

    /// Deals with the record at `pos` in the index (or the supremum, past
    /// the last) for range `r`: locks it as InnoDB would, then reads,
    /// changes or deletes the row, or passes it.
    fn visit(&mut self, s: usize, me: Tx, p: &mut Pending, r: Range, pos: usize) -> Flow {
        let Access::Locking { x } = p.access else {
            return Flow::EndRange;
        };
        let id = self.index.get(pos).map_or(SUPREMUM, |r| r.id);
        let level = self.sessions[s].tx_level;
        let rc = level <= Level::ReadCommitted;
        let unique = r.point();
        if id == SUPREMUM {
            if !rc {
                if let Err(b) = self.request(me, SUPREMUM, x, Kind::NextKey) {
                    return self.must_wait(b, SUPREMUM, x, Kind::NextKey);
                }
            }
            return Flow::EndRange;
        }
        // A search for one key that found a greater one: the key is missing.
        if unique.is_some_and(|k| k != id) {
            if !rc {
                if let Err(b) = self.request(me, id, x, Kind::Gap) {
                    return self.must_wait(b, id, x, Kind::Gap);
                }
            }
            return Flow::EndRange;
        }
        let Some(&rec) = self.index.get(pos) else {
            return Flow::Next;
        };
        let deleted = self.deleter(rec.head).is_some();
        let past = r.below(id);
        let ge_exact = p.first && r.lo == Some((id, false));
        let kind = if rc || (unique.is_some() && !deleted) || (ge_exact && !past) {
            Kind::Record
        } else {
            Kind::NextKey
        };
        // With no lock wait allowed, MariaDB fails the request at once,
        // before a semi-consistent read could look at the row.
        let semi = rc
            && unique.is_none()
            && matches!(p.stmt, Stmt::Update { .. })
            && self.timeout == LockWait::Long;
        // READ COMMITTED passes a record whose delete has committed
        // without locking it.
        if rc && self.deleter(rec.head).is_some_and(|t| !self.running(t)) {
            return if past { Flow::EndRange } else { Flow::Next };
        }
        // A lock granted after a wait counts as held before (InnoDB asks
        // again, and finds it): READ COMMITTED does not release it.
        let newly = match self.request_with(me, id, self.holder_of(&rec), x, kind) {
            Ok(n) => n,
            Err(b) => {
                if semi {
                    // The last committed version decides whether to wait.
                    let Some(v) = self.last_committed(&rec) else {
                        return Flow::Next;
                    };
                    if past {
                        return Flow::EndRange;
                    }
                    let (vid, value) = (self.heap[v].id, self.heap[v].value);
                    if !self.matches(&p.stmt, vid, value, true).unwrap_or(true) {
                        return Flow::Next;
                    }
                }
                return self.must_wait(b, id, x, kind);
            }
        };
        let release = |db: &mut Db| {
            if rc && newly {
                db.unlock(me, id, x, kind);
            }
        };
        if past || deleted {
            release(self);
            return if past { Flow::EndRange } else { Flow::Next };
        }
        let v = rec.head;
        let (vid, value) = (self.heap[v].id, self.heap[v].value);
        let dml = !matches!(p.stmt, Stmt::Select { .. });
        match self.matches(&p.stmt, vid, value, dml) {
            Err(e) => return Flow::Fail(e),
            Ok(false) => release(self),
            Ok(true) => {
                p.events.push(Event::Read { tx: me, version: v });
                if let Err(e) = self.act(s, me, p, pos) {
                    return Flow::Fail(e);
                }
            }
        }
        if unique.is_some() {
            Flow::EndRange
        } else {
            Flow::Next
        }
    }

    /// Whether row `(id, value)` satisfies the statement's condition; in a
    /// statement that changes rows (`strict`), a NULL from `%` by zero is
    /// error 1365.
    fn matches(&self, stmt: &Stmt, id: i64, value: i64, strict: bool) -> Result<bool, DbError> {
        let Some(f) = filter_of(stmt) else {
            return Ok(true);
        };
        match expr::truth(f, id, value)? {
            Some(t) => Ok(t),
            // Only a `%` by zero makes a NULL here.
            None if strict => Err(DbError::DivisionBy0),
            None => Ok(false),
        }
    }

    /// SELECT keeps the row; UPDATE writes a new version unless the value
    /// stays the same; DELETE delete-marks the record.
    fn act(&mut self, s: usize, me: Tx, p: &mut Pending, pos: usize) -> Result<(), DbError> {
        let rec = self.index[pos];
        let (id, value) = (self.heap[rec.head].id, self.heap[rec.head].value);
        match &p.stmt {
            Stmt::Select { .. } => p.rows.push((id, value)),
            Stmt::Update { value: e, .. } => {
                let new = match expr::eval(e, id, value) {
                    Ok(v) => v,
                    Err(expr::Stop::Null) => return Err(DbError::DivisionBy0),
                    Err(expr::Stop::Fail(e)) => return Err(e),
                };
                if i32::try_from(new).is_err() {
                    return Err(DbError::ColumnOutOfRange);
                }
                if new == value {
                    return Ok(());
                }
                let n = self.heap.len();
                self.heap.push(Version {
                    id,
                    value: new,
                    xmin: me,
                    xmax: None,
                    next: None,
                    prev: Some(rec.head),
                });
                let old = &mut self.heap[rec.head];
                old.xmax = Some(me);
                old.next = Some(n);
                self.index[pos].head = n;
                self.sessions[s]
                    .undo
                    .push(Undo::Update { id, old: rec.head });
                p.events.push(Event::Write {
                    tx: me,
                    old: Some(rec.head),
                    new: Some(n),
                });
                p.changed += 1;
            }
            Stmt::Delete { .. } => {
                self.heap[rec.head].xmax = Some(me);
                self.sessions[s].undo.push(Undo::Delete { id });
                p.events.push(Event::Write {
                    tx: me,
                    old: Some(rec.head),
                    new: None,
                });
                p.changed += 1;
            }
            _ => {}
        }
        Ok(())
    }

    fn must_wait(&self, blocker: Tx, id: i64, x: bool, kind: Kind) -> Flow {
        Flow::Wait(Wait {
            blocker,
            id,
            x,
            kind,
        })
    }

    /// INSERT: each row from the statement's place on.
    fn insert(&mut self, s: usize, me: Tx, rows: &[(i64, i64)], mut p: Pending) -> Step {
        while let Some(&(id, value)) = rows.get(p.insert_row) {
            if i32::try_from(id).is_err() || i32::try_from(value).is_err() {
                return Step::Finished(Box::new(p), Answer::Error(DbError::ColumnOutOfRange));
            }
            match self.insert_row(s, me, id, value, &mut p) {
                Flow::Next => {
                    p.insert_row += 1;
                    p.changed += 1;
                }
                Flow::Wait(w) => return Step::Wait(Box::new(p), w),
                Flow::Fail(e) => return Step::Finished(Box::new(p), Answer::Error(e)),
                Flow::EndRange => break,
            }
        }
        let answer = Answer::Changed(p.changed);
        Step::Finished(Box::new(p), answer)
    }

    /// One row of an INSERT. A record with its key gets a shared lock (the
    /// duplicate check): live, it is a duplicate; delete-marked,
    /// the row goes into it. Else the insert must not fall into a gap
    /// another transaction has locked (its insert intention waits); the
    /// new record takes over the gap locks on the record above it.
    fn insert_row(&mut self, s: usize, me: Tx, id: i64, value: i64, p: &mut Pending) -> Flow {
        let n = self.heap.len();
        // The duplicate check's shared lock is on the record alone, at
        // every level.
        let check = Kind::Record;
        match self.find(id) {
            Ok(pos) => {
                if let Err(b) = self.request(me, id, false, check) {
                    return self.must_wait(b, id, false, check);
                }
                let head = self.index[pos].head;
                if self.deleter(head).is_none() {
                    return Flow::Fail(DbError::DuplicateEntry(id));
                }
                if let Err(b) = self.request(me, id, true, Kind::Record) {
                    return self.must_wait(b, id, true, Kind::Record);
                }
                self.heap.push(Version {
                    id,
                    value,
                    xmin: me,
                    xmax: None,
                    next: None,
                    prev: Some(head),
                });
                self.index[pos].head = n;
                self.sessions[s].undo.push(Undo::Revive { id, old: head });
            }
            Err(pos) => {
                let above = self.index.get(pos).map_or(SUPREMUM, |r| r.id);
                if let Err(b) = self.request(me, above, true, Kind::Insert) {
                    return self.must_wait(b, above, true, Kind::Insert);
                }
                self.heap.push(Version {
                    id,
                    value,
                    xmin: me,
                    xmax: None,
                    next: None,
                    prev: None,
                });
                self.index.insert(pos, Rec { id, head: n });
                self.sessions[s].undo.push(Undo::Insert { id });
                let gaps: Vec<(Tx, bool)> = self
                    .locks
                    .on(above)
                    .filter(|(_, l)| {
                        l.kind != Kind::Insert && (above == SUPREMUM || l.kind != Kind::Record)
                    })
                    .map(|(_, l)| (l.tx, l.x))
                    .collect();
                for (t, x) in gaps {
                    self.add_lock(t, id, x, Kind::Gap, false);
                }
            }
        }
        p.events.push(Event::Write {
            tx: me,
            old: None,
            new: Some(n),
        });
        Flow::Next
    }

    /// `s`'s statement ends with `answer`: an error takes back the
    /// statement's changes (its locks stay); a statement outside BEGIN
    /// commits, or rolls back on an error.
    fn complete(&mut self, s: usize, p: Pending, answer: Answer) -> Vec<Finished> {
        let failed = matches!(answer, Answer::Error(_));
        let mut events = p.events;
        if failed {
            self.undo_to(s, p.mark, true);
        } else {
            for e in events.drain(..) {
                self.history.push(e);
            }
        }
        events.clear();
        self.spare = events;
        let mut out = vec![Finished { session: s, answer }];
        if !self.sessions[s].explicit {
            out.extend(self.end(s, !failed));
        }
        out
    }

    /// `s`'s statement waits for `w`: with no lock wait allowed it fails at
    /// once (1205); else its request joins the queue, and if the wait
    /// closes a cycle, the deadlock's victim is rolled back.
    fn wait(&mut self, s: usize, mut p: Pending, w: Wait) -> Vec<Finished> {
        if self.timeout == LockWait::None {
            return self.complete(s, p, Answer::Error(DbError::LockWaitTimeout));
        }
        let me = self.sessions[s].tx.unwrap_or(usize::MAX);
        if !self
            .locks
            .on(w.id)
            .any(|(_, l)| l.tx == me && l.x == w.x && l.kind == w.kind && l.waiting)
        {
            self.add_lock(me, w.id, w.x, w.kind, true);
        }
        p.wait = Some(w);
        p.since = self.clock;
        self.sessions[s].pending = Some(p);
        self.resolve_deadlock(me)
    }

    /// If the waits from `start` lead back to it, rolls back the cycle's
    /// transaction of least weight (ties: `start`, the one that asked).
    fn resolve_deadlock(&mut self, start: Tx) -> Vec<Finished> {
        let mut cycle = vec![start];
        let mut at = start;
        loop {
            let Some(next) = self
                .session_of(at)
                .and_then(|s| self.sessions[s].pending.as_ref())
                .and_then(|p| p.wait)
                .map(|w| w.blocker)
            else {
                return Vec::new();
            };
            if next == start {
                break;
            }
            if cycle.contains(&next) {
                return Vec::new();
            }
            cycle.push(next);
            at = next;
        }
        let victim = cycle
            .iter()
            .copied()
            .min_by_key(|t| (self.weight(*t), *t != start))
            .unwrap_or(start);
        self.kill(victim)
    }

    /// Rolls back `victim` whole for a deadlock: its waiting statement gets
    /// error 1213, and the session's next statements commit on their own
    /// (BEGIN's mode ends with the transaction).
    fn kill(&mut self, victim: Tx) -> Vec<Finished> {
        let Some(s) = self.session_of(victim) else {
            return Vec::new();
        };
        self.sessions[s].pending = None;
        let mut out = vec![Finished {
            session: s,
            answer: Answer::Error(DbError::DeadlockFound),
        }];
        out.extend(self.end(s, false));
        out
    }

    /// Grants the waiting requests nothing stands before, and resumes their
    /// statements in the order they asked, until none can move; requests
    /// still waiting note whom they wait for now.
    pub(super) fn wake(&mut self) -> Vec<Finished> {
        let mut out = Vec::new();
        // Each resumed statement either finishes or queues a new request;
        // the bound only guards against a rule that would loop.
        let mut rounds = 0;
        while rounds <= 64 * self.sessions.len() {
            rounds += 1;
            for t in self.grant() {
                if self.txs[t].0 == TxState::Running {
                    out.extend(self.resolve_deadlock(t));
                }
            }
            let mut ready: Vec<(usize, u64, usize)> = Vec::new();
            for (s, sess) in self.sessions.iter().enumerate() {
                let (Some(p), Some(tx)) = (&sess.pending, sess.tx) else {
                    continue;
                };
                let Some(w) = p.wait else { continue };
                let waiting = self
                    .locks
                    .on(w.id)
                    .any(|(_, l)| l.tx == tx && l.x == w.x && l.kind == w.kind && l.waiting);
                if !waiting {
                    ready.push((self.position_of(tx, w), p.since, s));
                }
            }
            ready.sort_unstable();
            let Some(&(_, _, s)) = ready.first() else {
                break;
            };
            let Some(mut p) = self.sessions[s].pending.take() else {
                continue;
            };
            p.wait = None;
            match self.execute(s, p) {
                Step::Finished(p, answer) => out.extend(self.complete(s, *p, answer)),
                Step::Wait(p, w) => out.extend(self.wait(s, *p, w)),
            }
        }
        debug_assert!(rounds <= 64 * self.sessions.len(), "wake looped");
        out
    }

    /// Where the granted request `w` of `tx` stands among the locks.
    fn position_of(&self, tx: Tx, w: Wait) -> usize {
        self.locks
            .on(w.id)
            .find(|(_, l)| l.tx == tx && l.x == w.x && l.kind == w.kind)
            .map_or(0, |(i, _)| self.locks.position(i))
    }

    /// Grants each waiting request that no granted lock and no earlier
    /// request of another transaction stands against; for the rest, notes
    /// the first that does; returns the transactions whose wait changed.
    fn grant(&mut self) -> Vec<Tx> {
        let mut changed = Vec::new();
        for i in self.locks.waiting().to_vec() {
            let Some(&l) = self.locks.get(i) else {
                continue;
            };
            let asked = self.locks.asked(i);
            let blocker = self
                .locks
                .on(l.id)
                .find(|&(j, h)| {
                    (self.locks.asked(j) < asked || !h.waiting)
                        && has_to_wait(l.tx, l.id, l.x, l.kind, h)
                        && !self.waits_behind(h, l.tx, l.x, l.kind)
                })
                .map(|(_, h)| h.tx);
            match blocker {
                None => {
                    self.locks.grant(i);
                    let mine = self.structs.get_mut(l.tx);
                    if let Some(st) = mine.and_then(|m| m.iter_mut().find(|st| st.id == l.st)) {
                        st.waiting = false;
                    }
                }
                Some(b) => {
                    if let Some(p) = self
                        .session_of(l.tx)
                        .and_then(|s| self.sessions[s].pending.as_mut())
                    {
                        if let Some(w) = p.wait.as_mut().filter(|w| w.blocker != b) {
                            w.blocker = b;
                            changed.push(l.tx);
                        }
                    }
                }
            }
        }
        changed
    }
}

/// The answer of a SELECT, UPDATE or DELETE that went through its rows.
fn answer_of(p: &Pending) -> Answer {
    Answer::of_scan(&p.stmt, p.rows.clone(), p.changed)
}
