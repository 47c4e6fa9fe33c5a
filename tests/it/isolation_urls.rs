//! Property test of the isolation lab's permalinks: random query strings,
//! from the words its URLs use and from garbage, never panic, always open a
//! valid state within the limits, and that state written back reads back
//! the same, with nothing to complain about.

use crate::common;

use backend_playground::sim::isolation::lab::{self, MAX_STATEMENTS, MAX_URL};
use backend_playground::sim::rng::Rng;
use backend_playground::sim::Trace;

const KEYS: &[&str] = &[
    "profile",
    "level",
    "preset",
    "s1",
    "s2",
    "s3",
    "s4",
    "s5",
    "schedule",
    "matrix",
    "step",
    "planner",
    "lock_wait",
    "",
    "%",
    "x",
];

const VALUES: &[&str] = &[
    "postgres",
    "textbook",
    "innodb",
    "seqscan",
    "default",
    "nowait",
    "wait",
    "gap-lock",
    "key-updates",
    "select * from test where id > 1 lock in share mode",
    "read-uncommitted",
    "read-committed",
    "repeatable-read",
    "serializable",
    "P4",
    "G0",
    "g2-item",
    "deadlock",
    "OTV",
    "nope",
    "on",
    "off",
    "0",
    "3",
    "-1",
    "99999999999999999999999999",
    "1,2,1,2",
    "1+1+2+2",
    "2%201%203",
    "1,9,x",
    "select * from test",
    "select%20*%20from%20test%3Bcommit",
    "update test set value = value + 1 where id = 1;commit",
    "begin;delete from test where value > 10;rollback",
    "selct 1",
    "select * from test where ((((((((((((((((((((((((((((((((((id = 1",
    "insert into test (id, value) values (1, 1)",
    "select * from test for update;;;",
    ";",
];

fn random_query(rng: &mut Rng) -> String {
    common::random_query(rng, "acid", KEYS, VALUES, "commit;")
}

#[test]
fn random_urls_open_a_valid_state_that_round_trips() {
    let seen = common::round_trips::<backend_playground::sim::isolation::lab::Run>(
        0x150_1a7e,
        4_000,
        "acid",
        random_query,
        |q, o| {
            let p = o.run.params();
            assert!(p.sessions.len() >= lab::MIN_SESSIONS, "{q}");
            assert!(p.sessions.iter().all(|s| s.len() <= MAX_STATEMENTS), "{q}");
            assert!(p.profile.levels().contains(&p.level), "{q}");
            let total: usize = p.sessions.iter().map(Vec::len).sum();
            assert_eq!(p.schedule.len(), total, "{q}");
            assert!(p.link_len() <= MAX_URL, "{q}");
        },
        |back, o, o2| {
            assert!(back.len() <= MAX_URL + 20, "{}", back.len());
            assert_eq!(o2.run.params(), o.run.params(), "{back}");
            assert_eq!(o2.run.caption(o2.step), o.run.caption(o.step), "{back}");
        },
    );
    let (opened, with_problems) = (seen.opened, seen.with_problems);
    println!("{opened} URLs opened the isolation lab, {with_problems} with a notice");
    assert!(opened >= 3_000, "only {opened}");
    assert!(with_problems > 500 && with_problems < opened);
}

/// A hostile scenario within the lab's limits: four sessions (or fewer)
/// that commit, insert many rows in a few statements, then run many
/// autocommit statements that touch every row, at a random level.
fn hostile(rng: &mut Rng) -> Vec<(String, String)> {
    let profiles = ["postgres", "textbook"];
    let levels = [
        "read-uncommitted",
        "read-committed",
        "repeatable-read",
        "serializable",
    ];
    let mut pairs = vec![
        (
            "profile".to_string(),
            profiles[rng.below(2) as usize].to_string(),
        ),
        (
            "level".to_string(),
            levels[rng.below(4) as usize].to_string(),
        ),
    ];
    let sessions = 2 + rng.below(3) as usize;
    let rows = 5 + rng.below(40);
    for s in 0..sessions {
        let mut list = vec!["commit".to_string()];
        let values: Vec<String> = (0..rows)
            .map(|i| format!("({},{})", 10 + s as u64 * 50 + i, rng.below(9)))
            .collect();
        for chunk in values.chunks(30) {
            list.push(format!(
                "insert into test (id,value) values {}",
                chunk.join(",")
            ));
        }
        for _ in 0..MAX_STATEMENTS {
            list.push(
                match rng.below(6) {
                    0 => "update test set value=value+1",
                    1 => "update test set value=1 where value>0",
                    2 => "select * from test where value>1",
                    3 => "select sum(value) from test",
                    4 => "delete from test where value=3",
                    _ => "update test set value=2",
                }
                .to_string(),
            );
        }
        pairs.push((format!("s{}", s + 1), list.join(";")));
    }
    pairs
}

/// The pattern that once froze the tab: `sessions` sessions that commit,
/// insert 30 rows, then run ten autocommit updates each.
fn pattern(sessions: usize, profile: &str, level: &str) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("profile".to_string(), profile.to_string()),
        ("level".to_string(), level.to_string()),
    ];
    for s in 0..sessions {
        let values: Vec<String> = (0..30)
            .map(|i| format!("({},{i})", 10 + s * 40 + i))
            .collect();
        let mut list = vec![
            "commit".to_string(),
            format!("insert into test (id,value) values {}", values.join(",")),
        ];
        list.extend(std::iter::repeat_n(
            "update test set value=value+1".to_string(),
            10,
        ));
        pairs.push((format!("s{}", s + 1), list.join(";")));
    }
    pairs
}

/// The judging work a link may take: generous, but linear in its length
/// times its length, where a judgement per step from scratch with a
/// search per dependency grows far faster.
fn work_bound(link_len: usize) -> u64 {
    100_000 + (link_len * link_len) as u64
}

#[test]
fn hostile_links_are_judged_within_a_bound_of_their_length() {
    let mut rng = Rng::new(0x1a8_b0d);
    let mut cases: Vec<Vec<(String, String)>> = (0..40).map(|_| hostile(&mut rng)).collect();
    for profile in ["postgres", "textbook"] {
        for level in ["read-committed", "serializable", "read-uncommitted"] {
            cases.push(pattern(4, profile, level));
        }
    }
    let mut most = 0.0f64;
    for pairs in &cases {
        let o = backend_playground::sim::open::<lab::Run>(pairs);
        let len = o.run.params().link_len();
        assert!(len <= MAX_URL, "{len}");
        let work = o.run.work();
        most = most.max(work as f64 / work_bound(len) as f64);
        assert!(
            work <= work_bound(len),
            "{work} operations for a {len}-character link: {pairs:?}"
        );
    }
    println!("the most work was {:.1}% of the bound", most * 100.0);
}
