//! The rate-limiter's controls: a button per preset, the steps (traffic or
//! race), the traffic pattern, the algorithms side by side (up to eight),
//! and the number fields drawn from the model's table.

use leptos::prelude::*;

use super::State;
use crate::app::fields::SelectField;
use crate::app::live::settings;
use crate::sim::model::Choices;
use crate::sim::ratelimit::{
    Algo, Mode, Params, Pattern, Preset, Run, MAX_RACE_REQUESTS, MAX_REQUESTS,
};
use crate::sim::thousands;

/// The preset the parameters are, if any.
pub fn preset_of(p: &Params) -> Option<Preset> {
    Preset::ALL
        .into_iter()
        .find(|s| crate::sim::clamp::<Run>(&s.params()) == *p)
}

/// A name for each traffic pattern.
fn pattern_label(p: Pattern) -> &'static str {
    match p {
        Pattern::Steady => "Evenly spaced",
        Pattern::Random => "Random arrivals (Poisson)",
        Pattern::Edge => "Bursts at the window edges",
        Pattern::Abuser => "One abusive client among many",
        Pattern::Pairs => "Pairs from two instances at once",
    }
}

/// A short name for each algorithm, for its toggle (the lanes carry the
/// full name).
pub fn short_label(a: Algo) -> &'static str {
    match a {
        Algo::CheatSheet => "Cheat sheet\u{2019}s fixed window",
        Algo::FixedWindow => "Atomic fixed window",
        Algo::SlidingLog => "Sliding log",
        Algo::SlidingCounter => "Sliding counter",
        Algo::TokenBucket => "Token bucket",
        Algo::LeakyMeter => "Leaky meter",
        Algo::LeakyQueue => "Leaky queue",
        Algo::Gcra => "GCRA",
    }
}

/// The algorithms after ticking (`on`) or unticking `a`: a new one joins
/// at the end, and the last one left stays.
pub fn toggled(algos: &[Algo], a: Algo, on: bool) -> Vec<Algo> {
    let mut out = algos.to_vec();
    if on && !out.contains(&a) {
        out.push(a);
    } else if !on && out.len() > 1 {
        out.retain(|x| *x != a);
    }
    out
}

/// A button per preset; the one the parameters match is pressed.
#[component]
pub fn Presets(state: State) -> impl IntoView {
    let current = move || {
        state
            .run
            .with(|r| preset_of(crate::sim::model::Model::params(&**r)))
    };
    let buttons = Preset::ALL
        .into_iter()
        .map(|s| {
            view! {
                <button type="button" class="text-button rl-preset" id=format!("rl-preset-{}", s.slug())
                    aria-pressed=move || if current() == Some(s) { "true" } else { "false" }
                    on:click=move |_| state.apply(s.params(), 0)>
                    {s.label()}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="rl-presets" role="group" aria-label="Scenarios">{buttons}</div>
    }
}

/// The steps, the traffic and the algorithms side by side.
#[component]
pub fn Primary(state: State) -> impl IntoView {
    let p = move || {
        state
            .run
            .with(|r| crate::sim::model::Model::params(&**r).clone())
    };
    let boxes = Algo::ALL
        .into_iter()
        .map(|a| {
            let checked = move || p().algos.contains(&a);
            let only = move || p().algos == [a];
            view! {
                <label class="rl-algo" title=a.label()>
                    <input type="checkbox" id=format!("rl-algo-{}", a.slug())
                        prop:checked=checked disabled=only
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let mut p = state.params();
                            p.algos = toggled(&p.algos, a, on);
                            let step = if p.mode == Mode::Race { 0 } else { state.step.get_untracked() };
                            state.apply(p, step);
                        }/>
                    <span>{short_label(a)}</span>
                </label>
            }
        })
        .collect_view();
    let race_note = move || {
        let p = p();
        (p.mode == Mode::Race).then(|| {
            format!(
                "Race mode steps through the commands of the first algorithm ticked: {}.",
                p.algos.first().map(|a| a.label()).unwrap_or_default()
            )
        })
    };
    view! {
        <form class="controls rl-primary" on:submit=|ev| ev.prevent_default() aria-label="Steps, traffic and algorithms">
            <SelectField id="rl-mode" label="Steps"
                options=vec![("traffic", "One per request"), ("race", "One per Redis command (race)")]
                value=Signal::derive(move || p().mode.word())
                on_pick=Callback::new(move |v: String| {
                    let m = if v == "race" { Mode::Race } else { Mode::Traffic };
                    state.change(|p| p.mode = m);
                })/>
            <SelectField id="rl-pattern" label="Traffic"
                options=Pattern::ALL.iter().map(|&x| (x.word(), pattern_label(x))).collect()
                value=Signal::derive(move || p().pattern.word())
                on_pick=Callback::new(move |v: String| {
                    if let Some(&x) = Pattern::ALL.iter().find(|x| x.word() == v) {
                        state.change(|p| p.pattern = x);
                    }
                })/>
            <fieldset class="field wide rl-algos">
                <legend>"Algorithms, side by side on the same traffic"</legend>
                <div class="rl-algo-list">{boxes}</div>
                <p class="hint">{race_note}</p>
            </fieldset>
        </form>
    }
}

/// The number fields of the model's table.
#[component]
pub fn Settings(state: State) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let fields = settings(state, "rl", crate::sim::model::int_keys::<Run>(), note);
    view! {
        <section class="rl-settings" aria-labelledby="rl-settings-title">
            <h3 id="rl-settings-title">"Settings"</h3>
            <form class="controls" on:submit=|ev| ev.prevent_default() aria-label="Settings">
                {fields}
                <p class="form-note" role="status">
                    {move || note.get().map(|n| format!("Changed: {n}."))}
                </p>
            </form>
            <p class="hint">{format!(
                "A run holds at most {} requests ({} in race mode, where every command is a step); a longer one is shortened.",
                thousands(MAX_REQUESTS),
                thousands(MAX_RACE_REQUESTS)
            )}</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticking_adds_at_the_end_and_the_last_one_stays() {
        let a = [Algo::SlidingLog];
        assert_eq!(
            toggled(&a, Algo::Gcra, true),
            [Algo::SlidingLog, Algo::Gcra]
        );
        assert_eq!(toggled(&a, Algo::SlidingLog, false), [Algo::SlidingLog]);
        assert_eq!(toggled(&a, Algo::SlidingLog, true), [Algo::SlidingLog]);
        let two = [Algo::CheatSheet, Algo::FixedWindow];
        assert_eq!(toggled(&two, Algo::CheatSheet, false), [Algo::FixedWindow]);
    }

    #[test]
    fn every_preset_is_recognised() {
        for s in Preset::ALL {
            assert_eq!(preset_of(&crate::sim::clamp::<Run>(&s.params())), Some(s));
        }
        assert_eq!(preset_of(&Params::default()), None);
    }
}
