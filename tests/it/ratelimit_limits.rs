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
//! Over Redis, limits' fixed window and sliding window counter place their
//! windows by the keys' TTLs on Redis's own clock (EXPIRE, PTTL), which
//! cannot run on a virtual clock; the replay runs these two on limits'
//! in-memory storage instead, the same algorithms with the time read from
//! the clock it replaces. Its sliding window counter decides exactly as the
//! model's (aligned windows, `floor(prev × (w − elapsed) / w + curr) + 1 >
//! limit` refuses, which on whole numbers is the model's rule). Its fixed
//! window differs by design: a window starts at a key's first hit and
//! lasts `window` from there (the key's expiry), not at multiples of the
//! window; the test asserts limits decides as such an anchored window
//! (limited hits counted, as INCR counts them) and counts where that
//! differs from the model's aligned one.

use crate::common;
use crate::ratelimit_redis::preset_cut;

use backend_playground::sim::ratelimit::{Algo, Engine, Mode, Params, Pattern, Preset, Run};
use backend_playground::sim::rng::Rng;
use backend_playground::sim::Model;
use serde_json::{json, Value};

use crate::redis::Server;

/// Random traces.
const CASES: usize = 200;

/// The model's run of `p` (its sliding log), and the log's decisions on
/// the same requests with a window `extra` ms longer.
pub(crate) fn log_decisions(p: &Params, extra: u64) -> (Run, Vec<bool>) {
    let run = Run::new(&Params {
        algos: vec![Algo::SlidingLog, Algo::SlidingCounter, Algo::FixedWindow],
        mode: Mode::Traffic,
        ..p.clone()
    });
    let mut lim = run.limits();
    lim.window_ms += extra;
    let mut engine = Engine::new(Algo::SlidingLog, lim, run.params().clients as usize);
    let mut ok = Vec::new();
    engine.decide_all(run.requests(), run.group_starts(), |_, o| ok.push(o.ok));
    if extra == 0 {
        assert_eq!(ok, run.lanes()[0].ok);
    }
    (run, ok)
}

/// A fixed window per client that starts at the client's first request
/// after the last window ended and counts every request (limits' fixed
/// window).
pub(crate) fn anchored(run: &Run) -> Vec<bool> {
    let lim = run.limits();
    let mut windows: Vec<Option<(u64, u32)>> = vec![None; run.params().clients as usize];
    run.requests()
        .iter()
        .map(|r| {
            let w = &mut windows[r.client as usize];
            let (start, count) = match *w {
                Some((start, count)) if start + lim.window_ms > r.at => (start, count + 1),
                _ => (r.at, 1),
            };
            *w = Some((start, count));
            count <= lim.limit
        })
        .collect()
}

/// The clock the replay gives limits: a whole number of windows, then the
/// trace (see `tests/python/ratelimit_limits.py`).
fn epoch(p: &Params) -> u64 {
    u64::from(p.window_ms) * 1_000_000
}

/// The sliding window counter as limits computes it, in floating point:
/// the previous window's count times its remaining share
/// `(1 - ((now - w) / w) % 1) * w`, over `w`, plus the current count,
/// floored; a hit is refused when that plus one exceeds the limit. On
/// whole numbers the rule is the model's, except where the weighted count
/// is exactly the limit and the floating-point share falls a hair below
/// it: limits then lets the request through.
fn in_floats(run: &Run) -> Vec<bool> {
    let lim = run.limits();
    let w = lim.window_ms;
    let e = epoch(run.params());
    // Per client: its current window's index and count, the previous count.
    let mut state: Vec<(u64, u64, u64)> = vec![(u64::MAX, 0, 0); run.params().clients as usize];
    run.requests()
        .iter()
        .map(|r| {
            let now = e + r.at;
            let n = now / w;
            let s = &mut state[r.client as usize];
            if s.0 != n {
                let prev = if s.0 != u64::MAX && s.0 + 1 == n {
                    s.1
                } else {
                    0
                };
                *s = (n, 0, prev);
            }
            let (wf, nowf) = (w as f64, now as f64);
            let share = if s.2 == 0 {
                0.0
            } else {
                (1.0 - ((nowf - wf) / wf) % 1.0) * wf
            };
            let weighted = s.2 as f64 * share / wf + s.1 as f64;
            // floor + 1 > limit refuses.
            let ok = (weighted.floor() as u64) < u64::from(lim.limit);
            if ok {
                s.1 += 1;
            }
            ok
        })
        .collect()
}

pub(crate) fn random_params(rng: &mut Rng) -> Params {
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
fn limits_decides_as_the_model_or_as_its_documented_differences() {
    let server = Server::start("ratelimit-limits");
    let mut params: Vec<Params> = Preset::ALL.into_iter().map(preset_cut).collect();
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
            json!({
                "limit": p.limit,
                "window": p.window_ms,
                // A whole number of windows (see the replay's notes).
                "epoch": epoch(p),
                "requests": reqs,
            })
        })
        .collect();
    let spec = json!({"socket": server.socket().display().to_string(), "cases": cases});
    let reply = common::replay(
        common::python(),
        "tests/python/ratelimit_limits.py",
        &spec,
        "limits",
    );
    let got = reply["cases"].as_array().expect("a list of cases");
    assert_eq!(got.len(), runs.len());
    let (mut decisions, mut boundary, mut traces_at_boundary) = (0, 0, 0);
    let (mut anchoring, mut ties) = (0, 0);
    for (i, ((run, half_open, closed), limits)) in runs.iter().zip(got).enumerate() {
        let of = |name: &str| -> Vec<bool> {
            limits[name]
                .as_array()
                .expect("a case's decisions")
                .iter()
                .map(|v| v.as_bool().unwrap_or(false))
                .collect()
        };
        let what = format!("case {i}: {:?}", run.params());
        assert_eq!(&of("moving"), closed, "moving window, {what}");
        let counter = of("counter");
        assert_eq!(counter, in_floats(run), "sliding window counter, {what}");
        ties += counter
            .iter()
            .zip(&run.lanes()[1].ok)
            .filter(|(a, b)| a != b)
            .count();
        let fixed = of("fixed");
        assert_eq!(fixed, anchored(run), "fixed window, {what}");
        decisions += 3 * fixed.len();
        anchoring += fixed
            .iter()
            .zip(&run.lanes()[2].ok)
            .filter(|(a, b)| a != b)
            .count();
        let differ = half_open.iter().zip(closed).filter(|(a, b)| a != b).count();
        boundary += differ;
        traces_at_boundary += usize::from(differ > 0);
    }
    println!(
        "limits {}: {} traces, {decisions} decisions (moving window, sliding window counter, fixed window) as expected; the moving window's closed window changed {boundary} decisions in {traces_at_boundary} traces; the fixed window's anchoring at a first hit {anchoring}; the counter's floating-point weight (ties at the limit, and what followed from them) {ties}",
        reply["limits"],
        runs.len()
    );
    assert!(traces_at_boundary > 0, "no trace met the window's boundary");
}
