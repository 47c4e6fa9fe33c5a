//! A private redis-server for the conformance tests, started on a unix
//! socket in a temporary directory and stopped when dropped, and just
//! enough of its protocol (RESP) to send commands and read replies,
//! arrays included.

use std::path::PathBuf;
use std::process::{Child, Command as Process, Stdio};
use std::time::Duration;

use crate::wire::{wait_for, Wire};

/// A private redis-server, stopped when dropped.
pub struct Server {
    child: Child,
    dir: PathBuf,
}

impl Server {
    /// Starts one in a fresh temporary directory named after `name`.
    pub fn start(name: &str) -> Server {
        let dir = std::env::temp_dir().join(format!("bp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let child = Process::new("redis-server")
            .args(["--port", "0", "--unixsocket"])
            .arg(dir.join("redis.sock"))
            .args([
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/test.sh installs Debian's redis-server)");
        Server { child, dir }
    }

    /// Its unix socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.join("redis.sock")
    }

    pub fn connect(&self) -> Conn {
        let s = wait_for(
            &self.socket(),
            Duration::from_secs(10),
            Duration::from_millis(20),
            "redis-server did not start",
        );
        Conn(Wire::new(s, "redis-server"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A reply in full (arrays included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A status (`+OK`).
    Status(String),
    /// An integer.
    Int(i64),
    /// A bulk string, or nil.
    Bulk(Option<String>),
    /// An array.
    Array(Vec<Value>),
    /// The nil array (`EXEC` when a watched key changed).
    NilArray,
}

/// One connection: just enough of RESP for these commands.
pub struct Conn(Wire);

impl Conn {
    pub fn call(&mut self, args: &[String]) -> Value {
        self.pipeline(&[args.to_vec()]).remove(0)
    }

    /// Sends every command at once, then reads their replies.
    pub fn pipeline(&mut self, commands: &[Vec<String>]) -> Vec<Value> {
        let mut out = String::new();
        for args in commands {
            out.push_str(&format!("*{}\r\n", args.len()));
            for a in args {
                out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
            }
        }
        self.0.send(out.as_bytes());
        commands.iter().map(|_| self.read()).collect()
    }

    fn read(&mut self) -> Value {
        let line = String::from_utf8_lossy(&self.0.line()).into_owned();
        let line = line.trim_end();
        let rest = line.get(1..).unwrap_or("");
        match line.as_bytes().first() {
            Some(b'+') => Value::Status(rest.to_string()),
            Some(b':') => Value::Int(rest.parse().expect("an integer reply")),
            Some(b'$') if rest == "-1" => Value::Bulk(None),
            Some(b'$') => {
                let n: usize = rest.parse().expect("a length");
                let buf = self.0.exact(n + 2);
                Value::Bulk(Some(String::from_utf8_lossy(&buf[..n]).into_owned()))
            }
            Some(b'*') if rest == "-1" => Value::NilArray,
            Some(b'*') => {
                let n: usize = rest.parse().expect("a length");
                Value::Array((0..n).map(|_| self.read()).collect())
            }
            _ => panic!("unexpected reply from redis: {line}"),
        }
    }

    pub fn cmd(&mut self, args: &[&str]) -> Value {
        self.call(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }
}
