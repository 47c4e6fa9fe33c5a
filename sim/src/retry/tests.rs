//! Unit tests of the retry model: each policy's delays worked by hand, the
//! caps and jitter bounds, the budget, the amplification of layers,
//! `Retry-After`, the breaker, timeouts, random parameters, links, presets
//! and the AWS blog's ranking from the computed sweep.

use super::engine::{contend, general};
use super::policy::{exponential, unit};
use super::*;
use crate::model::{clamp, link, owned, pairs};
use crate::rng::Rng;

/// Hand-worked sequences, base 5 ms, cap 100 ms, every draw 0.5.
#[test]
fn each_policy_waits_as_worked_by_hand() {
    let half = [0.5; 8];
    let d = |p: Policy| p.delays(7, 5.0, 100.0, &half);
    assert_eq!(d(Policy::None), [0.0; 7]);
    assert_eq!(d(Policy::Immediate), [0.0; 7]);
    assert_eq!(d(Policy::Fixed), [5.0; 7]);
    assert_eq!(
        d(Policy::Exponential),
        [5.0, 10.0, 20.0, 40.0, 80.0, 100.0, 100.0]
    );
    // Half of the exponential delay.
    assert_eq!(d(Policy::Full), [2.5, 5.0, 10.0, 20.0, 40.0, 50.0, 50.0]);
    // Half of it, plus half of the other half.
    assert_eq!(d(Policy::Equal), [3.75, 7.5, 15.0, 30.0, 60.0, 75.0, 75.0]);
    // 5 + (3 * previous - 5) / 2, capped at 100: 10, 17.5, 28.75, ...
    assert_eq!(
        d(Policy::Decorrelated),
        [10.0, 17.5, 28.75, 45.625, 70.9375, 100.0, 100.0]
    );
    // Draws at the ends of [0, 1).
    assert_eq!(Policy::Full.delays(3, 5.0, 100.0, &[0.0; 3]), [0.0; 3]);
    assert_eq!(
        Policy::Equal.delays(3, 5.0, 100.0, &[0.0; 3]),
        [2.5, 5.0, 10.0]
    );
    assert_eq!(
        Policy::Decorrelated.delays(3, 5.0, 100.0, &[0.0; 3]),
        [5.0, 5.0, 5.0]
    );
    // Only jittered policies draw: the second draw goes to the second retry.
    assert_eq!(Policy::Full.delays(2, 4.0, 100.0, &[0.25, 1.0]), [1.0, 8.0]);
    assert_eq!(exponential(200, 5.0, 2000.0), 2000.0);
    assert_eq!(unit(0), 0.0);
    assert!(unit(u64::MAX) < 1.0);
}

#[test]
fn delays_stay_within_their_bounds_and_caps() {
    let mut rng = Rng::new(3);
    for _ in 0..20_000 {
        let base = rng.below(1_000) as f64;
        let cap = base + rng.below(100_000) as f64;
        let n = 1 + rng.below(80) as u32;
        let u = unit(rng.next_u64());
        let previous = base + rng.below(1 + cap as u64) as f64;
        let v = exponential(n, base, cap);
        assert!(v <= cap && v >= base.min(cap), "{v} {base} {cap} {n}");
        let full = Policy::Full.delay(n, previous, base, cap, u);
        assert!((0.0..=v).contains(&full));
        let equal = Policy::Equal.delay(n, previous, base, cap, u);
        assert!(equal >= v / 2.0 && equal <= v, "{equal} {v}");
        let dec = Policy::Decorrelated.delay(n, previous, base, cap, u);
        assert!(dec >= base && dec <= cap, "{dec} {base} {cap}");
        assert!(dec <= previous * 3.0 || dec == base);
        assert_eq!(Policy::Fixed.delay(n, previous, base, cap, u), base);
    }
}

/// One client against a resource that is always down.
fn down(policy: Policy, attempts: u32, layers: u32) -> Params {
    Params {
        policy,
        base_ms: 1,
        cap_ms: 10,
        attempts,
        layers,
        clients: 1,
        outage_ms: MAX_MS,
        ..Params::aws(policy, 1)
    }
}

#[test]
fn layers_multiply_the_attempts() {
    for r in 0..4u32 {
        for k in 1..=MAX_LAYERS as u32 {
            let p = down(Policy::Fixed, r + 1, k);
            let run = Run::new(&p);
            let want = u64::from(1 + r).pow(k);
            assert_eq!(run.totals().work, want, "r {r} k {k}");
            assert_eq!(p.amplification(), Some(want));
            assert_eq!(run.totals().failed, 1);
        }
    }
    assert_eq!(down(Policy::None, 5, 3).amplification(), Some(1));
    assert_eq!(Run::new(&down(Policy::None, 5, 3)).totals().work, 1);
}

#[test]
fn the_budget_refuses_retries_once_its_tokens_are_spent() {
    let p = Params {
        budget: true,
        burst: 3,
        refill: 0,
        ..down(Policy::Immediate, 0, 1)
    };
    let t = *Run::new(&p).totals();
    assert_eq!((t.work, t.refused, t.failed), (4, 1, 1));
    // A refill of 10 a second over a 1 s outage: the burst, then about one
    // retry per 100 ms.
    // A refill of 10 a second (a token every 100 ms) outpaces retries 200
    // ms apart: none is refused, and the unit succeeds after the outage.
    let p = Params {
        budget: true,
        burst: 3,
        refill: 10,
        outage_ms: 1_000,
        base_ms: 200,
        cap_ms: 200,
        ..down(Policy::Fixed, 0, 1)
    };
    let t = *Run::new(&p).totals();
    assert_eq!((t.ok, t.refused), (1, 0));
    // Retries 1 ms apart spend the burst and are refused.
    let p = Params {
        base_ms: 1,
        refill: 1,
        ..p
    };
    let t = *Run::new(&p).totals();
    assert_eq!((t.ok, t.failed, t.refused, t.work), (0, 1, 1, 4));
}

#[test]
fn retry_after_is_honoured_or_ignored() {
    let p = Params {
        outage_ms: 1_000,
        retry_after_ms: 400,
        honour: true,
        ..down(Policy::Immediate, 0, 1)
    };
    // Attempts reach the resource at about 10 ms, 430, 850 and 1,270 ms.
    assert_eq!(Run::new(&p).totals().work, 4);
    let ignored = Run::new(&Params { honour: false, ..p });
    assert!(ignored.totals().work > 20, "{}", ignored.totals().work);
}

#[test]
fn the_client_breaker_fails_fast_while_open() {
    let p = Params {
        clients: 20,
        outage_ms: 2_000,
        breaker: true,
        fail_max: 5,
        wait_ms: 500,
        ..Params::aws(Policy::Immediate, 20)
    };
    let with = Run::new(&p);
    let without = Run::new(&Params {
        breaker: false,
        ..p.clone()
    });
    assert!(with
        .transitions()
        .iter()
        .any(|t| t.to == breaker::State::Open));
    let rejected: u32 = with.buckets().iter().map(|b| b.breaker).sum();
    assert!(rejected > 0);
    // Calls the open breaker refuses are given up at once, not retried.
    assert!(with.totals().work * 2 < without.totals().work);
    assert!(with.totals().failed > 0 && without.totals().failed == 0);
    assert!(with.totals().completion < without.totals().completion);
}

#[test]
fn timeouts_give_up_while_the_server_still_works() {
    let p = Params {
        resource: Resource::Overload,
        workers: 1,
        service_ms: 100,
        queue: 100,
        clients: 10,
        timeout_ms: 50,
        attempts: 3,
        ..Params::aws(Policy::Fixed, 10)
    };
    let run = Run::new(&p);
    assert_eq!(run.totals().failed, 10);
    assert_eq!(run.totals().work, 30);
    let timeouts: u32 = run.buckets().iter().map(|b| b.timeout).sum();
    assert_eq!(timeouts, 30);
}

#[test]
fn the_short_path_gives_the_general_totals() {
    for policy in Policy::ALL {
        for clients in [1, 7, 40] {
            for seed in 0..3 {
                let mut p = Params::aws(policy, clients);
                p.seed = seed;
                p.attempts = if seed == 2 { 4 } else { 0 };
                let s = p.setup();
                assert_eq!(
                    contend(&s),
                    general(&s, None).0,
                    "{policy:?} {clients} {seed}"
                );
            }
        }
    }
}

/// Random parameters, small enough to run many.
fn random_params(rng: &mut Rng) -> Params {
    let mut p = Preset::ALL[rng.below(Preset::ALL.len() as u64) as usize].params();
    p.policy = Policy::ALL[rng.below(7) as usize];
    p.resource = if rng.below(2) == 0 {
        Resource::Conflict
    } else {
        Resource::Overload
    };
    p.traffic = if rng.below(3) == 0 {
        Traffic::Open
    } else {
        Traffic::Closed
    };
    p.clients = 1 + rng.below(40) as u32;
    p.units = 1 + rng.below(3) as u32;
    p.rate = 1 + rng.below(200) as u32;
    p.seconds = 1 + rng.below(3) as u32;
    p.base_ms = rng.below(200) as u32;
    p.cap_ms = p.base_ms + rng.below(3_000) as u32;
    p.attempts = rng.below(6) as u32;
    p.layers = 1 + rng.below(3) as u32;
    p.outage_ms = [0, 500, 3_000][rng.below(3) as usize];
    p.timeout_ms = [0, 30, 500][rng.below(3) as usize];
    p.honour = rng.below(2) == 0;
    p.budget = rng.below(3) == 0;
    p.breaker = rng.below(3) == 0;
    p.net_sd_ms = rng.below(10) as u32;
    p.seed = rng.below(1_000) as u32;
    p.tick_ms = 1 + rng.below(500) as u32;
    p
}

#[test]
fn random_runs_keep_their_books() {
    let mut rng = Rng::new(5);
    for _ in 0..150 {
        let p = clamp::<Run>(&random_params(&mut rng));
        let run = Run::new(&p);
        let t = run.totals();
        let sum =
            |f: fn(&Bucket) -> u32| run.buckets().iter().map(|b| u64::from(f(b))).sum::<u64>();
        assert_eq!(sum(|b| b.sent), t.sent, "{p:?} {t:?}");
        assert_eq!(sum(|b| b.reached), t.work);
        assert_eq!(sum(|b| b.done), t.ok);
        assert_eq!(sum(|b| b.gave_up), t.failed);
        assert_eq!(
            run.calls().iter().map(|&c| u64::from(c)).sum::<u64>(),
            t.sent
        );
        assert_eq!(run.calls_until(run.steps() - 1), run.calls());
        assert!(run.calls_until(0).iter().all(|&n| n == 0));
        let mid = run.steps() / 2;
        let sent: u64 = run.buckets()[..mid].iter().map(|b| u64::from(b.sent)).sum();
        let until: u64 = run.calls_until(mid).iter().map(|&n| u64::from(n)).sum();
        assert_eq!(until, sent);
        let clients: u32 = run.histogram(mid, 8).iter().sum();
        assert_eq!(clients as usize, run.calls().len());
        assert!(t.truncated || t.ok + t.failed == t.units, "{p:?} {t:?}");
        if let Some(a) = p.amplification() {
            assert!(t.work <= t.units * a, "{p:?} {t:?}");
        }
        assert_eq!(run.buckets().len(), run.snaps().len());
        assert!(run.steps() <= MAX_STEPS + 1);
        for step in [0, 1, run.steps() / 2, run.steps() - 1, run.steps() + 5] {
            assert!(!run.caption(step).is_empty());
        }
        let last = run.snaps()[run.snaps().len() - 1];
        if !t.truncated {
            assert_eq!((last.in_flight, last.backing_off), (0, 0), "{p:?}");
        }
        // The same link, the same run.
        assert_eq!(Run::new(&p), run);
    }
}

#[test]
fn links_round_trip_through_the_model_interface() {
    let mut rng = Rng::new(8);
    let mut all: Vec<Params> = Preset::ALL.iter().map(|p| p.params()).collect();
    all.extend((0..100).map(|_| clamp::<Run>(&random_params(&mut rng))));
    for p in all {
        let run = Run::new(&p);
        let step = rng.below(run.steps() as u64) as usize;
        let o = crate::open::<Run>(&owned(link::<Run>(&p, step)));
        assert!(o.problems.is_empty(), "{:?}", o.problems);
        assert_eq!(o.step, step);
        assert_eq!(pairs::<Run>(o.run.params()), pairs::<Run>(&p));
        assert_eq!(o.run.caption(step), run.caption(step));
    }
    // A cap under the base is raised, with a notice.
    let o = crate::open::<Run>(&owned([
        ("base_ms", "50".to_string()),
        ("cap_ms", "5".to_string()),
    ]));
    assert_eq!((o.run.params().base_ms, o.run.params().cap_ms), (50, 50));
    assert_eq!(o.problems.len(), 1);
}

#[test]
fn presets_show_their_point() {
    let herd = Run::new(&Preset::Herd.params());
    let spread = Run::new(&Preset::Spread.params());
    // In sync, the herd overflows the queue wave after wave; spread out it
    // is served in a quarter of the time, with less work.
    assert!(spread.totals().completion * 3 < herd.totals().completion);
    assert!(spread.totals().work < herd.totals().work);
    let after = |r: &Run| {
        let from = (2_000 * MS / r.tick()) as usize;
        r.buckets()[from..]
            .iter()
            .map(|b| b.overloaded)
            .sum::<u32>()
    };
    assert!(
        after(&spread) * 2 < after(&herd),
        "{} {}",
        after(&spread),
        after(&herd)
    );
    let layers = Run::new(&Preset::Layers.params());
    assert_eq!(layers.totals().work, 27 * 20);
    let budget = Preset::Budget.params();
    let with = Run::new(&budget);
    let without = Run::new(&Params {
        budget: false,
        ..budget
    });
    // Without it the server never recovers: most units fail.
    assert!(
        with.totals().ok > 9 * with.totals().units / 10,
        "{:?}",
        with.totals()
    );
    assert!(
        without.totals().ok < without.totals().units / 5,
        "{:?}",
        without.totals()
    );
    assert!(with.totals().work < without.totals().work);
    for p in Preset::ALL {
        assert!(crate::model::check_table::<Run>().is_empty());
        assert_eq!(clamp::<Run>(&p.params()), p.params(), "{}", p.slug());
    }
}

#[test]
fn the_sweep_ranks_the_policies_as_the_blog_does() {
    let s = sweep::sweep(&[100, 150, 190], &sweep::AWS_POLICIES, 20, 1);
    for (claim, holds) in s.aws_claims(100) {
        assert!(holds, "{claim}: {:?}", s.points);
    }
    // Work grows with contention for every policy.
    for policy in sweep::AWS_POLICIES {
        let w = |n| s.at(n, policy).map_or(0.0, |p| p.work);
        assert!(w(100) < w(150) && w(150) < w(190), "{policy:?}");
    }
}
