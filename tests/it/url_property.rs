//! Property test of the URL parser: random query strings, built from the
//! words a real URL uses and from garbage, never panic, always open a valid
//! state, and the state written back to a URL reads back the same with
//! nothing to complain about.

use crate::common;

use backend_playground::content;
use backend_playground::route::{self, Route};
use backend_playground::sim::nplus1::{self, MAX_BATCH, MAX_CHILDREN, MAX_ROW_US, MAX_USERS};
use backend_playground::sim::rng::Rng;
use backend_playground::sim::Trace;

const KEYS: &[&str] = &[
    "topic", "n", "strategy", "step", "batch", "orders", "items", "load", "latency", "row_us",
    "spread", "seed", "speed", "", "%", "%ZZ", "n%00", "STEP",
];

const VALUES: &[&str] = &[
    "n-plus-one",
    "caching",
    "http-status-codes",
    "nope",
    "lazy",
    "joined",
    "selectin",
    "subquery",
    "dataloader",
    "xyz",
    "orders",
    "orders.items",
    "same-host",
    "same-zone",
    "cross-region",
    "fixed",
    "random",
    "0",
    "1",
    "7",
    "-5",
    "10000",
    "10001",
    "1000000000000",
    "99999999999999999999999999999999999",
    "-99999999999999999999999999999999999",
    "1.5",
    "1e3",
    "+3",
    " 12 ",
    "",
    "%E0%A4%A",
    "%FF%FE",
    "%00",
    "<script>",
    "%26",
    "=",
    "?",
    "#",
    "%",
];

fn random_query(rng: &mut Rng) -> String {
    let mut q = String::new();
    if rng.below(4) > 0 {
        q.push('?');
    }
    // Most queries name the visualization's topic, so that its parser is
    // exercised; the rest go anywhere.
    if rng.below(5) > 0 {
        q.push_str("topic=n-plus-one");
    }
    for _ in 0..rng.below(9) {
        q.push('&');
        match rng.below(10) {
            0 => common::push_garbage(rng, &mut q),
            1 => q.push_str(KEYS[rng.below(KEYS.len() as u64) as usize]),
            _ => {
                q.push_str(KEYS[rng.below(KEYS.len() as u64) as usize]);
                q.push('=');
                q.push_str(VALUES[rng.below(VALUES.len() as u64) as usize]);
            }
        }
    }
    q
}

#[test]
fn ten_thousand_random_urls_open_a_valid_state_that_round_trips() {
    let mut rng = Rng::new(0x5eed);
    let mut opened = 0;
    let mut with_problems = 0;
    for _ in 0..13_000 {
        let q = random_query(&mut rng);
        let parsed = route::parse(&q);
        let Route::Topic("n-plus-one") = parsed.route else {
            // Only a topic with a visualization keeps parameters.
            let visual = match parsed.route {
                Route::Topic(slug) => {
                    content::topic(slug).is_some_and(|t| t.visualization.is_some())
                }
                _ => false,
            };
            assert!(visual || parsed.params.is_empty(), "{q}");
            continue;
        };
        let o =
            backend_playground::sim::open::<backend_playground::sim::nplus1::Run>(&parsed.params);
        opened += 1;
        if !o.problems.is_empty() {
            with_problems += 1;
        }
        let p = o.run.params();
        assert!(p.users <= MAX_USERS, "{q}");
        assert!(p.orders <= MAX_CHILDREN && p.items <= MAX_CHILDREN, "{q}");
        assert!(p.batch.is_none_or(|b| (1..=MAX_BATCH).contains(&b)), "{q}");
        assert!(p.row_us <= MAX_ROW_US, "{q}");
        assert!(o.step < o.run.steps(), "{q}");
        for problem in &o.problems {
            assert!(
                !problem.is_empty() && problem.chars().count() < 200,
                "{q}: {problem}"
            );
        }
        // Written back, the state opens again as it was, with no notice.
        let back = route::topic_query(
            "n-plus-one",
            &backend_playground::sim::link::<backend_playground::sim::nplus1::Run>(p, o.step),
        );
        let again = route::parse(&back);
        assert_eq!(again.route, Route::Topic("n-plus-one"));
        assert!(again.ignored.is_empty());
        let o2 =
            backend_playground::sim::open::<backend_playground::sim::nplus1::Run>(&again.params);
        assert!(o2.problems.is_empty(), "{back}: {:?}", o2.problems);
        assert_eq!(o2.run.params(), p, "{back}");
        assert_eq!(o2.step, o.step, "{back}");
    }
    println!("{opened} URLs opened the visualization, {with_problems} with a notice");
    assert!(
        opened >= 10_000,
        "only {opened} queries reached the visualization"
    );
    assert!(with_problems > 1_000 && with_problems < opened);
}

#[test]
fn the_bad_urls_of_the_issue_open_the_nearest_valid_state() {
    let open = |q: &str| {
        let parsed = route::parse(q);
        assert_eq!(parsed.route, Route::Topic("n-plus-one"));
        backend_playground::sim::open::<backend_playground::sim::nplus1::Run>(&parsed.params)
    };
    let o = open("?topic=n-plus-one&n=-5");
    assert_eq!(o.run.params().users, 0);
    assert_eq!(o.problems, vec!["n=-5 (below 0; using 0)".to_string()]);
    let o = open("?topic=n-plus-one&n=1000000000000");
    assert_eq!(o.run.params().users, MAX_USERS);
    let o = open("?topic=n-plus-one&strategy=xyz&step=999999");
    assert_eq!(o.run.params().strategy, nplus1::Strategy::Lazy);
    assert_eq!(o.step, o.run.steps() - 1);
    assert_eq!(o.problems.len(), 2);
    let o = open("?topic=n-plus-one&n=%FF%FE%00&%E0%A4%A=1");
    assert_eq!(o.run.params().users, nplus1::Params::default().users);
    assert_eq!(o.problems.len(), 2, "{:?}", o.problems);
    // A topic without a visualization ignores the same parameters.
    let p = route::parse("?topic=http-status-codes&n=5");
    assert_eq!(p.ignored, vec!["n=5".to_string()]);
    assert!(p.params.is_empty());
}
