//! What a schedule did, judged after the fact: the dependencies between the
//! committed transactions (Adya's write-write, write-read and read-write
//! edges, the last on items or on predicates), and the anomaly they show,
//! with the cycle that proves it; or "serializable" when there is none.
//!
//! The judgement takes time linear in the history and the dependencies,
//! plus the scans times the writes they may have missed, plus a term cubic
//! in the number of transactions (at most a few hundred): dependencies are
//! kept once each in a hash set, in the order they are first found; each
//! kind of cycle is looked for through reachability between transactions,
//! computed once per starting transaction and kept; the cycle shown as the
//! proof is then found by one breadth-first search. The judgement counts
//! its elementary operations ([`judge`]), which the tests bound.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use super::db::{Event, Recorded, Tx, TxState};
use super::sql::Pred;

/// A quick hash for small keys (transactions, row ids, kinds), for the
/// judgement's sets and InnoDB's lock table: a multiply and a rotate per
/// word. Nothing iterates these tables, so the hash decides no order; row
/// ids a link chose to collide would at worst make a lookup walk the
/// colliding keys, as many as the link's size allows.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Quick(u64);

impl Hasher for Quick {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }

    fn write_isize(&mut self, n: isize) {
        self.write_u64(n as u64);
    }
}

/// A set hashed with [`Quick`].
pub(super) type QuickSet<T> = HashSet<T, BuildHasherDefault<Quick>>;

/// A map hashed with [`Quick`].
pub(super) type QuickMap<K, V> = HashMap<K, V, BuildHasherDefault<Quick>>;

/// The kind of a dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// The later transaction overwrote the earlier one's version.
    WriteWrite,
    /// The later transaction read the earlier one's version.
    WriteRead,
    /// The earlier transaction read a version the later one replaced.
    ReadWrite,
    /// The later transaction changed which rows match the earlier one's
    /// condition, unseen by it.
    Predicate,
}

/// A dependency: `to` must come after `from` in any equivalent serial order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dep {
    /// The earlier transaction.
    pub from: Tx,
    /// The later one.
    pub to: Tx,
    /// Why.
    pub kind: Kind,
    /// The row it is about.
    pub id: i64,
}

/// The anomalies of the lab's catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anomaly {
    /// G0: a cycle of overwrites.
    DirtyWrite,
    /// G1a: a committed transaction read a version an aborted one wrote.
    AbortedRead,
    /// G1b: it read a version that its writer later overwrote.
    IntermediateRead,
    /// G1c: a cycle of writes and reads.
    CircularFlow,
    /// A read, then a concurrent transaction's overwrite, then this one's
    /// write on the same row.
    LostUpdate,
    /// G-single: a cycle with one read-write edge (read skew).
    ReadSkew,
    /// G2-item: a cycle of read-write edges on rows (write skew).
    WriteSkew,
    /// G2: a cycle through a predicate (phantom).
    Phantom,
}

impl Anomaly {
    /// The name people use, with Adya's.
    pub fn label(self) -> &'static str {
        match self {
            Anomaly::DirtyWrite => "dirty write (G0)",
            Anomaly::AbortedRead => "dirty read of an aborted write (G1a)",
            Anomaly::IntermediateRead => "intermediate read (G1b)",
            Anomaly::CircularFlow => "circular information flow (G1c)",
            Anomaly::LostUpdate => "lost update (P4)",
            Anomaly::ReadSkew => "read skew, non-repeatable read (G-single)",
            Anomaly::WriteSkew => "write skew (G2-item)",
            Anomaly::Phantom => "phantom, predicate anomaly (G2)",
        }
    }
}

/// The judgement of a history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The anomaly, or `None`: serializable.
    pub anomaly: Option<Anomaly>,
    /// The cycle (or the offending read) that proves it.
    pub proof: Vec<Dep>,
    /// Every dependency between committed transactions.
    pub deps: Vec<Dep>,
}

/// The dependencies between the committed transactions of `db`.
pub fn dependencies(db: &dyn Recorded) -> Vec<Dep> {
    dependencies_counted(db, &mut 0)
}

/// A committed write: who, its commit, the version it replaced and the
/// one it made.
type Write = (Tx, u64, Option<usize>, Option<usize>);

/// The key and value of the versions a write replaced and made.
type Rows = (Option<(i64, i64)>, Option<(i64, i64)>);

/// The writes among `writes` that move a row in or out of condition `f`
/// (in their order), found once per condition and kept in `known`; the
/// rows of the writes are read into `rows` the first time.
fn crossing<'k>(
    db: &dyn Recorded,
    f: &Pred,
    writes: &[Write],
    rows: &mut Vec<Rows>,
    known: &'k mut Vec<(Pred, Vec<Write>)>,
    work: &mut u64,
) -> &'k [Write] {
    let k = match known.iter().position(|(g, _)| g == f) {
        Some(k) => k,
        None => {
            if rows.len() < writes.len() {
                let at = |v: Option<usize>| {
                    v.map(|v| {
                        let r = db.row(v);
                        (r.id, r.value)
                    })
                };
                *rows = writes.iter().map(|w| (at(w.2), at(w.3))).collect();
            }
            let matches = |r: Option<(i64, i64)>| {
                r.is_some_and(|(id, value)| f.eval(id, value).unwrap_or(false))
            };
            // An update keeps the key: a condition on the key alone is
            // crossed only by inserts and deletes.
            let on_value = f.uses_value();
            let list = writes
                .iter()
                .zip(rows.iter())
                .filter(|&(_, &(old, new))| {
                    *work += 1;
                    if !on_value && old.is_some() && new.is_some() {
                        return false;
                    }
                    matches(old) != matches(new)
                })
                .map(|(w, _)| *w)
                .collect();
            known.push((f.clone(), list));
            known.len() - 1
        }
    };
    &known[k].1
}

/// The dependencies, in the order they are first found: the history's
/// events in order, and for a scan the writes in history order. Adds the
/// operations spent to `work`.
fn dependencies_counted(db: &dyn Recorded, work: &mut u64) -> Vec<Dep> {
    let states: Vec<bool> = db.txs().iter().map(|x| x.0 == TxState::Committed).collect();
    let committed = |t: Tx| states.get(t).copied().unwrap_or(false);
    let seq = |t: Tx| db.txs().get(t).map(|x| x.1).unwrap_or(0);
    // The dependencies found, each as two words (the transactions, below
    // 2^30 in any run, and the kind; then the row): half the room of the
    // dependency itself.
    let mut found: QuickSet<(u64, i64)> =
        QuickSet::with_capacity_and_hasher(db.events().len(), Default::default());
    let mut deps = Vec::with_capacity(db.events().len());
    let mut add = |d: Dep| {
        let key = ((d.from as u64) << 34) ^ ((d.to as u64) << 2) ^ d.kind as u64;
        if d.from != d.to && committed(d.from) && committed(d.to) && found.insert((key, d.id)) {
            deps.push(d);
        }
    };
    // Who replaced each version, and the committed writes in order.
    let mut replaced_by: Vec<Option<Tx>> = vec![None; db.row_count()];
    let mut writes = Vec::new();
    let mut rows: Vec<Rows> = Vec::new();
    // Those that add or remove a row: the only ones that can change the
    // answer of a scan without a condition.
    let mut moves = Vec::new();
    for e in db.events() {
        *work += 1;
        if let Event::Write { tx, old, new } = e {
            if committed(*tx) {
                if let Some(v) = old {
                    replaced_by[*v] = Some(*tx);
                }
                let w = (*tx, seq(*tx), *old, *new);
                writes.push(w);
                if old.is_some() != new.is_some() {
                    moves.push(w);
                }
            }
        }
    }
    let mut known: Vec<(Pred, Vec<Write>)> = Vec::new();
    for e in db.events() {
        *work += 1;
        match e {
            Event::Write {
                tx, old: Some(v), ..
            } => {
                let r = db.row(*v);
                add(Dep {
                    from: r.xmin,
                    to: *tx,
                    kind: Kind::WriteWrite,
                    id: r.id,
                })
            }
            Event::Read { tx, version } => {
                let v = db.row(*version);
                add(Dep {
                    from: v.xmin,
                    to: *tx,
                    kind: Kind::WriteRead,
                    id: v.id,
                });
                if let Some(w) = replaced_by[*version] {
                    add(Dep {
                        from: *tx,
                        to: w,
                        kind: Kind::ReadWrite,
                        id: v.id,
                    });
                }
            }
            Event::Scan {
                tx,
                filter,
                seq: snap,
            } if committed(*tx) => {
                let candidates = match filter {
                    None => &moves[..],
                    Some(f) => crossing(db, f, &writes, &mut rows, &mut known, work),
                };
                for &(wt, at, old, new) in candidates {
                    *work += 1;
                    // A change the scan did not see that moves a row in or
                    // out of its condition.
                    if wt != *tx && at > *snap {
                        let id = old.or(new).map(|v| db.row(v).id).unwrap_or(0);
                        add(Dep {
                            from: *tx,
                            to: wt,
                            kind: Kind::Predicate,
                            id,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    deps
}

/// A set of transactions, one bit each.
pub(super) type Bits = Vec<u64>;

/// Whether `t` is in `bits`.
pub(super) fn has(bits: &Bits, t: Tx) -> bool {
    bits.get(t / 64).is_some_and(|w| w & (1 << (t % 64)) != 0)
}

/// Adds `t` to `bits` (if it has room for it).
pub(super) fn put(bits: &mut Bits, t: Tx) {
    if let Some(w) = bits.get_mut(t / 64) {
        *w |= 1 << (t % 64);
    }
}

/// A set of kinds of dependency, one bit each.
type Kinds = u8;

const WW: Kinds = 1;
const WR: Kinds = 2;
const RW: Kinds = 4;
const PREDICATE: Kinds = 8;
const FLOW: Kinds = WW | WR;
const ITEM: Kinds = WW | WR | RW;
const ANY: Kinds = ITEM | PREDICATE;

impl Kind {
    /// This kind's place among the four, in the order declared: an index
    /// into lists per kind.
    pub(super) fn index(self) -> usize {
        match self {
            Kind::WriteWrite => 0,
            Kind::WriteRead => 1,
            Kind::ReadWrite => 2,
            Kind::Predicate => 3,
        }
    }

    /// This kind's bit among [`Kinds`].
    fn bit(self) -> Kinds {
        1 << self.index()
    }
}

/// Each transaction's successors by one kind of dependency, for each kind
/// in [`Kind::index`]'s order: built once, combined into each kind of
/// cycle's graph.
struct Successors {
    by_kind: [Vec<Bits>; 4],
}

impl Successors {
    fn new(deps: &[Dep], n: usize, work: &mut u64) -> Successors {
        let words = n.div_ceil(64);
        let mut by_kind: [Vec<Bits>; 4] = std::array::from_fn(|_| vec![vec![0; words]; n]);
        for d in deps {
            *work += 1;
            put(&mut by_kind[d.kind.index()][d.from], d.to);
        }
        Successors { by_kind }
    }

    /// Whether some dependency of kinds `kinds` runs from `from` to `to`.
    fn has(&self, kinds: Kinds, from: Tx, to: Tx) -> bool {
        (0..4).any(|k| kinds & (1 << k) != 0 && has(&self.by_kind[k][from], to))
    }
}

/// The dependencies one kind of cycle may use, as a graph between
/// transactions: the kinds it takes, the set of each transaction's
/// successors, and the transactions reachable from each, computed when
/// first asked.
struct Graph<'a> {
    deps: &'a [Dep],
    kinds: Kinds,
    next: Vec<Bits>,
    reach: Vec<Option<Bits>>,
}

impl<'a> Graph<'a> {
    /// The graph of the dependencies of `kinds`, from their successors.
    fn new(deps: &'a [Dep], succ: &Successors, kinds: Kinds, work: &mut u64) -> Graph<'a> {
        let n = succ.by_kind[0].len();
        let mut next = succ.by_kind[0].clone();
        for row in &mut next {
            row.iter_mut().for_each(|w| *w = 0);
        }
        for (k, sets) in succ.by_kind.iter().enumerate() {
            if kinds & (1 << k) == 0 {
                continue;
            }
            for (row, set) in next.iter_mut().zip(sets) {
                *work += 1;
                for (a, b) in row.iter_mut().zip(set) {
                    *a |= b;
                }
            }
        }
        Graph {
            deps,
            kinds,
            next,
            reach: vec![None; n],
        }
    }

    /// Whether some path of one dependency or more leads from `from` to
    /// `to`.
    fn reaches(&mut self, from: Tx, to: Tx, work: &mut u64) -> bool {
        if self.reach[from].is_none() {
            let words = self.next.len().div_ceil(64);
            let mut seen: Bits = vec![0; words];
            let mut stack = vec![from];
            while let Some(at) = stack.pop() {
                for (k, (s, n)) in seen.iter_mut().zip(&self.next[at]).enumerate() {
                    *work += 1;
                    let mut fresh = n & !*s;
                    *s |= fresh;
                    while fresh != 0 {
                        stack.push(k * 64 + fresh.trailing_zeros() as usize);
                        fresh &= fresh - 1;
                    }
                }
            }
            self.reach[from] = Some(seen);
        }
        self.reach[from].as_ref().is_some_and(|r| has(r, to))
    }

    /// The first path a breadth-first search from `from` finds to `to`,
    /// taking each transaction's dependencies in the list's order, as the
    /// dependencies taken.
    fn path(&self, from: Tx, to: Tx, work: &mut u64) -> Option<Vec<Dep>> {
        let n = self.next.len();
        // Each transaction's outgoing dependencies, in the list's order.
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, d) in self.deps.iter().enumerate() {
            *work += 1;
            if self.kinds & d.kind.bit() != 0 {
                out[d.from].push(i);
            }
        }
        let mut parent: Vec<Option<usize>> = vec![None; n];
        let mut seen = vec![false; n];
        seen[from] = true;
        let mut queue = VecDeque::from([from]);
        while let Some(at) = queue.pop_front() {
            for &i in &out[at] {
                *work += 1;
                let d = self.deps[i];
                if d.to == to {
                    let mut trail = vec![d];
                    let mut x = at;
                    while let Some(p) = parent[x] {
                        trail.push(self.deps[p]);
                        x = self.deps[p].from;
                    }
                    trail.reverse();
                    return Some(trail);
                }
                if !seen[d.to] {
                    seen[d.to] = true;
                    parent[d.to] = Some(i);
                    queue.push_back(d.to);
                }
            }
        }
        None
    }

    /// The first dependency of kinds `first`, in the list's order, that a
    /// path of this graph leads back from, with that path: the cycle.
    fn first_cycle(&mut self, first: Kinds, work: &mut u64) -> Option<Vec<Dep>> {
        let deps = self.deps;
        for e in deps {
            *work += 1;
            if first & e.kind.bit() != 0 && self.reaches(e.to, e.from, work) {
                let mut cycle = vec![*e];
                cycle.extend(self.path(e.to, e.from, work)?);
                return Some(cycle);
            }
        }
        None
    }
}

/// The cycles looked for, in order: the anomaly, the dependencies that may
/// start the cycle, and those the rest of it may use.
type CycleRule = (Anomaly, Kinds, Kinds);

const BEFORE_LOST_UPDATE: [CycleRule; 2] = [
    (Anomaly::DirtyWrite, WW, WW),
    (Anomaly::CircularFlow, FLOW, FLOW),
];

const AFTER_LOST_UPDATE: [CycleRule; 3] = [
    (Anomaly::ReadSkew, RW, FLOW),
    (Anomaly::WriteSkew, RW, ITEM),
    (Anomaly::Phantom, PREDICATE, ANY),
];

/// A read of a version that should never have been seen: by a committed
/// transaction, of an aborted one's write or of one its writer replaced.
fn bad_read(db: &dyn Recorded, work: &mut u64) -> Option<(Anomaly, Dep)> {
    let committed = |t: Tx| matches!(db.txs().get(t), Some((TxState::Committed, _)));
    for e in db.events() {
        *work += 1;
        if let Event::Read { tx, version } = e {
            let v = db.row(*version);
            if !committed(*tx) || v.xmin == *tx {
                continue;
            }
            let d = Dep {
                from: v.xmin,
                to: *tx,
                kind: Kind::WriteRead,
                id: v.id,
            };
            if matches!(db.txs().get(v.xmin), Some((TxState::Aborted, _))) {
                return Some((Anomaly::AbortedRead, d));
            }
            if v.xmax == Some(v.xmin) {
                return Some((Anomaly::IntermediateRead, d));
            }
        }
    }
    None
}

/// A read, a concurrent overwrite, and the reader's own write over it:
/// the first such read-write dependency and the first overwrite that
/// matches it. Only looked for in rows when some read-write dependency
/// has an overwrite the other way between its two transactions.
fn lost_update(deps: &[Dep], succ: &Successors, work: &mut u64) -> Option<Vec<Dep>> {
    let paired = deps.iter().any(|d| {
        *work += 1;
        d.kind == Kind::ReadWrite && succ.has(WW, d.to, d.from)
    });
    if !paired {
        return None;
    }
    let mut overwrites: HashMap<(Tx, Tx, i64), Dep, BuildHasherDefault<Quick>> = HashMap::default();
    for d in deps.iter().filter(|d| d.kind == Kind::WriteWrite) {
        *work += 1;
        overwrites.entry((d.from, d.to, d.id)).or_insert(*d);
    }
    deps.iter()
        .filter(|d| d.kind == Kind::ReadWrite)
        .find_map(|d| {
            *work += 1;
            overwrites.get(&(d.to, d.from, d.id)).map(|w| vec![*d, *w])
        })
}

/// The anomaly the dependencies show, and its proof.
fn cycles(deps: &[Dep], n: usize, work: &mut u64) -> Option<(Anomaly, Vec<Dep>)> {
    let succ = Successors::new(deps, n, work);
    let search = |rules: &[CycleRule], work: &mut u64| {
        rules.iter().find_map(|&(anomaly, first, kinds)| {
            Graph::new(deps, &succ, kinds, work)
                .first_cycle(first, work)
                .map(|c| (anomaly, c))
        })
    };
    search(&BEFORE_LOST_UPDATE, work)
        .or_else(|| lost_update(deps, &succ, work).map(|p| (Anomaly::LostUpdate, p)))
        .or_else(|| search(&AFTER_LOST_UPDATE, work))
}

/// Judges the history of `db`.
pub fn verdict(db: &dyn Recorded) -> Verdict {
    judge(db).0
}

/// Judges the history of `db`, and counts the elementary operations it
/// took: events read, writes compared with a scan, dependencies and
/// successor words visited. The count is at most about the history's
/// length times the scans, plus the dependencies times the kinds of cycle,
/// plus the cube of the transactions over 64.
pub fn judge(db: &dyn Recorded) -> (Verdict, u64) {
    let mut work = 0;
    let deps = dependencies_counted(db, &mut work);
    if let Some((anomaly, d)) = bad_read(db, &mut work) {
        let v = Verdict {
            anomaly: Some(anomaly),
            proof: vec![d],
            deps,
        };
        return (v, work);
    }
    let n = deps.iter().map(|d| d.from.max(d.to) + 1).max().unwrap_or(0);
    let (anomaly, proof) = match cycles(&deps, n, &mut work) {
        Some((a, p)) => (Some(a), p),
        None => (None, Vec::new()),
    };
    let v = Verdict {
        anomaly,
        proof,
        deps,
    };
    (v, work)
}
