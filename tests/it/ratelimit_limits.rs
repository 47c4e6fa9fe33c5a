//! The rate-limiter model's sliding log against the `limits` library's
//! moving window (PyPI, pinned in `tests/python/requirements.txt`, run in
//! the virtualenv `scripts/test.sh` builds) over a private redis-server:
//! the presets' traffic and a few hundred random traces are replayed by
//! `tests/python/ratelimit_limits.py` on a virtual clock, and every
//! decision is compared.
//!
//! The two differ by design at one instant: limits keeps a request in the
//! window until it is more than a window old (its script compares
//! `entry >= now - window`: the window is closed, `[now - w, now]`), where
//! the model's sorted set drops it at exactly one window
//! (`ZREMRANGEBYSCORE -inf now-w`: half-open, `(now - w, now]`). On whole
//! milliseconds a closed window of `w` is a half-open one of `w + 1`, so
//! the test asserts that limits decides exactly as the model's log with a
//! window one millisecond longer, and counts the requests where that one
//! millisecond changed the decision.
//!
//! limits' fixed window and sliding window counter are not compared: over
//! Redis both place their windows by the keys' TTLs on Redis's own clock
//! (a fixed window starts at a key's first hit and ends when the key
//! expires; the counter shifts windows and weights the previous one by its
//! remaining PTTL), so they cannot run on a virtual clock, and by design
//! their windows are not aligned to multiples of the window as the model's
//! are.

use std::path::PathBuf;
use std::process::Command;

use backend_playground::sim::ratelimit::{Algo, Engine, Mode, Params, Pattern, Preset, Run};
use backend_playground::sim::rng::Rng;
use backend_playground::sim::Model;
use serde_json::{json, Value};

use super::ratelimit_redis::Server;

/// Random traces.
const CASES: usize = 200;

fn python() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/venv-content/bin/python");
    assert!(
        p.exists(),
        "{} is missing: scripts/test.sh builds it (ensure_python in scripts/setup.sh)",
        p.display()
    );
    p
}

/// The model's run of `p` (its sliding log), and the log's decisions on
/// the same requests with a window `extra` ms longer.
fn log_decisions(p: &Params, extra: u64) -> (Run, Vec<bool>) {
    let run = Run::new(&Params {
        algos: vec![Algo::SlidingLog],
        mode: Mode::Traffic,
        ..p.clone()
    });
    let mut lim = run.limits();
    lim.window_ms += extra;
    let mut engine = Engine::new(Algo::SlidingLog, lim, run.params().clients as usize);
    let starts = run.group_starts();
    let mut ok = Vec::new();
    for (g, w) in starts.windows(2).enumerate() {
        for r in &run.requests()[w[0] as usize..w[1] as usize] {
            ok.push(engine.decide(r, g as u32).ok);
        }
    }
    if extra == 0 {
        assert_eq!(ok, run.lanes()[0].ok);
    }
    (run, ok)
}

fn random_params(rng: &mut Rng) -> Params {
    let pick = |rng: &mut Rng, xs: &[u32]| xs[rng.below(xs.len() as u64) as usize];
    Params {
        limit: pick(rng, &[1, 2, 3, 5, 10]),
        window_ms: pick(rng, &[10, 100, 250, 1_000]),
        pattern: [
            Pattern::Steady,
            Pattern::Random,
            Pattern::Edge,
            Pattern::Abuser,
        ][rng.below(4) as usize],
        clients: pick(rng, &[1, 2, 4]),
        rps: pick(rng, &[5, 20, 60, 150]),
        seconds: pick(rng, &[1, 2, 3]),
        seed: rng.below(10_000) as u32,
        ..Params::default()
    }
}

#[test]
fn limits_moving_window_is_the_log_with_a_closed_window() {
    let server = Server::start("ratelimit-limits");
    let mut params: Vec<Params> = Preset::ALL
        .iter()
        .map(|p| {
            let mut p = p.params();
            p.seconds = p.seconds.min((3_000 / p.rps).max(1));
            p
        })
        .collect();
    let mut rng = Rng::new(0x11_4175);
    params.extend((0..CASES).map(|_| random_params(&mut rng)));
    let runs: Vec<(Run, Vec<bool>, Vec<bool>)> = params
        .iter()
        .map(|p| {
            let (run, half_open) = log_decisions(p, 0);
            let closed = log_decisions(p, 1).1;
            (run, half_open, closed)
        })
        .collect();
    let cases: Vec<Value> = runs
        .iter()
        .map(|(run, _, _)| {
            let p = run.params();
            let reqs: Vec<Value> = run
                .requests()
                .iter()
                .map(|r| json!([r.at, r.client]))
                .collect();
            json!({"limit": p.limit, "window": p.window_ms, "requests": reqs})
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("bp-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let input = dir.join("cases.json");
    let spec = json!({"socket": server.socket().display().to_string(), "cases": cases});
    std::fs::write(&input, spec.to_string()).expect("the cases file");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/ratelimit_limits.py");
    let out = Command::new(python())
        .arg(&script)
        .arg(&input)
        .output()
        .expect("the replay runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reply: Value = serde_json::from_slice(&out.stdout).expect("the replay's JSON");
    let got = reply["cases"].as_array().expect("a list of cases");
    assert_eq!(got.len(), runs.len());
    let (mut decisions, mut boundary, mut traces_at_boundary) = (0, 0, 0);
    for (i, ((run, half_open, closed), limits)) in runs.iter().zip(got).enumerate() {
        let limits: Vec<bool> = limits
            .as_array()
            .expect("a case's decisions")
            .iter()
            .map(|v| v.as_bool().unwrap_or(false))
            .collect();
        assert_eq!(&limits, closed, "case {i}: {:?}", run.params());
        decisions += limits.len();
        let differ = half_open.iter().zip(closed).filter(|(a, b)| a != b).count();
        boundary += differ;
        traces_at_boundary += usize::from(differ > 0);
    }
    println!(
        "limits {}: {} traces, {decisions} moving-window decisions equal to the model's log with a closed window; the closed window changed {boundary} decisions in {traces_at_boundary} traces",
        reply["limits"], runs.len()
    );
    assert!(traces_at_boundary > 0, "no trace met the window's boundary");
}
