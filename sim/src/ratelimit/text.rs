//! What the rate-limiter run says: why each algorithm let a request
//! through or limited it, what each Redis command did in race mode, and
//! the run's figures in its opening caption.

use super::engine::Limits;
use super::{Algo, Mode, Run};
use crate::breaker::secs;
use crate::thousands;

/// Thousandths as a decimal: `2500` → `2.5`.
fn milli(v: i64) -> String {
    let s = format!("{:.3}", v as f64 / 1000.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A time in 1/rate ms as ms: `7` at rate 2 → `3.5 ms`.
fn scaled_ms(v: i64, lim: &Limits) -> String {
    let s = format!("{:.3}", v as f64 / f64::from(lim.rate));
    format!("{} ms", s.trim_end_matches('0').trim_end_matches('.'))
}

/// The instance's name: A, B, C...
pub fn instance_name(i: u8) -> char {
    (b'A' + i.min(25)) as char
}

impl Run {
    /// Why lane `lane` let request `k` through or limited it, with the
    /// state it read and left.
    pub fn reason(&self, lane: usize, k: usize) -> String {
        let (Some(l), Some(r)) = (self.lanes.get(lane), self.requests.get(k)) else {
            return String::new();
        };
        let o = self.outcome(lane, k);
        let lim = self.limits();
        let limit = lim.limit;
        let verdict = if o.ok { "passed" } else { "limited" };
        match l.algo {
            Algo::CheatSheet => {
                if !o.ok {
                    return format!(
                        "GET read {}, not below the limit of {limit}: limited",
                        o.aux
                    );
                }
                let others = o.value - o.aux - 1;
                let race = if others > 0 {
                    format!(
                        "; {others} concurrent request{} on another instance read the same {} and incremented first, so the count is now {} of {limit}{}",
                        if others == 1 { "" } else { "s" },
                        o.aux,
                        o.value,
                        if o.value > i64::from(limit) { ": over the limit" } else { "" }
                    )
                } else {
                    format!(" (INCR made it {})", o.value)
                };
                format!("GET read {} (below {limit}): passed{race}", o.aux)
            }
            Algo::FixedWindow => format!(
                "INCR made this window\u{2019}s count {} ({} {limit}): {verdict}{}",
                o.value,
                if o.ok { "at most" } else { "over" },
                if o.ok {
                    ""
                } else {
                    "; limited requests still count"
                }
            ),
            Algo::SlidingLog => format!(
                "{} request{} let through in the last {} (after dropping {} older): {verdict}",
                if o.ok { o.value - 1 } else { o.value },
                if o.value == 2 { "" } else { "s" },
                secs(lim.window_ms),
                o.aux
            ),
            Algo::SlidingCounter => {
                let w = lim.window_ms;
                let elapsed = r.at % w;
                let curr = if o.ok { o.value - 1 } else { o.value };
                let weight = (w - elapsed) as f64 / w as f64;
                format!(
                    "estimate {} \u{d7} {weight:.3} + {curr} = {:.2} ({} {limit}): {verdict}",
                    o.aux,
                    o.aux as f64 * weight + curr as f64,
                    if o.ok { "below" } else { "not below" }
                )
            }
            Algo::TokenBucket => format!(
                "{} token{} after the refill: {verdict}, {} left",
                milli(if o.ok { o.value + 1000 } else { o.value }),
                if o.ok || o.value != 1000 { "s" } else { "" },
                milli(o.value)
            ),
            Algo::LeakyMeter => format!(
                "the level, after leaking, {} room for one more of {}: {verdict}, level {}",
                if o.ok { "had" } else { "had no" },
                lim.burst,
                milli(o.value)
            ),
            Algo::Gcra => {
                if o.ok {
                    format!(
                        "the TAT was {} ahead of now (at most {} allowed): passed, TAT moves on one interval",
                        scaled_ms(o.aux, &lim),
                        scaled_ms(lim.tau(), &lim)
                    )
                } else {
                    format!(
                        "the TAT is {} ahead of now, more than {}: limited",
                        scaled_ms(o.value - lim.scaled(r.at), &lim),
                        scaled_ms(lim.tau(), &lim)
                    )
                }
            }
            Algo::LeakyQueue => {
                if o.ok {
                    format!("queued: it leaves after {}", scaled_ms(o.aux, &lim))
                } else {
                    format!("the queue of {} is full: limited", lim.burst)
                }
            }
        }
    }

    /// The opening caption: the traffic and each algorithm's figures.
    fn intro(&self) -> String {
        let p = &self.params;
        let lim = self.limits();
        let mut text = format!(
            "{} requests from {} over {} through {} ({} traffic).",
            thousands(self.requests.len() as u64),
            plural(p.clients, "client"),
            secs(u64::from(p.seconds) * 1000),
            plural(p.instances, "app instance"),
            crate::model::Choices::word(p.pattern)
        );
        for l in &self.lanes {
            let s = &l.summary;
            text.push_str(&format!(
                " {}: {} let through, {} limited, at most {} for one client in any {} ({:.2}\u{d7} what it means to allow).",
                l.algo.label(),
                thousands(s.allowed),
                thousands(s.limited),
                s.worst,
                secs(lim.window_ms),
                s.overshoot(l.algo, &lim)
            ));
        }
        if let Some(e) = self.counter_error {
            text.push_str(&format!(
                " The sliding counter decided {:.3}% of requests otherwise than an exact count would ({} let through, {} limited wrongly).",
                e.percent(),
                e.wrongly_allowed,
                e.wrongly_limited
            ));
        }
        text
    }

    fn request_caption(&self, k: usize) -> String {
        let r = self.requests[k];
        let mut text = format!(
            "At {}, client {} through instance {}.",
            secs(r.at),
            r.client,
            instance_name(r.instance)
        );
        for (i, l) in self.lanes.iter().enumerate() {
            text.push_str(&format!(" {}: {}.", l.algo.label(), self.reason(i, k)));
        }
        text
    }

    fn command_caption(&self, k: usize, i: usize) -> String {
        let r = self.requests[k];
        let cmds = self.commands(0, k);
        let Some(c) = cmds.get(i) else {
            return String::new();
        };
        let algo = self.lanes[0].algo;
        let mut text = format!(
            "At {}, instance {} (client {}) sends {} \u{2192} {}.",
            secs(r.at),
            instance_name(r.instance),
            r.client,
            c.short(algo),
            c.reply.show()
        );
        if !c.inside.is_empty() {
            text.push_str(&format!(" Inside Redis, atomically: {}.", c.inside));
        }
        if i + 1 == cmds.len() {
            text.push_str(&format!(" {}.", self.reason(0, k)));
        }
        text
    }
}

fn plural(n: u32, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {one}s", thousands(n.into()))
    }
}

impl crate::Trace for Run {
    fn steps(&self) -> usize {
        1 + match self.params.mode {
            Mode::Traffic => self.requests.len(),
            Mode::Race => self.race.len(),
        }
    }

    fn caption(&self, step: usize) -> String {
        let step = step.min(self.steps() - 1);
        if step == 0 {
            return self.intro();
        }
        match self.params.mode {
            Mode::Traffic => self.request_caption(step - 1),
            Mode::Race => match self.race_step(step) {
                Some((k, i)) => self.command_caption(k, i),
                None => String::new(),
            },
        }
    }
}
