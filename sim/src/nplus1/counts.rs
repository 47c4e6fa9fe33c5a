//! A dataset spelled out in a link: the orders of each user and the items
//! (or tags) of each order, as two short lists, `2,0,3/1,0,2,1,0`, so that
//! any dataset a reader brings can be replayed.

use super::MAX_CHILDREN;

/// The most users, and the most orders, a link may list.
pub const MAX_LISTED: usize = 2_000;
/// The largest count of one parent's children (a random spread reaches
/// twice the mean).
pub const MAX_COUNT: u32 = 2 * MAX_CHILDREN;

/// Orders per user and items per order, in id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// `orders[u - 1]`: the orders of user `u`.
    pub orders: Vec<u32>,
    /// `items[o - 1]`: the items (or tags) of order `o`, one per order.
    pub items: Vec<u32>,
}

impl Counts {
    /// The text a link carries.
    pub fn text(&self) -> String {
        let list = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        format!("{}/{}", list(&self.orders), list(&self.items))
    }

    /// The number of orders the lists give.
    pub fn order_total(&self) -> usize {
        self.orders.iter().map(|&k| k as usize).sum()
    }

    /// Reads `raw`: what it could not use goes to `problems`, each naming
    /// the key and what was used instead. Empty text means no lists (the
    /// seeded dataset).
    pub fn parse(raw: &str, problems: &mut Vec<String>) -> Option<Counts> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let (users, items) = raw.split_once('/').unwrap_or((raw, ""));
        let orders = list(users, "orders per user", MAX_LISTED, problems);
        let mut items = list(items, "items per order", MAX_LISTED, problems);
        let mut c = Counts {
            orders,
            items: Vec::new(),
        };
        let total = c.order_total();
        if total > MAX_LISTED {
            problems.push(format!(
                "data: the lists give {total} orders, more than {MAX_LISTED}; the users after the first {MAX_LISTED} orders were dropped"
            ));
            let mut sum = 0usize;
            c.orders.retain(|&k| {
                sum += k as usize;
                sum <= MAX_LISTED
            });
        }
        let total = c.order_total();
        if items.len() > total {
            problems.push(format!(
                "data: {} item counts for {total} orders; the extra counts were dropped",
                items.len()
            ));
            items.truncate(total);
        } else if !items.is_empty() && items.len() < total {
            problems.push(format!(
                "data: {} item counts for {total} orders; the other orders have none",
                items.len()
            ));
        }
        items.resize(total, 0);
        c.items = items;
        Some(c)
    }
}

/// One comma-separated list of counts: entries that are not counts are
/// dropped, counts over [`MAX_COUNT`] lowered to it, entries past `max`
/// dropped, each with a note.
fn list(raw: &str, what: &str, max: usize, problems: &mut Vec<String>) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if out.len() == max {
            problems.push(format!(
                "data: more than {max} {what}; the rest were dropped"
            ));
            break;
        }
        match entry.parse::<u64>() {
            Ok(k) if k > u64::from(MAX_COUNT) => {
                problems.push(format!(
                    "data: {what} {k} is more than {MAX_COUNT}; {MAX_COUNT} was used"
                ));
                out.push(MAX_COUNT);
            }
            Ok(k) => out.push(k as u32),
            Err(_) => {
                let shown: String = entry.chars().take(20).collect();
                problems.push(format!(
                    "data: '{shown}' in {what} is not a count; it was dropped"
                ));
            }
        }
    }
    out
}
