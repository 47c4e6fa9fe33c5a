//! The API security page's claims about the rate-limiter lab, checked
//! against the model: the sliding counter's measured error on the
//! "counter vs log" trace, and what each "see it happen" link shows.

use crate::sim::model::Model;
use crate::sim::ratelimit::{Pattern, Preset, Run};
use crate::sim::thousands;

/// The page, as the build renders it.
const PAGE: &str = include_str!("../../../content/api-security.md");

/// The run a "see it happen" link of the page opens whose text starts
/// with `title`, and its step.
fn opened(title: &str) -> (Run, usize) {
    let start = PAGE
        .find(&format!("- [{title}](topic:api-security?"))
        .unwrap_or_else(|| panic!("no link \"{title}\""));
    let rest = &PAGE[start..];
    let query = rest
        .split("(topic:api-security?")
        .nth(1)
        .and_then(|r| r.split('#').next())
        .unwrap_or_default();
    let parsed = crate::route::parse(&format!("?topic=api-security&{query}"));
    assert!(parsed.ignored.is_empty(), "{:?}", parsed.ignored);
    let o = crate::sim::open::<Run>(&parsed.params);
    assert!(o.problems.is_empty(), "{title}: {:?}", o.problems);
    (o.run, o.step)
}

#[test]
fn the_counters_error_on_the_page_is_the_models() {
    let run = Run::new(&Preset::CounterVsLog.params());
    let e = run.counter_error().expect("the counter ran");
    let counter = run.lanes()[0].summary;
    let log = run.lanes()[1].summary;
    let limit = run.limits().limit;
    for text in [
        format!("**{:.3}%**", e.percent()),
        format!(
            "{} requests let through over the limit and {} limited below it, of {}",
            thousands(e.wrongly_allowed),
            thousands(e.wrongly_limited),
            thousands(e.requests)
        ),
        format!("held {} requests against a limit of {limit}", counter.worst),
        format!("never passes {limit}"),
    ] {
        assert!(PAGE.contains(&text), "the page should say: {text}");
    }
    assert_eq!(log.worst, u64::from(limit));
    // Every wrong decision is the heavy client's.
    assert_eq!(counter.worst_client, 0);
    let heavy = run.requests().iter().filter(|r| r.client == 0).count();
    let share = (run.requests().len() as f64 / heavy as f64 / 10.0).round() as usize * 10;
    assert!(
        PAGE.contains(&format!("about one request in {share} to a client")),
        "one in {share}"
    );
    // The same trace at random arrivals: no client reaches its limit.
    let mut p = Preset::CounterVsLog.params();
    p.pattern = Pattern::Random;
    let quiet = Run::new(&p);
    let q = quiet.counter_error().expect("the counter ran");
    assert_eq!(q.wrongly_allowed + q.wrongly_limited, 0);
    assert!(PAGE.contains("the counter makes no wrong decision at all"));
}

#[test]
fn the_race_link_shows_both_instances_passing_at_the_limit() {
    let (run, step) = opened("The cheat sheet's race");
    let k = run.request_at(step).expect("a request");
    let at = run.race_at(step).expect("race mode");
    assert!(run.decided(step, k, Some(&at)));
    let (a, b) = (run.group_starts()[at.group] as usize, k);
    assert_ne!(run.requests()[a].instance, run.requests()[b].instance);
    // The cheat sheet's lane: both read 2 and passed; the count is 4.
    for j in [a, b] {
        assert!(run.outcome(0, j).ok);
        assert_eq!(run.outcome(0, j).aux, 2);
    }
    assert_eq!(run.outcome(0, b).value, 4);
    assert_eq!(run.params().limit, 3);
    // The atomic lane refuses the second.
    assert!(run.outcome(1, a).ok);
    assert!(!run.outcome(1, b).ok);
}

#[test]
fn the_edge_link_shows_twice_the_limit_for_the_fixed_window_only() {
    let (run, step) = opened("Twice the limit at a window edge");
    let k = run.request_at(step).expect("a request");
    assert_eq!(*run.recent(k), [20, 10, 11]);
    let first = run.requests()[k + 1 - 20].at;
    assert!(run.requests()[k].at - first < 200, "twenty within 0.2 s");
}

#[test]
fn the_counter_link_ends_the_counters_worst_window() {
    let (run, step) = opened("Sliding counter vs the exact log");
    let k = run.request_at(step).expect("a request");
    let worst = run.lanes()[0].summary.worst;
    assert_eq!(run.recent(k)[0], worst);
    assert!(PAGE.contains(&format!("{worst} requests of that client in 10 seconds")));
}

#[test]
fn the_token_link_shows_the_burst() {
    let (run, step) = opened("A token bucket lets a burst through");
    let k = run.request_at(step).expect("a request");
    assert_eq!(*run.recent(k), [10, 10, 5]);
    assert_eq!(run.limits().burst, 10);
    assert_eq!(run.limits().rate, 5);
}
