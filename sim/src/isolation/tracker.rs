//! The anomaly of a run's history, kept up to date as the run advances:
//! each transaction's reads, writes and scans are turned into dependencies
//! once, when it commits, and the dependencies are kept as sets of
//! successors between transactions, so that judging a step costs the
//! events new since the last one plus a term cubic in the number of
//! transactions (a few hundred at most, over 64). It gives the same
//! anomaly as [`analysis::verdict`](super::analysis::verdict) on the same
//! database; where a history does something that would make a dependency
//! found earlier go away (two committed writers replacing one version, or
//! a condition judged on a row version its writer may still change), it
//! judges from scratch from then on.

use std::collections::HashSet;

use super::analysis::{has, judge, put, Anomaly, Bits, Dep, Kind};
use super::pg::{Db, Event, Tx, TxState};
use super::sql::Pred;

/// A scan of a committed transaction: who, its condition, its snapshot.
type Scan = (Tx, Option<Pred>, u64);

/// A write of a committed transaction: who, its commit, the version it
/// replaced and the one it made.
type Write = (Tx, u64, Option<usize>, Option<usize>);

/// The dependencies found so far and what is needed to find the next ones.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    /// How far into the history the events have been filed.
    cursor: usize,
    /// Each transaction's events (positions in the history).
    events: Vec<Vec<usize>>,
    /// Each transaction's state as last seen (`None`: running).
    seen: Vec<Option<TxState>>,
    /// Dependencies waiting for their earlier transaction to commit.
    parked: Vec<Vec<Dep>>,
    /// Each version's committed writer, and its committed readers.
    replaced_by: Vec<Option<Tx>>,
    readers: Vec<Vec<Tx>>,
    /// The committed transactions' scans and writes.
    scans: Vec<Scan>,
    writes: Vec<Write>,
    /// Reads that show an anomaly for good, and reads that may, by
    /// position in the history: the reader, the version.
    bad: Vec<(usize, Tx, usize)>,
    suspect: Vec<(usize, Tx, usize)>,
    /// Successors per kind of dependency.
    next: [Vec<Bits>; 4],
    /// Overwrites and read-write dependencies, for the lost update.
    overwrites: HashSet<(Tx, Tx, i64)>,
    read_writes: HashSet<(Tx, Tx, i64)>,
    lost_update: bool,
    /// Whether the run is judged from scratch from now on.
    scratch: bool,
    work: u64,
}

/// The index of a kind in [`Tracker::next`].
fn slot(k: Kind) -> usize {
    match k {
        Kind::WriteWrite => 0,
        Kind::WriteRead => 1,
        Kind::ReadWrite => 2,
        Kind::Predicate => 3,
    }
}

impl Tracker {
    /// A tracker that has seen nothing.
    pub fn new() -> Tracker {
        Tracker::default()
    }

    /// The operations judging has taken so far: events filed, writes
    /// compared with scans, dependencies added, words of successor sets
    /// combined, or those of [`judge`] where the run is judged from
    /// scratch.
    pub fn work(&self) -> u64 {
        self.work
    }

    /// The anomaly of `db`'s history, as [`judge`] finds it. `db` must be
    /// the database of the previous call, advanced.
    pub fn anomaly(&mut self, db: &Db) -> Option<Anomaly> {
        if !self.scratch {
            self.file(db);
            self.settle(db);
        }
        if self.scratch {
            let (v, work) = judge(db);
            self.work += work;
            return v.anomaly;
        }
        self.bad_read(db).or_else(|| self.cycle(db.txs.len()))
    }

    /// Files the events new since the last call under their transaction.
    fn file(&mut self, db: &Db) {
        let n = db.txs.len();
        let words = n.div_ceil(64);
        self.events.resize(n, Vec::new());
        self.seen.resize(n, None);
        self.parked.resize(n, Vec::new());
        for next in &mut self.next {
            next.resize(n, Vec::new());
            for s in next.iter_mut() {
                s.resize(words, 0);
            }
        }
        self.replaced_by.resize(db.heap.len(), None);
        self.readers.resize(db.heap.len(), Vec::new());
        for (p, e) in db.history.iter().enumerate().skip(self.cursor) {
            self.work += 1;
            let tx = match e {
                Event::Scan { tx, .. } | Event::Read { tx, .. } | Event::Write { tx, .. } => *tx,
            };
            if let Some(list) = self.events.get_mut(tx) {
                list.push(p);
            }
        }
        self.cursor = db.history.len();
    }

    /// Takes in the transactions that ended since the last call.
    fn settle(&mut self, db: &Db) {
        for t in 0..db.txs.len() {
            let state = db.txs[t].0;
            if state == TxState::Running || self.seen[t].is_some() {
                continue;
            }
            self.seen[t] = Some(state);
            if state == TxState::Committed {
                self.commit(db, t);
            } else {
                self.parked[t].clear();
            }
            if self.scratch {
                return;
            }
        }
    }

    fn committed(&self, t: Tx) -> bool {
        matches!(self.seen.get(t), Some(Some(TxState::Committed)))
    }

    /// Adds `d` if both its transactions are taken in as committed, else
    /// keeps it until the earlier one is.
    fn add(&mut self, d: Dep) {
        self.work += 1;
        if d.from == d.to || !self.committed(d.to) {
            return;
        }
        if !self.committed(d.from) {
            if let Some(p) = self.parked.get_mut(d.from) {
                p.push(d);
            }
            return;
        }
        put(&mut self.next[slot(d.kind)][d.from], d.to);
        let key = (d.from, d.to, d.id);
        match d.kind {
            Kind::WriteWrite => {
                self.overwrites.insert(key);
                self.lost_update |= self.read_writes.contains(&(d.to, d.from, d.id));
            }
            Kind::ReadWrite => {
                self.read_writes.insert(key);
                self.lost_update |= self.overwrites.contains(&(d.to, d.from, d.id));
            }
            _ => {}
        }
    }

    /// Takes in transaction `t`'s commit: the dependencies waiting for it,
    /// and those of its events.
    fn commit(&mut self, db: &Db, t: Tx) {
        for d in std::mem::take(&mut self.parked[t]) {
            self.add(d);
        }
        let seq = db.txs[t].1;
        for p in std::mem::take(&mut self.events[t]) {
            match &db.history[p] {
                Event::Write { old, new, .. } => self.write(db, t, seq, *old, *new),
                Event::Read { version, .. } => self.read(db, t, p, *version),
                Event::Scan {
                    filter, seq: snap, ..
                } => {
                    self.scan(db, (t, filter.clone(), *snap));
                }
            }
            if self.scratch {
                return;
            }
        }
    }

    /// A committed write: the overwrite, the readers of the version it
    /// replaced, and the committed scans it changed the answer of.
    fn write(&mut self, db: &Db, t: Tx, seq: u64, old: Option<usize>, new: Option<usize>) {
        if let Some(v) = old {
            if self.replaced_by[v].is_some() {
                // A second committed writer of one version.
                self.scratch = true;
                return;
            }
            self.replaced_by[v] = Some(t);
            let row = &db.heap[v];
            self.add(Dep {
                from: row.xmin,
                to: t,
                kind: Kind::WriteWrite,
                id: row.id,
            });
            for r in self.readers[v].clone() {
                self.add(Dep {
                    from: r,
                    to: t,
                    kind: Kind::ReadWrite,
                    id: row.id,
                });
            }
        }
        let w = (t, seq, old, new);
        for k in 0..self.scans.len() {
            let scan = self.scans[k].clone();
            self.predicate(db, &scan, w);
        }
        self.writes.push(w);
    }

    /// A committed read: from whom, and to whom if its version was
    /// replaced; and whether it shows a bad read.
    fn read(&mut self, db: &Db, t: Tx, p: usize, v: usize) {
        let row = &db.heap[v];
        let (xmin, id) = (row.xmin, row.id);
        self.add(Dep {
            from: xmin,
            to: t,
            kind: Kind::WriteRead,
            id,
        });
        if let Some(w) = self.replaced_by[v] {
            self.add(Dep {
                from: t,
                to: w,
                kind: Kind::ReadWrite,
                id,
            });
        }
        self.readers[v].push(t);
        if xmin != t {
            if !self.committed(xmin) {
                self.suspect.push((p, t, v));
            } else if row.xmax == Some(xmin) {
                self.bad.push((p, t, v));
            }
        }
    }

    /// A committed scan, against the committed writes.
    fn scan(&mut self, db: &Db, scan: Scan) {
        for k in 0..self.writes.len() {
            let w = self.writes[k];
            self.predicate(db, &scan, w);
        }
        self.scans.push(scan);
    }

    /// The predicate dependency of a scan on a write it did not see that
    /// moves a row in or out of its condition.
    fn predicate(&mut self, db: &Db, scan: &Scan, w: Write) {
        self.work += 1;
        let (tx, filter, snap) = scan;
        let (wt, at, old, new) = w;
        if wt == *tx || at <= *snap {
            return;
        }
        if filter.is_none() && old.is_some() == new.is_some() {
            return;
        }
        // A version whose writer is still running may still change.
        let running = |v: Option<usize>| {
            v.is_some_and(|v| db.txs.get(db.heap[v].xmin).map(|x| x.0) == Some(TxState::Running))
        };
        if running(old) || running(new) {
            self.scratch = true;
            return;
        }
        let matches = |v: Option<usize>| super::analysis::matches_filter(db, filter.as_ref(), v);
        if matches(old) != matches(new) {
            let id = old.or(new).map(|v| db.heap[v].id).unwrap_or(0);
            self.add(Dep {
                from: *tx,
                to: wt,
                kind: Kind::Predicate,
                id,
            });
        }
    }

    /// The first read in the history that saw an aborted write or one its
    /// writer replaced.
    fn bad_read(&mut self, db: &Db) -> Option<Anomaly> {
        let mut first: Option<(usize, Anomaly)> = None;
        for &(p, _, v) in self.bad.iter().chain(&self.suspect) {
            self.work += 1;
            let row = &db.heap[v];
            let found = match db.txs.get(row.xmin).map(|x| x.0) {
                Some(TxState::Aborted) => Some(Anomaly::AbortedRead),
                _ if row.xmax == Some(row.xmin) => Some(Anomaly::IntermediateRead),
                _ => None,
            };
            if let Some(a) = found {
                if first.is_none_or(|(q, _)| p < q) {
                    first = Some((p, a));
                }
            }
        }
        first.map(|(_, a)| a)
    }

    /// The first kind of cycle, in the verdict's order, that the
    /// dependencies close.
    fn cycle(&mut self, n: usize) -> Option<Anomaly> {
        let union = |kinds: &[usize]| -> Vec<Bits> {
            (0..n)
                .map(|u| {
                    let mut s = self.next[kinds[0]][u].clone();
                    for &k in &kinds[1..] {
                        for (a, b) in s.iter_mut().zip(&self.next[k][u]) {
                            *a |= b;
                        }
                    }
                    s
                })
                .collect()
        };
        let ww = union(&[0]);
        let flow = union(&[0, 1]);
        let item = union(&[0, 1, 2]);
        let any = union(&[0, 1, 2, 3]);
        let rw = self.next[2].clone();
        let pred = self.next[3].clone();
        let rules: [(Anomaly, &Vec<Bits>, &Vec<Bits>); 5] = [
            (Anomaly::DirtyWrite, &ww, &ww),
            (Anomaly::CircularFlow, &flow, &flow),
            (Anomaly::ReadSkew, &rw, &flow),
            (Anomaly::WriteSkew, &rw, &item),
            (Anomaly::Phantom, &pred, &any),
        ];
        for (k, (anomaly, first, graph)) in rules.into_iter().enumerate() {
            if k == 2 && self.lost_update {
                return Some(Anomaly::LostUpdate);
            }
            if first.iter().any(|s| s.iter().any(|w| *w != 0)) {
                let reach = self.closure(graph);
                let closes = (0..n).any(|u| (0..n).any(|v| has(&first[u], v) && has(&reach[v], u)));
                if closes {
                    return Some(anomaly);
                }
            }
        }
        None
    }

    /// Where each transaction leads by one dependency or more.
    fn closure(&mut self, graph: &[Bits]) -> Vec<Bits> {
        let mut reach = graph.to_vec();
        for k in 0..reach.len() {
            for i in 0..reach.len() {
                if i != k && has(&reach[i], k) {
                    self.work += reach[k].len() as u64;
                    let via = reach[k].clone();
                    for (a, b) in reach[i].iter_mut().zip(&via) {
                        *a |= b;
                    }
                }
            }
        }
        reach
    }
}

#[cfg(test)]
#[path = "tracker_tests.rs"]
mod tracker_tests;
