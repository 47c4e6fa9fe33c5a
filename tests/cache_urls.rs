//! Property test of the cache-aside permalinks: random query strings, from
//! the words its URLs use and from garbage, never panic, always open a valid
//! state, and that state written back reads back the same, with nothing to
//! complain about.

mod common;

use backend_playground::route::{self, Route};
use backend_playground::sim::cache::{self, MAX_OPS, MAX_SCHEDULE};
use backend_playground::sim::rng::Rng;
use backend_playground::sim::Trace;

const KEYS: &[&str] = &[
    "policy", "lease", "jitter", "xfetch", "ttl_ms", "lease_ms", "flush_ms", "refresh", "db_ms",
    "warm", "seed", "a", "b", "c", "schedule", "step", "", "%", "n",
];

const VALUES: &[&str] = &[
    "update-delete",
    "update-set",
    "delete-update",
    "write-through",
    "write-behind",
    "refresh-ahead",
    "on",
    "off",
    "0",
    "1",
    "50",
    "99",
    "-3",
    "3600001",
    "99999999999999999999999999999999",
    "1.5",
    "",
    "read",
    "write",
    "read,write,read",
    "jump",
    "a,b,a,b",
    "a,a!,31s,b",
    "c,c,c",
    "+5s",
    "%2B5s",
    "5x",
    "a!,b!,c!",
    "999999999s",
    "%E0%A4%A",
    "%FF%FE",
    "%00",
    "<script>",
    "%26",
    "=",
];

fn random_query(rng: &mut Rng) -> String {
    common::random_query(rng, "caching", KEYS, VALUES, ",a,read")
}

#[test]
fn random_urls_open_a_valid_state_that_round_trips() {
    let mut rng = Rng::new(0xca5e);
    let mut opened = 0;
    let mut with_problems = 0;
    for _ in 0..6_000 {
        let q = random_query(&mut rng);
        let parsed = route::parse(&q);
        let Route::Topic("caching") = parsed.route else {
            continue;
        };
        let o = cache::open(&parsed.params);
        opened += 1;
        if !o.problems.is_empty() {
            with_problems += 1;
        }
        let p = o.run.params();
        assert!((2..=3).contains(&p.programs.len()), "{q}");
        assert!(p.programs.iter().all(|ops| ops.len() <= MAX_OPS), "{q}");
        assert!(p.schedule.len() <= MAX_SCHEDULE, "{q}");
        assert!(o.step < o.run.steps(), "{q}");
        assert!(!o.run.caption(o.step).is_empty());
        for problem in &o.problems {
            assert!(
                !problem.is_empty() && problem.chars().count() < 240,
                "{q}: {problem}"
            );
        }
        let back = route::topic_query("caching", &cache::to_pairs(p, o.step));
        let again = route::parse(&back);
        assert!(again.ignored.is_empty());
        let o2 = cache::open(&again.params);
        assert!(o2.problems.is_empty(), "{back}: {:?}", o2.problems);
        assert_eq!(o2.run.steps_list(), o.run.steps_list(), "{back}");
        assert_eq!(o2.step, o.step, "{back}");
    }
    println!("{opened} URLs opened the cache-aside view, {with_problems} with a notice");
    assert!(opened >= 4_500, "only {opened}");
    assert!(with_problems > 1_000 && with_problems < opened);
}
