//! The retries visualization: presets and controls drawn from the model's
//! table, the shared player, each client's calls on a timeline (a window of
//! forty clients at a time, and every client counted by attempts), the
//! resource's load and success rate up to the step, the breaker's state and
//! the budget's tokens when on, every policy on the same seed, and the AWS
//! blog's sweep over the number of clients. Everything it shows comes from
//! [`crate::sim::retry`].

mod chart;
mod controls;
mod render;

use std::sync::Arc;

use leptos::prelude::*;

use super::browser;
use super::live::{open_live, Live};
use super::player::Player;
use super::share::CopyLink;
use crate::sim::retry::sweep::{sweep, Point, Sweep, AWS_POLICIES};
use crate::sim::retry::{simulate, Params, Policy, Run, Totals};
use crate::sim::{thousands, Model};

/// The state of the visualization.
type State = Live<Run>;

/// The live retries visualization for the topic `slug`.
#[component]
pub fn RetryViz(slug: &'static str) -> impl IntoView {
    let (state, query) = open_live::<Run>(slug);
    let steps = state.steps();
    let caption = state.caption();
    view! {
        <div class="rt">
            <div class="viz-head">
                <h2 id="viz-title">{crate::content::visualization_title("retries")}</h2>
                <CopyLink query=query/>
            </div>
            <controls::Primary state=state/>
            <Player steps=steps step=state.step caption=caption/>
            <dl class="counters" aria-label="Figures so far" inner_html=state.at(render::counters)></dl>
            <Timeline state=state/>
            <LoadView state=state/>
            <Guards state=state/>
            <Policies state=state/>
            <SweepView/>
            <controls::Settings state=state/>
        </div>
    }
}

/// The calls of a window of clients, and every client by attempts so far.
#[component]
fn Timeline(state: State) -> impl IntoView {
    let from = RwSignal::new(0usize);
    // A new run shows its first clients again.
    Effect::new(move |_| {
        state.run.track();
        from.set(0);
    });
    let clients = move || state.run.with(|r| r.clients());
    let chart = move || {
        let (step, f) = (state.step.get(), from.get());
        state.run.with(|r| render::timeline(r, step, f))
    };
    let shown = move || {
        let (f, n) = (from.get(), clients());
        format!(
            "Clients {}\u{2013}{} of {}",
            (f + 1).min(n),
            (f + render::ROWS).min(n),
            thousands(n as u64)
        )
    };
    let who = move || {
        state.run.with(|r| {
            if r.params().traffic == crate::sim::retry::Traffic::Open {
                "Each row is one arrival (a unit of work) of open traffic; a mark is an attempt, at the interval it was sent in."
            } else {
                "Each row is one client; a mark is an attempt, at the interval it was sent in."
            }
        })
    };
    view! {
        <section class="rt-section" aria-labelledby="rt-calls-title">
            <h3 id="rt-calls-title">"Calls per client"</h3>
            <p class="hint">{who}</p>
            <div class="rt-pager">
                <button type="button" class="button" id="rt-earlier"
                    disabled=move || { from.get() == 0 }
                    on:click=move |_| from.update(|f| *f = f.saturating_sub(render::ROWS))>"Earlier clients"</button>
                <span class="rt-shown" aria-live="polite">{shown}</span>
                <button type="button" class="button" id="rt-later"
                    disabled=move || { from.get() + render::ROWS >= clients() }
                    on:click=move |_| from.update(|f| *f += render::ROWS)>"Later clients"</button>
            </div>
            <div class="rt-timeline-wrap" inner_html=chart></div>
            <ul class="legend" inner_html=move || state.run.with(|r| render::timeline_legend(r))></ul>
            <h4 class="rt-sub">"Every client, by attempts sent so far"</h4>
            <div inner_html=state.at(render::histogram)></div>
        </section>
    }
}

/// The load on the resource and its success rate over time.
#[component]
fn LoadView(state: State) -> impl IntoView {
    view! {
        <section class="rt-section" aria-labelledby="rt-load-title">
            <h3 id="rt-load-title">"The resource"</h3>
            <p class="hint">"Attempts a second that reach it in each interval, up to the step shown; the scale is the whole run\u{2019}s."</p>
            <div inner_html=state.at(render::load_chart)></div>
            <ul class="legend">
                <li><span class="rt-key rt-ok" aria-hidden="true"></span>"Succeeded"</li>
                <li><span class="rt-key rt-failed" aria-hidden="true"></span>"Failed (conflict, full queue, down)"</li>
            </ul>
            <h4 class="rt-sub">"Success rate"</h4>
            <div inner_html=state.at(render::rate_chart)></div>
        </section>
    }
}

/// The breaker's state and the budget's tokens, when either is on.
#[component]
fn Guards(state: State) -> impl IntoView {
    let on = move || state.run.with(|r| r.params().breaker || r.params().budget);
    view! {
        <Show when=on>
            <section class="rt-section" aria-labelledby="rt-guards-title">
                <h3 id="rt-guards-title">"Breaker and budget"</h3>
                <div class="rt-guards" inner_html=state.at(render::guards)></div>
                <ul class="legend">
                    {move || state.run.with(|r| r.params().breaker).then(|| view! {
                        <li><span class="rt-key rt-band s-closed" aria-hidden="true"></span>"closed"</li>
                        <li><span class="rt-key rt-band s-open" aria-hidden="true"></span>"open (fails fast)"</li>
                        <li><span class="rt-key rt-band s-half-open" aria-hidden="true"></span>"half-open"</li>
                    })}
                </ul>
            </section>
        </Show>
    }
}

/// The parameters the per-policy comparison depends on: all but the policy.
fn policy_key(p: &Params) -> Params {
    Params {
        policy: Policy::None,
        ..p.clone()
    }
}

/// Runs `f(0)`, `f(1)`, ... `f(n - 1)`, one a task, appending each result
/// to `out`, so that a long computation leaves the page free between its
/// parts; a later call (a newer `generation`) stops an earlier one.
fn in_tasks<T: Send + Sync + 'static>(
    n: usize,
    generation: RwSignal<u32>,
    out: RwSignal<Vec<T>>,
    f: Arc<dyn Fn(usize) -> T + Send + Sync>,
) {
    generation.update(|g| *g = g.wrapping_add(1));
    let mine = generation.get_untracked();
    out.set(Vec::new());
    fn next<T: Send + Sync + 'static>(
        i: usize,
        n: usize,
        mine: u32,
        generation: RwSignal<u32>,
        out: RwSignal<Vec<T>>,
        f: Arc<dyn Fn(usize) -> T + Send + Sync>,
    ) {
        gloo_timers::callback::Timeout::new(0, move || {
            if i >= n || generation.try_get_untracked() != Some(mine) {
                return;
            }
            let v = f(i);
            out.update(|o| o.push(v));
            next(i + 1, n, mine, generation, out, f);
        })
        .forget();
    }
    next(0, n, mine, generation, out, f);
}

/// Every policy on the same parameters and seed: a table and bars,
/// computed (a policy a task) when the section comes into view.
#[component]
fn Policies(state: State) -> impl IntoView {
    let section = NodeRef::<leptos::html::Section>::new();
    let in_view = RwSignal::new(false);
    section.on_load(move |el| browser::when_visible(&el, move || in_view.set(true)));
    let key = Memo::new(move |_| state.run.with(|r| policy_key(r.params())));
    let rows = RwSignal::new(Vec::<(Policy, Totals)>::new());
    let generation = RwSignal::new(0u32);
    Effect::new(move |_| {
        let p = key.get();
        if !in_view.get() {
            return;
        }
        let f = Arc::new(move |i: usize| {
            let policy = Policy::ALL[i];
            let q = Params {
                policy,
                ..p.clone()
            };
            (policy, simulate(&q.setup(), None).0)
        });
        in_tasks(Policy::ALL.len(), generation, rows, f);
    });
    let current = move || state.run.with(|r| r.params().policy);
    let table = move || rows.with(|r| chart::policy_table(r, current()));
    let bars = move |figure| move || rows.with(|r| chart::policy_bars(r, current(), figure));
    view! {
        <section class="rt-section" aria-labelledby="rt-policies-title" node_ref=section>
            <h3 id="rt-policies-title">"Every policy on the same seed"</h3>
            <p class="hint">"The settings above, run again under each policy: the same clients, resource, network draws and seed. The work is the attempts that reached the resource; the completion time is when the last unit was answered."</p>
            <div class="chart-pair rt-bars-pair">
                <figure>
                    <div inner_html=bars(chart::Figure::Work)></div>
                    <figcaption>"Work"</figcaption>
                </figure>
                <figure>
                    <div inner_html=bars(chart::Figure::Completion)></div>
                    <figcaption>"Completion time"</figcaption>
                </figure>
            </div>
            <div inner_html=table></div>
        </section>
    }
}

/// The runs a point the sweep may take: the blog's 100, or fewer for a
/// quicker look.
const RUNS: [(&str, u32); 3] = [("100", 100), ("20", 20), ("5", 5)];

/// The AWS blog's experiment over the number of clients, computed (a point
/// a task) when its charts come into view.
#[component]
fn SweepView() -> impl IntoView {
    let section = NodeRef::<leptos::html::Section>::new();
    let in_view = RwSignal::new(false);
    section.on_load(move |el| browser::when_visible(&el, move || in_view.set(true)));
    let runs = RwSignal::new(100u32);
    let points = RwSignal::new(Vec::<Point>::new());
    let generation = RwSignal::new(0u32);
    let counts = crate::sim::retry::sweep::aws_clients();
    let total = counts.len() * AWS_POLICIES.len();
    Effect::new(move |_| {
        let r = runs.get();
        if !in_view.get() {
            return;
        }
        let counts = counts.clone();
        let f = Arc::new(move |i: usize| {
            let n = counts[i / AWS_POLICIES.len()];
            let p = AWS_POLICIES[i % AWS_POLICIES.len()];
            sweep(&[n], &[p], r, 1).points[0]
        });
        in_tasks(total, generation, points, f);
    });
    let draw = move |m: chart::Metric| {
        move || {
            points.with(|p| {
                if p.is_empty() {
                    chart::placeholder(m)
                } else {
                    chart::sweep_svg(p, m)
                }
            })
        }
    };
    let progress = move || {
        let done = points.with(Vec::len);
        if done < total {
            format!("Computing: {done} of {total} points\u{2026}")
        } else {
            String::new()
        }
    };
    let claims = move || {
        let pts = points.get();
        let done = pts.len() >= total;
        let sw = Sweep {
            runs: runs.get_untracked(),
            points: pts,
        };
        sweep_claims(&sw, done)
    };
    view! {
        <section class="rt-section charts" aria-labelledby="rt-sweep-title" node_ref=section>
            <h3 id="rt-sweep-title">"As the clients grow: the AWS blog\u{2019}s experiment"</h3>
            <p class="hint">{move || format!(
                "Not the settings above: the AWS simulator\u{2019}s setup, 10 to 190 clients each writing one row with optimistic concurrency, retrying until done, base 5 ms, cap 2 s, network 10 \u{b1} 2 ms; each point the mean of {} runs (seeds 1 to {}).",
                runs.get(), runs.get())}</p>
            <label class="field rt-runs">
                <span>"Runs a point"</span>
                <select id="rt-runs" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if let Some((_, r)) = RUNS.iter().find(|(w, _)| *w == v) {
                        runs.set(*r);
                    }
                }>
                    {RUNS.map(|(w, r)| view! { <option value=w prop:selected=move || runs.get() == r>{w}</option> }).to_vec()}
                </select>
            </label>
            <p class="hint rt-progress" aria-live="polite">{progress}</p>
            <div class="chart-pair">
                <figure>
                    <div inner_html=draw(chart::Metric::Work)></div>
                    <figcaption>"Work"</figcaption>
                </figure>
                <figure>
                    <div inner_html=draw(chart::Metric::Time)></div>
                    <figcaption>"Completion time"</figcaption>
                </figure>
            </div>
            <ul class="legend" inner_html=chart::sweep_legend()></ul>
            <p class="hint">"The blog\u{2019}s claims, checked on this sweep at every count from 100 clients up:"</p>
            <ul class="rt-claims" aria-live="polite" inner_html=claims></ul>
            <details class="sweep-details">
                <summary>"The figures as a table"</summary>
                <div inner_html=move || points.with(|p| chart::sweep_table(p, runs.get()))></div>
            </details>
        </section>
    }
}

/// The blog's claims, each with whether this sweep bears it out at every
/// count from 100 clients up (each marked as waiting until `done`, so the
/// list keeps its size while the sweep runs).
fn sweep_claims(sw: &Sweep, done: bool) -> String {
    sw.aws_claims(100)
        .into_iter()
        .map(|(claim, holds)| {
            let (class, word) = match (done, holds) {
                (false, _) => ("waiting", "Not checked yet:"),
                (true, true) => ("holds", "Holds:"),
                (true, false) => ("fails", "Does not hold:"),
            };
            format!(
                r#"<li class="{class}"><strong>{word}</strong> {}</li>"#,
                crate::app::html::escape(claim)
            )
        })
        .collect()
}
