//! The simulation on a virtual clock (nanoseconds): clients send attempts
//! to one shared resource through the network, fail on a conflict, an
//! overload, an outage, a timeout or an open breaker, and retry after their
//! policy's delay, within their attempts, the retry budget and (at each of
//! `k` layers) their own retry loop.
//!
//! The conflict resource is the AWS simulator's optimistic-concurrency row:
//! an attempt reads the row's version, then writes with it; the write wins
//! only if no other write won since that read (one network delay to the
//! row, one back, for the read and for the write). We keep only what
//! decides: an attempt's write, at `read + two delays`, succeeds if the last
//! winning write happened at or before its read. A read and a write at the
//! same instant: the read sees the write.
//!
//! Network delays are about normal (the AWS simulator's `|N(mean, sd)|`),
//! drawn as the sum of four uniform draws (Irwin-Hall), scaled to the mean
//! and standard deviation: integers only, so every machine draws the same.

use std::cmp::Reverse;
use std::collections::binary_heap::PeekMut;
use std::collections::BinaryHeap;

use super::super::breaker::{Breaker, Config, Permit, Result as Outcome, State, Transition};
use super::super::rng::{mix, Rng};
use super::policy::{unit, Policy};

/// Most layers of retrying services.
pub const MAX_LAYERS: usize = 4;
/// Most attempts a run sends; a run that reaches it stops there.
pub const MAX_ATTEMPTS: usize = 500_000;
/// Most steps of a recorded run; later time falls in the last one.
pub const MAX_STEPS: usize = 2_000;
/// The latest virtual time an attempt may start, ns (20 minutes); a run
/// that reaches it stops there. With the table's limits (a backlog of at
/// most 1,000 requests of 1 s, timeouts and caps of 10 minutes) every
/// event stays below 2^43 ns, the time field of an event's key.
pub const HORIZON: u64 = 1_200_000_000_000;

/// What the shared resource fails on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// One row written with optimistic concurrency (the AWS simulator).
    Conflict,
    /// A server with a few workers and a bounded queue: a full queue
    /// answers 503 at once, with a `Retry-After`.
    Overload,
}

/// How work arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Traffic {
    /// A fixed set of clients; each sends its next unit only when the last
    /// one is answered.
    Closed,
    /// Units keep arriving at a rate, whatever happens to those before.
    Open,
}

/// Why an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Another write won since this attempt's read.
    Conflict,
    /// The server's queue was full (503, with `Retry-After`).
    Overloaded,
    /// The resource was down (503, with `Retry-After`).
    Outage,
    /// No answer within the timeout.
    Timeout,
    /// The client's breaker was open: failed fast, nothing sent.
    Breaker,
}

/// The settings of one run, in nanoseconds where they are times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setup {
    /// The resource.
    pub resource: Resource,
    /// Open or closed traffic.
    pub traffic: Traffic,
    /// Clients (closed traffic).
    pub clients: u32,
    /// Units of work each client does, one after another (closed).
    pub units: u32,
    /// Arrivals per second and for how long (open traffic).
    pub rate: u32,
    /// Seconds of arrivals (open traffic).
    pub seconds: u32,
    /// The retry policy, its base and cap in ms.
    pub policy: Policy,
    /// Base delay, ms.
    pub base_ms: f64,
    /// Cap, ms.
    pub cap_ms: f64,
    /// Attempts per call at each layer; 0 for no limit.
    pub attempts: u32,
    /// Per-attempt timeout (0: none).
    pub timeout: u64,
    /// Mean one-way network delay and its standard deviation.
    pub net: u64,
    /// Its standard deviation.
    pub net_sd: u64,
    /// Workers, service time and queue bound of the overload resource.
    pub workers: u32,
    /// Service time of one request.
    pub service: u64,
    /// Requests that may wait; more are turned away.
    pub queue: u32,
    /// The resource is down before this time.
    pub outage: u64,
    /// The `Retry-After` a 503 carries.
    pub retry_after: u64,
    /// Whether the bottom layer waits at least `Retry-After`.
    pub honour: bool,
    /// The retry budget: burst (tokens) and refill per second; `None` for
    /// no budget.
    pub budget: Option<(u32, u32)>,
    /// The client-side breaker's settings, if any.
    pub breaker: Option<Config>,
    /// Layers of services, each retrying.
    pub layers: u32,
    /// The seed.
    pub seed: u64,
}

/// What happened in one interval of virtual time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucket {
    /// Attempts sent (breaker rejections included).
    pub sent: u32,
    /// Attempts that reached the resource (its load).
    pub reached: u32,
    /// Attempts that succeeded.
    pub ok: u32,
    /// Failures on a conflict.
    pub conflict: u32,
    /// 503s from a full queue.
    pub overloaded: u32,
    /// 503s while down.
    pub outage: u32,
    /// Timeouts.
    pub timeout: u32,
    /// Rejections by the open breaker.
    pub breaker: u32,
    /// Retries the budget refused.
    pub refused: u32,
    /// Units finished.
    pub done: u32,
    /// Units given up.
    pub gave_up: u32,
}

/// The clients at the end of an interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snap {
    /// Waiting for an answer.
    pub in_flight: u32,
    /// Waiting out a retry delay.
    pub backing_off: u32,
    /// Units finished so far.
    pub done: u32,
    /// Units given up so far.
    pub gave_up: u32,
    /// The breaker's state, if there is one.
    pub breaker: Option<State>,
    /// Budget tokens left (whole), if there is a budget.
    pub tokens: Option<u32>,
}

/// A run's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Attempts that reached the resource: the work done (the AWS
    /// simulator's "calls").
    pub work: u64,
    /// Attempts sent, breaker rejections included.
    pub sent: u64,
    /// Units of work there were.
    pub units: u64,
    /// Units that succeeded.
    pub ok: u64,
    /// Units given up.
    pub failed: u64,
    /// When the last unit was answered (success or giving up), ns.
    pub completion: u64,
    /// Retries the budget refused.
    pub refused: u64,
    /// Whether the run stopped at [`MAX_ATTEMPTS`] or [`HORIZON`].
    pub truncated: bool,
}

/// What a recorded run keeps for its trace.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// Length of an interval, ns.
    pub tick: u64,
    /// One per interval.
    pub buckets: Vec<Bucket>,
    /// The clients at the end of each interval.
    pub snaps: Vec<Snap>,
    /// Attempts sent per client.
    pub calls: Vec<u32>,
    /// Every attempt sent, in the order sent: its client and the interval
    /// it left in (so the calls per client up to any step are a count).
    pub sends: Vec<(u32, u32)>,
    /// Every unit's end, in the order they ended: its client, the
    /// interval it ended in, and whether it succeeded (else it was given
    /// up).
    pub ends: Vec<(u32, u32, bool)>,
    /// The breaker's changes of state.
    pub transitions: Vec<Transition>,
}

/// Nanoseconds in a millisecond.
pub const MS: u64 = 1_000_000;
/// A budget token, in the billionths the bucket counts (a refill of `r`
/// tokens a second adds `r` of them every nanosecond).
const TOKEN: u64 = 1_000_000_000;

const START: u64 = 0;
const SERVER: u64 = 1;
const ORPHAN: u64 = 2;
const REPLY: u64 = 3;
const ATTEMPT_BITS: u32 = 19;

#[derive(Debug, Clone, Copy)]
struct Attempt {
    client: u32,
    start: u64,
    read: u64,
    retry: bool,
    outcome: Option<Cause>,
}

#[derive(Debug, Clone, Copy)]
struct Client {
    tries: [u32; MAX_LAYERS],
    previous: [f64; MAX_LAYERS],
    units_left: u32,
}

/// One run in progress.
struct Sim {
    s: Setup,
    /// Draws for the arrivals of open traffic.
    arrivals: Rng,
    /// Each client's own draws, so that its sequence does not depend on
    /// how events of other clients interleave.
    rngs: Vec<Rng>,
    heap: BinaryHeap<Reverse<u64>>,
    attempts: Vec<Attempt>,
    clients: Vec<Client>,
    last_write: Option<u64>,
    free: Vec<u64>,
    waiting: BinaryHeap<Reverse<u64>>,
    breaker: Option<Breaker>,
    tokens: u64,
    refilled: u64,
    totals: Totals,
    rec: Option<Record>,
    now_bucket: usize,
    in_flight: u32,
    backing_off: u32,
}

/// Runs the setup; with `record`, keeps the trace's buckets of `tick` ns.
/// Unrecorded runs of the AWS setting (the conflict row, closed traffic,
/// one unit, one layer, nothing but the policy) take a shorter path with
/// the same rules and the same draws, so the same totals ([`contend`]).
pub fn simulate(s: &Setup, record: Option<u64>) -> (Totals, Option<Record>) {
    if record.is_none() && plain(s) {
        return (contend(s), None);
    }
    general(s, record)
}

/// Whether a setup is the AWS setting: only the row, the clients and the
/// policy at work.
fn plain(s: &Setup) -> bool {
    s.resource == Resource::Conflict
        && s.traffic == Traffic::Closed
        && s.units <= 1
        && s.timeout == 0
        && s.outage == 0
        && s.budget.is_none()
        && s.breaker.is_none()
        && s.layers <= 1
}

/// The AWS setting with one event per attempt: its write at the row. The
/// read, the answer and the next attempt follow from it, each client
/// drawing from its own generator in the order [`general`] does (network
/// there, network back, network there and back for the write, the retry's
/// draw), so the totals are [`general`]'s.
pub(super) fn contend(s: &Setup) -> Totals {
    let n = s.clients as usize;
    let mut rngs: Vec<Rng> = (0..n as u64).map(|c| client_rng(s.seed, c)).collect();
    let mut reads = vec![0u64; n];
    let mut tries = vec![0u32; n];
    let mut previous = vec![s.base_ms; n];
    let mut heap = BinaryHeap::with_capacity(n);
    let mut totals = Totals {
        units: n as u64,
        ..Totals::default()
    };
    let net = |r: &mut Rng| net_delay(r.next_u64(), s.net, s.net_sd);
    // An attempt leaving at `t`: when it reads, when it writes.
    let send = |t: u64, r: &mut Rng| {
        let read = t + net(r);
        (read, read + net(r) + net(r))
    };
    for (c, r) in rngs.iter_mut().enumerate() {
        totals.sent += 1;
        let (read, write) = send(0, r);
        reads[c] = read;
        heap.push(Reverse((write << ATTEMPT_BITS) | c as u64));
    }
    let mut last_write: Option<u64> = None;
    // The earliest write is looked at in place: a failed attempt's next
    // write replaces it (one sift instead of a pop and a push).
    while let Some(mut top) = heap.peek_mut() {
        let Reverse(key) = *top;
        let (w, c) = (
            key >> ATTEMPT_BITS,
            (key & ((1 << ATTEMPT_BITS) - 1)) as usize,
        );
        let r = &mut rngs[c];
        totals.work += 1;
        let reply = w + net(r);
        totals.completion = totals.completion.max(reply);
        if last_write.is_none_or(|lw| lw <= reads[c]) {
            last_write = Some(w);
            totals.ok += 1;
            PeekMut::pop(top);
            continue;
        }
        if s.policy == Policy::None || (s.attempts != 0 && tries[c] + 1 >= s.attempts) {
            totals.failed += 1;
            PeekMut::pop(top);
            continue;
        }
        let u = if s.policy.jittered() {
            unit(r.next_u64())
        } else {
            0.0
        };
        tries[c] += 1;
        let d = s
            .policy
            .delay(tries[c], previous[c], s.base_ms, s.cap_ms, u);
        previous[c] = d;
        let start = reply + (d * MS as f64).round() as u64;
        if totals.sent as usize >= MAX_ATTEMPTS || start > HORIZON {
            totals.truncated = true;
            break;
        }
        totals.sent += 1;
        let (read, write) = send(start, r);
        reads[c] = read;
        *top = Reverse((write << ATTEMPT_BITS) | c as u64);
    }
    totals
}

/// Runs any setup, event by event.
pub(super) fn general(s: &Setup, record: Option<u64>) -> (Totals, Option<Record>) {
    let mut sim = Sim::new(s, record);
    sim.seed_arrivals();
    while let Some(Reverse(key)) = sim.heap.pop() {
        let (t, a, kind) = (
            key >> (ATTEMPT_BITS + 2),
            (key >> 2) as usize & ((1 << ATTEMPT_BITS) - 1),
            key & 3,
        );
        sim.advance_to(t);
        match kind {
            START => sim.start(a, t),
            SERVER => sim.server(a, t, false),
            ORPHAN => sim.server(a, t, true),
            _ => sim.reply(a, t),
        }
        if sim.totals.truncated {
            break;
        }
    }
    sim.finish()
}

/// Client `c`'s own generator: a random starting point for each.
fn client_rng(seed: u64, c: u64) -> Rng {
    Rng::new(mix(mix(seed) ^ c))
}

/// One network delay from 64 random bits: about normal with mean `mean`
/// and standard deviation `sd` (the sum of four uniform 16-bit draws,
/// scaled; folded at 0 as the AWS simulator's `abs`), in the unit of
/// `mean`.
pub fn net_delay(bits: u64, mean: u64, sd: u64) -> u64 {
    let sum: i64 = (0..4).map(|i| ((bits >> (16 * i)) & 0xFFFF) as i64).sum();
    // Four uniform draws on 0..=65535: mean 131070, sd 37837.6.
    let d = mean as i64 + (sum - 131_070) * sd as i64 / 37_838;
    d.unsigned_abs()
}

impl Sim {
    fn new(s: &Setup, record: Option<u64>) -> Sim {
        let fresh = Client {
            tries: [0; MAX_LAYERS],
            previous: [s.base_ms; MAX_LAYERS],
            units_left: 0,
        };
        let n = match s.traffic {
            Traffic::Closed => s.clients,
            Traffic::Open => s.rate.saturating_mul(s.seconds),
        } as usize;
        let burst = s.budget.map_or(0, |(b, _)| u64::from(b) * TOKEN);
        Sim {
            s: *s,
            arrivals: Rng::new(s.seed),
            rngs: (0..n as u64).map(|c| client_rng(s.seed, c)).collect(),
            heap: BinaryHeap::with_capacity(n * 2),
            attempts: Vec::with_capacity(n * 4),
            clients: vec![fresh; n],
            last_write: None,
            free: vec![0; s.workers.max(1) as usize],
            waiting: BinaryHeap::new(),
            breaker: s.breaker.map(Breaker::new),
            tokens: burst,
            refilled: 0,
            totals: Totals::default(),
            rec: record.map(|tick| Record {
                tick: tick.max(1),
                buckets: vec![Bucket::default()],
                calls: vec![0; n],
                ..Record::default()
            }),
            now_bucket: 0,
            in_flight: 0,
            backing_off: 0,
        }
    }

    /// Every client's first unit: all at time 0 (closed), or spread over
    /// the arrival window with uniform gaps of mean `1 / rate` (open).
    fn seed_arrivals(&mut self) {
        let mut t = 0u64;
        let gap = 2_000_000_000 / u64::from(self.s.rate.max(1));
        for c in 0..self.clients.len() {
            if self.s.traffic == Traffic::Open {
                t += self.arrivals.below(gap + 1);
            }
            self.clients[c].units_left = match self.s.traffic {
                Traffic::Closed => self.s.units.max(1) - 1,
                Traffic::Open => 0,
            };
            self.totals.units += match self.s.traffic {
                Traffic::Closed => u64::from(self.s.units.max(1)),
                Traffic::Open => 1,
            };
            self.schedule(c as u32, t, false);
        }
    }

    fn push(&mut self, t: u64, a: usize, kind: u64) {
        self.heap.push(Reverse(
            (t << (ATTEMPT_BITS + 2)) | ((a as u64) << 2) | kind,
        ));
    }

    /// A new attempt of client `c` starts at `t`.
    fn schedule(&mut self, c: u32, t: u64, retry: bool) {
        if self.attempts.len() >= MAX_ATTEMPTS || t > HORIZON {
            self.totals.truncated = true;
            return;
        }
        self.attempts.push(Attempt {
            client: c,
            start: t,
            read: 0,
            retry,
            outcome: None,
        });
        if retry {
            self.backing_off += 1;
        }
        self.push(t, self.attempts.len() - 1, START);
    }

    /// One network delay of client `c`'s (see [`net_delay`]).
    fn net(&mut self, c: u32) -> u64 {
        let bits = self.rngs.get_mut(c as usize).map_or(0, Rng::next_u64);
        net_delay(bits, self.s.net, self.s.net_sd)
    }

    fn bucket(&mut self) -> Option<&mut Bucket> {
        let i = self.now_bucket;
        self.rec.as_mut().and_then(|r| r.buckets.get_mut(i))
    }

    /// Closes the intervals that end at or before `t`.
    fn advance_to(&mut self, t: u64) {
        let Some(tick) = self.rec.as_ref().map(|r| r.tick) else {
            return;
        };
        let want = ((t / tick) as usize).min(MAX_STEPS - 1);
        while self.now_bucket < want {
            let snap = self.snap();
            if let Some(r) = self.rec.as_mut() {
                r.snaps.push(snap);
                r.buckets.push(Bucket::default());
            }
            self.now_bucket += 1;
        }
    }

    fn snap(&mut self) -> Snap {
        let at = (self.now_bucket as u64 + 1) * self.rec.as_ref().map_or(1, |r| r.tick);
        let tokens = self.s.budget.map(|_| {
            self.refill(at);
            (self.tokens / TOKEN) as u32
        });
        Snap {
            in_flight: self.in_flight,
            backing_off: self.backing_off,
            done: self.totals.ok as u32,
            gave_up: self.totals.failed as u32,
            breaker: self.breaker.as_ref().map(Breaker::state),
            tokens,
        }
    }

    /// Attempt `a` leaves its client at `t`.
    fn start(&mut self, a: usize, t: u64) {
        let at = self.attempts[a];
        if at.retry {
            self.backing_off -= 1;
        }
        self.totals.sent += 1;
        if let Some(r) = self.rec.as_mut() {
            if let Some(n) = r.calls.get_mut(at.client as usize) {
                *n += 1;
            }
            r.sends.push((at.client, self.now_bucket as u32));
        }
        if let Some(b) = self.bucket() {
            b.sent += 1;
        }
        if let Some(br) = self.breaker.as_mut() {
            if br.acquire(t / MS, a as u32) == Permit::Reject {
                if let Some(b) = self.bucket() {
                    b.breaker += 1;
                }
                // Not retried at this layer: retrying into an open breaker
                // is a busy loop. The layer above sees the failure.
                self.fail_above(a, t);
                return;
            }
        }
        self.in_flight += 1;
        let arrives = t + self.net(at.client);
        let at_server = match self.s.resource {
            Resource::Conflict => {
                self.attempts[a].read = arrives;
                arrives + self.net(at.client) + self.net(at.client)
            }
            Resource::Overload => arrives,
        };
        let timeout = self.s.timeout;
        if timeout > 0 && t + timeout < at_server {
            self.attempts[a].outcome = Some(Cause::Timeout);
            self.push(at_server, a, ORPHAN);
            self.push(t + timeout, a, REPLY);
        } else {
            self.push(at_server, a, SERVER);
        }
    }

    /// Attempt `a` reaches the resource at `t` (an orphan's client has
    /// stopped waiting for it).
    fn server(&mut self, a: usize, t: u64, orphan: bool) {
        self.totals.work += 1;
        let (result, answered) = if t < self.s.outage {
            (Some(Cause::Outage), t)
        } else {
            match self.s.resource {
                Resource::Conflict => {
                    if self.last_write.is_none_or(|w| w <= self.attempts[a].read) {
                        self.last_write = Some(t);
                        (None, t)
                    } else {
                        (Some(Cause::Conflict), t)
                    }
                }
                Resource::Overload => self.serve(t),
            }
        };
        if let Some(b) = self.bucket() {
            b.reached += 1;
            match result {
                None => b.ok += 1,
                Some(Cause::Conflict) => b.conflict += 1,
                Some(Cause::Overloaded) => b.overloaded += 1,
                Some(_) => b.outage += 1,
            }
        }
        if orphan {
            return;
        }
        let reply = answered + self.net(self.attempts[a].client);
        let start = self.attempts[a].start;
        if self.s.timeout > 0 && reply - start > self.s.timeout {
            self.attempts[a].outcome = Some(Cause::Timeout);
            self.push(start + self.s.timeout, a, REPLY);
        } else {
            self.attempts[a].outcome = result;
            self.push(reply, a, REPLY);
        }
    }

    /// The overload server takes a request at `t`: queued behind the
    /// earliest free worker, or turned away if the queue is full. Returns
    /// the failure, if any, and when the answer leaves the server.
    fn serve(&mut self, t: u64) -> (Option<Cause>, u64) {
        while self.waiting.peek().is_some_and(|Reverse(b)| *b <= t) {
            self.waiting.pop();
        }
        if self.waiting.len() >= self.s.queue as usize {
            return (Some(Cause::Overloaded), t);
        }
        let (w, free) = self
            .free
            .iter()
            .copied()
            .enumerate()
            .min_by_key(|&(_, f)| f)
            .unwrap_or((0, t));
        let begin = free.max(t);
        let end = begin + self.s.service;
        if let Some(f) = self.free.get_mut(w) {
            *f = end;
        }
        if begin > t {
            self.waiting.push(Reverse(begin));
        }
        (None, end)
    }

    /// Attempt `a`'s answer (or its timeout) reaches its client at `t`.
    fn reply(&mut self, a: usize, t: u64) {
        self.in_flight -= 1;
        let at = self.attempts[a];
        if let Some(br) = self.breaker.as_mut() {
            let result = match at.outcome {
                None => Outcome::Ok,
                Some(Cause::Timeout) => Outcome::Timeout,
                Some(_) => Outcome::Error,
            };
            br.record(t / MS, a as u32, result, (t - at.start) / MS);
        }
        match at.outcome {
            None => self.succeed(at.client, t),
            Some(cause) => {
                if cause == Cause::Timeout {
                    if let Some(b) = self.bucket() {
                        b.timeout += 1;
                    }
                }
                self.fail(a, t, cause);
            }
        }
    }

    /// One layer's hop between services: the mean network delay.
    fn hop(&self) -> u64 {
        self.s.net
    }

    fn succeed(&mut self, c: u32, t: u64) {
        let done = t + self.hop() * u64::from(self.s.layers.max(1) - 1);
        self.totals.ok += 1;
        if let Some(b) = self.bucket() {
            b.done += 1;
        }
        self.ended(c, true);
        self.next_unit(c, done);
    }

    fn next_unit(&mut self, c: u32, t: u64) {
        self.totals.completion = self.totals.completion.max(t);
        let base = self.s.base_ms;
        let Some(cl) = self.clients.get_mut(c as usize) else {
            return;
        };
        if cl.units_left == 0 {
            return;
        }
        cl.units_left -= 1;
        cl.tries = [0; MAX_LAYERS];
        cl.previous = [base; MAX_LAYERS];
        self.schedule(c, t, false);
    }

    /// Whether the budget has a token for a retry at `t` (taking it).
    fn take(&mut self, t: u64) -> bool {
        if self.s.budget.is_none() {
            return true;
        }
        self.refill(t);
        if self.tokens >= TOKEN {
            self.tokens -= TOKEN;
            true
        } else {
            false
        }
    }

    fn refill(&mut self, t: u64) {
        if let Some((burst, rate)) = self.s.budget {
            if t > self.refilled {
                let add = u64::from(rate) * (t - self.refilled);
                self.tokens = (self.tokens + add).min(u64::from(burst) * TOKEN);
                self.refilled = t;
            }
        }
    }

    /// Attempt `a` failed with `cause` at `t`: the bottom layer retries if
    /// it may; else the failure goes up a layer, which retries its whole
    /// call below, and so on up to the client, which gives the unit up.
    fn fail(&mut self, a: usize, t: u64, cause: Cause) {
        let k = self.s.layers.clamp(1, MAX_LAYERS as u32) as usize;
        self.fail_from(a, t, cause, k - 1);
    }

    /// Attempt `a` was failed fast by the breaker at `t`: the bottom layer
    /// gives its call up, and the layers above decide.
    fn fail_above(&mut self, a: usize, t: u64) {
        let k = self.s.layers.clamp(1, MAX_LAYERS as u32) as usize;
        if k == 1 {
            self.give_up(self.attempts[a].client, t);
        } else {
            self.fail_from(a, t + self.hop(), Cause::Breaker, k - 2);
        }
    }

    fn give_up(&mut self, c: u32, t: u64) {
        self.totals.failed += 1;
        if let Some(b) = self.bucket() {
            b.gave_up += 1;
        }
        self.ended(c, false);
        self.next_unit(c, t);
    }

    /// Records that client `c`'s unit ended now, done or given up.
    fn ended(&mut self, c: u32, ok: bool) {
        let at = self.now_bucket as u32;
        if let Some(r) = self.rec.as_mut() {
            r.ends.push((c, at, ok));
        }
    }

    /// The failure reaches layer `layer` at `t`.
    fn fail_from(&mut self, a: usize, t: u64, cause: Cause, layer: usize) {
        let c = self.attempts[a].client;
        let k = self.s.layers.clamp(1, MAX_LAYERS as u32) as usize;
        let mut t = t;
        let mut layer = layer;
        loop {
            if let Some(start) = self.retry(c, layer, k, t, cause) {
                self.schedule(c, start, true);
                return;
            }
            if layer == 0 {
                self.give_up(c, t);
                return;
            }
            layer -= 1;
            t += self.hop();
        }
    }

    /// When layer `layer` of client `c` calls again after a failure at
    /// `t`, if it may retry.
    fn retry(&mut self, c: u32, layer: usize, k: usize, t: u64, cause: Cause) -> Option<u64> {
        let s = self.s;
        let tries = self.clients.get(c as usize)?.tries[layer];
        let allowed = s.policy != Policy::None && (s.attempts == 0 || tries + 1 < s.attempts);
        if !allowed {
            return None;
        }
        if !self.take(t) {
            self.totals.refused += 1;
            if let Some(b) = self.bucket() {
                b.refused += 1;
            }
            return None;
        }
        let u = if s.policy.jittered() {
            unit(self.rngs.get_mut(c as usize)?.next_u64())
        } else {
            0.0
        };
        let cl = self.clients.get_mut(c as usize)?;
        cl.tries[layer] += 1;
        let d = s
            .policy
            .delay(cl.tries[layer], cl.previous[layer], s.base_ms, s.cap_ms, u);
        cl.previous[layer] = d;
        for l in layer + 1..k {
            cl.tries[l] = 0;
            cl.previous[l] = s.base_ms;
        }
        let mut wait = (d * MS as f64).round() as u64;
        let said = matches!(cause, Cause::Outage | Cause::Overloaded);
        if s.honour && said && layer == k - 1 {
            wait = wait.max(s.retry_after);
        }
        Some(t + wait + self.hop() * (k - 1 - layer) as u64)
    }

    fn finish(mut self) -> (Totals, Option<Record>) {
        let snap = self.snap();
        let transitions = self
            .breaker
            .as_ref()
            .map(|b| b.transitions.clone())
            .unwrap_or_default();
        if let Some(r) = self.rec.as_mut() {
            r.snaps.push(snap);
            r.transitions = transitions;
        }
        (self.totals, self.rec)
    }
}
