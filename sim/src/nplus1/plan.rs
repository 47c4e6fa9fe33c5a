//! The planner: the queries an ORM sends for each strategy, in order, with
//! the rows, bytes and simulated cost of each.

use super::data::{id_bytes, Dataset, ROW_OVERHEAD};
use super::{plural, Depth, Orm, Params, Strategy, SQLITE_VARIABLES};
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
    /// `tags`, through `order_tags`.
    Tags,
    /// `profiles`, one per user.
    Profiles,
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
    /// One row by its key: `WHERE users.id = key` (a many-to-one load).
    ById(u32),
    /// The users with ids up to a bound, loaded before the loop.
    UpTo(u32),
    /// Orders joined to their users (a many-to-one join).
    JoinUser,
    /// Orders joined to their tags through `order_tags`.
    JoinTags,
    /// Users joined to their profiles.
    JoinProfile,
    /// User `u`'s orders joined to their items (a lazy first level with a
    /// joined second).
    JoinItemsBy(u32),
    /// The orders of users `first..=last`, listed in an `IN (...)`, joined
    /// to their items; batch `index` of `count`.
    JoinItemsIn {
        /// First user id.
        first: u32,
        /// Last user id.
        last: u32,
        /// This batch's number, from 1.
        index: u32,
        /// Batches at this level.
        count: u32,
    },
    /// Every user's orders (the users query repeated as a subquery) joined
    /// to their items.
    JoinItemsSubquery,
    /// The items of user `u`'s orders, the orders query repeated as a
    /// subquery.
    SubqueryBy(u32),
    /// The items of the orders of users `first..=last`, the batch's orders
    /// query repeated as a subquery; batch `index` of `count`.
    SubqueryIn {
        /// First user id.
        first: u32,
        /// Last user id.
        last: u32,
        /// This batch's number, from 1.
        index: u32,
        /// Batches at this level.
        count: u32,
    },
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

/// The queries of a run, answered by number rather than stored: lazy and
/// batch loading send up to 210,001 queries at the largest link, and each
/// one's rows and bytes (and the running figures after any number of them)
/// are differences of the dataset's running totals. Joined and subquery
/// loading send at most three queries, kept whole.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    strategy: Strategy,
    /// The ORM refuses the strategy: it raises before sending anything.
    refused: bool,
    nested: bool,
    /// The users loaded.
    users: u32,
    /// Their orders.
    orders: u32,
    /// Parent keys per `IN` list (batched strategies).
    size: u32,
    round_trip: u64,
    per_row: u64,
    /// The queries of joined and subquery loading.
    kept: Vec<Query>,
    /// Passes of the loop that send queries (Django's related manager
    /// queries on every `.all()`, so every pass does; 1 otherwise).
    repeat: u32,
    /// Eager per row (`immediateload`): every user's orders query, then
    /// every order's items query, level by level.
    levelwise: bool,
    /// A DataLoader whose batch functions await real I/O: the items of each
    /// orders batch load as their own batches, when that batch resolves.
    /// Per orders batch, the items batches before it; one more entry for
    /// the total.
    per_batch: Option<Vec<u32>>,
    /// Django's prefetch_related, whose users come in chunks of `size`
    /// (`.iterator(chunk_size=size)`; one chunk without it): per chunk, the
    /// child queries before it (its orders query, and its items query when
    /// its users have orders), one more entry for the total.
    chunks: Option<Vec<u32>>,
}

/// Rows and bytes so far.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Load {
    pub(super) rows: u64,
    pub(super) bytes: u64,
}

impl Load {
    pub(super) fn times(self, k: u32) -> Load {
        Load {
            rows: self.rows * u64::from(k),
            bytes: self.bytes * u64::from(k),
        }
    }

    pub(super) fn plus(self, o: Load) -> Load {
        Load {
            rows: self.rows + o.rows,
            bytes: self.bytes + o.bytes,
        }
    }
}

impl Plan {
    /// The queries of `params.strategy` for the first `users` users of
    /// `data`, in the order the ORM sends them.
    pub(super) fn new(params: &Params, data: &Dataset, users: u32) -> Plan {
        let users = users.min(data.users());
        // The guards load lazily until they raise (the run cuts the plan
        // there), and Django's fetch modes leave reverse relations lazy.
        let (strategy, levelwise) = match params.strategy {
            Strategy::Immediate => (Strategy::Lazy, true),
            Strategy::Raise | Strategy::RaiseOnSql | Strategy::Peers => (Strategy::Lazy, false),
            s => (s, false),
        };
        let repeat = match (params.orm, strategy, levelwise) {
            (Orm::Django, Strategy::Lazy, false) => params.touch.max(1),
            _ => 1,
        };
        let mut plan = Plan {
            strategy,
            repeat,
            levelwise,
            refused: params.refusal().is_some(),
            nested: params.depth == Depth::Items,
            users,
            orders: data.orders_of_first(users),
            size: params.effective_batch().unwrap_or(u32::MAX).max(1),
            round_trip: params.latency.round_trip_ns(),
            per_row: u64::from(params.row_us) * 1_000,
            kept: Vec::new(),
            chunks: None,
            per_batch: None,
        };
        if plan.refused {
            return plan;
        }
        match plan.strategy {
            Strategy::Joined => {
                let (rows, bytes) = joined_size(data, users, params.depth);
                let q = plan.query_of(Table::Users, Shape::Join(params.depth), 0, rows, bytes);
                plan.kept.push(q);
            }
            Strategy::Subquery => plan.kept = plan.subquery(data),
            Strategy::SelectIn if params.orm == Orm::Django => {
                plan.chunks = Some(plan.django_chunks(data));
            }
            Strategy::DataLoader if params.io == super::Io::Real && plan.nested => {
                let mut before = vec![0u32];
                for b in 0..plan.order_batches() {
                    let (first, last) = batch_range(users, plan.size, b);
                    let k = data.orders_of_first(last) - data.orders_of_first(first - 1);
                    before.push(before[b as usize] + k.div_ceil(plan.size));
                }
                plan.per_batch = Some(before);
            }
            _ => {}
        }
        plan
    }

    /// The child queries before each chunk of users, and in all.
    fn django_chunks(&self, data: &Dataset) -> Vec<u32> {
        let count = self.users.div_ceil(self.size);
        let mut out = Vec::with_capacity(count as usize + 1);
        let mut before = 0u32;
        out.push(0);
        for c in 0..count {
            let (first, last) = batch_range(self.users, self.size, c);
            let has_orders = data.orders_of_first(last) > data.orders_of_first(first - 1);
            before += 1 + u32::from(self.nested && has_orders);
            out.push(before);
        }
        out
    }

    /// Django's child query `j` (from 0): chunk `c` (from 0) and whether it
    /// is the chunk's items query, with the chunk's users.
    fn django_position(&self, chunks: &[u32], j: u32) -> (u32, bool, u32, u32) {
        let c = chunks.partition_point(|&b| b <= j).saturating_sub(1) as u32;
        let items = j > chunks[c as usize];
        let (first, last) = batch_range(self.users, self.size, c);
        (c, items, first, last)
    }

    /// Django's child query `j`: the chunk's orders, `IN` its users, or its
    /// items, `IN` the orders of its users.
    fn django(&self, data: &Dataset, chunks: &[u32], j: u32) -> Query {
        let (c, items, first, last) = self.django_position(chunks, j);
        let count = (chunks.len() - 1) as u32;
        let (table, first, last) = if items {
            let o = |u: u32| data.orders_of_first(u);
            (Table::Items, o(first - 1) + 1, o(last))
        } else {
            (Table::Orders, first, last)
        };
        let (k, b) = children_of(data, table, first, last);
        let shape = Shape::InList {
            first,
            last,
            index: c + 1,
            count,
        };
        self.query_of(table, shape, 0, k, ROW_OVERHEAD * k + b)
    }

    /// Rows and bytes of Django's first `j` child queries.
    fn django_load(&self, data: &Dataset, chunks: &[u32], j: u32) -> Load {
        if j == 0 {
            return Load::default();
        }
        let (_, items, first, last) = self.django_position(chunks, j - 1);
        let orders = if items { last } else { first - 1 };
        children_load(data, last, data.orders_of_first(orders))
    }

    /// How many queries the ORM sends.
    pub(super) fn len(&self) -> usize {
        if self.refused {
            return 0;
        }
        let n = self.users as usize;
        match self.strategy {
            Strategy::Joined | Strategy::Subquery => self.kept.len(),
            Strategy::Lazy => {
                1 + self.repeat as usize * (n + if self.nested { self.orders as usize } else { 0 })
            }
            Strategy::SelectIn | Strategy::DataLoader => match &self.chunks {
                Some(c) => 1 + c.last().copied().unwrap_or(0) as usize,
                None => 1 + self.order_batches() as usize + self.item_batches() as usize,
            },
            _ => 1,
        }
    }

    fn order_batches(&self) -> u32 {
        self.users.div_ceil(self.size)
    }

    fn item_batches(&self) -> u32 {
        if let Some(p) = &self.per_batch {
            p.last().copied().unwrap_or(0)
        } else if self.nested {
            self.orders.div_ceil(self.size)
        } else {
            0
        }
    }

    /// A query of `rows` rows and `bytes` bytes, costed: one round trip
    /// plus the per-row cost.
    fn query_of(&self, table: Table, shape: Shape, tick: u32, rows: u64, bytes: u64) -> Query {
        Query {
            table,
            shape,
            tick,
            rows,
            bytes,
            cost_ns: self.round_trip + rows * self.per_row,
        }
    }

    /// The users query every strategy but joined loading starts with.
    fn users_query(&self, data: &Dataset) -> Query {
        let l = users_load(data, self.users);
        self.query_of(Table::Users, Shape::All, 0, l.rows, l.bytes)
    }

    /// Query number `i` (from 0; the last one past the end).
    pub(super) fn at(&self, data: &Dataset, i: usize) -> Query {
        let i = i.min(self.len().saturating_sub(1));
        match self.strategy {
            Strategy::Joined | Strategy::Subquery => match self.kept.get(i) {
                Some(q) => *q,
                None => self.users_query(data),
            },
            _ if i == 0 => self.users_query(data),
            Strategy::Lazy if self.levelwise => self.immediate(data, i as u32 - 1),
            Strategy::Lazy => self.lazy(data, i - 1),
            Strategy::SelectIn | Strategy::DataLoader => match &self.chunks {
                Some(c) => self.django(data, c, i as u32 - 1),
                None => self.batch(data, i - 1),
            },
            _ => self.users_query(data),
        }
    }

    /// Heap memory held, in bytes.
    pub(super) fn heap_bytes(&self) -> usize {
        self.kept.capacity() * std::mem::size_of::<Query>()
            + self.chunks.as_ref().map_or(0, |c| 4 * c.capacity())
            + self.per_batch.as_ref().map_or(0, |c| 4 * c.capacity())
    }

    /// Lazy loading's child query number `j` (from 0): one query per user
    /// for its orders and (nested) one per order for its items, right after
    /// its user's; with Django the whole loop's queries come again on
    /// every pass over the users.
    fn lazy(&self, data: &Dataset, j: usize) -> Query {
        let j = j as u32 % self.per_pass().max(1);
        let (done, r) = lazy_position(data, self.users, self.nested, j);
        let (table, parent) = if r == 0 {
            (Table::Orders, done + 1)
        } else {
            (Table::Items, data.orders_of_first(done) + r)
        };
        let (k, b) = children_of(data, table, parent, parent);
        self.query_of(table, Shape::ByParent(parent), 0, k, ROW_OVERHEAD * k + b)
    }

    /// Lazy loading's child queries in one pass of the loop.
    fn per_pass(&self) -> u32 {
        self.users + if self.nested { self.orders } else { 0 }
    }

    /// Immediate loading's child query `j` (from 0): every user's orders,
    /// then every order's items.
    fn immediate(&self, data: &Dataset, j: u32) -> Query {
        let (table, parent) = if j < self.users {
            (Table::Orders, j + 1)
        } else {
            (Table::Items, j - self.users + 1)
        };
        let (k, b) = children_of(data, table, parent, parent);
        self.query_of(table, Shape::ByParent(parent), 0, k, ROW_OVERHEAD * k + b)
    }

    /// Batch `j` (from 0) of batch loading (and DataLoader, a tick per
    /// level): every orders batch, then every items batch, each an `IN`
    /// list of at most the batch size.
    fn batch(&self, data: &Dataset, j: usize) -> Query {
        let j = j as u32;
        let cu = self.order_batches();
        let (table, parents, count, index, level) = if j < cu {
            (Table::Orders, self.users, cu, j, 1)
        } else if let Some(p) = &self.per_batch {
            return self.io_batch(data, p, j - cu);
        } else {
            (Table::Items, self.orders, self.item_batches(), j - cu, 2)
        };
        let (first, last) = batch_range(parents, self.size, index);
        let (k, b) = children_of(data, table, first, last);
        let shape = Shape::InList {
            first,
            last,
            index: index + 1,
            count,
        };
        let tick = u32::from(self.strategy == Strategy::DataLoader) * level;
        self.query_of(table, shape, tick, k, ROW_OVERHEAD * k + b)
    }

    /// The figures after the first `k` queries (all of them past the end).
    pub(super) fn totals(&self, data: &Dataset, k: usize) -> Totals {
        let k = k.min(self.len());
        if k == 0 {
            return Totals::default();
        }
        let children = match self.strategy {
            Strategy::Joined | Strategy::Subquery => {
                let mut t = Totals::default();
                self.kept[..k].iter().for_each(|q| t.add(q));
                return t;
            }
            Strategy::Lazy if self.levelwise => {
                let j = k as u32 - 1;
                children_load(data, j.min(self.users), j.saturating_sub(self.users))
            }
            Strategy::Lazy => self.lazy_load(data, k as u32 - 1),
            Strategy::SelectIn | Strategy::DataLoader => match &self.chunks {
                Some(c) => self.django_load(data, c, k as u32 - 1),
                None => self.batch_load(data, k as u32 - 1),
            },
            _ => Load::default(),
        };
        let users = users_load(data, self.users);
        let rows = users.rows + children.rows;
        Totals {
            queries: k as u64,
            rows,
            bytes: users.bytes + children.bytes,
            time_ns: k as u64 * self.round_trip + rows * self.per_row,
        }
    }

    /// Rows and bytes of lazy loading's first `j` child queries: the
    /// passes done, then the users done in this pass and the part of the
    /// next user's queries.
    fn lazy_load(&self, data: &Dataset, j: u32) -> Load {
        let per_pass = self.per_pass().max(1);
        let full = children_load(data, self.users, self.orders_if_nested());
        let (done, r) = lazy_position(data, self.users, self.nested, j % per_pass);
        let with_orders = done + u32::from(r > 0);
        let items_of = data.orders_of_first(done) + r.saturating_sub(1);
        let part = if self.nested {
            children_load(data, with_orders, items_of)
        } else {
            children_load(data, done, 0)
        };
        full.times(j / per_pass).plus(part)
    }

    fn orders_if_nested(&self) -> u32 {
        if self.nested {
            self.orders
        } else {
            0
        }
    }

    /// Items batch `t` (from 0) of a DataLoader with real I/O: orders batch
    /// `b`'s items batch `w`, with the orders of `b`'s users, sent in tick
    /// `2 + b`.
    fn io_position(&self, data: &Dataset, per: &[u32], t: u32) -> (u32, u32, u32, u32) {
        let b = per.partition_point(|&x| x <= t).saturating_sub(1) as u32;
        let (uf, ul) = batch_range(self.users, self.size, b);
        let first = data.orders_of_first(uf - 1) + 1;
        let last = data.orders_of_first(ul);
        (b, t - per[b as usize], first, last)
    }

    fn io_batch(&self, data: &Dataset, per: &[u32], t: u32) -> Query {
        let (b, w, of, ol) = self.io_position(data, per, t);
        let first = of + w * self.size;
        let last = ol.min(first.saturating_add(self.size - 1));
        let (k, bytes) = children_of(data, Table::Items, first, last);
        let shape = Shape::InList {
            first,
            last,
            index: w + 1,
            count: per[b as usize + 1] - per[b as usize],
        };
        self.query_of(Table::Items, shape, 2 + b, k, ROW_OVERHEAD * k + bytes)
    }

    /// Rows and bytes of the first `j` batches.
    fn batch_load(&self, data: &Dataset, j: u32) -> Load {
        let cu = self.order_batches();
        if let (Some(per), true) = (&self.per_batch, j > cu) {
            let t = j - cu;
            let orders = if t >= per.last().copied().unwrap_or(0) {
                self.orders
            } else {
                let (_, w, of, _) = self.io_position(data, per, t);
                of - 1 + w * self.size
            };
            return children_load(data, self.users, orders);
        }
        let users = j.min(cu).saturating_mul(self.size).min(self.users);
        let orders = (j.saturating_sub(cu))
            .saturating_mul(self.size)
            .min(self.orders);
        children_load(data, users, orders)
    }

    /// Subquery loading: one query per level, each row also carrying the
    /// parent key from the subquery.
    fn subquery(&self, data: &Dataset) -> Vec<Query> {
        let mut out = vec![self.users_query(data)];
        let (users, orders) = (self.users, self.orders);
        if users > 0 {
            let extra: u64 = (1..=users)
                .map(|u| u64::from(data.orders_of(u).len() as u32) * id_bytes(u))
                .sum();
            let k = u64::from(orders);
            let b = ROW_OVERHEAD * k + data.order_bytes(1, orders) + extra;
            out.push(self.query_of(Table::Orders, Shape::Subquery, 0, k, b));
        }
        if self.nested && orders > 0 {
            let items = data.items_of_first(orders);
            let extra: u64 = (1..=orders)
                .map(|o| u64::from(data.items_of(o).len() as u32) * id_bytes(o))
                .sum();
            let k = u64::from(items);
            let b = ROW_OVERHEAD * k + data.order_items_bytes(1, orders) + extra;
            out.push(self.query_of(Table::Items, Shape::Subquery, 0, k, b));
        }
        out
    }
}

/// Rows and bytes of the users query for the first `users` users.
fn users_load(data: &Dataset, users: u32) -> Load {
    let n = u64::from(users);
    Load {
        rows: n,
        bytes: ROW_OVERHEAD * n + data.user_bytes(1, users),
    }
}

/// Rows and bytes of the orders of the first `users` users and the items
/// of the first `orders` orders.
fn children_load(data: &Dataset, users: u32, orders: u32) -> Load {
    let o = data.orders_of_first(users);
    let i = data.items_of_first(orders);
    let rows = u64::from(o) + u64::from(i);
    Load {
        rows,
        bytes: ROW_OVERHEAD * rows + data.order_bytes(1, o) + data.order_items_bytes(1, orders),
    }
}

/// Where child query `j` (from 0) of one pass of lazy loading falls: user
/// `u`'s queries are its orders query and (nested) one per order, so the
/// first `done` users' queries come before it, and it is query `r` (from
/// 0) of user `done + 1`'s.
fn lazy_position(data: &Dataset, users: u32, nested: bool, j: u32) -> (u32, u32) {
    // The queries of the first `u` users, rising.
    let before = |u: u32| u + if nested { data.orders_of_first(u) } else { 0 };
    let (mut lo, mut hi) = (0u32, users);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if before(mid) <= j {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    (lo, j - before(lo))
}

/// Rows and bytes of the children in `table` of parents `first..=last`
/// (orders of users, or items of orders).
fn children_of(data: &Dataset, table: Table, first: u32, last: u32) -> (u64, u64) {
    match table {
        Table::Items => {
            let r = data.items_of(first).start..data.items_of(last).end;
            let k = u64::from(r.end - r.start);
            (k, data.order_items_bytes(first, last))
        }
        _ => {
            let r = data.orders_of(first).start..data.orders_of(last).end;
            let k = u64::from(r.end - r.start);
            (k, data.order_bytes(r.start, r.end.saturating_sub(1)))
        }
    }
}

/// Run `j` (from 0) of ids `1..=n` split into runs of at most `size`:
/// `(first, last)`.
fn batch_range(n: u32, size: u32, j: u32) -> (u32, u32) {
    let size = size.max(1);
    let first = j.saturating_mul(size).saturating_add(1);
    (first, n.min(first.saturating_add(size - 1)))
}

/// Splits ids `1..=n` into runs of at most `size`: `(first, last, index,
/// count)`. No ids, no batches.
#[cfg(test)]
fn batches(n: u32, size: u32) -> impl Iterator<Item = (u32, u32, u32, u32)> {
    let count = n.div_ceil(size.max(1));
    (0..count).map(move |i| {
        let (first, last) = batch_range(n, size, i);
        (first, last, i + 1, count)
    })
}

/// Rows and bytes of the LEFT OUTER JOIN: a user with no orders (an order
/// with no items) still gives one row, with NULLs for the missing side.
pub(super) fn joined_size(data: &Dataset, users: u32, depth: Depth) -> (u64, u64) {
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
                        total += k * order + data.order_items_bytes(o, o);
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
    if let Some(text) = super::m2o::describe(q, i, params) {
        return text;
    }
    if let Some(text) = describe_immediate(q, &no, &rows, data, params)
        .or_else(|| describe_mixed(q, &no, &rows, params))
    {
        return text;
    }
    if params.relation == super::Relation::Profile {
        if let Some(text) = super::o2o::describe(q, i, params) {
            return text;
        }
    }
    if params.relation == super::Relation::Tags {
        if let Some(text) = super::m2m::describe(q, i, params) {
            return text;
        }
    }
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
            if params.orm == Orm::Django && params.strategy == Strategy::SelectIn {
                let limit = if last - first + 1 > SQLITE_VARIABLES {
                    format!(
                        " On a SQLite built with the default limit of {} bound variables this statement fails (too many SQL variables): Django does not split it.",
                        thousands(SQLITE_VARIABLES.into())
                    )
                } else {
                    String::new()
                };
                if count == 1 {
                    format!(
                        "Query {no}: prefetch_related loads the {children} of {range} with one IN list of {keys} keys, every key of the level (Django has no chunk size): {rows}.{limit}"
                    )
                } else {
                    format!(
                        "Query {no}: .iterator(chunk_size={}) hands prefetch_related the users in chunks; for chunk {index} of {count} it loads the {children} of {range} with one IN list of {keys} keys: {rows}.{limit}",
                        params.batch.unwrap_or(0)
                    )
                }
            } else if params.strategy == Strategy::DataLoader
                && params.io == super::Io::Real
                && table == Table::Items
            {
                format!(
                    "Tick {}: orders batch {} resolved after its own I/O, so the items of its orders were asked for in a tick of their own; DataLoader sends those of {range}, {keys} keys, as batch {index} of {count}: {rows}.",
                    q.tick,
                    q.tick - 1
                )
            } else if params.strategy == Strategy::DataLoader {
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

/// What a query `immediateload` sends does, if it is one: a user's
/// orders, or an order's items, sent before the loop touches them.
fn describe_immediate(
    q: &Query,
    no: &str,
    rows: &str,
    data: &Dataset,
    params: &Params,
) -> Option<String> {
    if params.relation != super::Relation::Orders {
        return None;
    }
    Some(match (q.table, q.shape) {
        (Table::Users, Shape::All) if params.strategy == Strategy::Immediate => format!(
            "Query {no} loads the users: {rows} in one round trip. Before the loop runs, immediateload sends each user's orders, one query per user."
        ),
        (Table::Orders, Shape::ByParent(u)) if params.strategy == Strategy::Immediate => format!(
            "Query {no}: immediateload sends user {u}'s orders while the users load, before the loop touches anything: {rows}. One query per user, even for a user without orders: the N of N+1, sent early."
        ),
        (Table::Items, Shape::ByParent(o))
            if items_eager(params)
                && o > data.orders_of_first(super::mixed::kept(params, data.users())) =>
        {
            format!(
            "Query {no}: immediateload sends the items of order {o} (user {}) once the orders holding it are in, before the loop touches them: {rows}. One query per order, even for an order without items.",
            data.user_of(o)
        )
        }
        _ => return None,
    })
}

/// Whether each order's items load per order by `immediateload` (on both
/// levels, or on the items alone), not by the loop touching them.
fn items_eager(p: &Params) -> bool {
    if super::mixed::mixes(p) {
        p.then == super::Then::Immediate
    } else {
        p.strategy == Strategy::Immediate
    }
}

/// What a query of a strategy per level does (a second level joined into,
/// or wrapping, the first's statements), if it is one.
fn describe_mixed(q: &Query, no: &str, rows: &str, p: &Params) -> Option<String> {
    Some(match q.shape {
        Shape::JoinItemsBy(u) if p.strategy == Strategy::Immediate => format!(
            "Query {no}: immediateload sends user {u}'s orders while the users load, with each order's items joined in: {rows}. Still one query per user, sent before the loop runs."
        ),
        Shape::JoinItemsBy(u) => format!(
            "Query {no}: the loop touches user {u}'s orders, and the lazy load joins each order's items into it: {rows}. Still one query per user, but the items come with the orders."
        ),
        Shape::JoinItemsIn { first, last, index, count } => format!(
            "Query {no} loads the orders of users {first}\u{2013}{last} with one IN list of {} keys and joins each order's items into it (batch {index} of {count}): {rows}.",
            thousands(u64::from(last - first + 1))
        ),
        Shape::JoinItemsSubquery => format!(
            "Query {no} loads every user's orders, repeating the users query as a subquery, and joins each order's items into it: {rows}."
        ),
        Shape::SubqueryBy(u) => format!(
            "Query {no}: user {u}'s orders are in, so the ORM loads their items by repeating that orders query as a subquery: {rows}."
        ),
        Shape::SubqueryIn { first, last, index, count } => format!(
            "Query {no}: the orders of users {first}\u{2013}{last} are in (batch {index} of {count}), so the ORM loads their items by repeating that batch's query as a subquery: {rows}."
        ),
        _ => return None,
    })
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
        b += ROW_OVERHEAD * u64::from(items) + data.order_items_bytes(1, orders);
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
