//! The search for the slowest link of the breaker model.

use crate::{cost, Worst};

/// The slowest link found, and what it cost.
pub fn worst() -> Worst {
    let query = String::new();
    let c = cost(&query, |_pairs| ());
    Worst {
        model: "breaker",
        query,
        cost: c,
        tried: 1,
        extra: String::new(),
    }
}
