//! Cache-aside: application instances read and write one key through a
//! cache that speaks Redis's commands and a database, one atomic step at a
//! time in the order a schedule gives. The races that make a cache lie
//! (the stale set, delete-then-update, set-then-set, a lost invalidation, a
//! thundering herd) are schedules; the mitigations (leases, a mutex,
//! stale-while-revalidate, versioned sets with tombstones, fills by `SET NX`
//! or guarded by `WATCH`, negative caching, single flight, TTL jitter,
//! XFetch, a short TTL, the write policy itself) are switches.

pub mod edit;
mod engine;
pub mod redis;
pub mod workload;

pub use engine::{
    run as run_script, value_of, version_in, Arrow, Config, Figures, Lane, Lease, Op, Outcome,
    ReadResult, Step, Token, WritePolicy, BACKOFF_MS, KEY, LEASE_KEY, LOCK_KEY, MAX_STEPS,
    RETRY_MS, STALE_KEY,
};

use super::model::{Choices, Kind, Model, Param};
use super::params::Reader;
use super::thousands;
use crate::{choice, int};

/// Seconds for people.
pub fn secs(ms: u64) -> String {
    super::breaker::secs(ms)
}

/// The most operations per instance.
pub const MAX_OPS: usize = 20;
/// The most schedule entries.
pub const MAX_SCHEDULE: usize = 200;
/// The longest wait in a schedule, ms (one day).
pub const MAX_WAIT_MS: u64 = 86_400_000;

/// Everything a run depends on; what the permalink carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// How writes go.
    pub policy: WritePolicy,
    /// Leases, or a mutex, on misses.
    pub lease: Lease,
    /// TTL jitter, percent (0 to 50).
    pub jitter_pct: u32,
    /// XFetch's β in tenths (0: off, up to 50).
    pub xfetch_beta10: u32,
    /// TTL, ms.
    pub ttl_ms: u32,
    /// Lease lifetime, ms.
    pub lease_ms: u32,
    /// Write-behind flush interval, ms.
    pub flush_ms: u32,
    /// Refresh-ahead point, percent of the TTL.
    pub refresh_pct: u32,
    /// A database read's duration (XFetch's Δ), ms.
    pub db_ms: u32,
    /// Whether the key starts cached.
    pub warm: bool,
    /// Seed of jitter and XFetch.
    pub seed: u32,
    /// Delayed double delete: the delay of the second delete, ms.
    pub double_ms: u32,
    /// Fills use `SET NX`.
    pub fill_nx: bool,
    /// Fills are guarded by `WATCH` and `MULTI`/`EXEC`.
    pub watch: bool,
    /// The row starts missing.
    pub missing: bool,
    /// Negative caching: a missing row is cached as `none`.
    pub negative: bool,
    /// Single flight within each of this many processes (0: off).
    pub flight: u32,
    /// Each instance's operations (two to [`MAX_INSTANCES`] instances).
    pub programs: Vec<Vec<Op>>,
    /// The interleaving.
    pub schedule: Vec<Token>,
}

impl Default for Params {
    fn default() -> Self {
        Preset::StaleSet.params()
    }
}

fn base() -> Params {
    Params {
        policy: WritePolicy::DeleteAfter,
        lease: Lease::Off,
        jitter_pct: 0,
        xfetch_beta10: 0,
        ttl_ms: 30_000,
        lease_ms: 10_000,
        flush_ms: 5_000,
        refresh_pct: 80,
        db_ms: 100,
        warm: false,
        seed: 1,
        double_ms: 500,
        fill_nx: false,
        watch: false,
        missing: false,
        negative: false,
        flight: 0,
        programs: vec![vec![Op::Read, Op::Read], vec![Op::Write]],
        schedule: Vec::new(),
    }
}

/// The most instances a script has (a herd needs more than three).
pub const MAX_INSTANCES: usize = 10;

/// The instances' names in links, `a` to `j`.
pub const NAMES: [&str; MAX_INSTANCES] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];

fn op_slug(op: Op) -> &'static str {
    match op {
        Op::Read => "read",
        Op::Write => "write",
    }
}

/// A schedule entry as the URL writes it: `a`, `b!` (B crashes), `30s`.
pub fn token_slug(t: Token) -> String {
    match t {
        Token::Step(i) => NAMES.get(i).copied().unwrap_or("?").to_string(),
        Token::Crash(i) => format!("{}!", NAMES.get(i).copied().unwrap_or("?")),
        Token::Wait(ms) if ms.is_multiple_of(1000) => format!("{}s", ms / 1000),
        Token::Wait(ms) => format!("{ms}ms"),
    }
}

fn parse_token(word: &str) -> Option<Token> {
    let w = word.trim().to_ascii_lowercase();
    // A wait: a number and a unit, a leading `+` allowed (a `+` that a URL
    // decoded to a space is trimmed away).
    let rest = w.strip_prefix('+').unwrap_or(&w);
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        let ms = super::params::duration(rest)?;
        return (1..=MAX_WAIT_MS).contains(&ms).then_some(Token::Wait(ms));
    }
    let (name, crash) = match w.strip_suffix('!') {
        Some(n) => (n, true),
        None => (w.as_str(), false),
    };
    let i = NAMES.iter().position(|n| *n == name)?;
    Some(if crash {
        Token::Crash(i)
    } else {
        Token::Step(i)
    })
}

impl Params {
    /// The engine's settings.
    pub fn config(&self) -> Config {
        Config {
            policy: self.policy,
            lease: self.lease,
            jitter_pct: self.jitter_pct,
            xfetch_beta10: self.xfetch_beta10,
            ttl_ms: self.ttl_ms.into(),
            lease_ms: self.lease_ms.into(),
            flush_ms: self.flush_ms.into(),
            refresh_pct: self.refresh_pct,
            db_ms: self.db_ms.into(),
            warm: self.warm,
            seed: self.seed,
            double_ms: self.double_ms.into(),
            fill_nx: self.fill_nx,
            watch: self.watch,
            missing: self.missing,
            negative: self.negative,
            flight: self.flight,
        }
    }
}

impl Choices for Lease {
    const ALL: &'static [Lease] = &[Lease::On, Lease::Off, Lease::Mutex, Lease::Stale];
    fn word(self) -> &'static str {
        match self {
            Lease::On => "on",
            Lease::Off => "off",
            Lease::Mutex => "mutex",
            Lease::Stale => "stale",
        }
    }
}

impl Choices for WritePolicy {
    const ALL: &'static [WritePolicy] = &WritePolicy::ALL;
    fn word(self) -> &'static str {
        self.slug()
    }
}

/// The parameters a link carries, in the order it writes them.
const TABLE: &[Param<Params>] = &[
    choice!("policy", "Write policy", WritePolicy, policy),
    choice!("lease", "Leases", Lease, lease),
    int!("jitter", "TTL jitter", "\u{b1}%", 0, 50, jitter_pct),
    int!(
        "xfetch",
        "XFetch \u{3b2}",
        "tenths, 0 off",
        0,
        50,
        xfetch_beta10
    ),
    int!("ttl_ms", "TTL", "ms", 100, 3_600_000, ttl_ms),
    int!("lease_ms", "Lease lifetime", "ms", 100, 600_000, lease_ms).when(|p| p.lease.taken()),
    int!("flush_ms", "Flush every", "ms", 100, 600_000, flush_ms)
        .when(|p| p.policy == WritePolicy::WriteBehind),
    int!("refresh", "Refresh at", "% of TTL", 1, 99, refresh_pct)
        .when(|p| p.policy == WritePolicy::RefreshAhead),
    int!("db_ms", "Database read", "ms", 1, 10_000, db_ms).when(|p| p.xfetch_beta10 > 0),
    int!(
        "double_ms",
        "Second delete after",
        "ms",
        1,
        600_000,
        double_ms
    )
    .when(|p| p.policy == WritePolicy::DoubleDelete),
    choice!("nx", "Fills use SET NX", bool, fill_nx).when(|p| p.fill_nx),
    choice!("watch", "Fills guarded by WATCH", bool, watch).when(|p| p.watch),
    choice!("missing", "The row starts missing", bool, missing).when(|p| p.missing),
    choice!("negative", "Cache a missing row", bool, negative).when(|p| p.negative),
    int!("flight", "Single flight, processes", "0 off", 0, 10, flight).when(|p| p.flight > 0),
    choice!("warm", "Starts cached", bool, warm),
    int!("seed", "Seed", "", 0, u32::MAX, seed).when(|p| p.jitter_pct > 0 || p.xfetch_beta10 > 0),
    Param::new(
        "a",
        "Programs",
        Kind::Group {
            read: read_programs,
            write: write_programs,
        },
    ),
    Param::new(
        "schedule",
        "Schedule",
        Kind::Text {
            get: Params::schedule_text,
            set: read_schedule,
        },
    ),
];

/// Each instance's operations from the keys `a` to `j`: as many instances
/// as the last key the link names, at least two; an instance between them
/// that the link leaves out does nothing.
fn read_programs(p: &mut Params, r: &mut Reader) {
    let clock = r.text(CLOCK_KEY);
    if let Some(c) = clock.filter(|c| *c != CLOCK) {
        r.note(format!(
            "{CLOCK_KEY}={} (the only value is {CLOCK}; read as {CLOCK})",
            super::params::show(c)
        ));
    }
    let mut programs: Vec<Option<Vec<Op>>> = vec![None; MAX_INSTANCES];
    for (i, name) in NAMES.iter().enumerate() {
        if let Some(raw) = r.text(name) {
            let mut ops = Vec::new();
            for w in raw.split(',').filter(|w| !w.trim().is_empty()) {
                match w.trim().to_ascii_lowercase().as_str() {
                    "read" => ops.push(Op::Read),
                    "write" => ops.push(Op::Write),
                    _ => r.note(format!(
                        "{name}: \u{201c}{}\u{201d} (operations are read and write; dropped)",
                        super::params::show(w)
                    )),
                }
            }
            if ops.len() > MAX_OPS {
                r.note(format!(
                    "{name}: more than {MAX_OPS} operations (the rest are dropped)"
                ));
                ops.truncate(MAX_OPS);
            }
            programs[i] = Some(ops);
        }
    }
    // A link with programs and no clock mark was made when steps took
    // time.
    if clock.is_none() && programs.iter().any(Option::is_some) {
        r.note(OLD_CLOCK.to_string());
    }
    if let Some(last) = programs.iter().rposition(Option::is_some) {
        p.programs = programs[..=last.max(1)]
            .iter()
            .map(|p| p.clone().unwrap_or_default())
            .collect();
    }
}

/// The key that marks a link made since steps take no time.
const CLOCK_KEY: &str = "clock";
/// Its value: only the script moves the clock.
const CLOCK: &str = "script";
/// The notice on a link made before.
pub const OLD_CLOCK: &str = "this link is from before steps took no time (each moved the clock 10 ms, each lease wait 50 ms); now only the schedule's waits move it, so times and TTLs left may differ";

fn write_programs(p: &Params, out: &mut Vec<(&'static str, String)>) {
    out.push((CLOCK_KEY, CLOCK.to_string()));
    for (i, ops) in p.programs.iter().enumerate().take(MAX_INSTANCES) {
        out.push((
            NAMES[i],
            ops.iter()
                .map(|o| op_slug(*o))
                .collect::<Vec<_>>()
                .join(","),
        ));
    }
}

/// The schedule from its link text: entries for instances that exist,
/// crashes and waits.
fn read_schedule(p: &mut Params, raw: &str, problems: &mut Vec<String>) {
    let mut tokens = Vec::new();
    for w in raw.split(',').filter(|w| !w.trim().is_empty()) {
        if tokens.len() == MAX_SCHEDULE {
            problems.push(format!(
                "schedule: more than {MAX_SCHEDULE} entries (the rest are dropped)"
            ));
            break;
        }
        match parse_token(w) {
            Some(Token::Step(i) | Token::Crash(i)) if i >= p.programs.len() => problems.push(format!(
                "schedule: \u{201c}{}\u{201d} (there is no instance {}; dropped)",
                super::params::show(w),
                NAMES[i].to_ascii_uppercase()
            )),
            Some(t) => tokens.push(t),
            None => problems.push(format!(
                "schedule: \u{201c}{}\u{201d} (entries are an instance a to j, a crash such as a!, or a wait such as 30s or 500ms; dropped)",
                super::params::show(w)
            )),
        }
    }
    p.schedule = tokens;
}

impl Model for Run {
    type Params = Params;
    const NAME: &'static str = "cache-aside";
    const TABLE: &'static [Param<Params>] = TABLE;

    fn run(params: &Params) -> Run {
        Run::new(params)
    }

    fn params(&self) -> &Params {
        &self.params
    }
}

/// One run of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    params: Params,
    outcome: Outcome,
}

impl Run {
    /// Runs the model.
    pub fn new(params: &Params) -> Run {
        let params = super::model::clamp::<Run>(params);
        let outcome = run_script(&params.config(), &params.programs, &params.schedule);
        Run { params, outcome }
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Every step; step 0 is the start.
    pub fn steps_list(&self) -> &[Step] {
        &self.outcome.steps
    }

    /// The step `k` (the last past the end).
    pub fn step(&self, k: usize) -> &Step {
        &self.outcome.steps[k.min(self.outcome.steps.len() - 1)]
    }

    /// Steps that came from the schedule (the rest finish the programs).
    pub fn scheduled(&self) -> usize {
        self.outcome.scheduled
    }

    /// The figures at the end.
    pub fn total(&self) -> Figures {
        self.step(usize::MAX).figures
    }

    fn intro(&self) -> String {
        let p = &self.params;
        let who: Vec<String> = p
            .programs
            .iter()
            .enumerate()
            .map(|(i, ops)| {
                format!(
                    "{} {}",
                    NAMES[i].to_ascii_uppercase(),
                    if ops.is_empty() {
                        "does nothing".to_string()
                    } else {
                        ops.iter()
                            .map(|o| op_slug(*o))
                            .collect::<Vec<_>>()
                            .join(" then ")
                    }
                )
            })
            .collect();
        format!(
            "Nothing has run yet. The database {}{}. {}. Writes: {}{}{}.",
            if p.missing {
                "has no row 42"
            } else {
                "holds v1"
            },
            match (p.warm, p.missing) {
                (true, false) => " and so does the cache",
                (true, true) => "; the cache holds none (a cached miss)",
                _ => "; the cache is empty",
            },
            who.join("; "),
            p.policy.label().to_lowercase(),
            match p.lease {
                Lease::Off => "",
                Lease::On => ", with leases",
                Lease::Mutex => ", with a mutex around each fill",
                Lease::Stale =>
                    ", with a mutex around each fill and a stale copy kept on invalidation",
            },
            [
                (p.fill_nx, "; fills use SET NX"),
                (p.watch, "; fills are guarded by WATCH"),
                (p.negative, "; a missing row is cached as none"),
            ]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, s)| *s)
            .collect::<String>()
                + &if p.flight > 0 {
                    format!(
                        "; single flight in {} {} (instance A in the first, B in the {}, and so on round)",
                        p.flight,
                        if p.flight == 1 { "process" } else { "processes" },
                        if p.flight == 1 { "first too" } else { "second" }
                    )
                } else {
                    String::new()
                }
        )
    }
}

impl super::Trace for Run {
    fn steps(&self) -> usize {
        self.outcome.steps.len()
    }

    fn caption(&self, step: usize) -> String {
        let step = step.min(self.outcome.steps.len() - 1);
        if step == 0 {
            return self.intro();
        }
        let s = &self.outcome.steps[step];
        let mut text = format!("{}: {}", secs(s.at), s.note);
        if step == self.outcome.scheduled + 1 && step > 1 {
            text = format!("The schedule is over; the programs finish, the first that can go on taking each step. {text}");
        }
        if step + 1 == self.outcome.steps.len() {
            let f = s.figures;
            text.push_str(&format!(
                " In all: {} reads, {} hits, {} misses, {} waits, {} database reads, {} stale.",
                thousands(f.reads.into()),
                thousands(f.hits.into()),
                thousands(f.misses.into()),
                thousands(f.waits.into()),
                thousands(f.db_reads.into()),
                thousands(f.stale_reads.into())
            ));
        }
        text
    }
}

/// A ready-made schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// A reader sets a value read before a writer's commit and delete.
    StaleSet,
    /// Delete, then update: a reader refills the old value in between.
    DeleteFirst,
    /// Two writers set the cache in the opposite order of their commits.
    SetRace,
    /// A writer crashes between its commit and its delete.
    LostDelete,
    /// A hot key expires under three readers.
    Herd,
    /// Write-behind writes lost in a crash.
    WriteBehindCrash,
    /// Delayed double delete: a stale fill before the second delete is
    /// cleared, one after it stays.
    DoubleDelete,
    /// Update, then set, with fills by `SET NX`: a stale fill finds the
    /// writer's value and does nothing.
    SetNx,
    /// A mutex around the fill, and its holder crashes.
    MutexCrash,
    /// Versioned sets: a tombstone refuses an older fill, until it expires.
    Tombstone,
    /// Fills guarded by WATCH: a delete of the value refuses the fill, a
    /// delete of nothing does not.
    Watch,
    /// Set the cache, then the database: a crash between the two.
    CacheFirst,
    /// Negative caching, and its stale "missing" after an insert.
    Negative,
    /// Stale-while-revalidate, and its refresher crashes.
    StaleWhileRevalidate,
    /// Single flight in two processes: a herd of four makes two reads.
    SingleFlight,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 15] = [
        Preset::StaleSet,
        Preset::DeleteFirst,
        Preset::SetRace,
        Preset::LostDelete,
        Preset::Herd,
        Preset::WriteBehindCrash,
        Preset::DoubleDelete,
        Preset::SetNx,
        Preset::MutexCrash,
        Preset::Tombstone,
        Preset::Watch,
        Preset::CacheFirst,
        Preset::Negative,
        Preset::StaleWhileRevalidate,
        Preset::SingleFlight,
    ];

    /// The word the view uses.
    pub fn slug(self) -> &'static str {
        match self {
            Preset::StaleSet => "stale-set",
            Preset::DeleteFirst => "delete-first",
            Preset::SetRace => "set-race",
            Preset::LostDelete => "lost-delete",
            Preset::Herd => "herd",
            Preset::WriteBehindCrash => "write-behind-crash",
            Preset::DoubleDelete => "double-delete",
            Preset::SetNx => "set-nx",
            Preset::MutexCrash => "mutex-crash",
            Preset::Tombstone => "tombstone",
            Preset::Watch => "watch",
            Preset::CacheFirst => "cache-first-crash",
            Preset::Negative => "negative",
            Preset::StaleWhileRevalidate => "stale-while-revalidate",
            Preset::SingleFlight => "single-flight",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Preset::StaleSet => "The stale set",
            Preset::DeleteFirst => "Delete, then update",
            Preset::SetRace => "Update, then set: two writers",
            Preset::LostDelete => "A lost invalidation",
            Preset::Herd => "The thundering herd",
            Preset::WriteBehindCrash => "Write-behind and a crash",
            Preset::DoubleDelete => "Delayed double delete: its window",
            Preset::SetNx => "Fills with SET NX",
            Preset::MutexCrash => "A mutex around the fill, and its holder crashes",
            Preset::Tombstone => "Versioned sets: a tombstone, until it expires",
            Preset::Watch => "Fills guarded by WATCH: what a delete of nothing misses",
            Preset::CacheFirst => "Set the cache, then the database, and a crash",
            Preset::Negative => "Negative caching and its stale \u{201c}missing\u{201d}",
            Preset::StaleWhileRevalidate => "Stale-while-revalidate, and its refresher crashes",
            Preset::SingleFlight => "Single flight: a herd in two processes",
        }
    }

    /// Its parameters.
    pub fn params(self) -> Params {
        use Op::{Read, Write};
        use Token::{Crash, Step as S, Wait};
        let b = base();
        if let Some(p) = self.pattern_params() {
            return p;
        }
        match self {
            Preset::StaleSet => Params {
                schedule: vec![S(0), S(0), S(1), S(1), S(0), S(0)],
                ..b
            },
            Preset::DeleteFirst => Params {
                policy: WritePolicy::DeleteBefore,
                warm: true,
                programs: vec![vec![Write], vec![Read, Read]],
                schedule: vec![S(0), S(1), S(1), S(1), S(0), S(1)],
                ..b
            },
            Preset::SetRace => Params {
                policy: WritePolicy::SetAfter,
                warm: true,
                programs: vec![vec![Write], vec![Write], vec![Read]],
                schedule: vec![S(0), S(1), S(1), S(0), S(2)],
                ..b
            },
            Preset::LostDelete => Params {
                warm: true,
                programs: vec![vec![Write], vec![Read, Read]],
                schedule: vec![S(0), Crash(0), S(1), Wait(31_000), S(1)],
                ..b
            },
            Preset::Herd => Params {
                warm: true,
                programs: vec![vec![Read, Read], vec![Read], vec![Read]],
                schedule: vec![
                    S(0),
                    Wait(31_000),
                    S(0),
                    S(1),
                    S(2),
                    S(0),
                    S(1),
                    S(2),
                    S(0),
                    S(1),
                    S(2),
                ],
                ..b
            },
            Preset::WriteBehindCrash => Params {
                policy: WritePolicy::WriteBehind,
                warm: true,
                programs: vec![vec![Write, Write], vec![Read]],
                schedule: vec![S(0), S(0), Crash(0), Wait(6_000), S(1)],
                ..b
            },
            // A and C both read v1 before B commits v2. A fills before B's
            // second delete, which clears it (A's next read misses); C fills
            // after it, and D reads C's stale value.
            Preset::DoubleDelete => Params {
                policy: WritePolicy::DoubleDelete,
                programs: vec![vec![Read, Read], vec![Write], vec![Read], vec![Read]],
                schedule: vec![
                    S(0),
                    S(0),
                    S(2),
                    S(2),
                    S(1),
                    S(1),
                    S(0),
                    Wait(500),
                    S(1),
                    S(0),
                    S(2),
                    S(3),
                ],
                ..b
            },
            Preset::SetNx => Params {
                policy: WritePolicy::SetAfter,
                fill_nx: true,
                schedule: vec![S(0), S(0), S(1), S(1), S(0), S(0)],
                ..b
            },
            // A takes the lock and crashes before its fill; B finds it
            // taken and waits; two seconds on, the lock has expired and B
            // takes it and fills.
            Preset::MutexCrash => Params {
                lease: Lease::Mutex,
                lease_ms: 1_000,
                programs: vec![vec![Read], vec![Read, Read]],
                schedule: vec![
                    S(0),
                    S(0),
                    Crash(0),
                    S(1),
                    S(1),
                    Wait(2_000),
                    S(1),
                    S(1),
                    S(1),
                    S(1),
                ],
                ..b
            },
            _ => b,
        }
    }

    /// The presets of the patterns that answer the stale set and the herd.
    fn pattern_params(self) -> Option<Params> {
        use Op::{Read, Write};
        use Token::{Crash, Step as S, Wait};
        let b = base();
        Some(match self {
            // A and C read v1 before B commits v2; B's tombstone refuses
            // A's fill, but C's comes after the tombstone expired.
            Preset::Tombstone => Params {
                policy: WritePolicy::Tombstone,
                programs: vec![vec![Read], vec![Write], vec![Read], vec![Read]],
                schedule: vec![
                    S(0),
                    S(0),
                    S(2),
                    S(2),
                    S(1),
                    S(1),
                    S(0),
                    Wait(31_000),
                    S(2),
                    S(3),
                ],
                ..b
            },
            // C watches and reads v1; A fills v1; B commits v2 and deletes
            // A's value, so C's EXEC fails. Then D watches an absent key,
            // reads v2, B commits v3 and deletes nothing, and D's stale
            // fill goes through.
            Preset::Watch => Params {
                watch: true,
                programs: vec![vec![Read, Read], vec![Write, Write], vec![Read], vec![Read]],
                schedule: vec![
                    S(2),
                    S(2),
                    S(0),
                    S(0),
                    S(0),
                    S(1),
                    S(1),
                    S(2),
                    S(3),
                    S(3),
                    S(1),
                    S(1),
                    S(3),
                    S(0),
                ],
                ..b
            },
            // A sets v2 first, so B's read finds the new value, not a hole
            // to refill with the old one; A commits. Then A sets v3 and
            // crashes before its commit.
            Preset::CacheFirst => Params {
                policy: WritePolicy::CacheFirst,
                warm: true,
                programs: vec![vec![Write, Write], vec![Read, Read]],
                schedule: vec![S(0), S(1), S(0), S(0), Crash(0), S(1)],
                ..b
            },
            _ => return self.more_pattern_params(),
        })
    }

    /// The presets of negative caching, stale-while-revalidate and single
    /// flight.
    fn more_pattern_params(self) -> Option<Params> {
        use Op::{Read, Write};
        use Token::{Crash, Step as S, Wait};
        let b = base();
        Some(match self {
            // The row is missing: A caches none and its second read hits
            // it. C read "no row" before B inserts v1 and deletes the key;
            // C's fill of none lands after, and D reads "missing".
            Preset::Negative => Params {
                missing: true,
                negative: true,
                programs: vec![vec![Read, Read], vec![Write], vec![Read], vec![Read]],
                schedule: vec![S(2), S(2), S(0), S(0), S(0), S(0), S(1), S(1), S(2), S(3)],
                ..b
            },
            // A commits v2 and keeps v1 as the stale copy; B takes the lock
            // to refresh, C serves the stale copy at once. B crashes with
            // the lock; D serves stale until the lock expires, then
            // refreshes.
            Preset::StaleWhileRevalidate => Params {
                lease: Lease::Stale,
                warm: true,
                programs: vec![vec![Write], vec![Read], vec![Read], vec![Read, Read]],
                schedule: vec![
                    S(0),
                    S(0),
                    S(1),
                    S(2),
                    Crash(1),
                    S(3),
                    Wait(11_000),
                    S(3),
                    S(3),
                    S(3),
                ],
                ..b
            },
            // The hot key expires under A, B, C and D; A and C share a
            // process, B and D the other: two database reads, not four.
            Preset::SingleFlight => Params {
                flight: 2,
                warm: true,
                programs: vec![vec![Read, Read], vec![Read], vec![Read], vec![Read]],
                schedule: vec![
                    S(0),
                    Wait(31_000),
                    S(0),
                    S(1),
                    S(2),
                    S(3),
                    S(0),
                    S(1),
                    S(2),
                    S(3),
                    S(0),
                    S(1),
                ],
                ..b
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests;
