//! Conformance of the rate-limiter model with a real Redis: the test starts
//! Debian's `redis-server` on a unix socket in a temporary directory, opens
//! one connection per app instance, and replays every algorithm's commands
//! for the presets and for a few hundred random traces, in the order the
//! model says they reach Redis (the commands of concurrent requests
//! interleaved across connections, race mode's order), asserting every
//! reply and, after each group of concurrent requests, every stored value
//! (counts, sorted-set entries with their scores, bucket fields, TATs).
//!
//! Time is virtual on both sides: the scripts take the app's clock as an
//! argument, as limiters that trust client time do, so Redis's own clock
//! decides nothing. Only key expiry reads Redis's clock. The model never
//! needs a key to expire (window keys carry their window's start, and an
//! expired bucket, log or TAT reads the same as one refilled, emptied or
//! passed by time), while Redis would expire a key of a 10 ms window within
//! the replay's real milliseconds; so every expiry is sent 1,000 times
//! longer than the model's (a 10 ms window's key lives 10 s, an hour's
//! for weeks), far from the replay's wall time, and the replies of EXPIRE
//! and PEXPIRE are the same.

use std::collections::HashMap;

use crate::redis::{Conn, Server, Value};
use backend_playground::sim::ratelimit::{Algo, Mode, Params, Pattern, Preset, Reply, Run, Stored};
use backend_playground::sim::rng::Rng;

/// A preset's parameters with its traffic cut to [`PRESET_REQUESTS`], a
/// replayable length.
pub(crate) fn preset_cut(preset: Preset) -> Params {
    let mut p = preset.params();
    let most = PRESET_REQUESTS / u64::from(p.rps.max(1));
    p.seconds = p.seconds.min(most.max(1) as u32);
    p
}

/// How much longer than the model's an expiry is sent (see the summary).
const TTL_STRETCH: u64 = 1_000;
/// Most requests replayed from one preset (the longer ones are cut).
const PRESET_REQUESTS: u64 = 3_000;
/// Random traces.
const CASES: usize = 300;

fn as_reply(v: &Value) -> Option<Reply> {
    match v {
        Value::Int(n) => Some(Reply::Int(*n)),
        Value::Bulk(None) => Some(Reply::Nil),
        Value::Bulk(Some(s)) => Some(Reply::Bulk(s.clone())),
        _ => None,
    }
}

fn bulk_int(v: &Value) -> Option<i64> {
    match v {
        Value::Bulk(Some(s)) => s.parse().ok(),
        _ => None,
    }
}

/// What `key` holds, read back as the model describes it.
fn read_back(conn: &mut Conn, key: &str, like: &Stored) -> Stored {
    if conn.cmd(&["EXISTS", key]) == Value::Int(0) {
        return Stored::Nil;
    }
    match like {
        Stored::Nil | Stored::Int(_) => {
            let v = conn.cmd(&["GET", key]);
            bulk_int(&v).map_or(Stored::Nil, Stored::Int)
        }
        Stored::Log(_) => {
            let Value::Array(items) = conn.cmd(&["ZRANGE", key, "0", "-1", "WITHSCORES"]) else {
                return Stored::Nil;
            };
            let mut log: Vec<(String, i64)> = items
                .chunks(2)
                .filter_map(|pair| match pair {
                    [Value::Bulk(Some(m)), score] => Some((m.clone(), bulk_int(score)?)),
                    _ => None,
                })
                .collect();
            log.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
            Stored::Log(log)
        }
        Stored::Hash(fields) => Stored::Hash(
            fields
                .iter()
                .map(|(f, _)| {
                    (
                        *f,
                        bulk_int(&conn.cmd(&["HGET", key, f])).unwrap_or(i64::MIN),
                    )
                })
                .collect(),
        ),
    }
}

/// The command as sent: its expiry stretched (see the summary).
fn stretched(args: &[String], ttl: bool) -> Vec<String> {
    let mut out = args.to_vec();
    if ttl {
        if let Some(last) = out.last_mut() {
            let v: u64 = last.parse().expect("an expiry is a number");
            *last = (v * TTL_STRETCH).to_string();
        }
    }
    out
}

/// What one replay compared.
#[derive(Default)]
struct Tally {
    decisions: HashMap<&'static str, u64>,
    commands: u64,
    stored: u64,
    interleaved: u64,
}

/// Replays every lane of the run on a flushed Redis and asserts each reply
/// and stored value is the model's.
fn replay(conns: &mut [Conn], run: &Run, what: &str, tally: &mut Tally) {
    assert_eq!(conns[0].cmd(&["FLUSHALL"]), Value::Status("OK".into()));
    let reqs = run.requests();
    let groups = run.group_starts().len().saturating_sub(1);
    for (lane, l) in run.lanes().iter().enumerate() {
        for g in 0..groups {
            let order = run.group_order(lane, g);
            let mut last: Vec<(usize, usize)> = Vec::new();
            let mut prev_k = usize::MAX;
            for &(k, i) in &order {
                tally.interleaved += u64::from(prev_k != usize::MAX && k != prev_k && i > 0);
                prev_k = k;
                let cmds = run.commands(lane, k);
                let c = &cmds[i];
                let conn = &mut conns[usize::from(reqs[k].instance)];
                let got = conn.call(&stretched(&c.args, c.ttl));
                assert_eq!(
                    as_reply(&got).as_ref(),
                    Some(&c.reply),
                    "{what}, {:?}, request {k} at {} ms, command {i}: {} (redis {got:?})",
                    l.algo,
                    reqs[k].at,
                    c.short(l.algo)
                );
                tally.commands += 1;
                if i + 1 == cmds.len() {
                    *tally.decisions.entry(l.algo.slug()).or_default() += 1;
                    last.retain(|x| x.0 != reqs[k].client as usize);
                    last.push((reqs[k].client as usize, k));
                }
            }
            for &(_, k) in &last {
                for (key, want) in run.stored(lane, k) {
                    let got = read_back(&mut conns[0], &key, &want);
                    assert_eq!(got, want, "{what}, {:?}, after request {k}: {key}", l.algo);
                    tally.stored += 1;
                }
            }
        }
    }
}

fn random_params(rng: &mut Rng) -> Params {
    let pick = |rng: &mut Rng, xs: &[u32]| xs[rng.below(xs.len() as u64) as usize];
    let pattern = [
        Pattern::Steady,
        Pattern::Random,
        Pattern::Edge,
        Pattern::Abuser,
        Pattern::Pairs,
    ][rng.below(5) as usize];
    Params {
        mode: if rng.below(3) == 0 {
            Mode::Race
        } else {
            Mode::Traffic
        },
        algos: Algo::ALL.to_vec(),
        limit: pick(rng, &[1, 2, 3, 5, 20]),
        window_ms: pick(rng, &[10, 100, 250, 1_000, 7_000]),
        rate: pick(rng, &[1, 3, 7, 10, 60, 1_000]),
        burst: pick(rng, &[1, 2, 3, 10]),
        pattern,
        clients: pick(rng, &[1, 2, 5]),
        rps: pick(rng, &[5, 20, 50, 120]),
        abuse: pick(rng, &[2, 10]),
        instances: pick(rng, &[1, 2, 3]),
        seconds: pick(rng, &[1, 2]),
        seed: rng.below(10_000) as u32,
    }
}

#[test]
fn redis_decides_and_stores_what_the_model_does() {
    let server = Server::start("ratelimit");
    let mut conns: Vec<Conn> = (0..8).map(|_| server.connect()).collect();
    let mut tally = Tally::default();
    for preset in Preset::ALL {
        // Every algorithm on the preset's traffic.
        let mut p = preset_cut(preset);
        p.algos = Algo::ALL.to_vec();
        let run = Run::new(&p);
        replay(&mut conns, &run, preset.slug(), &mut tally);
    }
    let mut rng = Rng::new(0x1a7e);
    for i in 0..CASES {
        let p = random_params(&mut rng);
        let run = Run::new(&p);
        replay(
            &mut conns,
            &run,
            &format!("random trace {i}: {p:?}"),
            &mut tally,
        );
    }
    let mut per: Vec<_> = tally.decisions.iter().collect();
    per.sort();
    println!(
        "{} presets and {CASES} random traces: {} commands, {} stored values, {} commands interleaved with another request's, decisions per algorithm {per:?}",
        Preset::ALL.len(),
        tally.commands,
        tally.stored,
        tally.interleaved
    );
    assert!(tally.interleaved > 100, "{}", tally.interleaved);
    assert!(tally.decisions.values().all(|&n| n > 10_000), "{per:?}");
}
