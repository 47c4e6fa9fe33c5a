//! The Redis side of each algorithm: the commands an app instance sends
//! for a request, the replies the model expects, and the values stored
//! afterwards, all derived from the run's records (nothing here decides).
//!
//! The cheat sheet's limiter sends GET, compares in the app, then INCR and
//! EXPIRE: four round trips, not atomic. Every other algorithm is one Lua
//! script sent with EVAL, which Redis runs atomically. The scripts take
//! the app's clock as an argument (as limiters that trust client time do),
//! never Redis's own, and the last argument of a command marked `ttl` is
//! the key's expiry: the model never relies on a key expiring (window
//! keys carry their window's start, and a bucket or log that expired reads
//! the same as one refilled or emptied by time).

use super::engine::Limits;
use super::{Algo, Run};

/// A reply, as Redis gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// No value (`$-1`).
    Nil,
    /// An integer.
    Int(i64),
    /// A string.
    Bulk(String),
}

impl Reply {
    /// As `redis-cli` shows it.
    pub fn show(&self) -> String {
        match self {
            Reply::Nil => "(nil)".into(),
            Reply::Int(n) => format!("(integer) {n}"),
            Reply::Bulk(s) => format!("\"{s}\""),
        }
    }
}

/// One command sent to Redis and the reply the model expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The command and its arguments (a script's text in full).
    pub args: Vec<String>,
    /// The reply.
    pub reply: Reply,
    /// Whether the last argument is a key's expiry (seconds for EXPIRE,
    /// ms otherwise).
    pub ttl: bool,
    /// For a script, what it does inside Redis, for people.
    pub inside: String,
}

impl Command {
    /// The command as people read it: a script by its name.
    pub fn short(&self, algo: Algo) -> String {
        let mut args = self.args.clone();
        if args.first().is_some_and(|a| a == "EVAL") && args.len() > 1 {
            args[1] = format!("<{} script>", algo.slug());
        }
        args.join(" ")
    }
}

/// A stored value, as the test reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// The key does not exist.
    Nil,
    /// A string holding an integer.
    Int(i64),
    /// A sorted set: members and scores, by score then member.
    Log(Vec<(String, i64)>),
    /// A hash of integer fields.
    Hash(Vec<(&'static str, i64)>),
}

/// The atomic fixed window: INCR, and PEXPIRE when the key is new.
pub const FIXED_SCRIPT: &str = "local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n";

/// The sliding log: drop entries at or before now - window, count, add.
/// ARGV: now, window, limit, member, ttl.
pub const LOG_SCRIPT: &str = "local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0";

/// The sliding window counter. KEYS: this window's count, the previous
/// one's. ARGV: now, window, limit, ttl.
pub const COUNTER_SCRIPT: &str =
    "local now, w, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local elapsed = now % w
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local curr = tonumber(redis.call('GET', KEYS[1]) or '0')
if prev * (w - elapsed) + curr * w >= limit * w then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1";

/// The token bucket, in thousandths of a token. ARGV: now, rate,
/// capacity, ttl.
pub const TOKEN_SCRIPT: &str =
    "local now, rate, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens, ts = tonumber(h[1]) or cap, tonumber(h[2]) or now
tokens = math.min(cap, tokens + (now - ts) * rate)
local ok = 0
if tokens >= 1000 then tokens = tokens - 1000; ok = 1 end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return ok";

/// The leaky bucket as a meter, in thousandths of a request. ARGV: now,
/// rate, capacity, ttl.
pub const METER_SCRIPT: &str =
    "local now, rate, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 'level', 'ts')
local level, ts = tonumber(h[1]) or 0, tonumber(h[2]) or now
level = math.max(0, level - (now - ts) * rate)
local ok = 0
if level + 1000 <= cap then level = level + 1000; ok = 1 end
redis.call('HSET', KEYS[1], 'level', level, 'ts', now)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return ok";

/// GCRA, times in 1/rate ms. ARGV: now, interval, tau, ttl.
pub const GCRA_SCRIPT: &str = "local now = tonumber(ARGV[1])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or ARGV[1]), now)
if tat - now > tonumber(ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], tat + tonumber(ARGV[2]), 'PX', ARGV[4])
return 1";

/// The leaky bucket as a queue: when the last queued request leaves, in
/// 1/rate ms; returns the new request's wait, or -1 when full. ARGV: now,
/// interval, tau, ttl.
pub const QUEUE_SCRIPT: &str = "local now = tonumber(ARGV[1])
local last = math.max(tonumber(redis.call('GET', KEYS[1]) or ARGV[1]), now)
if last - now > tonumber(ARGV[3]) then return -1 end
redis.call('SET', KEYS[1], last + tonumber(ARGV[2]), 'PX', ARGV[4])
return last - now";

/// The script an algorithm sends (none for the cheat sheet's).
pub fn script(algo: Algo) -> Option<&'static str> {
    match algo {
        Algo::CheatSheet => None,
        Algo::FixedWindow => Some(FIXED_SCRIPT),
        Algo::SlidingLog => Some(LOG_SCRIPT),
        Algo::SlidingCounter => Some(COUNTER_SCRIPT),
        Algo::TokenBucket => Some(TOKEN_SCRIPT),
        Algo::LeakyMeter => Some(METER_SCRIPT),
        Algo::Gcra => Some(GCRA_SCRIPT),
        Algo::LeakyQueue => Some(QUEUE_SCRIPT),
    }
}

/// The key of a client's bucket, log or TAT.
pub fn key(algo: Algo, client: u32) -> String {
    format!("rl:{}:{client}", algo.slug())
}

/// The key of a client's fixed window starting at `start` (negative for
/// the window before the first).
pub fn window_key(algo: Algo, client: u32, start: i64) -> String {
    format!("rl:{}:{client}:{start}", algo.slug())
}

/// The member the sliding log adds for request `k`.
pub fn member(k: usize) -> String {
    format!("r{k}")
}

/// A bucket's or TAT's expiry, ms: long enough to refill or drain fully.
fn bucket_ttl(lim: &Limits) -> u64 {
    (u64::from(lim.burst) * 1000)
        .div_ceil(u64::from(lim.rate))
        .max(1)
}

fn eval(algo: Algo, keys: &[String], argv: &[String], reply: i64, inside: String) -> Command {
    let mut args = vec![
        "EVAL".to_string(),
        script(algo).unwrap_or_default().to_string(),
        keys.len().to_string(),
    ];
    args.extend(keys.iter().cloned());
    args.extend(argv.iter().cloned());
    Command {
        args,
        reply: Reply::Int(reply),
        ttl: true,
        inside,
    }
}

fn plain(args: &[String], reply: Reply, ttl: bool) -> Command {
    Command {
        args: args.to_vec(),
        reply,
        ttl,
        inside: String::new(),
    }
}

impl Run {
    /// The commands lane `lane`'s instance sends for request `k`, in
    /// order, with the replies the model expects.
    pub fn commands(&self, lane: usize, k: usize) -> Vec<Command> {
        let (Some(l), Some(r)) = (self.lanes.get(lane), self.requests.get(k)) else {
            return Vec::new();
        };
        let o = self.outcome(lane, k);
        let lim = self.limits();
        let algo = l.algo;
        let c = r.client;
        let w = lim.window_ms as i64;
        let start = lim.window_start(r.at) as i64;
        let s = |v: i64| v.to_string();
        match algo {
            Algo::CheatSheet => {
                let key = window_key(algo, c, start);
                let read = if o.aux == 0 {
                    Reply::Nil
                } else {
                    Reply::Bulk(s(o.aux))
                };
                let mut out = vec![plain(&["GET".into(), key.clone()], read, false)];
                if o.ok {
                    out.push(plain(
                        &["INCR".into(), key.clone()],
                        Reply::Int(o.value),
                        false,
                    ));
                    let secs = lim.window_ms.div_ceil(1000).to_string();
                    out.push(plain(&["EXPIRE".into(), key, secs], Reply::Int(1), true));
                }
                out
            }
            Algo::FixedWindow => {
                let inside = if o.value == 1 {
                    format!("INCR \u{2192} 1; a new key, so PEXPIRE {w}")
                } else {
                    format!("INCR \u{2192} {}", o.value)
                };
                let argv = [s(w)];
                vec![eval(
                    algo,
                    &[window_key(algo, c, start)],
                    &argv,
                    o.value,
                    inside,
                )]
            }
            Algo::SlidingLog => {
                let before = if o.ok { o.value - 1 } else { o.value };
                let inside = format!(
                    "ZREMRANGEBYSCORE -inf {} \u{2192} {}; ZCARD \u{2192} {before}{}",
                    r.at as i64 - w,
                    o.aux,
                    if o.ok {
                        format!("; ZADD {} {}; PEXPIRE {w}", r.at, member(k))
                    } else {
                        String::new()
                    }
                );
                let argv = [s(r.at as i64), s(w), lim.limit.to_string(), member(k), s(w)];
                vec![eval(algo, &[key(algo, c)], &argv, i64::from(o.ok), inside)]
            }
            Algo::SlidingCounter => {
                let before = if o.ok { o.value - 1 } else { o.value };
                let inside = format!(
                    "GET previous \u{2192} {}; GET current \u{2192} {before}; {}",
                    o.aux,
                    if o.ok {
                        format!("INCR \u{2192} {}; PEXPIRE {}", o.value, 2 * w)
                    } else {
                        "limited, nothing written".into()
                    }
                );
                let keys = [window_key(algo, c, start), window_key(algo, c, start - w)];
                let argv = [s(r.at as i64), s(w), lim.limit.to_string(), s(2 * w)];
                vec![eval(algo, &keys, &argv, i64::from(o.ok), inside)]
            }
            Algo::TokenBucket | Algo::LeakyMeter => self.bucket_command(lane, k),
            Algo::Gcra | Algo::LeakyQueue => {
                let ttl = bucket_ttl(&lim).to_string();
                let argv = [
                    s(lim.scaled(r.at)),
                    s(Limits::INTERVAL),
                    s(lim.tau()),
                    ttl.clone(),
                ];
                let inside = if o.ok {
                    format!("SET {} PX {ttl}", o.value)
                } else {
                    "limited, nothing written".into()
                };
                let reply = if algo == Algo::Gcra {
                    i64::from(o.ok)
                } else {
                    o.aux
                };
                vec![eval(algo, &[key(algo, c)], &argv, reply, inside)]
            }
        }
    }

    fn bucket_command(&self, lane: usize, k: usize) -> Vec<Command> {
        let l = &self.lanes[lane];
        let r = self.requests[k];
        let lim = self.limits();
        let o = self.outcome(lane, k);
        let field = if l.algo == Algo::TokenBucket {
            "tokens"
        } else {
            "level"
        };
        let before = match self.previous(k) {
            Some(j) => format!(
                "{} and ts {}",
                self.outcome(lane, j).value,
                self.requests[j].at
            ),
            None => "nothing (a new bucket)".into(),
        };
        let inside = format!(
            "HMGET {field} ts \u{2192} {before}; HSET {field} {} ts {}; PEXPIRE",
            o.value, r.at
        );
        let argv = [
            r.at.to_string(),
            lim.rate.to_string(),
            lim.capacity().to_string(),
            bucket_ttl(&lim).to_string(),
        ];
        vec![eval(
            l.algo,
            &[key(l.algo, r.client)],
            &argv,
            i64::from(o.ok),
            inside,
        )]
    }

    /// The client's request before `k`, if any.
    pub fn previous(&self, k: usize) -> Option<usize> {
        let c = self.requests.get(k)?.client;
        (0..k).rev().find(|&j| self.requests[j].client == c)
    }

    /// The keys request `k` touched in lane `lane` and what they hold
    /// once it is done (read back after its group, the last of its
    /// client's requests in the group).
    pub fn stored(&self, lane: usize, k: usize) -> Vec<(String, Stored)> {
        let (Some(l), Some(r)) = (self.lanes.get(lane), self.requests.get(k)) else {
            return Vec::new();
        };
        let o = self.outcome(lane, k);
        let lim = self.limits();
        let (algo, c) = (l.algo, r.client);
        let start = lim.window_start(r.at) as i64;
        let int_or_nil = |v: i64| if v == 0 { Stored::Nil } else { Stored::Int(v) };
        match algo {
            Algo::CheatSheet | Algo::FixedWindow => {
                vec![(window_key(algo, c, start), int_or_nil(o.value))]
            }
            Algo::SlidingLog => vec![(key(algo, c), Stored::Log(self.log_at(lane, k)))],
            Algo::SlidingCounter => vec![
                (window_key(algo, c, start), int_or_nil(o.value)),
                (
                    window_key(algo, c, start - lim.window_ms as i64),
                    int_or_nil(o.aux),
                ),
            ],
            Algo::TokenBucket => vec![(
                key(algo, c),
                Stored::Hash(vec![("tokens", o.value), ("ts", r.at as i64)]),
            )],
            Algo::LeakyMeter => vec![(
                key(algo, c),
                Stored::Hash(vec![("level", o.value), ("ts", r.at as i64)]),
            )],
            Algo::Gcra | Algo::LeakyQueue => vec![(key(algo, c), int_or_nil(o.value))],
        }
    }

    /// The sliding log of request `k`'s client after it: the requests let
    /// through within the window ending at it, by score then member.
    pub fn log_at(&self, lane: usize, k: usize) -> Vec<(String, i64)> {
        let (Some(l), Some(r)) = (self.lanes.get(lane), self.requests.get(k)) else {
            return Vec::new();
        };
        let w = self.limits().window_ms;
        let mut out: Vec<(String, i64)> = (0..=k)
            .rev()
            .take_while(|&j| self.requests[j].at + w > r.at)
            .filter(|&j| self.requests[j].client == r.client && l.ok[j])
            .map(|j| (member(j), self.requests[j].at as i64))
            .collect();
        out.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        out
    }
}
