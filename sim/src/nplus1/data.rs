//! The generated dataset: users, their orders, and each order's items.
//!
//! Every value is a function of the seed and the row's id, and ids are given
//! in user order, so the dataset for N users is a prefix of the dataset for
//! more users: the sweep builds one dataset and runs the model on prefixes.

use crate::rng::pick;

/// First names for the generated users.
const NAMES: [&str; 16] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis",
    "Radia", "John", "Leslie", "Sophie", "Tim", "Hedy",
];

/// The fixed part of every email: `@example.com`.
const EMAIL_DOMAIN: &str = "@example.com";

/// How many children a parent has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    /// Every parent has exactly the given number.
    Fixed,
    /// Each parent has a seeded number from 0 to twice the given number (the
    /// mean is the given number).
    Random,
}

/// A value in a result row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// An integer column.
    Int(i64),
    /// A text column.
    Text(String),
    /// SQL NULL (the missing side of an outer join).
    Null,
}

impl Value {
    /// The bytes this value takes in a PostgreSQL `DataRow` message in text
    /// format: a 4-byte length, then the text (NULL is a length of -1 and no
    /// text).
    pub fn wire_bytes(&self) -> u64 {
        4 + match self {
            Value::Int(v) => v.to_string().len() as u64,
            Value::Text(s) => s.len() as u64,
            Value::Null => 0,
        }
    }
}

/// The bytes of one result row with `columns` values totalling `values`
/// bytes: a `DataRow` message is a type byte, a 4-byte length and a 2-byte
/// column count before the values.
pub const ROW_OVERHEAD: u64 = 7;

/// The generated rows of the three tables, held compactly: a running
/// count and a running byte total per user and per order, nothing per item.
/// Queries ask for items by order, so an item's order comes from a binary
/// search of the orders' item counts, and the bytes of an order's items
/// from a closed form (an item's values differ only in the digits of its
/// id and its order's id). At the largest link (10,000 users, 20 orders
/// each, 20 items per order: 4,000,000 items) this is about 4 MB.
#[derive(Debug, Clone)]
pub struct Dataset {
    seed: u64,
    /// `order_start[u - 1] + 1 ..= order_start[u]` are the ids of user
    /// `u`'s orders.
    order_start: Vec<u32>,
    /// `item_start[o - 1] + 1 ..= item_start[o]` are the ids of order `o`'s
    /// items.
    item_start: Vec<u32>,
    /// Running totals of the wire bytes of each table's values, so the bytes
    /// of any contiguous run of rows cost two lookups: per user, per order,
    /// and the items' per order (`item_bytes[o]`: the items of orders
    /// `1..=o`).
    user_bytes: Vec<u64>,
    order_bytes: Vec<u64>,
    item_bytes: Vec<u64>,
}

/// Number of decimal digits of `n`.
fn digits(n: u64) -> u64 {
    let mut d = 1;
    let mut n = n / 10;
    while n > 0 {
        d += 1;
        n /= 10;
    }
    d
}

/// The digits of every number in `1..=n`, summed.
fn digits_upto(n: u64) -> u64 {
    let (mut total, mut low, mut d) = (0, 1u64, 1);
    while low <= n {
        let high = low.saturating_mul(10) - 1;
        total += (n.min(high) - low + 1) * d;
        low = low.saturating_mul(10);
        d += 1;
    }
    total
}

/// The wire bytes of an item's values other than the digits of its id and
/// its order's id: four lengths, the 8-byte SKU (`SKU-` and four digits)
/// and a one-digit quantity (1 to 5).
const ITEM_FIXED: u64 = 4 * 4 + 8 + 1;

impl Dataset {
    /// Generates `users` users with `orders` orders each (on average, when
    /// spread) and `items` items per order, as `spread` says.
    pub fn generate(users: u32, orders: u32, items: u32, spread: Spread, seed: u32) -> Self {
        let s = u64::from(seed);
        let count = move |stream: u64, id: u64, mean: u32| -> u32 {
            match spread {
                Spread::Fixed => mean,
                Spread::Random => pick(s, stream, id, 2 * u64::from(mean) + 1) as u32,
            }
        };
        Dataset::build(
            seed,
            users,
            users as usize * orders as usize,
            |u| count(1, u64::from(u), orders),
            |o| count(2, u64::from(o), items),
        )
    }

    /// The dataset a link spells out: `orders[u - 1]` orders for user `u`,
    /// `items[o - 1]` items for order `o` (none past the list's end).
    pub fn from_counts(orders: &[u32], items: &[u32], seed: u32) -> Self {
        let total: usize = orders.iter().map(|&k| k as usize).sum();
        Dataset::build(
            seed,
            orders.len() as u32,
            total,
            |u| orders.get(u as usize - 1).copied().unwrap_or(0),
            |o| items.get(o as usize - 1).copied().unwrap_or(0),
        )
    }

    /// Builds the running tables from the count of each user's orders and
    /// of each order's items.
    fn build(
        seed: u32,
        users: u32,
        expected: usize,
        orders_of: impl Fn(u32) -> u32,
        items_of: impl Fn(u32) -> u32,
    ) -> Self {
        let seed = u64::from(seed);
        let mut d = Dataset {
            seed,
            order_start: Vec::with_capacity(users as usize + 1),
            item_start: Vec::with_capacity(expected + 1),
            user_bytes: Vec::with_capacity(users as usize + 1),
            order_bytes: Vec::with_capacity(expected + 1),
            item_bytes: Vec::with_capacity(expected + 1),
        };
        d.order_start.push(0);
        d.item_start.push(0);
        d.user_bytes.push(0);
        d.order_bytes.push(0);
        d.item_bytes.push(0);
        let (mut o, mut i) = (0u32, 0u32);
        let (mut ub, mut ob, mut ib) = (0u64, 0u64, 0u64);
        for u in 1..=users {
            let n = orders_of(u);
            for _ in 0..n {
                o += 1;
                let m = items_of(o);
                let first = i;
                i += m;
                ib += d.items_value_bytes(o, first, i);
                ob += d.order_value_bytes(u64::from(o), u64::from(u));
                d.item_start.push(i);
                d.item_bytes.push(ib);
                d.order_bytes.push(ob);
            }
            d.order_start.push(o);
            ub += d.user_value_bytes(u64::from(u));
            d.user_bytes.push(ub);
        }
        d
    }

    /// Number of users.
    pub fn users(&self) -> u32 {
        (self.order_start.len() - 1) as u32
    }

    /// Number of orders.
    fn orders(&self) -> u32 {
        (self.item_start.len() - 1) as u32
    }

    /// Number of orders of the first `users` users.
    pub fn orders_of_first(&self, users: u32) -> u32 {
        self.order_start[users.min(self.users()) as usize]
    }

    /// Number of items of the first `orders` orders.
    pub fn items_of_first(&self, orders: u32) -> u32 {
        self.item_start[orders.min(self.orders()) as usize]
    }

    /// The ids of user `u`'s orders, as a range.
    pub fn orders_of(&self, u: u32) -> std::ops::Range<u32> {
        let u = u as usize;
        if u == 0 || u >= self.order_start.len() {
            return 0..0;
        }
        self.order_start[u - 1] + 1..self.order_start[u] + 1
    }

    /// The ids of order `o`'s items, as a range.
    pub fn items_of(&self, o: u32) -> std::ops::Range<u32> {
        let o = o as usize;
        if o == 0 || o >= self.item_start.len() {
            return 0..0;
        }
        self.item_start[o - 1] + 1..self.item_start[o] + 1
    }

    /// The user that order `o` belongs to (0 for no such order).
    pub fn user_of(&self, o: u32) -> u32 {
        owner(&self.order_start, o)
    }

    /// The order that item `i` belongs to (0 for no such item).
    pub fn order_of(&self, i: u32) -> u32 {
        owner(&self.item_start, i)
    }

    fn name_index(&self, u: u64) -> usize {
        pick(self.seed, 3, u, NAMES.len() as u64) as usize
    }

    /// The row of user `u`: id, name, email.
    pub fn user(&self, u: u32) -> [Value; 3] {
        let name = NAMES[self.name_index(u64::from(u))];
        [
            Value::Int(i64::from(u)),
            Value::Text(name.to_string()),
            Value::Text(format!("{}{u}{EMAIL_DOMAIN}", name.to_ascii_lowercase())),
        ]
    }

    /// The row of order `o`: id, user_id, total_cents.
    pub fn order(&self, o: u32) -> [Value; 3] {
        [
            Value::Int(i64::from(o)),
            Value::Int(i64::from(self.user_of(o))),
            Value::Int(self.total_cents(u64::from(o)) as i64),
        ]
    }

    /// The row of item `i`: id, order_id, sku, qty.
    pub fn item(&self, i: u32) -> [Value; 4] {
        [
            Value::Int(i64::from(i)),
            Value::Int(i64::from(self.order_of(i))),
            Value::Text(format!("SKU-{:04}", self.sku(u64::from(i)))),
            Value::Int(self.qty(u64::from(i)) as i64),
        ]
    }

    fn total_cents(&self, o: u64) -> u64 {
        100 + pick(self.seed, 4, o, 50_000)
    }

    fn sku(&self, i: u64) -> u64 {
        pick(self.seed, 5, i, 10_000)
    }

    fn qty(&self, i: u64) -> u64 {
        1 + pick(self.seed, 6, i, 5)
    }

    /// Wire bytes of user `u`'s values, computed without formatting.
    fn user_value_bytes(&self, u: u64) -> u64 {
        let name = NAMES[self.name_index(u)].len() as u64;
        (4 + digits(u)) + (4 + name) + (4 + name + digits(u) + EMAIL_DOMAIN.len() as u64)
    }

    /// Wire bytes of order `o`'s values (its user is `user`).
    fn order_value_bytes(&self, o: u64, user: u64) -> u64 {
        (4 + digits(o)) + (4 + digits(user)) + (4 + digits(self.total_cents(o)))
    }

    /// Wire bytes of the values of items `after + 1..=last`, all of order
    /// `o`.
    fn items_value_bytes(&self, o: u32, after: u32, last: u32) -> u64 {
        let k = u64::from(last.saturating_sub(after));
        k * (ITEM_FIXED + digits(o.into()))
            + digits_upto(last.into()).saturating_sub(digits_upto(after.into()))
    }

    /// Wire bytes of the values of users `first..=last`.
    pub fn user_bytes(&self, first: u32, last: u32) -> u64 {
        range_sum(&self.user_bytes, first, last)
    }

    /// Wire bytes of the values of orders `first..=last`.
    pub fn order_bytes(&self, first: u32, last: u32) -> u64 {
        range_sum(&self.order_bytes, first, last)
    }

    /// Wire bytes of the values of the items of orders `first..=last`.
    pub fn order_items_bytes(&self, first: u32, last: u32) -> u64 {
        range_sum(&self.item_bytes, first, last)
    }

    /// Wire bytes of the values of items `first..=last`: whole orders from
    /// the running totals, the items of the orders at either end counted.
    pub fn item_bytes(&self, first: u32, last: u32) -> u64 {
        let last = last.min(self.items_of_first(self.orders()));
        let first = first.max(1);
        if first > last {
            return 0;
        }
        let (a, b) = (self.order_of(first), self.order_of(last));
        if a == b {
            return self.items_value_bytes(a, first - 1, last);
        }
        let head = self.items_value_bytes(a, first - 1, self.item_start[a as usize]);
        let tail = self.items_value_bytes(b, self.item_start[b as usize - 1], last);
        head + self.order_items_bytes(a + 1, b - 1) + tail
    }

    /// Heap memory held, in bytes.
    pub fn heap_bytes(&self) -> usize {
        4 * (self.order_start.capacity() + self.item_start.capacity())
            + 8 * (self.user_bytes.capacity()
                + self.order_bytes.capacity()
                + self.item_bytes.capacity())
    }
}

/// The parent of child `id` (1-based) in a running count of children per
/// parent (`start[p]`: the children of parents `1..=p`); 0 if there is no
/// such child.
fn owner(start: &[u32], id: u32) -> u32 {
    let total = start.last().copied().unwrap_or(0);
    if id == 0 || id > total {
        return 0;
    }
    start.partition_point(|&s| s < id) as u32
}

/// Sum of entries `first..=last` (1-based) of a running-total table; 0 for
/// an empty or out-of-range run.
fn range_sum(prefix: &[u64], first: u32, last: u32) -> u64 {
    let hi = (last as usize).min(prefix.len().saturating_sub(1));
    let lo = (first.max(1) as usize - 1).min(hi);
    prefix[hi] - prefix[lo]
}

/// The number of digits, exposed for the planner's join-column sums.
pub(super) fn id_bytes(id: u32) -> u64 {
    4 + digits(u64::from(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_bytes(values: &[Value]) -> u64 {
        values.iter().map(Value::wire_bytes).sum()
    }

    #[test]
    fn fixed_counts_and_byte_tables_agree_with_the_rows() {
        let d = Dataset::generate(12, 3, 2, Spread::Fixed, 7);
        assert_eq!(d.users(), 12);
        assert_eq!(d.orders_of_first(12), 36);
        assert_eq!(d.items_of_first(36), 72);
        assert_eq!(d.orders_of(2), 4..7);
        assert_eq!(d.items_of(4), 7..9);
        assert_eq!(d.user_of(5), 2);
        assert_eq!(d.order_of(8), 4);
        for u in 1..=12 {
            assert_eq!(d.user_bytes(u, u), row_bytes(&d.user(u)));
        }
        for o in 1..=36 {
            assert_eq!(d.order_bytes(o, o), row_bytes(&d.order(o)));
        }
        for i in 1..=72 {
            assert_eq!(d.item_bytes(i, i), row_bytes(&d.item(i)));
        }
        assert_eq!(d.user_bytes(1, 0), 0);
        assert_eq!(d.user_bytes(5, 999), d.user_bytes(5, 12));
    }

    #[test]
    fn spread_is_seeded_has_the_mean_and_prefixes_agree() {
        let a = Dataset::generate(2_000, 3, 0, Spread::Random, 11);
        let b = Dataset::generate(2_000, 3, 0, Spread::Random, 11);
        let c = Dataset::generate(2_000, 3, 0, Spread::Random, 12);
        assert_eq!(a.orders_of_first(2_000), b.orders_of_first(2_000));
        assert_ne!(a.order_start, c.order_start);
        let mean = f64::from(a.orders_of_first(2_000)) / 2_000.0;
        assert!((2.8..3.2).contains(&mean), "mean {mean}");
        assert!((1..=2_000).any(|u| a.orders_of(u).is_empty()));
        assert!((1..=2_000).all(|u| a.orders_of(u).len() <= 6));
        let small = Dataset::generate(100, 3, 0, Spread::Random, 11);
        assert_eq!(small.order_start[..], a.order_start[..101]);
        assert_eq!(small.user(50), a.user(50));
    }

    #[test]
    fn item_bytes_of_any_run_of_items_are_the_rows_bytes() {
        for spread in [Spread::Fixed, Spread::Random] {
            let d = Dataset::generate(40, 3, 4, spread, 9);
            let items = d.items_of_first(d.orders_of_first(40));
            let mut sum = vec![0];
            for i in 1..=items {
                sum.push(sum[i as usize - 1] + row_bytes(&d.item(i)));
            }
            for first in 0..=items + 1 {
                for last in first.saturating_sub(2)..=items + 2 {
                    let (a, b) = (first.max(1), last.min(items));
                    let want = if a > b {
                        0
                    } else {
                        sum[b as usize] - sum[a as usize - 1]
                    };
                    assert_eq!(d.item_bytes(first, last), want, "{first}..={last}");
                }
            }
            for o in 1..=d.orders_of_first(40) {
                let is = d.items_of(o);
                for i in is.clone() {
                    assert_eq!(d.order_of(i), o);
                }
                let (a, b) = (is.start, is.end.saturating_sub(1));
                assert_eq!(d.order_items_bytes(o, o), d.item_bytes(a, b));
            }
        }
    }

    #[test]
    fn no_users_is_an_empty_dataset() {
        let d = Dataset::generate(0, 3, 2, Spread::Fixed, 1);
        assert_eq!(d.users(), 0);
        assert_eq!(d.orders_of_first(5), 0);
        assert_eq!(d.user_bytes(1, 1), 0);
        assert!(d.orders_of(1).is_empty());
        assert_eq!(d.user_of(1), 0);
    }
}
