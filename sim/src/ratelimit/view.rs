//! What the rate-limiter view draws, read from a run: each algorithm's
//! state as a number of requests (so that every lane's chart shares one
//! unit), the requests of one client around a step, what each algorithm
//! let through within the last window, the memory a client's key holds,
//! running totals, the whole run in bins, and which request or step shows
//! a figure. Every figure is the model's; the view only draws.

use super::engine::Limits;
use super::stats::nominal;
use super::{Algo, Mode, Run};
use crate::breaker::secs;
use crate::Trace;

pub use super::text::instance_name;

/// Requests between two checkpoints of a [`Tally`].
const TALLY_EVERY: usize = 1024;

/// Running totals of what each lane let through, kept every
/// [`TALLY_EVERY`] requests, so that "so far" is a short count from the
/// nearest checkpoint whatever the run's length.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tally {
    /// Per lane: requests let through before request `i * TALLY_EVERY`.
    marks: Vec<Vec<u32>>,
}

impl Tally {
    /// Per lane, requests `0..k` let through.
    pub fn allowed(&self, run: &Run, lane: usize, k: usize) -> u64 {
        let (Some(marks), Some(l)) = (self.marks.get(lane), run.lanes().get(lane)) else {
            return 0;
        };
        let k = k.min(l.ok.len());
        let i = (k / TALLY_EVERY).min(marks.len().saturating_sub(1));
        let from = i * TALLY_EVERY;
        let base = marks.get(i).copied().unwrap_or(0);
        u64::from(base) + l.ok[from.min(k)..k].iter().filter(|&&ok| ok).count() as u64
    }
}

/// A lane's requests over the run in equal spans of time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bins {
    /// The span of one bin, ms.
    pub span_ms: u64,
    /// Per lane, per bin: (let through, limited).
    pub lanes: Vec<Vec<(u32, u32)>>,
    /// The most requests in one bin.
    pub most: u32,
}

/// What a client's key holds in Redis after a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    /// Keys kept for the client.
    pub keys: u32,
    /// Numbers stored in them (a sorted set's member and score count as
    /// two).
    pub values: u64,
    /// What they are, for people.
    pub text: String,
}

/// Where race mode is within a group of concurrent requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaceAt {
    /// The group.
    pub group: usize,
    /// The group's commands in the order they reach Redis (first lane):
    /// `(request, command index)`.
    pub order: Vec<(usize, usize)>,
    /// The position of the step's command in `order`.
    pub pos: usize,
}

impl Run {
    /// What lane `lane`'s state is read against, in requests: the limit
    /// for the windowed algorithms, the burst for the others.
    pub fn level_cap(&self, lane: usize) -> f64 {
        let lim = self.limits();
        match self.lanes().get(lane).map(|l| l.algo) {
            Some(a) if a.windowed() => f64::from(lim.limit),
            _ => f64::from(lim.burst),
        }
    }

    /// Lane `lane`'s state after request `k`, in requests: the window's
    /// count, the log's size, the counter's weighted estimate, the tokens
    /// or the level, how many intervals GCRA's TAT (or the queue's last
    /// departure) is ahead of the request.
    pub fn level(&self, lane: usize, k: usize) -> f64 {
        let (Some(l), Some(r)) = (self.lanes().get(lane), self.requests().get(k)) else {
            return 0.0;
        };
        let o = self.outcome(lane, k);
        let lim = self.limits();
        match l.algo {
            Algo::CheatSheet | Algo::FixedWindow | Algo::SlidingLog => o.value as f64,
            Algo::SlidingCounter => {
                let w = lim.window_ms;
                let elapsed = r.at % w;
                o.aux as f64 * (w - elapsed) as f64 / w as f64 + o.value as f64
            }
            Algo::TokenBucket | Algo::LeakyMeter => o.value as f64 / 1000.0,
            Algo::Gcra | Algo::LeakyQueue => {
                if o.value == 0 {
                    0.0
                } else {
                    (o.value - lim.scaled(r.at)).max(0) as f64 / Limits::INTERVAL as f64
                }
            }
        }
    }

    /// How lane `lane`'s state moves on from request `k` until `until`
    /// (ms, before its client's next request): the points where its line
    /// bends, in requests. A bucket refills or drains and GCRA's TAT
    /// draws nearer at the rate, up to full or down to empty; a fixed
    /// window's count falls to nothing at the window's end; the log and
    /// the counter keep what they stored until the next request reads
    /// them.
    pub fn level_path(&self, lane: usize, k: usize, until: u64) -> Vec<(u64, f64)> {
        let (Some(l), Some(r)) = (self.lanes().get(lane), self.requests().get(k)) else {
            return Vec::new();
        };
        let lim = self.limits();
        let (at, v) = (r.at, self.level(lane, k));
        let until = until.max(at);
        let per_ms = f64::from(lim.rate) / 1000.0;
        let cap = f64::from(lim.burst);
        match l.algo {
            Algo::CheatSheet | Algo::FixedWindow => {
                let edge = lim.window_start(at) + lim.window_ms;
                if edge <= until {
                    vec![(at, v), (edge, v), (edge, 0.0), (until, 0.0)]
                } else {
                    vec![(at, v), (until, v)]
                }
            }
            Algo::SlidingLog | Algo::SlidingCounter => vec![(at, v), (until, v)],
            Algo::TokenBucket => {
                let full = at + ((cap - v).max(0.0) / per_ms).ceil() as u64;
                if full < until {
                    vec![(at, v), (full, cap), (until, cap)]
                } else {
                    vec![(at, v), (until, v + (until - at) as f64 * per_ms)]
                }
            }
            Algo::LeakyMeter | Algo::Gcra | Algo::LeakyQueue => {
                let empty = at + (v.max(0.0) / per_ms).ceil() as u64;
                if empty < until {
                    vec![(at, v), (empty, 0.0), (until, 0.0)]
                } else {
                    vec![(at, v), (until, v - (until - at) as f64 * per_ms)]
                }
            }
        }
    }

    /// The name of lane `lane`'s state, as its chart and figures label it.
    pub fn level_name(&self, lane: usize) -> &'static str {
        match self.lanes().get(lane).map(|l| l.algo) {
            Some(Algo::CheatSheet | Algo::FixedWindow) => "Window count",
            Some(Algo::SlidingLog) => "Log size",
            Some(Algo::SlidingCounter) => "Weighted estimate",
            Some(Algo::TokenBucket) => "Tokens",
            Some(Algo::LeakyMeter) => "Level",
            Some(Algo::Gcra) => "TAT ahead",
            Some(Algo::LeakyQueue) | None => "Queued ahead",
        }
    }

    /// Lane `lane`'s state after request `k` as its figure shows it, and
    /// what it is read against.
    pub fn level_text(&self, lane: usize, k: usize) -> (String, String) {
        let Some(l) = self.lanes().get(lane) else {
            return (String::new(), String::new());
        };
        let o = self.outcome(lane, k);
        let lim = self.limits();
        let v = self.level(lane, k);
        match l.algo {
            Algo::CheatSheet | Algo::FixedWindow | Algo::SlidingLog => {
                (format!("{}", o.value), format!("limit {}", lim.limit))
            }
            Algo::SlidingCounter => (
                format!("{v:.2}"),
                format!("limit {} (previous window {})", lim.limit, o.aux),
            ),
            Algo::TokenBucket => (decimal(v), format!("of {}; one per request", lim.burst)),
            Algo::LeakyMeter => (decimal(v), format!("of {}", lim.burst)),
            Algo::Gcra | Algo::LeakyQueue => {
                let ms = v * 1000.0 / f64::from(lim.rate.max(1));
                (
                    format!("{} ms", decimal(ms)),
                    format!(
                        "at most {} ({} interval{} of {} ms)",
                        secs(
                            (lim.tau() as f64 / f64::from(lim.rate.max(1))).round() as u64
                                + 1000 / u64::from(lim.rate.max(1))
                        ),
                        lim.burst,
                        if lim.burst == 1 { "" } else { "s" },
                        decimal(1000.0 / f64::from(lim.rate.max(1)))
                    ),
                )
            }
        }
    }

    /// Request `k`'s client's requests from `before_ms` before its
    /// arrival to `after_ms` after it, in order, but at most `most_before`
    /// before it and `most_after` after it (the nearest). The search stops
    /// after 2,000 requests per one kept each way, so that a client that
    /// rarely sends costs a bounded scan.
    pub fn around(
        &self,
        k: usize,
        (before_ms, after_ms): (u64, u64),
        (most_before, most_after): (usize, usize),
    ) -> Vec<usize> {
        let reqs = self.requests();
        let Some(r) = reqs.get(k) else {
            return Vec::new();
        };
        let reach = (most_before.max(most_after) * 2_000).max(2_000);
        let (lo, hi) = (
            r.at.saturating_sub(before_ms),
            r.at.saturating_add(after_ms),
        );
        let mut out: Vec<usize> = (k.saturating_sub(reach)..k)
            .rev()
            .take_while(|&j| reqs[j].at >= lo)
            .filter(|&j| reqs[j].client == r.client)
            .take(most_before)
            .collect();
        out.reverse();
        out.push(k);
        out.extend(
            (k + 1..reqs.len().min(k + 1 + reach))
                .take_while(|&j| reqs[j].at <= hi)
                .filter(|&j| reqs[j].client == r.client)
                .take(most_after),
        );
        out
    }

    /// Per lane, how many of request `k`'s client's requests it let
    /// through within the window ending at `k`'s arrival, `(at - w, at]`,
    /// counting `k` itself (the leaky queue counts them when served).
    /// One pass over the requests of that window.
    pub fn recent(&self, k: usize) -> Vec<u64> {
        let reqs = self.requests();
        let lanes = self.lanes();
        let Some(r) = reqs.get(k) else {
            return vec![0; lanes.len()];
        };
        let lim = self.limits();
        let w = lim.window_ms;
        // The queue's requests leave up to `burst` intervals after arrival.
        let wait = u64::from(lim.burst) * 1000 / u64::from(lim.rate.max(1)) + 1;
        let queue = lanes.iter().any(|l| l.algo == Algo::LeakyQueue);
        let from_at = r.at.saturating_sub(w + if queue { wait } else { 0 });
        let start = reqs.partition_point(|x| x.at <= from_at);
        let mut out = vec![0u64; lanes.len()];
        let from = start.min(k);
        for (j, q) in reqs[from..=k]
            .iter()
            .enumerate()
            .map(|(i, q)| (from + i, *q))
        {
            if q.client != r.client {
                continue;
            }
            for (i, l) in lanes.iter().enumerate() {
                if !l.ok.get(j).copied().unwrap_or(false) {
                    continue;
                }
                let at = if l.algo == Algo::LeakyQueue {
                    q.at + (self.outcome(i, j).aux.max(0) as u64) / u64::from(lim.rate.max(1))
                } else {
                    q.at
                };
                if at + w > r.at && at <= r.at {
                    out[i] += 1;
                }
            }
        }
        out
    }

    /// What lane `lane` means to let through in one window: the limit, or
    /// the rate over the window.
    pub fn nominal(&self, lane: usize) -> f64 {
        self.lanes()
            .get(lane)
            .map_or(0.0, |l| nominal(l.algo, &self.limits()))
    }

    /// The keys and values lane `lane` keeps for request `k`'s client
    /// after it.
    pub fn memory(&self, lane: usize, k: usize) -> Memory {
        let Some(l) = self.lanes().get(lane) else {
            return Memory {
                keys: 0,
                values: 0,
                text: String::new(),
            };
        };
        let o = self.outcome(lane, k);
        let (keys, values, text) = match l.algo {
            Algo::CheatSheet | Algo::FixedWindow => (1, 1, "a counter per window".to_string()),
            Algo::SlidingLog => {
                let n = o.value.max(0) as u64;
                (
                    1,
                    2 * n,
                    format!(
                        "a sorted set of {n} member{}, one per request let through in the window",
                        if n == 1 { "" } else { "s" }
                    ),
                )
            }
            Algo::SlidingCounter => (
                2,
                2,
                "this window\u{2019}s count and the last one\u{2019}s".into(),
            ),
            Algo::TokenBucket => (1, 2, "a hash of the tokens and their time".into()),
            Algo::LeakyMeter => (1, 2, "a hash of the level and its time".into()),
            Algo::Gcra => (1, 1, "the theoretical arrival time".into()),
            Algo::LeakyQueue => (1, 1, "when the last queued request leaves".into()),
        };
        Memory { keys, values, text }
    }

    /// Running totals of what each lane let through.
    pub fn tally(&self) -> Tally {
        let marks = self
            .lanes()
            .iter()
            .map(|l| {
                let mut out = Vec::with_capacity(l.ok.len() / TALLY_EVERY + 1);
                let mut n = 0u32;
                for (j, &ok) in l.ok.iter().enumerate() {
                    if j % TALLY_EVERY == 0 {
                        out.push(n);
                    }
                    n += u32::from(ok);
                }
                out
            })
            .collect();
        Tally { marks }
    }

    /// Every lane's requests over the run in `n` spans of time.
    pub fn bins(&self, n: usize) -> Bins {
        let n = n.max(1);
        let end = self.requests().last().map_or(1, |r| r.at + 1);
        let total = (u64::from(self.params_seconds()) * 1000).max(end);
        let span_ms = total.div_ceil(n as u64).max(1);
        let mut lanes = vec![vec![(0u32, 0u32); n]; self.lanes().len()];
        for (i, l) in self.lanes().iter().enumerate() {
            for (r, &ok) in self.requests().iter().zip(&l.ok) {
                let b = ((r.at / span_ms) as usize).min(n - 1);
                let cell = &mut lanes[i][b];
                if ok {
                    cell.0 += 1;
                } else {
                    cell.1 += 1;
                }
            }
        }
        let most = lanes
            .iter()
            .flatten()
            .map(|&(a, b)| a + b)
            .max()
            .unwrap_or(0);
        Bins {
            span_ms,
            lanes,
            most,
        }
    }

    fn params_seconds(&self) -> u32 {
        crate::Model::params(self).seconds
    }

    /// The step that shows request `k` decided: in race mode, its last
    /// command.
    pub fn step_of(&self, k: usize) -> usize {
        match crate::Model::params(self).mode {
            Mode::Traffic => (k + 1).min(self.steps() - 1),
            Mode::Race => (1..self.steps())
                .rev()
                .find(|&s| self.race_step(s).is_some_and(|(j, _)| j == k))
                .unwrap_or(0),
        }
    }

    /// The first request arriving at or after `at` ms (the last one if
    /// none does; none in an empty run).
    pub fn request_from(&self, at: u64) -> Option<usize> {
        let reqs = self.requests();
        let k = reqs.partition_point(|r| r.at < at);
        (!reqs.is_empty()).then(|| k.min(reqs.len() - 1))
    }

    /// The request that ends lane `lane`'s worst window: the last request
    /// of the worst client let through at or before the window's end.
    pub fn worst_request(&self, lane: usize) -> Option<usize> {
        let l = self.lanes().get(lane)?;
        let s = l.summary;
        if s.worst == 0 {
            return None;
        }
        let reqs = self.requests();
        let end = reqs.partition_point(|r| r.at <= s.worst_at);
        (0..end)
            .rev()
            .find(|&j| reqs[j].client == s.worst_client && l.ok[j])
    }

    /// Race mode: the group of the step's command, the group's commands
    /// in order, and where the step is among them.
    pub fn race_at(&self, step: usize) -> Option<RaceAt> {
        let (k, i) = self.race_step(step)?;
        let group = self.group_of(k);
        let order = self.group_order(0, group);
        let pos = order.iter().position(|&x| x == (k, i))?;
        Some(RaceAt { group, order, pos })
    }

    /// Whether request `j`'s decision is known at `step`: in traffic mode
    /// once its step is reached; in race mode once the first lane has sent
    /// its last command.
    pub fn decided(&self, step: usize, j: usize, race: Option<&RaceAt>) -> bool {
        match crate::Model::params(self).mode {
            Mode::Traffic => j < step,
            Mode::Race => {
                let Some(at) = race else {
                    return false;
                };
                let starts = self.group_starts();
                let (a, b) = (
                    starts.get(at.group).copied().unwrap_or(0) as usize,
                    starts.get(at.group + 1).copied().unwrap_or(0) as usize,
                );
                if j < a {
                    return true;
                }
                if j >= b {
                    return false;
                }
                let last = at.order.iter().rposition(|&(x, _)| x == j);
                last.is_some_and(|p| p <= at.pos)
            }
        }
    }
}

/// A number with at most two decimals: `2.5`, `3`, `0.33`.
pub fn decimal(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::super::{Params, Pattern, Preset};
    use super::*;

    #[test]
    fn the_edge_preset_shows_twice_the_limit_in_one_window_for_the_fixed_window() {
        let run = Run::new(&Preset::Edge.params());
        let worst = run
            .worst_request(0)
            .expect("the fixed window let something through");
        let recent = run.recent(worst);
        assert_eq!(recent[0], run.lanes()[0].summary.worst);
        assert_eq!(recent[0], 20, "fixed window: twice the limit of 10");
        // The sliding log, at the same request, stays at the limit.
        assert!(recent[1] <= 10, "{recent:?}");
    }

    #[test]
    fn recent_counts_agree_with_the_worst_window_of_every_preset() {
        for p in Preset::ALL {
            // The long presets cut to a few seconds: every request is
            // checked, each over its window.
            let mut params = p.params();
            if super::super::count(&params) > 6_000 {
                params.seconds = 3;
            }
            let run = Run::new(&params);
            for (i, l) in run.lanes().iter().enumerate() {
                if l.algo == Algo::LeakyQueue {
                    continue;
                }
                let most = (0..run.requests().len())
                    .filter(|&k| l.ok[k])
                    .map(|k| run.recent(k)[i])
                    .max()
                    .unwrap_or(0);
                assert_eq!(most, l.summary.worst, "{p:?} {:?}", l.algo);
            }
        }
    }

    #[test]
    fn the_tally_counts_what_each_lane_let_through() {
        let run = Run::new(&Preset::Abuser.params());
        let t = run.tally();
        for (i, l) in run.lanes().iter().enumerate() {
            for k in [0, 1, 1023, 1024, 1025, 3000, l.ok.len()] {
                let want = l.ok[..k.min(l.ok.len())].iter().filter(|&&x| x).count() as u64;
                assert_eq!(t.allowed(&run, i, k), want, "{i} {k}");
            }
            assert_eq!(t.allowed(&run, i, l.ok.len()), l.summary.allowed);
        }
    }

    #[test]
    fn around_keeps_to_one_client_in_order() {
        let run = Run::new(&Preset::Abuser.params());
        let k = 2_000;
        let c = run.requests()[k].client;
        let at = run.requests()[k].at;
        let a = run.around(k, (1_500, 500), (30, 10));
        assert!(a.contains(&k));
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert!(a.iter().all(|&j| run.requests()[j].client == c));
        assert!(a.len() <= 41);
        let times: Vec<u64> = a.iter().map(|&j| run.requests()[j].at).collect();
        assert!(
            times.iter().all(|&t| t + 1_500 >= at && t <= at + 500),
            "{times:?}"
        );
        // A narrow span keeps to it.
        let a = run.around(k, (0, 0), (30, 10));
        assert!(a.iter().all(|&j| run.requests()[j].at == at));
    }

    #[test]
    fn bins_hold_every_request() {
        let run = Run::new(&Preset::CounterVsLog.params());
        let b = run.bins(120);
        for (i, l) in b.lanes.iter().enumerate() {
            let (a, n): (u64, u64) = l
                .iter()
                .fold((0, 0), |s, x| (s.0 + u64::from(x.0), s.1 + u64::from(x.1)));
            assert_eq!(a, run.lanes()[i].summary.allowed);
            assert_eq!(n, run.lanes()[i].summary.limited);
        }
    }

    #[test]
    fn levels_stay_within_their_caps_where_the_algorithm_keeps_them() {
        let run = Run::new(&Preset::Gcra.params());
        for i in 0..run.lanes().len() {
            for k in 0..run.requests().len() {
                let v = run.level(i, k);
                assert!(v >= 0.0 && v <= run.level_cap(i) + 1e-9, "{i} {k} {v}");
            }
        }
    }

    #[test]
    fn in_the_race_both_requests_are_decided_after_the_last_command() {
        let run = Run::new(&Preset::Race.params());
        let mut saw = false;
        for s in 1..run.steps() {
            let at = run.race_at(s).expect("every step after 0 is a command");
            let (k, _) = run.race_step(s).expect("a command");
            if at.pos + 1 == at.order.len() {
                assert!(run.decided(s, k, Some(&at)));
                saw = true;
            }
            let first = run.group_starts()[at.group] as usize;
            let commands = at.order.iter().filter(|x| x.0 == first).count();
            if at.pos == 0 && commands > 1 {
                assert!(!run.decided(s, first, Some(&at)));
            }
        }
        assert!(saw);
        // Request 0 (instance A) sends GET, INCR and EXPIRE at steps 1, 3
        // and 5, its pair's commands between them.
        assert_eq!(run.step_of(0), 5);
        let at = run.race_at(5).expect("a command");
        assert!(run.decided(5, 0, Some(&at)));
    }

    #[test]
    fn memory_grows_with_the_log_only() {
        let p = Params {
            algos: Algo::ALL.to_vec(),
            pattern: Pattern::Steady,
            ..Params::default()
        };
        let run = Run::new(&p);
        let k = run.requests().len() - 1;
        for (i, l) in run.lanes().iter().enumerate() {
            let m = run.memory(i, k);
            if l.algo == Algo::SlidingLog {
                assert_eq!(m.values, 2 * run.outcome(i, k).value as u64);
            } else {
                assert!(m.values <= 2);
            }
        }
    }

    #[test]
    fn a_level_path_meets_the_next_requests_level_before_its_own_change() {
        let run = Run::new(&Preset::Gcra.params());
        let reqs = run.requests();
        for (i, l) in run.lanes().iter().enumerate() {
            for k in 0..reqs.len() - 1 {
                let next = k + 1;
                let path = run.level_path(i, k, reqs[next].at);
                let last = path.last().expect("a path").1;
                // The next request starts from where the path ends: let
                // through it adds one (or takes a token), limited it
                // leaves the state alone.
                let after = run.level(i, next);
                let o = run.outcome(i, next);
                let want = match (l.algo, o.ok) {
                    (_, false) => after,
                    (Algo::TokenBucket, true) => after + 1.0,
                    (_, true) => after - 1.0,
                };
                assert!(
                    (last - want).abs() < 0.01,
                    "{:?} {k}: {last} vs {want}",
                    l.algo
                );
            }
        }
    }

    #[test]
    fn a_moment_finds_its_first_request() {
        let run = Run::new(&Preset::Edge.params());
        let k = run.request_from(1_000).expect("requests");
        assert!(run.requests()[k].at >= 1_000);
        assert!(run.requests()[k - 1].at < 1_000);
        assert_eq!(run.request_from(0), Some(0));
        assert_eq!(run.request_from(u64::MAX), Some(run.requests().len() - 1));
    }
}
