//! The traffic a rate limiter sees: seeded requests from clients through
//! several app instances, on a virtual clock in milliseconds. Patterns:
//! evenly spaced, random arrivals (a Poisson process conditioned on its
//! count), bursts squeezed around window edges, one abusive client among
//! many, and simultaneous pairs from two instances (the race).

use super::{Params, Pattern};
use crate::rng::{pick, Rng};

/// One request: when it arrives, whose it is, which app instance takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// Arrival, virtual ms from the start.
    pub at: u64,
    /// The client (the limiter's key).
    pub client: u32,
    /// The app instance that handles it (its own Redis connection).
    pub instance: u8,
}

/// How many requests the parameters ask for.
pub fn count(p: &Params) -> u64 {
    u64::from(p.rps) * u64::from(p.seconds)
}

/// The requests of the parameters, sorted by arrival, then instance, then
/// client.
pub fn generate(p: &Params) -> Vec<Request> {
    generate_grouped(p).0
}

/// [`generate`], with where each group of concurrent requests starts (as
/// [`groups`] finds them), found in the same pass.
pub fn generate_grouped(p: &Params) -> (Vec<Request>, Vec<u32>) {
    let d = u64::from(p.seconds) * 1000;
    let n = count(p);
    let clients = u64::from(p.clients.max(1));
    let instances = u64::from(p.instances.max(1));
    let seed = u64::from(p.seed);
    let mut out = Vec::with_capacity(n as usize);
    let instance_of = |k: u64| pick(seed, 2, k, instances) as u8;
    match p.pattern {
        Pattern::Steady | Pattern::Edge => {
            let w = u64::from(p.window_ms);
            for c in 0..clients {
                let share = n / clients + u64::from(c < n % clients);
                for i in 0..share {
                    let off = pick(seed, 1, c, d);
                    let mut at = (i * d + off) / share;
                    if p.pattern == Pattern::Edge {
                        at = squeeze(at, w);
                    }
                    let k = out.len() as u64;
                    out.push(Request {
                        at,
                        client: c as u32,
                        instance: instance_of(k),
                    });
                }
            }
        }
        Pattern::Random | Pattern::Abuser => {
            let mut rng = Rng::new(seed ^ 0x0005_EED0_FA11);
            let heavy = if p.pattern == Pattern::Abuser {
                u64::from(p.abuse)
            } else {
                1
            };
            let (who, lanes) = (heavy + clients - 1, (heavy + clients - 1) * instances);
            // Drawn as (arrival, lane) pairs packed in one word, half the
            // size of a request, then sorted by arrival and unpacked.
            let mut drawn = Vec::with_capacity(n as usize);
            for _ in 0..n {
                // One draw picks both the client and the instance.
                let x = rng.below(lanes);
                drawn.push(rng.below(d) << 32 | x);
            }
            let at = |w: &u64| w >> 32;
            return by_arrival(&drawn, d, at, |w| {
                let x = w & 0xFFFF_FFFF;
                let (x, instance) = (x % who, x / who);
                let client = if x < heavy { 0 } else { x - heavy + 1 };
                Request {
                    at: w >> 32,
                    client: client as u32,
                    instance: instance as u8,
                }
            });
        }
        Pattern::Pairs => {
            let arrivals = n / 2;
            for i in 0..arrivals {
                let c = i % clients;
                let at = (i * d + pick(seed, 1, 0, d)) / arrivals;
                for j in 0..2u64 {
                    out.push(Request {
                        at,
                        client: c as u32,
                        instance: (j % instances) as u8,
                    });
                }
            }
        }
    }
    sort(out, d)
}

/// Sorts requests by arrival, then instance, then client.
fn sort(reqs: Vec<Request>, d: u64) -> (Vec<Request>, Vec<u32>) {
    by_arrival(&reqs, d, |r| r.at, |r| *r)
}

/// `items` as requests (`request`) sorted by arrival (`at`), then instance,
/// then client: a counting sort over the run's milliseconds, linear in the
/// requests, where a comparison sort of a ten-minute trace would cost the
/// run's whole budget; and the groups' starts, as [`groups`] finds them.
fn by_arrival<T>(
    items: &[T],
    d: u64,
    at: impl Fn(&T) -> u64,
    request: impl Fn(&T) -> Request,
) -> (Vec<Request>, Vec<u32>) {
    let end = items.iter().map(|r| at(r) + 1).max().unwrap_or(0).max(d);
    // `next[t]`: where the next request of millisecond `t` goes.
    let mut next = vec![0u32; end as usize + 1];
    for r in items {
        next[at(r) as usize] += 1;
    }
    let mut sum = 0;
    for slot in next.iter_mut() {
        let here = *slot;
        *slot = sum;
        sum += here;
    }
    let mut out = vec![
        Request {
            at: 0,
            client: 0,
            instance: 0,
        };
        items.len()
    ];
    for r in items {
        let slot = &mut next[at(r) as usize];
        out[*slot as usize] = request(r);
        *slot += 1;
    }
    // Within a millisecond: by instance, then client; a group goes on
    // while the instances increase.
    let mut starts = Vec::with_capacity(out.len() + 1);
    let mut a = 0;
    while a < out.len() {
        let t = out[a].at;
        let mut b = a + 1;
        while b < out.len() && out[b].at == t {
            b += 1;
        }
        starts.push(a as u32);
        if b - a > 1 {
            out[a..b].sort_unstable_by_key(|r| (r.instance, r.client));
            for k in a + 1..b {
                if out[k - 1].instance >= out[k].instance {
                    starts.push(k as u32);
                }
            }
        }
        a = b;
    }
    starts.push(out.len() as u32);
    (out, starts)
}

/// Moves `at` into the last tenth of an even window or the first tenth of
/// an odd one, so that two windows' requests meet at their shared edge.
fn squeeze(at: u64, w: u64) -> u64 {
    let (k, pos) = (at / w, at % w);
    let start = k * w;
    if k.is_multiple_of(2) {
        start + w - 1 - (w - 1 - pos) / 10
    } else {
        start + pos / 10
    }
}

/// Where each group of concurrent requests starts: requests at the same
/// millisecond on distinct, increasing instances run at once, their Redis
/// commands interleaved; a request on the same instance waits for the one
/// before it. `starts` ends with the number of requests.
pub fn groups(reqs: &[Request]) -> Vec<u32> {
    let mut starts = Vec::new();
    for (k, r) in reqs.iter().enumerate() {
        let joins = k > 0 && {
            let prev = reqs[k - 1];
            prev.at == r.at && prev.instance < r.instance
        };
        if !joins {
            starts.push(k as u32);
        }
    }
    starts.push(reqs.len() as u32);
    starts
}
