//! The lab's engines behind one type: each profile's database answers
//! through the [`Engine`] trait, and [`AnyDb`] holds whichever one the
//! lab's profile picked.

use super::chunked::Chunked;
use super::db::{Engine, Event, LockInfo, Recorded, Row, Submitted, Tx, TxState};
use super::matrix::Profile;
use super::sql::{Level, Stmt};
use super::{innodb, pg};

/// Gives an engine's recorded history to the analysis from its fields:
/// `heap` (versions with `id`, `value`, `xmin`, `xmax`), `history` and
/// `txs`, which both engines keep alike.
macro_rules! recorded_by_fields {
    ($t:ty) => {
        impl Recorded for $t {
            fn row(&self, v: usize) -> Row {
                let r = &self.heap[v];
                Row {
                    id: r.id,
                    value: r.value,
                    xmin: r.xmin,
                    xmax: r.xmax,
                }
            }
            fn row_count(&self) -> usize {
                self.heap.len()
            }
            fn keys_from(&self, start: usize, out: &mut Vec<(i64, Tx)>) {
                out.extend(self.heap.iter_from(start).map(|(_, r)| (r.id, r.xmin)));
            }
            fn events(&self) -> &Chunked<Event> {
                &self.history
            }
            fn txs(&self) -> &[(TxState, u64)] {
                &self.txs
            }
        }
    };
}

recorded_by_fields!(pg::Db);
recorded_by_fields!(innodb::Db);

/// Forwards each [`Engine`] method to the inherent method of the same name.
macro_rules! engine_by_inherent {
    ($t:ty) => {
        impl Engine for $t {
            fn run(&mut self, session: usize, stmt: &Stmt) -> Submitted {
                <$t>::run(self, session, stmt)
            }
            fn committed_rows(&self) -> Vec<(i64, i64)> {
                <$t>::committed_rows(self)
            }
            fn is_blocked(&self, session: usize) -> bool {
                <$t>::is_blocked(self, session)
            }
            fn tx_of(&self, session: usize) -> Option<Tx> {
                <$t>::tx_of(self, session)
            }
            fn session_of(&self, tx: Tx) -> Option<usize> {
                <$t>::session_of(self, tx)
            }
            fn level_of(&self, session: usize) -> Level {
                <$t>::level_of(self, session)
            }
            fn is_failed(&self, session: usize) -> bool {
                <$t>::is_failed(self, session)
            }
            fn waits_for(&self, session: usize) -> Option<usize> {
                <$t>::waits_for(self, session)
            }
            fn waiting_row(&self, session: usize) -> Option<i64> {
                <$t>::waiting_row(self, session)
            }
            fn seen_by(&self, session: usize) -> Vec<(i64, i64)> {
                <$t>::seen_by(self, session)
            }
            fn locks(&self) -> Vec<LockInfo> {
                <$t>::locks(self)
            }
            fn predicate_locks(&self) -> Vec<(usize, Option<String>)> {
                <$t>::predicate_locks(self)
            }
        }
    };
}

engine_by_inherent!(pg::Db);
engine_by_inherent!(innodb::Db);

/// The engines' settings a lab link can carry: each applies to its own
/// profile only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Settings {
    /// InnoDB: how long a statement waits for a lock before error 1205.
    pub lock_wait: innodb::LockWait,
    /// PostgreSQL: the scans the planner may use.
    pub planner: pg::Planner,
}

/// The database of whichever profile the lab runs.
#[derive(Debug, Clone)]
pub enum AnyDb {
    /// PostgreSQL's rules, or the textbook's (both in [`pg::Db`]).
    Pg(Box<pg::Db>),
    /// InnoDB's rules.
    Innodb(Box<innodb::Db>),
}

impl AnyDb {
    /// A database of `profile` with `rows` committed and `sessions` idle
    /// sessions.
    pub fn new(profile: Profile, rows: &[(i64, i64)], sessions: usize) -> AnyDb {
        AnyDb::with(profile, rows, sessions, Settings::default())
    }

    /// As [`AnyDb::new`], with the profile's settings applied.
    pub fn with(
        profile: Profile,
        rows: &[(i64, i64)],
        sessions: usize,
        settings: Settings,
    ) -> AnyDb {
        match profile {
            Profile::Postgres => {
                let mut db = pg::Db::new(rows, sessions);
                db.set_planner(settings.planner);
                AnyDb::Pg(Box::new(db))
            }
            Profile::Textbook => AnyDb::Pg(Box::new(pg::Db::textbook(rows, sessions))),
            Profile::Innodb => {
                let mut db = innodb::Db::new(rows, sessions);
                db.set_lock_wait_timeout(settings.lock_wait);
                AnyDb::Innodb(Box::new(db))
            }
        }
    }
}

impl AnyDb {
    /// The plan PostgreSQL runs `stmt` with, as EXPLAIN names its scan
    /// (none for other engines, or a statement that reads no rows).
    pub fn plan_text(&self, stmt: &Stmt) -> Option<String> {
        let AnyDb::Pg(db) = self else { return None };
        let plan = db.plan_of(stmt)?;
        Some(match plan.bitmap_input() {
            Some(input) => format!("{}, over {input}", plan.explain()),
            None => plan.explain(),
        })
    }

    /// PostgreSQL's SIREAD locks, each with the session holding it and
    /// what it covers in words (none for other engines).
    pub fn siread_words(&self) -> Vec<(usize, String)> {
        let AnyDb::Pg(db) = self else {
            return Vec::new();
        };
        db.siread_locks()
            .into_iter()
            .map(|l| {
                let what = match l.target {
                    pg::SireadTarget::Relation { index: false } => {
                        "the whole table test".to_string()
                    }
                    pg::SireadTarget::Relation { index: true } => {
                        "the whole index test_pkey".to_string()
                    }
                    pg::SireadTarget::Page { index: false, page } => {
                        format!("heap page {page} of test (every row on it)")
                    }
                    pg::SireadTarget::Page { index: true, page } => format!(
                        "leaf page {page} of the index test_pkey (the keys it holds, and the gaps between them)"
                    ),
                    pg::SireadTarget::Tuple { page, offset } => {
                        match db.tuple_at(page, offset) {
                            Some((id, value)) => format!(
                                "tuple ({page},{offset}) of test, the version id {id} = {value}"
                            ),
                            None => format!("tuple ({page},{offset}) of test"),
                        }
                    }
                };
                (l.session, what)
            })
            .collect()
    }

    /// Whether the run placed more heap tuples on the table's page than
    /// the PostgreSQL model follows exactly (past that, a real server may
    /// prune the page and number tuples otherwise).
    pub fn past_exact_layout(&self) -> bool {
        matches!(self, AnyDb::Pg(db) if db.heap_tuples() > pg::EXACT_HEAP_TUPLES)
    }
}

impl std::ops::Deref for AnyDb {
    type Target = dyn Engine;
    fn deref(&self) -> &Self::Target {
        match self {
            AnyDb::Pg(db) => &**db,
            AnyDb::Innodb(db) => &**db,
        }
    }
}

impl std::ops::DerefMut for AnyDb {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            AnyDb::Pg(db) => &mut **db,
            AnyDb::Innodb(db) => &mut **db,
        }
    }
}

impl Recorded for AnyDb {
    fn row(&self, v: usize) -> Row {
        (**self).row(v)
    }
    fn row_count(&self) -> usize {
        (**self).row_count()
    }
    fn keys_from(&self, start: usize, out: &mut Vec<(i64, Tx)>) {
        (**self).keys_from(start, out)
    }
    fn events(&self) -> &Chunked<Event> {
        (**self).events()
    }
    fn txs(&self) -> &[(TxState, u64)] {
        (**self).txs()
    }
}

/// Forwards each [`Engine`] method to the engine the value holds.
macro_rules! engine_by_deref {
    ($t:ty) => {
        impl Engine for $t {
            fn run(&mut self, session: usize, stmt: &Stmt) -> Submitted {
                (**self).run(session, stmt)
            }
            fn committed_rows(&self) -> Vec<(i64, i64)> {
                (**self).committed_rows()
            }
            fn is_blocked(&self, session: usize) -> bool {
                (**self).is_blocked(session)
            }
            fn tx_of(&self, session: usize) -> Option<Tx> {
                (**self).tx_of(session)
            }
            fn session_of(&self, tx: Tx) -> Option<usize> {
                (**self).session_of(tx)
            }
            fn level_of(&self, session: usize) -> Level {
                (**self).level_of(session)
            }
            fn is_failed(&self, session: usize) -> bool {
                (**self).is_failed(session)
            }
            fn waits_for(&self, session: usize) -> Option<usize> {
                (**self).waits_for(session)
            }
            fn waiting_row(&self, session: usize) -> Option<i64> {
                (**self).waiting_row(session)
            }
            fn seen_by(&self, session: usize) -> Vec<(i64, i64)> {
                (**self).seen_by(session)
            }
            fn locks(&self) -> Vec<LockInfo> {
                (**self).locks()
            }
            fn predicate_locks(&self) -> Vec<(usize, Option<String>)> {
                (**self).predicate_locks()
            }
        }
    };
}

engine_by_deref!(AnyDb);
