//! Every race happens without its mitigation and not with it; the engine
//! keeps its invariants on random scripts.

use super::*;
use crate::cache::redis::Reply;
use crate::rng::Rng;
use crate::Trace;

/// Opens a run from URL pairs, as a permalink does.
fn open(pairs: &[(String, String)]) -> crate::Opened<Run> {
    crate::open::<Run>(pairs)
}

/// A permalink's pairs at `step`.
fn to_pairs(p: &Params, step: usize) -> Vec<(&'static str, String)> {
    crate::link::<Run>(p, step)
}

fn total(p: &Params) -> Figures {
    Run::new(p).total()
}

#[test]
fn the_stale_set_and_leases() {
    let p = Preset::StaleSet.params();
    let run = Run::new(&p);
    let f = run.total();
    assert_eq!(f.stale_reads, 1, "{f:?}");
    assert_eq!(f.db_reads, 1);
    // The reader's set lands after the writer's delete: the cache holds v1
    // while the database holds v2.
    let after_set = run.step(5);
    assert_eq!(after_set.cached.map(|c| c.0), Some(1));
    assert_eq!(after_set.db_version, 2);
    // With leases the delete revokes the reader's lease and its set is
    // refused; the next read misses and fills v2.
    let f = total(&Params {
        lease: Lease::On,
        ..p.clone()
    });
    assert_eq!(f.stale_reads, 0, "{f:?}");
    assert_eq!(f.refused_sets, 1);
    assert_eq!(f.db_reads, 2);
    // A short TTL bounds the staleness instead.
    let mut q = p.clone();
    q.ttl_ms = 1_000;
    q.schedule.insert(5, Token::Wait(2_000));
    assert_eq!(total(&q).stale_reads, 0);
}

#[test]
fn delete_then_update_loses_to_a_reader() {
    let p = Preset::DeleteFirst.params();
    let run = Run::new(&p);
    assert_eq!(run.total().stale_reads, 1, "{:?}", run.total());
    // The reader refilled v1 between the delete and the commit: once the
    // writer is done, the cache still holds v1 against the database's v2.
    let last = run.step(usize::MAX);
    assert_eq!((last.cached.map(|c| c.0), last.db_version), (Some(1), 2));
    // Updating first, then deleting, leaves the cache right once the
    // writer is done: the next read misses and fills v2.
    let mut q = Params {
        policy: WritePolicy::DeleteAfter,
        ..p
    };
    q.programs[1].extend([Op::Read, Op::Read]);
    let run = Run::new(&q);
    let last = run.step(usize::MAX);
    assert_eq!((last.cached.map(|c| c.0), last.db_version), (Some(2), 2));
    let reads: Vec<_> = run.steps_list().iter().filter_map(|s| s.read).collect();
    assert_eq!(reads.last().map(|r| r.version), Some(2));
}

#[test]
fn two_writers_setting_the_cache() {
    let p = Preset::SetRace.params();
    let run = Run::new(&p);
    assert_eq!(run.total().stale_reads, 1);
    let last = run.step(usize::MAX);
    assert_eq!(last.db_version, 3);
    assert_eq!(last.cached.map(|c| c.0), Some(2));
    // Deletes are idempotent: the same schedule with deletes is fine.
    for policy in [WritePolicy::DeleteAfter, WritePolicy::WriteThrough] {
        let f = total(&Params {
            policy,
            ..p.clone()
        });
        assert_eq!(f.stale_reads, 0, "{policy:?} {f:?}");
    }
}

#[test]
fn a_lost_invalidation_lasts_until_the_ttl() {
    let p = Preset::LostDelete.params();
    let run = Run::new(&p);
    let f = run.total();
    assert_eq!(f.stale_reads, 1, "{f:?}");
    // The second read comes after the TTL and is fresh.
    let reads: Vec<_> = run.steps_list().iter().filter_map(|s| s.read).collect();
    assert_eq!(reads.len(), 2);
    assert!(reads[0].version < reads[0].db_version && reads[0].hit);
    assert_eq!(reads[1].version, reads[1].db_version);
}

#[test]
fn the_herd_and_its_mitigations() {
    let p = Preset::Herd.params();
    let f = total(&p);
    // A's first read hits; after expiry, three readers each read the database.
    assert_eq!(f.hits, 1, "{f:?}");
    assert_eq!(f.db_reads, 3);
    // With a lease only one of them does; the others wait, retry and hit.
    let f = total(&Params {
        lease: Lease::On,
        ..p.clone()
    });
    assert_eq!(f.db_reads, 1, "{f:?}");
    assert_eq!(f.hits, 3);
}

#[test]
fn xfetch_recomputes_before_expiry() {
    // Δβ = 100 ms · 5 = 500 ms: a read 50 ms before expiry recomputes with
    // probability exp(-50/500) ≈ 0.90; one 20 s before, almost never.
    let mut early = 0;
    let mut far = 0;
    for seed in 0..200 {
        let mk = |wait: u64| Params {
            warm: true,
            xfetch_beta10: 50,
            seed,
            programs: vec![vec![Op::Read]],
            schedule: vec![Token::Wait(wait), Token::Step(0)],
            ..base()
        };
        if total(&mk(29_940)).db_reads == 1 {
            early += 1;
        }
        if total(&mk(10_000)).db_reads == 1 {
            far += 1;
        }
    }
    assert!((160..=195).contains(&early), "{early}");
    assert_eq!(far, 0);
}

#[test]
fn write_behind_loses_unflushed_writes_in_a_crash() {
    let p = Preset::WriteBehindCrash.params();
    let f = total(&p);
    assert_eq!(f.writes_lost, 2, "{f:?}");
    assert_eq!(f.db_writes, 0);
    // Without the crash the flush writes the latest value once.
    let mut q = p;
    q.schedule.retain(|t| !matches!(t, Token::Crash(_)));
    let run = Run::new(&q);
    assert_eq!(run.total().writes_lost, 0);
    assert_eq!(run.step(usize::MAX).db_version, 3);
    assert_eq!(run.total().db_writes, 1);
}

#[test]
fn refresh_ahead_refreshes_late_hits() {
    let p = Params {
        policy: WritePolicy::RefreshAhead,
        warm: true,
        programs: vec![vec![Op::Read, Op::Read]],
        schedule: vec![
            Token::Wait(25_000),
            Token::Step(0),
            Token::Step(0),
            Token::Step(0),
        ],
        ..base()
    };
    let run = Run::new(&p);
    let f = run.total();
    assert_eq!((f.hits, f.db_reads), (2, 1), "{f:?}");
    // The refreshed value lives a full TTL from the refresh.
    let last = run.step(usize::MAX);
    assert!(last.cached.and_then(|c| c.1).is_some_and(|e| e > 50_000));
}

/// The versions the database statements of a run write, in order.
fn committed_versions(run: &Run) -> Vec<u32> {
    run.steps_list()
        .iter()
        .flat_map(|s| s.arrows.iter())
        .filter(|a| a.to == Lane::Db && a.request.contains("UPDATE"))
        .filter_map(|a| a.request.split('\'').nth(1).and_then(version_in))
        .collect()
}

#[test]
fn a_delayed_double_delete_clears_an_early_fill_but_not_a_late_one() {
    let p = Preset::DoubleDelete.params();
    let run = Run::new(&p);
    // A's stale fill of v1 (step 7) is cleared by B's second delete, which
    // comes once the schedule has waited its delay after the commit (steps
    // 8 and 9).
    assert_eq!(run.step(7).cached.map(|c| c.0), Some(1));
    assert_eq!(run.step(7).db_version, 2);
    let second = run.step(9);
    assert_eq!(second.cached, None);
    assert_eq!(second.at, run.step(6).at + u64::from(p.double_ms));
    assert!(second.commands.iter().any(|c| c.args[0] == "DEL"));
    // A's next read misses; C's fill after the second delete stays, and D
    // reads it stale.
    assert!(run.step(10).read.is_none());
    assert_eq!(run.step(11).cached.map(|c| c.0), Some(1));
    let d = run.step(12).read.expect("D reads");
    assert!(d.hit && d.version < d.db_version);
    assert_eq!(run.total().stale_reads, 1);
    // Without the second delete (delete, then update), A's fill stays
    // stale and A's next read returns it too.
    let single = total(&Params {
        policy: WritePolicy::DeleteBefore,
        ..p.clone()
    });
    assert_eq!(single.stale_reads, 2, "{single:?}");
}

#[test]
fn a_mutex_keeps_readers_waiting_but_not_the_stale_value_out() {
    // The holder crashes: B finds the lock taken until it expires, then
    // takes it and fills.
    let p = Preset::MutexCrash.params();
    let run = Run::new(&p);
    let steps = run.steps_list();
    let waits = steps
        .iter()
        .filter(|s| s.note.contains("another instance holds the lock"))
        .count();
    let taken = steps
        .iter()
        .position(|s| s.actor == Some(1) && s.note.contains("takes the lock"))
        .expect("B takes the lock at last");
    assert!(
        steps[taken].at > u64::from(p.lease_ms),
        "{}",
        steps[taken].at
    );
    assert_eq!(waits, 2);
    assert_eq!(run.total().db_reads, 2);
    // Without the wait, every step the schedule gives B is a wait (steps
    // take no time); then, with nothing else to run, the clock moves on
    // past the lock's expiry.
    let mut q = p.clone();
    q.schedule.retain(|t| !matches!(t, Token::Wait(_)));
    let run = Run::new(&q);
    let retries = run
        .steps_list()
        .iter()
        .filter(|s| s.note.contains("another instance holds the lock"))
        .count();
    let scheduled_b = q.schedule.iter().filter(|t| **t == Token::Step(1)).count();
    assert_eq!(retries, scheduled_b);
    assert_eq!(run.total().waits as usize, scheduled_b);
    let jump = run
        .steps_list()
        .iter()
        .find(|s| s.note.contains("back off"))
        .expect("the clock moves on");
    assert_eq!(jump.at, u64::from(p.lease_ms) + BACKOFF_MS);
    // On the stale set, a lease refuses the fill after the delete; a mutex
    // does not, so the stale read stays.
    let stale = Preset::StaleSet.params();
    let with = |lease| {
        total(&Params {
            lease,
            ..stale.clone()
        })
    };
    assert_eq!(with(Lease::On).stale_reads, 0);
    assert_eq!(with(Lease::Mutex).stale_reads, 1);
    assert!(Run::new(&Params {
        lease: Lease::Mutex,
        ..stale.clone()
    })
    .steps_list()
    .iter()
    .any(|s| s
        .commands
        .iter()
        .any(|c| c.args.iter().any(|a| a == LOCK_KEY))));
}

#[test]
fn fills_with_set_nx_never_overwrite_a_value() {
    let p = Preset::SetNx.params();
    let run = Run::new(&p);
    // B set v2 after its commit; A's late fill of v1 finds it and does
    // nothing, so A's next read returns v2.
    let fill = run.step(5);
    let set = fill.commands.last().expect("the fill's SET");
    assert!(set.args.iter().any(|a| a == "NX"), "{:?}", set.args);
    assert_eq!(fill.cached.map(|c| c.0), Some(2));
    let f = run.total();
    assert_eq!((f.stale_reads, f.refused_sets), (0, 1), "{f:?}");
    // Plain SET: the fill overwrites v2 with v1, and the read is stale.
    let plain = total(&Params {
        fill_nx: false,
        ..p.clone()
    });
    assert_eq!(plain.stale_reads, 1, "{plain:?}");
    // After a delete, SET NX finds nothing to protect: the stale set lands.
    let after_delete = total(&Params {
        policy: WritePolicy::DeleteAfter,
        ..p.clone()
    });
    assert_eq!(after_delete.stale_reads, 1, "{after_delete:?}");
}

#[test]
fn overlapping_delete_first_writers_commit_distinct_versions() {
    // A and B both delete first, then commit in turn; C misses and reads
    // A's commit before B's lands, then fills the cache with it.
    let p = Params {
        policy: WritePolicy::DeleteBefore,
        warm: true,
        programs: vec![vec![Op::Write], vec![Op::Write], vec![Op::Read, Op::Read]],
        schedule: [0, 1, 0, 2, 2, 1, 2, 2].map(Token::Step).to_vec(),
        ..base()
    };
    let run = Run::new(&p);
    // B's commit overwrites A's: it is a newer version, and the database
    // the lab judges reads by holds it.
    assert_eq!(committed_versions(&run), vec![2, 3]);
    let last = run.step(usize::MAX);
    assert_eq!(last.db_version, 3);
    assert_eq!(last.cached.map(|c| c.0), Some(2));
    // C's second read returns A's value from the cache: stale, since the
    // database holds B's.
    let reads: Vec<_> = run.steps_list().iter().filter_map(|s| s.read).collect();
    assert_eq!(reads.len(), 2);
    assert_eq!((reads[0].version, reads[0].db_version), (2, 2));
    assert_eq!((reads[1].version, reads[1].db_version), (2, 3));
    let f = run.total();
    assert_eq!((f.db_writes, f.stale_reads), (2, 1), "{f:?}");
}

#[test]
fn write_behind_flushes_writes_in_the_order_they_were_made() {
    // B writes v2, then A writes v3; one flush writes both.
    let p = Params {
        policy: WritePolicy::WriteBehind,
        warm: true,
        programs: vec![vec![Op::Write], vec![Op::Write], vec![Op::Read]],
        schedule: vec![
            Token::Step(1),
            Token::Step(0),
            Token::Wait(5_000),
            Token::Step(2),
        ],
        ..base()
    };
    let run = Run::new(&p);
    // The database ends with the newer write, the one the cache holds.
    assert_eq!(committed_versions(&run), vec![2, 3]);
    let last = run.step(usize::MAX);
    assert_eq!((last.cached.map(|c| c.0), last.db_version), (Some(3), 3));
    let reads: Vec<_> = run.steps_list().iter().filter_map(|s| s.read).collect();
    assert_eq!(reads.len(), 1);
    assert_eq!((reads[0].version, reads[0].db_version), (3, 3));
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
            (0..pick(4))
                .map(|_| if pick(2) == 0 { Op::Read } else { Op::Write })
                .collect()
        })
        .collect();
    let schedule = (0..pick(16))
        .map(|_| match pick(10) {
            0 => Token::Crash(pick(n as u64) as usize),
            1 | 2 => Token::Wait(1_000 * u64::from(1 + pick(40))),
            _ => Token::Step(pick(n as u64) as usize),
        })
        .collect();
    Params {
        policy: WritePolicy::ALL[pick(WritePolicy::ALL.len() as u64) as usize],
        lease: Lease::ALL[pick(Lease::ALL.len() as u64) as usize],
        jitter_pct: [0, 10, 50][pick(3) as usize],
        xfetch_beta10: [0, 10, 30][pick(3) as usize],
        ttl_ms: 1_000 * (1 + pick(40)),
        lease_ms: 1_000 * (1 + pick(10)),
        flush_ms: 1_000 * (1 + pick(10)),
        refresh_pct: 1 + pick(99),
        db_ms: 1 + pick(500),
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

#[test]
fn random_scripts_keep_the_invariants() {
    let mut rng = Rng::new(5);
    for _ in 0..500 {
        let p = random_params(&mut rng);
        let run = Run::new(&p);
        let steps = run.steps_list();
        assert!(steps.len() <= MAX_STEPS + 2);
        let mut prev = Figures::default();
        for (k, s) in steps.iter().enumerate() {
            let f = s.figures;
            // Figures only grow, and add up.
            assert!(f.reads >= prev.reads && f.db_reads >= prev.db_reads);
            assert!(f.hits + f.misses >= f.reads.min(f.hits + f.misses));
            assert!(f.stale_reads <= f.reads);
            // A read is stale exactly when it returned an older version
            // (under set-then-update, any other version).
            if let Some(r) = s.read {
                let cache_first = p.policy == WritePolicy::CacheFirst;
                let stale = if cache_first {
                    r.version != r.db_version
                } else {
                    r.version < r.db_version
                };
                assert_eq!(stale, f.stale_reads == prev.stale_reads + 1);
                assert!(
                    r.version <= r.db_version
                        || p.policy == WritePolicy::WriteBehind
                        || cache_first
                );
            }
            // Every GET of the key that starts a read is a hit, a miss or
            // a wait.
            assert!(f.hits + f.misses + f.waits >= prev.hits + prev.misses + prev.waits);
            assert!(k == 0 || s.at >= steps[k - 1].at);
            prev = f;
        }
        assert!(!run.caption(run.steps() - 1).is_empty());
        assert_eq!(Run::new(&p), run, "same parameters, same trace");
    }
}

/// What a run's database statements leave in the database, replayed one
/// statement at a time, against what the engine believes at every step.
#[derive(Default)]
struct Replayed {
    steps: usize,
    commits: usize,
    reads: usize,
    fresh_reads: usize,
    /// Per policy (in [`WritePolicy::ALL`]'s order): scripts, and writes
    /// that overlapped another.
    scripts: [usize; WritePolicy::ALL.len()],
    overlapping: [usize; WritePolicy::ALL.len()],
}

fn replay_database(p: &Params, run: &Run, seen: &mut Replayed) {
    let policy = WritePolicy::ALL
        .iter()
        .position(|&w| w == p.policy)
        .unwrap_or(0);
    seen.scripts[policy] += 1;
    let steps = run.steps_list();
    let what = |k: usize| format!("step {k} of {p:?}");
    // The row `users` 42 holds: the version of its value (0: no row).
    let mut row = u32::from(!p.missing);
    let mut commits = 0;
    // Per instance: a write begun and not yet finished.
    let mut in_flight = vec![false; p.programs.len()];
    for (k, s) in steps.iter().enumerate() {
        let mut before_flush = None;
        let mut flushes = 0;
        for a in s.arrows.iter().filter(|a| a.to == Lane::Db) {
            if a.request.starts_with("SELECT") {
                let want = if row == 0 {
                    "no row".to_string()
                } else {
                    value_of(row)
                };
                assert_eq!(a.reply, want, "{}", what(k));
                continue;
            }
            // An insert exactly when there is no row.
            assert_eq!(
                a.request.contains("INSERT"),
                row == 0,
                "{}: {}",
                what(k),
                a.request
            );
            let version = a
                .request
                .split('\'')
                .nth(1)
                .and_then(version_in)
                .unwrap_or_else(|| panic!("{}: {}", what(k), a.request));
            if a.request.starts_with("flush") {
                before_flush.get_or_insert(row);
                flushes += 1;
            }
            assert!(
                version > row || p.policy == WritePolicy::CacheFirst,
                "{}: v{version} after v{row}",
                what(k)
            );
            row = version;
            commits += 1;
        }
        // The engine believes the database holds what its statements left.
        assert_eq!(s.db_version, row, "{}", what(k));
        assert_eq!(s.figures.db_writes as usize, commits, "{}", what(k));
        // A read is judged against the database as it was when it returned
        // (before any flush in the same step); one called fresh returns the
        // database's value, or under write-behind a newer one not flushed yet.
        if let Some(r) = s.read {
            let db = before_flush.unwrap_or(row);
            assert_eq!(r.db_version, db, "{}", what(k));
            let fresh = if p.policy == WritePolicy::CacheFirst {
                r.version == r.db_version
            } else {
                r.version >= r.db_version
            };
            if fresh {
                assert_eq!(r.stale_ms, 0, "{}", what(k));
                assert!(
                    r.version == db || (p.policy == WritePolicy::WriteBehind && r.version > db),
                    "{}: fresh v{} while the database holds v{db}",
                    what(k),
                    r.version
                );
                seen.fresh_reads += 1;
            }
            seen.reads += 1;
        }
        // Writes that overlap: one begins while another instance's is in
        // flight, or one flush writes several instances' queues.
        if let (Some(i), false) = (s.actor, s.skipped) {
            if in_flight[i] {
                in_flight[i] = false;
            } else {
                let starts = starts_write(p, s);
                if starts {
                    seen.overlapping[policy] += usize::from(in_flight.iter().any(|&f| f));
                    in_flight[i] = true;
                }
            }
        }
        seen.overlapping[policy] += usize::from(flushes > 1);
        seen.steps += 1;
    }
    seen.commits += commits;
}

/// Whether step `s` begins a write (its first statement or command).
fn starts_write(p: &Params, s: &Step) -> bool {
    let second_delete = s.note.contains("a second time");
    s.arrows.iter().any(|a| match p.policy {
        WritePolicy::DeleteBefore | WritePolicy::DoubleDelete => {
            a.to == Lane::Cache
                && ((a.request.split(' ').nth(1) == Some(KEY) && a.request.starts_with("DEL"))
                    || a.request.contains("keep a stale copy"))
                && !second_delete
        }
        WritePolicy::CacheFirst => s.note.contains("in the cache first"),
        WritePolicy::WriteThrough | WritePolicy::WriteBehind => false,
        _ => {
            a.to == Lane::Db && (a.request.starts_with("UPDATE") || a.request.starts_with("INSERT"))
        }
    })
}

#[test]
fn the_engine_believes_the_database_its_statements_leave() {
    let mut rng = Rng::new(19);
    let mut seen = Replayed::default();
    let scripts = 600;
    for n in 0..scripts {
        let mut p = random_params(&mut rng);
        // Every other script writes more, so that writes overlap often.
        if n % 2 == 1 {
            for ops in &mut p.programs {
                ops.push(Op::Write);
                ops.insert(0, Op::Write);
            }
        }
        let run = Run::new(&p);
        replay_database(&p, &run, &mut seen);
    }
    println!(
        "{scripts} scripts, {} steps, {} commits, {} reads ({} fresh); per policy {:?}: scripts {:?}, overlapping writes {:?}",
        seen.steps,
        seen.commits,
        seen.reads,
        seen.fresh_reads,
        WritePolicy::ALL.map(WritePolicy::slug),
        seen.scripts,
        seen.overlapping
    );
    assert!(seen.scripts.iter().all(|&n| n >= 50), "{:?}", seen.scripts);
    // Overlapping writes under every policy whose writes take two steps,
    // and flushes of several queues under write-behind.
    for (k, &n) in seen.overlapping.iter().enumerate() {
        let two_steps = WritePolicy::ALL[k] != WritePolicy::WriteThrough;
        assert!(!two_steps || n >= 10, "{:?}", seen.overlapping);
    }
}

#[test]
fn urls_round_trip() {
    let mut rng = Rng::new(9);
    for _ in 0..300 {
        let p = random_params(&mut rng);
        let run = Run::new(&p);
        let step = rng.below(run.steps() as u64) as usize;
        let pairs = crate::model::owned(to_pairs(&p, step));
        let o = open(&pairs);
        assert!(o.problems.is_empty(), "{:?} {pairs:?}", o.problems);
        assert_eq!(o.step, step);
        assert_eq!(o.run.steps_list(), run.steps_list());
    }
}

#[test]
fn bad_urls_name_what_was_ignored() {
    let pairs = crate::params::pairs;
    let o = open(&pairs(
        "policy=never&a=read,jump&b=write&schedule=a,c,z,5x,b!,+2s&ttl_ms=5&step=-1",
    ));
    let p = o.run.params();
    assert_eq!(p.policy, WritePolicy::DeleteAfter);
    assert_eq!(p.programs, vec![vec![Op::Read], vec![Op::Write]]);
    assert_eq!(
        p.schedule,
        vec![Token::Step(0), Token::Crash(1), Token::Wait(2_000)]
    );
    assert_eq!(p.ttl_ms, 100);
    let text = o.problems.join("\n");
    for part in [
        "policy=never",
        "jump",
        "no instance C",
        "\u{201c}z\u{201d}",
        "5x",
        "ttl_ms=5",
        "step=-1",
    ] {
        assert!(text.contains(part), "{part} not in {text}");
    }
}

#[test]
fn steps_and_what_each_holds_stay_bounded() {
    let mut rng = Rng::new(0xCAC4E);
    let mut longest = 0;
    for _ in 0..300 {
        let ops = |rng: &mut Rng| {
            (0..MAX_OPS)
                .map(|_| ["read", "write"][rng.below(2) as usize])
                .collect::<Vec<_>>()
                .join(",")
        };
        let entries: Vec<String> = (0..MAX_SCHEDULE)
            .map(|_| match rng.below(8) {
                0 => "a!".to_string(),
                1 => format!("{}s", 1 + rng.below(86_400)),
                k => ["a", "b", "c"][(k % 3) as usize].to_string(),
            })
            .collect();
        let policy = WritePolicy::ALL[rng.below(6) as usize].slug();
        let pairs = crate::model::owned([
            ("policy", policy.to_string()),
            ("lease", ["on", "off"][rng.below(2) as usize].to_string()),
            ("flush_ms", "100".to_string()),
            ("xfetch", rng.below(51).to_string()),
            ("jitter", rng.below(51).to_string()),
            ("a", ops(&mut rng)),
            ("b", ops(&mut rng)),
            ("c", ops(&mut rng)),
            ("schedule", entries.join(",")),
        ]);
        let run = open(&pairs).run;
        let steps = run.steps_list();
        assert!(steps.len() <= engine::MAX_STEPS + 1, "{pairs:?}");
        assert!(run.scheduled() <= MAX_SCHEDULE);
        for s in steps {
            assert!(s.arrows.len() + s.commands.len() <= 16, "{pairs:?}");
            assert!(s.note.len() <= 2_000, "{pairs:?}");
        }
        longest = longest.max(steps.len());
    }
    assert!(longest > 200, "long runs were tried");
}

fn reads(run: &Run) -> Vec<ReadResult> {
    run.steps_list().iter().filter_map(|s| s.read).collect()
}

fn replies(run: &Run, word: &str) -> Vec<Reply> {
    run.steps_list()
        .iter()
        .flat_map(|s| s.commands.iter())
        .filter(|c| c.args[0] == word)
        .map(|c| c.reply.clone())
        .collect()
}

#[test]
fn a_tombstone_refuses_an_older_fill_until_it_expires() {
    let p = Preset::Tombstone.params();
    let run = Run::new(&p);
    // B's tombstone is set; A's fill of v1 is refused; C's, after the
    // tombstone expired, lands, and D reads it stale.
    assert_eq!(
        replies(&run, "EVAL"),
        [Reply::Int(1), Reply::Int(0), Reply::Int(1)]
    );
    assert_eq!(total(&p).refused_sets, 1);
    let r = reads(&run);
    assert_eq!((r[2].version, r[2].db_version, r[2].hit), (1, 2, true));
    assert_eq!(total(&p).stale_reads, 1);
    // Without the wait, C's fill is refused too and nothing stale is read.
    let mut q = p.clone();
    q.schedule.retain(|t| !matches!(t, Token::Wait(_)));
    assert_eq!(total(&q).refused_sets, 2);
    assert_eq!(total(&q).stale_reads, 0);
    // Plain update-then-delete lets both stale fills in.
    q.policy = WritePolicy::DeleteAfter;
    assert!(total(&q).stale_reads >= 1);
}

#[test]
fn watch_refuses_a_fill_after_a_delete_of_a_value_but_not_of_nothing() {
    let p = Preset::Watch.params();
    let run = Run::new(&p);
    assert_eq!(
        replies(&run, "EXEC"),
        [
            Reply::Exec(Some(vec![Reply::Ok])),
            Reply::Exec(None),
            Reply::Exec(Some(vec![Reply::Ok]))
        ]
    );
    // B's first delete removed a value, its second nothing.
    assert_eq!(replies(&run, "DEL"), [Reply::Int(1), Reply::Int(0)]);
    let last = *reads(&run).last().unwrap();
    assert_eq!((last.version, last.db_version), (2, 3));
    // C's fill (step 8) left nothing; without WATCH, it lands v1 while
    // the database holds v2.
    assert_eq!(run.step(8).cached, None);
    let q = Params { watch: false, ..p };
    let plain = Run::new(&q);
    assert_eq!(plain.step(8).cached.map(|c| c.0), Some(1));
    assert_eq!(plain.step(8).db_version, 2);
}

#[test]
fn setting_the_cache_first_serves_a_write_a_crash_never_commits() {
    let p = Preset::CacheFirst.params();
    let run = Run::new(&p);
    let r = reads(&run);
    // B reads v2 before its commit, and v3, which is never committed.
    assert_eq!((r[0].version, r[0].db_version), (2, 1));
    assert_eq!((r[1].version, r[1].db_version), (3, 2));
    assert_eq!(total(&p).stale_reads, 2);
    assert_eq!(run.step(usize::MAX).db_version, 2);
    // No reader refills the old value: no database read at all.
    assert_eq!(total(&p).db_reads, 0);
}

#[test]
fn negative_caching_spares_the_database_and_can_say_missing_after_an_insert() {
    let p = Preset::Negative.params();
    let run = Run::new(&p);
    let r = reads(&run);
    // A's second read hits the cached "none".
    assert_eq!((r[2].version, r[2].hit), (0, true));
    assert_eq!(total(&p).db_reads, 2);
    // D reads "missing" while the row exists.
    assert_eq!((r[3].version, r[3].db_version), (0, 1));
    assert_eq!(total(&p).stale_reads, 1);
    // Without negative caching, every read of the missing row goes to
    // the database, and nothing stale is cached.
    let q = Params {
        negative: false,
        ..p
    };
    assert_eq!(total(&q).db_reads, 4);
    assert_eq!(total(&q).stale_reads, 0);
}

#[test]
fn stale_while_revalidate_serves_the_old_copy_instead_of_waiting() {
    let p = Preset::StaleWhileRevalidate.params();
    let run = Run::new(&p);
    let r = reads(&run);
    assert_eq!((r[0].version, r[0].db_version, r[0].hit), (1, 2, true));
    assert_eq!(total(&p).waits, 0);
    assert_eq!(total(&p).stale_reads, 2);
    assert_eq!(r.last().map(|r| r.version), Some(2));
    // With a plain mutex the same readers wait instead.
    let q = Params {
        lease: Lease::Mutex,
        ..p
    };
    assert!(total(&q).waits > 0);
    assert_eq!(total(&q).stale_reads, 0);
}

#[test]
fn single_flight_makes_one_database_read_per_process() {
    let p = Preset::SingleFlight.params();
    assert_eq!(total(&p).db_reads, 2);
    assert_eq!(total(&p).waits, 2);
    assert_eq!(total(&p).reads, 5);
    let one = Params {
        flight: 1,
        ..p.clone()
    };
    assert_eq!(total(&one).db_reads, 1);
    let off = Params { flight: 0, ..p };
    assert_eq!(total(&off).db_reads, 4);
}

#[test]
fn old_links_open_with_a_notice_that_the_clock_changed() {
    let pairs = crate::params::pairs;
    // A link as the page wrote it before: programs, no clock mark.
    let old = open(&pairs(
        "policy=update-delete&lease=mutex&ttl_ms=30000&warm=off&a=read&b=read,read&schedule=a,a,a!,b,b,2s,b,b",
    ));
    assert!(
        old.problems.iter().any(|n| n.contains("10 ms")),
        "{:?}",
        old.problems
    );
    assert_eq!(old.run.params().programs.len(), 2);
    // The same link as the page writes it now.
    let now = to_pairs(old.run.params(), 0);
    assert!(now.iter().any(|(k, v)| *k == "clock" && v == "script"));
    let owned: Vec<(String, String)> = now
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let again = open(&owned);
    assert!(again.problems.is_empty(), "{:?}", again.problems);
    assert_eq!(again.run.params(), old.run.params());
    // A wrong clock value is named, and read as the script's clock.
    let odd = open(&pairs("a=read&b=write&clock=steps"));
    assert!(
        odd.problems.iter().any(|n| n.contains("clock=steps")),
        "{:?}",
        odd.problems
    );
    assert!(!odd.problems.iter().any(|n| n.contains("10 ms")));
    // A link with no programs keeps quiet.
    assert!(open(&pairs("policy=update-set")).problems.is_empty());
}

#[test]
fn steps_take_no_time_and_each_get_of_the_key_is_a_hit_a_miss_or_a_wait() {
    let mut rng = Rng::new(44);
    let mut seen = [0u32; 3];
    for _ in 0..400 {
        let p = random_params(&mut rng);
        let run = Run::new(&p);
        let steps = run.steps_list();
        for (k, s) in steps.iter().enumerate().skip(1) {
            // Only the clock's own steps move it.
            if s.actor.is_some() {
                assert_eq!(s.at, steps[k - 1].at, "step {k} of {p:?}");
            }
        }
        let gets = steps
            .iter()
            .flat_map(|s| s.commands.iter())
            .filter(|c| c.args == ["GET", KEY])
            .count() as u32;
        let f = run.total();
        assert_eq!(gets, f.hits + f.misses + f.waits, "{p:?}");
        seen[0] += f.hits;
        seen[1] += f.misses;
        seen[2] += f.waits;
    }
    assert!(seen.iter().all(|&n| n > 50), "{seen:?}");
}
