//! The anomaly of a run's history, kept up to date as the run advances:
//! each transaction's reads, writes and scans are turned into dependencies
//! once, when it commits, and each graph a kind of cycle may use keeps
//! where every transaction leads (its transitive closure) as dependencies
//! are added, noting the kinds of cycle closed so far. A dependency that
//! adds no new reachable pair costs a bit test; over a whole run the
//! closures grow by at most one bit per pair of transactions, so that the
//! cycle part of judging costs, in all, a term cubic in the number of
//! transactions over 64, and judging a step costs the events new since
//! the last one. It gives the same
//! anomaly as [`analysis::verdict`](super::analysis::verdict) on the same
//! database; where a history does something that would make a dependency
//! found earlier go away (two committed writers replacing one version, or
//! a condition judged on a row version its writer may still change), it
//! judges from scratch from then on.

use super::analysis::{has, judge, put, Anomaly, Bits, Dep, Kind, QuickSet};
use super::db::{Event, Recorded, Tx, TxState};
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
    /// The committed transactions' scans with a condition, and those
    /// without (which only a write that adds or removes a row can change).
    scans: Vec<Scan>,
    whole_scans: Vec<Scan>,
    /// The committed transactions' writes, and those of them that add or
    /// remove a row, each in commit order (a scan need only look at those
    /// committed after its snapshot).
    writes: Vec<Write>,
    moves: Vec<Write>,
    /// Reads that show an anomaly for good, and reads that may, by
    /// position in the history: the reader, the version.
    bad: Vec<(usize, Tx, usize)>,
    suspect: Vec<(usize, Tx, usize)>,
    /// Successors per kind of dependency.
    next: [Vec<Bits>; 4],
    /// Predecessors per kind of dependency.
    into: [Vec<Bits>; 4],
    /// Where each transaction leads in each graph of [`GRAPHS`].
    reach: [Vec<Bits>; 4],
    /// The rules of [`RULES`] whose cycle the dependencies close.
    closes: [bool; 5],
    /// Overwrites and read-write dependencies, for the lost update.
    overwrites: QuickSet<(Tx, Tx, i64)>,
    read_writes: QuickSet<(Tx, Tx, i64)>,
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

/// The graphs a kind of cycle may use, by the kinds (slots) they hold:
/// overwrites; the flow of values (overwrites and reads); the items
/// (and read-write dependencies); everything (and predicates).
const GRAPHS: [&[usize]; 4] = [&[0], &[0, 1], &[0, 1, 2], &[0, 1, 2, 3]];

/// The kinds of cycle, in the verdict's order: the anomaly, the kinds its
/// first dependency may be of, and the graph that must lead back.
const RULES: [(Anomaly, &[usize], usize); 5] = [
    (Anomaly::DirtyWrite, &[0], 0),
    (Anomaly::CircularFlow, &[0, 1], 1),
    (Anomaly::ReadSkew, &[2], 1),
    (Anomaly::WriteSkew, &[2], 2),
    (Anomaly::Phantom, &[3], 3),
];

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
    pub fn anomaly(&mut self, db: &dyn Recorded) -> Option<Anomaly> {
        if !self.scratch {
            self.file(db);
            self.settle(db);
        }
        if self.scratch {
            let (v, work) = judge(db);
            self.work += work;
            return v.anomaly;
        }
        self.bad_read(db).or_else(|| self.cycle())
    }

    /// Files the events new since the last call under their transaction.
    fn file(&mut self, db: &dyn Recorded) {
        let n = db.txs().len();
        let words = n.div_ceil(64);
        self.events.resize(n, Vec::new());
        self.seen.resize(n, None);
        self.parked.resize(n, Vec::new());
        for sets in self
            .next
            .iter_mut()
            .chain(&mut self.into)
            .chain(&mut self.reach)
        {
            sets.resize(n, Vec::new());
            for s in sets.iter_mut() {
                s.resize(words, 0);
            }
        }
        self.replaced_by.resize(db.row_count(), None);
        self.readers.resize(db.row_count(), Vec::new());
        for (p, e) in db.events().iter_from(self.cursor) {
            self.work += 1;
            let tx = match e {
                Event::Scan { tx, .. } | Event::Read { tx, .. } | Event::Write { tx, .. } => *tx,
            };
            if let Some(list) = self.events.get_mut(tx) {
                list.push(p);
            }
        }
        self.cursor = db.events().len();
    }

    /// Takes in the transactions that ended since the last call.
    fn settle(&mut self, db: &dyn Recorded) {
        for t in 0..db.txs().len() {
            let state = db.txs()[t].0;
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
        self.link(d.from, d.to, slot(d.kind));
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
    fn commit(&mut self, db: &dyn Recorded, t: Tx) {
        for d in std::mem::take(&mut self.parked[t]) {
            self.add(d);
        }
        let seq = db.txs()[t].1;
        for p in std::mem::take(&mut self.events[t]) {
            match &db.events()[p] {
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
    fn write(
        &mut self,
        db: &dyn Recorded,
        t: Tx,
        seq: u64,
        old: Option<usize>,
        new: Option<usize>,
    ) {
        if let Some(v) = old {
            if self.replaced_by[v].is_some() {
                // A second committed writer of one version.
                self.scratch = true;
                return;
            }
            self.replaced_by[v] = Some(t);
            let row = db.row(v);
            self.add(Dep {
                from: row.xmin,
                to: t,
                kind: Kind::WriteWrite,
                id: row.id,
            });
            let readers = std::mem::take(&mut self.readers[v]);
            for &r in &readers {
                self.add(Dep {
                    from: r,
                    to: t,
                    kind: Kind::ReadWrite,
                    id: row.id,
                });
            }
            self.readers[v] = readers;
        }
        let w = (t, seq, old, new);
        let moves = old.is_some() != new.is_some();
        let scans = std::mem::take(&mut self.scans);
        for scan in &scans {
            self.predicate(db, scan, w);
        }
        self.scans = scans;
        if moves {
            let scans = std::mem::take(&mut self.whole_scans);
            for scan in &scans {
                self.predicate(db, scan, w);
            }
            self.whole_scans = scans;
            let at = self.moves.partition_point(|x| x.1 <= seq);
            self.moves.insert(at, w);
        }
        let at = self.writes.partition_point(|x| x.1 <= seq);
        self.writes.insert(at, w);
    }

    /// A committed read: from whom, and to whom if its version was
    /// replaced; and whether it shows a bad read.
    fn read(&mut self, db: &dyn Recorded, t: Tx, p: usize, v: usize) {
        let row = db.row(v);
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
    fn scan(&mut self, db: &dyn Recorded, scan: Scan) {
        // The writes committed at or before the snapshot are left out by
        // `predicate` anyway.
        let snap = scan.2;
        if scan.1.is_some() {
            for k in self.writes.partition_point(|x| x.1 <= snap)..self.writes.len() {
                let w = self.writes[k];
                self.predicate(db, &scan, w);
            }
            self.scans.push(scan);
        } else {
            for k in self.moves.partition_point(|x| x.1 <= snap)..self.moves.len() {
                let w = self.moves[k];
                self.predicate(db, &scan, w);
            }
            self.whole_scans.push(scan);
        }
    }

    /// The predicate dependency of a scan on a write it did not see that
    /// moves a row in or out of its condition.
    fn predicate(&mut self, db: &dyn Recorded, scan: &Scan, w: Write) {
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
            v.is_some_and(|v| db.txs().get(db.row(v).xmin).map(|x| x.0) == Some(TxState::Running))
        };
        if running(old) || running(new) {
            self.scratch = true;
            return;
        }
        let matches = |v: Option<usize>| super::analysis::matches_filter(db, filter.as_ref(), v);
        if matches(old) != matches(new) {
            let id = old.or(new).map(|v| db.row(v).id).unwrap_or(0);
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
    fn bad_read(&mut self, db: &dyn Recorded) -> Option<Anomaly> {
        let mut first: Option<(usize, Anomaly)> = None;
        for &(p, _, v) in self.bad.iter().chain(&self.suspect) {
            self.work += 1;
            let row = db.row(v);
            let found = match db.txs().get(row.xmin).map(|x| x.0) {
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
    fn cycle(&self) -> Option<Anomaly> {
        for (k, (anomaly, _, _)) in RULES.iter().enumerate() {
            if k == 2 && self.lost_update {
                return Some(Anomaly::LostUpdate);
            }
            if self.closes[k] {
                return Some(*anomaly);
            }
        }
        None
    }

    /// Adds the dependency `u -> v` of kind `kind` (a slot), growing the
    /// closures of the graphs that hold it and noting the cycles closed.
    fn link(&mut self, u: Tx, v: Tx, kind: usize) {
        if has(&self.next[kind][u], v) {
            return;
        }
        put(&mut self.next[kind][u], v);
        put(&mut self.into[kind][v], u);
        // A first dependency whose end already leads back to its start.
        for (r, (_, first, g)) in RULES.iter().enumerate() {
            if first.contains(&kind) && has(&self.reach[*g][v], u) {
                self.closes[r] = true;
            }
        }
        for (g, kinds) in GRAPHS.iter().enumerate() {
            if kinds.contains(&kind) && !has(&self.reach[g][u], v) {
                self.grow(g, u, v);
            }
        }
    }

    /// Graph `g` gained `u -> v`, and `u` did not lead to `v`: every
    /// transaction that leads to `u` (and `u`) now leads to `v` and where
    /// `v` leads. A transaction `x` newly leading to `y` closes a rule's
    /// cycle if a first dependency of that rule runs from `y` to `x`.
    fn grow(&mut self, g: usize, u: Tx, v: Tx) {
        let mut gained = self.reach[g][v].clone();
        put(&mut gained, v);
        for x in 0..self.reach[g].len() {
            if x != u && !has(&self.reach[g][x], u) {
                continue;
            }
            self.work += gained.len() as u64;
            let row = &mut self.reach[g][x];
            let fresh: Bits = gained.iter().zip(row.iter()).map(|(a, b)| a & !b).collect();
            if fresh.iter().all(|w| *w == 0) {
                continue;
            }
            for (a, b) in row.iter_mut().zip(&fresh) {
                *a |= b;
            }
            for (r, (_, first, rg)) in RULES.iter().enumerate() {
                if *rg != g || self.closes[r] {
                    continue;
                }
                let back = first
                    .iter()
                    .any(|&k| self.into[k][x].iter().zip(&fresh).any(|(a, b)| a & b != 0));
                self.closes[r] |= back;
            }
        }
    }
}

#[cfg(test)]
#[path = "tracker_tests.rs"]
mod tracker_tests;
