//! The N+1 query problem: how many queries, rows, bytes and round trips an
//! ORM spends to load users, their orders and (nested) each order's items,
//! under each loading strategy.
//!
//! The counts follow what the ORMs do (see the design notes in the README):
//! lazy loading issues one query per parent on first access, even for an
//! empty collection; joined eager loading issues one LEFT OUTER JOIN; select-in
//! loading (SQLAlchemy's `selectinload`) issues one `IN (...)` query per 500
//! parent keys by default; subquery loading issues one query per level that
//! repeats the parent query as a subquery; a DataLoader collects every key
//! asked for in one tick into one batch (no size limit by default). No
//! parents means no child query for the batching strategies.

mod data;
mod plan;
mod sql;

pub use data::{Dataset, Spread, Value, ROW_OVERHEAD};
pub use plan::{Query, Shape, Table, Totals};

use super::params::Reader;
use super::{bytes, duration, thousands, Model};

/// The largest number of users.
pub const MAX_USERS: u32 = 10_000;
/// The largest (mean) number of children per parent.
pub const MAX_CHILDREN: u32 = 20;
/// The largest batch size.
pub const MAX_BATCH: u32 = 10_000;
/// The largest per-row cost, in microseconds.
pub const MAX_ROW_US: u32 = 1_000;
/// SQLAlchemy's `selectinload` chunk size: parent keys per `IN` query.
pub const SELECTIN_CHUNK: u32 = 500;

/// How the ORM loads the related rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Load on first access: one query per parent.
    Lazy,
    /// One query with LEFT OUTER JOINs.
    Joined,
    /// One `WHERE fk IN (...)` query per batch of parent keys.
    SelectIn,
    /// One query per level that repeats the parent query as a subquery.
    Subquery,
    /// A DataLoader: every key asked for in one tick goes in one batch.
    DataLoader,
}

impl Strategy {
    /// Every strategy, in the order the view lists them.
    pub const ALL: [Strategy; 5] = [
        Strategy::Lazy,
        Strategy::Joined,
        Strategy::SelectIn,
        Strategy::Subquery,
        Strategy::DataLoader,
    ];

    /// The word the URL uses.
    pub fn slug(self) -> &'static str {
        match self {
            Strategy::Lazy => "lazy",
            Strategy::Joined => "joined",
            Strategy::SelectIn => "selectin",
            Strategy::Subquery => "subquery",
            Strategy::DataLoader => "dataloader",
        }
    }

    /// A short name for people.
    pub fn label(self) -> &'static str {
        match self {
            Strategy::Lazy => "Lazy loading",
            Strategy::Joined => "Joined eager loading",
            Strategy::SelectIn => "Batch loading (IN)",
            Strategy::Subquery => "Subquery loading",
            Strategy::DataLoader => "DataLoader",
        }
    }

    /// The batch size this strategy uses when none is given: `None` means
    /// no limit (or no batches at all).
    pub fn default_batch(self) -> Option<u32> {
        match self {
            Strategy::SelectIn => Some(SELECTIN_CHUNK),
            _ => None,
        }
    }

    /// Whether the batch size changes what this strategy does.
    pub fn uses_batch(self) -> bool {
        matches!(self, Strategy::SelectIn | Strategy::DataLoader)
    }

    fn options() -> [(&'static str, Strategy); 5] {
        Strategy::ALL.map(|s| (s.slug(), s))
    }
}

/// How deep the loading goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Users, then each user's orders.
    Orders,
    /// Users, then orders, then each order's items.
    Items,
}

impl Depth {
    /// The word the URL uses (the relationship path).
    pub fn slug(self) -> &'static str {
        match self {
            Depth::Orders => "orders",
            Depth::Items => "orders.items",
        }
    }
}

/// The network between the application and the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latency {
    /// Same host: 0.1 ms per round trip.
    SameHost,
    /// Same availability zone: 1 ms.
    SameZone,
    /// Another region: 60 ms.
    CrossRegion,
}

impl Latency {
    /// Every preset.
    pub const ALL: [Latency; 3] = [Latency::SameHost, Latency::SameZone, Latency::CrossRegion];

    /// The word the URL uses.
    pub fn slug(self) -> &'static str {
        match self {
            Latency::SameHost => "same-host",
            Latency::SameZone => "same-zone",
            Latency::CrossRegion => "cross-region",
        }
    }

    /// A name for people, with the figure.
    pub fn label(self) -> &'static str {
        match self {
            Latency::SameHost => "Same host (0.1 ms)",
            Latency::SameZone => "Same zone (1 ms)",
            Latency::CrossRegion => "Cross-region (60 ms)",
        }
    }

    /// One round trip, in nanoseconds.
    pub fn round_trip_ns(self) -> u64 {
        match self {
            Latency::SameHost => 100_000,
            Latency::SameZone => 1_000_000,
            Latency::CrossRegion => 60_000_000,
        }
    }
}

/// Everything a run depends on; what the permalink carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// The loading strategy.
    pub strategy: Strategy,
    /// N: number of users, 0 to [`MAX_USERS`].
    pub users: u32,
    /// Orders per user (the mean, when spread), 0 to [`MAX_CHILDREN`].
    pub orders: u32,
    /// Items per order (the mean, when spread), 0 to [`MAX_CHILDREN`].
    pub items: u32,
    /// Whether items are loaded too.
    pub depth: Depth,
    /// Fixed or seeded random counts.
    pub spread: Spread,
    /// The seed of the random counts and values.
    pub seed: u32,
    /// Parent keys per batch (1 to [`MAX_BATCH`]); `None` for the
    /// strategy's default.
    pub batch: Option<u32>,
    /// The round-trip preset.
    pub latency: Latency,
    /// Cost of each returned row, in microseconds (0 to [`MAX_ROW_US`]).
    pub row_us: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            strategy: Strategy::Lazy,
            users: 100,
            orders: 3,
            items: 2,
            depth: Depth::Orders,
            spread: Spread::Fixed,
            seed: 1,
            batch: None,
            latency: Latency::SameZone,
            row_us: 2,
        }
    }
}

impl Params {
    /// The same parameters with every number forced into its range, so that
    /// a hand-built value still runs.
    pub fn clamped(&self) -> Params {
        Params {
            users: self.users.min(MAX_USERS),
            orders: self.orders.min(MAX_CHILDREN),
            items: self.items.min(MAX_CHILDREN),
            batch: self.batch.map(|b| b.clamp(1, MAX_BATCH)),
            row_us: self.row_us.min(MAX_ROW_US),
            ..self.clone()
        }
    }

    /// The batch size in effect: `None` means no limit.
    pub fn effective_batch(&self) -> Option<u32> {
        match self.strategy {
            Strategy::SelectIn | Strategy::DataLoader => {
                self.batch.or(self.strategy.default_batch())
            }
            _ => None,
        }
    }

    /// Reads the parameters from a URL; what was wrong is noted in `r`.
    pub fn read(r: &mut Reader) -> Params {
        let d = Params::default();
        let spread = r.choice(
            "spread",
            &[("fixed", Spread::Fixed), ("random", Spread::Random)],
            d.spread,
        );
        Params {
            strategy: r.choice("strategy", &Strategy::options(), d.strategy),
            users: r.int("n", 0, MAX_USERS.into(), d.users.into()) as u32,
            orders: r.int("orders", 0, MAX_CHILDREN.into(), d.orders.into()) as u32,
            items: r.int("items", 0, MAX_CHILDREN.into(), d.items.into()) as u32,
            depth: r.choice(
                "load",
                &[("orders", Depth::Orders), ("orders.items", Depth::Items)],
                d.depth,
            ),
            spread,
            seed: r.int("seed", 0, u32::MAX.into(), d.seed.into()) as u32,
            batch: r
                .optional_int("batch", 1, MAX_BATCH.into())
                .map(|b| b as u32),
            latency: r.choice("latency", &Latency::ALL.map(|l| (l.slug(), l)), d.latency),
            row_us: r.int("row_us", 0, MAX_ROW_US.into(), d.row_us.into()) as u32,
        }
    }

    /// The parameters as URL pairs, in a fixed order. Every parameter is
    /// written, so a link means the same thing even if defaults change.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("strategy", self.strategy.slug().to_string()),
            ("n", self.users.to_string()),
            ("orders", self.orders.to_string()),
            ("load", self.depth.slug().to_string()),
            ("items", self.items.to_string()),
            (
                "spread",
                match self.spread {
                    Spread::Fixed => "fixed",
                    Spread::Random => "random",
                }
                .to_string(),
            ),
            ("seed", self.seed.to_string()),
        ];
        if let Some(b) = self.batch {
            out.push(("batch", b.to_string()));
        }
        out.push(("latency", self.latency.slug().to_string()));
        out.push(("row_us", self.row_us.to_string()));
        out
    }
}

/// A run opened from a URL.
pub type Opened = super::Opened<Run>;

/// Reads parameters and step from decoded URL pairs and runs the model.
/// Never fails: bad values give the nearest valid state and a problem.
pub fn open(pairs: &[(String, String)]) -> Opened {
    super::open_with(pairs, Params::read, Run::new)
}

/// The URL pairs of `params` at `step`.
pub fn to_pairs(params: &Params, step: usize) -> Vec<(&'static str, String)> {
    super::with_step(params.to_pairs(), step)
}

/// The N+1 model.
pub struct NPlusOne;

impl Model for NPlusOne {
    type Params = Params;
    type Trace = Run;

    fn run(params: &Params) -> Run {
        Run::new(params)
    }
}

/// One run: the dataset, every query in the order the ORM sends them, and
/// running totals. Step 0 is before the first query; step k is just after
/// query k.
#[derive(Debug, Clone)]
pub struct Run {
    params: Params,
    data: Dataset,
    queries: Vec<Query>,
    /// `totals[k]`: the figures after the first k queries.
    totals: Vec<Totals>,
}

impl Run {
    /// Runs the model.
    pub fn new(params: &Params) -> Run {
        let params = params.clamped();
        let data = Dataset::generate(
            params.users,
            params.orders,
            if params.depth == Depth::Items {
                params.items
            } else {
                0
            },
            params.spread,
            params.seed,
        );
        let mut queries = Vec::new();
        plan::plan(&params, &data, params.users, &mut |q| queries.push(q));
        let mut totals = Vec::with_capacity(queries.len() + 1);
        let mut t = Totals::default();
        totals.push(t);
        for q in &queries {
            t.add(q);
            totals.push(t);
        }
        Run {
            params,
            data,
            queries,
            totals,
        }
    }

    /// The parameters of this run (clamped).
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The dataset the run loaded.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// Every query, in order.
    pub fn queries(&self) -> &[Query] {
        &self.queries
    }

    /// The figures after `step` queries.
    pub fn totals_at(&self, step: usize) -> Totals {
        self.totals[step.min(self.totals.len() - 1)]
    }

    /// The figures of the whole run.
    pub fn total(&self) -> Totals {
        self.totals[self.totals.len() - 1]
    }

    /// The query that step `step` ran (none at step 0).
    pub fn query_at(&self, step: usize) -> Option<(usize, &Query)> {
        let i = step.min(self.queries.len()).checked_sub(1)?;
        Some((i, &self.queries[i]))
    }

    /// The exact SQL of query `i` (empty if there is no such query).
    pub fn sql(&self, i: usize) -> String {
        self.queries
            .get(i)
            .map(|q| sql::text(q, None))
            .unwrap_or_default()
    }

    /// The SQL of query `i` with long `IN` lists shortened to their first
    /// and last few keys, for display.
    pub fn sql_preview(&self, i: usize) -> String {
        self.queries
            .get(i)
            .map(|q| sql::text(q, Some(4)))
            .unwrap_or_default()
    }

    /// The column names of query `i`'s result.
    pub fn columns(&self, i: usize) -> Vec<&'static str> {
        self.queries.get(i).map(sql::columns).unwrap_or_default()
    }

    /// The first `limit` rows query `i` returns, as the model says they are.
    pub fn rows(&self, i: usize, limit: usize) -> Vec<Vec<Value>> {
        self.queries
            .get(i)
            .map(|q| sql::rows(q, &self.data, self.params.users, limit))
            .unwrap_or_default()
    }

    /// Heap memory the run holds, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.data.heap_bytes()
            + self.queries.capacity() * std::mem::size_of::<Query>()
            + self.totals.capacity() * std::mem::size_of::<Totals>()
    }

    /// What the code is about to do, for step 0.
    fn intro(&self) -> String {
        let p = &self.params;
        let what = match p.depth {
            Depth::Orders => "each user's orders",
            Depth::Items => "each user's orders and each order's items",
        };
        let how = match p.strategy {
            Strategy::Lazy => "lazily: nothing is fetched until the loop touches it".to_string(),
            Strategy::Joined => "by joining the tables in one query".to_string(),
            Strategy::SelectIn => match p.effective_batch() {
                Some(b) => format!(
                    "in batches of up to {} keys per IN list",
                    thousands(b.into())
                ),
                None => "with one IN list per level".to_string(),
            },
            Strategy::Subquery => "with one extra query per level".to_string(),
            Strategy::DataLoader => match p.effective_batch() {
                Some(b) => format!(
                    "through a DataLoader, one batch per tick (at most {} keys each)",
                    thousands(b.into())
                ),
                None => "through a DataLoader, one batch per tick".to_string(),
            },
        };
        format!(
            "Nothing has run yet. The code loads {} users, then {what}, {how}.",
            thousands(p.users.into())
        )
    }
}

impl super::Trace for Run {
    fn steps(&self) -> usize {
        self.queries.len() + 1
    }

    fn caption(&self, step: usize) -> String {
        let Some((i, q)) = self.query_at(step) else {
            return self.intro();
        };
        let mut text = plan::describe(q, i, &self.data, &self.params);
        if i + 1 == self.queries.len() {
            let t = self.total();
            text.push_str(&format!(
                " That was the last query: {} in all, {} rows, {}, {} of database time.",
                plural(t.queries, "query", "queries"),
                thousands(t.rows),
                bytes(t.bytes),
                duration(t.time_ns)
            ));
        }
        text
    }
}

/// `1 query`, `2 queries`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", thousands(n))
    }
}

/// The N values of the sweep.
pub const SWEEP_USERS: [u32; 14] = [
    0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000,
];

/// The figures of every strategy over a range of N, with the other
/// parameters as given.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// The N values, [`SWEEP_USERS`].
    pub users: Vec<u32>,
    /// For each strategy (in [`Strategy::ALL`] order), the totals at each N.
    pub totals: Vec<(Strategy, Vec<Totals>)>,
}

/// Runs the model for every strategy at every N of [`SWEEP_USERS`]. The batch
/// size is each strategy's default unless one is set.
pub fn sweep(params: &Params) -> Sweep {
    let p = params.clamped();
    let max = SWEEP_USERS[SWEEP_USERS.len() - 1];
    let data = Dataset::generate(
        max,
        p.orders,
        if p.depth == Depth::Items { p.items } else { 0 },
        p.spread,
        p.seed,
    );
    let totals = Strategy::ALL
        .iter()
        .map(|&strategy| {
            let q = Params {
                strategy,
                ..p.clone()
            };
            let row = SWEEP_USERS
                .iter()
                .map(|&n| {
                    let mut t = Totals::default();
                    plan::plan(&q, &data, n, &mut |query| t.add(&query));
                    t
                })
                .collect();
            (strategy, row)
        })
        .collect();
    Sweep {
        users: SWEEP_USERS.to_vec(),
        totals,
    }
}

#[cfg(test)]
mod tests;
