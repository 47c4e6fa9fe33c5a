//! Hand-worked request sequences per algorithm, boundaries exactly at
//! window edges, the cheat sheet's race, the measured claims on the
//! presets, and property tests of what every run must keep.

use super::*;
use crate::rng::Rng;
use crate::Trace;

/// Lenient limits for hand-worked sequences.
fn lim(limit: u32, window_ms: u64, rate: u32, burst: u32) -> Limits {
    Limits {
        limit,
        window_ms,
        rate,
        burst,
    }
}

/// Decides `(at, instance)` requests of client 0 in order, grouping them
/// as a run does; returns `(ok, value, aux)` per request.
fn decide(algo: Algo, l: Limits, reqs: &[(u64, u8)]) -> Vec<(bool, i64, i64)> {
    let reqs: Vec<Request> = reqs
        .iter()
        .map(|&(at, instance)| Request {
            at,
            client: 0,
            instance,
        })
        .collect();
    let mut out = Vec::new();
    Engine::new(algo, l, 1).decide_all(&reqs, &groups(&reqs), |_, o| {
        out.push((o.ok, o.value, o.aux))
    });
    out
}

fn oks(v: &[(bool, i64, i64)]) -> Vec<bool> {
    v.iter().map(|x| x.0).collect()
}

#[test]
fn the_cheat_sheets_read_then_increment_lets_two_through_at_the_limit() {
    // Limit 3: two requests alone, then two at once on instances A and B:
    // both GETs read 2, both pass, the count ends at 4.
    let got = decide(
        Algo::CheatSheet,
        lim(3, 1000, 1, 1),
        &[(0, 0), (1, 0), (5, 0), (5, 1)],
    );
    assert_eq!(
        got,
        vec![(true, 1, 0), (true, 2, 1), (true, 3, 2), (true, 4, 2)]
    );
    // Then everyone reads 4: limited, nothing written.
    let got = decide(
        Algo::CheatSheet,
        lim(3, 1000, 1, 1),
        &[(0, 0), (1, 0), (5, 0), (5, 1), (6, 0)],
    );
    assert_eq!(got[4], (false, 4, 4));
    // The same two on one instance wait for each other: no race.
    let got = decide(
        Algo::CheatSheet,
        lim(3, 1000, 1, 1),
        &[(0, 0), (1, 0), (5, 0), (5, 0)],
    );
    assert_eq!(oks(&got), [true, true, true, false]);
    // The atomic window never lets the fourth through.
    let got = decide(
        Algo::FixedWindow,
        lim(3, 1000, 1, 1),
        &[(0, 0), (1, 0), (5, 0), (5, 1)],
    );
    assert_eq!(
        got,
        vec![(true, 1, 0), (true, 2, 0), (true, 3, 0), (false, 4, 0)]
    );
}

#[test]
fn fixed_windows_reset_exactly_at_the_edge() {
    let l = lim(3, 1000, 1, 1);
    let times = [
        (997, 0),
        (998, 0),
        (999, 0),
        (999, 0),
        (1000, 0),
        (1001, 0),
        (1002, 0),
        (1003, 0),
    ];
    for algo in [Algo::FixedWindow, Algo::CheatSheet] {
        let got = decide(algo, l, &times);
        // Six requests let through within 6 ms: twice the limit.
        assert_eq!(
            oks(&got),
            [true, true, true, false, true, true, true, false],
            "{algo:?}"
        );
    }
}

#[test]
fn the_sliding_log_drops_an_entry_exactly_one_window_later() {
    let l = lim(2, 1000, 1, 1);
    let got = decide(
        Algo::SlidingLog,
        l,
        &[(0, 0), (500, 0), (999, 0), (1000, 0), (1499, 0), (1500, 0)],
    );
    assert_eq!(
        got,
        vec![
            (true, 1, 0),
            (true, 2, 0),
            (false, 2, 0), // 0 and 500 are in (-1, 999]
            (true, 2, 1),  // 0 is not in (0, 1000]
            (false, 2, 0),
            (true, 2, 1),
        ]
    );
}

#[test]
fn the_sliding_counter_weights_the_previous_window() {
    // Limit 10 per second: 10 in the first window, then at 1,500 the
    // previous window weighs half: 10 × 0.5 + 0 = 5 < 10.
    let mut times: Vec<(u64, u8)> = (0..10).map(|i| (i * 10, 0)).collect();
    times.extend([
        (1_500, 0),
        (1_500, 0),
        (1_500, 0),
        (1_500, 0),
        (1_500, 0),
        (1_500, 0),
    ]);
    let got = decide(Algo::SlidingCounter, lim(10, 1000, 1, 1), &times);
    assert!(got[..10].iter().all(|x| x.0));
    // 5 + 0..4 < 10 for five more; the sixth reads 5 + 5 = 10.
    assert_eq!(oks(&got[10..]), [true, true, true, true, true, false]);
    assert_eq!(got[15], (false, 5, 10));
    // At 1,900 the previous window weighs 0.1: 1 + 5 = 6.
    assert!(counter_allows(10, 5, 900, 1000, 10));
    assert!(!counter_allows(10, 9, 900, 1000, 10));
    // Two windows on, the old count is gone.
    let got = decide(
        Algo::SlidingCounter,
        lim(1, 1000, 1, 1),
        &[(0, 0), (2_000, 0)],
    );
    assert_eq!(got[1], (true, 1, 0));
}

#[test]
fn buckets_and_gcra_allow_the_burst_then_the_rate() {
    let l = lim(1, 1000, 1, 3);
    let times = [
        (0, 0),
        (0, 0),
        (0, 0),
        (0, 0),
        (999, 0),
        (1000, 0),
        (1500, 0),
        (2999, 0),
        (3000, 0),
    ];
    // 0.999 tokens at 999 ms; 1 at 1 s; 0.5 at 1.5 s; 1.999 at 2.999 s.
    let want = [true, true, true, false, false, true, false, true, true];
    for algo in [
        Algo::TokenBucket,
        Algo::LeakyMeter,
        Algo::Gcra,
        Algo::LeakyQueue,
    ] {
        assert_eq!(oks(&decide(algo, l, &times)), want, "{algo:?}");
    }
    let token = decide(Algo::TokenBucket, l, &times);
    assert_eq!(token[0].1, 2_000);
    assert_eq!(token[4].1, 999); // 0 + 999 ms × 1 per second
    assert_eq!(token[7].1, 999); // 1.999 less the one spent
    let gcra = decide(Algo::Gcra, l, &times);
    // TAT in ms × rate: 1000, 2000, 3000; the fourth sees it 3000 ahead.
    assert_eq!(gcra[2], (true, 3_000, 2_000));
    assert_eq!(gcra[3], (false, 3_000, -1));
    let queue = decide(Algo::LeakyQueue, l, &times);
    // The queue's three wait 0, 1 s and 2 s.
    assert_eq!(
        queue[..3].iter().map(|x| x.2).collect::<Vec<_>>(),
        [0, 1_000, 2_000]
    );
}

#[test]
fn the_edge_preset_lets_twice_the_limit_through_a_fixed_window() {
    let run = Run::new(&Preset::Edge.params());
    let lim = run.limits();
    let by = |a: Algo| run.lanes().iter().find(|l| l.algo == a).map(|l| l.summary);
    let fixed = by(Algo::FixedWindow).unwrap_or_default();
    assert_eq!(fixed.worst, 2 * u64::from(lim.limit));
    assert_eq!(fixed.overshoot(Algo::FixedWindow, &lim), 2.0);
    assert_eq!(
        by(Algo::SlidingLog).unwrap_or_default().worst,
        u64::from(lim.limit)
    );
}

#[test]
fn the_race_preset_lets_more_than_the_limit_through() {
    let run = Run::new(&Preset::Race.params());
    let cheat = &run.lanes()[0];
    assert_eq!(cheat.algo, Algo::CheatSheet);
    assert!(cheat.summary.worst > u64::from(run.limits().limit));
    assert!(run.lanes()[1].summary.worst <= u64::from(run.limits().limit));
    // A step per command: GET, GET, INCR, INCR, EXPIRE, EXPIRE.
    let first: Vec<String> = (1..=6)
        .filter_map(|s| run.race_step(s))
        .map(|(k, i)| run.commands(0, k)[i].args[0].clone())
        .collect();
    assert_eq!(first, ["GET", "GET", "INCR", "INCR", "EXPIRE", "EXPIRE"]);
    assert!(run.caption(3).contains("INCR"), "{}", run.caption(3));
}

#[test]
fn the_sliding_counter_is_close_to_the_exact_log() {
    let run = Run::new(&Preset::CounterVsLog.params());
    let e = run.counter_error().unwrap_or_default();
    assert_eq!(e.requests, run.requests().len() as u64);
    // Most clients stay well below the limit, a few go over: a fraction
    // of a percent of all requests is decided otherwise, nearly all of
    // them the heavy clients' (an overloaded client's requests are all
    // close calls).
    assert!(e.percent() > 0.0 && e.percent() < 1.0, "{e:?}");
}

/// Random parameters within the table's ranges, kept small.
fn random_params(rng: &mut Rng) -> Params {
    let pick = |rng: &mut Rng, xs: &[u32]| xs[rng.below(xs.len() as u64) as usize];
    let mut algos: Vec<Algo> = Algo::ALL
        .into_iter()
        .filter(|_| rng.below(2) == 0)
        .collect();
    if algos.is_empty() {
        algos.push(Algo::CheatSheet);
    }
    let mut p = Params {
        mode: if rng.below(4) == 0 {
            Mode::Race
        } else {
            Mode::Traffic
        },
        algos,
        limit: pick(rng, &[1, 2, 5, 10, 50]),
        window_ms: pick(rng, &[10, 100, 1_000, 3_000]),
        rate: pick(rng, &[1, 3, 7, 10, 100]),
        burst: pick(rng, &[1, 2, 5, 20]),
        pattern: *<Pattern as crate::model::Choices>::ALL
            .get(rng.below(5) as usize)
            .unwrap_or(&Pattern::Steady),
        clients: pick(rng, &[1, 2, 7]),
        rps: pick(rng, &[1, 10, 60, 400]),
        abuse: 10,
        instances: pick(rng, &[1, 2, 3]),
        seconds: pick(rng, &[1, 3, 5]),
        seed: rng.below(1_000) as u32,
    };
    if p.pattern == Pattern::Abuser {
        p.abuse = pick(rng, &[2, 10, 100]);
    }
    // A link leaves out what no chosen algorithm reads.
    let d = Params::default();
    if !p.algos.iter().any(|a| a.windowed()) {
        p.limit = d.limit;
    }
    if p.algos.iter().all(|a| a.windowed()) {
        (p.rate, p.burst) = (d.rate, d.burst);
    }
    p
}

#[test]
fn random_runs_keep_their_invariants() {
    let mut rng = Rng::new(20);
    for _ in 0..150 {
        let p = random_params(&mut rng);
        let run = Run::new(&p);
        let lim = run.limits();
        let n = run.requests().len() as u64;
        assert!(run.requests().windows(2).all(|w| w[0].at <= w[1].at));
        for (i, l) in run.lanes().iter().enumerate() {
            let s = l.summary;
            assert_eq!(s.allowed + s.limited, n, "{p:?}");
            let bound = match l.algo {
                Algo::SlidingLog => u64::from(lim.limit),
                Algo::FixedWindow => 2 * u64::from(lim.limit),
                Algo::CheatSheet => 2 * (u64::from(lim.limit) + u64::from(p.instances)),
                Algo::SlidingCounter => 2 * u64::from(lim.limit),
                _ => u64::from(lim.burst) + (u64::from(lim.rate) * lim.window_ms).div_ceil(1000),
            };
            assert!(
                s.worst <= bound,
                "{:?} {} > {bound} in {p:?}",
                l.algo,
                s.worst
            );
            // Buckets and GCRA decide alike.
            if !l.algo.windowed() {
                let first = run.lanes().iter().find(|x| !x.algo.windowed());
                assert_eq!(first.map(|x| &x.ok), Some(&l.ok));
            }
            for k in (0..run.requests().len()).step_by(7) {
                assert!(!run.commands(i, k).is_empty());
                assert!(!run.reason(i, k).is_empty());
                if l.algo == Algo::SlidingLog {
                    assert_eq!(run.log_at(i, k).len() as i64, run.outcome(i, k).value);
                }
            }
        }
        let steps = run.steps();
        for s in [0, 1, steps / 2, steps - 1, steps + 5] {
            assert!(!run.caption(s).is_empty() || n == 0);
        }
    }
}

#[test]
fn links_round_trip() {
    let mut rng = Rng::new(7);
    let mut all: Vec<Params> = Preset::ALL.iter().map(|p| p.params()).collect();
    all.extend((0..60).map(|_| random_params(&mut rng)));
    for p in all {
        let p = crate::clamp::<Run>(&p);
        let step = 3.min(Run::new(&p).steps() - 1);
        let pairs = crate::model::owned(crate::link::<Run>(&p, step));
        let opened = crate::open::<Run>(&pairs);
        assert_eq!(opened.run.params(), &p);
        assert!(opened.problems.is_empty(), "{:?}", opened.problems);
        assert_eq!(opened.step, step);
    }
}

#[test]
fn bad_links_give_the_nearest_valid_run() {
    let pairs = crate::model::owned([
        ("algos", "gcra,nope,gcra".to_string()),
        ("rps", "5000".to_string()),
        ("seconds", "600".to_string()),
        ("mode", "race".to_string()),
    ]);
    let opened = crate::open::<Run>(&pairs);
    assert_eq!(opened.run.params().algos, vec![Algo::Gcra]);
    assert!(opened.run.requests().len() as u64 <= MAX_RACE_REQUESTS);
    assert_eq!(opened.problems.len(), 3, "{:?}", opened.problems);
    let opened = crate::open::<Run>(&crate::model::owned([("algos", ",".to_string())]));
    assert_eq!(opened.run.params().algos, Params::default().algos);
}

#[test]
fn every_preset_opens_within_its_bounds() {
    for preset in Preset::ALL {
        let p = preset.params();
        assert_eq!(crate::clamp::<Run>(&p), p, "{}", preset.slug());
        let run = Run::new(&p);
        assert!(run.steps() > 1, "{}", preset.slug());
    }
}

/// The figures counted the slow way: for every request, the client's
/// requests let through (served, for the leaky queue) within the window
/// ending then, by walking them all.
fn slow_figures(run: &Run, lane: usize) -> (Summary, Option<CounterError>) {
    let lim = run.limits();
    let algo = run.lanes()[lane].algo;
    let mut times: Vec<Vec<u64>> = Vec::new();
    let (mut s, mut e) = (Summary::default(), CounterError::default());
    for (k, r) in run.requests().iter().enumerate() {
        let o = run.outcome(lane, k);
        let c = r.client as usize;
        if times.len() <= c {
            times.resize(c + 1, Vec::new());
        }
        let within = |t: u64, h: &[u64]| h.iter().filter(|&&x| x + lim.window_ms > t).count();
        let before = within(r.at, &times[c]) as u64;
        e.requests += 1;
        if o.ok && before >= u64::from(lim.limit) {
            e.wrongly_allowed += 1;
        } else if !o.ok && before < u64::from(lim.limit) {
            e.wrongly_limited += 1;
        }
        if !o.ok {
            s.limited += 1;
            continue;
        }
        s.allowed += 1;
        let at = if algo == Algo::LeakyQueue {
            r.at + (o.aux / i64::from(lim.rate)) as u64
        } else {
            r.at
        };
        times[c].push(at);
        let now = within(at, &times[c]) as u64;
        if now > s.worst {
            (s.worst, s.worst_at, s.worst_client) = (now, at, r.client);
        }
    }
    (s, (algo == Algo::SlidingCounter).then_some(e))
}

#[test]
fn the_summed_figures_equal_counting_every_window() {
    let mut rng = Rng::new(0x5EED5);
    for case in 0..60 {
        let mut p = random_params(&mut rng);
        p.algos = Algo::ALL.to_vec();
        p.seconds = p.seconds.min(5);
        let run = Run::new(&p);
        for (i, lane) in run.lanes().iter().enumerate() {
            let (s, e) = slow_figures(&run, i);
            assert_eq!(lane.summary, s, "case {case}, {:?}, {p:?}", lane.algo);
            if e.is_some() {
                assert_eq!(run.counter_error(), e, "case {case}, {p:?}");
            }
        }
    }
}

#[test]
fn the_groups_found_while_sorting_are_the_groups_of_the_requests() {
    let mut rng = Rng::new(0x6A0);
    for pattern in Pattern::ALL {
        for _ in 0..20 {
            let mut p = random_params(&mut rng);
            p.pattern = *pattern;
            let (reqs, starts) = super::traffic::generate_grouped(&p);
            assert_eq!(starts, groups(&reqs), "{p:?}");
        }
    }
}
