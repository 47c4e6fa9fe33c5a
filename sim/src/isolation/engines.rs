//! The lab's engines behind one type: each profile's database answers
//! through the [`Engine`] trait, and [`AnyDb`] holds whichever one the
//! lab's profile picked.

use super::chunked::Chunked;
use super::db::{Engine, Event, LockInfo, Recorded, Row, Submitted, Tx, TxState, VersionInfo};
use super::matrix::Profile;
use super::pg;
use super::sql::{Level, Stmt};

impl Recorded for pg::Db {
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
    fn events(&self) -> &Chunked<Event> {
        &self.history
    }
    fn txs(&self) -> &[(TxState, u64)] {
        &self.txs
    }
}

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
            fn versions(&self) -> Vec<VersionInfo> {
                <$t>::versions(self)
            }
            fn tx_of(&self, session: usize) -> Option<Tx> {
                <$t>::tx_of(self, session)
            }
            fn session_of(&self, tx: Tx) -> Option<usize> {
                <$t>::session_of(self, tx)
            }
            fn tx_state(&self, tx: Tx) -> Option<TxState> {
                <$t>::tx_state(self, tx)
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

/// The database of whichever profile the lab runs.
#[derive(Debug, Clone)]
pub enum AnyDb {
    /// PostgreSQL's rules, or the textbook's (both in [`pg::Db`]).
    Pg(pg::Db),
}

impl AnyDb {
    /// A database of `profile` with `rows` committed and `sessions` idle
    /// sessions.
    pub fn new(profile: Profile, rows: &[(i64, i64)], sessions: usize) -> AnyDb {
        match profile {
            Profile::Postgres => AnyDb::Pg(pg::Db::new(rows, sessions)),
            Profile::Textbook => AnyDb::Pg(pg::Db::textbook(rows, sessions)),
        }
    }
}

impl std::ops::Deref for AnyDb {
    type Target = dyn Engine;
    fn deref(&self) -> &Self::Target {
        match self {
            AnyDb::Pg(db) => db,
        }
    }
}

impl std::ops::DerefMut for AnyDb {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            AnyDb::Pg(db) => db,
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
            fn versions(&self) -> Vec<VersionInfo> {
                (**self).versions()
            }
            fn tx_of(&self, session: usize) -> Option<Tx> {
                (**self).tx_of(session)
            }
            fn session_of(&self, tx: Tx) -> Option<usize> {
                (**self).session_of(tx)
            }
            fn tx_state(&self, tx: Tx) -> Option<TxState> {
                (**self).tx_state(tx)
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
