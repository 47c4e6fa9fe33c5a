//! The N+1 frame as HTML text: counters, the query strip, the log and the
//! rows of the current query. Plain functions of a run and a step, so the
//! view stays small and the output is tested natively.

use std::fmt::Write;

pub use crate::app::html::escape;
use crate::sim::nplus1::{plural, Run, Shape, Strategy, Table, Totals, Value};
use crate::sim::{bytes, duration, thousands};

/// How many queries the log shows, ending at the current step.
pub const LOG_ROWS: usize = 6;
/// How many result rows of the current query are shown.
pub const RESULT_ROWS: usize = 4;
/// Most marks in the query strip; beyond that a mark stands for several
/// queries.
pub const STRIP_CELLS: usize = 160;

fn table_name(t: Table) -> &'static str {
    match t {
        Table::Users => "users",
        Table::Orders => "orders",
        Table::Items => "items",
        Table::Tags => "tags",
        Table::Profiles => "profiles",
    }
}

/// The four running figures at `step`, each against the run's total.
pub fn counters(run: &Run, step: usize) -> String {
    let now = run.totals_at(step);
    let all = run.total();
    type Figure = fn(&Totals) -> String;
    let stats: [(&str, Figure); 4] = [
        ("Queries", |t| thousands(t.queries)),
        ("Rows", |t| thousands(t.rows)),
        ("Bytes", |t| bytes(t.bytes)),
        ("Database time", |t| duration(t.time_ns)),
    ];
    let mut s = String::new();
    for (label, f) in stats {
        let _ = write!(
            s,
            r#"<div class="stat"><dt>{label}</dt><dd><span class="now">{}</span><span class="of">of {}</span></dd></div>"#,
            f(&now),
            f(&all)
        );
    }
    s
}

/// The width of the strip's box; it is [`STRIP_W`] x 10 units, stretched.
pub const STRIP_W: usize = 10_000;

/// The marks of the query strip (one per query, or per few), coloured by
/// table.
pub fn strip(run: &Run) -> String {
    let n = run.query_count();
    let per = n.div_ceil(STRIP_CELLS).max(1);
    let w = STRIP_W / n.div_ceil(per).max(1);
    let mut s = String::new();
    for (i, first) in (0..n).step_by(per).enumerate() {
        let Some(q) = run.query(first) else {
            break;
        };
        let _ = write!(
            s,
            r#"<rect class="t-{}" x="{}" y="0" width="{}" height="10"/>"#,
            table_name(q.table),
            i * w,
            w - w / 8
        );
    }
    s
}

/// What the strip shows, for screen readers.
pub fn strip_label(run: &Run) -> String {
    let n = run.query_count();
    let per = n.div_ceil(n.clamp(1, STRIP_CELLS)).max(1);
    format!(
        "{}, one mark per {}",
        plural(n as u64, "query", "queries"),
        if per == 1 {
            "query".to_string()
        } else {
            format!("{per} queries")
        }
    )
}

/// Where the veil over the queries not yet sent starts, in strip units.
pub fn veil_x(run: &Run, step: usize) -> String {
    let n = run.query_count().max(1);
    (STRIP_W * step.min(n) / n).to_string()
}

/// The last [`LOG_ROWS`] queries up to `step`, the newest marked current.
pub fn log(run: &Run, step: usize) -> String {
    let end = step.min(run.query_count());
    let start = end.saturating_sub(LOG_ROWS);
    let dataloader = run.params().strategy == Strategy::DataLoader;
    let mut s = String::new();
    for i in start..end {
        let Some(q) = run.query(i) else {
            break;
        };
        let table = table_name(q.table);
        let _ = write!(
            s,
            r#"<li{}><div class="q-head"><span class="q-no">#{}</span><span class="badge t-{table}">{table}</span>"#,
            if i + 1 == end {
                r#" class="current""#
            } else {
                ""
            },
            thousands(i as u64 + 1),
        );
        if dataloader && q.tick > 0 {
            let _ = write!(s, r#"<span class="badge">tick {}</span>"#, q.tick);
        }
        let _ = write!(
            s,
            r#"<span class="q-figures">{} · {} · {}</span></div><code class="sql">{}</code></li>"#,
            plural(q.rows, "row", "rows"),
            bytes(q.bytes),
            duration(q.cost_ns),
            escape(&run.sql_preview(i))
        );
    }
    if let (Some(e), true) = (run.error(), step >= run.query_count()) {
        let _ = write!(
            s,
            r#"<li class="raised"><div class="q-head"><span class="badge t-raised">raised</span><span class="q-figures">no query sent</span></div><code class="sql">{}</code></li>"#,
            escape(e)
        );
    }
    s
}

fn cell(v: &Value) -> String {
    match v {
        Value::Int(i) => format!("<td>{i}</td>"),
        Value::Text(t) => format!("<td>{}</td>", escape(t)),
        Value::Null => r#"<td class="null">NULL</td>"#.to_string(),
    }
}

/// The first rows the current query returned, or a prompt before the first
/// query.
pub fn result(run: &Run, step: usize) -> String {
    let Some((i, q)) = run.query_at(step) else {
        return r#"<p class="log-empty">No query yet. Press Play or step forward.</p>"#.to_string();
    };
    let rows = run.rows(i, RESULT_ROWS);
    let mut s = format!(
        r#"<div class="table-wrap"><table><caption>Rows returned by query {}{}</caption><thead><tr>"#,
        thousands(i as u64 + 1),
        if matches!(
            q.shape,
            Shape::Join(_)
                | Shape::JoinItemsBy(_)
                | Shape::JoinItemsIn { .. }
                | Shape::JoinItemsSubquery
        ) {
            ": the parent columns repeat on every row"
        } else {
            ""
        }
    );
    for c in run.columns(i) {
        let _ = write!(s, r#"<th scope="col">{c}</th>"#);
    }
    s.push_str("</tr></thead><tbody>");
    for row in &rows {
        s.push_str("<tr>");
        for v in row {
            s.push_str(&cell(v));
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
    let more = q.rows.saturating_sub(rows.len() as u64);
    if more > 0 {
        let _ = write!(
            s,
            r#"<p class="more">and {} more</p>"#,
            plural(more, "row", "rows")
        );
    }
    if q.rows == 0 {
        s.push_str(r#"<p class="more">No rows: a round trip for nothing.</p>"#);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::nplus1::{Depth, Params};

    fn run(strategy: Strategy, users: u32) -> Run {
        Run::new(&Params {
            strategy,
            users,
            depth: Depth::Items,
            ..Params::default()
        })
    }

    #[test]
    fn the_frame_follows_the_step() {
        let r = run(Strategy::Lazy, 10);
        assert!(result(&r, 0).contains("No query yet"));
        assert_eq!(log(&r, 0), "");
        let l = log(&r, 9);
        assert_eq!(l.matches("<li").count(), LOG_ROWS);
        assert_eq!(l.matches("class=\"current\"").count(), 1);
        assert!(l.contains("#9</span>"));
        assert!(
            counters(&r, 9).contains(r#"<span class="now">9</span><span class="of">of 41</span>"#)
        );
        let res = result(&r, 2);
        assert!(res.contains("Rows returned by query 2"));
        assert!(res.contains("<th scope=\"col\">orders.user_id</th>"));
        assert!(res.contains("and 1 row") || res.matches("<tr>").count() == 4);
        assert_eq!(veil_x(&r, 0), "0");
        assert_eq!(veil_x(&r, r.query_count()), STRIP_W.to_string());
    }

    #[test]
    fn the_strip_groups_long_runs_and_joins_show_nulls() {
        let big = run(Strategy::Lazy, 1_000);
        assert_eq!(
            strip(&big).matches("<rect").count(),
            4_001usize.div_ceil(26)
        );
        assert!(strip_label(&big).contains("one mark per 26 queries"));
        let small = run(Strategy::SelectIn, 3);
        assert_eq!(strip(&small).matches("<rect").count(), 3);
        let none = Run::new(&Params {
            strategy: Strategy::Joined,
            orders: 0,
            users: 2,
            ..Params::default()
        });
        let res = result(&none, 1);
        assert!(res.contains("class=\"null\""));
        assert!(res.contains("parent columns repeat"));
        let dl = run(Strategy::DataLoader, 5);
        assert!(log(&dl, 3).contains("tick 2"));
    }

    #[test]
    fn a_guard_shows_what_the_orm_raised_after_the_last_query() {
        let r = run(Strategy::Raise, 3);
        let n = r.query_count();
        assert!(!log(&r, n - 1).contains("raised"));
        let last = log(&r, n);
        assert!(last.contains(r#"class="raised""#), "{last}");
        assert!(last.contains("due to lazy=&#39;raise&#39;"), "{last}");
    }
}
