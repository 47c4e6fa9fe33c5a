//! The level x anomaly matrix of each profile, computed by running every
//! schedule of the catalogue at every level and judging each history: never
//! typed in.

use super::analysis::{verdict, Anomaly};
use super::engines::AnyDb;
use super::presets::{all, Schedule, START};
use super::sql::{parse, Level};

/// Whose rules the engine follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// PostgreSQL's multi-version rules.
    Postgres,
    /// MySQL's InnoDB: consistent reads from read views, locking reads and
    /// changes on the newest rows, record, gap and next-key locks
    /// (checked against MariaDB 10.11's InnoDB).
    Innodb,
    /// The textbook's two-phase locking.
    Textbook,
}

impl Profile {
    /// The levels the matrix covers: all four, for both.
    pub fn levels(self) -> &'static [Level] {
        &Level::ALL
    }
}

/// Every anomaly, in the order the matrix lists them.
pub const ANOMALIES: [Anomaly; 8] = [
    Anomaly::DirtyWrite,
    Anomaly::AbortedRead,
    Anomaly::IntermediateRead,
    Anomaly::CircularFlow,
    Anomaly::LostUpdate,
    Anomaly::ReadSkew,
    Anomaly::WriteSkew,
    Anomaly::Phantom,
];

/// Runs `schedule` at `level` under `profile` and returns the anomaly.
pub fn judge(profile: Profile, level: Level, schedule: &Schedule) -> Option<Anomaly> {
    let mut db = AnyDb::new(profile, &START, schedule.sessions);
    let begin = parse(&format!("begin isolation level {}", level.sql()));
    for s in 0..schedule.sessions {
        if let Ok(b) = &begin {
            db.run(s, b);
        }
    }
    for (s, sql) in schedule.steps {
        if let Ok(stmt) = parse(sql) {
            db.run(s.saturating_sub(1), &stmt);
        }
    }
    verdict(&db).anomaly
}

/// One row of the matrix: a level, and for each anomaly the schedules of
/// the catalogue that showed it there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The level.
    pub level: Level,
    /// For each of [`ANOMALIES`], the names of the schedules that showed it.
    pub cells: Vec<Vec<&'static str>>,
}

/// The matrix of `profile`, from every preset.
pub fn matrix(profile: Profile) -> Vec<Row> {
    let catalogue = all();
    profile
        .levels()
        .iter()
        .map(|&level| {
            let mut cells = vec![Vec::new(); ANOMALIES.len()];
            for s in &catalogue {
                if let Some(a) = judge(profile, level, s) {
                    if let Some(k) = ANOMALIES.iter().position(|x| *x == a) {
                        cells[k].push(s.name);
                    }
                }
            }
            Row { level, cells }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occurs(rows: &[Row], level: Level, a: Anomaly) -> bool {
        let k = ANOMALIES.iter().position(|x| *x == a).unwrap_or(0);
        rows.iter()
            .find(|r| r.level == level)
            .is_some_and(|r| !r.cells[k].is_empty())
    }

    #[test]
    fn the_textbook_matrix_is_the_cheat_sheets_table() {
        let m = matrix(Profile::Textbook);
        use Anomaly::*;
        use Level::*;
        // The table's three columns: dirty read, non-repeatable read, phantom.
        let table = [
            (ReadUncommitted, [true, true, true]),
            (ReadCommitted, [false, true, true]),
            (RepeatableRead, [false, false, true]),
            (Serializable, [false, false, false]),
        ];
        for (level, [dirty, nonrepeatable, phantom]) in table {
            assert_eq!(occurs(&m, level, AbortedRead), dirty, "{level:?}");
            assert_eq!(occurs(&m, level, ReadSkew), nonrepeatable, "{level:?}");
            assert_eq!(occurs(&m, level, Phantom), phantom, "{level:?}");
            assert!(!occurs(&m, level, DirtyWrite), "{level:?}");
        }
    }

    #[test]
    fn postgresql_differs_from_the_table() {
        let m = matrix(Profile::Postgres);
        use Anomaly::*;
        use Level::*;
        // No dirty reads at any level, read uncommitted included.
        for level in [ReadUncommitted, ReadCommitted, RepeatableRead] {
            assert!(!occurs(&m, level, AbortedRead) && !occurs(&m, level, IntermediateRead));
        }
        // Repeatable read: no non-repeatable reads or lost updates, but
        // write skew, which the table does not mention.
        assert!(!occurs(&m, RepeatableRead, ReadSkew));
        assert!(!occurs(&m, RepeatableRead, LostUpdate));
        assert!(occurs(&m, RepeatableRead, WriteSkew));
        // Read committed loses updates.
        assert!(occurs(&m, ReadCommitted, LostUpdate));
        // Read uncommitted is read committed.
        assert_eq!(m[0].cells, m[1].cells);
        // Serializable: no anomaly at all.
        assert!(ANOMALIES.iter().all(|a| !occurs(&m, Serializable, *a)));
    }

    /// Each textbook story shows its anomaly up to the level that stops
    /// it, in each profile.
    #[test]
    fn the_textbook_stories_stop_where_each_profile_stops_them() {
        use Anomaly::*;
        use Profile::*;
        // (name, anomaly, levels showing it: textbook, PostgreSQL)
        let want: [(&str, Anomaly, usize, usize); 5] = [
            ("dirty-read", AbortedRead, 1, 0),
            ("non-repeatable-read", ReadSkew, 2, 2),
            ("phantom-read", Phantom, 3, 2),
            ("transfer", ReadSkew, 2, 2),
            ("withdrawals", WriteSkew, 2, 3),
        ];
        let stories = crate::isolation::presets::textbook();
        assert_eq!(stories.len(), want.len());
        for (name, anomaly, textbook, postgres) in want {
            let story = stories.iter().find(|s| s.name == name);
            let Some(story) = story else {
                panic!("{name} is a preset");
            };
            for (profile, upto) in [(Textbook, textbook), (Postgres, postgres)] {
                for (k, level) in Level::ALL.iter().enumerate() {
                    let got = judge(profile, *level, story);
                    let expected = (k < upto).then_some(anomaly);
                    assert_eq!(got, expected, "{name}, {profile:?} at {level:?}");
                }
            }
        }
    }
}
