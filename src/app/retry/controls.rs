//! The retries view's controls: a button per preset, the choices as
//! drop-downs and the numbers as fields, all drawn from the model's
//! parameter table, so that a field, a link and the reader agree.

use leptos::prelude::*;

use super::State;
use crate::app::live::{field_id, settings};
use crate::sim::model::{self, Kind};
use crate::sim::retry::{Policy, Preset, Run};
use crate::sim::Model;

/// The preset that the parameters are, if any.
fn preset_of(state: State) -> Option<Preset> {
    let now = state.run.with(|r| r.params().clone());
    Preset::ALL
        .into_iter()
        .find(|s| crate::sim::clamp::<Run>(&s.params()) == now)
}

/// A drop-down of the choice row `key` of the model's table, each word
/// shown as `options` names it; hidden while the parameters do not use it.
fn choice(
    state: State,
    key: &'static str,
    label: &'static str,
    options: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    let Some(row) = model::row::<Run>(key) else {
        return ().into_any();
    };
    let Kind::Choice { word, get, set } = row.kind else {
        return ().into_any();
    };
    let used = row.used;
    let current = move || state.run.with(|r| word(get(r.params())).unwrap_or(""));
    let pick = move |v: String| {
        if let Some(i) = (0..64).find(|&i| word(i) == Some(v.as_str())) {
            state.change(|p| set(p, i));
        }
    };
    let options = options
        .iter()
        .map(|&(v, text)| view! { <option value=v prop:selected=move || current() == v>{text}</option> })
        .collect_view();
    view! {
        <label class="field" class:hidden=move || state.run.with(|r| !used(r.params()))>
            <span>{label}</span>
            <select id=field_id("rt", key) on:change=move |ev| pick(event_target_value(&ev))>{options}</select>
        </label>
    }
    .into_any()
}

const POLICIES: &[(&str, &str)] = &[
    ("none", "No retry"),
    ("immediate", "Immediate retry (no backoff)"),
    ("fixed", "Fixed delay"),
    ("exponential", "Exponential, no jitter"),
    ("full-jitter", "Exponential, full jitter"),
    ("equal-jitter", "Exponential, equal jitter"),
    ("decorrelated", "Decorrelated jitter"),
];

const RESOURCES: &[(&str, &str)] = &[
    ("conflict", "One row, optimistic concurrency"),
    ("overload", "A server: workers and a queue"),
];

const TRAFFIC: &[(&str, &str)] = &[
    ("closed", "Closed: clients wait for answers"),
    ("open", "Open: arrivals keep coming"),
];

/// The presets and the main choices, above the player.
#[component]
pub fn Primary(state: State) -> impl IntoView {
    let buttons = Preset::ALL
        .map(|s| {
            view! {
                <button type="button" class="button rt-preset" data-preset=s.slug()
                    aria-pressed=move || if preset_of(state) == Some(s) { "true" } else { "false" }
                    on:click=move |_| state.apply(s.params(), 0)>
                    {s.label()}
                </button>
            }
        })
        .to_vec();
    debug_assert_eq!(POLICIES.len(), Policy::ALL.len());
    view! {
        <div class="rt-presets" role="group" aria-label="Presets">{buttons}</div>
        <form class="controls" on:submit=|ev| ev.prevent_default() aria-label="Policy and resource">
            {choice(state, "policy", "Retry policy", POLICIES)}
            {choice(state, "resource", "Fails on", RESOURCES)}
            {choice(state, "traffic", "Traffic", TRAFFIC)}
        </form>
    }
}

const ON_OFF: &[(&str, &str)] = &[("on", "On"), ("off", "Off")];
const HONOUR: &[(&str, &str)] = &[("on", "Honoured"), ("off", "Ignored")];

/// Every other parameter, below the drawings.
#[component]
pub fn Settings(state: State) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let numbers = |keys: &'static [&'static str]| settings(state, "rt", keys.iter().copied(), note);
    view! {
        <section class="rt-settings" aria-labelledby="rt-settings-title">
            <h3 id="rt-settings-title">"Settings"</h3>
            <form class="controls" on:submit=|ev| ev.prevent_default() aria-label="Settings">
                {numbers(&["base_ms", "cap_ms", "attempts", "layers"])}
                {numbers(&["clients", "units", "rate", "seconds"])}
                {numbers(&["workers", "service_ms", "queue", "outage_ms", "retry_after_ms"])}
                {choice(state, "honour", "Retry-After is", HONOUR)}
                {numbers(&["timeout_ms", "net_ms", "net_sd_ms"])}
                {choice(state, "budget", "Retry budget", ON_OFF)}
                {numbers(&["burst", "refill"])}
                {choice(state, "breaker", "Client breaker", ON_OFF)}
                {numbers(&["fail_max", "wait_ms", "seed", "tick_ms"])}
                <p class="form-note" role="status">
                    {move || note.get().map(|n| format!("Changed: {n}."))}
                </p>
            </form>
        </section>
    }
}
