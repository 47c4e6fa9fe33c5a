//! The rate-limiter's drawings as SVG text: per lane, the requests of the
//! shown request's client around the step (a row per app instance; let
//! through, limited and still undecided told apart by shape as well as
//! colour, each with its reason as a tooltip) over the algorithm's state;
//! and the whole run in bins, every lane a row, with the step's moment
//! marked. Only a window of requests is drawn, whatever the run's length.

use std::fmt::Write;

use super::render::At;
use crate::app::html::escape;
use crate::sim::breaker::secs;
use crate::sim::model::Model;
use crate::sim::ratelimit::view::{decimal, instance_name, Bins};
use crate::sim::ratelimit::{Algo, Run};
use crate::sim::thousands;

/// The drawing's width, and its left and right margins.
const W: f64 = 560.0;
const L: f64 = 46.0;
const R: f64 = 12.0;
/// Where the request rows start, and the height of one.
const TOP: f64 = 24.0;
const ROW: f64 = 18.0;
/// The height of the state chart.
const CHART: f64 = 74.0;
/// Most requests of the client shown before and after the step's.
pub const BEFORE: usize = 48;
/// See [`BEFORE`].
pub const AFTER: usize = 16;
/// Bins of the whole-run overview.
pub const BINS: usize = 160;

/// A time axis from `lo` to `hi`, ms, onto the drawing's width.
#[derive(Clone, Copy)]
struct Axis {
    lo: f64,
    hi: f64,
}

impl Axis {
    fn x(self, at: u64) -> f64 {
        L + (at as f64 - self.lo) / (self.hi - self.lo) * (W - L - R)
    }
}

/// The requests every lane's timeline shows at `step`: the step's
/// client's, a window and a half before it and half a window after,
/// unless the client sends more than the marks that fit. One list for all
/// lanes, since they share the traffic.
pub fn shown(run: &Run, step: usize) -> Vec<usize> {
    let k = run.request_at(step).unwrap_or(0);
    let w = run.limits().window_ms;
    run.around(k, (w + w / 2, w / 2), (BEFORE, AFTER))
}

/// The timeline of lane `lane` at `step`: the requests `shown` (see
/// [`shown`]), the last window's span, the fixed windows' edges, and the
/// algorithm's state after each request below.
pub fn timeline(run: &Run, lane: usize, step: usize, shown: &[usize]) -> String {
    let at = At::of(run, step);
    let k = at.k.unwrap_or(0);
    let reqs = run.requests();
    let Some(l) = run.lanes().get(lane) else {
        return String::new();
    };
    if reqs.is_empty() {
        return String::new();
    }
    let w = run.limits().window_ms;
    let instances = u64::from(run.params().instances.max(1));
    let rows = instances as f64;
    let now = reqs[k].at;
    let first = shown.first().map_or(now, |&j| reqs[j].at);
    let last = shown.last().map_or(now, |&j| reqs[j].at);
    // The axis spans the requests shown (at least a twentieth of a
    // window), so that a burst squeezed around an edge reads mark by mark;
    // the last window's band runs off its left end when it is longer.
    let (mut lo, mut hi) = (first as f64, last as f64);
    let least = (w as f64 / 20.0).max(2.0);
    if hi - lo < least {
        let mid = (hi + lo) / 2.0;
        lo = (mid - least / 2.0).max(0.0);
        hi = lo + least;
    }
    let pad = (hi - lo) * 0.02;
    let axis = Axis {
        lo: lo - pad,
        hi: hi + pad,
    };
    let marks_h = ROW * rows;
    let chart_top = TOP + marks_h + 14.0;
    let h = chart_top + CHART + 18.0;
    let decided: Vec<bool> = shown.iter().map(|&j| at.decided(run, step, j)).collect();
    let (ok_n, no_n) = shown
        .iter()
        .zip(&decided)
        .filter(|x| *x.1)
        .fold((0, 0), |n, (&j, _)| {
            if l.ok[j] {
                (n.0 + 1, n.1)
            } else {
                (n.0, n.1 + 1)
            }
        });
    let label = format!(
        "{}: client {}\u{2019}s requests from {} to {}: {ok_n} let through, {no_n} limited{}",
        l.algo.label(),
        reqs[k].client,
        secs(first),
        secs(last),
        match at.k {
            Some(_) if at.decided(run, step, k) => format!("; this one: {}", run.reason(lane, k)),
            _ => String::new(),
        }
    );
    let mut s = format!(
        r#"<svg class="rl-timeline" viewBox="0 0 {W} {h}" role="img" tabindex="0" aria-label="{}">"#,
        escape(&label)
    );
    // The last window, ending at the shown request.
    if at.k.is_some() {
        let x0 = axis.x(now.saturating_sub(w)).max(L);
        let x1 = axis.x(now);
        let _ = write!(
            s,
            r#"<rect class="rl-band" x="{x0:.1}" y="{}" width="{:.1}" height="{:.1}"/><text class="rl-band-label" x="{x1:.1}" y="{}" text-anchor="end">last {}</text>"#,
            TOP - 4.0,
            (x1 - x0).max(1.5),
            chart_top + CHART - TOP + 4.0,
            TOP - 7.0,
            secs(w)
        );
    }
    edges(&mut s, run, lane, axis, chart_top);
    for i in 0..instances {
        let y = TOP + ROW * i as f64;
        let _ = write!(
            s,
            r#"<line class="grid" x1="{L}" x2="{}" y1="{:.1}" y2="{:.1}"/><text class="tick" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            W - R,
            y + ROW / 2.0,
            y + ROW / 2.0,
            L - 6.0,
            y + ROW / 2.0 + 3.5,
            instance_name(i as u8)
        );
    }
    state_chart(&mut s, run, lane, axis, chart_top, shown, &decided);
    for (&j, &known) in shown.iter().zip(&decided) {
        let r = reqs[j];
        let x = axis.x(r.at);
        let y = TOP + ROW * f64::from(r.instance) + ROW / 2.0;
        mark(&mut s, run, lane, j, x, y, known, at.k == Some(j));
    }
    let base = chart_top + CHART + 13.0;
    let _ = write!(
        s,
        r#"<text class="tick" x="{L}" y="{base}" text-anchor="start">{}</text><text class="tick" x="{}" y="{base}" text-anchor="end">{}</text></svg>"#,
        secs(axis.lo.max(0.0) as u64),
        W - R,
        secs(axis.hi.max(0.0) as u64)
    );
    s
}

/// The fixed windows' edges within the axis, for the algorithms that
/// count in fixed windows (at most 40 lines).
fn edges(s: &mut String, run: &Run, lane: usize, axis: Axis, bottom: f64) {
    let algo = run.lanes()[lane].algo;
    if !matches!(
        algo,
        Algo::CheatSheet | Algo::FixedWindow | Algo::SlidingCounter
    ) {
        return;
    }
    let w = run.limits().window_ms as f64;
    let first = (axis.lo.max(0.0) / w).ceil() as u64;
    let last = (axis.hi / w).floor() as u64;
    if last < first || last - first > 40 {
        return;
    }
    for e in first..=last {
        let x = axis.x(e * w as u64);
        let _ = write!(
            s,
            r#"<line class="rl-edge" x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{:.1}"/>"#,
            TOP - 2.0,
            bottom + CHART
        );
    }
}

/// One request's mark: a filled circle when let through, a cross when
/// limited, a hollow circle while undecided; the step's request ringed.
/// The tooltip gives the reason; a click shows the request's step.
#[allow(clippy::too_many_arguments)]
fn mark(s: &mut String, run: &Run, lane: usize, j: usize, x: f64, y: f64, known: bool, now: bool) {
    let r = run.requests()[j];
    let ok = run.lanes()[lane].ok[j];
    let (class, title) = if !known {
        ("wait", "not decided yet".to_string())
    } else {
        (if ok { "ok" } else { "no" }, run.reason(lane, j))
    };
    let _ = write!(
        s,
        r#"<g class="rl-m {class}" data-k="{j}"><title>Request {} at {} (instance {}): {}</title>"#,
        j + 1,
        secs(r.at),
        instance_name(r.instance),
        escape(&title)
    );
    if now {
        let _ = write!(
            s,
            r#"<circle class="rl-now" cx="{x:.1}" cy="{y:.1}" r="8.5"/>"#
        );
    }
    match class {
        "no" => {
            let _ = write!(
                s,
                r#"<path d="M{:.1} {:.1}l9 9m0 -9l-9 9" class="rl-x"/>"#,
                x - 4.5,
                y - 4.5
            );
        }
        _ => {
            let _ = write!(s, r#"<circle cx="{x:.1}" cy="{y:.1}" r="4.5"/>"#);
        }
    }
    s.push_str("</g>");
}

/// The algorithm's state after each decided request shown, as a step
/// line against the limit (or the burst).
fn state_chart(
    s: &mut String,
    run: &Run,
    lane: usize,
    axis: Axis,
    top: f64,
    shown: &[usize],
    decided: &[bool],
) {
    let cap = run.level_cap(lane);
    let levels: Vec<(u64, f64, bool)> = shown
        .iter()
        .zip(decided)
        .filter(|x| *x.1)
        .map(|(&j, _)| {
            (
                run.requests()[j].at,
                run.level(lane, j),
                run.lanes()[lane].ok[j],
            )
        })
        .collect();
    let most = levels
        .iter()
        .map(|x| x.1)
        .fold(cap * 1.25, f64::max)
        .max(1.0);
    let y = |v: f64| top + CHART - v / most * CHART;
    let _ = write!(
        s,
        r#"<line class="grid" x1="{L}" x2="{}" y1="{:.1}" y2="{:.1}"/><line class="rl-cap" x1="{L}" x2="{}" y1="{:.1}" y2="{:.1}"/><text class="tick" x="{}" y="{:.1}" text-anchor="end">{}</text><text class="tick" x="{}" y="{:.1}" text-anchor="end">0</text><text class="rl-chart-label" x="{}" y="{:.1}">{} ({} {})</text>"#,
        W - R,
        top + CHART,
        top + CHART,
        W - R,
        y(cap),
        y(cap),
        L - 6.0,
        y(cap) + 3.5,
        decimal(cap),
        L - 6.0,
        top + CHART + 3.5,
        L + 4.0,
        top + 9.0,
        run.level_name(lane),
        if run.lanes()[lane].algo.windowed() {
            "limit"
        } else {
            "burst"
        },
        decimal(cap)
    );
    if levels.is_empty() {
        return;
    }
    // Between two requests the line follows the state as time passes
    // (a bucket refilling, a window ending), then jumps at the next one.
    let known: Vec<usize> = shown
        .iter()
        .zip(decided)
        .filter(|x| *x.1)
        .map(|x| *x.0)
        .collect();
    let mut d = String::new();
    for (i, &(at, v, _)) in levels.iter().enumerate() {
        let (x, yv) = (axis.x(at), y(v));
        if i == 0 {
            let _ = write!(d, "M{x:.1} {yv:.1}");
        } else {
            let _ = write!(d, "L{x:.1} {yv:.1}");
        }
        if let (Some(&j), Some(next)) = (known.get(i), levels.get(i + 1)) {
            for (t, w) in run.level_path(lane, j, next.0).into_iter().skip(1) {
                let _ = write!(d, "L{:.1} {:.1}", axis.x(t), y(w));
            }
        }
    }
    let _ = write!(s, r#"<path class="rl-level" d="{d}"/>"#);
    for &(at, v, ok) in &levels {
        let _ = write!(
            s,
            r#"<circle class="rl-dot {}" cx="{:.1}" cy="{:.1}" r="2.6"/>"#,
            if ok { "ok" } else { "no" },
            axis.x(at),
            y(v)
        );
    }
}

/// The whole run in bins, a row per lane: requests let through (solid,
/// from the baseline) and limited (hatched, above), the step's moment
/// marked.
pub fn overview(run: &Run, bins: &Bins, step: usize) -> String {
    let lanes = run.lanes();
    let row = 30.0;
    let h = 8.0 + row * lanes.len() as f64 + 16.0;
    let bw = (W - L - R) / bins.lanes.first().map_or(1, |b| b.len()).max(1) as f64;
    let most = f64::from(bins.most.max(1));
    let now = run.request_at(step).map(|k| run.requests()[k].at);
    let total = bins.span_ms * bins.lanes.first().map_or(0, |b| b.len()) as u64;
    let mut s = format!(
        r#"<svg class="rl-overview" viewBox="0 0 {W} {h}" role="img" aria-label="{}"><defs><pattern id="rl-hatch" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="4" height="4" class="rl-hatch-bg"/><line x1="0" y1="0" x2="0" y2="4" class="rl-hatch-line"/></pattern></defs>"#,
        escape(&overview_label(run))
    );
    for (i, l) in bins.lanes.iter().enumerate() {
        let base = 8.0 + row * (i as f64 + 1.0) - 4.0;
        let _ = write!(
            s,
            r#"<line class="grid" x1="{L}" x2="{}" y1="{base:.1}" y2="{base:.1}"/><text class="tick" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            W - R,
            L - 6.0,
            base - 6.0,
            i + 1
        );
        let mut ok = String::new();
        let mut no = String::new();
        for (b, &(a, n)) in l.iter().enumerate() {
            let x = L + bw * b as f64;
            let ha = f64::from(a) / most * (row - 6.0);
            let hn = f64::from(n) / most * (row - 6.0);
            if a > 0 {
                let _ = write!(ok, "M{x:.1} {base:.1}h{:.2}v{:.2}h{:.2}z", bw, -ha, -bw);
            }
            if n > 0 {
                let _ = write!(
                    no,
                    "M{x:.1} {:.1}h{:.2}v{:.2}h{:.2}z",
                    base - ha,
                    bw,
                    -hn,
                    -bw
                );
            }
        }
        let _ = write!(
            s,
            r#"<path class="rl-bin ok" d="{ok}"/><path class="rl-bin no" d="{no}"/>"#
        );
    }
    if let (Some(at), true) = (now, total > 0) {
        let x = L + at as f64 / total as f64 * (W - L - R);
        let _ = write!(
            s,
            r#"<line class="rl-cursor" x1="{x:.1}" x2="{x:.1}" y1="4" y2="{:.1}"/>"#,
            h - 14.0
        );
    }
    // The run's end, where its bins' span ends a little later.
    let end = u64::from(run.params().seconds) * 1000;
    let x_end = L + end.min(total) as f64 / total.max(1) as f64 * (W - L - R);
    let _ = write!(
        s,
        r#"<text class="tick" x="{L}" y="{:.1}">0 s</text><text class="tick" x="{x_end:.1}" y="{:.1}" text-anchor="end">{}</text></svg>"#,
        h - 3.0,
        h - 3.0,
        secs(end)
    );
    s
}

/// The moment, ms, at `frac` of the overview's width (a click's place).
pub fn overview_time(bins: &Bins, frac: f64) -> u64 {
    let total = bins.span_ms * bins.lanes.first().map_or(0, |b| b.len()) as u64;
    let x = (frac * W - L) / (W - L - R);
    (x.clamp(0.0, 1.0) * total as f64) as u64
}

/// The overview's text for screen readers: each lane's totals.
fn overview_label(run: &Run) -> String {
    let parts: Vec<String> = run
        .lanes()
        .iter()
        .enumerate()
        .map(|(i, l)| {
            format!(
                "{} {}: {} let through, {} limited",
                i + 1,
                l.algo.label(),
                thousands(l.summary.allowed),
                thousands(l.summary.limited)
            )
        })
        .collect();
    format!("The whole run, every algorithm: {}", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::ratelimit::{Params, Preset};
    use crate::sim::Trace;

    #[test]
    fn a_lane_draws_a_bounded_window_of_marks_with_shapes() {
        let run = Run::new(&Preset::Abuser.params());
        let step = run.steps() / 2;
        for lane in 0..run.lanes().len() {
            let svg = timeline(&run, lane, step, &shown(&run, step));
            let marks = svg.matches("class=\"rl-m ").count();
            assert!(marks <= BEFORE + AFTER + 1 && marks > 10, "{marks}");
            assert_eq!(svg.matches("class=\"rl-now\"").count(), 1);
            // Limited requests are crosses, the others circles.
            assert_eq!(
                svg.matches("class=\"rl-m no\"").count(),
                svg.matches("class=\"rl-x\"").count()
            );
            assert!(
                svg.contains("class=\"rl-m wait\""),
                "future requests are undecided"
            );
        }
    }

    #[test]
    fn the_largest_run_draws_a_step_from_a_window() {
        let p = Params {
            algos: crate::sim::ratelimit::Algo::ALL.to_vec(),
            rps: 1_000,
            seconds: 600,
            clients: 1_000,
            ..Params::default()
        };
        let run = Run::new(&p);
        assert_eq!(run.requests().len(), 600_000);
        let step = 300_000;
        for lane in 0..8 {
            let svg = timeline(&run, lane, step, &shown(&run, step));
            assert!(svg.len() < 40_000, "{}", svg.len());
        }
        let o = overview(&run, &run.bins(BINS), step);
        assert!(o.contains("rl-cursor"));
        assert!(o.len() < 80_000, "{}", o.len());
    }

    #[test]
    fn the_edge_preset_marks_the_window_edges() {
        let run = Run::new(&Preset::Edge.params());
        let svg = timeline(&run, 0, 15, &shown(&run, 15));
        assert!(svg.contains("rl-edge"));
        // The sliding log has no fixed windows.
        assert!(!timeline(&run, 1, 15, &shown(&run, 15)).contains("rl-edge"));
        assert!(svg.contains("last 1 s"));
    }

    #[test]
    fn a_click_on_the_overview_names_a_moment_of_the_run() {
        let run = Run::new(&Preset::Edge.params());
        let bins = run.bins(BINS);
        assert_eq!(overview_time(&bins, 0.0), 0);
        assert_eq!(overview_time(&bins, 1.0), bins.span_ms * BINS as u64);
        let mid = overview_time(&bins, (L + (W - L - R) / 2.0) / W);
        assert!(mid.abs_diff(bins.span_ms * BINS as u64 / 2) <= 1, "{mid}");
    }
}
