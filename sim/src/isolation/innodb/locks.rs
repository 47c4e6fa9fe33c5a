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

use super::super::analysis::QuickMap;

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

/// The record locks, granted and waiting, in the order they were asked,
/// reachable by record and by transaction: a request looks at its record's
/// locks alone, and a transaction's end releases its own locks alone.
///
/// Each lock sits in a slot, linked to the locks before and after it on
/// the same record and of the same transaction; a released lock's slot is
/// taken by the next lock asked. The table is a few flat vectors and maps,
/// so the lab's copy of the database at each step stays cheap.
#[derive(Debug, Clone, Default)]
pub(super) struct LockTable {
    slots: Vec<Slot>,
    /// The slots of released locks.
    free: Vec<u32>,
    /// The first and last lock on each record that has locks.
    records: QuickMap<i64, Ends>,
    /// The first and last lock of each transaction, by its number.
    owners: Vec<Ends>,
    /// The slots of the waiting requests, in the order asked.
    waiting: Vec<u32>,
    /// How many locks have been asked: the next lock's place in the order.
    asked: u64,
}

/// No slot: the end of a list.
const NONE: u32 = u32::MAX;

/// A lock in the table, or a free slot.
#[derive(Debug, Clone, Copy)]
struct Slot {
    lock: RecLock,
    /// Its place in the order the locks were asked.
    asked: u64,
    /// Whether the slot holds a lock (else it waits to be taken again).
    live: bool,
    /// The locks before and after it on its record.
    on_record: Link,
    /// The transaction's locks before and after it.
    of_tx: Link,
}

/// A slot's neighbours in one list.
#[derive(Debug, Clone, Copy)]
struct Link {
    prev: u32,
    next: u32,
}

/// In no list yet.
const UNLINKED: Link = Link {
    prev: NONE,
    next: NONE,
};

/// The first and last slot of a list.
#[derive(Debug, Clone, Copy)]
struct Ends {
    first: u32,
    last: u32,
}

/// An empty list.
const EMPTY: Ends = Ends {
    first: NONE,
    last: NONE,
};

/// Which of a slot's two lists.
#[derive(Clone, Copy)]
enum List {
    Record,
    Tx,
}

impl Slot {
    fn link(&mut self, list: List) -> &mut Link {
        match list {
            List::Record => &mut self.on_record,
            List::Tx => &mut self.of_tx,
        }
    }
}

/// Adds slot `i` at the end of the list whose ends are `ends`.
fn append(slots: &mut [Slot], ends: &mut Ends, i: u32, list: List) {
    let last = std::mem::replace(&mut ends.last, i);
    *slots[i as usize].link(list) = Link {
        prev: last,
        next: NONE,
    };
    match slots.get_mut(last as usize) {
        Some(s) => s.link(list).next = i,
        None => ends.first = i,
    }
}

/// Takes slot `i` out of the list whose ends are `ends`.
fn unlink(slots: &mut [Slot], ends: &mut Ends, i: u32, list: List) {
    let Link { prev, next } = *slots[i as usize].link(list);
    match slots.get_mut(prev as usize) {
        Some(s) => s.link(list).next = next,
        None => ends.first = next,
    }
    match slots.get_mut(next as usize) {
        Some(s) => s.link(list).prev = prev,
        None => ends.last = prev,
    }
}

/// The locks on one record, in the order asked, with their slots.
pub(super) struct Chain<'a> {
    slots: &'a [Slot],
    at: u32,
}

impl<'a> Iterator for Chain<'a> {
    type Item = (u32, &'a RecLock);

    fn next(&mut self) -> Option<(u32, &'a RecLock)> {
        let i = self.at;
        let s = self.slots.get(i as usize)?;
        self.at = s.on_record.next;
        Some((i, &s.lock))
    }
}

impl LockTable {
    /// Adds `lock`, last in the order.
    pub(super) fn push(&mut self, lock: RecLock) {
        let slot = Slot {
            lock,
            asked: self.asked,
            live: true,
            on_record: UNLINKED,
            of_tx: UNLINKED,
        };
        self.asked += 1;
        let i = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = slot;
                i
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        let on_record = self.records.entry(lock.id).or_insert(EMPTY);
        append(&mut self.slots, on_record, i, List::Record);
        if self.owners.len() <= lock.tx {
            self.owners.resize(lock.tx + 1, EMPTY);
        }
        append(&mut self.slots, &mut self.owners[lock.tx], i, List::Tx);
        if lock.waiting {
            self.waiting.push(i);
        }
    }

    /// Releases the lock in slot `i`.
    pub(super) fn remove(&mut self, i: u32) {
        let Some(&Slot {
            lock, live: true, ..
        }) = self.slots.get(i as usize)
        else {
            return;
        };
        self.unlink_record(i, lock.id);
        if let Some(ends) = self.owners.get_mut(lock.tx) {
            unlink(&mut self.slots, ends, i, List::Tx);
        }
        self.slots[i as usize].live = false;
        if lock.waiting {
            self.waiting.retain(|w| *w != i);
        }
        self.free.push(i);
    }

    /// Takes slot `i` out of record `id`'s list, and the record out of the
    /// table if it has no locks left.
    fn unlink_record(&mut self, i: u32, id: i64) {
        let alone = self
            .slots
            .get(i as usize)
            .is_some_and(|s| s.on_record.prev == NONE && s.on_record.next == NONE);
        if alone {
            self.records.remove(&id);
        } else if let Some(ends) = self.records.get_mut(&id) {
            unlink(&mut self.slots, ends, i, List::Record);
        }
    }

    /// The locks on record `id`, with their slots, in the order asked.
    pub(super) fn on(&self, id: i64) -> Chain<'_> {
        Chain {
            slots: &self.slots,
            at: self.records.get(&id).map_or(NONE, |e| e.first),
        }
    }

    /// Releases every lock of `tx`.
    pub(super) fn release(&mut self, tx: Tx) {
        let Some(ends) = self.owners.get_mut(tx) else {
            return;
        };
        let mut at = std::mem::replace(ends, EMPTY).first;
        while let Some(&Slot { lock, of_tx, .. }) = self.slots.get(at as usize) {
            self.unlink_record(at, lock.id);
            self.slots[at as usize].live = false;
            if lock.waiting {
                self.waiting.retain(|w| *w != at);
            }
            self.free.push(at);
            at = of_tx.next;
        }
    }

    /// Releases every lock on record `id`; returns them in the order asked.
    pub(super) fn take_record(&mut self, id: i64) -> Vec<RecLock> {
        let mut out = Vec::new();
        while let Some(e) = self.records.get(&id) {
            let i = e.first;
            out.push(self.slots[i as usize].lock);
            self.remove(i);
        }
        out
    }

    /// The lock in slot `i`.
    pub(super) fn get(&self, i: u32) -> Option<&RecLock> {
        self.slots
            .get(i as usize)
            .filter(|s| s.live)
            .map(|s| &s.lock)
    }

    /// Where slot `i`'s lock comes in the order asked (of every lock ever
    /// asked: comparable with another lock's, not a position).
    pub(super) fn asked(&self, i: u32) -> u64 {
        self.slots.get(i as usize).map_or(u64::MAX, |s| s.asked)
    }

    /// The position of slot `i`'s lock among the locks held and waiting,
    /// in the order asked.
    pub(super) fn position(&self, i: u32) -> usize {
        let at = self.asked(i);
        self.slots.iter().filter(|s| s.live && s.asked < at).count()
    }

    /// Grants the waiting request in slot `i`.
    pub(super) fn grant(&mut self, i: u32) {
        if let Some(s) = self.slots.get_mut(i as usize).filter(|s| s.live) {
            s.lock.waiting = false;
            self.waiting.retain(|w| *w != i);
        }
    }

    /// The slots of the waiting requests, in the order asked.
    pub(super) fn waiting(&self) -> &[u32] {
        &self.waiting
    }

    /// Every lock, in the order asked.
    pub(super) fn in_order(&self) -> Vec<&RecLock> {
        let mut live: Vec<&Slot> = self.slots.iter().filter(|s| s.live).collect();
        live.sort_unstable_by_key(|s| s.asked);
        live.into_iter().map(|s| &s.lock).collect()
    }
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

    fn lock(tx: Tx, id: i64, waiting: bool) -> RecLock {
        RecLock {
            tx,
            id,
            x: true,
            kind: Kind::Record,
            waiting,
            st: 0,
        }
    }

    /// The locks on `id` as (transaction, waiting).
    fn on(t: &LockTable, id: i64) -> Vec<(Tx, bool)> {
        t.on(id).map(|(_, l)| (l.tx, l.waiting)).collect()
    }

    #[test]
    fn the_table_keeps_the_order_asked_by_record_and_in_all() {
        let mut t = LockTable::default();
        t.push(lock(1, 5, false));
        t.push(lock(2, 7, false));
        t.push(lock(2, 5, true));
        t.push(lock(3, 5, true));
        assert_eq!(on(&t, 5), [(1, false), (2, true), (3, true)]);
        // Transaction 1's end lets the first waiting request in.
        t.release(1);
        assert_eq!(on(&t, 5), [(2, true), (3, true)]);
        let first = t.waiting()[0];
        t.grant(first);
        assert_eq!(on(&t, 5), [(2, false), (3, true)]);
        assert_eq!(t.waiting().len(), 1);
        // A lock asked now takes a released slot, and still comes last.
        t.push(lock(4, 5, false));
        assert_eq!(on(&t, 5), [(2, false), (3, true), (4, false)]);
        let all: Vec<(Tx, i64)> = t.in_order().iter().map(|l| (l.tx, l.id)).collect();
        assert_eq!(all, [(2, 7), (2, 5), (3, 5), (4, 5)]);
        let last = t.on(5).map(|(i, _)| i).last();
        assert_eq!(last.map(|i| t.position(i)), Some(3));
        // A record's locks go together; a transaction's end leaves the rest.
        let taken = t.take_record(5);
        assert_eq!(taken.len(), 3);
        assert!(on(&t, 5).is_empty() && t.waiting().is_empty());
        t.release(2);
        assert!(t.in_order().is_empty());
        t.release(9);
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
