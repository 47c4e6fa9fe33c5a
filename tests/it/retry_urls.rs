//! Property test of the retry model's permalinks: random pairs, built from
//! the words its links use and from hostile values, never panic, open a
//! valid state within the model's work bound, and that state written back
//! reads back the same with nothing to complain about.

use backend_playground::sim::model::owned;
use backend_playground::sim::retry::{Run, MAX_ATTEMPTS, MAX_STEPS};
use backend_playground::sim::rng::Rng;
use backend_playground::sim::{link, open, pairs, Model, Trace};

const KEYS: &[&str] = &[
    "policy",
    "base_ms",
    "cap_ms",
    "attempts",
    "resource",
    "workers",
    "service_ms",
    "queue",
    "traffic",
    "clients",
    "units",
    "rate",
    "seconds",
    "outage_ms",
    "retry_after_ms",
    "honour",
    "timeout_ms",
    "net_ms",
    "net_sd_ms",
    "budget",
    "burst",
    "refill",
    "breaker",
    "fail_max",
    "wait_ms",
    "layers",
    "seed",
    "tick_ms",
    "step",
    "",
    "nope",
];

const VALUES: &[&str] = &[
    "none",
    "immediate",
    "fixed",
    "exponential",
    "full-jitter",
    "equal-jitter",
    "decorrelated",
    "conflict",
    "overload",
    "open",
    "closed",
    "on",
    "off",
    "0",
    "1",
    "3",
    "20",
    "100",
    "2000",
    "600000",
    "600001",
    "-1",
    "1.5",
    "99999999999999999999",
    "",
    "%",
    "<b>",
];

fn random_pairs(rng: &mut Rng) -> Vec<(String, String)> {
    (0..rng.below(12))
        .map(|_| {
            let k = KEYS[rng.below(KEYS.len() as u64) as usize];
            let v = VALUES[rng.below(VALUES.len() as u64) as usize];
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn random_links_open_a_valid_bounded_state_that_round_trips() {
    let mut rng = Rng::new(0x7e_7a15);
    let mut with_problems = 0;
    for _ in 0..200 {
        let q = random_pairs(&mut rng);
        let o = open::<Run>(&q);
        with_problems += usize::from(!o.problems.is_empty());
        let run = &o.run;
        assert!(o.step < run.steps(), "{q:?}");
        assert!(run.steps() <= MAX_STEPS + 1, "{q:?}");
        assert!(run.totals().sent as usize <= MAX_ATTEMPTS, "{q:?}");
        assert!(!run.caption(o.step).is_empty());
        let p = run.params();
        assert!(p.cap_ms >= p.base_ms, "{q:?}");
        let back = owned(link::<Run>(p, o.step));
        let o2 = open::<Run>(&back);
        assert!(o2.problems.is_empty(), "{back:?}: {:?}", o2.problems);
        assert_eq!(o2.step, o.step);
        assert_eq!(pairs::<Run>(o2.run.params()), pairs::<Run>(p), "{q:?}");
    }
    assert!(with_problems > 30, "{with_problems}");
    assert_eq!(<Run as Model>::NAME, "retries");
}
