//! The rate-limiter frame as HTML text: each lane's verdict, figures and
//! Redis commands (in race mode the interleaved commands of the
//! instances), and the measured claims of the run. Plain functions of a
//! run and a step, tested natively; the timelines are in `timeline.rs`.

use std::fmt::Write;

use crate::app::html::escape;
use crate::sim::breaker::secs;
use crate::sim::model::Model;
use crate::sim::ratelimit::view::{decimal, instance_name, RaceAt, Tally};
use crate::sim::ratelimit::{script, Algo, Mode, Run};
use crate::sim::thousands;

/// What a step shows: the request in focus, and in race mode where the
/// step is among its group's commands.
pub struct At {
    /// The request shown (none at step 0).
    pub k: Option<usize>,
    /// Race mode: the group and the command's place in it.
    pub race: Option<RaceAt>,
}

impl At {
    /// The request and race position of `step`.
    pub fn of(run: &Run, step: usize) -> At {
        At {
            k: run.request_at(step),
            race: run.race_at(step),
        }
    }

    /// Whether request `j`'s decision is shown at `step`.
    pub fn decided(&self, run: &Run, step: usize, j: usize) -> bool {
        run.decided(step, j, self.race.as_ref())
    }
}

/// One line on how the algorithm works, under its name.
pub fn lane_note(algo: Algo) -> &'static str {
    match algo {
        Algo::CheatSheet => {
            "GET the window\u{2019}s count, compare in the app, then INCR and EXPIRE: four round trips, not atomic."
        }
        Algo::FixedWindow => "INCR the window\u{2019}s key and set its expiry when new, in one script.",
        Algo::SlidingLog => {
            "Every request let through is a member of a sorted set; the set is trimmed to the last window."
        }
        Algo::SlidingCounter => {
            "This window\u{2019}s count plus the previous one\u{2019}s, weighted by how much of it the sliding window still covers."
        }
        Algo::TokenBucket => "Tokens refill at the rate up to the burst; each request takes one.",
        Algo::LeakyMeter => "Each request adds one to a level that drains at the rate; full means limited.",
        Algo::LeakyQueue => {
            "Requests wait in a queue served at the rate; a full queue refuses. Passing means queued."
        }
        Algo::Gcra => {
            "One timestamp: the theoretical arrival time, moved one interval on per request."
        }
    }
}

/// The verdict on lane `lane`'s request at `step`, with the reason: a
/// symbol and a word as well as a colour.
pub fn verdict(run: &Run, lane: usize, step: usize) -> String {
    let at = At::of(run, step);
    let Some(k) = at.k else {
        return r#"<p class="rl-verdict wait"><span class="rl-word">No request yet.</span> Step forward to send the first one.</p>"#.to_string();
    };
    if !at.decided(run, step, k) {
        return format!(
            r#"<p class="rl-verdict wait"><span class="rl-word">&#8943; Deciding</span> request {} (client {}): its commands are still on their way.</p>"#,
            k + 1,
            run.requests()[k].client
        );
    }
    let ok = run.outcome(lane, k).ok;
    let queue = run
        .lanes()
        .get(lane)
        .is_some_and(|l| l.algo == Algo::LeakyQueue);
    let (class, word) = match (ok, queue) {
        (true, false) => ("ok", "\u{2713} Passed"),
        (true, true) => ("ok", "\u{2713} Queued"),
        (false, _) => ("no", "\u{2717} Limited"),
    };
    format!(
        r#"<p class="rl-verdict {class}"><span class="rl-word">{word}</span> request {} (client {}): {}</p>"#,
        k + 1,
        run.requests()[k].client,
        escape(&run.reason(lane, k))
    )
}

/// Requests decided by `step`: let through and limited, in lane `lane`.
fn so_far(run: &Run, lane: usize, step: usize, at: &At, tally: &Tally) -> (u64, u64) {
    let n = run.requests().len();
    let (first, extra) = match (run.params().mode, &at.race) {
        (Mode::Traffic, _) => (step.min(n), Vec::new()),
        (Mode::Race, Some(r)) => {
            let starts = run.group_starts();
            let a = starts.get(r.group).copied().unwrap_or(0) as usize;
            let b = starts.get(r.group + 1).copied().unwrap_or(0) as usize;
            let done: Vec<usize> = (a..b).filter(|&j| at.decided(run, step, j)).collect();
            (a, done)
        }
        (Mode::Race, None) => (0, Vec::new()),
    };
    let mut allowed = tally.allowed(run, lane, first);
    let mut limited = first as u64 - allowed;
    for j in extra {
        if run.outcome(lane, j).ok {
            allowed += 1;
        } else {
            limited += 1;
        }
    }
    (allowed, limited)
}

/// The figures of lane `lane` at `step`, as the items of a `<dl>`: what
/// it let through for this client within the last window against what it
/// means to allow, its state, the memory the client's key holds, and the
/// totals so far.
pub fn figures(run: &Run, lane: usize, step: usize, tally: &Tally, recent: &[u64]) -> String {
    let at = At::of(run, step);
    let w = run.limits().window_ms;
    let mut items: Vec<(String, String, String, bool)> = Vec::new();
    let shown = at.k.filter(|&k| at.decided(run, step, k));
    match shown {
        Some(k) => {
            let n = recent.get(lane).copied().unwrap_or(0);
            let nominal = run.nominal(lane);
            let ratio = if nominal > 0.0 {
                n as f64 / nominal
            } else {
                0.0
            };
            let windowed = run.lanes()[lane].algo.windowed();
            items.push((
                format!("In the last {}", secs(w)),
                thousands(n),
                format!(
                    "let through: {}\u{d7} {} of {}",
                    decimal(ratio),
                    if windowed {
                        "the limit"
                    } else {
                        "the rate\u{2019}s share"
                    },
                    decimal(nominal)
                ),
                windowed && n as f64 > nominal,
            ));
            let (value, of) = run.level_text(lane, k);
            items.push((run.level_name(lane).to_string(), value, of, false));
            let m = run.memory(lane, k);
            items.push((
                "Stored".to_string(),
                format!(
                    "{} value{}",
                    thousands(m.values),
                    if m.values == 1 { "" } else { "s" }
                ),
                format!(
                    "in {} key{} (client {}): {}",
                    m.keys,
                    if m.keys == 1 { "" } else { "s" },
                    run.requests()[k].client,
                    m.text
                ),
                false,
            ));
        }
        None => {
            items.push((
                format!("In the last {}", secs(w)),
                "\u{2013}".into(),
                "no decision yet".into(),
                false,
            ));
        }
    }
    let (allowed, limited) = so_far(run, lane, step, &at, tally);
    items.push((
        "So far".into(),
        thousands(allowed),
        format!("let through, {} limited", thousands(limited)),
        false,
    ));
    let mut s = String::new();
    for (label, value, note, bad) in items {
        let _ = write!(
            s,
            r#"<div class="stat{}"><dt>{}</dt><dd><span class="now">{}</span><span class="of">{}</span></dd></div>"#,
            if bad { " bad" } else { "" },
            escape(&label),
            escape(&value),
            escape(&note)
        );
    }
    s
}

/// One command as a list item: the connection that sent it, the command
/// and its reply (a pending command's reply is not known yet).
fn command_item(s: &mut String, class: &str, conn: u8, text: &str, reply: &str, inside: &str) {
    let _ = write!(
        s,
        r#"<li class="rl-cmd {class}"><span class="rl-conn" title="Connection of instance {c}">{c}</span> <code>{}</code> <span class="rl-reply">{}</span>"#,
        escape(text),
        escape(reply),
        c = instance_name(conn)
    );
    if !inside.is_empty() {
        let _ = write!(s, r#" <span class="rl-inside">{}</span>"#, escape(inside));
    }
    s.push_str("</li>");
}

/// The Redis commands of lane `lane` at `step`: in traffic mode those of
/// the request shown; in race mode every command of its group in the
/// order they reach Redis, each with the instance whose connection sent
/// it (the first lane's sent so far, the one of this step marked).
pub fn commands(run: &Run, lane: usize, step: usize) -> String {
    let at = At::of(run, step);
    let Some(l) = run.lanes().get(lane) else {
        return String::new();
    };
    let Some(k) = at.k else {
        return r#"<p class="hint">No command sent yet.</p>"#.into();
    };
    let reqs = run.requests();
    let mut s = String::new();
    match &at.race {
        None => {
            let cmds = run.commands(lane, k);
            let _ = write!(
                s,
                r#"<p class="hint">Request {} costs {} round trip{} to Redis:</p><ol class="rl-cmds">"#,
                k + 1,
                cmds.len(),
                if cmds.len() == 1 { "" } else { "s" }
            );
            for c in &cmds {
                let reply = format!("\u{2192} {}", c.reply.show());
                command_item(
                    &mut s,
                    "sent",
                    reqs[k].instance,
                    &c.short(l.algo),
                    &reply,
                    &c.inside,
                );
            }
        }
        Some(r) => {
            let order = if lane == 0 {
                r.order.clone()
            } else {
                run.group_order(lane, r.group)
            };
            let _ = write!(
                s,
                r#"<p class="hint">{} request{} at {} reach Redis together; their {} command{} in the order Redis runs them:</p><ol class="rl-cmds">"#,
                run.group_starts()[r.group + 1] - run.group_starts()[r.group],
                if run.group_starts()[r.group + 1] - run.group_starts()[r.group] == 1 {
                    ""
                } else {
                    "s"
                },
                secs(reqs[k].at),
                order.len(),
                if order.len() == 1 { "" } else { "s" }
            );
            for (p, &(j, i)) in order.iter().enumerate() {
                let cmds = run.commands(lane, j);
                let Some(c) = cmds.get(i) else {
                    continue;
                };
                let class = if lane != 0 {
                    if j == k {
                        "sent mine"
                    } else {
                        "sent"
                    }
                } else if p < r.pos {
                    "sent"
                } else if p == r.pos {
                    "now"
                } else {
                    "pending"
                };
                let pending = class == "pending";
                let reply = if pending {
                    "\u{2192} \u{2026}".to_string()
                } else {
                    format!("\u{2192} {}", c.reply.show())
                };
                let inside = if pending { "" } else { c.inside.as_str() };
                let text = format!("r{} {}", j + 1, c.short(l.algo));
                command_item(&mut s, class, reqs[j].instance, &text, &reply, inside);
            }
        }
    }
    s.push_str("</ol>");
    s
}

/// The script lane `lane` sends with EVAL, if any, in full.
pub fn script_text(run: &Run, lane: usize) -> Option<&'static str> {
    run.lanes().get(lane).and_then(|l| script(l.algo))
}

/// The measured claims of the run: per algorithm what it let through and
/// limited, and its worst window against what it means to allow, each
/// with a button that shows that window's last request; then the sliding
/// counter's error against the exact log.
pub fn claims(run: &Run) -> String {
    let lim = run.limits();
    let w = secs(lim.window_ms);
    let mut s = format!(
        r#"<div class="table-wrap"><table class="sweep-table rl-claims"><caption>Measured on this run: the most requests one client got through in any window of {w}</caption><thead><tr><th scope="col">Algorithm</th><th scope="col">Worst window</th><th scope="col">Against what it means to allow</th><th scope="col">Let through, limited</th><th scope="col"><span class="visually-hidden">Show</span></th></tr></thead><tbody>"#
    );
    for (i, l) in run.lanes().iter().enumerate() {
        let sm = &l.summary;
        let ratio = sm.overshoot(l.algo, &lim);
        let nominal = run.nominal(i);
        let over = sm.worst as f64 > nominal + 1e-9;
        let show = match run.worst_request(i) {
            Some(k) => format!(
                r#"<button type="button" class="text-button" data-k="{k}" aria-label="Show the worst window of the {}">Show</button>"#,
                escape(l.algo.label())
            ),
            None => String::new(),
        };
        let _ = write!(
            s,
            r#"<tr><th scope="row">{}</th><td><strong>{}</strong> (client {}, ending {})</td><td class="{}">{}&#215; {}</td><td>{}, {}</td><td>{show}</td></tr>"#,
            escape(l.algo.label()),
            thousands(sm.worst),
            sm.worst_client,
            secs(sm.worst_at),
            if over { "bad" } else { "good" },
            decimal(ratio),
            if l.algo.windowed() {
                format!("the limit of {}", lim.limit)
            } else {
                format!(
                    "{} (the rate over {w}; the burst comes on top by design)",
                    decimal(nominal)
                )
            },
            thousands(sm.allowed),
            thousands(sm.limited)
        );
    }
    s.push_str("</tbody></table></div>");
    if let Some(e) = run.counter_error() {
        let _ = write!(
            s,
            r#"<p class="rl-error">The sliding window counter, judged request by request against an exact count of what it let through in the last {w}: <strong>{:.3}%</strong> of {} requests decided otherwise ({} let through over the limit, {} limited below it).</p>"#,
            e.percent(),
            thousands(e.requests),
            thousands(e.wrongly_allowed),
            thousands(e.wrongly_limited)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::ratelimit::{Params, Preset};
    use crate::sim::Trace;

    #[test]
    fn the_race_shows_the_cheat_sheets_two_passes_and_the_atomic_lanes_refusal() {
        let run = Run::new(&Preset::Race.params());
        // Find the step where a pair's last command lands with the count
        // one below the limit: both pass in the cheat sheet's lane.
        let over = (1..run.steps())
            .find(|&s| {
                let at = At::of(&run, s);
                at.race.as_ref().is_some_and(|r| r.pos + 1 == r.order.len())
                    && at.k.is_some_and(|k| run.outcome(0, k).value > 3)
            })
            .expect("the race preset lets the cheat sheet over the limit");
        let v0 = verdict(&run, 0, over);
        let v1 = verdict(&run, 1, over);
        assert!(v0.contains("Passed"), "{v0}");
        assert!(v0.contains("over the limit"), "{v0}");
        assert!(v1.contains("Limited"), "{v1}");
        let cmds = commands(&run, 0, over);
        assert!(cmds.contains("GET") && cmds.contains("INCR"), "{cmds}");
        assert!(cmds.contains(r#"class="rl-conn" title="Connection of instance B">B"#));
        assert!(cmds.contains(r#"rl-cmd now"#));
        assert!(!cmds.contains("pending"), "the last command: none pending");
    }

    #[test]
    fn a_command_still_to_come_shows_no_reply() {
        let run = Run::new(&Preset::Race.params());
        let cmds = commands(&run, 0, 1);
        assert!(cmds.contains("rl-cmd now"));
        assert!(cmds.contains("pending"), "{cmds}");
        assert!(verdict(&run, 0, 1).contains("Deciding"));
    }

    #[test]
    fn claims_come_from_the_run() {
        let run = Run::new(&Preset::Edge.params());
        let c = claims(&run);
        let fixed = run.lanes()[0].summary;
        assert!(
            c.contains(&format!("<td><strong>{}</strong> (client 0", fixed.worst)),
            "{c}"
        );
        assert!(c.contains("2&#215; the limit of 10"), "{c}");
        assert!(c.contains(r#"class="bad""#));
        let e = run.counter_error().expect("the counter ran");
        assert!(c.contains(&format!("{:.3}%", e.percent())));
        let run = Run::new(&Params {
            algos: vec![Algo::TokenBucket],
            ..Params::default()
        });
        assert!(!claims(&run).contains("rl-error"));
    }

    #[test]
    fn figures_and_verdicts_at_every_step_of_the_presets() {
        for p in Preset::ALL {
            let mut params = p.params();
            params.seconds = params.seconds.min(3);
            let run = Run::new(&params);
            let tally = run.tally();
            let last = run.steps() - 1;
            for step in [0, 1, 2, last / 2, last] {
                let recent = run
                    .request_at(step)
                    .map(|k| run.recent(k))
                    .unwrap_or_default();
                for lane in 0..run.lanes().len() {
                    let f = figures(&run, lane, step, &tally, &recent);
                    assert!(f.contains("So far"), "{p:?} {step}");
                    let v = verdict(&run, lane, step);
                    assert!(v.starts_with("<p class=\"rl-verdict"), "{v}");
                    let _ = commands(&run, lane, step);
                }
            }
        }
    }

    #[test]
    fn the_so_far_figures_add_up_at_the_end() {
        let run = Run::new(&Preset::Abuser.params());
        let tally = run.tally();
        let last = run.steps() - 1;
        let recent = run.recent(run.requests().len() - 1);
        let f = figures(&run, 0, last, &tally, &recent);
        let s = run.lanes()[0].summary;
        assert!(
            f.contains(&format!(
                r#"<span class="now">{}</span><span class="of">let through, {} limited"#,
                thousands(s.allowed),
                thousands(s.limited)
            )),
            "{f}"
        );
    }
}
