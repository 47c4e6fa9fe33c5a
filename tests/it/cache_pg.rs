//! The database half of the cache-aside conformance: a private PostgreSQL
//! (Debian's, started with `initdb` in a temporary directory, a unix socket
//! only, stopped when dropped) runs every statement the model's instances
//! send, in order, and after every step the test compares the row with the
//! one the model believes in; every read the model judged is judged again
//! against the row PostgreSQL held when the read returned. The Redis half
//! and the runs replayed are in `cache_redis`.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use backend_playground::sim::cache::{version_in, Lane, Params, Run, WritePolicy};

/// A private PostgreSQL, stopped when dropped.
pub struct Pg {
    dir: PathBuf,
}

/// Debian's newest PostgreSQL programs.
fn bin(name: &str) -> String {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| {
                    let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                    Some((v, e.path().join("bin")))
                })
                .filter(|(_, b)| b.join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    let (_, dir) = versions
        .pop()
        .expect("PostgreSQL is installed (scripts/test.sh installs Debian's postgresql)");
    dir.join(name).to_string_lossy().into_owned()
}

/// `program args`, as the postgres user when the tests run as root.
fn postgres(program: &str, args: &[&str]) -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut c = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &bin(program)]);
        c
    } else {
        Command::new(bin(program))
    };
    c.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    c
}

impl Pg {
    pub fn start() -> Pg {
        let dir = std::env::temp_dir().join(format!("bp-cache-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let _ = Command::new("chown")
            .arg("postgres:postgres")
            .arg(&dir)
            .status();
        let data = dir.join("data").to_string_lossy().into_owned();
        let init = postgres(
            "initdb",
            &["-D", &data, "-U", "postgres", "--auth=trust", "--no-sync"],
        )
        .status()
        .expect("initdb runs");
        assert!(init.success(), "initdb failed");
        let opts = format!(
            "-k {} -c listen_addresses= -c fsync=off -c max_connections=20",
            dir.display()
        );
        let log = dir.join("log").to_string_lossy().into_owned();
        let up = postgres(
            "pg_ctl",
            &["-D", &data, "-o", &opts, "-l", &log, "-w", "start"],
        )
        .status()
        .expect("pg_ctl runs");
        assert!(up.success(), "PostgreSQL did not start; see {log}");
        Pg { dir }
    }

    /// A connection with its own table `users_<lane>`, holding row 42.
    pub fn connect(&self, lane: usize) -> Db {
        let s = UnixStream::connect(self.dir.join(".s.PGSQL.5432")).expect("a connection");
        let mut db = Db {
            s,
            buf: Vec::new(),
            table: format!("users_{lane}"),
        };
        let mut body = 196_608i32.to_be_bytes().to_vec();
        for word in ["user", "postgres", "database", "postgres", ""] {
            body.extend(word.as_bytes());
            body.push(0);
        }
        let mut msg = ((body.len() + 4) as i32).to_be_bytes().to_vec();
        msg.extend(body);
        db.s.write_all(&msg).expect("the startup message");
        db.finish();
        let t = db.table.clone();
        db.query(&format!(
            "DROP TABLE IF EXISTS {t}; CREATE TABLE {t} (id int PRIMARY KEY, value text NOT NULL)"
        ));
        db
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let data = self.dir.join("data").to_string_lossy().into_owned();
        let _ = postgres("pg_ctl", &["-D", &data, "-m", "immediate", "stop"]).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One connection, speaking the simple query protocol.
pub struct Db {
    s: UnixStream,
    buf: Vec<u8>,
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
    fn message(&mut self) -> (u8, Vec<u8>) {
        loop {
            if self.buf.len() >= 5 {
                let len = u32::from_be_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]])
                    as usize;
                if self.buf.len() > len {
                    let tag = self.buf[0];
                    let body = self.buf[5..=len].to_vec();
                    self.buf.drain(..=len);
                    return (tag, body);
                }
            }
            let mut chunk = [0u8; 4096];
            let n = self.s.read(&mut chunk).expect("a reply from PostgreSQL");
            assert!(n > 0, "PostgreSQL closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads up to ReadyForQuery.
    fn finish(&mut self) -> Answer {
        let mut a = Answer::default();
        loop {
            let (tag, body) = self.message();
            match tag {
                b'D' => {
                    let len = i32::from_be_bytes([body[2], body[3], body[4], body[5]]);
                    let cell = if len < 0 {
                        "null".to_string()
                    } else {
                        String::from_utf8_lossy(&body[6..6 + len as usize]).into_owned()
                    };
                    a.rows.push(cell);
                }
                b'C' => {
                    a.tag = String::from_utf8_lossy(body.split(|b| *b == 0).next().unwrap_or(&[]))
                        .into_owned()
                }
                b'E' => {
                    a.error = body
                        .split(|b| *b == 0)
                        .find_map(|f| f.strip_prefix(b"C"))
                        .map(|c| String::from_utf8_lossy(c).into_owned())
                }
                b'Z' => return a,
                _ => {}
            }
        }
    }

    fn query(&mut self, sql: &str) -> Answer {
        let mut msg = vec![b'Q'];
        msg.extend(((sql.len() + 5) as i32).to_be_bytes());
        msg.extend(sql.as_bytes());
        msg.push(0);
        self.s.write_all(&msg).expect("a query");
        self.finish()
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
