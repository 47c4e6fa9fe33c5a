//! The schedules of the Hermitage test suite (Martin Kleppmann's catalogue
//! of isolation anomalies), as its PostgreSQL tests run them, and a deadlock.
//! The rows start as `(1, 10), (2, 20)`; every session begins a transaction
//! at the level under test first.

/// A named schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The test's name (also its key in URLs).
    pub name: &'static str,
    /// What it shows, in plain words.
    pub title: &'static str,
    /// How many sessions.
    pub sessions: usize,
    /// `(session from 1, statement)`, in order (static data, not built at
    /// run time: it keeps the modules small).
    pub steps: &'static [(usize, &'static str)],
}

/// The rows every schedule starts from.
pub const START: [(i64, i64); 2] = [(1, 10), (2, 20)];

/// Every preset of the lab: the textbook's examples, the catalogue, then
/// the schedules where the real engines' own mechanisms show.
pub fn all() -> Vec<Schedule> {
    let mut all = textbook();
    all.extend(hermitage());
    all.extend(engines());
    all
}

/// A schedule of the catalogue: its name, title, sessions and steps.
fn schedule(
    name: &'static str,
    title: &'static str,
    sessions: usize,
    steps: &'static [(usize, &'static str)],
) -> Schedule {
    Schedule {
        name,
        title,
        sessions,
        steps,
    }
}

/// Schedules that show how the engines work: a lost update whose second
/// write changes the value (InnoDB writes nothing for an UPDATE that
/// leaves a row as it is, so the catalogue's P4 shows there as a read of
/// the newer row instead), which rows a serializable read really locks, a
/// gap lock, a duplicate key and a deleted row.
pub fn engines() -> Vec<Schedule> {
    let s = schedule;
    vec![
        s(
            "lost-update",
            "Two read-modify-write cycles on one row: the first change is lost",
            2,
            &[
                (1, "select * from test where id = 1"),
                (2, "select * from test where id = 1"),
                (1, "update test set value = 11 where id = 1"),
                (2, "update test set value = 15 where id = 1"),
                (1, "commit"),
                (2, "commit"),
            ],
        ),
        s(
            "key-updates",
            "Two transactions read and update different rows by key",
            2,
            &[
                (1, "select * from test where id = 1"),
                (2, "select * from test where id = 2"),
                (1, "update test set value = 11 where id = 1"),
                (2, "update test set value = 21 where id = 2"),
                (1, "commit"),
                (2, "commit"),
            ],
        ),
        s(
            "gap-lock",
            "An insert into a range another transaction locked",
            2,
            &[
                (1, "select * from test where id > 1 for update"),
                (2, "insert into test (id, value) values (3, 30)"),
                (1, "commit"),
                (2, "commit"),
            ],
        ),
        s(
            "duplicate-key",
            "Two transactions insert the same new key",
            2,
            &[
                (1, "select * from test where id = 3"),
                (2, "insert into test (id, value) values (3, 30)"),
                (2, "commit"),
                (1, "insert into test (id, value) values (3, 31)"),
                (1, "commit"),
            ],
        ),
        s(
            "deleted-row",
            "An update of a row another transaction deletes",
            2,
            &[
                (1, "delete from test where id = 1"),
                (2, "update test set value = 11 where id = 1"),
                (1, "commit"),
                (2, "commit"),
            ],
        ),
    ]
}

/// The anomalies of the cheat sheet's isolation table, and the ones it
/// leaves out, each as a short story over the two rows: moving money from
/// row 1 to row 2, or withdrawing while the total stays at least 20.
pub fn textbook() -> Vec<Schedule> {
    let s = schedule;
    vec![
        s(
            "dirty-read",
            "Dirty read: a total taken during a transfer that rolls back",
            2,
            &[
                (1, "update test set value = value - 5 where id = 1"),
                (2, "select sum(value) from test"),
                (1, "rollback"),
                (2, "commit"),
            ],
        ),
        s(
            "non-repeatable-read",
            "Non-repeatable read: the same row read twice",
            2,
            &[
                (1, "select * from test where id = 1"),
                (2, "update test set value = 11 where id = 1"),
                (2, "commit"),
                (1, "select * from test where id = 1"),
                (1, "commit"),
            ],
        ),
        s(
            "phantom-read",
            "Phantom read: the same count taken twice",
            2,
            &[
                (1, "select count(*) from test where value > 15"),
                (2, "insert into test (id, value) values (3, 30)"),
                (2, "commit"),
                (1, "select count(*) from test where value > 15"),
                (1, "commit"),
            ],
        ),
        s(
            "transfer",
            "Read skew: a transfer seen half before, half after",
            2,
            &[
                (1, "select * from test where id = 1"),
                (2, "update test set value = value - 5 where id = 1"),
                (2, "update test set value = value + 5 where id = 2"),
                (2, "commit"),
                (1, "select * from test where id = 2"),
                (1, "commit"),
            ],
        ),
        s(
            "withdrawals",
            "Write skew: two withdrawals, each checking the total",
            2,
            &[
                (1, "select sum(value) from test"),
                (2, "select sum(value) from test"),
                (1, "update test set value = value - 20 where id = 1"),
                (2, "update test set value = value - 20 where id = 2"),
                (1, "commit"),
                (2, "commit"),
            ],
        ),
    ]
}

/// The plain name of a catalogue test.
fn title(name: &str) -> &'static str {
    match name {
        "G0" => "Dirty write",
        "G1a" => "Aborted read",
        "G1b" => "Intermediate read",
        "G1c" => "Circular information flow",
        "OTV" => "Observed transaction vanishes",
        "PMP" => "Predicate-many-preceders (phantom)",
        "PMP-write" => "Phantom under a write",
        "P4" => "Lost update",
        "G-single" => "Read skew",
        "G-single-dependencies" => "Read skew through a predicate",
        "G-single-write-1" => "Read skew on write",
        "G2-item" => "Write skew",
        "G2" => "Phantom write skew",
        "G2-two-edges" => "A read-only transaction sees an impossible state",
        "deadlock" => "Deadlock",
        _ => "",
    }
}

/// Every schedule of the catalogue.
pub fn hermitage() -> Vec<Schedule> {
    let s = |name, sessions, steps| schedule(name, title(name), sessions, steps);
    vec![
        s(
            "G0",
            2,
            &[
                (1, "update test set value = 11 where id = 1"),
                (2, "update test set value = 12 where id = 1"),
                (1, "update test set value = 21 where id = 2"),
                (1, "commit"),
                (1, "select * from test"),
                (2, "update test set value = 22 where id = 2"),
                (2, "commit"),
                (1, "select * from test"),
            ],
        ),
        s(
            "G1a",
            2,
            &[
                (1, "update test set value = 101 where id = 1"),
                (2, "select * from test"),
                (1, "rollback"),
                (2, "select * from test"),
                (2, "commit"),
            ],
        ),
        s(
            "G1b",
            2,
            &[
                (1, "update test set value = 101 where id = 1"),
                (2, "select * from test"),
                (1, "update test set value = 11 where id = 1"),
                (1, "commit"),
                (2, "select * from test"),
                (2, "commit"),
            ],
        ),
        s(
            "G1c",
            2,
            &[
                (1, "update test set value = 11 where id = 1"),
                (2, "update test set value = 22 where id = 2"),
                (1, "select * from test where id = 2"),
                (2, "select * from test where id = 1"),
                (1, "commit"),
                (2, "commit"),
            ],
        ),
        s(
            "OTV",
            3,
            &[
                (1, "update test set value = 11 where id = 1"),
                (1, "update test set value = 19 where id = 2"),
                (2, "update test set value = 12 where id = 1"),
                (1, "commit"),
                (3, "select * from test where id = 1"),
                (2, "update test set value = 18 where id = 2"),
                (3, "select * from test where id = 2"),
                (2, "commit"),
                (3, "select * from test where id = 2"),
                (3, "select * from test where id = 1"),
                (3, "commit"),
            ],
        ),
        s(
            "PMP",
            2,
            &[
                (1, "select * from test where value = 30"),
                (2, "insert into test (id, value) values (3, 30)"),
                (2, "commit"),
                (1, "select * from test where value % 3 = 0"),
                (1, "commit"),
            ],
        ),
        s(
            "PMP-write",
            2,
            &[
                (1, "update test set value = value + 10"),
                (2, "delete from test where value = 20"),
                (1, "commit"),
                (2, "select * from test where value = 20"),
                (2, "commit"),
            ],
        ),
        s(
            "P4",
            2,
            &[
                (1, "select * from test where id = 1"),
                (2, "select * from test where id = 1"),
                (1, "update test set value = 11 where id = 1"),
                (2, "update test set value = 11 where id = 1"),
                (1, "commit"),
                (2, "commit"),
            ],
        ),
        s(
            "G-single",
            2,
            &[
                (1, "select * from test where id = 1"),
                (2, "select * from test where id = 1"),
                (2, "select * from test where id = 2"),
                (2, "update test set value = 12 where id = 1"),
                (2, "update test set value = 18 where id = 2"),
                (2, "commit"),
                (1, "select * from test where id = 2"),
                (1, "commit"),
            ],
        ),
        s(
            "G-single-dependencies",
            2,
            &[
                (1, "select * from test where value % 5 = 0"),
                (2, "update test set value = 12 where value = 10"),
                (2, "commit"),
                (1, "select * from test where value % 3 = 0"),
                (1, "commit"),
            ],
        ),
        s(
            "G-single-write-1",
            2,
            &[
                (1, "select * from test where id = 1"),
                (2, "select * from test"),
                (2, "update test set value = 12 where id = 1"),
                (2, "update test set value = 18 where id = 2"),
                (2, "commit"),
                (1, "delete from test where value = 20"),
                (1, "select * from test where id = 2"),
                (1, "rollback"),
            ],
        ),
        s(
            "G2-item",
            2,
            &[
                (1, "select * from test where id = 1 or id = 2"),
                (2, "select * from test where id = 1 or id = 2"),
                (1, "update test set value = 11 where id = 1"),
                (2, "update test set value = 21 where id = 2"),
                (1, "commit"),
                (2, "commit"),
            ],
        ),
        s(
            "G2",
            2,
            &[
                (1, "select * from test where value % 3 = 0"),
                (2, "select * from test where value % 3 = 0"),
                (1, "insert into test (id, value) values (3, 30)"),
                (2, "insert into test (id, value) values (4, 42)"),
                (1, "commit"),
                (2, "commit"),
            ],
        ),
        s(
            "G2-two-edges",
            3,
            &[
                (1, "select * from test"),
                (2, "update test set value = value + 5 where id = 2"),
                (2, "commit"),
                (3, "select * from test"),
                (3, "commit"),
                (1, "update test set value = 0 where id = 1"),
                (1, "commit"),
            ],
        ),
        s(
            "deadlock",
            2,
            &[
                (1, "update test set value = 11 where id = 1"),
                (2, "update test set value = 22 where id = 2"),
                (1, "update test set value = 21 where id = 2"),
                (2, "update test set value = 12 where id = 1"),
                (1, "commit"),
                (2, "rollback"),
            ],
        ),
    ]
}

/// The busiest schedule the lab takes, for tests and benchmarks: four
/// sessions of twenty statements each, interleaved: locking reads, inserts
/// into locked gaps, changes and commits, with waits among them. Pairs of
/// (session from 0, statement).
pub fn busiest() -> Vec<(usize, &'static str)> {
    const STATEMENTS: [&str; 10] = [
        "select * from test where id > 1 for update",
        "insert into test (id, value) values (7, 70)",
        "update test set value = value + 1 where value % 2 = 0",
        "select * from test where id = 2 for share",
        "delete from test where id = 7",
        "select sum(value), count(*) from test",
        "insert into test (id, value) values (3, 30)",
        "update test set value = value - 1 where id >= 1 and id <= 3",
        "select * from test",
        "commit",
    ];
    (0..20)
        .flat_map(|k| (0..4).map(move |s| (s, STATEMENTS[(k * 3 + s * 7) % STATEMENTS.len()])))
        .collect()
}
