//! The player that drives every model: play/pause, step back and forward,
//! first and last, a scrubber named "Step", a speed, keyboard shortcuts, and
//! a caption that screen readers announce. It knows nothing of the model: a
//! number of steps, the current step, and the caption of that step.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Playback speeds and their labels.
const SPEEDS: [(f64, &str); 5] = [
    (0.25, "0.25\u{d7}"),
    (0.5, "0.5\u{d7}"),
    (1.0, "1\u{d7}"),
    (2.0, "2\u{d7}"),
    (4.0, "4\u{d7}"),
];

/// The index of 1x in [`SPEEDS`].
const NORMAL_SPEED: usize = 2;

/// Time per step at 1x.
const STEP_MS: f64 = 600.0;

/// Whether a key press aimed at `target` is a player shortcut: not while
/// typing in a field, not when Space or Enter would press a focused button
/// or link, and only when nothing is focused or the focus is in the
/// visualization.
fn is_shortcut_target(target: Option<web_sys::Element>, key: &str) -> bool {
    let Some(el) = target else {
        return true;
    };
    let tag = el.tag_name().to_ascii_uppercase();
    if matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || el
            .dyn_ref::<web_sys::HtmlElement>()
            .is_some_and(|h| h.is_content_editable())
    {
        return false;
    }
    if matches!(key, " " | "Enter") && matches!(tag.as_str(), "BUTTON" | "A" | "SUMMARY") {
        return false;
    }
    matches!(tag.as_str(), "BODY" | "HTML" | "MAIN") || el.closest(".viz").ok().flatten().is_some()
}

/// The shared player.
#[component]
pub fn Player(
    /// How many steps the trace has (at least one).
    #[prop(into)]
    steps: Signal<usize>,
    /// The current step, from 0; the player moves it.
    step: RwSignal<usize>,
    /// The caption of the current step.
    #[prop(into)]
    caption: Signal<String>,
) -> impl IntoView {
    let playing = RwSignal::new(false);
    let speed = RwSignal::new(NORMAL_SPEED);
    let last = move || steps.get().saturating_sub(1);
    let last_now = move || steps.get_untracked().saturating_sub(1);
    let go = move |k: usize| step.set(k.min(last_now()));
    let stop_and_go = move |k: usize| {
        playing.set(false);
        go(k);
    };
    let back = move || stop_and_go(step.get_untracked().saturating_sub(1));
    let forward = move || stop_and_go(step.get_untracked() + 1);
    let first = move || stop_and_go(0);
    let end = move || stop_and_go(last_now());
    let toggle = move || {
        if playing.get_untracked() {
            playing.set(false);
        } else if last_now() > 0 {
            // Playing from the end starts again from the beginning.
            if step.get_untracked() >= last_now() {
                step.set(0);
            }
            playing.set(true);
        }
    };

    // The player's clock: a timer that advances the step while playing,
    // dropped (and so cancelled) when playback stops or the speed changes.
    let timer = StoredValue::new_local(None::<gloo_timers::callback::Interval>);
    Effect::new(move |_| {
        let on = playing.get();
        let ms = STEP_MS / SPEEDS[speed.get()].0;
        let _ = timer.try_set_value(None);
        if on {
            let tick = move || {
                let k = step.get_untracked();
                if k >= last_now() {
                    playing.set(false);
                } else {
                    step.set(k + 1);
                }
            };
            let _ = timer.try_set_value(Some(gloo_timers::callback::Interval::new(
                ms.round() as u32,
                tick,
            )));
        }
    });
    // A new trace (new parameters) stops the playback.
    Effect::new(move |prev: Option<usize>| {
        let n = steps.get();
        if prev.is_some_and(|p| p != n) {
            playing.set(false);
        }
        n
    });

    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.default_prevented() || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let key = ev.key();
        let target = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        if !is_shortcut_target(target, &key) {
            return;
        }
        match key.as_str() {
            " " | "Spacebar" => toggle(),
            "ArrowLeft" => back(),
            "ArrowRight" => forward(),
            "Home" => first(),
            "End" => end(),
            _ => return,
        }
        ev.prevent_default();
    });
    on_cleanup(move || {
        keys.remove();
        let _ = timer.try_set_value(None);
    });

    let at_start = move || step.get() == 0;
    let at_end = move || step.get() >= last();
    let aria_bool = |b: bool| if b { "true" } else { "false" };

    view! {
        <div class="player" role="group" aria-label="Player">
            <div class="player-bar">
                <button class="icon-button" aria-label="First step" title="First step (Home)"
                    aria-disabled=move || aria_bool(at_start()) on:click=move |_| first()>
                    <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M6 5v14M19 5l-10 7 10 7z"/></svg>
                </button>
                <button class="icon-button" aria-label="Step back" title="Step back (Left arrow)"
                    aria-disabled=move || aria_bool(at_start()) on:click=move |_| back()>
                    <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M16 5l-9 7 9 7z"/></svg>
                </button>
                <button class="icon-button play-button"
                    aria-label=move || if playing.get() { "Pause" } else { "Play" }
                    title="Play or pause (Space)"
                    aria-disabled=move || aria_bool(last() == 0)
                    on:click=move |_| toggle()>
                    {move || if playing.get() {
                        view! { <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22"><path d="M7 5h4v14H7zM13 5h4v14h-4z"/></svg> }.into_any()
                    } else {
                        view! { <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22"><path d="M7 4l13 8-13 8z"/></svg> }.into_any()
                    }}
                </button>
                <button class="icon-button" aria-label="Step forward" title="Step forward (Right arrow)"
                    aria-disabled=move || aria_bool(at_end()) on:click=move |_| forward()>
                    <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M8 5l9 7-9 7z"/></svg>
                </button>
                <button class="icon-button" aria-label="Last step" title="Last step (End)"
                    aria-disabled=move || aria_bool(at_end()) on:click=move |_| end()>
                    <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M18 5v14M5 5l10 7-10 7z"/></svg>
                </button>
                <label class="speed">
                    <span>"Speed"</span>
                    <select on:change=move |ev| {
                        let i = event_target_value(&ev).parse::<usize>().unwrap_or(NORMAL_SPEED);
                        speed.set(i.min(SPEEDS.len() - 1));
                    }>
                        {SPEEDS.iter().enumerate().map(|(i, (_, label))| view! {
                            <option value=i.to_string() prop:selected=move || speed.get() == i>{*label}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <div class="scrubber">
                <label for="player-step">"Step"</label>
                <input id="player-step" type="range" min="0"
                    prop:max=move || last().to_string()
                    prop:value=move || step.get().to_string()
                    aria-valuetext=move || format!("Step {} of {}", step.get(), last())
                    on:input=move |ev| {
                        playing.set(false);
                        if let Ok(k) = event_target_value(&ev).parse::<usize>() {
                            go(k);
                        }
                    }/>
                <output for="player-step" class="step-count">
                    {move || format!("{} / {}", step.get(), last())}
                </output>
            </div>
            <p class="caption" aria-live=move || if playing.get() { "off" } else { "polite" }>
                {move || caption.get()}
            </p>
            <p class="keys-hint">
                "Keys: " <kbd>"Space"</kbd> " play or pause, " <kbd>"\u{2190}"</kbd> " " <kbd>"\u{2192}"</kbd>
                " step, " <kbd>"Home"</kbd> " " <kbd>"End"</kbd> " first and last."
            </p>
        </div>
    }
}
