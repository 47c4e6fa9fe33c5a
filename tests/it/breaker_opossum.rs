//! Conformance of the breaker's opossum policy with opossum itself: the
//! test writes generated manual scripts (overlapping calls sent in the
//! background; durations at, just under and just over the timeout; waits
//! that end exactly at, 1 ms before and 1 ms after the reset timer, and at
//! bucket edges; client errors with and without the filter; random volume
//! thresholds, thresholds, windows and warm-ups) with the model's call
//! times, replays them with the real opossum (pinned in `package.json`) on
//! `@sinonjs/fake-timers` (`tests/node/opossum_replay.mjs`), and asserts
//! that opossum and the model agree on everything: whether each call ran,
//! what its caller got (its own result or error, `EOPENBREAKER`,
//! `ETIMEDOUT`) and when, every change of state and its time, the rolling
//! window's fires and failures after every action, and the totals.

use crate::common;

use backend_playground::sim::breaker::{
    flag, parse_script, scripted, Action, Call, Mode, Params, Policy, Preset, Result as Outcome,
    Rule, Run, Send, Shot, State,
};
use backend_playground::sim::rng::Rng;
use backend_playground::sim::Trace;
use serde_json::{json, Value};

/// Generated scripts.
const CASES: usize = 400;

use crate::common::root;

fn pick(rng: &mut Rng, xs: &[u64]) -> u64 {
    xs[rng.below(xs.len() as u64) as usize]
}

/// A bucket's span in ms, as opossum computes it.
fn interval(p: &Params) -> u64 {
    (u64::from(p.rolling_ms) / u64::from(p.buckets.max(1))).max(1)
}

/// A call of a random kind, in the background or not, at its kind's
/// latency or at a duration that ends on or beside the timeout or a bucket
/// edge (`clock` is when it starts).
fn random_call(rng: &mut Rng, p: &Params, clock: u64) -> Action {
    let send = [
        Send::Ok,
        Send::Ok,
        Send::Fail,
        Send::Fail,
        Send::Client,
        Send::Slow,
    ][rng.below(6) as usize];
    let timeout = u64::from(p.timeout_ms);
    let i = interval(p);
    let to_edge = (clock / i + 1) * i - clock;
    let ms = (rng.below(10) >= 4).then(|| {
        pick(
            rng,
            &[
                0,
                1,
                timeout - 1,
                timeout,
                timeout,
                timeout + 1,
                i.saturating_sub(1),
                i,
                i + 1,
                to_edge,
                to_edge,
                to_edge + i,
                2 * timeout,
            ],
        )
    });
    Action::Call(Shot {
        send,
        ms,
        background: rng.below(10) < 4,
    })
}

/// A random script for opossum's policy, built action by action: the
/// model's run so far says when the reset timer goes off, so waits can end
/// on and beside it.
fn random_params(rng: &mut Rng) -> Params {
    let timeout = pick(rng, &[20, 50, 100, 250]);
    let wait = pick(rng, &[1, 30, 100, 250, 600]) + pick(rng, &[0, 0, 7]);
    let mut p = Params {
        mode: Mode::Manual,
        policy: Policy::Opossum,
        compare: None,
        failure_rate: pick(rng, &[1, 7, 20, 33, 40, 50, 50, 60, 66, 75, 90, 100]) as u32,
        volume: pick(rng, &[0, 0, 1, 2, 3, 5, 8]) as u32,
        wait_ms: wait as u32,
        rolling_ms: pick(rng, &[100, 150, 300, 500, 1_000, 2_000]) as u32,
        buckets: pick(rng, &[1, 2, 3, 4, 7, 10]) as u32,
        timeout_ms: timeout as u32,
        latency_ms: pick(rng, &[0, 0, 5, 20]) as u32,
        slow_latency_ms: pick(rng, &[timeout - 1, timeout, timeout + 1, 2 * timeout]) as u32,
        exclude: rng.below(2) == 0,
        warm_up: rng.below(4) == 0,
        script: Vec::new(),
        ..Params::default()
    };
    let i = interval(&p);
    let len = 8 + rng.below(35) as usize;
    while p.script.len() < len {
        let clock = scripted(&p.script, p.timing())
            .1
            .last()
            .copied()
            .unwrap_or(0);
        match rng.below(12) {
            0..=5 => {
                let a = random_call(rng, &p, clock);
                p.script.push(a);
            }
            6 | 7 => {
                // On, or 1 ms beside, the reset timer.
                let run = Run::new(&p);
                let due = run.lanes()[0]
                    .snap(usize::MAX)
                    .open_until
                    .filter(|&u| u >= clock);
                if let Some(u) = due {
                    let target = (u + pick(rng, &[0, 0, 0, 1, 2])).saturating_sub(1);
                    if target > clock {
                        p.script.push(Action::Wait(target - clock));
                    }
                    if target >= clock {
                        let a = random_call(rng, &p, target);
                        p.script.push(a);
                    }
                } else {
                    p.script.push(Action::Wait(wait));
                }
            }
            8 => {
                // On, or 1 ms beside, a bucket edge.
                let edge = (clock / i + 1 + rng.below(2)) * i;
                let target = (edge + pick(rng, &[0, 0, 1, 2])).saturating_sub(1);
                if target > clock {
                    p.script.push(Action::Wait(target - clock));
                }
                let a = random_call(rng, &p, target.max(clock));
                p.script.push(a);
            }
            _ => {
                let w = pick(
                    rng,
                    &[
                        1,
                        3,
                        i,
                        wait.saturating_sub(1).max(1),
                        wait,
                        wait + 1,
                        timeout,
                        u64::from(p.rolling_ms),
                    ],
                );
                p.script.push(Action::Wait(w));
            }
        }
    }
    // Long enough for every call to end and the last reset timer to go
    // off before the end.
    p.script.push(Action::Wait(timeout + wait + 1));
    p
}

/// Scripts of the model's hand-worked tests, against opossum too.
fn worked_examples() -> Vec<Params> {
    let base = Params {
        mode: Mode::Manual,
        policy: Policy::Opossum,
        compare: None,
        failure_rate: 50,
        volume: 0,
        wait_ms: 1_000,
        rolling_ms: 10_000,
        buckets: 10,
        timeout_ms: 5_000,
        latency_ms: 0,
        ..Params::default()
    };
    let float = format!("{}{},wait6s", "ok,".repeat(93), ["fail"; 7].join(","));
    let examples: Vec<(Params, &str)> = vec![
        (base.clone(), "ok,fail,fail,ok,wait6s"),
        (
            Params {
                failure_rate: 7,
                ..base.clone()
            },
            &float,
        ),
        (
            Params {
                volume: 3,
                ..base.clone()
            },
            "fail,fail,fail,ok,wait6s",
        ),
        (
            base.clone(),
            "fail,ok,ok,ok,wait1s,ok,fail,fail,fail,fail,wait6s",
        ),
        (
            Params {
                exclude: true,
                ..base.clone()
            },
            "client,client,fail,fail,fail,wait1s,client,wait6s",
        ),
        (
            Params {
                timeout_ms: 100,
                ..base.clone()
            },
            "ok:99ms,ok:100ms,fail:101ms,wait2s",
        ),
        (base.clone(), "~ok:2s,fail,fail,wait3s,wait6s"),
        (
            Params {
                failure_rate: 40,
                ..base.clone()
            },
            "~fail:2s,fail,wait3s,ok,wait1ms,ok,wait6s",
        ),
        (
            base.clone(),
            "fail,wait1s,~ok:500ms,ok,fail,wait500ms,ok,wait6s",
        ),
        (
            Params {
                rolling_ms: 1_000,
                buckets: 3,
                ..base.clone()
            },
            "ok,wait999ms,fail,wait6s",
        ),
        (
            Params {
                rolling_ms: 300,
                buckets: 3,
                ..base.clone()
            },
            "ok,ok,wait200ms,~fail:100ms,wait100ms,wait6s",
        ),
        (
            Params {
                rolling_ms: 300,
                buckets: 3,
                ..base.clone()
            },
            "ok,ok,~fail:300ms,wait300ms,wait6s",
        ),
        (
            Params {
                warm_up: true,
                rolling_ms: 1_000,
                ..base
            },
            "fail,wait999ms,fail,wait1ms,fail,wait6s",
        ),
    ];
    examples
        .into_iter()
        .map(|(p, script)| {
            let mut problems = Vec::new();
            let script = parse_script(script, &mut problems);
            assert!(problems.is_empty(), "{problems:?}");
            Params { script, ..p }
        })
        .collect()
}

/// How long the action of `call` runs at the downstream, and how it ends:
/// a manual call's own duration (a call that timed out ran longer), a
/// generated one's with 1 ms more when it timed out.
fn action(p: &Params, call: &Call) -> (u64, &'static str) {
    let shot = match (p.mode, p.script.get(call.source as usize)) {
        (Mode::Manual, Some(Action::Call(s))) => Some(*s),
        _ => None,
    };
    let kind = |send: Send| match send {
        Send::Ok | Send::Slow => "ok",
        Send::Fail => "fail",
        Send::Client => "client",
    };
    match (shot, call.result) {
        (Some(s), _) => {
            let latency = match s.send {
                Send::Slow => p.slow_latency_ms,
                _ => p.latency_ms,
            };
            (s.ms.unwrap_or(u64::from(latency)), kind(s.send))
        }
        (None, Outcome::Ok) => (call.duration, "ok"),
        (None, Outcome::Error) => (call.duration, "fail"),
        (None, Outcome::Client) => (call.duration, "client"),
        (None, Outcome::Timeout) => (call.duration + 1, "ok"),
    }
}

/// The replay's input for one run: a fire per call at its start and, in a
/// manual script, a look at the window after every action.
fn case(run: &Run) -> Value {
    let p = run.params();
    let calls = run.calls();
    let fire = |c: &Call| {
        let (ms, kind) = action(p, c);
        json!({"t": c.start, "fire": {"ms": ms, "kind": kind}})
    };
    let mut events = Vec::new();
    let end = match p.mode {
        Mode::Manual => {
            let mut next = 0;
            for step in 1..run.steps() {
                let started = run.moment(step).started as usize;
                while next < started {
                    events.push(fire(&calls[next]));
                    next += 1;
                }
                events.push(json!({"t": run.moment(step).at, "probe": true}));
            }
            run.moment(run.steps() - 1).at
        }
        Mode::Traffic => {
            events.extend(calls.iter().map(fire));
            traffic_end(run)
        }
    };
    json!({
        "options": {
            "timeout": p.timeout_ms,
            "resetTimeout": p.wait_ms,
            "errorThresholdPercentage": p.failure_rate,
            "volumeThreshold": p.volume,
            "rollingCountTimeout": p.rolling_ms,
            "rollingCountBuckets": p.buckets,
            "allowWarmUp": p.warm_up,
        },
        "filter": p.exclude,
        "events": events,
        "end": end,
    })
}

/// The last instant a traffic run's model has seen: its last step shows the
/// clock after every event before it.
fn traffic_end(run: &Run) -> u64 {
    run.moment(run.steps() - 1).at.saturating_sub(1)
}

/// What the model says opossum reports, in the replay's terms.
fn model(run: &Run) -> Value {
    let lane = &run.lanes()[0];
    let calls: Vec<Value> = run
        .calls()
        .iter()
        .zip(&lane.flags)
        .map(|(c, f)| {
            let ran = f & flag::PASSED != 0;
            let got = if !ran {
                "EOPENBREAKER"
            } else if f & flag::BREAKER_ERROR != 0 {
                "ETIMEDOUT"
            } else {
                match c.result {
                    Outcome::Ok => "ok",
                    Outcome::Error => "fail",
                    Outcome::Client => "client",
                    Outcome::Timeout => "a timeout without ETIMEDOUT",
                }
            };
            let settled = if ran { c.end() } else { c.start };
            json!({"got": got, "ran": ran, "settled": settled})
        })
        .collect();
    let transitions: Vec<Value> = lane
        .transitions
        .iter()
        .map(|t| {
            let name = match t.to {
                State::Open => "open",
                State::HalfOpen => "halfOpen",
                State::Closed => "close",
            };
            json!([t.at, name])
        })
        .collect();
    let tallies = |steps: std::ops::Range<usize>| -> Vec<Value> {
        steps
            .map(|k| {
                let t = lane.snap(k).tally;
                json!([t.total, t.failed])
            })
            .collect()
    };
    let passed = lane.flags.iter().filter(|f| *f & flag::PASSED != 0).count();
    let timeouts = lane
        .flags
        .iter()
        .filter(|f| *f & flag::BREAKER_ERROR != 0)
        .count();
    let failures = lane.records.iter().filter(|r| r.failed).count();
    let mut out = json!({
        "calls": calls,
        "transitions": transitions,
        "totals": {
            "fires": run.calls().len(),
            "failures": failures,
            "successes": lane.records.len() - failures,
            "rejects": run.calls().len() - passed,
            "timeouts": timeouts,
        },
    });
    if run.params().mode == Mode::Manual {
        let last = lane.snap(run.steps() - 1).tally;
        out["probes"] = Value::Array(tallies(1..run.steps()));
        out["window"] = json!([last.total, last.failed]);
    }
    out
}

/// opossum's reply in the model's terms (the window as fires and failures;
/// for traffic, the changes of state up to the model's last instant).
fn reply(run: &Run, got: &Value) -> Value {
    let manual = run.params().mode == Mode::Manual;
    let mut transitions = got["transitions"].clone();
    if let (false, Some(list)) = (manual, transitions.as_array_mut()) {
        let end = traffic_end(run);
        list.retain(|t| t[0].as_u64().is_some_and(|at| at <= end));
    }
    let mut out = json!({
        "calls": got["calls"],
        "transitions": transitions,
        "totals": got["totals"],
    });
    if manual {
        out["probes"] = got["probes"].clone();
        out["window"] = json!([got["window"]["fires"], got["window"]["failures"]]);
    }
    out
}

/// The boundary cases a run exercises.
#[derive(Debug, Default)]
struct Figures {
    calls: usize,
    rejected: usize,
    timeouts: usize,
    trips: usize,
    /// Calls at exactly the instant the reset timer goes off.
    at_reset: usize,
    /// Calls 1 ms before or after it.
    beside_reset: usize,
    /// Calls that ran exactly as long as the timeout.
    at_timeout: usize,
    /// Outcomes exactly at a bucket edge.
    at_edge: usize,
    /// Of those, outcomes of calls longer than a bucket (counted in the
    /// bucket that is ending).
    at_edge_long: usize,
    /// Outcomes in half-open of calls that were not the trial.
    late_in_half_open: usize,
}

impl Figures {
    fn add(&mut self, run: &Run) {
        let p = run.params();
        let lane = &run.lanes()[0];
        let calls = run.calls();
        let i = interval(p);
        let timeout = u64::from(p.timeout_ms);
        self.calls += calls.len();
        for (c, f) in calls.iter().zip(&lane.flags) {
            let ran = f & flag::PASSED != 0;
            self.rejected += usize::from(!ran);
            self.timeouts += usize::from(f & flag::BREAKER_ERROR != 0);
            if ran && action(p, c).0 == timeout {
                self.at_timeout += 1;
            }
            if ran && c.end() > 0 && c.end().is_multiple_of(i) {
                self.at_edge += 1;
                self.at_edge_long += usize::from(c.duration > i);
            }
        }
        for t in &lane.transitions {
            if t.to == State::Open {
                self.trips += 1;
            }
            if t.rule
                == (Rule::ResetTimer {
                    wait_ms: p.wait_ms.into(),
                })
            {
                self.at_reset += calls.iter().filter(|c| c.start == t.at).count();
                self.beside_reset += calls
                    .iter()
                    .filter(|c| c.start + 1 == t.at || c.start == t.at + 1)
                    .count();
            }
        }
        self.late_in_half_open += lane
            .records
            .iter()
            .filter(|r| {
                r.state == State::HalfOpen && lane.flags[r.call as usize] & flag::TRIAL == 0
            })
            .count();
    }
}

#[test]
fn opossum_gives_every_call_and_window_what_the_model_gives() {
    let modules = root().join("node_modules/opossum");
    assert!(
        modules.exists(),
        "{} is missing: run `npm ci` (scripts/test.sh does)",
        modules.display()
    );
    let mut rng = Rng::new(0x0b05_5c17);
    let mut params: Vec<Params> = (0..CASES).map(|_| random_params(&mut rng)).collect();
    params.extend(worked_examples());
    // Every preset's calls (traffic or a script), through opossum's policy.
    let presets: Vec<Params> = Preset::ALL
        .iter()
        .map(|p| p.params())
        .map(|p| Params {
            policy: Policy::Opossum,
            compare: None,
            ..p
        })
        .collect();
    let preset_count = presets.len();
    params.extend(presets);
    let runs: Vec<Run> = params.iter().map(Run::new).collect();
    let cases: Vec<Value> = runs.iter().map(case).collect();
    let replies = common::replay(
        "node",
        "tests/node/opossum_replay.mjs",
        &Value::Array(cases),
        "opossum",
    );
    let results = replies["results"].as_array().expect("results per case");
    assert_eq!(results.len(), runs.len());
    let mut figures = Figures::default();
    let mut differences = Vec::new();
    for (k, (run, got)) in runs.iter().zip(results).enumerate() {
        figures.add(run);
        let want = model(run);
        let got = reply(run, got);
        if want != got {
            differences.push(format!(
                "case {k}: {}\n  model   {want}\n  opossum {got}",
                describe(run)
            ));
        }
    }
    println!(
        "opossum {} (fake-timers {}): {} runs ({} of them the presets' calls), {} calls, {} rejected, {} timed out, {} trips; boundaries: {} calls at the reset timer's instant ({} 1 ms beside it), {} calls exactly as long as the timeout, {} outcomes at a bucket edge ({} of calls longer than a bucket), {} outcomes in half-open from calls other than the trial; {} differences",
        replies["opossum"].as_str().unwrap_or("?"),
        replies["fakeTimers"].as_str().unwrap_or("?"),
        runs.len(),
        preset_count,
        figures.calls,
        figures.rejected,
        figures.timeouts,
        figures.trips,
        figures.at_reset,
        figures.beside_reset,
        figures.at_timeout,
        figures.at_edge,
        figures.at_edge_long,
        figures.late_in_half_open,
        differences.len()
    );
    assert!(
        differences.is_empty(),
        "{} of {} cases differ:\n{}",
        differences.len(),
        runs.len(),
        differences
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    for (what, n) in [
        ("rejected calls", figures.rejected),
        ("timeouts", figures.timeouts),
        ("trips", figures.trips),
        ("calls at the reset timer's instant", figures.at_reset),
        ("calls 1 ms beside it", figures.beside_reset),
        ("calls as long as the timeout", figures.at_timeout),
        ("outcomes at a bucket edge", figures.at_edge),
        (
            "outcomes at a bucket edge of calls longer than a bucket",
            figures.at_edge_long,
        ),
        (
            "outcomes in half-open of calls other than the trial",
            figures.late_in_half_open,
        ),
    ] {
        assert!(n > 0, "no {what}: the scripts miss a boundary");
    }
}

/// A run's settings and script, to replay a difference by hand.
fn describe(run: &Run) -> String {
    let p = run.params();
    format!(
        "timeout={} resetTimeout={} threshold={} volume={} rolling={}/{} warmUp={} filter={} script={}",
        p.timeout_ms,
        p.wait_ms,
        p.failure_rate,
        p.volume,
        p.rolling_ms,
        p.buckets,
        p.warm_up,
        p.exclude,
        backend_playground::sim::breaker::script_text(&p.script)
    )
}
