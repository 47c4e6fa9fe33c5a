//! The SQL text of each query and the rows it returns, as the model says.
//! Parameters are shown inline, as a query log with bound values would.

use super::data::{Dataset, Value};
use super::plan::{Query, Shape, Table};
use super::{Depth, Orm};

const USER_COLUMNS: [&str; 3] = ["users.id", "users.name", "users.email"];
const ORDER_COLUMNS: [&str; 3] = ["orders.id", "orders.user_id", "orders.total_cents"];
const ITEM_COLUMNS: [&str; 4] = ["items.id", "items.order_id", "items.sku", "items.qty"];

/// The columns of a query's result, in order.
pub(super) fn columns(q: &Query) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    match (q.table, q.shape) {
        (_, Shape::Join(depth)) => {
            out.extend(USER_COLUMNS);
            out.extend(ORDER_COLUMNS);
            if depth == Depth::Items {
                out.extend(ITEM_COLUMNS);
            }
        }
        (Table::Users, _) => out.extend(USER_COLUMNS),
        (Table::Orders, shape) => {
            out.extend(ORDER_COLUMNS);
            if shape == Shape::Subquery {
                out.push("anon_1.users_id");
            }
        }
        (Table::Items, shape) => {
            out.extend(ITEM_COLUMNS);
            if shape == Shape::Subquery {
                out.push("anon_1.orders_id");
            }
        }
    }
    out
}

/// `first, …, last` as an IN list; with `elide = Some(k)`, lists longer than
/// 2k keys show the first and last k around a comment.
fn in_list(first: u32, last: u32, elide: Option<usize>) -> String {
    let n = (last - first + 1) as usize;
    let ids =
        |r: std::ops::RangeInclusive<u32>| r.map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
    match elide {
        Some(k) if n > 2 * k => {
            let k32 = k as u32;
            format!(
                "{}, /* {} more */ {}",
                ids(first..=first + k32 - 1),
                n - 2 * k,
                ids(last + 1 - k32..=last)
            )
        }
        _ => ids(first..=last),
    }
}

/// The SQL text of `q` as `orm` sends it.
pub(super) fn text(q: &Query, orm: Orm, elide: Option<usize>) -> String {
    match orm {
        Orm::SqlAlchemy => sqlalchemy(q, elide),
        Orm::Django => django(q, elide),
    }
}

/// `"table"."column"`, as Django quotes them.
fn quoted(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| match c.split_once('.') {
            Some((t, c)) => format!("\"{t}\".\"{c}\""),
            None => format!("\"{c}\""),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Django's statements: `User.objects.all()` (no ORDER BY: the models set
/// no `Meta.ordering`), a related manager's `WHERE fk = key`, and
/// `prefetch_related`'s `WHERE fk IN (...)`, identifiers quoted. It has no
/// joined or subquery loading of a collection (the run sends nothing).
fn django(q: &Query, elide: Option<usize>) -> String {
    let cols = quoted(&columns(q));
    let (table, fk) = match q.table {
        Table::Users => ("users", "id"),
        Table::Orders => ("orders", "user_id"),
        Table::Items => ("items", "order_id"),
    };
    match q.shape {
        Shape::ByParent(k) => {
            format!("SELECT {cols} FROM \"{table}\" WHERE \"{table}\".\"{fk}\" = {k}")
        }
        Shape::InList { first, last, .. } => format!(
            "SELECT {cols} FROM \"{table}\" WHERE \"{table}\".\"{fk}\" IN ({})",
            in_list(first, last, elide)
        ),
        _ => format!("SELECT {cols} FROM \"{table}\""),
    }
}

/// SQLAlchemy's statements, each ordered so the rows come back in id order.
fn sqlalchemy(q: &Query, elide: Option<usize>) -> String {
    let cols = columns(q).join(", ");
    match (q.table, q.shape) {
        (_, Shape::Join(Depth::Orders)) => format!(
            "SELECT {cols} FROM users LEFT OUTER JOIN orders ON orders.user_id = users.id ORDER BY users.id, orders.id"
        ),
        (_, Shape::Join(Depth::Items)) => format!(
            "SELECT {cols} FROM users LEFT OUTER JOIN orders ON orders.user_id = users.id LEFT OUTER JOIN items ON items.order_id = orders.id ORDER BY users.id, orders.id, items.id"
        ),
        (Table::Users, _) => format!("SELECT {cols} FROM users ORDER BY users.id"),
        (Table::Orders, Shape::ByParent(u)) => {
            format!("SELECT {cols} FROM orders WHERE orders.user_id = {u} ORDER BY orders.id")
        }
        (Table::Items, Shape::ByParent(o)) => {
            format!("SELECT {cols} FROM items WHERE items.order_id = {o} ORDER BY items.id")
        }
        (Table::Orders, Shape::InList { first, last, .. }) => format!(
            "SELECT {cols} FROM orders WHERE orders.user_id IN ({}) ORDER BY orders.id",
            in_list(first, last, elide)
        ),
        (Table::Items, Shape::InList { first, last, .. }) => format!(
            "SELECT {cols} FROM items WHERE items.order_id IN ({}) ORDER BY items.id",
            in_list(first, last, elide)
        ),
        (Table::Orders, _) => format!(
            "SELECT {cols} FROM (SELECT users.id AS users_id FROM users) AS anon_1 JOIN orders ON orders.user_id = anon_1.users_id ORDER BY anon_1.users_id, orders.id"
        ),
        (Table::Items, _) => format!(
            "SELECT {cols} FROM (SELECT orders.id AS orders_id FROM (SELECT users.id AS users_id FROM users) AS anon_2 JOIN orders ON orders.user_id = anon_2.users_id) AS anon_1 JOIN items ON items.order_id = anon_1.orders_id ORDER BY anon_1.orders_id, items.id"
        ),
    }
}

/// The first `limit` rows `q` returns for the first `users` users of `data`.
pub(super) fn rows(q: &Query, data: &Dataset, users: u32, limit: usize) -> Vec<Vec<Value>> {
    let users = users.min(data.users());
    let mut out: Vec<Vec<Value>> = Vec::new();
    let full = |out: &Vec<Vec<Value>>| out.len() >= limit;
    let null = |n: usize| std::iter::repeat_n(Value::Null, n);
    match (q.table, q.shape) {
        (_, Shape::Join(depth)) => {
            'users: for u in 1..=users {
                let user = data.user(u);
                let os = data.orders_of(u);
                if os.is_empty() {
                    let mut row: Vec<Value> = user.to_vec();
                    row.extend(null(if depth == Depth::Items { 7 } else { 3 }));
                    out.push(row);
                }
                for o in os {
                    let mut row: Vec<Value> = user.to_vec();
                    row.extend(data.order(o));
                    if depth == Depth::Orders {
                        out.push(row);
                        if full(&out) {
                            break 'users;
                        }
                        continue;
                    }
                    let is = data.items_of(o);
                    if is.is_empty() {
                        row.extend(null(4));
                        out.push(row.clone());
                    }
                    for i in is {
                        let mut r = row.clone();
                        r.extend(data.item(i));
                        out.push(r);
                        if full(&out) {
                            break 'users;
                        }
                    }
                    if full(&out) {
                        break 'users;
                    }
                }
                if full(&out) {
                    break;
                }
            }
        }
        (Table::Users, _) => {
            out.extend((1..=users).take(limit).map(|u| data.user(u).to_vec()));
        }
        (Table::Orders, shape) => {
            let parents = match shape {
                Shape::ByParent(u) => u..=u,
                Shape::InList { first, last, .. } => first..=last,
                _ => 1..=users,
            };
            'o: for u in parents {
                for o in data.orders_of(u) {
                    let mut row = data.order(o).to_vec();
                    if shape == Shape::Subquery {
                        row.push(Value::Int(i64::from(u)));
                    }
                    out.push(row);
                    if full(&out) {
                        break 'o;
                    }
                }
            }
        }
        (Table::Items, shape) => {
            let parents = match shape {
                Shape::ByParent(o) => o..=o,
                Shape::InList { first, last, .. } => first..=last,
                _ => 1..=data.orders_of_first(users),
            };
            'i: for o in parents {
                for i in data.items_of(o) {
                    let mut row = data.item(i).to_vec();
                    if shape == Shape::Subquery {
                        row.push(Value::Int(i64::from(o)));
                    }
                    out.push(row);
                    if full(&out) {
                        break 'i;
                    }
                }
            }
        }
    }
    out.truncate(limit);
    out
}
