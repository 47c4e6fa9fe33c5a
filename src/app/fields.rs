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
