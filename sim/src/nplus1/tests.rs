//! Unit and property tests of the N+1 model.

use super::*;
use crate::params::Reader;
use crate::rng::Rng;
use crate::Trace;

fn params(strategy: Strategy, users: u32, depth: Depth) -> Params {
    Params {
        strategy,
        users,
        depth,
        ..Params::default()
    }
}

/// The query count each strategy must give, from the ORMs' documented rules.
fn expected_queries(p: &Params, orders: u64, data: &Dataset) -> u64 {
    let n = u64::from(p.users);
    if p.refusal().is_some() {
        return 0;
    }
    if p.orm == Orm::Django && p.strategy == Strategy::SelectIn {
        // Per chunk of users: its orders, and its items if it has orders.
        let size = p.batch.unwrap_or(u32::MAX);
        let chunks = p.users.div_ceil(size);
        return 1
            + (0..chunks)
                .map(|c| {
                    let first = c * size;
                    let last = p.users.min(first.saturating_add(size));
                    let has = data.orders_of_first(last) > data.orders_of_first(first);
                    1 + u64::from(p.depth == Depth::Items && has)
                })
                .sum::<u64>();
    }
    let nested = p.depth == Depth::Items;
    let batches = |k: u64| match p.effective_batch() {
        Some(b) => k.div_ceil(u64::from(b)),
        None => u64::from(k > 0),
    };
    match p.strategy {
        Strategy::Lazy => 1 + n + if nested { orders } else { 0 },
        Strategy::Joined => 1,
        Strategy::SelectIn | Strategy::DataLoader => {
            1 + batches(n) + if nested { batches(orders) } else { 0 }
        }
        Strategy::Subquery => 1 + u64::from(n > 0) + u64::from(nested && orders > 0),
        Strategy::Immediate => 1 + n + if nested { orders } else { 0 },
        _ => 1,
    }
}

fn random_params(rng: &mut Rng) -> Params {
    Params {
        orm: Orm::ALL[rng.below(2) as usize],
        strategy: Strategy::ALL[rng.below(5) as usize],
        users: rng.below(60) as u32,
        orders: rng.below(6) as u32,
        items: rng.below(5) as u32,
        depth: if rng.below(2) == 0 {
            Depth::Orders
        } else {
            Depth::Items
        },
        spread: if rng.below(2) == 0 {
            Spread::Fixed
        } else {
            Spread::Random
        },
        seed: rng.below(1000) as u32,
        batch: match rng.below(3) {
            0 => None,
            _ => Some(1 + rng.below(40) as u32),
        },
        latency: Latency::ALL[rng.below(3) as usize],
        row_us: rng.below(20) as u32,
        ..Params::default()
    }
}

#[test]
fn the_textbook_counts() {
    // 100 users, 3 orders each, 2 items per order.
    let lazy = Run::new(&params(Strategy::Lazy, 100, Depth::Orders));
    assert_eq!(lazy.total().queries, 101);
    let lazy = Run::new(&params(Strategy::Lazy, 100, Depth::Items));
    assert_eq!(lazy.total().queries, 1 + 100 + 300);
    assert_eq!(lazy.total().rows, 100 + 300 + 600);
    for depth in [Depth::Orders, Depth::Items] {
        assert_eq!(
            Run::new(&params(Strategy::Joined, 100, depth))
                .total()
                .queries,
            1
        );
        assert_eq!(
            Run::new(&params(Strategy::Subquery, 100, depth))
                .total()
                .queries,
            1 + depth_levels(depth)
        );
        assert_eq!(
            Run::new(&params(Strategy::DataLoader, 100, depth))
                .total()
                .queries,
            1 + depth_levels(depth)
        );
    }
    // SQLAlchemy's selectinload: 500 keys per IN list.
    let p = params(Strategy::SelectIn, 1_000, Depth::Items);
    assert_eq!(p.effective_batch(), Some(500));
    let run = Run::new(&p);
    assert_eq!(run.total().queries, 1 + 2 + 6);
    // The joined rows repeat the parents: 600 rows of 11 columns.
    let joined = Run::new(&params(Strategy::Joined, 100, Depth::Items));
    assert_eq!(joined.total().rows, 600);
    assert!(joined.total().bytes > lazy.total().bytes);
}

fn depth_levels(depth: Depth) -> u64 {
    match depth {
        Depth::Orders => 1,
        Depth::Items => 2,
    }
}

#[test]
fn no_users_means_no_child_queries() {
    for s in Strategy::ALL {
        let run = Run::new(&params(s, 0, Depth::Items));
        assert_eq!(run.total().queries, 1, "{s:?}");
        assert_eq!(run.total().rows, 0);
        assert_eq!(run.steps(), 2);
    }
}

#[test]
fn counts_rows_and_bytes_agree_with_the_rows_for_random_parameters() {
    let mut rng = Rng::new(2024);
    for _ in 0..300 {
        let p = random_params(&mut rng);
        let run = Run::new(&p);
        let orders = u64::from(run.data().orders_of_first(p.users));
        assert_eq!(
            run.total().queries,
            expected_queries(&p, orders, run.data()),
            "{p:?}"
        );
        for (i, q) in run.queries().enumerate() {
            let rows = run.rows(i, usize::MAX);
            assert_eq!(rows.len() as u64, q.rows, "{p:?} query {i}");
            let bytes: u64 = rows
                .iter()
                .map(|r| ROW_OVERHEAD + r.iter().map(Value::wire_bytes).sum::<u64>())
                .sum();
            assert_eq!(bytes, q.bytes, "{p:?} query {i}");
            assert_eq!(
                run.columns(i).len(),
                rows.first().map_or(run.columns(i).len(), Vec::len)
            );
            let rtt = p.latency.round_trip_ns();
            assert_eq!(q.cost_ns, rtt + q.rows * u64::from(p.row_us) * 1_000);
        }
    }
}

#[test]
fn steps_totals_and_captions_hold_together() {
    let mut rng = Rng::new(7);
    for _ in 0..200 {
        let p = random_params(&mut rng);
        let run = Run::new(&p);
        assert_eq!(run.steps(), run.queries().len() + 1);
        if let Some(note) = p.refusal() {
            assert_eq!(run.steps(), 1);
            assert_eq!(run.caption(0), note);
            assert_eq!(run.total(), Totals::default());
            continue;
        }
        assert_eq!(run.totals_at(0), Totals::default());
        let mut prev = Totals::default();
        for k in 1..run.steps() {
            let t = run.totals_at(k);
            assert_eq!(t.queries, k as u64);
            assert!(t.rows >= prev.rows && t.bytes >= prev.bytes && t.time_ns > prev.time_ns);
            prev = t;
            let c = run.caption(k);
            assert!(c.ends_with('.'), "{c}");
        }
        assert_eq!(prev, run.total());
        assert!(run.caption(0).starts_with("Nothing has run yet"));
        assert_eq!(run.caption(usize::MAX), run.caption(run.steps() - 1));
        assert!(run
            .caption(run.steps() - 1)
            .contains("That was the last query"));
        assert!(run.query_at(0).is_none());
        assert_eq!(run.totals_at(usize::MAX), run.total());
    }
}

#[test]
fn lazy_captions_name_the_pattern() {
    let run = Run::new(&params(Strategy::Lazy, 3, Depth::Items));
    assert!(run.caption(1).contains("loads the users: 3 rows"));
    assert!(run.caption(2).contains("user 1's orders"));
    assert!(run.caption(2).contains("N of N+1"));
    assert!(run.caption(3).contains("items of order 1"));
    let p = Params {
        orders: 0,
        ..params(Strategy::Lazy, 2, Depth::Orders)
    };
    assert!(Run::new(&p).caption(2).contains("has no orders"));
    let dl = Run::new(&params(Strategy::DataLoader, 10, Depth::Items));
    assert!(dl.caption(2).starts_with("Tick 1:"));
    assert!(dl.caption(3).starts_with("Tick 2:"));
}

#[test]
fn sql_is_exact_and_previews_shorten_long_lists() {
    let run = Run::new(&params(Strategy::SelectIn, 20, Depth::Orders));
    assert_eq!(
        run.sql(0),
        "SELECT users.id, users.name, users.email FROM users"
    );
    assert!(run.sql(1).starts_with(
        "SELECT orders.user_id, orders.id, orders.total_cents FROM orders WHERE orders.user_id IN (1, 2,"
    ));
    assert_eq!(run.columns(1)[0], "orders.user_id");
    assert_eq!(run.rows(1, 1)[0][0], Value::Int(1));
    let full = run.sql(1);
    assert!(
        full.contains("IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)")
    );
    assert!(run
        .sql_preview(1)
        .contains("IN (1, 2, 3, 4, /* 12 more */ 17, 18, 19, 20)"));
    let lazy = Run::new(&params(Strategy::Lazy, 2, Depth::Orders));
    assert_eq!(
        lazy.sql(2),
        "SELECT orders.id, orders.user_id, orders.total_cents FROM orders WHERE 2 = orders.user_id"
    );
    // A DataLoader's batches are the loader's own SQL, in id order.
    let dl = Run::new(&params(Strategy::DataLoader, 2, Depth::Orders));
    assert_eq!(
        dl.sql(1),
        "SELECT orders.id, orders.user_id, orders.total_cents FROM orders WHERE orders.user_id IN (1, 2) ORDER BY orders.id"
    );
    // joinedload's nested columns: the items' before the orders'.
    let joined = Run::new(&params(Strategy::Joined, 2, Depth::Items));
    assert_eq!(joined.columns(0)[3..5], ["items.id", "items.order_id"]);
    assert!(joined.sql(0).contains("LEFT OUTER JOIN orders AS orders_1 ON users.id = orders_1.user_id LEFT OUTER JOIN items AS items_1"));
    assert_eq!(lazy.sql(99), "");
    assert!(lazy.rows(99, 5).is_empty());
}

#[test]
fn parameters_round_trip_through_the_url() {
    let mut rng = Rng::new(99);
    for _ in 0..500 {
        let p = random_params(&mut rng);
        let pairs = crate::model::owned(crate::pairs::<Run>(&p));
        let mut r = Reader::new(&pairs);
        let back = crate::read::<Run>(&mut r);
        assert!(r.finish().is_empty());
        assert_eq!(back, p);
    }
}

#[test]
fn bad_values_fall_back_with_a_reason() {
    let pairs: Vec<(String, String)> = [
        ("n", "-5"),
        ("strategy", "xyz"),
        ("batch", "0"),
        ("row_us", "1e3"),
        ("latency", "moon"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut r = Reader::new(&pairs);
    let p = crate::read::<Run>(&mut r);
    assert_eq!(p.users, 0);
    assert_eq!(p.strategy, Strategy::Lazy);
    assert_eq!(p.batch, Some(1));
    assert_eq!(p.row_us, Params::default().row_us);
    assert_eq!(p.latency, Latency::SameZone);
    assert_eq!(r.finish().len(), 5);
    let huge = vec![("n".to_string(), "1000000000000".to_string())];
    let mut r = Reader::new(&huge);
    assert_eq!(crate::read::<Run>(&mut r).users, MAX_USERS);
}

#[test]
fn hand_built_parameters_out_of_range_still_run() {
    let p = Params {
        users: u32::MAX,
        orders: u32::MAX,
        items: u32::MAX,
        batch: Some(0),
        row_us: u32::MAX,
        ..Params::default()
    };
    let c = crate::clamp::<Run>(&p);
    assert_eq!(c.users, MAX_USERS);
    assert_eq!(c.batch, Some(1));
    let small = Params { users: 3, ..p };
    assert_eq!(Run::new(&small).params().orders, MAX_CHILDREN);
}

#[test]
fn the_sweep_is_the_model_run_at_each_n() {
    let base = Params {
        spread: Spread::Random,
        seed: 5,
        depth: Depth::Items,
        ..Params::default()
    };
    let sweep = sweep(&base);
    assert_eq!(sweep.users, SWEEP_USERS.to_vec());
    assert_eq!(sweep.totals.len(), Strategy::ALL.len());
    for (strategy, row) in &sweep.totals {
        for (&n, t) in sweep.users.iter().zip(row) {
            if n > 500 {
                continue; // the large runs are covered by the benchmark
            }
            let run = Run::new(&Params {
                strategy: *strategy,
                users: n,
                ..base.clone()
            });
            assert_eq!(*t, run.total(), "{strategy:?} n={n}");
        }
    }
    let lazy = &sweep.totals[0].1;
    let joined = &sweep.totals[1].1;
    assert!(lazy.windows(2).all(|w| w[0].queries <= w[1].queries));
    assert!(joined.iter().all(|t| t.queries == 1));
    assert!(lazy[lazy.len() - 1].time_ns > 100 * joined[joined.len() - 1].time_ns);
}

/// A random link within the table's limits, as decoded pairs, biased to
/// the largest values.
fn random_link(rng: &mut Rng) -> Vec<(String, String)> {
    let big = |rng: &mut Rng, max: u32| {
        if rng.below(2) == 0 {
            max
        } else {
            rng.below(u64::from(max) + 1) as u32
        }
    };
    let mut pairs = vec![
        (
            "strategy",
            Strategy::ALL[rng.below(5) as usize].slug().to_string(),
        ),
        ("n", big(rng, MAX_USERS).to_string()),
        ("orders", big(rng, MAX_CHILDREN).to_string()),
        (
            "load",
            ["orders", "orders.items"][rng.below(2) as usize].to_string(),
        ),
        ("items", big(rng, MAX_CHILDREN).to_string()),
        (
            "spread",
            ["fixed", "random"][rng.below(2) as usize].to_string(),
        ),
        ("seed", rng.below(1 << 32).to_string()),
        ("step", rng.below(300_000).to_string()),
    ];
    if rng.below(2) == 0 {
        pairs.push(("batch", (1 + rng.below(u64::from(MAX_BATCH))).to_string()));
    }
    crate::model::owned(pairs)
}

#[test]
fn what_a_run_holds_grows_with_users_and_orders_never_with_items_or_steps() {
    let mut rng = Rng::new(31);
    let mut largest = 0;
    for k in 0..40 {
        let mut pairs = random_link(&mut rng);
        if k == 0 {
            // The largest link of all: 210,002 steps.
            pairs = [
                ("strategy", "lazy"),
                ("n", "10000"),
                ("orders", "20"),
                ("load", "orders.items"),
                ("items", "20"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        }
        let opened = crate::open::<Run>(&pairs);
        let run = &opened.run;
        let p = run.params();
        let orders = run.data().orders_of_first(p.users) as usize;
        let users = p.users as usize;
        // The running totals per user and per order, and three queries.
        let bound = 12 * (users + 1) + 20 * 2 * (orders.max(users * p.orders as usize) + 1) + 512;
        assert!(
            run.heap_bytes() <= bound,
            "{pairs:?}: {} bytes held, bound {bound}",
            run.heap_bytes()
        );
        assert!(run.heap_bytes() <= 8 << 20, "{pairs:?}");
        assert!(run.steps() <= 1 + users + orders + 1);
        largest = largest.max(run.steps());
        // Any step's figures are the sum of the queries before it.
        let n = run.query_count();
        for step in [0, 1, n / 3, n / 2, n.saturating_sub(1), n, opened.step] {
            let step = step.min(n);
            let from = step.saturating_sub(50);
            let mut t = run.totals_at(from);
            for i in from..step {
                t.add(&run.query(i).expect("a query below the count"));
            }
            assert_eq!(t, run.totals_at(step), "{pairs:?} step {step}");
        }
    }
    assert_eq!(largest, 210_002);
}

#[test]
fn the_orm_round_trips_and_falls_back_to_sqlalchemy() {
    for orm in Orm::ALL {
        let p = Params {
            orm,
            ..Params::default()
        };
        let pairs = crate::model::owned(crate::pairs::<Run>(&p));
        assert!(pairs.iter().any(|(k, v)| k == "orm" && v == orm.slug()));
        let mut r = Reader::new(&pairs);
        assert_eq!(crate::read::<Run>(&mut r).orm, orm);
        assert!(r.finish().is_empty());
    }
    // A link from before the parameter existed keeps SQLAlchemy's
    // statements; an unknown ORM falls back to it with a note.
    let old = crate::model::owned(vec![
        ("strategy", "selectin".to_string()),
        ("n", "1000".to_string()),
    ]);
    let mut r = Reader::new(&old);
    let p = crate::read::<Run>(&mut r);
    assert_eq!(p.orm, Orm::SqlAlchemy);
    assert!(r.finish().is_empty());
    assert_eq!(Run::new(&p).total().queries, 3);
    let bad = crate::model::owned(vec![("orm", "hibernate".to_string())]);
    let mut r = Reader::new(&bad);
    assert_eq!(crate::read::<Run>(&mut r).orm, Orm::SqlAlchemy);
    let notes = r.finish();
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("orm"), "{notes:?}");
    // Clamping leaves the ORM alone.
    let p = Params {
        orm: Orm::Django,
        users: u32::MAX,
        ..Params::default()
    };
    assert_eq!(crate::clamp::<Run>(&p).orm, Orm::Django);
}

#[test]
fn django_refuses_joined_and_subquery_loading_and_sends_nothing() {
    for strategy in [Strategy::Joined, Strategy::Subquery] {
        for depth in [Depth::Orders, Depth::Items] {
            let p = Params {
                orm: Orm::Django,
                ..params(strategy, 100, depth)
            };
            let run = Run::new(&p);
            assert_eq!(run.query_count(), 0);
            assert_eq!(run.steps(), 1);
            assert_eq!(run.total(), Totals::default());
            assert!(run.query(0).is_none() && run.sql(0).is_empty());
            assert_eq!(Some(run.caption(0).as_str()), p.refusal());
        }
    }
    let joined = Orm::Django.refusal(Strategy::Joined).unwrap_or_default();
    assert!(joined.contains(
        "FieldError: Invalid field name(s) given in select_related: 'orders'. Choices are: profile."
    ));
    assert!(joined.contains("prefetch_related"));
    let sub = Orm::Django.refusal(Strategy::Subquery).unwrap_or_default();
    assert!(sub.contains("no subquery loading"));
    for s in [Strategy::Lazy, Strategy::SelectIn, Strategy::DataLoader] {
        assert_eq!(Orm::Django.refusal(s), None);
    }
    for s in Strategy::ALL {
        assert_eq!(Orm::SqlAlchemy.refusal(s), None);
    }
}

#[test]
fn django_prefetches_every_key_of_a_level_in_one_in_list() {
    let p = Params {
        orm: Orm::Django,
        ..params(Strategy::SelectIn, 1_000, Depth::Items)
    };
    assert_eq!(p.effective_batch(), None);
    let run = Run::new(&p);
    assert_eq!(run.total().queries, 3);
    assert!(run.caption(2).contains("one IN list of 1,000 keys"));
    assert!(run.caption(3).contains("one IN list of 3,000 keys"));
    assert!(!run.caption(3).contains("fails"));
    // Only .iterator(chunk_size=) splits it: per chunk of users, its
    // orders, then the items of those orders.
    let chunked = Run::new(&Params {
        batch: Some(400),
        ..p.clone()
    });
    assert_eq!(chunked.total().queries, 1 + 3 * 2);
    assert_eq!(chunked.total().rows, run.total().rows);
    assert!(chunked.caption(2).contains("chunk_size=400"));
    assert!(chunked.caption(3).contains("items of orders 1\u{2013}1200"));
    assert!(chunked
        .caption(6)
        .contains("orders of users 801\u{2013}1000"));
    assert!(chunked
        .caption(7)
        .contains("items of orders 2401\u{2013}3000"));
    // A chunk of users without orders sends no items query.
    let sparse = Run::new(&Params {
        orm: Orm::Django,
        orders: 0,
        batch: Some(10),
        ..params(Strategy::SelectIn, 25, Depth::Items)
    });
    assert_eq!(sparse.total().queries, 1 + 3);
    let sa = params(Strategy::SelectIn, 1_000, Depth::Items);
    assert!(sa.uses_batch());
    assert_eq!(Run::new(&sa).total().queries, 1 + 2 + 6);
    // Past SQLite's default variable limit Django still sends one list.
    let big = Params {
        orm: Orm::Django,
        orders: 4,
        ..params(Strategy::SelectIn, 10_000, Depth::Items)
    };
    let run = Run::new(&big);
    assert_eq!(run.total().queries, 3);
    assert!(run.caption(3).contains("too many SQL variables"));
}

#[test]
fn djangos_sweep_leaves_out_what_django_refuses() {
    let sw = sweep(&Params {
        orm: Orm::Django,
        ..Params::default()
    });
    let strategies: Vec<Strategy> = sw.totals.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        strategies,
        [Strategy::Lazy, Strategy::SelectIn, Strategy::DataLoader]
    );
    // prefetch_related: 1 + 1 queries at every N but 0.
    let (_, prefetch) = &sw.totals[1];
    assert!(prefetch[1..].iter().all(|t| t.queries == 2));
}

#[test]
fn django_statements_are_djangos() {
    let lazy = Run::new(&Params {
        orm: Orm::Django,
        ..params(Strategy::Lazy, 2, Depth::Items)
    });
    assert_eq!(
        lazy.sql(0),
        r#"SELECT "users"."id", "users"."name", "users"."email" FROM "users""#
    );
    assert_eq!(
        lazy.sql(1),
        r#"SELECT "orders"."id", "orders"."user_id", "orders"."total_cents" FROM "orders" WHERE "orders"."user_id" = 1"#
    );
    let pf = Run::new(&Params {
        orm: Orm::Django,
        ..params(Strategy::SelectIn, 3, Depth::Items)
    });
    assert_eq!(
        pf.sql(2),
        r#"SELECT "items"."id", "items"."order_id", "items"."sku", "items"."qty" FROM "items" WHERE "items"."order_id" IN (1, 2, 3, 4, 5, 6, 7, 8, 9)"#
    );
    assert!(pf.caption(2).contains("prefetch_related"));
}

#[test]
fn sqlalchemy_is_the_default_and_its_statements_are_unchanged() {
    assert_eq!(Params::default().orm, Orm::SqlAlchemy);
    let p = params(Strategy::SelectIn, 20, Depth::Orders);
    let explicit = Params {
        orm: Orm::SqlAlchemy,
        ..p.clone()
    };
    let (a, b) = (Run::new(&p), Run::new(&explicit));
    assert_eq!(a.query_count(), b.query_count());
    for i in 0..a.query_count() {
        assert_eq!(a.sql(i), b.sql(i));
        assert_eq!(a.caption(i + 1), b.caption(i + 1));
    }
}

fn many_to_one(orm: Orm, strategy: Strategy, users: u32, loaded: u32) -> Run {
    Run::new(&Params {
        orm,
        strategy,
        relation: Relation::User,
        users,
        orders: 20,
        loaded,
        ..Params::default()
    })
}

#[test]
fn the_identity_map_saves_sqlalchemy_a_query_per_order() {
    // 5 users with 20 orders each: 100 orders, 5 distinct users.
    let sa = many_to_one(Orm::SqlAlchemy, Strategy::Lazy, 5, 0);
    let dj = many_to_one(Orm::Django, Strategy::Lazy, 5, 0);
    assert_eq!(sa.query_count(), 1 + 5);
    assert_eq!(dj.query_count(), 1 + 100);
    assert_eq!(dj.total().rows, 100 + 100);
    // Users loaded first cost one query and save one each, in SQLAlchemy.
    let sa = many_to_one(Orm::SqlAlchemy, Strategy::Lazy, 5, 3);
    assert_eq!(sa.query_count(), 1 + 1 + 2);
    assert_eq!(sa.keys(2), vec![4]);
    let dj = many_to_one(Orm::Django, Strategy::Lazy, 5, 3);
    assert_eq!(dj.query_count(), 1 + 1 + 100);
    // selectinload lists every distinct user, loaded or not.
    let sa = many_to_one(Orm::SqlAlchemy, Strategy::SelectIn, 5, 3);
    assert_eq!(sa.keys(2), vec![1, 2, 3, 4, 5]);
    assert!(sa.sql(2).ends_with("WHERE users.id IN (1, 2, 3, 4, 5)"));
    let dj = many_to_one(Orm::Django, Strategy::Peers, 5, 0);
    assert!(
        dj.sql(1).ends_with("IN ((1), (2), (3), (4), (5))"),
        "{}",
        dj.sql(1)
    );
    // Figures add up: the totals of every step are the queries' sums.
    for run in [sa, dj] {
        let mut t = Totals::default();
        for (i, q) in run.queries().enumerate() {
            t.add(&q);
            assert_eq!(run.totals_at(i + 1), t);
        }
    }
}

#[test]
fn the_guards_raise_where_the_orms_raise() {
    let raise = many_to_one(Orm::SqlAlchemy, Strategy::Raise, 5, 5);
    assert_eq!(raise.query_count(), 2);
    assert_eq!(
        raise.error(),
        Some("InvalidRequestError: 'Order.user' is not available due to lazy='raise'")
    );
    assert!(raise.caption(2).contains("raises InvalidRequestError"));
    // raise_on_sql lets identity-map hits through.
    let all_loaded = many_to_one(Orm::SqlAlchemy, Strategy::RaiseOnSql, 5, 5);
    assert_eq!((all_loaded.query_count(), all_loaded.error()), (2, None));
    let some = many_to_one(Orm::SqlAlchemy, Strategy::RaiseOnSql, 5, 4);
    assert!(some.error().is_some_and(|e| e.contains("raise_on_sql")));
    let dj = many_to_one(Orm::Django, Strategy::Raise, 5, 0);
    assert_eq!(
        dj.error(),
        Some("FieldFetchBlocked: Fetching of Order.user blocked.")
    );
    // Django's fetch modes leave a reverse relation lazy.
    let reverse = Run::new(&Params {
        orm: Orm::Django,
        strategy: Strategy::Raise,
        ..params(Strategy::Raise, 10, Depth::Orders)
    });
    assert_eq!((reverse.query_count(), reverse.error()), (11, None));
    // Nothing to touch, nothing raised.
    let empty = many_to_one(Orm::SqlAlchemy, Strategy::Raise, 0, 0);
    assert_eq!((empty.query_count(), empty.error()), (1, None));
}

#[test]
fn django_queries_a_collection_on_every_pass() {
    let p = Params {
        orm: Orm::Django,
        touch: 2,
        items: 2,
        ..params(Strategy::Lazy, 4, Depth::Items)
    };
    let run = Run::new(&p);
    assert_eq!(run.query_count(), 1 + 2 * (4 + 12));
    let mut t = Totals::default();
    for (i, q) in run.queries().enumerate() {
        t.add(&q);
        assert_eq!(run.totals_at(i + 1), t, "{i}");
    }
    let sa = Run::new(&Params {
        orm: Orm::SqlAlchemy,
        ..p
    });
    assert_eq!(sa.query_count(), 1 + 4 + 12);
}

#[test]
fn every_relation_and_strategy_adds_up_step_by_step() {
    let mut rng = Rng::new(41);
    for _ in 0..600 {
        let mut p = random_params(&mut rng);
        p.relation = [
            Relation::Orders,
            Relation::User,
            Relation::Tags,
            Relation::Profile,
        ][rng.below(4) as usize];
        p.strategy = Strategy::EVERY[rng.below(9) as usize];
        p.loaded = rng.below(u64::from(p.users) + 2) as u32;
        p.touch = 1 + rng.below(3) as u32;
        p.then = Then::ALL[rng.below(Then::ALL.len() as u64) as usize];
        p.io = if rng.below(2) == 0 {
            Io::Memory
        } else {
            Io::Real
        };
        let run = Run::new(&p);
        let mut t = Totals::default();
        for (i, q) in run.queries().enumerate() {
            t.add(&q);
            assert_eq!(run.totals_at(i + 1), t, "{p:?} step {}", i + 1);
            assert!(!run.sql(i).is_empty());
            assert!(run.rows(i, 3).len() <= 3);
            assert_eq!(
                run.rows(i, usize::MAX).len() as u64,
                q.rows,
                "{p:?} query {i}"
            );
            let keys = run.keys(i);
            if let Shape::InList { first, last, .. } = q.shape {
                assert_eq!(keys.first(), Some(&first), "{p:?}");
                assert_eq!(keys.last(), Some(&last), "{p:?}");
            }
        }
        assert_eq!(run.total(), t, "{p:?}");
        if p.refusal().is_some() {
            assert_eq!(run.query_count(), 0);
        }
        for step in 0..run.steps() {
            assert!(!run.caption(step).is_empty());
        }
    }
}

fn opened(pairs: &[(&str, &str)]) -> crate::Opened<Run> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    crate::open::<Run>(&pairs)
}

#[test]
fn a_link_can_spell_out_the_data() {
    let o = opened(&[
        ("strategy", "lazy"),
        ("n", "3"),
        ("load", "orders.items"),
        ("data", "2,0,3/1,0,2,1,0"),
    ]);
    assert!(o.problems.is_empty(), "{:?}", o.problems);
    let p = o.run.params();
    assert_eq!(p.users, 3);
    let d = o.run.data();
    assert_eq!(
        (d.orders_of(1), d.orders_of(2), d.orders_of(3)),
        (1..3, 3..3, 3..6)
    );
    assert_eq!(d.items_of(3).len(), 2);
    // 1 + 3 users' orders + 5 orders' items.
    assert_eq!(o.run.query_count(), 1 + 3 + 5);
    // The link writes the lists back, and reads to the same run.
    let back = crate::link::<Run>(p, 0);
    assert!(
        back.contains(&("data", "2,0,3/1,0,2,1,0".to_string())),
        "{back:?}"
    );
    assert!(back.contains(&("n", "3".to_string())));
    // Without lists, no data key.
    assert!(!crate::link::<Run>(&Params::default(), 0)
        .iter()
        .any(|(k, _)| *k == "data"));
}

#[test]
fn bad_lists_get_a_notice_and_a_sane_dataset() {
    let o = opened(&[("n", "50"), ("data", "2,x,99,-1/1")]);
    let p = o.run.params();
    // x and -1 dropped, 99 lowered, N follows the list.
    assert_eq!(
        p.data.as_ref().map(|c| c.orders.clone()),
        Some(vec![2, MAX_COUNT])
    );
    assert_eq!(p.users, 2);
    let text = o.problems.join(" | ");
    for want in ["'x'", "'-1'", "99", "item counts", "N is 2"] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // Too many item counts: the extra dropped.
    let o = opened(&[("data", "1/4,5,6")]);
    assert_eq!(
        o.run.params().data.as_ref().map(|c| c.items.clone()),
        Some(vec![4])
    );
    assert!(o.problems.iter().any(|p| p.contains("extra")));
    // An empty list: no users at all, one query.
    let o = opened(&[("data", "/")]);
    assert_eq!((o.run.params().users, o.run.query_count()), (0, 1));
    // Huge lists are cut.
    let long = vec!["40"; 3_000].join(",");
    let o = opened(&[("data", long.as_str())]);
    assert!(o.run.data().orders_of_first(u32::MAX) as usize <= MAX_LISTED);
    assert!(!o.problems.is_empty());
}

#[test]
fn a_strategy_per_level_interleaves_with_the_loop() {
    let mix = |strategy, then, batch| {
        Run::new(&Params {
            strategy,
            then,
            batch,
            items: 2,
            ..params(strategy, 4, Depth::Items)
        })
    };
    // Lazy orders, each user's 3 orders' items in one IN list.
    let r = mix(Strategy::Lazy, Then::SelectIn, None);
    assert_eq!(r.query_count(), 1 + 4 * 2);
    assert_eq!(r.keys(2), vec![1, 2, 3]);
    assert_eq!(r.keys(3), vec![2]);
    // Batched orders, then one query per order.
    let r = mix(Strategy::SelectIn, Then::Lazy, None);
    assert_eq!(r.query_count(), 1 + 1 + 12);
    // A join, then the items in runs of 5.
    let r = mix(Strategy::Joined, Then::SelectIn, Some(5));
    assert_eq!(r.query_count(), 1 + 3);
    assert!(r.params().uses_batch());
    // The same strategy twice is no mix.
    let same = mix(Strategy::SelectIn, Then::SelectIn, None);
    assert!(!mixes(same.params()));
    // Django keeps a batch size under a mix: .iterator(chunk_size=) over
    // the users, each chunk's orders in one IN list, then lazy items.
    let o = opened(&[
        ("orm", "django"),
        ("load", "orders.items"),
        ("then", "lazy"),
        ("strategy", "selectin"),
        ("batch", "3"),
        ("n", "4"),
    ]);
    assert_eq!(o.run.params().batch, Some(3));
    assert!(o.problems.is_empty(), "{:?}", o.problems);
    assert_eq!(o.run.query_count(), 1 + 2 + 12);
    assert_eq!(o.run.keys(1), vec![1, 2, 3]);
    assert_eq!(o.run.keys(2), vec![4]);
    // A first level that carries no second says so and loads as it does.
    let o = opened(&[
        ("load", "orders.items"),
        ("then", "joined"),
        ("strategy", "dataloader"),
    ]);
    assert_eq!(o.run.params().then, Then::Same);
    assert!(
        o.problems.iter().any(|p| p.contains("then")),
        "{:?}",
        o.problems
    );
}

/// The items walk over `data`'s first `users` users, with `strategy` on
/// the orders, `then` on the items and an optional batch size.
fn per_level(
    data: &Option<Counts>,
    users: u32,
    strategy: Strategy,
    then: Then,
    batch: Option<u32>,
) -> Run {
    Run::new(&Params {
        strategy,
        then,
        batch,
        depth: Depth::Items,
        users,
        data: data.clone(),
        ..Params::default()
    })
}

/// `(table, keys, rows)` of every statement of `r` after its first `skip`.
fn sent_after(r: &Run, skip: usize) -> Vec<(Table, Vec<u32>, u64)> {
    r.queries()
        .enumerate()
        .skip(skip)
        .map(|(i, q)| (q.table, r.keys(i), q.rows))
        .collect()
}

#[test]
fn every_pair_of_levels_sends_the_orms_statements() {
    // 3 users with 2, 0 and 1 orders; the orders with 1, 0 and 2 items.
    let data = Counts::parse("2,0,1/1,0,2", &mut Vec::new());
    let run = |strategy, then, batch| per_level(&data, 3, strategy, then, batch);
    let shapes = |r: &Run| {
        r.queries()
            .map(|q| (q.table, q.shape, q.rows))
            .collect::<Vec<_>>()
    };
    // Lazy orders, each user's orders joined to their items: one query
    // per user, even for the user without orders.
    let r = run(Strategy::Lazy, Then::Joined, None);
    assert_eq!(
        shapes(&r)[1..],
        [
            (Table::Orders, Shape::JoinItemsBy(1), 2),
            (Table::Orders, Shape::JoinItemsBy(2), 0),
            (Table::Orders, Shape::JoinItemsBy(3), 2),
        ]
    );
    assert!(r.sql(1).ends_with("LEFT OUTER JOIN items AS items_1 ON orders.id = items_1.order_id WHERE 1 = orders.user_id"), "{}", r.sql(1));
    // Lazy orders, items by subquery: none for the user without orders.
    let r = run(Strategy::Lazy, Then::Subquery, None);
    assert_eq!(r.query_count(), 1 + 3 + 2);
    assert_eq!(
        r.queries().nth(2).map(|q| q.shape),
        Some(Shape::SubqueryBy(1))
    );
    assert!(r.sql(2).contains(
        "(SELECT orders.id AS orders_id FROM orders WHERE 1 = orders.user_id) AS anon_1"
    ));
    // Batched orders in runs of 2, each joined to its items.
    let r = run(Strategy::SelectIn, Then::Joined, Some(2));
    assert_eq!(r.query_count(), 1 + 2);
    assert_eq!(r.keys(1), vec![1, 2]);
    assert_eq!(r.queries().nth(1).map(|q| q.rows), Some(2));
    // Batched orders, each batch followed by its items' subquery.
    let r = run(Strategy::SelectIn, Then::Subquery, Some(2));
    assert_eq!(r.query_count(), 1 + 2 + 2);
    assert!(r
        .sql(2)
        .contains("WHERE orders.user_id IN (1, 2)) AS anon_1"));
    // A join, then the items by subquery, repeating the users query.
    let r = run(Strategy::Joined, Then::Subquery, None);
    assert_eq!(r.query_count(), 2);
    assert_eq!(
        r.queries().nth(1).map(|q| (q.table, q.shape, q.rows)),
        Some((Table::Items, Shape::Subquery, 3))
    );
    // Subquery orders joined to their items: one statement.
    let r = run(Strategy::Subquery, Then::Joined, None);
    assert_eq!(r.query_count(), 2);
    assert_eq!(r.queries().nth(1).map(|q| q.rows), Some(4));
}

#[test]
fn a_guard_on_either_level_raises_where_the_orm_raises() {
    let data = Counts::parse("2,0,1/1,0,2", &mut Vec::new());
    let run = |strategy, then, batch| per_level(&data, 3, strategy, then, batch);
    // A guard on the items raises at the first order's items: after user
    // 1's orders under lazy orders, after every orders query otherwise.
    let r = run(Strategy::Lazy, Then::Raise, None);
    assert_eq!(r.query_count(), 2);
    assert!(r.caption(0).contains("raiseload"), "{}", r.caption(0));
    assert!(
        r.caption(2).contains("raises InvalidRequestError"),
        "{}",
        r.caption(2)
    );
    assert_eq!(
        r.error(),
        Some("InvalidRequestError: 'Order.items' is not available due to lazy='raise'")
    );
    let r = run(Strategy::SelectIn, Then::RaiseOnSql, Some(1));
    assert_eq!(r.query_count(), 1 + 3);
    assert!(r
        .error()
        .is_some_and(|e| e.ends_with("lazy='raise_on_sql'")));
    // A guard on the orders raises first.
    let r = run(Strategy::Raise, Then::SelectIn, None);
    assert_eq!(r.query_count(), 1);
    assert!(r.error().is_some_and(|e| e.contains("'User.orders'")));
    // Django cannot subquery-load or guard order.items; joining them in
    // raises FieldError once the users are in.
    let p = Params {
        orm: Orm::Django,
        ..run(Strategy::SelectIn, Then::Joined, None).params().clone()
    };
    let r = Run::new(&p);
    assert_eq!(r.query_count(), 1);
    assert!(r.error().is_some_and(|e| e.starts_with("FieldError: ")));
    for then in [Then::Subquery, Then::Raise] {
        let p = Params {
            orm: Orm::Django,
            ..run(Strategy::SelectIn, then, None).params().clone()
        };
        let r = Run::new(&p);
        assert_eq!(r.query_count(), 0, "{then:?}");
        assert!(p.refusal().is_some());
    }
    // The rows shown are as many as the query returns.
    for strategy in [
        Strategy::Lazy,
        Strategy::Joined,
        Strategy::SelectIn,
        Strategy::Subquery,
    ] {
        for then in Then::ALL {
            let r = run(strategy, then, Some(2));
            for (i, q) in r.queries().enumerate() {
                assert_eq!(
                    r.rows(i, 100).len() as u64,
                    q.rows,
                    "{strategy:?} {then:?} {i}"
                );
                assert_eq!(
                    r.columns(i).len(),
                    r.rows(i, 1).first().map_or(r.columns(i).len(), Vec::len)
                );
            }
        }
    }
}

/// `immediateload` on either level, against what SQLAlchemy 2.1 sends for
/// 4 users with 2, 0, 1 and 3 orders, the orders with 1, 0, 2, 1, 1 and 0
/// items (tests/it/nplus1_orms.rs runs every pair on every shape).
#[test]
fn immediate_on_either_level_sends_sqlalchemys_statements() {
    let data = Counts::parse("2,0,1,3/1,0,2,1,1,0", &mut Vec::new());
    let run = |strategy, then, batch| per_level(&data, 4, strategy, then, batch);
    // (table, keys, rows) of every statement after the users query.
    let sent = |r: &Run| sent_after(r, 1);
    let orders = |rows: [u64; 4]| {
        (1..=4u32)
            .zip(rows)
            .map(|(u, k)| (Table::Orders, vec![u], k))
            .collect::<Vec<_>>()
    };
    let items_each = [1, 0, 2, 1, 1, 0]
        .into_iter()
        .zip(1u32..)
        .map(|(k, o)| (Table::Items, vec![o], k));
    // Immediate orders, items in IN lists of 2 after every orders query.
    let r = run(Strategy::Immediate, Then::SelectIn, Some(2));
    assert!(mixes(r.params()) && r.params().uses_batch());
    let mut want = orders([2, 0, 1, 3]);
    want.extend([
        (Table::Items, vec![1, 2], 1),
        (Table::Items, vec![3, 4], 3),
        (Table::Items, vec![5, 6], 1),
    ]);
    assert_eq!(sent(&r), want);
    assert!(r.caption(2).contains("immediateload"), "{}", r.caption(2));
    // With the default 500 keys, one IN list; with no orders, none.
    assert_eq!(
        run(Strategy::Immediate, Then::SelectIn, None).query_count(),
        1 + 4 + 1
    );
    let none = Run::new(&Params {
        data: Counts::parse("0,0/", &mut Vec::new()),
        ..run(Strategy::Immediate, Then::SelectIn, None)
            .params()
            .clone()
    });
    assert_eq!(none.query_count(), 1 + 2);
    // Immediate orders, lazy items: the loop's loads come after every
    // orders query, as immediateload on both levels sends them.
    let r = run(Strategy::Immediate, Then::Lazy, None);
    let mut want = orders([2, 0, 1, 3]);
    want.extend(items_each.clone());
    assert_eq!(sent(&r), want);
    assert_eq!(sent(&r), sent(&run(Strategy::Immediate, Then::Same, None)));
    // Immediate orders with their items joined in: one query per user.
    let r = run(Strategy::Immediate, Then::Joined, None);
    assert_eq!(
        r.queries()
            .skip(1)
            .map(|q| (q.shape, q.rows))
            .collect::<Vec<_>>(),
        (1..=4)
            .zip([2, 0, 2, 3])
            .map(|(u, k)| (Shape::JoinItemsBy(u), k))
            .collect::<Vec<_>>()
    );
    assert!(r.caption(1).contains("immediateload"), "{}", r.caption(1));
    // Immediate orders, each user's items by subquery right after its
    // orders, none for the user without.
    let r = run(Strategy::Immediate, Then::Subquery, None);
    let shapes: Vec<Shape> = r.queries().skip(1).map(|q| q.shape).collect();
    use Shape::{ByParent, SubqueryBy};
    assert_eq!(
        shapes,
        [
            ByParent(1),
            SubqueryBy(1),
            ByParent(2),
            ByParent(3),
            SubqueryBy(3),
            ByParent(4),
            SubqueryBy(4)
        ]
    );
    // A guard on the items raises after every orders query, if any order.
    for then in [Then::Raise, Then::RaiseOnSql] {
        let r = run(Strategy::Immediate, then, None);
        assert_eq!(sent(&r), orders([2, 0, 1, 3]));
        assert_eq!(
            r.error().map(str::to_string),
            Some(format!(
                "InvalidRequestError: 'Order.items' is not available due to lazy='{}'",
                then.slug()
            ))
        );
        let none = Run::new(&Params {
            data: Counts::parse("0,0/", &mut Vec::new()),
            ..r.params().clone()
        });
        assert_eq!((none.query_count(), none.error()), (3, None));
    }
}

/// `immediateload` on the items, below every first level SQLAlchemy has,
/// on the same data; and Django, which has it at neither level.
#[test]
fn immediate_items_send_sqlalchemys_statements_and_django_refuses() {
    let data = Counts::parse("2,0,1,3/1,0,2,1,1,0", &mut Vec::new());
    let run = |strategy, then, batch| per_level(&data, 4, strategy, then, batch);
    let sent = |r: &Run| sent_after(r, 1);
    let items_each = [1, 0, 2, 1, 1, 0]
        .into_iter()
        .zip(1u32..)
        .map(|(k, o)| (Table::Items, vec![o], k));
    // One query per order as soon as the orders holding it are in, which
    // is where the loop would have touched them lazily.
    let lazy_user_1 = vec![
        (Table::Orders, vec![1], 2),
        (Table::Items, vec![1], 1),
        (Table::Items, vec![2], 0),
    ];
    let r = run(Strategy::Lazy, Then::Immediate, None);
    assert_eq!(sent(&r)[..3], lazy_user_1);
    assert!(r.caption(3).contains("immediateload"), "{}", r.caption(3));
    for (first, batch) in [
        (Strategy::Lazy, None),
        (Strategy::Joined, None),
        (Strategy::SelectIn, Some(2)),
        (Strategy::Subquery, None),
        (Strategy::Raise, None),
        (Strategy::RaiseOnSql, None),
    ] {
        let eager = run(first, Then::Immediate, batch);
        let lazy = run(first, Then::Lazy, batch);
        assert!(mixes(eager.params()), "{first:?}");
        assert_eq!(sent(&eager), sent(&lazy), "{first:?}");
        assert_eq!(eager.error(), lazy.error(), "{first:?}");
    }
    let r = run(Strategy::SelectIn, Then::Immediate, Some(2));
    let mut want = vec![
        (Table::Orders, vec![1, 2], 2),
        (Table::Orders, vec![3, 4], 4),
    ];
    want.extend(items_each);
    assert_eq!(sent(&r), want);
    // Django has no eager-per-row loading at either level: nothing is sent,
    // and the intro says why.
    for (first, then) in [
        (Strategy::Lazy, Then::Immediate),
        (Strategy::SelectIn, Then::Immediate),
        (Strategy::Immediate, Then::SelectIn),
        (Strategy::Immediate, Then::Lazy),
    ] {
        let p = Params {
            orm: Orm::Django,
            ..run(first, then, None).params().clone()
        };
        let r = Run::new(&p);
        assert_eq!(r.query_count(), 0, "{first:?} {then:?}");
        assert!(r.caption(0).contains("Django has no eager-per-row loading"));
    }
}

/// Users the session held before keep the options they were loaded with
/// (none): SQLAlchemy 2.1 loads their orders plainly and their orders'
/// items lazily, in the loop, after the immediate loads of the others'.
#[test]
fn users_loaded_before_keep_lazy_items_under_immediate_and_lazy_orders() {
    let data = Counts::parse("2,0,1,3/1,0,2,1,1,0", &mut Vec::new());
    let run = |strategy, then, loaded| {
        Run::new(&Params {
            strategy,
            then,
            loaded,
            depth: Depth::Items,
            users: 4,
            data: data.clone(),
            ..Params::default()
        })
    };
    let sent = |r: &Run| sent_after(r, 2);
    let orders: Vec<_> = (1..=4u32)
        .zip([2, 0, 1, 3])
        .map(|(u, k)| (Table::Orders, vec![u], k))
        .collect();
    let item = |o: u32, k: u64| (Table::Items, vec![o], k);
    // Immediate on both levels: the items of users 3 and 4's orders while
    // the users load, then those of user 1's in the loop.
    let mut want = orders.clone();
    want.extend([
        item(3, 2),
        item(4, 1),
        item(5, 1),
        item(6, 0),
        item(1, 1),
        item(2, 0),
    ]);
    let r = run(Strategy::Immediate, Then::Same, 2);
    assert_eq!(sent(&r), want);
    assert!(
        r.caption(0).contains("They keep the loader options"),
        "{}",
        r.caption(0)
    );
    assert!(r.caption(7).contains("immediateload"), "{}", r.caption(7));
    assert!(r.caption(11).contains("inner loop"), "{}", r.caption(11));
    // Immediate orders, items in one IN list of the orders of users 3-4.
    let mut want = orders.clone();
    want.extend([(Table::Items, vec![3, 4, 5, 6], 4), item(1, 1), item(2, 0)]);
    assert_eq!(sent(&run(Strategy::Immediate, Then::SelectIn, 2)), want);
    // A guard on the items lets user 1's load and raises at user 3's.
    let r = run(Strategy::Immediate, Then::Raise, 2);
    let mut want = orders.clone();
    want.extend([item(1, 1), item(2, 0)]);
    assert_eq!(sent(&r), want);
    assert!(r.error().is_some());
    // With every user kept, nothing raises.
    assert_eq!(run(Strategy::Lazy, Then::Raise, 4).error(), None);
    // Lazy orders: user 1's items one by one, user 3's in an IN list.
    let r = run(Strategy::Lazy, Then::SelectIn, 2);
    assert_eq!(
        sent(&r)[..4],
        [orders[0].clone(), item(1, 1), item(2, 0), orders[1].clone()]
    );
    // Django has no identity map: loaded users change nothing but the
    // query that loads them.
    let p = Params {
        orm: Orm::Django,
        ..run(Strategy::Lazy, Then::SelectIn, 2).params().clone()
    };
    let q = Params {
        loaded: 0,
        ..p.clone()
    };
    assert_eq!(Run::new(&p).query_count(), Run::new(&q).query_count() + 1);
}

/// A Django related manager asks again on every pass of the loop: under a
/// strategy per level, the loop's queries come again (Django 6.1 on 3 users
/// with 2, 0 and 1 orders sends 11 and 8 statements for two passes);
/// SQLAlchemy keeps what it loaded.
#[test]
fn django_repeats_the_loops_queries_of_a_mix_on_every_pass() {
    let run = |orm, strategy, then, touch| {
        Run::new(&Params {
            orm,
            strategy,
            then,
            touch,
            depth: Depth::Items,
            users: 3,
            data: Counts::parse("2,0,1/1,0,2", &mut Vec::new()),
            ..Params::default()
        })
    };
    for (strategy, then, once, twice) in [
        (Strategy::Lazy, Then::SelectIn, 6, 11),
        (Strategy::SelectIn, Then::Lazy, 5, 8),
    ] {
        let one = run(Orm::Django, strategy, then, 1);
        let two = run(Orm::Django, strategy, then, 2);
        assert_eq!((one.query_count(), two.query_count()), (once, twice));
        // The second pass is the first pass's loop again, and the figures
        // add up query by query.
        let loop_from = 2 * once - twice;
        let repeated: Vec<_> = two
            .queries()
            .skip(once)
            .map(|q| (q.table, q.shape))
            .collect();
        let first: Vec<_> = one
            .queries()
            .skip(loop_from)
            .map(|q| (q.table, q.shape))
            .collect();
        assert_eq!(repeated, first, "{strategy:?} {then:?}");
        for k in 0..=twice {
            let rows: u64 = two.queries().take(k).map(|q| q.rows).sum();
            assert_eq!(two.totals_at(k).rows, rows, "{strategy:?} {then:?} {k}");
        }
        let sa = run(Orm::SqlAlchemy, strategy, then, 2);
        assert_eq!(sa.query_count(), once, "{strategy:?} {then:?}");
    }
}

#[test]
fn an_immediate_level_can_be_written_in_a_link() {
    for (strategy, then) in [("immediate", "selectin"), ("joined", "immediate")] {
        let o = opened(&[
            ("strategy", strategy),
            ("load", "orders.items"),
            ("then", then),
            ("n", "10"),
        ]);
        assert!(o.problems.is_empty(), "{:?}", o.problems);
        assert_eq!(o.run.params().then.slug(), then);
        assert!(mixes(o.run.params()));
    }
    // immediate, then batched items: 1 + 10 + 1 at the defaults.
    let o = opened(&[
        ("strategy", "immediate"),
        ("load", "orders.items"),
        ("then", "selectin"),
        ("n", "10"),
    ]);
    assert_eq!(o.run.query_count(), 12);
    // A DataLoader still carries no second level.
    let o = opened(&[
        ("strategy", "dataloader"),
        ("load", "orders.items"),
        ("then", "immediate"),
    ]);
    assert_eq!(o.run.params().then, Then::Same);
    assert!(o.problems.iter().any(|p| p.contains("then")));
}

/// The figures content/n-plus-one.md gives for its "see it happen" links.
#[test]
fn the_lessons_the_page_cites() {
    let cases: [(&str, usize, bool); 14] = [
        (
            "strategy=lazy&load=orders.items&then=joined&n=100",
            101,
            false,
        ),
        (
            "strategy=selectin&orm=django&load=orders.items&then=joined&n=100",
            1,
            true,
        ),
        (
            "strategy=lazy&orm=django&rel=order.tags&n=100&items=2&touch=2",
            601,
            false,
        ),
        (
            "strategy=lazy&orm=sqlalchemy&rel=order.tags&n=100&items=2&touch=2",
            301,
            false,
        ),
        (
            "strategy=lazy&orm=sqlalchemy&rel=order.user&n=5&orders=20",
            6,
            false,
        ),
        (
            "strategy=lazy&orm=django&rel=order.user&n=5&orders=20",
            101,
            false,
        ),
        ("strategy=selectin&orm=django&n=1000&orders=3", 2, false),
        ("strategy=raise&orm=sqlalchemy&n=100", 1, true),
        ("strategy=raise&orm=django&n=100", 101, false),
        (
            "strategy=dataloader&load=orders.items&n=100&spread=random&batch=10&io=real",
            49,
            false,
        ),
        (
            "strategy=dataloader&load=orders.items&n=100&spread=random&batch=10&io=memory",
            43,
            false,
        ),
        (
            "strategy=selectin&load=orders.items&then=lazy&n=100",
            302,
            false,
        ),
        (
            "strategy=lazy&rel=order.tags&orm=django&n=100&items=2",
            301,
            false,
        ),
        ("strategy=lazy&rel=order.user&n=4&data=3,0,1,2/", 4, false),
    ];
    for (link, queries, raises) in cases {
        let pairs: Vec<(&str, &str)> = link
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .collect();
        let o = opened(&pairs);
        assert!(o.problems.is_empty(), "{link}: {:?}", o.problems);
        assert_eq!(o.run.query_count(), queries, "{link}");
        assert_eq!(o.run.error().is_some(), raises, "{link}");
    }
    let o = opened(&[
        ("strategy", "selectin"),
        ("orm", "django"),
        ("n", "1000"),
        ("orders", "3"),
    ]);
    assert_eq!(o.run.keys(1).len(), 1_000);
}
