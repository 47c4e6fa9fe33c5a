//! Benchmark of the cache-aside model: 100,000 requests of a mixed workload
//! (10% writes, 1,000 keys, skewed) under each caching pattern and with the
//! mitigations on, and the longest script. Prints figures; asserts nothing.
//! Run with `cargo bench --bench cache`.

mod common;

use common::{ms, time};

use backend_playground::sim::cache::workload::{run, Setup, Workload};
use backend_playground::sim::cache::{
    Lease, Op, Params, Preset, Run, Token, WritePolicy, MAX_INSTANCES, MAX_OPS, MAX_SCHEDULE,
};

fn main() {
    let w = Workload {
        requests: 100_000,
        keys: 1_000,
        write_pct: 10,
        rate: 2_000,
        instances: 4,
        skew: 2,
        warm: false,
        capacity: 500,
        seed: 1,
    };
    let base = Setup {
        policy: WritePolicy::DeleteAfter,
        lease: false,
        coalesce: false,
        jitter_pct: 0,
        xfetch_beta10: 0,
        ttl_ms: 5_000,
        db_ms: 20,
        flush_ms: 1_000,
        refresh_pct: 80,
    };
    println!("Cache-aside workload: 100,000 requests, 1,000 keys, 10% writes, 500-key cache");
    println!(
        "{:<34} {:>10} {:>10} {:>9} {:>9} {:>8} {:>8}",
        "run", "median", "fastest", "hit %", "db reads", "stale", "peak/s"
    );
    let mut cases = Vec::new();
    for policy in [
        WritePolicy::DeleteAfter,
        WritePolicy::WriteThrough,
        WritePolicy::WriteBehind,
        WritePolicy::RefreshAhead,
    ] {
        cases.push((policy.slug().to_string(), Setup { policy, ..base }));
    }
    cases.push((
        "update-delete + all mitigations".to_string(),
        Setup {
            lease: true,
            coalesce: true,
            jitter_pct: 10,
            xfetch_beta10: 10,
            ..base
        },
    ));
    // The workload of the page's comparison table: 40,000 requests, no
    // key limit.
    let page = Workload {
        requests: 40_000,
        capacity: 0,
        ..w
    };
    cases.push(("page table: update-delete".to_string(), Setup { ..base }));
    cases.push((
        "page table: all mitigations".to_string(),
        Setup {
            lease: true,
            coalesce: true,
            jitter_pct: 10,
            xfetch_beta10: 10,
            ..base
        },
    ));
    for (name, s) in cases {
        let w = if name.starts_with("page table") {
            page
        } else {
            w
        };
        let (median, fastest) = time(|| run(&w, &s));
        let r = run(&w, &s);
        println!(
            "{:<34} {:>10} {:>10} {:>8.1}% {:>9} {:>8} {:>8}",
            name,
            ms(median),
            ms(fastest),
            f64::from(r.hit_permille()) / 10.0,
            r.db_reads,
            r.stale_reads,
            r.peak_db()
        );
    }
    let p = Preset::Herd.params();
    let (median, _) = time(|| Run::new(&p));
    println!(
        "script run (the herd preset, {} steps): {:.1} µs",
        backend_playground::sim::Trace::steps(&Run::new(&p)),
        median.as_secs_f64() * 1e6
    );
    largest_scripts();
}

/// The largest script a link can carry (ten instances of twenty operations,
/// a schedule of 200 entries) under each pattern.
fn largest_scripts() {
    let ops: Vec<Op> = (0..MAX_OPS)
        .map(|k| if k % 4 == 3 { Op::Write } else { Op::Read })
        .collect();
    let schedule: Vec<Token> = (0..MAX_SCHEDULE)
        .map(|k| match k % 25 {
            24 => Token::Wait(31_000),
            12 => Token::Crash(k % MAX_INSTANCES),
            _ => Token::Step(k * 7 % MAX_INSTANCES),
        })
        .collect();
    let base = Params {
        programs: vec![ops; MAX_INSTANCES],
        schedule,
        ..Preset::StaleSet.params()
    };
    let cases = [
        ("update-delete", base.clone()),
        (
            "versioned sets + WATCH + NX",
            Params {
                policy: WritePolicy::Tombstone,
                watch: true,
                fill_nx: true,
                ..base.clone()
            },
        ),
        (
            "stale-while-revalidate + single flight",
            Params {
                lease: Lease::Stale,
                flight: 3,
                ..base.clone()
            },
        ),
        (
            "leases + negative caching, missing row",
            Params {
                lease: Lease::On,
                missing: true,
                negative: true,
                ..base.clone()
            },
        ),
        (
            "cache first + XFetch + jitter",
            Params {
                policy: WritePolicy::CacheFirst,
                xfetch_beta10: 10,
                jitter_pct: 10,
                ..base
            },
        ),
    ];
    for (name, p) in cases {
        let (median, fastest) = time(|| Run::new(&p));
        println!(
            "largest script, {name} ({} steps): median {}, fastest {}",
            backend_playground::sim::Trace::steps(&Run::new(&p)),
            ms(median),
            ms(fastest)
        );
    }
}
