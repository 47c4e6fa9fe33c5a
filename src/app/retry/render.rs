//! The frame of a step as HTML and SVG text: the figures so far, the calls
//! of a window of clients on a timeline, the clients by attempts so far,
//! the resource's load and success rate up to the step, and the breaker's
//! state and the budget's tokens when they are on. Plain functions of a run
//! and a step, tested natively; one path per kind of mark, so that a
//! thousand clients' attempts never become a thousand elements.

use std::fmt::Write;

use crate::app::html::escape;
use crate::sim::breaker::State;
use crate::sim::retry::{nanos, Mark, Run, MS};
use crate::sim::{thousands, Model, Trace};

/// Clients shown at once on the timeline.
pub const ROWS: usize = 40;

/// Width of every drawing, in SVG units.
const W: f64 = 640.0;
const LEFT: f64 = 58.0;
const RIGHT: f64 = 8.0;

/// The plot's x of time `t` (ns) in a run lasting `span` ns.
fn x_at(t: u64, span: u64) -> f64 {
    LEFT + (t as f64 / span.max(1) as f64).clamp(0.0, 1.0) * (W - LEFT - RIGHT)
}

/// A coordinate to one decimal: finer than a pixel at any size drawn.
fn c(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The time the drawings span: every interval of the run.
fn span(run: &Run) -> u64 {
    run.buckets().len() as u64 * run.tick()
}

/// The end of the interval `step` shows, ns (0 at step 0).
fn now(run: &Run, step: usize) -> u64 {
    let step = step.min(run.steps() - 1);
    step as u64 * run.tick()
}

/// The figures so far, as the `<dl class="counters">` items.
pub fn counters(run: &Run, step: usize) -> String {
    let step = step.min(run.steps() - 1);
    let sums = run.so_far(step);
    let t = run.totals();
    let snap = step
        .checked_sub(1)
        .and_then(|i| run.snaps().get(i))
        .copied()
        .unwrap_or_default();
    let rate = step
        .checked_sub(1)
        .and_then(|i| run.buckets().get(i))
        .filter(|b| b.reached > 0)
        .map(|b| {
            format!(
                "{}%",
                (f64::from(b.ok) * 100.0 / f64::from(b.reached)).round()
            )
        })
        .unwrap_or_else(|| "\u{2013}".into());
    let items = [
        ("Time", nanos(run.interval(step).1), String::new()),
        (
            "Attempts sent",
            thousands(sums.sent.into()),
            format!("of {}", thousands(t.sent)),
        ),
        (
            "Reached the resource",
            thousands(sums.reached.into()),
            format!("of {} (the work)", thousands(t.work)),
        ),
        (
            "Units done",
            thousands(sums.done.into()),
            format!("of {}", thousands(t.units)),
        ),
        (
            "Given up",
            thousands(sums.gave_up.into()),
            format!("of {}", thousands(t.failed)),
        ),
        (
            "Backing off",
            thousands(snap.backing_off.into()),
            "waiting to retry".into(),
        ),
        (
            "Waiting for an answer",
            thousands(snap.in_flight.into()),
            "in flight".into(),
        ),
        ("Success rate", rate, "in this interval".into()),
    ];
    let mut s = String::new();
    for (label, now, of) in items {
        let _ = write!(
            s,
            r#"<div class="stat"><dt>{label}</dt><dd><span class="now">{}</span><span class="of">{}</span></dd></div>"#,
            escape(&now),
            escape(&of)
        );
    }
    s
}

/// Time ticks along the bottom of a drawing of height `h`: about five,
/// at round times.
fn time_axis(s: &mut String, span_ns: u64, top: f64, h: f64) {
    let span_ms = span_ns / MS;
    let step = [
        1u64, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 60_000,
        120_000, 300_000, 600_000,
    ]
    .into_iter()
    .find(|&st| span_ms / st <= 6)
    .unwrap_or(1_200_000);
    let mut t = 0;
    while t <= span_ms {
        let x = c(x_at(t * MS, span_ns));
        let label = if step >= 1_000 {
            format!("{} s", t / 1_000)
        } else {
            format!("{t} ms")
        };
        let _ = write!(
            s,
            r#"<line class="grid" x1="{x}" x2="{x}" y1="{top}" y2="{}"/><text class="tick" x="{x}" y="{}" text-anchor="middle">{label}</text>"#,
            h - 16.0,
            h - 4.0
        );
        t += step;
    }
}

/// The band of the outage at the start, if any, from `top` to `bottom`.
fn outage_band(s: &mut String, run: &Run, top: f64, bottom: f64) {
    let out = u64::from(run.params().outage_ms) * MS;
    if out == 0 {
        return;
    }
    let sp = span(run);
    let _ = write!(
        s,
        r#"<rect class="rt-down" x="{LEFT}" y="{top}" width="{}" height="{}"><title>Down for the first {}</title></rect>"#,
        c(x_at(out, sp) - LEFT),
        c(bottom - top),
        nanos(out)
    );
}

const ROW_H: f64 = 11.0;
const TL_TOP: f64 = 6.0;

/// The calls of clients `from..from + ROWS` on a timeline up to `step`:
/// one row per client, a mark per attempt at the interval it left in.
pub fn timeline(run: &Run, step: usize, from: usize) -> String {
    let lanes = run.lanes(from, ROWS, step);
    let sp = span(run);
    let rows = lanes.len().max(1);
    let h = TL_TOP + rows as f64 * ROW_H + 22.0;
    let plot_bottom = TL_TOP + rows as f64 * ROW_H;
    let ends = |ok: bool| {
        lanes
            .iter()
            .map(|l| l.ends.iter().filter(|e| e.1 == ok).count())
            .sum::<usize>()
    };
    let label = format!(
        "Attempts of clients {} to {} of {} up to {}: {} first tries, {} later attempts; {} units done, {} given up.",
        from + 1,
        from + lanes.len(),
        thousands(run.clients() as u64),
        nanos(now(run, step)),
        count(&lanes, Mark::First),
        count(&lanes, Mark::Later),
        ends(true),
        ends(false)
    );
    let mut s = format!(
        r#"<svg class="rt-timeline" viewBox="0 0 {W} {h}" role="img" aria-label="{}">"#,
        escape(&label)
    );
    outage_band(&mut s, run, TL_TOP, plot_bottom);
    time_axis(&mut s, sp, TL_TOP, h);
    let tick = run.tick();
    let bw = ((W - LEFT - RIGHT) / run.buckets().len().max(1) as f64).clamp(1.2, 6.0);
    let mut paths: [String; 4] = Default::default();
    for (i, lane) in lanes.iter().enumerate() {
        let y = TL_TOP + i as f64 * ROW_H;
        if i % 5 == 0 || lanes.len() <= 10 {
            let _ = write!(
                s,
                r#"<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
                LEFT - 4.0,
                c(y + ROW_H - 2.5),
                lane.client + 1
            );
        }
        for &(b, m) in &lane.marks {
            let x = c(x_at(u64::from(b) * tick + tick / 2, sp) - bw / 2.0);
            let k = match m {
                Mark::First => 0,
                Mark::Later => 1,
            };
            let _ = write!(
                paths[k],
                "M{x} {}h{}v{}h-{}z",
                c(y + 2.0),
                c(bw),
                ROW_H - 4.0,
                c(bw)
            );
        }
        // A unit's end: a diamond when done, a cross when given up, at the
        // end of the interval it ended in.
        for &(b, ok) in &lane.ends {
            let x = c(x_at(u64::from(b + 1) * tick, sp));
            let (cy, r) = (c(y + ROW_H / 2.0), (ROW_H / 2.0 - 0.5).min(5.0));
            if ok {
                let _ = write!(paths[2], "M{x} {}l{r} {r}l-{r} {r}l-{r} -{r}z", c(cy - r));
            } else {
                let _ = write!(
                    paths[3],
                    "M{} {}l{} {}m0 -{}l-{} {}",
                    c(x - r),
                    c(cy - r),
                    2.0 * r,
                    2.0 * r,
                    2.0 * r,
                    2.0 * r,
                    2.0 * r
                );
            }
        }
    }
    for (k, class) in ["rt-first", "rt-retry", "rt-done", "rt-gave-up rt-cross"]
        .into_iter()
        .enumerate()
    {
        if !paths[k].is_empty() {
            let _ = write!(s, r#"<path class="{class}" d="{}"/>"#, paths[k]);
        }
    }
    let x = c(x_at(now(run, step), sp));
    let _ = write!(
        s,
        r#"<line class="rt-now" x1="{x}" x2="{x}" y1="{}" y2="{plot_bottom}"/></svg>"#,
        TL_TOP - 4.0
    );
    s
}

fn count(lanes: &[crate::sim::retry::Lane], m: Mark) -> usize {
    lanes
        .iter()
        .map(|l| l.marks.iter().filter(|x| x.1 == m).count())
        .sum()
}

/// The legend of the timeline: what the marks mean for this run.
pub fn timeline_legend(run: &Run) -> String {
    let later = if run.one_unit_each() {
        "Retry"
    } else {
        "Later attempt (a retry, or the next unit\u{2019}s first try)"
    };
    let mut s = format!(
        r#"<li><span class="rt-key rt-first" aria-hidden="true"></span>First try</li><li><span class="rt-key rt-retry" aria-hidden="true"></span>{}</li><li><span class="rt-key rt-end-done" aria-hidden="true"></span>Unit done</li><li><span class="rt-key rt-end-gave-up" aria-hidden="true"></span>Unit given up</li>"#,
        escape(later)
    );
    if run.params().outage_ms > 0 {
        s.push_str(
            r#"<li><span class="rt-key rt-down" aria-hidden="true"></span>Resource down</li>"#,
        );
    }
    s
}

const LOAD_H: f64 = 150.0;
const RATE_H: f64 = 96.0;
const TOP: f64 = 16.0;

/// Attempts per second at the resource in each interval up to `step`,
/// split into those that succeeded and those that failed, on the scale of
/// the whole run.
pub fn load_chart(run: &Run, step: usize) -> String {
    let step = step.min(run.steps() - 1);
    let sp = span(run);
    let per_s = 1e9 / run.tick().max(1) as f64;
    let peak = run
        .buckets()
        .iter()
        .map(|b| b.reached)
        .max()
        .unwrap_or(0)
        .max(1);
    let bottom = LOAD_H - 20.0;
    let y = |v: u32| c(bottom - f64::from(v) / f64::from(peak) * (bottom - TOP));
    let shown = &run.buckets()[..step.min(run.buckets().len())];
    let sum = run.so_far(step);
    let label = format!(
        "Load on the resource up to {}: {} attempts reached it, {} succeeded. The highest load of the run is {} attempts a second.",
        nanos(now(run, step)),
        thousands(sum.reached.into()),
        thousands(sum.ok.into()),
        thousands((f64::from(peak) * per_s).round() as u64)
    );
    let mut s = format!(
        r#"<svg class="rt-chart" viewBox="0 0 {W} {LOAD_H}" role="img" aria-label="{}">"#,
        escape(&label)
    );
    outage_band(&mut s, run, TOP, bottom);
    time_axis(&mut s, sp, TOP, LOAD_H);
    for f in [0.0, 0.5, 1.0] {
        let v = (f64::from(peak) * f).round() as u32;
        let yy = y(v);
        let _ = write!(
            s,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{yy}" y2="{yy}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}/s</text>"#,
            W - RIGHT,
            LEFT - 4.0,
            c(yy + 3.5),
            short((f64::from(v) * per_s).round() as u64)
        );
    }
    let bw = c(((W - LEFT - RIGHT) / run.buckets().len().max(1) as f64).max(0.6));
    let (mut ok, mut failed) = (String::new(), String::new());
    for (i, b) in shown.iter().enumerate() {
        if b.reached == 0 {
            continue;
        }
        let x = c(x_at(i as u64 * run.tick(), sp));
        let _ = write!(ok, "M{x} {bottom}V{}h{bw}V{bottom}z", y(b.ok));
        if b.reached > b.ok {
            let _ = write!(
                failed,
                "M{x} {}V{}h{bw}V{}z",
                y(b.ok),
                y(b.reached),
                y(b.ok)
            );
        }
    }
    let _ = write!(
        s,
        r#"<path class="rt-ok" d="{ok}"/><path class="rt-failed" d="{failed}"/>"#
    );
    now_line(&mut s, run, step, TOP, bottom);
    s.push_str("</svg>");
    s
}

fn now_line(s: &mut String, run: &Run, step: usize, top: f64, bottom: f64) {
    let x = c(x_at(now(run, step), span(run)));
    let _ = write!(
        s,
        r#"<line class="rt-now" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/>"#
    );
}

/// `950`, `1.2k`, `45k`, `1.5M`.
fn short(v: u64) -> String {
    match v {
        0..1_000 => v.to_string(),
        1_000..10_000 => format!("{:.1}k", v as f64 / 1e3),
        10_000..1_000_000 => format!("{}k", v / 1_000),
        _ => format!("{:.1}M", v as f64 / 1e6),
    }
}

/// The share of the attempts reaching the resource that succeed, per
/// interval up to `step` (no point where none reached it).
pub fn rate_chart(run: &Run, step: usize) -> String {
    let step = step.min(run.steps() - 1);
    let sp = span(run);
    let bottom = RATE_H - 20.0;
    let y = |f: f64| c(bottom - f * (bottom - TOP));
    let sum = run.so_far(step);
    let label = format!(
        "Success rate at the resource per interval up to {}: {} of {} attempts so far succeeded.",
        nanos(now(run, step)),
        thousands(sum.ok.into()),
        thousands(sum.reached.into())
    );
    let mut s = format!(
        r#"<svg class="rt-chart" viewBox="0 0 {W} {RATE_H}" role="img" aria-label="{}">"#,
        escape(&label)
    );
    outage_band(&mut s, run, TOP, bottom);
    time_axis(&mut s, sp, TOP, RATE_H);
    for f in [0.0, 0.5, 1.0] {
        let yy = y(f);
        let _ = write!(
            s,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{yy}" y2="{yy}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}%</text>"#,
            W - RIGHT,
            LEFT - 4.0,
            c(yy + 3.5),
            (f * 100.0) as u32
        );
    }
    let mut d = String::new();
    let mut pen = false;
    for (i, b) in run.buckets()[..step.min(run.buckets().len())]
        .iter()
        .enumerate()
    {
        if b.reached == 0 {
            pen = false;
            continue;
        }
        let x = c(x_at(i as u64 * run.tick() + run.tick() / 2, sp));
        let f = f64::from(b.ok) / f64::from(b.reached);
        let _ = write!(d, "{}{x} {}", if pen { "L" } else { "M" }, y(f));
        pen = true;
    }
    let _ = write!(s, r#"<path class="rt-rate" d="{d}"/>"#);
    now_line(&mut s, run, step, TOP, bottom);
    s.push_str("</svg>");
    s
}

/// The clients by attempts sent so far: a bar per count (the last bar
/// counts that many or more).
pub fn histogram(run: &Run, step: usize) -> String {
    let bins = (run.most_calls() as usize + 1).clamp(2, 16);
    let h = run.histogram(step, bins);
    let peak = h.iter().copied().max().unwrap_or(0).max(1);
    let (hw, hh, bottom) = (W, 120.0, 96.0);
    let bw = (hw - LEFT - RIGHT) / bins as f64;
    let label = format!(
        "Clients by attempts sent up to {}: {}.",
        nanos(now(run, step)),
        h.iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(i, &n)| format!(
                "{} with {}{}",
                thousands(n.into()),
                i,
                if i + 1 == bins { " or more" } else { "" }
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut s = format!(
        r#"<svg class="rt-chart rt-hist" viewBox="0 0 {hw} {hh}" role="img" aria-label="{}">"#,
        escape(&label)
    );
    let _ = write!(
        s,
        r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{bottom}" y2="{bottom}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
        hw - RIGHT,
        LEFT - 4.0,
        TOP + 4.0,
        thousands(peak.into())
    );
    for (i, &n) in h.iter().enumerate() {
        let x = LEFT + i as f64 * bw;
        let top = bottom - f64::from(n) / f64::from(peak) * (bottom - TOP);
        let class = match i {
            0 => "rt-none",
            1 => "rt-first",
            _ => "rt-retry",
        };
        if n > 0 {
            let _ = write!(
                s,
                r#"<rect class="{class}" x="{}" y="{}" width="{}" height="{}"/>"#,
                c(x + 2.0),
                c(top),
                c(bw - 4.0),
                c(bottom - top)
            );
        }
        let _ = write!(
            s,
            r#"<text class="tick" x="{}" y="{}" text-anchor="middle">{}{}</text>"#,
            c(x + bw / 2.0),
            bottom + 13.0,
            i,
            if i + 1 == bins { "+" } else { "" }
        );
    }
    let _ = write!(
        s,
        r#"<text class="axis-label" x="{}" y="{}" text-anchor="middle">attempts sent</text></svg>"#,
        (LEFT + hw - RIGHT) / 2.0,
        hh - 2.0
    );
    s
}

/// The breaker's state and the budget's tokens over time up to `step`,
/// when either is on (empty otherwise).
pub fn guards(run: &Run, step: usize) -> String {
    let p = run.params();
    if !p.breaker && !p.budget {
        return String::new();
    }
    let step = step.min(run.steps() - 1);
    let sp = span(run);
    let snaps = &run.snaps()[..step.min(run.snaps().len())];
    let tick = run.tick();
    let mut s = String::new();
    if p.breaker {
        let state = snaps
            .last()
            .and_then(|x| x.breaker)
            .unwrap_or(State::Closed);
        let opened = run
            .transitions()
            .iter()
            .filter(|t| t.to == State::Open && t.at * MS < now(run, step))
            .count();
        let _ = write!(
            s,
            r#"<p class="rt-guard-now">Breaker: <strong class="rt-state s-{}">{}</strong> (opened {} so far; fail_max {}, {} in open)</p>"#,
            state_class(state),
            state.label(),
            opened,
            p.fail_max,
            nanos(u64::from(p.wait_ms) * MS)
        );
        let label = format!(
            "The client breaker's state over time up to {}: {} now.",
            nanos(now(run, step)),
            state.label()
        );
        let _ = write!(
            s,
            r#"<svg class="rt-strip" viewBox="0 0 {W} 16" preserveAspectRatio="none" role="img" aria-label="{}">"#,
            escape(&label)
        );
        let mut i = 0;
        while i < snaps.len() {
            let st = snaps[i].breaker.unwrap_or(State::Closed);
            let mut j = i + 1;
            while j < snaps.len() && snaps[j].breaker.unwrap_or(State::Closed) == st {
                j += 1;
            }
            let x0 = c(x_at(i as u64 * tick, sp));
            let x1 = c(x_at(j as u64 * tick, sp));
            let _ = write!(
                s,
                r#"<rect class="rt-band s-{}" x="{x0}" y="2" width="{}" height="12"/>"#,
                state_class(st),
                c(x1 - x0)
            );
            i = j;
        }
        s.push_str("</svg>");
    }
    if p.budget {
        let left = snaps.last().and_then(|x| x.tokens).unwrap_or(p.burst);
        let sum = run.so_far(step);
        let _ = write!(
            s,
            r#"<p class="rt-guard-now">Retry budget: <strong>{}</strong> of {} tokens left ({} a second back); {} retries refused so far</p>"#,
            thousands(left.into()),
            thousands(p.burst.into()),
            thousands(p.refill.into()),
            thousands(sum.refused.into())
        );
        let (h, bottom) = (40.0, 36.0);
        let y = |v: u32| {
            c(bottom - f64::from(v.min(p.burst)) / f64::from(p.burst.max(1)) * (bottom - 4.0))
        };
        let mut d = String::new();
        for (i, sn) in snaps.iter().enumerate() {
            let x = c(x_at((i as u64 + 1) * tick, sp));
            let _ = write!(
                d,
                "{}{x} {}",
                if i == 0 { "M" } else { "L" },
                y(sn.tokens.unwrap_or(0))
            );
        }
        let label = format!(
            "Budget tokens over time up to {}: {} left now.",
            nanos(now(run, step)),
            thousands(left.into())
        );
        let _ = write!(
            s,
            r#"<svg class="rt-strip rt-tokens" viewBox="0 0 {W} {h}" preserveAspectRatio="none" role="img" aria-label="{}"><line class="grid" x1="{LEFT}" x2="{}" y1="{bottom}" y2="{bottom}"/><path class="rt-token-line" d="{d}"/></svg>"#,
            escape(&label),
            W - RIGHT
        );
    }
    s
}

fn state_class(s: State) -> &'static str {
    match s {
        State::Closed => "closed",
        State::Open => "open",
        State::HalfOpen => "half-open",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::retry::{Params, Preset};

    #[test]
    fn the_frame_follows_the_model() {
        let run = Run::new(&Preset::Herd.params());
        let last = run.steps() - 1;
        let c = counters(&run, last);
        assert!(c.contains(&format!(
            "<span class=\"now\">{}</span><span class=\"of\">of {} (the work)</span>",
            thousands(run.totals().work),
            thousands(run.totals().work)
        )));
        assert!(counters(&run, 0).contains("<span class=\"now\">0</span>"));
        let t = timeline(&run, last, 0);
        assert_eq!(t.matches("<path").count(), 3);
        assert!(t.contains("Attempts of clients 1 to 40 of 200"));
        assert!(timeline(&run, 0, 0).contains("0 first tries"));
        let l = load_chart(&run, last);
        assert!(l.contains(&format!(
            "{} attempts reached it",
            thousands(run.totals().work)
        )));
        assert!(rate_chart(&run, 5).contains("<path class=\"rt-rate\""));
        assert!(histogram(&run, last).contains("Clients by attempts sent"));
        assert_eq!(guards(&run, last), "");
    }

    #[test]
    fn guards_show_the_breaker_and_the_budget() {
        let budget = Run::new(&Preset::Budget.params());
        let g = guards(&budget, budget.steps() - 1);
        assert!(g.contains("Retry budget:"));
        assert!(g.contains(&format!(
            "{} retries refused so far",
            thousands(budget.totals().refused)
        )));
        let p = Params {
            breaker: true,
            ..Preset::Herd.params()
        };
        let run = Run::new(&p);
        let g = guards(&run, run.steps() - 1);
        assert!(g.contains("Breaker: <strong"));
        assert!(g.contains("rt-band s-open"));
    }
}
