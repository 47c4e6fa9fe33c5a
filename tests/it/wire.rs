//! A unix-socket connection with a read buffer, which the conformance
//! tests' own clients (PostgreSQL's and MySQL's protocols, Redis's RESP)
//! read their frames from: a frame whose length its header gives, a line,
//! or a given number of bytes, waiting for it without end or up to a
//! deadline.

use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// Connects to `path` once a server listens there, trying every `every`;
/// panics with `failed` if none does within `within`.
pub fn wait_for(path: &Path, within: Duration, every: Duration, failed: &str) -> UnixStream {
    let started = Instant::now();
    loop {
        if let Ok(s) = UnixStream::connect(path) {
            return s;
        }
        assert!(started.elapsed() < within, "{failed}");
        std::thread::sleep(every);
    }
}

/// One connection to a server (`peer` names it in a failure) and the bytes
/// read from it that no frame has taken yet.
pub struct Wire {
    s: UnixStream,
    buf: Vec<u8>,
    /// The socket's read timeout as last set.
    timeout: Option<Duration>,
    peer: &'static str,
}

impl Wire {
    pub fn new(s: UnixStream, peer: &'static str) -> Wire {
        Wire {
            s,
            buf: Vec::new(),
            timeout: None,
            peer,
        }
    }

    /// A connection to the server listening on `path`.
    pub fn connect(path: &Path, peer: &'static str) -> Wire {
        let s = UnixStream::connect(path)
            .unwrap_or_else(|e| panic!("a connection to {peer} at {}: {e}", path.display()));
        Wire::new(s, peer)
    }

    pub fn send(&mut self, bytes: &[u8]) {
        let peer = self.peer;
        self.s
            .write_all(bytes)
            .unwrap_or_else(|e| panic!("a write to {peer}: {e}"));
    }

    /// The next frame: `len` looks at the bytes at the head of the buffer
    /// and tells the frame's whole length once it can (`None`: more bytes
    /// are needed for that). `None` if no frame is complete by `timeout`
    /// (without one, it waits as long as it takes).
    pub fn frame(
        &mut self,
        timeout: Option<Duration>,
        len: impl Fn(&[u8]) -> Option<usize>,
    ) -> Option<Vec<u8>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if let Some(n) = len(&self.buf).filter(|n| self.buf.len() >= *n) {
                return Some(self.buf.drain(..n).collect());
            }
            let wait = match deadline {
                Some(d) => Some(
                    d.checked_duration_since(Instant::now())?
                        .max(Duration::from_millis(1)),
                ),
                None => None,
            };
            if wait != self.timeout {
                self.s.set_read_timeout(wait).expect("a read timeout");
                self.timeout = wait;
            }
            let mut chunk = [0u8; 8192];
            match self.s.read(&mut chunk) {
                Ok(0) => panic!("{} closed the connection", self.peer),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return None;
                    }
                }
                // A signal (a profiler's, a child's end) cut the read short:
                // read again.
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => panic!("reading from {}: {e}", self.peer),
            }
        }
    }

    /// The next line, its `\n` included.
    pub fn line(&mut self) -> Vec<u8> {
        let line = self.frame(None, |b| b.iter().position(|c| *c == b'\n').map(|i| i + 1));
        line.unwrap_or_default()
    }

    /// The next `n` bytes.
    pub fn exact(&mut self, n: usize) -> Vec<u8> {
        self.frame(None, |_| Some(n)).unwrap_or_default()
    }

    /// Reads until the server closes the connection (20 s at the most).
    pub fn wait_closed(&mut self) {
        let _ = self.s.set_read_timeout(Some(Duration::from_secs(20)));
        self.timeout = Some(Duration::from_secs(20));
        let mut chunk = [0u8; 8192];
        while let Ok(n) = self.s.read(&mut chunk) {
            if n == 0 {
                break;
            }
        }
    }
}
