//! The script engine: two to ten application instances run their reads
//! and writes of one key, one atomic step at a time in the order a schedule
//! gives, against one cache and one database. A step takes no virtual
//! time: only the schedule's waits move the clock (and, once the schedule
//! is over, a move past a lock's expiry when every instance left waits).

use super::redis::{Command, Redis, Reply};
use crate::rng::Rng;

/// The key every script reads and writes.
pub const KEY: &str = "user:42";
/// The key that holds a lease on [`KEY`].
pub const LEASE_KEY: &str = "user:42:lease";
/// The key of the mutex around a fill of [`KEY`].
pub const LOCK_KEY: &str = "user:42:lock";
/// The key where a writer keeps the stale copy of [`KEY`]
/// (stale-while-revalidate).
pub const STALE_KEY: &str = "user:42:stale";

/// What a reader that misses takes before it reads the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// Nothing: every reader that misses reads the database and fills.
    Off,
    /// A lease, as Facebook's memcache: a token on a miss, revoked by a
    /// writer's delete, so a fill after a write is refused.
    On,
    /// A mutex (`SET lock NX PX`): one filler at a time, the others wait;
    /// writes do not touch it, so a stale fill still lands, and a holder
    /// that crashes keeps the others waiting until the lock expires.
    Mutex,
    /// Stale-while-revalidate: the mutex, and writers move the value to a
    /// stale copy instead of deleting it; a reader that finds the lock
    /// taken serves the stale copy instead of waiting.
    Stale,
}

impl Lease {
    /// Whether a miss takes a key first (a lease or the mutex).
    pub fn taken(self) -> bool {
        self != Lease::Off
    }

    /// The key a miss takes.
    fn key(self) -> &'static str {
        if self.mutex() {
            LOCK_KEY
        } else {
            LEASE_KEY
        }
    }

    /// Whether a miss takes the mutex (plain, or with a stale copy).
    pub fn mutex(self) -> bool {
        matches!(self, Lease::Mutex | Lease::Stale)
    }
}
/// How long a workload reader that finds the lease taken waits before it
/// retries, ms. (In a script, a step takes no time, and a wait is a step.)
pub const RETRY_MS: u64 = 50;
/// When the programs finish and every instance left waits for a lock or
/// lease that no one will release, the clock moves on to this long after
/// it expires (a waiting reader's back-off), ms.
pub const BACKOFF_MS: u64 = 500;
/// The most steps a run takes (a lease that is never released would
/// otherwise keep a reader retrying).
pub const MAX_STEPS: usize = 2_000;

/// How the application writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WritePolicy {
    /// Update the database, then delete the key (the usual advice).
    DeleteAfter,
    /// Update the database, then set the key to the new value.
    SetAfter,
    /// Delete the key, then update the database.
    DeleteBefore,
    /// The cache layer writes the database and the key in one step.
    WriteThrough,
    /// Set the key now; the database is written at the next flush.
    WriteBehind,
    /// As `DeleteAfter` on writes; reads refresh a key late in its life.
    RefreshAhead,
    /// Delete the key, update the database, then, after a delay, delete
    /// the key again (delayed double delete).
    DoubleDelete,
    /// Update the database, then leave a tombstone with the new version;
    /// every set (fills too) is a Lua compare-and-set that only replaces
    /// an older version.
    Tombstone,
    /// Set the key to the new value, then update the database.
    CacheFirst,
}

impl WritePolicy {
    /// Every policy, in the order the view lists them.
    pub const ALL: [WritePolicy; 9] = [
        WritePolicy::DeleteAfter,
        WritePolicy::SetAfter,
        WritePolicy::DeleteBefore,
        WritePolicy::DoubleDelete,
        WritePolicy::Tombstone,
        WritePolicy::CacheFirst,
        WritePolicy::WriteThrough,
        WritePolicy::WriteBehind,
        WritePolicy::RefreshAhead,
    ];

    /// The word the URL uses.
    pub fn slug(self) -> &'static str {
        match self {
            WritePolicy::DeleteAfter => "update-delete",
            WritePolicy::SetAfter => "update-set",
            WritePolicy::DeleteBefore => "delete-update",
            WritePolicy::WriteThrough => "write-through",
            WritePolicy::WriteBehind => "write-behind",
            WritePolicy::RefreshAhead => "refresh-ahead",
            WritePolicy::DoubleDelete => "delete-update-delete",
            WritePolicy::Tombstone => "update-tombstone",
            WritePolicy::CacheFirst => "set-update",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            WritePolicy::DeleteAfter => "Update the database, then delete the key",
            WritePolicy::SetAfter => "Update the database, then set the key",
            WritePolicy::DeleteBefore => "Delete the key, then update the database",
            WritePolicy::WriteThrough => "Write-through",
            WritePolicy::WriteBehind => "Write-behind",
            WritePolicy::RefreshAhead => "Refresh-ahead (writes delete)",
            WritePolicy::DoubleDelete => "Delete, update, delete again later",
            WritePolicy::Tombstone => "Update, then a versioned tombstone",
            WritePolicy::CacheFirst => "Set the key, then update the database",
        }
    }
}

/// Everything the engine needs besides the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// How writes go.
    pub policy: WritePolicy,
    /// Leases (a token on a miss; a set refused once a delete has revoked
    /// it) or a mutex around the fill.
    pub lease: Lease,
    /// TTL jitter, percent: each TTL is drawn from `ttl * (1 ± jitter)`.
    pub jitter_pct: u32,
    /// XFetch's β in tenths (0: off): a hit may recompute early.
    pub xfetch_beta10: u32,
    /// The TTL of a cached value, ms.
    pub ttl_ms: u64,
    /// How long a lease lives, ms.
    pub lease_ms: u64,
    /// Write-behind: the database is written every this many ms.
    pub flush_ms: u64,
    /// Refresh-ahead: a hit on a value older than this share of its TTL,
    /// percent, refreshes it.
    pub refresh_pct: u32,
    /// How long a database read takes (XFetch's Δ), ms.
    pub db_ms: u64,
    /// Whether the key is cached at the start.
    pub warm: bool,
    /// The seed of jitter and XFetch.
    pub seed: u32,
    /// Delayed double delete: the second delete comes this long after the
    /// commit, ms.
    pub double_ms: u64,
    /// Fills use `SET NX`: a fill never overwrites a value already there.
    pub fill_nx: bool,
    /// Fills are guarded by `WATCH`: the reader watches the key before its
    /// `GET` and fills in `MULTI`/`EXEC`, which does nothing if the key
    /// changed since.
    pub watch: bool,
    /// The row starts missing (the database has no row 42).
    pub missing: bool,
    /// Negative caching: a reader that finds no row caches `none`.
    pub negative: bool,
    /// Single flight: the instances run in this many processes (instance
    /// `i` in process `i % flight`), and a reader that misses while another
    /// in its process reads the database waits for that read instead (0:
    /// off).
    pub flight: u32,
}

/// What an instance does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Read the key through the cache.
    Read,
    /// Write a new value.
    Write,
}

/// One entry of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// Instance `i` takes its next step.
    Step(usize),
    /// Instance `i` crashes: its step in progress is abandoned and its
    /// unflushed writes are lost; it restarts with its next operation.
    Crash(usize),
    /// The clock moves on.
    Wait(u64),
}

/// Who an arrow of the sequence diagram goes between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Application instance `i`.
    App(usize),
    /// The cache.
    Cache,
    /// The database.
    Db,
}

/// One arrow of the sequence diagram: a request and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrow {
    /// The caller.
    pub from: Lane,
    /// The callee.
    pub to: Lane,
    /// The request (`GET user:42`, `SELECT value`).
    pub request: String,
    /// The answer (`nil`, `v1`).
    pub reply: String,
}

/// The running figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Reads that returned a value.
    pub reads: u32,
    /// Reads answered by the cache.
    pub hits: u32,
    /// Reads that missed.
    pub misses: u32,
    /// Database reads.
    pub db_reads: u32,
    /// Database writes.
    pub db_writes: u32,
    /// Reads that returned a value older than the database's.
    pub stale_reads: u32,
    /// The longest any stale read lagged the database, ms.
    pub longest_stale_ms: u64,
    /// Writes lost (write-behind writes never flushed).
    pub writes_lost: u32,
    /// Sets the cache refused (a revoked lease).
    pub refused_sets: u32,
    /// Reads that found the key empty and waited for another's fill (a
    /// lease or lock taken, or a read in flight in their process).
    pub waits: u32,
}

/// What a read returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadResult {
    /// The version returned.
    pub version: u32,
    /// The database's version at that moment.
    pub db_version: u32,
    /// How long the returned value had been out of date, ms (0 if fresh).
    pub stale_ms: u64,
    /// From the cache or from the database.
    pub hit: bool,
}

/// One step of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// When it happened.
    pub at: u64,
    /// The instance that acted (`None`: the clock).
    pub actor: Option<usize>,
    /// The arrows it drew.
    pub arrows: Vec<Arrow>,
    /// The cache commands it sent, in order.
    pub commands: Vec<Command>,
    /// What happened and why, for the caption.
    pub note: String,
    /// The read that returned in this step, if one did.
    pub read: Option<ReadResult>,
    /// The figures after it.
    pub figures: Figures,
    /// The cache's value (version), expiry and whether it is behind the
    /// database, after it.
    pub cached: Option<(u32, Option<u64>)>,
    /// The database's version after it.
    pub db_version: u32,
    /// Whether a schedule entry was skipped (its instance had nothing left).
    pub skipped: bool,
    /// Whether the actor crashed in this step (its connection closed).
    pub crashed: bool,
    /// Every live key of the cache after it: key, value, expiry.
    pub keys: Vec<(String, String, Option<u64>)>,
    /// Whether the key's cached value is stale (older than the database's
    /// row, or under set-then-update any other).
    pub cached_stale: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// About to start its next operation.
    Idle,
    /// A read that missed (or recomputes): next, the database read.
    ReadDb { lease: Option<u64>, returned: bool },
    /// A read that has the value: next, the set.
    ReadFill { version: u32, lease: Option<u64> },
    /// A write that has committed `version`: next, its cache step.
    WriteSecond { version: u32 },
    /// A write that has deleted the key first: next, its commit (its
    /// version is the one the database gives it then).
    WriteCommit,
    /// A delayed double delete that has committed: its second delete is
    /// due at this time.
    SecondDelete { due: u64 },
    /// A write that has set the cache first: next, its commit.
    CommitAfterSet { version: u32 },
    /// A read that joined the read in flight of `leader` (single flight):
    /// next, it returns the leader's result once there is one.
    Joined { leader: usize, result: Option<u32> },
}

#[derive(Debug, Clone)]
struct Instance {
    ops: Vec<Op>,
    pc: usize,
    phase: Phase,
    /// Write-behind versions not yet in the database.
    queue: Vec<u32>,
    /// Whether its read in flight is one others in its process may join.
    leading: bool,
    /// Whether its last step was a wait for a lease or lock (its next one
    /// tries the read again).
    waiting: bool,
}

impl Instance {
    fn done(&self) -> bool {
        self.pc >= self.ops.len() && self.phase == Phase::Idle
    }
}

/// The value string of version `v`; version 0 is the missing row, which
/// negative caching stores as `none`.
pub fn value_of(v: u32) -> String {
    if v == 0 {
        "none".to_string()
    } else {
        format!("v{v}")
    }
}

/// The version in a cached value string (`v3`, `v3|exp=...`, `none`); a
/// tombstone (`t3`) holds none.
pub fn version_in(value: &str) -> Option<u32> {
    let head = value.split('|').next()?;
    if head == "none" {
        return Some(0);
    }
    head.strip_prefix('v')?.parse().ok()
}

/// The version of a tombstone (`t3`).
pub fn tombstone_in(value: &str) -> Option<u32> {
    value.strip_prefix('t')?.parse().ok()
}

/// What the database answers a read of version `v` with.
fn row_text(v: u32) -> String {
    if v == 0 {
        "no row".to_string()
    } else {
        value_of(v)
    }
}

/// The expiry a cached value carries (`v3|exp=...`), if it does.
pub fn expiry_in(value: &str) -> Option<u64> {
    value.split("|exp=").nth(1).and_then(|e| e.parse().ok())
}

/// A TTL with jitter: drawn evenly from `ttl * (1 ± pct%)`.
pub(super) fn jittered_ttl(ttl: u64, pct: u32, rng: &mut Rng) -> u64 {
    if pct == 0 {
        return ttl;
    }
    let span = ttl * u64::from(pct.min(100)) / 100;
    (ttl - span + rng.below(2 * span + 1)).max(1)
}

/// XFetch's draw: recompute now if `now - Δβ ln U >= expiry`, with
/// Δ = `db_ms`, β = `beta10` / 10 and U uniform in (0, 1].
pub(super) fn recompute_early(
    now: u64,
    expiry: u64,
    db_ms: u64,
    beta10: u32,
    rng: &mut Rng,
) -> bool {
    let u = ((rng.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    let gap = -(db_ms as f64) * f64::from(beta10) / 10.0 * u.ln();
    now as f64 + gap >= expiry as f64
}

/// Refresh-ahead: the value's age if it is at least `pct`% through its
/// TTL (so a hit should refresh it).
pub(super) fn refresh_age(now: u64, expiry: u64, ttl_ms: u64, pct: u32) -> Option<u64> {
    let age = ttl_ms.saturating_sub(expiry.saturating_sub(now));
    (age * 100 >= ttl_ms * u64::from(pct)).then_some(age)
}

/// The whole engine state.
struct Engine {
    cfg: Config,
    now: u64,
    cache: Redis,
    db_version: u32,
    /// When each version was committed (index = version).
    committed_at: Vec<u64>,
    /// Every commit in order, with its time (for set-then-update, whose
    /// commits need not rise).
    history: Vec<(u32, u64)>,
    /// The newest version handed to a write so far.
    highest: u32,
    /// When each version was first written anywhere (set-then-update sets
    /// the cache before the database has it).
    issued_at: Vec<(u32, u64)>,
    instances: Vec<Instance>,
    figures: Figures,
    rng: Rng,
    next_token: u64,
    last_flush: u64,
    steps: Vec<Step>,
}

impl Engine {
    fn cached_value(&mut self, version: u32) -> (String, u64) {
        let ttl = jittered_ttl(self.cfg.ttl_ms, self.cfg.jitter_pct, &mut self.rng);
        let value = if self.cfg.xfetch_beta10 > 0 || self.cfg.policy == WritePolicy::RefreshAhead {
            // The expiry travels with the value, so that a reader can tell
            // how close to expiring it is.
            format!("{}|exp={}", value_of(version), self.now + ttl)
        } else {
            value_of(version)
        };
        (value, ttl)
    }

    /// The version the next write gets: newer than the database's and
    /// than any write still queued, so that every commit is newer than the
    /// one before it.
    fn next_version(&self) -> u32 {
        let queued = self
            .instances
            .iter()
            .flat_map(|x| x.queue.iter())
            .copied()
            .max()
            .unwrap_or(0);
        self.db_version
            .max(queued)
            .max(self.highest_if_cache_first())
            + 1
    }

    /// Set-then-update hands out a version before its commit, so a later
    /// write must be newer than any handed out (one that crashed
    /// included).
    fn highest_if_cache_first(&self) -> u32 {
        if self.cfg.policy == WritePolicy::CacheFirst {
            self.highest
        } else {
            0
        }
    }

    /// Whether a read of `version` is stale: older than the database's,
    /// or under set-then-update any other than the database's (a value set
    /// in the cache whose commit has not come, or never will).
    fn is_stale(&self, version: u32) -> bool {
        if self.cfg.policy == WritePolicy::CacheFirst {
            version != self.db_version
        } else {
            version < self.db_version
        }
    }

    /// Since when `version` has not been the database's (for a stale read).
    fn stale_since(&self, version: u32) -> u64 {
        if self.cfg.policy != WritePolicy::CacheFirst {
            return self
                .committed_at
                .get(version as usize + 1)
                .copied()
                .unwrap_or(self.now);
        }
        // The commit after its last one; if it never was committed, the
        // first commit of a newer one, or else when it was set.
        let last = self.history.iter().rposition(|&(v, _)| v == version);
        match last {
            Some(k) => self.history.get(k + 1).map_or(self.now, |&(_, t)| t),
            None => self
                .history
                .iter()
                .find(|&&(v, _)| v > version)
                .map(|&(_, t)| t)
                .or_else(|| {
                    self.issued_at
                        .iter()
                        .find(|&&(v, _)| v == version)
                        .map(|&(_, t)| t)
                })
                .unwrap_or(self.now),
        }
    }

    /// The database keeps the last write committed: its row now holds
    /// `version`, which reads are judged against.
    fn commit(&mut self, version: u32) {
        debug_assert!(
            version > self.db_version || self.cfg.policy == WritePolicy::CacheFirst,
            "commit v{version} after v{}",
            self.db_version
        );
        self.db_version = version;
        self.history.push((version, self.now));
        while self.committed_at.len() <= version as usize {
            self.committed_at.push(self.now);
        }
        self.figures.db_writes += 1;
    }

    fn returned(&mut self, version: u32, hit: bool) -> ReadResult {
        let db = self.db_version;
        let stale = self.is_stale(version);
        let stale_ms = if stale {
            self.now.saturating_sub(self.stale_since(version))
        } else {
            0
        };
        self.figures.reads += 1;
        if stale {
            self.figures.stale_reads += 1;
            self.figures.longest_stale_ms = self.figures.longest_stale_ms.max(stale_ms);
        }
        ReadResult {
            version,
            db_version: db,
            stale_ms,
            hit,
        }
    }

    fn flush_due(&mut self, step: &mut Step) {
        if self.cfg.policy != WritePolicy::WriteBehind || self.cfg.flush_ms == 0 {
            return;
        }
        let every = self.cfg.flush_ms;
        let due = self.now / every * every;
        if due <= self.last_flush {
            return;
        }
        self.last_flush = due;
        // Each instance writes its latest queued value, oldest write first,
        // so that the database ends with the newest.
        let mut flushed: Vec<(u32, usize, usize)> = Vec::new();
        for (i, inst) in self.instances.iter_mut().enumerate() {
            let queue = std::mem::take(&mut inst.queue);
            if let Some(&latest) = queue.iter().max() {
                flushed.push((latest, i, queue.len()));
            }
        }
        flushed.sort_unstable();
        for (latest, i, queued) in flushed {
            let verb = if self.db_version == 0 {
                "INSERT (id, value) VALUES (42,"
            } else {
                "UPDATE value ="
            };
            self.commit(latest);
            step.arrows.push(Arrow {
                from: Lane::App(i),
                to: Lane::Db,
                request: format!(
                    "flush: {verb} '{}'{} ({} queued)",
                    value_of(latest),
                    if verb.starts_with("INSERT") { ")" } else { "" },
                    queued
                ),
                reply: "COMMIT".into(),
            });
            step.note.push_str(&format!(
                " The write-behind flush at {} writes {} to the database.",
                super::secs(due),
                value_of(latest)
            ));
        }
    }

    fn snapshot(&self, step: &mut Step) {
        step.figures = self.figures;
        step.db_version = self.db_version;
        step.cached = self
            .cache
            .peek(self.now, KEY)
            .and_then(|e| version_in(&e.value).map(|v| (v, e.expire_at)));
        step.cached_stale = step.cached.is_some_and(|(v, _)| self.is_stale(v));
        step.keys = self
            .cache
            .entries(self.now)
            .into_iter()
            .map(|(k, e)| (k.to_string(), e.value.clone(), e.expire_at))
            .collect();
    }

    fn new_step(&self, actor: Option<usize>) -> Step {
        Step {
            at: self.now,
            actor,
            arrows: Vec::new(),
            commands: Vec::new(),
            note: String::new(),
            read: None,
            figures: Figures::default(),
            cached: None,
            db_version: 0,
            skipped: false,
            crashed: false,
            keys: Vec::new(),
            cached_stale: false,
        }
    }

    fn command(&mut self, step: &mut Step, i: usize, c: Command) -> Command {
        step.arrows.push(Arrow {
            from: Lane::App(i),
            to: Lane::Cache,
            request: c.line(),
            reply: c.reply.text(),
        });
        step.commands.push(c.clone());
        c
    }

    fn db_read(&mut self, step: &mut Step, i: usize) -> u32 {
        self.figures.db_reads += 1;
        step.arrows.push(Arrow {
            from: Lane::App(i),
            to: Lane::Db,
            request: "SELECT value FROM users WHERE id = 42".to_string(),
            reply: row_text(self.db_version),
        });
        let v = self.db_version;
        // Readers that joined this read in flight get its result.
        for inst in &mut self.instances {
            if let Phase::Joined { leader, result } = &mut inst.phase {
                if *leader == i && result.is_none() {
                    *result = Some(v);
                }
            }
        }
        v
    }

    fn db_write(&mut self, step: &mut Step, i: usize, version: u32) {
        let request = if self.db_version == 0 {
            format!(
                "INSERT INTO users (id, value) VALUES (42, '{}'); COMMIT",
                value_of(version)
            )
        } else {
            format!("UPDATE users SET value = '{}'; COMMIT", value_of(version))
        };
        step.arrows.push(Arrow {
            from: Lane::App(i),
            to: Lane::Db,
            request,
            reply: "COMMIT".into(),
        });
        self.commit(version);
    }

    /// A reader's set of `version` as the fill option says: a plain `SET`
    /// (or `SET NX`), in `MULTI`/`EXEC` after a `WATCH`, or, under
    /// versioned sets, the compare-and-set script. Whether it set.
    fn put(&mut self, step: &mut Step, i: usize, version: u32) -> bool {
        let (value, ttl) = self.cached_value(version);
        if self.cfg.policy == WritePolicy::Tombstone {
            let rank = u64::from(version) * 2 + 1;
            let c = self.cache.set_if_newer(self.now, KEY, rank, &value, ttl);
            return self.command(step, i, c).reply == Reply::Int(1);
        }
        if self.cfg.watch {
            let cs = self
                .cache
                .multi_set(i, self.now, KEY, &value, Some(ttl), self.cfg.fill_nx);
            let mut ok = false;
            for c in cs {
                let c = self.command(step, i, c);
                if let Reply::Exec(Some(r)) = &c.reply {
                    ok = r.first() == Some(&Reply::Ok);
                }
            }
            return ok;
        }
        let c = self
            .cache
            .set(self.now, KEY, &value, Some(ttl), self.cfg.fill_nx);
        self.command(step, i, c).reply == Reply::Ok
    }

    /// Why a reader's set did nothing, as the fill option explains it.
    fn refused(&self, version: u32) -> String {
        let v = value_of(version);
        if self.cfg.policy == WritePolicy::Tombstone {
            format!("the script refuses {v}: the key holds a newer version or tombstone")
        } else if self.cfg.watch {
            format!(
                "EXEC replies nil: the key changed since its WATCH, so its set of {v} never ran"
            )
        } else {
            format!("its SET NX of {v} does nothing: the key already holds a value")
        }
    }

    /// The note on a fill that landed.
    fn landed(&self, name: char, version: u32, tail: &str) -> String {
        if self.is_stale(version) {
            format!(
                "{name} sets {} in the cache{tail}, but the database already holds {}: the cache is now wrong until the key expires or is deleted again.",
                value_of(version),
                row_text(self.db_version)
            )
        } else {
            format!("{name} fills the cache with {}{tail}.", value_of(version))
        }
    }

    /// The set that fills the cache after a read: plain, or checked against
    /// the lease, or under the mutex.
    fn fill(&mut self, step: &mut Step, i: usize, version: u32, lease: Option<u64>) {
        let name = (b'A' + i as u8) as char;
        self.instances[i].leading = false;
        if version == 0 && !self.cfg.negative {
            if lease.is_some() {
                let c = self.cache.del(self.now, &[self.cfg.lease.key()]);
                self.command(step, i, c);
            }
            step.note = format!(
                "{name} found no row and caches nothing (negative caching is off){}: the next read goes to the database again.",
                if lease.is_some() { "; it gives up its key" } else { "" }
            );
            return;
        }
        match lease {
            Some(_) if self.cfg.lease.mutex() => {
                // The mutex guards who fills, not what: the fill lands
                // whatever a writer did since, then the lock is released.
                let set = self.put(step, i, version);
                let c = self.cache.del(self.now, &[LOCK_KEY]);
                self.command(step, i, c);
                step.note = if !set {
                    self.figures.refused_sets += 1;
                    format!(
                        "{name}: {}, and it releases the lock.",
                        self.refused(version)
                    )
                } else if self.is_stale(version) {
                    format!(
                        "{name} sets {} and releases the lock, but the database already holds {}: the mutex kept other readers waiting, not the stale value out.",
                        value_of(version),
                        row_text(self.db_version)
                    )
                } else {
                    self.landed(name, version, " and releases the lock")
                };
            }
            Some(token) => {
                let held = self.cache.get(self.now, LEASE_KEY);
                let held = self.command(step, i, held);
                if held.reply == Reply::Bulk(token.to_string()) {
                    let set = self.put(step, i, version);
                    let c = self.cache.del(self.now, &[LEASE_KEY]);
                    self.command(step, i, c);
                    step.note = if set {
                        format!(
                            "{name} still holds its lease, so its set of {} is accepted.",
                            value_of(version)
                        )
                    } else {
                        self.figures.refused_sets += 1;
                        format!(
                            "{name} still holds its lease, but {}.",
                            self.refused(version)
                        )
                    };
                } else {
                    self.figures.refused_sets += 1;
                    step.note = format!(
                        "{name}'s lease was revoked by a delete since it missed: its set of {} is refused, and the stale value never reaches the cache.",
                        value_of(version)
                    );
                }
            }
            None => {
                if self.put(step, i, version) {
                    step.note = self.landed(name, version, "");
                } else {
                    self.figures.refused_sets += 1;
                    step.note = format!("{name}: {}.", self.refused(version));
                }
            }
        }
    }

    /// Whether instance `i` can do nothing but wait: for another's read
    /// in flight, for its second delete's time, or for a lease or lock it
    /// would find taken again.
    fn blocked(&self, i: usize) -> bool {
        let inst = &self.instances[i];
        match inst.phase {
            Phase::Joined { result: None, .. } => true,
            Phase::SecondDelete { due } => due > self.now,
            Phase::Idle if inst.waiting => {
                let filled = self
                    .cache
                    .peek(self.now, KEY)
                    .is_some_and(|e| tombstone_in(&e.value).is_none());
                let stale = self.cfg.lease == Lease::Stale
                    && self.cache.peek(self.now, STALE_KEY).is_some();
                !filled
                    && !stale
                    && self.flight_leader(i).is_none()
                    && self.cache.peek(self.now, self.cfg.lease.key()).is_some()
            }
            _ => false,
        }
    }

    /// When every unfinished instance is blocked: the time to move the
    /// clock to (the first second delete due, or a back-off past the
    /// lease's or lock's expiry) and why.
    fn unblock_at(&self) -> Option<(u64, String)> {
        let due = self
            .instances
            .iter()
            .filter_map(|x| match x.phase {
                Phase::SecondDelete { due } => Some(due),
                _ => None,
            })
            .min()
            .map(|t| (t, "a second delete is due".to_string()));
        let what = if self.cfg.lease.mutex() {
            "lock"
        } else {
            "lease"
        };
        let lock = self
            .instances
            .iter()
            .any(|x| x.waiting)
            .then(|| self.cache.peek(self.now, self.cfg.lease.key()))
            .flatten()
            .and_then(|e| e.expire_at)
            .map(|at| {
                (
                    at + BACKOFF_MS,
                    format!(
                        "the waiting readers back off until {} after the {what} expires",
                        super::secs(BACKOFF_MS)
                    ),
                )
            });
        [due, lock].into_iter().flatten().min_by_key(|(t, _)| *t)
    }

    /// Instance `i` takes one step.
    fn step(&mut self, i: usize) -> Step {
        let mut step = self.new_step(Some(i));
        let name = (b'A' + i as u8) as char;
        self.instances[i].waiting = false;
        let phase = self.instances[i].phase;
        match phase {
            Phase::Idle => {
                let Some(&op) = self.instances[i].ops.get(self.instances[i].pc) else {
                    step.skipped = true;
                    step.note = format!("{name} has nothing left to do; this entry is skipped.");
                    return step;
                };
                self.instances[i].pc += 1;
                match op {
                    Op::Read => self.start_read(&mut step, i),
                    Op::Write => self.start_write(&mut step, i),
                }
            }
            Phase::ReadDb { lease, returned } => {
                let v = self.db_read(&mut step, i);
                step.note = if v == 0 {
                    format!("{name} finds no row in the database.")
                } else {
                    format!("{name} reads {} from the database.", value_of(v))
                };
                if !returned {
                    step.read = Some(self.returned(v, false));
                }
                self.instances[i].phase = Phase::ReadFill { version: v, lease };
            }
            Phase::ReadFill { version, lease } => {
                self.fill(&mut step, i, version, lease);
                self.instances[i].phase = Phase::Idle;
            }
            Phase::Joined { leader, result } => self.joined(&mut step, i, leader, result),
            Phase::WriteCommit => {
                let version = self.next_version();
                self.db_write(&mut step, i, version);
                step.note = format!(
                    "{name} commits {} to the database, after its delete.",
                    value_of(version)
                );
                self.instances[i].phase = if self.cfg.policy == WritePolicy::DoubleDelete {
                    step.note.push_str(&format!(
                        " It will delete the key again in {}.",
                        super::secs(self.cfg.double_ms)
                    ));
                    Phase::SecondDelete {
                        due: self.now + self.cfg.double_ms,
                    }
                } else {
                    Phase::Idle
                };
            }
            Phase::CommitAfterSet { version } => {
                self.db_write(&mut step, i, version);
                step.note = if version == self.highest {
                    format!(
                        "{name} commits {} to the database, after setting it in the cache.",
                        value_of(version)
                    )
                } else {
                    format!(
                        "{name} commits {}, after a newer write set its own value in the cache: the database now holds an older value than the cache.",
                        value_of(version)
                    )
                };
                self.instances[i].phase = Phase::Idle;
            }
            Phase::SecondDelete { due } => {
                if self.second_delete(&mut step, i, due) {
                    self.instances[i].phase = Phase::Idle;
                }
            }
            Phase::WriteSecond { version } => {
                self.after_commit(&mut step, i, version);
                self.instances[i].phase = Phase::Idle;
            }
        }
        step
    }

    /// A reader that joined another's read in flight: it returns that
    /// read's result once there is one, and waits until then.
    fn joined(&mut self, step: &mut Step, i: usize, leader: usize, result: Option<u32>) {
        let name = (b'A' + i as u8) as char;
        let lead = (b'A' + leader as u8) as char;
        match result {
            Some(v) => {
                step.read = Some(self.returned(v, false));
                step.note = format!(
                    "{name} gets {lead}'s result, {}, without a database read of its own{}.",
                    row_text(v),
                    if self.is_stale(v) {
                        ": it is already stale"
                    } else {
                        ""
                    }
                );
                self.instances[i].phase = Phase::Idle;
            }
            None => {
                step.note = format!("{name} still waits for {lead}'s database read.");
            }
        }
    }

    /// A writer's cache step after its commit: set, delete or tombstone.
    fn after_commit(&mut self, step: &mut Step, i: usize, version: u32) {
        let name = (b'A' + i as u8) as char;
        match self.cfg.policy {
            WritePolicy::SetAfter => {
                let (value, ttl) = self.cached_value(version);
                let c = self.cache.set(self.now, KEY, &value, Some(ttl), false);
                self.command(step, i, c);
                step.note = if version < self.db_version {
                    format!(
                        "{name} sets {}, but another writer has committed {} since: sets do not commute, and the cache now holds the older value.",
                        value_of(version),
                        value_of(self.db_version)
                    )
                } else {
                    format!(
                        "{name} sets the new value {} in the cache.",
                        value_of(version)
                    )
                };
            }
            WritePolicy::Tombstone => {
                let rank = u64::from(version) * 2;
                let c = self.cache.set_if_newer(
                    self.now,
                    KEY,
                    rank,
                    &format!("t{version}"),
                    self.cfg.ttl_ms,
                );
                let c = self.command(step, i, c);
                if self.cfg.lease == Lease::On {
                    let c = self.cache.del(self.now, &[LEASE_KEY]);
                    self.command(step, i, c);
                }
                step.note = if c.reply == Reply::Int(1) {
                    format!(
                        "{name} leaves the tombstone t{version} in place of the value: a read treats it as a miss, and no set of an older version replaces it while it lasts ({}).",
                        super::secs(self.cfg.ttl_ms)
                    )
                } else {
                    format!(
                        "{name}'s tombstone t{version} is refused: the key already holds a newer version."
                    )
                };
            }
            _ => {
                self.writer_delete(step, i);
                step.note = format!(
                    "{name} {} after its commit{}.",
                    if self.cfg.lease == Lease::Stale {
                        "moves the value to the stale copy"
                    } else {
                        "deletes the key"
                    },
                    if self.cfg.lease == Lease::On {
                        ", revoking any lease"
                    } else {
                        ""
                    }
                );
            }
        }
    }

    /// A writer's delete of the key, with its lease when leases are on (a
    /// delete revokes the lease; a mutex is left to its holder); with
    /// stale-while-revalidate, the script that moves the value to the stale
    /// copy instead.
    fn writer_delete(&mut self, step: &mut Step, i: usize) {
        if self.cfg.lease == Lease::Stale {
            let c = self
                .cache
                .keep_stale(self.now, KEY, STALE_KEY, self.cfg.ttl_ms);
            self.command(step, i, c);
            return;
        }
        let keys: &[&str] = if self.cfg.lease == Lease::On {
            &[KEY, LEASE_KEY]
        } else {
            &[KEY]
        };
        let c = self.cache.del(self.now, keys);
        self.command(step, i, c);
    }

    /// A delayed double delete's second delete, due at `due`: a step
    /// before then finds the writer still asleep. Whether it deleted.
    fn second_delete(&mut self, step: &mut Step, i: usize, due: u64) -> bool {
        let name = (b'A' + i as u8) as char;
        if self.now < due {
            step.note = format!(
                "{name} is still asleep: its second delete is due at {}, {} from now.",
                super::secs(due),
                super::secs(due - self.now)
            );
            return false;
        }
        self.writer_delete(step, i);
        step.note = format!(
            "{name} deletes the key a second time, clearing any value filled since its first delete."
        );
        true
    }

    fn start_read(&mut self, step: &mut Step, i: usize) {
        if self.cfg.watch {
            let c = self.cache.watch(i, self.now, KEY);
            self.command(step, i, c);
        }
        let got = self.cache.get(self.now, KEY);
        let got = self.command(step, i, got);
        match &got.reply {
            Reply::Bulk(value) if tombstone_in(value).is_none() => self.hit(step, i, value),
            Reply::Bulk(value) => {
                let t = value.clone();
                self.miss(step, i);
                step.note = format!(
                    "{} finds the tombstone {t}, which reads as a miss. {}",
                    (b'A' + i as u8) as char,
                    step.note
                );
            }
            _ => self.miss(step, i),
        }
    }

    /// A read whose `GET` found a value.
    fn hit(&mut self, step: &mut Step, i: usize, value: &str) {
        let name = (b'A' + i as u8) as char;
        let version = version_in(value).unwrap_or(0);
        let expiry = expiry_in(value);
        // XFetch: recompute early with probability exp(-left / (Δβ)).
        if let (true, Some(exp)) = (self.cfg.xfetch_beta10 > 0, expiry) {
            let c = &self.cfg;
            if recompute_early(self.now, exp, c.db_ms, c.xfetch_beta10, &mut self.rng) {
                self.figures.misses += 1;
                step.note = format!(
                    "{name} hits {} with {} left, and XFetch's draw says recompute now, before it expires.",
                    value_of(version),
                    super::secs(exp.saturating_sub(self.now))
                );
                self.instances[i].phase = Phase::ReadDb {
                    lease: None,
                    returned: false,
                };
                return;
            }
        }
        if self.cfg.watch {
            let c = self.cache.unwatch(i);
            self.command(step, i, c);
        }
        self.figures.hits += 1;
        step.read = Some(self.returned(version, true));
        step.note = if version > self.db_version && self.is_stale(version) {
            format!(
                "{name} hits and returns {}, which the database does not hold (it holds {}): counted stale, since the cache and the database disagree, and the value never exists if its commit never comes.",
                value_of(version),
                row_text(self.db_version)
            )
        } else if self.is_stale(version) {
            format!(
                "{name} hits and returns {}, while the database holds {}: a stale read.",
                value_of(version),
                row_text(self.db_version)
            )
        } else {
            format!("{name} hits and returns {}.", value_of(version))
        };
        if self.cfg.policy == WritePolicy::RefreshAhead {
            if let Some(age) = expiry
                .and_then(|exp| refresh_age(self.now, exp, self.cfg.ttl_ms, self.cfg.refresh_pct))
            {
                step.note.push_str(&format!(
                    " It is {}% through its TTL, past the refresh point, so {name} refreshes it in the background.",
                    age * 100 / self.cfg.ttl_ms.max(1)
                ));
                self.instances[i].phase = Phase::ReadDb {
                    lease: None,
                    returned: true,
                };
            }
        }
    }

    /// The instance whose read in flight `i` may join (single flight):
    /// another in its process that missed and has not filled yet.
    fn flight_leader(&self, i: usize) -> Option<usize> {
        let n = self.cfg.flight as usize;
        if n == 0 {
            return None;
        }
        (0..self.instances.len()).find(|&j| j != i && j % n == i % n && self.instances[j].leading)
    }

    /// A read whose `GET` found nothing (or a tombstone): it joins a read
    /// in flight in its process, or takes the lease or lock, or goes to
    /// the database.
    fn miss(&mut self, step: &mut Step, i: usize) {
        let name = (b'A' + i as u8) as char;
        if let Some(leader) = self.flight_leader(i) {
            self.stop_watching(step, i);
            self.figures.waits += 1;
            step.note = format!(
                "{name} misses, and {} in its process already reads the database: it waits for that read instead of making its own.",
                (b'A' + leader as u8) as char
            );
            self.instances[i].phase = Phase::Joined {
                leader,
                result: None,
            };
            return;
        }
        if !self.cfg.lease.taken() {
            self.figures.misses += 1;
            step.note = format!("{name} misses.");
            self.lead(i, None);
            return;
        }
        let what = if self.cfg.lease.mutex() {
            "the lock"
        } else {
            "the lease"
        };
        self.next_token += 1;
        let token = self.next_token;
        let c = self.cache.set(
            self.now,
            self.cfg.lease.key(),
            &token.to_string(),
            Some(self.cfg.lease_ms),
            true,
        );
        let c = self.command(step, i, c);
        if c.reply != Reply::Nil {
            self.figures.misses += 1;
            step.note = if self.cfg.lease.mutex() {
                format!("{name} misses and takes the lock ({token}).")
            } else {
                format!("{name} misses and takes lease {token}.")
            };
            self.lead(i, Some(token));
            return;
        }
        self.stop_watching(step, i);
        if self.cfg.lease == Lease::Stale {
            let c = self.cache.get(self.now, STALE_KEY);
            if let Reply::Bulk(v) = self.command(step, i, c).reply {
                let version = version_in(&v).unwrap_or(0);
                self.figures.hits += 1;
                step.read = Some(self.returned(version, true));
                step.note = format!(
                    "{name} misses; another instance holds the lock and refreshes the key, so {name} serves the stale copy {}{}.",
                    value_of(version),
                    if self.is_stale(version) {
                        format!(" (the database holds {})", row_text(self.db_version))
                    } else {
                        String::new()
                    }
                );
                return;
            }
        }
        // Someone else is filling the key: wait and try again.
        self.figures.waits += 1;
        self.instances[i].pc -= 1;
        self.instances[i].waiting = true;
        step.note = format!(
            "{name} misses, but another instance holds {what}: it waits, and its next step tries the read again instead of reading the database."
        );
    }

    /// Instance `i` goes on to read the database, holding `lease`.
    fn lead(&mut self, i: usize, lease: Option<u64>) {
        self.instances[i].leading = true;
        self.instances[i].phase = Phase::ReadDb {
            lease,
            returned: false,
        };
    }

    fn stop_watching(&mut self, step: &mut Step, i: usize) {
        if self.cfg.watch {
            let c = self.cache.unwatch(i);
            self.command(step, i, c);
        }
    }

    fn start_write(&mut self, step: &mut Step, i: usize) {
        let name = (b'A' + i as u8) as char;
        let version = self.next_version();
        match self.cfg.policy {
            WritePolicy::DeleteAfter
            | WritePolicy::SetAfter
            | WritePolicy::RefreshAhead
            | WritePolicy::Tombstone => {
                self.db_write(step, i, version);
                step.note = format!("{name} commits {} to the database.", value_of(version));
                self.instances[i].phase = Phase::WriteSecond { version };
            }
            WritePolicy::DeleteBefore | WritePolicy::DoubleDelete => {
                self.writer_delete(step, i);
                step.note = format!(
                    "{name} deletes the key first; the database still holds {} until its update.",
                    row_text(self.db_version)
                );
                self.instances[i].phase = Phase::WriteCommit;
            }
            WritePolicy::CacheFirst => {
                self.highest = version;
                self.issued_at.push((version, self.now));
                let (value, ttl) = self.cached_value(version);
                let c = self.cache.set(self.now, KEY, &value, Some(ttl), false);
                self.command(step, i, c);
                step.note = format!(
                    "{name} sets {} in the cache first; the database still holds {} until its commit.",
                    value_of(version),
                    row_text(self.db_version)
                );
                self.instances[i].phase = Phase::CommitAfterSet { version };
            }
            WritePolicy::WriteThrough => {
                self.db_write(step, i, version);
                let (value, ttl) = self.cached_value(version);
                let c = self.cache.set(self.now, KEY, &value, Some(ttl), false);
                self.command(step, i, c);
                step.note = format!(
                    "{name} writes {} through the cache: the database and the key change together, in one step.",
                    value_of(version)
                );
            }
            WritePolicy::WriteBehind => {
                let (value, ttl) = self.cached_value(version);
                let c = self.cache.set(self.now, KEY, &value, Some(ttl), false);
                self.command(step, i, c);
                self.instances[i].queue.push(version);
                step.note = format!(
                    "{name} sets {} in the cache and queues it; the database gets it at the next flush.",
                    value_of(version)
                );
            }
        }
    }

    fn crash(&mut self, i: usize) -> Step {
        let mut step = self.new_step(Some(i));
        step.crashed = true;
        let name = (b'A' + i as u8) as char;
        // Its connection closes: its watches end.
        self.cache.unwatch(i);
        let inst = &mut self.instances[i];
        let lost = inst.queue.len() as u32;
        inst.queue.clear();
        inst.leading = false;
        let was = inst.phase;
        inst.phase = Phase::Idle;
        self.figures.writes_lost += lost;
        // Readers that waited for its read in flight read again.
        let mut orphans = 0;
        for inst in &mut self.instances {
            if let Phase::Joined {
                leader,
                result: None,
            } = inst.phase
            {
                if leader == i {
                    inst.phase = Phase::Idle;
                    inst.pc -= 1;
                    orphans += 1;
                }
            }
        }
        step.note = match was {
            Phase::WriteSecond { version } => format!(
                "{name} crashes after committing {} and before touching the cache: the invalidation is lost, and the cache keeps the old value until it expires.",
                value_of(version)
            ),
            Phase::CommitAfterSet { version } => format!(
                "{name} crashes after setting {} in the cache and before its commit: the cache holds a value the database never gets, until the key expires or is written again.",
                value_of(version)
            ),
            Phase::ReadDb { lease: Some(_), .. } | Phase::ReadFill { lease: Some(_), .. }
                if self.cfg.lease.mutex() =>
            {
                format!(
                    "{name} crashes while it holds the lock: no one releases it, so every other reader that misses waits until it expires, {} after it was taken.",
                    super::secs(self.cfg.lease_ms)
                )
            }
            Phase::Idle if lost == 0 => format!("{name} crashes and restarts; it had nothing in progress."),
            _ => format!("{name} crashes in the middle of its operation and restarts with its next one."),
        };
        if orphans > 0 {
            step.note.push_str(&format!(
                " The {} waiting for its read will read again.",
                if orphans == 1 { "reader" } else { "readers" }
            ));
        }
        if lost > 0 {
            step.note.push_str(&format!(
                " {} queued write-behind {} never reach the database.",
                lost,
                if lost == 1 { "write" } else { "writes" }
            ));
        }
        step
    }

    fn wait(&mut self, ms: u64) -> Step {
        self.now += ms;
        let mut step = self.new_step(None);
        step.note = format!(
            "The clock moves on {} to {}.",
            super::secs(ms),
            super::secs(self.now)
        );
        if self.cache.peek(self.now, KEY).is_none()
            && self.steps.last().is_some_and(|s| s.cached.is_some())
        {
            step.note.push_str(" The cached value has expired.");
        }
        step
    }
}

/// Finishes the programs: the first instance with something to do and
/// not blocked takes a step, until every program is done; when every one
/// left is blocked, the clock moves on to when one can go on.
fn finish(e: &mut Engine, act: impl Fn(&mut Engine, Token)) {
    while e.steps.len() <= MAX_STEPS {
        let left: Vec<usize> = (0..e.instances.len())
            .filter(|&i| !e.instances[i].done())
            .collect();
        if left.is_empty() {
            return;
        }
        if let Some(&i) = left.iter().find(|&&i| !e.blocked(i)) {
            act(e, Token::Step(i));
            continue;
        }
        let Some((at, why)) = e.unblock_at() else {
            return;
        };
        act(e, Token::Wait(at.saturating_sub(e.now).max(1)));
        if let Some(last) = e.steps.last_mut() {
            last.note = format!("Every instance left is waiting, and {why}. {}", last.note);
        }
    }
}

/// The outcome of running a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Every step, in order; step 0 is the start.
    pub steps: Vec<Step>,
    /// How many steps came from the schedule (the rest finish the programs).
    pub scheduled: usize,
}

/// Runs the programs of the instances in the order the schedule gives, then
/// finishes each program in turn.
pub fn run(cfg: &Config, programs: &[Vec<Op>], schedule: &[Token]) -> Outcome {
    let mut e = Engine {
        cfg: *cfg,
        now: 0,
        cache: Redis::new(None),
        db_version: u32::from(!cfg.missing),
        committed_at: if cfg.missing { vec![0] } else { vec![0, 0] },
        history: vec![(u32::from(!cfg.missing), 0)],
        highest: u32::from(!cfg.missing),
        issued_at: Vec::new(),
        instances: programs
            .iter()
            .map(|ops| Instance {
                ops: ops.clone(),
                pc: 0,
                phase: Phase::Idle,
                queue: Vec::new(),
                leading: false,
                waiting: false,
            })
            .collect(),
        figures: Figures::default(),
        rng: Rng::new(u64::from(cfg.seed) ^ 0xCAC4E),
        next_token: 0,
        last_flush: 0,
        steps: Vec::new(),
    };
    let mut first = e.new_step(None);
    if cfg.warm {
        let (value, ttl) = e.cached_value(e.db_version);
        let c = e.cache.set(0, KEY, &value, Some(ttl), false);
        first.commands.push(c);
    }
    first.note = String::new();
    e.snapshot(&mut first);
    e.steps.push(first);
    let act = |e: &mut Engine, token: Token| {
        let mut step = match token {
            Token::Step(i) if i < e.instances.len() => e.step(i),
            Token::Crash(i) if i < e.instances.len() => e.crash(i),
            Token::Wait(ms) => e.wait(ms),
            _ => {
                let mut s = e.new_step(None);
                s.skipped = true;
                s.note = "There is no such instance; this entry is skipped.".into();
                s
            }
        };
        e.flush_due(&mut step);
        e.snapshot(&mut step);
        e.steps.push(step);
    };
    for &t in schedule {
        if e.steps.len() > MAX_STEPS {
            break;
        }
        act(&mut e, t);
    }
    let scheduled = e.steps.len() - 1;
    finish(&mut e, act);
    Outcome {
        steps: e.steps,
        scheduled,
    }
}
