//! The sweep charts: queries and simulated time against N for every
//! strategy, on log scales, drawn as SVG, with the current N marked.

use leptos::prelude::*;

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
        (f64::from(n)).log10() / X_DECADES
    };
    LEFT + f.clamp(0.0, 1.0) * (W - LEFT - RIGHT)
}

/// The y axis: whole decades from `lo` to `hi` (powers of ten).
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

/// One chart of `metric` from the sweep, with the current N and the current
/// run's figure marked.
pub fn chart(
    sweep: &Sweep,
    metric: Metric,
    current: Strategy,
    n: u32,
    now: &Totals,
) -> impl IntoView {
    let y = Y::fit(
        sweep
            .totals
            .iter()
            .flat_map(|(_, row)| row.iter().map(|t| metric.value(t)))
            .chain(std::iter::once(metric.value(now))),
    );
    let lines = sweep
        .totals
        .iter()
        .map(|(s, row)| {
            let points: Vec<String> = sweep
                .users
                .iter()
                .zip(row)
                .filter(|(&n, _)| n > 0)
                .map(|(&n, t)| format!("{:.1},{:.1}", x_of(n), y.of(metric.value(t))))
                .collect();
            let class = format!(
                "line s-{}{}",
                s.slug(),
                if *s == current { " current" } else { "" }
            );
            view! { <polyline class=class points=points.join(" ")/> }
        })
        .collect_view();
    let x_ticks = [1u32, 10, 100, 1_000, 10_000]
        .iter()
        .map(|&n| {
            let x = x_of(n);
            view! {
                <line class="grid" x1=x x2=x y1=TOP y2=H - BOTTOM/>
                <text class="tick" x=x y=H - BOTTOM + 14.0 text-anchor="middle">{short(u64::from(n))}</text>
            }
        })
        .collect_view();
    let decades = (y.lo as i32..=y.hi as i32)
        .map(|d| {
            let v = 10u64.saturating_pow(d.max(0) as u32);
            let yy = y.of(v);
            view! {
                <line class="grid" x1=LEFT x2=W - RIGHT y1=yy y2=yy/>
                <text class="tick" x=LEFT - 4.0 y=yy + 3.5 text-anchor="end">{metric.label(v)}</text>
            }
        })
        .collect_view();
    let mx = x_of(n);
    let my = y.of(metric.value(now));
    let label = format!(
        "{} against N, for each strategy, on log scales. At N = {}, {} gives {}.",
        metric.title(),
        thousands(n.into()),
        current.label(),
        metric.label(metric.value(now))
    );
    view! {
        <svg class="chart" viewBox=format!("0 0 {W} {H}") role="img" aria-label=label>
            {decades}
            {x_ticks}
            <text class="axis-label" x=(LEFT + W - RIGHT) / 2.0 y=H - 2.0 text-anchor="middle">"N (users)"</text>
            {lines}
            <line class="marker" x1=mx x2=mx y1=TOP y2=H - BOTTOM/>
            <circle class=format!("dot s-{}", current.slug()) cx=mx cy=my r="4"/>
        </svg>
    }
}

/// The sweep as a table: N down the side, each strategy's queries and time
/// across.
pub fn table(sweep: &Sweep) -> impl IntoView {
    let head = sweep
        .totals
        .iter()
        .map(|(s, _)| view! { <th scope="col">{s.label()}</th> })
        .collect_view();
    let rows = sweep
        .users
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let cells = sweep
                .totals
                .iter()
                .map(|(_, row)| {
                    let t = row[i];
                    view! { <td>{thousands(t.queries)} " \u{b7} " {duration(t.time_ns)}</td> }
                })
                .collect_view();
            view! { <tr><th scope="row">{thousands(n.into())}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="sweep-table">
                <caption>"Queries \u{b7} database time, by N and strategy (computed by running the model)"</caption>
                <thead><tr><th scope="col">"N"</th>{head}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
