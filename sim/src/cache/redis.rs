//! The cache: the few Redis commands cache-aside uses (GET, SET with PX and
//! NX, DEL), with expiry as Redis decides it (a key is gone once the clock is
//! strictly past its expiry time) and eviction of the least recently used
//! key when a key limit is set.

use std::collections::BTreeMap;
use std::sync::Arc;

/// A Redis reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `(nil)`: no such key, or a `SET ... NX` that did not set.
    Nil,
    /// `OK`.
    Ok,
    /// A string.
    Bulk(String),
    /// An integer (DEL's count).
    Int(i64),
}

impl Reply {
    /// As `redis-cli` prints it.
    pub fn text(&self) -> String {
        match self {
            Reply::Nil => "nil".to_string(),
            Reply::Ok => "OK".to_string(),
            Reply::Bulk(s) => format!("\"{s}\""),
            Reply::Int(n) => format!("(integer) {n}"),
        }
    }
}

/// A command sent to the cache and its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The words of the command, as sent (`SET user:42 v1 PX 30000`).
    pub args: Vec<String>,
    /// What the cache answered.
    pub reply: Reply,
}

impl Command {
    /// The command and reply on one line: `GET user:42 -> nil`.
    pub fn text(&self) -> String {
        format!("{} \u{2192} {}", self.args.join(" "), self.reply.text())
    }
}

/// One key's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The stored string.
    pub value: String,
    /// When it expires (ms of virtual time), if it does.
    pub expire_at: Option<u64>,
    /// When it was set.
    pub set_at: u64,
    /// Last access, for LRU.
    used: u64,
}

/// The cache's contents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redis {
    entries: BTreeMap<Arc<str>, Entry>,
    /// At most this many keys (`maxmemory` with `allkeys-lru`, counted in
    /// keys); `None`: no limit.
    capacity: Option<usize>,
    ticks: u64,
    /// Keys by last use, oldest first.
    lru: BTreeMap<u64, Arc<str>>,
    /// Keys evicted so far.
    pub evicted: u64,
}

impl Redis {
    /// An empty cache holding at most `capacity` keys.
    pub fn new(capacity: Option<usize>) -> Redis {
        Redis {
            capacity,
            ..Redis::default()
        }
    }

    fn live(&mut self, now: u64, key: &str) -> bool {
        let expired = self
            .entries
            .get(key)
            .is_some_and(|e| e.expire_at.is_some_and(|at| now > at));
        if expired {
            self.remove(key);
        }
        self.entries.contains_key(key)
    }

    fn remove(&mut self, key: &str) {
        if let Some(e) = self.entries.remove(key) {
            self.lru.remove(&e.used);
        }
    }

    fn touch(&mut self, key: &str) {
        self.ticks += 1;
        let t = self.ticks;
        if let Some((k, e)) = self.entries.get_key_value(key) {
            let (k, old) = (k.clone(), e.used);
            self.lru.remove(&old);
            self.lru.insert(t, k);
            if let Some(e) = self.entries.get_mut(key) {
                e.used = t;
            }
        }
    }

    /// `GET key`.
    pub fn get(&mut self, now: u64, key: &str) -> Command {
        Command {
            args: vec!["GET".into(), key.into()],
            reply: self.get_reply(now, key),
        }
    }

    /// `GET key`'s reply alone.
    pub fn get_reply(&mut self, now: u64, key: &str) -> Reply {
        if self.live(now, key) {
            self.touch(key);
            self.entries
                .get(key)
                .map(|e| Reply::Bulk(e.value.clone()))
                .unwrap_or(Reply::Nil)
        } else {
            Reply::Nil
        }
    }

    /// `SET key value [PX ms] [NX]`.
    pub fn set(&mut self, now: u64, key: &str, value: &str, px: Option<u64>, nx: bool) -> Command {
        let mut args = vec!["SET".to_string(), key.to_string(), value.to_string()];
        if nx {
            args.push("NX".into());
        }
        if let Some(ms) = px {
            args.push("PX".into());
            args.push(ms.max(1).to_string());
        }
        Command {
            args,
            reply: self.set_reply(now, key, value, px, nx),
        }
    }

    /// `SET key value [PX ms] [NX]`'s reply alone.
    pub fn set_reply(
        &mut self,
        now: u64,
        key: &str,
        value: &str,
        px: Option<u64>,
        nx: bool,
    ) -> Reply {
        let exists = self.live(now, key);
        if nx && exists {
            Reply::Nil
        } else {
            if !exists {
                self.make_room();
            }
            let entry = Entry {
                value: value.to_string(),
                expire_at: px.map(|ms| now + ms.max(1)),
                set_at: now,
                used: 0,
            };
            match self.entries.get_mut(key) {
                Some(e) => {
                    let used = e.used;
                    *e = Entry { used, ..entry };
                }
                None => {
                    self.entries.insert(Arc::from(key), entry);
                }
            }
            self.touch(key);
            Reply::Ok
        }
    }

    /// `DEL key [key ...]`.
    pub fn del(&mut self, now: u64, keys: &[&str]) -> Command {
        let mut args = vec!["DEL".to_string()];
        args.extend(keys.iter().map(|k| k.to_string()));
        Command {
            args,
            reply: Reply::Int(self.del_count(now, keys)),
        }
    }

    /// `DEL key [key ...]`'s count alone.
    pub fn del_count(&mut self, now: u64, keys: &[&str]) -> i64 {
        let mut n = 0;
        for k in keys {
            if self.live(now, k) {
                self.remove(k);
                n += 1;
            }
        }
        n
    }

    /// Evicts the least recently used key if a new one would pass the limit.
    fn make_room(&mut self) {
        let Some(cap) = self.capacity else {
            return;
        };
        while self.entries.len() >= cap.max(1) {
            let Some((_, victim)) = self.lru.pop_first() else {
                break;
            };
            self.entries.remove(&victim);
            self.evicted += 1;
        }
    }

    /// The live entries at `now`, by key.
    pub fn entries(&self, now: u64) -> Vec<(&str, &Entry)> {
        self.entries
            .iter()
            .filter(|(_, e)| e.expire_at.is_none_or(|at| now <= at))
            .map(|(k, e)| (k.as_ref(), e))
            .collect()
    }

    /// The live entry of `key` at `now`, without touching it.
    pub fn peek(&self, now: u64, key: &str) -> Option<&Entry> {
        self.entries
            .get(key)
            .filter(|e| e.expire_at.is_none_or(|at| now <= at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_reply_as_redis_does() {
        let mut r = Redis::new(None);
        assert_eq!(r.get(0, "k").reply, Reply::Nil);
        assert_eq!(r.set(0, "k", "v1", Some(1000), false).reply, Reply::Ok);
        assert_eq!(r.set(10, "k", "x", Some(1000), true).reply, Reply::Nil);
        assert_eq!(r.get(1000, "k").reply, Reply::Bulk("v1".into()));
        // Strictly past the expiry time, the key is gone.
        assert_eq!(r.get(1001, "k").reply, Reply::Nil);
        assert_eq!(r.set(1001, "k", "x", Some(5), true).reply, Reply::Ok);
        assert_eq!(r.del(1002, &["k", "other"]).reply, Reply::Int(1));
        assert_eq!(
            r.set(0, "a", "1", None, false).text(),
            "SET a 1 \u{2192} OK"
        );
    }

    #[test]
    fn the_least_recently_used_key_is_evicted() {
        let mut r = Redis::new(Some(2));
        r.set(0, "a", "1", None, false);
        r.set(1, "b", "2", None, false);
        r.get(2, "a");
        r.set(3, "c", "3", None, false);
        assert_eq!(r.get(4, "b").reply, Reply::Nil);
        assert_eq!(r.get(4, "a").reply, Reply::Bulk("1".into()));
        assert_eq!(r.evicted, 1);
    }
}
