//! The calls a run sends: seeded traffic against a downstream whose health
//! follows a timeline, or a script of single calls and clock advances. The
//! calls do not depend on the breaker, so two policies see the same traffic.

use crate::rng::Rng;

/// The most phases in a health timeline.
pub const MAX_PHASES: usize = 20;
/// The longest timeline, in seconds.
pub const MAX_SECONDS: u32 = 600;
/// The most actions in a manual script (at 3 to 12 characters each, a
/// full script keeps its link within a few kilobytes).
pub const MAX_ACTIONS: usize = 1_000;
/// The longest duration a manual call may name, in ms.
pub const MAX_CALL_MS: u64 = 120_000;
/// The longest single clock advance in a script, in ms (one hour).
pub const MAX_WAIT_MS: u64 = 3_600_000;

/// How the downstream behaves during a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Answers at its usual latency, no errors.
    Healthy,
    /// Fails this percentage of calls (1 to 99).
    Degraded(u8),
    /// Answers correctly, but at the slow latency.
    Slow,
    /// Fails every call.
    Down,
    /// Healthy, but answers this percentage of calls (1 to 99) with a
    /// client error (a 404, a failed validation): the caller's fault, not
    /// a sign of the downstream's health.
    Client(u8),
    /// The error rate falls evenly from 100% to 0% over the phase.
    Recovering,
}

impl Health {
    /// The word the URL uses.
    pub fn slug(self) -> String {
        match self {
            Health::Healthy => "healthy".into(),
            Health::Degraded(p) => format!("degraded{p}"),
            Health::Client(p) => format!("client{p}"),
            Health::Slow => "slow".into(),
            Health::Down => "down".into(),
            Health::Recovering => "recovering".into(),
        }
    }

    /// A name for people.
    pub fn label(self) -> String {
        match self {
            Health::Healthy => "healthy".into(),
            Health::Degraded(p) => format!("degraded ({p}% errors)"),
            Health::Client(p) => format!("healthy ({p}% client errors)"),
            Health::Slow => "slow".into(),
            Health::Down => "down".into(),
            Health::Recovering => "recovering".into(),
        }
    }

    /// Reads a slug; `None` if it is not one.
    pub fn parse(word: &str) -> Option<Health> {
        let w = word.trim().to_ascii_lowercase();
        match w.as_str() {
            "healthy" => Some(Health::Healthy),
            "slow" => Some(Health::Slow),
            "down" => Some(Health::Down),
            "recovering" => Some(Health::Recovering),
            _ => {
                let (kind, rest): (fn(u8) -> Health, &str) =
                    if let Some(rest) = w.strip_prefix("degraded") {
                        (Health::Degraded, rest)
                    } else {
                        (Health::Client, w.strip_prefix("client")?)
                    };
                let p: u8 = rest.parse().ok()?;
                (1..=99).contains(&p).then_some(kind(p))
            }
        }
    }

    /// Whether the downstream is healthy.
    pub fn is_healthy(self) -> bool {
        self == Health::Healthy
    }
}

/// A stretch of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phase {
    /// How the downstream behaves.
    pub health: Health,
    /// For how long, in seconds (at least 1).
    pub secs: u32,
}

/// Reads a timeline such as `healthy:30,down:20`. Bad phases are dropped,
/// and the total is cut at [`MAX_SECONDS`]; each change is a problem.
pub fn parse_health(raw: &str, problems: &mut Vec<String>) -> Vec<Phase> {
    let mut phases = Vec::new();
    let mut total = 0u32;
    for part in raw.split(',').filter(|p| !p.trim().is_empty()) {
        if phases.len() == MAX_PHASES {
            problems.push(format!(
                "health: more than {MAX_PHASES} phases (the rest are dropped)"
            ));
            break;
        }
        let shown = super::show(part);
        let Some((word, secs)) = part.split_once(':') else {
            problems.push(format!(
                "health: \u{201c}{shown}\u{201d} (a phase is kind:seconds, such as down:30; dropped)"
            ));
            continue;
        };
        let Some(health) = Health::parse(word) else {
            problems.push(format!(
                "health: \u{201c}{shown}\u{201d} (kinds are healthy, degradedN and clientN with N from 1 to 99, slow, down, recovering; dropped)"
            ));
            continue;
        };
        let Ok(secs) = secs.trim().parse::<u32>() else {
            problems.push(format!(
                "health: \u{201c}{shown}\u{201d} (seconds must be a whole number; dropped)"
            ));
            continue;
        };
        if secs == 0 {
            problems.push(format!(
                "health: \u{201c}{shown}\u{201d} (0 seconds; dropped)"
            ));
            continue;
        }
        let room = MAX_SECONDS - total;
        if room == 0 {
            problems.push(format!(
                "health: \u{201c}{shown}\u{201d} (the timeline is at most {MAX_SECONDS} s; dropped)"
            ));
            continue;
        }
        let secs = if secs > room {
            problems.push(format!(
                "health: \u{201c}{shown}\u{201d} (the timeline is at most {MAX_SECONDS} s; cut to {room} s)"
            ));
            room
        } else {
            secs
        };
        total += secs;
        phases.push(Phase { health, secs });
    }
    phases
}

/// The timeline as the URL writes it.
pub fn health_text(phases: &[Phase]) -> String {
    phases
        .iter()
        .map(|p| format!("{}:{}", p.health.slug(), p.secs))
        .collect::<Vec<_>>()
        .join(",")
}

/// What a manual call does at the downstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Send {
    /// Succeeds at the usual latency.
    Ok,
    /// Fails at the usual latency.
    Fail,
    /// Succeeds at the slow latency.
    Slow,
    /// Answered with a client error (a 404, a failed validation) at the
    /// usual latency.
    Client,
}

impl Send {
    /// Every kind, in the order the editor lists them.
    pub const ALL: [Send; 4] = [Send::Ok, Send::Fail, Send::Slow, Send::Client];

    /// The word the URL uses.
    pub fn word(self) -> &'static str {
        match self {
            Send::Ok => "ok",
            Send::Fail => "fail",
            Send::Slow => "slow",
            Send::Client => "client",
        }
    }
}

/// One call of a manual script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shot {
    /// What the downstream does with it.
    pub send: Send,
    /// How long it takes, ms, if not the latency its kind has.
    pub ms: Option<u64>,
    /// Sent in the background (another thread or promise): the next action
    /// starts at once instead of after this call's duration.
    pub background: bool,
}

impl Shot {
    /// A call of kind `send`, at its kind's latency, one after another.
    pub fn plain(send: Send) -> Shot {
        Shot {
            send,
            ms: None,
            background: false,
        }
    }
}

/// One action of a manual script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send one call.
    Call(Shot),
    /// Move the clock on by this many ms.
    Wait(u64),
}

/// `12s` or `1500ms`, as links write durations.
fn duration_word(ms: u64) -> String {
    if ms.is_multiple_of(1000) && ms > 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

impl Action {
    /// A plain call of kind `send`.
    pub fn call(send: Send) -> Action {
        Action::Call(Shot::plain(send))
    }

    /// The kind of call, if it is one.
    pub fn send(self) -> Option<Send> {
        match self {
            Action::Call(s) => Some(s.send),
            Action::Wait(_) => None,
        }
    }

    /// The word the URL uses: `ok`, `~slow`, `fail:800ms`, `wait10s`.
    pub fn slug(self) -> String {
        match self {
            Action::Call(s) => format!(
                "{}{}{}",
                if s.background { "~" } else { "" },
                s.send.word(),
                s.ms.map(|ms| format!(":{}", duration_word(ms)))
                    .unwrap_or_default()
            ),
            Action::Wait(ms) => format!("wait{}", duration_word(ms)),
        }
    }

    fn parse(word: &str) -> Option<Action> {
        let w = word.trim().to_ascii_lowercase();
        if let Some(rest) = w.strip_prefix("wait") {
            let ms = crate::params::duration(rest)?;
            return (1..=MAX_WAIT_MS).contains(&ms).then_some(Action::Wait(ms));
        }
        let (background, rest) = match w.strip_prefix('~') {
            Some(rest) => (true, rest),
            None => (false, w.as_str()),
        };
        let (kind, ms) = match rest.split_once(':') {
            Some((kind, d)) => (
                kind,
                Some(crate::params::duration(d).filter(|ms| *ms <= MAX_CALL_MS)?),
            ),
            None => (rest, None),
        };
        let send = Send::ALL.into_iter().find(|s| s.word() == kind)?;
        Some(Action::Call(Shot {
            send,
            ms,
            background,
        }))
    }
}

/// Reads a script such as `ok,fail,wait10s`; unknown words are dropped
/// with a problem.
pub fn parse_script(raw: &str, problems: &mut Vec<String>) -> Vec<Action> {
    let mut out = Vec::new();
    for word in raw.split(',').filter(|w| !w.trim().is_empty()) {
        if out.len() == MAX_ACTIONS {
            problems.push(format!(
                "script: more than {MAX_ACTIONS} actions (the rest are dropped)"
            ));
            break;
        }
        match Action::parse(word) {
            Some(a) => out.push(a),
            None => problems.push(format!(
                "script: \u{201c}{}\u{201d} (actions are ok, fail, slow, client, each with an optional :Nms or :Ns duration up to 2 minutes and a leading ~ to send it in the background, and waitNs or waitNms up to an hour; dropped)",
                super::show(word)
            )),
        }
    }
    out
}

/// The script as the URL writes it.
pub fn script_text(actions: &[Action]) -> String {
    actions
        .iter()
        .map(|a| a.slug())
        .collect::<Vec<_>>()
        .join(",")
}

/// What the downstream did with a call, had it reached it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Result {
    /// Answered.
    Ok,
    /// Returned an error.
    Error,
    /// Answered later than the caller's timeout: the caller gave up with a
    /// timeout error at the timeout.
    Timeout,
    /// Answered with a client error (4xx): counted as a failure unless the
    /// breaker excludes it.
    Client,
}

/// A call the caller makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    /// When it starts, in ms.
    pub start: u64,
    /// How long it takes if it passes, in ms (at most the timeout).
    pub duration: u64,
    /// What it does.
    pub result: Result,
    /// The manual action index, or the phase index in traffic mode.
    pub source: u32,
}

impl Call {
    /// When its outcome arrives, if it passes.
    pub fn end(&self) -> u64 {
        self.start + self.duration
    }

    /// Whether it ended with an error of any kind (client errors
    /// included): what the caller's code sees raised.
    pub fn failed(&self) -> bool {
        self.result != Result::Ok
    }
}

/// The latency and timeout settings calls are drawn with.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The usual latency, ms.
    pub latency_ms: u64,
    /// The latency of a slow downstream, ms.
    pub slow_latency_ms: u64,
    /// The caller's timeout, ms.
    pub timeout_ms: u64,
}

impl Timing {
    fn finish(&self, duration: u64, result: Result) -> (u64, Result) {
        if duration > self.timeout_ms {
            (self.timeout_ms, Result::Timeout)
        } else {
            (duration, result)
        }
    }
}

/// The phase in effect at `t` ms and the time it began; past the end,
/// the last phase.
pub fn phase_at(phases: &[Phase], t: u64) -> Option<(usize, u64)> {
    let mut begin = 0u64;
    for (i, p) in phases.iter().enumerate() {
        let end = begin + u64::from(p.secs) * 1000;
        if t < end || i + 1 == phases.len() {
            return Some((i, begin));
        }
        begin = end;
    }
    None
}

/// Seeded calls: arrivals at `rate` per second on average (exponential
/// gaps), each failing or slow as the timeline says at its start.
pub fn generate(phases: &[Phase], rate: u32, timing: Timing, seed: u32) -> Vec<Call> {
    let total_ms: u64 = phases.iter().map(|p| u64::from(p.secs) * 1000).sum();
    let mut rng = Rng::new(u64::from(seed) ^ 0xB4EA_4E55);
    let unit = |rng: &mut Rng| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let mean_gap = 1000.0 / f64::from(rate.max(1));
    let mut calls = Vec::with_capacity((total_ms as f64 / mean_gap) as usize + 16);
    let mut t = 0.0f64;
    loop {
        t += -mean_gap * (1.0 - unit(&mut rng)).ln();
        let start = t as u64;
        if start >= total_ms {
            break;
        }
        let Some((i, begin)) = phase_at(phases, start) else {
            break;
        };
        let phase = phases[i];
        let error_rate = match phase.health {
            Health::Healthy | Health::Slow | Health::Client(_) => 0.0,
            Health::Degraded(p) => f64::from(p) / 100.0,
            Health::Down => 1.0,
            Health::Recovering => {
                let span = (u64::from(phase.secs) * 1000).max(1) as f64;
                1.0 - (start - begin) as f64 / span
            }
        };
        let failed = unit(&mut rng) < error_rate;
        // Drawn only in client-error phases, so other timelines keep the
        // calls they had.
        let client = match phase.health {
            Health::Client(p) => unit(&mut rng) < f64::from(p) / 100.0,
            _ => false,
        };
        let spread = unit(&mut rng);
        let tail = unit(&mut rng) < 0.02;
        let duration = if phase.health == Health::Slow {
            (timing.slow_latency_ms as f64 * (0.8 + 0.4 * spread)) as u64
        } else {
            let base = timing.latency_ms as f64 * (0.5 + spread);
            (if tail { base * 4.0 } else { base }) as u64
        };
        let result = if failed {
            Result::Error
        } else if client {
            Result::Client
        } else {
            Result::Ok
        };
        let (duration, result) = timing.finish(duration, result);
        calls.push(Call {
            start,
            duration,
            result,
            source: i as u32,
        });
    }
    calls
}

/// The calls of a script: a call moves the clock on by its duration (a
/// caller with one thread waits for it), one sent in the background does
/// not, and waits move the clock. Returns the calls and, for each action,
/// the clock after it.
pub fn scripted(actions: &[Action], timing: Timing) -> (Vec<Call>, Vec<u64>) {
    let mut calls = Vec::new();
    let mut clocks = Vec::with_capacity(actions.len());
    let mut now = 0u64;
    for (i, a) in actions.iter().enumerate() {
        match *a {
            Action::Wait(ms) => now += ms,
            Action::Call(shot) => {
                let (latency, result) = match shot.send {
                    Send::Ok => (timing.latency_ms, Result::Ok),
                    Send::Fail => (timing.latency_ms, Result::Error),
                    Send::Slow => (timing.slow_latency_ms, Result::Ok),
                    Send::Client => (timing.latency_ms, Result::Client),
                };
                let (duration, result) = timing.finish(shot.ms.unwrap_or(latency), result);
                calls.push(Call {
                    start: now,
                    duration,
                    result,
                    source: i as u32,
                });
                if !shot.background {
                    now += duration;
                }
            }
        }
        clocks.push(now);
    }
    (calls, clocks)
}
