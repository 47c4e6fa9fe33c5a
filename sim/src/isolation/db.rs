//! What every engine of the isolation lab answers and shows, whichever
//! database's rules it follows: the answers and errors of statements, the
//! states of transactions, the row versions and locks the lab's view lists,
//! and the history of reads and writes the anomaly analysis judges.

use super::chunked::Chunked;
use super::sql::{Aggregate, EvalError, Level, Pred, Projection, Stmt};

/// What PostgreSQL answers to a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The rows of a `SELECT *`, ordered by id.
    Rows(Vec<(i64, i64)>),
    /// The aggregates of a `SELECT` (`sum` is `None` over no rows).
    Values(Vec<Option<i64>>),
    /// Rows changed by UPDATE, DELETE or INSERT.
    Changed(u64),
    /// A transaction-control statement.
    Done,
    /// An error; the transaction is aborted.
    Error(DbError),
}

impl Answer {
    /// The answer of a SELECT, UPDATE or DELETE that went through all its
    /// rows: the rows read (ordered by id), their aggregates, or how many
    /// changed.
    pub fn of_scan(stmt: &Stmt, mut rows: Vec<(i64, i64)>, changed: u64) -> Answer {
        match stmt {
            Stmt::Select {
                what: Projection::All,
                ..
            } => {
                rows.sort_unstable();
                Answer::Rows(rows)
            }
            Stmt::Select {
                what: Projection::Aggregates(aggs),
                ..
            } => Answer::Values(
                aggs.iter()
                    .map(|a| match a {
                        Aggregate::Sum => {
                            (!rows.is_empty()).then(|| rows.iter().map(|r| r.1).sum())
                        }
                        Aggregate::Count => Some(rows.len() as i64),
                    })
                    .collect(),
            ),
            _ => Answer::Changed(changed),
        }
    }
}

/// The errors PostgreSQL gives in the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbError {
    /// 40001: could not serialize access due to concurrent update.
    ConcurrentUpdate,
    /// 40001: could not serialize access due to concurrent delete (the row
    /// a repeatable read or serializable statement meant to change was
    /// deleted since its snapshot).
    ConcurrentDelete,
    /// 40001: could not serialize access due to read/write dependencies
    /// among transactions (serializable snapshot isolation).
    ReadWriteDependencies,
    /// 40P01: deadlock detected.
    Deadlock,
    /// 23505: duplicate key value violates unique constraint.
    DuplicateKey,
    /// 25P02: current transaction is aborted, commands ignored until end of
    /// transaction block.
    InFailedTransaction,
    /// 22012: division by zero.
    DivisionByZero,
    /// 22003: integer out of range.
    OutOfRange,
    /// 42P01: relation does not exist.
    NoSuchTable,
    /// 25001: SET TRANSACTION ISOLATION LEVEL must be called before any query.
    LevelTooLate,
    /// MySQL 1213 (40001): deadlock found; the whole transaction is rolled
    /// back.
    DeadlockFound,
    /// MySQL 1205 (HY000): lock wait timeout; only the statement is rolled
    /// back.
    LockWaitTimeout,
    /// MySQL 1062 (23000): duplicate entry for the primary key (the key
    /// given); [`DbError::server_text`] words it as the server does.
    DuplicateEntry(i64),
    /// MySQL 1365 (22012): division by 0 (in a statement that changes
    /// rows, under the default strict SQL mode).
    DivisionBy0,
    /// MySQL 1690 (22003): a BIGINT result out of range.
    BigintOutOfRange,
    /// MySQL 1264 (22003): a value out of the `int` column's range.
    ColumnOutOfRange,
    /// MySQL 1568 (25001): SET TRANSACTION inside a transaction.
    CharacteristicsInTransaction,
    /// MySQL 1146 (42S02): the table does not exist.
    NoSuchTableMysql,
    /// The lab does not run MySQL's `/` (a decimal division, with
    /// rounding the lab does not model); `DIV`-free integer expressions
    /// only.
    DecimalDivision,
}

impl DbError {
    /// The message PostgreSQL prints.
    pub fn message(self) -> &'static str {
        match self {
            DbError::ConcurrentUpdate => "could not serialize access due to concurrent update",
            DbError::ConcurrentDelete => "could not serialize access due to concurrent delete",
            DbError::ReadWriteDependencies => {
                "could not serialize access due to read/write dependencies among transactions"
            }
            DbError::Deadlock => "deadlock detected",
            DbError::DuplicateKey => "duplicate key value violates unique constraint",
            DbError::InFailedTransaction => {
                "current transaction is aborted, commands ignored until end of transaction block"
            }
            DbError::DivisionByZero => "division by zero",
            DbError::OutOfRange => "integer out of range",
            DbError::NoSuchTable => "relation does not exist",
            DbError::LevelTooLate => {
                "SET TRANSACTION ISOLATION LEVEL must be called before any query"
            }
            DbError::DeadlockFound => {
                "Deadlock found when trying to get lock; try restarting transaction"
            }
            DbError::LockWaitTimeout => "Lock wait timeout exceeded; try restarting transaction",
            DbError::DuplicateEntry(_) => "Duplicate entry for key 'PRIMARY'",
            DbError::DivisionBy0 => "Division by 0",
            DbError::BigintOutOfRange => "BIGINT value is out of range",
            DbError::ColumnOutOfRange => "Out of range value for column 'value'",
            DbError::CharacteristicsInTransaction => {
                "Transaction characteristics can't be changed while a transaction is in progress"
            }
            DbError::NoSuchTableMysql => "Table doesn't exist",
            DbError::DecimalDivision => {
                "the lab does not run MySQL's / (decimal division): use integer expressions"
            }
        }
    }
}

impl DbError {
    /// The message as the server prints it: [`DbError::message`], with the
    /// key of a duplicate entry filled in.
    pub fn server_text(self) -> String {
        match self {
            DbError::DuplicateEntry(id) => format!("Duplicate entry '{id}' for key 'PRIMARY'"),
            e => e.message().to_string(),
        }
    }
}

impl From<EvalError> for DbError {
    fn from(e: EvalError) -> Self {
        match e {
            EvalError::DivisionByZero => DbError::DivisionByZero,
            EvalError::OutOfRange => DbError::OutOfRange,
        }
    }
}

/// A transaction's number.
pub type Tx = usize;

/// What the history keeps of each read and write, for the analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A statement evaluated `filter` over the rows of snapshot `seq`.
    Scan {
        /// The transaction.
        tx: Tx,
        /// The condition (`None`: every row).
        filter: Option<Pred>,
        /// The commit sequence number whose committed rows it read.
        seq: u64,
    },
    /// A row version was read.
    Read {
        /// The transaction.
        tx: Tx,
        /// The version.
        version: usize,
    },
    /// A version was replaced (`new` is `None` for a delete), or created
    /// (`old` is `None` for an insert).
    Write {
        /// The transaction.
        tx: Tx,
        /// The version replaced.
        old: Option<usize>,
        /// The version written.
        new: Option<usize>,
    },
}

/// Where a transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxState {
    /// Still open.
    Running,
    /// Committed.
    Committed,
    /// Rolled back, or failed.
    Aborted,
}

/// An event of [`Db::run`]: a statement of `session` finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The session.
    pub session: usize,
    /// Its answer.
    pub answer: Answer,
}

/// What a statement submitted to [`Db::run`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// It finished at once; other sessions' statements may have finished
    /// with it (a commit releases them), listed after.
    Done(Vec<Finished>),
    /// It waits for the transaction of this session.
    Blocked {
        /// The session holding the row.
        on: usize,
        /// Statements that finished because of it (a deadlock victim).
        finished: Vec<Finished>,
    },
    /// The session is already waiting; nothing was run.
    Busy,
}

/// A row version as the view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    /// The row's key.
    pub id: i64,
    /// Its value in this version.
    pub value: i64,
    /// The transaction that wrote it (0: the initial data).
    pub created_by: Tx,
    /// The transaction that replaced or deleted it, if any.
    pub deleted_by: Option<Tx>,
}

/// The kind of a lock the view lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// The row is being updated or deleted by the holder.
    Write,
    /// SELECT ... FOR UPDATE.
    Update,
    /// SELECT ... FOR SHARE (and the textbook's read locks).
    Share,
    /// InnoDB: a lock on the index record `id` alone, shared or
    /// exclusive, held or waited for.
    Record {
        /// X (else S).
        exclusive: bool,
        /// Requested, not yet granted.
        waiting: bool,
    },
    /// InnoDB: a lock on the gap below record `id` (`i64::MAX`: the
    /// supremum, above every record).
    Gap {
        /// X (else S).
        exclusive: bool,
        /// Requested, not yet granted.
        waiting: bool,
    },
    /// InnoDB: a next-key lock, record `id` and the gap below it.
    NextKey {
        /// X (else S).
        exclusive: bool,
        /// Requested, not yet granted.
        waiting: bool,
    },
    /// InnoDB: an INSERT's insert-intention lock on the gap below `id`.
    InsertIntention {
        /// Requested, not yet granted.
        waiting: bool,
    },
}

impl LockKind {
    /// The lock in words, for the view.
    pub fn words(self) -> String {
        let mode = |x: bool| if x { "X" } else { "S" };
        let wait = |w: bool| if w { " (waiting)" } else { "" };
        match self {
            LockKind::Write => "a write lock".into(),
            LockKind::Update => "a FOR UPDATE lock".into(),
            LockKind::Share => "a shared lock".into(),
            LockKind::Record { exclusive, waiting } => {
                format!("an {} record lock{}", mode(exclusive), wait(waiting))
            }
            LockKind::Gap { exclusive, waiting } => {
                format!("an {} gap lock{}", mode(exclusive), wait(waiting))
            }
            LockKind::NextKey { exclusive, waiting } => {
                format!("an {} next-key lock{}", mode(exclusive), wait(waiting))
            }
            LockKind::InsertIntention { waiting } => {
                format!("an insert-intention lock{}", wait(waiting))
            }
        }
    }
}

/// A row lock held by a running transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockInfo {
    /// The session holding it.
    pub session: usize,
    /// The row.
    pub id: i64,
    /// How.
    pub kind: LockKind,
}

/// A row version as the history records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The row's key.
    pub id: i64,
    /// Its value in this version.
    pub value: i64,
    /// The transaction that wrote it (0: the initial data).
    pub xmin: Tx,
    /// The transaction that replaced or deleted it, if any.
    pub xmax: Option<Tx>,
}

/// What an engine records for the anomaly analysis: its row versions,
/// every read and write in order, and each transaction's state with its
/// commit sequence number.
pub trait Recorded {
    /// Row version `v` (versions are numbered in the order written).
    fn row(&self, v: usize) -> Row;
    /// How many row versions there are.
    fn row_count(&self) -> usize;
    /// Every read and write, in order.
    fn events(&self) -> &Chunked<Event>;
    /// Each transaction's state and commit sequence number (0 until it
    /// commits), by transaction number.
    fn txs(&self) -> &[(TxState, u64)];

    /// Every row version as the view shows it, in the order written.
    fn versions(&self) -> Vec<VersionInfo> {
        (0..self.row_count())
            .map(|v| {
                let r = self.row(v);
                VersionInfo {
                    id: r.id,
                    value: r.value,
                    created_by: r.xmin,
                    deleted_by: r.xmax,
                }
            })
            .collect()
    }

    /// Adds to `out` the key and writer of each row version from `start`
    /// on (which never change once written).
    fn keys_from(&self, start: usize, out: &mut Vec<(i64, Tx)>) {
        out.extend((start..self.row_count()).map(|v| {
            let r = self.row(v);
            (r.id, r.xmin)
        }));
    }

    /// Where transaction `tx` is.
    fn tx_state(&self, tx: Tx) -> Option<TxState> {
        self.txs().get(tx).map(|t| t.0)
    }
}

/// An engine of the lab: runs statements for sessions and shows its state.
pub trait Engine: Recorded {
    /// Runs `stmt` for `session`.
    fn run(&mut self, session: usize, stmt: &Stmt) -> Submitted;
    /// The committed rows, ordered by id.
    fn committed_rows(&self) -> Vec<(i64, i64)>;
    /// Whether `session`'s statement waits.
    fn is_blocked(&self, session: usize) -> bool;
    /// The transaction open in `session`.
    fn tx_of(&self, session: usize) -> Option<Tx>;
    /// The session that ran transaction `tx` (none for the initial data).
    fn session_of(&self, tx: Tx) -> Option<usize>;
    /// The isolation level of `session`'s transaction (or of its next one).
    fn level_of(&self, session: usize) -> Level;
    /// Whether `session`'s transaction failed and awaits ROLLBACK.
    fn is_failed(&self, session: usize) -> bool;
    /// The session whose transaction `session` is waiting for.
    fn waits_for(&self, session: usize) -> Option<usize>;
    /// The row `session`'s waiting statement waits at.
    fn waiting_row(&self, session: usize) -> Option<i64>;
    /// The rows a plain `SELECT *` by `session` would read now.
    fn seen_by(&self, session: usize) -> Vec<(i64, i64)>;
    /// The locks running transactions hold (and wait for), by row.
    fn locks(&self) -> Vec<LockInfo>;
    /// Predicate locks of running transactions: the session and the
    /// condition (`None`: the whole table).
    fn predicate_locks(&self) -> Vec<(usize, Option<String>)>;
}
