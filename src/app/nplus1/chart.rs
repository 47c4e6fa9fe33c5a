//! The sweep charts (queries and simulated time against N for every
//! strategy, log scales, the current N marked) and the sweep table, written
//! as SVG and HTML text. Plain functions: no reactive code, tested natively.

use std::fmt::Write;

use crate::app::html::escape;
use crate::sim::nplus1::{Strategy, Sweep, Totals};
use crate::sim::{duration, thousands};

/// What a chart plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Queries sent.
    Queries,
    /// Simulated database time.
    Time,
}

impl Metric {
    fn value(self, t: &Totals) -> u64 {
        match self {
            Metric::Queries => t.queries,
            Metric::Time => t.time_ns,
        }
    }

    fn label(self, v: u64) -> String {
        match self {
            Metric::Queries => short(v),
            Metric::Time => duration(v),
        }
    }

    fn title(self) -> &'static str {
        match self {
            Metric::Queries => "Queries",
            Metric::Time => "Database time",
        }
    }
}

/// `1`, `10`, `1k`, `10k`, `1M`.
fn short(v: u64) -> String {
    match v {
        0..1_000 => v.to_string(),
        1_000..1_000_000 => format!("{}k", v / 1_000),
        _ => format!("{}M", v / 1_000_000),
    }
}

const W: f64 = 340.0;
const H: f64 = 200.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 30.0;
/// log10 of the largest N on the x axis.
const X_DECADES: f64 = 4.0;

fn x_of(n: u32) -> f64 {
    let f = if n == 0 {
        0.0
    } else {
        f64::from(n).log10() / X_DECADES
    };
    LEFT + f.clamp(0.0, 1.0) * (W - LEFT - RIGHT)
}

/// A coordinate rounded to a whole unit: the charts are 340 units wide,
/// so this is finer than a pixel at any size they are shown.
fn r(x: f64) -> i64 {
    x.round() as i64
}

/// The y axis: whole decades from 10^lo to 10^hi.
struct Y {
    lo: f64,
    hi: f64,
}

impl Y {
    fn fit(values: impl Iterator<Item = u64>) -> Y {
        let (mut min, mut max) = (u64::MAX, 1u64);
        for v in values.filter(|&v| v > 0) {
            min = min.min(v);
            max = max.max(v);
        }
        if min == u64::MAX {
            min = 1;
        }
        let lo = (min as f64).log10().floor();
        let hi = (max as f64).log10().ceil().max(lo + 1.0);
        Y { lo, hi }
    }

    fn of(&self, v: u64) -> f64 {
        let f = if v == 0 {
            0.0
        } else {
            ((v as f64).log10() - self.lo) / (self.hi - self.lo)
        };
        H - BOTTOM - f.clamp(0.0, 1.0) * (H - TOP - BOTTOM)
    }
}

/// An empty chart of the size of the drawn one, while the sweep is not
/// computed yet.
pub fn placeholder(metric: Metric) -> String {
    format!(
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{}: computed when the chart comes into view."></svg>"#,
        metric.title()
    )
}

/// One chart of `metric` from the sweep as SVG, with the current N and the
/// current run's figure marked.
pub fn svg(sweep: &Sweep, metric: Metric, current: Strategy, n: u32, now: &Totals) -> String {
    let y = Y::fit(
        sweep
            .totals
            .iter()
            .flat_map(|(_, row)| row.iter().map(|t| metric.value(t)))
            .chain(std::iter::once(metric.value(now))),
    );
    let label = format!(
        "{} against N for each strategy, on log scales. At N = {}, {} gives {}.",
        metric.title(),
        thousands(n.into()),
        current.label(),
        metric.label(metric.value(now))
    );
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{}">"#,
        escape(&label)
    );
    for d in y.lo as i32..=y.hi as i32 {
        let v = 10u64.saturating_pow(d.max(0) as u32);
        let yy = y.of(v);
        let _ = write!(
            s,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{}" y2="{}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
            W - RIGHT,
            r(yy),
            r(yy),
            LEFT - 4.0,
            r(yy + 3.5),
            escape(&metric.label(v))
        );
    }
    for n in [1u32, 10, 100, 1_000, 10_000] {
        let x = r(x_of(n));
        let _ = write!(
            s,
            r#"<line class="grid" x1="{x}" x2="{x}" y1="{TOP}" y2="{}"/><text class="tick" x="{x}" y="{}" text-anchor="middle">{}</text>"#,
            H - BOTTOM,
            H - BOTTOM + 14.0,
            short(u64::from(n))
        );
    }
    let _ = write!(
        s,
        r#"<text class="axis-label" x="{}" y="{}" text-anchor="middle">N (users)</text>"#,
        (LEFT + W - RIGHT) / 2.0,
        H - 2.0
    );
    for (strategy, row) in &sweep.totals {
        let points: Vec<String> = sweep
            .users
            .iter()
            .zip(row)
            .filter(|(&n, _)| n > 0)
            .map(|(&n, t)| format!("{},{}", r(x_of(n)), r(y.of(metric.value(t)))))
            .collect();
        let _ = write!(
            s,
            r#"<polyline class="line s-{}{}" points="{}"/>"#,
            strategy.slug(),
            if *strategy == current { " current" } else { "" },
            points.join(" ")
        );
    }
    let (mx, my) = (r(x_of(n)), r(y.of(metric.value(now))));
    let _ = write!(
        s,
        r#"<line class="marker" x1="{mx}" x2="{mx}" y1="{TOP}" y2="{}"/><circle class="dot s-{}" cx="{mx}" cy="{my}" r="4"/></svg>"#,
        H - BOTTOM,
        current.slug()
    );
    s
}

/// The sweep as an HTML table: N down the side, each strategy's queries and
/// time across.
pub fn table(sweep: &Sweep) -> String {
    let mut s = String::from(
        r#"<div class="table-wrap"><table class="sweep-table"><caption>Queries · database time, by N and strategy (computed by running the model)</caption><thead><tr><th scope="col">N</th>"#,
    );
    for (strategy, _) in &sweep.totals {
        let _ = write!(s, r#"<th scope="col">{}</th>"#, escape(strategy.label()));
    }
    s.push_str("</tr></thead><tbody>");
    for (i, &n) in sweep.users.iter().enumerate() {
        let _ = write!(s, r#"<tr><th scope="row">{}</th>"#, thousands(n.into()));
        for (_, row) in &sweep.totals {
            if let Some(t) = row.get(i) {
                let _ = write!(
                    s,
                    "<td>{} · {}</td>",
                    thousands(t.queries),
                    duration(t.time_ns)
                );
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
    use crate::sim::nplus1::{sweep, Params, Run};

    #[test]
    fn charts_and_table_come_from_the_sweep() {
        let p = Params::default();
        let sw = sweep(&p);
        let run = Run::new(&p);
        let chart = svg(&sw, Metric::Queries, p.strategy, p.users, &run.total());
        assert_eq!(chart.matches("<polyline").count(), Strategy::ALL.len());
        assert_eq!(chart.matches(" current\"").count(), 1);
        assert!(chart.contains("gives 101."));
        // Every point lies inside the plot area.
        for pts in chart.split("points=\"").skip(1) {
            for xy in pts.split('"').next().unwrap_or("").split(' ') {
                let (x, y) = xy.split_once(',').expect("x,y");
                let (x, y): (f64, f64) = (x.parse().expect("x"), y.parse().expect("y"));
                assert!((LEFT..=W - RIGHT).contains(&x) && (TOP..=H - BOTTOM).contains(&y));
            }
        }
        let t = table(&sw);
        assert_eq!(t.matches("<tr><th scope=\"row\">").count(), sw.users.len());
        // N = 100: lazy 101 queries, joined 1, as the model says.
        assert!(t.contains("<tr><th scope=\"row\">100</th><td>101 · "));
        let time = svg(&sw, Metric::Time, p.strategy, 0, &run.total());
        assert!(time.contains("Database time against N"));
    }
}
