//! Property test of the cache-aside permalinks: random query strings, from
//! the words its URLs use and from garbage, never panic, always open a valid
//! state, and that state written back reads back the same, with nothing to
//! complain about.

use crate::common;

use backend_playground::sim::cache::{MAX_INSTANCES, MAX_OPS, MAX_SCHEDULE};
use backend_playground::sim::rng::Rng;

const KEYS: &[&str] = &[
    "policy", "lease", "jitter", "xfetch", "ttl_ms", "lease_ms", "flush_ms", "refresh", "db_ms",
    "warm", "seed", "a", "b", "c", "d", "j", "schedule", "step", "", "%", "n", "k",
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
    "j,d,a,j!",
    "999999999s",
];

fn random_query(rng: &mut Rng) -> String {
    common::random_query(rng, "caching", KEYS, VALUES, ",a,read")
}

#[test]
fn random_urls_open_a_valid_state_that_round_trips() {
    let seen = common::round_trips::<backend_playground::sim::cache::Run>(
        0xca5e,
        6_000,
        "caching",
        random_query,
        |q, o| {
            let p = o.run.params();
            assert!((2..=MAX_INSTANCES).contains(&p.programs.len()), "{q}");
            assert!(p.programs.iter().all(|ops| ops.len() <= MAX_OPS), "{q}");
            assert!(p.schedule.len() <= MAX_SCHEDULE, "{q}");
        },
        |back, o, o2| assert_eq!(o2.run.steps_list(), o.run.steps_list(), "{back}"),
    );
    let (opened, with_problems) = (seen.opened, seen.with_problems);
    println!("{opened} URLs opened the cache-aside view, {with_problems} with a notice");
    assert!(opened >= 4_500, "only {opened}");
    assert!(with_problems > 1_000 && with_problems < opened);
}
