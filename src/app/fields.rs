//! The labelled form fields that every visualization's controls use. A
//! number typed into a field is read by the same [`Reader`] as a URL, so a
//! field and a permalink clamp a value alike and give the same reason.

use leptos::prelude::*;

use crate::sim::params::Reader;

/// Reads one whole number from a field the way the URL reader does, with the
/// same range and the same reason when the value had to change.
pub fn read_number(
    key: &str,
    raw: &str,
    min: u32,
    max: u32,
    current: u32,
) -> (u32, Option<String>) {
    let pairs = [(key.to_string(), raw.to_string())];
    let mut r = Reader::new(&pairs);
    let v = r.int(key, min.into(), max.into(), current.into()) as u32;
    (v, r.finish().into_iter().next())
}

/// A labelled drop-down.
#[component]
pub fn SelectField(
    id: &'static str,
    label: &'static str,
    /// `(value, text)` pairs.
    options: Vec<(&'static str, &'static str)>,
    #[prop(into)] value: Signal<&'static str>,
    on_pick: Callback<String>,
    #[prop(optional)] wide: bool,
) -> impl IntoView {
    let options = options
        .into_iter()
        .map(|(v, text)| view! { <option value=v prop:selected=move || value.get() == v>{text}</option> })
        .collect_view();
    view! {
        <label class="field" class:wide=wide>
            <span>{label}</span>
            <select id=id on:change=move |ev| on_pick.run(event_target_value(&ev))>{options}</select>
        </label>
    }
}

/// A labelled whole-number field that commits on change.
#[component]
pub fn NumberField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    min: u32,
    max: u32,
    #[prop(into)] value: Signal<String>,
    #[prop(into)] hidden: Signal<bool>,
    #[prop(into)] placeholder: Signal<String>,
    /// Takes the raw text; returns the value in use, shown back in the field.
    on_commit: Callback<String, String>,
) -> impl IntoView {
    view! {
        <label class="field" class:hidden=hidden>
            <span>{label}</span>
            <input id=id type="number" inputmode="numeric" min=min max=max step="1"
                placeholder=placeholder
                prop:value=value
                on:change=move |ev| {
                    let shown = on_commit.run(event_target_value(&ev));
                    if let Some(el) = ev
                        .target()
                        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok())
                    {
                        el.set_value(&shown);
                    }
                }/>
        </label>
    }
}

/// A labelled checkbox.
#[component]
pub fn CheckField(
    id: &'static str,
    label: &'static str,
    #[prop(into)] checked: Signal<bool>,
    #[prop(into, optional)] hidden: Signal<bool>,
    on_toggle: Callback<bool>,
) -> impl IntoView {
    view! {
        <label class="field check" class:hidden=hidden>
            <input id=id type="checkbox" prop:checked=checked
                on:change=move |ev| on_toggle.run(event_target_checked(&ev))/>
            <span>{label}</span>
        </label>
    }
}

/// A "Wait" button beside the number of seconds it waits (1 to `max_s`,
/// starting at `start_s`, read as the URL reader reads a number): pressing
/// it hands `on_wait` the wait in ms. Used by the editors that add waits to
/// a script or a schedule.
#[component]
pub fn WaitField(
    id: &'static str,
    start_s: u32,
    max_s: u32,
    #[prop(into, optional)] disabled: Signal<bool>,
    on_wait: Callback<u64>,
) -> impl IntoView {
    let wait_s = RwSignal::new(start_s);
    view! {
        <span class="bk-wait">
            <button type="button" class="button" id=id disabled=disabled
                on:click=move |_| on_wait.run(u64::from(wait_s.get_untracked()) * 1000)>"Wait"</button>
            <input type="number" min="1" max=max_s step="1" inputmode="numeric" aria-label="Seconds to wait"
                prop:value=move || wait_s.get().to_string()
                on:change=move |ev| {
                    let (v, _) = read_number("wait", &event_target_value(&ev), 1, max_s, wait_s.get_untracked());
                    wait_s.set(v);
                }/>
            <span>"s"</span>
        </span>
    }
}
