//! Conformance of the retry model's delay policies with real retry
//! libraries, draw for draw: for generated cases (policy, base, cap,
//! retries, uniform draws), the model's delays beside those of tenacity
//! (PyPI, pinned in `tests/python/requirements.txt`, run by
//! `tests/python/retry_delays.py` in the virtualenv) and of
//! exponential-backoff (npm, pinned in `package.json`, run by
//! `tests/node/retry_delays.mjs`), each library's random source replaced
//! by one that hands out the same draws. Doubles cross as their 64 bits, so
//! "equal" means the same bits.
//!
//! Where the definitions agree the delays must be equal: tenacity's
//! `wait_none`, `wait_fixed`, `wait_exponential`, `wait_random_exponential`
//! (full jitter) and, for equal jitter, `wait_exponential(base/2, cap/2) +
//! wait_random_exponential(base/2, cap/2)`; exponential-backoff's
//! `jitter: "none"` with `timeMultiple` 2 (exponential), 1 (fixed) and a
//! starting delay of 0 (immediate). Where a library defines a policy
//! differently, the test asserts the documented difference instead:
//!
//! - tenacity's `wait_exponential_jitter` adds a draw in `[0, jitter)` ms
//!   to the uncapped exponential delay, then caps: not the model's full or
//!   equal jitter (whose spread is proportional to the delay);
//! - exponential-backoff's full jitter rounds to whole ms:
//!   `Math.round(Math.random() * delay)`;
//! - exponential-backoff with `delayFirstAttempt` also waits `base` before
//!   the first call, and retry `n` then waits what the model's waits at
//!   `n + 1`;
//! - neither library has decorrelated jitter, and exponential-backoff has
//!   no equal jitter.
//!
//! And one behaviour to know when injecting draws: tenacity computes the
//! wait before it asks the stop condition, so after the last attempt it
//! draws once more, for a wait it never sleeps (`n` retries take `n + 1`
//! draws with a jittered strategy).

use std::path::Path;

use crate::common;
use std::collections::BTreeMap;

use backend_playground::sim::retry::policy::{exponential, unit, Policy};
use backend_playground::sim::rng::Rng;
use serde_json::{json, Value};

/// Cases per library.
const CASES: usize = 300;

use crate::common::root;

fn bits(x: f64) -> String {
    x.to_bits().to_string()
}

fn float(v: &Value) -> f64 {
    f64::from_bits(v.as_str().and_then(|s| s.parse().ok()).unwrap_or(u64::MAX))
}

/// A base and a cap (ms): round figures, fractions, and random ones.
fn base_cap(rng: &mut Rng) -> (f64, f64) {
    let bases = [0.5, 1.0, 2.5, 3.7, 5.0, 10.0, 100.0, 250.0, 1_000.0];
    let base = if rng.below(3) == 0 {
        1.0 + rng.below(5_000) as f64
    } else {
        bases[rng.below(bases.len() as u64) as usize]
    };
    let cap = match rng.below(4) {
        0 => base,
        1 => base * f64::from(1u32 << rng.below(12)),
        2 => base + rng.below(100_000) as f64,
        _ => 2_000.0_f64.max(base),
    };
    (base, cap)
}

/// Draws for `n` retries: uniform, with the ends of `[0, 1)` now and then.
fn draws(rng: &mut Rng, n: u32) -> Vec<f64> {
    (0..n)
        .map(|_| match rng.below(20) {
            0 => 0.0,
            1 => unit(u64::MAX),
            _ => unit(rng.next_u64()),
        })
        .collect()
}

/// Runs a replay script on a cases file and returns its JSON.
fn replay(program: &Path, script: &str, cases: Vec<Value>, tag: &str) -> Value {
    common::replay(program, script, &Value::Array(cases), tag)
}

/// The delays and draws a library reported for one case.
fn reported(result: &Value) -> (Vec<f64>, u64) {
    let delays = result["delays"]
        .as_array()
        .map(|a| a.iter().map(float).collect())
        .unwrap_or_default();
    (delays, result["taken"].as_u64().unwrap_or(u64::MAX))
}

/// tenacity's strategies, by the model's policy they are compared with.
const TENACITY: [(&str, Option<Policy>); 7] = [
    ("none", Some(Policy::None)),
    ("immediate", Some(Policy::Immediate)),
    ("fixed", Some(Policy::Fixed)),
    ("exponential", Some(Policy::Exponential)),
    ("full", Some(Policy::Full)),
    ("equal", Some(Policy::Equal)),
    // Documented difference: additive jitter, compared with the definition.
    ("exponential_jitter", None),
];

#[test]
fn tenacity_waits_as_the_model_does_draw_for_draw() {
    let python = root().join("target/venv-content/bin/python");
    assert!(
        python.exists(),
        "{} is missing: scripts/test.sh builds it (ensure_python in scripts/setup.sh)",
        python.display()
    );
    let mut rng = Rng::new(0x7e4a_c17e);
    let mut cases = Vec::new();
    let mut specs = Vec::new();
    for i in 0..CASES {
        let (name, policy) = TENACITY[i % TENACITY.len()];
        let (base, cap) = base_cap(&mut rng);
        let n = if rng.below(10) == 0 {
            40 + rng.below(40) as u32
        } else {
            1 + rng.below(15) as u32
        };
        let jitter = [1.0, 10.0, 250.0, 1_000.0][rng.below(4) as usize];
        // One draw more than retries: tenacity computes the wait before it
        // asks whether to stop, so it draws after the last attempt too.
        let d = draws(&mut rng, n + 1);
        cases.push(json!({
            "name": name, "base": base, "cap": cap, "jitter": jitter, "retries": n,
            "draws": d.iter().map(|&u| bits(u)).collect::<Vec<_>>(),
        }));
        specs.push((name, policy, base, cap, jitter, n, d));
    }
    let reply = replay(&python, "tests/python/retry_delays.py", cases, "tenacity");
    assert_eq!(reply["tenacity"], "9.2.1");
    let results = reply["results"].as_array().expect("results per case");
    assert_eq!(results.len(), specs.len());
    let (mut compared, mut differences, mut documented) = (0, Vec::new(), 0);
    let mut per: BTreeMap<&str, usize> = BTreeMap::new();
    for ((name, policy, base, cap, jitter, n, d), result) in specs.iter().zip(results) {
        let (got, taken) = reported(result);
        match policy {
            Some(p) => {
                let n = if *p == Policy::None { 0 } else { *n };
                let want = p.delays(n, *base, *cap, d);
                assert_eq!(got.len(), want.len(), "{name} {base} {cap}: retries");
                let draws = if p.jittered() { u64::from(n) + 1 } else { 0 };
                assert_eq!(taken, draws, "{name}: draws taken");
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    compared += 1;
                    *per.entry(name).or_default() += 1;
                    if g.to_bits() != w.to_bits() {
                        differences.push(format!(
                            "{name} base {base} cap {cap} retry {}: tenacity {g}, model {w}",
                            i + 1
                        ));
                    }
                }
            }
            None => {
                assert_eq!(got.len(), *n as usize);
                for (i, g) in got.iter().enumerate() {
                    let k = i as u32 + 1;
                    let exp = exponential(k, *base, f64::INFINITY);
                    let defined = (exp + (0.0 + (jitter - 0.0) * d[i])).min(*cap).max(0.0);
                    assert_eq!(g.to_bits(), defined.to_bits(), "{name} retry {k}");
                    let ours = exponential(k, *base, *cap);
                    assert!(*g >= ours && *g <= ours + jitter, "{g} {ours}");
                    documented += usize::from(g.to_bits() != ours.to_bits());
                    *per.entry(name).or_default() += 1;
                }
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {compared}: {:#?}",
        differences.len(),
        differences
    );
    assert!(compared >= 1_000, "{compared}");
    eprintln!(
        "tenacity 9.2.1: {} cases, {compared} delays equal bit for bit; {documented} wait_exponential_jitter delays differ from the model's exponential as documented; delays per strategy {per:?}",
        specs.len()
    );
}

/// One exponential-backoff case: its options, the model's policy and what
/// the library should answer.
struct JsCase {
    options: Value,
    policy: Policy,
    base: f64,
    cap: f64,
    n: u32,
    draws: Vec<f64>,
    kind: JsKind,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum JsKind {
    /// The definitions agree.
    Same,
    /// Full jitter rounded to whole ms.
    Rounded,
    /// A wait before the first call, the rest shifted by one.
    FirstDelayed,
}

fn js_case(rng: &mut Rng, i: usize) -> JsCase {
    let (base, cap) = base_cap(rng);
    let n = 1 + rng.below(20) as u32;
    let draws = draws(rng, n);
    let (policy, kind) = match i % 5 {
        0 => (Policy::Exponential, JsKind::Same),
        1 => (Policy::Fixed, JsKind::Same),
        2 => (Policy::Immediate, JsKind::Same),
        3 => (Policy::Full, JsKind::Rounded),
        _ => (Policy::Exponential, JsKind::FirstDelayed),
    };
    let options = json!({
        "startingDelay": if policy == Policy::Immediate { 0.0 } else { base },
        "maxDelay": cap,
        "timeMultiple": if policy == Policy::Fixed { 1 } else { 2 },
        "jitter": if policy == Policy::Full { "full" } else { "none" },
        "delayFirstAttempt": kind == JsKind::FirstDelayed,
        "retries": n,
        "draws": draws.iter().map(|&u| bits(u)).collect::<Vec<_>>(),
    });
    JsCase {
        options,
        policy,
        base,
        cap,
        n,
        draws,
        kind,
    }
}

#[test]
fn exponential_backoff_waits_as_the_model_does_draw_for_draw() {
    assert!(
        root().join("node_modules/exponential-backoff").exists(),
        "node_modules/exponential-backoff is missing: run `npm ci` (scripts/test.sh does)"
    );
    let mut rng = Rng::new(0x0e_b0ff);
    let specs: Vec<JsCase> = (0..CASES).map(|i| js_case(&mut rng, i)).collect();
    let cases = specs.iter().map(|c| c.options.clone()).collect();
    let reply = replay(
        Path::new("node"),
        "tests/node/retry_delays.mjs",
        cases,
        "ebackoff",
    );
    assert_eq!(reply["exponentialBackoff"], "3.1.3");
    let results = reply["results"].as_array().expect("results per case");
    assert_eq!(results.len(), specs.len());
    let (mut equal, mut rounded, mut shifted) = (0, 0, 0);
    let mut per: BTreeMap<&str, usize> = BTreeMap::new();
    let mut differences = Vec::new();
    for (c, result) in specs.iter().zip(results) {
        let (got, taken) = reported(result);
        let want = c.policy.delays(c.n, c.base, c.cap, &c.draws);
        let draws = if c.policy.jittered() {
            u64::from(c.n)
        } else {
            0
        };
        assert_eq!(taken, draws, "{:?}: draws taken", c.policy);
        match c.kind {
            JsKind::Same => {
                assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(&want) {
                    equal += 1;
                    *per.entry(c.policy.slug()).or_default() += 1;
                    if g.to_bits() != w.to_bits() {
                        differences
                            .push(format!("{:?} {} {}: {g} vs {w}", c.policy, c.base, c.cap));
                    }
                }
            }
            JsKind::Rounded => {
                assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(&want) {
                    assert_eq!(g.to_bits(), w.round().to_bits(), "{g} {w}");
                    assert!((g - w).abs() <= 0.5);
                    rounded += usize::from(g != w);
                    *per.entry("full-jitter (rounded)").or_default() += 1;
                }
            }
            JsKind::FirstDelayed => {
                let longer = c.policy.delays(c.n + 1, c.base, c.cap, &[]);
                assert_eq!(got.len(), want.len() + 1);
                assert_eq!(got[0], c.base.min(c.cap));
                for (g, w) in got.iter().zip(&longer) {
                    assert_eq!(g.to_bits(), w.to_bits());
                }
                shifted += got.len();
            }
        }
    }
    assert!(differences.is_empty(), "{differences:#?}");
    assert!(equal >= 500, "{equal}");
    eprintln!(
        "exponential-backoff 3.1.3: {} cases, {equal} delays equal bit for bit; {rounded} full-jitter delays changed by rounding to whole ms, {shifted} delays with delayFirstAttempt shifted by one retry, as documented; delays per policy {per:?}",
        specs.len()
    );
}
