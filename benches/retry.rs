//! Benchmark of the retry model: the AWS blog's sweep (10 to 190 clients,
//! 100 runs a point, every policy that retries), the budget's point alone
//! (190 clients, 100 runs, every policy), and the recorded runs of the
//! presets. Prints the times and the sweep's figures beside the blog's
//! ranking; asserts nothing. Run with `cargo bench --bench retry`.

mod common;

use common::{ms, time};

use backend_playground::sim::retry::sweep::{aws_clients, sweep, AWS_POLICIES};
use backend_playground::sim::retry::{Policy, Preset, Run};
use backend_playground::sim::Trace;

fn main() {
    let clients = aws_clients();
    let (median, fastest) = time(|| sweep(&[190], &Policy::RETRYING, 100, 1));
    println!(
        "190 clients x 100 runs x {} policies: median {}, fastest {}",
        Policy::RETRYING.len(),
        ms(median),
        ms(fastest)
    );
    let (median, fastest) = time(|| sweep(&clients, &Policy::RETRYING, 100, 1));
    println!(
        "The sweep, 10..190 clients x 100 runs x {} policies: median {}, fastest {}",
        Policy::RETRYING.len(),
        ms(median),
        ms(fastest)
    );
    let s = sweep(&clients, &Policy::RETRYING, 100, 1);
    println!();
    println!("Mean work (attempts at the row) and completion time (ms), base 5 ms, cap 2 s, network 10 +- 2 ms");
    print!("{:>7}", "clients");
    for p in Policy::RETRYING {
        print!(" {:>22}", p.slug());
    }
    println!();
    for n in [10, 50, 100, 150, 190] {
        print!("{n:>7}");
        for p in Policy::RETRYING {
            if let Some(pt) = s.at(n, p) {
                print!(" {:>9.0} {:>10.0} ms", pt.work, pt.completion_ms);
            }
        }
        println!();
    }
    println!();
    println!(
        "The blog's ranking, checked from 100 clients up (policies: {}):",
        AWS_POLICIES.map(|p| p.slug()).join(", ")
    );
    for (claim, holds) in s.aws_claims(100) {
        println!("  {} {claim}", if holds { "yes" } else { "NO " });
    }
    println!();
    println!(
        "{:<26} {:>8} {:>9} {:>10} {:>10}",
        "preset", "steps", "work", "median", "fastest"
    );
    for preset in Preset::ALL {
        let p = preset.params();
        let (median, fastest) = time(|| Run::new(&p));
        let run = Run::new(&p);
        println!(
            "{:<26} {:>8} {:>9} {:>10} {:>10}",
            preset.slug(),
            run.steps(),
            run.totals().work,
            ms(median),
            ms(fastest)
        );
    }
    println!();
    println!("Heaviest links (steps, attempts sent, time):");
    worst();
}
/// The heaviest links within the table's limits: a thousand clients with a
/// hundred units each retrying at once on the row (the run stops at its
/// attempt limit), and open traffic at the highest rate through an outage.
fn worst() {
    use backend_playground::sim::retry::{
        Params, Resource, Traffic, MAX_CLIENTS, MAX_RATE, MAX_SECONDS, MAX_UNITS,
    };
    let row = Params {
        clients: MAX_CLIENTS,
        units: MAX_UNITS,
        tick_ms: 1,
        ..Params::aws(Policy::Immediate, MAX_CLIENTS)
    };
    let open = Params {
        traffic: Traffic::Open,
        resource: Resource::Overload,
        rate: MAX_RATE,
        seconds: MAX_SECONDS,
        outage_ms: 5_000,
        attempts: 0,
        timeout_ms: 100,
        tick_ms: 1,
        ..Preset::Budget.params()
    };
    for (name, p) in [
        ("1,000 clients x 100 units, row", row),
        ("open, 2,000/s for 60 s", open),
    ] {
        let (median, fastest) = time(|| Run::new(&p));
        let run = Run::new(&p);
        println!(
            "{:<32} {:>8} {:>9} {:>10} {:>10}",
            name,
            run.steps(),
            run.totals().sent,
            ms(median),
            ms(fastest)
        );
    }
}
