//! PostgreSQL's serializable snapshot isolation, for transactions at
//! SERIALIZABLE in the PostgreSQL profile.
//!
//! Each serializable transaction gets a record when it takes its snapshot.
//! A scan of the table takes a SIREAD lock on the whole table (the lab's
//! statements scan sequentially, and PostgreSQL locks the relation for a
//! sequential scan), and checks every row version it passes for a write by
//! a concurrent serializable transaction ("conflict out"). A write checks
//! the SIREAD locks of other serializable transactions ("conflict in").
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
    /// Holders of a SIREAD lock on the table, in the order they took it.
    siread: Vec<usize>,
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

    /// A scan by `tx` with snapshot `snap`: the SIREAD lock on the table,
    /// then the conflict-out check of every row version it passes.
    pub(super) fn ssi_scan(&mut self, tx: Tx, snap: &Snapshot) -> Result<(), DbError> {
        let Some(me) = self.sxact_of(tx) else {
            return Ok(());
        };
        if !self.ssi.siread.contains(&me) {
            self.ssi.siread.push(me);
        }
        self.ssi_doomed(tx)?;
        for i in 0..self.heap.len() {
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

    /// A write by `tx`: conflicts in from the SIREAD locks of others.
    pub(super) fn ssi_write(&mut self, tx: Tx) -> Result<(), DbError> {
        let Some(me) = self.sxact_of(tx) else {
            return Ok(());
        };
        self.ssi_doomed(tx)?;
        let my_xmin = self.sx(me).map_or(0, |s| s.xmin);
        if let Some(s) = self.sx_mut(me) {
            s.did_write = true;
        }
        for r in self.ssi.siread.clone() {
            if r == me {
                continue;
            }
            let Some(s) = self.sx(r) else { continue };
            if !s.doomed && (!s.committed || my_xmin < s.finished_before) && !self.exists(r, me) {
                self.flag(r, me, me)?;
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
        self.ssi.siread.retain(|r| *r != k);
        if partial {
            self.ssi.conflicts.retain(|(_, w)| *w != k);
        } else {
            self.ssi.conflicts.retain(|(r, w)| *r != k && *w != k);
            if let Some(slot) = self.ssi.sxacts.get_mut(k) {
                *slot = None;
            }
        }
    }

    /// The sessions holding a SIREAD lock on the table (committed
    /// transactions' locks included), for the view.
    pub fn siread_holders(&self) -> Vec<Tx> {
        self.ssi
            .siread
            .iter()
            .filter_map(|k| self.sx(*k).map(|s| s.tx))
            .collect()
    }
}
