//! Conformance of the breaker's pybreaker policy with pybreaker itself:
//! the test writes generated manual scripts (successes, errors, client
//! errors excluded or not, calls that time out, calls sent in the
//! background so that they overlap, and waits placed on and beside the
//! reset timeout) with the model's call times, replays them with the real
//! pybreaker (pinned in `tests/python/requirements.txt`, in the virtualenv
//! `scripts/test.sh` builds) on a virtual clock, one thread per call
//! (`tests/python/pybreaker_replay.py`), and asserts that every call's
//! outcome (reached the downstream or not, CircuitBreakerError or not),
//! when it got the breaker's lock and when it returned, and every change of
//! state with its time, are the model's.

use crate::common;

use backend_playground::sim::breaker::{
    flag, Action, Mode, Params, Policy, Preset, Result as Outcome, Run, Send, Shot, State,
};
use backend_playground::sim::rng::Rng;
use serde_json::{json, Value};

/// Generated scripts.
const CASES: usize = 400;

/// A random script for pybreaker's policy, with waits around `wait_ms`,
/// calls sent in the background (which then wait for the breaker's lock),
/// and a last wait that lets every call finish.
fn random_params(rng: &mut Rng) -> Params {
    let pick = |rng: &mut Rng, xs: &[u32]| xs[rng.below(xs.len() as u64) as usize];
    let wait_ms = pick(rng, &[1, 50, 1_000, 10_000]) + pick(rng, &[0, 0, 7]);
    let latency_ms = pick(rng, &[0, 10, 50, 300]);
    let timeout_ms = pick(rng, &[1_000, 5_000]);
    let slow_latency_ms = pick(rng, &[500, 3_000, 8_000]);
    let waits = [
        wait_ms.saturating_sub(1),
        wait_ms,
        wait_ms + 1,
        wait_ms / 2,
        wait_ms.saturating_sub(latency_ms),
        1,
        pick(rng, &[100, 2_500, 20_000]),
    ];
    // A third of the scripts overlap their calls.
    let overlap = rng.below(3) == 0;
    let mut script: Vec<Action> = (0..5 + rng.below(36))
        .map(|_| {
            let send = match rng.below(10) {
                0..=2 => Send::Ok,
                3..=4 => Send::Fail,
                5 => Send::Client,
                6 => Send::Slow,
                _ => return Action::Wait(u64::from(pick(rng, &waits).max(1))),
            };
            Action::Call(Shot {
                send,
                ms: (rng.below(4) == 0).then(|| u64::from(pick(rng, &[0, 1, 20, 700]))),
                background: overlap && rng.below(2) == 0,
            })
        })
        .collect();
    // Long enough for every call, one after another, to end.
    let longest = u64::from(slow_latency_ms.max(latency_ms).max(700));
    script.push(Action::Wait(longest * script.len() as u64 + 1));
    Params {
        mode: Mode::Manual,
        policy: Policy::Consecutive,
        compare: None,
        fail_max: 1 + rng.below(5) as u32,
        successes: 1 + rng.below(3) as u32,
        wait_ms,
        latency_ms,
        slow_latency_ms,
        timeout_ms,
        exclude: rng.below(2) == 0,
        script,
        ..Params::default()
    }
}

/// One call as the replay reports it: reached the protected function, got
/// CircuitBreakerError, got the lock at, returned at (the last two `None`
/// if not by the end of the script).
type Seen = (bool, bool, Option<u64>, Option<u64>);

/// The model's answer per call, and its changes of state.
fn model(run: &Run) -> (Vec<Seen>, Vec<(u64, &'static str)>) {
    let lane = &run.lanes()[0];
    let until = run.moment(usize::MAX).at;
    let calls = run
        .calls()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let f = lane.flags[i];
            let passed = f & flag::PASSED != 0;
            let asked = lane.asked(i, c);
            let done = if passed { lane.ends(i, c) } else { asked };
            let done = (done <= until).then_some(done);
            // A rejected call raises the breaker's error, as a call that
            // trips it or fails its trial does.
            let raised = done.is_some() && (!passed || f & flag::BREAKER_ERROR != 0);
            (passed, raised, (asked <= until).then_some(asked), done)
        })
        .collect();
    let transitions = lane
        .transitions
        .iter()
        .map(|t| (t.at, t.to.label()))
        .collect();
    (calls, transitions)
}

/// Calls of the run that ask the breaker in open within 1 ms of the moment
/// the reset timeout ends (where an off-by-one in the comparison would
/// show).
fn on_the_reset_timeout(run: &Run) -> usize {
    let lane = &run.lanes()[0];
    let wait = u64::from(run.params().wait_ms);
    run.calls()
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            let asked = lane.asked(*i, c);
            let opened = lane
                .transitions
                .iter()
                .rev()
                .find(|t| t.at <= asked)
                .filter(|t| t.to == State::Open)
                .map(|t| t.at);
            opened.is_some_and(|at| (at + wait).abs_diff(asked) <= 1)
        })
        .count()
}

/// The runs' calls replayed by pybreaker: its JSON reply.
fn replay(params: &[Params], runs: &[Run]) -> Value {
    let cases: Vec<Value> = params
        .iter()
        .zip(runs)
        .map(|(p, run)| {
            let calls: Vec<Value> = run
                .calls()
                .iter()
                .map(|c| {
                    let result = match c.result {
                        Outcome::Ok => "ok",
                        Outcome::Error => "error",
                        Outcome::Timeout => "timeout",
                        Outcome::Client => "client",
                    };
                    json!({"start": c.start, "duration": c.duration, "result": result})
                })
                .collect();
            json!({
                "fail_max": p.fail_max,
                "success_threshold": p.successes,
                "reset_ms": p.wait_ms,
                "exclude": p.exclude,
                "calls": calls,
                "until": run.moment(usize::MAX).at,
            })
        })
        .collect();
    common::replay(
        common::python(),
        "tests/python/pybreaker_replay.py",
        &Value::Array(cases),
        "pybreaker",
    )
}

#[test]
fn pybreaker_gives_every_call_the_outcome_the_model_gives() {
    let mut rng = Rng::new(0x0b2e_a4e4);
    let mut params: Vec<Params> = (0..CASES).map(|_| random_params(&mut rng)).collect();
    // Every preset's calls (traffic or a script) through pybreaker's policy;
    // a slow phase leaves hundreds of calls still waiting for the lock when
    // the timeline ends.
    params.extend(Preset::ALL.iter().map(|p| Params {
        policy: Policy::Consecutive,
        compare: None,
        ..p.params()
    }));
    let runs: Vec<Run> = params.iter().map(Run::new).collect();
    let replies = replay(&params, &runs);
    let results = replies["results"].as_array().expect("results per case");
    assert_eq!(results.len(), runs.len());
    let (mut calls, mut rejected, mut trips, mut boundary) = (0, 0, 0, 0);
    let (mut waited, mut excluded, mut changes) = (0, 0, 0);
    let mut differences = Vec::new();
    let num = |v: &Value| v.as_u64();
    for (k, (run, got)) in runs.iter().zip(results).enumerate() {
        boundary += on_the_reset_timeout(run);
        let (want, want_changes) = model(run);
        let lane = &run.lanes()[0];
        let got_calls = got["calls"].as_array().expect("calls of a case");
        assert_eq!(got_calls.len(), want.len(), "case {k}: calls");
        for (i, (w, g)) in want.iter().zip(got_calls).enumerate() {
            calls += 1;
            rejected += usize::from(!w.0);
            trips += usize::from(w.0 && w.1);
            waited += usize::from(w.2.is_some_and(|at| at > run.calls()[i].start));
            excluded += usize::from(lane.flags[i] & flag::NOT_COUNTED != 0);
            let g: Seen = (
                g[0].as_bool().unwrap_or(false),
                g[1].as_bool().unwrap_or(false),
                num(&g[2]),
                num(&g[3]),
            );
            if *w != g {
                differences.push(format!(
                    "case {k} call {i}: model {w:?}, pybreaker {g:?}; {:?}",
                    run.params()
                ));
            }
        }
        let got_changes: Vec<(u64, String)> = got["transitions"]
            .as_array()
            .expect("changes of state")
            .iter()
            .map(|t| {
                (
                    num(&t[0]).unwrap_or(u64::MAX),
                    t[1].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        changes += want_changes.len();
        let want_changes: Vec<(u64, String)> = want_changes
            .into_iter()
            .map(|(at, s)| (at, s.to_string()))
            .collect();
        if want_changes != got_changes {
            differences.push(format!(
                "case {k}: changes of state, model {want_changes:?}, pybreaker {got_changes:?}"
            ));
        }
    }
    println!(
        "pybreaker {}: {CASES} scripts and {} presets, {calls} calls ({rejected} rejected, {trips} tripping or failing a trial, {waited} waiting for the lock, {excluded} excluded client errors, {boundary} asking within 1 ms of the reset timeout), {changes} changes of state, {} differences",
        replies["pybreaker"].as_str().unwrap_or("?"),
        Preset::ALL.len(),
        differences.len()
    );
    assert!(
        differences.is_empty(),
        "{}",
        differences
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        rejected > 100 && trips > 100 && waited > 100 && excluded > 100 && boundary > 50,
        "the scripts reach open and half-open, the lock and the exclusions often"
    );
}
