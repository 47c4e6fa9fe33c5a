//! The one-to-one walk: every user, then `user.profile`, the reverse side
//! of a unique foreign key (`profiles.user_id`). Each user has exactly one
//! profile (profile `u` is user `u`'s, its bio `bio{u}`). A reverse
//! one-to-one is not a lookup by primary key, so SQLAlchemy's identity map
//! does not answer it: lazily, both ORMs ask once per user. Django 6.1's
//! fetch modes do cover it: `FETCH_PEERS` lists every user's key in one
//! `IN`, `FETCH_RAISE` raises.

use super::data::{id_bytes, Dataset, Value, ROW_OVERHEAD};
use super::plan::{Load, Query, Shape, Table};
use super::{plural, Orm, Params, Strategy};
use crate::thousands;

/// The row of user `u`'s profile: id, user_id, bio.
pub fn profile(u: u32) -> [Value; 3] {
    [
        Value::Int(i64::from(u)),
        Value::Int(i64::from(u)),
        Value::Text(format!("bio{u}")),
    ]
}

/// Bytes of profile `u`'s row.
#[cfg(test)]
fn profile_bytes(u: u32) -> u64 {
    ROW_OVERHEAD + profile(u).iter().map(Value::wire_bytes).sum::<u64>()
}

/// Bytes of profiles `first..=last`, from the digits of the ids (each
/// appears three times: id, user_id and the bio's number).
fn profiles_bytes(first: u32, last: u32) -> u64 {
    if first > last {
        return 0;
    }
    let k = u64::from(last - first + 1);
    let digits = id_bytes_sum(first, last) - 4 * k;
    k * (ROW_OVERHEAD + 4 * 3 + 3) + 3 * digits
}

/// `id_bytes` of every id in `first..=last`, summed.
fn id_bytes_sum(first: u32, last: u32) -> u64 {
    // Digits change at powers of ten; walk them.
    let mut total = 0;
    let mut lo = u64::from(first);
    let hi = u64::from(last);
    while lo <= hi {
        let d = id_bytes(lo as u32);
        let mut top = 10u64;
        while top <= lo {
            top *= 10;
        }
        let end = hi.min(top - 1);
        total += (end - lo + 1) * d;
        lo = end + 1;
    }
    total
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    PerUser,
    Batches { size: u32 },
    Kept,
}

/// The queries of a one-to-one walk, answered by number.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    strategy: Strategy,
    mode: Mode,
    users: u32,
    round_trip: u64,
    per_row: u64,
}

impl Plan {
    pub(super) fn new(params: &Params, data: &Dataset, users: u32) -> Plan {
        let users = users.min(data.users());
        let mode = match (params.orm, params.strategy) {
            (_, Strategy::Joined | Strategy::Subquery) => Mode::Kept,
            // FETCH_PEERS with a lone instance fetches it alone.
            (Orm::Django, Strategy::Peers) if users > 1 => Mode::Batches { size: u32::MAX },
            (_, Strategy::SelectIn | Strategy::DataLoader) => Mode::Batches {
                size: params.effective_batch().unwrap_or(u32::MAX).max(1),
            },
            _ => Mode::PerUser,
        };
        Plan {
            strategy: params.strategy,
            mode,
            users,
            round_trip: params.latency.round_trip_ns(),
            per_row: u64::from(params.row_us) * 1_000,
        }
    }

    fn query_of(&self, table: Table, shape: Shape, l: Load) -> Query {
        Query {
            table,
            shape,
            tick: u32::from(self.strategy == Strategy::DataLoader),
            rows: l.rows,
            bytes: l.bytes,
            cost_ns: self.round_trip + l.rows * self.per_row,
        }
    }

    pub(super) fn len(&self) -> usize {
        let n = self.users as usize;
        match self.mode {
            Mode::PerUser => 1 + n,
            Mode::Batches { size } => 1 + self.users.div_ceil(size) as usize,
            Mode::Kept if self.strategy == Strategy::Joined => 1,
            Mode::Kept => 1 + usize::from(n > 0),
        }
    }

    fn profiles(first: u32, last: u32) -> Load {
        Load {
            rows: u64::from((last + 1).saturating_sub(first)),
            bytes: profiles_bytes(first, last),
        }
    }

    pub(super) fn at(&self, data: &Dataset, i: usize) -> Query {
        let i = i.min(self.len() - 1);
        let n = self.users;
        let users = Load {
            rows: u64::from(n),
            bytes: ROW_OVERHEAD * u64::from(n) + data.user_bytes(1, n),
        };
        if i == 0 {
            if self.strategy == Strategy::Joined {
                let p = Plan::profiles(1, n);
                let l = Load {
                    rows: u64::from(n),
                    bytes: users.bytes + p.bytes - ROW_OVERHEAD * u64::from(n),
                };
                return self.query_of(Table::Users, Shape::JoinProfile, l);
            }
            return self.query_of(Table::Users, Shape::All, users);
        }
        let j = i as u32 - 1;
        match self.mode {
            Mode::PerUser => {
                let u = j + 1;
                self.query_of(Table::Profiles, Shape::ByParent(u), Plan::profiles(u, u))
            }
            Mode::Batches { size } => {
                let first = j.saturating_mul(size).saturating_add(1);
                let last = n.min(first.saturating_add(size - 1));
                let shape = Shape::InList {
                    first,
                    last,
                    index: j + 1,
                    count: n.div_ceil(size),
                };
                self.query_of(Table::Profiles, shape, Plan::profiles(first, last))
            }
            Mode::Kept => {
                let mut l = Plan::profiles(1, n);
                l.bytes += id_bytes_sum(1, n);
                self.query_of(Table::Profiles, Shape::Subquery, l)
            }
        }
    }

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
        let more = match self.mode {
            Mode::PerUser => Plan::profiles(1, j),
            Mode::Batches { size } => Plan::profiles(1, self.users.min(j.saturating_mul(size))),
            Mode::Kept if j == 1 => {
                let q = self.at(data, 1);
                Load {
                    rows: q.rows,
                    bytes: q.bytes,
                }
            }
            Mode::Kept => Load::default(),
        };
        root.plus(more)
    }
}

/// The rows of a profiles query (the key first for SQLAlchemy's `IN`
/// list, the subquery's key last).
pub(super) fn rows(q: &Query, users: u32, limit: usize, orm: Orm) -> Vec<Vec<Value>> {
    let range = match q.shape {
        Shape::ByParent(u) => u..=u,
        Shape::InList { first, last, .. } => first..=last,
        _ => 1..=users,
    };
    range
        .take(limit)
        .map(|u| {
            let mut row = profile(u).to_vec();
            let key_first = orm == Orm::SqlAlchemy && q.tick == 0;
            if matches!(q.shape, Shape::InList { .. }) && key_first {
                row.swap(0, 1);
            }
            if q.shape == Shape::Subquery {
                row.push(Value::Int(i64::from(u)));
            }
            row
        })
        .collect()
}

/// What a profiles query does, in a sentence.
pub(super) fn describe(q: &Query, i: usize, params: &Params) -> Option<String> {
    let no = thousands(i as u64 + 1);
    let rows = plural(q.rows, "row", "rows");
    let text = match q.shape {
        Shape::JoinProfile => format!(
            "One query joins every user to its profile: {rows}, one per user, since the key is unique."
        ),
        Shape::ByParent(u) => format!(
            "Query {no}: user {u}.profile, the reverse side of a one-to-one: not a lookup by primary key, so no identity map answers it, and the ORM asks: {rows}."
        ),
        Shape::InList { first, last, index, count } => {
            let keys = thousands(u64::from(last - first + 1));
            match (params.orm, params.strategy) {
                (Orm::Django, Strategy::Peers) => format!(
                    "Query {no}: the first user.profile under FETCH_PEERS loads the profiles of every user the queryset fetched, {keys} keys in one IN list: {rows}."
                ),
                _ => format!(
                    "Query {no} loads the profiles of users {first}\u{2013}{last}, {keys} keys in one IN list (batch {index} of {count}): {rows}."
                ),
            }
        }
        Shape::Subquery => format!(
            "Query {no} loads every user's profile at once, repeating the users query as a subquery: {rows}."
        ),
        _ => return None,
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_bytes_of_any_run_are_the_rows_bytes() {
        for first in 1u32..130 {
            for last in first.saturating_sub(1)..140 {
                let want: u64 = (first..=last).map(profile_bytes).sum();
                assert_eq!(profiles_bytes(first, last), want, "{first}..={last}");
            }
        }
    }
}
