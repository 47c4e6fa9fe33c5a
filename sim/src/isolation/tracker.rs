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

use super::analysis::{has, judge, put, Anomaly, Bits, Dep, Kind};
use super::db::{Event, Recorded, Tx, TxState};
use super::sql::Pred;

/// A write of a committed transaction: who, its commit, the version it
/// replaced and the one it made ([`NONE`]: no row). Kept in 32 bits each,
/// as the events it is filed from: a history within the lab's link limit
/// has a few tens of thousands of entries at most.
#[derive(Debug, Clone, Copy)]
struct Write {
    tx: u32,
    seq: u32,
    old: u32,
    new: u32,
}

/// No version: the write of an insert replaced none, a delete's made none.
const NONE: u32 = u32::MAX;

/// A version number as the tracker files it.
fn small(v: Option<usize>) -> u32 {
    v.map_or(NONE, |v| v as u32)
}

/// A version number as filed, back.
fn version(v: u32) -> Option<usize> {
    (v != NONE).then_some(v as usize)
}

/// A condition that committed scans used (`None`: every row), with those
/// scans and the committed writes that move a row in or out of it. A
/// write is compared with each condition once, not with each scan, and a
/// scan only meets the writes that cross its condition.
#[derive(Debug, Clone)]
struct Cond {
    pred: Option<Pred>,
    /// Whether the condition reads the value (else only the key, which an
    /// update keeps).
    uses_value: bool,
    /// The scans: who, and the snapshot they read.
    scans: Vec<(Tx, u64)>,
    /// The writes that cross it, in commit order.
    crossing: Vec<Write>,
    /// Whether each row version matches it, once known (0: not yet
    /// asked; 1: no; 2: yes). Asked only of versions whose writer has
    /// ended, whose value no longer changes.
    matched: Vec<u8>,
}

impl Cond {
    /// Whether version `v` (none: no row) matches the condition; `row` is
    /// its key and value if already at hand.
    fn matches(&mut self, db: &dyn Recorded, v: Option<usize>, row: Option<(i64, i64)>) -> bool {
        let Some(v) = v else {
            return false;
        };
        let Some(pred) = &self.pred else {
            return true;
        };
        if self.matched.len() <= v {
            self.matched.resize(db.row_count().max(v + 1), 0);
        }
        match self.matched[v] {
            0 => {
                let (id, value) = row.unwrap_or_else(|| {
                    let r = db.row(v);
                    (r.id, r.value)
                });
                let yes = pred.eval(id, value).unwrap_or(false);
                self.matched[v] = 1 + u8::from(yes);
                yes
            }
            known => known == 2,
        }
    }

    /// Whether write `w` moves a row in or out of the condition; `made` is
    /// the key and value of the version it made, if already at hand.
    fn crossed_by(&mut self, db: &dyn Recorded, w: Write, made: Option<(i64, i64)>) -> bool {
        if !self.uses_value && w.old != NONE && w.new != NONE {
            return false;
        }
        self.matches(db, version(w.old), None) != self.matches(db, version(w.new), made)
    }
}

/// The dependencies found so far and what is needed to find the next ones.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    /// How far into the history the events have been filed.
    cursor: usize,
    /// Each transaction's events, as filed.
    events: Vec<Vec<Filed>>,
    /// Each row version's key and writer, which never change.
    keys: Vec<(i64, Tx)>,
    /// Each transaction's state as last seen (`None`: running).
    seen: Vec<Option<TxState>>,
    /// Dependencies waiting for their earlier transaction to commit.
    parked: Vec<Vec<Dep>>,
    /// Each version's committed writer.
    replaced_by: Vec<Option<Tx>>,
    /// Each version's committed readers, as the first of a chain in
    /// `reads` (whose entries are a reader and the next entry).
    first_reader: Vec<u32>,
    reads: Vec<(Tx, u32)>,
    /// The conditions of the committed scans.
    conds: Vec<Cond>,
    /// The committed transactions' writes, in commit order (a scan need
    /// only look at those committed after its snapshot).
    writes: Vec<Write>,
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
    /// Pairs of transactions with an overwrite one way and a read-write
    /// dependency the other, whose rows are still to be looked at for a
    /// lost update; and whether one was found.
    lost_pairs: Vec<(Tx, Tx)>,
    lost_update: bool,
    /// Whether the run is judged from scratch from now on.
    scratch: bool,
    /// Room reused by [`Tracker::grow`].
    gained: Bits,
    fresh: Bits,
    work: u64,
}

/// Adds `w` to `list`, kept in commit order, after the writes of its own
/// commit: at the end, unless a later commit was taken in first.
fn in_commit_order(list: &mut Vec<Write>, w: Write) {
    if list.last().is_none_or(|x| x.seq <= w.seq) {
        list.push(w);
    } else {
        let at = list.partition_point(|x| x.seq <= w.seq);
        list.insert(at, w);
    }
}

/// An event of a transaction as it is filed: a read (its position in the
/// history, the version), a write (the version replaced, the one made),
/// or a scan (its position in the history, where its condition is).
#[derive(Debug, Clone, Copy)]
enum Filed {
    Read(u32, u32),
    Write(u32, u32),
    Scan(u32),
}

/// The end of a chain of readers.
const NO_READER: u32 = u32::MAX;

/// The graphs a kind of cycle may use, by the kinds they hold (by
/// [`Kind::index`]): overwrites; the flow of values (overwrites and
/// reads); the items (and read-write dependencies); everything (and
/// predicates).
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
        for (a, b) in std::mem::take(&mut self.lost_pairs) {
            self.work += self.events.get(a).map_or(0, Vec::len) as u64;
            self.lost_update = self.lost_update || self.lost_rows(a, b);
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
        self.first_reader.resize(db.row_count(), NO_READER);
        db.keys_from(self.keys.len(), &mut self.keys);
        let (mut reads, mut writes) = (0, 0);
        for (p, e) in db.events().iter_from(self.cursor) {
            self.work += 1;
            let (tx, filed) = match e {
                Event::Scan { tx, .. } => (*tx, Filed::Scan(p as u32)),
                Event::Read { tx, version } => {
                    reads += 1;
                    (*tx, Filed::Read(p as u32, *version as u32))
                }
                Event::Write { tx, old, new } => {
                    writes += 1;
                    (*tx, Filed::Write(small(*old), small(*new)))
                }
            };
            if let Some(list) = self.events.get_mut(tx) {
                list.push(filed);
            }
        }
        // Room for what the new events may add, grown once.
        self.writes.reserve(writes);
        self.reads.reserve(reads);
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
        let kind = d.kind.index();
        // Known already between these two transactions: only a lost
        // update may still be new.
        if self.next[kind].get(d.from).is_some_and(|b| has(b, d.to)) {
            self.note_lost_pair(d);
            return;
        }
        if d.from == d.to || !self.committed(d.to) {
            return;
        }
        if !self.committed(d.from) {
            if let Some(p) = self.parked.get_mut(d.from) {
                p.push(d);
            }
            return;
        }
        self.link(d.from, d.to, kind);
        self.note_lost_pair(d);
    }

    /// Notes the two transactions of an overwrite or a read-write
    /// dependency when the reverse one of the other kind runs between
    /// them: a lost update may be among their rows, looked for at the end
    /// of the call ([`Tracker::lost_rows`]). `(a, b)`: `a` read a row `b`
    /// then replaced, and wrote over `b`'s version.
    fn note_lost_pair(&mut self, d: Dep) {
        if self.lost_update {
            return;
        }
        let (a, b, reverse) = match d.kind {
            Kind::WriteWrite => (d.to, d.from, Kind::ReadWrite.index()),
            Kind::ReadWrite => (d.from, d.to, Kind::WriteWrite.index()),
            _ => return,
        };
        let both = match d.kind {
            Kind::WriteWrite => has(&self.next[reverse][a], b),
            _ => has(&self.next[reverse][b], a),
        };
        if both && !self.lost_pairs.contains(&(a, b)) {
            self.lost_pairs.push((a, b));
        }
    }

    /// Whether transaction `a` read a row's version that `b` replaced, and
    /// also wrote over `b`'s version of that row: a lost update. Both have
    /// committed.
    fn lost_rows(&self, a: Tx, b: Tx) -> bool {
        let Some(events) = self.events.get(a) else {
            return false;
        };
        let mut read: Vec<i64> = events
            .iter()
            .filter_map(|f| match *f {
                Filed::Read(_, v) if self.replaced_by.get(v as usize) == Some(&Some(b)) => {
                    self.keys.get(v as usize).map(|k| k.0)
                }
                _ => None,
            })
            .collect();
        read.sort_unstable();
        events.iter().any(|f| match *f {
            Filed::Write(old, _) if old != NONE => self
                .keys
                .get(old as usize)
                .is_some_and(|&(id, xmin)| xmin == b && read.binary_search(&id).is_ok()),
            _ => false,
        })
    }

    /// Takes in transaction `t`'s commit: the dependencies waiting for it,
    /// and those of its events.
    fn commit(&mut self, db: &dyn Recorded, t: Tx) {
        for d in std::mem::take(&mut self.parked[t]) {
            self.add(d);
        }
        let seq = db.txs()[t].1;
        let list = std::mem::take(&mut self.events[t]);
        for &filed in &list {
            match filed {
                Filed::Write(old, new) => self.write(db, t, seq, old, new),
                Filed::Read(p, v) => self.read(db, t, p as usize, v as usize),
                Filed::Scan(p) => {
                    if let Some(Event::Scan {
                        filter, seq: snap, ..
                    }) = db.events().get(p as usize)
                    {
                        self.scan(db, t, filter, *snap);
                    }
                }
            }
            if self.scratch {
                return;
            }
        }
        // Kept for the lost update's rows.
        self.events[t] = list;
    }

    /// A committed write: the overwrite, the readers of the version it
    /// replaced, and the committed scans it changed the answer of.
    fn write(&mut self, db: &dyn Recorded, t: Tx, seq: u64, old_v: u32, new_v: u32) {
        let (old, new) = (version(old_v), version(new_v));
        // A version whose writer is still running may still change: a
        // condition cannot be judged on it yet.
        let running = |v: usize| {
            let writer = self.keys.get(v).map_or(0, |k| k.1);
            db.txs().get(writer).map(|x| x.0) == Some(TxState::Running)
        };
        if old.is_some_and(running) || new.is_some_and(running) {
            self.scratch = true;
            return;
        }
        if let Some(v) = old {
            if self.replaced_by[v].is_some() {
                // A second committed writer of one version.
                self.scratch = true;
                return;
            }
            self.replaced_by[v] = Some(t);
            let (id, xmin) = self.keys[v];
            self.add(Dep {
                from: xmin,
                to: t,
                kind: Kind::WriteWrite,
                id,
            });
            let mut at = self.first_reader[v];
            while let Some(&(r, next)) = self.reads.get(at as usize) {
                self.add(Dep {
                    from: r,
                    to: t,
                    kind: Kind::ReadWrite,
                    id,
                });
                at = next;
            }
        }
        let w = Write {
            tx: t as u32,
            seq: seq as u32,
            old: old_v,
            new: new_v,
        };
        // The version made, read once for every condition on the value.
        let made = new
            .filter(|_| self.conds.iter().any(|c| c.uses_value))
            .map(|v| {
                let r = db.row(v);
                (r.id, r.value)
            });
        let mut conds = std::mem::take(&mut self.conds);
        for c in &mut conds {
            self.work += 1;
            if !c.crossed_by(db, w, made) {
                continue;
            }
            in_commit_order(&mut c.crossing, w);
            for &(tx, snap) in &c.scans {
                self.predicate(tx, snap, w);
            }
        }
        self.conds = conds;
        in_commit_order(&mut self.writes, w);
    }

    /// A committed read: from whom, and to whom if its version was
    /// replaced; and whether it shows a bad read.
    fn read(&mut self, db: &dyn Recorded, t: Tx, p: usize, v: usize) {
        let (id, xmin) = self.keys[v];
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
        self.reads.push((t, self.first_reader[v]));
        self.first_reader[v] = (self.reads.len() - 1) as u32;
        if xmin != t {
            if !self.committed(xmin) {
                self.suspect.push((p, t, v));
            } else if db.row(v).xmax == Some(xmin) {
                self.bad.push((p, t, v));
            }
        }
    }

    /// A committed scan, against the committed writes that cross its
    /// condition after its snapshot.
    fn scan(&mut self, db: &dyn Recorded, tx: Tx, filter: &Option<Pred>, snap: u64) {
        let k = match self.conds.iter().position(|c| &c.pred == filter) {
            Some(k) => k,
            None => {
                let mut c = Cond {
                    uses_value: filter.as_ref().is_some_and(Pred::uses_value),
                    pred: filter.clone(),
                    scans: Vec::new(),
                    crossing: Vec::new(),
                    matched: Vec::new(),
                };
                for &w in &self.writes {
                    self.work += 1;
                    if c.crossed_by(db, w, None) {
                        c.crossing.push(w);
                    }
                }
                self.conds.push(c);
                self.conds.len() - 1
            }
        };
        let c = &mut self.conds[k];
        c.scans.push((tx, snap));
        let from = c.crossing.partition_point(|x| u64::from(x.seq) <= snap);
        let crossing = std::mem::take(&mut c.crossing);
        for &w in &crossing[from..] {
            self.predicate(tx, snap, w);
        }
        self.conds[k].crossing = crossing;
    }

    /// The predicate dependency of a scan on a write it did not see that
    /// moves a row in or out of its condition.
    fn predicate(&mut self, tx: Tx, snap: u64, w: Write) {
        self.work += 1;
        let wt = w.tx as Tx;
        if wt != tx && u64::from(w.seq) > snap {
            self.add(Dep {
                from: tx,
                to: wt,
                kind: Kind::Predicate,
                id: 0,
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

    /// Adds the dependency `u -> v` of kind `kind` (its [`Kind::index`]), growing the
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
        // Two buffers kept from call to call: what `u` now leads to, and
        // what one transaction newly leads to.
        let mut gained = std::mem::take(&mut self.gained);
        gained.clear();
        gained.extend_from_slice(&self.reach[g][v]);
        put(&mut gained, v);
        let mut fresh = std::mem::take(&mut self.fresh);
        for x in 0..self.reach[g].len() {
            if x != u && !has(&self.reach[g][x], u) {
                continue;
            }
            self.work += gained.len() as u64;
            let row = &mut self.reach[g][x];
            fresh.clear();
            fresh.extend(gained.iter().zip(row.iter()).map(|(a, b)| a & !b));
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
        self.gained = gained;
        self.fresh = fresh;
    }
}

#[cfg(test)]
#[path = "tracker_tests.rs"]
mod tracker_tests;
