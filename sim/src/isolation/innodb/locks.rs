//! InnoDB's record locks on the primary key: record, gap, next-key and
//! insert-intention locks, shared or exclusive, granted or waiting, in the
//! order they were requested, and the rules for when a request waits (as
//! `lock_rec_has_to_wait` in InnoDB's lock0lock.cc decides it).
//!
//! A lock is on an index record, named by its key; a gap lock covers the
//! gap below its record, and the gap above the last record is locked on
//! the supremum, [`SUPREMUM`]. A record a running transaction has changed
//! carries that transaction's implicit exclusive lock, which is made
//! explicit (an X record lock) when another transaction asks for it.

use super::super::db::Tx;

/// The key that stands for the supremum record, above every key.
pub const SUPREMUM: i64 = i64::MAX;

/// What a lock covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// The record alone (`LOCK_REC_NOT_GAP`).
    Record,
    /// The gap below the record alone (`LOCK_GAP`).
    Gap,
    /// The record and the gap below it (`LOCK_ORDINARY`).
    NextKey,
    /// An INSERT's intention to insert into the gap below the record.
    Insert,
}

/// One lock (or request) of a transaction on a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RecLock {
    /// The holder.
    pub(super) tx: Tx,
    /// The record's key ([`SUPREMUM`] for the supremum).
    pub(super) id: i64,
    /// Exclusive (else shared).
    pub(super) x: bool,
    /// What it covers.
    pub(super) kind: Kind,
    /// Requested, not yet granted.
    pub(super) waiting: bool,
    /// The lock structure it lives in (InnoDB counts structures in a
    /// transaction's weight for the deadlock victim).
    pub(super) st: u32,
}

/// Whether a request `(tx, id, x, kind)` has to wait for lock `held`.
pub(super) fn has_to_wait(tx: Tx, id: i64, x: bool, kind: Kind, held: &RecLock) -> bool {
    if held.tx == tx || held.id != id || (!x && !held.x) {
        return false;
    }
    // Gap locks (the supremum's among them) only keep inserts out: a
    // request for one never waits, and only an insert waits for one.
    if kind != Kind::Insert && (kind == Kind::Gap || id == SUPREMUM) {
        return false;
    }
    if kind != Kind::Insert && held.kind == Kind::Gap {
        return false;
    }
    if matches!(kind, Kind::Gap | Kind::Insert) && held.kind == Kind::Record {
        return false;
    }
    // Nothing waits for an insert intention.
    held.kind != Kind::Insert
}

/// Whether granted lock `l` of the requester already covers a request
/// for `(x, kind)` on its record.
pub(super) fn covers(l: &RecLock, x: bool, kind: Kind) -> bool {
    if l.waiting || l.kind == Kind::Insert || kind == Kind::Insert || (x && !l.x) {
        return false;
    }
    if l.id == SUPREMUM {
        return true;
    }
    match kind {
        Kind::Record => matches!(l.kind, Kind::Record | Kind::NextKey),
        Kind::Gap => matches!(l.kind, Kind::Gap | Kind::NextKey),
        Kind::NextKey => l.kind == Kind::NextKey,
        Kind::Insert => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(kind: Kind, x: bool) -> RecLock {
        RecLock {
            tx: 1,
            id: 5,
            x,
            kind,
            waiting: false,
            st: 0,
        }
    }

    #[test]
    fn gaps_keep_out_inserts_only() {
        let w = |kind, x, h| has_to_wait(2, 5, x, kind, &h);
        // An insert waits for a gap or next-key lock, not a record lock.
        assert!(w(Kind::Insert, true, held(Kind::Gap, false)));
        assert!(w(Kind::Insert, true, held(Kind::NextKey, false)));
        assert!(!w(Kind::Insert, true, held(Kind::Record, true)));
        // Record requests never wait for a gap lock; gap requests never wait.
        assert!(!w(Kind::NextKey, true, held(Kind::Gap, true)));
        assert!(!w(Kind::Gap, true, held(Kind::NextKey, true)));
        // Shared locks share; the record part conflicts.
        assert!(!w(Kind::NextKey, false, held(Kind::NextKey, false)));
        assert!(w(Kind::Record, false, held(Kind::NextKey, true)));
        assert!(w(Kind::NextKey, true, held(Kind::Record, false)));
        // Nothing waits for an insert intention.
        assert!(!w(Kind::NextKey, true, held(Kind::Insert, true)));
        // A next-key covers a record request, not the reverse.
        assert!(covers(&held(Kind::NextKey, true), false, Kind::Record));
        assert!(!covers(&held(Kind::Record, true), true, Kind::NextKey));
    }
}
