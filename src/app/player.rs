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

/// What a button or a key of the player asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Move {
    /// Play, or pause.
    Toggle,
    /// One step back.
    Back,
    /// One step forward.
    Forward,
    /// The first step.
    First,
    /// The last step.
    Last,
}

impl Move {
    /// The move a key (as `KeyboardEvent.key` names it) stands for.
    fn from_key(key: &str) -> Option<Move> {
        match key {
            " " | "Spacebar" => Some(Move::Toggle),
            "ArrowLeft" => Some(Move::Back),
            "ArrowRight" => Some(Move::Forward),
            "Home" => Some(Move::First),
            "End" => Some(Move::Last),
            _ => None,
        }
    }

    /// Whether the move's button is shown as disabled at `step` of a trace
    /// whose last step is `last`.
    fn blocked(self, step: usize, last: usize) -> bool {
        match self {
            Move::Toggle => last == 0,
            Move::Back | Move::First => step == 0,
            Move::Forward | Move::Last => step >= last,
        }
    }
}

/// Where the player is: the step shown and whether it plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Transport {
    /// The step shown.
    step: usize,
    /// Whether the clock advances it.
    playing: bool,
}

impl Transport {
    /// The state after `m` in a trace whose last step is `last`. Every move
    /// but Play stops the playback; playing from the end starts again from
    /// the beginning, and a trace of one step does not play.
    fn after(self, m: Move, last: usize) -> Transport {
        let stop_at = |step: usize| Transport {
            step: step.min(last),
            playing: false,
        };
        match m {
            Move::Toggle if self.playing => Transport {
                playing: false,
                ..self
            },
            Move::Toggle if last == 0 => self,
            Move::Toggle => Transport {
                step: if self.step >= last { 0 } else { self.step },
                playing: true,
            },
            Move::Back => stop_at(self.step.saturating_sub(1)),
            Move::Forward => stop_at(self.step + 1),
            Move::First => stop_at(0),
            Move::Last => stop_at(last),
        }
    }
}

/// The step after a tick of the clock at `step`, or `None` when the last
/// step (`last`) is reached and the playback stops.
fn tick(step: usize, last: usize) -> Option<usize> {
    (step < last).then_some(step + 1)
}

/// The speed a choice of the speed menu names (1x when unreadable).
fn speed_choice(raw: &str) -> usize {
    raw.parse::<usize>()
        .unwrap_or(NORMAL_SPEED)
        .min(SPEEDS.len() - 1)
}

/// The clock's period at speed `speed`, in ms.
fn period_ms(speed: usize) -> u32 {
    let (factor, _) = SPEEDS[speed.min(SPEEDS.len() - 1)];
    (STEP_MS / factor).round() as u32
}

/// The scrubber's position, for screen readers.
fn position_text(step: usize, last: usize) -> String {
    format!("Step {step} of {last}")
}

/// The step counter beside the scrubber.
fn counter_text(step: usize, last: usize) -> String {
    format!("{step} / {last}")
}

/// An ARIA boolean.
fn aria_bool(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

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

/// The player's signals, shared by its parts.
#[derive(Clone, Copy)]
struct Deck {
    steps: Signal<usize>,
    step: RwSignal<usize>,
    playing: RwSignal<bool>,
    speed: RwSignal<usize>,
}

impl Deck {
    /// The last step, tracked.
    fn last(self) -> usize {
        self.steps.get().saturating_sub(1)
    }

    /// The last step, untracked.
    fn last_now(self) -> usize {
        self.steps.get_untracked().saturating_sub(1)
    }

    /// Makes the move `m`, setting only what it changes (a stopping move
    /// always stops and shows its step).
    fn press(self, m: Move) {
        let now = Transport {
            step: self.step.get_untracked(),
            playing: self.playing.get_untracked(),
        };
        let next = now.after(m, self.last_now());
        if m == Move::Toggle {
            if next.step != now.step {
                self.step.set(next.step);
            }
            if next.playing != now.playing {
                self.playing.set(next.playing);
            }
        } else {
            self.playing.set(false);
            self.step.set(next.step);
        }
    }

    /// Whether the button of `m` is disabled, tracked.
    fn blocked(self, m: Move) -> bool {
        m.blocked(self.step.get(), self.last())
    }

    /// Moves the step with the scrubber, which stops the playback.
    fn scrub(self, raw: &str) {
        self.playing.set(false);
        if let Ok(k) = raw.parse::<usize>() {
            self.step.set(k.min(self.last_now()));
        }
    }

    /// One tick of the clock.
    fn tick(self) {
        match tick(self.step.get_untracked(), self.last_now()) {
            Some(k) => self.step.set(k),
            None => self.playing.set(false),
        }
    }
}

/// The player's clock: a timer that advances the step while playing,
/// dropped (and so cancelled) when playback stops or the speed changes. A
/// new trace (new parameters) stops the playback. Returns the timer's slot,
/// to empty when the player goes.
fn start_clock(deck: Deck) -> StoredValue<Option<gloo_timers::callback::Interval>, LocalStorage> {
    let timer = StoredValue::new_local(None::<gloo_timers::callback::Interval>);
    Effect::new(move |_| {
        let on = deck.playing.get();
        let ms = period_ms(deck.speed.get());
        let _ = timer.try_set_value(None);
        if on {
            let interval = gloo_timers::callback::Interval::new(ms, move || deck.tick());
            let _ = timer.try_set_value(Some(interval));
        }
    });
    Effect::new(move |prev: Option<usize>| {
        let n = deck.steps.get();
        if prev.is_some_and(|p| p != n) {
            deck.playing.set(false);
        }
        n
    });
    timer
}

/// The keyboard shortcuts, listened for on the window.
fn listen_keys(deck: Deck) -> WindowListenerHandle {
    window_event_listener(leptos::ev::keydown, move |ev| {
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
        let Some(m) = Move::from_key(&key) else {
            return;
        };
        deck.press(m);
        ev.prevent_default();
    })
}

/// A button that makes a stopping move, with its icon's path.
fn step_button(
    deck: Deck,
    m: Move,
    label: &'static str,
    title: &'static str,
    path: &'static str,
) -> impl IntoView {
    view! {
        <button class="icon-button" aria-label=label title=title
            aria-disabled=move || aria_bool(deck.blocked(m)) on:click=move |_| deck.press(m)>
            <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d=path/></svg>
        </button>
    }
}

/// The play/pause button.
fn play_button(deck: Deck) -> impl IntoView {
    let playing = deck.playing;
    view! {
        <button class="icon-button play-button"
            aria-label=move || if playing.get() { "Pause" } else { "Play" }
            title="Play or pause (Space)"
            aria-disabled=move || aria_bool(deck.blocked(Move::Toggle))
            on:click=move |_| deck.press(Move::Toggle)>
            {move || if playing.get() {
                view! { <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22"><path d="M7 5h4v14H7zM13 5h4v14h-4z"/></svg> }.into_any()
            } else {
                view! { <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22"><path d="M7 4l13 8-13 8z"/></svg> }.into_any()
            }}
        </button>
    }
}

/// The speed menu.
fn speed_menu(deck: Deck) -> impl IntoView {
    let speed = deck.speed;
    view! {
        <label class="speed">
            <span>"Speed"</span>
            <select on:change=move |ev| speed.set(speed_choice(&event_target_value(&ev)))>
                {SPEEDS.iter().enumerate().map(|(i, (_, label))| view! {
                    <option value=i.to_string() prop:selected=move || speed.get() == i>{*label}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

/// The buttons and the speed.
fn player_bar(deck: Deck) -> impl IntoView {
    view! {
        <div class="player-bar">
            {step_button(deck, Move::First, "First step", "First step (Home)", "M6 5v14M19 5l-10 7 10 7z")}
            {step_button(deck, Move::Back, "Step back", "Step back (Left arrow)", "M16 5l-9 7 9 7z")}
            {play_button(deck)}
            {step_button(deck, Move::Forward, "Step forward", "Step forward (Right arrow)", "M8 5l9 7-9 7z")}
            {step_button(deck, Move::Last, "Last step", "Last step (End)", "M18 5v14M5 5l10 7-10 7z")}
            {speed_menu(deck)}
        </div>
    }
}

/// The scrubber named "Step" and the step counter.
fn scrubber(deck: Deck) -> impl IntoView {
    let step = deck.step;
    view! {
        <div class="scrubber">
            <label for="player-step">"Step"</label>
            <input id="player-step" type="range" min="0"
                prop:max=move || deck.last().to_string()
                prop:value=move || step.get().to_string()
                aria-valuetext=move || position_text(step.get(), deck.last())
                on:input=move |ev| deck.scrub(&event_target_value(&ev))/>
            <output for="player-step" class="step-count">
                {move || counter_text(step.get(), deck.last())}
            </output>
        </div>
    }
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
    let deck = Deck {
        steps,
        step,
        playing: RwSignal::new(false),
        speed: RwSignal::new(NORMAL_SPEED),
    };
    let timer = start_clock(deck);
    let keys = listen_keys(deck);
    on_cleanup(move || {
        keys.remove();
        let _ = timer.try_set_value(None);
    });
    let playing = deck.playing;
    view! {
        <div class="player" role="group" aria-label="Player">
            {player_bar(deck)}
            {scrubber(deck)}
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

#[cfg(test)]
mod tests {
    use super::*;

    const fn at(step: usize, playing: bool) -> Transport {
        Transport { step, playing }
    }

    #[test]
    fn keys_name_the_moves() {
        assert_eq!(Move::from_key(" "), Some(Move::Toggle));
        assert_eq!(Move::from_key("Spacebar"), Some(Move::Toggle));
        assert_eq!(Move::from_key("ArrowLeft"), Some(Move::Back));
        assert_eq!(Move::from_key("ArrowRight"), Some(Move::Forward));
        assert_eq!(Move::from_key("Home"), Some(Move::First));
        assert_eq!(Move::from_key("End"), Some(Move::Last));
        assert_eq!(Move::from_key("Enter"), None);
        assert_eq!(Move::from_key("a"), None);
    }

    #[test]
    fn moves_stop_the_playback_and_stay_in_the_trace() {
        assert_eq!(at(3, true).after(Move::Back, 5), at(2, false));
        assert_eq!(at(0, false).after(Move::Back, 5), at(0, false));
        assert_eq!(at(3, true).after(Move::Forward, 5), at(4, false));
        assert_eq!(at(5, false).after(Move::Forward, 5), at(5, false));
        assert_eq!(at(3, true).after(Move::First, 5), at(0, false));
        assert_eq!(at(3, true).after(Move::Last, 5), at(5, false));
        // A step past a shorter trace's end comes back into it.
        assert_eq!(at(9, false).after(Move::Back, 5), at(5, false));
    }

    #[test]
    fn play_starts_again_from_the_end_and_pause_keeps_the_step() {
        assert_eq!(at(2, false).after(Move::Toggle, 5), at(2, true));
        assert_eq!(at(2, true).after(Move::Toggle, 5), at(2, false));
        assert_eq!(at(5, false).after(Move::Toggle, 5), at(0, true));
        // One step: nothing to play.
        assert_eq!(at(0, false).after(Move::Toggle, 0), at(0, false));
    }

    #[test]
    fn the_clock_stops_at_the_last_step() {
        assert_eq!(tick(0, 3), Some(1));
        assert_eq!(tick(2, 3), Some(3));
        assert_eq!(tick(3, 3), None);
        assert_eq!(tick(0, 0), None);
    }

    #[test]
    fn buttons_are_disabled_at_the_ends() {
        assert!(Move::First.blocked(0, 4) && Move::Back.blocked(0, 4));
        assert!(!Move::Forward.blocked(0, 4) && !Move::Toggle.blocked(0, 4));
        assert!(Move::Last.blocked(4, 4) && Move::Forward.blocked(4, 4));
        assert!(!Move::Back.blocked(4, 4));
        assert!(Move::Toggle.blocked(0, 0));
    }

    #[test]
    fn speeds_are_read_from_the_menu() {
        assert_eq!(speed_choice("0"), 0);
        assert_eq!(speed_choice("4"), 4);
        assert_eq!(speed_choice("9"), SPEEDS.len() - 1);
        assert_eq!(speed_choice("fast"), NORMAL_SPEED);
        assert_eq!(period_ms(NORMAL_SPEED), 600);
        assert_eq!(period_ms(0), 2400);
        assert_eq!(period_ms(4), 150);
    }

    #[test]
    fn the_position_is_written_for_people() {
        assert_eq!(position_text(2, 7), "Step 2 of 7");
        assert_eq!(counter_text(2, 7), "2 / 7");
    }
}
