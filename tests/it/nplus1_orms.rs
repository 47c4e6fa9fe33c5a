//! Conformance of the N+1 model with the real ORMs: generated cases (N from
//! 0 to 1,000, fixed and uneven counts with empty levels, both depths,
//! every strategy each ORM has, batch sizes: SQLAlchemy's `chunksize=`,
//! Django's `.iterator(chunk_size=)`) are run by
//! `tests/python/orm_replay.py` with SQLAlchemy and Django themselves
//! (pinned in `tests/python/requirements.txt`, in the virtualenv
//! `scripts/setup.sh` builds) against an in-memory SQLite, which captures
//! every statement with its bound keys and counts its rows. Per case, the
//! statements must be the model's, one for one, in order: the same table,
//! the same kind (every row, `= key`, `IN (...)`, join, subquery), the same
//! bound keys and the same number of rows, and the same text, word for
//! word (bound values inlined, line breaks made spaces). A strategy the
//! model says an ORM refuses must be one the ORM refuses, sending nothing;
//! where a guard (`raiseload`, Django's `FETCH_RAISE`) raises, the ORM must
//! raise the model's error, word for word, after the model's statements.
//!
//! The families: `user.orders` (and `order.items`) with each loading
//! strategy and batch size; the guards, `immediate`, `FETCH_PEERS` and a
//! second pass of the loop after some users were loaded; `order.user`
//! (many-to-one) with users loaded first (none, some, all); `order.tags`
//! (many-to-many through `order_tags`); datasets spelled out as a link
//! spells them; and a strategy per level.

use crate::common;

use backend_playground::sim::nplus1::{
    self, Counts, Depth, Orm, Params, Relation, Run, Shape, Spread, Strategy, Table, Then,
};
use serde_json::{json, Value};

/// One case: the model's parameters, and how the replay runs them (for
/// Django, batch loading is `prefetch_related` with a lookup path, or with
/// `Prefetch` objects).
struct Case {
    params: Params,
    prefetch_objects: bool,
}

/// The datasets every family of cases runs on: (users, orders, items,
/// spread), with empty levels, uneven counts and N up to 1,000.
const SHAPES: [(u32, u32, u32, Spread); 7] = [
    (0, 3, 2, Spread::Fixed),
    (1, 1, 0, Spread::Fixed),
    (2, 0, 2, Spread::Fixed),
    (7, 3, 2, Spread::Random),
    (50, 1, 1, Spread::Random),
    (501, 2, 1, Spread::Random),
    (1_000, 1, 1, Spread::Fixed),
];

fn cases() -> Vec<Case> {
    let mut out = one_to_many_cases();
    out.extend(guard_cases());
    out.extend(many_to_one_cases());
    out.extend(many_to_many_cases());
    out.extend(listed_cases());
    out.extend(mixed_cases());
    out.extend(one_to_one_cases());
    out
}

/// `user.profile`, the reverse side of a one-to-one, with every strategy.
fn one_to_one_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (users, _, _, _) in SHAPES {
        for orm in Orm::ALL {
            for strategy in Strategy::EVERY {
                if strategy == Strategy::DataLoader {
                    continue;
                }
                let batches: &[Option<u32>] = match (orm, strategy) {
                    (Orm::SqlAlchemy, Strategy::SelectIn) => &[None, Some(3)],
                    (Orm::Django, Strategy::SelectIn) => &[None, Some(4)],
                    _ => &[None],
                };
                for &batch in batches {
                    out.push(Case {
                        params: Params {
                            orm,
                            strategy,
                            relation: Relation::Profile,
                            users,
                            batch,
                            touch: 2,
                            loaded: users / 2,
                            ..Params::default()
                        },
                        prefetch_objects: false,
                    });
                }
            }
        }
    }
    out
}

/// A strategy per level: the orders one way, the items another, every
/// pair of a first level that can carry a second (every one but the
/// DataLoader, `immediate` included) and a second level (`immediate`
/// included), on every shape; batch sizes (SQLAlchemy's `chunksize=` on both levels,
/// Django's `.iterator(chunk_size=)` on the queryset the prefetch runs
/// from) where a level batches, and Django's `Prefetch` objects; and with
/// half the users loaded before the loop (SQLAlchemy's kept users keep the
/// options they were loaded with, none), and with two passes of the loop.
fn mixed_cases() -> Vec<Case> {
    let firsts = [
        Strategy::Lazy,
        Strategy::Joined,
        Strategy::SelectIn,
        Strategy::Subquery,
        Strategy::Immediate,
        Strategy::Raise,
        Strategy::RaiseOnSql,
        Strategy::Peers,
    ];
    let mut out = Vec::new();
    for (users, orders, items, spread) in SHAPES {
        for orm in Orm::ALL {
            for strategy in firsts {
                for then in Then::ALL {
                    if then.strategy().is_none_or(|s| s == strategy) {
                        continue;
                    }
                    let batched = matches!(strategy, Strategy::SelectIn) || then == Then::SelectIn;
                    let batches: &[Option<u32>] = if batched && users <= 501 {
                        &[None, Some(2)]
                    } else {
                        &[None]
                    };
                    let kept = if (2..=501).contains(&users) {
                        &[0, users / 2][..]
                    } else {
                        &[0][..]
                    };
                    // Two passes of the loop, where a Django related
                    // manager asks again.
                    let base = Params {
                        orm,
                        strategy,
                        then,
                        users,
                        orders,
                        items,
                        depth: Depth::Items,
                        spread,
                        seed: 21,
                        ..Params::default()
                    };
                    if (1..=50).contains(&users) {
                        out.push(Case {
                            params: Params {
                                touch: 2,
                                ..base.clone()
                            },
                            prefetch_objects: false,
                        });
                    }
                    for (&batch, &loaded) in batches
                        .iter()
                        .flat_map(|b| kept.iter().map(move |k| (b, k)))
                    {
                        if batch.is_some() && loaded > 0 {
                            continue;
                        }
                        let objects = orm == Orm::Django && strategy == Strategy::SelectIn;
                        for prefetch_objects in [false, true] {
                            if prefetch_objects && !objects {
                                continue;
                            }
                            out.push(Case {
                                params: Params {
                                    batch,
                                    loaded,
                                    ..base.clone()
                                },
                                prefetch_objects,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// Datasets spelled out as a link spells them: one heavy user among empty
/// ones, empty orders between full ones, through every relation.
fn listed_cases() -> Vec<Case> {
    let lists = [
        "0,0,40,0,1,0,0,3/1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,40,0,2,0,5",
        "1,1,1,1,1,1,1,1,1,1/0,1,0,2,0,3,0,4,0,40",
        "0,0,0/",
        "5/",
    ];
    let mut out = Vec::new();
    for text in lists {
        let data = Counts::parse(text, &mut Vec::new());
        for relation in [Relation::Orders, Relation::User, Relation::Tags] {
            for orm in Orm::ALL {
                for (strategy, batch) in [
                    (Strategy::Lazy, None),
                    (Strategy::SelectIn, None),
                    (Strategy::SelectIn, Some(2)),
                    (Strategy::Joined, None),
                    (Strategy::Subquery, None),
                ] {
                    out.push(Case {
                        params: Params {
                            orm,
                            strategy,
                            relation,
                            depth: Depth::Items,
                            users: data.as_ref().map_or(0, |d| d.orders.len() as u32),
                            data: data.clone(),
                            batch,
                            loaded: 2,
                            ..Params::default()
                        },
                        prefetch_objects: false,
                    });
                }
            }
        }
    }
    out
}

/// `order.tags` through `order_tags` (the item counts as tag counts), with
/// every strategy, touched once or twice.
fn many_to_many_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (users, orders, items, spread) in SHAPES {
        for orm in Orm::ALL {
            for strategy in Strategy::EVERY {
                if strategy == Strategy::DataLoader {
                    continue;
                }
                let batches: &[Option<u32>] = match (orm, strategy) {
                    (Orm::SqlAlchemy, Strategy::SelectIn) => &[None, Some(2), Some(250)],
                    (Orm::Django, Strategy::SelectIn) => &[None, Some(3)],
                    _ => &[None],
                };
                for &batch in batches {
                    // A second pass sends more only where loading is lazy.
                    let lazy = matches!(strategy, Strategy::Lazy | Strategy::Peers);
                    for touch in [1, 2] {
                        if touch == 2 && (users > 501 || !lazy) {
                            continue;
                        }
                        out.push(Case {
                            params: Params {
                                orm,
                                strategy,
                                relation: Relation::Tags,
                                users,
                                orders,
                                items: items + 1,
                                spread,
                                seed: 13,
                                batch,
                                touch,
                                ..Params::default()
                            },
                            prefetch_objects: false,
                        });
                    }
                }
            }
        }
    }
    out
}

/// The guards and `immediate` on `user.orders`, and the loop touching each
/// collection twice, after some users were loaded.
fn guard_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (users, orders, items, spread) in SHAPES {
        for depth in [Depth::Orders, Depth::Items] {
            for orm in Orm::ALL {
                let strategies = [
                    Strategy::Immediate,
                    Strategy::Raise,
                    Strategy::RaiseOnSql,
                    Strategy::Peers,
                    Strategy::Lazy,
                    Strategy::SelectIn,
                ];
                for strategy in strategies {
                    let twice = matches!(strategy, Strategy::Lazy | Strategy::SelectIn);
                    let base = Params {
                        orm,
                        strategy,
                        users,
                        orders,
                        items,
                        depth,
                        spread,
                        seed: 5,
                        ..Params::default()
                    };
                    if strategy == Strategy::Immediate && users > 1 {
                        // Users kept from before load their orders' items
                        // lazily, after the others' immediate loads.
                        out.push(Case {
                            params: Params {
                                loaded: users / 2,
                                ..base.clone()
                            },
                            prefetch_objects: false,
                        });
                    }
                    out.push(Case {
                        params: Params {
                            loaded: if twice { users / 2 } else { 0 },
                            touch: if twice { 2 } else { 1 },
                            ..base
                        },
                        prefetch_objects: false,
                    });
                }
            }
        }
    }
    out
}

/// `order.user` for every order, with every strategy, some users loaded
/// first (none, some, all), touched once or twice.
fn many_to_one_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (users, orders, _, spread) in SHAPES {
        for orm in Orm::ALL {
            for strategy in Strategy::EVERY {
                if strategy == Strategy::DataLoader {
                    continue;
                }
                let batches: &[Option<u32>] = match (orm, strategy) {
                    (Orm::SqlAlchemy, Strategy::SelectIn) => &[None, Some(1), Some(3)],
                    (Orm::Django, Strategy::SelectIn) => &[None, Some(2), Some(7)],
                    _ => &[None],
                };
                for &batch in batches {
                    for (loaded, touch) in [(0, 1), (users / 3, 2), (users, 1)] {
                        if (users == 0 && loaded > 0) || (users > 501 && loaded == users) {
                            continue;
                        }
                        out.push(Case {
                            params: Params {
                                orm,
                                strategy,
                                relation: Relation::User,
                                users,
                                orders,
                                spread,
                                seed: 9,
                                batch,
                                loaded,
                                touch,
                                ..Params::default()
                            },
                            prefetch_objects: false,
                        });
                    }
                }
            }
        }
    }
    out
}

/// The first family: `user.orders` (and `order.items`) with each loading
/// strategy and batch size.
fn one_to_many_cases() -> Vec<Case> {
    let mut out = Vec::new();
    let shapes: [(u32, u32, u32, Spread); 7] = [
        (0, 3, 2, Spread::Fixed),
        (1, 1, 0, Spread::Fixed),
        (2, 0, 2, Spread::Fixed),
        (7, 3, 2, Spread::Random),
        (50, 1, 1, Spread::Random),
        (501, 2, 1, Spread::Random),
        (1_000, 1, 1, Spread::Fixed),
    ];
    for (users, orders, items, spread) in shapes {
        for depth in [Depth::Orders, Depth::Items] {
            for orm in Orm::ALL {
                for strategy in [
                    Strategy::Lazy,
                    Strategy::Joined,
                    Strategy::SelectIn,
                    Strategy::Subquery,
                ] {
                    let batches: &[Option<u32>] = match (orm, strategy) {
                        (Orm::SqlAlchemy, Strategy::SelectIn) => {
                            &[None, Some(1), Some(3), Some(250), Some(1_000)]
                        }
                        // Django's prefetch has no chunk size; a batch size
                        // is .iterator(chunk_size=), a prefetch per chunk.
                        (Orm::Django, Strategy::SelectIn) => &[None, Some(1), Some(7), Some(250)],
                        _ => &[None],
                    };
                    for &batch in batches {
                        for seed in [3, 17] {
                            // Fixed counts do not depend on the seed.
                            if spread == Spread::Fixed && seed != 3 {
                                continue;
                            }
                            let params = Params {
                                orm,
                                strategy,
                                users,
                                orders,
                                items,
                                depth,
                                spread,
                                seed,
                                batch,
                                ..Params::default()
                            };
                            let objects = orm == Orm::Django && strategy == Strategy::SelectIn;
                            for prefetch_objects in [false, true] {
                                if prefetch_objects && (!objects || batch.is_some()) {
                                    continue;
                                }
                                out.push(Case {
                                    params: params.clone(),
                                    prefetch_objects,
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// The case as the replay reads it: the dataset's counts per parent.
fn to_json(case: &Case) -> Value {
    let run = Run::new(&case.params);
    let data = run.data();
    let p = run.params();
    let orders: Vec<u32> = (1..=data.users())
        .map(|u| data.orders_of(u).len() as u32)
        .collect();
    let order_count: u32 = orders.iter().sum();
    let items: Vec<u32> = (1..=order_count)
        .map(|o| data.items_of(o).len() as u32)
        .collect();
    let strategy = match (p.orm, p.strategy) {
        (Orm::Django, Strategy::SelectIn) if case.prefetch_objects => "prefetch_objects",
        (_, s) => s.slug(),
    };
    json!({
        "orm": p.orm.slug(),
        "strategy": strategy,
        // A mix's batch size is its batch level's (chunksize=).
        "batch": if nplus1::mixes(p) { p.batch } else { p.effective_batch() },
        "depth": if p.depth == Depth::Items && p.relation == Relation::Orders { 2 } else { 1 },
        "orders": orders,
        "items": items,
        "relation": p.relation.slug(),
        "loaded": p.loaded,
        "touch": p.touch,
        "then": nplus1::mixes(p).then(|| p.then.slug()),
    })
}

/// The model's statements as the replay describes them: table, kind, bound
/// keys, rows.
fn model(run: &Run) -> Vec<(String, &'static str, Vec<u64>, u64)> {
    run.queries()
        .enumerate()
        .map(|(i, q)| {
            let table = match q.table {
                Table::Users => "users",
                Table::Orders => "orders",
                Table::Items => "items",
                Table::Tags => "tags",
                Table::Profiles => "profiles",
            };
            let keys = run.keys(i).into_iter().map(u64::from).collect();
            let kind = match q.shape {
                Shape::All => "all",
                Shape::ByParent(_) | Shape::ById(_) | Shape::JoinItemsBy(_) => "eq",
                Shape::UpTo(_) => "upto",
                Shape::InList { .. } | Shape::JoinItemsIn { .. } => "in",
                Shape::Subquery
                | Shape::JoinItemsSubquery
                | Shape::SubqueryBy(_)
                | Shape::SubqueryIn { .. } => "subquery",
                Shape::Join(_) | Shape::JoinUser | Shape::JoinTags | Shape::JoinProfile => "join",
            };
            let keys = if matches!(kind, "in" | "eq" | "upto") {
                keys
            } else {
                Vec::new()
            };
            (table.to_string(), kind, keys, q.rows)
        })
        .collect()
}

/// A captured statement's text with its bound values written in place of
/// its `?` markers and its line breaks made spaces, as the model writes it.
fn inlined(statement: &Value) -> String {
    let sql = statement["sql"]
        .as_str()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut params = statement["params"].as_array().into_iter().flatten();
    let mut out = String::with_capacity(sql.len());
    for c in sql.chars() {
        match (c, c == '?') {
            (_, true) => match params.next() {
                Some(Value::String(s)) => out.push_str(&format!("'{s}'")),
                Some(v) => out.push_str(&v.to_string()),
                None => out.push('?'),
            },
            (c, false) => out.push(c),
        }
    }
    out
}

fn seen(statements: &[Value]) -> Vec<(String, String, Vec<u64>, u64)> {
    statements
        .iter()
        .map(|s| {
            (
                s["table"].as_str().unwrap_or("?").to_string(),
                s["kind"].as_str().unwrap_or("?").to_string(),
                s["keys"]
                    .as_array()
                    .map(|k| k.iter().filter_map(Value::as_u64).collect())
                    .unwrap_or_default(),
                s["rows"].as_u64().unwrap_or(u64::MAX),
            )
        })
        .collect()
}

#[derive(Default)]
struct Figures {
    cases: usize,
    refused: usize,
    statements: usize,
    differences: usize,
}

/// Runs the cases with the real ORMs: the replay's JSON report.
fn replay(cases: &[Case]) -> Value {
    let input: Vec<Value> = cases.iter().map(to_json).collect();
    common::replay(
        common::python(),
        "tests/python/orm_replay.py",
        &Value::Array(input),
        "orms",
    )
}

/// Compares one case's statements with the model's: the first difference,
/// if any, and the number of statements the ORM sent. A refused case sends
/// none.
fn compare(case: &Case, got: &Value) -> (Option<String>, usize) {
    let run = Run::new(&case.params);
    let p = run.params();
    let what = format!(
        "{} {} then={} {} loaded={} touch={} (objects: {}) n={} orders={} items={} {:?} {:?} seed={} batch={:?}",
        p.orm.slug(),
        p.strategy.slug(),
        p.then.slug(),
        p.relation.slug(),
        p.loaded,
        p.touch,
        case.prefetch_objects,
        p.users,
        p.orders,
        p.items,
        p.depth,
        p.spread,
        p.seed,
        p.batch
    );
    if let Some(e) = got.get("error") {
        return (Some(format!("{what}: the ORM raised {e}")), 0);
    }
    match (p.refusal(), got.get("refused")) {
        (Some(note), Some(r)) => {
            assert_eq!(run.query_count(), 0, "{what}: a refused run sends nothing");
            // Where the ORM raised, the model quotes what it raised.
            let said = r.as_str().unwrap_or("");
            if said.starts_with("FieldError: ") && !note.contains(said) {
                return (
                    Some(format!(
                        "{what}: the model says {note:?}, Django raised {said:?}"
                    )),
                    0,
                );
            }
            return (None, 0);
        }
        (Some(note), None) => {
            return (
                Some(format!("{what}: the model refuses ({note}), the ORM ran")),
                0,
            )
        }
        (None, Some(r)) => return (Some(format!("{what}: the ORM refused: {r}")), 0),
        (None, None) => {}
    }
    let want = model(&run);
    let sent = got["statements"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let have = seen(sent);
    if want.len() != have.len() {
        let d = format!(
            "{what}: {} statements in the model, {} sent",
            want.len(),
            have.len()
        );
        return (Some(d), have.len());
    }
    let raised = got.get("raised").and_then(Value::as_str);
    if raised != run.error() {
        let d = format!(
            "{what}: the model raises {:?}, the ORM raised {raised:?}",
            run.error()
        );
        return (Some(d), have.len());
    }
    for (i, (w, h)) in want.iter().zip(&have).enumerate() {
        if w.0 != h.0 || w.1 != h.1 || w.2 != h.2 || w.3 != h.3 {
            let d = format!(
                "{what}: statement {i}: model {} {} {} keys {} rows, sent {} {} {} keys {} rows",
                w.0,
                w.1,
                w.2.len(),
                w.3,
                h.0,
                h.1,
                h.2.len(),
                h.3
            );
            return (Some(d), have.len());
        }
        if run.sql(i) != inlined(&sent[i]) {
            let d = format!(
                "{what}: statement {i}: the model writes\n  {}\nthe ORM sent\n  {}",
                run.sql(i),
                inlined(&sent[i])
            );
            return (Some(d), have.len());
        }
    }
    (None, have.len())
}

#[test]
fn sqlalchemy_and_django_send_the_models_statements() {
    let cases = cases();
    let report = replay(&cases);
    let results = report["cases"].as_array().expect("cases");
    assert_eq!(results.len(), cases.len());
    let mut figures = [Figures::default(), Figures::default()];
    let mut differences = Vec::new();
    for (case, got) in cases.iter().zip(results) {
        let f = &mut figures[usize::from(case.params.orm == Orm::Django)];
        f.cases += 1;
        f.refused += usize::from(got.get("refused").is_some());
        let (difference, sent) = compare(case, got);
        f.statements += sent;
        if let Some(d) = difference {
            f.differences += 1;
            differences.push(d);
        }
    }
    for (orm, f) in Orm::ALL.iter().zip(&figures) {
        println!(
            "{}: {} cases ({} refused, as the model says), {} statements, {} differences",
            orm.label(),
            f.cases,
            f.refused,
            f.statements,
            f.differences
        );
    }
    println!("versions: {}", report["versions"]);
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
    assert!(cases.len() >= 200, "{} cases", cases.len());
}
