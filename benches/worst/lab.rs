//! The search for the slowest link of the isolation lab: scenarios within
//! its limits (up to four sessions of twenty statements, a 4,000-character
//! link) that insert many rows and then run many autocommit statements that
//! touch every row, at every level of every profile. The pattern that once
//! froze the tab at the limits first, then random scenarios and mutations
//! of the slowest so far; each candidate is opened
//! once, the slowest again for the median. The extra figure is the level
//! comparison (every level, light runs) of the worst link.

use std::time::{Duration, Instant};

use backend_playground::sim::isolation::lab::{
    compare, Run, MAX_SESSIONS, MAX_STATEMENTS, MAX_URL,
};
use backend_playground::sim::query::encode_component;
use backend_playground::sim::rng::Rng;

use crate::{common, cost, cost_once, memory_kept, pairs, uncounted, Worst};

/// How long the search may run.
const BUDGET: Duration = Duration::from_secs(45);
/// The most candidates it opens.
const MOST: usize = 2_000;

const PROFILES: [&str; 3] = ["postgres", "innodb", "textbook"];
const LEVELS: [&str; 4] = [
    "read-uncommitted",
    "read-committed",
    "repeatable-read",
    "serializable",
];

/// Statements that touch every row, or many, in few characters.
const TOUCH: &[&str] = &[
    "update test set value=value+1",
    "update test set value=1",
    "update test set value=2 where value>0",
    "update test set value=value+1 where id>5",
    "select * from test where value>1",
    "select * from test",
    "select sum(value) from test",
    "select * from test for update",
    "delete from test where value=3",
    "commit",
    "begin",
];

/// A scenario: profile, level, each session's statements, the schedule.
#[derive(Clone)]
struct Scenario {
    profile: usize,
    level: usize,
    sessions: Vec<Vec<String>>,
    schedule: Vec<usize>,
}

impl Scenario {
    /// The page's query string for it.
    fn query(&self) -> String {
        let mut q = format!(
            "profile={}&level={}",
            PROFILES[self.profile], LEVELS[self.level]
        );
        for (i, list) in self.sessions.iter().enumerate() {
            q.push_str(&format!(
                "&s{}={}",
                i + 1,
                encode_component(&list.join(";"))
            ));
        }
        let schedule: Vec<String> = self.schedule.iter().map(|s| (s + 1).to_string()).collect();
        q.push_str(&format!("&schedule={}", schedule.join(",")));
        q
    }

    /// Round robin over the sessions' statements.
    fn round_robin(&mut self) {
        let counts: Vec<usize> = self.sessions.iter().map(Vec::len).collect();
        self.schedule = backend_playground::sim::isolation::lab::round_robin(&counts);
    }
}

/// Whether a query string is within the lab's link limit, measured as the
/// lab measures it: on the link of the first scheme (`?topic=acid&…`),
/// with room for the step.
fn fits(query: &str) -> bool {
    "?topic=acid&".len() + query.len() + "&step=000".len() <= MAX_URL
}

/// An insert of `n` rows from id `first`, in as few characters as the
/// subset allows.
fn insert(first: u64, n: u64, rng: &mut Rng) -> String {
    let rows: Vec<String> = (first..first + n)
        .map(|i| format!("({i},{})", rng.below(9)))
        .collect();
    format!("insert into test (id,value) values {}", rows.join(","))
}

/// A random scenario: each session commits, inserts rows, then runs
/// statements that touch them.
fn random(rng: &mut Rng) -> Scenario {
    let sessions = 2 + rng.below((MAX_SESSIONS - 1) as u64) as usize;
    let inserts = 1 + rng.below(3);
    let mut out = Scenario {
        profile: rng.below(PROFILES.len() as u64) as usize,
        level: rng.below(4) as usize,
        sessions: Vec::new(),
        schedule: Vec::new(),
    };
    for s in 0..sessions as u64 {
        let mut list = vec!["commit".to_string()];
        for k in 0..inserts {
            list.push(insert(10 + s * 100 + k * 30, 5 + rng.below(26), rng));
        }
        while list.len() < MAX_STATEMENTS {
            list.push(TOUCH[rng.below(TOUCH.len() as u64) as usize].to_string());
        }
        out.sessions.push(list);
    }
    out.round_robin();
    out
}

/// The pattern that once froze the tab, at the limits: each session
/// commits, inserts as many rows as the link's length allows (in inserts
/// of at most 25 rows, within the statement length limit), then runs
/// autocommit updates of every row; for every profile, level and number of
/// sessions, and several shares of inserts and updates. The search starts
/// from these, so that it never reports a link cheaper than them.
fn patterns() -> Vec<Scenario> {
    let mut out = Vec::new();
    let mut rng = Rng::new(7);
    for profile in 0..PROFILES.len() {
        for level in 0..LEVELS.len() {
            for sessions in 2..=MAX_SESSIONS as u64 {
                for updates in [4, 8, 12, 16] {
                    let make = |rows: u64, rng: &mut Rng| {
                        let mut s = Scenario {
                            profile,
                            level,
                            sessions: (0..sessions)
                                .map(|k| {
                                    let mut list = vec!["commit".to_string()];
                                    let mut first = 10 + k * 1000;
                                    let mut left = rows;
                                    while left > 0 && list.len() + updates < MAX_STATEMENTS {
                                        let n = left.min(25);
                                        list.push(insert(first, n, rng));
                                        first += n;
                                        left -= n;
                                    }
                                    list.extend(
                                        std::iter::repeat_n(
                                            "update test set value=value+1",
                                            updates,
                                        )
                                        .map(str::to_string),
                                    );
                                    list
                                })
                                .collect(),
                            schedule: Vec::new(),
                        };
                        s.round_robin();
                        s
                    };
                    let fits = (1..=200)
                        .rev()
                        .map(|rows| make(rows, &mut rng))
                        .find(|s| fits(&s.query()));
                    out.extend(fits);
                }
            }
        }
    }
    out
}

/// A small change: a statement, the level, the profile, or two schedule
/// entries swapped.
fn mutate(s: &Scenario, rng: &mut Rng) -> Scenario {
    let mut m = s.clone();
    match rng.below(5) {
        0 => m.level = rng.below(4) as usize,
        1 => m.profile = (m.profile + 1 + rng.below(2) as usize) % PROFILES.len(),
        2 if m.schedule.len() > 1 => {
            let i = rng.below(m.schedule.len() as u64 - 1) as usize;
            m.schedule.swap(i, i + 1);
        }
        _ => {
            let sess = rng.below(m.sessions.len() as u64) as usize;
            let list = &mut m.sessions[sess];
            let j = rng.below(list.len() as u64) as usize;
            if !list[j].starts_with("insert") {
                list[j] = TOUCH[rng.below(TOUCH.len() as u64) as usize].to_string();
            }
        }
    }
    m
}

/// Opens a link as the page does: reads it, runs it, and judges the step
/// it shows in full.
fn open(pairs: &[(String, String)]) -> usize {
    let o = backend_playground::sim::open::<Run>(pairs);
    o.run.verdict(o.step).deps.len()
}

/// The slowest link found, and what it cost.
pub fn worst() -> Worst {
    let start = Instant::now();
    let mut rng = Rng::new(0x1ab_5eed);
    let mut best: Option<(Duration, String, Scenario)> = None;
    let mut per_profile: Vec<Option<(Duration, String)>> = vec![None; PROFILES.len()];
    let mut tried = 0;
    let mut seeds = patterns();
    while tried < MOST && start.elapsed() < BUDGET {
        let candidate = match &best {
            _ if !seeds.is_empty() => seeds.remove(0),
            Some((_, _, s)) if tried % 2 == 1 => mutate(s, &mut rng),
            _ => random(&mut rng),
        };
        let query = candidate.query();
        if !fits(&query) {
            continue;
        }
        tried += 1;
        let t = cost_once(&query, open).time;
        let slot = &mut per_profile[candidate.profile];
        if slot.as_ref().is_none_or(|(b, _)| t > *b) {
            *slot = Some((t, query.clone()));
        }
        if best.as_ref().is_none_or(|(b, _, _)| t > *b) {
            best = Some((t, query, candidate));
        }
    }
    let query = best.map(|(_, q, _)| q).unwrap_or_default();
    let c = cost(&query, open);
    let o = backend_playground::sim::open::<Run>(&pairs(&query));
    let t = Instant::now();
    let rows = compare(o.run.params());
    let comparison = t.elapsed();
    let t = Instant::now();
    let deps: usize = (0..o.run.steps_list().len())
        .map(|k| o.run.verdict(k).deps.len())
        .sum();
    let every = t.elapsed();
    let profiles: Vec<String> = PROFILES
        .iter()
        .zip(&per_profile)
        .filter_map(|(name, found)| found.as_ref().map(|(_, q)| profile_figures(name, q)))
        .collect();
    Worst {
        model: "lab",
        query,
        cost: c,
        tried,
        extra: format!(
            "level comparison ({} levels) {:.2} ms; every step's full verdict {:.2} ms ({} steps, {deps} dependencies in all); judging work {} operations",
            rows.len(),
            comparison.as_secs_f64() * 1e3,
            every.as_secs_f64() * 1e3,
            o.run.steps_list().len(),
            o.run.work()
        ) + &profiles.concat(),
    }
}

/// The figures of a profile's slowest link: opened with every frame; run
/// once and judged (only the last step kept, as a level comparison runs
/// each level; its anomaly as the run tracks it); and that run with its
/// full verdict (every dependency and the proof, as the verdict panel
/// shows them). Each the median of several runs; the last two timed with
/// the memory count off, and again with the C allocator keeping freed
/// memory ([`memory_kept`]).
fn profile_figures(name: &str, query: &str) -> String {
    let opened = cost(query, open);
    let o = backend_playground::sim::open::<Run>(&pairs(query));
    let run = || Run::light(o.run.params()).step(usize::MAX).anomaly;
    let verdict = || Run::light(o.run.params()).final_verdict().deps.len();
    let (once, _) = uncounted(|| common::time(run));
    let (full, _) = uncounted(|| common::time(verdict));
    let (once_kept, _) = uncounted(|| memory_kept(|| common::time(run)));
    let (full_kept, _) = uncounted(|| memory_kept(|| common::time(verdict)));

    format!(
        "\n  {name}: largest link ({} characters) opened with every frame in {}; run once and judged in {} ({} with freed memory kept); with the full verdict in {} ({})\n    ?{}",
        query.len(),
        common::ms(opened.time),
        common::ms(once),
        common::ms(once_kept),
        common::ms(full),
        common::ms(full_kept),
        query
    )
}
