//! Conformance of the cache model with a real Redis: the test starts
//! Debian's `redis-server` on a unix socket in a temporary directory,
//! replays the cache commands of every preset (with and without each
//! mitigation) and of random scripts, and asserts that Redis gives every
//! reply the model gave: hits, misses, NX refusals, delete counts and
//! expiries. Virtual time runs 100 times faster than real time: a wait of
//! 30 s is 300 ms, a TTL of 30 s is `PX 300`.
//!
//! A reply that depends on an expiry closer than a few milliseconds of
//! real time to the command could go either way on a busy machine; such
//! scripts are left out and counted, and the test asserts they are few.
//! A replay that falls behind its schedule by half that margin (a busy
//! machine) proves nothing either way: it is run again with time running
//! four times slower, up to twice, before its replies are compared; a run
//! that falls behind even then is counted, and the test asserts such runs
//! are few.

use std::time::{Duration, Instant};

use crate::redis::{Conn, Server, Value};

use backend_playground::sim::cache::redis::Reply;
use backend_playground::sim::cache::{Lease, Op, Params, Preset, Run, Token, WritePolicy};
use backend_playground::sim::rng::Rng;

/// Real microseconds per virtual millisecond, for each attempt of a replay
/// (a replay that falls behind is run again slower).
const SCALES_US: [u64; 3] = [10, 40, 160];
/// A command this close (virtual ms) to a key's expiry is ambiguous.
const MARGIN_MS: u64 = 250;

/// The model's reply for what the server answered.
fn reply_of(v: Value) -> Reply {
    match v {
        Value::Status(s) if s == "OK" => Reply::Ok,
        Value::Int(n) => Reply::Int(n),
        Value::Bulk(None) => Reply::Nil,
        Value::Bulk(Some(b)) => Reply::Bulk(b),
        other => panic!("unexpected reply from redis: {other:?}"),
    }
}

/// The command as sent to the real server: PX values scaled to real time.
fn scaled(args: &[String], scale_us: u64) -> Vec<String> {
    let mut out = args.to_vec();
    for i in 0..out.len() {
        if out[i] == "PX" {
            if let Some(v) = out.get(i + 1).and_then(|v| v.parse::<u64>().ok()) {
                out[i + 1] = (v * scale_us / 1000).max(1).to_string();
            }
        }
    }
    out
}

/// Whether some command of the run touches a key within the margin of its
/// expiry (then real timing could decide the reply either way).
fn ambiguous(run: &Run) -> bool {
    let mut expiry: std::collections::HashMap<String, u64> = Default::default();
    for step in run.steps_list() {
        for c in &step.commands {
            for key in c
                .args
                .iter()
                .skip(1)
                .take(if c.args[0] == "DEL" { 8 } else { 1 })
            {
                if let Some(&at) = expiry.get(key) {
                    if step.at.abs_diff(at) < MARGIN_MS {
                        return true;
                    }
                }
            }
            match (c.args[0].as_str(), &c.reply) {
                ("SET", Reply::Ok) => {
                    let px = c
                        .args
                        .iter()
                        .position(|a| a == "PX")
                        .and_then(|i| c.args.get(i + 1));
                    match px.and_then(|v| v.parse::<u64>().ok()) {
                        Some(ms) => expiry.insert(c.args[1].clone(), step.at + ms),
                        None => expiry.remove(&c.args[1]),
                    };
                }
                ("DEL", _) => {
                    for k in &c.args[1..] {
                        expiry.remove(k);
                    }
                }
                _ => {}
            }
        }
    }
    false
}

/// A replay fell behind its schedule: its replies prove nothing.
struct Late;

/// Replays the run's commands at their times, `scale_us` real microseconds
/// per virtual millisecond; returns how many replies were compared, or
/// [`Late`] if a reply came back later than half the margin after its
/// command was due (before comparing it).
fn replay_at(client: &mut Conn, run: &Run, what: &str, scale_us: u64) -> Result<usize, Late> {
    assert_eq!(reply_of(client.cmd(&["FLUSHALL"])), Reply::Ok);
    let slack = Duration::from_micros(MARGIN_MS * scale_us / 2);
    let start = Instant::now();
    let mut compared = 0;
    for (k, step) in run.steps_list().iter().enumerate() {
        let due = start + Duration::from_micros(step.at * scale_us);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        for c in &step.commands {
            let got = reply_of(client.call(&scaled(&c.args, scale_us)));
            if Instant::now().saturating_duration_since(due) > slack {
                return Err(Late);
            }
            assert_eq!(
                got,
                c.reply,
                "{what}, step {k} at {} ms: {} (model {:?}, redis {got:?})",
                step.at,
                c.args.join(" "),
                c.reply
            );
            compared += 1;
        }
    }
    Ok(compared)
}

/// Replays the run, slower each time it falls behind; returns the replies
/// compared and how many attempts fell behind (all of them, and no reply
/// compared, if even the slowest did: the machine is too busy for this
/// run, which the test counts and bounds).
fn replay(client: &mut Conn, run: &Run, what: &str) -> (usize, usize) {
    for (late, &scale) in SCALES_US.iter().enumerate() {
        if let Ok(n) = replay_at(client, run, what, scale) {
            return (n, late);
        }
    }
    (0, SCALES_US.len())
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
        lease: [Lease::Off, Lease::On, Lease::Mutex][pick(3) as usize],
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
        programs,
        schedule,
    }
}

#[test]
fn redis_gives_the_replies_the_model_gives() {
    let server = Server::start("redis");
    let mut client = server.connect();
    let mut runs = 0;
    let mut compared = 0;
    let mut skipped = 0;
    let mut late = 0;
    let mut unsettled = 0;
    // Every preset, without leases, with leases and with a mutex, under
    // every write policy.
    for preset in Preset::ALL {
        for lease in [Lease::Off, Lease::On, Lease::Mutex] {
            for policy in WritePolicy::ALL {
                let p = Params {
                    lease,
                    policy,
                    ..preset.params()
                };
                let run = Run::new(&p);
                let what = format!("{} lease={lease:?} {}", preset.slug(), policy.slug());
                assert!(
                    !ambiguous(&run),
                    "{what}: a preset must not sit on an expiry"
                );
                let (n, l) = replay(&mut client, &run, &what);
                compared += n;
                late += l;
                unsettled += usize::from(l == SCALES_US.len());
                runs += 1;
            }
        }
    }
    // Random scripts.
    let mut rng = Rng::new(0x4ed15);
    for i in 0..250 {
        let p = random_params(&mut rng);
        let run = Run::new(&p);
        if ambiguous(&run) {
            skipped += 1;
            continue;
        }
        let (n, l) = replay(&mut client, &run, &format!("random script {i}: {:?}", p));
        compared += n;
        late += l;
        unsettled += usize::from(l == SCALES_US.len());
        runs += 1;
    }
    println!("{runs} runs, {compared} replies compared with redis-server, {skipped} random scripts left out as too close to an expiry, {late} replays run again slower after falling behind, {unsettled} runs behind even at the slowest");
    assert!(
        unsettled <= 20,
        "{unsettled} of {runs} runs fell behind even at the slowest"
    );
    assert!(compared > 1_900, "{compared}");
    assert!(skipped < 60, "{skipped} of 250 random scripts left out");
}
