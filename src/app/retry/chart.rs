//! The comparisons, as HTML and SVG text: every policy on the same seed
//! (a table and bars of work and completion time), and the AWS blog's
//! sweep over the number of clients (work and completion time against the
//! clients, one curve per policy, and its table). Plain functions, tested
//! natively.

use std::fmt::Write;

use crate::app::html::escape;
use crate::sim::retry::sweep::{Point, AWS_POLICIES};
use crate::sim::retry::{nanos, Policy, Totals};
use crate::sim::thousands;

/// A coordinate to one decimal.
fn c(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The per-policy totals as a table, the current policy's row marked.
pub fn policy_table(rows: &[(Policy, Totals)], current: Policy) -> String {
    let mut s = String::from(
        r#"<p class="hint">Work: attempts that reached the resource; sent: with those the open breaker failed fast; refused: retries the budget refused. Computed by running the model.</p><div class="table-wrap" tabindex="0" role="region" aria-label="Totals per policy (scrolls sideways)"><table class="sweep-table rt-policies"><caption>Totals per policy, on the same seed</caption><thead><tr><th scope="col">Policy</th><th scope="col">Work</th><th scope="col">Sent</th><th scope="col">Done</th><th scope="col">Given up</th><th scope="col">Completion</th><th scope="col">Refused</th></tr></thead><tbody>"#,
    );
    for p in Policy::ALL {
        let cur = if p == current {
            r#" class="current""#
        } else {
            ""
        };
        let Some((_, t)) = rows.iter().find(|(q, _)| *q == p) else {
            // Not computed yet: the row keeps its place.
            let _ = write!(
                s,
                r#"<tr data-policy="{}"{cur} aria-busy="true"><th scope="row">{}</th>{}</tr>"#,
                p.slug(),
                escape(p.label()),
                "<td>\u{2026}</td>".repeat(6)
            );
            continue;
        };
        let _ = write!(
            s,
            r#"<tr data-policy="{}"{}><th scope="row">{}</th><td class="rt-work">{}</td><td>{}</td><td>{}</td><td>{}</td><td class="rt-completion">{}</td><td>{}</td></tr>"#,
            p.slug(),
            cur,
            escape(p.label()),
            thousands(t.work),
            thousands(t.sent),
            thousands(t.ok),
            thousands(t.failed),
            escape(&nanos(t.completion)),
            thousands(t.refused)
        );
    }
    s.push_str("</tbody></table></div>");
    if rows.iter().any(|(_, t)| t.truncated) {
        s.push_str(r#"<p class="hint">A run that reached the model&#39;s limit of attempts or time stopped there: its figures are a floor.</p>"#);
    }
    s
}

/// Which figure a bar chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// Attempts that reached the resource.
    Work,
    /// When the last unit was answered.
    Completion,
}

impl Figure {
    fn of(self, t: &Totals) -> u64 {
        match self {
            Figure::Work => t.work,
            Figure::Completion => t.completion,
        }
    }

    fn text(self, t: &Totals) -> String {
        match self {
            Figure::Work => thousands(t.work),
            Figure::Completion => nanos(t.completion),
        }
    }

    fn title(self) -> &'static str {
        match self {
            Figure::Work => "Work: attempts that reached the resource",
            Figure::Completion => "Completion time: the last unit answered",
        }
    }
}

/// Bars of one figure, a bar per policy, the current one marked.
pub fn policy_bars(rows: &[(Policy, Totals)], current: Policy, figure: Figure) -> String {
    let (w, row_h, left, right) = (340.0, 22.0, 118.0, 64.0);
    let h = Policy::ALL.len() as f64 * row_h + 4.0;
    let peak = rows
        .iter()
        .map(|(_, t)| figure.of(t))
        .max()
        .unwrap_or(0)
        .max(1);
    let label = format!(
        "{}, per policy: {}.",
        figure.title(),
        rows.iter()
            .map(|(p, t)| format!("{} {}", p.label(), figure.text(t)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut s = format!(
        r#"<svg class="chart rt-bars" viewBox="0 0 {w} {h}" role="img" aria-label="{}">"#,
        escape(&label)
    );
    for (i, (p, t)) in rows.iter().enumerate() {
        let y = 2.0 + i as f64 * row_h;
        let len = figure.of(t) as f64 / peak as f64 * (w - left - right);
        let cur = if *p == current { " current" } else { "" };
        let _ = write!(
            s,
            r#"<text class="tick{cur}" x="{}" y="{}" text-anchor="end">{}</text><rect class="bar p-{}{cur}" x="{left}" y="{}" width="{}" height="{}"/><text class="tick{cur}" x="{}" y="{}">{}</text>"#,
            left - 5.0,
            c(y + 14.0),
            escape(short_label(*p)),
            p.slug(),
            c(y + 3.0),
            c(len.max(1.0)),
            row_h - 6.0,
            c(left + len.max(1.0) + 4.0),
            c(y + 14.0),
            escape(&figure.text(t))
        );
    }
    s.push_str("</svg>");
    s
}

/// A short name for a policy, for the charts' labels.
pub fn short_label(p: Policy) -> &'static str {
    match p {
        Policy::None => "no retry",
        Policy::Immediate => "no backoff",
        Policy::Fixed => "fixed",
        Policy::Exponential => "exponential",
        Policy::Full => "full jitter",
        Policy::Equal => "equal jitter",
        Policy::Decorrelated => "decorrelated",
    }
}

/// What a sweep chart plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Mean attempts at the row per run.
    Work,
    /// Mean completion time per run.
    Time,
}

impl Metric {
    fn value(self, p: &Point) -> f64 {
        match self {
            Metric::Work => p.work,
            Metric::Time => p.completion_ms,
        }
    }

    fn tick(self, v: f64) -> String {
        match self {
            Metric::Work => short(v),
            Metric::Time if v >= 1_000.0 => format!("{} s", short(v / 1_000.0)),
            Metric::Time => format!("{} ms", short(v)),
        }
    }

    fn title(self) -> &'static str {
        match self {
            Metric::Work => "Work (mean attempts at the row)",
            Metric::Time => "Completion time (mean)",
        }
    }
}

fn short(v: f64) -> String {
    if v >= 1_000.0 {
        let k = v / 1_000.0;
        if k.fract().abs() < 1e-9 || k >= 10.0 {
            format!("{}k", k.round())
        } else {
            format!("{k:.1}k")
        }
    } else {
        format!("{}", v.round())
    }
}

const W: f64 = 340.0;
const H: f64 = 210.0;
const LEFT: f64 = 50.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 32.0;
const MAX_CLIENTS: f64 = 200.0;

fn x_of(n: u32) -> f64 {
    LEFT + (f64::from(n) / MAX_CLIENTS).clamp(0.0, 1.0) * (W - LEFT - RIGHT)
}

/// An empty chart of the drawn one's size, while the sweep is not computed.
pub fn placeholder(metric: Metric) -> String {
    format!(
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{}: computed when the chart comes into view."></svg>"#,
        metric.title()
    )
}

/// The y scale of a sweep chart: linear from 0 for the work (as the blog
/// draws it), log (whole decades) for the completion time, where no
/// backoff and exponential backoff lie two decades apart.
struct Scale {
    log: bool,
    lo: f64,
    hi: f64,
}

impl Scale {
    fn fit(values: impl Iterator<Item = f64>, log: bool) -> Scale {
        let (mut lo, mut hi) = (f64::MAX, 1.0f64);
        for v in values.filter(|v| *v > 0.0) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if lo == f64::MAX {
            lo = 1.0;
        }
        if log {
            let lo = lo.log10().floor();
            return Scale {
                log,
                lo,
                hi: hi.log10().ceil().max(lo + 1.0),
            };
        }
        // A round top: 1, 2 or 5 times a power of ten.
        let p = 10f64.powf(hi.log10().floor());
        let top = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|m| m * p)
            .find(|&t| t >= hi)
            .unwrap_or(10.0 * p);
        Scale {
            log,
            lo: 0.0,
            hi: top,
        }
    }

    /// Where `v` lies, from 0 (bottom) to 1 (top).
    fn frac(&self, v: f64) -> f64 {
        let f = if self.log {
            if v <= 0.0 {
                0.0
            } else {
                (v.log10() - self.lo) / (self.hi - self.lo)
            }
        } else {
            v / self.hi
        };
        f.clamp(0.0, 1.0)
    }

    fn ticks(&self) -> Vec<f64> {
        if self.log {
            (self.lo as i32..=self.hi as i32)
                .map(|d| 10f64.powi(d))
                .collect()
        } else {
            (0..=4).map(|i| self.hi * f64::from(i) / 4.0).collect()
        }
    }
}

/// One sweep chart: `metric` against the number of clients, one curve
/// per policy.
pub fn sweep_svg(points: &[Point], metric: Metric) -> String {
    let scale = Scale::fit(
        points.iter().map(|p| metric.value(p)),
        metric == Metric::Time,
    );
    let y = |v: f64| H - BOTTOM - scale.frac(v) * (H - TOP - BOTTOM);
    let biggest = points.iter().map(|p| p.clients).max().unwrap_or(0);
    let label = format!(
        "{} against the number of clients, one curve per policy{}{}",
        metric.title(),
        if scale.log { ", log scale" } else { "" },
        if biggest == 0 {
            ".".to_string()
        } else {
            format!(
                ". At {} clients: {}.",
                biggest,
                AWS_POLICIES
                    .iter()
                    .filter_map(|&pol| points
                        .iter()
                        .find(|p| p.clients == biggest && p.policy == pol)
                        .map(|p| format!("{} {}", short_label(pol), metric.tick(metric.value(p)))))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{}">"#,
        escape(&label)
    );
    for v in scale.ticks() {
        let yy = c(y(v));
        let _ = write!(
            s,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{yy}" y2="{yy}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
            W - RIGHT,
            LEFT - 4.0,
            c(yy + 3.5),
            escape(&metric.tick(v))
        );
    }
    for n in [0u32, 50, 100, 150, 200] {
        let x = c(x_of(n));
        let _ = write!(
            s,
            r#"<line class="grid" x1="{x}" x2="{x}" y1="{TOP}" y2="{}"/><text class="tick" x="{x}" y="{}" text-anchor="middle">{n}</text>"#,
            H - BOTTOM,
            H - BOTTOM + 14.0
        );
    }
    let _ = write!(
        s,
        r#"<text class="axis-label" x="{}" y="{}" text-anchor="middle">clients</text>"#,
        (LEFT + W - RIGHT) / 2.0,
        H - 3.0
    );
    for pol in AWS_POLICIES {
        let pts: Vec<String> = points
            .iter()
            .filter(|p| p.policy == pol)
            .map(|p| format!("{},{}", c(x_of(p.clients)), c(y(metric.value(p)))))
            .collect();
        if !pts.is_empty() {
            let _ = write!(
                s,
                r#"<polyline class="line p-{}" points="{}"/>"#,
                pol.slug(),
                pts.join(" ")
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The legend of the sweep's curves.
pub fn sweep_legend() -> String {
    AWS_POLICIES
        .iter()
        .map(|p| {
            format!(
                r#"<li><svg aria-hidden="true" viewBox="0 0 24 8" width="24" height="8"><line class="line p-{}" x1="0" x2="24" y1="4" y2="4"/></svg>{}</li>"#,
                p.slug(),
                escape(short_label(*p))
            )
        })
        .collect()
}

/// The sweep as a table: clients down the side, each policy's mean work
/// and completion time across.
pub fn sweep_table(points: &[Point], runs: u32) -> String {
    let mut s = format!(
        r#"<div class="table-wrap" tabindex="0" role="region" aria-label="The sweep's figures (scrolls sideways)"><table class="sweep-table rt-sweep-table"><caption>Mean work · completion time over {runs} runs a point (computed by running the model)</caption><thead><tr><th scope="col">Clients</th>"#
    );
    for p in AWS_POLICIES {
        let _ = write!(s, r#"<th scope="col">{}</th>"#, escape(short_label(p)));
    }
    s.push_str("</tr></thead><tbody>");
    let mut counts: Vec<u32> = points.iter().map(|p| p.clients).collect();
    counts.dedup();
    for n in counts {
        let _ = write!(s, r#"<tr><th scope="row">{n}</th>"#);
        for pol in AWS_POLICIES {
            match points.iter().find(|p| p.clients == n && p.policy == pol) {
                Some(p) => {
                    let _ = write!(
                        s,
                        "<td>{} · {}</td>",
                        thousands(p.work.round() as u64),
                        nanos((p.completion_ms * 1e6).round() as u64)
                    );
                }
                None => s.push_str("<td>\u{2026}</td>"),
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::retry::sweep::sweep;
    use crate::sim::retry::{Preset, Run};

    #[test]
    fn the_policy_table_holds_the_models_totals() {
        let run = Run::new(&Preset::Herd.params());
        let rows = run.by_policy();
        let t = policy_table(&rows, Policy::Exponential);
        assert_eq!(t.matches("<tr data-policy=").count(), Policy::ALL.len());
        // Rows not computed yet keep their place.
        let partial = policy_table(&rows[..2], Policy::Exponential);
        assert_eq!(
            partial.matches("<tr data-policy=").count(),
            Policy::ALL.len()
        );
        assert_eq!(partial.matches("aria-busy").count(), Policy::ALL.len() - 2);
        assert_eq!(t.matches(r#" class="current""#).count(), 1);
        let own = run.totals();
        assert!(t.contains(&format!(
            r#"<tr data-policy="exponential" class="current"><th scope="row">Exponential, no jitter</th><td class="rt-work">{}</td>"#,
            thousands(own.work)
        )));
        let bars = policy_bars(&rows, Policy::Exponential, Figure::Completion);
        assert_eq!(bars.matches("<rect").count(), Policy::ALL.len());
        assert!(bars.contains(&nanos(own.completion)));
    }

    #[test]
    fn sweep_charts_draw_a_curve_per_policy_inside_the_plot() {
        let sw = sweep(&[10, 50, 100], &AWS_POLICIES, 3, 1);
        for m in [Metric::Work, Metric::Time] {
            let svg = sweep_svg(&sw.points, m);
            assert_eq!(svg.matches("<polyline").count(), AWS_POLICIES.len());
            for pts in svg.split("points=\"").skip(1) {
                for xy in pts.split('"').next().unwrap_or("").split(' ') {
                    let (x, y) = xy.split_once(',').expect("x,y");
                    let (x, y): (f64, f64) = (x.parse().expect("x"), y.parse().expect("y"));
                    assert!((LEFT..=W - RIGHT).contains(&x) && (TOP..=H - BOTTOM).contains(&y));
                }
            }
            assert!(svg.contains("At 100 clients:"));
        }
        let t = sweep_table(&sw.points, 3);
        assert_eq!(t.matches("<tr><th scope=\"row\">").count(), 3);
        let p = sw.at(50, Policy::Full).expect("a point");
        assert!(t.contains(&thousands(p.work.round() as u64)));
        assert!(sweep_table(&sw.points[..7], 3).contains("\u{2026}"));
    }
}
