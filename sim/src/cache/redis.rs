//! The cache: the few Redis commands cache-aside uses (GET, SET with PX and
//! NX, DEL, WATCH/UNWATCH/MULTI/EXEC around a SET, and EVAL of the two Lua
//! scripts the patterns send), with expiry as Redis decides it (a key is gone
//! once the clock is strictly past its expiry time) and eviction of the least
//! recently used key when a key limit is set.
//!
//! A watched key makes `EXEC` fail (a nil reply, nothing run) when, since
//! the `WATCH`, a command changed it (a `SET` that set, a `DEL` that
//! deleted, a script's `SET` or `DEL`, an eviction) or it was live then and
//! has expired since; a `DEL` of a key that is not there changes nothing.

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
    /// `QUEUED`: a command inside `MULTI`.
    Queued,
    /// `EXEC`'s replies, or `None` when a watched key changed (`*-1`).
    Exec(Option<Vec<Reply>>),
}

impl Reply {
    /// As `redis-cli` prints it.
    pub fn text(&self) -> String {
        match self {
            Reply::Nil => "nil".to_string(),
            Reply::Ok => "OK".to_string(),
            Reply::Bulk(s) => format!("\"{s}\""),
            Reply::Int(n) => format!("(integer) {n}"),
            Reply::Queued => "QUEUED".to_string(),
            Reply::Exec(None) => "nil (a watched key changed)".to_string(),
            Reply::Exec(Some(r)) => format!(
                "[{}]",
                r.iter().map(Reply::text).collect::<Vec<_>>().join(", ")
            ),
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
        format!("{} \u{2192} {}", self.line(), self.reply.text())
    }

    /// The command as a line, a script by its name (the page shows each
    /// script's text once).
    pub fn line(&self) -> String {
        self.args
            .iter()
            .map(|a| match a.as_str() {
                SET_IF_NEWER => "\u{2039}set if newer\u{203a}".to_string(),
                KEEP_STALE => "\u{2039}keep a stale copy\u{203a}".to_string(),
                _ => a.clone(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The Lua script of versioned sets: sets `KEYS[1]` to `ARGV[2]` (`PX
/// ARGV[3]`) only if what it holds ranks lower than `ARGV[1]`, where a value
/// `vN` ranks `2N + 1` and a tombstone `tN` ranks `2N` (anything else, or
/// nothing, ranks lowest). Replies 1 if it set, 0 if not.
pub const SET_IF_NEWER: &str = "local cur = redis.call('GET', KEYS[1])
local n = cur and string.match(cur, '^[vt](%d+)')
if n and tonumber(n) * 2 + (string.sub(cur, 1, 1) == 'v' and 1 or 0) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1";

/// The Lua script that keeps a stale copy: moves `KEYS[1]`'s value to
/// `KEYS[2]` (`PX ARGV[1]`) and deletes `KEYS[1]`; replies the value, or nil
/// if there was none (then nothing changes).
pub const KEEP_STALE: &str = "local v = redis.call('GET', KEYS[1])
if v then
  redis.call('SET', KEYS[2], v, 'PX', ARGV[1])
  redis.call('DEL', KEYS[1])
end
return v";

/// The rank [`SET_IF_NEWER`] gives a stored string: `vN` is `2N + 1`, `tN`
/// is `2N`, anything else none.
pub fn rank_of(value: &str) -> Option<u64> {
    let kind = value.chars().next().filter(|c| matches!(c, 'v' | 't'))?;
    let digits: String = value
        .get(1..)?
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    if digits.is_empty() {
        return None;
    }
    // Lua's numbers are doubles; versions stay far below where they round.
    let n: u64 = digits.parse().ok()?;
    Some(n * 2 + u64::from(kind == 'v'))
}

/// The words of `SET key value [NX] [PX ms]`.
fn set_args(key: &str, value: &str, px: Option<u64>, nx: bool) -> Vec<String> {
    let mut args = vec!["SET".to_string(), key.to_string(), value.to_string()];
    if nx {
        args.push("NX".into());
    }
    if let Some(ms) = px {
        args.push("PX".into());
        args.push(ms.max(1).to_string());
    }
    args
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
    /// How many times a command changed each key (what `WATCH` compares).
    changes: BTreeMap<Arc<str>, u64>,
    /// Each client's watched keys: the key, its change count then and
    /// whether it was live.
    watched: BTreeMap<usize, Vec<(Arc<str>, u64, bool)>>,
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

    /// A command changed `key`: every `WATCH` of it now fails its `EXEC`.
    /// Only changes made while some client watches need counting (a
    /// `WATCH` compares the count it saw with the count at `EXEC`).
    fn changed(&mut self, key: &str) {
        if self.watched.is_empty() {
            return;
        }
        match self.changes.get_mut(key) {
            Some(n) => *n += 1,
            None => {
                self.changes.insert(Arc::from(key), 1);
            }
        }
    }

    fn changes_of(&self, key: &str) -> u64 {
        self.changes.get(key).copied().unwrap_or(0)
    }

    fn touch(&mut self, key: &str) {
        // Without a key limit nothing is evicted, so recency is not kept.
        if self.capacity.is_none() {
            return;
        }
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
        Command {
            args: set_args(key, value, px, nx),
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
            self.changed(key);
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
                self.changed(k);
                n += 1;
            }
        }
        n
    }

    /// `WATCH key` by `client`.
    pub fn watch(&mut self, client: usize, now: u64, key: &str) -> Command {
        let live = self.live(now, key);
        let count = self.changes_of(key);
        let keys = self.watched.entry(client).or_default();
        // A key watched already keeps its first watch, as Redis does.
        if !keys.iter().any(|(k, _, _)| k.as_ref() == key) {
            keys.push((Arc::from(key), count, live));
        }
        Command {
            args: vec!["WATCH".into(), key.into()],
            reply: Reply::Ok,
        }
    }

    /// `UNWATCH` by `client` (also what a closed connection does).
    pub fn unwatch(&mut self, client: usize) -> Command {
        self.watched.remove(&client);
        Command {
            args: vec!["UNWATCH".into()],
            reply: Reply::Ok,
        }
    }

    /// `MULTI`, `SET key value [NX] PX ms` queued, `EXEC`, by `client`:
    /// the set runs only if no key the client watches changed since its
    /// `WATCH`; the watches end either way.
    pub fn multi_set(
        &mut self,
        client: usize,
        now: u64,
        key: &str,
        value: &str,
        px: Option<u64>,
        nx: bool,
    ) -> Vec<Command> {
        let watched = self.watched.remove(&client).unwrap_or_default();
        let dirty = watched.iter().any(|(k, count, was_live)| {
            self.changes_of(k) != *count || (*was_live && self.peek(now, k).is_none())
        });
        let (set, exec) = if dirty {
            (set_args(key, value, px, nx), Reply::Exec(None))
        } else {
            let c = self.set(now, key, value, px, nx);
            (c.args, Reply::Exec(Some(vec![c.reply])))
        };
        let set = Command {
            args: set,
            reply: Reply::Queued,
        };
        vec![
            Command {
                args: vec!["MULTI".into()],
                reply: Reply::Ok,
            },
            set,
            Command {
                args: vec!["EXEC".into()],
                reply: exec,
            },
        ]
    }

    /// `EVAL` of [`SET_IF_NEWER`]: sets `key` to `value` for `px` ms if
    /// what it holds ranks below `rank`.
    pub fn set_if_newer(
        &mut self,
        now: u64,
        key: &str,
        rank: u64,
        value: &str,
        px: u64,
    ) -> Command {
        let px = px.max(1);
        let older = match self.get_reply(now, key) {
            Reply::Bulk(cur) => rank_of(&cur).is_none_or(|r| r < rank),
            _ => true,
        };
        if older {
            self.set_reply(now, key, value, Some(px), false);
        }
        Command {
            args: vec![
                "EVAL".into(),
                SET_IF_NEWER.into(),
                "1".into(),
                key.into(),
                rank.to_string(),
                value.into(),
                px.to_string(),
            ],
            reply: Reply::Int(i64::from(older)),
        }
    }

    /// `EVAL` of [`KEEP_STALE`]: moves `key`'s value to `stale_key` for
    /// `px` ms.
    pub fn keep_stale(&mut self, now: u64, key: &str, stale_key: &str, px: u64) -> Command {
        let px = px.max(1);
        let reply = self.get_reply(now, key);
        if let Reply::Bulk(v) = &reply {
            self.set_reply(now, stale_key, v, Some(px), false);
            self.del_count(now, &[key]);
        }
        Command {
            args: vec![
                "EVAL".into(),
                KEEP_STALE.into(),
                "2".into(),
                key.into(),
                stale_key.into(),
                px.to_string(),
            ],
            reply,
        }
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
            self.changed(&victim);
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
    fn exec_fails_once_a_watched_key_changed() {
        let mut r = Redis::new(None);
        // Nothing changes it: the set runs.
        r.watch(1, 0, "k");
        let c = r.multi_set(1, 0, "k", "v1", Some(100), false);
        assert_eq!(c[2].reply, Reply::Exec(Some(vec![Reply::Ok])));
        // Another client's set: EXEC replies nil and sets nothing.
        r.watch(1, 1, "k");
        r.set(2, "k", "v2", Some(100), false);
        let c = r.multi_set(1, 3, "k", "v1", Some(100), false);
        assert_eq!(
            (c[1].reply.clone(), c[2].reply.clone()),
            (Reply::Queued, Reply::Exec(None))
        );
        assert_eq!(r.get(3, "k").reply, Reply::Bulk("v2".into()));
        // A delete of a key that is not there changes nothing.
        r.watch(1, 4, "gone");
        r.del(4, &["gone"]);
        let c = r.multi_set(1, 5, "gone", "x", None, false);
        assert_eq!(c[2].reply, Reply::Exec(Some(vec![Reply::Ok])));
        // A watched key that expires makes EXEC fail.
        r.watch(1, 10, "k");
        let c = r.multi_set(1, 200, "k", "v3", None, false);
        assert_eq!(c[2].reply, Reply::Exec(None));
        // UNWATCH forgets.
        r.watch(1, 300, "k");
        r.set(301, "k", "v4", None, false);
        r.unwatch(1);
        let c = r.multi_set(1, 302, "k", "v5", None, false);
        assert_eq!(c[2].reply, Reply::Exec(Some(vec![Reply::Ok])));
    }

    #[test]
    fn the_scripts_set_only_newer_and_keep_a_stale_copy() {
        let mut r = Redis::new(None);
        assert_eq!(rank_of("v3|exp=9"), Some(7));
        assert_eq!(rank_of("t3"), Some(6));
        assert_eq!(
            (rank_of("none"), rank_of("v"), rank_of("\u{e9}1")),
            (None, None, None)
        );
        assert_eq!(r.set_if_newer(0, "k", 6, "t3", 100).reply, Reply::Int(1));
        // v2 (rank 5) is older than the tombstone t3; v3 (7) is newer.
        assert_eq!(r.set_if_newer(1, "k", 5, "v2", 100).reply, Reply::Int(0));
        assert_eq!(r.set_if_newer(2, "k", 7, "v3", 100).reply, Reply::Int(1));
        assert_eq!(r.set_if_newer(3, "k", 7, "v3", 100).reply, Reply::Int(0));
        assert_eq!(
            r.keep_stale(4, "k", "s", 50).reply,
            Reply::Bulk("v3".into())
        );
        assert_eq!(r.get(5, "k").reply, Reply::Nil);
        assert_eq!(r.get(54, "s").reply, Reply::Bulk("v3".into()));
        assert_eq!(r.keep_stale(55, "k", "s", 50).reply, Reply::Nil);
        assert_eq!(r.get(55, "s").reply, Reply::Nil);
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
