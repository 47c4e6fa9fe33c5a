//! The isolation lab's model: sessions, each with its own list of SQL
//! statements, interleaved by a schedule and run against the engine under
//! one profile and level. Each session begins a transaction at the lab's
//! level before the first step, as the matrix does. The whole run is
//! computed up front: for every step, the statement that ran, what finished
//! (a waiting statement completes inside another's step), who waits for
//! whom, what each session sees, the row versions, the locks, and the
//! verdict so far.

use super::analysis::{verdict, Anomaly, Dep, Kind, Verdict};
use super::db::{Answer, DbError, Engine, Finished, LockKind, Submitted, Tx, TxState};
use super::engines::{AnyDb, Settings};
use super::innodb::{self, LockWait};
use super::matrix::Profile;
use super::pg::Planner;
use super::presets::{self, Schedule, START};
use super::sql::{parse, Level, Lock, ParseError, Stmt};
use super::tracker::Tracker;
use crate::choice;
use crate::model::{index_of, word_of, Choices, Kind as ParamKind, Model, Param};
use crate::params::{show, Reader};
use crate::query::topic_query;
use crate::Trace;

/// The fewest sessions.
pub const MIN_SESSIONS: usize = 2;
/// The most sessions a URL or the editor gives (a preset may have more).
pub const MAX_SESSIONS: usize = 4;
/// The most statements per session.
pub const MAX_STATEMENTS: usize = 20;
/// The longest statement, in characters.
pub const MAX_SQL: usize = 300;
/// The longest link the lab writes, in characters of the query string.
pub const MAX_URL: usize = 4_000;

/// The URL word of a profile.
pub fn profile_slug(p: Profile) -> &'static str {
    match p {
        Profile::Postgres => "postgres",
        Profile::Innodb => "innodb",
        Profile::Textbook => "textbook",
    }
}

/// A profile's name for people.
pub fn profile_label(p: Profile) -> &'static str {
    match p {
        Profile::Postgres => "PostgreSQL",
        Profile::Innodb => "MySQL / InnoDB",
        Profile::Textbook => "Textbook locking",
    }
}

/// Every profile, in the order the controls list them.
pub const PROFILES: [Profile; 3] = [Profile::Postgres, Profile::Innodb, Profile::Textbook];

/// The profiles in the order the matrix sets them side by side: the
/// textbook's table first, then the real engines.
pub const MATRIX_ORDER: [Profile; 3] = [Profile::Textbook, Profile::Postgres, Profile::Innodb];

/// The URL word of a level.
pub fn level_slug(l: Level) -> &'static str {
    match l {
        Level::ReadUncommitted => "read-uncommitted",
        Level::ReadCommitted => "read-committed",
        Level::RepeatableRead => "repeatable-read",
        Level::Serializable => "serializable",
    }
}

/// A level's name for people.
pub fn level_label(l: Level) -> &'static str {
    match l {
        Level::ReadUncommitted => "Read uncommitted",
        Level::ReadCommitted => "Read committed",
        Level::RepeatableRead => "Repeatable read",
        Level::Serializable => "Serializable",
    }
}

/// Everything a run depends on; what the permalink carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Whose rules.
    pub profile: Profile,
    /// The level every session begins at (one of the profile's levels).
    pub level: Level,
    /// Each session's statements, whitespace collapsed, no `;`.
    pub sessions: Vec<Vec<String>>,
    /// Which session runs its next statement, entry by entry (0-based).
    /// Session `s` appears exactly as many times as it has statements.
    pub schedule: Vec<usize>,
    /// Whether the level x anomaly matrix is open.
    pub matrix: bool,
    /// The engines' settings (each used by its own profile).
    pub settings: Settings,
}

/// The statements and schedule of a preset.
pub fn from_schedule(s: &Schedule) -> (Vec<Vec<String>>, Vec<usize>) {
    let mut sessions = vec![Vec::new(); s.sessions.max(1)];
    let mut schedule = Vec::new();
    for (who, sql) in s.steps {
        if let Some(list) = who.checked_sub(1).and_then(|i| sessions.get_mut(i)) {
            list.push(tidy(sql));
            schedule.push(who - 1);
        }
    }
    (sessions, schedule)
}

/// A statement as the lab keeps it: whitespace collapsed, a trailing `;`
/// dropped.
pub fn tidy(sql: &str) -> String {
    let words: Vec<&str> = sql.split_whitespace().collect();
    words.join(" ").trim_end_matches(';').trim_end().to_string()
}

/// The first schedule entries that interleave `counts` statements one
/// session after the other, round and round.
pub fn round_robin(counts: &[usize]) -> Vec<usize> {
    let mut left = counts.to_vec();
    let mut out = Vec::new();
    while left.iter().any(|&n| n > 0) {
        for (s, n) in left.iter_mut().enumerate() {
            if *n > 0 {
                *n -= 1;
                out.push(s);
            }
        }
    }
    out
}

/// The preset the lab opens with.
const DEFAULT_PRESET: &str = "P4";

impl Default for Params {
    fn default() -> Self {
        let all = presets::all();
        let chosen = all
            .iter()
            .find(|s| s.name == DEFAULT_PRESET)
            .or_else(|| all.first());
        let (sessions, schedule) = match chosen {
            Some(s) => from_schedule(s),
            None => (
                vec![vec!["select * from test".to_string()], vec![]],
                vec![0],
            ),
        };
        Params {
            profile: Profile::Postgres,
            level: default_level(Profile::Postgres),
            sessions,
            schedule,
            matrix: false,
            settings: Settings::default(),
        }
    }
}

/// The level a profile starts at: the engine's own default (repeatable
/// read for InnoDB), else read committed where it has it.
fn default_level(p: Profile) -> Level {
    if p == Profile::Innodb {
        return Level::RepeatableRead;
    }
    let levels = p.levels();
    if levels.contains(&Level::ReadCommitted) {
        Level::ReadCommitted
    } else {
        levels.first().copied().unwrap_or(Level::ReadCommitted)
    }
}

/// The level of `profile` nearest to `wanted`: itself if the profile has
/// it, else the strongest weaker one, else its weakest.
pub fn nearest_level(profile: Profile, wanted: Level) -> Level {
    let levels = profile.levels();
    if levels.contains(&wanted) {
        return wanted;
    }
    levels
        .iter()
        .copied()
        .filter(|l| *l <= wanted)
        .max()
        .or_else(|| levels.first().copied())
        .unwrap_or(Level::ReadCommitted)
}

/// The most sessions the lab reads: its limit, or a larger preset's.
fn max_sessions() -> usize {
    presets::all()
        .iter()
        .map(|s| s.sessions)
        .max()
        .unwrap_or(0)
        .max(MAX_SESSIONS)
}

/// The URL key of session `i` (0-based).
fn session_key(i: usize) -> &'static str {
    const KEYS: [&str; 9] = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"];
    KEYS.get(i).copied().unwrap_or("s9")
}

impl Params {
    /// The name of the preset these statements and schedule are, if any.
    pub fn preset(&self) -> Option<&'static str> {
        presets::all().into_iter().find_map(|s| {
            // A preset runs at most its steps: a longer schedule is none.
            if s.steps.len() < self.schedule.len() {
                return None;
            }
            let (sessions, schedule) = from_schedule(&s);
            (sessions == self.sessions && schedule == self.schedule).then_some(s.name)
        })
    }

    /// The parameters of preset `name` under `profile` at `level`.
    pub fn of_preset(name: &str, profile: Profile, level: Level) -> Option<Params> {
        let s = presets::all().into_iter().find(|s| s.name == name)?;
        let (sessions, schedule) = from_schedule(&s);
        Some(Params {
            profile,
            level: nearest_level(profile, level),
            sessions,
            schedule,
            matrix: false,
            settings: Settings::default(),
        })
    }

    /// Which statement of its session each schedule entry runs.
    pub fn entries(&self) -> Vec<(usize, usize)> {
        let mut next = vec![0; self.sessions.len()];
        self.schedule
            .iter()
            .map(|&s| {
                let j = next.get(s).copied().unwrap_or(0);
                if let Some(n) = next.get_mut(s) {
                    *n += 1;
                }
                (s, j)
            })
            .collect()
    }

    /// The schedule as the editor's text: `1 1 2 1 2 2`.
    pub fn schedule_text(&self) -> String {
        self.schedule
            .iter()
            .map(|s| (s + 1).to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Makes the schedule name each session exactly as often as it has
    /// statements: extra entries are dropped, missing ones added at the
    /// end. Returns what changed, for a notice.
    pub fn fit_schedule(&mut self) -> Vec<String> {
        let n = self.sessions.len();
        let mut seen = vec![0usize; n];
        let mut dropped = vec![0usize; n];
        let mut unknown = 0;
        let mut kept = Vec::with_capacity(self.schedule.len());
        for &s in &self.schedule {
            if s >= n {
                unknown += 1;
            } else if seen[s] < self.sessions[s].len() {
                seen[s] += 1;
                kept.push(s);
            } else {
                dropped[s] += 1;
            }
        }
        let mut notes = Vec::new();
        if unknown > 0 {
            notes.push(format!(
                "schedule: {unknown} entries name a session that does not exist (dropped)"
            ));
        }
        for s in 0..n {
            if dropped[s] > 0 {
                notes.push(format!(
                    "schedule: {} more entries for session {} than it has statements (dropped)",
                    dropped[s],
                    s + 1
                ));
            }
            let missing = self.sessions[s].len() - seen[s];
            if missing > 0 {
                notes.push(format!(
                    "schedule: session {}'s last {} not in it (added at the end)",
                    s + 1,
                    if missing == 1 {
                        "statement was".to_string()
                    } else {
                        format!("{missing} statements were")
                    }
                ));
                kept.extend(std::iter::repeat_n(s, missing));
            }
        }
        self.schedule = kept;
        notes
    }

    /// The length of the query string these parameters make (without the
    /// step), to keep links under [`MAX_URL`].
    pub fn link_len(&self) -> usize {
        topic_query("acid", &crate::pairs::<Run>(self)).len() + "&step=000".len()
    }

    /// Whether the link fits [`MAX_URL`]; if not, the message to show.
    pub fn check_link(&self) -> Result<(), String> {
        let len = self.link_len();
        if len > MAX_URL {
            Err(format!(
                "The link would be {len} characters long, over the lab's limit of {MAX_URL}: shorten or remove a statement."
            ))
        } else {
            Ok(())
        }
    }
}

impl Choices for Profile {
    const ALL: &'static [Profile] = &PROFILES;
    fn word(self) -> &'static str {
        profile_slug(self)
    }
}

impl Choices for LockWait {
    const ALL: &'static [LockWait] = &[LockWait::Long, LockWait::None];
    fn word(self) -> &'static str {
        lock_wait_slug(self)
    }
}

/// The URL word of a lock wait setting.
pub fn lock_wait_slug(w: LockWait) -> &'static str {
    match w {
        LockWait::Long => "wait",
        LockWait::None => "nowait",
    }
}

/// A lock wait setting's name for people.
pub fn lock_wait_label(w: LockWait) -> &'static str {
    match w {
        LockWait::Long => "Wait for the lock (innodb_lock_wait_timeout = 50)",
        LockWait::None => "Fail at once (innodb_lock_wait_timeout = 0)",
    }
}

impl Choices for Planner {
    const ALL: &'static [Planner] = &[Planner::Default, Planner::SeqScanOnly];
    fn word(self) -> &'static str {
        planner_slug(self)
    }
}

/// The URL word of a planner setting.
pub fn planner_slug(p: Planner) -> &'static str {
    match p {
        Planner::Default => "default",
        Planner::SeqScanOnly => "seqscan",
    }
}

/// A planner setting's name for people.
pub fn planner_label(p: Planner) -> &'static str {
    match p {
        Planner::Default => "As PostgreSQL plans them (index scans by key)",
        Planner::SeqScanOnly => "Sequential scans only (index and bitmap scans off)",
    }
}

impl Choices for Level {
    const ALL: &'static [Level] = &Level::ALL;
    fn word(self) -> &'static str {
        level_slug(self)
    }
}

/// A level the profile does not have becomes the nearest one it has.
fn level_of_profile(p: &mut Params) -> Option<String> {
    let wanted = p.level;
    p.level = nearest_level(p.profile, wanted);
    (p.level != wanted).then(|| {
        format!(
            "level={} (the {} profile has {}; using {})",
            level_slug(wanted),
            profile_label(p.profile),
            p.profile
                .levels()
                .iter()
                .map(|l| level_slug(*l))
                .collect::<Vec<_>>()
                .join(", "),
            level_slug(p.level)
        )
    })
}

/// A planner setting under a profile other than PostgreSQL's is dropped.
fn planner_of_profile(p: &mut Params) -> Option<String> {
    let set = p.settings.planner;
    (p.profile != Profile::Postgres && set != Planner::default()).then(|| {
        p.settings.planner = Planner::default();
        format!(
            "planner={} (a PostgreSQL setting; the {} profile has none)",
            planner_slug(set),
            profile_label(p.profile)
        )
    })
}

/// A lock wait setting under a profile other than InnoDB's is dropped.
fn lock_wait_of_profile(p: &mut Params) -> Option<String> {
    let set = p.settings.lock_wait;
    (p.profile != Profile::Innodb && set != LockWait::default()).then(|| {
        p.settings.lock_wait = LockWait::default();
        format!(
            "lock_wait={} (an InnoDB setting; the {} profile has none)",
            lock_wait_slug(set),
            profile_label(p.profile)
        )
    })
}

/// The parameters a link carries, in the order it writes them: a preset by
/// name, or every session's statements and the schedule.
const TABLE: &[Param<Params>] = &[
    Param::new(
        "profile",
        "Rules",
        ParamKind::Choice {
            word: word_of::<Profile>,
            get: |p: &Params| index_of(p.profile),
            // A profile brings its own default level.
            set: |p: &mut Params, i| {
                if let Some(&profile) = PROFILES.get(i) {
                    p.profile = profile;
                    p.level = default_level(profile);
                }
            },
        },
    ),
    choice!("level", "Level", Level, level).fix(level_of_profile),
    Param::new(
        "preset",
        "Scenario",
        ParamKind::Group {
            read: read_scenario,
            write: write_scenario,
        },
    ),
    choice!("planner", "Scans", Planner, settings.planner)
        .when(|p| p.profile == Profile::Postgres && p.settings.planner != Planner::default())
        .fix(planner_of_profile),
    choice!("lock_wait", "Lock waits", LockWait, settings.lock_wait)
        .when(|p| p.profile == Profile::Innodb && p.settings.lock_wait != LockWait::default())
        .fix(lock_wait_of_profile),
    choice!("matrix", "Level \u{d7} anomaly matrix", bool, matrix).when(|p| p.matrix),
];

/// The scenario: a preset by name, or sessions `s1`… with their statements,
/// and the schedule.
fn read_scenario(p: &mut Params, r: &mut Reader) {
    let most = max_sessions();
    let given: Vec<Option<&str>> = (0..most).map(|i| r.text(session_key(i))).collect();
    let preset = r.text("preset");
    let custom = given.iter().any(Option::is_some);
    if let Some(name) = preset {
        let found = presets::all()
            .into_iter()
            .find(|s| s.name.eq_ignore_ascii_case(name.trim()));
        match (found, custom) {
            (Some(_), true) => r.note(format!(
                "preset={} (the statements given in the link are used instead)",
                show(name)
            )),
            (Some(s), false) => {
                (p.sessions, p.schedule) = from_schedule(&s);
            }
            (None, _) => r.note(format!(
                "preset={} (no such preset; {})",
                show(name),
                if custom {
                    "using the statements given"
                } else {
                    "using the default"
                }
            )),
        }
    }
    if custom {
        let count = given
            .iter()
            .rposition(Option::is_some)
            .map_or(0, |i| i + 1)
            .max(MIN_SESSIONS);
        p.sessions = (0..count)
            .map(|i| read_session(r, i, given[i].unwrap_or("")))
            .collect();
        p.schedule = round_robin(&p.sessions.iter().map(Vec::len).collect::<Vec<_>>());
    }
    // Without a schedule, the preset's (or the default's) schedule
    // already fits.
    if let Some(raw) = r.text("schedule") {
        let (schedule, notes) = parse_schedule(raw, p.sessions.len());
        for n in notes {
            r.note(n);
        }
        p.schedule = schedule;
        for n in p.fit_schedule() {
            r.note(n);
        }
    }
}

fn write_scenario(p: &Params, out: &mut Vec<(&'static str, String)>) {
    match p.preset() {
        Some(name) => out.push(("preset", name.to_string())),
        None => {
            for (i, stmts) in p.sessions.iter().enumerate() {
                out.push((session_key(i), stmts.join(";")));
            }
            out.push((
                "schedule",
                p.schedule
                    .iter()
                    .map(|s| (s + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            ));
        }
    }
}

/// Keeps the link under its limit by dropping the last statements.
fn fit_link(p: &mut Params) -> Option<String> {
    let mut dropped = 0;
    while p.check_link().is_err() {
        let Some(&s) = p.schedule.last() else {
            break;
        };
        p.schedule.pop();
        p.sessions[s].pop();
        dropped += 1;
    }
    (dropped > 0).then(|| {
        format!(
            "the scenario is longer than the {MAX_URL}-character link limit (its last {dropped} statements are dropped)"
        )
    })
}

/// One session's statements from its URL value (statements split at `;`).
fn read_session(r: &mut Reader, i: usize, raw: &str) -> Vec<String> {
    let key = session_key(i);
    let mut out = Vec::new();
    for part in raw.split(';') {
        let sql = tidy(part);
        if sql.is_empty() {
            continue;
        }
        if out.len() == MAX_STATEMENTS {
            r.note(format!(
                "{key}: more than {MAX_STATEMENTS} statements (the rest are dropped)"
            ));
            break;
        }
        if sql.chars().count() > MAX_SQL {
            r.note(format!(
                "{key}: \u{201c}{}\u{201d} is longer than {MAX_SQL} characters (dropped)",
                show(&sql)
            ));
            continue;
        }
        out.push(sql);
    }
    out
}

/// Reads a schedule written as session numbers (`1 1 2` or `1,1,2`).
/// Returns the 0-based sessions and what was ignored.
pub fn parse_schedule(raw: &str, sessions: usize) -> (Vec<usize>, Vec<String>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let limit = MAX_STATEMENTS * max_sessions();
    for word in raw
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        if out.len() == limit {
            notes.push(format!(
                "schedule: more than {limit} entries (the rest are dropped)"
            ));
            break;
        }
        match word.parse::<usize>() {
            Ok(n) if (1..=sessions).contains(&n) => out.push(n - 1),
            _ => notes.push(format!(
                "schedule: \u{201c}{}\u{201d} (entries are session numbers 1 to {sessions}; dropped)",
                show(word)
            )),
        }
    }
    (out, notes)
}

impl Model for Run {
    type Params = Params;
    const NAME: &'static str = "isolation";
    const TABLE: &'static [Param<Params>] = TABLE;

    fn run(params: &Params) -> Run {
        Run::new(params)
    }

    fn params(&self) -> &Params {
        &self.params
    }

    fn settle(params: &mut Params) -> Option<String> {
        fit_link(params)
    }
}

/// Where a statement is at a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Not run yet.
    Pending,
    /// Sent at step `since`, waiting for session `on`'s transaction.
    Waiting {
        /// The step it was sent at.
        since: usize,
        /// The session holding what it needs.
        on: usize,
    },
    /// Finished at step `at` (sent at `sent`) with `answer`.
    Done {
        /// The step it was sent at.
        sent: usize,
        /// The step it finished at.
        at: usize,
        /// What the database answered.
        answer: Answer,
    },
    /// Not sent at step `at`: its session was still waiting.
    NotSent {
        /// The step.
        at: usize,
    },
    /// Outside the SQL subset; skipped at step `at` (0 until its turn).
    Invalid {
        /// Why.
        error: ParseError,
    },
}

/// What the statement of a step did when sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The state before the first statement.
    Start,
    /// It finished with this answer.
    Finished(Answer),
    /// It waits for the transaction of this session.
    Blocked(usize),
    /// Its session was still waiting: it was not sent.
    NotSent,
    /// It is outside the subset.
    Invalid(ParseError),
}

/// One step of a run.
#[derive(Debug, Clone)]
pub struct Step {
    /// The schedule entry run: session and statement index (none at step 0).
    pub entry: Option<(usize, usize)>,
    /// What it did.
    pub outcome: Outcome,
    /// Other statements that completed in this step: session, statement
    /// index, answer.
    pub released: Vec<(usize, usize, Answer)>,
    /// Every statement's status after the step.
    pub status: Vec<Vec<Status>>,
    /// The database after the step.
    pub db: AnyDb,
    /// The anomaly the history so far shows, if any ([`Run::verdict`] has
    /// the whole judgement).
    pub anomaly: Option<Anomaly>,
    /// The step whose database the verdict so far was judged on: this
    /// one, as every step is judged; `None` for the inner steps of a light
    /// run, which are not.
    pub judged_at: Option<usize>,
    /// The sentence that says what happened.
    pub caption: String,
}

/// One run of a scenario.
#[derive(Debug, Clone)]
pub struct Run {
    params: Params,
    steps: Vec<Step>,
    work: u64,
}

/// `T3` for transaction 3.
pub fn tx_name(tx: Tx) -> String {
    format!("T{tx}")
}

/// An answer in a few words.
pub fn answer_text(a: &Answer) -> String {
    match a {
        Answer::Rows(rows) if rows.is_empty() => "no rows".into(),
        Answer::Rows(rows) => rows
            .iter()
            .map(|(i, v)| format!("id {i} = {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        Answer::Values(v) => v
            .iter()
            .map(|x| x.map_or("null".to_string(), |x| x.to_string()))
            .collect::<Vec<_>>()
            .join(", "),
        Answer::Changed(1) => "1 row changed".into(),
        Answer::Changed(n) => format!("{n} rows changed"),
        Answer::Done => "done".into(),
        Answer::Error(e) => error_text(*e),
    }
}

/// The plain explanation of an anomaly.
pub fn explain(a: Option<Anomaly>) -> &'static str {
    match a {
        None => "No cycle of dependencies among the committed transactions: the outcome is the same as running them one at a time, in the order shown.",
        Some(Anomaly::DirtyWrite) => "Two transactions overwrote each other's uncommitted rows in opposite orders, so the final data matches no order of running them one at a time.",
        Some(Anomaly::AbortedRead) => "A transaction read a value whose writer then rolled back: it acted on data that never officially existed.",
        Some(Anomaly::IntermediateRead) => "A transaction read a value its writer changed again before committing: it saw a state that was never committed.",
        Some(Anomaly::CircularFlow) => "Each transaction saw the other's writes: information flowed both ways, which no one-at-a-time order allows.",
        Some(Anomaly::LostUpdate) => "Both transactions read the row and then wrote it; the later write replaced the earlier one without seeing it, so one change is lost.",
        Some(Anomaly::ReadSkew) => "A transaction saw some rows from before another transaction's commit and some from after it: a mix of two states that never existed together.",
        Some(Anomaly::WriteSkew) => "Each transaction read what the other then changed, and wrote something else: each decision was right on its own and wrong together.",
        Some(Anomaly::Phantom) => "The rows a search condition covers changed under a transaction that relied on them: another transaction added, removed or changed a matching row.",
    }
}

/// A dependency's kind in a word or two.
pub fn kind_label(k: Kind) -> &'static str {
    match k {
        Kind::WriteWrite => "ww",
        Kind::WriteRead => "wr",
        Kind::ReadWrite => "rw",
        Kind::Predicate => "rw (predicate)",
    }
}

/// A dependency in words.
pub fn dep_text(d: &Dep) -> String {
    let what = match d.kind {
        Kind::WriteWrite => "overwrote",
        Kind::WriteRead => "read what",
        Kind::ReadWrite => "changed what",
        Kind::Predicate => "changed what matched the condition of",
    };
    match d.kind {
        Kind::WriteWrite => format!(
            "{} {what} {} wrote (row {})",
            tx_name(d.to),
            tx_name(d.from),
            d.id
        ),
        Kind::WriteRead => format!(
            "{} {what} {} wrote (row {})",
            tx_name(d.to),
            tx_name(d.from),
            d.id
        ),
        Kind::ReadWrite => format!(
            "{} {what} {} had read (row {})",
            tx_name(d.to),
            tx_name(d.from),
            d.id
        ),
        Kind::Predicate => format!(
            "{} {what} {} (row {})",
            tx_name(d.to),
            tx_name(d.from),
            d.id
        ),
    }
}

/// The committed transactions of `db`, in an order that respects `deps`
/// (an equivalent serial order when there is no cycle).
pub fn serial_order(db: &dyn Engine, deps: &[Dep]) -> Vec<Tx> {
    let mut txs: Vec<Tx> = (1..)
        .map_while(|t| db.tx_state(t).map(|s| (t, s)))
        .filter(|(_, s)| *s == TxState::Committed)
        .map(|(t, _)| t)
        .collect();
    // For each transaction, the dependencies into it from the others left.
    let n = txs.last().map_or(0, |t| t + 1);
    let mut left = vec![false; n];
    for &t in &txs {
        left[t] = true;
    }
    let mut into = vec![0usize; n];
    let mut from: Vec<Vec<Tx>> = vec![Vec::new(); n];
    for d in deps {
        if d.from != d.to && d.from < n && d.to < n && left[d.from] {
            into[d.to] += 1;
            from[d.from].push(d.to);
        }
    }
    let mut out = Vec::new();
    while !txs.is_empty() {
        let free = txs.iter().position(|t| into[*t] == 0).unwrap_or(0);
        let t = txs.remove(free);
        for &to in &from[t] {
            into[to] -= 1;
        }
        out.push(t);
    }
    out
}

/// The error a statement outside the subset gets in a caption.
fn invalid_text(e: &ParseError) -> String {
    format!("at character {}: {}", e.at + 1, e.message)
}

fn session_name(s: usize) -> String {
    format!("Session {}", s + 1)
}

/// A run being computed, one schedule entry after the other.
struct Builder<'a> {
    params: &'a Params,
    /// Whether only the last step keeps its database and verdict.
    light: bool,
    /// Each session's statements, parsed.
    parsed: Vec<Vec<Result<Stmt, ParseError>>>,
    db: AnyDb,
    status: Vec<Vec<Status>>,
    /// Each session's waiting statement: the step it was sent at, its index.
    waiting: Vec<Option<(usize, usize)>>,
    /// The last step.
    last: usize,
    /// Whether an anomaly was certain before the step.
    certain: bool,
    /// The dependencies so far, kept as the run advances.
    tracker: Tracker,
    /// The database a light run's steps keep.
    empty: AnyDb,
    /// Whether this step is shown, and so has its caption and statuses
    /// (every step, or only a light run's last).
    words: bool,
}

impl<'a> Builder<'a> {
    /// The database under the profile's rules with every session in a
    /// transaction at the lab's level, and every statement pending (or
    /// marked outside the subset).
    fn new(params: &'a Params, light: bool) -> Builder<'a> {
        let n = params.sessions.len();
        let parsed: Vec<Vec<Result<Stmt, ParseError>>> = params
            .sessions
            .iter()
            .map(|list| list.iter().map(|sql| parse(sql)).collect())
            .collect();
        let mut db = AnyDb::with(params.profile, &START, n, params.settings);
        if let Ok(begin) = parse(&format!("begin isolation level {}", params.level.sql())) {
            for s in 0..n {
                db.run(s, &begin);
            }
        }
        let status = parsed
            .iter()
            .map(|list| {
                list.iter()
                    .map(|p| match p {
                        Ok(_) => Status::Pending,
                        Err(e) => Status::Invalid { error: e.clone() },
                    })
                    .collect()
            })
            .collect();
        Builder {
            params,
            light,
            parsed,
            db,
            status,
            waiting: vec![None; n],
            last: params.schedule.len(),
            certain: false,
            tracker: Tracker::new(),
            empty: AnyDb::new(Profile::Postgres, &[], 0),
            words: true,
        }
    }

    /// Step 0: the sessions' transactions begun, nothing run.
    fn first_step(&mut self) -> Step {
        let names: Vec<String> = (0..self.params.sessions.len())
            .map(|s| (s + 1).to_string())
            .collect();
        Step {
            entry: None,
            outcome: Outcome::Start,
            released: Vec::new(),
            status: self.status.clone(),
            db: self.db.clone(),
            anomaly: self.judged_now(0).1,
            judged_at: Some(0),
            caption: format!(
                "Sessions {} each begin a transaction at {} ({} rules); the table holds {}. Step forward to run the first statement.",
                join_and(&names),
                self.params.level.sql(),
                profile_label(self.params.profile),
                answer_text(&Answer::Rows(START.to_vec()))
            ),
        }
    }

    /// Step `at`: session `s` sends its statement `j`.
    fn step(&mut self, at: usize, s: usize, j: usize) -> Step {
        // A light run's inner steps are never shown: no caption.
        self.words = !self.light || at == self.last;
        let sql = self.sql(s, j);
        let plan = match self.parsed.get(s).and_then(|l| l.get(j)) {
            Some(Ok(stmt)) if self.words && self.params.profile == Profile::Postgres => self
                .db
                .plan_text(stmt)
                .map(|p| format!(" (plan: {p})"))
                .unwrap_or_default(),
            _ => String::new(),
        };
        let mut caption = if self.words {
            format!("{} runs \u{201c}{sql}\u{201d}{plan}: ", session_name(s))
        } else {
            String::new()
        };
        let mut released = Vec::new();
        let outcome = match self.parsed.get(s).and_then(|l| l.get(j)).cloned() {
            None => Outcome::NotSent,
            Some(Err(e)) => {
                caption.push_str(&format!(
                    "this is outside the lab's SQL subset ({}), so it is skipped.",
                    invalid_text(&e)
                ));
                Outcome::Invalid(e)
            }
            Some(Ok(stmt)) => {
                let tx_before = self.db.tx_of(s);
                let (own, blocked) = self.send(at, s, &stmt, &mut released);
                let sent = Sent {
                    at,
                    s,
                    j,
                    tx_before,
                };
                self.settle(sent, &stmt, own, blocked, &mut caption)
            }
        };
        let (judged_at, anomaly) = self.judge(at);
        if self.words {
            caption.push_str(&self.released_text(&released));
            caption.push_str(&self.closing_text(at, anomaly));
        } else {
            caption.clear();
        }
        self.certain |= anomaly.is_some();
        let keep = self.words;
        Step {
            entry: Some((s, j)),
            outcome,
            released,
            status: if keep {
                self.status.clone()
            } else {
                Vec::new()
            },
            db: if keep {
                self.db.clone()
            } else {
                self.empty.clone()
            },
            anomaly,
            judged_at,
            caption,
        }
    }

    /// The text of session `s`'s statement `j`.
    fn sql(&self, s: usize, j: usize) -> String {
        self.params
            .sessions
            .get(s)
            .and_then(|l| l.get(j))
            .cloned()
            .unwrap_or_default()
    }

    /// Runs `stmt` for session `s` at step `at`. Returns its own answer if
    /// it finished, the session it waits for if it blocked; the waiting
    /// statements of other sessions it released are marked done and added
    /// to `released`.
    fn send(
        &mut self,
        at: usize,
        s: usize,
        stmt: &Stmt,
        released: &mut Vec<(usize, usize, Answer)>,
    ) -> (Option<Answer>, Option<usize>) {
        let (finished, blocked) = match self.db.run(s, stmt) {
            Submitted::Done(f) => (f, None),
            Submitted::Blocked { on, finished } => (finished, Some(on)),
            Submitted::Busy => (Vec::new(), None),
        };
        let mut own: Option<Answer> = None;
        for Finished { session, answer } in finished {
            if session == s && own.is_none() && self.waiting[s].is_none() {
                own = Some(answer);
            } else if let Some((sent, jj)) = self.waiting.get_mut(session).and_then(Option::take) {
                if let Some(st) = self.status.get_mut(session).and_then(|l| l.get_mut(jj)) {
                    *st = Status::Done {
                        sent,
                        at,
                        answer: answer.clone(),
                    };
                }
                released.push((session, jj, answer));
            }
        }
        (own, blocked)
    }

    /// Records what the statement sent did: finished with `own`, waits for
    /// `blocked`, or was not sent (its session still waits); the caption
    /// says so.
    fn settle(
        &mut self,
        sent: Sent,
        stmt: &Stmt,
        own: Option<Answer>,
        blocked: Option<usize>,
        caption: &mut String,
    ) -> Outcome {
        let Sent {
            at,
            s,
            j,
            tx_before,
        } = sent;
        match (own, blocked) {
            (Some(answer), _) => {
                self.status[s][j] = Status::Done {
                    sent: at,
                    at,
                    answer: answer.clone(),
                };
                if self.words {
                    caption.push_str(&finished_text(stmt, &answer, &self.db, tx_before));
                }
                Outcome::Finished(answer)
            }
            (None, Some(on)) => {
                self.status[s][j] = Status::Waiting { since: at, on };
                self.waiting[s] = Some((at, j));
                if !self.words {
                    return Outcome::Blocked(on);
                }
                let holder = self.db.tx_of(on).map(tx_name).unwrap_or_default();
                let gap = self.db.locks().into_iter().any(|l| {
                    l.session == s
                        && matches!(
                            l.kind,
                            LockKind::Gap { waiting: true, .. }
                                | LockKind::InsertIntention { waiting: true }
                        )
                });
                caption.push_str(&format!(
                    "it must wait, because {} ({holder}) holds a lock on {} it needs.",
                    session_name(on),
                    if gap { "a gap between rows" } else { "a row" }
                ));
                Outcome::Blocked(on)
            }
            (None, None) => {
                self.status[s][j] = Status::NotSent { at };
                let on = self
                    .db
                    .waits_for(s)
                    .map(|o| format!(" for {}", session_name(o)))
                    .unwrap_or_default();
                *caption = format!(
                    "{} is still waiting{on}, so its next statement, \u{201c}{}\u{201d}, cannot be sent; the lab skips it, as the matrix does.",
                    session_name(s),
                    self.sql(s, j)
                );
                Outcome::NotSent
            }
        }
    }

    /// The caption's sentences for the waiting statements that completed.
    fn released_text(&self, released: &[(usize, usize, Answer)]) -> String {
        let mut out = String::new();
        for (rs, rj, answer) in released {
            out.push_str(&format!(
                " {}'s waiting \u{201c}{}\u{201d} now completes: {}.",
                session_name(*rs),
                self.sql(*rs, *rj),
                match answer {
                    Answer::Error(e) => error_text(*e),
                    other => answer_text(other),
                }
            ));
        }
        out
    }

    /// The verdict after step `at`, as the step it was judged at and its
    /// anomaly: every step, which costs what the step added to the history
    /// (a transaction's end, or a read it made intermediate by writing its
    /// row again, may change it); not at all for a light run's inner steps.
    fn judge(&mut self, at: usize) -> (Option<usize>, Option<Anomaly>) {
        if self.light && at != self.last {
            return (None, None);
        }
        let (k, a) = self.judged_now(at);
        (Some(k), a)
    }

    /// Judges the database now, at step `at`.
    fn judged_now(&mut self, at: usize) -> (usize, Option<Anomaly>) {
        (at, self.tracker.anomaly(&self.db))
    }

    /// The caption's end: the verdict at the end of the schedule (and the
    /// transactions left open), or the moment an anomaly becomes certain.
    fn closing_text(&self, at: usize, anomaly: Option<Anomaly>) -> String {
        if at == self.last {
            let mut out = format!(
                " End of the schedule: {}.",
                match anomaly {
                    Some(a) => a.label().to_string(),
                    None => "serializable".to_string(),
                }
            );
            let open: Vec<String> = (0..self.params.sessions.len())
                .filter_map(|s| self.db.tx_of(s).map(tx_name))
                .collect();
            if !open.is_empty() {
                out.push_str(&format!(
                    " Still open, and left out of the verdict: {}.",
                    join_and(&open)
                ));
            }
            out
        } else if let (Some(a), false) = (anomaly, self.certain) {
            format!(" The anomaly is now certain: {}.", a.label())
        } else {
            String::new()
        }
    }
}

/// A statement sent at step `at`: session `s`'s statement `j`, and the
/// transaction the session had before it.
#[derive(Debug, Clone, Copy)]
struct Sent {
    at: usize,
    s: usize,
    j: usize,
    tx_before: Option<Tx>,
}

#[cfg(test)]
#[path = "lab_build_tests.rs"]
mod lab_build_tests;

impl Run {
    /// Runs the scenario.
    pub fn new(params: &Params) -> Run {
        Run::build(&crate::clamp::<Run>(params), false)
    }

    /// Runs the scenario keeping only the last step's database and
    /// verdict: what one run and its judgement cost (a comparison runs
    /// one per level).
    pub fn light(params: &Params) -> Run {
        Run::build(&crate::clamp::<Run>(params), true)
    }

    /// Runs the scenario; a `light` run keeps the database and the verdict
    /// of its last step only (for comparisons that need the outcome).
    fn build(params: &Params, light: bool) -> Run {
        let mut b = Builder::new(params, light);
        let mut steps = vec![b.first_step()];
        for (k, &(s, j)) in params.entries().iter().enumerate() {
            steps.push(b.step(k + 1, s, j));
        }
        Run {
            params: params.clone(),
            steps,
            work: b.tracker.work(),
        }
    }

    /// The parameters of this run.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Step `k` (the last step for `k` past the end).
    pub fn step(&self, k: usize) -> &Step {
        &self.steps[k.min(self.steps.len() - 1)]
    }

    /// Every step.
    pub fn steps_list(&self) -> &[Step] {
        &self.steps
    }

    /// The verdict at the end.
    pub fn final_verdict(&self) -> Verdict {
        self.verdict(usize::MAX)
    }

    /// The judgement of the history at step `k` (the last step for `k`
    /// past the end), with every dependency and the proof. Empty for the
    /// inner steps of a light run.
    pub fn verdict(&self, k: usize) -> Verdict {
        match self.step(k).judged_at.and_then(|j| self.steps.get(j)) {
            Some(st) => verdict(&st.db),
            None => Verdict {
                anomaly: None,
                proof: Vec::new(),
                deps: Vec::new(),
            },
        }
    }

    /// The elementary operations judging the run took: events filed,
    /// writes compared with scans, dependencies added, successor words
    /// combined (see [`Tracker::work`]). A measure of the time opening it costs, the same
    /// on every machine; the property tests bound it by the link's size.
    pub fn work(&self) -> u64 {
        self.work
    }

    /// Whether any statement had to wait.
    pub fn any_wait(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s.outcome, Outcome::Blocked(_)))
    }

    /// The distinct errors the database gave (other than "transaction is
    /// aborted"), in order.
    pub fn errors(&self) -> Vec<DbError> {
        let mut out = Vec::new();
        for st in &self.steps {
            let own = match &st.outcome {
                Outcome::Finished(Answer::Error(e)) => Some(*e),
                _ => None,
            };
            let others = st.released.iter().filter_map(|(_, _, a)| match a {
                Answer::Error(e) => Some(*e),
                _ => None,
            });
            for e in own.into_iter().chain(others) {
                if e != DbError::InFailedTransaction && !out.contains(&e) {
                    out.push(e);
                }
            }
        }
        out
    }

    /// Every read's answer: session, statement, answer.
    fn reads(&self) -> Vec<(usize, usize, Answer)> {
        let last = self.step(usize::MAX);
        let mut out = Vec::new();
        for (s, list) in last.status.iter().enumerate() {
            for (j, st) in list.iter().enumerate() {
                if let Status::Done {
                    answer: a @ (Answer::Rows(_) | Answer::Values(_)),
                    ..
                } = st
                {
                    out.push((s, j, a.clone()));
                }
            }
        }
        out
    }
}

/// `a, b and c`.
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// An error as the database's client prints it: PostgreSQL's `ERROR:`
/// and its message, or MySQL's error number, SQLSTATE and message.
pub fn error_text(e: DbError) -> String {
    match innodb::mysql_code(e) {
        (0, _) => format!("ERROR: {}", e.message()),
        (code, state) => format!("ERROR {code} ({state}): {}", e.server_text()),
    }
}

/// What an error undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorEffect {
    /// PostgreSQL: the transaction is aborted and refuses every query until
    /// ROLLBACK.
    Transaction,
    /// InnoDB's deadlock victim: the whole transaction is rolled back.
    RolledBack,
    /// InnoDB's other errors: only the statement is undone; the
    /// transaction stays open.
    Statement,
}

impl std::fmt::Display for ErrorEffect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ErrorEffect::Transaction => "the transaction is aborted",
            ErrorEffect::RolledBack => "InnoDB rolls the whole transaction back",
            ErrorEffect::Statement => {
                "only the statement is undone, and the transaction stays open"
            }
        })
    }
}

/// What `e` undoes, by the engine that gives it.
pub fn error_effect(e: DbError) -> ErrorEffect {
    match (e, innodb::mysql_code(e).0) {
        (DbError::DeadlockFound, _) => ErrorEffect::RolledBack,
        (DbError::DecimalDivision, _) => ErrorEffect::Statement,
        (_, 0) => ErrorEffect::Transaction,
        _ => ErrorEffect::Statement,
    }
}

/// The caption's end for a statement that finished at once.
fn finished_text(stmt: &Stmt, answer: &Answer, db: &dyn Engine, tx_before: Option<Tx>) -> String {
    match (stmt, answer) {
        (_, Answer::Error(e)) => format!(
            "the database answers {}; {}.",
            error_text(*e),
            error_effect(*e)
        ),
        (Stmt::Commit, Answer::Done) => match tx_before {
            Some(t) if db.tx_state(t) == Some(TxState::Aborted) => {
                format!("{} had failed, so COMMIT rolls it back.", tx_name(t))
            }
            Some(t) => format!("{} commits.", tx_name(t)),
            None => "there is no transaction to commit.".into(),
        },
        (Stmt::Rollback, Answer::Done) => match tx_before {
            Some(t) => format!("{} rolls back.", tx_name(t)),
            None => "there is no transaction to roll back.".into(),
        },
        (Stmt::Select { .. }, a) => format!("it reads {}.", answer_text(a)),
        (_, a) => format!("{}.", answer_text(a)),
    }
}

impl Trace for Run {
    fn steps(&self) -> usize {
        self.steps.len()
    }

    fn caption(&self, step: usize) -> String {
        self.step(step).caption.clone()
    }
}

/// How one level fared with the scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelOutcome {
    /// The level.
    pub level: Level,
    /// The anomaly at the end, if any.
    pub anomaly: Option<Anomaly>,
    /// Whether a statement had to wait.
    pub waited: bool,
    /// The errors the database gave.
    pub errors: Vec<DbError>,
    /// Whether some read answered differently from the weakest level's
    /// run (PostgreSQL: the transaction read its older snapshot).
    pub older_snapshot: bool,
}

impl LevelOutcome {
    /// How the level prevented (or did not prevent) the anomaly, in words.
    pub fn how(&self) -> String {
        let mut parts = Vec::new();
        if self.waited {
            parts.push("a statement waits for a lock".to_string());
        }
        for e in &self.errors {
            let what = match error_effect(*e) {
                ErrorEffect::Transaction => "a transaction is aborted",
                ErrorEffect::RolledBack => "a transaction is rolled back",
                ErrorEffect::Statement => "a statement fails",
            };
            parts.push(format!("{what} ({})", e.message()));
        }
        if self.older_snapshot {
            parts.push("reads come from an older snapshot".to_string());
        }
        if parts.is_empty() {
            "nothing stops it: every statement runs at once".to_string()
        } else {
            let mut s = join_and(&parts);
            if let Some(first) = s.get(..1) {
                s = first.to_uppercase() + &s[1..];
            }
            s
        }
    }
}

/// The scenario at every level of its profile.
pub fn compare(params: &Params) -> Vec<LevelOutcome> {
    let mut base: Option<Vec<(usize, usize, Answer)>> = None;
    params
        .profile
        .levels()
        .iter()
        .map(|&level| {
            let run = Run::build(
                &Params {
                    level,
                    ..params.clone()
                },
                true,
            );
            let reads = run.reads();
            let older_snapshot = params.profile != Profile::Textbook
                && base.as_ref().is_some_and(|b| {
                    reads
                        .iter()
                        .any(|r| b.iter().any(|x| x.0 == r.0 && x.1 == r.1 && x.2 != r.2))
                });
            if base.is_none() {
                base = Some(reads);
            }
            LevelOutcome {
                level,
                // As the run judged it at its last step: the same as the
                // verdict, without listing every dependency.
                anomaly: run.step(usize::MAX).anomaly,
                waited: run.any_wait(),
                errors: run.errors(),
                older_snapshot,
            }
        })
        .collect()
}

/// The client a profile's export is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// PostgreSQL's `psql`.
    Psql,
    /// The `mariadb` (or `mysql`) client, against InnoDB.
    Mysql,
}

impl Dialect {
    fn of(profile: Profile) -> Dialect {
        match profile {
            Profile::Innodb => Dialect::Mysql,
            Profile::Postgres | Profile::Textbook => Dialect::Psql,
        }
    }

    /// How a session starts its transaction at `level`.
    fn begin(self, level: Level) -> String {
        match self {
            Dialect::Psql => format!("BEGIN ISOLATION LEVEL {}", level.sql()),
            Dialect::Mysql => format!(
                "SET TRANSACTION ISOLATION LEVEL {}; START TRANSACTION",
                level.sql()
            ),
        }
    }

    /// A statement of a session as this client must be given it: as typed,
    /// unless the lab's spelling is one the server does not accept
    /// (MariaDB has no `FOR SHARE` and no `BEGIN ISOLATION LEVEL`;
    /// PostgreSQL has no `LOCK IN SHARE MODE`).
    fn statement(self, sql: &str) -> String {
        let Ok(stmt) = parse(sql) else {
            return sql.to_string();
        };
        let lower = sql.to_ascii_lowercase();
        match (self, &stmt) {
            (Dialect::Mysql, Stmt::Begin(Some(level))) => self.begin(*level),
            (
                Dialect::Mysql,
                Stmt::Select {
                    lock: Some(Lock::Share),
                    ..
                },
            ) if !lower.contains("lock in share mode") => stmt
                .to_string()
                .replace(" FOR SHARE", " LOCK IN SHARE MODE"),
            (
                Dialect::Psql,
                Stmt::Select {
                    lock: Some(Lock::Share),
                    ..
                },
            ) if lower.contains("lock in share mode") => stmt.to_string(),
            _ => sql.to_string(),
        }
    }
}

/// How a session of `profile` begins its transaction at `level`, in the
/// server's own SQL.
pub fn begin_sql(profile: Profile, level: Level) -> String {
    Dialect::of(profile).begin(level)
}

/// The scenario as SQL for real client sessions (`psql` for PostgreSQL and
/// the textbook, `mariadb` or `mysql` for InnoDB): the table's setup, the
/// session settings the lab ran with, then one block per session, each
/// statement with its place in the interleaving as a comment.
pub fn export_sql(run: &Run) -> String {
    let params = run.params();
    let dialect = Dialect::of(params.profile);
    let mut s = export_header(params, dialect);
    let entries = params.entries();
    for (sess, list) in params.sessions.iter().enumerate() {
        s.push_str(&format!("\n-- Session {}\n", sess + 1));
        for line in session_settings(params, dialect) {
            s.push_str(&format!("{line};\n"));
        }
        s.push_str(&format!("{};  -- step 0\n", dialect.begin(params.level)));
        for (j, sql) in list.iter().enumerate() {
            let k = entries
                .iter()
                .position(|e| *e == (sess, j))
                .map_or(0, |k| k + 1);
            let note = match &run.step(k).outcome {
                Outcome::Blocked(on) => {
                    let done = run
                        .steps_list()
                        .iter()
                        .position(|st| st.released.iter().any(|(a, b, _)| *a == sess && *b == j));
                    match done {
                        Some(d) => format!("; waits for session {} until step {d}", on + 1),
                        None => format!("; waits for session {}", on + 1),
                    }
                }
                Outcome::Invalid(_) => "; outside the lab's subset".to_string(),
                Outcome::NotSent => "; the lab skipped it (session still waiting)".to_string(),
                _ => String::new(),
            };
            s.push_str(&format!("{};  -- step {k}{note}\n", dialect.statement(sql)));
        }
    }
    s
}

/// The export's opening comments and the table's setup.
fn export_header(params: &Params, dialect: Dialect) -> String {
    let mut s = String::new();
    let title = params
        .preset()
        .and_then(|name| {
            presets::all()
                .into_iter()
                .find(|p| p.name == name)
                .map(|p| format!("{name}: {}", p.title))
        })
        .unwrap_or_else(|| "a custom scenario".to_string());
    s.push_str(&format!(
        "-- Isolation lab, {title}, at {}, under {}.\n",
        params.level.sql(),
        profile_label(params.profile)
    ));
    if params.profile == Profile::Textbook {
        s.push_str("-- The lab ran it under textbook two-phase locking; a real PostgreSQL follows its own rules, so its answers may differ.\n");
    }
    if params.profile == Profile::Innodb {
        s.push_str("-- The lab follows InnoDB's rules as MariaDB 10.11 runs them.\n");
    }
    s.push_str(&format!(
        "-- Interleaving (session of each step): {}\n",
        params.schedule_text()
    ));
    let client = match dialect {
        Dialect::Psql => "psql",
        Dialect::Mysql => "mariadb (or mysql)",
    };
    s.push_str(&format!(
        "-- Open {} {client} sessions to the same database. Run the setup once, then each numbered step in its session, in step order.\n\n",
        params.sessions.len()
    ));
    s.push_str(match dialect {
        Dialect::Psql => {
            "-- Setup\nDROP TABLE IF EXISTS test;\nCREATE TABLE test (id int PRIMARY KEY, value int);\n"
        }
        Dialect::Mysql => {
            "-- Setup\nDROP TABLE IF EXISTS test;\nCREATE TABLE test (id int PRIMARY KEY, value int) ENGINE=InnoDB;\n"
        }
    });
    let rows: Vec<String> = START.iter().map(|(i, v)| format!("({i}, {v})")).collect();
    s.push_str(&format!(
        "INSERT INTO test (id, value) VALUES {};\n",
        rows.join(", ")
    ));
    s
}

/// The settings each session runs before its transaction, so the server
/// runs as the lab did.
fn session_settings(params: &Params, dialect: Dialect) -> Vec<String> {
    let mut out = Vec::new();
    if dialect == Dialect::Mysql && params.settings.lock_wait == LockWait::None {
        out.push("SET SESSION innodb_lock_wait_timeout = 0".to_string());
    }
    if params.profile == Profile::Postgres && params.settings.planner == Planner::SeqScanOnly {
        for scan in ["indexscan", "bitmapscan", "indexonlyscan"] {
            out.push(format!("SET enable_{scan} = off"));
        }
    }
    out
}

#[cfg(test)]
#[path = "lab_tests.rs"]
mod lab_tests;
