//! PostgreSQL's serializable snapshot isolation, for transactions at
//! SERIALIZABLE in the PostgreSQL profile.
//!
//! Each serializable transaction gets a record when it takes its snapshot.
//! Reads take SIREAD locks at PostgreSQL's granularities: a sequential scan
//! locks the table (the heap relation); an index or bitmap scan locks the
//! btree leaf page it searched and each heap tuple it returned. A third
//! tuple lock on one heap page is promoted to a lock on the page, as
//! PostgreSQL promotes past `max_pred_locks_per_page` (2); a relation lock
//! would follow past 31 page and tuple locks in one relation
//! (`max_pred_locks_per_transaction` 64 / 2 - 1), which the lab's one heap
//! page and one leaf page never reach, though the rule is modelled. A
//! coarser lock replaces the finer ones it covers. Every row version a read
//! passes is checked for a write by a concurrent serializable transaction
//! ("conflict out"). A write checks the SIREAD locks of other serializable
//! transactions on what it writes ("conflict in"): an UPDATE or DELETE on
//! the tuple, its heap page and the table; an INSERT on the table, then on
//! the index's leaf page and the index when its key goes in, or when the
//! key is found taken (PostgreSQL checks there so that a serialization
//! failure is not masked by the unique violation). A write drops the
//! writer's own SIREAD lock on the tuple it writes.
//! Each read-write conflict is checked for the dangerous structure
//! `T_in -rw-> T_pivot -rw-> T_out` where `T_out` committed first; when
//! found, either the running statement fails or another transaction is
//! marked to fail at its next read, write or commit. COMMIT checks once
//! more. Locks and records of committed transactions stay while concurrent
//! transactions may still conflict with them.
//!
//! Transaction ids (`xid`) are given out at a transaction's first write, as
//! in PostgreSQL, because some of these rules compare them.

use super::{Db, DbError, Snapshot, Tx, TxState};

/// What a SIREAD lock covers, as `pg_locks` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SireadTarget {
    /// A whole relation: the table, or its primary key's index.
    Relation {
        /// The index `test_pkey` rather than the table `test`.
        index: bool,
    },
    /// One page of the table or of the index.
    Page {
        /// A page of the index `test_pkey` rather than of the table.
        index: bool,
        /// The block number.
        page: u32,
    },
    /// One heap tuple of the table.
    Tuple {
        /// The heap page.
        page: u32,
        /// The line pointer on the page (from 1).
        offset: u32,
    },
}

impl SireadTarget {
    /// The next coarser target.
    fn parent(self) -> Option<SireadTarget> {
        match self {
            SireadTarget::Relation { .. } => None,
            SireadTarget::Page { index, .. } => Some(SireadTarget::Relation { index }),
            SireadTarget::Tuple { page, .. } => Some(SireadTarget::Page { index: false, page }),
        }
    }

    /// Whether a lock on `self` covers `t` (strictly coarser).
    fn covers(self, t: SireadTarget) -> bool {
        let mut at = t.parent();
        while let Some(p) = at {
            if p == self {
                return true;
            }
            at = p.parent();
        }
        false
    }

    /// How many finer locks a transaction may hold under it before they
    /// are promoted to it.
    fn max_children(self) -> i32 {
        match self {
            SireadTarget::Relation { .. } => 64 / 2 - 1,
            SireadTarget::Page { .. } => 2,
            SireadTarget::Tuple { .. } => i32::MAX,
        }
    }
}

/// A SIREAD lock for the view: who holds it and on what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SireadLock {
    /// The session of the holder.
    pub session: usize,
    /// The holding transaction (it may have committed: its locks stay
    /// while concurrent serializable transactions run).
    pub tx: Tx,
    /// What it covers.
    pub target: SireadTarget,
}

/// One serializable transaction's record.
#[derive(Debug, Clone)]
pub(super) struct Sxact {
    tx: Tx,
    committed: bool,
    prepared: bool,
    doomed: bool,
    /// Committed without writing.
    read_only: bool,
    /// Committed with a read-write conflict out to a transaction that
    /// committed before it.
    conflict_out: bool,
    did_write: bool,
    prepare_seq: u64,
    commit_seq: u64,
    last_commit_before_snapshot: u64,
    earliest_out_conflict_commit: u64,
    /// The oldest transaction id running when its snapshot was taken.
    xmin: u64,
    /// The next transaction id when it finished.
    finished_before: u64,
}

/// The serializable transactions, their SIREAD locks and conflicts.
#[derive(Debug, Clone, Default)]
pub(super) struct Ssi {
    /// Records; `None` once released.
    sxacts: Vec<Option<Sxact>>,
    /// The record of each transaction.
    by_tx: Vec<Option<usize>>,
    /// Read-write conflicts `(reader, writer)`, in the order flagged.
    conflicts: Vec<(usize, usize)>,
    /// SIREAD locks `(record, target)`, in the order they were taken.
    locks: Vec<(usize, SireadTarget)>,
    /// Each record's own count of the finer locks it holds under a target
    /// (PostgreSQL's local lock table, for promotion): `(record, target,
    /// finer locks, held)`.
    local: Vec<(usize, SireadTarget, i32, bool)>,
    /// The last prepare or commit sequence number given out.
    last_seq: u64,
    /// Serializable transactions neither committed nor rolled back.
    writable: usize,
    global_xmin: Option<u64>,
    global_xmin_count: usize,
    can_partial_clear_through: u64,
    have_partial_cleared_through: u64,
    /// Committed records, in commit order, until cleaned up.
    finished: Vec<usize>,
}

/// The error of every failure this module raises.
const FAIL: DbError = DbError::ReadWriteDependencies;

impl Db {
    fn sx(&self, k: usize) -> Option<&Sxact> {
        self.ssi.sxacts.get(k).and_then(Option::as_ref)
    }

    fn sx_mut(&mut self, k: usize) -> Option<&mut Sxact> {
        self.ssi.sxacts.get_mut(k).and_then(Option::as_mut)
    }

    /// The live record of `tx`, if it is a serializable transaction.
    pub(super) fn sxact_of(&self, tx: Tx) -> Option<usize> {
        let k = (*self.ssi.by_tx.get(tx)?)?;
        self.sx(k).map(|_| k)
    }

    /// Gives `tx` its transaction id if it has none yet.
    pub(super) fn assign_xid(&mut self, tx: Tx) {
        if tx >= self.xids.len() {
            self.xids.resize(tx + 1, None);
        }
        if self.xids[tx].is_none() {
            self.xids[tx] = Some(self.next_xid);
            self.next_xid += 1;
        }
    }

    /// The oldest id of a running transaction, or the next id.
    fn snapshot_xmin(&self) -> u64 {
        self.xids
            .iter()
            .enumerate()
            .filter_map(|(t, x)| {
                let x = (*x)?;
                (self.txs.get(t)?.0 == TxState::Running).then_some(x)
            })
            .min()
            .unwrap_or(self.next_xid)
    }

    /// A serializable transaction takes its snapshot: it gets its record.
    pub(super) fn ssi_begin(&mut self, tx: Tx) {
        if self.sxact_of(tx).is_some() {
            return;
        }
        let xmin = self.snapshot_xmin();
        let k = self.ssi.sxacts.len();
        self.ssi.sxacts.push(Some(Sxact {
            tx,
            committed: false,
            prepared: false,
            doomed: false,
            read_only: false,
            conflict_out: false,
            did_write: false,
            prepare_seq: 0,
            commit_seq: 0,
            last_commit_before_snapshot: self.ssi.last_seq,
            earliest_out_conflict_commit: 0,
            xmin,
            finished_before: 0,
        }));
        if tx >= self.ssi.by_tx.len() {
            self.ssi.by_tx.resize(tx + 1, None);
        }
        self.ssi.by_tx[tx] = Some(k);
        self.ssi.writable += 1;
        match self.ssi.global_xmin {
            None => {
                self.ssi.global_xmin = Some(xmin);
                self.ssi.global_xmin_count = 1;
            }
            Some(g) if g == xmin => self.ssi.global_xmin_count += 1,
            Some(_) => {}
        }
    }

    fn exists(&self, reader: usize, writer: usize) -> bool {
        self.ssi.conflicts.contains(&(reader, writer))
    }

    /// A sequential scan by `tx` with snapshot `snap`: the SIREAD lock on
    /// the table, then the conflict-out check of every row version.
    pub(super) fn ssi_scan(&mut self, tx: Tx, snap: &Snapshot) -> Result<(), DbError> {
        if self.sxact_of(tx).is_none() {
            return Ok(());
        }
        self.ssi_lock(tx, SireadTarget::Relation { index: false });
        self.ssi_doomed(tx)?;
        let all: Vec<usize> = (0..self.heap.len()).collect();
        self.ssi_passed(tx, snap, &all)
    }

    /// `tx` takes a SIREAD lock on `t`, if it is serializable.
    pub(super) fn ssi_lock(&mut self, tx: Tx, t: SireadTarget) {
        if let Some(me) = self.sxact_of(tx) {
            self.acquire(me, t);
        }
    }

    /// A read by `tx` passed the row versions `versions`: the conflict-out
    /// check of each (the first fails a transaction marked to fail).
    pub(super) fn ssi_passed(
        &mut self,
        tx: Tx,
        snap: &Snapshot,
        versions: &[usize],
    ) -> Result<(), DbError> {
        let Some(me) = self.sxact_of(tx) else {
            return Ok(());
        };
        if versions.is_empty() {
            return Ok(());
        }
        self.ssi_doomed(tx)?;
        for &i in versions {
            let v = &self.heap[i];
            let state = |t: Tx| self.txs.get(t).map(|x| x.0);
            // Rows of aborted inserts are dead to everyone.
            if state(v.xmin) == Some(TxState::Aborted) {
                continue;
            }
            let writer = if self.visible(v, tx, snap) {
                // A version this transaction sees, replaced or deleted by
                // another transaction (running, or committed after the
                // snapshot).
                match v.xmax {
                    Some(x) if x != tx && state(x) != Some(TxState::Aborted) => x,
                    _ => continue,
                }
            } else {
                // A version it does not see: its writer.
                v.xmin
            };
            self.conflict_out(me, tx, writer, snap)?;
        }
        Ok(())
    }

    fn holds(&self, me: usize, t: SireadTarget) -> bool {
        self.ssi.locks.contains(&(me, t))
    }

    fn local_mut(
        &mut self,
        me: usize,
        t: SireadTarget,
    ) -> Option<&mut (usize, SireadTarget, i32, bool)> {
        self.ssi.local.iter_mut().find(|e| e.0 == me && e.1 == t)
    }

    /// PostgreSQL's acquisition of a SIREAD lock: nothing if it or a
    /// coarser one is held; else the lock, counted under each coarser
    /// target, then the promotion to the coarsest one past its limit, or
    /// the removal of the finer locks the new one covers.
    fn acquire(&mut self, me: usize, t: SireadTarget) {
        if self.holds(me, t) || self.ssi.locks.iter().any(|(k, h)| *k == me && h.covers(t)) {
            return;
        }
        match self.local_mut(me, t) {
            Some(e) => e.3 = true,
            None => self.ssi.local.push((me, t, 0, true)),
        }
        self.ssi.locks.push((me, t));
        let mut promote = None;
        let mut at = t.parent();
        while let Some(p) = at {
            let n = match self.local_mut(me, p) {
                Some(e) => {
                    e.2 += 1;
                    e.2
                }
                None => {
                    self.ssi.local.push((me, p, 1, false));
                    1
                }
            };
            if n > p.max_children() {
                promote = Some(p);
            }
            at = p.parent();
        }
        if let Some(p) = promote {
            self.acquire(me, p);
        } else if !matches!(t, SireadTarget::Tuple { .. }) {
            let finer: Vec<SireadTarget> = self
                .ssi
                .locks
                .iter()
                .filter(|(k, x)| *k == me && t.covers(*x))
                .map(|(_, x)| *x)
                .collect();
            self.ssi.locks.retain(|(k, x)| !(*k == me && t.covers(*x)));
            for x in finer {
                self.uncount(me, x);
            }
        }
    }

    /// A lock of `me` on `t` went: it no longer counts under the coarser
    /// targets.
    fn uncount(&mut self, me: usize, t: SireadTarget) {
        let mut at = t.parent();
        while let Some(p) = at {
            if let Some(e) = self.local_mut(me, p) {
                e.2 = (e.2 - 1).max(0);
            }
            self.ssi
                .local
                .retain(|e| !(e.0 == me && e.1 == p && e.2 == 0 && !e.3));
            at = p.parent();
        }
    }

    /// `tx` read past a version written by `writer`.
    fn conflict_out(
        &mut self,
        me: usize,
        tx: Tx,
        writer: Tx,
        snap: &Snapshot,
    ) -> Result<(), DbError> {
        if writer == tx {
            return Ok(());
        }
        let Some(w) = self.sxact_of(writer) else {
            return Ok(());
        };
        if w == me || self.sx(w).is_some_and(|s| s.doomed) {
            return Ok(());
        }
        // The write was in the snapshot: no conflict.
        if self.committed_in(writer, snap) {
            return Ok(());
        }
        if self.exists(me, w) {
            return Ok(());
        }
        self.flag(me, w, me)
    }

    /// An UPDATE or DELETE by `tx` of the heap tuple at `offset`.
    pub(super) fn ssi_write_tuple(&mut self, tx: Tx, offset: u32) -> Result<(), DbError> {
        if self.sxact_of(tx).is_none() {
            return Ok(());
        }
        self.conflict_in(
            tx,
            &[
                SireadTarget::Tuple { page: 0, offset },
                SireadTarget::Page {
                    index: false,
                    page: 0,
                },
                SireadTarget::Relation { index: false },
            ],
        )
    }

    /// An INSERT by `tx` puts its tuple into the table.
    pub(super) fn ssi_write_table(&mut self, tx: Tx) -> Result<(), DbError> {
        self.conflict_in(tx, &[SireadTarget::Relation { index: false }])
    }

    /// An INSERT by `tx` writes its key into the index's leaf page, or
    /// finds the key taken there.
    pub(super) fn ssi_write_index(&mut self, tx: Tx) -> Result<(), DbError> {
        self.conflict_in(
            tx,
            &[
                SireadTarget::Page {
                    index: true,
                    page: super::LEAF,
                },
                SireadTarget::Relation { index: true },
            ],
        )
    }

    /// A write by `tx` on `targets`, finest first: a conflict in from each
    /// other serializable transaction's SIREAD lock on them; the writer's
    /// own lock on a tuple it writes goes.
    fn conflict_in(&mut self, tx: Tx, targets: &[SireadTarget]) -> Result<(), DbError> {
        let Some(me) = self.sxact_of(tx) else {
            return Ok(());
        };
        self.ssi_doomed(tx)?;
        let my_xmin = self.sx(me).map_or(0, |s| s.xmin);
        if let Some(s) = self.sx_mut(me) {
            s.did_write = true;
        }
        for &t in targets {
            let holders: Vec<usize> = self
                .ssi
                .locks
                .iter()
                .filter(|(_, x)| *x == t)
                .map(|(k, _)| *k)
                .collect();
            let mut mine = false;
            for r in holders {
                if r == me {
                    mine = matches!(t, SireadTarget::Tuple { .. });
                    continue;
                }
                let Some(s) = self.sx(r) else { continue };
                if !s.doomed && (!s.committed || my_xmin < s.finished_before) && !self.exists(r, me)
                {
                    self.flag(r, me, me)?;
                }
            }
            if mine {
                self.ssi.locks.retain(|&(k, x)| !(k == me && x == t));
                self.ssi.local.retain(|e| !(e.0 == me && e.1 == t));
                self.uncount(me, t);
            }
        }
        Ok(())
    }

    /// Fails a transaction marked to fail (the check a key violation
    /// makes first, as a write to the index would).
    pub(super) fn ssi_doomed(&self, tx: Tx) -> Result<(), DbError> {
        match self.sxact_of(tx).and_then(|k| self.sx(k)) {
            Some(s) if s.doomed => Err(FAIL),
            _ => Ok(()),
        }
    }

    /// Records the conflict `reader -rw-> writer`, after checking whether
    /// it completes a dangerous structure; `me` is the transaction running
    /// the statement.
    fn flag(&mut self, reader: usize, writer: usize, me: usize) -> Result<(), DbError> {
        let (Some(r), Some(w)) = (self.sx(reader), self.sx(writer)) else {
            return Ok(());
        };
        // The writer committed with a conflict out to a transaction that
        // committed before it.
        let mut failure = w.committed && w.conflict_out;
        // The writer is a pivot whose conflict out committed first.
        if !failure {
            failure = self
                .ssi
                .conflicts
                .iter()
                .filter(|(o, _)| *o == writer)
                .filter_map(|(_, t2)| self.sx(*t2))
                .any(|t2| {
                    t2.prepared
                        && (!r.committed || t2.prepare_seq <= r.commit_seq)
                        && (!w.committed || t2.prepare_seq <= w.commit_seq)
                        && (!r.read_only || t2.prepare_seq <= r.last_commit_before_snapshot)
                });
        }
        // The reader is a pivot whose conflict out (the writer) committed.
        if !failure && w.prepared && !r.read_only {
            failure = self
                .ssi
                .conflicts
                .iter()
                .filter(|(_, i)| *i == reader)
                .filter_map(|(t0, _)| self.sx(*t0))
                .any(|t0| {
                    !t0.doomed
                        && (!t0.committed || t0.commit_seq >= w.prepare_seq)
                        && (!t0.read_only || t0.last_commit_before_snapshot >= w.prepare_seq)
                });
        }
        if failure {
            if writer == me || w.prepared {
                return Err(FAIL);
            }
            if let Some(w) = self.sx_mut(writer) {
                w.doomed = true;
            }
        }
        self.ssi.conflicts.push((reader, writer));
        Ok(())
    }

    /// COMMIT's check: fails a doomed transaction; marks to fail a running
    /// pivot between this transaction and another running one.
    pub(super) fn ssi_precommit(&mut self, tx: Tx) -> Result<(), DbError> {
        let Some(me) = self.sxact_of(tx) else {
            return Ok(());
        };
        self.ssi_doomed(tx)?;
        let near: Vec<usize> = self
            .ssi
            .conflicts
            .iter()
            .filter(|(_, w)| *w == me)
            .map(|(r, _)| *r)
            .collect();
        for pivot in near {
            let Some(p) = self.sx(pivot) else { continue };
            if p.committed || p.doomed {
                continue;
            }
            let far = self
                .ssi
                .conflicts
                .iter()
                .filter(|(_, w)| *w == pivot)
                .any(|(t0, _)| {
                    *t0 == me
                        || self
                            .sx(*t0)
                            .is_some_and(|t| !t.committed && !t.read_only && !t.doomed)
                });
            if far {
                if let Some(p) = self.sx_mut(pivot) {
                    p.doomed = true;
                }
            }
        }
        self.ssi.last_seq += 1;
        let seq = self.ssi.last_seq;
        if let Some(s) = self.sx_mut(me) {
            s.prepared = true;
            s.prepare_seq = seq;
        }
        Ok(())
    }

    /// The end of `tx`: a commit keeps its record and SIREAD lock while
    /// they matter; a rollback drops them.
    pub(super) fn ssi_end(&mut self, tx: Tx, commit: bool) {
        let Some(me) = self.sxact_of(tx) else {
            return;
        };
        let next_xid = self.next_xid;
        let my_xmin = self.sx(me).map_or(0, |s| s.xmin);
        if commit {
            self.ssi.last_seq += 1;
            let seq = self.ssi.last_seq;
            if let Some(s) = self.sx_mut(me) {
                s.finished_before = next_xid;
                s.committed = true;
                s.commit_seq = seq;
                if !s.did_write {
                    s.read_only = true;
                }
            }
        }
        self.ssi.writable = self.ssi.writable.saturating_sub(1);
        if self.ssi.writable == 0 {
            self.ssi.can_partial_clear_through = self.ssi.last_seq;
        }
        if commit {
            let read_only = self.sx(me).is_some_and(|s| s.read_only);
            let last = self.ssi.last_seq;
            let mut earliest = None;
            let mut keep = Vec::new();
            for &(r, w) in &self.ssi.conflicts {
                if r == me {
                    let out = self.sx(w);
                    if !read_only {
                        if let Some(o) = out.filter(|o| o.committed) {
                            earliest =
                                Some(earliest.map_or(o.prepare_seq, |e: u64| e.min(o.prepare_seq)));
                        }
                    }
                    let release =
                        out.is_none_or(|o| o.committed || o.last_commit_before_snapshot >= last);
                    if release {
                        continue;
                    }
                } else if w == me {
                    let release = self.sx(r).is_none_or(|i| i.committed || i.read_only);
                    if release {
                        continue;
                    }
                }
                keep.push((r, w));
            }
            self.ssi.conflicts = keep;
            if let (Some(e), Some(s)) = (earliest, self.sx_mut(me)) {
                s.conflict_out = true;
                s.earliest_out_conflict_commit = e;
            }
            self.ssi.finished.push(me);
        } else {
            self.release(me, false);
        }
        // The oldest serializable snapshot moved on: forget what no running
        // serializable transaction can conflict with any more.
        if self.ssi.global_xmin == Some(my_xmin) {
            self.ssi.global_xmin_count = self.ssi.global_xmin_count.saturating_sub(1);
            if self.ssi.global_xmin_count == 0 {
                self.new_global_xmin();
                self.clear_old();
            }
        }
    }

    fn new_global_xmin(&mut self) {
        self.ssi.global_xmin = None;
        self.ssi.global_xmin_count = 0;
        let active: Vec<u64> = self
            .ssi
            .sxacts
            .iter()
            .flatten()
            .filter(|s| !s.committed)
            .map(|s| s.xmin)
            .collect();
        for x in active {
            match self.ssi.global_xmin {
                Some(g) if x > g => {}
                Some(g) if x == g => self.ssi.global_xmin_count += 1,
                _ => {
                    self.ssi.global_xmin = Some(x);
                    self.ssi.global_xmin_count = 1;
                }
            }
        }
    }

    /// Releases committed records no running serializable transaction can
    /// conflict with; once no serializable transaction runs, drops the
    /// SIREAD locks and conflicts in of those committed so far.
    fn clear_old(&mut self) {
        let mut i = 0;
        while let Some(&k) = self.ssi.finished.get(i) {
            let Some(s) = self.sx(k) else {
                self.ssi.finished.remove(i);
                continue;
            };
            let (fb, seq, ro) = (s.finished_before, s.commit_seq, s.read_only);
            if self.ssi.global_xmin.is_none_or(|g| fb <= g) {
                self.ssi.finished.remove(i);
                self.release(k, false);
            } else if seq > self.ssi.have_partial_cleared_through
                && seq <= self.ssi.can_partial_clear_through
            {
                if ro {
                    self.ssi.finished.remove(i);
                    self.release(k, false);
                } else {
                    self.release(k, true);
                    i += 1;
                }
                self.ssi.have_partial_cleared_through = seq;
            } else {
                break;
            }
        }
    }

    /// Drops `k`'s SIREAD lock and conflicts in; unless `partial`, its
    /// conflicts out and the record too.
    fn release(&mut self, k: usize, partial: bool) {
        self.ssi.locks.retain(|(r, _)| *r != k);
        self.ssi.local.retain(|e| e.0 != k);
        if partial {
            self.ssi.conflicts.retain(|(_, w)| *w != k);
        } else {
            self.ssi.conflicts.retain(|(r, w)| *r != k && *w != k);
            if let Some(slot) = self.ssi.sxacts.get_mut(k) {
                *slot = None;
            }
        }
    }

    /// The SIREAD locks held, committed transactions' included, in the
    /// order they were taken.
    pub fn siread_locks(&self) -> Vec<SireadLock> {
        self.ssi
            .locks
            .iter()
            .filter_map(|&(k, target)| {
                let tx = self.sx(k)?.tx;
                Some(SireadLock {
                    session: self.session_of(tx)?,
                    tx,
                    target,
                })
            })
            .collect()
    }
}
