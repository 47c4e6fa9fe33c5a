//! Conformance of the N+1 model's DataLoader with the real DataLoader
//! (npm `dataloader`, pinned in package.json): generated cases (N from 0 to
//! 1,000, fixed and uneven counts with empty levels, both depths, no limit
//! and small `maxBatchSize`s, batch functions that answer from memory and
//! ones that await a turn of the event loop as real I/O does) are run by
//! `tests/node/dataloader_replay.mjs`, which runs each batch function's
//! statement, keys bound, on SQLite (npm `sql.js`, SQLite compiled to
//! WebAssembly, pinned) and records it with the rows it returned. Per case the statements must be the model's,
//! one for one, in order: the same table, keys and rows, and the same text.
//! With real I/O and a `maxBatchSize`, an uneven spread makes DataLoader
//! send more statements than one split of each level would: each orders
//! batch's items come as batches of their own.

use crate::common;

use backend_playground::sim::nplus1::{Depth, Io, Params, Run, Spread, Strategy, Table};
use serde_json::{json, Value};

fn cases() -> Vec<Params> {
    let shapes: [(u32, u32, u32, Spread); 8] = [
        (0, 3, 2, Spread::Fixed),
        (1, 0, 2, Spread::Fixed),
        (3, 1, 0, Spread::Fixed),
        (7, 3, 2, Spread::Random),
        (40, 2, 3, Spread::Random),
        (120, 1, 1, Spread::Random),
        (501, 2, 1, Spread::Random),
        (1_000, 1, 1, Spread::Fixed),
    ];
    let mut out = Vec::new();
    for (users, orders, items, spread) in shapes {
        for depth in [Depth::Orders, Depth::Items] {
            for io in [Io::Memory, Io::Real] {
                for batch in [None, Some(1), Some(3), Some(7), Some(100)] {
                    out.push(Params {
                        strategy: Strategy::DataLoader,
                        users,
                        orders,
                        items,
                        depth,
                        spread,
                        seed: 29,
                        batch,
                        io,
                        ..Params::default()
                    });
                }
            }
        }
    }
    out
}

fn to_json(p: &Params) -> Value {
    let run = Run::new(p);
    let data = run.data();
    let orders: Vec<u32> = (1..=data.users())
        .map(|u| data.orders_of(u).len() as u32)
        .collect();
    let total: u32 = orders.iter().sum();
    let items: Vec<u32> = (1..=total).map(|o| data.items_of(o).len() as u32).collect();
    json!({
        "orders": orders,
        "items": items,
        "depth": if p.depth == Depth::Items { 2 } else { 1 },
        "batch": p.batch,
        "io": if p.io == Io::Real { "real" } else { "memory" },
    })
}

/// A recorded statement's text with its keys written in place of its `?`.
fn inlined(s: &Value) -> String {
    let sql = s["sql"].as_str().unwrap_or("");
    let mut keys = s["params"].as_array().into_iter().flatten();
    sql.chars()
        .map(|c| match c {
            '?' => keys
                .next()
                .map(Value::to_string)
                .unwrap_or_else(|| "?".into()),
            c => c.to_string(),
        })
        .collect()
}

/// The first difference between the model's statements and DataLoader's,
/// if any.
fn compare(p: &Params, got: &Value) -> Option<String> {
    let run = Run::new(p);
    let what = format!(
        "n={} orders={} items={} {:?} {:?} batch={:?} io={:?}",
        p.users, p.orders, p.items, p.depth, p.spread, p.batch, p.io
    );
    let sent = got["statements"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if sent.len() != run.query_count() {
        return Some(format!(
            "{what}: {} statements in the model, {} sent",
            run.query_count(),
            sent.len()
        ));
    }
    for (i, (q, s)) in run.queries().zip(sent).enumerate() {
        let table = match q.table {
            Table::Users => "users",
            Table::Orders => "orders",
            _ => "items",
        };
        let keys: Vec<u64> = s["keys"]
            .as_array()
            .map(|k| k.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        let want_keys: Vec<u64> = if q.table == Table::Users {
            Vec::new()
        } else {
            run.keys(i).into_iter().map(u64::from).collect()
        };
        let rows = s["rows"].as_u64().unwrap_or(u64::MAX);
        if s["table"] != table || keys != want_keys || rows != q.rows {
            return Some(format!(
                "{what}: statement {i}: model {table} {} keys {} rows, sent {} {} keys {rows} rows",
                want_keys.len(),
                q.rows,
                s["table"],
                keys.len()
            ));
        }
        if run.sql(i) != inlined(s) {
            return Some(format!(
                "{what}: statement {i}: the model writes\n  {}\nDataLoader's batch function sent\n  {}",
                run.sql(i),
                inlined(s)
            ));
        }
    }
    None
}

#[test]
fn dataloader_sends_the_models_batches() {
    let cases = cases();
    let input: Vec<Value> = cases.iter().map(to_json).collect();
    let report = common::replay(
        "node",
        "tests/node/dataloader_replay.mjs",
        &Value::Array(input),
        "dataloader",
    );
    let results = report["results"].as_array().expect("results");
    assert_eq!(results.len(), cases.len());
    let mut differences = Vec::new();
    let (mut statements, mut more) = (0, 0);
    for (p, got) in cases.iter().zip(results) {
        statements += got["statements"].as_array().map_or(0, Vec::len);
        if let Some(d) = compare(p, got) {
            differences.push(d);
        }
        // Real I/O against memory: the extra statements it sends.
        if p.io == Io::Real {
            let memory = Run::new(&Params {
                io: Io::Memory,
                ..p.clone()
            });
            more += Run::new(p).query_count() - memory.query_count();
        }
    }
    println!(
        "DataLoader {}: {} cases, {statements} statements, {} differences; real I/O sent {more} statements more than in-memory resolution",
        report["dataloader"],
        cases.len(),
        differences.len()
    );
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
    assert!(
        more > 0,
        "real I/O with a batch limit sends more statements"
    );
    assert!(cases.len() >= 150, "{} cases", cases.len());
}
