//! The sweep over the number of clients: for each count and policy, the
//! model's AWS setting ([`super::Params::aws`]) run many times with
//! different seeds, averaging the work (attempts that reached the row, the
//! AWS simulator's "calls") and the completion time; and the AWS blog's
//! ranking of the policies, checked on the result.
//!
//! Beside the AWS simulator itself (its Python run with 20 runs a point),
//! at 190 clients: no backoff 8,011 calls and 3,554 ms there, 8,019 and
//! 3,539 ms here; exponential 5,173 and 101,764 ms there, 5,168 and 99,176
//! ms here; decorrelated 2,426 and 7,740 ms there, 2,429 and 7,972 ms
//! here. Full and equal jitter do about 9% more work here (1,936 and 1,920
//! against 1,773 and 1,763) because the model's first retry waits `base`
//! where the simulator's waits `2 * base`; with a base of 10 ms the model
//! gives 1,772 and 1,760.

use super::engine::simulate;
use super::{Params, Policy};

/// The blog's client counts: 10, 20, ..., 190.
pub fn aws_clients() -> Vec<u32> {
    (1..20).map(|i| i * 10).collect()
}

/// The policies the blog compares, as ours: no backoff (immediate),
/// exponential, full, equal and decorrelated jitter.
pub const AWS_POLICIES: [Policy; 5] = [
    Policy::Immediate,
    Policy::Exponential,
    Policy::Full,
    Policy::Equal,
    Policy::Decorrelated,
];

/// One point of the sweep: a policy at a client count, averaged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// The number of clients.
    pub clients: u32,
    /// The policy.
    pub policy: Policy,
    /// Mean attempts that reached the row per run.
    pub work: f64,
    /// Mean completion time per run, ms.
    pub completion_ms: f64,
}

/// A computed sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// Runs per point.
    pub runs: u32,
    /// Every point, client count by client count, policies in the order
    /// asked.
    pub points: Vec<Point>,
}

/// Runs the AWS setting for every client count and policy, `runs` times
/// each with seeds `seed, seed + 1, ...`, and averages.
pub fn sweep(clients: &[u32], policies: &[Policy], runs: u32, seed: u32) -> Sweep {
    let mut points = Vec::with_capacity(clients.len() * policies.len());
    for &n in clients {
        for &policy in policies {
            let mut p = Params::aws(policy, n);
            let (mut work, mut time) = (0u64, 0u64);
            for r in 0..runs {
                p.seed = seed.wrapping_add(r);
                let (t, _) = simulate(&p.setup(), None);
                work += t.work;
                time += t.completion;
            }
            let runs_f = f64::from(runs.max(1));
            points.push(Point {
                clients: n,
                policy,
                work: work as f64 / runs_f,
                completion_ms: time as f64 / 1e6 / runs_f,
            });
        }
    }
    Sweep { runs, points }
}

impl Sweep {
    /// The point of `policy` at `clients`.
    pub fn at(&self, clients: u32, policy: Policy) -> Option<&Point> {
        self.points
            .iter()
            .find(|p| p.clients == clients && p.policy == policy)
    }

    /// The client counts, in order.
    pub fn clients(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.points.iter().map(|p| p.clients).collect();
        v.dedup();
        v
    }

    /// The blog's claims, each with whether this sweep bears it out at
    /// every client count from `from` up (where the policies have had room
    /// to separate).
    pub fn aws_claims(&self, from: u32) -> Vec<(&'static str, bool)> {
        let counts: Vec<u32> = self.clients().into_iter().filter(|&n| n >= from).collect();
        let all = |f: &dyn Fn(u32) -> Option<bool>| {
            !counts.is_empty() && counts.iter().all(|&n| f(n).unwrap_or(false))
        };
        let w = |n, p| self.at(n, p).map(|x| x.work);
        let t = |n, p| self.at(n, p).map(|x| x.completion_ms);
        let others = |p: Policy| AWS_POLICIES.into_iter().filter(move |&q| q != p);
        vec![
            (
                "no backoff does the most work",
                all(&|n| {
                    let me = w(n, Policy::Immediate)?;
                    Some(others(Policy::Immediate).all(|q| w(n, q).is_some_and(|x| x < me)))
                }),
            ),
            (
                "no backoff finishes first",
                all(&|n| {
                    let me = t(n, Policy::Immediate)?;
                    Some(others(Policy::Immediate).all(|q| t(n, q).is_some_and(|x| x > me)))
                }),
            ),
            (
                "exponential without jitter finishes last",
                all(&|n| {
                    let me = t(n, Policy::Exponential)?;
                    Some(others(Policy::Exponential).all(|q| t(n, q).is_some_and(|x| x < me)))
                }),
            ),
            (
                "full and equal jitter do about the same work (within 25%)",
                all(&|n| {
                    let (f, e) = (w(n, Policy::Full)?, w(n, Policy::Equal)?);
                    Some((f - e).abs() <= 0.25 * f.min(e))
                }),
            ),
            (
                "full and equal jitter do the least work",
                all(&|n| {
                    let least = w(n, Policy::Full)?.max(w(n, Policy::Equal)?);
                    Some(
                        [Policy::Immediate, Policy::Exponential, Policy::Decorrelated]
                            .iter()
                            .all(|&q| w(n, q).is_some_and(|x| x > least)),
                    )
                }),
            ),
            (
                "decorrelated jitter does more work than full jitter",
                all(&|n| Some(w(n, Policy::Decorrelated)? > w(n, Policy::Full)?)),
            ),
        ]
    }
}
