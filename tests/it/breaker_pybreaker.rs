//! Conformance of the breaker's pybreaker policy with pybreaker itself:
//! the test writes generated manual scripts (successes, errors, calls that
//! time out, and waits placed on and beside the reset timeout) with the
//! model's call times, replays them with the real pybreaker (pinned in
//! `tests/python/requirements.txt`, in the virtualenv `scripts/test.sh`
//! builds) on a virtual clock (`tests/python/pybreaker_replay.py`), and
//! asserts that every call's outcome (reached the downstream or not,
//! CircuitBreakerError or not) and the state after it are the model's.
//! Calls are sequential, as manual scripts are.

use std::path::PathBuf;
use std::process::Command;

use backend_playground::sim::breaker::{
    flag, Action, Mode, Params, Policy, Result as Outcome, Run, Send, State,
};
use backend_playground::sim::rng::Rng;
use serde_json::{json, Value};

/// Generated scripts.
const CASES: usize = 400;

/// The interpreter of the virtualenv `scripts/setup.sh` builds.
fn python() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/venv-content/bin/python");
    assert!(
        p.exists(),
        "{} is missing: scripts/test.sh builds it (ensure_python in scripts/setup.sh)",
        p.display()
    );
    p
}

/// A random script for pybreaker's policy, with waits around `wait_ms`.
fn random_params(rng: &mut Rng) -> Params {
    let pick = |rng: &mut Rng, xs: &[u32]| xs[rng.below(xs.len() as u64) as usize];
    let wait_ms = pick(rng, &[1, 50, 1_000, 10_000]) + pick(rng, &[0, 0, 7]);
    let latency_ms = pick(rng, &[0, 10, 50, 300]);
    let timeout_ms = pick(rng, &[1_000, 5_000]);
    let waits = [
        wait_ms.saturating_sub(1),
        wait_ms,
        wait_ms + 1,
        wait_ms / 2,
        wait_ms.saturating_sub(latency_ms),
        1,
        pick(rng, &[100, 2_500, 20_000]),
    ];
    let script = (0..5 + rng.below(36))
        .map(|_| match rng.below(10) {
            0..=2 => Action::call(Send::Ok),
            3..=5 => Action::call(Send::Fail),
            6 => Action::call(Send::Slow),
            _ => Action::Wait(u64::from(pick(rng, &waits).max(1))),
        })
        .collect();
    Params {
        mode: Mode::Manual,
        policy: Policy::Consecutive,
        compare: None,
        fail_max: 1 + rng.below(5) as u32,
        successes: 1 + rng.below(3) as u32,
        wait_ms,
        latency_ms,
        slow_latency_ms: pick(rng, &[500, 3_000, 8_000]),
        timeout_ms,
        script,
        ..Params::default()
    }
}

/// The model's answer per call: reached the downstream, got
/// CircuitBreakerError, the state after it.
fn model(run: &Run) -> Vec<(bool, bool, &'static str)> {
    let lane = &run.lanes()[0];
    (0..run.calls().len())
        .map(|i| {
            let f = lane.flags[i];
            let state = lane
                .transitions
                .iter()
                .rev()
                .find(|t| t.call as usize <= i)
                .map_or("closed", |t| t.to.label());
            // A rejected call raises the breaker's error, as a call that
            // trips it or fails its trial does.
            let passed = f & flag::PASSED != 0;
            (passed, !passed || f & flag::BREAKER_ERROR != 0, state)
        })
        .collect()
}

/// Calls of the run that start in open within 1 ms of the moment the reset
/// timeout ends (where an off-by-one in the comparison would show).
fn on_the_reset_timeout(run: &Run) -> usize {
    let lane = &run.lanes()[0];
    let wait = u64::from(run.params().wait_ms);
    run.calls()
        .iter()
        .filter(|c| {
            let opened = lane
                .transitions
                .iter()
                .rev()
                .find(|t| t.at <= c.start)
                .filter(|t| t.to == State::Open)
                .map(|t| t.at);
            opened.is_some_and(|at| (at + wait).abs_diff(c.start) <= 1)
        })
        .count()
}

#[test]
fn pybreaker_gives_every_call_the_outcome_the_model_gives() {
    let mut rng = Rng::new(0x0b2e_a4e4);
    let params: Vec<Params> = (0..CASES).map(|_| random_params(&mut rng)).collect();
    let runs: Vec<Run> = params.iter().map(Run::new).collect();
    let cases: Vec<Value> = params
        .iter()
        .zip(&runs)
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
                "calls": calls,
            })
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("bp-pybreaker-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let input = dir.join("cases.json");
    std::fs::write(&input, Value::Array(cases).to_string()).expect("the cases file");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/pybreaker_replay.py");
    let out = Command::new(python())
        .arg(&script)
        .arg(&input)
        .output()
        .expect("the replay runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "the replay failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replies: Value = serde_json::from_slice(&out.stdout).expect("the replay's JSON");
    let results = replies["results"].as_array().expect("results per case");
    assert_eq!(results.len(), runs.len());
    let mut calls = 0;
    let mut rejected = 0;
    let mut trips = 0;
    let mut boundary = 0;
    let mut differences = Vec::new();
    for (k, (run, got)) in runs.iter().zip(results).enumerate() {
        boundary += on_the_reset_timeout(run);
        let want = model(run);
        let got = got.as_array().expect("calls of a case");
        assert_eq!(got.len(), want.len(), "case {k}: calls");
        for (i, (w, g)) in want.iter().zip(got).enumerate() {
            calls += 1;
            rejected += usize::from(!w.0);
            trips += usize::from(w.0 && w.1);
            let g = (
                g[0].as_bool().unwrap_or(false),
                g[1].as_bool().unwrap_or(false),
                g[2].as_str().unwrap_or(""),
            );
            if (w.0, w.1, w.2) != g {
                differences.push(format!(
                    "case {k} call {i}: model {w:?}, pybreaker {g:?}; {:?}",
                    run.params()
                ));
            }
        }
    }
    println!(
        "pybreaker {}: {CASES} scripts, {calls} calls ({rejected} rejected, {trips} tripping or failing a trial, {boundary} within 1 ms of the reset timeout), {} differences",
        replies["pybreaker"].as_str().unwrap_or("?"),
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
        rejected > 100 && trips > 100,
        "the scripts reach open and half-open often"
    );
}
