//! Benchmark of the cache-aside model: 100,000 requests of a mixed workload
//! (10% writes, 1,000 keys, skewed) under each caching pattern and with the
//! mitigations on, and the longest script. Prints figures; asserts nothing.
//! Run with `cargo bench --bench cache`.

mod common;

use common::{ms, time};

use backend_playground::sim::cache::workload::{run, Setup, Workload};
use backend_playground::sim::cache::{Preset, Run, WritePolicy};

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
    for (name, s) in cases {
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
}
