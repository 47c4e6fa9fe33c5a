//! A strategy per level: the orders loaded one way, each order's items
//! another. SQLAlchemy chains any two loader options
//! (`joinedload(User.orders).selectinload(Order.items)`,
//! `selectinload(User.orders).joinedload(Order.items)`,
//! `subqueryload(User.orders).lazyload(Order.items)`,
//! `lazyload(User.orders).subqueryload(Order.items)`, a `raiseload` on
//! either level, an `immediateload` on either level); the second level's
//! loader runs inside the first's statements, so a joined second level
//! joins into each of the first's queries and a subquery second level
//! wraps each of them. The loaders that wait for a statement's rows
//! (`selectinload`, `immediateload`) run once that statement is done; when
//! the statement is itself an `immediateload` of the orders, they wait for
//! the users query it rides on, so they run after every user's orders are
//! in. Django has
//! `prefetch_related("orders")` with lazy items, or lazy orders each
//! prefetching their items (either under `.iterator(chunk_size=)`); it
//! cannot join or subquery-load a reverse foreign key, nor guard one, and
//! has no eager-per-row loading at any level. The
//! queries interleave with the loop, so they are listed once, up front.

use super::data::{id_bytes, Dataset, ROW_OVERHEAD};
use super::plan::{Load, Query, Shape, Table};
use super::{Depth, Orm, Params, Strategy};
use crate::model::Choices;

/// How the second level (each order's items) loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// As the first level does.
    Same,
    /// Lazily: one query per order, as the loop reaches it.
    Lazy,
    /// Joined into each query that loads the orders.
    Joined,
    /// In `IN` lists of order keys.
    SelectIn,
    /// Each query that loads the orders repeated as a subquery.
    Subquery,
    /// One query per order, sent as soon as the orders are in
    /// (`immediateload`).
    Immediate,
    /// Refuse: touching an order's items raises (`raiseload`).
    Raise,
    /// Refuse where loading would send SQL (`raiseload(sql_only=True)`).
    RaiseOnSql,
}

impl Then {
    /// Every choice.
    pub const ALL: [Then; 8] = [
        Then::Same,
        Then::Lazy,
        Then::Joined,
        Then::SelectIn,
        Then::Subquery,
        Then::Immediate,
        Then::Raise,
        Then::RaiseOnSql,
    ];

    /// The word the URL uses.
    pub fn slug(self) -> &'static str {
        match self {
            Then::Same => "same",
            Then::Lazy => "lazy",
            Then::Joined => "joined",
            Then::SelectIn => "selectin",
            Then::Subquery => "subquery",
            Then::Immediate => "immediate",
            Then::Raise => "raise",
            Then::RaiseOnSql => "raise_on_sql",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Then::Same => "As the orders",
            _ => self.strategy().map_or("", Strategy::label),
        }
    }

    /// The strategy it names, if not the first level's.
    pub fn strategy(self) -> Option<Strategy> {
        match self {
            Then::Same => None,
            Then::Lazy => Some(Strategy::Lazy),
            Then::Joined => Some(Strategy::Joined),
            Then::SelectIn => Some(Strategy::SelectIn),
            Then::Subquery => Some(Strategy::Subquery),
            Then::Immediate => Some(Strategy::Immediate),
            Then::Raise => Some(Strategy::Raise),
            Then::RaiseOnSql => Some(Strategy::RaiseOnSql),
        }
    }
}

impl Choices for Then {
    const ALL: &'static [Then] = &Then::ALL;
    fn word(self) -> &'static str {
        self.slug()
    }
}

/// Whether the parameters mix two strategies: the items of a nested
/// `user.orders` walk loading otherwise than the orders, under a first
/// level that can carry a second (not a DataLoader).
pub fn mixes(p: &Params) -> bool {
    p.relation == super::Relation::Orders
        && p.depth == Depth::Items
        && p.strategy != Strategy::DataLoader
        && p.then.strategy().is_some_and(|s| s != p.strategy)
}

/// Why `orm` cannot load the items as `then` says below its orders, if
/// it has no way to write it: Django has no subquery loading, no
/// eager-per-row loading, and cannot guard a reverse foreign key. (It can
/// write a join of the items, which raises FieldError when it runs: the
/// plan stops there.)
pub fn refusal(orm: Orm, then: Then) -> Option<&'static str> {
    match (orm, then) {
        (Orm::Django, Then::Subquery) => Some(DJANGO_NO_SUBQUERY_ITEMS),
        (Orm::Django, Then::Immediate) => Some(DJANGO_NO_IMMEDIATE_ITEMS),
        (Orm::Django, Then::Raise | Then::RaiseOnSql) => Some(DJANGO_NO_GUARD_ITEMS),
        _ => None,
    }
}

/// What Django says to joining each order's items: the first orders query
/// to run with `select_related("items")` raises, after the users query.
pub const DJANGO_NO_JOIN_ITEMS: &str =
    "FieldError: Invalid field name(s) given in select_related: 'items'. Choices are: user";

/// What the ORM raises at the first touch of an order's items under a
/// guard on the items (or, in Django, when the orders query that joins the
/// items in is compiled).
pub(super) fn error(p: &Params) -> String {
    match p.orm {
        Orm::Django => DJANGO_NO_JOIN_ITEMS.to_string(),
        Orm::SqlAlchemy => format!(
            "InvalidRequestError: 'Order.items' is not available due to lazy='{}'",
            p.then.slug()
        ),
    }
}

/// Why Django has no subquery loading for the items.
pub const DJANGO_NO_SUBQUERY_ITEMS: &str = "Django has no subquery loading, at any level: prefetch_related lists the keys in an IN list instead of repeating the orders query as a subquery. No query is sent; load the items with prefetch_related.";

/// Why Django cannot load the items eagerly per order.
pub const DJANGO_NO_IMMEDIATE_ITEMS: &str = "Django has no eager-per-row loading, at any level: an order's items are fetched when the loop touches them, or up front by prefetch_related. No query is sent; load the items lazily to see the same one query per order, sent as the loop reaches it.";

/// Why Django cannot guard the items.
pub const DJANGO_NO_GUARD_ITEMS: &str = "Django cannot make order.items raise: its fetch modes (FETCH_RAISE) cover forward foreign keys and one-to-one fields only, and order.items is a reverse foreign key, which always loads when touched. No query is sent; load the items lazily to see the queries a guard would have caught.";

/// The queries of a mix, listed.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    queries: Vec<Query>,
    /// The queries sent before touching an order's items raises (a guard
    /// on the second level), if it raises.
    raise_at: Option<usize>,
    /// Where the loop's own queries begin: a Django related manager asks
    /// again on every pass of the loop (`.all()` is a new queryset), so
    /// the queries from here on are sent `passes` times. SQLAlchemy keeps
    /// a loaded collection: one pass sends them all.
    pass_from: usize,
    passes: usize,
}

/// Rows and bytes a mix's queries return, and the query they make.
struct Build<'a> {
    data: &'a Dataset,
    size: u32,
    round_trip: u64,
    per_row: u64,
    out: Vec<Query>,
}

impl Build<'_> {
    fn push(&mut self, table: Table, shape: Shape, l: Load) {
        self.out.push(Query {
            table,
            shape,
            tick: 0,
            rows: l.rows,
            bytes: l.bytes,
            cost_ns: self.round_trip + l.rows * self.per_row,
        });
    }

    /// Runs of `first..=last` of at most `size` keys.
    fn runs(&self, first: u32, last: u32) -> impl Iterator<Item = Shape> {
        let size = self.size;
        let count = (last + 1 - first).div_ceil(size);
        (0..count).map(move |i| {
            let a = first + i * size;
            Shape::InList {
                first: a,
                last: last.min(a.saturating_add(size - 1)),
                index: i + 1,
                count,
            }
        })
    }

    /// The orders of users `first..=last`.
    fn orders(&self, first: u32, last: u32) -> std::ops::Range<u32> {
        self.data.orders_of(first).start..self.data.orders_of(last).end
    }

    /// The orders of users `first..=last`, with `extra` bytes per row.
    fn order_load(&self, first: u32, last: u32, extra: bool) -> Load {
        let r = self.orders(first, last);
        let k = u64::from(r.end - r.start);
        let extra: u64 = if extra {
            (first..=last)
                .map(|u| u64::from(self.data.orders_of(u).len() as u32) * id_bytes(u))
                .sum()
        } else {
            0
        };
        Load {
            rows: k,
            bytes: ROW_OVERHEAD * k
                + self.data.order_bytes(r.start, r.end.saturating_sub(1))
                + extra,
        }
    }

    /// The items of orders `first..=last`, each row carrying its order's
    /// key again when `extra` (a subquery's parent column).
    fn item_load(&self, first: u32, last: u32, extra: bool) -> Load {
        let d = self.data;
        let k = u64::from(d.items_of_first(last) - d.items_of_first(first.max(1) - 1));
        let extra: u64 = if extra {
            (first..=last)
                .map(|o| u64::from(d.items_of(o).len() as u32) * id_bytes(o))
                .sum()
        } else {
            0
        };
        Load {
            rows: k,
            bytes: ROW_OVERHEAD * k + d.order_items_bytes(first, last) + extra,
        }
    }

    /// The orders of users `first..=last` LEFT OUTER JOINed to their
    /// items: one row per item, one with NULLs for an order without; with
    /// `extra`, each row carrying its user's key again.
    fn join_load(&self, first: u32, last: u32, extra: bool) -> Load {
        let d = self.data;
        let (mut rows, mut bytes) = (0u64, 0u64);
        for u in first..=last {
            for o in d.orders_of(u) {
                let order =
                    ROW_OVERHEAD + d.order_bytes(o, o) + if extra { id_bytes(u) } else { 0 };
                let k = u64::from(d.items_of(o).len() as u32);
                if k == 0 {
                    rows += 1;
                    bytes += order + 4 * 4;
                } else {
                    rows += k;
                    bytes += k * order + d.order_items_bytes(o, o);
                }
            }
        }
        Load { rows, bytes }
    }
}

/// The users the session held before the walk's query (`loaded=`, in
/// SQLAlchemy's identity map): that query's rows for them do not replace
/// the loader options they were first loaded with (none), and a lazy or
/// immediate load of their orders follows those, so their orders' items
/// load lazily, in the loop. (A joined, selectin or subquery first level
/// sends its own statements with the options, for every user.) Django
/// keeps no identity map.
pub(super) fn kept(p: &Params, users: u32) -> u32 {
    match p.orm {
        Orm::SqlAlchemy => p.loaded.min(users),
        Orm::Django => 0,
    }
}

/// Whether a plain `immediate` walk down to the items needs the listed
/// plan: SQLAlchemy with users kept from before, whose orders' items the
/// loop loads lazily after the others' immediate loads.
pub(super) fn immediate_with_kept(p: &Params) -> bool {
    p.strategy == Strategy::Immediate
        && p.relation == super::Relation::Orders
        && p.depth == Depth::Items
        && p.orm == Orm::SqlAlchemy
        && p.loaded > 0
}

/// The strategy of the first level, as the plan follows it: Django's fetch
/// modes leave `user.orders` lazy.
fn first_level(p: &Params) -> Strategy {
    match (p.orm, p.strategy) {
        (Orm::Django, Strategy::Raise | Strategy::Peers) => Strategy::Lazy,
        (_, s) => s,
    }
}

impl Plan {
    /// The queries of the mix in `params` for the first `users` users.
    pub(super) fn new(params: &Params, data: &Dataset, users: u32) -> Plan {
        let users = users.min(data.users());
        let orders = data.orders_of_first(users);
        let size = params.batch.unwrap_or(if params.orm == Orm::Django {
            u32::MAX
        } else {
            super::SELECTIN_CHUNK
        });
        let mut b = Build {
            data,
            size: size.max(1),
            round_trip: params.latency.round_trip_ns(),
            per_row: u64::from(params.row_us) * 1_000,
            out: Vec::new(),
        };
        let first = first_level(params);
        let then = params.then;
        let kept = kept(params, users);
        if first == Strategy::Joined {
            let (rows, bytes) = super::plan::joined_size(data, users, Depth::Orders);
            b.push(
                Table::Users,
                Shape::Join(Depth::Orders),
                Load { rows, bytes },
            );
        } else {
            let k = u64::from(users);
            let bytes = ROW_OVERHEAD * k + data.user_bytes(1, users);
            b.push(Table::Users, Shape::All, Load { rows: k, bytes });
        }
        let mut raise_at = None;
        let mut pass_from = 1;
        if params.orm == Orm::Django && then == Then::Joined {
            // The first orders query compiles select_related("items") and
            // raises; with no users, none runs.
            return Plan {
                queries: b.out,
                raise_at: (users > 0).then_some(1),
                pass_from: 1,
                passes: 1,
            };
        }
        match first {
            // A guard on the first level raises at its first touch.
            Strategy::Raise | Strategy::RaiseOnSql => {}
            Strategy::Lazy => {
                raise_at = Self::per_user(&mut b, users, then, kept, Then::Lazy);
            }
            Strategy::Immediate => {
                raise_at = Self::immediate(&mut b, users, then, kept);
            }
            Strategy::SelectIn if users > 0 => {
                Self::per_batch(&mut b, users, then);
                pass_from = b.out.len();
            }
            Strategy::Subquery if users > 0 => {
                if then == Then::Joined {
                    b.push(
                        Table::Orders,
                        Shape::JoinItemsSubquery,
                        b.join_load(1, users, true),
                    );
                } else {
                    b.push(Table::Orders, Shape::Subquery, b.order_load(1, users, true));
                }
            }
            _ => {}
        }
        // The second level after a first that loads every order up front.
        if !matches!(
            first,
            Strategy::Lazy | Strategy::Immediate | Strategy::Raise | Strategy::RaiseOnSql
        ) {
            raise_at = Self::after_orders(&mut b, first, then, orders);
        }
        let passes = match params.orm {
            Orm::Django => params.touch.max(1) as usize,
            Orm::SqlAlchemy => 1,
        };
        Plan {
            pass_from: pass_from.min(b.out.len()),
            queries: b.out,
            raise_at,
            passes,
        }
    }

    /// Batched orders: per run of users, its orders (joined to their
    /// items, or followed by their items' subquery when it has orders).
    fn per_batch(b: &mut Build, users: u32, then: Then) {
        for shape in b.runs(1, users).collect::<Vec<_>>() {
            let Shape::InList {
                first: f, last: l, ..
            } = shape
            else {
                continue;
            };
            let with_orders = !b.orders(f, l).is_empty();
            match then {
                Then::Joined => b.push(Table::Orders, join_in(shape), b.join_load(f, l, false)),
                _ => b.push(Table::Orders, shape, b.order_load(f, l, false)),
            }
            if then == Then::Subquery && with_orders {
                let (of, ol) = (b.orders(f, l).start, b.orders(f, l).end - 1);
                b.push(Table::Items, subquery_in(shape), b.item_load(of, ol, true));
            }
        }
    }

    /// The items, once every order is loaded (a joined, batched, subquery
    /// or immediate first level): per order (the loop's lazy loads, or
    /// `immediateload`'s, which run as soon as the orders are in), in IN
    /// lists, or by a subquery repeating the users query. With a guard on
    /// the items, the queries sent before it raises.
    fn after_orders(b: &mut Build, first: Strategy, then: Then, orders: u32) -> Option<usize> {
        match then {
            Then::Lazy | Then::Immediate => {
                for o in 1..=orders {
                    b.push(Table::Items, Shape::ByParent(o), b.item_load(o, o, false));
                }
            }
            Then::SelectIn if orders > 0 => {
                for shape in b.runs(1, orders).collect::<Vec<_>>() {
                    if let Shape::InList {
                        first: f, last: l, ..
                    } = shape
                    {
                        b.push(Table::Items, shape, b.item_load(f, l, false));
                    }
                }
            }
            Then::Subquery if first == Strategy::Joined && orders > 0 => {
                b.push(Table::Items, Shape::Subquery, b.item_load(1, orders, true));
            }
            Then::Raise | Then::RaiseOnSql if orders > 0 => return Some(b.out.len()),
            _ => {}
        }
        None
    }

    /// Immediate orders: each user's orders while the users load, with
    /// what rides on an orders statement (a join, a subquery after it);
    /// what waits for rows (an `immediateload` or `selectinload` of the
    /// items) waits for the users query, so it comes once every user's
    /// orders are in, for the orders of the users this query loaded; then
    /// the loop, whose lazy loads are the items not loaded yet (the kept
    /// users' orders', or every order's under lazy items), until a guard
    /// on the items raises at an order of a user the query loaded.
    fn immediate(b: &mut Build, users: u32, then: Then, kept: u32) -> Option<usize> {
        let inline = match then {
            Then::Joined | Then::Subquery => then,
            _ => Then::Same,
        };
        Self::per_user(b, users, inline, kept, Then::Same);
        let (ko, orders) = (b.data.orders_of_first(kept), b.data.orders_of_first(users));
        match then {
            Then::Same | Then::Immediate => {
                for o in ko + 1..=orders {
                    b.push(Table::Items, Shape::ByParent(o), b.item_load(o, o, false));
                }
            }
            Then::SelectIn if orders > ko => {
                for shape in b.runs(ko + 1, orders).collect::<Vec<_>>() {
                    if let Shape::InList { first, last, .. } = shape {
                        b.push(Table::Items, shape, b.item_load(first, last, false));
                    }
                }
            }
            _ => {}
        }
        let lazily = if then == Then::Lazy { orders } else { ko };
        for o in 1..=lazily {
            b.push(Table::Items, Shape::ByParent(o), b.item_load(o, o, false));
        }
        (matches!(then, Then::Raise | Then::RaiseOnSql) && orders > ko).then_some(b.out.len())
    }

    /// Lazy orders: per user, its orders (joined to their items, or
    /// followed by its orders' items: per order, as the loop touches them
    /// or as `immediateload` sends them once that user's orders are in, in
    /// IN lists, or by a subquery). With a guard on the items, the queries
    /// sent before the first order's items are touched. `Then::Same` sends
    /// the orders alone. The first `kept` users load as `plain` says: they
    /// were in the session before, and keep the options (none) they were
    /// loaded with.
    fn per_user(b: &mut Build, users: u32, then: Then, kept: u32, plain: Then) -> Option<usize> {
        let given = then;
        for u in 1..=users {
            let then = if u <= kept { plain } else { given };
            let os = b.data.orders_of(u);
            if then == Then::Joined {
                b.push(
                    Table::Orders,
                    Shape::JoinItemsBy(u),
                    b.join_load(u, u, false),
                );
                continue;
            }
            b.push(Table::Orders, Shape::ByParent(u), b.order_load(u, u, false));
            if os.is_empty() {
                continue;
            }
            match then {
                Then::SelectIn => {
                    for shape in b.runs(os.start, os.end - 1).collect::<Vec<_>>() {
                        if let Shape::InList { first, last, .. } = shape {
                            b.push(Table::Items, shape, b.item_load(first, last, false));
                        }
                    }
                }
                Then::Subquery => {
                    b.push(
                        Table::Items,
                        Shape::SubqueryBy(u),
                        b.item_load(os.start, os.end - 1, true),
                    );
                }
                Then::Raise | Then::RaiseOnSql => return Some(b.out.len()),
                Then::Lazy | Then::Immediate => {
                    for o in os {
                        b.push(Table::Items, Shape::ByParent(o), b.item_load(o, o, false));
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The queries sent before touching an order's items raises, if a
    /// guard on the items raises.
    pub(super) fn raise_at(&self) -> Option<usize> {
        self.raise_at
    }

    /// The loop's queries of one pass.
    fn pass_len(&self) -> usize {
        self.queries.len() - self.pass_from
    }

    pub(super) fn len(&self) -> usize {
        self.queries.len() + (self.passes - 1) * self.pass_len()
    }

    pub(super) fn at(&self, i: usize) -> Query {
        let i = i.min(self.len().saturating_sub(1));
        match i.checked_sub(self.queries.len()) {
            None => self.queries[i],
            Some(extra) => self.queries[self.pass_from + extra % self.pass_len()],
        }
    }

    /// Rows and bytes of the first `k` queries: those listed, then whole
    /// passes of the loop again, then part of one.
    pub(super) fn load(&self, k: usize) -> Load {
        let sum = |qs: &[Query]| {
            qs.iter().fold(Load::default(), |l, q| {
                l.plus(Load {
                    rows: q.rows,
                    bytes: q.bytes,
                })
            })
        };
        let k = k.min(self.len());
        let listed = sum(&self.queries[..k.min(self.queries.len())]);
        let Some(extra) = k.checked_sub(self.queries.len()).filter(|&e| e > 0) else {
            return listed;
        };
        let one = &self.queries[self.pass_from..];
        let (full, part) = (extra / one.len(), extra % one.len());
        listed
            .plus(sum(one).times(full as u32))
            .plus(sum(&one[..part]))
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.queries.capacity() * std::mem::size_of::<Query>()
    }
}

/// The orders of a run of users joined to their items.
fn join_in(shape: Shape) -> Shape {
    match shape {
        Shape::InList {
            first,
            last,
            index,
            count,
        } => Shape::JoinItemsIn {
            first,
            last,
            index,
            count,
        },
        s => s,
    }
}

/// The items of the orders of a run of users, through a subquery.
fn subquery_in(shape: Shape) -> Shape {
    match shape {
        Shape::InList {
            first,
            last,
            index,
            count,
        } => Shape::SubqueryIn {
            first,
            last,
            index,
            count,
        },
        s => s,
    }
}
