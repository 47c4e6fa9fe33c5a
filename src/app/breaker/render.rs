//! The circuit-breaker frame as SVG and HTML text: the state diagram, the
//! figures, the rate meters, the call timeline with its window, and the load
//! chart, and the rows of the two editors. Plain functions, tested natively.

use std::fmt::Write;

use crate::app::html::escape;
use crate::app::live::Edit;
use crate::sim::breaker::{
    flag, pct, secs, Action, Config, Health, Lane, Mode, Phase, Policy, Run, Send, State,
    Transition, MAX_SECONDS,
};
use crate::sim::thousands;

/// The moment a step shows and the last instant whose events it includes.
fn now_until(run: &Run, step: usize) -> (u64, u64) {
    let at = run.moment(step).at;
    match run.params().mode {
        Mode::Traffic => (at, at.saturating_sub(1)),
        Mode::Manual => (at, at),
    }
}

/// One line on how the policy treats calls, under its name.
pub fn lane_note(policy: Policy) -> &'static str {
    match policy {
        Policy::Consecutive => {
            "Runs each call inside the breaker\u{2019}s lock: calls wait their turn, one at a time."
        }
        Policy::CountWindow => "Counts the last calls recorded; calls run side by side.",
        Policy::TimeWindow => "Counts the calls of the last whole seconds; calls run side by side.",
        Policy::Opossum => {
            "Counts every fire, rejected ones too, in rolling buckets; a timer ends the wait."
        }
        Policy::Naive => "Counts every failure since it last closed; calls run side by side.",
    }
}

/// The default label of each arrow, for a policy.
fn arrow_labels(run: &Run, lane: usize) -> [String; 4] {
    let c = run.lanes()[lane].config;
    let trip = match c.policy {
        Policy::Consecutive => format!("{} failures in a row", c.fail_max),
        Policy::Naive => format!("{} failures in all", c.fail_max),
        Policy::Opossum => format!("> {}% of fires failed", c.failure_rate),
        _ => {
            if c.slow_rate >= 100 {
                format!("\u{2265} {}% failed", c.failure_rate)
            } else {
                format!(
                    "\u{2265} {}% failed or {}% slow",
                    c.failure_rate, c.slow_rate
                )
            }
        }
    };
    let wait = if c.policy == Policy::Opossum {
        format!("{} timer", secs(c.wait_ms))
    } else {
        format!("{} wait over", secs(c.wait_ms))
    };
    let close = match c.policy {
        Policy::Consecutive if c.successes > 1 => format!("{} trials succeed", c.successes),
        Policy::Consecutive | Policy::Naive => "trial succeeds".to_string(),
        Policy::Opossum => "a success".to_string(),
        _ => "trials pass".to_string(),
    };
    let reopen = match c.policy {
        Policy::Consecutive | Policy::Naive => "trial fails".to_string(),
        Policy::Opossum => "a failure".to_string(),
        _ => "trials fail".to_string(),
    };
    [trip, wait, close, reopen]
}

/// Which arrow a transition takes: 0 closed→open, 1 open→half-open,
/// 2 half-open→closed, 3 half-open→open.
fn arrow_of(t: &Transition) -> usize {
    match (t.from, t.to) {
        (State::Closed, _) => 0,
        (State::Open, _) => 1,
        (State::HalfOpen, State::Closed) => 2,
        _ => 3,
    }
}

/// The detail line under the active state's name.
fn node_detail(run: &Run, lane: usize, step: usize) -> String {
    let l = &run.lanes()[lane];
    let s = l.snap(step);
    let c = l.config;
    match s.state {
        State::Closed => match c.policy {
            Policy::Consecutive => format!("{} of {} in a row", s.failures, c.fail_max),
            Policy::Naive => format!("{} of {} failures", s.failures, c.fail_max),
            Policy::Opossum if s.tally.total < s.minimum => {
                format!("{} of {} fires in", s.tally.total, s.minimum)
            }
            Policy::Opossum => format!("{}% of fires failed", pct(s.tally.failed, s.tally.total)),
            _ if s.tally.total < s.minimum => {
                format!("{} of {} calls in", s.tally.total, s.minimum)
            }
            _ => format!("{}% failed", pct(s.tally.failed, s.tally.total)),
        },
        State::Open => match s.open_until {
            Some(u) => format!(
                "{} {}",
                if matches!(c.policy, Policy::Consecutive | Policy::Opossum) {
                    "trial from"
                } else {
                    "trial after"
                },
                secs(u)
            ),
            None => String::new(),
        },
        State::HalfOpen => match c.policy {
            Policy::Consecutive => {
                format!("{} of {} trials ok", s.trial_successes, c.successes)
            }
            Policy::Naive => "all calls pass".to_string(),
            Policy::Opossum if s.permits > 0 => "next call is the trial".to_string(),
            Policy::Opossum => "one trial in flight".to_string(),
            _ => format!("{} of {} permits left", s.permits, c.half_open),
        },
    }
}

/// The state diagram of `lane` at `step`: the active state lit, the arrows
/// taken in this step drawn as fired and labelled with the rule.
pub fn diagram(run: &Run, lane: usize, step: usize) -> String {
    let l = &run.lanes()[lane];
    let state = l.snap(step).state;
    let fired = run.transitions_at(lane, step);
    let mut labels = arrow_labels(run, lane);
    let mut on = [false; 4];
    for t in fired {
        let a = arrow_of(t);
        on[a] = true;
        labels[a] = t.rule.short();
    }
    let nodes = [
        (State::Closed, 10, 126),
        (State::HalfOpen, 140, 8),
        (State::Open, 270, 126),
    ];
    let arrows: [(&str, (i32, i32, &str)); 4] = [
        ("M130 148 L266 148", (200, 140, "middle")),
        ("M352 126 Q372 44 264 28", (352, 70, "middle")),
        ("M162 52 L97 122", (122, 84, "end")),
        ("M238 52 L300 122", (254, 100, "end")),
    ];
    let what = fired
        .iter()
        .map(|t| format!("{} to {}: {}", t.from.label(), t.to.label(), t.rule.short()))
        .collect::<Vec<_>>();
    let aria = format!(
        "State diagram of the {} breaker: {}{}",
        l.config.policy.short(),
        state.label(),
        if what.is_empty() {
            String::new()
        } else {
            format!(", after {}", what.join("; "))
        }
    );
    let mut s = format!(
        r#"<svg class="bk-diagram" viewBox="0 0 400 180" role="img" aria-label="{}"><defs><marker id="bk-head-{lane}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10z" class="bk-head"/></marker></defs>"#,
        escape(&aria)
    );
    for (i, (d, (x, y, anchor))) in arrows.iter().enumerate() {
        let class = if on[i] { "bk-arrow fired" } else { "bk-arrow" };
        let _ = write!(
            s,
            r#"<path class="{class}" d="{d}" marker-end="url(#bk-head-{lane})"/><text class="bk-rule{}" x="{x}" y="{y}" text-anchor="{anchor}">{}</text>"#,
            if on[i] { " fired" } else { "" },
            escape(&labels[i])
        );
    }
    for (st, x, y) in nodes {
        let active = st == state;
        let _ = write!(
            s,
            r#"<g class="bk-node s-{}{}"><rect x="{x}" y="{y}" width="120" height="44" rx="10"/><text class="bk-name" x="{}" y="{}" text-anchor="middle">{}</text>"#,
            st.label(),
            if active { " on" } else { "" },
            x + 60,
            if active { y + 19 } else { y + 27 },
            st.label()
        );
        if active {
            let _ = write!(
                s,
                r#"<text class="bk-detail" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                x + 60,
                y + 35,
                escape(&node_detail(run, lane, step))
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

/// The figures of `lane` at `step`, as the items of a `<dl>`.
pub fn figures(run: &Run, lane: usize, step: usize) -> String {
    let l = &run.lanes()[lane];
    let snap = l.snap(step);
    let last = l.snap(usize::MAX);
    let (now, _) = now_until(run, step);
    let started = run.moment(step).started;
    let mut items: Vec<(&str, String, String)> = vec![
        (
            "Reached the downstream",
            thousands(snap.passed.into()),
            format!("of {} calls made", thousands(started.into())),
        ),
        (
            "Rejected (fail fast)",
            thousands(snap.rejected.into()),
            format!("{} in the whole run", thousands(last.rejected.into())),
        ),
        (
            "Failures recorded",
            thousands(snap.failed.into()),
            if l.config.policy.is_rate() {
                format!("and {} slow calls", thousands(snap.slow.into()))
            } else {
                format!("{} in flight", thousands(snap.in_flight.into()))
            },
        ),
    ];
    if !l.begin.is_empty() {
        items.push((
            "Waiting for the lock",
            thousands(snap.waiting.into()),
            format!("longest wait so far {}", secs(longest_wait(run, l, step))),
        ));
    }
    if run.params().mode == Mode::Traffic {
        let (value, note) = match run.recovery_at(lane, now) {
            Some((healthy, Some(closed))) => (
                secs(closed - healthy),
                format!("healthy at {}, closed at {}", secs(healthy), secs(closed)),
            ),
            Some((healthy, None)) => (
                format!("{} so far", secs(now.saturating_sub(healthy))),
                format!("healthy since {}; breaker not closed yet", secs(healthy)),
            ),
            None => ("\u{2013}".to_string(), "no recovery yet".to_string()),
        };
        items.push(("Time to recovery", value, note));
    } else {
        items.push((
            "Changes of state",
            thousands(snap.transitions.into()),
            format!("{} in the whole script", thousands(last.transitions.into())),
        ));
    }
    let mut s = String::new();
    for (label, value, note) in items {
        let _ = write!(
            s,
            r#"<div class="stat"><dt>{label}</dt><dd><span class="now">{}</span><span class="of">{}</span></dd></div>"#,
            escape(&value),
            escape(&note)
        );
    }
    s
}

/// The longest a call started by `step` has waited for pybreaker's lock,
/// ms: those that got it, and those still waiting at the step's moment.
fn longest_wait(run: &Run, l: &Lane, step: usize) -> u64 {
    let (now, until) = now_until(run, step);
    let started = run.moment(step).started as usize;
    run.calls()
        .iter()
        .enumerate()
        .take(started)
        .map(|(i, c)| {
            let asked = l.asked(i, c);
            if asked > until {
                now.saturating_sub(c.start)
            } else {
                asked - c.start
            }
        })
        .max()
        .unwrap_or(0)
}

/// One meter: a bar of `part` of `total` (or a count of `max`) with the
/// threshold marked.
fn meter(s: &mut String, label: &str, fill: f64, mark: f64, text: &str, over: bool) {
    let _ = write!(
        s,
        r#"<div class="bk-meter{}"><div class="bk-meter-label"><span>{}</span><span>{}</span></div><div class="bk-bar" role="presentation"><span class="bk-fill" style="width:{:.1}%"></span><span class="bk-mark" style="left:{:.1}%"></span></div></div>"#,
        if over { " over" } else { "" },
        escape(label),
        escape(text),
        fill.clamp(0.0, 1.0) * 100.0,
        mark.clamp(0.0, 1.0) * 100.0
    );
}

/// The counters the policy decides on, against their thresholds.
pub fn meters(run: &Run, lane: usize, step: usize) -> String {
    let l = &run.lanes()[lane];
    let snap = l.snap(step);
    let c = l.config;
    let mut s = String::new();
    match c.policy {
        Policy::Consecutive | Policy::Naive => {
            let label = if c.policy == Policy::Consecutive {
                "Failures in a row"
            } else {
                "Failures since it last closed"
            };
            let max = f64::from(c.fail_max);
            meter(
                &mut s,
                label,
                f64::from(snap.failures) / max,
                1.0,
                &format!("{} of {} (fail_max)", snap.failures, c.fail_max),
                snap.failures >= c.fail_max,
            );
        }
        Policy::Opossum => {
            let t = snap.tally;
            let short = t.total < snap.minimum;
            let rate = if t.total == 0 {
                0.0
            } else {
                f64::from(t.failed) / f64::from(t.total)
            };
            let text = if short {
                format!(
                    "not counted yet: {} of the {} fires needed",
                    t.total, snap.minimum
                )
            } else {
                format!(
                    "{}% of {} fires in the last {} (opens above {}%)",
                    pct(t.failed, t.total),
                    t.total,
                    secs(c.rolling_ms),
                    c.failure_rate
                )
            };
            let over = !short && rate * 100.0 > f64::from(c.failure_rate);
            meter(
                &mut s,
                "Error percentage",
                rate,
                f64::from(c.failure_rate) / 100.0,
                &text,
                over,
            );
        }
        _ => {
            let t = snap.tally;
            let window = match (snap.state, c.policy) {
                (State::HalfOpen, _) => format!("{} trial calls", t.total),
                (_, Policy::CountWindow) => format!("last {} calls", t.total),
                _ => format!("{} calls in the last {} s", t.total, c.window_secs),
            };
            let short = t.total < snap.minimum;
            let rate = |part: u32| {
                if t.total == 0 {
                    0.0
                } else {
                    f64::from(part) / f64::from(t.total)
                }
            };
            for (label, part, threshold) in [
                ("Failure rate", t.failed, c.failure_rate),
                ("Slow-call rate", t.slow, c.slow_rate),
            ] {
                let text = if short {
                    format!(
                        "not counted yet: {} of the {} calls needed",
                        t.total, snap.minimum
                    )
                } else {
                    format!(
                        "{}% of {window} (threshold {threshold}%)",
                        pct(part, t.total)
                    )
                };
                let over =
                    !short && u64::from(part) * 100 >= u64::from(threshold) * u64::from(t.total);
                meter(
                    &mut s,
                    label,
                    rate(part),
                    f64::from(threshold) / 100.0,
                    &text,
                    over,
                );
            }
        }
    }
    s
}

const TW: f64 = 400.0;
const TL: f64 = 76.0;
const TR: f64 = 8.0;
const ROW: f64 = 16.0;
const TTOP: f64 = 18.0;

/// The call timeline's rows, top to bottom.
const TIMELINE_ROWS: [&str; 7] = [
    "succeeded",
    "failed",
    "slow",
    "not counted",
    "rejected",
    "in flight",
    "waiting",
];

/// The timeline's row of client errors the breaker did not count.
const NOT_COUNTED_ROW: usize = 3;

/// The timeline's row of rejected calls.
const REJECTED_ROW: usize = 4;

/// The timeline's row of calls in flight.
const IN_FLIGHT_ROW: usize = 5;

/// The timeline's row of calls waiting for pybreaker's lock.
const WAITING_ROW: usize = 6;

/// The time the call timeline shows: `span` ms up to `now`.
#[derive(Debug, Clone, Copy)]
struct TimeAxis {
    /// Its left end, ms.
    lo: u64,
    /// Its length, ms.
    span: u64,
}

impl TimeAxis {
    /// The axis of a breaker with settings `c` at `now`: in traffic mode
    /// its time window and a little more (10 s to 60 s), in manual mode
    /// everything so far.
    fn new(mode: Mode, c: &Config, now: u64) -> TimeAxis {
        let span = match mode {
            Mode::Traffic => {
                let w = if c.policy == Policy::TimeWindow {
                    u64::from(c.window_secs) * 1000 + 2000
                } else {
                    10_000
                };
                w.clamp(10_000, 60_000)
            }
            Mode::Manual => now.max(1000),
        };
        TimeAxis {
            lo: now.saturating_sub(span),
            span,
        }
    }

    /// The x of time `t` (times before the axis at its left end).
    fn x(self, t: u64) -> f64 {
        TL + (t.saturating_sub(self.lo) as f64 / self.span as f64).min(1.0) * (TW - TL - TR)
    }
}

/// The marks of the timeline as one path per row.
struct Marks {
    axis: TimeAxis,
    paths: Vec<String>,
    /// What follows a mark's x in each row: its y and its height.
    tails: Vec<String>,
}

impl Marks {
    fn new(axis: TimeAxis) -> Marks {
        let tails = (0..TIMELINE_ROWS.len())
            .map(|row| format!(" {:.0}v{}", TTOP + ROW * row as f64 + 3.0, ROW - 6.0))
            .collect();
        Marks {
            axis,
            paths: vec![String::new(); TIMELINE_ROWS.len()],
            tails,
        }
    }

    /// A mark at time `t` in `row`: `M{x:.1} {y:.0}v{height}`, the x
    /// written by [`push_fixed`] (a frame of the largest run has some
    /// 8,000 marks).
    fn add(&mut self, row: usize, t: u64) {
        let path = &mut self.paths[row];
        path.push('M');
        push_fixed(path, self.axis.x(t), 1);
        path.push_str(&self.tails[row]);
    }

    /// The first `n` outcomes recorded, each at the time it completed, the
    /// latest first, back to the axis's left end.
    fn outcomes(&mut self, lane: &Lane, n: usize) {
        for r in lane.records[..n].iter().rev() {
            if r.at < self.axis.lo {
                break;
            }
            let not_counted = lane
                .flags
                .get(r.call as usize)
                .is_some_and(|f| f & flag::NOT_COUNTED != 0);
            let row = if r.failed {
                1
            } else if r.slow {
                2
            } else if not_counted {
                NOT_COUNTED_ROW
            } else {
                0
            };
            self.add(row, r.at);
            if r.failed && r.slow {
                self.add(2, r.at);
            }
        }
    }

    /// The calls started by `step`: the rejected ones when they were turned
    /// away, those waiting for the lock where they started, those not done
    /// by `until` where they began, and client errors a rate policy ignored
    /// (it records nothing for them) when they ended. Returns how many are
    /// in flight and how many wait.
    fn calls(&mut self, run: &Run, lane: &Lane, step: usize, until: u64) -> (usize, usize) {
        let lo = self.axis.lo;
        let calls = run.calls();
        let started = run.moment(step).started as usize;
        // A call waits for pybreaker's lock for at most the run's length,
        // so those not started in the last two minutes are only scanned
        // where calls can wait.
        let first = if lane.begin.is_empty() {
            calls[..started].partition_point(|c| c.start < lo.saturating_sub(120_000))
        } else {
            0
        };
        let ignored = lane.config.policy.is_rate();
        let (mut in_flight, mut waiting) = (0, 0);
        for (i, call) in calls.iter().enumerate().take(started).skip(first) {
            let f = lane.flags[i];
            let asked = lane.asked(i, call);
            if asked > until {
                waiting += 1;
                self.add(WAITING_ROW, call.start.max(lo));
            } else if f & flag::PASSED == 0 {
                if asked >= lo {
                    self.add(REJECTED_ROW, asked);
                }
            } else if lane.ends(i, call) > until {
                in_flight += 1;
                self.add(IN_FLIGHT_ROW, asked.max(lo));
            } else if ignored && f & flag::NOT_COUNTED != 0 && lane.ends(i, call) >= lo {
                self.add(NOT_COUNTED_ROW, lane.ends(i, call));
            }
        }
        (in_flight, waiting)
    }

    /// The paths, each with its row's class.
    fn write_to(&self, s: &mut String) {
        for (i, p) in self.paths.iter().enumerate() {
            if !p.is_empty() {
                let _ = write!(s, r#"<path class="bk-marks m{i}" d="{p}"/>"#);
            }
        }
    }
}

/// The call timeline of `lane` up to `step`: completed calls by outcome at
/// the time they completed, rejected calls when they were turned away, calls
/// still in flight where they started, and the window the breaker decides
/// on drawn over them.
pub fn timeline(run: &Run, lane: usize, step: usize) -> String {
    let l = &run.lanes()[lane];
    let snap = l.snap(step);
    let (now, until) = now_until(run, step);
    let c = l.config;
    let axis = TimeAxis::new(run.params().mode, &c, now);
    let h = TTOP + ROW * TIMELINE_ROWS.len() as f64 + 16.0;
    let mut marks = Marks::new(axis);
    marks.outcomes(l, snap.records as usize);
    let (in_flight, waiting) = marks.calls(run, l, step, until);
    let label = format!(
        "Calls of the {} breaker from {} to {}: {} recorded in all, {} rejected, {} in flight{}",
        c.policy.short(),
        secs(axis.lo),
        secs(now),
        thousands(snap.records.into()),
        thousands(snap.rejected.into()),
        in_flight,
        if waiting > 0 {
            format!(", {waiting} waiting for the lock")
        } else {
            String::new()
        }
    );
    let mut s = format!(
        r#"<svg class="bk-timeline" viewBox="0 0 {TW} {h}" role="img" aria-label="{}">"#,
        escape(&label)
    );
    // The window (or the count) the breaker decides on.
    if let Some((from, text)) = window_band(run, lane, step, now) {
        band(&mut s, axis, from, now, &text);
    }
    timeline_rows(&mut s);
    marks.write_to(&mut s);
    let base = TTOP + ROW * TIMELINE_ROWS.len() as f64;
    let _ = write!(
        s,
        r#"<text class="tick" x="{TL}" y="{}" text-anchor="start">{}</text><text class="tick" x="{}" y="{}" text-anchor="end">{} (now)</text></svg>"#,
        base + 12.0,
        secs(axis.lo),
        TW - TR,
        base + 12.0,
        secs(now)
    );
    s
}

/// The decision window from `from` to `now` over the timeline's rows, with
/// its label.
fn band(s: &mut String, axis: TimeAxis, from: u64, now: u64, text: &str) {
    let x0 = axis.x(from.max(axis.lo));
    let _ = write!(
        s,
        r#"<rect class="bk-window" x="{x0:.1}" y="{}" width="{:.1}" height="{}"/><text class="bk-window-label" x="{:.1}" y="11" text-anchor="end">{}</text>"#,
        TTOP - 2.0,
        (axis.x(now) - x0).max(2.0),
        ROW * TIMELINE_ROWS.len() as f64 + 4.0,
        axis.x(now),
        escape(text)
    );
}

/// The timeline's row lines and names.
fn timeline_rows(s: &mut String) {
    for (i, name) in TIMELINE_ROWS.iter().enumerate() {
        let y = TTOP + ROW * i as f64;
        let _ = write!(
            s,
            r#"<line class="grid" x1="{TL}" x2="{}" y1="{y}" y2="{y}"/><text class="tick" x="{}" y="{}" text-anchor="end">{name}</text>"#,
            TW - TR,
            TL - 6.0,
            y + ROW / 2.0 + 3.5
        );
    }
}

/// Where the decision window begins and what it holds, as a label.
fn window_band(run: &Run, lane: usize, step: usize, now: u64) -> Option<(u64, String)> {
    let l = &run.lanes()[lane];
    let snap = l.snap(step);
    let c = l.config;
    let n = snap.records as usize;
    match c.policy {
        Policy::CountWindow | Policy::TimeWindow => {
            let t = snap.tally;
            let from = if c.policy == Policy::TimeWindow && snap.state != State::HalfOpen {
                (now / 1000 + 1).saturating_sub(u64::from(c.window_secs)) * 1000
            } else {
                l.records.get(snap.window_from as usize)?.at
            };
            let what = if snap.state == State::HalfOpen {
                "trials"
            } else {
                "window"
            };
            Some((
                from,
                format!(
                    "{what}: {} calls, {}% failed, {}% slow",
                    t.total,
                    pct(t.failed, t.total),
                    pct(t.slow, t.total)
                ),
            ))
        }
        Policy::Consecutive => {
            if snap.failures == 0 {
                return None;
            }
            let records = &l.records[..n];
            let last_ok = records.iter().rposition(|r| !r.failed);
            let from = records.get(last_ok.map_or(0, |i| i + 1))?.at;
            let text = if snap.failures == 1 {
                "1 failure in a row".to_string()
            } else {
                format!("{} failures in a row", snap.failures)
            };
            Some((from, text))
        }
        Policy::Opossum => {
            let t = snap.tally;
            let interval = (c.rolling_ms / u64::from(c.buckets.max(1))).max(1);
            let bucket = now / interval;
            let from = (bucket + 1).saturating_sub(u64::from(c.buckets)) * interval;
            Some((
                from,
                format!(
                    "window: {} fires, {}% failed",
                    t.total,
                    pct(t.failed, t.total)
                ),
            ))
        }
        Policy::Naive => {
            if snap.failures == 0 {
                return None;
            }
            let from = l.records.get(snap.window_from as usize)?.at;
            Some((
                from,
                format!("{} failures counted since it closed", snap.failures),
            ))
        }
    }
}

const LW: f64 = 400.0;
const LH: f64 = 170.0;
const LL: f64 = 36.0;
const LR: f64 = 8.0;
const LT: f64 = 18.0;
const LB: f64 = 22.0;

/// The load chart's scales: one bar per second, up to the busiest second.
#[derive(Debug, Clone, Copy)]
struct LoadScale {
    /// A second's width.
    bw: f64,
    /// The top of the value axis, calls per second (at least 1).
    max: u32,
}

impl LoadScale {
    /// The x of second `sec`.
    fn x(self, sec: f64) -> f64 {
        LL + sec * self.bw
    }

    /// The y of `v` calls per second.
    fn y(self, v: u32) -> f64 {
        LH - LB - f64::from(v) / f64::from(self.max) * (LH - LT - LB)
    }

    /// Vertical bars of `values`, one per second, as a path:
    /// `M{x:.2} {base:.1}V{y:.1}` each.
    fn bars(self, values: &[u32]) -> String {
        let mut d = String::new();
        let base = format!(" {:.1}V", LH - LB);
        for (i, &v) in values.iter().enumerate() {
            if v > 0 {
                d.push('M');
                push_fixed(&mut d, self.x(i as f64 + 0.5), 2);
                d.push_str(&base);
                push_fixed(&mut d, self.y(v), 1);
            }
        }
        d
    }
}

/// Calls per second the downstream receives, with no breaker (every call
/// made) and through each breaker, with the unhealthy phases shaded and
/// the time still to come veiled.
pub fn load_chart(run: &Run, step: usize) -> String {
    let offered = run.offered();
    let (now, _) = now_until(run, step);
    let secs_n = offered.len().max(1);
    let scale = LoadScale {
        bw: (LW - LL - LR) / secs_n as f64,
        max: offered.iter().copied().max().unwrap_or(0).max(1),
    };
    let (made, reached) = run.unhealthy_load(0);
    let label = format!(
        "Calls per second reaching the downstream. While it was unhealthy, {} calls were made; the {} breaker let {} of them through.",
        thousands(made.into()),
        run.lanes()[0].config.policy.short(),
        thousands(reached.into())
    );
    let mut s = format!(
        r#"<svg class="chart bk-load" viewBox="0 0 {LW} {LH}" role="img" aria-label="{}">"#,
        escape(&label)
    );
    unhealthy_phases(&mut s, run, scale);
    load_grid(&mut s, scale);
    load_bars(&mut s, run, scale);
    let nx = scale.x(now as f64 / 1000.0);
    let _ = write!(
        s,
        r#"<rect class="bk-future" x="{nx:.1}" y="{LT}" width="{:.1}" height="{}"/><line class="marker" x1="{nx:.1}" x2="{nx:.1}" y1="{LT}" y2="{}"/>"#,
        (LW - LR - nx).max(0.0),
        LH - LT - LB,
        LH - LB
    );
    seconds_axis(&mut s, scale, secs_n);
    s.push_str("</svg>");
    s
}

/// The unhealthy phases of the health timeline, shaded and named.
fn unhealthy_phases(s: &mut String, run: &Run, scale: LoadScale) {
    let x = |sec: u64| scale.x(sec as f64);
    let mut begin = 0u64;
    for phase in &run.params().health {
        let end = begin + u64::from(phase.secs);
        if !phase.health.is_healthy() {
            let _ = write!(
                s,
                r#"<rect class="bk-phase h-{}" x="{:.1}" y="{LT}" width="{:.1}" height="{}"/><text class="tick" x="{:.1}" y="{}" text-anchor="start">{}</text>"#,
                match phase.health {
                    Health::Slow => "slow",
                    Health::Down => "down",
                    _ => "errors",
                },
                x(begin),
                x(end) - x(begin),
                LH - LT - LB,
                x(begin) + 2.0,
                LT - 5.0,
                escape(&short_health(phase.health))
            );
        }
        begin = end;
    }
}

/// Lines at none, half and all of the busiest second, with their values.
fn load_grid(s: &mut String, scale: LoadScale) {
    for v in [0, scale.max / 2, scale.max] {
        let yy = scale.y(v);
        let _ = write!(
            s,
            r#"<line class="grid" x1="{LL}" x2="{}" y1="{yy:.1}" y2="{yy:.1}"/><text class="tick" x="{}" y="{:.1}" text-anchor="end">{v}</text>"#,
            LW - LR,
            LL - 4.0,
            yy + 3.5
        );
    }
}

/// The calls made and those the first breaker let through as bars, and
/// those a second breaker let through as a line.
fn load_bars(s: &mut String, run: &Run, scale: LoadScale) {
    let width = (scale.bw * 0.8).max(0.6);
    let _ = write!(
        s,
        r#"<path class="bk-offered" stroke-width="{width:.2}" d="{}"/><path class="bk-reached" stroke-width="{width:.2}" d="{}"/>"#,
        scale.bars(run.offered()),
        scale.bars(&run.lanes()[0].reached)
    );
    if let Some(l) = run.lanes().get(1) {
        s.push_str(r#"<polyline class="bk-compare" points=""#);
        for (i, &v) in l.reached.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            push_fixed(s, scale.x(i as f64 + 0.5), 1);
            s.push(',');
            push_fixed(s, scale.y(v), 1);
        }
        s.push_str(r#""/>"#);
    }
}

/// Seconds under the chart, at most about eight of them.
fn seconds_axis(s: &mut String, scale: LoadScale, secs_n: usize) {
    let step_s = [10usize, 30, 60, 120]
        .into_iter()
        .find(|s| secs_n / s <= 8)
        .unwrap_or(120);
    for sec in (0..=secs_n).step_by(step_s) {
        let _ = write!(
            s,
            r#"<text class="tick" x="{:.1}" y="{}" text-anchor="middle">{sec} s</text>"#,
            scale.x(sec as f64),
            LH - 6.0
        );
    }
}

fn short_health(h: Health) -> String {
    match h {
        Health::Degraded(p) => format!("{p}% errors"),
        Health::Client(p) => format!("{p}% 4xx"),
        other => other.label(),
    }
}

/// The protection in figures, under the load chart.
pub fn load_summary(run: &Run) -> String {
    let mut s = String::new();
    for (i, l) in run.lanes().iter().enumerate() {
        let (made, reached) = run.unhealthy_load(i);
        if made == 0 {
            continue;
        }
        let spared = made - reached;
        let _ = write!(
            s,
            "<li>While the downstream was unhealthy, the caller made {} calls; the <strong>{}</strong> breaker let {} reach it and failed {} fast ({}% of the load spared).</li>",
            thousands(made.into()),
            escape(l.config.policy.short()),
            thousands(reached.into()),
            thousands(spared.into()),
            pct(spared, made)
        );
    }
    if s.is_empty() {
        s.push_str("<li>The downstream stays healthy in this timeline.</li>");
    }
    s
}

const KINDS: [(&str, &str); 6] = [
    ("healthy", "Healthy"),
    ("degraded", "Degraded (errors)"),
    ("client", "Client errors (4xx)"),
    ("slow", "Slow"),
    ("down", "Down"),
    ("recovering", "Recovering"),
];

fn kind_of(h: Health) -> &'static str {
    match h {
        Health::Healthy => "healthy",
        Health::Degraded(_) => "degraded",
        Health::Client(_) => "client",
        Health::Slow => "slow",
        Health::Down => "down",
        Health::Recovering => "recovering",
    }
}

/// The rows of the health timeline editor: per phase its kind, its error
/// rate (degraded only), its length and a remove button. Each control
/// carries `data-i` (the phase) and `data-f` (what it edits).
pub fn phase_rows(phases: &[Phase]) -> String {
    let mut s = String::new();
    let others = |i: usize| -> u32 {
        phases
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != i)
            .map(|(_, p)| p.secs)
            .sum()
    };
    let (kind, errors_f, secs_f, remove) = (Edit::Kind, Edit::Errors, Edit::Secs, Edit::Remove);
    for (i, p) in phases.iter().enumerate() {
        let n = i + 1;
        let _ = write!(
            s,
            r#"<li class="bk-phase-row"><span class="bk-phase-no" aria-hidden="true">{n}.</span><label class="visually-hidden" for="bk-phase-{i}-kind">Phase {n}: health</label><select id="bk-phase-{i}-kind" data-i="{i}" data-f="{kind}">"#
        );
        for (v, t) in KINDS {
            let _ = write!(
                s,
                r#"<option value="{v}"{}>{t}</option>"#,
                if kind_of(p.health) == v {
                    " selected"
                } else {
                    ""
                }
            );
        }
        let errors = match p.health {
            Health::Degraded(e) | Health::Client(e) => Some(e),
            _ => None,
        };
        let _ = write!(
            s,
            r#"</select><label class="bk-inline{}"><input type="number" id="bk-phase-{i}-errors" data-i="{i}" data-f="{errors_f}" min="1" max="99" step="1" inputmode="numeric" aria-label="Phase {n}: error rate in percent" value="{}"><span>% errors</span></label>"#,
            if errors.is_some() { "" } else { " hidden" },
            errors.map(|e| e.to_string()).unwrap_or_default()
        );
        let _ = write!(
            s,
            r#"<label class="bk-inline"><input type="number" id="bk-phase-{i}-secs" data-i="{i}" data-f="{secs_f}" min="1" max="{}" step="1" inputmode="numeric" aria-label="Phase {n}: seconds" value="{}"><span>s</span></label><button type="button" class="text-button" id="bk-phase-{i}-remove" data-i="{i}" data-f="{remove}" aria-label="Remove phase {n}"{}>Remove</button></li>"#,
            MAX_SECONDS.saturating_sub(others(i)).max(1),
            p.secs,
            if phases.len() <= 1 { " disabled" } else { "" }
        );
    }
    s
}

fn action_label(a: Action) -> String {
    match a {
        Action::Call(shot) => {
            let what = match shot.send {
                Send::Ok => "succeeds",
                Send::Fail => "fails",
                Send::Slow => "slow",
                Send::Client => "client error",
            };
            let ms = shot
                .ms
                .map(|ms| format!(", {}", secs(ms)))
                .unwrap_or_default();
            let bg = if shot.background {
                ", in the background"
            } else {
                ""
            };
            format!("Call: {what}{ms}{bg}")
        }
        Action::Wait(ms) => format!("Wait {}", secs(ms)),
    }
}

/// The rows of the manual script: each action (a button that shows its
/// step), and buttons to move it up or down and to remove it.
pub fn action_rows(script: &[Action]) -> String {
    let mut s = String::new();
    let n = script.len();
    let (go, up, down, remove) = (Edit::Go, Edit::Up, Edit::Down, Edit::Remove);
    for (i, a) in script.iter().enumerate() {
        let k = i + 1;
        let off = |b: bool| if b { " disabled" } else { "" };
        let _ = write!(
            s,
            r#"<li class="bk-action"><button type="button" class="bk-action-go" data-i="{i}" data-f="{go}" title="Show this step"><span class="bk-action-no">{k}</span><span>{}</span></button><button type="button" class="icon-button small" id="bk-act-{i}-up" data-i="{i}" data-f="{up}" aria-label="Move action {k} up"{}>&#8593;</button><button type="button" class="icon-button small" id="bk-act-{i}-down" data-i="{i}" data-f="{down}" aria-label="Move action {k} down"{}>&#8595;</button><button type="button" class="icon-button small" id="bk-act-{i}-remove" data-i="{i}" data-f="{remove}" aria-label="Remove action {k}">&#215;</button></li>"#,
            escape(&action_label(*a)),
            off(i == 0),
            off(i + 1 >= n)
        );
    }
    s
}

/// Writes `x` with `places` decimals (at most 6), the same characters as
/// `format!("{:.places$}", x)`: the exact binary value rounded half to
/// even. A non-negative `x` below 10^12 is written from integer arithmetic
/// on its bits, several times faster than the formatter's general path
/// (the frames write thousands of coordinates); anything else goes through
/// `write!`.
pub fn push_fixed(s: &mut String, x: f64, places: u32) {
    match scaled(x, places) {
        Some(mut v) => {
            // The digits, last first, with the point after `places` of them.
            let mut buf = [0u8; 32];
            let mut i = buf.len();
            let mut written = 0;
            while written <= places || v > 0 {
                if written == places && places > 0 {
                    i -= 1;
                    buf[i] = b'.';
                }
                i -= 1;
                buf[i] = b'0' + (v % 10) as u8;
                v /= 10;
                written += 1;
            }
            s.extend(buf[i..].iter().map(|&b| char::from(b)));
        }
        None => {
            let _ = write!(s, "{:.*}", places as usize, x);
        }
    }
}

/// `x * 10^places` rounded half to even, computed exactly from the bits of
/// `x`; `None` for a negative, non-finite, subnormal or large `x`, or more
/// than 6 places.
fn scaled(x: f64, places: u32) -> Option<u64> {
    let bits = x.to_bits();
    if places > 6 || bits >> 63 != 0 || !x.is_finite() || x >= 1e12 {
        return None;
    }
    if bits == 0 {
        return Some(0);
    }
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        return None;
    }
    // x = m * 2^e exactly.
    let m = u128::from((bits & ((1 << 52) - 1)) | (1 << 52));
    let e = exp - 1075;
    let num = m * 10u128.pow(places);
    if e >= 0 {
        return u64::try_from(num << e).ok();
    }
    let sh = e.unsigned_abs();
    if sh >= 127 {
        return None;
    }
    let q = num >> sh;
    let rem = num & ((1u128 << sh) - 1);
    let half = 1u128 << (sh - 1);
    let up = rem > half || (rem == half && q & 1 == 1);
    u64::try_from(q + u128::from(up)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::breaker::Rule;
    use crate::sim::breaker::{Params, Preset};
    use crate::sim::Trace;

    fn fired(run: &Run, lane: usize, step: usize) -> Vec<Rule> {
        run.transitions_at(lane, step)
            .iter()
            .map(|t| t.rule)
            .collect()
    }

    #[test]
    fn the_frame_follows_the_model() {
        let run = Run::new(&Preset::Outage.params());
        // The step where the breaker first opens.
        let step = (1..run.steps())
            .find(|&k| !fired(&run, 0, k).is_empty())
            .expect("the outage opens the breaker");
        let d = diagram(&run, 0, step);
        assert!(d.contains(r#"class="bk-node s-open on""#), "{d}");
        assert_eq!(d.matches("bk-arrow fired").count(), 1);
        assert!(d.contains("\u{2265} 50% failed"));
        let before = diagram(&run, 0, step - 1);
        assert!(before.contains(r#"class="bk-node s-closed on""#));
        assert_eq!(before.matches("fired").count(), 0);
        let m = meters(&run, 0, step);
        assert!(m.contains("bk-meter over"), "{m}");
        let t = timeline(&run, 0, step);
        assert!(t.contains("bk-window"));
        assert!(t.contains("bk-marks m4"), "rejected calls are drawn");
        let chart = load_chart(&run, step);
        let (made, reached) = run.unhealthy_load(0);
        assert!(reached < made);
        assert!(chart.contains(&format!("{} calls were made", thousands(made.into()))));
        assert!(load_summary(&run).contains("spared"));
        let f = figures(&run, 0, run.steps() - 1);
        assert!(f.contains("healthy at 70 s"), "{f}");
    }

    #[test]
    fn manual_mode_counts_calls() {
        let run = Run::new(&Preset::Manual.params());
        let last = run.steps() - 1;
        // The cheat sheet's breaker beside pybreaker's opens on the fifth
        // failure of the alternating script.
        let d = diagram(&run, 1, 9);
        assert!(d.contains(r#"s-open on"#), "{d}");
        assert!(d.contains("5 failures in all"));
        assert!(meters(&run, 0, 9).contains("1 of 5 (fail_max)"));
        assert!(figures(&run, 1, last).contains("Changes of state"));
        let p = Params::default();
        assert!(timeline(&Run::new(&p), 0, 0).contains("bk-timeline"));
        let rows = action_rows(&run.params().script);
        assert_eq!(rows.matches("<li").count(), 12);
        assert_eq!(rows.matches(" disabled").count(), 2);
        let rows = phase_rows(&p.health);
        assert_eq!(rows.matches("<li").count(), p.health.len());
        assert!(rows.contains(r#"<option value="down" selected>"#));
        // Each phase may grow to the room the others leave: 600 - 80 s.
        assert!(rows.contains(r#"max="520""#));
    }

    /// The largest traffic run a link can ask for: 600 s at 100 calls a
    /// second, a 100 ms step, two time-window lanes of ten minutes.
    fn largest() -> Run {
        let phase = |health, secs| crate::sim::breaker::Phase { health, secs };
        Run::new(&Params {
            policy: Policy::TimeWindow,
            compare: Some(Policy::CountWindow),
            health: vec![
                phase(Health::Degraded(40), 300),
                phase(Health::Down, 100),
                phase(Health::Slow, 200),
            ],
            rate: crate::sim::breaker::MAX_RATE,
            tick_ms: 100,
            window_secs: 60,
            ..Params::default()
        })
    }

    /// Every frame of `run`, as the view draws it: the characters, and a
    /// digest of them (FNV-1a), so that two versions can be compared.
    fn walk(run: &Run) -> (usize, u64) {
        let mut n = 0;
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        let mut eat = |text: String| {
            n += text.len();
            for b in text.bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
        };
        for step in 0..run.steps() {
            for lane in 0..run.lanes().len() {
                eat(diagram(run, lane, step));
                eat(meters(run, lane, step));
                eat(figures(run, lane, step));
                eat(timeline(run, lane, step));
            }
            eat(load_chart(run, step));
            eat(run.caption(step));
        }
        (n, h)
    }

    /// Prints what drawing a frame of the largest run costs, and the
    /// digest of its frames (run with `cargo test --profile bench --lib
    /// breaker::render -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn the_cost_of_a_frame_of_the_largest_run() {
        let run = largest();
        let (n, h) = walk(&run);
        let t = std::time::Instant::now();
        type Part = fn(&Run, usize, usize) -> String;
        let parts: [(&str, Part); 5] = [
            ("diagram", diagram),
            ("meters", meters),
            ("figures", figures),
            ("timeline", timeline),
            ("load chart", |r, _, k| load_chart(r, k)),
        ];
        let mut total = 0.0;
        for (name, f) in parts {
            let t = std::time::Instant::now();
            let mut chars = 0;
            for step in 0..run.steps() {
                for lane in 0..run.lanes().len() {
                    chars += f(&run, lane, step).len();
                }
            }
            let per = t.elapsed().as_secs_f64() * 1e3 / run.steps() as f64;
            total += per;
            println!(
                "{name}: {per:.3} ms per frame, {} characters",
                chars / run.steps()
            );
        }
        let _ = t;
        println!(
            "{} steps, {n} characters, digest {h:016x}, {total:.3} ms per frame",
            run.steps()
        );
    }

    #[test]
    fn fixed_decimals_match_the_formatter() {
        let mut rng = crate::sim::rng::Rng::new(11);
        let mut values: Vec<f64> = vec![
            0.0, -0.0, 0.5, 1.5, 2.5, 0.25, 0.125, 0.375, 64.25, 1e12, 1e-320,
        ];
        values.extend([f64::NAN, f64::INFINITY, -1.25, 5e-324, 9.999_999_5]);
        for k in 0..20_000u32 {
            // Exact ties at every number of places, and their neighbours.
            let tie = f64::from(k) / 2.0_f64.powi(1 + (k % 12) as i32);
            values.extend([tie, f64::from_bits(tie.to_bits() + 1)]);
            values.push(f64::from_bits(tie.to_bits().saturating_sub(1)));
            let r = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            values.extend([r * 400.0, r * 1e6, r, r * 1e-3, 64.0 + r * 336.0]);
        }
        for x in values {
            for places in 0..=7u32 {
                let mut s = String::new();
                push_fixed(&mut s, x, places);
                assert_eq!(s, format!("{:.*}", places as usize, x), "{x:e} {places}");
            }
        }
    }

    #[test]
    fn every_data_f_of_the_editors_is_an_edit() {
        for preset in Preset::ALL {
            let p = preset.params();
            let phases = crate::app::live::edits_in(&phase_rows(&p.health));
            assert_eq!(phases.len(), 4 * p.health.len());
            for chunk in phases.chunks(4) {
                assert_eq!(chunk, [Edit::Kind, Edit::Errors, Edit::Secs, Edit::Remove]);
            }
            let actions = crate::app::live::edits_in(&action_rows(&p.script));
            assert_eq!(actions.len(), 4 * p.script.len());
            for chunk in actions.chunks(4) {
                assert_eq!(chunk, [Edit::Go, Edit::Up, Edit::Down, Edit::Remove]);
            }
        }
    }
}
