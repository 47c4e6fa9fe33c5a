//! Property test of the isolation lab's permalinks: random query strings,
//! from the words its URLs use and from garbage, never panic, always open a
//! valid state within the limits, and that state written back reads back
//! the same, with nothing to complain about.

use crate::common;

use backend_playground::sim::isolation::lab::{self, MAX_STATEMENTS, MAX_URL};
use backend_playground::sim::rng::Rng;
use backend_playground::sim::Trace;

const KEYS: &[&str] = &[
    "profile", "level", "preset", "s1", "s2", "s3", "s4", "s5", "schedule", "matrix", "step", "",
    "%", "x",
];

const VALUES: &[&str] = &[
    "postgres",
    "textbook",
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
    "%E0%A4%A",
    "%FF%FE",
    "%00",
    "<script>",
    "%26",
    "=",
];

fn random_query(rng: &mut Rng) -> String {
    common::random_query(rng, "acid", KEYS, VALUES, "commit;")
}

#[test]
fn random_urls_open_a_valid_state_that_round_trips() {
    let seen = common::round_trips(
        0x150_1a7e,
        4_000,
        "acid",
        random_query,
        backend_playground::sim::open::<backend_playground::sim::isolation::lab::Run>,
        |o| {
            backend_playground::sim::link::<backend_playground::sim::isolation::lab::Run>(
                o.run.params(),
                o.step,
            )
        },
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
