//! The circuit-breaker visualization: scenario and policy controls, a health
//! timeline editor, a script of manual calls, the shared player, and per
//! breaker a state diagram, meters, figures and a call timeline, with the
//! load on the downstream below. Everything it shows comes from
//! [`crate::sim::breaker`].

mod render;

use leptos::prelude::*;

use super::fields::{read_number, CheckField, NumberField, SelectField, WaitField};
use super::live::{
    control_value, event_field, focus_later, follow_step, list_clicks, open_live, settings, Edit,
    Live,
};
use super::player::Player;
use super::share::CopyLink;
use crate::sim::breaker::{
    Action, Health, Mode, Params, Phase, Policy, Preset, Run, Send, Shot, MAX_ACTIONS, MAX_CALL_MS,
    MAX_PHASES, MAX_SECONDS,
};

/// The state of the visualization.
type State = Live<Run>;

/// The live circuit-breaker visualization for the topic `slug`.
#[component]
pub fn BreakerViz(slug: &'static str) -> impl IntoView {
    let (state, query) = open_live::<Run>(slug);
    let steps = state.steps();
    let caption = state.caption();
    let lanes = Memo::new(move |_| state.run.with(|r| r.lanes().len()));
    let traffic = Memo::new(move |_| state.run.with(|r| r.params().mode == Mode::Traffic));

    view! {
        <div class="bk">
            <div class="viz-head">
                <h2 id="viz-title">{crate::content::visualization_title("circuit-breaker")}</h2>
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
    let at = move |f| state.at_lane(lane, |r: &Run| r.lanes().len(), f);
    let title = move || {
        state.run.with(|r| {
            r.lanes()
                .get(lane)
                .map(|l| l.config.policy.label())
                .unwrap_or_default()
        })
    };
    let note = move || {
        state.run.with(|r| {
            r.lanes()
                .get(lane)
                .map(|l| render::lane_note(l.config.policy))
                .unwrap_or_default()
        })
    };
    let id = format!("bk-lane-{lane}");
    let labelled = id.clone();
    view! {
        <section class="bk-lane" aria-labelledby=labelled>
            <h3 id=id>{title}</h3>
            <p class="hint bk-lane-note">{note}</p>
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
            .find(|s| crate::sim::clamp::<Run>(&s.params()) == now)
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
    let traffic = move || state.run.with(|r| r.params().mode == Mode::Traffic);
    let fields = settings(state, "bk", crate::sim::model::int_keys::<Run>(), note);
    let p = move || state.run.with(|r| r.params().clone());
    let no_opossum = move || !p().policies().contains(&Policy::Opossum);
    view! {
        <section class="bk-settings" aria-labelledby="bk-settings-title">
            <h3 id="bk-settings-title">"Settings"</h3>
            <form class="controls" on:submit=|ev| ev.prevent_default() aria-label="Settings">
                {fields}
                <CheckField id="bk-exclude" label="Exclude client errors (4xx)"
                    checked=Signal::derive(move || p().exclude)
                    on_toggle=Callback::new(move |on| state.change(|p| p.exclude = on))/>
                <CheckField id="bk-warm-up" label="Warm-up (allowWarmUp)"
                    checked=Signal::derive(move || p().warm_up)
                    hidden=Signal::derive(no_opossum)
                    on_toggle=Callback::new(move |on| state.change(|p| p.warm_up = on))/>
                <Show when=traffic>
                    <HealthEditor state=state note=note/>
                </Show>
                <p class="form-note" role="status">
                    {move || note.get().map(|n| format!("Changed: {n}."))}
                </p>
            </form>
        </section>
    }
}

/// The downstream's health timeline: one row per phase, written as HTML
/// and edited through one change and one click handler.
#[component]
fn HealthEditor(state: State, note: RwSignal<Option<String>>) -> impl IntoView {
    let count = move || state.run.with(|r| r.params().health.len());
    let total = move || {
        state
            .run
            .with(|r| r.params().health.iter().map(|p| p.secs).sum::<u32>())
    };
    let rows = move || state.run.with(|r| render::phase_rows(&r.params().health));
    let on_change = move |ev: leptos::ev::Event| {
        let Some((el, i, f)) = event_field(&ev) else {
            return;
        };
        let raw = control_value(&el);
        let mut p = state.params();
        let Some(phase) = p.health.get(i).copied() else {
            return;
        };
        let others: u32 = p.health.iter().map(|x| x.secs).sum::<u32>() - phase.secs;
        let mut problem = None;
        let edited = match f {
            Edit::Kind => Phase {
                health: match raw.as_str() {
                    "degraded" => Health::Degraded(20),
                    "client" => Health::Client(20),
                    "slow" => Health::Slow,
                    "down" => Health::Down,
                    "recovering" => Health::Recovering,
                    _ => Health::Healthy,
                },
                ..phase
            },
            Edit::Errors => {
                let (current, kind): (u32, fn(u8) -> Health) = match phase.health {
                    Health::Client(e) => (u32::from(e), Health::Client),
                    Health::Degraded(e) => (u32::from(e), Health::Degraded),
                    _ => (20, Health::Degraded),
                };
                let (v, why) = read_number("errors", &raw, 1, 99, current);
                problem = why;
                Phase {
                    health: kind(v as u8),
                    ..phase
                }
            }
            Edit::Secs => {
                let room = MAX_SECONDS.saturating_sub(others).max(1);
                let (v, why) = read_number("seconds", &raw, 1, room, phase.secs);
                problem = why;
                Phase { secs: v, ..phase }
            }
            _ => return,
        };
        note.set(problem);
        p.health[i] = edited;
        state.apply(p, 0);
        focus_later(el.id());
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some((_, i, f)) = event_field(&ev) else {
            return;
        };
        if f == Edit::Remove {
            let mut p = state.params();
            if p.health.len() > 1 && i < p.health.len() {
                p.health.remove(i);
                let left = p.health.len();
                state.apply(p, 0);
                focus_later(if left > 1 {
                    format!("bk-phase-{}-remove", i.min(left - 1))
                } else {
                    "bk-add-phase".to_string()
                });
            }
        }
    };
    view! {
        <fieldset class="field wide bk-editor">
            <legend>"Downstream health over time"</legend>
            <ol class="bk-phases" inner_html=rows on:change=on_change on:click=on_click></ol>
            <div class="bk-editor-bar">
                <button type="button" class="button" id="bk-add-phase"
                    disabled=move || { count() >= MAX_PHASES || total() >= MAX_SECONDS }
                    on:click=move |_| {
                        let room = MAX_SECONDS.saturating_sub(total());
                        state.change(|p| {
                            if p.health.len() < MAX_PHASES && room > 0 {
                                p.health.push(Phase { health: Health::Healthy, secs: room.min(20) });
                            }
                        });
                    }>
                    "Add a phase"
                </button>
                <span class="hint">{move || format!("{} s of at most {MAX_SECONDS} s, {} of {MAX_PHASES} phases", total(), count())}</span>
            </div>
        </fieldset>
    }
}

/// The manual script: buttons that add calls and waits, and the list of
/// actions, each shown, moved or removed by keyboard or pointer.
#[component]
fn ScriptEditor(state: State) -> impl IntoView {
    let count = move || state.run.with(|r| r.params().script.len());
    let full = move || count() >= MAX_ACTIONS;
    let background = RwSignal::new(false);
    let duration = RwSignal::new(None::<u64>);
    let add = move |a: Action| {
        state.edit(|p| {
            let s = &mut p.script;
            if s.len() < MAX_ACTIONS {
                s.push(a);
            }
            s.len().saturating_sub(1)
        })
    };
    let send = move |send: Send| {
        add(Action::Call(Shot {
            send,
            ms: duration.get_untracked(),
            background: background.get_untracked(),
        }))
    };
    let list = NodeRef::<leptos::html::Ol>::new();
    let rows = move || state.run.with(|r| render::action_rows(&r.params().script));
    // The current action follows the step, and the list after each change.
    follow_step(state, list);
    let on_click = list_clicks(state, |p: &mut Params| &mut p.script, "bk-act", "bk-add-ok");
    view! {
        <fieldset class="field wide bk-editor">
            <legend>"Calls sent by hand"</legend>
            <div class="bk-editor-bar">
                <button type="button" class="button" id="bk-add-ok" disabled=full on:click=move |_| send(Send::Ok)>"Send a success"</button>
                <button type="button" class="button" id="bk-add-fail" disabled=full on:click=move |_| send(Send::Fail)>"Send a failure"</button>
                <button type="button" class="button" id="bk-add-slow" disabled=full on:click=move |_| send(Send::Slow)>"Send a slow call"</button>
                <button type="button" class="button" id="bk-add-client" disabled=full on:click=move |_| send(Send::Client)>"Send a 4xx"</button>
                <WaitField id="bk-add-wait" start_s=10 max_s=3600 disabled=Signal::derive(full)
                    on_wait=Callback::new(move |ms| add(Action::Wait(ms)))/>
                <button type="button" class="text-button" disabled=move || { count() == 0 }
                    on:click=move |_| state.edit(|p| {
            let s = &mut p.script; s.clear(); 0 })>"Clear"</button>
            </div>
            <div class="bk-editor-bar">
                <CheckField id="bk-background" label="Send in the background (the next action does not wait)"
                    checked=Signal::derive(move || background.get())
                    on_toggle=Callback::new(move |on| background.set(on))/>
                <NumberField id="bk-duration" label="Duration of the next calls, ms (empty: the latency settings)"
                    min=0 max=MAX_CALL_MS as u32
                    value=Signal::derive(move || duration.get().map(|d| d.to_string()).unwrap_or_default())
                    hidden=Signal::derive(|| false)
                    placeholder=Signal::derive(|| "latency".to_string())
                    on_commit=Callback::new(move |raw: String| {
                        if raw.trim().is_empty() {
                            duration.set(None);
                            return String::new();
                        }
                        let (v, _) = read_number("duration", &raw, 0, MAX_CALL_MS as u32, 0);
                        duration.set(Some(u64::from(v)));
                        v.to_string()
                    })/>
            </div>
            <ol class="bk-actions" aria-label="The script" node_ref=list inner_html=rows on:click=on_click></ol>
            <p class="hint">{move || format!("{} of at most {MAX_ACTIONS} actions. A call moves the clock on by its duration; one sent in the background does not, so the next action overlaps it.", count())}</p>
        </fieldset>
    }
}
