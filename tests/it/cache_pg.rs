//! The database half of the cache-aside conformance: a private PostgreSQL
//! (Debian's, started with `initdb` in a temporary directory, a unix socket
//! only, stopped when dropped) runs every statement the model's instances
//! send, in order, and after every step the test compares the row with the
//! one the model believes in; every read the model judged is judged again
//! against the row PostgreSQL held when the read returned. The Redis half
//! and the runs replayed are in `cache_redis`.

use backend_playground::sim::cache::{version_in, Lane, Params, Run, WritePolicy};

use crate::pg::{Conn, Reply, Server};

/// A private PostgreSQL, stopped when dropped.
pub struct Pg(Server);

impl Pg {
    pub fn start() -> Pg {
        Pg(Server::start("cache", ""))
    }

    /// A connection with its own table `users_<lane>`, holding row 42.
    pub fn connect(&self, lane: usize) -> Db {
        let mut db = Db {
            conn: self.0.connect(),
            table: format!("users_{lane}"),
        };
        let t = db.table.clone();
        db.query(&format!(
            "DROP TABLE IF EXISTS {t}; CREATE TABLE {t} (id int PRIMARY KEY, value text NOT NULL)"
        ));
        db
    }
}

/// One connection, with its table.
pub struct Db {
    conn: Conn,
    table: String,
}

/// What a statement gave: its rows' first column, its command tag, or the
/// error's SQLSTATE.
#[derive(Debug, Default, PartialEq, Eq)]
struct Answer {
    rows: Vec<String>,
    tag: String,
    error: Option<String>,
}

impl Db {
    fn query(&mut self, sql: &str) -> Answer {
        match self.conn.query(sql) {
            Reply::Rows(rows, tag) => Answer {
                rows: rows
                    .into_iter()
                    .map(|r| {
                        r.into_iter()
                            .next()
                            .flatten()
                            .unwrap_or_else(|| "null".into())
                    })
                    .collect(),
                tag,
                error: None,
            },
            Reply::Error(code, _) => Answer {
                error: Some(code),
                ..Answer::default()
            },
        }
    }

    /// The version row 42 holds (0: no row).
    fn row(&mut self) -> u32 {
        let a = self.query(&format!("SELECT value FROM {} WHERE id = 42", self.table));
        a.rows.first().and_then(|v| version_in(v)).unwrap_or(0)
    }
}

/// What the database half compared in one run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Compared {
    /// Statements run.
    pub statements: usize,
    /// Rows compared after a step.
    pub rows: usize,
    /// Reads judged again.
    pub verdicts: usize,
}

/// Whether a read of `version` is stale against the row `row`, by the
/// rule the page states.
fn stale(policy: WritePolicy, version: u32, row: u32) -> bool {
    if policy == WritePolicy::CacheFirst {
        version != row
    } else {
        version < row
    }
}

/// Runs the run's statements on PostgreSQL, step by step, and compares
/// each answer, the row after each step and each read's stale verdict with
/// the model's.
pub fn replay_db(db: &mut Db, p: &Params, run: &Run, what: &str) -> Compared {
    let t = db.table.clone();
    db.query(&format!("DELETE FROM {t}"));
    if !p.missing {
        db.query(&format!("INSERT INTO {t} VALUES (42, 'v1')"));
    }
    let mut n = Compared::default();
    let mut prev_stale = 0;
    for (k, step) in run.steps_list().iter().enumerate() {
        let mut at_read = None;
        for a in step.arrows.iter().filter(|a| a.to == Lane::Db) {
            let flush = a.request.starts_with("flush");
            if flush && at_read.is_none() {
                at_read = Some(db.row());
            }
            let value = a.request.split('\'').nth(1).unwrap_or("");
            let (sql, want) = if a.request.starts_with("SELECT") {
                (format!("SELECT value FROM {t} WHERE id = 42"), None)
            } else if a.request.contains("INSERT") {
                (
                    format!("INSERT INTO {t} (id, value) VALUES (42, '{value}')"),
                    Some("INSERT 0 1"),
                )
            } else {
                (
                    format!("UPDATE {t} SET value = '{value}' WHERE id = 42"),
                    Some("UPDATE 1"),
                )
            };
            let got = db.query(&sql);
            assert_eq!(got.error, None, "{what}, step {k}: {sql}");
            match want {
                Some(tag) => assert_eq!(got.tag, tag, "{what}, step {k}: {sql}"),
                None => {
                    let seen = got.rows.first().cloned().unwrap_or_else(|| "no row".into());
                    assert_eq!(seen, a.reply, "{what}, step {k}: {sql}");
                }
            }
            n.statements += 1;
        }
        let row = db.row();
        assert_eq!(row, step.db_version, "{what}, step {k}: the row");
        n.rows += 1;
        if let Some(r) = step.read {
            let judged = step.figures.stale_reads > prev_stale;
            let real = stale(p.policy, r.version, at_read.unwrap_or(row));
            assert_eq!(
                judged, real,
                "{what}, step {k}: the stale verdict on v{}",
                r.version
            );
            n.verdicts += 1;
        }
        prev_stale = step.figures.stale_reads;
    }
    n
}
