//! Hand-worked call sequences for the opossum policy, one per rule of
//! `lib/circuit.js` and `lib/status.js`; `tests/it/breaker_opossum.rs`
//! replays generated ones against opossum itself.

use crate::breaker::{
    flag, parse_script, Mode, Params, Policy, Rule, Run, State, Tally, Transition,
};

/// opossum with small round settings: 50%, no volume threshold, a 1 s
/// reset timeout, a 10 s window of 10 buckets, a 5 s timeout, and calls
/// that take no time unless the script says so.
fn base() -> Params {
    Params {
        mode: Mode::Manual,
        policy: Policy::Opossum,
        compare: None,
        failure_rate: 50,
        volume: 0,
        wait_ms: 1_000,
        rolling_ms: 10_000,
        buckets: 10,
        timeout_ms: 5_000,
        latency_ms: 0,
        warm_up: false,
        exclude: false,
        ..Params::default()
    }
}

/// Runs `script` and returns, per action, `pass`/`reject`/`-` (a wait),
/// `!` when the caller got opossum's own error (a timeout), and the state
/// after it.
fn walk(p: Params, script: &str) -> (Run, Vec<String>) {
    let mut problems = Vec::new();
    let p = Params {
        script: parse_script(script, &mut problems),
        ..p
    };
    assert!(problems.is_empty(), "{problems:?}");
    let run = Run::new(&p);
    let lane = &run.lanes()[0];
    let mut out = Vec::new();
    let mut seen = 0;
    for (k, action) in p.script.iter().enumerate() {
        let step = k + 1;
        let what = match action {
            crate::breaker::Action::Wait(_) => "-".to_string(),
            crate::breaker::Action::Call(_) => {
                let f = lane.flags[seen];
                seen += 1;
                let mut w = if f & flag::PASSED != 0 {
                    "pass"
                } else {
                    "reject"
                }
                .to_string();
                if f & flag::BREAKER_ERROR != 0 {
                    w.push('!');
                }
                w
            }
        };
        out.push(format!("{what} {}", lane.snap(step).state.label()));
    }
    (run, out)
}

fn expect(got: &[String], want: &[&str]) {
    let got: Vec<&str> = got.iter().map(String::as_str).collect();
    assert_eq!(got, want);
}

/// The transitions as `(at, to)`.
fn moves(run: &Run) -> Vec<(u64, State)> {
    run.lanes()[0]
        .transitions
        .iter()
        .map(|t| (t.at, t.to))
        .collect()
}

fn tally(run: &Run, step: usize) -> Tally {
    run.lanes()[0].snap(step).tally
}

fn first(run: &Run) -> Transition {
    run.lanes()[0].transitions[0]
}

#[test]
fn the_error_percentage_must_be_strictly_over_the_threshold() {
    let (run, got) = walk(base(), "ok,fail,fail,ok");
    expect(
        &got,
        &[
            "pass closed",
            "pass closed", // 1 of 2 = 50%: not over 50%
            "pass open",   // 2 of 3 = 66.7%; the caller gets its own error
            "reject open",
        ],
    );
    assert_eq!(
        first(&run).rule,
        Rule::ErrorPercentage {
            failed: 2,
            fires: 3,
            threshold: 50
        }
    );
    // With no volume threshold, a first call that fails opens it (1 of 1).
    let (_, got) = walk(base(), "fail,ok");
    expect(&got, &["pass open", "reject open"]);
}

#[test]
fn the_percentage_is_computed_in_floating_point() {
    // 7 / 100 * 100 is 7.000000000000001 in binary floating point: over a
    // 7% threshold, though 7 of 100 is exactly 7% (compared in integers,
    // it would stay closed).
    let p = Params {
        failure_rate: 7,
        ..base()
    };
    let script = format!("{}{}", "ok,".repeat(93), ["fail"; 7].join(","));
    let (run, got) = walk(p, &script);
    assert_eq!(got.last().map(String::as_str), Some("pass open"));
    assert_eq!(got[98], "pass closed");
    assert_eq!(
        first(&run).rule,
        Rule::ErrorPercentage {
            failed: 7,
            fires: 100,
            threshold: 7
        }
    );
}

#[test]
fn the_volume_threshold_opens_on_the_nth_fire() {
    let p = Params {
        volume: 3,
        ..base()
    };
    let (_, got) = walk(p.clone(), "fail,fail,fail,ok");
    expect(
        &got,
        &["pass closed", "pass closed", "pass open", "reject open"],
    );
    let (_, got) = walk(Params { volume: 4, ..p }, "fail,fail,fail");
    assert!(got.iter().all(|g| g == "pass closed"), "{got:?}");
}

#[test]
fn rejected_fires_count_and_the_window_is_not_cleared_on_close() {
    let (run, got) = walk(base(), "fail,ok,ok,ok,wait1s,ok,fail,fail,fail,fail");
    expect(
        &got,
        &[
            "pass open", // 1 of 1
            "reject open",
            "reject open",
            "reject open",
            "- half-open", // the reset timer goes off at 1 s, when the wait ends
            "pass closed", // the trial, at exactly 1 s, succeeds
            "pass closed", // 2 of 6: the rejected fires dilute the rate
            "pass closed", // 3 of 7
            "pass closed", // 4 of 8: 50%
            "pass open",   // 5 of 9
        ],
    );
    // Closing kept the window: 5 fires (3 rejected) and 1 failure.
    assert_eq!(
        tally(&run, 6),
        Tally {
            total: 5,
            failed: 1,
            slow: 0
        }
    );
    assert_eq!(
        moves(&run),
        [
            (0, State::Open),
            (1_000, State::HalfOpen),
            (1_000, State::Closed),
            (1_000, State::Open)
        ]
    );
    let rules: Vec<Rule> = run.lanes()[0].transitions.iter().map(|t| t.rule).collect();
    assert_eq!(rules[1], Rule::ResetTimer { wait_ms: 1_000 });
    assert_eq!(rules[2], Rule::TrialsPassed { successes: 1 });
    assert_eq!(
        rules[3],
        Rule::ErrorPercentage {
            failed: 5,
            fires: 9,
            threshold: 50
        }
    );
}

#[test]
fn filtered_client_errors_are_successes_and_close_a_half_open_breaker() {
    let p = Params {
        exclude: true,
        ..base()
    };
    let (run, got) = walk(p.clone(), "client,client,fail,fail,fail,wait1s,client");
    expect(
        &got,
        &[
            "pass closed",
            "pass closed",
            "pass closed", // 1 of 3
            "pass closed", // 2 of 4
            "pass open",   // 3 of 5
            "- half-open",
            "pass closed", // the trial's filtered error closes it
        ],
    );
    let lane = &run.lanes()[0];
    assert!(!lane.records[5].failed);
    // Not filtered, a client error is a failure.
    let (_, got) = walk(
        Params {
            exclude: false,
            ..p
        },
        "client,ok",
    );
    expect(&got, &["pass open", "reject open"]);
}

#[test]
fn a_call_as_long_as_the_timeout_has_timed_out() {
    let p = Params {
        timeout_ms: 100,
        ..base()
    };
    let (run, got) = walk(p.clone(), "ok:99ms,ok:100ms,fail:101ms");
    expect(
        &got,
        &[
            "pass closed",
            "pass! closed", // ETIMEDOUT at exactly 100 ms: 1 of 2
            "pass! open",   // 2 of 3
        ],
    );
    let lane = &run.lanes()[0];
    let failed: Vec<bool> = lane.records.iter().map(|r| r.failed).collect();
    assert_eq!(failed, [false, true, true]);
    assert_eq!(lane.records[1].at, 199);
    // An error one millisecond before the timeout is the call's own.
    let (_, got) = walk(p, "fail:99ms");
    expect(&got, &["pass open"]);
}

#[test]
fn any_outcome_in_half_open_decides_whichever_call_it_comes_from() {
    // A success of a call sent before the breaker opened closes it.
    let (run, got) = walk(base(), "~ok:2s,fail,fail,wait3s");
    expect(
        &got,
        &["pass closed", "pass closed", "pass open", "- closed"],
    );
    assert_eq!(
        moves(&run),
        [
            (0, State::Open),
            (1_000, State::HalfOpen),
            (2_000, State::Closed)
        ]
    );
    // No trial started: the reset timer alone made it half-open.
    assert_eq!(
        run.lanes()[0].transitions[1].rule,
        Rule::ResetTimer { wait_ms: 1_000 }
    );
    // A failure of an earlier call opens it again and restarts the timer.
    let p = Params {
        failure_rate: 40,
        ..base()
    };
    let (run, got) = walk(p, "~fail:2s,fail,wait3s,ok,wait1ms,ok");
    expect(
        &got,
        &[
            "pass closed",
            "pass open",   // 1 of 2 = 50% > 40%
            "- half-open", // reopened at 2 s; the timer goes off at 3 s
            "pass closed",
            "- closed",
            "pass closed",
        ],
    );
    assert_eq!(
        moves(&run),
        [
            (0, State::Open),
            (1_000, State::HalfOpen),
            (2_000, State::Open),
            (3_000, State::HalfOpen),
            (3_000, State::Closed)
        ]
    );
    assert_eq!(run.lanes()[0].transitions[2].rule, Rule::TrialFailed);
}

#[test]
fn a_failure_while_open_does_not_restart_the_reset_timer() {
    let p = Params {
        failure_rate: 40,
        ..base()
    };
    let (run, got) = walk(p, "~fail:500ms,fail,wait999ms,ok,wait1ms,ok");
    expect(
        &got,
        &[
            "pass closed",
            "pass open",
            "- open",
            "reject open", // 999 ms: one before the timer
            "- half-open", // the wait ends on the timer, which goes off
            "pass closed", // exactly 1 s after opening: the trial
        ],
    );
    assert_eq!(run.lanes()[0].snap(3).open_until, Some(1_000));
    // The late failure was counted, in open.
    assert_eq!(run.lanes()[0].records[1].state, State::Open);
    assert!(run.lanes()[0].records[1].failed);
}

#[test]
fn one_trial_call_in_half_open() {
    let (run, got) = walk(base(), "fail,wait1s,~ok:500ms,ok,fail,wait500ms,ok");
    expect(
        &got,
        &[
            "pass open",
            "- half-open",
            "pass half-open", // the trial, in the background
            "reject half-open",
            "reject half-open",
            "- closed", // the trial succeeded at 1.5 s
            "pass closed",
        ],
    );
    let lane = &run.lanes()[0];
    assert_ne!(lane.flags[1] & flag::TRIAL, 0);
    assert_eq!(lane.snap(3).permits, 0);
    // Half-open at the end of the wait, its one trial still to come.
    assert_eq!(lane.snap(2).permits, 1);
    // Rejected fires are fires: the first, the trial, two rejected, the last.
    assert_eq!(tally(&run, 7).total, 5);
}

#[test]
fn the_window_turns_over_bucket_by_bucket() {
    // 10 buckets of 100 ms: at 999 ms the first bucket still counts.
    let p = Params {
        rolling_ms: 1_000,
        ..base()
    };
    let (_, got) = walk(p.clone(), "ok,wait999ms,fail");
    expect(&got, &["pass closed", "- closed", "pass closed"]);
    // At 1,000 ms it has gone: 1 of 1.
    let (run, got) = walk(p.clone(), "ok,wait1s,fail");
    expect(&got, &["pass closed", "- closed", "pass open"]);
    assert_eq!(
        first(&run).rule,
        Rule::ErrorPercentage {
            failed: 1,
            fires: 1,
            threshold: 50
        }
    );
    // A rolling window that does not divide evenly: 3 buckets of 333 ms
    // cover 999 ms.
    let p = Params {
        rolling_ms: 1_000,
        buckets: 3,
        ..base()
    };
    let (_, got) = walk(p.clone(), "ok,wait998ms,fail");
    expect(&got, &["pass closed", "- closed", "pass closed"]);
    let (_, got) = walk(p, "ok,wait999ms,fail");
    expect(&got, &["pass closed", "- closed", "pass open"]);
}

#[test]
fn an_outcome_at_a_bucket_edge_lands_after_the_turn_unless_its_call_outlived_a_bucket() {
    // 3 buckets of 100 ms; two successes in the first bucket.
    let p = Params {
        rolling_ms: 300,
        buckets: 3,
        ..base()
    };
    // A failure at 299 ms: the first bucket counts, 1 of 3.
    let (_, got) = walk(p.clone(), "ok,ok,wait199ms,~fail:100ms,wait100ms");
    assert_eq!(got.last().map(String::as_str), Some("- closed"));
    // A 100 ms call that fails at 300 ms lands after the turn: 1 of 1.
    let (run, got) = walk(p.clone(), "ok,ok,wait200ms,~fail:100ms,wait100ms");
    assert_eq!(got.last().map(String::as_str), Some("- open"));
    assert_eq!(moves(&run), [(300, State::Open)]);
    // A 300 ms call that fails at 300 ms lands before it: its timer was
    // set before the window last turned over. 1 of 3.
    let (run, got) = walk(p, "ok,ok,~fail:300ms,wait300ms");
    assert_eq!(got.last().map(String::as_str), Some("- closed"));
    // After the turn, its failure is in the window but its fire is not.
    assert_eq!(
        tally(&run, 4),
        Tally {
            total: 0,
            failed: 1,
            slow: 0
        }
    );
}

#[test]
fn the_warm_up_forbids_opening_for_one_rolling_window() {
    let p = Params {
        warm_up: true,
        rolling_ms: 1_000,
        ..base()
    };
    let (run, got) = walk(p, "fail,wait999ms,fail,wait1ms,fail");
    expect(
        &got,
        &[
            "pass closed",
            "- closed",
            "pass closed", // 999 ms: still warming up
            "- closed",
            "pass open", // 1 s: 2 of 2 (the first bucket has turned over)
        ],
    );
    assert_eq!(
        first(&run).rule,
        Rule::ErrorPercentage {
            failed: 2,
            fires: 2,
            threshold: 50
        }
    );
}

#[test]
fn the_breaker_reports_its_window_timer_and_trial() {
    let p = Params {
        volume: 5,
        ..base()
    };
    let (run, _) = walk(p, "fail,fail,fail,fail,fail,wait400ms,wait600ms");
    let lane = &run.lanes()[0];
    let snap = lane.snap(5);
    assert_eq!(snap.state, State::Open);
    assert_eq!(snap.minimum, 5);
    assert_eq!(snap.open_until, Some(1_000));
    assert_eq!(
        snap.tally,
        Tally {
            total: 5,
            failed: 5,
            slow: 0
        }
    );
    // At exactly 1 s the timer is due: a step whose clock reaches it shows
    // it gone off, as a fake clock moved to that instant has run it.
    assert_eq!(lane.snap(7).state, State::HalfOpen);
    let (run, _) = walk(
        Params {
            volume: 5,
            ..base()
        },
        "fail,fail,fail,fail,fail,wait1001ms",
    );
    let snap = run.lanes()[0].snap(6);
    assert_eq!(snap.state, State::HalfOpen);
    assert_eq!(snap.permits, 1);
    assert_eq!(snap.open_until, None);
    // Every transition explains itself.
    for t in &run.lanes()[0].transitions {
        assert!(!run.explain(0, t).is_empty());
    }
}

#[test]
fn the_captions_say_which_call_decided_half_open() {
    let (run, _) = walk(base(), "~ok:2s,fail,fail,wait3s,fail,wait1s,fail");
    let lane = &run.lanes()[0];
    let texts: Vec<String> = lane.transitions.iter().map(|t| run.explain(0, t)).collect();
    assert!(texts[1].contains("reset timer goes off"), "{texts:?}");
    assert!(
        texts[2].contains("an earlier call, not the trial, succeeded"),
        "{texts:?}"
    );
    assert!(texts[2].contains("not cleared"), "{texts:?}");
    assert!(texts[5].contains("the trial call failed"), "{texts:?}");
}
