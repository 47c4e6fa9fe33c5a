//! The many-to-one walk: every order, then each order's user. The ORMs
//! part here: SQLAlchemy's lazy loader looks a user up in the session's
//! identity map before it sends anything, so it asks once per distinct
//! user not yet loaded; Django has no identity map and asks once per order.
//! Batch loading lists the distinct users (SQLAlchemy's `selectinload`
//! lists them all, loaded or not, 500 per `IN`; Django's
//! `prefetch_related` and `fetch_mode(FETCH_PEERS)` all in one list).

use super::data::{Dataset, ROW_OVERHEAD};
use super::plan::{Load, Query, Shape, Table};
use super::{plural, Orm, Params, Strategy};
use crate::thousands;

/// How the users are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Once per order (Django's lazy foreign key).
    PerRow,
    /// Once per distinct user not already loaded, the first `skip` users
    /// with orders being loaded (SQLAlchemy's lazy and immediate loaders).
    PerDistinct { skip: u32 },
    /// `IN` lists of distinct users (the batches, kept).
    Batches,
    /// One join or subquery, kept.
    Kept,
}

/// The queries of a many-to-one walk, answered by number.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    strategy: Strategy,
    mode: Mode,
    /// Orders of the users the run covers.
    orders: u32,
    /// The users that have orders, in id order.
    with_orders: Vec<u32>,
    /// Running totals of those users' row bytes (`[k]`: the first `k`).
    user_prefix: Vec<u64>,
    /// Running totals of `orders(u) * row bytes(u)` over the same users.
    order_prefix: Vec<u64>,
    /// Per batch: the range of `with_orders` indices it lists.
    batches: Vec<(u32, u32)>,
    /// The join or subquery.
    kept: Option<Query>,
    round_trip: u64,
    per_row: u64,
}

impl Plan {
    /// The queries of `params.strategy` for the orders of the first `users`
    /// users of `data`.
    pub(super) fn new(params: &Params, data: &Dataset, users: u32) -> Plan {
        let users = users.min(data.users());
        let with_orders: Vec<u32> = (1..=users)
            .filter(|&u| !data.orders_of(u).is_empty())
            .collect();
        let (mut user_prefix, mut order_prefix) = (vec![0u64], vec![0u64]);
        for &u in &with_orders {
            let b = ROW_OVERHEAD + data.user_bytes(u, u);
            let k = data.orders_of(u).len() as u64;
            user_prefix.push(user_prefix[user_prefix.len() - 1] + b);
            order_prefix.push(order_prefix[order_prefix.len() - 1] + k * b);
        }
        let skip = with_orders.partition_point(|&u| u <= params.loaded) as u32;
        let mode = match (params.orm, params.strategy) {
            (Orm::Django, Strategy::Lazy | Strategy::Raise) => Mode::PerRow,
            // FETCH_PEERS with a single instance fetches it alone.
            (Orm::Django, Strategy::Peers) if data.orders_of_first(users) == 1 => Mode::PerRow,
            (_, Strategy::Lazy | Strategy::Immediate | Strategy::Raise | Strategy::RaiseOnSql) => {
                Mode::PerDistinct { skip }
            }
            (_, Strategy::Joined | Strategy::Subquery) => Mode::Kept,
            _ => Mode::Batches,
        };
        let mut plan = Plan {
            strategy: params.strategy,
            mode,
            orders: data.orders_of_first(users),
            with_orders,
            user_prefix,
            order_prefix,
            batches: Vec::new(),
            kept: None,
            round_trip: params.latency.round_trip_ns(),
            per_row: u64::from(params.row_us) * 1_000,
        };
        match mode {
            Mode::Batches => plan.batches = plan.batches_of(params, data),
            Mode::Kept => plan.kept = plan.kept_query(data),
            _ => {}
        }
        plan
    }

    /// The `IN` lists: SQLAlchemy's and a DataLoader's split the distinct
    /// users into runs of the batch size; Django's one list, or with
    /// `.iterator(chunk_size=)` one per chunk of orders, each listing the
    /// users of its orders (a user whose orders straddle two chunks is in
    /// both).
    fn batches_of(&self, params: &Params, data: &Dataset) -> Vec<(u32, u32)> {
        let d = self.with_orders.len() as u32;
        let chunked = params.orm == Orm::Django && params.strategy == Strategy::SelectIn;
        match (chunked, params.effective_batch()) {
            (true, Some(b)) => {
                let b = b.max(1);
                (0..self.orders.div_ceil(b))
                    .map(|c| {
                        let first = c * b + 1;
                        let last = self.orders.min(first.saturating_add(b - 1));
                        let lo = self.index_of(data.user_of(first));
                        let hi = self.index_of(data.user_of(last)) + 1;
                        (lo, hi)
                    })
                    .collect()
            }
            (_, size) => {
                let size = size.unwrap_or(u32::MAX).max(1);
                (0..d.div_ceil(size))
                    .map(|j| (j * size, d.min(j.saturating_mul(size).saturating_add(size))))
                    .collect()
            }
        }
    }

    /// The position of user `u` in `with_orders`.
    fn index_of(&self, u: u32) -> u32 {
        self.with_orders.partition_point(|&w| w < u) as u32
    }

    /// The join (every order with its user's columns) or the subquery (the
    /// distinct users, with the key from the repeated orders query).
    fn kept_query(&self, data: &Dataset) -> Option<Query> {
        let d = self.with_orders.len();
        if self.strategy == Strategy::Joined {
            let bytes = ROW_OVERHEAD * u64::from(self.orders)
                + data.order_bytes(1, self.orders)
                + self.order_prefix[d];
            let q = self.query_of(
                Table::Orders,
                Shape::JoinUser,
                u64::from(self.orders),
                bytes,
            );
            return Some(q);
        }
        if self.orders == 0 {
            return None;
        }
        let keys: u64 = self
            .with_orders
            .iter()
            .map(|&u| super::data::id_bytes(u))
            .sum();
        let q = self.query_of(
            Table::Users,
            Shape::Subquery,
            d as u64,
            self.user_prefix[d] + keys,
        );
        Some(q)
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

    /// Queries after the orders query, before any guard cuts them.
    fn children(&self) -> usize {
        match self.mode {
            Mode::PerRow => self.orders as usize,
            Mode::PerDistinct { skip } => self.with_orders.len() - skip as usize,
            Mode::Batches => self.batches.len(),
            Mode::Kept => usize::from(self.kept.is_some() && self.strategy != Strategy::Joined),
        }
    }

    /// How many queries the ORM sends (the guards cut this in the run).
    pub(super) fn len(&self) -> usize {
        1 + self.children()
    }

    /// The orders query (or, for joined loading, the join).
    fn orders_query(&self, data: &Dataset) -> Query {
        if let (Mode::Kept, Some(q)) = (self.mode, self.kept) {
            if q.shape == Shape::JoinUser {
                return q;
            }
        }
        let k = u64::from(self.orders);
        self.query_of(
            Table::Orders,
            Shape::All,
            k,
            ROW_OVERHEAD * k + data.order_bytes(1, self.orders),
        )
    }

    /// Query `i` (from 0; the last one past the end).
    pub(super) fn at(&self, data: &Dataset, i: usize) -> Query {
        let i = i.min(self.len() - 1);
        if i == 0 {
            return self.orders_query(data);
        }
        let j = i as u32 - 1;
        let by_id = |u: u32| {
            let b = ROW_OVERHEAD + data.user_bytes(u, u);
            self.query_of(Table::Users, Shape::ById(u), 1, b)
        };
        match self.mode {
            Mode::PerRow => by_id(data.user_of(j + 1)),
            Mode::PerDistinct { skip } => by_id(self.with_orders[(skip + j) as usize]),
            Mode::Batches => {
                let (lo, hi) = self.batches[j as usize];
                let shape = Shape::InList {
                    first: self.with_orders[lo as usize],
                    last: self.with_orders[hi as usize - 1],
                    index: j + 1,
                    count: self.batches.len() as u32,
                };
                let bytes = self.user_prefix[hi as usize] - self.user_prefix[lo as usize];
                self.query_of(Table::Users, shape, u64::from(hi - lo), bytes)
            }
            Mode::Kept => self.kept.unwrap_or_else(|| self.orders_query(data)),
        }
    }

    /// Rows and bytes of the first `k` queries.
    pub(super) fn load(&self, data: &Dataset, k: usize) -> Load {
        let k = k.min(self.len());
        if k == 0 {
            return Load::default();
        }
        let first = self.orders_query(data);
        let mut load = Load {
            rows: first.rows,
            bytes: first.bytes,
        };
        let j = (k - 1) as u32;
        let extra = match self.mode {
            Mode::PerRow => self.per_row_load(data, j),
            Mode::PerDistinct { skip } => Load {
                rows: u64::from(j),
                bytes: self.user_prefix[(skip + j) as usize] - self.user_prefix[skip as usize],
            },
            Mode::Batches => {
                self.batches[..j as usize]
                    .iter()
                    .fold(Load::default(), |l, &(lo, hi)| {
                        l.plus(Load {
                            rows: u64::from(hi - lo),
                            bytes: self.user_prefix[hi as usize] - self.user_prefix[lo as usize],
                        })
                    })
            }
            Mode::Kept => match (j, self.kept) {
                (1, Some(q)) if q.shape != Shape::JoinUser => Load {
                    rows: q.rows,
                    bytes: q.bytes,
                },
                _ => Load::default(),
            },
        };
        load = load.plus(extra);
        load
    }

    /// Rows and bytes of Django's first `j` per-order user queries.
    fn per_row_load(&self, data: &Dataset, j: u32) -> Load {
        if j == 0 {
            return Load::default();
        }
        let u = data.user_of(j);
        let idx = self.index_of(u) as usize;
        let done = j - data.orders_of_first(u - 1);
        let b = ROW_OVERHEAD + data.user_bytes(u, u);
        Load {
            rows: u64::from(j),
            bytes: self.order_prefix[idx] + u64::from(done) * b,
        }
    }

    /// The keys of batch query `i`, if it is one.
    pub(super) fn keys(&self, i: usize) -> Option<Vec<u32>> {
        if self.mode != Mode::Batches || i == 0 {
            return None;
        }
        let &(lo, hi) = self.batches.get(i - 1)?;
        Some(self.with_orders[lo as usize..hi as usize].to_vec())
    }

    /// Heap memory held, in bytes.
    pub(super) fn heap_bytes(&self) -> usize {
        4 * self.with_orders.capacity()
            + 8 * (self.user_prefix.capacity() + self.order_prefix.capacity())
            + 8 * self.batches.capacity()
    }
}

/// What query `i` (from 0) of a many-to-one walk, or the users query the
/// session sent first, does and why; `None` for the other queries.
pub(super) fn describe(q: &Query, i: usize, params: &Params) -> Option<String> {
    let no = thousands(i as u64 + 1);
    let rows = plural(q.rows, "row", "rows");
    let django = params.orm == Orm::Django;
    let text = match (q.table, q.shape) {
        (_, Shape::UpTo(k)) if django => format!(
            "Query {no}: before the loop, the code loads users 1\u{2013}{k}: {rows}. Django keeps no identity map, so these instances do not help any other queryset."
        ),
        (_, Shape::UpTo(k)) => format!(
            "Query {no}: before the loop, the session loads users 1\u{2013}{k}: {rows}. They stay in its identity map while the code holds them."
        ),
        (Table::Orders, Shape::All) => format!(
            "Query {no} loads the orders: {rows}. No order's user is loaded yet."
        ),
        (_, Shape::JoinUser) => format!(
            "One query joins every order to its user: {rows}, each carrying its user's columns again."
        ),
        (Table::Users, Shape::ById(u)) if django => {
            let order = i + 1 - usize::from(params.loaded > 0) - 1;
            format!(
                "Query {no}: order {order}.user. Django has no identity map: each order fetches its user (user {u}), even one fetched for the order before: {rows}."
            )
        }
        (Table::Users, Shape::ById(u)) => format!(
            "Query {no}: order.user for user {u}, who is not in the session's identity map yet, so SQLAlchemy asks: {rows}. Every other order of a user already seen costs nothing."
        ),
        (Table::Users, Shape::Subquery) => format!(
            "Query {no} loads the users of every order at once, repeating the orders query as a DISTINCT subquery: {rows}."
        ),
        (Table::Users, Shape::InList { index, count, .. }) => {
            let keys = thousands(q.rows);
            match (params.orm, params.strategy) {
                (_, Strategy::DataLoader) => format!(
                    "Tick {}: the code called load() for each order's user in one tick; DataLoader asks for the {keys} distinct users as batch {index} of {count}: {rows}.",
                    q.tick
                ),
                (Orm::Django, Strategy::Peers) => format!(
                    "Query {no}: the first order.user under FETCH_PEERS loads the users of every order the queryset fetched, {keys} distinct keys in one IN list: {rows}."
                ),
                (Orm::Django, _) if count == 1 => format!(
                    "Query {no}: prefetch_related lists the distinct users of the orders, {keys} keys in one IN list: {rows}."
                ),
                (Orm::Django, _) => format!(
                    "Query {no}: for chunk {index} of {count} of the orders, prefetch_related lists their distinct users, {keys} keys: {rows}."
                ),
                _ => format!(
                    "Query {no}: selectinload lists the distinct users of the orders, {keys} keys (batch {index} of {count}), the identity map notwithstanding: {rows}."
                ),
            }
        }
        _ => return None,
    };
    Some(text)
}
