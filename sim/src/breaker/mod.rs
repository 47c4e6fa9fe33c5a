//! The circuit breaker: a caller sends calls through a breaker to a
//! downstream service, on a virtual clock. Each policy follows the library
//! it is named after, boundary cases included (see the README's model
//! notes):
//!
//! - consecutive failures, as pybreaker: `fail_max` failures in a row open
//!   it, any success resets the count, the call that trips it raises the
//!   breaker's error, half-open starts at exactly `opened_at + reset_timeout`;
//! - count- and time-based sliding windows, as resilience4j: failure and
//!   slow-call rates checked after every outcome once the minimum number of
//!   calls is in, `>=` thresholds, half-open strictly after the wait, a fixed
//!   number of trial permits, a fresh window on closing;
//! - the cheat sheet's class, which never forgets a failure while closed.
//!
//! A call asks for permission when it starts and its outcome is recorded
//! when it ends, so calls in flight overlap as they do in a service, except
//! under pybreaker: it holds the breaker's lock while the call runs, so
//! calls wait for it in arrival order and ask the breaker when they get it
//! (a slow call delays every caller; calls queued behind a half-open trial
//! run after it decides). An opossum breaker also moves on its own timers.

mod engine;
mod opossum;
mod traffic;

pub use engine::{
    pct, Breaker, Config, Count, Permit, Raised, Record, Rule, State, Tally, Transition,
};
pub use traffic::{
    generate, health_text, parse_health, parse_script, phase_at, script_text, scripted, Action,
    Call, Health, Phase, Result, Send, Shot, Timing, MAX_ACTIONS, MAX_CALL_MS, MAX_PHASES,
    MAX_SECONDS,
};

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::model::{Choices, Kind, Model, Param};
use super::thousands;
use crate::{choice, int};

fn show(raw: &str) -> String {
    super::params::show(raw)
}

/// Seconds for people: `12 s`, `12.5 s`, `0.25 s`.
pub fn secs(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{} s", thousands(ms / 1000))
    } else if ms.is_multiple_of(100) {
        format!("{}.{} s", thousands(ms / 1000), (ms % 1000) / 100)
    } else if ms.is_multiple_of(10) {
        format!("{}.{:02} s", thousands(ms / 1000), (ms % 1000) / 10)
    } else {
        format!("{}.{:03} s", thousands(ms / 1000), ms % 1000)
    }
}

/// How the breaker decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Consecutive failures, as Python's pybreaker.
    Consecutive,
    /// Failure and slow-call rates over the last N calls, as resilience4j's
    /// `COUNT_BASED` window.
    CountWindow,
    /// The same over the last N epoch seconds, as resilience4j's
    /// `TIME_BASED` window.
    TimeWindow,
    /// The cheat sheet's class: a failure count never reset on success
    /// while closed.
    Naive,
    /// An error percentage over a rolling window of time buckets, as
    /// Node's opossum.
    Opossum,
}

impl Policy {
    /// Every policy, in the order the view lists them.
    pub const ALL: [Policy; 5] = [
        Policy::Consecutive,
        Policy::CountWindow,
        Policy::TimeWindow,
        Policy::Opossum,
        Policy::Naive,
    ];

    /// The word the URL uses.
    pub fn slug(self) -> &'static str {
        match self {
            Policy::Consecutive => "consecutive",
            Policy::CountWindow => "count",
            Policy::TimeWindow => "time",
            Policy::Naive => "cheat-sheet",
            Policy::Opossum => "opossum",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Policy::Consecutive => "Consecutive failures (pybreaker)",
            Policy::CountWindow => "Count window (resilience4j)",
            Policy::TimeWindow => "Time window (resilience4j)",
            Policy::Naive => "The cheat sheet\u{2019}s (never resets)",
            Policy::Opossum => "Error percentage (opossum)",
        }
    }

    /// A short name for people.
    pub fn short(self) -> &'static str {
        match self {
            Policy::Consecutive => "pybreaker",
            Policy::CountWindow => "count window",
            Policy::TimeWindow => "time window",
            Policy::Naive => "cheat sheet",
            Policy::Opossum => "opossum",
        }
    }

    /// Whether it trips on rates over a window.
    pub fn is_rate(self) -> bool {
        matches!(self, Policy::CountWindow | Policy::TimeWindow)
    }
}

/// Traffic from a generator, or calls sent one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Seeded calls against the health timeline.
    Traffic,
    /// A script of single calls and clock advances.
    Manual,
}

/// Largest settings.
pub const MAX_FAIL: u32 = 1_000;
/// Largest trial-success count.
pub const MAX_SUCCESSES: u32 = 100;
/// Longest wait in open, ms (ten minutes).
pub const MAX_WAIT_MS: u32 = 600_000;
/// Largest count window.
pub const MAX_WINDOW_CALLS: u32 = 1_000;
/// Largest time window, seconds.
pub const MAX_WINDOW_SECS: u32 = 600;
/// Largest minimum number of calls.
pub const MAX_MIN_CALLS: u32 = 1_000;
/// Longest slow-call threshold, ms.
pub const MAX_SLOW_MS: u32 = 120_000;
/// Most permitted calls in half-open.
pub const MAX_HALF_OPEN: u32 = 100;
/// Highest call rate, per second.
pub const MAX_RATE: u32 = 100;
/// Longest latency and timeout, ms.
pub const MAX_LATENCY_MS: u32 = 120_000;
/// Largest opossum `volumeThreshold`.
pub const MAX_VOLUME: u32 = 1_000;
/// Shortest and longest opossum `rollingCountTimeout`, ms.
pub const ROLLING_RANGE: (u32, u32) = (100, 600_000);
/// Most opossum `rollingCountBuckets`.
pub const MAX_BUCKETS: u32 = 100;
/// Shortest and longest step of traffic mode, ms.
pub const TICK_RANGE: (u32, u32) = (100, 10_000);

/// Everything a run depends on; what the permalink carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Traffic or manual calls.
    pub mode: Mode,
    /// The breaker's policy.
    pub policy: Policy,
    /// A second policy run on the same calls, shown beside it.
    pub compare: Option<Policy>,
    /// Failures that open a pybreaker or cheat-sheet breaker.
    pub fail_max: u32,
    /// Trial successes that close a pybreaker breaker.
    pub successes: u32,
    /// Time in open before a trial, ms.
    pub wait_ms: u32,
    /// Calls in the count window.
    pub window_calls: u32,
    /// Seconds in the time window.
    pub window_secs: u32,
    /// Calls before a rate counts.
    pub min_calls: u32,
    /// Failure-rate threshold, percent.
    pub failure_rate: u32,
    /// Slow-call-rate threshold, percent.
    pub slow_rate: u32,
    /// Calls longer than this are slow, ms.
    pub slow_ms: u32,
    /// Calls permitted in half-open.
    pub half_open: u32,
    /// The downstream's health over time (traffic mode).
    pub health: Vec<Phase>,
    /// Calls per second (traffic mode).
    pub rate: u32,
    /// The traffic's seed.
    pub seed: u32,
    /// Virtual time per step in traffic mode, ms.
    pub tick_ms: u32,
    /// The manual script.
    pub script: Vec<Action>,
    /// The downstream's usual latency, ms.
    pub latency_ms: u32,
    /// Its latency when slow, ms.
    pub slow_latency_ms: u32,
    /// The caller's timeout, ms (opossum's `timeout`).
    pub timeout_ms: u32,
    /// Client errors are excluded from the failures (each library its way).
    pub exclude: bool,
    /// opossum's `volumeThreshold`.
    pub volume: u32,
    /// opossum's `rollingCountTimeout`, ms.
    pub rolling_ms: u32,
    /// opossum's `rollingCountBuckets`.
    pub buckets: u32,
    /// opossum's `allowWarmUp`.
    pub warm_up: bool,
}

fn default_health() -> Vec<Phase> {
    vec![
        Phase {
            health: Health::Healthy,
            secs: 20,
        },
        Phase {
            health: Health::Down,
            secs: 30,
        },
        Phase {
            health: Health::Recovering,
            secs: 20,
        },
        Phase {
            health: Health::Healthy,
            secs: 30,
        },
    ]
}

fn default_script() -> Vec<Action> {
    let mut s = Vec::new();
    for _ in 0..5 {
        s.extend([Action::call(Send::Fail), Action::call(Send::Ok)]);
    }
    s.extend([Action::Wait(10_000), Action::call(Send::Ok)]);
    s
}

impl Default for Params {
    fn default() -> Self {
        Params {
            mode: Mode::Traffic,
            policy: Policy::CountWindow,
            compare: None,
            fail_max: 5,
            successes: 1,
            wait_ms: 10_000,
            window_calls: 20,
            window_secs: 10,
            min_calls: 10,
            failure_rate: 50,
            slow_rate: 100,
            slow_ms: 2_000,
            half_open: 3,
            health: default_health(),
            rate: 20,
            seed: 1,
            tick_ms: 1_000,
            script: default_script(),
            latency_ms: 50,
            slow_latency_ms: 3_000,
            timeout_ms: 5_000,
            exclude: false,
            volume: 0,
            rolling_ms: 10_000,
            buckets: 10,
            warm_up: false,
        }
    }
}

impl Params {
    /// The settings of a breaker with `policy`.
    pub fn config(&self, policy: Policy) -> Config {
        Config {
            policy,
            fail_max: self.fail_max,
            wait_ms: u64::from(self.wait_ms),
            successes: self.successes,
            window_calls: self.window_calls,
            window_secs: self.window_secs,
            min_calls: self.min_calls,
            failure_rate: self.failure_rate,
            slow_rate: self.slow_rate,
            slow_ms: u64::from(self.slow_ms),
            half_open: self.half_open,
            exclude: self.exclude,
            timeout_ms: u64::from(self.timeout_ms),
            volume: self.volume,
            rolling_ms: u64::from(self.rolling_ms),
            buckets: self.buckets,
            warm_up: self.warm_up,
        }
    }

    /// The latency settings.
    pub fn timing(&self) -> Timing {
        Timing {
            latency_ms: self.latency_ms.into(),
            slow_latency_ms: self.slow_latency_ms.into(),
            timeout_ms: self.timeout_ms.into(),
        }
    }

    /// The policies run: the main one, then the compared one.
    pub fn policies(&self) -> Vec<Policy> {
        let mut v = vec![self.policy];
        v.extend(self.compare);
        v
    }

    fn uses(&self, f: impl Fn(Policy) -> bool) -> bool {
        self.policies().into_iter().any(f)
    }
}

impl Choices for Mode {
    const ALL: &'static [Mode] = &[Mode::Traffic, Mode::Manual];
    fn word(self) -> &'static str {
        match self {
            Mode::Traffic => "traffic",
            Mode::Manual => "manual",
        }
    }
}

impl Choices for Policy {
    const ALL: &'static [Policy] = &Policy::ALL;
    fn word(self) -> &'static str {
        self.slug()
    }
}

impl Choices for Option<Policy> {
    const ALL: &'static [Option<Policy>] = &[
        None,
        Some(Policy::ALL[0]),
        Some(Policy::ALL[1]),
        Some(Policy::ALL[2]),
        Some(Policy::ALL[3]),
        Some(Policy::ALL[4]),
    ];
    fn word(self) -> &'static str {
        self.map_or("none", Policy::slug)
    }
}

fn counting(p: &Params) -> bool {
    p.uses(|x| matches!(x, Policy::Consecutive | Policy::Naive))
}

fn rate_based(p: &Params) -> bool {
    p.uses(Policy::is_rate)
}

fn opossum(p: &Params) -> bool {
    p.uses(|x| x == Policy::Opossum)
}

/// Whether the calls can end in a client error (the setting that excludes
/// them matters).
fn client_errors(p: &Params) -> bool {
    match p.mode {
        Mode::Traffic => p
            .health
            .iter()
            .any(|h| matches!(h.health, Health::Client(_))),
        Mode::Manual => p.script.iter().any(|a| a.send() == Some(Send::Client)),
    }
}

fn traffic(p: &Params) -> bool {
    p.mode == Mode::Traffic
}

/// A comparison with the policy itself compares nothing: it is dropped.
fn distinct_compare(p: &mut Params) -> Option<String> {
    if p.compare == Some(p.policy) {
        p.compare = None;
        return Some(format!(
            "compare={} (the same as the policy; nothing to compare)",
            p.policy.slug()
        ));
    }
    None
}

/// The health timeline from its link text; with no valid phase, the
/// default timeline.
fn set_health(p: &mut Params, raw: &str, problems: &mut Vec<String>) {
    let phases = parse_health(raw, problems);
    if phases.is_empty() {
        problems.push("health: no valid phase (using the default timeline)".into());
        p.health = default_health();
    } else {
        p.health = phases;
    }
}

/// The parameters a link carries, in the order it writes them: the mode,
/// the policies and the settings they use, then the calls.
const TABLE: &[Param<Params>] = &[
    choice!("mode", "Calls", Mode, mode),
    choice!("policy", "Policy", Policy, policy),
    choice!("compare", "Compare with", Option<Policy>, compare)
        .when(|p| p.compare.is_some())
        .fix(distinct_compare),
    int!("fail_max", "fail_max", "failures", 1, MAX_FAIL, fail_max).when(counting),
    int!(
        "successes",
        "Trial successes to close",
        "",
        1,
        MAX_SUCCESSES,
        successes
    )
    .when(|p| p.uses(|x| x == Policy::Consecutive)),
    int!("wait_ms", "Wait in open", "ms", 1, MAX_WAIT_MS, wait_ms),
    int!(
        "window",
        "Window",
        "calls",
        1,
        MAX_WINDOW_CALLS,
        window_calls
    )
    .when(|p| p.uses(|x| x == Policy::CountWindow)),
    int!(
        "window_s",
        "Window",
        "seconds",
        1,
        MAX_WINDOW_SECS,
        window_secs
    )
    .when(|p| p.uses(|x| x == Policy::TimeWindow)),
    int!(
        "min_calls",
        "Minimum calls",
        "",
        1,
        MAX_MIN_CALLS,
        min_calls
    )
    .when(rate_based),
    int!("failure_rate", "Failure rate", "%", 1, 100, failure_rate)
        .when(|p| rate_based(p) || opossum(p)),
    int!("slow_rate", "Slow-call rate", "%", 1, 100, slow_rate).when(rate_based),
    int!("slow_ms", "Slow above", "ms", 1, MAX_SLOW_MS, slow_ms).when(rate_based),
    int!(
        "half_open",
        "Half-open permits",
        "",
        1,
        MAX_HALF_OPEN,
        half_open
    )
    .when(rate_based),
    int!("volume", "Volume threshold", "fires", 0, MAX_VOLUME, volume).when(opossum),
    int!(
        "rolling_ms",
        "Rolling window",
        "ms",
        ROLLING_RANGE.0,
        ROLLING_RANGE.1,
        rolling_ms
    )
    .when(opossum),
    int!("buckets", "Buckets", "", 1, MAX_BUCKETS, buckets).when(opossum),
    choice!("warm_up", "Warm-up", bool, warm_up).when(|p| opossum(p) && p.warm_up),
    choice!("exclude", "Exclude client errors", bool, exclude)
        .when(|p| client_errors(p) || p.exclude),
    Param::new(
        "health",
        "Downstream health",
        Kind::Text {
            get: |p: &Params| health_text(&p.health),
            set: set_health,
        },
    )
    .when(traffic),
    int!("rate", "Calls per second", "", 1, MAX_RATE, rate).when(traffic),
    int!("seed", "Seed", "", 0, u32::MAX, seed).when(traffic),
    int!(
        "tick_ms",
        "Time per step",
        "ms",
        TICK_RANGE.0,
        TICK_RANGE.1,
        tick_ms
    )
    .when(traffic),
    Param::new(
        "script",
        "Calls sent",
        Kind::Text {
            get: |p: &Params| script_text(&p.script),
            set: |p: &mut Params, raw, problems| p.script = parse_script(raw, problems),
        },
    )
    .when(|p| p.mode == Mode::Manual),
    int!("latency_ms", "Latency", "ms", 0, MAX_LATENCY_MS, latency_ms),
    int!(
        "slow_latency_ms",
        "Slow latency",
        "ms",
        0,
        MAX_LATENCY_MS,
        slow_latency_ms
    ),
    int!("timeout_ms", "Timeout", "ms", 1, MAX_LATENCY_MS, timeout_ms),
];

impl Model for Run {
    type Params = Params;
    const NAME: &'static str = "circuit-breaker";
    const TABLE: &'static [Param<Params>] = TABLE;

    fn run(params: &Params) -> Run {
        Run::new(params)
    }

    fn params(&self) -> &Params {
        &self.params
    }
}

/// The figures of one breaker at one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snap {
    /// The state.
    pub state: State,
    /// Its failure count (pybreaker: consecutive; cheat sheet: since closed).
    pub failures: u32,
    /// Trial successes in half-open (pybreaker).
    pub trial_successes: u32,
    /// The window the rates are computed over (resilience4j).
    pub tally: Tally,
    /// Calls needed before the rates count, in this state.
    pub minimum: u32,
    /// `records[window_from..records]` is the window.
    pub window_from: u32,
    /// Outcomes recorded so far.
    pub records: u32,
    /// Calls that reached the downstream so far.
    pub passed: u32,
    /// Calls rejected so far.
    pub rejected: u32,
    /// Recorded failures so far.
    pub failed: u32,
    /// Recorded slow calls so far.
    pub slow: u32,
    /// Changes of state so far.
    pub transitions: u32,
    /// Open until (exclusive for resilience4j and the cheat sheet), if open.
    pub open_until: Option<u64>,
    /// Half-open permits left (resilience4j).
    pub permits: u32,
    /// Calls in flight.
    pub in_flight: u32,
    /// Calls waiting for the breaker's lock (pybreaker).
    pub waiting: u32,
}

/// Per-call flags of one breaker.
pub mod flag {
    /// The call reached the downstream.
    pub const PASSED: u8 = 1;
    /// The caller got the breaker's error instead of the call's own.
    pub const BREAKER_ERROR: u8 = 2;
    /// The outcome counted as slow.
    pub const SLOW: u8 = 4;
    /// The call started while the breaker was half-open (a trial).
    pub const TRIAL: u8 = 8;
    /// The call waited for the breaker's lock (pybreaker).
    pub const WAITED: u8 = 16;
    /// A client error the breaker did not count as a failure.
    pub const NOT_COUNTED: u8 = 32;
}

/// One breaker's run over the calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    /// Its settings.
    pub config: Config,
    /// [`flag`] bits per call.
    pub flags: Vec<u8>,
    /// Outcomes in the order recorded.
    pub records: Vec<Record>,
    /// Changes of state.
    pub transitions: Vec<Transition>,
    /// Figures per step.
    pub snaps: Vec<Snap>,
    /// When each call got the breaker's lock and asked it (pybreaker
    /// only, `u64::MAX` for a call still waiting when the run ends; empty
    /// for the others, whose calls ask when they start).
    pub begin: Vec<u64>,
    /// Calls that reached the downstream, per second.
    pub reached: Vec<u32>,
    /// Downstream recoveries: when it became healthy again while the
    /// breaker was not closed, and when the breaker closed after that.
    pub recoveries: Vec<(u64, Option<u64>)>,
}

impl Lane {
    /// When call `i` asked the breaker: when it got the lock (pybreaker;
    /// `u64::MAX` if it never did), else when it started.
    pub fn asked(&self, i: usize, call: &Call) -> u64 {
        self.begin.get(i).copied().unwrap_or(call.start)
    }

    /// When call `i`'s outcome arrives if it passed.
    pub fn ends(&self, i: usize, call: &Call) -> u64 {
        self.asked(i, call).saturating_add(call.duration)
    }

    /// The figures at `step` (the last step past the end).
    pub fn snap(&self, step: usize) -> &Snap {
        &self.snaps[step.min(self.snaps.len() - 1)]
    }

    /// The state in effect just before `t`.
    pub fn state_before(&self, t: u64) -> State {
        let i = self.transitions.partition_point(|x| x.at < t);
        i.checked_sub(1)
            .map(|i| self.transitions[i].to)
            .unwrap_or(State::Closed)
    }
}

/// Bits of a packed key that hold the call's number: runs have at most a
/// few hundred thousand calls (200 a second for 600 s).
const CALL_BITS: u32 = 24;

/// A call in flight as one word ordered as `(end, call)`: the end (ms, at
/// most a few days) above the call's number.
fn pack(end: u64, call: u32) -> u64 {
    (end << CALL_BITS) | u64::from(call)
}

/// The end and call number of a packed key.
fn unpack(key: u64) -> (u64, u32) {
    (key >> CALL_BITS, (key & ((1 << CALL_BITS) - 1)) as u32)
}

/// Feeds calls to one breaker in time order: completions before starts at
/// the same instant. With pybreaker the call runs inside the breaker's lock,
/// so a call that arrives while another holds it waits, in arrival order,
/// and asks the breaker only when it gets the lock.
struct Sim<'a> {
    calls: &'a [Call],
    breaker: Breaker,
    next: usize,
    /// Calls in flight, by when they end then by number, each packed into
    /// one word ([`pack`]): half the size of a pair, which matters with
    /// 24,000 calls in flight.
    pending: BinaryHeap<Reverse<u64>>,
    flags: Vec<u8>,
    passed: u32,
    rejected: u32,
    failed: u32,
    slow: u32,
    reached: Vec<u32>,
    /// Whether calls wait for the breaker's lock (pybreaker).
    serial: bool,
    /// A call holds the lock.
    locked: bool,
    /// Calls waiting for the lock, oldest first.
    queue: VecDeque<u32>,
    /// When each call got the lock (serial breakers only; `u64::MAX` while
    /// it waits).
    begin: Vec<u64>,
}

impl<'a> Sim<'a> {
    fn new(calls: &'a [Call], cfg: Config, seconds: usize) -> Sim<'a> {
        let serial = cfg.policy == Policy::Consecutive;
        Sim {
            calls,
            breaker: Breaker::new(cfg),
            next: 0,
            pending: BinaryHeap::new(),
            flags: vec![0; calls.len()],
            passed: 0,
            rejected: 0,
            failed: 0,
            slow: 0,
            reached: vec![0; seconds],
            serial,
            locked: false,
            queue: VecDeque::new(),
            begin: if serial {
                vec![u64::MAX; calls.len()]
            } else {
                Vec::new()
            },
        }
    }

    /// Runs every event at or before `until` among calls below `limit`,
    /// then the breaker's timers due by then.
    fn advance(&mut self, until: u64, limit: usize) {
        loop {
            let start = (self.next < limit.min(self.calls.len()))
                .then(|| self.calls[self.next].start)
                .filter(|&s| s <= until);
            let end = self
                .pending
                .peek()
                .map(|Reverse(key)| unpack(*key).0)
                .filter(|&e| e <= until);
            match (end, start) {
                (Some(e), s) if s.is_none_or(|s| e <= s) => {
                    let Some((at, i)) = self.pending.pop().map(|Reverse(key)| unpack(key)) else {
                        break;
                    };
                    self.complete(at, i as usize);
                    if self.serial {
                        self.locked = false;
                        while !self.locked {
                            let Some(w) = self.queue.pop_front() else {
                                break;
                            };
                            self.begin(at, w as usize);
                        }
                    }
                }
                (_, Some(s)) => {
                    let i = self.next;
                    self.next += 1;
                    if self.serial && (self.locked || !self.queue.is_empty()) {
                        self.flags[i] |= flag::WAITED;
                        self.queue.push_back(i as u32);
                    } else {
                        self.begin(s, i);
                    }
                }
                _ => break,
            }
        }
        self.breaker.tick(until, true);
    }

    /// Call `i` asks the breaker at `now` (when it starts, or when it gets
    /// the lock).
    fn begin(&mut self, now: u64, i: usize) {
        let before = self.breaker.transitions.len();
        let was = self.breaker.state();
        let permit = self.breaker.acquire(now, i as u32);
        let trial = self.breaker.state() == State::HalfOpen
            && (was == State::HalfOpen || self.breaker.transitions.len() > before);
        if trial {
            self.flags[i] |= flag::TRIAL;
        }
        if self.serial {
            self.begin[i] = now;
        }
        match permit {
            Permit::Pass => {
                self.flags[i] |= flag::PASSED;
                self.passed += 1;
                if let Some(n) = self.reached.get_mut((now / 1000) as usize) {
                    *n += 1;
                }
                self.locked = self.serial;
                self.pending
                    .push(Reverse(pack(now + self.calls[i].duration, i as u32)));
            }
            Permit::Reject => self.rejected += 1,
        }
    }

    /// Call `i`'s outcome arrives at `at`.
    fn complete(&mut self, at: u64, i: usize) {
        let call = self.calls[i];
        let raised = self
            .breaker
            .record(at, i as u32, call.result, call.duration);
        let rec = self.breaker.records.last().filter(|r| r.call == i as u32);
        if rec.is_some_and(|r| r.slow) {
            self.flags[i] |= flag::SLOW;
            self.slow += 1;
        }
        if rec.is_some_and(|r| r.failed) {
            self.failed += 1;
        }
        if call.result == Result::Client && !rec.is_some_and(|r| r.failed) {
            self.flags[i] |= flag::NOT_COUNTED;
        }
        if raised == Raised::BreakerError {
            self.flags[i] |= flag::BREAKER_ERROR;
        }
    }

    fn snap(&mut self, now: u64) -> Snap {
        let b = &mut self.breaker;
        let tally = b.tally(now);
        let window_from = b.window_from(now) as u32;
        Snap {
            state: b.state(),
            failures: b.failures(),
            trial_successes: b.trial_successes(),
            tally,
            minimum: b.minimum(),
            window_from,
            records: b.records.len() as u32,
            passed: self.passed,
            rejected: self.rejected,
            failed: self.failed,
            slow: self.slow,
            transitions: b.transitions.len() as u32,
            open_until: b.open_until(),
            permits: b.permits(),
            in_flight: self.pending.len() as u32,
            waiting: self.queue.len() as u32,
        }
    }
}

/// What a step shows: a moment of virtual time and the calls started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    /// The clock, ms.
    pub at: u64,
    /// Calls started by then.
    pub started: u32,
}

/// One run: the calls, each breaker's decisions, and per-step figures.
/// Traffic mode: step k shows the clock at k ticks, after every event
/// before it. Manual mode: step k is just after the k-th action.
#[derive(Debug, Clone)]
pub struct Run {
    params: Params,
    calls: Vec<Call>,
    moments: Vec<Moment>,
    lanes: Vec<Lane>,
    /// Calls made per second (what the downstream gets with no breaker).
    offered: Vec<u32>,
}

impl Run {
    /// Runs the model.
    pub fn new(params: &Params) -> Run {
        Run::unclamped(super::model::clamp::<Run>(params))
    }

    /// Runs the model on parameters as given, past the page's limits (the
    /// benchmark's 200 calls a second); every value must be in its type's
    /// sense valid (rates and windows at least 1).
    pub fn unclamped(params: Params) -> Run {
        let timing = params.timing();
        let (calls, clocks) = match params.mode {
            Mode::Traffic => (
                generate(&params.health, params.rate, timing, params.seed),
                Vec::new(),
            ),
            Mode::Manual => scripted(&params.script, timing),
        };
        let last_end = calls.iter().map(Call::end).max().unwrap_or(0);
        let horizon = match params.mode {
            Mode::Traffic => {
                let timeline: u64 = params.health.iter().map(|p| u64::from(p.secs) * 1000).sum();
                timeline.max(last_end)
            }
            Mode::Manual => clocks.last().copied().unwrap_or(0),
        };
        let seconds = (horizon / 1000 + 1) as usize;
        let mut offered = vec![0u32; seconds];
        for c in &calls {
            if let Some(n) = offered.get_mut((c.start / 1000) as usize) {
                *n += 1;
            }
        }
        // The step boundaries: (events at or before `until`, calls below `limit`).
        let mut bounds: Vec<(u64, u64, usize)> = vec![(0, 0, 0)];
        match params.mode {
            Mode::Traffic => {
                let tick = u64::from(params.tick_ms);
                let ticks = horizon / tick + 1;
                for k in 1..=ticks {
                    bounds.push((k * tick, k * tick - 1, calls.len()));
                }
            }
            Mode::Manual => {
                let mut c = 0;
                for (k, &clock) in clocks.iter().enumerate() {
                    while c < calls.len() && calls[c].source as usize <= k {
                        c += 1;
                    }
                    bounds.push((clock, clock, c));
                }
            }
        }
        let mut moments = Vec::with_capacity(bounds.len());
        let mut lanes = Vec::new();
        for (n, policy) in params.policies().into_iter().enumerate() {
            let mut sim = Sim::new(&calls, params.config(policy), seconds);
            let mut snaps = Vec::with_capacity(bounds.len());
            for (k, &(at, until, limit)) in bounds.iter().enumerate() {
                if k > 0 {
                    sim.advance(until, limit);
                }
                snaps.push(sim.snap(at));
                if n == 0 {
                    moments.push(Moment {
                        at,
                        started: sim.next as u32,
                    });
                }
            }
            let transitions = std::mem::take(&mut sim.breaker.transitions);
            let recoveries = recoveries(&params, &transitions);
            lanes.push(Lane {
                config: *sim.breaker.config(),
                flags: sim.flags,
                begin: sim.begin,
                records: std::mem::take(&mut sim.breaker.records),
                transitions,
                snaps,
                reached: sim.reached,
                recoveries,
            });
        }
        Run {
            params,
            calls,
            moments,
            lanes,
            offered,
        }
    }

    /// The parameters (clamped).
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Every call, in start order.
    pub fn calls(&self) -> &[Call] {
        &self.calls
    }

    /// The clock and calls started at each step.
    pub fn moment(&self, step: usize) -> Moment {
        self.moments[step.min(self.moments.len() - 1)]
    }

    /// The breakers: the main policy first, then the compared one.
    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    /// Calls made per second.
    pub fn offered(&self) -> &[u32] {
        &self.offered
    }

    /// Heap memory held, in bytes.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.calls.capacity() * size_of::<Call>()
            + self.moments.capacity() * size_of::<Moment>()
            + self.offered.capacity() * 4
            + self
                .lanes
                .iter()
                .map(|l| {
                    l.flags.capacity()
                        + l.begin.capacity() * 8
                        + l.records.capacity() * size_of::<Record>()
                        + l.transitions.capacity() * size_of::<Transition>()
                        + l.snaps.capacity() * size_of::<Snap>()
                        + l.reached.capacity() * 4
                })
                .sum::<usize>()
    }

    /// The transitions of `lane` in step `step` (between step - 1 and step).
    pub fn transitions_at(&self, lane: usize, step: usize) -> &[Transition] {
        let Some(l) = self.lanes.get(lane) else {
            return &[];
        };
        let step = step.min(l.snaps.len() - 1);
        let to = l.snaps[step].transitions as usize;
        let from = if step == 0 {
            to
        } else {
            l.snaps[step - 1].transitions as usize
        };
        &l.transitions[from..to]
    }

    /// Calls made while the downstream was not healthy, and how many of
    /// them the breaker of `lane` let reach it.
    pub fn unhealthy_load(&self, lane: usize) -> (u32, u32) {
        let Some(l) = self.lanes.get(lane) else {
            return (0, 0);
        };
        if self.params.mode != Mode::Traffic {
            return (0, 0);
        }
        let mut made = 0;
        let mut reached = 0;
        for (c, f) in self.calls.iter().zip(&l.flags) {
            if !self.params.health[c.source as usize].health.is_healthy() {
                made += 1;
                if f & flag::PASSED != 0 {
                    reached += 1;
                }
            }
        }
        (made, reached)
    }

    /// The latest recovery of the downstream by `now` for `lane`: when it
    /// became healthy, and when the breaker closed after it (if by `now`).
    pub fn recovery_at(&self, lane: usize, now: u64) -> Option<(u64, Option<u64>)> {
        let l = self.lanes.get(lane)?;
        l.recoveries
            .iter()
            .rev()
            .find(|(healthy, _)| *healthy <= now)
            .map(|&(h, c)| (h, c.filter(|&c| c <= now)))
    }

    /// The manual action of step `step`, if any.
    pub fn action_at(&self, step: usize) -> Option<Action> {
        if self.params.mode != Mode::Manual || step == 0 {
            return None;
        }
        self.params.script.get(step - 1).copied()
    }

    fn intro(&self) -> String {
        let p = &self.params;
        let who = match p.compare {
            Some(c) => format!(
                "two breakers, {} and {}, each on the same calls",
                p.policy.label(),
                c.label()
            ),
            None => format!("a breaker, {}", p.policy.label()),
        };
        match p.mode {
            Mode::Traffic => {
                let secs_total: u32 = p.health.iter().map(|h| h.secs).sum();
                let plan = p
                    .health
                    .iter()
                    .map(|h| format!("{} for {} s", h.health.label(), h.secs))
                    .collect::<Vec<_>>()
                    .join(", then ");
                format!(
                    "Nothing has run yet. About {} calls per second go through {who} for {} s; the downstream is {plan}.",
                    p.rate, secs_total
                )
            }
            Mode::Manual => format!(
                "Nothing has run yet. {} actions go through {who}: each call takes {} ({} when slow) unless it names its own duration, the next action starts when it ends unless it was sent in the background, and waits move the clock.",
                p.script.len(),
                secs(p.latency_ms.into()),
                secs(p.slow_latency_ms.into())
            ),
        }
    }

    /// What one transition means, in a sentence.
    pub fn explain(&self, lane: usize, t: &Transition) -> String {
        let Some(l) = self.lanes.get(lane) else {
            return String::new();
        };
        let c = &l.config;
        let wait = secs(c.wait_ms);
        let at = secs(t.at);
        match t.rule {
            Rule::Streak { failures, fail_max } => format!(
                "At {at}, {failures} consecutive failures reached fail_max = {fail_max}: the breaker opens and rejects calls for {wait}. That call raises CircuitBreakerError, not its own error (pybreaker\u{2019}s default)."
            ),
            Rule::Lifetime { failures, fail_max } => format!(
                "At {at}, failure number {failures} since the breaker last closed reached the threshold of {fail_max}, successes in between notwithstanding: the cheat sheet\u{2019}s breaker never resets its count while closed, so it opens for more than {wait} after the last failure."
            ),
            Rule::FailureRate {
                failed,
                total,
                threshold,
            } => format!(
                "At {at}, {failed} of the {total} calls in the window failed: {}% \u{2265} {threshold}% (with at least {} calls): the breaker opens and rejects calls for {wait}.",
                pct(failed, total),
                c.min_calls.min(if c.policy == Policy::CountWindow { c.window_calls } else { c.min_calls })
            ),
            Rule::SlowRate {
                slow,
                total,
                threshold,
            } => format!(
                "At {at}, {slow} of the {total} calls in the window took longer than {}: {}% \u{2265} the {threshold}% slow-call threshold, with no error needed: the breaker opens for {wait}.",
                secs(c.slow_ms),
                pct(slow, total)
            ),
            Rule::WaitOver { wait_ms } => {
                let admits = match c.policy {
                    Policy::Consecutive => "lets it through as the trial".to_string(),
                    Policy::Naive => "lets it, and every call after it, through".to_string(),
                    _ => format!(
                        "lets it through as trial 1 of {}",
                        c.half_open
                    ),
                };
                let boundary = if c.policy == Policy::Consecutive {
                    "at or after"
                } else {
                    "strictly after"
                };
                format!(
                    "At {at}, a call arrives {boundary} the end of the {} wait: the breaker goes half-open and {admits}.",
                    secs(wait_ms)
                )
            }
            Rule::ErrorPercentage {
                failed,
                fires,
                threshold,
            } => format!(
                "At {at}, {failed} of the {fires} fires in the last {} failed: {}% > {threshold}% (strictly; rejected calls count as fires){}: the breaker opens, and a {wait} reset timer starts.",
                secs(c.rolling_ms),
                pct(failed, fires),
                if c.volume > 0 {
                    format!(", with at least {} fires", c.volume)
                } else {
                    String::new()
                }
            ),
            Rule::ResetTimer { wait_ms } => format!(
                "At {at}, the {} reset timer goes off: the breaker goes half-open with no call needed, and lets the next call through as its one trial.",
                secs(wait_ms)
            ),
            Rule::TrialFailed | Rule::TrialsPassed { .. } if c.policy == Policy::Opossum => {
                opossum::half_open_caption(l, t)
            }
            Rule::TrialFailed => format!(
                "At {at}, the trial call failed: the breaker opens again and the {wait} wait starts over."
            ),
            Rule::TrialsPassed { successes } => format!(
                "At {at}, {} succeeded: the breaker closes and counts from zero.",
                if successes == 1 {
                    "the trial call".to_string()
                } else {
                    format!("{successes} trial calls in a row")
                }
            ),
            Rule::HalfOpenRates { failed, slow, total } => format!(
                "At {at}, {failed} of {total} trial calls failed and {slow} were slow: a rate at or above its threshold, so the breaker opens again for {wait}."
            ),
            Rule::HalfOpenHealthy { failed, slow, total } => format!(
                "At {at}, {} of {total} trial calls succeeded ({}% failed, {}% slow, both under their thresholds): the breaker closes with a fresh window.",
                total - failed,
                pct(failed, total),
                pct(slow, total)
            ),
        }
    }

    fn describe_step(&self, step: usize) -> String {
        let m = self.moment(step);
        let prev = self.moment(step - 1);
        let lane = &self.lanes[0];
        let (s0, s1) = (lane.snap(step - 1), lane.snap(step));
        let mut text = match self.params.mode {
            Mode::Traffic => {
                let started = m.started - prev.started;
                let passed = s1.passed - s0.passed;
                let rejected = s1.rejected - s0.rejected;
                let health = phase_at(&self.params.health, prev.at)
                    .map(|(i, _)| self.params.health[i].health.label())
                    .unwrap_or_default();
                let mut text = format!(
                    "{} to {} (downstream {health}): {} started, {} reached the downstream, {} rejected.",
                    secs(prev.at),
                    secs(m.at),
                    plural(started, "call", "calls"),
                    thousands(passed.into()),
                    thousands(rejected.into()),
                );
                if s1.waiting > 0 {
                    text.push_str(&format!(
                        " {} wait for pybreaker\u{2019}s lock: it runs one call at a time.",
                        plural(s1.waiting, "call", "calls")
                    ));
                }
                text
            }
            Mode::Manual => self.describe_action(step),
        };
        let shown = self.transitions_at(0, step);
        for t in shown.iter().take(3) {
            text.push(' ');
            text.push_str(&self.explain(0, t));
        }
        if shown.len() > 3 {
            text.push_str(&format!(
                " And {} more changes of state in this step.",
                shown.len() - 3
            ));
        }
        if let Some(c) = self.lanes.get(1) {
            let snap = c.snap(step);
            let moved = self.transitions_at(1, step);
            text.push_str(&format!(
                " Beside it, the {} breaker is {}{}{}.",
                c.config.policy.short(),
                snap.state.label(),
                match moved.last() {
                    Some(t) => format!(" ({})", t.rule.short()),
                    None => String::new(),
                },
                if snap.waiting > 0 {
                    format!(
                        ", with {} waiting for its lock",
                        plural(snap.waiting, "call", "calls")
                    )
                } else {
                    String::new()
                }
            ));
        }
        text
    }

    fn describe_action(&self, step: usize) -> String {
        let Some(action) = self.action_at(step) else {
            return String::new();
        };
        let m = self.moment(step);
        let lane = &self.lanes[0];
        let snap = lane.snap(step);
        match action {
            Action::Wait(ms) => {
                let state = match snap.open_until {
                    Some(u) => format!(
                        "The breaker is open; it lets a call through {} {}.",
                        if matches!(lane.config.policy, Policy::Consecutive | Policy::Opossum) {
                            "from"
                        } else {
                            "after"
                        },
                        secs(u)
                    ),
                    None => format!("The breaker is {}.", snap.state.label()),
                };
                format!(
                    "The clock moves on by {} to {}.{} {state}",
                    secs(ms),
                    secs(m.at),
                    self.meanwhile(step)
                )
            }
            Action::Call(shot) => {
                let i = m.started.saturating_sub(1) as usize;
                let Some(call) = self.calls.get(i) else {
                    return String::new();
                };
                let what = match shot.send {
                    Send::Ok => "a call that succeeds",
                    Send::Fail => "a call that fails",
                    Send::Slow => "a slow call",
                    Send::Client => "a call answered with a client error",
                };
                let sent = format!(
                    "At {}, {what}{}",
                    secs(call.start),
                    if shot.background {
                        " is sent in the background"
                    } else {
                        ""
                    }
                );
                let mut text = self.call_fate(step, i, &sent);
                text.push_str(&self.meanwhile(step));
                text
            }
        }
    }

    /// What became of call `i` by `step`, after `sent` (its start).
    fn call_fate(&self, step: usize, i: usize, sent: &str) -> String {
        let m = self.moment(step);
        let lane = &self.lanes[0];
        let snap = lane.snap(step);
        let call = &self.calls[i];
        let flags = lane.flags[i];
        let asked = lane.asked(i, call);
        if asked > m.at {
            return format!(
                "{sent}: pybreaker runs a call while holding the breaker\u{2019}s lock, and another call holds it, so this one waits its turn ({} waiting). It asks the breaker only when it gets the lock.",
                plural(snap.waiting, "call", "calls")
            );
        }
        let waited = if asked > call.start {
            format!(
                " It waited {} for pybreaker\u{2019}s lock and asked the breaker at {}.",
                secs(asked - call.start),
                secs(asked)
            )
        } else {
            String::new()
        };
        if flags & flag::PASSED == 0 {
            return format!(
                "{sent}: rejected at once without reaching the downstream; rejected calls are counted apart{}.{waited}",
                if lane.config.policy == Policy::Opossum {
                    " (opossum still counts them as fires)"
                } else {
                    " and change nothing"
                }
            );
        }
        let trial = if flags & flag::TRIAL != 0 {
            " (a trial)"
        } else {
            ""
        };
        let end = lane.ends(i, call);
        if end > m.at {
            return format!(
                "{sent}{trial}: it reached the downstream and is in flight until {}.{waited}",
                secs(end)
            );
        }
        let outcome = match call.result {
            Result::Ok if flags & flag::SLOW != 0 => format!(
                "succeeded in {}, slower than the {} slow-call threshold",
                secs(call.duration),
                secs(lane.config.slow_ms)
            ),
            Result::Ok => format!("succeeded in {}", secs(call.duration)),
            Result::Error => format!("failed after {}", secs(call.duration)),
            Result::Timeout => format!(
                "timed out: the caller gave up after {}",
                secs(call.duration)
            ),
            Result::Client => format!(
                "was answered with a client error after {}{}",
                secs(call.duration),
                match lane.config.policy {
                    _ if !lane.config.exclude => ", counted as a failure",
                    Policy::Naive => ", counted as a failure (the cheat sheet\u{2019}s class catches every exception)",
                    Policy::CountWindow | Policy::TimeWindow => ", ignored (resilience4j\u{2019}s ignoreExceptions: not recorded, its permit given back)",
                    Policy::Consecutive => ", counted as a success (pybreaker\u{2019}s exclude resets the failure count)",
                    Policy::Opossum => ", counted as a success (opossum\u{2019}s errorFilter)",
                }
            ),
        };
        let count = match lane.config.policy {
            Policy::Consecutive => format!(
                " Consecutive failures: {} of {}.",
                snap.failures, lane.config.fail_max
            ),
            Policy::Naive => format!(
                " Failures counted: {} of {}.",
                snap.failures, lane.config.fail_max
            ),
            Policy::Opossum => format!(
                " Window: {} failed of {} fires ({} fires needed before the percentage counts).",
                snap.tally.failed, snap.tally.total, snap.minimum
            ),
            _ => format!(
                " Window: {} failed of {} ({} needed before the rate counts).",
                snap.tally.failed, snap.tally.total, snap.minimum
            ),
        };
        format!("{sent}{trial}: it {outcome}.{waited}{count}")
    }

    /// What else happened in `step` beside its own action: outcomes of
    /// calls sent earlier, and calls that got pybreaker's lock.
    fn meanwhile(&self, step: usize) -> String {
        let (from, to) = (self.moment(step - 1), self.moment(step));
        let lane = &self.lanes[0];
        let own = (to.started > from.started).then(|| to.started as usize - 1);
        let before = lane.snap(step - 1).records as usize;
        let after = lane.snap(step).records as usize;
        let ended = lane.records[before..after]
            .iter()
            .filter(|r| Some(r.call as usize) != own)
            .count() as u32;
        let failed = lane.records[before..after]
            .iter()
            .filter(|r| Some(r.call as usize) != own && r.failed)
            .count() as u32;
        let granted = (0..from.started as usize)
            .filter(|&i| {
                let asked = lane.asked(i, &self.calls[i]);
                lane.flags[i] & flag::WAITED != 0 && asked > from.at && asked <= to.at
            })
            .count() as u32;
        let mut text = String::new();
        if ended > 0 {
            text.push_str(&format!(
                " Meanwhile {} sent earlier ended ({failed} counted as failed).",
                plural(ended, "call", "calls")
            ));
        }
        if granted > 0 {
            text.push_str(&format!(
                " {} got pybreaker\u{2019}s lock in turn and asked the breaker.",
                plural(granted, "waiting call", "waiting calls")
            ));
        }
        text
    }
}

/// `1 call`, `2 calls`.
pub fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", thousands(n.into()))
    }
}

/// When the downstream became healthy again while the breaker was not
/// closed, and when the breaker closed after that.
fn recoveries(p: &Params, transitions: &[Transition]) -> Vec<(u64, Option<u64>)> {
    if p.mode != Mode::Traffic {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut begin = 0u64;
    for (i, phase) in p.health.iter().enumerate() {
        if i > 0 && phase.health.is_healthy() && !p.health[i - 1].health.is_healthy() {
            let k = transitions.partition_point(|t| t.at <= begin);
            let state = k
                .checked_sub(1)
                .map(|k| transitions[k].to)
                .unwrap_or(State::Closed);
            if state != State::Closed {
                let closed = transitions[k..]
                    .iter()
                    .find(|t| t.to == State::Closed)
                    .map(|t| t.at);
                out.push((begin, closed));
            }
        }
        begin += u64::from(phase.secs) * 1000;
    }
    out
}

impl super::Trace for Run {
    fn steps(&self) -> usize {
        self.moments.len()
    }

    fn caption(&self, step: usize) -> String {
        let step = step.min(self.moments.len() - 1);
        if step == 0 {
            return self.intro();
        }
        self.describe_step(step)
    }
}

/// A ready-made scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// The downstream goes down and recovers.
    Outage,
    /// The downstream fails for a few seconds, again and again.
    Flapping,
    /// Slow answers, no errors.
    Slow,
    /// Rare errors: the cheat sheet's breaker beside pybreaker's.
    Pitfall,
    /// Calls sent by hand.
    Manual,
    /// pybreaker's lock: calls wait behind a slow one and a trial.
    Lock,
    /// Client errors excluded from the failures, each library its way.
    ClientErrors,
    /// opossum beside resilience4j on the default outage.
    Opossum,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 8] = [
        Preset::Outage,
        Preset::Flapping,
        Preset::Slow,
        Preset::Pitfall,
        Preset::Manual,
        Preset::Lock,
        Preset::ClientErrors,
        Preset::Opossum,
    ];

    /// The word the view uses.
    pub fn slug(self) -> &'static str {
        match self {
            Preset::Outage => "outage",
            Preset::Flapping => "flapping",
            Preset::Slow => "slow",
            Preset::Pitfall => "pitfall",
            Preset::Manual => "manual",
            Preset::Lock => "lock",
            Preset::ClientErrors => "client-errors",
            Preset::Opossum => "opossum",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Preset::Outage => "Outage and recovery",
            Preset::Flapping => "Flapping downstream",
            Preset::Slow => "Slow calls, no errors",
            Preset::Pitfall => "The cheat sheet\u{2019}s pitfall",
            Preset::Manual => "Send calls by hand",
            Preset::Lock => "A slow call holds pybreaker\u{2019}s lock",
            Preset::ClientErrors => "404s should not trip",
            Preset::Opossum => "opossum vs resilience4j on the same outage",
        }
    }

    /// Its parameters.
    pub fn params(self) -> Params {
        let d = Params::default();
        let phase = |health, secs| Phase { health, secs };
        match self {
            Preset::Outage => d,
            Preset::Flapping => Params {
                policy: Policy::Consecutive,
                compare: Some(Policy::CountWindow),
                wait_ms: 5_000,
                // Fast enough that pybreaker's one-call-at-a-time lock
                // keeps up with 20 calls a second.
                latency_ms: 20,
                health: (0..6)
                    .flat_map(|_| [phase(Health::Healthy, 12), phase(Health::Down, 4)])
                    .collect(),
                ..d
            },
            Preset::Slow => Params {
                policy: Policy::CountWindow,
                compare: Some(Policy::Consecutive),
                slow_rate: 50,
                slow_ms: 1_000,
                latency_ms: 20,
                health: vec![
                    phase(Health::Healthy, 20),
                    phase(Health::Slow, 40),
                    phase(Health::Healthy, 30),
                ],
                ..d
            },
            Preset::Pitfall => Params {
                policy: Policy::Naive,
                compare: Some(Policy::Consecutive),
                health: vec![phase(Health::Degraded(2), 120)],
                latency_ms: 20,
                ..d
            },
            Preset::Manual => Params {
                mode: Mode::Manual,
                policy: Policy::Consecutive,
                compare: Some(Policy::Naive),
                ..d
            },
            Preset::Lock => Params {
                mode: Mode::Manual,
                policy: Policy::Consecutive,
                compare: Some(Policy::Opossum),
                fail_max: 2,
                wait_ms: 1_000,
                script: lock_script(),
                ..d
            },
            Preset::ClientErrors => Params {
                policy: Policy::CountWindow,
                compare: Some(Policy::Consecutive),
                exclude: true,
                latency_ms: 20,
                health: vec![
                    phase(Health::Healthy, 10),
                    phase(Health::Client(60), 30),
                    phase(Health::Down, 15),
                    phase(Health::Healthy, 25),
                ],
                ..d
            },
            Preset::Opossum => Params {
                policy: Policy::Opossum,
                compare: Some(Policy::CountWindow),
                ..d
            },
        }
    }
}

/// Two failures open the breaker; after the wait a slow trial holds
/// pybreaker's lock while three calls queue behind it; then a slow call
/// holds it while two failures and a success wait their turn.
fn lock_script() -> Vec<Action> {
    let bg = |send| {
        Action::Call(Shot {
            send,
            ms: None,
            background: true,
        })
    };
    vec![
        Action::call(Send::Fail),
        Action::call(Send::Fail),
        Action::Wait(1_000),
        bg(Send::Slow),
        Action::Wait(100),
        bg(Send::Ok),
        bg(Send::Ok),
        bg(Send::Fail),
        Action::Wait(4_000),
        bg(Send::Slow),
        Action::Wait(100),
        bg(Send::Fail),
        bg(Send::Fail),
        bg(Send::Ok),
        Action::Wait(4_000),
    ]
}

#[cfg(test)]
mod tests;
