//! The cache-aside frame as SVG and HTML text: the sequence diagram, the
//! cache and database contents with the figures, the rows of the script
//! editors, and the comparison tables. Plain functions, tested natively.

use std::fmt::Write;

use crate::app::html::escape;
use crate::app::live::Edit;
use crate::sim::cache::workload::Report;
use crate::sim::cache::{secs, token_slug, version_in, Lane, Op, Params, Run, Token, KEY};
use crate::sim::thousands;

const NAMES: [&str; crate::sim::cache::MAX_INSTANCES] =
    ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"];

/// The lanes' x positions: the instances, then the cache and the database.
fn lane_x(instances: usize, lane: Lane) -> f64 {
    let apps = instances.max(1) as f64;
    match lane {
        Lane::App(i) => 40.0 + i as f64 * (150.0 / apps),
        Lane::Cache => 250.0,
        Lane::Db => 380.0,
    }
}

/// How many steps the diagram shows, ending at the current one.
pub const WINDOW: usize = 9;

/// The sequence diagram up to `step`: one lifeline per instance, the cache
/// and the database; the arrows of the last few steps, the current step's
/// highlighted.
pub fn sequence(run: &Run, step: usize) -> String {
    let steps = run.steps_list();
    let step = step.min(steps.len() - 1);
    let n = run.params().programs.len();
    let first = (step + 1).saturating_sub(WINDOW).max(1);
    let rows: usize = steps[first..=step]
        .iter()
        .map(|s| s.arrows.len().max(1))
        .sum::<usize>()
        .max(1);
    let row_h = 30.0;
    let top = 34.0;
    let h = top + rows as f64 * row_h + 12.0;
    let label = format!(
        "Sequence of steps {} to {}: {}",
        first.min(step),
        step,
        steps[step]
            .arrows
            .iter()
            .map(|a| format!("{} \u{2192} {}", a.request, a.reply))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let mut s = format!(
        r#"<svg class="ca-seq" viewBox="0 0 420 {h:.0}" role="img" aria-label="{}"><defs><marker id="ca-head" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" orient="auto"><path d="M0 0 L10 5 L0 10z" class="ca-headp"/></marker></defs>"#,
        escape(&label)
    );
    let mut lanes: Vec<(Lane, String)> = (0..n)
        .map(|i| (Lane::App(i), NAMES[i].to_string()))
        .collect();
    lanes.push((Lane::Cache, "Cache".into()));
    lanes.push((Lane::Db, "Database".into()));
    for (lane, name) in &lanes {
        let x = lane_x(n, *lane);
        let _ = write!(
            s,
            r#"<line class="ca-life" x1="{x:.1}" x2="{x:.1}" y1="24" y2="{:.0}"/><text class="ca-lane" x="{x:.1}" y="14" text-anchor="middle">{name}</text>"#,
            h - 6.0
        );
    }
    if step == 0 {
        let _ = write!(
            s,
            r#"<text class="ca-empty" x="210" y="{:.0}" text-anchor="middle">Step forward to send the first command.</text>"#,
            top + 14.0
        );
    }
    let mut y = top;
    for (k, st) in steps.iter().enumerate().take(step + 1).skip(first) {
        let class = if k == step { "ca-step now" } else { "ca-step" };
        let _ = write!(s, r#"<g class="{class}">"#);
        if st.arrows.is_empty() {
            let _ = write!(
                s,
                r#"<text class="ca-note" x="8" y="{:.0}">#{k}</text><text class="ca-note" x="210" y="{:.0}" text-anchor="middle">{}</text>"#,
                y + 12.0,
                y + 12.0,
                escape(&short_note(&st.note))
            );
            y += row_h;
        }
        for (j, a) in st.arrows.iter().enumerate() {
            let (x1, x2) = (lane_x(n, a.from), lane_x(n, a.to));
            let ly = y + 16.0;
            if j == 0 {
                let _ = write!(
                    s,
                    r#"<text class="ca-note" x="4" y="{:.0}">#{k}</text>"#,
                    ly - 4.0
                );
            }
            let stale = a.reply.starts_with('"')
                && version_in(a.reply.trim_matches('"')).is_some_and(|v| v < st.db_version)
                && a.request.starts_with("GET");
            let _ = write!(
                s,
                r#"<line class="ca-arrow{}" x1="{:.1}" x2="{:.1}" y1="{ly:.0}" y2="{ly:.0}" marker-end="url(#ca-head)"/><text class="ca-req" x="{:.1}" y="{:.0}">{}</text><text class="ca-reply{}" x="{:.1}" y="{:.0}" text-anchor="end">{}</text>"#,
                if stale { " stale" } else { "" },
                x1 + 3.0,
                x2 - 3.0,
                x1 + 5.0,
                ly - 5.0,
                escape(&a.request),
                if stale { " stale" } else { "" },
                x2 - 5.0,
                ly + 11.0,
                escape(&format!("\u{2190} {}", a.reply))
            );
            y += row_h;
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

/// The first sentence of a step's note.
fn short_note(note: &str) -> String {
    note.split(". ")
        .next()
        .unwrap_or(note)
        .trim_end_matches('.')
        .to_string()
}

/// The cache and database contents at `step`, stale entries marked, and
/// the figures.
pub fn state(run: &Run, step: usize) -> String {
    let st = run.step(step);
    let mut s = String::from(
        r#"<div class="ca-stores"><div class="ca-store"><h4>Cache</h4><table><thead><tr><th scope="col">key</th><th scope="col">value</th><th scope="col">TTL left</th></tr></thead><tbody>"#,
    );
    for (key, value, exp) in &st.keys {
        let stale = key == KEY && st.cached_stale;
        let _ = write!(
            s,
            r#"<tr{}><td><code>{}</code></td><td>{}{}</td><td>{}</td></tr>"#,
            if stale { r#" class="stale""# } else { "" },
            escape(key),
            escape(value.split('|').next().unwrap_or("")),
            if stale { " <strong>stale</strong>" } else { "" },
            exp.map(|e| secs(e.saturating_sub(st.at)))
                .unwrap_or_else(|| "none".into())
        );
    }
    if st.keys.is_empty() {
        s.push_str(r#"<tr><td colspan="3"><em>empty</em></td></tr>"#);
    }
    let _ = write!(
        s,
        r#"</tbody></table></div><div class="ca-store"><h4>Database</h4><table><thead><tr><th scope="col">id</th><th scope="col">value</th></tr></thead><tbody>{}</tbody></table></div></div>"#,
        if st.db_version == 0 {
            r#"<tr><td colspan="2"><em>no row 42</em></td></tr>"#.to_string()
        } else {
            format!("<tr><td>42</td><td>v{}</td></tr>", st.db_version)
        }
    );
    s
}

/// The running figures at `step`, as the items of a `<dl>`.
pub fn figures(run: &Run, step: usize) -> String {
    let f = run.step(step).figures;
    let all = run.total();
    let items = [
        (
            "Reads",
            f.reads,
            all.reads,
            format!(
                "{} {}, {} {}, {} {}",
                f.hits,
                if f.hits == 1 { "hit" } else { "hits" },
                f.misses,
                if f.misses == 1 { "miss" } else { "misses" },
                f.waits,
                if f.waits == 1 { "wait" } else { "waits" }
            ),
        ),
        (
            "Database reads",
            f.db_reads,
            all.db_reads,
            format!("of {} in the run", all.db_reads),
        ),
        (
            "Stale reads",
            f.stale_reads,
            all.stale_reads,
            if f.longest_stale_ms > 0 {
                format!("longest {} behind", secs(f.longest_stale_ms))
            } else {
                format!("of {} in the run", all.stale_reads)
            },
        ),
        (
            "Writes lost",
            f.writes_lost,
            all.writes_lost,
            if f.refused_sets == 1 {
                "1 set refused".to_string()
            } else {
                format!("{} sets refused", f.refused_sets)
            },
        ),
    ];
    let mut s = String::new();
    for (label, now, _, note) in items {
        let _ = write!(
            s,
            r#"<div class="stat{}"><dt>{label}</dt><dd><span class="now">{}</span><span class="of">{}</span></dd></div>"#,
            if label == "Stale reads" && now > 0 {
                " bad"
            } else {
                ""
            },
            thousands(now.into()),
            escape(&note)
        );
    }
    s
}

/// The buttons that add a step or a crash of each instance to the
/// schedule, as HTML: `data-i` is the instance, `data-f` the edit.
pub fn schedule_buttons(instances: usize) -> String {
    let (step, crash) = (Edit::StepOf, Edit::CrashOf);
    let mut s = String::new();
    for (i, name) in NAMES.iter().enumerate().take(instances) {
        let id = name.to_ascii_lowercase();
        let _ = write!(
            s,
            r#"<button type="button" class="button" id="ca-add-{id}" data-i="{i}" data-f="{step}">{name} steps</button>"#
        );
    }
    for (i, name) in NAMES.iter().enumerate().take(instances) {
        let id = name.to_ascii_lowercase();
        let _ = write!(
            s,
            r#"<button type="button" class="text-button" id="ca-crash-{id}" data-i="{i}" data-f="{crash}">{name} crashes</button>"#
        );
    }
    s
}

/// The rows of the programs editor: per instance its operations, each
/// removable, and buttons to add a read or a write.
pub fn program_rows(p: &Params) -> String {
    let (drop, read, write) = (Edit::DropOp, Edit::AddRead, Edit::AddWrite);
    let mut s = String::new();
    for (i, ops) in p.programs.iter().enumerate() {
        let _ = write!(
            s,
            r#"<li class="ca-program"><span class="ca-inst">{}</span><span class="ca-ops">"#,
            NAMES[i]
        );
        if ops.is_empty() {
            s.push_str(r#"<span class="hint">nothing</span>"#);
        }
        for (j, op) in ops.iter().enumerate() {
            let word = match op {
                Op::Read => "read",
                Op::Write => "write",
            };
            let _ = write!(
                s,
                r#"<button type="button" class="ca-chip" id="ca-op-{i}-{j}" data-i="{i}" data-j="{j}" data-f="{drop}" aria-label="Remove {} operation {}: {word}">{word} <span aria-hidden="true">&#215;</span></button>"#,
                NAMES[i],
                j + 1
            );
        }
        let _ = write!(
            s,
            r#"</span><button type="button" class="text-button" id="ca-add-read-{i}" data-i="{i}" data-j="0" data-f="{read}">+ read</button><button type="button" class="text-button" id="ca-add-write-{i}" data-i="{i}" data-j="0" data-f="{write}">+ write</button></li>"#
        );
    }
    s
}

/// What a schedule entry does, for people.
fn token_label(t: Token) -> String {
    match t {
        Token::Step(i) => format!("{} takes a step", NAMES.get(i).copied().unwrap_or("?")),
        Token::Crash(i) => format!("{} crashes", NAMES.get(i).copied().unwrap_or("?")),
        Token::Wait(ms) => format!("the clock moves on {}", secs(ms)),
    }
}

/// The rows of the schedule: each entry (a button that shows its step),
/// with buttons to move it and remove it.
pub fn schedule_rows(p: &Params) -> String {
    let mut s = String::new();
    let n = p.schedule.len();
    let (go, up, down, remove) = (Edit::Go, Edit::Up, Edit::Down, Edit::Remove);
    for (i, t) in p.schedule.iter().enumerate() {
        let k = i + 1;
        let off = |b: bool| if b { " disabled" } else { "" };
        let _ = write!(
            s,
            r#"<li class="bk-action"><button type="button" class="bk-action-go" data-i="{i}" data-j="0" data-f="{go}" title="Show this step"><span class="bk-action-no">{k}</span><span><code>{}</code> {}</span></button><button type="button" class="icon-button small" id="ca-s-{i}-up" data-i="{i}" data-j="0" data-f="{up}" aria-label="Move entry {k} up"{}>&#8593;</button><button type="button" class="icon-button small" id="ca-s-{i}-down" data-i="{i}" data-j="0" data-f="{down}" aria-label="Move entry {k} down"{}>&#8595;</button><button type="button" class="icon-button small" id="ca-s-{i}-remove" data-i="{i}" data-j="0" data-f="{remove}" aria-label="Remove entry {k}">&#215;</button></li>"#,
            escape(&token_slug(*t)),
            escape(&token_label(*t)),
            off(i == 0),
            off(i + 1 >= n)
        );
    }
    s
}

/// A table of workload reports, one row per setup.
pub fn report_table(caption: &str, rows: &[(String, Report)], peak: bool) -> String {
    let mut s = format!(
        r#"<div class="table-wrap"><table class="sweep-table"><caption>{}</caption><thead><tr><th scope="col">setup</th><th scope="col">hit ratio</th><th scope="col">database reads</th>{}<th scope="col">database writes</th><th scope="col">stale reads</th><th scope="col">longest staleness</th><th scope="col">writes at risk</th></tr></thead><tbody>"#,
        escape(caption),
        if peak {
            r#"<th scope="col">busiest second</th>"#
        } else {
            ""
        }
    );
    for (name, r) in rows {
        let _ = write!(
            s,
            r#"<tr><th scope="row">{}</th><td>{}.{}%</td><td>{}</td>{}<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            escape(name),
            r.hit_permille() / 10,
            r.hit_permille() % 10,
            thousands(r.db_reads.into()),
            if peak {
                format!("<td>{}/s</td>", thousands(r.peak_db().into()))
            } else {
                String::new()
            },
            thousands(r.db_writes.into()),
            thousands(r.stale_reads.into()),
            secs(r.longest_stale_ms),
            thousands(r.at_risk.into())
        );
    }
    s.push_str("</tbody></table></div>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::cache::{Preset, Run};
    use crate::sim::Trace;

    #[test]
    fn the_frame_follows_the_model() {
        let run = Run::new(&Preset::StaleSet.params());
        // Step 5: A sets v1 after B's commit of v2.
        let seq = sequence(&run, 5);
        assert!(seq.contains("SET user:42 v1 PX 30000"), "{seq}");
        assert_eq!(seq.matches(r#"class="ca-step now""#).count(), 1);
        let st = state(&run, 5);
        assert!(st.contains("stale"), "{st}");
        assert!(st.contains("<td>42</td><td>v2</td>"));
        // Step 6: A's second read hits the stale value.
        let seq = sequence(&run, 6);
        assert!(seq.contains("ca-reply stale"), "{seq}");
        assert!(figures(&run, 6).contains("stat bad"));
        assert!(!figures(&run, 4).contains("stat bad"));
        let p = run.params();
        assert_eq!(program_rows(p).matches("ca-program").count(), 2);
        assert_eq!(schedule_rows(p).matches("<li").count(), p.schedule.len());
        assert!(sequence(&run, 0).contains("Step forward"));
        assert!(run.steps() > 6);
    }

    #[test]
    fn every_data_f_of_the_editors_is_an_edit() {
        for preset in Preset::ALL {
            let p = preset.params();
            let programs = crate::app::live::edits_in(&program_rows(&p));
            let ops: usize = p.programs.iter().map(Vec::len).sum();
            assert_eq!(programs.iter().filter(|e| **e == Edit::DropOp).count(), ops);
            for e in [Edit::AddRead, Edit::AddWrite] {
                assert_eq!(
                    programs.iter().filter(|f| **f == e).count(),
                    p.programs.len()
                );
            }
            let schedule = crate::app::live::edits_in(&schedule_rows(&p));
            assert_eq!(schedule.len(), 4 * p.schedule.len());
            for chunk in schedule.chunks(4) {
                assert_eq!(chunk, [Edit::Go, Edit::Up, Edit::Down, Edit::Remove]);
            }
        }
    }
}
