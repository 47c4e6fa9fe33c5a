//! A strategy per level: the orders loaded one way, each order's items
//! another (SQLAlchemy's `selectinload(User.orders).lazyload(Order.items)`,
//! `lazyload(User.orders).selectinload(Order.items)`, a joined first level
//! under either; Django's `prefetch_related("orders")` with lazy items, or
//! lazy orders each prefetching its items). The queries interleave with the
//! loop, so they are listed once, up front.

use super::data::{Dataset, ROW_OVERHEAD};
use super::plan::{Load, Query, Shape, Table};
use super::{Depth, Params, Strategy};
use crate::model::Choices;

/// How the second level (each order's items) loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// As the first level does.
    Same,
    /// Lazily: one query per order, as the loop reaches it.
    Lazy,
    /// In `IN` lists of order keys.
    SelectIn,
}

impl Then {
    /// Every choice.
    pub const ALL: [Then; 3] = [Then::Same, Then::Lazy, Then::SelectIn];

    /// The word the URL uses.
    pub fn slug(self) -> &'static str {
        match self {
            Then::Same => "same",
            Then::Lazy => "lazy",
            Then::SelectIn => "selectin",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Then::Same => "As the orders",
            Then::Lazy => "Lazy loading",
            Then::SelectIn => "Batch loading (IN)",
        }
    }

    /// The strategy it names, if not the first level's.
    pub fn strategy(self) -> Option<Strategy> {
        match self {
            Then::Same => None,
            Then::Lazy => Some(Strategy::Lazy),
            Then::SelectIn => Some(Strategy::SelectIn),
        }
    }
}

impl Choices for Then {
    const ALL: &'static [Then] = &Then::ALL;
    fn word(self) -> &'static str {
        self.slug()
    }
}

/// Whether the parameters mix two strategies the model has: the items of a
/// nested `user.orders` walk loading otherwise than the orders, under a
/// lazy, joined or batch first level.
pub fn mixes(p: &Params) -> bool {
    p.relation == super::Relation::Orders
        && p.depth == Depth::Items
        && matches!(
            p.strategy,
            Strategy::Lazy | Strategy::Joined | Strategy::SelectIn
        )
        && p.then.strategy().is_some_and(|s| s != p.strategy)
}

/// The queries of a mix, listed.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    queries: Vec<Query>,
}

impl Plan {
    /// The queries of the mix in `params` for the first `users` users.
    pub(super) fn new(params: &Params, data: &Dataset, users: u32) -> Plan {
        let users = users.min(data.users());
        let orders = data.orders_of_first(users);
        let size = params.batch.unwrap_or(if params.orm == super::Orm::Django {
            u32::MAX
        } else {
            super::SELECTIN_CHUNK
        });
        let size = size.max(1);
        let round_trip = params.latency.round_trip_ns();
        let per_row = u64::from(params.row_us) * 1_000;
        let q = |table: Table, shape: Shape, l: Load| Query {
            table,
            shape,
            tick: 0,
            rows: l.rows,
            bytes: l.bytes,
            cost_ns: round_trip + l.rows * per_row,
        };
        let order_load = |first: u32, last: u32| {
            let r = data.orders_of(first).start..data.orders_of(last).end;
            let k = u64::from(r.end - r.start);
            Load {
                rows: k,
                bytes: ROW_OVERHEAD * k + data.order_bytes(r.start, r.end.saturating_sub(1)),
            }
        };
        let item_load = |first: u32, last: u32| {
            let k = u64::from(data.items_of_first(last) - data.items_of_first(first - 1));
            Load {
                rows: k,
                bytes: ROW_OVERHEAD * k + data.order_items_bytes(first, last),
            }
        };
        // Runs of `first..=last` of at most `size` keys.
        let runs = |first: u32, last: u32| {
            let count = (last + 1 - first).div_ceil(size);
            (0..count).map(move |i| {
                let a = first + i * size;
                (a, last.min(a.saturating_add(size - 1)), i + 1, count)
            })
        };
        let in_list = |(first, last, index, count)| Shape::InList {
            first,
            last,
            index,
            count,
        };
        let mut out = Vec::new();
        match params.strategy {
            Strategy::Joined => {
                let (rows, bytes) = super::plan::joined_size(data, users, Depth::Orders);
                out.push(q(
                    Table::Users,
                    Shape::Join(Depth::Orders),
                    Load { rows, bytes },
                ));
            }
            _ => {
                let k = u64::from(users);
                let bytes = ROW_OVERHEAD * k + data.user_bytes(1, users);
                out.push(q(Table::Users, Shape::All, Load { rows: k, bytes }));
            }
        }
        match (params.strategy, params.then) {
            (Strategy::Lazy, _) => {
                // Per user: its orders, then its orders' items in IN lists.
                for u in 1..=users {
                    out.push(q(Table::Orders, Shape::ByParent(u), order_load(u, u)));
                    let os = data.orders_of(u);
                    if os.is_empty() {
                        continue;
                    }
                    for r in runs(os.start, os.end - 1) {
                        out.push(q(Table::Items, in_list(r), item_load(r.0, r.1)));
                    }
                }
            }
            (first, then) => {
                if first == Strategy::SelectIn && users > 0 {
                    for r in runs(1, users) {
                        out.push(q(Table::Orders, in_list(r), order_load(r.0, r.1)));
                    }
                }
                if then == Then::Lazy {
                    for o in 1..=orders {
                        out.push(q(Table::Items, Shape::ByParent(o), item_load(o, o)));
                    }
                } else if orders > 0 {
                    for r in runs(1, orders) {
                        out.push(q(Table::Items, in_list(r), item_load(r.0, r.1)));
                    }
                }
            }
        }
        Plan { queries: out }
    }

    pub(super) fn len(&self) -> usize {
        self.queries.len()
    }

    pub(super) fn at(&self, i: usize) -> Query {
        self.queries[i.min(self.queries.len() - 1)]
    }

    /// Rows and bytes of the first `k` queries.
    pub(super) fn load(&self, k: usize) -> Load {
        self.queries[..k.min(self.queries.len())]
            .iter()
            .fold(Load::default(), |l, q| {
                l.plus(Load {
                    rows: q.rows,
                    bytes: q.bytes,
                })
            })
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.queries.capacity() * std::mem::size_of::<Query>()
    }
}
