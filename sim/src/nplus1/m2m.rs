//! The many-to-many walk: every order, then each order's tags, through the
//! association table `order_tags`. A collection again, so no identity map
//! saves a query: each lazy `order.tags` asks, and batch loading lists the
//! orders' keys (SQLAlchemy 500 per `IN`, Django all in one). The tag
//! counts per order are the dataset's item counts (the `items` field), and
//! tag `p` (from 0) of order `o` is tag `(7o + p) mod 40 + 1` of 40.

use super::data::{id_bytes, Dataset, Value, ROW_OVERHEAD};
use super::plan::{Load, Query, Shape, Table};
use super::{plural, Orm, Params, Strategy};
use crate::thousands;

/// The tags table's rows.
pub const TAGS: u32 = 40;

/// Tag `p` (from 0) of order `o`.
pub fn tag_of(o: u32, p: u32) -> u32 {
    ((u64::from(o) * 7 + u64::from(p)) % u64::from(TAGS)) as u32 + 1
}

/// The row of tag `t`: id, name.
pub fn tag(t: u32) -> [Value; 2] {
    [Value::Int(i64::from(t)), Value::Text(format!("tag{t}"))]
}

fn tag_bytes(t: u32) -> u64 {
    ROW_OVERHEAD + tag(t).iter().map(Value::wire_bytes).sum::<u64>()
}

/// How the tags are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Once per order, once per pass of the loop (Django) or once in all.
    PerOrder { passes: u32 },
    /// `IN` lists of order keys: runs of the batch size.
    Batches { size: u32 },
    /// One join, or the orders query and one subquery.
    Kept,
}

/// The queries of a many-to-many walk, answered by number.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    strategy: Strategy,
    mode: Mode,
    orders: u32,
    /// Running totals of the tag rows' bytes per order.
    tag_prefix: Vec<u64>,
    round_trip: u64,
    per_row: u64,
}

impl Plan {
    /// The queries of `params.strategy` for the orders of the first `users`
    /// users of `data`.
    pub(super) fn new(params: &Params, data: &Dataset, users: u32) -> Plan {
        let orders = data.orders_of_first(users.min(data.users()));
        let mut tag_prefix = Vec::with_capacity(orders as usize + 1);
        tag_prefix.push(0u64);
        for o in 1..=orders {
            let k = data.items_of(o).len() as u32;
            let b: u64 = (0..k).map(|p| tag_bytes(tag_of(o, p))).sum();
            tag_prefix.push(tag_prefix[o as usize - 1] + b);
        }
        let mode = match params.strategy {
            Strategy::Joined | Strategy::Subquery => Mode::Kept,
            Strategy::SelectIn | Strategy::DataLoader => Mode::Batches {
                size: params.effective_batch().unwrap_or(u32::MAX).max(1),
            },
            _ => Mode::PerOrder {
                passes: if params.orm == Orm::Django {
                    params.touch.max(1)
                } else {
                    1
                },
            },
        };
        Plan {
            strategy: params.strategy,
            mode,
            orders,
            tag_prefix,
            round_trip: params.latency.round_trip_ns(),
            per_row: u64::from(params.row_us) * 1_000,
        }
    }

    fn query_of(&self, table: Table, shape: Shape, rows: u64, bytes: u64) -> Query {
        Query {
            table,
            shape,
            tick: u32::from(self.strategy == Strategy::DataLoader),
            rows,
            bytes,
            cost_ns: self.round_trip + rows * self.per_row,
        }
    }

    /// How many queries the ORM sends (the guards cut this in the run).
    pub(super) fn len(&self) -> usize {
        let o = self.orders as usize;
        match self.mode {
            Mode::PerOrder { passes } => 1 + passes as usize * o,
            Mode::Batches { size } => 1 + self.orders.div_ceil(size) as usize,
            Mode::Kept if self.strategy == Strategy::Joined => 1,
            Mode::Kept => 1 + usize::from(o > 0),
        }
    }

    /// Rows and bytes of the tags of orders `first..=last`.
    fn tags(&self, data: &Dataset, first: u32, last: u32) -> Load {
        if first > last {
            return Load::default();
        }
        Load {
            rows: u64::from(data.items_of_first(last) - data.items_of_first(first - 1)),
            bytes: self.tag_prefix[last as usize] - self.tag_prefix[first as usize - 1],
        }
    }

    /// Query `i` (from 0; the last one past the end).
    pub(super) fn at(&self, data: &Dataset, i: usize) -> Query {
        let i = i.min(self.len() - 1);
        let all = self.tags(data, 1, self.orders);
        if i == 0 {
            if self.strategy == Strategy::Joined {
                // Every order once per tag, or once with NULLs.
                let (rows, bytes) = (1..=self.orders).fold((0u64, 0u64), |(r, b), o| {
                    let order = ROW_OVERHEAD + data.order_bytes(o, o);
                    let k = data.items_of(o).len() as u64;
                    let t = self.tags(data, o, o).bytes - k * ROW_OVERHEAD;
                    (
                        r + k.max(1),
                        b + k.max(1) * order + if k == 0 { 8 } else { t },
                    )
                });
                return self.query_of(Table::Orders, Shape::JoinTags, rows, bytes);
            }
            let k = u64::from(self.orders);
            let bytes = ROW_OVERHEAD * k + data.order_bytes(1, self.orders);
            return self.query_of(Table::Orders, Shape::All, k, bytes);
        }
        let j = i as u32 - 1;
        match self.mode {
            Mode::PerOrder { .. } => {
                let o = j % self.orders.max(1) + 1;
                let l = self.tags(data, o, o);
                self.query_of(Table::Tags, Shape::ByParent(o), l.rows, l.bytes)
            }
            Mode::Batches { size } => {
                let first = j.saturating_mul(size).saturating_add(1);
                let last = self.orders.min(first.saturating_add(size - 1));
                let l = self.tags(data, first, last);
                let shape = Shape::InList {
                    first,
                    last,
                    index: j + 1,
                    count: self.orders.div_ceil(size),
                };
                self.query_of(Table::Tags, shape, l.rows, l.bytes)
            }
            Mode::Kept => {
                let keys: u64 = (1..=self.orders)
                    .map(|o| data.items_of(o).len() as u64 * id_bytes(o))
                    .sum();
                self.query_of(Table::Tags, Shape::Subquery, all.rows, all.bytes + keys)
            }
        }
    }

    /// Rows and bytes of the first `k` queries.
    pub(super) fn load(&self, data: &Dataset, k: usize) -> Load {
        let k = k.min(self.len());
        if k == 0 {
            return Load::default();
        }
        let first = self.at(data, 0);
        let root = Load {
            rows: first.rows,
            bytes: first.bytes,
        };
        let j = (k - 1) as u32;
        let tags = match self.mode {
            Mode::PerOrder { .. } => {
                let per = self.orders.max(1);
                let all = self.tags(data, 1, self.orders);
                let part = self.tags(data, 1, j % per);
                Load {
                    rows: all.rows * u64::from(j / per) + part.rows,
                    bytes: all.bytes * u64::from(j / per) + part.bytes,
                }
            }
            Mode::Batches { size } => self.tags(data, 1, self.orders.min(j.saturating_mul(size))),
            Mode::Kept if j == 1 => {
                let q = self.at(data, 1);
                Load {
                    rows: q.rows,
                    bytes: q.bytes,
                }
            }
            Mode::Kept => Load::default(),
        };
        root.plus(tags)
    }

    /// Heap memory held, in bytes.
    pub(super) fn heap_bytes(&self) -> usize {
        8 * self.tag_prefix.capacity()
    }
}

/// The rows of a tags query: each order's tags in order, as
/// `order_tags.order_id, tags.id, tags.name` for an `IN` list (the key
/// first), `tags.id, tags.name` otherwise (and the subquery's key last).
pub(super) fn rows(q: &Query, data: &Dataset, orders: u32, limit: usize) -> Vec<Vec<Value>> {
    let range = match q.shape {
        Shape::ByParent(o) => o..=o,
        Shape::InList { first, last, .. } => first..=last,
        _ => 1..=orders,
    };
    let mut out = Vec::new();
    for o in range {
        for p in 0..data.items_of(o).len() as u32 {
            if out.len() >= limit {
                return out;
            }
            let t = tag(tag_of(o, p));
            let mut row = Vec::with_capacity(3);
            if matches!(q.shape, Shape::InList { .. }) {
                row.push(Value::Int(i64::from(o)));
            }
            row.extend(t);
            if q.shape == Shape::Subquery {
                row.push(Value::Int(i64::from(o)));
            }
            out.push(row);
        }
    }
    out
}

/// The rows of the join: each order with each of its tags (or NULLs).
pub(super) fn join_rows(data: &Dataset, orders: u32, limit: usize) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for o in 1..=orders {
        let k = data.items_of(o).len() as u32;
        for p in 0..k.max(1) {
            if out.len() >= limit {
                return out;
            }
            let mut row = data.order(o).to_vec();
            if k == 0 {
                row.extend([Value::Null, Value::Null]);
            } else {
                row.extend(tag(tag_of(o, p)));
            }
            out.push(row);
        }
    }
    out
}

/// What a tags query does, in a sentence or two.
pub(super) fn describe(q: &Query, i: usize, params: &Params) -> Option<String> {
    let no = thousands(i as u64 + 1);
    let rows = plural(q.rows, "row", "rows");
    let text = match q.shape {
        Shape::JoinTags => format!(
            "One query joins every order to its tags through order_tags: {rows}, an order with no tags once, with NULLs."
        ),
        Shape::ByParent(o) => format!(
            "Query {no}: the loop touches order {o}'s tags, a collection, so the ORM asks again, joining order_tags to tags: {rows}. No identity map can answer a collection."
        ),
        Shape::InList { first, last, index, count } => {
            let keys = thousands(u64::from(last - first + 1));
            match (params.orm, params.strategy) {
                (_, Strategy::DataLoader) => format!(
                    "Tick {}: DataLoader sends the tags of orders {first}\u{2013}{last}, {keys} keys, as batch {index} of {count}: {rows}.",
                    q.tick
                ),
                (Orm::Django, _) => format!(
                    "Query {no}: prefetch_related loads the tags of orders {first}\u{2013}{last} through order_tags, {keys} keys in one IN list: {rows}."
                ),
                _ => format!(
                    "Query {no}: selectinload loads the tags of orders {first}\u{2013}{last} through order_tags, {keys} keys (batch {index} of {count}): {rows}."
                ),
            }
        }
        Shape::Subquery => format!(
            "Query {no} loads every order's tags at once, repeating the orders query as a subquery joined through order_tags: {rows}."
        ),
        _ => return None,
    };
    Some(text)
}
