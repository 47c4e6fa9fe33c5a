//! Conformance of the cache model with a real Redis and a real
//! PostgreSQL: the test starts Debian's `redis-server` on a unix socket in
//! a temporary directory, and a private PostgreSQL (`cache_pg`), replays
//! every preset (under every write policy, every way of taking a miss and
//! with each fill option flipped) and at least 300 random scripts, and
//! asserts that Redis gives every reply the model gave (hits, misses, NX
//! refusals, delete counts, expiries, the two Lua scripts' replies and
//! `EXEC`'s, nil once a watched key changed), that after every step Redis
//! holds the keys, values and TTLs the model holds, and that PostgreSQL
//! answers every statement as the model did, holds the row the model
//! believes in and agrees with every stale verdict. Each instance has its
//! own connection, as `WATCH` is per connection; a crash closes it. Virtual
//! time runs 100 times faster than real time: a wait of 30 s is 300 ms, a
//! TTL of 30 s is `PX 300`; four replays run at once, each in its own
//! Redis database and PostgreSQL table.
//!
//! A reply that depends on an expiry closer than a few milliseconds of
//! real time to the command could go either way on a busy machine; such
//! scripts are left out and counted, and the test asserts they are few;
//! keys that close to their expiry are left out of the comparison of what
//! Redis holds. A replay whose commands ran further behind (or ahead of)
//! the set of a key they touch than half that margin proves nothing either
//! way: it is run again with time running four times slower, up to twice,
//! before its replies are compared; a run that falls behind even then is
//! counted, and the test asserts such runs are few.

use std::time::{Duration, Instant};

use crate::cache_pg::{replay_db, Compared, Db, Pg};
use crate::redis::{Conn, Server, Value};

use backend_playground::sim::cache::redis::{Reply, KEEP_STALE, SET_IF_NEWER};
use backend_playground::sim::cache::{Lease, Op, Params, Preset, Run, Token, WritePolicy};
use backend_playground::sim::rng::Rng;

/// Real microseconds per virtual millisecond, for each attempt of a replay
/// (a replay that falls behind is run again slower).
const SCALES_US: [u64; 3] = [10, 40, 160];
/// A command this close (virtual ms) to a key's expiry is ambiguous.
const MARGIN_MS: u64 = 250;
/// How far a TTL Redis reports may sit from the model's, in real µs: PTTL
/// counts whole milliseconds, and Redis reads its clock once per event-loop
/// turn, so a few milliseconds either way (half a virtual second at the
/// fastest replay, an eighth at the next).
const TTL_SLACK_US: i128 = 5_000;

/// The model's reply for what the server answered (`EXEC`'s arrays and
/// its nil array included).
fn reply_of(v: Value) -> Reply {
    match v {
        Value::Status(s) if s == "OK" => Reply::Ok,
        Value::Status(s) if s == "QUEUED" => Reply::Queued,
        Value::Int(n) => Reply::Int(n),
        Value::Bulk(None) => Reply::Nil,
        Value::Bulk(Some(b)) => Reply::Bulk(b),
        Value::NilArray => Reply::Exec(None),
        Value::Array(vs) => Reply::Exec(Some(vs.into_iter().map(reply_of).collect())),
        other => panic!("unexpected reply from redis: {other:?}"),
    }
}

/// One connection to a database of the server, its replies read as the
/// model's [`Reply`].
struct Client(Conn);

impl Client {
    /// A connection to database `db` of the server.
    fn open(server: &Server, db: usize) -> Client {
        let mut c = Client(server.connect());
        assert_eq!(c.call(&["SELECT".into(), db.to_string()]), Reply::Ok);
        c
    }

    fn call(&mut self, args: &[String]) -> Reply {
        reply_of(self.0.call(args))
    }

    /// Sends every command at once, then reads their replies.
    fn pipeline(&mut self, commands: &[Vec<String>]) -> Vec<Reply> {
        self.0
            .pipeline(commands)
            .into_iter()
            .map(reply_of)
            .collect()
    }
}

/// The positions of a command's arguments that are durations in ms: after
/// `PX`, and the scripts' TTL arguments.
fn durations(args: &[String]) -> Vec<usize> {
    match (args[0].as_str(), args.get(1).map(String::as_str)) {
        ("EVAL", Some(SET_IF_NEWER)) => vec![6],
        ("EVAL", Some(KEEP_STALE)) => vec![5],
        _ => args
            .iter()
            .position(|a| a == "PX")
            .map(|i| vec![i + 1])
            .unwrap_or_default(),
    }
}

/// The command as sent to the real server: durations scaled to real time.
fn scaled(args: &[String], scale_us: u64) -> Vec<String> {
    let mut out = args.to_vec();
    for i in durations(args) {
        if let Some(v) = out.get(i).and_then(|v| v.parse::<u64>().ok()) {
            out[i] = (v * scale_us / 1000).max(1).to_string();
        }
    }
    out
}

/// The keys a command names.
fn keys_of(args: &[String]) -> &[String] {
    match args[0].as_str() {
        "DEL" => &args[1..],
        "EVAL" => {
            let n: usize = args[2].parse().unwrap_or(0);
            &args[3..3 + n]
        }
        "GET" | "SET" | "WATCH" => &args[1..2],
        _ => &[],
    }
}

/// What the run's commands leave as each key's expiry, to tell whether a
/// command falls near one.
#[derive(Default)]
struct Expiries {
    at: std::collections::HashMap<String, u64>,
    /// Each connection's watched keys, and its queued set.
    watched: std::collections::HashMap<usize, Vec<String>>,
    queued: std::collections::HashMap<usize, Vec<String>>,
}

impl Expiries {
    fn near(&self, key: &str, now: u64) -> bool {
        self.at
            .get(key)
            .is_some_and(|&at| now.abs_diff(at) < MARGIN_MS)
    }

    fn set(&mut self, key: &str, now: u64, px: Option<u64>) {
        match px {
            Some(ms) => self.at.insert(key.to_string(), now + ms),
            None => self.at.remove(key),
        };
    }

    /// Whether the command at `now` by connection `who` touches a key near
    /// its expiry; then records what it did.
    fn ambiguous(&mut self, who: usize, now: u64, args: &[String], reply: &Reply) -> bool {
        let mut keys: Vec<String> = keys_of(args).to_vec();
        if args[0] == "EXEC" {
            keys.extend(self.watched.remove(&who).unwrap_or_default());
        }
        if keys.iter().any(|k| self.near(k, now)) {
            return true;
        }
        let px = |i: usize| args.get(i).and_then(|v| v.parse::<u64>().ok());
        match (args[0].as_str(), reply) {
            ("WATCH", _) => self.watched.entry(who).or_default().push(args[1].clone()),
            ("UNWATCH", _) => {
                self.watched.remove(&who);
            }
            ("SET", Reply::Ok) => {
                self.set(&args[1], now, durations(args).first().and_then(|&i| px(i)))
            }
            ("SET", Reply::Queued) => {
                self.queued.insert(who, args.to_vec());
            }
            ("EXEC", r) => {
                if let (Some(set), Reply::Exec(Some(_))) = (self.queued.remove(&who), r) {
                    let ms = durations(&set)
                        .first()
                        .and_then(|&i| set.get(i)?.parse().ok());
                    self.set(&set[1], now, ms);
                }
            }
            ("DEL", _) => {
                for k in &args[1..] {
                    self.at.remove(k);
                }
            }
            ("EVAL", Reply::Int(1)) => self.set(&args[3], now, px(6)),
            ("EVAL", Reply::Bulk(_)) => {
                self.set(&args[4], now, px(5));
                self.at.remove(&args[3]);
            }
            _ => {}
        }
        false
    }
}

/// Whether some command of the run touches a key within the margin of its
/// expiry (then real timing could decide the reply either way).
fn ambiguous(run: &Run) -> bool {
    let mut e = Expiries::default();
    for step in run.steps_list() {
        let who = step.actor.unwrap_or(0);
        if step.crashed {
            e.watched.remove(&who);
        }
        for c in &step.commands {
            if e.ambiguous(who, step.at, &c.args, &c.reply) {
                return true;
            }
        }
    }
    false
}

/// A replay fell behind its schedule: its replies prove nothing.
struct Late;

/// How far behind its due time the replay ran when each key was last set
/// (µs), and each connection's watched keys and queued set: a command is
/// judged only against keys whose expiry clock ran as far behind as it
/// does, give or take the slack.
#[derive(Default)]
struct Lag {
    set: std::collections::HashMap<String, (i128, i128)>,
    watched: std::collections::HashMap<usize, Vec<String>>,
    queued: std::collections::HashMap<usize, String>,
}

impl Lag {
    /// Whether the command by `who`, `late` µs behind, touches a key set
    /// while the replay was more than `slack` µs more or less behind; then
    /// records what it set.
    fn drifted(
        &mut self,
        who: usize,
        args: &[String],
        reply: &Reply,
        late: (i128, i128),
        slack: i128,
    ) -> bool {
        let mut keys: Vec<String> = keys_of(args).to_vec();
        if args[0] == "EXEC" {
            keys.extend(self.watched.get(&who).cloned().unwrap_or_default());
        }
        if keys.iter().any(|k| {
            self.set
                .get(k)
                .is_some_and(|l| (late.1 - l.1).abs() > slack)
        }) {
            return true;
        }
        match (args[0].as_str(), reply) {
            ("WATCH", _) => self.watched.entry(who).or_default().push(args[1].clone()),
            ("UNWATCH", _) => {
                self.watched.remove(&who);
            }
            ("SET", Reply::Ok) => {
                self.set.insert(args[1].clone(), late);
            }
            ("SET", Reply::Queued) => {
                self.queued.insert(who, args[1].clone());
            }
            ("EXEC", r) => {
                self.watched.remove(&who);
                if let (Some(key), Reply::Exec(Some(_))) = (self.queued.remove(&who), r) {
                    self.set.insert(key, late);
                }
            }
            ("EVAL", Reply::Int(1)) => {
                self.set.insert(args[3].clone(), late);
            }
            ("EVAL", Reply::Bulk(_)) => {
                self.set.insert(args[4].clone(), late);
                self.set.remove(&args[3]);
            }
            ("DEL", _) => {
                for k in &args[1..] {
                    self.set.remove(k);
                }
            }
            _ => {}
        }
        false
    }
}

/// Where an inspection stands in time: the replay's start and scale, the
/// step's due time and how far behind it the inspection is sent (µs).
#[derive(Clone, Copy)]
struct Clock {
    start: Instant,
    scale_us: u64,
    due_us: i128,
    pre: i128,
}

/// What the cache holds after a step, compared with the model's keys:
/// every live key, its value and its TTL left. Keys within the margin of
/// their expiry are left out on both sides; a TTL is compared in real time,
/// allowing for how far behind the replay ran when the key was set and now,
/// to within [`TTL_SLACK_US`]. Returns how many values and
/// TTLs were compared.
fn inspect(
    c: &mut Client,
    step: &backend_playground::sim::cache::Step,
    lag: &Lag,
    clock: Clock,
    what: &str,
) -> Result<(usize, usize), Late> {
    let scale_us = clock.scale_us;
    let near = |exp: Option<u64>| exp.is_some_and(|e| e.abs_diff(step.at) < MARGIN_MS);
    let keys: Vec<&(String, String, Option<u64>)> =
        step.keys.iter().filter(|(_, _, e)| !near(*e)).collect();
    let mut cmds = vec![vec!["KEYS".to_string(), "*".to_string()]];
    for (k, _, _) in &keys {
        cmds.push(vec!["GET".into(), k.clone()]);
        cmds.push(vec!["PTTL".into(), k.clone()]);
    }
    let replies = c.pipeline(&cmds);
    // How far behind the step's due time the inspection was sent and read.
    let late = (
        clock.pre,
        clock.start.elapsed().as_micros() as i128 - clock.due_us,
    );
    // A stall while it ran, or since a key it reads was set, proves
    // nothing about what has expired.
    let slack = i128::from(MARGIN_MS * clock.scale_us / 2);
    let stalled = late.1 - late.0 > slack
        || step
            .keys
            .iter()
            .any(|(k, _, _)| lag.set.get(k).is_some_and(|l| (late.1 - l.0).abs() > slack));
    if stalled {
        return Err(Late);
    }
    let mut live: Vec<String> = match &replies[0] {
        Reply::Exec(Some(r)) => r
            .iter()
            .filter_map(|x| match x {
                Reply::Bulk(k) => Some(k.clone()),
                _ => None,
            })
            .filter(|k| !step.keys.iter().any(|(m, _, e)| m == k && near(*e)))
            .collect(),
        other => panic!("KEYS replied {other:?}"),
    };
    live.sort();
    let mut want: Vec<String> = keys.iter().map(|(k, _, _)| k.clone()).collect();
    want.sort();
    assert_eq!(live, want, "{what}, at {} ms: the keys", step.at);
    for (j, (k, v, exp)) in keys.iter().enumerate() {
        assert_eq!(
            replies[1 + 2 * j],
            Reply::Bulk(v.clone()),
            "{what}, at {} ms: {k}",
            step.at
        );
        let Reply::Int(pttl) = replies[2 + 2 * j] else {
            panic!("PTTL replied {:?}", replies[2 + 2 * j]);
        };
        let Some(exp) = exp else {
            assert_eq!(pttl, -1, "{what}: {k} has no TTL");
            continue;
        };
        // The set ran between its send and its reply, the PTTL between
        // the inspection's: the TTL left lies between these bounds.
        let (set_pre, set_post) = lag.set.get(k).copied().unwrap_or((0, 0));
        let left = i128::from((exp - step.at) * scale_us);
        let (lo, hi) = (left - (late.1 - set_pre), left - (late.0 - set_post));
        if hi - lo > TTL_SLACK_US {
            // The machine stalled too long to tell.
            return Err(Late);
        }
        let got = i128::from(pttl) * 1000;
        assert!(
            got >= lo - TTL_SLACK_US && got <= hi + TTL_SLACK_US,
            "{what}, at {} ms: {k} has {pttl} ms left in Redis, the model {} ms ({lo} to {hi} µs real)",
            step.at,
            exp - step.at,
        );
    }
    Ok((keys.len(), keys.iter().filter(|k| k.2.is_some()).count()))
}

/// Replays the run's commands at their times, each instance on its own
/// connection, `scale_us` real microseconds per virtual millisecond;
/// returns how many replies were compared, or [`Late`] if a command ran
/// further behind (or ahead of) the set of a key it touches than half the
/// margin (before comparing its reply). Commands at one virtual instant
/// run back to back, so the replay falls behind by their own time; that
/// matters only against the keys' expiries, hence the comparison with
/// when each key was set.
fn replay_at(
    server: &Server,
    db: usize,
    run: &Run,
    what: &str,
    scale_us: u64,
) -> Result<Replayed, Late> {
    let instances = run.params().programs.len();
    let mut conns: Vec<Client> = (0..instances.max(1))
        .map(|_| Client::open(server, db))
        .collect();
    assert_eq!(conns[0].call(&["FLUSHDB".to_string()]), Reply::Ok);
    let slack = i128::from(MARGIN_MS * scale_us / 2);
    let mut lag = Lag::default();
    let mut eye = Client::open(server, db);
    let start = Instant::now();
    let mut compared = Replayed::default();
    for (k, step) in run.steps_list().iter().enumerate() {
        let who = step.actor.unwrap_or(0);
        if step.crashed {
            // Its connection closes, and its watches with it.
            conns[who] = Client::open(server, db);
            lag.watched.remove(&who);
            lag.queued.remove(&who);
        }
        let due = start + Duration::from_micros(step.at * scale_us);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        for c in &step.commands {
            let due_us = i128::from(step.at * scale_us);
            let pre = start.elapsed().as_micros() as i128 - due_us;
            let got = conns[who].call(&scaled(&c.args, scale_us));
            let late = (pre, start.elapsed().as_micros() as i128 - due_us);
            if lag.drifted(who, &c.args, &c.reply, late, slack) {
                return Err(Late);
            }
            assert_eq!(
                got,
                c.reply,
                "{what}, step {k} at {} ms: {} (model {:?}, redis {got:?})",
                step.at,
                c.line(),
                c.reply
            );
            compared.replies += 1;
        }
        // The keys it holds now, if the replay has not drifted from when
        // they were set.
        let due_us = i128::from(step.at * scale_us);
        let pre = start.elapsed().as_micros() as i128 - due_us;
        let drifted = step
            .keys
            .iter()
            .any(|(k, _, _)| lag.set.get(k).is_some_and(|l| (pre - l.1).abs() > slack));
        if drifted {
            return Err(Late);
        }
        let clock = Clock {
            start,
            scale_us,
            due_us,
            pre,
        };
        let (values, ttls) = inspect(&mut eye, step, &lag, clock, what)?;
        compared.values += values;
        compared.ttls += ttls;
    }
    Ok(compared)
}

/// What a Redis replay compared.
#[derive(Debug, Default, Clone, Copy)]
struct Replayed {
    replies: usize,
    values: usize,
    ttls: usize,
}

/// Replays the run, slower each time it falls behind; returns the replies
/// compared and how many attempts fell behind (all of them, and no reply
/// compared, if even the slowest did: the machine is too busy for this
/// run, which the test counts and bounds).
fn replay(server: &Server, db: usize, run: &Run, what: &str) -> (Replayed, usize) {
    for (late, &scale) in SCALES_US.iter().enumerate() {
        if let Ok(n) = replay_at(server, db, run, what, scale) {
            return (n, late);
        }
    }
    (Replayed::default(), SCALES_US.len())
}

fn random_params(rng: &mut Rng) -> Params {
    let mut pick = |n: u64| rng.below(n) as u32;
    // Two or three instances mostly, up to ten now and then.
    let n = if pick(5) == 0 {
        2 + pick(9) as usize
    } else {
        2 + pick(2) as usize
    };
    let programs: Vec<Vec<Op>> = (0..n)
        .map(|_| {
            (0..1 + pick(3))
                .map(|_| if pick(2) == 0 { Op::Read } else { Op::Write })
                .collect()
        })
        .collect();
    let schedule = (0..pick(14))
        .map(|_| match pick(10) {
            0 => Token::Crash(pick(n as u64) as usize),
            1 | 2 => Token::Wait(500 + 1_000 * u64::from(pick(5))),
            _ => Token::Step(pick(n as u64) as usize),
        })
        .collect();
    Params {
        policy: WritePolicy::ALL[pick(WritePolicy::ALL.len() as u64) as usize],
        lease: LEASES[pick(LEASES.len() as u64) as usize],
        jitter_pct: [0, 10][pick(2) as usize],
        xfetch_beta10: [0, 10][pick(2) as usize],
        ttl_ms: 1_000 * (1 + pick(5)),
        lease_ms: 1_000 * (1 + pick(4)),
        flush_ms: 1_000 * (1 + pick(4)),
        refresh_pct: 50,
        db_ms: 100,
        warm: pick(2) == 0,
        seed: pick(1000),
        double_ms: [1, 50, 500][pick(3) as usize],
        fill_nx: pick(3) == 0,
        watch: pick(3) == 0,
        missing: pick(4) == 0,
        negative: pick(3) == 0,
        flight: [0, 0, 1, 2][pick(4) as usize],
        programs,
        schedule,
    }
}

const LEASES: [Lease; 4] = [Lease::Off, Lease::On, Lease::Mutex, Lease::Stale];

/// The fill options, each flipped from what a preset has.
const OPTIONS: [&str; 4] = ["nx", "watch", "negative", "flight"];

fn flipped(p: &Params, option: &str) -> Params {
    let mut q = p.clone();
    match option {
        "nx" => q.fill_nx = !q.fill_nx,
        "watch" => q.watch = !q.watch,
        "negative" => q.negative = !q.negative,
        _ => q.flight = if q.flight == 0 { 2 } else { 0 },
    }
    q
}

/// Runs and replies compared, per write policy, per way of taking a miss
/// and per fill option that was on.
#[derive(Default)]
struct Tally {
    runs: usize,
    compared: usize,
    values: usize,
    ttls: usize,
    db: Compared,
    late: usize,
    unsettled: usize,
    /// Per pattern: runs, replies and database rows compared.
    by: std::collections::BTreeMap<String, (usize, usize, usize)>,
}

impl Tally {
    fn replay(&mut self, server: &Server, lane: usize, pg: &mut Db, p: &Params, what: &str) {
        let run = Run::new(p);
        let (r, l) = replay(server, lane, &run, what);
        let d = replay_db(pg, p, &run, what);
        self.db.statements += d.statements;
        self.db.rows += d.rows;
        self.db.verdicts += d.verdicts;
        let n = r.replies;
        self.compared += n;
        self.values += r.values;
        self.ttls += r.ttls;
        self.late += l;
        self.unsettled += usize::from(l == SCALES_US.len());
        self.runs += 1;
        let mut names = vec![
            format!("policy={}", p.policy.slug()),
            format!("lease={:?}", p.lease),
        ];
        for (on, name) in [
            (p.fill_nx, "nx"),
            (p.watch, "watch"),
            (p.negative, "negative"),
            (p.missing, "missing"),
            (p.flight > 0, "flight"),
        ] {
            if on {
                names.push(name.to_string());
            }
        }
        for name in names {
            let e = self.by.entry(name).or_default();
            e.0 += 1;
            e.1 += n;
            e.2 += d.rows;
        }
    }

    fn add(&mut self, other: Tally) {
        self.runs += other.runs;
        self.compared += other.compared;
        self.values += other.values;
        self.ttls += other.ttls;
        self.db.statements += other.db.statements;
        self.db.rows += other.db.rows;
        self.db.verdicts += other.db.verdicts;
        self.late += other.late;
        self.unsettled += other.unsettled;
        for (k, (r, n, rows)) in other.by {
            let e = self.by.entry(k).or_default();
            e.0 += r;
            e.1 += n;
            e.2 += rows;
        }
    }
}

/// How many replays run at once, each in its own database of the server.
const LANES: usize = 4;

/// Replays every job, `LANES` at a time.
fn replay_all(server: &Server, pg: &Pg, jobs: &[(String, Params)]) -> Tally {
    let mut total = Tally::default();
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..LANES)
            .map(|lane| {
                let mut db = pg.connect(lane);
                scope.spawn(move || {
                    let mut t = Tally::default();
                    for (what, p) in jobs.iter().skip(lane).step_by(LANES) {
                        t.replay(server, lane, &mut db, p, what);
                    }
                    t
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a replay lane"))
            .collect()
    });
    for t in tallies {
        total.add(t);
    }
    total
}

/// Every preset under every write policy, with each way of taking a miss,
/// and with each fill option flipped, pushed onto `jobs`. A preset as it is
/// must not sit on an expiry; a variant may (a reader that waits for a
/// lease until it expires), and is left out and counted. Returns how many
/// were left out, of how many.
fn preset_jobs(jobs: &mut Vec<(String, Params)>) -> (usize, usize) {
    let mut on_expiry = 0;
    let mut variants_seen = 0;
    // Every preset under every write policy, with each way of taking a
    // miss, and with each fill option flipped. A preset as it is must not
    // sit on an expiry; a variant may (a reader that waits for a lease
    // until it expires), and is left out and counted.
    for preset in Preset::ALL {
        assert!(
            !ambiguous(&Run::new(&preset.params())),
            "{}: a preset must not sit on an expiry",
            preset.slug()
        );
        for policy in WritePolicy::ALL {
            let base = Params {
                policy,
                ..preset.params()
            };
            let mut variants: Vec<(String, Params)> = LEASES
                .iter()
                .map(|&lease| {
                    (
                        format!("lease={lease:?}"),
                        Params {
                            lease,
                            ..base.clone()
                        },
                    )
                })
                .collect();
            variants.extend(
                OPTIONS
                    .iter()
                    .map(|o| (format!("{o} flipped"), flipped(&base, o))),
            );
            for (name, p) in variants {
                variants_seen += 1;
                if ambiguous(&Run::new(&p)) {
                    on_expiry += 1;
                    continue;
                }
                jobs.push((format!("{} {} {name}", preset.slug(), policy.slug()), p));
            }
        }
    }
    (on_expiry, variants_seen)
}

#[test]
fn redis_and_postgres_agree_with_the_model() {
    let server = Server::start("redis");
    let pg = Pg::start();
    let mut jobs: Vec<(String, Params)> = Vec::new();
    let (on_expiry, variants_seen) = preset_jobs(&mut jobs);
    // Random scripts.
    let mut rng = Rng::new(0x4ed15);
    let random = 400;
    let mut skipped = 0;
    for i in 0..random {
        let p = random_params(&mut rng);
        if ambiguous(&Run::new(&p)) {
            skipped += 1;
            continue;
        }
        jobs.push((format!("random script {i}: {p:?}"), p));
    }
    let t = replay_all(&server, &pg, &jobs);
    println!(
        "{} runs ({} random); redis-server: {} replies, {} cached values, {} TTLs; PostgreSQL: {} statements, {} rows, {} stale verdicts; all equal the model's. {on_expiry} of {variants_seen} preset variants and {skipped} of {random} random scripts left out as too close to an expiry, {} replays run again slower after falling behind, {} runs behind even at the slowest",
        t.runs,
        random - skipped,
        t.compared,
        t.values,
        t.ttls,
        t.db.statements,
        t.db.rows,
        t.db.verdicts,
        t.late,
        t.unsettled
    );
    for (name, (runs, replies, rows)) in &t.by {
        println!("  {name}: {runs} runs, {replies} replies, {rows} rows");
    }
    assert!(
        t.unsettled <= t.runs / 50,
        "{} of {} runs fell behind even at the slowest",
        t.unsettled,
        t.runs
    );
    assert!(t.compared > 10_000, "{}", t.compared);
    assert!(
        on_expiry < variants_seen / 10,
        "{on_expiry} of {variants_seen}"
    );
    assert!(
        skipped < random / 4,
        "{skipped} of {random} random scripts left out"
    );
    assert!(
        random - skipped >= 300,
        "{} random scripts replayed",
        random - skipped
    );
    assert!(
        t.values > 5_000 && t.ttls > 5_000,
        "{} values, {} TTLs",
        t.values,
        t.ttls
    );
    assert!(t.db.rows > 10_000 && t.db.verdicts > 3_000, "{:?}", t.db);
    // Every pattern was replayed.
    for name in [
        "watch",
        "nx",
        "negative",
        "missing",
        "flight",
        "lease=Stale",
    ] {
        assert!(
            t.by.get(name).is_some_and(|e| e.1 > 100),
            "{name}: {:?}",
            t.by.get(name)
        );
    }
    for w in WritePolicy::ALL {
        let e = t.by.get(&format!("policy={}", w.slug()));
        assert!(e.is_some_and(|e| e.1 > 500), "{}: {e:?}", w.slug());
    }
}
