//! The rate-limiter model's fixed window against npm's
//! `rate-limiter-flexible` (pinned in `package.json`): the presets' traffic
//! and a few hundred random traces are replayed by
//! `tests/node/ratelimit_flexible.mjs` with its `RateLimiterMemory` on a
//! virtual clock, and every decision is compared.
//!
//! rate-limiter-flexible's fixed window differs from the model's by
//! design, as limits' does: a window starts at a key's first hit and lasts
//! the duration from there (over Redis, the key's EX, on Redis's own
//! clock, which is why the replay runs its in-memory limiter, the same
//! algorithm with the clock read from `Date.now()`), rather than at
//! multiples of the window; hits over the limit are counted too. The test
//! asserts it decides as such an anchored window, and counts where that
//! differs from the model's aligned one.

use crate::common;
use crate::ratelimit_redis::preset_cut;

use backend_playground::sim::ratelimit::{Params, Preset};
use backend_playground::sim::rng::Rng;
use backend_playground::sim::Model;
use serde_json::{json, Value};

use super::ratelimit_limits::{anchored, log_decisions, random_params};

/// Random traces.
const CASES: usize = 250;

#[test]
fn rate_limiter_flexible_decides_as_a_window_anchored_at_the_first_hit() {
    let mut params: Vec<Params> = Preset::ALL.into_iter().map(preset_cut).collect();
    let mut rng = Rng::new(0xF1E7);
    params.extend((0..CASES).map(|_| random_params(&mut rng)));
    let runs: Vec<_> = params.iter().map(|p| log_decisions(p, 0).0).collect();
    let cases: Vec<Value> = runs
        .iter()
        .map(|run| {
            let lim = run.limits();
            let reqs: Vec<Value> = run
                .requests()
                .iter()
                .map(|r| json!([r.at, r.client]))
                .collect();
            json!({"limit": lim.limit, "window": lim.window_ms, "requests": reqs})
        })
        .collect();
    // npm ci installs rate-limiter-flexible.
    let reply = common::replay(
        "node",
        "tests/node/ratelimit_flexible.mjs",
        &Value::Array(cases),
        "flexible",
    );
    let got = reply["cases"].as_array().expect("a list of cases");
    assert_eq!(got.len(), runs.len());
    let (mut decisions, mut anchoring, mut traces) = (0, 0, 0);
    for (i, (run, flexible)) in runs.iter().zip(got).enumerate() {
        let flexible: Vec<bool> = flexible
            .as_array()
            .expect("a case's decisions")
            .iter()
            .map(|v| v.as_bool().unwrap_or(false))
            .collect();
        assert_eq!(flexible, anchored(run), "case {i}: {:?}", run.params());
        decisions += flexible.len();
        let differ = flexible
            .iter()
            .zip(&run.lanes()[2].ok)
            .filter(|(a, b)| a != b)
            .count();
        anchoring += differ;
        traces += usize::from(differ > 0);
    }
    println!(
        "rate-limiter-flexible {}: {} traces, {decisions} decisions as a window anchored at the first hit; {anchoring} of them differ from the model's aligned fixed window, in {traces} traces",
        reply["flexible"],
        runs.len()
    );
    assert!(traces > 0);
}
