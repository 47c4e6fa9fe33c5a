//! The circuit-breaker visualization: scenario and policy controls, a health
//! timeline editor, a script of manual calls, the shared player, and per
//! breaker a state diagram, meters, figures and a call timeline, with the
//! load on the downstream below. Everything it shows comes from
//! [`crate::sim::breaker`].

mod render;

use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::fields::{read_number, NumberField, SelectField};
use super::player::Player;
use super::share::{follow_url, CopyLink};
use super::{browser, use_router};
use crate::route::{self, Route};
use crate::sim::breaker::{
    self, Action, Health, Mode, Params, Phase, Policy, Preset, Run, Send, MAX_ACTIONS, MAX_FAIL,
    MAX_HALF_OPEN, MAX_LATENCY_MS, MAX_MIN_CALLS, MAX_PHASES, MAX_RATE, MAX_SECONDS, MAX_SLOW_MS,
    MAX_SUCCESSES, MAX_WAIT_MS, MAX_WINDOW_CALLS, MAX_WINDOW_SECS, TICK_RANGE,
};
use crate::sim::Trace;

/// The state of the visualization.
#[derive(Clone, Copy)]
struct State {
    run: RwSignal<Arc<Run>>,
    step: RwSignal<usize>,
}

impl State {
    /// Runs the model for `params` (if they changed) and shows `step`.
    fn apply(self, params: Params, step: usize) {
        if self.params() != params {
            self.run.set(Arc::new(Run::new(&params)));
        }
        let last = self.run.with_untracked(|r| r.steps() - 1);
        self.step.set(step.min(last));
    }

    fn params(self) -> Params {
        self.run.with_untracked(|r| r.params().clone())
    }

    /// Changes the parameters from a control, starting again at step 0.
    fn change(self, f: impl FnOnce(&mut Params)) {
        let mut p = self.params();
        f(&mut p);
        self.apply(p, 0);
    }

    /// Changes the manual script and shows the step of the action `at`
    /// (the one just added or moved).
    fn edit_script(self, f: impl FnOnce(&mut Vec<Action>) -> usize) {
        let mut p = self.params();
        let at = f(&mut p.script);
        self.apply(p, at + 1);
    }
}

/// The live circuit-breaker visualization for the topic `slug`.
#[component]
pub fn BreakerViz(slug: &'static str) -> impl IntoView {
    let router = use_router();
    let opened = breaker::open(&router.params.get_untracked());
    if !opened.problems.is_empty() {
        router.ignored.update(|v| v.extend(opened.problems));
    }
    let state = State {
        run: RwSignal::new(Arc::new(opened.run)),
        step: RwSignal::new(opened.step),
    };
    let here = move || router.route.get_untracked() == Route::Topic(slug);

    // A link or Back/Forward that changes the parameters of this topic.
    Effect::new(move |prev: Option<()>| {
        let pairs = router.params.get();
        if prev.is_some() && here() {
            let o = breaker::open(&pairs);
            if !o.problems.is_empty() {
                router.ignored.update(|v| v.extend(o.problems));
            }
            state.apply(o.run.params().clone(), o.step);
        }
    });

    let query = Memo::new(move |_| {
        let step = state.step.get();
        state
            .run
            .with(|r| route::topic_query(slug, &breaker::to_pairs(r.params(), step)))
    });
    follow_url(query, here);

    let steps = Signal::derive(move || state.run.with(|r| r.steps()));
    let caption = Signal::derive(move || {
        let step = state.step.get();
        state.run.with(|r| r.caption(step))
    });
    let lanes = Memo::new(move |_| state.run.with(|r| r.lanes().len()));
    let traffic = Memo::new(move |_| state.run.with(|r| r.params().mode == Mode::Traffic));

    view! {
        <div class="bk">
            <div class="viz-head">
                <h2 id="viz-title">"Live: trip the breaker"</h2>
                <CopyLink query=query/>
            </div>
            <Primary state=state/>
            <Show when=move || !traffic.get()>
                <ScriptEditor state=state/>
            </Show>
            <Player steps=steps step=state.step caption=caption/>
            <div class="bk-lanes" class:two=move || { lanes.get() > 1 }>
                {move || (0..lanes.get()).map(|i| view! { <LaneView state=state lane=i/> }).collect_view()}
            </div>
            <Show when=move || traffic.get()>
                <LoadView state=state/>
            </Show>
            <Settings state=state/>
        </div>
    }
}

/// One breaker: its diagram, meters, figures and call timeline.
#[component]
fn LaneView(state: State, lane: usize) -> impl IntoView {
    let at = move |f: fn(&Run, usize, usize) -> String| {
        move || {
            let step = state.step.get();
            state.run.with(|r| {
                if lane < r.lanes().len() {
                    f(r, lane, step)
                } else {
                    String::new()
                }
            })
        }
    };
    let title = move || {
        state.run.with(|r| {
            r.lanes()
                .get(lane)
                .map(|l| l.config.policy.label())
                .unwrap_or_default()
        })
    };
    let id = format!("bk-lane-{lane}");
    let labelled = id.clone();
    view! {
        <section class="bk-lane" aria-labelledby=labelled>
            <h3 id=id>{title}</h3>
            <div class="bk-diagram-wrap" inner_html=at(render::diagram)></div>
            <div class="bk-meters" inner_html=at(render::meters)></div>
            <dl class="counters" aria-label="Figures so far" inner_html=at(render::figures)></dl>
            <h4 class="bk-sub">"Calls"</h4>
            <div class="bk-timeline-wrap" inner_html=at(render::timeline)></div>
        </section>
    }
}

/// The load on the downstream with and without the breaker.
#[component]
fn LoadView(state: State) -> impl IntoView {
    let chart = move || {
        let step = state.step.get();
        state.run.with(|r| render::load_chart(r, step))
    };
    let summary = move || state.run.with(|r| render::load_summary(r));
    let compare = move || {
        state.run.with(|r| {
            r.lanes()
                .get(1)
                .map(|l| format!("Through the {} breaker", l.config.policy.short()))
        })
    };
    let main = move || {
        state
            .run
            .with(|r| format!("Through the {} breaker", r.lanes()[0].config.policy.short()))
    };
    view! {
        <section class="bk-load-section" aria-labelledby="bk-load-title">
            <h3 id="bk-load-title">"Load on the downstream"</h3>
            <p class="hint">"Calls per second that reach the downstream. Without a breaker every call made reaches it, failing or not."</p>
            <div inner_html=chart></div>
            <ul class="legend">
                <li><span class="bk-key k-offered" aria-hidden="true"></span>"Without a breaker (every call made)"</li>
                <li><span class="bk-key k-reached" aria-hidden="true"></span>{main}</li>
                {move || compare().map(|c| view! { <li><span class="bk-key k-compare" aria-hidden="true"></span>{c}</li> })}
                <li><span class="bk-key k-phase" aria-hidden="true"></span>"Downstream unhealthy"</li>
            </ul>
            <ul class="bk-summary" inner_html=summary></ul>
        </section>
    }
}

/// The scenario, the policies and the kind of calls.
#[component]
fn Primary(state: State) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let p = move || state.run.with(|r| r.params().clone());
    let preset = move || {
        let now = p();
        Preset::ALL
            .into_iter()
            .find(|s| s.params().clamped() == now)
            .map(|s| s.slug())
            .unwrap_or("custom")
    };
    let mut scenarios: Vec<(&'static str, &'static str)> =
        Preset::ALL.iter().map(|s| (s.slug(), s.label())).collect();
    scenarios.push(("custom", "Custom settings"));
    let mut compare_options = vec![("none", "Nothing")];
    compare_options.extend(Policy::ALL.map(|x| (x.slug(), x.label())));
    view! {
        <form class="controls" on:submit=|ev| ev.prevent_default() aria-label="Scenario and policies">
            <SelectField id="bk-preset" label="Scenario" wide=true
                options=scenarios
                value=Signal::derive(preset)
                on_pick=Callback::new(move |v: String| {
                    if let Some(s) = Preset::ALL.into_iter().find(|s| s.slug() == v) {
                        note.set(None);
                        state.apply(s.params(), 0);
                    }
                })/>
            <SelectField id="bk-mode" label="Calls"
                options=vec![("traffic", "Traffic against a health timeline"), ("manual", "Sent by hand")]
                value=Signal::derive(move || if p().mode == Mode::Manual { "manual" } else { "traffic" })
                on_pick=Callback::new(move |v: String| {
                    let m = if v == "manual" { Mode::Manual } else { Mode::Traffic };
                    state.change(|p| p.mode = m);
                })/>
            <SelectField id="bk-policy" label="Policy"
                options=Policy::ALL.map(|x| (x.slug(), x.label())).to_vec()
                value=Signal::derive(move || p().policy.slug())
                on_pick=Callback::new(move |v: String| {
                    if let Some(x) = Policy::ALL.into_iter().find(|x| x.slug() == v) {
                        state.change(|p| {
                            p.policy = x;
                            if p.compare == Some(x) {
                                p.compare = None;
                            }
                        });
                    }
                })/>
            <SelectField id="bk-compare" label="Side by side with"
                options=compare_options
                value=Signal::derive(move || p().compare.map(|c| c.slug()).unwrap_or("none"))
                on_pick=Callback::new(move |v: String| {
                    let c = Policy::ALL.into_iter().find(|x| x.slug() == v);
                    state.change(|p| p.compare = c.filter(|c| *c != p.policy));
                })/>
            <p class="form-note" role="status">
                {move || note.get().map(|n| format!("Changed: {n}."))}
            </p>
        </form>
    }
}

/// The breakers' settings, the traffic and the health timeline.
#[component]
fn Settings(state: State) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let p = move || state.run.with(|r| r.params().clone());
    let number = move |key: &'static str,
                       min: u32,
                       max: u32,
                       get: fn(&Params) -> u32,
                       set: fn(&mut Params, u32)| {
        Callback::new(move |raw: String| {
            let current = state.run.with_untracked(|r| get(r.params()));
            let (v, problem) = read_number(key, &raw, min, max, current);
            note.set(problem);
            state.change(|p| set(p, v));
            v.to_string()
        })
    };
    let text = |v: u32| v.to_string();
    let none = String::new;
    let uses = move |f: fn(Policy) -> bool| p().policies().into_iter().any(f);
    let hidden = move |f: fn(Policy) -> bool| Signal::derive(move || !uses(f));
    let counting = |x: Policy| matches!(x, Policy::Consecutive | Policy::Naive);
    let traffic_off = Signal::derive(move || p().mode != Mode::Traffic);
    view! {
        <section class="bk-settings" aria-labelledby="bk-settings-title">
        <h3 id="bk-settings-title">"Settings"</h3>
        <form class="controls" on:submit=|ev| ev.prevent_default() aria-label="Settings">
            <NumberField id="bk-fail-max" label="fail_max (failures)" min=1 max=MAX_FAIL
                value=Signal::derive(move || text(p().fail_max)) hidden=hidden(counting) placeholder=Signal::derive(none)
                on_commit=number("fail_max", 1, MAX_FAIL, |p| p.fail_max, |p, v| p.fail_max = v)/>
            <NumberField id="bk-successes" label="Trial successes to close" min=1 max=MAX_SUCCESSES
                value=Signal::derive(move || text(p().successes)) hidden=hidden(|x| x == Policy::Consecutive) placeholder=Signal::derive(none)
                on_commit=number("successes", 1, MAX_SUCCESSES, |p| p.successes, |p, v| p.successes = v)/>
            <NumberField id="bk-wait" label="Wait in open (ms)" min=1 max=MAX_WAIT_MS
                value=Signal::derive(move || text(p().wait_ms)) hidden=false placeholder=Signal::derive(none)
                on_commit=number("wait_ms", 1, MAX_WAIT_MS, |p| p.wait_ms, |p, v| p.wait_ms = v)/>
            <NumberField id="bk-window" label="Window (calls)" min=1 max=MAX_WINDOW_CALLS
                value=Signal::derive(move || text(p().window_calls)) hidden=hidden(|x| x == Policy::CountWindow) placeholder=Signal::derive(none)
                on_commit=number("window", 1, MAX_WINDOW_CALLS, |p| p.window_calls, |p, v| p.window_calls = v)/>
            <NumberField id="bk-window-s" label="Window (seconds)" min=1 max=MAX_WINDOW_SECS
                value=Signal::derive(move || text(p().window_secs)) hidden=hidden(|x| x == Policy::TimeWindow) placeholder=Signal::derive(none)
                on_commit=number("window_s", 1, MAX_WINDOW_SECS, |p| p.window_secs, |p, v| p.window_secs = v)/>
            <NumberField id="bk-min-calls" label="Minimum calls" min=1 max=MAX_MIN_CALLS
                value=Signal::derive(move || text(p().min_calls)) hidden=hidden(Policy::is_rate) placeholder=Signal::derive(none)
                on_commit=number("min_calls", 1, MAX_MIN_CALLS, |p| p.min_calls, |p, v| p.min_calls = v)/>
            <NumberField id="bk-failure-rate" label="Failure rate (%)" min=1 max=100
                value=Signal::derive(move || text(p().failure_rate)) hidden=hidden(Policy::is_rate) placeholder=Signal::derive(none)
                on_commit=number("failure_rate", 1, 100, |p| p.failure_rate, |p, v| p.failure_rate = v)/>
            <NumberField id="bk-slow-rate" label="Slow-call rate (%)" min=1 max=100
                value=Signal::derive(move || text(p().slow_rate)) hidden=hidden(Policy::is_rate) placeholder=Signal::derive(none)
                on_commit=number("slow_rate", 1, 100, |p| p.slow_rate, |p, v| p.slow_rate = v)/>
            <NumberField id="bk-slow-ms" label="Slow above (ms)" min=1 max=MAX_SLOW_MS
                value=Signal::derive(move || text(p().slow_ms)) hidden=hidden(Policy::is_rate) placeholder=Signal::derive(none)
                on_commit=number("slow_ms", 1, MAX_SLOW_MS, |p| p.slow_ms, |p, v| p.slow_ms = v)/>
            <NumberField id="bk-half-open" label="Half-open permits" min=1 max=MAX_HALF_OPEN
                value=Signal::derive(move || text(p().half_open)) hidden=hidden(Policy::is_rate) placeholder=Signal::derive(none)
                on_commit=number("half_open", 1, MAX_HALF_OPEN, |p| p.half_open, |p, v| p.half_open = v)/>
            <NumberField id="bk-rate" label="Calls per second" min=1 max=MAX_RATE
                value=Signal::derive(move || text(p().rate)) hidden=traffic_off placeholder=Signal::derive(none)
                on_commit=number("rate", 1, MAX_RATE, |p| p.rate, |p, v| p.rate = v)/>
            <NumberField id="bk-seed" label="Seed" min=0 max=u32::MAX
                value=Signal::derive(move || text(p().seed)) hidden=traffic_off placeholder=Signal::derive(none)
                on_commit=number("seed", 0, u32::MAX, |p| p.seed, |p, v| p.seed = v)/>
            <NumberField id="bk-tick" label="Time per step (ms)" min=TICK_RANGE.0 max=TICK_RANGE.1
                value=Signal::derive(move || text(p().tick_ms)) hidden=traffic_off placeholder=Signal::derive(none)
                on_commit=number("tick_ms", TICK_RANGE.0, TICK_RANGE.1, |p| p.tick_ms, |p, v| p.tick_ms = v)/>
            <NumberField id="bk-latency" label="Latency (ms)" min=0 max=MAX_LATENCY_MS
                value=Signal::derive(move || text(p().latency_ms)) hidden=false placeholder=Signal::derive(none)
                on_commit=number("latency_ms", 0, MAX_LATENCY_MS, |p| p.latency_ms, |p, v| p.latency_ms = v)/>
            <NumberField id="bk-slow-latency" label="Slow latency (ms)" min=0 max=MAX_LATENCY_MS
                value=Signal::derive(move || text(p().slow_latency_ms)) hidden=false placeholder=Signal::derive(none)
                on_commit=number("slow_latency_ms", 0, MAX_LATENCY_MS, |p| p.slow_latency_ms, |p, v| p.slow_latency_ms = v)/>
            <NumberField id="bk-timeout" label="Caller timeout (ms)" min=1 max=MAX_LATENCY_MS
                value=Signal::derive(move || text(p().timeout_ms)) hidden=false placeholder=Signal::derive(none)
                on_commit=number("timeout_ms", 1, MAX_LATENCY_MS, |p| p.timeout_ms, |p, v| p.timeout_ms = v)/>
            <Show when=move || !traffic_off.get()>
                <HealthEditor state=state note=note/>
            </Show>
            <p class="form-note" role="status">
                {move || note.get().map(|n| format!("Changed: {n}."))}
            </p>
        </form>
        </section>
    }
}

const KINDS: [(&str, &str); 5] = [
    ("healthy", "Healthy"),
    ("degraded", "Degraded (errors)"),
    ("slow", "Slow"),
    ("down", "Down"),
    ("recovering", "Recovering"),
];

fn kind_of(h: Health) -> &'static str {
    match h {
        Health::Healthy => "healthy",
        Health::Degraded(_) => "degraded",
        Health::Slow => "slow",
        Health::Down => "down",
        Health::Recovering => "recovering",
    }
}

/// A change to the health timeline.
type PhaseEdit = Box<dyn FnOnce(&mut Vec<Phase>)>;

/// The downstream's health timeline: one row per phase.
#[component]
fn HealthEditor(state: State, note: RwSignal<Option<String>>) -> impl IntoView {
    let phases = move || state.run.with(|r| r.params().health.clone());
    let count = Memo::new(move |_| state.run.with(|r| r.params().health.len()));
    let phase = move |i: usize| {
        state
            .run
            .with(|r| r.params().health.get(i).copied())
            .unwrap_or(Phase {
                health: Health::Healthy,
                secs: 1,
            })
    };
    let edit = move |f: PhaseEdit| {
        state.change(|p| f(&mut p.health));
    };
    let total = move || phases().iter().map(|p| p.secs).sum::<u32>();
    let row = move |i: usize| {
        let n = i + 1;
        let kind_id = format!("bk-phase-{i}-kind");
        view! {
            <li class="bk-phase-row">
                <span class="bk-phase-no" aria-hidden="true">{format!("{n}.")}</span>
                <label class="visually-hidden" for=kind_id.clone()>{format!("Phase {n}: health")}</label>
                <select id=kind_id on:change=move |ev| {
                    let v = event_target_value(&ev);
                    let h = match v.as_str() {
                        "degraded" => Health::Degraded(20),
                        "slow" => Health::Slow,
                        "down" => Health::Down,
                        "recovering" => Health::Recovering,
                        _ => Health::Healthy,
                    };
                    edit(Box::new(move |v| if let Some(p) = v.get_mut(i) { p.health = h }));
                }>
                    {KINDS.map(|(v, t)| view! { <option value=v prop:selected=move || kind_of(phase(i).health) == v>{t}</option> }).to_vec()}
                </select>
                <label class="bk-inline" class:hidden=move || !matches!(phase(i).health, Health::Degraded(_))>
                    <input type="number" min="1" max="99" step="1" inputmode="numeric"
                        aria-label=format!("Phase {n}: error rate in percent")
                        prop:value=move || match phase(i).health { Health::Degraded(p) => p.to_string(), _ => String::new() }
                        on:change=move |ev| {
                            let current = match phase(i).health { Health::Degraded(p) => u32::from(p), _ => 20 };
                            let (v, problem) = read_number("errors", &event_target_value(&ev), 1, 99, current);
                            note.set(problem);
                            edit(Box::new(move |ph| if let Some(p) = ph.get_mut(i) { p.health = Health::Degraded(v as u8) }));
                        }/>
                    <span>"% errors"</span>
                </label>
                <label class="bk-inline">
                    <input type="number" min="1" max=MAX_SECONDS step="1" inputmode="numeric"
                        aria-label=format!("Phase {n}: seconds")
                        prop:value=move || phase(i).secs.to_string()
                        on:change=move |ev| {
                            let others: u32 = phases().iter().enumerate().filter(|(k, _)| *k != i).map(|(_, p)| p.secs).sum();
                            let room = MAX_SECONDS.saturating_sub(others).max(1);
                            let (v, problem) = read_number("seconds", &event_target_value(&ev), 1, room, phase(i).secs);
                            note.set(problem);
                            edit(Box::new(move |ph| if let Some(p) = ph.get_mut(i) { p.secs = v }));
                        }/>
                    <span>"s"</span>
                </label>
                <button type="button" class="text-button" aria-label=format!("Remove phase {n}")
                    disabled=move || { count.get() <= 1 }
                    on:click=move |_| edit(Box::new(move |ph| if ph.len() > 1 && i < ph.len() { ph.remove(i); }))>
                    "Remove"
                </button>
            </li>
        }
    };
    view! {
        <fieldset class="field wide bk-editor">
            <legend>"Downstream health over time"</legend>
            <ol class="bk-phases">
                <For each=move || 0..count.get() key=|i| *i children=row/>
            </ol>
            <div class="bk-editor-bar">
                <button type="button" class="button"
                    disabled=move || { count.get() >= MAX_PHASES || total() >= MAX_SECONDS }
                    on:click=move |_| {
                        let room = MAX_SECONDS.saturating_sub(total());
                        edit(Box::new(move |ph| ph.push(Phase { health: Health::Healthy, secs: room.min(20) })));
                    }>
                    "Add a phase"
                </button>
                <span class="hint">{move || format!("{} s of at most {MAX_SECONDS} s, {} of {MAX_PHASES} phases", total(), count.get())}</span>
            </div>
        </fieldset>
    }
}

fn action_label(a: Action) -> String {
    match a {
        Action::Call(Send::Ok) => "Call: succeeds".to_string(),
        Action::Call(Send::Fail) => "Call: fails".to_string(),
        Action::Call(Send::Slow) => "Call: slow".to_string(),
        Action::Wait(ms) => format!("Wait {}", breaker::secs(ms)),
    }
}

/// Focuses the element `id` after the next render.
fn focus_later(id: String) {
    request_animation_frame(move || {
        if let Some(el) =
            browser::element(&id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

/// The manual script: buttons that add calls and waits, and the list of
/// actions, each movable and removable by keyboard.
#[component]
fn ScriptEditor(state: State) -> impl IntoView {
    let count = Memo::new(move |_| state.run.with(|r| r.params().script.len()));
    let action = move |i: usize| state.run.with(|r| r.params().script.get(i).copied());
    let wait_s = RwSignal::new(10u32);
    let full = move || count.get() >= MAX_ACTIONS;
    let add = move |a: Action| {
        state.edit_script(|s| {
            if s.len() < MAX_ACTIONS {
                s.push(a);
            }
            s.len().saturating_sub(1)
        })
    };
    let current = move || state.step.get().checked_sub(1);
    let row = move |i: usize| {
        let n = i + 1;
        let up = format!("bk-act-{i}-up");
        let down = format!("bk-act-{i}-down");
        view! {
            <li class="bk-action" class:current=move || current() == Some(i)
                aria-current=move || (current() == Some(i)).then_some("step")>
                <button type="button" class="bk-action-go" title="Show this step"
                    on:click=move |_| state.step.set(i + 1)>
                    <span class="bk-action-no">{n}</span>
                    <span>{move || action(i).map(action_label).unwrap_or_default()}</span>
                </button>
                <button type="button" class="icon-button small" id=up aria-label=format!("Move action {n} up")
                    disabled=move || i == 0
                    on:click=move |_| {
                        state.edit_script(|s| { if i > 0 && i < s.len() { s.swap(i - 1, i); } i.saturating_sub(1) });
                        let to = i.saturating_sub(1);
                        focus_later(if to == 0 { "bk-act-0-down".to_string() } else { format!("bk-act-{to}-up") });
                    }>"\u{2191}"</button>
                <button type="button" class="icon-button small" id=down aria-label=format!("Move action {n} down")
                    disabled=move || { i + 1 >= count.get() }
                    on:click=move |_| {
                        state.edit_script(|s| { if i + 1 < s.len() { s.swap(i, i + 1); } i + 1 });
                        let to = i + 1;
                        focus_later(if to + 1 >= count.get_untracked() { format!("bk-act-{to}-up") } else { format!("bk-act-{to}-down") });
                    }>"\u{2193}"</button>
                <button type="button" class="icon-button small" aria-label=format!("Remove action {n}")
                    on:click=move |_| {
                        state.edit_script(|s| { if i < s.len() { s.remove(i); } i.saturating_sub(1) });
                        focus_later("bk-add-ok".to_string());
                    }>"\u{d7}"</button>
            </li>
        }
    };
    view! {
        <fieldset class="field wide bk-editor">
            <legend>"Calls sent by hand"</legend>
            <div class="bk-editor-bar">
                <button type="button" class="button" id="bk-add-ok" disabled=full on:click=move |_| add(Action::Call(Send::Ok))>"Send a success"</button>
                <button type="button" class="button" id="bk-add-fail" disabled=full on:click=move |_| add(Action::Call(Send::Fail))>"Send a failure"</button>
                <button type="button" class="button" id="bk-add-slow" disabled=full on:click=move |_| add(Action::Call(Send::Slow))>"Send a slow call"</button>
                <span class="bk-wait">
                    <button type="button" class="button" id="bk-add-wait" disabled=full
                        on:click=move |_| add(Action::Wait(u64::from(wait_s.get_untracked()) * 1000))>"Wait"</button>
                    <input type="number" min="1" max="3600" step="1" inputmode="numeric" aria-label="Seconds to wait"
                        prop:value=move || wait_s.get().to_string()
                        on:change=move |ev| {
                            let (v, _) = read_number("wait", &event_target_value(&ev), 1, 3600, wait_s.get_untracked());
                            wait_s.set(v);
                        }/>
                    <span>"s"</span>
                </span>
                <button type="button" class="text-button" disabled=move || { count.get() == 0 }
                    on:click=move |_| state.edit_script(|s| { s.clear(); 0 })>"Clear"</button>
            </div>
            <ol class="bk-actions" aria-label="The script">
                <For each=move || 0..count.get() key=|i| *i children=row/>
            </ol>
            <p class="hint">{move || format!("{} of at most {MAX_ACTIONS} actions. Each call starts when the previous one ends.", count.get())}</p>
        </fieldset>
    }
}
