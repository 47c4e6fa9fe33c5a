//! Random links built from a model's parameter table alone: every
//! whole-number row at or near its edges, every choice among its words
//! (and now and then a word the reader drops), free text from a generator
//! the model's search gives. For the models whose links are mostly
//! numbers and choices (the rate limiters, the retries).

use backend_playground::sim::model::{Kind, Model};
use backend_playground::sim::rng::Rng;

use crate::nplus1::{edge, edge_of, set, Pairs};

/// A random link of `M`: each row of its table, `text` writing the value
/// of a free-text row; and a step anywhere up to `steps`.
pub fn random_link<M: Model>(
    rng: &mut Rng,
    text: fn(&mut Rng, &str) -> String,
    steps: u64,
) -> Pairs {
    let mut out = Vec::new();
    for row in M::TABLE {
        if let Some(v) = value::<M>(rng, row.key, &row.kind, text) {
            out.push((row.key.to_string(), v));
        }
    }
    out.push(("step".to_string(), edge(rng, 0, steps).to_string()));
    out
}

/// A random value of one row (none for a group of keys).
fn value<M: Model>(
    rng: &mut Rng,
    key: &str,
    kind: &Kind<M::Params>,
    text: fn(&mut Rng, &str) -> String,
) -> Option<String> {
    Some(match kind {
        Kind::Int { .. } | Kind::OptionalInt { .. } => edge_of::<M>(rng, key).to_string(),
        Kind::Choice { word, .. } => {
            let n = (0..).take_while(|&i| word(i).is_some()).count();
            match rng.below(n as u64 + 1) as usize {
                i if i < n => word(i).unwrap_or_default().to_string(),
                _ => "zz".to_string(),
            }
        }
        Kind::Text { .. } => text(rng, key),
        Kind::Group { .. } => return None,
    })
}

/// `pairs` with one row of `M`'s table drawn again.
pub fn mutate_link<M: Model>(
    rng: &mut Rng,
    pairs: &Pairs,
    text: fn(&mut Rng, &str) -> String,
) -> Pairs {
    let rows = M::TABLE;
    let row = &rows[rng.below(rows.len() as u64) as usize];
    match value::<M>(rng, row.key, &row.kind, text) {
        Some(v) => set(pairs, row.key, v),
        None => pairs.clone(),
    }
}
