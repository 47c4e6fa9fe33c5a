//! A whole run's statements: the users the session loaded first (if any),
//! then the walk of the relation chosen, cut where a guard raises.

use super::data::{Dataset, ROW_OVERHEAD};
use super::plan::{Query, Shape, Table, Totals};
use super::{m2m, m2o, mixed, o2o, plan, Orm, Params, Relation, Strategy};

/// The walk itself.
#[derive(Debug, Clone)]
enum Walk {
    /// `user.orders` (and `order.items`).
    Many(plan::Plan),
    /// `order.user`.
    One(m2o::Plan),
    /// `order.tags`.
    Tags(m2m::Plan),
    /// `user.orders` then `order.items`, a strategy per level.
    Mixed(mixed::Plan),
    /// `user.profile`.
    Profile(o2o::Plan),
}

/// The statements of a run, answered by number.
#[derive(Debug, Clone)]
pub(super) struct Loader {
    /// The query that loaded users before the loop.
    pre: Option<Query>,
    walk: Walk,
    /// The walk's queries sent before a guard raised (all of them when
    /// none does).
    limit: usize,
    /// What the ORM raised, in its words.
    error: Option<String>,
    round_trip: u64,
    per_row: u64,
}

impl Loader {
    /// The statements of `params` over the first `users` users of `data`.
    pub(super) fn new(params: &Params, data: &Dataset, users: u32) -> Loader {
        let users = users.min(data.users());
        let round_trip = params.latency.round_trip_ns();
        let per_row = u64::from(params.row_us) * 1_000;
        let refused = params.refusal().is_some();
        let pre = (params.loaded > 0 && !refused).then(|| {
            let k = u64::from(params.loaded.min(users));
            let bytes = ROW_OVERHEAD * k + data.user_bytes(1, params.loaded.min(users));
            Query {
                table: Table::Users,
                shape: Shape::UpTo(params.loaded),
                tick: 0,
                rows: k,
                bytes,
                cost_ns: round_trip + k * per_row,
            }
        });
        let walk = match params.relation {
            _ if (mixed::mixes(params) || mixed::immediate_with_kept(params)) && !refused => {
                Walk::Mixed(mixed::Plan::new(params, data, users))
            }
            Relation::Orders => Walk::Many(plan::Plan::new(params, data, users)),
            Relation::User => Walk::One(m2o::Plan::new(params, data, users)),
            Relation::Tags => Walk::Tags(m2m::Plan::new(params, data, users)),
            Relation::Profile => Walk::Profile(o2o::Plan::new(params, data, users)),
        };
        let mut loader = Loader {
            pre: if refused { None } else { pre },
            walk,
            limit: if refused { 0 } else { usize::MAX },
            error: None,
            round_trip,
            per_row,
        };
        if !refused {
            loader.guard(params, users, data);
        }
        loader
    }

    /// Where a guard raises: at the first touch of the relation (`raise`,
    /// Django's `FETCH_RAISE` on a foreign key), or at the first touch
    /// that would send SQL (`raise_on_sql`). Django's fetch modes do not
    /// cover reverse relations: `user.orders` stays lazy.
    fn guard(&mut self, params: &Params, users: u32, data: &Dataset) {
        let (orm, s) = (params.orm, params.strategy);
        let (attribute, touched, would_load) = match &self.walk {
            Walk::Many(_) | Walk::Mixed(_) => ("User.orders", users > 0, users > 0),
            Walk::Profile(_) => ("User.profile", users > 0, users > 0),
            Walk::One(p) => ("Order.user", data.orders_of_first(users) > 0, p.len() > 1),
            Walk::Tags(_) => {
                let touched = data.orders_of_first(users) > 0;
                ("Order.tags", touched, touched)
            }
        };
        if let (Walk::Mixed(p), false) = (
            &self.walk,
            matches!(s, Strategy::Raise | Strategy::RaiseOnSql) && orm == Orm::SqlAlchemy,
        ) {
            // A guard on the items raises at the first order's items.
            if let Some(k) = p.raise_at() {
                self.limit = k;
                self.error = Some(mixed::error(params));
            }
            return;
        }
        let raises = match (orm, s, &self.walk) {
            (Orm::SqlAlchemy, Strategy::Raise, _) => touched,
            (Orm::SqlAlchemy, Strategy::RaiseOnSql, _) => would_load,
            (Orm::Django, Strategy::Raise, Walk::One(_) | Walk::Profile(_)) => touched,
            _ => false,
        };
        if !raises {
            return;
        }
        self.limit = 1;
        self.error = Some(match orm {
            Orm::SqlAlchemy => format!(
                "InvalidRequestError: '{attribute}' is not available due to lazy='{}'",
                s.slug()
            ),
            Orm::Django => format!("FieldFetchBlocked: Fetching of {attribute} blocked."),
        });
    }

    fn pre_len(&self) -> usize {
        usize::from(self.pre.is_some())
    }

    fn walk_len(&self) -> usize {
        let n = match &self.walk {
            Walk::Many(p) => p.len(),
            Walk::One(p) => p.len(),
            Walk::Tags(p) => p.len(),
            Walk::Mixed(p) => p.len(),
            Walk::Profile(p) => p.len(),
        };
        n.min(self.limit)
    }

    /// How many queries the run sends.
    pub(super) fn len(&self) -> usize {
        self.pre_len() + self.walk_len()
    }

    /// Query `i` (from 0), if there is one.
    pub(super) fn query(&self, data: &Dataset, i: usize) -> Option<Query> {
        (i < self.len()).then(|| self.at(data, i))
    }

    /// Query `i` (from 0; the last one past the end).
    pub(super) fn at(&self, data: &Dataset, i: usize) -> Query {
        let i = i.min(self.len().saturating_sub(1));
        match (self.pre, i) {
            (Some(q), 0) => q,
            _ => {
                let j = i - self.pre_len();
                match &self.walk {
                    Walk::Many(p) => p.at(data, j),
                    Walk::One(p) => p.at(data, j),
                    Walk::Tags(p) => p.at(data, j),
                    Walk::Mixed(p) => p.at(j),
                    Walk::Profile(p) => p.at(data, j),
                }
            }
        }
    }

    /// The figures after the first `k` queries.
    pub(super) fn totals(&self, data: &Dataset, k: usize) -> Totals {
        let k = k.min(self.len());
        let mut t = Totals::default();
        if k == 0 {
            return t;
        }
        if let Some(q) = &self.pre {
            t.add(q);
        }
        let j = k - self.pre_len();
        let w = match &self.walk {
            Walk::Many(p) => p.totals(data, j),
            _ => {
                let l = match &self.walk {
                    Walk::One(p) => p.load(data, j),
                    Walk::Tags(p) => p.load(data, j),
                    Walk::Mixed(p) => p.load(j),
                    Walk::Profile(p) => p.load(data, j),
                    Walk::Many(_) => Default::default(),
                };
                Totals {
                    queries: j as u64,
                    rows: l.rows,
                    bytes: l.bytes,
                    time_ns: j as u64 * self.round_trip + l.rows * self.per_row,
                }
            }
        };
        Totals {
            queries: t.queries + w.queries,
            rows: t.rows + w.rows,
            bytes: t.bytes + w.bytes,
            time_ns: t.time_ns + w.time_ns,
        }
    }

    /// The keys query `i` binds in its `IN` list or `= key`, in order.
    pub(super) fn keys(&self, data: &Dataset, i: usize) -> Vec<u32> {
        let Some(q) = self.query(data, i) else {
            return Vec::new();
        };
        if let (Walk::One(p), Some(j)) = (&self.walk, i.checked_sub(self.pre_len())) {
            if let Some(k) = p.keys(j) {
                return k;
            }
        }
        match q.shape {
            Shape::ById(k)
            | Shape::ByParent(k)
            | Shape::UpTo(k)
            | Shape::JoinItemsBy(k)
            | Shape::SubqueryBy(k) => vec![k],
            Shape::InList { first, last, .. }
            | Shape::JoinItemsIn { first, last, .. }
            | Shape::SubqueryIn { first, last, .. } => (first..=last).collect(),
            _ => Vec::new(),
        }
    }

    /// What the ORM raised after the last query, if a guard raised.
    pub(super) fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Heap memory held, in bytes.
    pub(super) fn heap_bytes(&self) -> usize {
        match &self.walk {
            Walk::Many(p) => p.heap_bytes(),
            Walk::One(p) => p.heap_bytes(),
            Walk::Tags(p) => p.heap_bytes(),
            Walk::Mixed(p) => p.heap_bytes(),
            Walk::Profile(_) => 0,
        }
    }
}
