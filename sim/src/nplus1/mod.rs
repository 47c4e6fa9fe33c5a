//! The N+1 query problem: how many queries, rows, bytes and round trips an
//! ORM spends to load users, their orders and (nested) each order's items,
//! under each loading strategy.
//!
//! The counts follow what the ORMs do (see the design notes in the README),
//! and the statements are the ORM's own, word for word (`Orm`: SQLAlchemy
//! 2.x or Django 6.x; tests/it/nplus1_orms.rs runs both against SQLite):
//! lazy loading issues one query per parent on first access, even for an
//! empty collection; joined eager loading issues one LEFT OUTER JOIN; select-in
//! loading (SQLAlchemy's `selectinload`) issues one `IN (...)` query per 500
//! parent keys by default, Django's `prefetch_related` one per level with
//! every key; subquery loading issues one query per level that repeats the
//! parent query as a subquery; a DataLoader collects every key asked for in
//! one tick into one batch (no size limit by default). No parents means no
//! child query for the batching strategies. Django refuses joined loading
//! of a collection (`select_related` raises FieldError before any query)
//! and has no subquery loading: such a run sends nothing and says why.
//!
//! Beyond that one walk: `order.user` (many-to-one, where SQLAlchemy's
//! identity map answers users already loaded and Django asks per row),
//! `order.tags` (many-to-many through `order_tags`), users loaded before
//! the loop, passes of the loop, a strategy per level, the guards that
//! raise instead of loading (`raiseload`, Django 6.1's fetch modes, which
//! cover foreign keys only), a DataLoader whose batches await real I/O, and
//! a dataset spelled out in the link. tests/it/nplus1_orms.rs and
//! tests/it/nplus1_dataloader.rs check them against the real libraries.

mod counts;
mod data;
mod loader;
mod m2m;
mod m2o;
mod mixed;
mod o2o;
mod plan;
mod sql;

pub use counts::{Counts, MAX_COUNT, MAX_LISTED};
pub use data::{Dataset, Spread, Value, ROW_OVERHEAD};
pub use mixed::{mixes, Then};
pub use plan::{Query, Shape, Table, Totals};

use super::model::{Choices, Kind, Model, Param};
use super::{bytes, duration, thousands};
use crate::{choice, int};

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
    /// Eager, one query per parent, sent while the parents load
    /// (SQLAlchemy's `immediateload`).
    Immediate,
    /// Refuse to load: touching the relation raises (SQLAlchemy's
    /// `raiseload`, Django 6.1's `fetch_mode(FETCH_RAISE)`).
    Raise,
    /// Raise only where loading would send SQL (SQLAlchemy's
    /// `raiseload(sql_only=True)`): an identity-map hit is allowed.
    RaiseOnSql,
    /// Django 6.1's `fetch_mode(FETCH_PEERS)`: the first access to a
    /// foreign key loads it for every instance the queryset fetched.
    Peers,
}

impl Strategy {
    /// The strategies that load, in the order the sweep and its chart
    /// list them.
    pub const ALL: [Strategy; 5] = [
        Strategy::Lazy,
        Strategy::Joined,
        Strategy::SelectIn,
        Strategy::Subquery,
        Strategy::DataLoader,
    ];

    /// Every strategy, the guards included, in the order the view lists
    /// them.
    pub const EVERY: [Strategy; 9] = [
        Strategy::Lazy,
        Strategy::Joined,
        Strategy::SelectIn,
        Strategy::Subquery,
        Strategy::DataLoader,
        Strategy::Immediate,
        Strategy::Raise,
        Strategy::RaiseOnSql,
        Strategy::Peers,
    ];

    /// The word the URL uses.
    pub fn slug(self) -> &'static str {
        match self {
            Strategy::Lazy => "lazy",
            Strategy::Joined => "joined",
            Strategy::SelectIn => "selectin",
            Strategy::Subquery => "subquery",
            Strategy::DataLoader => "dataloader",
            Strategy::Immediate => "immediate",
            Strategy::Raise => "raise",
            Strategy::RaiseOnSql => "raise_on_sql",
            Strategy::Peers => "peers",
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
            Strategy::Immediate => "Eager per row (immediate)",
            Strategy::Raise => "Raise on lazy load",
            Strategy::RaiseOnSql => "Raise on SQL",
            Strategy::Peers => "Fetch peers (Django 6.1)",
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
}

/// The ORM whose statements the model reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orm {
    /// SQLAlchemy 2.x: `lazy="select"`, `joinedload`, `selectinload` (500
    /// keys per `IN` list, or `chunksize=`), `subqueryload`.
    SqlAlchemy,
    /// Django 6.x: related managers (lazy) and `prefetch_related` (every
    /// key of a level in one `IN` list); `select_related` cannot follow a
    /// reverse foreign key, and there is no subquery loading.
    Django,
}

impl Orm {
    /// Every ORM, in the order the view lists them.
    pub const ALL: [Orm; 2] = [Orm::SqlAlchemy, Orm::Django];

    /// The word the URL uses.
    pub fn slug(self) -> &'static str {
        match self {
            Orm::SqlAlchemy => "sqlalchemy",
            Orm::Django => "django",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Orm::SqlAlchemy => "SQLAlchemy 2.x",
            Orm::Django => "Django 6.x",
        }
    }

    /// Why this ORM sends nothing for `strategy`, in its own words; `None`
    /// when it has the strategy. (A DataLoader sits above any ORM.)
    pub fn refusal(self, strategy: Strategy) -> Option<&'static str> {
        self.refusal_for(strategy, Relation::Orders)
    }

    /// Why this ORM sends nothing for `strategy` on `relation`; `None`
    /// when it has the strategy there.
    pub fn refusal_for(self, strategy: Strategy, relation: Relation) -> Option<&'static str> {
        match (self, strategy, relation) {
            (Orm::Django, Strategy::Joined, Relation::Orders) => Some(DJANGO_NO_JOIN),
            (Orm::Django, Strategy::Joined, Relation::Tags) => Some(DJANGO_NO_JOIN_M2M),
            (Orm::Django, Strategy::Subquery, _) => Some(DJANGO_NO_SUBQUERY),
            (Orm::Django, Strategy::Immediate, _) => Some(DJANGO_NO_IMMEDIATE),
            (Orm::Django, Strategy::RaiseOnSql, _) => Some(DJANGO_NO_RAISE_ON_SQL),
            (Orm::SqlAlchemy, Strategy::Peers, _) => Some(SQLALCHEMY_NO_PEERS),
            _ => None,
        }
    }
}

/// Why Django has no `immediate` loading.
pub const DJANGO_NO_IMMEDIATE: &str = "Django has no eager-per-row loading: a relation is fetched when it is touched, or up front by select_related or prefetch_related. No query is sent; choose lazy loading to see one query per row.";

/// Why Django has no `raise_on_sql`.
pub const DJANGO_NO_RAISE_ON_SQL: &str = "Django has no raise-only-on-SQL mode: fetch_mode(FETCH_RAISE) blocks every lazy fetch of a foreign key, since without an identity map every such fetch is SQL. No query is sent; choose Raise on lazy load.";

/// Why SQLAlchemy has no fetch-peers mode.
pub const SQLALCHEMY_NO_PEERS: &str = "SQLAlchemy has no fetch-peers mode: the nearest is selectinload, which loads the relation for every parent of the query at once, up front. No query is sent; choose batch loading (IN).";

/// What Django says to `User.objects.select_related("orders")`, and why.
pub const DJANGO_NO_JOIN: &str = "Django refuses: select_related follows forward foreign keys and one-to-one fields only, and orders is a reverse foreign key (a collection), so evaluating the queryset raises FieldError: Invalid field name(s) given in select_related: 'orders'. Choices are: profile. No query is sent. Use prefetch_related, or join from the order side with Order.objects.select_related(\"user\").";

/// What Django says to `Order.objects.select_related("tags")`.
pub const DJANGO_NO_JOIN_M2M: &str = "Django refuses: select_related follows forward foreign keys and one-to-one fields only, and tags is a many-to-many field, so evaluating the queryset raises FieldError: Invalid field name(s) given in select_related: 'tags'. Choices are: user. No query is sent. Use prefetch_related.";

/// Why Django has no subquery loading.
pub const DJANGO_NO_SUBQUERY: &str = "Django has no subquery loading: prefetch_related lists the keys in an IN list instead of repeating the parent query as a subquery. No query is sent; choose batch loading (prefetch_related).";

/// How a DataLoader's batch functions resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Io {
    /// At once, from memory: every batch of a level resolves in one tick,
    /// so the next level's loads all meet in one tick.
    Memory,
    /// After real I/O: each batch resolves on its own, and its children's
    /// loads form their own tick, their own batches.
    Real,
}

impl Choices for Io {
    const ALL: &'static [Io] = &[Io::Memory, Io::Real];
    fn word(self) -> &'static str {
        match self {
            Io::Memory => "memory",
            Io::Real => "real",
        }
    }
}

/// Which relation the code walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// One-to-many: each user's orders (and, nested, each order's items).
    Orders,
    /// Many-to-one: every order, then each order's user.
    User,
    /// Many-to-many through `order_tags`: every order, then its tags.
    Tags,
    /// One-to-one, the reverse side: every user, then its profile.
    Profile,
}

impl Relation {
    /// The word the URL uses.
    pub fn slug(self) -> &'static str {
        match self {
            Relation::Orders => "user.orders",
            Relation::User => "order.user",
            Relation::Tags => "order.tags",
            Relation::Profile => "user.profile",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Relation::Orders => "user.orders (one-to-many)",
            Relation::User => "order.user (many-to-one)",
            Relation::Tags => "order.tags (many-to-many)",
            Relation::Profile => "user.profile (one-to-one)",
        }
    }
}

impl Choices for Relation {
    const ALL: &'static [Relation] = &[
        Relation::Orders,
        Relation::User,
        Relation::Tags,
        Relation::Profile,
    ];
    fn word(self) -> &'static str {
        self.slug()
    }
}

/// SQLite's default limit on bound variables per statement
/// (`SQLITE_MAX_VARIABLE_NUMBER`, since 3.32; Debian builds it with
/// 250,000). Django's `prefetch_related` does not split an `IN` list at it.
pub const SQLITE_VARIABLES: u32 = 32_766;

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
    /// The ORM whose statements are reproduced.
    pub orm: Orm,
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
    /// The relation the code walks.
    pub relation: Relation,
    /// Users the session loaded before the loop (`User.id <= loaded`), 0
    /// to [`MAX_USERS`]: SQLAlchemy's identity map keeps them, Django has
    /// none.
    pub loaded: u32,
    /// How many times the loop touches the relation of each parent (1 to
    /// [`MAX_TOUCH`]).
    pub touch: u32,
    /// The dataset spelled out, instead of the seeded one: N is then the
    /// number of users listed.
    pub data: Option<Counts>,
    /// How each order's items load, when not as the orders do.
    pub then: Then,
    /// How a DataLoader's batch functions resolve.
    pub io: Io,
}

/// The most times the loop touches each relation.
pub const MAX_TOUCH: u32 = 3;

impl Default for Params {
    fn default() -> Self {
        Params {
            orm: Orm::SqlAlchemy,
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
            relation: Relation::Orders,
            loaded: 0,
            touch: 1,
            data: None,
            then: Then::Same,
            io: Io::Memory,
        }
    }
}

impl Params {
    /// The dataset: the listed counts, or `users` seeded users.
    pub fn dataset(&self, users: u32) -> Dataset {
        match &self.data {
            Some(c) => Dataset::from_counts(&c.orders, &c.items, self.seed),
            None => Dataset::generate(
                users,
                self.orders,
                self.items_loaded(),
                self.spread,
                self.seed,
            ),
        }
    }

    /// The mean items per order the dataset needs: none unless the walk
    /// goes down to the items.
    pub fn items_loaded(&self) -> u32 {
        if (self.depth == Depth::Items && self.relation == Relation::Orders)
            || self.relation == Relation::Tags
        {
            self.items
        } else {
            0
        }
    }

    /// The batch size in effect: `None` means no limit.
    pub fn effective_batch(&self) -> Option<u32> {
        match self.strategy {
            // Django's prefetch_related has no chunk size: one IN list,
            // unless .iterator(chunk_size=) hands it the users in chunks.
            Strategy::SelectIn if self.orm == Orm::Django => self.batch,
            Strategy::SelectIn | Strategy::DataLoader => {
                self.batch.or(self.strategy.default_batch())
            }
            _ => None,
        }
    }

    /// Whether the batch size changes what the run does (for Django's
    /// prefetch_related it is `.iterator(chunk_size=)`).
    pub fn uses_batch(&self) -> bool {
        self.strategy.uses_batch() || (mixed::mixes(self) && self.then == Then::SelectIn)
    }

    /// Why the ORM sends nothing for this strategy, if it refuses it.
    pub fn refusal(&self) -> Option<&'static str> {
        self.orm
            .refusal_for(self.strategy, self.relation)
            .or_else(|| {
                mixed::mixes(self)
                    .then(|| mixed::refusal(self.orm, self.then))
                    .flatten()
            })
    }
}

impl Choices for Orm {
    const ALL: &'static [Orm] = &Orm::ALL;
    fn word(self) -> &'static str {
        self.slug()
    }
}

impl Choices for Strategy {
    const ALL: &'static [Strategy] = &Strategy::EVERY;
    fn word(self) -> &'static str {
        self.slug()
    }
}

impl Choices for Depth {
    const ALL: &'static [Depth] = &[Depth::Orders, Depth::Items];
    fn word(self) -> &'static str {
        self.slug()
    }
}

impl Choices for Spread {
    const ALL: &'static [Spread] = &[Spread::Fixed, Spread::Random];
    fn word(self) -> &'static str {
        match self {
            Spread::Fixed => "fixed",
            Spread::Random => "random",
        }
    }
}

impl Choices for Latency {
    const ALL: &'static [Latency] = &Latency::ALL;
    fn word(self) -> &'static str {
        self.slug()
    }
}

/// The parameters a link carries, in the order it writes them. Every
/// parameter is written, so a link means the same thing even if defaults
/// change.
const TABLE: &[Param<Params>] = &[
    choice!("strategy", "Loading strategy", Strategy, strategy),
    // After the strategy, so a link still begins with it.
    choice!("orm", "ORM", Orm, orm),
    int!("n", "Users (N)", "", 0, MAX_USERS, users),
    int!("orders", "Orders per user", "", 0, MAX_CHILDREN, orders),
    choice!("load", "Load", Depth, depth),
    int!("items", "Items per order", "", 0, MAX_CHILDREN, items),
    choice!("spread", "Counts", Spread, spread),
    int!("seed", "Seed", "", 0, u32::MAX, seed),
    Param::new(
        "batch",
        "Batch size",
        Kind::OptionalInt {
            min: 1,
            max: MAX_BATCH,
            unit: "keys",
            get: |p: &Params| p.batch,
            set: |p: &mut Params, v| p.batch = v,
        },
    ),
    choice!("latency", "Round trip", Latency, latency),
    int!("row_us", "Cost per row", "\u{b5}s", 0, MAX_ROW_US, row_us),
    // Last, so that links written before them keep their meaning.
    choice!("rel", "Relation", Relation, relation),
    int!("loaded", "Users loaded before", "", 0, MAX_USERS, loaded),
    int!("touch", "Touches per parent", "", 1, MAX_TOUCH, touch),
    choice!("io", "Batches resolve", Io, io).when(|p| p.strategy == Strategy::DataLoader),
    choice!("then", "Items load", Then, then)
        .when(|p| p.relation == Relation::Orders && p.depth == Depth::Items),
    Param::new(
        "data",
        "Counts listed",
        Kind::Text {
            get: |p: &Params| p.data.as_ref().map(Counts::text).unwrap_or_default(),
            set: |p: &mut Params, raw, problems| p.data = Counts::parse(raw, problems),
        },
    )
    .when(|p| p.data.is_some()),
];

impl Model for Run {
    type Params = Params;
    const NAME: &'static str = "n-plus-one";
    const TABLE: &'static [Param<Params>] = TABLE;

    fn run(params: &Params) -> Run {
        Run::new(params)
    }

    /// Listed counts fix N: the number of users listed. A first level
    /// that cannot carry a second strategy (a DataLoader) loads the items
    /// as it loads the orders, saying so.
    fn settle(p: &mut Params) -> Option<String> {
        let mut notes = Vec::new();
        let nested = p.relation == Relation::Orders && p.depth == Depth::Items;
        if nested
            && p.then != Then::Same
            && !mixed::mixes(p)
            && p.then.strategy() != Some(p.strategy)
        {
            notes.push(format!(
                "then: {} loading carries no second strategy, so the items load as the orders do",
                p.strategy.slug()
            ));
            p.then = Then::Same;
        }
        let listed = p.data.as_ref().map(|c| c.orders.len() as u32);
        if let Some(listed) = listed.filter(|&l| l != p.users) {
            p.users = listed;
            notes.push(format!(
                "n: the data lists {listed} users, so N is {listed}"
            ));
        }
        (!notes.is_empty()).then(|| notes.join("; "))
    }

    fn params(&self) -> &Params {
        &self.params
    }
}

/// One run: the dataset and the queries in the order the ORM sends them.
/// Step 0 is before the first query; step k is just after query k.
///
/// Nothing is kept per query or per step: each query, and the running
/// figures after any number of them, are computed when asked for from the
/// dataset's running totals (a binary search at most), so opening the
/// largest link (210,001 queries) costs the dataset alone.
#[derive(Debug, Clone)]
pub struct Run {
    params: Params,
    data: Dataset,
    plan: loader::Loader,
}

impl Run {
    /// Runs the model.
    pub fn new(params: &Params) -> Run {
        let params = super::model::clamp::<Run>(params);
        let data = params.dataset(params.users);
        let plan = loader::Loader::new(&params, &data, params.users);
        Run { params, data, plan }
    }

    /// The parameters of this run (clamped).
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The dataset the run loaded.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// How many queries the run sends.
    pub fn query_count(&self) -> usize {
        self.plan.len()
    }

    /// Query `i` (from 0), if there is one.
    pub fn query(&self, i: usize) -> Option<Query> {
        self.plan.query(&self.data, i)
    }

    /// Every query, in order, each computed as it is reached.
    pub fn queries(&self) -> impl ExactSizeIterator<Item = Query> + '_ {
        (0..self.query_count()).map(|i| self.plan.at(&self.data, i))
    }

    /// The keys query `i` binds (its `IN` list, or its one key), in order.
    pub fn keys(&self, i: usize) -> Vec<u32> {
        self.plan.keys(&self.data, i)
    }

    /// What the ORM raised after the last query, in its words (a guard
    /// strategy), if it raised.
    pub fn error(&self) -> Option<&str> {
        self.plan.error()
    }

    /// The figures after `step` queries.
    pub fn totals_at(&self, step: usize) -> Totals {
        self.plan.totals(&self.data, step)
    }

    /// The figures of the whole run.
    pub fn total(&self) -> Totals {
        self.plan.totals(&self.data, self.query_count())
    }

    /// The query that step `step` ran (none at step 0).
    pub fn query_at(&self, step: usize) -> Option<(usize, Query)> {
        let i = step.min(self.query_count()).checked_sub(1)?;
        Some((i, self.query(i)?))
    }

    /// The exact SQL of query `i` (empty if there is no such query).
    pub fn sql(&self, i: usize) -> String {
        self.query(i)
            .map(|q| sql::text(&q, self.params.orm, &self.keys(i), None))
            .unwrap_or_default()
    }

    /// The SQL of query `i` with long `IN` lists shortened to their first
    /// and last few keys, for display.
    pub fn sql_preview(&self, i: usize) -> String {
        self.query(i)
            .map(|q| sql::text(&q, self.params.orm, &self.keys(i), Some(4)))
            .unwrap_or_default()
    }

    /// The column names of query `i`'s result.
    pub fn columns(&self, i: usize) -> Vec<&'static str> {
        self.query(i)
            .map(|q| sql::columns(&q, self.params.orm))
            .unwrap_or_default()
    }

    /// The first `limit` rows query `i` returns, as the model says they are.
    pub fn rows(&self, i: usize, limit: usize) -> Vec<Vec<Value>> {
        self.query(i)
            .map(|q| {
                let keys = self.keys(i);
                sql::rows(
                    &q,
                    &self.data,
                    &keys,
                    self.params.users,
                    limit,
                    self.params.orm,
                )
            })
            .unwrap_or_default()
    }

    /// Heap memory the run holds, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.data.heap_bytes() + self.plan.heap_bytes()
    }

    /// What the code is about to do, for step 0.
    fn intro(&self) -> String {
        let p = &self.params;
        if let Some(note) = p.refusal() {
            return note.to_string();
        }
        let what = match (p.relation, p.depth) {
            (Relation::User, _) => "every order, then each order's user",
            (Relation::Tags, _) => "every order, then each order's tags through order_tags",
            (Relation::Profile, _) => "every user, then each user's profile (one each)",
            (_, Depth::Orders) => "each user's orders",
            (_, Depth::Items) => "each user's orders and each order's items",
        };
        let mut text = format!(
            "Nothing has run yet. The code loads {} users' data: {what}, {}.",
            thousands(p.users.into()),
            how(p)
        );
        if p.loaded > 0 {
            text.push_str(&format!(
                " Before the loop the session loaded users 1\u{2013}{}.",
                thousands(p.loaded.into())
            ));
            let per_user = matches!(p.strategy, Strategy::Lazy | Strategy::Immediate);
            let options = (mixed::mixes(p) && per_user && p.then != Then::Lazy)
                || mixed::immediate_with_kept(p);
            if options && p.orm == Orm::SqlAlchemy {
                text.push_str(" They keep the loader options they were loaded with (none), so their orders load plainly and their orders' items lazily, in the loop.");
            }
        }
        if mixed::mixes(p) {
            text.push_str(&match (p.orm, p.then) {
                (Orm::Django, Then::Joined) => " Each order's items are to be joined in with select_related(\"items\"), which Django cannot do for a reverse foreign key: the first orders query to carry it raises.".to_string(),
                (_, Then::Raise | Then::RaiseOnSql) => " Each order's items are guarded with raiseload: the first touch of an order's items raises.".to_string(),
                (_, then) => format!(
                    " Each order's items load otherwise: {}.",
                    then.label().to_lowercase()
                ),
            });
        }
        if p.touch > 1 {
            text.push_str(&format!(
                " The loop touches each relation {} times.",
                p.touch
            ));
        }
        text
    }
}

/// How the relation is loaded, in words, for the intro.
fn how(p: &Params) -> String {
    let fk_only = "which covers foreign keys and one-to-one fields only: user.orders is a reverse relation and stays lazy";
    match (p.strategy, p.relation) {
        (Strategy::Lazy, _) => "lazily: nothing is fetched until the loop touches it".to_string(),
        (Strategy::Joined, _) => "by joining the tables in one query".to_string(),
        (Strategy::SelectIn, _) if p.orm == Orm::Django => match p.batch {
            None => "with prefetch_related: one IN list per level, every key in it".to_string(),
            Some(b) if mixed::mixes(p) => format!(
                "with prefetch_related over .iterator(chunk_size={b}): per chunk of {} users, one IN list for their orders",
                thousands(b.into())
            ),
            Some(b) => format!(
                "with prefetch_related over .iterator(chunk_size={b}): per chunk of {}, one IN list per level",
                thousands(b.into())
            ),
        },
        (Strategy::SelectIn, _) => match p.effective_batch() {
            Some(b) => format!("in batches of up to {} keys per IN list", thousands(b.into())),
            None => "with one IN list per level".to_string(),
        },
        (Strategy::Subquery, _) => "with one extra query per level".to_string(),
        (Strategy::DataLoader, _) => {
            let io = match p.io {
                Io::Memory => "its batches answering from memory",
                Io::Real => "its batches awaiting real I/O, so each batch's children form a tick of their own",
            };
            match p.effective_batch() {
                Some(b) => format!(
                    "through a DataLoader, one batch per tick (at most {} keys each), {io}",
                    thousands(b.into())
                ),
                None => format!("through a DataLoader, one batch per tick, {io}"),
            }
        }
        (Strategy::Immediate, _) => {
            "eagerly, one query per parent, sent while the parents load".to_string()
        }
        (Strategy::Raise, Relation::Orders) if p.orm == Orm::Django => {
            format!("under fetch_mode(FETCH_RAISE), {fk_only}")
        }
        (Strategy::Raise, Relation::Tags) if p.orm == Orm::Django => "under fetch_mode(FETCH_RAISE), which covers foreign keys and one-to-one fields only: order.tags is a many-to-many and stays lazy".to_string(),
        (Strategy::Raise, _) if p.orm == Orm::Django => {
            "under fetch_mode(FETCH_RAISE): touching a foreign key or one-to-one that is not loaded raises".to_string()
        }
        (Strategy::Raise, _) => {
            "with raiseload: touching the relation raises instead of loading".to_string()
        }
        (Strategy::RaiseOnSql, _) => {
            "with raiseload(sql_only=True): touching the relation raises where it would send SQL".to_string()
        }
        (Strategy::Peers, Relation::Orders) => {
            format!("under fetch_mode(FETCH_PEERS), {fk_only}")
        }
        (Strategy::Peers, Relation::Tags) => "under fetch_mode(FETCH_PEERS), which covers foreign keys and one-to-one fields only: order.tags is a many-to-many and stays lazy".to_string(),
        (Strategy::Peers, Relation::User) => "under fetch_mode(FETCH_PEERS): the first order.user loads the users of every order the queryset fetched".to_string(),
        (Strategy::Peers, Relation::Profile) => "under fetch_mode(FETCH_PEERS): the first user.profile loads the profiles of every user the queryset fetched".to_string(),
    }
}

impl super::Trace for Run {
    fn steps(&self) -> usize {
        self.query_count() + 1
    }

    fn caption(&self, step: usize) -> String {
        let Some((i, q)) = self.query_at(step) else {
            return self.intro();
        };
        let mut text = plan::describe(&q, i, &self.data, &self.params);
        if i + 1 == self.query_count() {
            if let Some(e) = self.error() {
                let stop = if e.ends_with('.') { "" } else { "." };
                text.push_str(&format!(
                    " Then the loop touches the relation and the ORM raises {e}{stop} No more queries are sent."
                ));
            }
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
    /// For each strategy the ORM has (in [`Strategy::ALL`] order), the
    /// totals at each N.
    pub totals: Vec<(Strategy, Vec<Totals>)>,
}

/// Runs the model for every strategy the ORM has at every N of
/// [`SWEEP_USERS`] (one it refuses sends nothing, and is left out). The
/// batch size is each strategy's default unless one is set.
pub fn sweep(params: &Params) -> Sweep {
    let p = super::model::clamp::<Run>(params);
    let max = SWEEP_USERS[SWEEP_USERS.len() - 1];
    let data = p.dataset(max);
    let totals = Strategy::ALL
        .iter()
        .filter(|&&strategy| {
            Params {
                strategy,
                ..p.clone()
            }
            .refusal()
            .is_none()
        })
        .map(|&strategy| {
            let q = Params {
                strategy,
                ..p.clone()
            };
            let row = SWEEP_USERS
                .iter()
                .map(|&n| {
                    let plan = loader::Loader::new(&q, &data, n);
                    plan.totals(&data, plan.len())
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
