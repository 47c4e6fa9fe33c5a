//! Rate limiters, each as teams deploy it over a Redis shared by several
//! app instances, on a virtual clock in milliseconds:
//!
//! - the cheat sheet's fixed window, read then increment (GET, compare in
//!   the app, INCR, EXPIRE): two requests that read the count at once both
//!   pass at the limit;
//! - the atomic fixed window (INCR, PEXPIRE on a new key, in one script);
//! - the sliding log (a sorted set: ZREMRANGEBYSCORE, ZCARD, ZADD,
//!   PEXPIRE);
//! - the sliding window counter (the previous window's count weighted by
//!   its overlap, as Cloudflare describes it);
//! - the token bucket, the leaky bucket as a meter and as a queue, and
//!   GCRA, which decide alike and keep different state.
//!
//! A run puts seeded traffic through several algorithms side by side and
//! records, per algorithm and request, the decision and the state after;
//! the commands with their replies, the stored values and the reasons are
//! derived from those records when asked for ([`Run::commands`],
//! [`Run::stored`], [`Run::reason`]). Traffic mode has a step per request;
//! race mode a step per Redis command of the first algorithm, commands of
//! concurrent requests interleaved as they reach Redis.

mod engine;
mod redis;
mod stats;
mod text;
mod traffic;
pub mod view;

pub use engine::{counter_allows, Engine, Limits, Outcome};
pub use redis::{
    key, member, script, window_key, Command, Reply, Stored, COUNTER_SCRIPT, FIXED_SCRIPT,
    GCRA_SCRIPT, LOG_SCRIPT, METER_SCRIPT, QUEUE_SCRIPT, TOKEN_SCRIPT,
};
pub use stats::{nominal, CounterError, Summary};
pub use traffic::{count, generate, groups, Request};

use super::model::{Choices, Kind, Model, Param};
use crate::{choice, int};

/// A rate-limiting algorithm and its Redis implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algo {
    /// The cheat sheet's fixed window: GET, compare, INCR, EXPIRE.
    CheatSheet,
    /// A fixed window counted atomically (INCR and PEXPIRE in a script).
    FixedWindow,
    /// Every request's time in a sorted set.
    SlidingLog,
    /// Two fixed windows, the previous weighted by its overlap.
    SlidingCounter,
    /// Tokens refilled at a rate, one spent per request.
    TokenBucket,
    /// A bucket that fills per request and leaks at a rate.
    LeakyMeter,
    /// A queue served at a rate: requests wait instead of passing at once.
    LeakyQueue,
    /// The generic cell rate algorithm: one theoretical arrival time.
    Gcra,
}

impl Algo {
    /// Every algorithm, in the order the view lists them.
    pub const ALL: [Algo; 8] = [
        Algo::CheatSheet,
        Algo::FixedWindow,
        Algo::SlidingLog,
        Algo::SlidingCounter,
        Algo::TokenBucket,
        Algo::LeakyMeter,
        Algo::LeakyQueue,
        Algo::Gcra,
    ];

    /// The word the URL uses (and the Redis keys).
    pub fn slug(self) -> &'static str {
        match self {
            Algo::CheatSheet => "cheat",
            Algo::FixedWindow => "fixed",
            Algo::SlidingLog => "log",
            Algo::SlidingCounter => "counter",
            Algo::TokenBucket => "token",
            Algo::LeakyMeter => "meter",
            Algo::LeakyQueue => "queue",
            Algo::Gcra => "gcra",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Algo::CheatSheet => "Fixed window, read then increment (the cheat sheet\u{2019}s)",
            Algo::FixedWindow => "Fixed window, atomic",
            Algo::SlidingLog => "Sliding log",
            Algo::SlidingCounter => "Sliding window counter",
            Algo::TokenBucket => "Token bucket",
            Algo::LeakyMeter => "Leaky bucket (meter)",
            Algo::LeakyQueue => "Leaky bucket (queue)",
            Algo::Gcra => "GCRA",
        }
    }

    /// Whether it counts `limit` per `window` (else `rate` and `burst`).
    pub fn windowed(self) -> bool {
        matches!(
            self,
            Algo::CheatSheet | Algo::FixedWindow | Algo::SlidingLog | Algo::SlidingCounter
        )
    }

    fn from_slug(s: &str) -> Option<Algo> {
        Algo::ALL.into_iter().find(|a| a.slug() == s)
    }
}

/// A step per request, or a step per Redis command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One step per request.
    Traffic,
    /// One step per Redis command of the first algorithm, concurrent
    /// requests' commands interleaved.
    Race,
}

/// How the clients send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Evenly spaced, each client at its share of the rate.
    Steady,
    /// Random arrivals (Poisson), clients alike.
    Random,
    /// Each client's requests squeezed into the last tenth of one window
    /// and the first tenth of the next.
    Edge,
    /// Random arrivals; client 0 sends `abuse` times as much as each other.
    Abuser,
    /// Requests in simultaneous pairs from two instances.
    Pairs,
}

impl Choices for Mode {
    const ALL: &'static [Mode] = &[Mode::Traffic, Mode::Race];
    fn word(self) -> &'static str {
        match self {
            Mode::Traffic => "traffic",
            Mode::Race => "race",
        }
    }
}

impl Choices for Pattern {
    const ALL: &'static [Pattern] = &[
        Pattern::Steady,
        Pattern::Random,
        Pattern::Edge,
        Pattern::Abuser,
        Pattern::Pairs,
    ];
    fn word(self) -> &'static str {
        match self {
            Pattern::Steady => "steady",
            Pattern::Random => "random",
            Pattern::Edge => "edge",
            Pattern::Abuser => "abuser",
            Pattern::Pairs => "pairs",
        }
    }
}

/// Most requests in a run (ten minutes at 1,000 a second).
pub const MAX_REQUESTS: u64 = 600_000;
/// Most requests in race mode, where every command is a step.
pub const MAX_RACE_REQUESTS: u64 = 2_000;
/// Largest limit, burst and rate.
pub const MAX_LIMIT: u32 = 10_000;
/// Longest window, ms (an hour).
pub const MAX_WINDOW_MS: u32 = 3_600_000;
/// Most clients.
pub const MAX_CLIENTS: u32 = 1_000;
/// Most app instances.
pub const MAX_INSTANCES: u32 = 8;
/// Longest run, seconds.
pub const MAX_SECONDS: u32 = 600;
/// Highest total request rate, per second.
pub const MAX_RPS: u32 = 5_000;
/// Most algorithms side by side.
pub const MAX_ALGOS: usize = 8;

/// Everything a run depends on; what the permalink carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// A step per request or per command.
    pub mode: Mode,
    /// The algorithms, side by side; the first is the one race mode steps
    /// through.
    pub algos: Vec<Algo>,
    /// Requests per window (`limit` in most libraries).
    pub limit: u32,
    /// The window, ms.
    pub window_ms: u32,
    /// Tokens (or leaks) per second.
    pub rate: u32,
    /// Bucket capacity, GCRA's burst: requests allowed at once.
    pub burst: u32,
    /// How the clients send.
    pub pattern: Pattern,
    /// How many clients.
    pub clients: u32,
    /// Requests per second, all clients together.
    pub rps: u32,
    /// How many times more the abusive client sends.
    pub abuse: u32,
    /// App instances sharing the Redis.
    pub instances: u32,
    /// Length of the run, seconds.
    pub seconds: u32,
    /// The traffic's seed.
    pub seed: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            mode: Mode::Traffic,
            algos: vec![
                Algo::CheatSheet,
                Algo::FixedWindow,
                Algo::SlidingLog,
                Algo::SlidingCounter,
                Algo::TokenBucket,
            ],
            limit: 10,
            window_ms: 1_000,
            rate: 10,
            burst: 10,
            pattern: Pattern::Random,
            clients: 5,
            rps: 60,
            abuse: 10,
            instances: 2,
            seconds: 10,
            seed: 1,
        }
    }
}

impl Params {
    /// The limiter settings.
    pub fn limits(&self) -> Limits {
        Limits {
            limit: self.limit,
            window_ms: u64::from(self.window_ms),
            rate: self.rate,
            burst: self.burst,
        }
    }
}

/// The algorithms as the link writes them: slugs joined by commas.
pub fn algos_text(algos: &[Algo]) -> String {
    algos.iter().map(|a| a.slug()).collect::<Vec<_>>().join(",")
}

/// Reads a list of algorithms, dropping unknown words and repeats; an
/// empty list is the default.
pub fn parse_algos(raw: &str, problems: &mut Vec<String>) -> Vec<Algo> {
    let mut out = Vec::new();
    for word in raw.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        match Algo::from_slug(word) {
            Some(a) if !out.contains(&a) && out.len() < MAX_ALGOS => out.push(a),
            Some(_) => problems.push(format!("algos: {} is listed twice (dropped)", show(word))),
            None => problems.push(format!("algos: {} is no algorithm (dropped)", show(word))),
        }
    }
    if out.is_empty() {
        problems.push("algos: none given (using the default five)".into());
        out = Params::default().algos;
    }
    out
}

fn show(raw: &str) -> String {
    super::params::show(raw)
}

fn windowed(p: &Params) -> bool {
    p.algos.iter().any(|a| a.windowed())
}

fn bucketed(p: &Params) -> bool {
    p.algos.iter().any(|a| !a.windowed())
}

/// The parameters a link carries, in the order it writes them.
const TABLE: &[Param<Params>] = &[
    choice!("mode", "Steps", Mode, mode),
    Param::new(
        "algos",
        "Algorithms",
        Kind::Text {
            get: |p: &Params| algos_text(&p.algos),
            set: |p: &mut Params, raw, problems| p.algos = parse_algos(raw, problems),
        },
    ),
    int!("limit", "Limit", "requests", 1, MAX_LIMIT, limit).when(windowed),
    int!("window_ms", "Window", "ms", 10, MAX_WINDOW_MS, window_ms),
    int!("rate", "Rate", "per second", 1, MAX_LIMIT, rate).when(bucketed),
    int!("burst", "Burst", "requests", 1, MAX_LIMIT, burst).when(bucketed),
    choice!("pattern", "Traffic", Pattern, pattern),
    int!("clients", "Clients", "", 1, MAX_CLIENTS, clients),
    int!("rps", "Requests per second", "", 1, MAX_RPS, rps),
    int!(
        "abuse",
        "Abusive client sends",
        "times as much",
        2,
        100,
        abuse
    )
    .when(|p| p.pattern == Pattern::Abuser),
    int!(
        "instances",
        "App instances",
        "",
        1,
        MAX_INSTANCES,
        instances
    ),
    int!("seconds", "Length", "s", 1, MAX_SECONDS, seconds),
    int!("seed", "Seed", "", 0, u32::MAX, seed),
];

/// One algorithm's records over the run, kept compact (a ten-minute run
/// holds 600,000 requests per algorithm): read them through
/// [`Run::outcome`].
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    /// The algorithm.
    pub algo: Algo,
    /// Per request: let through (or queued).
    pub ok: Vec<bool>,
    /// Per request: [`Outcome::value`], for GCRA and the leaky queue less
    /// the request's time (in 1/rate ms), which keeps it small.
    value: Vec<i32>,
    /// Per request: [`Outcome::aux`] (empty for the algorithms that have
    /// none).
    aux: Vec<i32>,
    /// The figures over the run.
    pub summary: Summary,
}

impl Lane {
    /// Decides every request, group by group, and sums the figures up.
    fn run(
        algo: Algo,
        reqs: &[Request],
        groups: &[u32],
        lim: Limits,
        clients: usize,
    ) -> (Lane, Option<CounterError>) {
        let mut e = Engine::new(algo, lim, clients);
        let n = reqs.len();
        let relative = matches!(algo, Algo::Gcra | Algo::LeakyQueue);
        let has_aux = !matches!(
            algo,
            Algo::FixedWindow | Algo::TokenBucket | Algo::LeakyMeter
        );
        let mut lane = Lane {
            algo,
            ok: Vec::with_capacity(n),
            value: Vec::with_capacity(n),
            aux: Vec::with_capacity(if has_aux { n } else { 0 }),
            summary: Summary::default(),
        };
        let mut sums = stats::Summing::new(algo, lim, clients);
        e.decide_all(reqs, groups, |r, o| {
            lane.ok.push(o.ok);
            let v = if relative {
                o.value - lim.scaled(r.at)
            } else {
                o.value
            };
            lane.value.push(v as i32);
            if has_aux {
                lane.aux.push(o.aux as i32);
            }
            sums.add(r, o);
        });
        let (summary, err) = sums.finish();
        lane.summary = summary;
        (lane, err)
    }
}

/// A run: the traffic and every algorithm's records.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    params: Params,
    requests: Vec<Request>,
    /// Where each group of concurrent requests starts (and the end).
    groups: Vec<u32>,
    lanes: Vec<Lane>,
    counter_error: Option<CounterError>,
    /// Race mode: per step after the first, the request and the index of
    /// its command (first algorithm).
    race: Vec<(u32, u8)>,
}

impl Run {
    /// Runs the parameters, clamped first.
    pub fn new(params: &Params) -> Run {
        Run::unclamped(crate::clamp::<Run>(params))
    }

    /// Runs parameters known to be valid (the benchmark's, past the page's
    /// limits).
    pub fn unclamped(params: Params) -> Run {
        let (requests, groups) = traffic::generate_grouped(&params);
        let lim = params.limits();
        let clients = params.clients.max(1) as usize;
        let mut lanes = Vec::with_capacity(params.algos.len());
        let mut counter_error = None;
        for &algo in &params.algos {
            let (lane, err) = Lane::run(algo, &requests, &groups, lim, clients);
            counter_error = counter_error.or(err);
            lanes.push(lane);
        }
        let mut run = Run {
            params,
            requests,
            groups,
            lanes,
            counter_error,
            race: Vec::new(),
        };
        if run.params.mode == Mode::Race {
            run.race = run.race_order();
        }
        run
    }

    /// The settings every algorithm reads.
    pub fn limits(&self) -> Limits {
        self.params.limits()
    }

    /// What lane `lane` decided for request `k` and its state after (all
    /// zero past the end).
    pub fn outcome(&self, lane: usize, k: usize) -> Outcome {
        let (Some(l), Some(r)) = (self.lanes.get(lane), self.requests.get(k)) else {
            return Outcome::default();
        };
        let (Some(&ok), Some(&v)) = (l.ok.get(k), l.value.get(k)) else {
            return Outcome::default();
        };
        let value = i64::from(v)
            + if matches!(l.algo, Algo::Gcra | Algo::LeakyQueue) {
                self.limits().scaled(r.at)
            } else {
                0
            };
        let aux = l.aux.get(k).map_or(0, |&a| i64::from(a));
        Outcome { ok, value, aux }
    }

    /// The requests, by arrival.
    pub fn requests(&self) -> &[Request] {
        &self.requests
    }

    /// The algorithms' records, in the parameters' order.
    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    /// The sliding window counter's error, if it ran.
    pub fn counter_error(&self) -> Option<CounterError> {
        self.counter_error
    }

    /// Where each group of concurrent requests starts, ending with the
    /// number of requests: a group's commands interleave.
    pub fn group_starts(&self) -> &[u32] {
        &self.groups
    }

    /// The group holding request `k`.
    pub fn group_of(&self, k: usize) -> usize {
        self.groups
            .partition_point(|&s| s as usize <= k)
            .saturating_sub(1)
    }

    /// The order in which a group's commands reach Redis in lane `lane`:
    /// `(request, command index)`, round by round, each request's first
    /// command, then each one's second, and so on (a request that stopped
    /// early drops out).
    pub fn group_order(&self, lane: usize, g: usize) -> Vec<(usize, usize)> {
        let (Some(&a), Some(&b)) = (self.groups.get(g), self.groups.get(g + 1)) else {
            return Vec::new();
        };
        let lens: Vec<(usize, usize)> = (a as usize..b as usize)
            .map(|k| (k, self.commands(lane, k).len()))
            .collect();
        let rounds = lens.iter().map(|x| x.1).max().unwrap_or(0);
        let mut out = Vec::new();
        for i in 0..rounds {
            out.extend(lens.iter().filter(|x| x.1 > i).map(|x| (x.0, i)));
        }
        out
    }

    fn race_order(&self) -> Vec<(u32, u8)> {
        let mut out = Vec::new();
        for g in 0..self.groups.len().saturating_sub(1) {
            out.extend(
                self.group_order(0, g)
                    .into_iter()
                    .map(|(k, i)| (k as u32, i as u8)),
            );
        }
        out
    }

    /// Race mode: the request and command index of `step` (none at step 0
    /// or in traffic mode).
    pub fn race_step(&self, step: usize) -> Option<(usize, usize)> {
        let (k, i) = *self.race.get(step.checked_sub(1)?)?;
        Some((k as usize, i as usize))
    }

    /// The request shown at `step`: in traffic mode request `step - 1`; in
    /// race mode the one whose command it is.
    pub fn request_at(&self, step: usize) -> Option<usize> {
        match self.params.mode {
            Mode::Traffic => step.checked_sub(1).filter(|&k| k < self.requests.len()),
            Mode::Race => self.race_step(step).map(|x| x.0),
        }
    }
}

impl Model for Run {
    type Params = Params;
    const NAME: &'static str = "rate-limiter";
    const TABLE: &'static [Param<Params>] = TABLE;

    fn run(params: &Params) -> Run {
        Run::new(params)
    }

    fn params(&self) -> &Params {
        &self.params
    }

    /// Keeps a run within its bounds: at most [`MAX_REQUESTS`] requests
    /// (race mode: [`MAX_RACE_REQUESTS`]), by shortening it.
    fn settle(p: &mut Params) -> Option<String> {
        let most = if p.mode == Mode::Race {
            MAX_RACE_REQUESTS
        } else {
            MAX_REQUESTS
        };
        if count(p) <= most {
            return None;
        }
        let seconds = (most / u64::from(p.rps.max(1))).max(1) as u32;
        let before = p.seconds;
        p.seconds = seconds;
        if count(p) > most {
            p.rps = (most / u64::from(seconds)) as u32;
        }
        Some(format!(
            "seconds={before} (more than {} requests; using {} s at {}/s)",
            crate::thousands(most),
            p.seconds,
            p.rps
        ))
    }
}

/// A ready-made scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Two instances read the same count: both pass at the limit.
    Race,
    /// A client sends its limit at the end of one window and again at the
    /// start of the next.
    Edge,
    /// A long trace, most clients below the limit and a few heavy ones:
    /// the sliding counter against the exact log.
    CounterVsLog,
    /// A token bucket lets a burst through where a window would not.
    TokenBurst,
    /// GCRA beside the buckets it equals.
    Gcra,
    /// One client sends ten times as much as the others.
    Abuser,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 6] = [
        Preset::Race,
        Preset::Edge,
        Preset::CounterVsLog,
        Preset::TokenBurst,
        Preset::Gcra,
        Preset::Abuser,
    ];

    /// The word the view uses.
    pub fn slug(self) -> &'static str {
        match self {
            Preset::Race => "race",
            Preset::Edge => "edge",
            Preset::CounterVsLog => "counter-vs-log",
            Preset::TokenBurst => "token-burst",
            Preset::Gcra => "gcra",
            Preset::Abuser => "abuser",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Preset::Race => "The cheat sheet\u{2019}s race",
            Preset::Edge => "Twice the limit at a window edge",
            Preset::CounterVsLog => "Sliding counter vs exact log",
            Preset::TokenBurst => "Token bucket allows a burst",
            Preset::Gcra => "GCRA",
            Preset::Abuser => "One abusive client among many",
        }
    }

    /// Its parameters.
    pub fn params(self) -> Params {
        let d = Params::default();
        match self {
            Preset::Race => Params {
                mode: Mode::Race,
                algos: vec![Algo::CheatSheet, Algo::FixedWindow],
                limit: 3,
                pattern: Pattern::Pairs,
                clients: 1,
                rps: 6,
                instances: 2,
                seconds: 2,
                ..d
            },
            Preset::Edge => Params {
                algos: vec![Algo::FixedWindow, Algo::SlidingLog, Algo::SlidingCounter],
                pattern: Pattern::Edge,
                clients: 1,
                rps: 10,
                seconds: 6,
                ..d
            },
            Preset::CounterVsLog => Params {
                algos: vec![Algo::SlidingCounter, Algo::SlidingLog],
                limit: 100,
                window_ms: 10_000,
                pattern: Pattern::Abuser,
                abuse: 3,
                clients: 200,
                rps: 1_000,
                seconds: 120,
                ..d
            },
            Preset::TokenBurst => Params {
                algos: vec![Algo::TokenBucket, Algo::FixedWindow, Algo::SlidingLog],
                pattern: Pattern::Edge,
                rate: 5,
                burst: 10,
                limit: 5,
                clients: 1,
                rps: 5,
                seconds: 8,
                ..d
            },
            Preset::Gcra => Params {
                algos: vec![
                    Algo::Gcra,
                    Algo::TokenBucket,
                    Algo::LeakyMeter,
                    Algo::LeakyQueue,
                ],
                pattern: Pattern::Random,
                rate: 5,
                burst: 4,
                clients: 1,
                rps: 8,
                seconds: 10,
                ..d
            },
            Preset::Abuser => Params {
                algos: vec![Algo::SlidingCounter, Algo::TokenBucket, Algo::CheatSheet],
                pattern: Pattern::Abuser,
                clients: 20,
                rps: 300,
                seconds: 20,
                ..d
            },
        }
    }
}

#[cfg(test)]
mod tests;
