//! The script engine: two or three application instances run their reads
//! and writes of one key, one atomic step at a time in the order a schedule
//! gives, against one cache and one database.

use super::redis::{Command, Redis, Reply};
use crate::rng::Rng;

/// The key every script reads and writes.
pub const KEY: &str = "user:42";
/// The key that holds a lease on [`KEY`].
pub const LEASE_KEY: &str = "user:42:lease";
/// The key of the mutex around a fill of [`KEY`].
pub const LOCK_KEY: &str = "user:42:lock";

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
}

impl Lease {
    /// Whether a miss takes a key first (a lease or the mutex).
    pub fn taken(self) -> bool {
        self != Lease::Off
    }

    /// The key a miss takes.
    fn key(self) -> &'static str {
        if self == Lease::Mutex {
            LOCK_KEY
        } else {
            LEASE_KEY
        }
    }
}
/// Virtual time one step takes, ms.
pub const STEP_MS: u64 = 10;
/// How long a reader that finds the lease taken waits before it retries, ms.
pub const RETRY_MS: u64 = 50;
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
}

impl WritePolicy {
    /// Every policy, in the order the view lists them.
    pub const ALL: [WritePolicy; 7] = [
        WritePolicy::DeleteAfter,
        WritePolicy::SetAfter,
        WritePolicy::DeleteBefore,
        WritePolicy::DoubleDelete,
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
}

#[derive(Debug, Clone)]
struct Instance {
    ops: Vec<Op>,
    pc: usize,
    phase: Phase,
    /// Write-behind versions not yet in the database.
    queue: Vec<u32>,
}

impl Instance {
    fn done(&self) -> bool {
        self.pc >= self.ops.len() && self.phase == Phase::Idle
    }
}

/// The value string of version `v`.
pub fn value_of(v: u32) -> String {
    format!("v{v}")
}

/// The version in a cached value string (`v3` or `v3|exp=...`).
pub fn version_in(value: &str) -> Option<u32> {
    value.strip_prefix('v')?.split('|').next()?.parse().ok()
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
        self.db_version.max(queued) + 1
    }

    /// The database keeps the last write committed: its row now holds
    /// `version`, which reads are judged against.
    fn commit(&mut self, version: u32) {
        debug_assert!(
            version > self.db_version,
            "commit v{version} after v{}",
            self.db_version
        );
        self.db_version = version;
        while self.committed_at.len() <= version as usize {
            self.committed_at.push(self.now);
        }
        self.figures.db_writes += 1;
    }

    fn returned(&mut self, version: u32, hit: bool) -> ReadResult {
        let db = self.db_version;
        let stale_ms = if version < db {
            let since = self
                .committed_at
                .get(version as usize + 1)
                .copied()
                .unwrap_or(self.now);
            self.now.saturating_sub(since)
        } else {
            0
        };
        self.figures.reads += 1;
        if version < db {
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
            self.commit(latest);
            step.arrows.push(Arrow {
                from: Lane::App(i),
                to: Lane::Db,
                request: format!(
                    "flush: UPDATE value = '{}' ({} queued)",
                    value_of(latest),
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
        }
    }

    fn command(&mut self, step: &mut Step, i: usize, c: Command) -> Command {
        step.arrows.push(Arrow {
            from: Lane::App(i),
            to: Lane::Cache,
            request: c.args.join(" "),
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
            reply: value_of(self.db_version),
        });
        self.db_version
    }

    fn db_write(&mut self, step: &mut Step, i: usize, version: u32) {
        step.arrows.push(Arrow {
            from: Lane::App(i),
            to: Lane::Db,
            request: format!("UPDATE users SET value = '{}'; COMMIT", value_of(version)),
            reply: "COMMIT".into(),
        });
        self.commit(version);
    }

    /// The set that fills the cache after a read: plain, or checked against
    /// the lease.
    fn fill(&mut self, step: &mut Step, i: usize, version: u32, lease: Option<u64>) {
        let (value, ttl) = self.cached_value(version);
        let name = (b'A' + i as u8) as char;
        match lease {
            Some(_) if self.cfg.lease == Lease::Mutex => {
                // The mutex guards who fills, not what: the fill lands
                // whatever a writer did since, then the lock is released.
                let c = self
                    .cache
                    .set(self.now, KEY, &value, Some(ttl), self.cfg.fill_nx);
                let set = self.command(step, i, c);
                let c = self.cache.del(self.now, &[LOCK_KEY]);
                self.command(step, i, c);
                if set.reply == Reply::Nil {
                    self.figures.refused_sets += 1;
                }
                step.note = if set.reply == Reply::Nil {
                    format!(
                        "{name}'s SET NX of {} does nothing (the key holds a value), and it releases the lock.",
                        value_of(version)
                    )
                } else if version < self.db_version {
                    format!(
                        "{name} sets {} and releases the lock, but the database already holds {}: the mutex kept other readers waiting, not the stale value out.",
                        value_of(version),
                        value_of(self.db_version)
                    )
                } else {
                    format!(
                        "{name} fills the cache with {} and releases the lock.",
                        value_of(version)
                    )
                };
            }
            Some(token) => {
                let held = self.cache.get(self.now, LEASE_KEY);
                let held = self.command(step, i, held);
                if held.reply == Reply::Bulk(token.to_string()) {
                    let c = self
                        .cache
                        .set(self.now, KEY, &value, Some(ttl), self.cfg.fill_nx);
                    let set = self.command(step, i, c);
                    let c = self.cache.del(self.now, &[LEASE_KEY]);
                    self.command(step, i, c);
                    step.note = if set.reply == Reply::Nil {
                        self.figures.refused_sets += 1;
                        format!(
                            "{name} still holds its lease, but its SET NX of {} does nothing: the key already holds a value.",
                            value_of(version)
                        )
                    } else {
                        format!(
                            "{name} still holds its lease, so its set of {} is accepted.",
                            value_of(version)
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
                let c = self
                    .cache
                    .set(self.now, KEY, &value, Some(ttl), self.cfg.fill_nx);
                let c = self.command(step, i, c);
                if c.reply == Reply::Nil {
                    self.figures.refused_sets += 1;
                    step.note = format!(
                        "{name}'s SET NX of {} does nothing: the key already holds a value, which a fill never overwrites.",
                        value_of(version)
                    );
                    return;
                }
                step.note = if version < self.db_version {
                    format!(
                        "{name} sets {} in the cache, but the database already holds {}: the cache is now wrong until the key expires or is deleted again.",
                        value_of(version),
                        value_of(self.db_version)
                    )
                } else {
                    format!("{name} fills the cache with {}.", value_of(version))
                };
            }
        }
    }

    /// Instance `i` takes one step.
    fn step(&mut self, i: usize) -> Step {
        let mut step = self.new_step(Some(i));
        let name = (b'A' + i as u8) as char;
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
                step.note = format!("{name} reads {} from the database.", value_of(v));
                if !returned {
                    step.read = Some(self.returned(v, false));
                }
                self.instances[i].phase = Phase::ReadFill { version: v, lease };
            }
            Phase::ReadFill { version, lease } => {
                self.fill(&mut step, i, version, lease);
                self.instances[i].phase = Phase::Idle;
            }
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
            Phase::SecondDelete { due } => {
                self.second_delete(&mut step, i, due);
                self.instances[i].phase = Phase::Idle;
            }
            Phase::WriteSecond { version } => {
                match self.cfg.policy {
                    WritePolicy::SetAfter => {
                        let (value, ttl) = self.cached_value(version);
                        let c = self.cache.set(self.now, KEY, &value, Some(ttl), false);
                        self.command(&mut step, i, c);
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
                    _ => {
                        self.writer_delete(&mut step, i);
                        step.note = format!(
                            "{name} deletes the key after its commit{}.",
                            if self.cfg.lease == Lease::On {
                                ", revoking any lease"
                            } else {
                                ""
                            }
                        );
                    }
                }
                self.instances[i].phase = Phase::Idle;
            }
        }
        step
    }

    /// A writer's delete of the key, with its lease when leases are on (a
    /// delete revokes the lease; a mutex is left to its holder).
    fn writer_delete(&mut self, step: &mut Step, i: usize) {
        let keys: &[&str] = if self.cfg.lease == Lease::On {
            &[KEY, LEASE_KEY]
        } else {
            &[KEY]
        };
        let c = self.cache.del(self.now, keys);
        self.command(step, i, c);
    }

    /// A delayed double delete's second delete, due at `due`: the writer
    /// sleeps until then if its turn comes early.
    fn second_delete(&mut self, step: &mut Step, i: usize, due: u64) {
        let name = (b'A' + i as u8) as char;
        // The writer sleeps until its delay is over: if its turn
        // comes early, the clock moves on to it.
        let slept = due.saturating_sub(self.now);
        self.now = self.now.max(due);
        step.at = self.now;
        self.writer_delete(step, i);
        step.note = if slept > 0 {
            format!(
                "{name} sleeps {} more, then deletes the key a second time, clearing any value filled since its first delete.",
                super::secs(slept)
            )
        } else {
            format!(
                "{name} deletes the key a second time, clearing any value filled since its first delete."
            )
        };
    }

    fn start_read(&mut self, step: &mut Step, i: usize) {
        let name = (b'A' + i as u8) as char;
        let got = self.cache.get(self.now, KEY);
        let got = self.command(step, i, got);
        if let Reply::Bulk(value) = &got.reply {
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
            self.figures.hits += 1;
            step.read = Some(self.returned(version, true));
            let stale = version < self.db_version;
            step.note = if stale {
                format!(
                    "{name} hits and returns {}, while the database holds {}: a stale read.",
                    value_of(version),
                    value_of(self.db_version)
                )
            } else {
                format!("{name} hits and returns {}.", value_of(version))
            };
            if self.cfg.policy == WritePolicy::RefreshAhead {
                if let Some(age) = expiry.and_then(|exp| {
                    refresh_age(self.now, exp, self.cfg.ttl_ms, self.cfg.refresh_pct)
                }) {
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
            return;
        }
        // A miss.
        if self.cfg.lease.taken() {
            let what = if self.cfg.lease == Lease::Mutex {
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
            if c.reply == Reply::Nil {
                // Someone else is filling the key: wait and try again.
                self.instances[i].pc -= 1;
                self.now += RETRY_MS;
                step.note = format!(
                    "{name} misses, but another instance holds {what}: it waits {} and will try again instead of reading the database.",
                    super::secs(RETRY_MS)
                );
                return;
            }
            self.figures.misses += 1;
            step.note = if self.cfg.lease == Lease::Mutex {
                format!("{name} misses and takes the lock ({token}).")
            } else {
                format!("{name} misses and takes lease {token}.")
            };
            self.instances[i].phase = Phase::ReadDb {
                lease: Some(token),
                returned: false,
            };
        } else {
            self.figures.misses += 1;
            step.note = format!("{name} misses.");
            self.instances[i].phase = Phase::ReadDb {
                lease: None,
                returned: false,
            };
        }
    }

    fn start_write(&mut self, step: &mut Step, i: usize) {
        let name = (b'A' + i as u8) as char;
        let version = self.next_version();
        match self.cfg.policy {
            WritePolicy::DeleteAfter | WritePolicy::SetAfter | WritePolicy::RefreshAhead => {
                self.db_write(step, i, version);
                step.note = format!("{name} commits {} to the database.", value_of(version));
                self.instances[i].phase = Phase::WriteSecond { version };
            }
            WritePolicy::DeleteBefore | WritePolicy::DoubleDelete => {
                self.writer_delete(step, i);
                step.note = format!(
                    "{name} deletes the key first; the database still holds {} until its update.",
                    value_of(self.db_version)
                );
                self.instances[i].phase = Phase::WriteCommit;
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
        let name = (b'A' + i as u8) as char;
        let inst = &mut self.instances[i];
        let lost = inst.queue.len() as u32;
        inst.queue.clear();
        let was = inst.phase;
        inst.phase = Phase::Idle;
        self.figures.writes_lost += lost;
        step.note = match was {
            Phase::WriteSecond { version } => format!(
                "{name} crashes after committing {} and before touching the cache: the invalidation is lost, and the cache keeps the old value until it expires.",
                value_of(version)
            ),
            Phase::ReadDb { lease: Some(_), .. } | Phase::ReadFill { lease: Some(_), .. }
                if self.cfg.lease == Lease::Mutex =>
            {
                format!(
                    "{name} crashes while it holds the lock: no one releases it, so every other reader that misses waits until it expires, {} after it was taken.",
                    super::secs(self.cfg.lease_ms)
                )
            }
            Phase::Idle if lost == 0 => format!("{name} crashes and restarts; it had nothing in progress."),
            _ => format!("{name} crashes in the middle of its operation and restarts with its next one."),
        };
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
        db_version: 1,
        committed_at: vec![0, 0],
        instances: programs
            .iter()
            .map(|ops| Instance {
                ops: ops.clone(),
                pc: 0,
                phase: Phase::Idle,
                queue: Vec::new(),
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
        let (value, ttl) = e.cached_value(1);
        let c = e.cache.set(0, KEY, &value, Some(ttl), false);
        first.commands.push(c);
    }
    first.note = String::new();
    e.snapshot(&mut first);
    e.steps.push(first);
    let act = |e: &mut Engine, token: Token| {
        e.now += if matches!(token, Token::Wait(_)) {
            0
        } else {
            STEP_MS
        };
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
    for i in 0..e.instances.len() {
        while !e.instances[i].done() && e.steps.len() <= MAX_STEPS {
            act(&mut e, Token::Step(i));
        }
    }
    Outcome {
        steps: e.steps,
        scheduled,
    }
}
