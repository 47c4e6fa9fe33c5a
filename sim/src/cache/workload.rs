//! The workload engine: many seeded requests from several instances over a
//! virtual clock, each a read or a write of one of many keys, with database
//! calls that take time. It compares the caching patterns on the same
//! requests and shows what jitter, coalescing, leases and XFetch do to the
//! load on the database.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::engine::{
    expiry_in, jittered_ttl, recompute_early, refresh_age, value_of, version_in, WritePolicy,
};
use super::redis::{Redis, Reply};
use crate::rng::Rng;

/// The settings of a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// Requests in all.
    pub requests: u32,
    /// Distinct keys.
    pub keys: u32,
    /// Share of requests that write, percent.
    pub write_pct: u32,
    /// Requests per second.
    pub rate: u32,
    /// Application instances.
    pub instances: u32,
    /// How skewed the popularity is: 0 uniform, higher hotter (the key is
    /// `keys * u^(1 + skew)`).
    pub skew: u32,
    /// Whether every key starts cached (all with the same TTL).
    pub warm: bool,
    /// Most keys the cache holds (0: no limit).
    pub capacity: u32,
    /// The seed.
    pub seed: u32,
}

/// The switches the workload runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setup {
    /// The write policy.
    pub policy: WritePolicy,
    /// Leases on misses.
    pub lease: bool,
    /// Request coalescing (single flight) within each instance.
    pub coalesce: bool,
    /// TTL jitter, percent.
    pub jitter_pct: u32,
    /// XFetch β in tenths (0: off).
    pub xfetch_beta10: u32,
    /// TTL, ms.
    pub ttl_ms: u64,
    /// Database call duration, ms.
    pub db_ms: u64,
    /// Write-behind flush interval, ms.
    pub flush_ms: u64,
    /// Refresh-ahead point, percent of the TTL.
    pub refresh_pct: u32,
}

/// What a workload run measured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Reads answered.
    pub reads: u32,
    /// Reads the cache answered.
    pub hits: u32,
    /// Database reads.
    pub db_reads: u32,
    /// Database writes.
    pub db_writes: u32,
    /// Reads that returned a value older than the database's.
    pub stale_reads: u32,
    /// The longest lag of a stale read, ms.
    pub longest_stale_ms: u64,
    /// Writes still queued (write-behind) when the run ends: lost in a
    /// crash at that moment.
    pub at_risk: u32,
    /// Sets refused because a lease was revoked.
    pub refused_sets: u32,
    /// Keys evicted.
    pub evicted: u64,
    /// Database reads in each second.
    pub db_per_second: Vec<u32>,
}

impl Report {
    /// The hit ratio in per mille.
    pub fn hit_permille(&self) -> u32 {
        if self.reads == 0 {
            0
        } else {
            (u64::from(self.hits) * 1000 / u64::from(self.reads)) as u32
        }
    }

    /// The busiest second's database reads.
    pub fn peak_db(&self) -> u32 {
        self.db_per_second.iter().copied().max().unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// Request `i` arrives (or retries).
    Read(u32),
    Write(u32),
    /// A database read of `key` for request `req` is done.
    ReadDone {
        req: u32,
        key: u32,
        version: u32,
        lease: u64,
    },
    /// A write of `key` commits; its version is the next one at that
    /// moment, so writes that overlap commit distinct, rising versions.
    Commit {
        key: u32,
    },
    /// A delayed double delete's second delete of `key`.
    SecondDelete {
        key: u32,
    },
    /// A background refresh of `key` read `version`.
    Refreshed {
        key: u32,
        version: u32,
    },
    /// The write-behind queue is flushed.
    Flush,
}

struct State {
    w: Workload,
    s: Setup,
    now: u64,
    cache: Redis,
    names: Vec<String>,
    lease_names: Vec<String>,
    db: Vec<u32>,
    /// Commit time of each version of each key (index version - 1).
    commits: Vec<Vec<u64>>,
    queue: HashMap<u32, u32>,
    /// (instance, key) → requests waiting on an in-flight read.
    flights: HashMap<(u32, u32), Vec<u32>>,
    refreshing: Vec<bool>,
    rng: Rng,
    events: BinaryHeap<Reverse<(u64, u64, Event)>>,
    seq: u64,
    tokens: u64,
    report: Report,
    /// Per request: instance, key.
    reqs: Vec<(u32, u32)>,
}

impl State {
    fn at(&mut self, t: u64, e: Event) {
        self.seq += 1;
        self.events.push(Reverse((t, self.seq, e)));
    }

    fn set(&mut self, key: u32, version: u32) {
        let ttl = jittered_ttl(self.s.ttl_ms, self.s.jitter_pct, &mut self.rng);
        let value = format!("{}|exp={}", value_of(version), self.now + ttl);
        let name = &self.names[key as usize];
        self.cache
            .set_reply(self.now, name, &value, Some(ttl), false);
    }

    fn del(&mut self, key: u32) {
        let k = key as usize;
        if self.s.lease {
            self.cache
                .del_count(self.now, &[&self.names[k], &self.lease_names[k]]);
        } else {
            self.cache.del_count(self.now, &[&self.names[k]]);
        }
    }

    fn commit(&mut self, key: u32, version: u32) {
        let k = key as usize;
        if version > self.db[k] {
            self.db[k] = version;
            while self.commits[k].len() < version as usize {
                self.commits[k].push(self.now);
            }
        }
        self.report.db_writes += 1;
    }

    fn returned(&mut self, key: u32, version: u32, hit: bool) {
        let k = key as usize;
        self.report.reads += 1;
        if hit {
            self.report.hits += 1;
        }
        if version < self.db[k] {
            self.report.stale_reads += 1;
            let since = self.commits[k]
                .get(version as usize)
                .copied()
                .unwrap_or(self.now);
            self.report.longest_stale_ms = self
                .report
                .longest_stale_ms
                .max(self.now.saturating_sub(since));
        }
    }

    fn db_read(&mut self, req: u32, key: u32, lease: u64) {
        self.report.db_reads += 1;
        let sec = (self.now / 1000) as usize;
        if self.report.db_per_second.len() <= sec {
            self.report.db_per_second.resize(sec + 1, 0);
        }
        self.report.db_per_second[sec] += 1;
        let version = self.db[key as usize];
        let t = self.now + self.s.db_ms;
        self.at(
            t,
            Event::ReadDone {
                req,
                key,
                version,
                lease,
            },
        );
    }

    fn read(&mut self, req: u32) {
        let (inst, key) = self.reqs[req as usize];
        let k = key as usize;
        let got = self.cache.get_reply(self.now, &self.names[k]);
        if let Reply::Bulk(value) = got {
            let version = version_in(&value).unwrap_or(0);
            let exp = expiry_in(&value);
            let mut early = false;
            if let (true, Some(exp)) = (self.s.xfetch_beta10 > 0, exp) {
                early = recompute_early(
                    self.now,
                    exp,
                    self.s.db_ms,
                    self.s.xfetch_beta10,
                    &mut self.rng,
                );
            }
            if !early {
                self.returned(key, version, true);
                if self.s.policy == WritePolicy::RefreshAhead && !self.refreshing[k] {
                    let due = exp
                        .and_then(|e| refresh_age(self.now, e, self.s.ttl_ms, self.s.refresh_pct));
                    if due.is_some() {
                        self.refreshing[k] = true;
                        self.report.db_reads += 1;
                        let v = self.db[k];
                        let t = self.now + self.s.db_ms;
                        self.at(t, Event::Refreshed { key, version: v });
                    }
                }
                return;
            }
        }
        if self.s.coalesce {
            if let Some(waiting) = self.flights.get_mut(&(inst, key)) {
                waiting.push(req);
                return;
            }
            self.flights.insert((inst, key), Vec::new());
        }
        let mut token = 0;
        if self.s.lease {
            self.tokens += 1;
            token = self.tokens;
            let ok = self.cache.set_reply(
                self.now,
                &self.lease_names[k],
                &token.to_string(),
                Some(self.s.db_ms * 10),
                true,
            );
            if ok == Reply::Nil {
                // Someone holds the lease: try again shortly.
                if self.s.coalesce {
                    self.flights.remove(&(inst, key));
                }
                let t = self.now + super::RETRY_MS;
                self.at(t, Event::Read(req));
                return;
            }
        }
        self.db_read(req, key, token);
    }

    fn read_done(&mut self, req: u32, key: u32, version: u32, lease: u64) {
        let k = key as usize;
        self.returned(key, version, false);
        let inst = self.reqs[req as usize].0;
        if let Some(waiting) = self.flights.remove(&(inst, key)) {
            for _ in waiting {
                self.returned(key, version, false);
            }
        }
        if self.s.lease {
            let held = self.cache.get_reply(self.now, &self.lease_names[k]);
            if held != Reply::Bulk(lease.to_string()) {
                self.report.refused_sets += 1;
                return;
            }
            self.set(key, version);
            self.cache.del_count(self.now, &[&self.lease_names[k]]);
        } else {
            self.set(key, version);
        }
    }

    fn write(&mut self, req: u32) {
        let (_, key) = self.reqs[req as usize];
        let k = key as usize;
        let t = self.now + self.s.db_ms;
        match self.s.policy {
            WritePolicy::DeleteBefore | WritePolicy::DoubleDelete => {
                self.del(key);
                self.at(t, Event::Commit { key });
            }
            WritePolicy::WriteBehind => {
                let version = self.next_version(k);
                self.set(key, version);
                self.queue.insert(key, version);
            }
            _ => self.at(t, Event::Commit { key }),
        }
    }

    /// The version the next write of key `k` gets: one past the database's
    /// and any queued write's.
    fn next_version(&self, k: usize) -> u32 {
        let queued = self.queue.get(&(k as u32)).copied().unwrap_or(0);
        self.db[k].max(queued) + 1
    }

    fn committed(&mut self, key: u32) {
        let version = self.next_version(key as usize);
        self.commit(key, version);
        match self.s.policy {
            WritePolicy::SetAfter | WritePolicy::WriteThrough => self.set(key, version),
            WritePolicy::DeleteBefore => {}
            // The second delete comes twice a database call after the
            // commit: time for a read that began before it to fill.
            WritePolicy::DoubleDelete => {
                let t = self.now + 2 * self.s.db_ms;
                self.at(t, Event::SecondDelete { key });
            }
            _ => self.del(key),
        }
    }
}

/// A uniform draw in [0, 1).
fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Pops the next event: the earliest of the heap's and the next arrival
/// (`arrivals[*next]`), completions before arrivals at the same instant.
/// `None` when both are used up.
fn next_event(
    events: &mut BinaryHeap<Reverse<(u64, u64, Event)>>,
    arrivals: &[(u64, Event)],
    next: &mut usize,
) -> Option<(u64, Event)> {
    let heap_first = match (events.peek(), arrivals.get(*next)) {
        (Some(Reverse((h, _, _))), Some((a, _))) => h <= a,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => return None,
    };
    if heap_first {
        let Reverse((time, _, e)) = events.pop()?;
        Some((time, e))
    } else {
        *next += 1;
        Some(arrivals[*next - 1])
    }
}

impl State {
    /// The start of a run of `w` under `s`: every key at version 1 in the
    /// database, and in the cache too when the workload starts warm.
    fn new(w: &Workload, s: &Setup) -> State {
        let keys = w.keys.max(1);
        let mut st = State {
            w: *w,
            s: *s,
            now: 0,
            cache: Redis::new((w.capacity > 0).then_some(w.capacity as usize)),
            names: (0..keys).map(|k| format!("item:{k}")).collect(),
            lease_names: (0..keys).map(|k| format!("item:{k}:lease")).collect(),
            db: vec![1; keys as usize],
            commits: vec![vec![0]; keys as usize],
            queue: HashMap::new(),
            flights: HashMap::new(),
            refreshing: vec![false; keys as usize],
            rng: Rng::new(u64::from(w.seed) ^ 0x5E7),
            events: BinaryHeap::new(),
            seq: 0,
            tokens: 0,
            report: Report::default(),
            reqs: Vec::with_capacity(w.requests as usize),
        };
        if w.warm {
            for k in 0..keys {
                st.set(k, 1);
            }
        }
        st
    }

    /// Draws the requests: seeded arrival times at the workload's rate, an
    /// instance, a key (skewed) and a read or a write each. Records each
    /// request's instance and key, and returns the arrivals in time order
    /// with the time of the last.
    fn arrivals(&mut self) -> (Vec<(u64, Event)>, u64) {
        let w = self.w;
        let keys = w.keys.max(1);
        let mut rng = Rng::new(u64::from(w.seed) ^ 0x10AD);
        let gap = 1000.0 / f64::from(w.rate.max(1));
        let mut t = 0.0;
        let power = 1.0 + f64::from(w.skew);
        let mut arrivals: Vec<(u64, Event)> = Vec::with_capacity(w.requests as usize);
        for i in 0..w.requests {
            t += -gap * (1.0 - unit(&mut rng)).ln();
            let inst = rng.below(u64::from(w.instances.max(1))) as u32;
            let key = ((f64::from(keys) * unit(&mut rng).powf(power)) as u32).min(keys - 1);
            let write = rng.below(100) < u64::from(w.write_pct);
            self.reqs.push((inst, key));
            arrivals.push((
                t as u64,
                if write {
                    Event::Write(i)
                } else {
                    Event::Read(i)
                },
            ));
        }
        (arrivals, t as u64)
    }

    /// Handles `e` at `time`; the last flush is the last one due by `end`.
    fn handle(&mut self, time: u64, e: Event, end: u64) {
        self.now = time;
        match e {
            Event::Read(i) => self.read(i),
            Event::Write(i) => self.write(i),
            Event::ReadDone {
                req,
                key,
                version,
                lease,
            } => self.read_done(req, key, version, lease),
            Event::Commit { key } => self.committed(key),
            Event::SecondDelete { key } => self.del(key),
            Event::Refreshed { key, version } => {
                self.refreshing[key as usize] = false;
                self.set(key, version);
            }
            Event::Flush => self.flush(time, end),
        }
    }

    /// Writes the write-behind queue to the database, and plans the next
    /// flush.
    fn flush(&mut self, time: u64, end: u64) {
        let mut queued: Vec<(u32, u32)> = self.queue.drain().collect();
        queued.sort_unstable();
        for (key, version) in queued {
            self.commit(key, version);
        }
        // No flush after the last request: what is queued then is what a
        // crash at the end would lose.
        if time + self.s.flush_ms <= end {
            self.at(time + self.s.flush_ms, Event::Flush);
        }
    }
}

/// Runs `w` under `s`.
pub fn run(w: &Workload, s: &Setup) -> Report {
    simulate(w, s).report
}

/// Runs `w` under `s`, and keeps the end state.
fn simulate(w: &Workload, s: &Setup) -> State {
    let mut st = State::new(w, s);
    // Arrivals come in time order; only the events they cause go through
    // the heap, which stays as small as the calls in flight.
    let (arrivals, end) = st.arrivals();
    if s.policy == WritePolicy::WriteBehind && s.flush_ms > 0 {
        st.at(s.flush_ms, Event::Flush);
    }
    let mut next = 0;
    while let Some((time, e)) = next_event(&mut st.events, &arrivals, &mut next) {
        st.handle(time, e, end);
    }
    st.report.at_risk = st.queue.len() as u32;
    st.report.evicted = st.cache.evicted;
    st
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(policy: WritePolicy) -> Setup {
        Setup {
            policy,
            lease: false,
            coalesce: false,
            jitter_pct: 0,
            xfetch_beta10: 0,
            ttl_ms: 30_000,
            db_ms: 50,
            flush_ms: 5_000,
            refresh_pct: 80,
        }
    }

    #[test]
    fn jitter_spreads_a_wave_of_expiries() {
        let w = Workload {
            requests: 40_000,
            keys: 2_000,
            write_pct: 0,
            rate: 1_000,
            instances: 4,
            skew: 0,
            warm: true,
            capacity: 0,
            seed: 1,
        };
        let plain = run(&w, &setup(WritePolicy::DeleteAfter));
        let jittered = run(
            &w,
            &Setup {
                jitter_pct: 20,
                ..setup(WritePolicy::DeleteAfter)
            },
        );
        assert!(
            plain.peak_db() > 2 * jittered.peak_db(),
            "{} vs {}",
            plain.peak_db(),
            jittered.peak_db()
        );
    }

    #[test]
    fn writes_that_overlap_commit_rising_versions() {
        // 40 writes of one key a millisecond apart, each taking 50 ms to
        // commit: every commit must be a new version, under every policy.
        let w = Workload {
            requests: 40,
            keys: 1,
            write_pct: 100,
            rate: 1_000,
            instances: 3,
            skew: 0,
            warm: true,
            capacity: 0,
            seed: 5,
        };
        for policy in [
            WritePolicy::DeleteAfter,
            WritePolicy::SetAfter,
            WritePolicy::DeleteBefore,
            WritePolicy::WriteThrough,
            WritePolicy::RefreshAhead,
        ] {
            let st = simulate(&w, &setup(policy));
            assert_eq!(st.report.db_writes, 40, "{policy:?}");
            assert_eq!(st.db[0], 41, "{policy:?}: one version per commit");
            let times = &st.commits[0];
            assert_eq!(times.len(), 41);
            assert!(times.windows(2).all(|p| p[0] <= p[1]));
        }
    }

    #[test]
    fn a_hot_key_herd_and_its_mitigations() {
        let w = Workload {
            requests: 20_000,
            keys: 1,
            write_pct: 0,
            rate: 2_000,
            instances: 4,
            skew: 0,
            warm: true,
            capacity: 0,
            seed: 2,
        };
        // A 2 s TTL: the key expires five times in the 10 s of requests.
        let base = Setup {
            ttl_ms: 2_000,
            ..setup(WritePolicy::DeleteAfter)
        };
        let plain = run(&w, &base);
        let coalesced = run(
            &w,
            &Setup {
                coalesce: true,
                ..base
            },
        );
        let leased = run(
            &w,
            &Setup {
                lease: true,
                ..base
            },
        );
        let xfetch = run(
            &w,
            &Setup {
                xfetch_beta10: 10,
                ..base
            },
        );
        // Each expiry: about rate × db_ms = 100 readers reach the database.
        assert!(plain.db_reads > 5 * 50, "{}", plain.db_reads);
        // Coalescing: at most one per instance per expiry.
        assert!(coalesced.db_reads <= 5 * 4, "{}", coalesced.db_reads);
        // Leases: one per expiry.
        assert!(leased.db_reads <= 5, "{}", leased.db_reads);
        assert!(xfetch.db_reads < plain.db_reads / 4, "{}", xfetch.db_reads);
    }

    #[test]
    fn the_patterns_differ_as_the_cheat_sheet_says() {
        let w = Workload {
            requests: 30_000,
            keys: 500,
            write_pct: 10,
            rate: 500,
            instances: 4,
            skew: 2,
            warm: false,
            capacity: 0,
            seed: 3,
        };
        let aside = run(&w, &setup(WritePolicy::DeleteAfter));
        let through = run(&w, &setup(WritePolicy::WriteThrough));
        let behind = run(&w, &setup(WritePolicy::WriteBehind));
        let ahead = run(&w, &setup(WritePolicy::RefreshAhead));
        // Write-through keeps written keys cached: more hits than deleting.
        assert!(through.hits > aside.hits);
        // Write-behind writes the database less and has writes at risk.
        assert!(behind.db_writes < aside.db_writes);
        assert!(behind.at_risk > 0);
        // Refresh-ahead misses less than plain cache-aside.
        assert!(ahead.hit_permille() > aside.hit_permille());
        assert_eq!(aside.at_risk, 0);
    }
}
