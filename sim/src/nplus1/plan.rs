//! The planner: the queries an ORM sends for each strategy, in order, with
//! the rows, bytes and simulated cost of each.

use super::data::{id_bytes, Dataset, ROW_OVERHEAD};
use super::{plural, Depth, Params, Strategy};
use crate::{bytes, thousands};

/// The table a query reads its main rows from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `users`.
    Users,
    /// `orders`.
    Orders,
    /// `items`.
    Items,
}

/// Which rows a query asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Every row of the table (the users query).
    All,
    /// The children of one parent: `WHERE fk = parent`.
    ByParent(u32),
    /// The children of the parents with ids `first..=last`, listed in an
    /// `IN (...)`; batch `index` (from 1) of `count`.
    InList {
        /// First parent id.
        first: u32,
        /// Last parent id.
        last: u32,
        /// This batch's number, from 1.
        index: u32,
        /// Batches at this level.
        count: u32,
    },
    /// The children of every parent, the parent query repeated as a
    /// subquery.
    Subquery,
    /// Users joined to their orders (and items, at depth `Items`).
    Join(Depth),
}

/// One query the ORM sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    /// The table whose rows it loads.
    pub table: Table,
    /// Which rows.
    pub shape: Shape,
    /// The DataLoader tick it was sent in (0 for the first query and for the
    /// other strategies).
    pub tick: u32,
    /// Rows returned.
    pub rows: u64,
    /// Bytes of the result rows on the wire (PostgreSQL `DataRow`, text
    /// format).
    pub bytes: u64,
    /// Simulated time: one round trip plus the per-row cost.
    pub cost_ns: u64,
}

/// Running figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Queries sent.
    pub queries: u64,
    /// Rows returned.
    pub rows: u64,
    /// Bytes returned.
    pub bytes: u64,
    /// Simulated database time, in nanoseconds.
    pub time_ns: u64,
}

impl Totals {
    /// Adds one query.
    pub fn add(&mut self, q: &Query) {
        self.queries += 1;
        self.rows += q.rows;
        self.bytes += q.bytes;
        self.time_ns += q.cost_ns;
    }
}

/// Bytes of `n` NULL values.
const fn nulls(n: u64) -> u64 {
    4 * n
}

/// Where the planned queries go: each query is costed (one round trip plus
/// the per-row cost) and passed to the sink.
struct Out<'a, F: FnMut(Query)> {
    sink: &'a mut F,
    round_trip: u64,
    per_row: u64,
}

impl<F: FnMut(Query)> Out<'_, F> {
    /// Sends one query of `rows` rows and `bytes` bytes.
    fn send(&mut self, table: Table, shape: Shape, tick: u32, rows: u64, bytes: u64) {
        (self.sink)(Query {
            table,
            shape,
            tick,
            rows,
            bytes,
            cost_ns: self.round_trip + rows * self.per_row,
        })
    }
}

/// Sends the queries of `params.strategy` for the first `users` users of
/// `data` to `sink`, in the order the ORM sends them.
pub(super) fn plan(params: &Params, data: &Dataset, users: u32, sink: &mut impl FnMut(Query)) {
    let users = users.min(data.users());
    let mut out = Out {
        sink,
        round_trip: params.latency.round_trip_ns(),
        per_row: u64::from(params.row_us) * 1_000,
    };
    if params.strategy == Strategy::Joined {
        let (rows, bytes) = joined_size(data, users, params.depth);
        out.send(Table::Users, Shape::Join(params.depth), 0, rows, bytes);
        return;
    }
    let n = u64::from(users);
    out.send(
        Table::Users,
        Shape::All,
        0,
        n,
        ROW_OVERHEAD * n + data.user_bytes(1, users),
    );
    let nested = params.depth == Depth::Items;
    match params.strategy {
        Strategy::Lazy => lazy(&mut out, data, users, nested),
        Strategy::SelectIn | Strategy::DataLoader => batched(&mut out, params, data, users),
        Strategy::Subquery => subquery(&mut out, data, users, nested),
        Strategy::Joined => {}
    }
}

/// Lazy loading: one query per user for its orders, and (nested) one per
/// order for its items, right after its user's.
fn lazy<F: FnMut(Query)>(out: &mut Out<'_, F>, data: &Dataset, users: u32, nested: bool) {
    for u in 1..=users {
        let os = data.orders_of(u);
        let k = u64::from(os.end - os.start);
        let b = ROW_OVERHEAD * k + data.order_bytes(os.start, os.end.saturating_sub(1));
        out.send(Table::Orders, Shape::ByParent(u), 0, k, b);
        if nested {
            for o in os {
                let is = data.items_of(o);
                let k = u64::from(is.end - is.start);
                let b = ROW_OVERHEAD * k + data.item_bytes(is.start, is.end.saturating_sub(1));
                out.send(Table::Items, Shape::ByParent(o), 0, k, b);
            }
        }
    }
}

/// Batch loading (and DataLoader, a tick per level): one level at a time,
/// every orders batch, then every items batch, each an `IN` list of at most
/// the batch size.
fn batched<F: FnMut(Query)>(out: &mut Out<'_, F>, params: &Params, data: &Dataset, users: u32) {
    let nested = params.depth == Depth::Items;
    let orders = data.orders_of_first(users);
    let size = params.effective_batch().unwrap_or(u32::MAX).max(1);
    let tick = |t| u32::from(params.strategy == Strategy::DataLoader) * t;
    let levels = [(Table::Orders, users, 1), (Table::Items, orders, 2)];
    for (table, parents, t) in levels.into_iter().take(if nested { 2 } else { 1 }) {
        for (first, last, index, count) in batches(parents, size) {
            let (k, b) = children_of(data, table, first, last);
            let shape = Shape::InList {
                first,
                last,
                index,
                count,
            };
            out.send(table, shape, tick(t), k, ROW_OVERHEAD * k + b);
        }
    }
}

/// Rows and bytes of the children in `table` of parents `first..=last`
/// (orders of users, or items of orders).
fn children_of(data: &Dataset, table: Table, first: u32, last: u32) -> (u64, u64) {
    match table {
        Table::Items => {
            let r = data.items_of(first).start..data.items_of(last).end;
            let k = u64::from(r.end - r.start);
            (k, data.item_bytes(r.start, r.end.saturating_sub(1)))
        }
        _ => {
            let r = data.orders_of(first).start..data.orders_of(last).end;
            let k = u64::from(r.end - r.start);
            (k, data.order_bytes(r.start, r.end.saturating_sub(1)))
        }
    }
}

/// Subquery loading: one query per level, each row also carrying the
/// parent key from the subquery.
fn subquery<F: FnMut(Query)>(out: &mut Out<'_, F>, data: &Dataset, users: u32, nested: bool) {
    let orders = data.orders_of_first(users);
    if users > 0 {
        let extra: u64 = (1..=users)
            .map(|u| u64::from(data.orders_of(u).len() as u32) * id_bytes(u))
            .sum();
        let k = u64::from(orders);
        let b = ROW_OVERHEAD * k + data.order_bytes(1, orders) + extra;
        out.send(Table::Orders, Shape::Subquery, 0, k, b);
    }
    if nested && orders > 0 {
        let items = data.items_of_first(orders);
        let extra: u64 = (1..=orders)
            .map(|o| u64::from(data.items_of(o).len() as u32) * id_bytes(o))
            .sum();
        let k = u64::from(items);
        let b = ROW_OVERHEAD * k + data.item_bytes(1, items) + extra;
        out.send(Table::Items, Shape::Subquery, 0, k, b);
    }
}

/// Splits ids `1..=n` into runs of at most `size`: `(first, last, index,
/// count)`. No ids, no batches.
fn batches(n: u32, size: u32) -> impl Iterator<Item = (u32, u32, u32, u32)> {
    let size = size.max(1);
    let count = n.div_ceil(size);
    (0..count).map(move |i| {
        let first = i * size + 1;
        let last = n.min(first.saturating_add(size - 1));
        (first, last, i + 1, count)
    })
}

/// Rows and bytes of the LEFT OUTER JOIN: a user with no orders (an order
/// with no items) still gives one row, with NULLs for the missing side.
fn joined_size(data: &Dataset, users: u32, depth: Depth) -> (u64, u64) {
    let mut rows = 0;
    let mut total = 0;
    for u in 1..=users {
        let user = ROW_OVERHEAD + data.user_bytes(u, u);
        let os = data.orders_of(u);
        if os.is_empty() {
            let missing = match depth {
                Depth::Orders => nulls(3),
                Depth::Items => nulls(3 + 4),
            };
            rows += 1;
            total += user + missing;
            continue;
        }
        match depth {
            Depth::Orders => {
                let k = u64::from(os.end - os.start);
                rows += k;
                total += k * user + data.order_bytes(os.start, os.end.saturating_sub(1));
            }
            Depth::Items => {
                for o in os {
                    let order = user + data.order_bytes(o, o);
                    let is = data.items_of(o);
                    if is.is_empty() {
                        rows += 1;
                        total += order + nulls(4);
                    } else {
                        let k = u64::from(is.end - is.start);
                        rows += k;
                        total += k * order + data.item_bytes(is.start, is.end.saturating_sub(1));
                    }
                }
            }
        }
    }
    (rows, total)
}

/// What query number `i` (from 0) does, and why, in a sentence or two.
pub(super) fn describe(q: &Query, i: usize, data: &Dataset, params: &Params) -> String {
    let no = thousands(i as u64 + 1);
    let rows = plural(q.rows, "row", "rows");
    match (q.table, q.shape) {
        (_, Shape::Join(depth)) => {
            let separate = separate_bytes(data, params.users, depth);
            let what = match depth {
                Depth::Orders => "orders",
                Depth::Items => "orders and items",
            };
            format!(
                "One query joins users to their {what}: {rows}, because every child row carries its parents' columns again. That is {} on the wire, {} more than separate queries would return.",
                bytes(q.bytes),
                bytes(q.bytes.saturating_sub(separate))
            )
        }
        (Table::Users, _) => {
            let next = match params.strategy {
                Strategy::Lazy => " Their orders are not loaded yet: the ORM waits until the code touches them.",
                _ => "",
            };
            format!("Query {no} loads the users: {rows} in one round trip.{next}")
        }
        (Table::Orders, Shape::ByParent(u)) if q.rows == 0 => format!(
            "Query {no}: user {u} has no orders, but the ORM only learns that by asking: a full round trip for 0 rows."
        ),
        (Table::Orders, Shape::ByParent(u)) => format!(
            "Query {no}: the loop touches user {u}'s orders for the first time, so the ORM asks the database: {rows}. One such query per user is the N of N+1."
        ),
        (Table::Items, Shape::ByParent(o)) => format!(
            "Query {no}: the inner loop touches the items of order {o} (user {}): {rows}. One query per order is what makes nested lazy loading 1 + N + N\u{d7}M.",
            data.user_of(o)
        ),
        (table, Shape::InList { first, last, index, count }) => {
            let (parents, children) = match table {
                Table::Items => ("orders", "items"),
                _ => ("users", "orders"),
            };
            let keys = thousands(u64::from(last - first + 1));
            let range = if first == last {
                format!("{} {first}", &parents[..parents.len() - 1])
            } else {
                format!("{parents} {first}\u{2013}{last}")
            };
            if params.strategy == Strategy::DataLoader {
                format!(
                    "Tick {}: while resolving {parents}, the code called load() for {keys} {parents} in the same tick; DataLoader sends their {children} as batch {index} of {count}: {rows}.",
                    q.tick
                )
            } else {
                format!(
                    "Query {no} loads the {children} of {range} with one IN list of {keys} keys (batch {index} of {count}): {rows}."
                )
            }
        }
        (Table::Orders, Shape::Subquery) => format!(
            "Query {no} loads the orders of every user at once. Rather than list the keys, it runs the users query again as a subquery and joins to it: {rows}."
        ),
        (Table::Items, Shape::Subquery) => format!(
            "Query {no} loads the items of every order at once, nesting the orders query (which nests the users query) as a subquery: {rows}."
        ),
        _ => format!("Query {no}: {rows}."),
    }
}

/// Bytes the same data would take as separate, unjoined results.
fn separate_bytes(data: &Dataset, users: u32, depth: Depth) -> u64 {
    let users = users.min(data.users());
    let orders = data.orders_of_first(users);
    let mut b = ROW_OVERHEAD * u64::from(users + orders)
        + data.user_bytes(1, users)
        + data.order_bytes(1, orders);
    if depth == Depth::Items {
        let items = data.items_of_first(orders);
        b += ROW_OVERHEAD * u64::from(items) + data.item_bytes(1, items);
    }
    b
}

#[cfg(test)]
mod tests {
    use super::batches;

    #[test]
    fn batches_cover_every_id_once() {
        assert_eq!(batches(0, 500).count(), 0);
        assert_eq!(batches(1, 500).collect::<Vec<_>>(), vec![(1, 1, 1, 1)]);
        assert_eq!(
            batches(7, 3).collect::<Vec<_>>(),
            vec![(1, 3, 1, 3), (4, 6, 2, 3), (7, 7, 3, 3)]
        );
        assert_eq!(batches(5, u32::MAX).collect::<Vec<_>>(), vec![(1, 5, 1, 1)]);
        for n in 0..60 {
            for size in 1..20 {
                let b: Vec<_> = batches(n, size).collect();
                assert_eq!(b.len() as u32, n.div_ceil(size));
                let ids: Vec<u32> = b.iter().flat_map(|&(f, l, _, _)| f..=l).collect();
                assert_eq!(ids, (1..=n).collect::<Vec<_>>());
            }
        }
    }
}
