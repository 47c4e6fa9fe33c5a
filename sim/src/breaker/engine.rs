//! The breakers themselves: one state machine per policy, each following the
//! library it is named after, fed with call starts (permission) and call
//! completions (outcomes) in virtual-time order.

use std::collections::VecDeque;

use super::opossum::Opossum;
use super::{Policy, Result};

/// The three states every policy has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Calls pass; outcomes are counted.
    Closed,
    /// Calls fail fast without reaching the downstream.
    Open,
    /// A limited number of trial calls pass; their outcomes decide.
    HalfOpen,
}

impl State {
    /// The name the libraries use.
    pub fn label(self) -> &'static str {
        match self {
            State::Closed => "closed",
            State::Open => "open",
            State::HalfOpen => "half-open",
        }
    }
}

/// The settings of one breaker; which ones matter depends on the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The policy.
    pub policy: Policy,
    /// Consecutive (or, for the cheat sheet's version, lifetime) failures
    /// that open the breaker.
    pub fail_max: u32,
    /// Time in open before a trial, in ms (pybreaker's `reset_timeout`,
    /// resilience4j's `waitDurationInOpenState`).
    pub wait_ms: u64,
    /// Trial successes needed to close (pybreaker's `success_threshold`).
    pub successes: u32,
    /// Calls in a count-based window.
    pub window_calls: u32,
    /// Seconds in a time-based window.
    pub window_secs: u32,
    /// Calls needed before a rate counts (`minimumNumberOfCalls`).
    pub min_calls: u32,
    /// Failure-rate threshold, percent.
    pub failure_rate: u32,
    /// Slow-call-rate threshold, percent.
    pub slow_rate: u32,
    /// A call longer than this (strictly) is slow, in ms.
    pub slow_ms: u64,
    /// Calls permitted in half-open (`permittedNumberOfCallsInHalfOpenState`).
    pub half_open: u32,
    /// Client errors are not failures: pybreaker's `exclude`, resilience4j's
    /// `ignoreExceptions`, opossum's `errorFilter` (each counts them its own
    /// way; the cheat sheet's class has no such list).
    pub exclude: bool,
    /// The call timeout, ms (opossum's `timeout`: at exactly this long the
    /// timeout wins over a result).
    pub timeout_ms: u64,
    /// opossum's `volumeThreshold`: fires in the window before a rate counts.
    pub volume: u32,
    /// opossum's `rollingCountTimeout`, ms.
    pub rolling_ms: u64,
    /// opossum's `rollingCountBuckets`.
    pub buckets: u32,
    /// opossum's `allowWarmUp`: no opening in the first `rolling_ms`.
    pub warm_up: bool,
}

/// How a policy counts an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// A success.
    Success,
    /// A failure.
    Failure,
    /// Neither (resilience4j's ignored exceptions): not recorded, and a
    /// half-open permit is given back.
    Ignored,
}

/// Why the breaker changed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// `failures` consecutive failures reached `fail_max` (closed to open).
    Streak {
        /// The failures in a row.
        failures: u32,
        /// The threshold.
        fail_max: u32,
    },
    /// The never-reset count reached the threshold (the cheat sheet).
    Lifetime {
        /// The failures since the breaker last closed.
        failures: u32,
        /// The threshold.
        fail_max: u32,
    },
    /// The failure rate over the window reached the threshold.
    FailureRate {
        /// Failed calls in the window.
        failed: u32,
        /// Calls in the window.
        total: u32,
        /// The threshold, in percent.
        threshold: u32,
    },
    /// The slow-call rate over the window reached the threshold.
    SlowRate {
        /// Slow calls in the window.
        slow: u32,
        /// Calls in the window.
        total: u32,
        /// The threshold, in percent.
        threshold: u32,
    },
    /// The wait in open is over; this call is let through as a trial.
    WaitOver {
        /// The wait, in milliseconds.
        wait_ms: u64,
    },
    /// A trial call failed (half-open to open).
    TrialFailed,
    /// Enough trial calls succeeded (half-open to closed).
    TrialsPassed {
        /// The trial successes needed.
        successes: u32,
    },
    /// The half-open calls' rates are at or above a threshold.
    HalfOpenRates {
        /// Failed trial calls.
        failed: u32,
        /// Slow trial calls.
        slow: u32,
        /// Trial calls.
        total: u32,
    },
    /// opossum: the error percentage of the rolling window went strictly
    /// over the threshold, with at least `volumeThreshold` fires.
    ErrorPercentage {
        /// Failures (timeouts included) in the window.
        failed: u32,
        /// Fires in the window (rejected calls included).
        fires: u32,
        /// The threshold, in percent.
        threshold: u32,
    },
    /// opossum: the reset timer went off; half-open with no call needed.
    ResetTimer {
        /// The reset timeout, in milliseconds.
        wait_ms: u64,
    },
    /// The half-open calls' rates are below both thresholds.
    HalfOpenHealthy {
        /// Failed trial calls.
        failed: u32,
        /// Slow trial calls.
        slow: u32,
        /// Trial calls.
        total: u32,
    },
}

impl Rule {
    /// A short label for the arrow of the state diagram.
    pub fn short(&self) -> String {
        match *self {
            Rule::Streak { failures, .. } => format!("{failures} failures in a row"),
            Rule::Lifetime { failures, .. } => format!("{failures} failures in all"),
            Rule::FailureRate {
                failed,
                total,
                threshold,
            } => format!("{}% \u{2265} {threshold}% failed", pct(failed, total)),
            Rule::SlowRate {
                slow,
                total,
                threshold,
            } => format!("{}% \u{2265} {threshold}% slow", pct(slow, total)),
            Rule::WaitOver { wait_ms } => format!("{} wait over", super::secs(wait_ms)),
            Rule::TrialFailed => "trial failed".to_string(),
            Rule::TrialsPassed { successes } => {
                if successes == 1 {
                    "trial succeeded".to_string()
                } else {
                    format!("{successes} trials succeeded")
                }
            }
            Rule::ErrorPercentage {
                failed,
                fires,
                threshold,
            } => format!("{}% > {threshold}% failed", pct(failed, fires)),
            Rule::ResetTimer { wait_ms } => format!("{} timer", super::secs(wait_ms)),
            Rule::HalfOpenRates { failed, total, .. } => {
                format!("{failed} of {total} trials failed")
            }
            Rule::HalfOpenHealthy { failed, total, .. } => {
                format!("{} of {total} trials passed", total - failed)
            }
        }
    }
}

/// A percentage for people: one decimal where it is not whole.
pub fn pct(part: u32, total: u32) -> String {
    if total == 0 {
        return "0".to_string();
    }
    let tenths = (u64::from(part) * 1000 + u64::from(total) / 2) / u64::from(total);
    if tenths % 10 == 0 {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// A change of state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// When, in ms of virtual time.
    pub at: u64,
    /// The state before.
    pub from: State,
    /// The state after.
    pub to: State,
    /// Why.
    pub rule: Rule,
    /// The call whose start or outcome caused it.
    pub call: u32,
    /// Outcomes recorded before it (and including the one that caused it).
    pub records: u32,
}

/// One recorded outcome, in the order the breaker saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// When the outcome arrived.
    pub at: u64,
    /// The call.
    pub call: u32,
    /// Counted as a failure.
    pub failed: bool,
    /// Counted as slow (resilience4j's policies only).
    pub slow: bool,
    /// The state it arrived in.
    pub state: State,
}

/// The figures of a window of recorded outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Outcomes in the window.
    pub total: u32,
    /// Failures among them.
    pub failed: u32,
    /// Slow calls among them.
    pub slow: u32,
}

impl Tally {
    fn add(&mut self, failed: bool, slow: bool, sign: i32) {
        let step = |v: &mut u32| {
            *v = if sign > 0 {
                v.saturating_add(1)
            } else {
                v.saturating_sub(1)
            }
        };
        step(&mut self.total);
        if failed {
            step(&mut self.failed);
        }
        if slow {
            step(&mut self.slow);
        }
    }
}

/// resilience4j's sliding windows: the last N recorded calls, or the
/// current epoch second and the N - 1 before it.
#[derive(Debug, Clone)]
enum Window {
    Count {
        size: usize,
        ring: VecDeque<(bool, bool)>,
        tally: Tally,
    },
    Time {
        secs: u64,
        /// `(epoch second, tally)`, oldest first.
        buckets: VecDeque<(u64, Tally)>,
        /// The buckets summed, kept as they come and go: a ten-minute
        /// window at 100 calls a second is checked after every outcome.
        sum: Tally,
    },
}

impl Window {
    fn count(size: u32) -> Window {
        Window::Count {
            size: size.max(1) as usize,
            ring: VecDeque::new(),
            tally: Tally::default(),
        }
    }

    fn time(secs: u32) -> Window {
        Window::Time {
            secs: u64::from(secs.max(1)),
            buckets: VecDeque::new(),
            sum: Tally::default(),
        }
    }

    /// Drops seconds older than the window at `now` (time-based only).
    fn evict(&mut self, now: u64) {
        if let Window::Time { secs, buckets, sum } = self {
            let current = now / 1000;
            while buckets.front().is_some_and(|(s, _)| s + *secs <= current) {
                if let Some((_, t)) = buckets.pop_front() {
                    sum.total -= t.total;
                    sum.failed -= t.failed;
                    sum.slow -= t.slow;
                }
            }
        }
    }

    fn record(&mut self, now: u64, failed: bool, slow: bool) {
        self.evict(now);
        match self {
            Window::Count { size, ring, tally } => {
                if ring.len() == *size {
                    if let Some((f, s)) = ring.pop_front() {
                        tally.add(f, s, -1);
                    }
                }
                ring.push_back((failed, slow));
                tally.add(failed, slow, 1);
            }
            Window::Time { buckets, sum, .. } => {
                sum.add(failed, slow, 1);
                let sec = now / 1000;
                match buckets.back_mut() {
                    Some((s, t)) if *s == sec => t.add(failed, slow, 1),
                    _ => {
                        let mut t = Tally::default();
                        t.add(failed, slow, 1);
                        buckets.push_back((sec, t));
                    }
                }
            }
        }
    }

    fn tally(&mut self, now: u64) -> Tally {
        self.evict(now);
        match self {
            Window::Count { tally, .. } => *tally,
            Window::Time { sum, .. } => *sum,
        }
    }
}

/// What a call's start got from the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    /// The call goes to the downstream.
    Pass,
    /// The call fails fast.
    Reject,
}

/// What the caller of a completed call sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raised {
    /// The downstream's own result or error.
    Original,
    /// The breaker's error instead (pybreaker's `CircuitBreakerError` on the
    /// call that trips it).
    BreakerError,
}

/// One breaker on a virtual clock.
#[derive(Debug, Clone)]
pub struct Breaker {
    cfg: Config,
    state: State,
    /// Consecutive failures (pybreaker) or failures since the last close
    /// (the cheat sheet).
    failures: u32,
    /// Trial successes in half-open (pybreaker).
    trial_successes: u32,
    /// When open began (the cheat sheet: the last failure's time).
    opened_at: u64,
    /// resilience4j: the closed window (kept while open).
    window: Window,
    /// resilience4j: the half-open window and its permits left.
    half: Window,
    permits: u32,
    /// Index in `records` where the current window's records begin.
    window_from: usize,
    /// Every outcome recorded, in order.
    pub records: Vec<Record>,
    /// Every change of state, in order.
    pub transitions: Vec<Transition>,
    /// opossum's rolling buckets, timers and trial flag.
    pub(super) op: Opossum,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(cfg: Config) -> Breaker {
        Breaker {
            cfg,
            state: State::Closed,
            failures: 0,
            trial_successes: 0,
            opened_at: 0,
            window: Self::closed_window(&cfg),
            half: Window::count(cfg.half_open),
            permits: 0,
            window_from: 0,
            records: Vec::new(),
            transitions: Vec::new(),
            op: Opossum::new(&cfg),
        }
    }

    /// How this breaker counts a call that ended with `result`.
    pub fn count(&self, result: Result) -> Count {
        match result {
            Result::Ok => Count::Success,
            Result::Error | Result::Timeout => Count::Failure,
            Result::Client if !self.cfg.exclude || self.cfg.policy == Policy::Naive => {
                Count::Failure
            }
            Result::Client if self.cfg.policy.is_rate() => Count::Ignored,
            Result::Client => Count::Success,
        }
    }

    /// Runs the timers due at `now` (opossum's reset timer): those before
    /// `now`, and with `inclusive` those at `now` too. A call's outcome at
    /// the instant a timer is due comes first (its timer was set earlier);
    /// a call's start comes after.
    pub fn tick(&mut self, now: u64, inclusive: bool) {
        if self.cfg.policy == Policy::Opossum {
            super::opossum::tick(self, now, inclusive);
        }
    }

    fn closed_window(cfg: &Config) -> Window {
        match cfg.policy {
            Policy::TimeWindow => Window::time(cfg.window_secs),
            _ => Window::count(cfg.window_calls),
        }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The failure count the policy keeps (consecutive or lifetime).
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Trial successes so far in half-open (pybreaker).
    pub fn trial_successes(&self) -> u32 {
        self.trial_successes
    }

    /// The moment from which the open state lets a call through, if open.
    /// pybreaker admits at this instant, and opossum (its reset timer goes
    /// off then); resilience4j and the cheat sheet only after it.
    pub fn open_until(&self) -> Option<u64> {
        if self.state != State::Open {
            return None;
        }
        if self.cfg.policy == Policy::Opossum {
            return self.op.reset_due();
        }
        Some(self.opened_at.saturating_add(self.cfg.wait_ms))
    }

    /// Permits left in half-open (resilience4j; opossum's one trial).
    pub fn permits(&self) -> u32 {
        if self.cfg.policy == Policy::Opossum {
            return u32::from(self.state == State::HalfOpen && self.op.trial_free());
        }
        self.permits
    }

    /// Whether the current window is a half-open one (in half-open, or in
    /// the open state that followed it).
    fn half_window(&self) -> bool {
        self.state == State::HalfOpen
            || (self.state == State::Open
                && self
                    .transitions
                    .last()
                    .is_some_and(|t| t.from == State::HalfOpen))
    }

    /// The figures of the window the rates are computed over, at `now`:
    /// the half-open window in half-open, else the closed one; opossum's
    /// rolling window of fires and failures in every state (after its
    /// timers due before `now`).
    pub fn tally(&mut self, now: u64) -> Tally {
        if self.cfg.policy == Policy::Opossum {
            return super::opossum::tally(self, now);
        }
        if self.state == State::HalfOpen {
            self.half.tally(now)
        } else {
            self.window.tally(now)
        }
    }

    /// The calls needed before the rates count, in the current state
    /// (opossum: fires in the window, `volumeThreshold`).
    pub fn minimum(&self) -> u32 {
        match (self.cfg.policy, self.state) {
            (Policy::Opossum, _) => self.cfg.volume,
            (_, State::HalfOpen) => self.cfg.min_calls.min(self.cfg.half_open),
            (Policy::CountWindow, _) => self.cfg.min_calls.min(self.cfg.window_calls),
            _ => self.cfg.min_calls,
        }
    }

    /// Where, in [`Breaker::records`], the window at `now` begins.
    pub fn window_from(&mut self, now: u64) -> usize {
        match self.cfg.policy {
            Policy::CountWindow => {
                let size = if self.half_window() {
                    self.cfg.half_open
                } else {
                    self.cfg.window_calls
                } as usize;
                self.window_from
                    .max(self.records.len().saturating_sub(size))
            }
            Policy::TimeWindow if !self.half_window() => {
                let current = now / 1000;
                let secs = u64::from(self.cfg.window_secs.max(1));
                while self
                    .records
                    .get(self.window_from)
                    .is_some_and(|r| r.at / 1000 + secs <= current)
                {
                    self.window_from += 1;
                }
                self.window_from
            }
            Policy::TimeWindow => self.window_from.max(
                self.records
                    .len()
                    .saturating_sub(self.cfg.half_open as usize),
            ),
            _ => self.window_from,
        }
    }

    pub(super) fn go(&mut self, at: u64, to: State, rule: Rule, call: u32) {
        self.transitions.push(Transition {
            at,
            from: self.state,
            to,
            rule,
            call,
            records: self.records.len() as u32,
        });
        self.state = to;
        match to {
            State::Open => {
                self.opened_at = at;
                // resilience4j's open state keeps the metrics of the state
                // it came from: the closed window, or the half-open one.
                if self
                    .transitions
                    .last()
                    .is_some_and(|t| t.from == State::HalfOpen)
                {
                    self.window = self.half.clone();
                }
            }
            State::HalfOpen => {
                self.half = Window::count(self.cfg.half_open);
                self.permits = self.cfg.half_open;
                self.window_from = self.records.len();
            }
            State::Closed => {
                self.window = Self::closed_window(&self.cfg);
                self.window_from = self.records.len();
            }
        }
    }

    /// A call starting at `now` asks to pass.
    pub fn acquire(&mut self, now: u64, call: u32) -> Permit {
        if self.cfg.policy == Policy::Opossum {
            self.tick(now, true);
            return super::opossum::acquire(self, now, call);
        }
        if self.state == State::Open {
            let until = self.opened_at.saturating_add(self.cfg.wait_ms);
            let over = match self.cfg.policy {
                // pybreaker: `now >= opened_at + reset_timeout`.
                Policy::Consecutive => now >= until,
                // resilience4j: `clock.instant().isAfter(retryAfter)`; the
                // cheat sheet: `time.time() - last_failure_time > timeout`.
                _ => now > until,
            };
            if !over {
                return Permit::Reject;
            }
            self.go(
                now,
                State::HalfOpen,
                Rule::WaitOver {
                    wait_ms: self.cfg.wait_ms,
                },
                call,
            );
        }
        match (self.state, self.cfg.policy) {
            (State::Closed, _) => Permit::Pass,
            // pybreaker lets each call through in half-open: its calls come
            // one at a time, through the lock the run keeps for it, so a
            // trial is never in flight beside another. The cheat sheet's
            // class lets every call through.
            (State::HalfOpen, Policy::Consecutive | Policy::Naive) => Permit::Pass,
            (State::HalfOpen, _) => {
                if self.permits == 0 {
                    Permit::Reject
                } else {
                    self.permits -= 1;
                    Permit::Pass
                }
            }
            (State::Open, _) => Permit::Reject,
        }
    }

    /// The outcome of `call` arrives at `now`: it took `duration` ms and
    /// ended with `result`. Returns what the caller sees.
    pub fn record(&mut self, now: u64, call: u32, result: Result, duration: u64) -> Raised {
        if self.cfg.policy == Policy::Opossum {
            self.tick(now, false);
            return super::opossum::record(self, now, call, result, duration);
        }
        let failed = match self.count(result) {
            Count::Failure => true,
            Count::Success => false,
            Count::Ignored => {
                // resilience4j: `releasePermission()`; nothing is recorded.
                if self.state == State::HalfOpen {
                    self.permits = (self.permits + 1).min(self.cfg.half_open);
                }
                return Raised::Original;
            }
        };
        let rate_based = matches!(self.cfg.policy, Policy::CountWindow | Policy::TimeWindow);
        let slow = rate_based && duration > self.cfg.slow_ms;
        self.records.push(Record {
            at: now,
            call,
            failed,
            slow,
            state: self.state,
        });
        let before = self.transitions.len();
        match self.cfg.policy {
            Policy::Consecutive => self.record_consecutive(now, call, failed),
            Policy::Naive => self.record_naive(now, call, failed),
            Policy::Opossum => {}
            _ => self.record_rate(now, call, failed, slow),
        }
        let opened = self.transitions.len() > before && self.state == State::Open;
        if opened && self.cfg.policy == Policy::Consecutive {
            Raised::BreakerError
        } else {
            Raised::Original
        }
    }

    /// pybreaker: a success resets the count in any state; a failure adds one.
    fn record_consecutive(&mut self, now: u64, call: u32, failed: bool) {
        if !failed {
            self.failures = 0;
            if self.state == State::HalfOpen {
                self.trial_successes += 1;
                if self.trial_successes >= self.cfg.successes {
                    let successes = self.trial_successes;
                    self.trial_successes = 0;
                    self.go(now, State::Closed, Rule::TrialsPassed { successes }, call);
                }
            }
            return;
        }
        self.failures = self.failures.saturating_add(1);
        match self.state {
            State::Closed if self.failures >= self.cfg.fail_max => {
                let rule = Rule::Streak {
                    failures: self.failures,
                    fail_max: self.cfg.fail_max,
                };
                self.go(now, State::Open, rule, call);
            }
            State::HalfOpen => {
                self.trial_successes = 0;
                self.go(now, State::Open, Rule::TrialFailed, call);
            }
            _ => {}
        }
    }

    /// The cheat sheet's class: failures are never forgotten while closed;
    /// every failure restarts the wait.
    fn record_naive(&mut self, now: u64, call: u32, failed: bool) {
        if !failed {
            if self.state == State::HalfOpen {
                self.failures = 0;
                self.go(
                    now,
                    State::Closed,
                    Rule::TrialsPassed { successes: 1 },
                    call,
                );
            }
            return;
        }
        self.failures = self.failures.saturating_add(1);
        self.opened_at = now;
        if self.failures >= self.cfg.fail_max {
            match self.state {
                State::Closed => {
                    let rule = Rule::Lifetime {
                        failures: self.failures,
                        fail_max: self.cfg.fail_max,
                    };
                    self.go(now, State::Open, rule, call);
                }
                State::HalfOpen => self.go(now, State::Open, Rule::TrialFailed, call),
                State::Open => {}
            }
        }
    }

    /// resilience4j: record, then check the thresholds after every outcome.
    fn record_rate(&mut self, now: u64, call: u32, failed: bool, slow: bool) {
        match self.state {
            State::Open => self.window.record(now, failed, slow),
            State::Closed => {
                self.window.record(now, failed, slow);
                let t = self.window.tally(now);
                if let Some(rule) = self.exceeded(t) {
                    self.go(now, State::Open, rule, call);
                }
            }
            State::HalfOpen => {
                self.half.record(now, failed, slow);
                let t = self.half.tally(now);
                if t.total < self.minimum() {
                    return;
                }
                let (failed, slow, total) = (t.failed, t.slow, t.total);
                if self.exceeded(t).is_some() {
                    self.go(
                        now,
                        State::Open,
                        Rule::HalfOpenRates {
                            failed,
                            slow,
                            total,
                        },
                        call,
                    );
                } else {
                    self.go(
                        now,
                        State::Closed,
                        Rule::HalfOpenHealthy {
                            failed,
                            slow,
                            total,
                        },
                        call,
                    );
                }
            }
        }
    }

    /// Whether a tally is at or above a threshold, once it has the minimum
    /// number of calls; `failed * 100 / total >= threshold`, in integers.
    fn exceeded(&self, t: Tally) -> Option<Rule> {
        if t.total == 0 || t.total < self.minimum() {
            return None;
        }
        let total = u64::from(t.total);
        if u64::from(t.failed) * 100 >= u64::from(self.cfg.failure_rate) * total {
            Some(Rule::FailureRate {
                failed: t.failed,
                total: t.total,
                threshold: self.cfg.failure_rate,
            })
        } else if u64::from(t.slow) * 100 >= u64::from(self.cfg.slow_rate) * total {
            Some(Rule::SlowRate {
                slow: t.slow,
                total: t.total,
                threshold: self.cfg.slow_rate,
            })
        } else {
            None
        }
    }
}
