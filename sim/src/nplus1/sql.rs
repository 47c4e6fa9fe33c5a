//! The SQL text of each query and the rows it returns, as the model says,
//! in the words of the ORM chosen (tests/it/nplus1_orms.rs compares them
//! with what SQLAlchemy and Django send). Parameters are shown inline, as a
//! query log with bound values would.

use super::data::{Dataset, Value};
use super::plan::{Query, Shape, Table};
use super::{Depth, Orm};

const USER_COLUMNS: [&str; 3] = ["users.id", "users.name", "users.email"];
const ORDER_COLUMNS: [&str; 3] = ["orders.id", "orders.user_id", "orders.total_cents"];
const TAG_COLUMNS: [&str; 2] = ["tags.id", "tags.name"];
const PROFILE_COLUMNS: [&str; 3] = ["profiles.id", "profiles.user_id", "profiles.bio"];
const ITEM_COLUMNS: [&str; 4] = ["items.id", "items.order_id", "items.sku", "items.qty"];
/// The items' columns under the alias a joined second level gives them.
const JOINED_ITEM_COLUMNS: [&str; 4] = [
    "items_1.id",
    "items_1.order_id",
    "items_1.sku",
    "items_1.qty",
];

/// The columns of a query's result as `orm` sends it, in order.
pub(super) fn columns(q: &Query, orm: Orm) -> Vec<&'static str> {
    let cols = logical_columns(q);
    match arrangement(q, orm) {
        Some(order) => order.iter().map(|&i| cols[i]).collect(),
        None => cols,
    }
}

/// How `orm` orders the columns of `q`, as indices into the model's own
/// order (parent, then child, then grandchild; key first), when it differs:
/// SQLAlchemy's `selectinload` selects the parent key first, and its
/// nested `joinedload` puts the items' columns before the orders'.
fn arrangement(q: &Query, orm: Orm) -> Option<&'static [usize]> {
    match (orm, q.table, q.shape) {
        (Orm::SqlAlchemy, _, Shape::Join(Depth::Items)) => Some(&[0, 1, 2, 6, 7, 8, 9, 3, 4, 5]),
        // A DataLoader's batches (tick 1 and 2) are its own SQL.
        (Orm::SqlAlchemy, Table::Orders, Shape::InList { .. }) if q.tick == 0 => Some(&[1, 0, 2]),
        (Orm::SqlAlchemy, Table::Items, Shape::InList { .. }) if q.tick == 0 => Some(&[1, 0, 2, 3]),
        (Orm::SqlAlchemy, Table::Profiles, Shape::InList { .. }) if q.tick == 0 => Some(&[1, 0, 2]),
        (Orm::SqlAlchemy, _, Shape::JoinItemsIn { .. }) => Some(&[1, 0, 2, 3, 4, 5, 6]),
        _ => None,
    }
}

/// The columns of a query's result in the model's own order.
fn logical_columns(q: &Query) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    match (q.table, q.shape) {
        (_, Shape::JoinUser) => {
            out.extend(ORDER_COLUMNS);
            out.extend(USER_COLUMNS);
        }
        (_, Shape::JoinTags) => {
            out.extend(ORDER_COLUMNS);
            out.extend(TAG_COLUMNS);
        }
        (_, Shape::JoinItemsBy(_) | Shape::JoinItemsIn { .. }) => {
            out.extend(ORDER_COLUMNS);
            out.extend(JOINED_ITEM_COLUMNS);
        }
        (_, Shape::JoinItemsSubquery) => {
            out.extend(ORDER_COLUMNS);
            out.push("anon_1.users_id");
            out.extend(JOINED_ITEM_COLUMNS);
        }
        (_, Shape::SubqueryBy(_) | Shape::SubqueryIn { .. }) => {
            out.extend(ITEM_COLUMNS);
            out.push("anon_1.orders_id");
        }
        (_, Shape::JoinProfile) => {
            out.extend(USER_COLUMNS);
            out.extend(PROFILE_COLUMNS);
        }
        (Table::Profiles, Shape::Subquery) => {
            out.extend(PROFILE_COLUMNS);
            out.push("anon_1.users_id");
        }
        (Table::Profiles, _) => out.extend(PROFILE_COLUMNS),
        (Table::Tags, Shape::InList { .. }) => {
            out.push("order_tags.order_id");
            out.extend(TAG_COLUMNS);
        }
        (Table::Tags, Shape::Subquery) => {
            out.extend(TAG_COLUMNS);
            out.push("anon_1.orders_id");
        }
        (Table::Tags, _) => out.extend(TAG_COLUMNS),
        (Table::Users, Shape::Subquery) => {
            out.extend(USER_COLUMNS);
            out.push("anon_1.orders_user_id");
        }
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
                out.push("orders_1.id");
            }
        }
    }
    out
}

/// The keys as an IN list; with `elide = Some(k)`, lists longer than 2k
/// keys show the first and last k around a comment. Django lists a
/// many-to-one's keys as one-element tuples: `((1), (3))`.
fn in_list(keys: &[u32], elide: Option<usize>, tuples: bool) -> String {
    let n = keys.len();
    let ids = |ks: &[u32]| {
        ks.iter()
            .map(|i| {
                if tuples {
                    format!("({i})")
                } else {
                    i.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match elide {
        Some(k) if n > 2 * k => {
            format!(
                "{}, /* {} more */ {}",
                ids(&keys[..k]),
                n - 2 * k,
                ids(&keys[n - k..])
            )
        }
        _ => ids(keys),
    }
}

/// The SQL text of `q` as `orm` sends it.
pub(super) fn text(q: &Query, orm: Orm, keys: &[u32], elide: Option<usize>) -> String {
    match orm {
        Orm::SqlAlchemy => sqlalchemy(q, keys, elide),
        Orm::Django => django(q, keys, elide),
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
fn django(q: &Query, keys: &[u32], elide: Option<usize>) -> String {
    if q.table == Table::Tags {
        return django_tags(q, keys, elide);
    }
    if q.table == Table::Profiles || q.shape == Shape::JoinProfile {
        return django_profiles(q, keys, elide);
    }
    let cols = quoted(&columns(q, Orm::Django));
    let (table, fk) = match q.table {
        Table::Users => ("users", "id"),
        Table::Orders => ("orders", "user_id"),
        Table::Items | Table::Tags | Table::Profiles => ("items", "order_id"),
    };
    match q.shape {
        Shape::ByParent(k) => {
            format!("SELECT {cols} FROM \"{table}\" WHERE \"{table}\".\"{fk}\" = {k}")
        }
        Shape::ById(k) => format!("SELECT {cols} FROM \"users\" WHERE \"users\".\"id\" = {k} LIMIT 21"),
        Shape::UpTo(k) => format!("SELECT {cols} FROM \"users\" WHERE \"users\".\"id\" <= {k}"),
        Shape::JoinUser => format!("SELECT {cols} FROM \"orders\" INNER JOIN \"users\" ON (\"orders\".\"user_id\" = \"users\".\"id\")"),
        Shape::InList { .. } if q.table == Table::Users => format!(
            "SELECT {cols} FROM \"users\" WHERE (\"users\".\"id\") IN ({})",
            in_list(keys, elide, true)
        ),
        Shape::InList { .. } => format!(
            "SELECT {cols} FROM \"{table}\" WHERE \"{table}\".\"{fk}\" IN ({})",
            in_list(keys, elide, false)
        ),
        _ => format!("SELECT {cols} FROM \"{table}\""),
    }
}

/// Django's statements for a many-to-many through `order_tags`: the
/// related manager's inner join with `= key`, prefetch_related's with the
/// key selected first, under Django's own alias.
fn django_tags(q: &Query, keys: &[u32], elide: Option<usize>) -> String {
    let from =
        "FROM \"tags\" INNER JOIN \"order_tags\" ON (\"tags\".\"id\" = \"order_tags\".\"tag_id\")";
    match q.shape {
        Shape::InList { .. } => format!(
            "SELECT (\"order_tags\".\"order_id\") AS \"_prefetch_related_val_order_id\", \"tags\".\"id\", \"tags\".\"name\" {from} WHERE \"order_tags\".\"order_id\" IN ({})",
            in_list(keys, elide, false)
        ),
        Shape::ByParent(o) => format!(
            "SELECT \"tags\".\"id\", \"tags\".\"name\" {from} WHERE \"order_tags\".\"order_id\" = {o}"
        ),
        _ => format!("SELECT \"tags\".\"id\", \"tags\".\"name\" {from}"),
    }
}

/// Django's statements for the reverse one-to-one `user.profile`.
fn django_profiles(q: &Query, keys: &[u32], elide: Option<usize>) -> String {
    let cols = quoted(&columns(q, Orm::Django));
    match q.shape {
        Shape::JoinProfile => format!("SELECT {cols} FROM \"users\" LEFT OUTER JOIN \"profiles\" ON (\"users\".\"id\" = \"profiles\".\"user_id\")"),
        Shape::ByParent(u) => format!("SELECT {cols} FROM \"profiles\" WHERE \"profiles\".\"user_id\" = {u} LIMIT 21"),
        _ => format!(
            "SELECT {cols} FROM \"profiles\" WHERE \"profiles\".\"user_id\" IN ({})",
            in_list(keys, elide, false)
        ),
    }
}

/// SQLAlchemy's statements for the reverse one-to-one `user.profile`.
fn sqlalchemy_profiles(q: &Query, keys: &[u32], elide: Option<usize>) -> String {
    let cols = columns(q, Orm::SqlAlchemy).join(", ");
    match q.shape {
        Shape::JoinProfile => "SELECT users.id, users.name, users.email, profiles_1.id AS id_1, profiles_1.user_id, profiles_1.bio FROM users LEFT OUTER JOIN profiles AS profiles_1 ON users.id = profiles_1.user_id".to_string(),
        Shape::ByParent(u) => format!("SELECT {cols} FROM profiles WHERE {u} = profiles.user_id"),
        Shape::InList { .. } if q.tick > 0 => format!(
            "SELECT {cols} FROM profiles WHERE profiles.user_id IN ({}) ORDER BY profiles.id",
            in_list(keys, elide, false)
        ),
        Shape::InList { .. } => format!(
            "SELECT {cols} FROM profiles WHERE profiles.user_id IN ({})",
            in_list(keys, elide, false)
        ),
        _ => "SELECT profiles.id AS profiles_id, profiles.user_id AS profiles_user_id, profiles.bio AS profiles_bio, anon_1.users_id AS anon_1_users_id FROM (SELECT users.id AS users_id FROM users) AS anon_1 JOIN profiles ON anon_1.users_id = profiles.user_id".to_string(),
    }
}

/// SQLAlchemy's statements for a many-to-many through `order_tags`.
fn sqlalchemy_tags(q: &Query, keys: &[u32], elide: Option<usize>) -> String {
    let via = "FROM order_tags JOIN tags ON tags.id = order_tags.tag_id";
    match q.shape {
        Shape::ByParent(o) => format!("SELECT tags.id, tags.name FROM tags, order_tags WHERE {o} = order_tags.order_id AND tags.id = order_tags.tag_id"),
        Shape::InList { .. } if q.tick > 0 => format!(
            "SELECT order_tags.order_id, tags.id, tags.name {via} WHERE order_tags.order_id IN ({}) ORDER BY order_tags.order_id",
            in_list(keys, elide, false)
        ),
        Shape::InList { .. } => format!(
            "SELECT order_tags.order_id, tags.id, tags.name {via} WHERE order_tags.order_id IN ({})",
            in_list(keys, elide, false)
        ),
        _ => "SELECT tags.id AS tags_id, tags.name AS tags_name, anon_1.orders_id AS anon_1_orders_id FROM (SELECT orders.id AS orders_id FROM orders) AS anon_1 JOIN order_tags AS order_tags_1 ON anon_1.orders_id = order_tags_1.order_id JOIN tags ON tags.id = order_tags_1.tag_id".to_string(),
    }
}

/// SQLAlchemy 2.x's statements, word for word (its line breaks made
/// spaces) for `select(User)` with each loader option: no ORDER BY, since
/// neither the query nor the relationships ask for one; the lazy loader's
/// `key = fk`, `selectinload`'s parent key selected first, `joinedload`'s
/// aliased LEFT OUTER JOINs, `subqueryload`'s users query repeated as
/// `anon_1`. A DataLoader's batches are the loader's own SQL.
fn sqlalchemy(q: &Query, keys: &[u32], elide: Option<usize>) -> String {
    if q.table == Table::Tags {
        return sqlalchemy_tags(q, keys, elide);
    }
    if q.table == Table::Profiles || q.shape == Shape::JoinProfile {
        return sqlalchemy_profiles(q, keys, elide);
    }
    let cols = columns(q, Orm::SqlAlchemy).join(", ");
    let anon = "(SELECT users.id AS users_id FROM users) AS anon_1";
    let list = || in_list(keys, elide, false);
    let joined_items = "items_1.id, items_1.order_id, items_1.sku, items_1.qty";
    let items_join = "FROM orders LEFT OUTER JOIN items AS items_1 ON orders.id = items_1.order_id";
    let items_of = "SELECT items.id AS items_id, items.order_id AS items_order_id, items.sku AS items_sku, items.qty AS items_qty, anon_1.orders_id AS anon_1_orders_id FROM (SELECT orders.id AS orders_id FROM orders WHERE";
    let items_on = "AS anon_1 JOIN items ON anon_1.orders_id = items.order_id";
    match (q.table, q.shape) {
        (_, Shape::JoinItemsBy(u)) => format!("SELECT orders.id, orders.user_id, orders.total_cents, {joined_items} {items_join} WHERE {u} = orders.user_id"),
        (_, Shape::JoinItemsIn { .. }) => format!(
            "SELECT orders.user_id, orders.id, orders.total_cents, {joined_items} {items_join} WHERE orders.user_id IN ({})",
            list()
        ),
        (_, Shape::JoinItemsSubquery) => "SELECT orders.id AS orders_id, orders.user_id AS orders_user_id, orders.total_cents AS orders_total_cents, anon_1.users_id AS anon_1_users_id, items_1.id AS items_1_id, items_1.order_id AS items_1_order_id, items_1.sku AS items_1_sku, items_1.qty AS items_1_qty FROM (SELECT users.id AS users_id FROM users) AS anon_1 JOIN orders ON anon_1.users_id = orders.user_id LEFT OUTER JOIN items AS items_1 ON orders.id = items_1.order_id".to_string(),
        (_, Shape::SubqueryBy(u)) => format!("{items_of} {u} = orders.user_id) {items_on}"),
        (_, Shape::SubqueryIn { .. }) => {
            format!("{items_of} orders.user_id IN ({})) {items_on}", list())
        }
        (_, Shape::JoinTags) => "SELECT orders.id, orders.user_id, orders.total_cents, tags_1.id AS id_1, tags_1.name FROM orders LEFT OUTER JOIN (order_tags AS order_tags_1 JOIN tags AS tags_1 ON tags_1.id = order_tags_1.tag_id) ON orders.id = order_tags_1.order_id".to_string(),
        (_, Shape::JoinUser) => "SELECT orders.id, orders.user_id, orders.total_cents, users_1.id AS id_1, users_1.name, users_1.email FROM orders LEFT OUTER JOIN users AS users_1 ON users_1.id = orders.user_id".to_string(),
        (_, Shape::ById(k)) => format!("SELECT {cols} FROM users WHERE users.id = {k}"),
        (_, Shape::UpTo(k)) => format!("SELECT {cols} FROM users WHERE users.id <= {k}"),
        (Table::Orders, Shape::All) => format!("SELECT {cols} FROM orders"),
        (Table::Users, Shape::Subquery) => "SELECT users.id AS users_id, users.name AS users_name, users.email AS users_email, anon_1.orders_user_id AS anon_1_orders_user_id FROM (SELECT DISTINCT orders.user_id AS orders_user_id FROM orders) AS anon_1 JOIN users ON users.id = anon_1.orders_user_id".to_string(),
        (Table::Users, Shape::InList { .. }) if q.tick > 0 => {
            format!("SELECT {cols} FROM users WHERE users.id IN ({}) ORDER BY users.id", list())
        }
        (Table::Users, Shape::InList { .. }) => {
            format!("SELECT {cols} FROM users WHERE users.id IN ({})", list())
        }
        (_, Shape::Join(Depth::Orders)) => "SELECT users.id, users.name, users.email, orders_1.id AS id_1, orders_1.user_id, orders_1.total_cents FROM users LEFT OUTER JOIN orders AS orders_1 ON users.id = orders_1.user_id".to_string(),
        (_, Shape::Join(Depth::Items)) => "SELECT users.id, users.name, users.email, items_1.id AS id_1, items_1.order_id, items_1.sku, items_1.qty, orders_1.id AS id_2, orders_1.user_id, orders_1.total_cents FROM users LEFT OUTER JOIN orders AS orders_1 ON users.id = orders_1.user_id LEFT OUTER JOIN items AS items_1 ON orders_1.id = items_1.order_id".to_string(),
        (Table::Users, _) => format!("SELECT {cols} FROM users"),
        (Table::Orders, Shape::ByParent(u)) => {
            format!("SELECT {cols} FROM orders WHERE {u} = orders.user_id")
        }
        (Table::Items, Shape::ByParent(o)) => {
            format!("SELECT {cols} FROM items WHERE {o} = items.order_id")
        }
        (Table::Orders, Shape::InList { .. }) if q.tick > 0 => format!(
            "SELECT {cols} FROM orders WHERE orders.user_id IN ({}) ORDER BY orders.id",
            list()
        ),
        (Table::Items, Shape::InList { .. }) if q.tick > 0 => format!(
            "SELECT {cols} FROM items WHERE items.order_id IN ({}) ORDER BY items.id",
            list()
        ),
        (Table::Orders, Shape::InList { .. }) => format!(
            "SELECT {cols} FROM orders WHERE orders.user_id IN ({})",
            list()
        ),
        (Table::Items, Shape::InList { .. }) => format!(
            "SELECT {cols} FROM items WHERE items.order_id IN ({})",
            list()
        ),
        (Table::Orders, _) => format!(
            "SELECT orders.id AS orders_id, orders.user_id AS orders_user_id, orders.total_cents AS orders_total_cents, anon_1.users_id AS anon_1_users_id FROM {anon} JOIN orders ON anon_1.users_id = orders.user_id"
        ),
        (Table::Items | Table::Tags | Table::Profiles, _) => format!(
            "SELECT items.id AS items_id, items.order_id AS items_order_id, items.sku AS items_sku, items.qty AS items_qty, orders_1.id AS orders_1_id FROM {anon} JOIN orders AS orders_1 ON anon_1.users_id = orders_1.user_id JOIN items ON orders_1.id = items.order_id"
        ),
    }
}

/// The first `limit` rows `q` returns for the first `users` users of
/// `data`, their columns in `orm`'s order.
pub(super) fn rows(
    q: &Query,
    data: &Dataset,
    keys: &[u32],
    users: u32,
    limit: usize,
    orm: Orm,
) -> Vec<Vec<Value>> {
    let orders = data.orders_of_first(users.min(data.users()));
    let mut out = match (q.table, q.shape) {
        (_, Shape::JoinTags) => super::m2m::join_rows(data, orders, limit),
        (_, Shape::JoinProfile) => (1..=users.min(data.users()))
            .take(limit)
            .map(|u| {
                let mut row = data.user(u).to_vec();
                row.extend(super::o2o::profile(u));
                row
            })
            .collect(),
        (Table::Profiles, _) => super::o2o::rows(q, users.min(data.users()), limit, orm),
        (Table::Tags, _) => super::m2m::rows(q, data, orders, limit),
        (_, Shape::JoinUser) => {
            let orders = data.orders_of_first(users.min(data.users()));
            (1..=orders)
                .take(limit)
                .map(|o| {
                    let mut row = data.order(o).to_vec();
                    row.extend(data.user(data.user_of(o)));
                    row
                })
                .collect()
        }
        (Table::Users, Shape::Subquery) => (1..=users.min(data.users()))
            .filter(|&u| !data.orders_of(u).is_empty())
            .take(limit)
            .map(|u| {
                let mut row = data.user(u).to_vec();
                row.push(Value::Int(i64::from(u)));
                row
            })
            .collect(),
        (Table::Users, Shape::ById(_) | Shape::InList { .. }) => keys
            .iter()
            .take(limit)
            .map(|&u| data.user(u).to_vec())
            .collect(),
        (Table::Users, Shape::UpTo(k)) => (1..=k.min(users).min(data.users()))
            .take(limit)
            .map(|u| data.user(u).to_vec())
            .collect(),
        (Table::Orders, Shape::All) => (1..=data.orders_of_first(users.min(data.users())))
            .take(limit)
            .map(|o| data.order(o).to_vec())
            .collect(),
        _ => logical_rows(q, data, users, limit),
    };
    if let Some(order) = arrangement(q, orm) {
        for row in &mut out {
            *row = order.iter().map(|&i| row[i].clone()).collect();
        }
    }
    out
}

/// The rows of `q`, their columns in the model's own order.
fn logical_rows(q: &Query, data: &Dataset, users: u32, limit: usize) -> Vec<Vec<Value>> {
    let users = users.min(data.users());
    if let Some(out) = mixed_rows(q, data, users, limit) {
        return out;
    }
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
        (Table::Items | Table::Tags | Table::Profiles, shape) => {
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

/// The rows of a query of a strategy per level (a second level joined into,
/// or wrapping, the first's statements), if it is one, in the model's
/// column order.
fn mixed_rows(q: &Query, data: &Dataset, users: u32, limit: usize) -> Option<Vec<Vec<Value>>> {
    let mut out: Vec<Vec<Value>> = Vec::new();
    let full = |out: &Vec<Vec<Value>>| out.len() >= limit;
    let null = |n: usize| std::iter::repeat_n(Value::Null, n);
    match (q.table, q.shape) {
        (_, Shape::JoinItemsBy(_) | Shape::JoinItemsIn { .. } | Shape::JoinItemsSubquery) => {
            let (first, last) = match q.shape {
                Shape::JoinItemsBy(u) => (u, u),
                Shape::JoinItemsIn { first, last, .. } => (first, last),
                _ => (1, users),
            };
            let keyed = q.shape == Shape::JoinItemsSubquery;
            'j: for u in first..=last.min(users) {
                for o in data.orders_of(u) {
                    let mut row = data.order(o).to_vec();
                    if keyed {
                        row.push(Value::Int(i64::from(u)));
                    }
                    let is = data.items_of(o);
                    if is.is_empty() {
                        out.push(row.iter().cloned().chain(null(4)).collect());
                    }
                    for i in is {
                        out.push(row.iter().cloned().chain(data.item(i)).collect());
                    }
                    if full(&out) {
                        break 'j;
                    }
                }
            }
        }
        (_, Shape::SubqueryBy(_) | Shape::SubqueryIn { .. }) => {
            let (first, last) = match q.shape {
                Shape::SubqueryBy(u) => (u, u),
                Shape::SubqueryIn { first, last, .. } => (first, last),
                _ => (1, users),
            };
            let orders = data.orders_of(first).start..data.orders_of(last.min(users)).end;
            'k: for o in orders {
                for i in data.items_of(o) {
                    let mut row = data.item(i).to_vec();
                    row.push(Value::Int(i64::from(o)));
                    out.push(row);
                    if full(&out) {
                        break 'k;
                    }
                }
            }
        }
        _ => return None,
    }
    out.truncate(limit);
    Some(out)
}
