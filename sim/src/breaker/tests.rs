//! Hand-worked call sequences per policy, and property tests of the
//! invariants every run must keep.

use super::*;
use crate::rng::Rng;
use crate::Trace;

/// Opens a run from URL pairs, as a permalink does.
fn open(pairs: &[(String, String)]) -> crate::Opened<Run> {
    crate::open::<Run>(pairs)
}

/// A permalink's pairs at `step`.
fn to_pairs(p: &Params, step: usize) -> Vec<(&'static str, String)> {
    crate::link::<Run>(p, step)
}

/// Runs a manual script with instant calls (0 ms) and returns, per action,
/// `pass`/`reject`/`-` (a wait), the state after it, and `!` when the
/// caller got the breaker's own error.
fn walk(params: Params, script: &str) -> (Run, Vec<String>) {
    let mut problems = Vec::new();
    let p = Params {
        mode: Mode::Manual,
        script: parse_script(script, &mut problems),
        latency_ms: 0,
        compare: None,
        ..params
    };
    assert!(problems.is_empty(), "{problems:?}");
    let run = Run::new(&p);
    let lane = &run.lanes()[0];
    let mut out = Vec::new();
    for step in 1..run.steps() {
        let snap = lane.snap(step);
        let what = match run.action_at(step) {
            Some(Action::Wait(_)) => "-".to_string(),
            _ => {
                let i = run.moment(step).started as usize - 1;
                let f = lane.flags[i];
                let mut w = if f & flag::PASSED != 0 {
                    "pass".to_string()
                } else {
                    "reject".to_string()
                };
                if f & flag::BREAKER_ERROR != 0 {
                    w.push('!');
                }
                w
            }
        };
        out.push(format!("{what} {}", snap.state.label()));
    }
    (run, out)
}

fn expect(got: &[String], want: &[&str]) {
    let got: Vec<&str> = got.iter().map(String::as_str).collect();
    assert_eq!(got, want);
}

#[test]
fn pybreaker_consecutive_failures() {
    let p = Params {
        policy: Policy::Consecutive,
        fail_max: 3,
        wait_ms: 10_000,
        ..Params::default()
    };
    let (run, got) = walk(
        p,
        "fail,fail,ok,fail,fail,fail,ok,wait9999ms,ok,wait1ms,fail,wait10s,ok",
    );
    expect(
        &got,
        &[
            "pass closed",
            "pass closed",
            "pass closed", // a success resets the count
            "pass closed",
            "pass closed",
            "pass! open", // the third in a row trips; CircuitBreakerError
            "reject open",
            "- open",
            "reject open", // 9,999 ms < reset_timeout
            "- open",      // exactly opened_at + reset_timeout...
            "pass! open",  // ...is enough: the trial runs, fails, re-opens
            "- open",
            "pass closed", // the trial succeeds
        ],
    );
    let lane = &run.lanes()[0];
    // pybreaker's test_failed_call_after_timeout: the counter keeps counting.
    assert_eq!(lane.snap(11).failures, 4);
    assert_eq!(lane.snap(13).failures, 0);
    // Rejected calls touch no counter.
    assert_eq!(lane.snap(9).rejected, 2);
    assert_eq!(lane.snap(9).failures, 3);
}

#[test]
fn pybreaker_success_threshold() {
    let p = Params {
        policy: Policy::Consecutive,
        fail_max: 2,
        successes: 2,
        wait_ms: 1_000,
        ..Params::default()
    };
    let (_, got) = walk(p.clone(), "fail,fail,wait1s,ok,ok,fail");
    expect(
        &got,
        &[
            "pass closed",
            "pass! open",
            "- open",
            "pass half-open",
            "pass closed",
            "pass closed",
        ],
    );
    let (_, got) = walk(p, "fail,fail,wait1s,ok,fail,wait1s,ok,ok");
    expect(
        &got,
        &[
            "pass closed",
            "pass! open",
            "- open",
            "pass half-open",
            "pass! open", // a failure after one success re-opens
            "- open",
            "pass half-open",
            "pass closed",
        ],
    );
}

#[test]
fn resilience4j_count_window() {
    let p = Params {
        policy: Policy::CountWindow,
        window_calls: 4,
        min_calls: 4,
        failure_rate: 50,
        half_open: 2,
        wait_ms: 10_000,
        ..Params::default()
    };
    let (run, got) = walk(
        p,
        "fail,ok,ok,fail,ok,wait10s,ok,wait1ms,ok,fail,wait10s,wait1ms,ok,ok",
    );
    expect(
        &got,
        &[
            "pass closed", // 1 call: below the minimum of 4
            "pass closed",
            "pass closed",
            "pass open", // 2 of 4 = 50% >= 50%; the call keeps its own error
            "reject open",
            "- open",
            "reject open", // exactly at the end of the wait: not yet
            "- open",
            "pass half-open", // strictly after: trial 1 of 2
            "pass open",      // 1 of 2 trials failed: 50% >= 50%
            "- open",
            "- open",
            "pass half-open",
            "pass closed", // 0 of 2 failed
        ],
    );
    let lane = &run.lanes()[0];
    assert_eq!(
        lane.snap(4).tally,
        Tally {
            total: 4,
            failed: 2,
            slow: 0
        }
    );
    // A closed breaker starts with a fresh window.
    assert_eq!(lane.snap(14).tally, Tally::default());
}

#[test]
fn resilience4j_window_forgets_only_by_sliding() {
    let p = Params {
        policy: Policy::CountWindow,
        window_calls: 4,
        min_calls: 100, // capped at the window size
        failure_rate: 75,
        ..Params::default()
    };
    // A success never erases a failure; the failure leaves after 4 newer calls.
    let (run, got) = walk(p.clone(), "fail,fail,ok,ok,ok,ok,fail,fail");
    assert!(got.iter().all(|g| g == "pass closed"), "{got:?}");
    assert_eq!(run.lanes()[0].snap(4).tally.failed, 2);
    assert_eq!(run.lanes()[0].snap(6).tally.failed, 0);
    // Three of the last four: 75%.
    let (_, got) = walk(p, "fail,ok,fail,fail");
    assert_eq!(got.last().map(String::as_str), Some("pass open"));
}

#[test]
fn resilience4j_slow_calls_trip_without_errors() {
    let p = Params {
        policy: Policy::CountWindow,
        window_calls: 4,
        min_calls: 4,
        slow_rate: 50,
        slow_ms: 1_000,
        slow_latency_ms: 1_000,
        ..Params::default()
    };
    // 1,000 ms is not slower than 1,000 ms: the comparison is strict.
    let (_, got) = walk(p.clone(), "slow,slow,slow,slow");
    assert!(got.iter().all(|g| g == "pass closed"), "{got:?}");
    let (run, got) = walk(
        Params {
            slow_latency_ms: 1_001,
            ..p
        },
        "ok,slow,ok,slow",
    );
    assert_eq!(got.last().map(String::as_str), Some("pass open"));
    let t = run.lanes()[0].transitions[0];
    assert!(matches!(
        t.rule,
        Rule::SlowRate {
            slow: 2,
            total: 4,
            threshold: 50
        }
    ));
}

#[test]
fn resilience4j_time_window_is_aligned_to_seconds() {
    let p = Params {
        policy: Policy::TimeWindow,
        window_secs: 2,
        min_calls: 3,
        failure_rate: 50,
        ..Params::default()
    };
    // Failures at 0.9 s; at 1.999 s the window (seconds 0 and 1) holds them.
    let (_, got) = walk(p.clone(), "wait900ms,fail,fail,wait1099ms,ok");
    assert_eq!(got.last().map(String::as_str), Some("pass open"));
    // At 2.0 s second 0 has left the window, though only 1.1 s passed.
    let (run, got) = walk(p, "wait900ms,fail,fail,wait1100ms,ok");
    assert_eq!(got.last().map(String::as_str), Some("pass closed"));
    assert_eq!(
        run.lanes()[0].snap(5).tally,
        Tally {
            total: 1,
            failed: 0,
            slow: 0
        }
    );
}

#[test]
fn cheat_sheet_never_forgets() {
    let p = Params {
        policy: Policy::Naive,
        fail_max: 3,
        wait_ms: 10_000,
        ..Params::default()
    };
    let script = "fail,ok,ok,fail,ok,fail,ok,wait10s,ok,wait1ms,ok,fail";
    let (_, got) = walk(p.clone(), script);
    expect(
        &got,
        &[
            "pass closed",
            "pass closed",
            "pass closed",
            "pass closed",
            "pass closed",
            "pass open", // the third failure ever, successes in between
            "reject open",
            "- open",
            "reject open", // elapsed must be greater than the timeout
            "- open",
            "pass closed", // half-open, and a success closes it
            "pass closed", // the count starts again from zero
        ],
    );
    // pybreaker on the same calls never opens.
    let (_, got) = walk(
        Params {
            policy: Policy::Consecutive,
            ..p
        },
        script,
    );
    assert!(
        got.iter()
            .all(|g| g.ends_with("closed") && !g.starts_with("reject")),
        "{got:?}"
    );
}

#[test]
fn presets_show_their_point() {
    // Outage: the breaker opens while down and closes after recovery.
    let run = Run::new(&Preset::Outage.params());
    let lane = &run.lanes()[0];
    assert!(lane.transitions.iter().any(|t| t.to == State::Open));
    assert_eq!(lane.snap(run.steps() - 1).state, State::Closed);
    let offered: u32 = run.offered().iter().sum();
    let reached: u32 = lane.reached.iter().sum();
    assert!(reached < offered * 8 / 10, "{reached} of {offered}");
    assert!(!lane.recoveries.is_empty());

    // Slow: the rate window trips on slow calls, pybreaker does not.
    let run = Run::new(&Preset::Slow.params());
    assert!(run.lanes()[0]
        .transitions
        .iter()
        .any(|t| matches!(t.rule, Rule::SlowRate { .. })));
    assert!(run.lanes()[1].transitions.is_empty());

    // Pitfall: rare errors open the cheat sheet's breaker, never pybreaker's.
    let run = Run::new(&Preset::Pitfall.params());
    let trips = |l: &Lane| l.transitions.iter().filter(|t| t.to == State::Open).count();
    assert!(trips(&run.lanes()[0]) >= 3, "{}", trips(&run.lanes()[0]));
    assert_eq!(trips(&run.lanes()[1]), 0);

    // Flapping: both policies open more than once.
    let run = Run::new(&Preset::Flapping.params());
    assert!(trips(&run.lanes()[0]) >= 3);
    assert!(trips(&run.lanes()[1]) >= 2);

    // Manual: the cheat sheet opens on the fifth failure, pybreaker never.
    let run = Run::new(&Preset::Manual.params());
    assert_eq!(trips(&run.lanes()[0]), 0);
    assert_eq!(trips(&run.lanes()[1]), 1);

    // Lock: calls queue behind pybreaker's slow trial and run after it
    // decides; opossum, beside it, rejects them at once.
    let run = Run::new(&Preset::Lock.params());
    let (py, op) = (&run.lanes()[0], &run.lanes()[1]);
    let waited = |l: &Lane| l.flags.iter().filter(|f| *f & flag::WAITED != 0).count();
    assert_eq!(waited(py), 6);
    assert_eq!(waited(op), 0);
    assert!(py.snaps.iter().any(|s| s.waiting == 3));
    let closed = py
        .transitions
        .iter()
        .find(|t| t.to == State::Closed)
        .map(|t| t.at);
    assert_eq!(closed, Some(4_100), "the trial decides after 3 s");
    // The three calls sent at 1.2 s ask the breaker when the trial is done.
    for i in 3..6 {
        assert_eq!(py.asked(i, &run.calls()[i]), 4_100 + 50 * (i as u64 - 3));
    }
    assert!(op.flags[3..6].iter().all(|f| f & flag::PASSED == 0));
    // The last two failures trip pybreaker only once the slow call is done.
    assert_eq!(py.transitions.last().map(|t| t.at), Some(8_300));

    // 404s: with client errors excluded neither breaker opens while they
    // last; both open when the downstream goes down.
    let run = Run::new(&Preset::ClientErrors.params());
    for l in run.lanes() {
        let first = l.transitions.first().map(|t| t.at);
        assert!(first.is_some_and(|at| at >= 40_000), "{first:?}");
        assert!(l.flags.iter().any(|f| f & flag::NOT_COUNTED != 0));
    }
    let mut counted = Preset::ClientErrors.params();
    counted.exclude = false;
    let run = Run::new(&counted);
    for l in run.lanes() {
        assert!(l.transitions.first().is_some_and(|t| t.at < 40_000));
    }

    // opossum beside resilience4j: opossum opens later (more than half
    // the fires of ten seconds) and goes half-open on its own timer.
    let run = Run::new(&Preset::Opossum.params());
    let first_open = |l: &Lane| {
        l.transitions
            .iter()
            .find(|t| t.to == State::Open)
            .map(|t| t.at)
    };
    assert!(first_open(&run.lanes()[0]) > first_open(&run.lanes()[1]));
    assert!(run.lanes()[0]
        .transitions
        .iter()
        .any(|t| matches!(t.rule, Rule::ResetTimer { .. })));
}

fn random_params(rng: &mut Rng) -> Params {
    let mut pick = |n: u64| rng.below(n) as u32;
    let n = Policy::ALL.len() as u64;
    let policy = Policy::ALL[pick(n) as usize];
    let compare = [None, Some(Policy::ALL[pick(n) as usize])][pick(2) as usize];
    let kinds = [
        Health::Healthy,
        Health::Degraded(1 + pick(99) as u8),
        Health::Slow,
        Health::Down,
        Health::Recovering,
        Health::Client(1 + pick(99) as u8),
    ];
    let health = (0..1 + pick(5))
        .map(|_| Phase {
            health: kinds[pick(6) as usize],
            secs: 1 + pick(30),
        })
        .collect();
    let script = (0..pick(40))
        .map(|_| match pick(6) {
            0 => Action::Wait(1 + u64::from(pick(20_000))),
            _ => Action::Call(Shot {
                send: Send::ALL[pick(4) as usize],
                ms: (pick(3) == 0).then(|| u64::from(pick(6_000))),
                background: pick(3) == 0,
            }),
        })
        .collect();
    Params {
        mode: if pick(4) == 0 {
            Mode::Manual
        } else {
            Mode::Traffic
        },
        policy,
        compare,
        fail_max: 1 + pick(8),
        successes: 1 + pick(3),
        wait_ms: 1 + pick(8_000),
        window_calls: 1 + pick(30),
        window_secs: 1 + pick(8),
        min_calls: 1 + pick(20),
        failure_rate: 1 + pick(100),
        slow_rate: 1 + pick(100),
        slow_ms: 1 + pick(3_000),
        half_open: 1 + pick(5),
        health,
        rate: 1 + pick(100),
        seed: pick(1_000),
        tick_ms: 100 + pick(2_000),
        script,
        latency_ms: pick(400),
        slow_latency_ms: pick(6_000),
        timeout_ms: 1 + pick(5_000),
        exclude: pick(2) == 0,
        volume: pick(20),
        rolling_ms: 100 + pick(20_000),
        buckets: 1 + pick(20),
        warm_up: pick(4) == 0,
    }
}

/// Checks the invariants of one lane.
fn check_lane(run: &Run, lane: &Lane) {
    let ts = &lane.transitions;
    for (k, t) in ts.iter().enumerate() {
        let next = ts.get(k + 1);
        if k > 0 {
            assert_eq!(ts[k - 1].to, t.from, "transitions chain");
        }
        if t.to == State::Open {
            check_open(run, lane, t, next);
        }
        if t.to == State::HalfOpen {
            check_half_open(run, lane, t, next);
        }
    }
    if lane.config.policy.is_rate() {
        check_windows(run, lane);
    }
    // Counters add up: every call started passed, was rejected or still
    // waits for the lock; every call that passed was recorded, is still in
    // flight, or was ignored (resilience4j's ignored client errors).
    let last = lane.snap(usize::MAX);
    let started = run.moment(usize::MAX).started;
    assert_eq!(last.passed + last.rejected + last.waiting, started);
    let ignored = if lane.config.policy.is_rate() {
        lane.flags
            .iter()
            .filter(|f| *f & flag::NOT_COUNTED != 0)
            .count() as u32
    } else {
        0
    };
    assert_eq!(last.records + last.in_flight + ignored, last.passed);
    if lane.config.policy != Policy::Consecutive {
        assert_eq!(last.waiting, 0);
    }
}

/// No call passes while open (from transition `t` to `next`) before the
/// wait ends.
fn check_open(run: &Run, lane: &Lane, t: &Transition, next: Option<&Transition>) {
    let c = &lane.config;
    let calls = run.calls();
    let leave = next.map(|n| n.at).unwrap_or(u64::MAX);
    if let Some(n) = next {
        assert_eq!(n.to, State::HalfOpen);
        let opened = if c.policy == Policy::Naive {
            // The cheat sheet's wait runs from the last failure.
            lane.records[..n.records as usize]
                .iter()
                .filter(|r| r.failed)
                .map(|r| r.at)
                .max()
                .unwrap_or(t.at)
        } else {
            t.at
        };
        if matches!(c.policy, Policy::Consecutive | Policy::Opossum) {
            assert!(n.at >= opened + c.wait_ms);
        } else if c.policy == Policy::Opossum {
            // opossum's reset timer goes off at exactly the wait.
            assert_eq!(n.at, opened + c.wait_ms, "{n:?}");
        } else {
            assert!(n.at > opened + c.wait_ms, "{n:?} {opened}");
        }
    }
    // Calls up to the one that tripped it asked before the trip (calls ask
    // in their order: under pybreaker's lock too, which they get in turn).
    let asked: Vec<u64> = calls
        .iter()
        .enumerate()
        .map(|(i, x)| lane.asked(i, x))
        .collect();
    let from = asked
        .partition_point(|&x| x < t.at)
        .max(t.call as usize + 1);
    let to = asked.partition_point(|&x| x < leave);
    for (i, f) in lane.flags.iter().enumerate().take(to).skip(from) {
        // A call at the trip's instant starts after the outcome that
        // tripped it (completions first), so it is rejected too.
        assert_eq!(f & flag::PASSED, 0, "call {i} passed while open ({t:?})");
    }
}

/// Half-open (from transition `t` to `next`) admits at most the permitted
/// calls.
fn check_half_open(run: &Run, lane: &Lane, t: &Transition, next: Option<&Transition>) {
    let c = &lane.config;
    let calls = run.calls();
    let leave = next.map(|n| n.at).unwrap_or(u64::MAX);
    let asked: Vec<u64> = calls
        .iter()
        .enumerate()
        .map(|(i, x)| lane.asked(i, x))
        .collect();
    let from = asked.partition_point(|&x| x < t.at);
    let to = asked.partition_point(|&x| x <= leave);
    let trials: Vec<usize> = (from..to)
        .filter(|&i| lane.flags[i] & flag::TRIAL != 0 && lane.flags[i] & flag::PASSED != 0)
        .collect();
    match c.policy {
        Policy::CountWindow | Policy::TimeWindow => {
            // An ignored client error gives its permit back.
            let counted = trials
                .iter()
                .filter(|&&i| lane.flags[i] & flag::NOT_COUNTED == 0)
                .count();
            assert!(counted <= c.half_open as usize, "{counted} trials");
        }
        Policy::Consecutive => {
            for w in trials.windows(2) {
                assert!(
                    lane.ends(w[0], &calls[w[0]]) <= lane.asked(w[1], &calls[w[1]]),
                    "two trials in flight"
                );
            }
        }
        Policy::Opossum => assert!(trials.len() <= 1, "{} trials", trials.len()),
        Policy::Naive => {}
    }
}

/// The rates are computed over exactly the window, at every step.
fn check_windows(run: &Run, lane: &Lane) {
    for (step, snap) in lane.snaps.iter().enumerate() {
        let window = expected_window(lane, snap, run.moment(step).at);
        let want = Tally {
            total: window.len() as u32,
            failed: window.iter().filter(|r| r.failed).count() as u32,
            slow: window.iter().filter(|r| r.slow).count() as u32,
        };
        assert_eq!(snap.tally, want, "step {step} of {:?}", lane.config.policy);
        assert_eq!(
            snap.records as usize - snap.window_from as usize,
            window.len()
        );
    }
}

/// The outcomes a rate breaker should decide on at `snap`, at time `now`:
/// those since it last closed or went half-open, cut to the trials when
/// half-open (or just reopened from half-open), to the last calls of a
/// count window, or to the seconds of a time window.
fn expected_window<'a>(lane: &'a Lane, snap: &Snap, now: u64) -> Vec<&'a Record> {
    let c = &lane.config;
    let ts = &lane.transitions;
    let n = snap.records as usize;
    let reset = ts
        .iter()
        .take(snap.transitions as usize)
        .filter(|t| t.to != State::Open)
        .map(|t| t.records as usize)
        .next_back()
        .unwrap_or(0);
    let mut window: Vec<&Record> = lane.records[reset..n].iter().collect();
    let last = ts.get((snap.transitions as usize).wrapping_sub(1));
    let half = snap.state == State::HalfOpen
        || (snap.state == State::Open && last.is_some_and(|t| t.from == State::HalfOpen));
    if half {
        let keep = window.len().min(c.half_open as usize);
        window.drain(..window.len() - keep);
    } else if c.policy == Policy::CountWindow {
        let keep = window.len().min(c.window_calls as usize);
        window.drain(..window.len() - keep);
    } else {
        window.retain(|r| r.at / 1000 + u64::from(c.window_secs) > now / 1000);
    }
    window
}

#[test]
fn invariants_hold_on_random_runs() {
    let mut rng = Rng::new(7);
    for _ in 0..400 {
        let p = random_params(&mut rng);
        let run = Run::new(&p);
        for lane in run.lanes() {
            check_lane(&run, lane);
        }
        for step in [0, 1, run.steps() / 2, run.steps() - 1, run.steps() + 5] {
            assert!(!run.caption(step).is_empty());
        }
        // Identical parameters, identical trace.
        let again = Run::new(&p);
        assert_eq!(run.lanes(), again.lanes());
        assert_eq!(run.calls(), again.calls());
    }
}

#[test]
fn urls_round_trip() {
    let mut rng = Rng::new(11);
    for _ in 0..300 {
        let p = crate::clamp::<Run>(&random_params(&mut rng));
        let run = Run::new(&p);
        let step = rng.below(run.steps() as u64) as usize;
        let pairs = crate::model::owned(to_pairs(&p, step));
        let o = open(&pairs);
        assert!(o.problems.is_empty(), "{:?}", o.problems);
        assert_eq!(o.step, step);
        // Settings a policy does not use are not in its URL.
        let mut q = o.run.params().clone();
        let mut want = p.clone();
        normalise(&mut q);
        normalise(&mut want);
        assert_eq!(q, want);
    }
}

/// Resets what the URL of `p` does not carry.
fn normalise(p: &mut Params) {
    let d = Params::default();
    let policies = p.policies();
    let uses = |f: &dyn Fn(Policy) -> bool| policies.iter().any(|&x| f(x));
    if !uses(&|x| matches!(x, Policy::Consecutive | Policy::Naive)) {
        p.fail_max = d.fail_max;
    }
    if !uses(&|x| x == Policy::Consecutive) {
        p.successes = d.successes;
    }
    if !uses(&|x| x == Policy::CountWindow) {
        p.window_calls = d.window_calls;
    }
    if !uses(&|x| x == Policy::TimeWindow) {
        p.window_secs = d.window_secs;
    }
    if !uses(&|x| x == Policy::Opossum) {
        p.volume = d.volume;
        p.rolling_ms = d.rolling_ms;
        p.buckets = d.buckets;
        p.warm_up = d.warm_up;
    }
    if !uses(&|x| x.is_rate() || x == Policy::Opossum) {
        p.failure_rate = d.failure_rate;
    }
    if !uses(&Policy::is_rate) {
        p.min_calls = d.min_calls;
        p.slow_rate = d.slow_rate;
        p.slow_ms = d.slow_ms;
        p.half_open = d.half_open;
    }
    match p.mode {
        Mode::Traffic => p.script = d.script.clone(),
        Mode::Manual => {
            p.health = d.health.clone();
            p.rate = d.rate;
            p.seed = d.seed;
            p.tick_ms = d.tick_ms;
        }
    }
}

#[test]
fn bad_urls_give_a_valid_state_and_a_reason() {
    let pairs = crate::params::pairs;
    let o = open(&pairs(
        "policy=bogus&fail_max=0&wait_ms=-4&health=down:20,nope:5,slow:x,healthy:900&step=99999",
    ));
    assert_eq!(o.run.params().policy, Policy::CountWindow);
    assert_eq!(o.run.params().wait_ms, 1);
    assert_eq!(
        o.run.params().health,
        vec![
            Phase {
                health: Health::Down,
                secs: 20
            },
            Phase {
                health: Health::Healthy,
                secs: 580
            },
        ]
    );
    assert_eq!(o.step, o.run.steps() - 1);
    let text = o.problems.join("\n");
    for part in [
        "policy=bogus",
        "fail_max=0",
        "wait_ms=-4",
        "nope:5",
        "slow:x",
        "cut to 580 s",
        "step=99999",
    ] {
        assert!(text.contains(part), "{part} not in {text}");
    }
    let o = open(&pairs(
        "mode=manual&script=ok,boom,wait99999999999s,fail&compare=count&policy=count",
    ));
    assert_eq!(
        o.run.params().script,
        vec![Action::call(Send::Ok), Action::call(Send::Fail)]
    );
    assert_eq!(o.run.params().compare, None);
    assert_eq!(o.problems.len(), 3, "{:?}", o.problems);
    let o = open(&pairs("health=,,&rate=100000"));
    assert_eq!(o.run.params().health, default_health());
    assert_eq!(o.run.params().rate, MAX_RATE);
}

/// A random link within the table's limits, biased to the largest loads:
/// up to 100 calls a second for up to 600 s, 100 ms steps, two policies,
/// scripts of up to 200 actions with waits of up to an hour.
fn heavy_link(rng: &mut Rng) -> Vec<(String, String)> {
    let words = ["consecutive", "count", "time", "cheat-sheet"];
    let word = |rng: &mut Rng| words[rng.below(4) as usize].to_string();
    let top = |rng: &mut Rng, max: u64| {
        if rng.below(2) == 0 {
            max
        } else {
            1 + rng.below(max)
        }
    };
    let mut pairs = vec![
        ("policy", word(rng)),
        ("compare", word(rng)),
        ("wait_ms", top(rng, u64::from(MAX_WAIT_MS)).to_string()),
        ("window_s", top(rng, u64::from(MAX_WINDOW_SECS)).to_string()),
        ("window", top(rng, u64::from(MAX_WINDOW_CALLS)).to_string()),
        (
            "timeout_ms",
            top(rng, u64::from(MAX_LATENCY_MS)).to_string(),
        ),
        (
            "latency_ms",
            top(rng, u64::from(MAX_LATENCY_MS)).to_string(),
        ),
    ];
    if rng.below(4) == 0 {
        let actions: Vec<String> = (0..top(rng, MAX_ACTIONS as u64))
            .map(|_| match rng.below(4) {
                0 => format!("wait{}s", top(rng, 3_600)),
                1 => "fail".to_string(),
                2 => "slow".to_string(),
                _ => "ok".to_string(),
            })
            .collect();
        pairs.push(("mode", "manual".to_string()));
        pairs.push(("script", actions.join(",")));
    } else {
        let kinds = ["healthy", "down", "slow", "recovering", "degraded50"];
        let phases: Vec<String> = (0..top(rng, MAX_PHASES as u64))
            .map(|_| format!("{}:{}", kinds[rng.below(5) as usize], top(rng, 120)))
            .collect();
        pairs.push(("health", phases.join(",")));
        pairs.push(("rate", top(rng, u64::from(MAX_RATE)).to_string()));
        pairs.push((
            "tick_ms",
            if rng.below(2) == 0 { "100" } else { "1000" }.into(),
        ));
        pairs.push(("seed", rng.below(1 << 32).to_string()));
    }
    crate::model::owned(pairs)
}

#[test]
fn calls_steps_and_memory_stay_within_what_the_limits_allow() {
    use std::mem::size_of;
    let mut rng = Rng::new(0x5EED);
    let mut most_calls = 0;
    for _ in 0..24 {
        let pairs = heavy_link(&mut rng);
        let run = open(&pairs).run;
        let p = run.params();
        let calls = run.calls().len();
        let steps = run.steps();
        match p.mode {
            Mode::Traffic => {
                let secs: u64 = p.health.iter().map(|h| u64::from(h.secs)).sum();
                // Poisson arrivals: twice the mean is out of reach.
                assert!(
                    calls as u64 <= 2 * u64::from(p.rate) * secs + 64,
                    "{pairs:?}"
                );
                let horizon = secs * 1000 + u64::from(MAX_LATENCY_MS);
                assert!(
                    steps as u64 <= horizon / u64::from(p.tick_ms) + 2,
                    "{pairs:?}"
                );
                assert!(steps <= 7_202);
            }
            Mode::Manual => {
                assert!(calls <= p.script.len() && p.script.len() <= MAX_ACTIONS);
                assert_eq!(steps, p.script.len() + 1);
            }
        }
        assert!(run.lanes().len() <= 2);
        for lane in run.lanes() {
            assert!(lane.records.len() <= calls, "{pairs:?}");
            assert!(lane.transitions.len() <= 2 * calls + 2, "{pairs:?}");
            assert_eq!(lane.snaps.len(), steps);
        }
        // Per call and per step, never more: a Vec may hold twice its
        // length while it grows.
        let seconds = run.offered().len();
        let per_call =
            size_of::<Call>() + 2 * (1 + size_of::<Record>() + (2 * size_of::<Transition>()));
        let per_step = size_of::<Moment>() + 2 * size_of::<Snap>();
        let bound = 2 * (per_call * (calls + 1) + per_step * steps + 12 * seconds) + 4_096;
        assert!(run.heap_bytes() <= bound, "{pairs:?}: {}", run.heap_bytes());
        most_calls = most_calls.max(calls);
    }
    assert!(most_calls > 50_000, "the largest loads were tried");
}

#[test]
fn the_number_fields_are_the_whole_number_rows_in_link_order() {
    let keys: Vec<&str> = crate::model::int_keys::<Run>().collect();
    assert_eq!(
        keys,
        [
            "fail_max",
            "successes",
            "wait_ms",
            "window",
            "window_s",
            "min_calls",
            "failure_rate",
            "slow_rate",
            "slow_ms",
            "half_open",
            "volume",
            "rolling_ms",
            "buckets",
            "rate",
            "seed",
            "tick_ms",
            "latency_ms",
            "slow_latency_ms",
            "timeout_ms",
        ]
    );
}
