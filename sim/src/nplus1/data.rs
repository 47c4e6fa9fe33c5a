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

/// The generated rows of the three tables.
#[derive(Debug, Clone)]
pub struct Dataset {
    seed: u64,
    /// `order_start[u - 1] + 1 ..= order_start[u]` are the ids of user
    /// `u`'s orders.
    order_start: Vec<u32>,
    /// The user of each order (index = order id - 1).
    order_user: Vec<u32>,
    /// `item_start[o - 1] + 1 ..= item_start[o]` are the ids of order `o`'s
    /// items.
    item_start: Vec<u32>,
    /// The order of each item (index = item id - 1).
    item_order: Vec<u32>,
    /// Running totals of the wire bytes of each table's values, so the bytes
    /// of any contiguous run of rows cost two lookups.
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

impl Dataset {
    /// Generates `users` users with `orders` orders each (on average, when
    /// spread) and `items` items per order, as `spread` says.
    pub fn generate(users: u32, orders: u32, items: u32, spread: Spread, seed: u32) -> Self {
        let seed = u64::from(seed);
        let count = |stream: u64, id: u64, mean: u32| -> u32 {
            match spread {
                Spread::Fixed => mean,
                Spread::Random => pick(seed, stream, id, 2 * u64::from(mean) + 1) as u32,
            }
        };
        let mut d = Dataset {
            seed,
            order_start: vec![0],
            order_user: Vec::new(),
            item_start: vec![0],
            item_order: Vec::new(),
            user_bytes: vec![0],
            order_bytes: vec![0],
            item_bytes: vec![0],
        };
        for u in 1..=users {
            let n = count(1, u64::from(u), orders);
            for _ in 0..n {
                d.order_user.push(u);
                let o = d.order_user.len() as u32;
                let m = count(2, u64::from(o), items);
                for _ in 0..m {
                    d.item_order.push(o);
                    let i = d.item_order.len() as u64;
                    let last = *d.item_bytes.last().unwrap_or(&0);
                    d.item_bytes.push(last + d.item_value_bytes(i));
                }
                d.item_start.push(d.item_order.len() as u32);
                let last = *d.order_bytes.last().unwrap_or(&0);
                d.order_bytes.push(last + d.order_value_bytes(u64::from(o)));
            }
            d.order_start.push(d.order_user.len() as u32);
            let last = *d.user_bytes.last().unwrap_or(&0);
            d.user_bytes.push(last + d.user_value_bytes(u64::from(u)));
        }
        d
    }

    /// Number of users.
    pub fn users(&self) -> u32 {
        (self.order_start.len() - 1) as u32
    }

    /// Number of orders of the first `users` users.
    pub fn orders_of_first(&self, users: u32) -> u32 {
        self.order_start[users.min(self.users()) as usize]
    }

    /// Number of items of the first `orders` orders.
    pub fn items_of_first(&self, orders: u32) -> u32 {
        self.item_start[orders.min(self.order_user.len() as u32) as usize]
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

    /// The user that order `o` belongs to.
    pub fn user_of(&self, o: u32) -> u32 {
        self.order_user
            .get((o as usize).wrapping_sub(1))
            .copied()
            .unwrap_or(0)
    }

    /// The order that item `i` belongs to.
    pub fn order_of(&self, i: u32) -> u32 {
        self.item_order
            .get((i as usize).wrapping_sub(1))
            .copied()
            .unwrap_or(0)
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

    fn order_value_bytes(&self, o: u64) -> u64 {
        let user = u64::from(self.user_of(o as u32));
        (4 + digits(o)) + (4 + digits(user)) + (4 + digits(self.total_cents(o)))
    }

    fn item_value_bytes(&self, i: u64) -> u64 {
        let order = u64::from(self.order_of(i as u32));
        (4 + digits(i)) + (4 + digits(order)) + (4 + 8) + (4 + digits(self.qty(i)))
    }

    /// Wire bytes of the values of users `first..=last`.
    pub fn user_bytes(&self, first: u32, last: u32) -> u64 {
        range_sum(&self.user_bytes, first, last)
    }

    /// Wire bytes of the values of orders `first..=last`.
    pub fn order_bytes(&self, first: u32, last: u32) -> u64 {
        range_sum(&self.order_bytes, first, last)
    }

    /// Wire bytes of the values of items `first..=last`.
    pub fn item_bytes(&self, first: u32, last: u32) -> u64 {
        range_sum(&self.item_bytes, first, last)
    }

    /// Heap memory held, in bytes.
    pub fn heap_bytes(&self) -> usize {
        4 * (self.order_start.capacity()
            + self.order_user.capacity()
            + self.item_start.capacity()
            + self.item_order.capacity())
            + 8 * (self.user_bytes.capacity()
                + self.order_bytes.capacity()
                + self.item_bytes.capacity())
    }
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
    fn no_users_is_an_empty_dataset() {
        let d = Dataset::generate(0, 3, 2, Spread::Fixed, 1);
        assert_eq!(d.users(), 0);
        assert_eq!(d.orders_of_first(5), 0);
        assert_eq!(d.user_bytes(1, 1), 0);
        assert!(d.orders_of(1).is_empty());
        assert_eq!(d.user_of(1), 0);
    }
}
