//! The rate-limiter visualization: algorithms side by side on the same
//! seeded traffic, stepped with the shared player one request (or, in race
//! mode, one Redis command) at a time. Per algorithm: the verdict and its
//! reason, the client's requests around the step over the algorithm's
//! state, what it let through in the last window against what it means to
//! allow, the memory its key holds and the commands the request cost; the
//! whole run in bins; and the measured claims of the run. Everything it
//! shows comes from [`crate::sim::ratelimit`].

#[cfg(test)]
mod claims_test;
mod controls;
mod render;
mod timeline;

use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::live::{open_live, Later, Live};
use super::player::Player;
use super::share::CopyLink;
use crate::sim::ratelimit::Run;

/// The state of the visualization.
type State = Live<Run>;

/// The live rate-limiter visualization for the topic `slug`.
#[component]
pub fn RateLimitViz(slug: &'static str) -> impl IntoView {
    let (state, query) = open_live::<Run>(slug);
    let steps = state.steps();
    let caption = state.caption();
    let lanes = Memo::new(move |_| state.run.with(|r| r.lanes().len()));
    let tally = Memo::new(move |_| state.run.with(|r| Arc::new(r.tally())));
    let bins = Memo::new(move |_| state.run.with(|r| Arc::new(r.bins(timeline::BINS))));
    let recent = Memo::new(move |_| {
        let step = state.step.get();
        state.run.with(|r| {
            r.request_at(step)
                .map(|k| Arc::new(r.recent(k)))
                .unwrap_or_default()
        })
    });
    let shown = Memo::new(move |_| {
        let step = state.step.get();
        state.run.with(|r| Arc::new(timeline::shown(r, step)))
    });
    let overview = move || {
        let step = state.step.get();
        bins.with(|b| state.run.with(|r| timeline::overview(r, b, step)))
    };
    let lane_views = move || {
        (0..lanes.get())
            .map(|i| view! { <LaneView state=state lane=i tally=tally recent=recent shown=shown/> })
            .collect_view()
    };
    view! {
        <div class="rl">
            <div class="viz-head">
                <h2 id="viz-title">{crate::content::visualization_title("rate-limiter")}</h2>
                <CopyLink query=query/>
            </div>
            <controls::Presets state=state/>
            <controls::Primary state=state/>
            <Player steps=steps step=state.step caption=caption/>
            <section class="rl-whole" aria-labelledby="rl-whole-title">
                <h3 id="rl-whole-title">"The whole run"</h3>
                <p class="hint">"Every request of the run in 160 slices of time, a row per algorithm (numbered as below). Click a moment to step there."</p>
                <div class="rl-overview-wrap" inner_html=overview
                    on:click=move |ev| {
                        if let Some(step) = bins.with_untracked(|b| overview_step(state, b, &ev)) {
                            state.step.set(step);
                        }
                    }></div>
                <ul class="legend">
                    <li><span class="rl-key k-ok" aria-hidden="true"></span>"Let through (solid)"</li>
                    <li><span class="rl-key k-no" aria-hidden="true"></span>"Limited (hatched)"</li>
                    <li><span class="rl-key k-now" aria-hidden="true"></span>"The step\u{2019}s moment"</li>
                </ul>
            </section>
            <div class="rl-lanes">{lane_views}</div>
            <Later>
                <Claims state=state/>
                <controls::Settings state=state/>
            </Later>
        </div>
    }
}

/// The request a click on a drawing's mark or a "Show" button names
/// (`data-k`).
fn clicked_request(ev: &leptos::ev::MouseEvent) -> Option<usize> {
    let target = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    let el = target.closest("[data-k]").ok()??;
    el.get_attribute("data-k")?.parse().ok()
}

/// Shows the step of the request a click names.
fn go_to_request(state: State, ev: &leptos::ev::MouseEvent) {
    if let Some(k) = clicked_request(ev) {
        let step = state.run.with_untracked(|r| r.step_of(k));
        state.step.set(step);
    }
}

/// The step of the first request at the moment a click on the overview
/// points at (the drawing lets clicks through to its frame, whose width
/// it fills).
fn overview_step(
    state: State,
    bins: &crate::sim::ratelimit::view::Bins,
    ev: &leptos::ev::MouseEvent,
) -> Option<usize> {
    let el = ev.current_target()?.dyn_into::<web_sys::Element>().ok()?;
    let width = el.client_width();
    if width <= 0 {
        return None;
    }
    let at = timeline::overview_time(bins, f64::from(ev.offset_x()) / f64::from(width));
    state
        .run
        .with_untracked(|r| r.request_from(at).map(|k| r.step_of(k)))
}

/// One algorithm: its verdict, timeline over its state, figures and
/// Redis commands.
#[component]
fn LaneView(
    state: State,
    lane: usize,
    tally: Memo<Arc<crate::sim::ratelimit::view::Tally>>,
    recent: Memo<Arc<Vec<u64>>>,
    shown: Memo<Arc<Vec<usize>>>,
) -> impl IntoView {
    let at = move |f| state.at_lane(lane, |r: &Run| r.lanes().len(), f);
    let figures = move || {
        let step = state.step.get();
        let recent = recent.get();
        tally.with(|t| {
            state.run.with(|r| {
                if lane < r.lanes().len() {
                    render::figures(r, lane, step, t, &recent)
                } else {
                    String::new()
                }
            })
        })
    };
    let drawing = move || {
        let step = state.step.get();
        let shown = shown.get();
        state.run.with(|r| {
            if lane < r.lanes().len() {
                timeline::timeline(r, lane, step, &shown)
            } else {
                String::new()
            }
        })
    };
    let algo = move || state.run.with(|r| r.lanes().get(lane).map(|l| l.algo));
    let title = move || {
        algo()
            .map(|a| format!("{}. {}", lane + 1, a.label()))
            .unwrap_or_default()
    };
    let note = move || algo().map(render::lane_note).unwrap_or_default();
    let script = move || state.run.with(|r| render::script_text(r, lane));
    let id = format!("rl-lane-{lane}");
    let labelled = id.clone();
    view! {
        <section class="rl-lane" aria-labelledby=labelled>
            <h3 id=id>{title}</h3>
            <p class="hint rl-lane-note">{note}</p>
            <div class="rl-verdict-wrap" aria-live="off" inner_html=at(render::verdict)></div>
            <div class="rl-timeline-wrap" inner_html=drawing
                on:click=move |ev| go_to_request(state, &ev)></div>
            <dl class="counters" aria-label="Figures at this step" inner_html=figures></dl>
            <h4 class="bk-sub">"Redis commands"</h4>
            <div class="rl-cmds-wrap" inner_html=at(render::commands)></div>
            {move || script().map(|text| view! {
                <details class="rl-script">
                    <summary>"The script it sends with EVAL"</summary>
                    <pre><code>{text}</code></pre>
                </details>
            })}
        </section>
    }
}

/// The measured claims of the run.
#[component]
fn Claims(state: State) -> impl IntoView {
    let table = Memo::new(move |_| state.run.with(|r| render::claims(r)));
    view! {
        <section class="rl-claims-section" aria-labelledby="rl-claims-title">
            <h3 id="rl-claims-title">"Measured on this run"</h3>
            <p class="hint">"Computed by the model on the whole run, for the client that got the most through: \u{201c}Show\u{201d} steps to the last request of that window."</p>
            <div inner_html=move || table.get() on:click=move |ev| go_to_request(state, &ev)></div>
        </section>
    }
}
