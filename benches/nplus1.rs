//! Benchmark of the N+1 model: time to compute the trace and the memory it
//! holds, for the largest presets, and the time of the sweep. Prints
//! figures; asserts nothing. Run with `cargo bench --bench nplus1`.

mod common;

use common::{ms, time};

use backend_playground::sim::nplus1::{
    sweep, Depth, Io, Orm, Params, Relation, Run, Spread, Strategy, Then, MAX_USERS,
};
use backend_playground::sim::Trace;

fn main() {
    println!("N+1 model, N = {MAX_USERS}, 3 orders per user, 2 items per order");
    println!(
        "{:<40} {:>9} {:>10} {:>10} {:>10} {:>12}",
        "run", "steps", "median", "fastest", "memory", "per step"
    );
    for p in cases() {
        let (median, fastest) = time(|| Run::new(&p));
        let run = Run::new(&p);
        let name = format!(
            "{} {} {}{}{}",
            p.orm.slug(),
            p.strategy.slug(),
            if p.relation == Relation::Orders {
                p.depth.slug()
            } else {
                p.relation.slug()
            },
            if p.spread == Spread::Random {
                " random"
            } else {
                ""
            },
            if p.then != Then::Same {
                format!(" then {}", p.then.slug())
            } else if p.io == Io::Real {
                " (io)".to_string()
            } else {
                String::new()
            }
        );
        println!(
            "{:<40} {:>9} {:>10} {:>10} {:>8.2} MB {:>9} B",
            name,
            run.steps(),
            ms(median),
            ms(fastest),
            run.heap_bytes() as f64 / 1e6,
            run.heap_bytes() / run.steps()
        );
    }
    let p = Params {
        depth: Depth::Items,
        ..Params::default()
    };
    let (median, fastest) = time(|| sweep(&p));
    println!(
        "sweep (5 strategies x 14 N, nested): median {}, fastest {}",
        ms(median),
        ms(fastest)
    );
    // What a step costs the view: the caption and the figures at a step.
    let run = Run::new(&Params {
        users: 1_000,
        depth: Depth::Items,
        ..Params::default()
    });
    let (median, _) = time(|| {
        (0..run.steps())
            .map(|k| run.caption(k).len() + run.totals_at(k).rows as usize)
            .sum::<usize>()
    });
    println!(
        "caption and totals of every step at N = 1,000 nested ({} steps): {:.2} µs per step",
        run.steps(),
        median.as_secs_f64() * 1e6 / run.steps() as f64
    );
}

/// The largest link: N = 10,000 users, nested.
/// The runs timed: every strategy at both depths, the other shapes, the
/// strategies per level, DataLoader with real I/O.
fn cases() -> Vec<Params> {
    let mut cases = Vec::new();
    for depth in [Depth::Items, Depth::Orders] {
        for strategy in Strategy::ALL {
            cases.push(Params {
                strategy,
                depth,
                ..big()
            });
        }
    }
    cases.push(Params {
        spread: Spread::Random,
        ..big()
    });
    // The other shapes, a strategy per level, DataLoader with real I/O.
    for (orm, strategy, relation) in [
        (Orm::SqlAlchemy, Strategy::Lazy, Relation::User),
        (Orm::Django, Strategy::Lazy, Relation::User),
        (Orm::SqlAlchemy, Strategy::SelectIn, Relation::User),
        (Orm::Django, Strategy::Lazy, Relation::Tags),
        (Orm::SqlAlchemy, Strategy::Joined, Relation::Tags),
    ] {
        cases.push(Params {
            orm,
            strategy,
            relation,
            touch: 2,
            loaded: MAX_USERS / 2,
            ..big()
        });
    }
    for (strategy, then) in [
        (Strategy::Joined, Then::Lazy),
        (Strategy::Lazy, Then::Joined),
        (Strategy::Lazy, Then::Subquery),
        (Strategy::SelectIn, Then::Subquery),
        (Strategy::Subquery, Then::Joined),
        (Strategy::Joined, Then::SelectIn),
        (Strategy::Immediate, Then::Lazy),
        (Strategy::Immediate, Then::Joined),
        (Strategy::Immediate, Then::SelectIn),
        (Strategy::Immediate, Then::Subquery),
        (Strategy::Lazy, Then::Immediate),
        (Strategy::SelectIn, Then::Immediate),
    ] {
        cases.push(Params {
            strategy,
            then,
            ..big()
        });
    }
    // The largest listed plan: 20 orders per user and 20 items per order,
    // every one of the 210,001 queries kept.
    cases.push(Params {
        strategy: Strategy::Immediate,
        then: Then::Lazy,
        orders: 20,
        items: 20,
        ..big()
    });
    cases.push(Params {
        strategy: Strategy::DataLoader,
        io: Io::Real,
        batch: Some(10),
        spread: Spread::Random,
        ..big()
    });
    cases
}

fn big() -> Params {
    Params {
        users: MAX_USERS,
        depth: Depth::Items,
        ..Params::default()
    }
}
