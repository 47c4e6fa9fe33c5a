//! Conformance of the N+1 model with a real database: the dataset is loaded
//! into an in-memory SQLite, every statement the model emits is executed, and
//! the results must be exactly the rows the model claims (for SQLAlchemy and
//! for Django, whose statements the model writes differently), assemble into the
//! same object graph as the dataset, and number as many statements as the
//! model counts.

use std::collections::BTreeMap;

use backend_playground::sim::nplus1::{
    Dataset, Depth, Orm, Params, Run, Spread, Strategy, Value, ROW_OVERHEAD,
};
use rusqlite::types::ValueRef;
use rusqlite::Connection;

const SCHEMA: &str = "
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id),
                     total_cents INTEGER NOT NULL);
CREATE TABLE items (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id),
                    sku TEXT NOT NULL, qty INTEGER NOT NULL);
CREATE INDEX orders_user_id ON orders (user_id);
CREATE INDEX items_order_id ON items (order_id);
";

fn to_sql(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Int(i) => rusqlite::types::Value::Integer(*i),
        Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
        Value::Null => rusqlite::types::Value::Null,
    }
}

fn from_sql(v: ValueRef) -> Value {
    match v {
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Null => Value::Null,
        other => panic!("unexpected SQLite value {other:?}"),
    }
}

/// Loads every row of `data` into a fresh in-memory database.
fn load(data: &Dataset) -> Connection {
    let db = Connection::open_in_memory().expect("open SQLite");
    db.execute_batch(SCHEMA).expect("schema");
    db.execute_batch("BEGIN").expect("begin");
    {
        let mut users = db
            .prepare("INSERT INTO users VALUES (?1, ?2, ?3)")
            .expect("prepare");
        let mut orders = db
            .prepare("INSERT INTO orders VALUES (?1, ?2, ?3)")
            .expect("prepare");
        let mut items = db
            .prepare("INSERT INTO items VALUES (?1, ?2, ?3, ?4)")
            .expect("prepare");
        for u in 1..=data.users() {
            users
                .execute(rusqlite::params_from_iter(data.user(u).iter().map(to_sql)))
                .expect("insert user");
            for o in data.orders_of(u) {
                orders
                    .execute(rusqlite::params_from_iter(data.order(o).iter().map(to_sql)))
                    .expect("insert order");
                for i in data.items_of(o) {
                    items
                        .execute(rusqlite::params_from_iter(data.item(i).iter().map(to_sql)))
                        .expect("insert item");
                }
            }
        }
    }
    db.execute_batch("COMMIT").expect("commit");
    db
}

/// The object graph: users with their orders, orders with their items.
#[derive(Debug, Default, PartialEq)]
struct Graph {
    users: BTreeMap<i64, Vec<Value>>,
    orders: BTreeMap<i64, Vec<Value>>,
    items: BTreeMap<i64, Vec<Value>>,
}

impl Graph {
    /// Takes the users, orders and items out of one result, whatever its
    /// shape and the order of its columns, by the column names the model
    /// gives.
    fn absorb(&mut self, columns: &[&str], rows: &[Vec<Value>]) {
        let users: &[&str] = &["users.id", "users.name", "users.email"];
        let orders: &[&str] = &["orders.id", "orders.user_id", "orders.total_cents"];
        let items: &[&str] = &["items.id", "items.order_id", "items.sku", "items.qty"];
        for (names, map) in [
            (users, &mut self.users),
            (orders, &mut self.orders),
            (items, &mut self.items),
        ] {
            let idx: Option<Vec<usize>> = names
                .iter()
                .map(|n| columns.iter().position(|c| c == n))
                .collect();
            let Some(idx) = idx else {
                continue;
            };
            for row in rows {
                let Value::Int(id) = row[idx[0]] else {
                    continue; // the NULL side of an outer join
                };
                let entity: Vec<Value> = idx.iter().map(|&i| row[i].clone()).collect();
                if let Some(seen) = map.insert(id, entity.clone()) {
                    assert_eq!(seen, entity, "{names:?} {id} came back two different ways");
                }
            }
        }
    }

    /// The graph the dataset says should be loaded.
    fn expected(data: &Dataset, depth: Depth) -> Graph {
        let mut g = Graph::default();
        for u in 1..=data.users() {
            g.users.insert(u.into(), data.user(u).to_vec());
            for o in data.orders_of(u) {
                g.orders.insert(o.into(), data.order(o).to_vec());
                if depth == Depth::Items {
                    for i in data.items_of(o) {
                        g.items.insert(i.into(), data.item(i).to_vec());
                    }
                }
            }
        }
        g
    }
}

/// Runs the model, executes every statement, and checks every claim.
fn check(params: &Params) -> usize {
    let run = Run::new(params);
    let db = load(run.data());
    let mut graph = Graph::default();
    let mut executed = 0u64;
    for (i, q) in run.queries().enumerate() {
        let sql = run.sql(i);
        let mut stmt = db
            .prepare(&sql)
            .unwrap_or_else(|e| panic!("{params:?}: statement {i} does not run: {e}\n{sql}"));
        let columns = stmt.column_count();
        assert_eq!(columns, run.columns(i).len(), "{sql}");
        let got: Vec<Vec<Value>> = stmt
            .query_map([], |row| {
                Ok((0..columns)
                    .map(|c| from_sql(row.get_ref(c).expect("column")))
                    .collect())
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        executed += 1;
        let claimed = run.rows(i, usize::MAX);
        assert_eq!(
            got, claimed,
            "{params:?}: statement {i} returned other rows\n{sql}"
        );
        assert_eq!(
            got.len() as u64,
            q.rows,
            "{params:?}: row count of statement {i}"
        );
        let bytes: u64 = got
            .iter()
            .map(|r| ROW_OVERHEAD + r.iter().map(Value::wire_bytes).sum::<u64>())
            .sum();
        assert_eq!(bytes, q.bytes, "{params:?}: bytes of statement {i}");
        graph.absorb(&run.columns(i), &got);
    }
    assert_eq!(executed, run.total().queries, "{params:?}: statement count");
    assert_eq!(
        graph,
        Graph::expected(run.data(), params.depth),
        "{params:?}: the loaded objects differ from the dataset"
    );
    executed as usize
}

#[test]
fn every_statement_runs_on_sqlite_and_returns_what_the_model_says() {
    let mut statements = 0;
    let mut runs = 0;
    for users in [0, 1, 7, 100, 1000] {
        for depth in [Depth::Orders, Depth::Items] {
            for spread in [Spread::Fixed, Spread::Random] {
                for (orm, strategy) in Orm::ALL
                    .into_iter()
                    .flat_map(|o| Strategy::ALL.map(|s| (o, s)))
                    .filter(|&(o, s)| o.refusal(s).is_none())
                {
                    let uses_batch = Params {
                        orm,
                        strategy,
                        ..Params::default()
                    }
                    .uses_batch();
                    let batches: &[Option<u32>] = if uses_batch {
                        &[None, Some(1), Some(3), Some(250)]
                    } else {
                        &[None]
                    };
                    for &batch in batches {
                        let p = Params {
                            orm,
                            strategy,
                            users,
                            depth,
                            spread,
                            seed: 17,
                            batch,
                            ..Params::default()
                        };
                        statements += check(&p);
                        runs += 1;
                    }
                }
            }
        }
    }
    println!("{runs} runs, {statements} statements executed on SQLite");
    // SQLAlchemy: 3 strategies without a batch size, 2 with 4 sizes;
    // Django: lazy without, prefetch_related (chunked by .iterator) and
    // DataLoader with.
    assert_eq!(runs, 5 * 2 * 2 * ((3 + 2 * 4) + (1 + 2 * 4)));
}

#[test]
fn users_without_orders_and_orders_without_items_survive_every_strategy() {
    for (orm, strategy) in Orm::ALL
        .into_iter()
        .flat_map(|o| Strategy::ALL.map(|s| (o, s)))
        .filter(|&(o, s)| o.refusal(s).is_none())
    {
        for orders in [0, 1] {
            let p = Params {
                orm,
                strategy,
                users: 9,
                orders,
                items: 0,
                depth: Depth::Items,
                ..Params::default()
            };
            check(&p);
        }
    }
}
