//! Retries, backoff and jitter under contention: N clients each do a unit
//! of work against one shared resource that fails on a conflict (the AWS
//! simulator's optimistic-concurrency row) or on overload (a few workers
//! and a bounded queue), and retry by a policy (none, immediate, fixed,
//! exponential, full, equal or decorrelated jitter, each with a base and a
//! cap), within per-call timeouts, a retry budget (token bucket) and a
//! client-side circuit breaker (the breaker model's pybreaker rules),
//! honouring `Retry-After` or not, with a retry loop at each of `k` layers,
//! in open or closed traffic.
//!
//! The delays are pure functions ([`policy`]), compared draw for draw with
//! tenacity and exponential-backoff (`tests/it/retry_libraries.rs`); the
//! sweep over the number of clients ([`sweep`]) replays the AWS
//! Architecture Blog's "Exponential Backoff And Jitter" experiment.

mod engine;
pub mod policy;
mod presets;
pub mod sweep;
mod view;

#[cfg(test)]
mod tests;

pub use engine::{
    net_delay, simulate, Bucket, Cause, Record, Resource, Setup, Snap, Totals, Traffic, HORIZON,
    MAX_ATTEMPTS, MAX_LAYERS, MAX_STEPS, MS,
};
pub use policy::Policy;
pub use presets::Preset;
pub use view::{Lane, Mark};

use super::breaker;
use super::model::{Choices, Model, Param};
use super::{thousands, Trace};
use crate::{choice, int};

/// Most clients (closed traffic).
pub const MAX_CLIENTS: u32 = 1_000;
/// Most units per client.
pub const MAX_UNITS: u32 = 100;
/// Highest arrival rate, per second (open traffic).
pub const MAX_RATE: u32 = 2_000;
/// Longest arrival window, seconds.
pub const MAX_SECONDS: u32 = 60;
/// Longest delay, cap, timeout, outage, in ms.
pub const MAX_MS: u32 = 600_000;

/// Everything a run depends on; what the permalink carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// The retry policy.
    pub policy: Policy,
    /// Base delay, ms.
    pub base_ms: u32,
    /// Cap, ms.
    pub cap_ms: u32,
    /// Attempts per call at each layer (0: no limit).
    pub attempts: u32,
    /// What the resource fails on.
    pub resource: Resource,
    /// Open or closed traffic.
    pub traffic: Traffic,
    /// Clients (closed).
    pub clients: u32,
    /// Units per client (closed).
    pub units: u32,
    /// Arrivals per second (open).
    pub rate: u32,
    /// Seconds of arrivals (open).
    pub seconds: u32,
    /// Workers of the overload resource.
    pub workers: u32,
    /// Its service time, ms.
    pub service_ms: u32,
    /// Its queue bound.
    pub queue: u32,
    /// The resource is down for this long at the start, ms.
    pub outage_ms: u32,
    /// The `Retry-After` a 503 carries, ms.
    pub retry_after_ms: u32,
    /// Whether clients honour it.
    pub honour: bool,
    /// Per-attempt timeout, ms (0: none).
    pub timeout_ms: u32,
    /// Mean one-way network delay, ms.
    pub net_ms: u32,
    /// Its standard deviation, ms.
    pub net_sd_ms: u32,
    /// A retry budget.
    pub budget: bool,
    /// Its burst, tokens.
    pub burst: u32,
    /// Its refill, tokens per second.
    pub refill: u32,
    /// A client-side circuit breaker.
    pub breaker: bool,
    /// Failures in a row that open it.
    pub fail_max: u32,
    /// Its wait in open, ms.
    pub wait_ms: u32,
    /// Layers of services, each retrying.
    pub layers: u32,
    /// The seed.
    pub seed: u32,
    /// Virtual time per step, ms.
    pub tick_ms: u32,
}

impl Default for Params {
    fn default() -> Self {
        Preset::Spread.params()
    }
}

impl Params {
    /// The AWS simulator's setting, with `clients` clients: one unit each
    /// on the conflict row, base 5 ms, cap 2 s, network 10 ± 2 ms, retrying
    /// until done.
    pub fn aws(policy: Policy, clients: u32) -> Params {
        Params {
            policy,
            base_ms: 5,
            cap_ms: 2_000,
            attempts: 0,
            resource: Resource::Conflict,
            traffic: Traffic::Closed,
            clients,
            units: 1,
            rate: 100,
            seconds: 10,
            workers: 4,
            service_ms: 10,
            queue: 50,
            outage_ms: 0,
            retry_after_ms: 1_000,
            honour: false,
            timeout_ms: 0,
            net_ms: 10,
            net_sd_ms: 2,
            budget: false,
            burst: 10,
            refill: 10,
            breaker: false,
            fail_max: 5,
            wait_ms: 1_000,
            layers: 1,
            seed: 1,
            tick_ms: 20,
        }
    }

    /// The engine's settings for these parameters (times in ns).
    pub fn setup(&self) -> Setup {
        let ms = |v: u32| u64::from(v) * MS;
        Setup {
            resource: self.resource,
            traffic: self.traffic,
            clients: self.clients,
            units: self.units,
            rate: self.rate,
            seconds: self.seconds,
            policy: self.policy,
            base_ms: f64::from(self.base_ms),
            cap_ms: f64::from(self.cap_ms),
            attempts: self.attempts,
            timeout: ms(self.timeout_ms),
            net: ms(self.net_ms),
            net_sd: ms(self.net_sd_ms),
            workers: self.workers,
            service: ms(self.service_ms),
            queue: self.queue,
            outage: ms(self.outage_ms),
            retry_after: ms(self.retry_after_ms),
            honour: self.honour,
            budget: self.budget.then_some((self.burst, self.refill)),
            breaker: self.breaker.then(|| self.breaker_config()),
            layers: self.layers,
            seed: u64::from(self.seed),
        }
    }

    /// The client-side breaker: the breaker model's consecutive-failures
    /// policy (pybreaker's rules), one success in half-open to close.
    pub fn breaker_config(&self) -> breaker::Config {
        let mut cfg = breaker::Params::default().config(breaker::Policy::Consecutive);
        cfg.fail_max = self.fail_max;
        cfg.wait_ms = u64::from(self.wait_ms);
        cfg.successes = 1;
        cfg
    }

    /// Attempts at the resource per unit when every attempt fails and
    /// nothing else stops the retries: `attempts^layers` (`(1 + r)^k` for
    /// `r` retries at each of `k` layers); `None` with no limit.
    pub fn amplification(&self) -> Option<u64> {
        if self.policy == Policy::None {
            return Some(1);
        }
        (self.attempts > 0).then(|| u64::from(self.attempts).pow(self.layers))
    }

    /// Whether a 503 can happen (an outage, or the overload resource).
    fn has_503(&self) -> bool {
        self.outage_ms > 0 || self.resource == Resource::Overload
    }
}

impl Choices for Resource {
    const ALL: &'static [Resource] = &[Resource::Conflict, Resource::Overload];
    fn word(self) -> &'static str {
        match self {
            Resource::Conflict => "conflict",
            Resource::Overload => "overload",
        }
    }
}

impl Choices for Traffic {
    const ALL: &'static [Traffic] = &[Traffic::Closed, Traffic::Open];
    fn word(self) -> &'static str {
        match self {
            Traffic::Closed => "closed",
            Traffic::Open => "open",
        }
    }
}

fn retrying(p: &Params) -> bool {
    p.policy != Policy::None
}

fn closed(p: &Params) -> bool {
    p.traffic == Traffic::Closed
}

fn overload(p: &Params) -> bool {
    p.resource == Resource::Overload
}

/// A cap below the base would make every delay the cap: it is raised.
fn cap_at_least_base(p: &mut Params) -> Option<String> {
    if p.cap_ms < p.base_ms {
        p.cap_ms = p.base_ms;
        return Some(format!(
            "cap_ms raised to {} (the cap is never below the base)",
            p.base_ms
        ));
    }
    None
}

/// The parameters a link carries, in the order it writes them.
const TABLE: &[Param<Params>] = &[
    choice!("policy", "Retry policy", Policy, policy),
    int!("base_ms", "Base", "ms", 0, MAX_MS, base_ms).when(retrying),
    int!("cap_ms", "Cap", "ms", 0, MAX_MS, cap_ms)
        .when(retrying)
        .fix(cap_at_least_base),
    int!(
        "attempts",
        "Attempts per call (0: no limit)",
        "",
        0,
        100,
        attempts
    )
    .when(retrying),
    choice!("resource", "Fails on", Resource, resource),
    int!("workers", "Workers", "", 1, 64, workers).when(overload),
    int!("service_ms", "Service time", "ms", 1, 1_000, service_ms).when(overload),
    int!("queue", "Queue bound", "requests", 0, 1_000, queue).when(overload),
    choice!("traffic", "Traffic", Traffic, traffic),
    int!("clients", "Clients", "", 1, MAX_CLIENTS, clients).when(closed),
    int!("units", "Units per client", "", 1, MAX_UNITS, units).when(closed),
    int!("rate", "Arrivals per second", "", 1, MAX_RATE, rate).when(|p| !closed(p)),
    int!("seconds", "Arrivals for", "s", 1, MAX_SECONDS, seconds).when(|p| !closed(p)),
    int!("outage_ms", "Down at first for", "ms", 0, MAX_MS, outage_ms),
    int!(
        "retry_after_ms",
        "Retry-After",
        "ms",
        0,
        MAX_MS,
        retry_after_ms
    )
    .when(|p| p.has_503() && retrying(p)),
    choice!("honour", "Honour Retry-After", bool, honour).when(|p| p.has_503() && retrying(p)),
    int!(
        "timeout_ms",
        "Timeout (0: none)",
        "ms",
        0,
        MAX_MS,
        timeout_ms
    ),
    int!("net_ms", "Network delay", "ms", 0, 1_000, net_ms),
    int!(
        "net_sd_ms",
        "Network jitter (sd)",
        "ms",
        0,
        1_000,
        net_sd_ms
    ),
    choice!("budget", "Retry budget", bool, budget).when(retrying),
    int!("burst", "Budget burst", "tokens", 1, 100_000, burst).when(|p| p.budget && retrying(p)),
    int!("refill", "Budget refill", "per s", 0, 100_000, refill).when(|p| p.budget && retrying(p)),
    choice!("breaker", "Client breaker", bool, breaker),
    int!(
        "fail_max",
        "Breaker fail_max",
        "failures",
        1,
        1_000,
        fail_max
    )
    .when(|p| p.breaker),
    int!("wait_ms", "Breaker wait in open", "ms", 1, MAX_MS, wait_ms).when(|p| p.breaker),
    int!(
        "layers",
        "Layers retrying",
        "",
        1,
        MAX_LAYERS as u32,
        layers
    ),
    int!("seed", "Seed", "", 0, u32::MAX, seed),
    int!("tick_ms", "Time per step", "ms", 1, 60_000, tick_ms),
];

/// A computed run: its totals and, per step, what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    params: Params,
    totals: Totals,
    record: Record,
}

impl Run {
    /// Runs the model (clamping first).
    pub fn new(params: &Params) -> Run {
        let params = super::model::clamp::<Run>(params);
        let tick = u64::from(params.tick_ms.max(1)) * MS;
        let (totals, record) = simulate(&params.setup(), Some(tick));
        Run {
            params,
            totals,
            record: record.unwrap_or_default(),
        }
    }

    /// The totals.
    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// What happened in each interval (step `i` shows interval `i - 1`).
    pub fn buckets(&self) -> &[Bucket] {
        &self.record.buckets
    }

    /// The clients at the end of each interval.
    pub fn snaps(&self) -> &[Snap] {
        &self.record.snaps
    }

    /// Attempts sent per client (closed traffic: client `i`; open: arrival
    /// `i`).
    pub fn calls(&self) -> &[u32] {
        &self.record.calls
    }

    /// Attempts sent per client up to the end of the interval `step`
    /// shows (nothing at step 0; [`Run::calls`] at the last step).
    pub fn calls_until(&self, step: usize) -> Vec<u32> {
        let mut out = vec![0; self.record.calls.len()];
        let step = step.min(self.steps() - 1) as u32;
        let sent = self.record.sends.partition_point(|&(_, b)| b < step);
        for &(c, _) in &self.record.sends[..sent] {
            if let Some(n) = out.get_mut(c as usize) {
                *n += 1;
            }
        }
        out
    }

    /// Calls per client as a count of clients per number of attempts, up
    /// to `step`: entry `i` is how many clients have sent `i` attempts
    /// (the last entry counts those with that many or more).
    pub fn histogram(&self, step: usize, bins: usize) -> Vec<u32> {
        let mut out = vec![0; bins.max(1)];
        let last = out.len() - 1;
        for n in self.calls_until(step) {
            out[(n as usize).min(last)] += 1;
        }
        out
    }

    /// The breaker's changes of state.
    pub fn transitions(&self) -> &[breaker::Transition] {
        &self.record.transitions
    }

    /// Virtual time per step, ns.
    pub fn tick(&self) -> u64 {
        self.record.tick
    }

    /// The interval `[from, to)` step `step` shows, ns (step 0: none).
    pub fn interval(&self, step: usize) -> (u64, u64) {
        let step = step.min(self.steps() - 1);
        if step == 0 {
            return (0, 0);
        }
        let from = (step as u64 - 1) * self.record.tick;
        let to = if step == self.steps() - 1 {
            self.totals.completion.max(from + self.record.tick)
        } else {
            from + self.record.tick
        };
        (from, to)
    }

    /// The same parameters under every policy: the totals of each, for the
    /// view's table of work and completion time.
    pub fn by_policy(&self) -> Vec<(Policy, Totals)> {
        Policy::ALL
            .iter()
            .map(|&policy| {
                let p = Params {
                    policy,
                    ..self.params.clone()
                };
                (policy, simulate(&p.setup(), None).0)
            })
            .collect()
    }

    fn intro(&self) -> String {
        let p = &self.params;
        let who = match p.traffic {
            Traffic::Closed => format!(
                "{} clients each do {} unit{} of work",
                thousands(p.clients.into()),
                p.units,
                if p.units == 1 { "" } else { "s" }
            ),
            Traffic::Open => format!(
                "units of work arrive at {} a second for {} s",
                thousands(p.rate.into()),
                p.seconds
            ),
        };
        let against = match p.resource {
            Resource::Conflict => "one row written with optimistic concurrency (a write fails if another won since its read)".to_string(),
            Resource::Overload => format!(
                "a server with {} workers ({} ms a request) and room for {} waiting",
                p.workers, p.service_ms, p.queue
            ),
        };
        let mut text = format!(
            "Before anything runs: {who} against {against}; on failure they follow \u{201c}{}\u{201d}",
            p.policy.label()
        );
        if p.policy != Policy::None {
            text.push_str(&format!(
                " (base {}, cap {})",
                nanos(u64::from(p.base_ms) * MS),
                nanos(u64::from(p.cap_ms) * MS)
            ));
        }
        if p.layers > 1 {
            text.push_str(&format!(
                ", at each of {} layers, so one unit can cost up to {} attempts",
                p.layers,
                p.amplification().map_or("unbounded".to_string(), thousands)
            ));
        }
        if p.outage_ms > 0 {
            text.push_str(&format!(
                "; the resource is down for the first {}",
                nanos(u64::from(p.outage_ms) * MS)
            ));
        }
        text.push('.');
        text
    }

    fn breaker_news(&self, from: u64, to: u64) -> String {
        self.record
            .transitions
            .iter()
            .filter(|t| t.at * MS >= from && t.at * MS < to)
            .map(|t| {
                format!(
                    " The breaker went {} at {} ({}).",
                    t.to.label(),
                    nanos(t.at * MS),
                    t.rule.short()
                )
            })
            .collect()
    }
}

/// `n` things, the noun in the plural unless `n` is 1: `1 unit`, `3 units`.
fn count(n: u32, noun: &str) -> String {
    format!(
        "{} {noun}{}",
        thousands(n.into()),
        if n == 1 { "" } else { "s" }
    )
}

/// A time in ns for people: `12.5 ms` under a second, else `3.25 s`.
pub fn nanos(ns: u64) -> String {
    if ns < 1_000_000_000 {
        format!("{:.1} ms", ns as f64 / 1e6)
    } else {
        format!("{:.2} s", ns as f64 / 1e9)
    }
}

impl Model for Run {
    type Params = Params;
    const NAME: &'static str = "retries";
    const TABLE: &'static [Param<Params>] = TABLE;

    fn run(params: &Params) -> Run {
        Run::new(params)
    }

    fn params(&self) -> &Params {
        &self.params
    }
}

impl Trace for Run {
    fn steps(&self) -> usize {
        self.record.snaps.len() + 1
    }

    fn caption(&self, step: usize) -> String {
        let step = step.min(self.steps() - 1);
        if step == 0 {
            return self.intro();
        }
        let b = self
            .record
            .buckets
            .get(step - 1)
            .copied()
            .unwrap_or_default();
        let s = self.record.snaps.get(step - 1).copied().unwrap_or_default();
        let (from, to) = self.interval(step);
        let mut text = format!("{}\u{2013}{}: ", nanos(from), nanos(to));
        if b.sent == 0 && b.reached == 0 {
            text.push_str("nothing reaches the resource");
        } else {
            text.push_str(&format!(
                "{} sent, {} reached the resource",
                count(b.sent, "attempt"),
                thousands(b.reached.into())
            ));
        }
        text.push_str(&self.failures(&b));
        text.push_str(&format!(
            ". {} done, {} given up; {} backing off, {} waiting for an answer.",
            count(b.done, "unit"),
            thousands(b.gave_up.into()),
            count(s.backing_off, "client"),
            thousands(s.in_flight.into())
        ));
        text.push_str(&self.why(&b, &s, from));
        text.push_str(&self.breaker_news(from, to));
        if step == self.steps() - 1 {
            text.push_str(&self.ending_text());
        }
        text
    }
}

impl Run {
    /// Why the attempts of an interval failed, each cause with its count.
    fn failures(&self, b: &Bucket) -> String {
        let p = &self.params;
        let queue = format!("found the queue full (503; it holds {})", p.queue);
        let down = format!(
            "found it down (503; down until {})",
            nanos(u64::from(p.outage_ms) * MS)
        );
        let timeout = format!(
            "timed out (no answer within {})",
            nanos(u64::from(p.timeout_ms) * MS)
        );
        let why = [
            (b.conflict, "lost to another write since their read"),
            (b.overloaded, queue.as_str()),
            (b.outage, down.as_str()),
            (b.timeout, timeout.as_str()),
            (b.breaker, "were failed fast by the open breaker"),
        ];
        let mut text = String::new();
        for (n, what) in why {
            if n > 0 {
                text.push_str(&format!("; {} {what}", thousands(n.into())));
            }
        }
        if b.refused > 0 {
            text.push_str(&format!(
                "; the budget refused {} (out of tokens; {} come back a second)",
                if b.refused == 1 {
                    "1 retry".to_string()
                } else {
                    format!("{} retries", thousands(b.refused.into()))
                },
                thousands(p.refill.into())
            ));
        }
        text
    }

    /// The reason behind what an interval shows, when there is one to
    /// tell: synchronised waves without jitter, a budget holding the load
    /// down, timed-out work the server still does.
    fn why(&self, b: &Bucket, s: &Snap, from: u64) -> String {
        let p = &self.params;
        if b.sent == 0 && b.reached == 0 && s.backing_off > 1 && !p.policy.jittered() {
            return format!(
                " Without jitter, clients that failed together wait exactly as long (\u{201c}{}\u{201d}), so they will come back together.",
                p.policy.label()
            );
        }
        let wave = b.sent >= 20 && b.sent.saturating_mul(4) >= s.backing_off.saturating_add(b.sent);
        if wave
            && from > 0
            && p.traffic == Traffic::Closed
            && !p.policy.jittered()
            && p.policy != Policy::None
            && b.reached > b.ok
        {
            return " A wave: the retries of clients that failed together arrive together."
                .to_string();
        }
        if b.timeout > 0 && p.resource == Resource::Overload {
            return " A timed-out request stays in the server\u{2019}s queue and is still served: work no one waits for.".to_string();
        }
        if b.refused > 0 {
            return " A refused retry gives the unit up at once instead of adding load."
                .to_string();
        }
        String::new()
    }

    /// The run's totals, said at the last step.
    fn ending_text(&self) -> String {
        let t = &self.totals;
        let mut text = format!(
            " In all: {} attempts reached the resource for {} units ({} done, {} given up), the last answered at {}",
            thousands(t.work),
            thousands(t.units),
            thousands(t.ok),
            thousands(t.failed),
            nanos(t.completion)
        );
        if self.params.layers > 1 && t.units > 0 {
            text.push_str(&format!(
                "; {:.1} attempts per unit, against at most {} (attempts to the power of the layers)",
                t.work as f64 / t.units as f64,
                self.params
                    .amplification()
                    .map_or("no limit".to_string(), thousands)
            ));
        }
        text.push('.');
        if t.truncated {
            text.push_str(" The run stopped at its limit of attempts or time.");
        }
        text
    }
}
