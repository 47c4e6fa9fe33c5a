//! What the retries view draws, as figures computed from a run: the
//! attempts of a window of clients up to a step (each client's first try
//! and its later attempts) and where each of their units ended, done or
//! given up; and the running sums of the intervals up to a step. Pure
//! functions of the run; the app turns them into SVG.

use super::{Bucket, Run, Traffic};
use crate::Trace;

/// What an attempt was in its client's story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// The client's first attempt.
    First,
    /// A later attempt: a retry (or, with several units per client, the
    /// first try of a later unit).
    Later,
}

/// One client's attempts, and the ends of its units, up to a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    /// The client (closed traffic) or arrival (open traffic), from 0.
    pub client: u32,
    /// Each attempt sent so far: the interval it left in (the step that
    /// shows it is one more) and what it was.
    pub marks: Vec<(u32, Mark)>,
    /// Each unit ended so far: the interval it ended in, and whether it
    /// succeeded (else the client gave it up).
    pub ends: Vec<(u32, bool)>,
    /// The attempts the client sends in the whole run.
    pub total: u32,
}

impl Run {
    /// How many clients the timeline has rows for: the clients (closed
    /// traffic) or the arrivals (open traffic).
    pub fn clients(&self) -> usize {
        self.record.calls.len()
    }

    /// Whether every client does one unit, so that an attempt after the
    /// first is always a retry.
    pub fn one_unit_each(&self) -> bool {
        self.params.traffic == Traffic::Open || self.params.units <= 1
    }

    /// The attempts of clients `from..from + rows` sent up to the end of
    /// the interval `step` shows (none at step 0).
    pub fn lanes(&self, from: usize, rows: usize, step: usize) -> Vec<Lane> {
        let n = self.clients();
        let from = from.min(n);
        let to = from.saturating_add(rows).min(n);
        let mut lanes: Vec<Lane> = (from..to)
            .map(|c| Lane {
                client: c as u32,
                marks: Vec::new(),
                ends: Vec::new(),
                total: self.record.calls[c],
            })
            .collect();
        if step == 0 {
            return lanes;
        }
        let last = (step.min(self.steps() - 1) - 1) as u32;
        let sent = self.record.sends.partition_point(|&(_, b)| b <= last);
        for &(c, b) in &self.record.sends[..sent] {
            let c = c as usize;
            if c < from || c >= to {
                continue;
            }
            let lane = &mut lanes[c - from];
            let mark = if lane.marks.is_empty() {
                Mark::First
            } else {
                Mark::Later
            };
            lane.marks.push((b, mark));
        }
        for &(c, b, ok) in &self.record.ends {
            let c = c as usize;
            if b <= last && c >= from && c < to {
                lanes[c - from].ends.push((b, ok));
            }
        }
        lanes
    }

    /// The sums of the intervals shown up to `step` (intervals `0..step`).
    pub fn so_far(&self, step: usize) -> Bucket {
        let k = step.min(self.record.buckets.len());
        let mut s = Bucket::default();
        for b in &self.record.buckets[..k] {
            s.sent += b.sent;
            s.reached += b.reached;
            s.ok += b.ok;
            s.conflict += b.conflict;
            s.overloaded += b.overloaded;
            s.outage += b.outage;
            s.timeout += b.timeout;
            s.breaker += b.breaker;
            s.refused += b.refused;
            s.done += b.done;
            s.gave_up += b.gave_up;
        }
        s
    }

    /// The most attempts any client sends in the run.
    pub fn most_calls(&self) -> u32 {
        self.record.calls.iter().copied().max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::{Params, Preset};

    #[test]
    fn lanes_count_every_attempt_and_every_units_end_once() {
        for preset in Preset::ALL {
            let run = Run::new(&preset.params());
            let last = run.steps() - 1;
            let lanes = run.lanes(0, run.clients(), last);
            let marks: usize = lanes.iter().map(|l| l.marks.len()).sum();
            assert_eq!(marks as u64, run.totals().sent, "{preset:?}");
            // Every unit ends once, done or given up, as the totals count.
            let done = lanes.iter().flat_map(|l| &l.ends).filter(|e| e.1).count();
            let gave_up = lanes.iter().flat_map(|l| &l.ends).filter(|e| !e.1).count();
            assert_eq!(done as u64, run.totals().ok, "{preset:?}");
            assert_eq!(gave_up as u64, run.totals().failed, "{preset:?}");
            for l in &lanes {
                assert_eq!(l.marks.len() as u32, l.total);
                if l.total > 0 {
                    assert_eq!(l.marks[0].1, Mark::First);
                }
                // A unit ends after its last attempt left.
                if let (Some(e), Some(m)) = (l.ends.last(), l.marks.last()) {
                    assert!(e.0 >= m.0, "{preset:?} client {}", l.client);
                }
                assert!(l.marks.windows(2).all(|w| w[0].0 <= w[1].0));
            }
            assert!(run.lanes(0, 10, 0).iter().all(|l| l.marks.is_empty()));
            let sums = run.so_far(last);
            assert_eq!(u64::from(sums.sent), run.totals().sent, "{preset:?}");
            assert_eq!(u64::from(sums.reached), run.totals().work, "{preset:?}");
            assert_eq!(u64::from(sums.done), run.totals().ok, "{preset:?}");
            assert_eq!(u64::from(sums.gave_up), run.totals().failed, "{preset:?}");
        }
    }

    #[test]
    fn a_window_holds_only_its_clients() {
        let run = Run::new(&Params::default());
        let step = run.steps() / 2;
        let lanes = run.lanes(10, 5, step);
        assert_eq!(
            lanes.iter().map(|l| l.client).collect::<Vec<_>>(),
            [10, 11, 12, 13, 14]
        );
        let counts = run.calls_until(step);
        for l in &lanes {
            assert_eq!(l.marks.len() as u32, counts[l.client as usize]);
        }
        assert!(run.lanes(run.clients(), 5, step).is_empty());
    }
}
