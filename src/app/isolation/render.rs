//! The isolation lab's frame as HTML and SVG text: who waits for whom, the
//! sessions' columns, the verdict with its dependency graph, the data
//! (rows per session, versions, locks), the editors' rows, the comparison
//! of levels and the matrix. Plain functions, tested natively.

use std::collections::HashMap;
use std::fmt::Write;

use crate::app::html::escape;
use crate::app::live::Edit;
use crate::route::page_query;
use crate::sim::isolation::analysis::{Dep, Kind};
use crate::sim::isolation::db::{Answer, Engine, LockInfo, LockKind, TxState};
use crate::sim::isolation::innodb::SUPREMUM;
use crate::sim::isolation::lab::{
    self, answer_text, begin_sql, dep_text, error_text, explain, kind_label, level_label,
    level_slug, profile_label, profile_slug, serial_order, tx_name, LevelOutcome, Params, Run,
    Status,
};
use crate::sim::isolation::matrix::{Profile, Row, ANOMALIES};
use crate::sim::isolation::sql::{Level, ParseError};
use crate::sim::Trace;

/// A transaction's state in a word.
fn state_word(db: &dyn Engine, s: usize) -> String {
    if db.waits_for(s).is_some() {
        return "waiting".into();
    }
    if db.is_failed(s) {
        return "failed".into();
    }
    match db.tx_of(s) {
        Some(_) => "open".into(),
        None => String::new(),
    }
}

/// The transaction a session runs or last ran.
fn tx_label(db: &dyn Engine, s: usize) -> String {
    match db.tx_of(s) {
        Some(t) => tx_name(t),
        None => last_tx(db, s).map_or_else(String::new, |(t, st)| {
            format!(
                "{} {}",
                tx_name(t),
                match st {
                    TxState::Committed => "committed",
                    TxState::Aborted => "rolled back",
                    TxState::Running => "open",
                }
            )
        }),
    }
}

/// The last transaction of session `s` and its state.
fn last_tx(db: &dyn Engine, s: usize) -> Option<(usize, TxState)> {
    (1..)
        .map_while(|t| db.tx_state(t).map(|st| (t, st)))
        .filter(|(t, _)| db.session_of(*t) == Some(s))
        .last()
}

/// Who waits for whom: a box per session, an arrow from each waiting
/// session to the one holding the lock it needs.
pub fn waits(run: &Run, step: usize) -> String {
    let db = &run.step(step).db;
    let n = run.params().sessions.len();
    let w = 150.0;
    let width = n as f64 * w;
    let mut label = Vec::new();
    for s in 0..n {
        if let Some(on) = db.waits_for(s) {
            label.push(format!("Session {} waits for session {}", s + 1, on + 1));
        }
    }
    if label.is_empty() {
        label.push("No session is waiting".into());
    }
    let mut out = format!(
        r#"<svg class="iso-waits" viewBox="0 0 {width:.0} 92" role="img" aria-label="{}"><defs><marker id="iso-head" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto"><path d="M0 0 L10 5 L0 10z" class="iso-headp"/></marker></defs>"#,
        escape(&label.join("; "))
    );
    for s in 0..n {
        let x = s as f64 * w + 8.0;
        let class = match state_word(db, s).as_str() {
            "waiting" => "iso-box waiting",
            "failed" => "iso-box failed",
            _ => "iso-box",
        };
        let _ = write!(
            out,
            r#"<g class="{class}"><rect x="{x:.0}" y="46" width="{:.0}" height="40" rx="7"/><text x="{:.0}" y="63" text-anchor="middle" class="iso-box-name">Session {}</text><text x="{:.0}" y="79" text-anchor="middle" class="iso-box-tx">{} {}</text></g>"#,
            w - 16.0,
            x + (w - 16.0) / 2.0,
            s + 1,
            x + (w - 16.0) / 2.0,
            escape(&tx_label(db, s)),
            escape(&state_word(db, s))
        );
    }
    for s in 0..n {
        if let Some(on) = db.waits_for(s) {
            let (x1, x2) = (s as f64 * w + w / 2.0, on as f64 * w + w / 2.0);
            let lift = 14.0 + (x1 - x2).abs() / w * 10.0;
            let _ = write!(
                out,
                r#"<path class="iso-wait-line" d="M{x1:.0} 46 C{x1:.0} {:.0} {x2:.0} {:.0} {x2:.0} 46" marker-end="url(#iso-head)"/><text class="iso-wait-label" x="{:.0}" y="{:.0}" text-anchor="middle">waits for {}</text>"#,
                46.0 - lift * 2.0,
                46.0 - lift * 2.0,
                (x1 + x2) / 2.0,
                46.0 - lift * 1.5 - 2.0,
                escape(&db.tx_of(on).map(tx_name).unwrap_or_default())
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// A statement with the character where reading stopped marked.
fn marked(sql: &str, e: &ParseError) -> String {
    let chars: Vec<char> = sql.chars().collect();
    let at = e.at.min(chars.len());
    let before: String = chars[..at].iter().collect();
    let here: String = chars.get(at).map(|c| c.to_string()).unwrap_or_default();
    let after: String = chars
        .get(at + 1..)
        .map(|r| r.iter().collect())
        .unwrap_or_default();
    format!(
        r#"{}<mark class="iso-at">{}</mark>{}"#,
        escape(&before),
        if here.is_empty() {
            "&#8203;&#9251;".to_string()
        } else {
            escape(&here)
        },
        escape(&after)
    )
}

/// The error of a statement outside the subset, with its position.
fn parse_error(sql: &str, e: &ParseError, id: &str) -> String {
    format!(
        r#"<div class="iso-parse" id="{id}"><code class="iso-sql">{}</code><span class="iso-err">At character {}: expected {}</span></div>"#,
        marked(sql, e),
        e.at + 1,
        escape(e.message.trim_start_matches("expected "))
    )
}

/// A result grid of rows or values.
fn grid(a: &Answer) -> String {
    match a {
        Answer::Rows(rows) => {
            let mut s = String::from(
                r#"<table class="iso-grid"><thead><tr><th scope="col">id</th><th scope="col">value</th></tr></thead><tbody>"#,
            );
            if rows.is_empty() {
                s.push_str(r#"<tr><td colspan="2" class="iso-none">(0 rows)</td></tr>"#);
            }
            for (i, v) in rows {
                let _ = write!(s, "<tr><td>{i}</td><td>{v}</td></tr>");
            }
            s.push_str("</tbody></table>");
            s
        }
        Answer::Values(v) => format!(
            r#"<table class="iso-grid"><tbody><tr>{}</tr></tbody></table>"#,
            v.iter()
                .map(|x| format!(
                    "<td>{}</td>",
                    x.map_or("null".to_string(), |x| x.to_string())
                ))
                .collect::<String>()
        ),
        Answer::Error(e) => format!(r#"<p class="iso-err">{}</p>"#, escape(&error_text(*e))),
        other => format!(r#"<p class="iso-ok">{}</p>"#, escape(&answer_text(other))),
    }
}

/// The sessions side by side: each one's statements, the one running
/// highlighted with its result under it.
pub fn sessions(run: &Run, step: usize) -> String {
    let st = run.step(step);
    let p = run.params();
    let entries = p.entries();
    let mut s = String::from(r#"<div class="iso-cols">"#);
    for (i, list) in p.sessions.iter().enumerate() {
        let _ = write!(
            s,
            r#"<section class="iso-col" aria-label="Session {n}"><h4>Session {n} <span class="iso-tx">{}</span></h4><ol class="iso-stmts"><li class="iso-begin"><code class="iso-sql">{}</code><span class="iso-note">before step 1</span></li>"#,
            escape(&tx_label(&st.db, i)),
            escape(&begin_sql(p.profile, p.level)),
            n = i + 1
        );
        for (j, sql) in list.iter().enumerate() {
            let k = entries
                .iter()
                .position(|e| *e == (i, j))
                .map_or(0, |k| k + 1);
            let now = st.entry == Some((i, j));
            let released = st.released.iter().any(|(a, b, _)| *a == i && *b == j);
            let status = st.status.get(i).and_then(|l| l.get(j));
            let (class, body) = match status {
                Some(Status::Pending) | None => ("pending", String::new()),
                Some(Status::Waiting { on, .. }) => (
                    "waiting",
                    format!(
                        r#"<p class="iso-waiting">Waiting for session {} ({})</p>"#,
                        on + 1,
                        escape(&st.db.tx_of(*on).map(tx_name).unwrap_or_default())
                    ),
                ),
                Some(Status::Done { answer, sent, at }) => {
                    let class = if matches!(answer, Answer::Error(_)) {
                        "error"
                    } else {
                        "done"
                    };
                    let waited = if sent != at {
                        format!(r#"<p class="iso-note">Waited from step {sent} to step {at}</p>"#)
                    } else {
                        String::new()
                    };
                    let result = if now || released || matches!(answer, Answer::Error(_)) {
                        grid(answer)
                    } else {
                        format!(
                            r#"<p class="iso-brief">{}</p>"#,
                            escape(&answer_text(answer))
                        )
                    };
                    (class, format!("{waited}{result}"))
                }
                Some(Status::NotSent { .. }) => (
                    "skipped",
                    r#"<p class="iso-note">Not sent: the session was still waiting.</p>"#
                        .to_string(),
                ),
                Some(Status::Invalid { error }) => (
                    "invalid",
                    parse_error(sql, error, &format!("iso-perr-{i}-{j}")),
                ),
            };
            let sql_html = if matches!(status, Some(Status::Invalid { .. })) {
                String::new()
            } else {
                format!(r#"<code class="iso-sql">{}</code>"#, escape(sql))
            };
            let _ = write!(
                s,
                r#"<li class="iso-stmt {class}{}{}"{}><span class="iso-k">{k}</span>{sql_html}{body}</li>"#,
                if now { " now" } else { "" },
                if released { " released" } else { "" },
                if now { r#" aria-current="step""# } else { "" }
            );
        }
        if list.is_empty() {
            s.push_str(r#"<li class="iso-note">No statements.</li>"#);
        }
        s.push_str("</ol></section>");
    }
    s.push_str("</div>");
    s
}

/// The dependency graph: a node per committed transaction, an arrow per
/// dependency, the cycle that proves the anomaly highlighted.
pub fn graph(db: &dyn Engine, deps: &[Dep], proof: &[Dep]) -> String {
    let deps = shown(deps);
    let deps = &deps[..];
    let mut txs: Vec<usize> = serial_order(db, deps);
    for d in deps {
        for t in [d.from, d.to] {
            if !txs.contains(&t) {
                txs.push(t);
            }
        }
    }
    let n = txs.len().max(1);
    let h = if n <= 2 { 90.0 } else { 200.0 };
    let (cx, cy, r) = (160.0, h / 2.0, if n <= 2 { 95.0 } else { 70.0 });
    let pos = |t: usize| -> (f64, f64) {
        let k = txs.iter().position(|x| *x == t).unwrap_or(0) as f64;
        let a = std::f64::consts::PI + k * std::f64::consts::TAU / n as f64;
        (
            cx + r * a.cos(),
            cy + r * a.sin() * if n <= 2 { 0.0 } else { 1.0 },
        )
    };
    let label = if deps.is_empty() {
        "No dependencies between committed transactions".to_string()
    } else {
        deps.iter().map(dep_text).collect::<Vec<_>>().join("; ")
    };
    let mut s = format!(
        r#"<svg class="iso-graph" viewBox="0 0 320 {h:.0}" role="img" aria-label="{}"><defs><marker id="iso-dep" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" orient="auto"><path d="M0 0 L10 5 L0 10z" class="iso-dep-head"/></marker><marker id="iso-dep-cycle" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto"><path d="M0 0 L10 5 L0 10z" class="iso-cycle-head"/></marker></defs>"#,
        escape(&label)
    );
    let mut drawn: HashMap<(usize, usize), usize> = HashMap::new();
    for d in deps {
        let pair = (d.from.min(d.to), d.from.max(d.to));
        let seen = drawn.entry(pair).or_insert(0);
        let k = *seen;
        *seen += 1;
        let ((x1, y1), (x2, y2)) = (pos(d.from), pos(d.to));
        let (dx, dy) = (x2 - x1, y2 - y1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / len, dy / len);
        // Arrows between the same pair bend to alternate sides.
        let sign = if d.from < d.to { 1.0 } else { -1.0 };
        let bend =
            sign * (22.0 + 22.0 * (k / 2) as f64) * if k.is_multiple_of(2) { 1.0 } else { -1.0 };
        let (mx, my) = ((x1 + x2) / 2.0 - uy * bend, (y1 + y2) / 2.0 + ux * bend);
        let (sx, sy) = (x1 + ux * 20.0, y1 + uy * 20.0);
        let (ex, ey) = (x2 - ux * 22.0, y2 - uy * 22.0);
        let cycle = proof.contains(d);
        let _ = write!(
            s,
            r#"<path class="iso-dep{}" d="M{sx:.1} {sy:.1} Q{mx:.1} {my:.1} {ex:.1} {ey:.1}" marker-end="url(#{})"/><text class="iso-dep-label{}" x="{:.1}" y="{:.1}" text-anchor="middle">{} {}</text>"#,
            if cycle { " cycle" } else { "" },
            if cycle { "iso-dep-cycle" } else { "iso-dep" },
            if cycle { " cycle" } else { "" },
            (x1 + x2) / 4.0 + mx / 2.0,
            (y1 + y2) / 4.0 + my / 2.0 + 3.0,
            escape(kind_label(d.kind)),
            if d.kind == Kind::Predicate {
                String::new()
            } else {
                format!("row {}", d.id)
            }
        );
    }
    for &t in &txs {
        let (x, y) = pos(t);
        let in_cycle = proof.iter().any(|d| d.from == t || d.to == t);
        let _ = write!(
            s,
            r#"<g class="iso-node{}"><circle cx="{x:.1}" cy="{y:.1}" r="19"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text></g>"#,
            if in_cycle { " cycle" } else { "" },
            y + 4.5,
            tx_name(t)
        );
    }
    if txs.is_empty() {
        s.push_str(r#"<text class="iso-none" x="160" y="50" text-anchor="middle">No transaction has committed.</text>"#);
    }
    s.push_str("</svg>");
    s
}

/// The dependencies worth drawing: those between the schedule's own
/// transactions (the initial data's T0 comes first in any order).
fn shown(deps: &[Dep]) -> Vec<Dep> {
    deps.iter()
        .filter(|d| d.from != 0 && d.to != 0)
        .copied()
        .collect()
}

/// The verdict at `step`: once certain, the anomaly (or "serializable"),
/// the graph and the explanation.
pub fn verdict(run: &Run, step: usize) -> String {
    let last = run.steps() - 1;
    let st = run.step(step);
    let v = &run.verdict(step);
    if step < last && v.anomaly.is_none() {
        return format!(
            r#"<div class="iso-verdict pending"><h4>Verdict</h4><p>Not certain yet: no anomaly among the transactions committed so far. The verdict is final at the end of the schedule (step {last}).</p></div>"#
        );
    }
    let (class, title) = match v.anomaly {
        Some(a) => ("bad", capitalize(a.label())),
        None => ("good", "Serializable".to_string()),
    };
    let mut s = format!(
        r#"<div class="iso-verdict {class}"><h4><span class="iso-verdict-word">{}</span> {}</h4><p>{}</p>"#,
        if step < last {
            "Already certain:"
        } else {
            "Verdict:"
        },
        escape(&title),
        escape(explain(v.anomaly))
    );
    if v.anomaly.is_none() {
        let order = serial_order(&st.db, &v.deps);
        if !order.is_empty() {
            let _ = write!(
                s,
                r#"<p>Equivalent order: {}.</p>"#,
                order
                    .iter()
                    .map(|t| tx_name(*t))
                    .collect::<Vec<_>>()
                    .join(" \u{2192} ")
            );
        }
    }
    s.push_str(&graph(&st.db, &v.deps, &v.proof));
    let deps = shown(&v.deps);
    if !deps.is_empty() {
        s.push_str(r#"<ul class="iso-deps">"#);
        for d in &deps {
            let cycle = v.proof.contains(d);
            let _ = write!(
                s,
                r#"<li{}>{}{}</li>"#,
                if cycle { r#" class="cycle""# } else { "" },
                escape(&dep_text(d)),
                if cycle {
                    " <strong>(the proof)</strong>"
                } else {
                    ""
                }
            );
        }
        s.push_str("</ul>");
    }
    s.push_str("</div>");
    s
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The data at `step`: the rows each session sees, the row versions
/// (PostgreSQL) and the locks.
pub fn data(run: &Run, step: usize) -> String {
    let db = &run.step(step).db;
    let p = run.params();
    let mut s = String::from(
        r#"<div class="iso-data"><div class="iso-seen"><h4>What each session reads now</h4><div class="iso-seen-grid">"#,
    );
    for i in 0..p.sessions.len() {
        // A failed transaction reads nothing: the database refuses every
        // query until ROLLBACK.
        let rows = if db.is_failed(i) {
            r#"<p class="iso-note">Its transaction failed: every query is refused until ROLLBACK.</p>"#
                .to_string()
        } else {
            grid(&Answer::Rows(db.seen_by(i)))
        };
        let _ = write!(
            s,
            r#"<div class="iso-seen-one"><p class="iso-note">Session {}</p>{rows}</div>"#,
            i + 1
        );
    }
    s.push_str("</div></div>");
    if p.profile != Profile::Textbook {
        s.push_str(r#"<div class="iso-versions"><h4>Row versions</h4><div class="table-wrap"><table class="iso-grid"><thead><tr><th scope="col">id</th><th scope="col">value</th><th scope="col">created by</th><th scope="col">deleted by</th></tr></thead><tbody>"#);
        let who = |t: usize| -> String {
            if t == 0 {
                return "initial".into();
            }
            let state = match db.tx_state(t) {
                Some(TxState::Committed) => "committed",
                Some(TxState::Aborted) => "aborted",
                _ => "open",
            };
            format!("{}, {state}", tx_name(t))
        };
        for v in db.versions() {
            let dead = v
                .deleted_by
                .is_some_and(|t| db.tx_state(t) == Some(TxState::Committed))
                || db.tx_state(v.created_by) == Some(TxState::Aborted);
            let _ = write!(
                s,
                r#"<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                if dead { r#" class="dead""# } else { "" },
                v.id,
                v.value,
                escape(&who(v.created_by)),
                v.deleted_by
                    .map_or("\u{2014}".to_string(), |t| escape(&who(t)))
            );
        }
        s.push_str("</tbody></table></div></div>");
    }
    s.push_str(r#"<div class="iso-locks"><h4>Locks held</h4><ul>"#);
    let locks = db.locks();
    let preds = db.predicate_locks();
    for l in &locks {
        let _ = write!(
            s,
            "<li>Session {} ({}) {}</li>",
            l.session + 1,
            escape(&db.tx_of(l.session).map(tx_name).unwrap_or_default()),
            lock_words(l)
        );
    }
    for (session, cond) in &preds {
        let _ = write!(
            s,
            "<li>Session {} holds a predicate lock on {}</li>",
            session + 1,
            match cond {
                Some(c) => format!("<code>{}</code>", escape(c)),
                None => "the whole table".to_string(),
            }
        );
    }
    if locks.is_empty() && preds.is_empty() {
        s.push_str(r#"<li class="iso-note">None.</li>"#);
    }
    s.push_str("</ul>");
    let sireads = db.siread_words();
    if !sireads.is_empty() {
        s.push_str(r#"<h4>SIREAD locks</h4><p class="iso-note">Taken by serializable reads on what their scans visited. They block nothing; another transaction's later write across one is a read/write conflict.</p><ul>"#);
        for (session, what) in &sireads {
            let _ = write!(s, "<li>Session {}: {}</li>", session + 1, escape(what));
        }
        s.push_str("</ul>");
    }
    if db.past_exact_layout() {
        s.push_str(r#"<p class="iso-note">This run has put more than 204 tuples on the table's page. From there a real PostgreSQL may prune the page, so its tuple numbers, and the SIREAD locks on them, can differ from the lab's.</p>"#);
    }
    s.push_str("</div></div>");
    s
}

/// A lock as the view words it: held or waited for, its kind, and what it
/// covers (a row, the gap below a row, or above the last row).
fn lock_words(l: &LockInfo) -> String {
    let (waiting, what) = match l.kind {
        LockKind::Record { exclusive, waiting } => {
            (waiting, format!("an {} record lock", xs(exclusive)))
        }
        LockKind::Gap { exclusive, waiting } => (waiting, format!("an {} gap lock", xs(exclusive))),
        LockKind::NextKey { exclusive, waiting } => {
            (waiting, format!("an {} next-key lock", xs(exclusive)))
        }
        LockKind::InsertIntention { waiting } => (waiting, "an insert-intention lock".to_string()),
        LockKind::Write => (false, "a write lock".to_string()),
        LockKind::Update => (false, "a FOR UPDATE lock".to_string()),
        LockKind::Share => (false, "a shared lock".to_string()),
    };
    let top = l.id == SUPREMUM;
    let on = match l.kind {
        LockKind::Gap { .. } | LockKind::InsertIntention { .. } if top => {
            "on the gap above the last row".to_string()
        }
        LockKind::Gap { .. } | LockKind::InsertIntention { .. } => {
            format!("on the gap below row {}", l.id)
        }
        LockKind::NextKey { .. } if top => {
            "on the supremum (every key above the last row)".to_string()
        }
        LockKind::NextKey { .. } => format!("on row {} and the gap below it", l.id),
        _ => format!("on row {}", l.id),
    };
    let verb = if waiting { "waits for" } else { "holds" };
    format!("{verb} {what} {on}")
}

/// InnoDB's name for a lock's mode.
fn xs(exclusive: bool) -> &'static str {
    if exclusive {
        "X"
    } else {
        "S"
    }
}

/// The rows of the statements editor: each session's statements as text
/// fields (with their error inline), a field to add one, and buttons.
pub fn editor(p: &Params) -> String {
    let mut s = String::new();
    for (i, list) in p.sessions.iter().enumerate() {
        let n = i + 1;
        let _ = write!(
            s,
            r#"<fieldset class="iso-ed"><legend>Session {n}</legend><ol class="iso-ed-list">"#
        );
        for (j, sql) in list.iter().enumerate() {
            let err = crate::sim::isolation::sql::parse(sql).err();
            let eid = format!("iso-e-{i}-{j}");
            let _ = write!(
                s,
                r#"<li><div class="iso-ed-row"><span class="iso-k" aria-hidden="true">{}</span><input type="text" id="iso-q-{i}-{j}" data-i="{i}" data-j="{j}" data-f="{sql_f}" value="{}" spellcheck="false" autocomplete="off" aria-label="Session {n}, statement {}"{}/><button type="button" class="icon-button small" id="iso-q-{i}-{j}-remove" data-i="{i}" data-j="{j}" data-f="{drop_f}" aria-label="Remove session {n}'s statement {}">&#215;</button></div>{}</li>"#,
                j + 1,
                escape(sql),
                j + 1,
                if err.is_some() {
                    format!(r#" aria-invalid="true" aria-describedby="{eid}""#)
                } else {
                    String::new()
                },
                j + 1,
                err.map(|e| parse_error(sql, &e, &eid)).unwrap_or_default(),
                sql_f = Edit::Sql,
                drop_f = Edit::Drop,
            );
        }
        let _ = write!(
            s,
            r#"</ol><div class="iso-ed-row"><input type="text" id="iso-new-{i}" data-i="{i}" data-j="0" data-f="{new_f}" spellcheck="false" autocomplete="off" placeholder="e.g. select * from test where id = 1" aria-label="New statement for session {n} (Enter adds it)"/><button type="button" class="button" id="iso-add-{i}" data-i="{i}" data-j="0" data-f="{add_f}">Add</button></div></fieldset>"#,
            new_f = Edit::New,
            add_f = Edit::Add,
        );
    }
    s
}

/// The rows of the schedule: each entry (a button that shows its step)
/// with buttons to move it, draggable.
pub fn schedule_rows(p: &Params) -> String {
    let mut s = String::new();
    let entries = p.entries();
    let n = entries.len();
    for (i, (sess, j)) in entries.iter().enumerate() {
        let k = i + 1;
        let sql = p
            .sessions
            .get(*sess)
            .and_then(|l| l.get(*j))
            .map(String::as_str)
            .unwrap_or("");
        let off = |b: bool| if b { " disabled" } else { "" };
        let _ = write!(
            s,
            r#"<li class="bk-action iso-entry s{}" draggable="true" data-i="{i}"><span class="iso-grip" aria-hidden="true">&#8942;&#8942;</span><button type="button" class="bk-action-go" data-i="{i}" data-j="0" data-f="{go_f}" title="Show this step"><span class="bk-action-no">{k}</span><span><strong>S{}</strong> <code>{}</code></span></button><button type="button" class="icon-button small" id="iso-s-{i}-up" data-i="{i}" data-j="0" data-f="{up_f}" aria-label="Move step {k} up"{}>&#8593;</button><button type="button" class="icon-button small" id="iso-s-{i}-down" data-i="{i}" data-j="0" data-f="{down_f}" aria-label="Move step {k} down"{}>&#8595;</button></li>"#,
            sess % 4,
            sess + 1,
            escape(sql),
            off(i == 0),
            off(i + 1 >= n),
            go_f = Edit::Go,
            up_f = Edit::Up,
            down_f = Edit::Down,
        );
    }
    s
}

/// The scenario at every level of its profile, side by side.
pub fn compare_table(p: &Params, rows: &[LevelOutcome]) -> String {
    let mut s = format!(
        r#"<div class="table-wrap"><table class="sweep-table iso-compare"><caption>The same schedule at every level ({})</caption><thead><tr><th scope="col">level</th><th scope="col">outcome</th><th scope="col">how</th></tr></thead><tbody>"#,
        escape(profile_label(p.profile))
    );
    for r in rows {
        let _ = write!(
            s,
            r#"<tr{}><th scope="row">{}</th><td class="{}">{}</td><td>{}</td></tr>"#,
            if r.level == p.level {
                r#" class="current""#
            } else {
                ""
            },
            level_label(r.level),
            if r.anomaly.is_some() { "bad" } else { "good" },
            escape(
                &r.anomaly
                    .map_or("serializable".to_string(), |a| a.label().to_string())
            ),
            escape(&r.how())
        );
    }
    s.push_str("</tbody></table></div>");
    s
}

/// The level x anomaly matrices of the profiles side by side: a group of
/// rows per level, a row per anomaly, and a column per profile listing the
/// presets that showed the anomaly there (each a link to that frame).
pub fn matrix_table(all: &[(Profile, Vec<Row>)]) -> String {
    let mut s = String::from(
        r#"<div class="table-wrap" role="region" aria-label="The level by anomaly matrix" tabindex="0"><table class="sweep-table iso-matrix-table"><caption>The anomalies each level lets through under each profile's rules, found by running every preset</caption><thead><tr><th scope="col">anomaly</th>"#,
    );
    for (profile, _) in all {
        let _ = write!(
            s,
            r#"<th scope="col">{}</th>"#,
            escape(profile_label(*profile))
        );
    }
    s.push_str("</tr></thead>");
    for level in Level::ALL {
        let _ = write!(
            s,
            r#"<tbody data-level="{}"><tr class="iso-level-row"><th scope="rowgroup" colspan="{}">{}</th></tr>"#,
            level_slug(level),
            all.len() + 1,
            level_label(level)
        );
        for (k, a) in ANOMALIES.iter().enumerate() {
            let _ = write!(s, r#"<tr><th scope="row">{}</th>"#, escape(a.label()));
            for (profile, rows) in all {
                let cell = rows
                    .iter()
                    .find(|r| r.level == level)
                    .and_then(|r| r.cells.get(k))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                matrix_cell(&mut s, *profile, level, cell);
            }
            s.push_str("</tr>");
        }
        s.push_str("</tbody>");
    }
    s.push_str("</table></div>");
    s
}

/// One cell of the matrix: a dash where no preset shows the anomaly, else
/// a link per preset to its frame at that level under that profile.
fn matrix_cell(s: &mut String, profile: Profile, level: Level, cell: &[&str]) {
    let slug = profile_slug(profile);
    if cell.is_empty() {
        let _ = write!(
            s,
            r#"<td class="good" data-profile="{slug}"><span class="visually-hidden">prevented</span><span aria-hidden="true">&#8212;</span></td>"#
        );
        return;
    }
    let _ = write!(s, r#"<td class="bad" data-profile="{slug}">"#);
    let links: Vec<String> = cell
        .iter()
        .filter_map(|name| {
            let p = Params::of_preset(name, profile, level)?;
            let q = page_query(&crate::sim::link::<lab::Run>(&p, 0));
            Some(format!(
                r#"<a href="{}" aria-label="{} at {} ({})">{}</a>"#,
                escape(&q),
                escape(name),
                level_label(level),
                profile_label(profile),
                escape(name)
            ))
        })
        .collect();
    s.push_str(&links.join(" "));
    s.push_str("</td>");
}

/// Whether a step's statement is outside the subset (for the editor's
/// summary).
pub fn invalid_count(run: &Run) -> usize {
    run.step(0)
        .status
        .iter()
        .flatten()
        .filter(|s| matches!(s, Status::Invalid { .. }))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::isolation::lab::{compare, Outcome, Params};
    use crate::sim::isolation::matrix::matrix;
    use crate::sim::isolation::sql::Level;

    #[test]
    fn the_frame_follows_the_model() {
        let run = Run::new(&Params::default());
        // Step 4: session 2's update waits for session 1.
        assert!(matches!(run.step(4).outcome, Outcome::Blocked(0)));
        let w = waits(&run, 4);
        assert!(
            w.contains("iso-wait-line") && w.contains("waits for T1"),
            "{w}"
        );
        let cols = sessions(&run, 4);
        assert!(cols.contains("Waiting for session 1 (T1)"), "{cols}");
        assert_eq!(cols.matches(r#"aria-current="step""#).count(), 1);
        // Step 5: it completes at the commit.
        let cols = sessions(&run, 5);
        assert!(cols.contains("released"), "{cols}");
        assert!(verdict(&run, 3).contains("Not certain yet"));
        let v = verdict(&run, 6);
        assert!(
            v.contains("Lost update") && v.contains("iso-dep cycle"),
            "{v}"
        );
        let dead = Run::new(
            &Params::of_preset("deadlock", Profile::Postgres, Level::ReadCommitted)
                .expect("preset"),
        );
        assert!(data(&dead, 4).contains("Its transaction failed"));
        let d = data(&run, 4);
        assert!(
            d.contains("Row versions") && d.contains("a write lock on row 1"),
            "{d}"
        );
        let p = run.params();
        assert_eq!(schedule_rows(p).matches("<li").count(), p.schedule.len());
        assert_eq!(
            editor(p).matches("data-f=\"sql\"").count(),
            p.schedule.len()
        );
        let c = compare_table(p, &compare(p));
        assert!(c.contains("could not serialize"), "{c}");
        let m = matrix_table(&[(Profile::Textbook, matrix(Profile::Textbook))]);
        assert!(m.contains("level=repeatable-read&amp;preset=PMP"), "{m}");
        assert_eq!(m.matches("<tbody").count(), 4);
    }

    #[test]
    fn every_editor_action_reads_back_as_an_edit() {
        let p = Params {
            sessions: vec![
                vec!["selct".into(), "commit".into()],
                vec![],
                vec!["begin".into()],
            ],
            schedule: vec![0, 2, 0],
            ..Params::default()
        };
        let html = editor(&p) + &schedule_rows(&p);
        let mut seen = crate::app::live::edits_in(&html);
        // sql and drop per statement, new and add per session, go, up and
        // down per schedule entry.
        assert_eq!(seen.len(), 3 * 2 + 3 * 2 + 3 * 3);
        seen.sort_by_key(|e| e.as_str());
        seen.dedup();
        let mut want = vec![
            Edit::Sql,
            Edit::Drop,
            Edit::New,
            Edit::Add,
            Edit::Go,
            Edit::Up,
            Edit::Down,
        ];
        want.sort_by_key(|e| e.as_str());
        assert_eq!(seen, want);
    }

    #[test]
    fn errors_are_marked_at_their_position() {
        let e = crate::sim::isolation::sql::parse("select * form test").err();
        let Some(e) = e else {
            panic!("should not parse");
        };
        let html = parse_error("select * form test", &e, "x");
        assert!(html.contains("<mark class=\"iso-at\">f</mark>"), "{html}");
        let run = Run::new(&Params {
            sessions: vec![vec!["selct".into()], vec![]],
            schedule: vec![0],
            level: Level::ReadCommitted,
            ..Params::default()
        });
        assert_eq!(invalid_count(&run), 1);
        assert!(sessions(&run, 1).contains("iso-stmt invalid now"));
    }
}
