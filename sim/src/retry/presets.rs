//! Ready-made runs, each showing one point: a herd of synchronised retries
//! after an outage, jitter spreading it, retries multiplying through three
//! layers, a retry budget keeping an overloaded server out of collapse, and
//! the AWS blog's experiment.

use super::{Params, Policy, Resource, Traffic};

/// A ready-made run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// 200 clients retry with exponential backoff and no jitter through a
    /// 2 s outage: they come back together, in waves, and overflow the
    /// queue again.
    Herd,
    /// The same outage with full jitter: the waves spread out.
    Spread,
    /// Three layers each try 3 times: one unit costs up to 27 attempts.
    Layers,
    /// Open traffic at three quarters of capacity, a 1 s outage, timeouts
    /// shorter than the queue's wait: without a budget the retries keep
    /// the server overloaded long after the outage (a metastable failure);
    /// the budget lets it drain.
    Budget,
    /// The AWS blog's experiment: 100 clients on one optimistic row.
    Aws,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 5] = [
        Preset::Herd,
        Preset::Spread,
        Preset::Layers,
        Preset::Budget,
        Preset::Aws,
    ];

    /// The word the view uses.
    pub fn slug(self) -> &'static str {
        match self {
            Preset::Herd => "herd",
            Preset::Spread => "spread",
            Preset::Layers => "layers",
            Preset::Budget => "budget",
            Preset::Aws => "aws",
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Preset::Herd => "Thundering herd after an outage",
            Preset::Spread => "Jitter spreads the herd",
            Preset::Layers => "Retries at three layers",
            Preset::Budget => "A retry budget stops the collapse",
            Preset::Aws => "The AWS blog\u{2019}s experiment",
        }
    }

    /// Its parameters.
    pub fn params(self) -> Params {
        let outage = Params {
            resource: Resource::Overload,
            clients: 200,
            workers: 4,
            service_ms: 5,
            queue: 20,
            outage_ms: 2_000,
            retry_after_ms: 1_000,
            base_ms: 100,
            cap_ms: 5_000,
            tick_ms: 50,
            ..Params::aws(Policy::Exponential, 200)
        };
        match self {
            Preset::Herd => outage,
            Preset::Spread => Params {
                policy: Policy::Full,
                ..outage
            },
            Preset::Layers => Params {
                policy: Policy::Exponential,
                attempts: 3,
                layers: 3,
                clients: 20,
                outage_ms: 10_000,
                tick_ms: 100,
                ..outage
            },
            Preset::Budget => Params {
                policy: Policy::Fixed,
                base_ms: 10,
                cap_ms: 10,
                attempts: 5,
                traffic: Traffic::Open,
                rate: 300,
                seconds: 10,
                outage_ms: 1_000,
                honour: true,
                timeout_ms: 200,
                queue: 200,
                service_ms: 10,
                budget: true,
                burst: 20,
                refill: 50,
                tick_ms: 100,
                ..outage
            },
            Preset::Aws => Params::aws(Policy::Full, 100),
        }
    }
}
