//! What a schedule did, judged after the fact: the dependencies between the
//! committed transactions (Adya's write-write, write-read and read-write
//! edges, the last on items or on predicates), and the anomaly they show,
//! with the cycle that proves it; or "serializable" when there is none.

use super::pg::{Db, Event, Tx, TxState};

/// The kind of a dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
pub fn dependencies(db: &Db) -> Vec<Dep> {
    let committed = |t: Tx| matches!(db.txs.get(t), Some((TxState::Committed, _)));
    let seq = |t: Tx| db.txs.get(t).map(|x| x.1).unwrap_or(0);
    let mut deps = Vec::new();
    let mut add = |d: Dep| {
        if d.from != d.to && committed(d.from) && committed(d.to) && !deps.contains(&d) {
            deps.push(d);
        }
    };
    // Who replaced each version.
    let mut replaced_by: Vec<Option<Tx>> = vec![None; db.heap.len()];
    for e in &db.history {
        if let Event::Write {
            tx, old: Some(v), ..
        } = e
        {
            if committed(*tx) {
                replaced_by[*v] = Some(*tx);
            }
        }
    }
    for e in &db.history {
        match e {
            Event::Write {
                tx, old: Some(v), ..
            } => add(Dep {
                from: db.heap[*v].xmin,
                to: *tx,
                kind: Kind::WriteWrite,
                id: db.heap[*v].id,
            }),
            Event::Read { tx, version } => {
                let v = &db.heap[*version];
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
            } => {
                let matches = |v: Option<usize>| {
                    v.is_some_and(|v| {
                        let row = &db.heap[v];
                        filter
                            .as_ref()
                            .is_none_or(|f| f.eval(row.id, row.value).unwrap_or(false))
                    })
                };
                for w in &db.history {
                    if let Event::Write { tx: wt, old, new } = w {
                        // A change the scan did not see that moves a row in
                        // or out of its condition.
                        if *wt != *tx
                            && committed(*wt)
                            && seq(*wt) > *snap
                            && matches(*old) != matches(*new)
                        {
                            let id = old.or(*new).map(|v| db.heap[v].id).unwrap_or(0);
                            add(Dep {
                                from: *tx,
                                to: *wt,
                                kind: Kind::Predicate,
                                id,
                            });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    deps
}

/// A path from `from` to `to` over edges `ok` allows, as the edges taken.
fn path(deps: &[Dep], from: Tx, to: Tx, ok: &dyn Fn(&Dep) -> bool) -> Option<Vec<Dep>> {
    let mut seen = vec![from];
    let mut queue = vec![(from, Vec::new())];
    while !queue.is_empty() {
        let (at, trail) = queue.remove(0);
        for d in deps.iter().filter(|d| d.from == at && ok(d)) {
            let mut t: Vec<Dep> = trail.clone();
            t.push(*d);
            if d.to == to {
                return Some(t);
            }
            if !seen.contains(&d.to) {
                seen.push(d.to);
                queue.push((d.to, t));
            }
        }
    }
    None
}

/// A cycle through edge `e` over edges `ok` allows.
fn cycle_through(deps: &[Dep], e: &Dep, ok: &dyn Fn(&Dep) -> bool) -> Option<Vec<Dep>> {
    let mut back = path(deps, e.to, e.from, ok)?;
    back.insert(0, *e);
    Some(back)
}

/// Judges the history of `db`.
pub fn verdict(db: &Db) -> Verdict {
    let deps = dependencies(db);
    let committed = |t: Tx| matches!(db.txs.get(t), Some((TxState::Committed, _)));
    let found = |anomaly, proof| Verdict {
        anomaly: Some(anomaly),
        proof,
        deps: deps.clone(),
    };
    // Reads of versions that should never have been seen.
    for e in &db.history {
        if let Event::Read { tx, version } = e {
            let v = &db.heap[*version];
            if !committed(*tx) || v.xmin == *tx {
                continue;
            }
            let d = Dep {
                from: v.xmin,
                to: *tx,
                kind: Kind::WriteRead,
                id: v.id,
            };
            if matches!(db.txs.get(v.xmin), Some((TxState::Aborted, _))) {
                return found(Anomaly::AbortedRead, vec![d]);
            }
            if v.xmax == Some(v.xmin) {
                return found(Anomaly::IntermediateRead, vec![d]);
            }
        }
    }
    let ww = |d: &Dep| d.kind == Kind::WriteWrite;
    let flow = |d: &Dep| matches!(d.kind, Kind::WriteWrite | Kind::WriteRead);
    let item = |d: &Dep| d.kind != Kind::Predicate;
    let any = |_: &Dep| true;
    for d in deps.iter().filter(|d| ww(d)) {
        if let Some(c) = cycle_through(&deps, d, &ww) {
            return found(Anomaly::DirtyWrite, c);
        }
    }
    for d in deps.iter().filter(|d| flow(d)) {
        if let Some(c) = cycle_through(&deps, d, &flow) {
            return found(Anomaly::CircularFlow, c);
        }
    }
    // A read, a concurrent overwrite, and the reader's own write over it.
    for d in deps.iter().filter(|d| d.kind == Kind::ReadWrite) {
        if let Some(w) = deps.iter().find(|w| {
            w.kind == Kind::WriteWrite && w.from == d.to && w.to == d.from && w.id == d.id
        }) {
            return found(Anomaly::LostUpdate, vec![*d, *w]);
        }
    }
    // One read-write edge closed by writes and reads.
    for d in deps.iter().filter(|d| d.kind == Kind::ReadWrite) {
        if let Some(c) = cycle_through(&deps, d, &flow) {
            return found(Anomaly::ReadSkew, c);
        }
    }
    for d in deps.iter().filter(|d| d.kind == Kind::ReadWrite) {
        if let Some(c) = cycle_through(&deps, d, &item) {
            return found(Anomaly::WriteSkew, c);
        }
    }
    for d in deps.iter().filter(|d| d.kind == Kind::Predicate) {
        if let Some(c) = cycle_through(&deps, d, &any) {
            return found(Anomaly::Phantom, c);
        }
    }
    Verdict {
        anomaly: None,
        proof: Vec::new(),
        deps,
    }
}
