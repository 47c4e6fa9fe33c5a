//! A private PostgreSQL for the conformance tests: Debian's newest, set up
//! with `initdb` in a temporary directory, listening on a unix socket only,
//! stopped when dropped; and a client of its simple query protocol, whose
//! replies can be read in steps, with a deadline, while a statement waits
//! on a lock.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::wire::Wire;

/// A private server, stopped when dropped.
pub struct Server {
    dir: PathBuf,
}

/// The newest PostgreSQL's programs, as Debian installs them.
fn bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| {
                    let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                    let bin = e.path().join("bin");
                    bin.join("initdb").exists().then_some((v, bin))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
        .pop()
        .map(|(_, b)| b)
        .expect("PostgreSQL is installed (scripts/test.sh installs Debian's postgresql)")
}

/// `cmd args`, quiet, as the postgres user when the tests run as root.
fn as_postgres(cmd: &str, args: &[&str]) -> Command {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let program = bin_dir().join(cmd).to_string_lossy().into_owned();
    let mut c = if is_root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &program]);
        c
    } else {
        Command::new(program)
    };
    c.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    c
}

impl Server {
    /// A server of its own for `tag`, run with `settings` (`-c name=value`
    /// options) beside a unix socket only, no fsync and 20 connections.
    pub fn start(tag: &str, settings: &str) -> Server {
        let dir = std::env::temp_dir().join(format!("bp-pg-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        // The server runs as the postgres user when the tests run as root.
        let _ = Command::new("chown")
            .arg("postgres:postgres")
            .arg(&dir)
            .status();
        let d = dir.join("data").to_string_lossy().into_owned();
        let init = [
            "-D",
            &d,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ];
        let ok = as_postgres("initdb", &init)
            .status()
            .expect("initdb runs (scripts/test.sh installs Debian's postgresql)");
        assert!(ok.success(), "initdb failed");
        let opts = format!(
            "-k {} -c listen_addresses= -c fsync=off -c max_connections=20 {settings}",
            dir.display()
        );
        let log = dir.join("log").to_string_lossy().into_owned();
        let ok = as_postgres(
            "pg_ctl",
            &["-D", &d, "-o", &opts, "-l", &log, "-w", "start"],
        )
        .status()
        .expect("pg_ctl runs");
        assert!(ok.success(), "PostgreSQL did not start; see {log}");
        Server { dir }
    }

    pub fn connect(&self) -> Conn {
        Conn::open(Wire::connect(&self.dir.join(".s.PGSQL.5432"), "PostgreSQL"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let d = self.dir.join("data").to_string_lossy().into_owned();
        let _ = as_postgres("pg_ctl", &["-D", &d, "-m", "immediate", "stop"]).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What the server answered to one query.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The rows (NULL as `None`) and the command tag.
    Rows(Vec<Vec<Option<String>>>, String),
    /// SQLSTATE and message.
    Error(String, String),
}

/// A reply being read: the rows so far, and the outcome once known.
pub type Partial = (Vec<Vec<Option<String>>>, Option<Reply>);

/// A connection speaking the simple query protocol.
pub struct Conn {
    wire: Wire,
    /// The server process serving it.
    pub pid: i32,
}

impl Conn {
    fn open(wire: Wire) -> Conn {
        let mut c = Conn { wire, pid: 0 };
        let mut body = 196_608i32.to_be_bytes().to_vec();
        for kv in ["user", "postgres", "database", "postgres", ""] {
            body.extend(kv.as_bytes());
            body.push(0);
        }
        let mut msg = ((body.len() + 4) as i32).to_be_bytes().to_vec();
        msg.extend(body);
        c.wire.send(&msg);
        loop {
            let (tag, payload) = c.message(None).expect("a reply to the startup");
            match tag {
                b'K' => {
                    c.pid = i32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]])
                }
                b'Z' => return c,
                b'E' => panic!("the server refused: {}", String::from_utf8_lossy(&payload)),
                _ => {}
            }
        }
    }

    /// The next message, or `None` if none is complete by `timeout`.
    fn message(&mut self, timeout: Option<Duration>) -> Option<(u8, Vec<u8>)> {
        let mut m = self.wire.frame(timeout, |b| {
            let len = b.get(1..5)?;
            Some(1 + u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize)
        })?;
        let tag = m[0];
        m.drain(..5);
        Some((tag, m))
    }

    pub fn send(&mut self, sql: &str) {
        let mut msg = vec![b'Q'];
        msg.extend(((sql.len() + 5) as i32).to_be_bytes());
        msg.extend(sql.as_bytes());
        msg.push(0);
        self.wire.send(&msg);
    }

    /// Reads the reply to the query sent, if it is complete by `timeout`.
    pub fn reply(&mut self, timeout: Option<Duration>, acc: &mut Partial) -> Option<Reply> {
        loop {
            let (tag, p) = self.message(timeout)?;
            match tag {
                b'D' => acc.0.push(data_row(&p)),
                b'C' => {
                    let tag = String::from_utf8_lossy(&p[..p.len().saturating_sub(1)]).into_owned();
                    acc.1 = Some(Reply::Rows(std::mem::take(&mut acc.0), tag));
                }
                b'E' => {
                    let (mut code, mut text) = (String::new(), String::new());
                    for field in p.split(|b| *b == 0) {
                        match field.split_first() {
                            Some((b'C', rest)) => code = String::from_utf8_lossy(rest).into_owned(),
                            Some((b'M', rest)) => text = String::from_utf8_lossy(rest).into_owned(),
                            _ => {}
                        }
                    }
                    acc.1 = Some(Reply::Error(code, text));
                }
                b'Z' => {
                    return Some(
                        acc.1
                            .take()
                            .unwrap_or(Reply::Rows(Vec::new(), String::new())),
                    )
                }
                _ => {}
            }
        }
    }

    /// Runs `sql` and waits for its reply.
    pub fn query(&mut self, sql: &str) -> Reply {
        self.send(sql);
        let mut acc = (Vec::new(), None);
        self.reply(None, &mut acc).expect("a reply")
    }
}

/// A DataRow message's cells (NULL as `None`).
fn data_row(p: &[u8]) -> Vec<Option<String>> {
    let n = u16::from_be_bytes([p[0], p[1]]) as usize;
    let mut at = 2;
    let mut row = Vec::new();
    for _ in 0..n {
        let len = i32::from_be_bytes([p[at], p[at + 1], p[at + 2], p[at + 3]]);
        at += 4;
        if len < 0 {
            row.push(None);
        } else {
            let l = len as usize;
            row.push(Some(String::from_utf8_lossy(&p[at..at + l]).into_owned()));
            at += l;
        }
    }
    row
}
