//! What the step-by-step visualizations share: a run and its step kept in
//! signals and followed by the URL, number settings drawn from a table, and
//! the helpers of the editors whose rows are written as HTML and edited
//! through one delegated handler (`data-i`, `data-j`, `data-f` attributes).

use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::fields::{read_number, NumberField};
use super::share::{follow_links, follow_url, report};
use super::{browser, use_router};
use crate::route::{self, Route};
use crate::sim::model::{self, Kind, Model};

/// The run shown and its step.
pub struct Live<R: Model> {
    /// The run.
    pub run: RwSignal<Arc<R>>,
    /// The step shown.
    pub step: RwSignal<usize>,
}

impl<R: Model> Clone for Live<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R: Model> Copy for Live<R> {}

impl<R: Model> Live<R> {
    /// The current parameters.
    pub fn params(self) -> R::Params {
        self.run.with_untracked(|r| r.params().clone())
    }

    /// Runs the model for `params` (if they changed) and shows `step`.
    pub fn apply(self, params: R::Params, step: usize) {
        if self.params() != params {
            self.run.set(Arc::new(R::run(&params)));
        }
        let last = self.run.with_untracked(|r| r.steps() - 1);
        self.step.set(step.min(last));
    }

    /// Changes the parameters, starting again at step 0.
    pub fn change(self, f: impl FnOnce(&mut R::Params)) {
        let mut p = self.params();
        f(&mut p);
        self.apply(p, 0);
    }

    /// Changes the parameters and shows the step after entry `at`, which
    /// `f` returns (the entry of a script just added or moved).
    pub fn edit(self, f: impl FnOnce(&mut R::Params) -> usize) {
        let mut p = self.params();
        let at = f(&mut p);
        self.apply(p, at + 1);
    }

    /// The player's number of steps.
    pub fn steps(self) -> Signal<usize> {
        Signal::derive(move || self.run.with(|r| r.steps()))
    }

    /// A drawing of the step shown, by `f` (for `inner_html`).
    pub fn at(self, f: fn(&R, usize) -> String) -> impl Fn() -> String + Copy + 'static {
        move || {
            let step = self.step.get();
            self.run.with(|r| f(r, step))
        }
    }

    /// A drawing of lane `lane` at the step shown, by `f` (for
    /// `inner_html`); empty while the run has no such lane (`lanes`
    /// counts them), as after a change that dropped it.
    pub fn at_lane(
        self,
        lane: usize,
        lanes: fn(&R) -> usize,
        f: fn(&R, usize, usize) -> String,
    ) -> impl Fn() -> String + Copy + 'static {
        move || {
            let step = self.step.get();
            self.run.with(|r| {
                if lane < lanes(r) {
                    f(r, lane, step)
                } else {
                    String::new()
                }
            })
        }
    }

    /// The caption of the step shown.
    pub fn caption(self) -> Signal<String> {
        Signal::derive(move || {
            let step = self.step.get();
            self.run.with(|r| r.caption(step))
        })
    }
}

thread_local! {
    /// The run [`prepare`] opened, until [`open_live`] takes it.
    static PREPARED: std::cell::RefCell<Option<Box<dyn std::any::Any>>> =
        const { std::cell::RefCell::new(None) };
}

/// Opens the model `R` from the URL now, for [`open_live`] to take when the
/// view mounts: a page can run the model in one task and draw it in the
/// next, so that neither holds the page alone for both.
pub fn prepare<R: Model>() {
    let opened = model::open::<R>(&use_router().params.get_untracked());
    PREPARED.with(|p| *p.borrow_mut() = Some(Box::new(opened)));
}

/// The run [`prepare`] opened for `R`, if any (taken once).
fn take_prepared<R: Model>() -> Option<crate::sim::Opened<R>> {
    let any = PREPARED.with(|p| p.borrow_mut().take())?;
    any.downcast::<crate::sim::Opened<R>>().ok().map(|b| *b)
}

/// Opens the visualization of topic `slug` from the URL (naming what was
/// wrong in the page's notice), reopens it when a link or Back changes the
/// parameters, and keeps the URL following it. Returns the state and the
/// query of what is shown, for the copy-link button.
pub fn open_live<R: Model>(slug: &'static str) -> (Live<R>, Memo<String>) {
    let router = use_router();
    let opened =
        take_prepared::<R>().unwrap_or_else(|| model::open::<R>(&router.params.get_untracked()));
    report(opened.problems);
    let live = Live {
        run: RwSignal::new(Arc::new(opened.run)),
        step: RwSignal::new(opened.step),
    };
    let here = move || router.route.get_untracked() == Route::Topic(slug);
    follow_links(here, move |pairs| {
        let o = model::open::<R>(pairs);
        live.apply(o.run.params().clone(), o.step);
        o.problems
    });
    let query = Memo::new(move |_| {
        let step = live.step.get();
        live.run
            .with(|r| route::page_query(&model::link::<R>(r.params(), step)))
    });
    follow_url(query, here);
    (live, query)
}

/// The number fields of the parameters `keys` (whole-number rows of the
/// model's table, in the order given), each with the id `{prefix}-{key}`
/// (underscores as hyphens), the row's label and range, and hidden while
/// the parameters do not use it. A value that had to change is noted in
/// `note`.
pub fn settings<R: Model>(
    live: Live<R>,
    prefix: &'static str,
    keys: impl IntoIterator<Item = &'static str>,
    note: RwSignal<Option<String>>,
) -> impl IntoView {
    keys.into_iter()
        .filter_map(model::row::<R>)
        .filter_map(|row| match row.kind {
            Kind::Int {
                min, max, get, set, ..
            } => Some((row, min, max, get, set)),
            _ => None,
        })
        .map(|(row, min, max, get, set)| {
            let (key, used) = (row.key, row.used);
            let commit = Callback::new(move |raw: String| {
                let current = live.run.with_untracked(|r| get(r.params()));
                let (v, problem) = read_number(key, &raw, min, max, current);
                note.set(problem);
                live.change(|p| set(p, v));
                v.to_string()
            });
            view! {
                <NumberField id=field_id(prefix, key) label=row.full_label() min=min max=max
                    value=Signal::derive(move || live.run.with(|r| get(r.params()).to_string()))
                    hidden=Signal::derive(move || live.run.with(|r| !used(r.params())))
                    placeholder=Signal::derive(String::new)
                    on_commit=commit/>
            }
        })
        .collect_view()
}

/// The id of the field of parameter `key`: `bk` and `wait_ms` give
/// `bk-wait-ms`.
pub fn field_id(prefix: &str, key: &str) -> String {
    format!("{prefix}-{}", key.replace('_', "-"))
}

/// What a control of an editor row does: the `data-f` attribute the row
/// helpers write and the one delegated handler of each editor reads back.
/// One list, so that a renamed action cannot leave a handler matching a
/// word no row writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Show the step of this entry.
    Go,
    /// Move the entry up.
    Up,
    /// Move the entry down.
    Down,
    /// Remove the entry (or phase).
    Remove,
    /// A session's statement text (isolation lab).
    Sql,
    /// Remove a session's statement (isolation lab).
    Drop,
    /// A session's new-statement field (isolation lab).
    New,
    /// Add the new statement (isolation lab).
    Add,
    /// Remove one operation of a request (cache).
    DropOp,
    /// Add a read to a request (cache).
    AddRead,
    /// Add a write to a request (cache).
    AddWrite,
    /// A health phase's kind (breaker).
    Kind,
    /// A health phase's error rate (breaker).
    Errors,
    /// A health phase's length (breaker).
    Secs,
    /// Add a step of this instance to the schedule (cache).
    StepOf,
    /// Add a crash of this instance to the schedule (cache).
    CrashOf,
}

impl Edit {
    /// Every action, for the round-trip test.
    pub const ALL: [Edit; 16] = [
        Edit::Go,
        Edit::Up,
        Edit::Down,
        Edit::Remove,
        Edit::Sql,
        Edit::Drop,
        Edit::New,
        Edit::Add,
        Edit::DropOp,
        Edit::AddRead,
        Edit::AddWrite,
        Edit::Kind,
        Edit::Errors,
        Edit::Secs,
        Edit::StepOf,
        Edit::CrashOf,
    ];

    /// The word written in `data-f`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Edit::Go => "go",
            Edit::Up => "up",
            Edit::Down => "down",
            Edit::Remove => "remove",
            Edit::Sql => "sql",
            Edit::Drop => "drop",
            Edit::New => "new",
            Edit::Add => "add",
            Edit::DropOp => "drop-op",
            Edit::AddRead => "add-read",
            Edit::AddWrite => "add-write",
            Edit::Kind => "kind",
            Edit::Errors => "errors",
            Edit::Secs => "secs",
            Edit::StepOf => "step-of",
            Edit::CrashOf => "crash-of",
        }
    }

    /// The action a `data-f` word names.
    pub fn parse(word: &str) -> Option<Edit> {
        Edit::ALL.into_iter().find(|e| e.as_str() == word)
    }
}

impl std::fmt::Display for Edit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The actions the `data-f` attributes of `html` name, in order; a word
/// that is no [`Edit`] fails the test that reads it.
#[cfg(test)]
pub fn edits_in(html: &str) -> Vec<Edit> {
    html.split("data-f=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|w| Edit::parse(w).unwrap_or_else(|| panic!("data-f=\"{w}\" is no Edit")))
        .collect()
}

/// The element an event came from, with its `data-i` (row) and `data-f`
/// (what it does), looked up from the nearest element that has them.
pub fn event_field(ev: &web_sys::Event) -> Option<(web_sys::Element, usize, Edit)> {
    let target = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    let el = target.closest("[data-f]").ok()??;
    let i = el.get_attribute("data-i")?.parse().ok()?;
    let f = Edit::parse(&el.get_attribute("data-f")?)?;
    Some((el, i, f))
}

/// An element's `data-j` (a second index), 0 when absent.
pub fn data_j(el: &web_sys::Element) -> usize {
    el.get_attribute("data-j")
        .and_then(|j| j.parse().ok())
        .unwrap_or(0)
}

/// The value of a form control.
pub fn control_value(el: &web_sys::Element) -> String {
    if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
        input.value()
    } else if let Some(select) = el.dyn_ref::<web_sys::HtmlSelectElement>() {
        select.value()
    } else {
        String::new()
    }
}

/// Focuses the element `id` after the next render.
pub fn focus_later(id: String) {
    request_animation_frame(move || {
        if let Some(el) =
            browser::element(&id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

/// Marks the entry of `step` (entry k is step k + 1) in a list and scrolls
/// it into the list's view, not the page's.
pub fn mark_current(list: &web_sys::Element, step: usize) {
    let items = list.children();
    for k in 0..items.length() {
        let Some(li) = items.item(k) else {
            continue;
        };
        let on = step == k as usize + 1;
        let _ = li.class_list().toggle_with_force("current", on);
        if !on {
            let _ = li.remove_attribute("aria-current");
            continue;
        }
        let _ = li.set_attribute("aria-current", "step");
        if let (Some(li), Some(list)) = (
            li.dyn_ref::<web_sys::HtmlElement>(),
            list.dyn_ref::<web_sys::HtmlElement>(),
        ) {
            let (top, bottom) = (li.offset_top(), li.offset_top() + li.offset_height());
            if top < list.scroll_top() {
                list.set_scroll_top(top);
            } else if bottom > list.scroll_top() + list.client_height() {
                list.set_scroll_top(bottom - list.client_height());
            }
        }
    }
}

/// Keeps the current entry of the list `list` marked as the step moves.
pub fn follow_step<R: Model>(live: Live<R>, list: NodeRef<leptos::html::Ol>) {
    Effect::new(move |_| {
        let step = live.step.get();
        live.run.track();
        if let Some(ol) = list.get() {
            let el: web_sys::Element = ol.into();
            request_animation_frame(move || mark_current(&el, step));
        }
    });
}

/// The click handler of a script list written by the row helpers: `go`
/// shows the entry's step; `up`, `down` and `remove` edit the list `items`
/// picks from the parameters, show the moved entry's step and keep the
/// focus on its button (or on `fallback` once the list is empty).
pub fn list_clicks<R: Model, T: 'static>(
    live: Live<R>,
    items: fn(&mut R::Params) -> &mut Vec<T>,
    prefix: &'static str,
    fallback: &'static str,
) -> impl Fn(leptos::ev::MouseEvent) + Copy + 'static {
    move |ev: leptos::ev::MouseEvent| {
        let Some((_, i, f)) = event_field(&ev) else {
            return;
        };
        if f == Edit::Go {
            live.step.set(i + 1);
            return;
        }
        let mut p = live.params();
        if let Some((at, focus)) = reorder(items(&mut p), i, f, prefix, fallback) {
            live.apply(p, at + 1);
            focus_later(focus);
        }
    }
}

/// Moves entry `i` of `items` up or down, or removes it, as `action` says.
/// Returns the entry to show, and the id of the button to focus next: the
/// same button of the moved entry (`{prefix}-{k}-up`), or `fallback` when
/// the list is empty. `None` if the action does not apply.
pub fn reorder<T>(
    items: &mut Vec<T>,
    i: usize,
    action: Edit,
    prefix: &str,
    fallback: &str,
) -> Option<(usize, String)> {
    let n = items.len();
    match action {
        Edit::Up if i > 0 && i < n => {
            items.swap(i - 1, i);
            let to = i - 1;
            let id = if to == 0 {
                format!("{prefix}-0-down")
            } else {
                format!("{prefix}-{to}-up")
            };
            Some((to, id))
        }
        Edit::Down if i + 1 < n => {
            items.swap(i, i + 1);
            let to = i + 1;
            let id = if to + 1 >= n {
                format!("{prefix}-{to}-up")
            } else {
                format!("{prefix}-{to}-down")
            };
            Some((to, id))
        }
        Edit::Remove if i < n => {
            items.remove(i);
            let id = if n > 1 {
                format!("{prefix}-{}-remove", i.min(n - 2))
            } else {
                fallback.to_string()
            };
            Some((i.saturating_sub(1), id))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reordering_keeps_focus_on_the_moved_entry() {
        let mut v = vec![1, 2, 3];
        assert_eq!(
            reorder(&mut v, 2, Edit::Up, "x", "add"),
            Some((1, "x-1-up".into()))
        );
        assert_eq!(v, [1, 3, 2]);
        assert_eq!(
            reorder(&mut v, 1, Edit::Up, "x", "add"),
            Some((0, "x-0-down".into()))
        );
        assert_eq!(
            reorder(&mut v, 1, Edit::Down, "x", "add"),
            Some((2, "x-2-up".into()))
        );
        assert_eq!(v, [3, 2, 1]);
        assert_eq!(reorder(&mut v, 0, Edit::Up, "x", "add"), None);
        assert_eq!(
            reorder(&mut v, 2, Edit::Remove, "x", "add"),
            Some((1, "x-1-remove".into()))
        );
        assert_eq!(
            reorder(&mut v, 0, Edit::Remove, "x", "add"),
            Some((0, "x-0-remove".into()))
        );
        assert_eq!(
            reorder(&mut v, 0, Edit::Remove, "x", "add"),
            Some((0, "add".into()))
        );
        assert!(v.is_empty());
    }

    #[test]
    fn field_ids_follow_the_keys() {
        assert_eq!(field_id("bk", "wait_ms"), "bk-wait-ms");
        assert_eq!(field_id("ca", "ttl_ms"), "ca-ttl-ms");
        assert_eq!(field_id("ca", "seed"), "ca-seed");
    }

    #[test]
    fn every_edit_reads_back_from_its_word() {
        for e in Edit::ALL {
            assert_eq!(Edit::parse(e.as_str()), Some(e));
            assert_eq!(e.to_string(), e.as_str());
        }
        assert_eq!(Edit::parse("nothing"), None);
    }
}

/// Draws its children a task after the rest of the view: the parts of a
/// live view below its first screen, so that the browser can paint and
/// handle input between the two halves of the work of opening it.
#[component]
pub fn Later(children: ChildrenFn) -> impl IntoView {
    let shown = RwSignal::new(false);
    gloo_timers::callback::Timeout::new(0, move || {
        let _ = shown.try_set(true);
    })
    .forget();
    move || shown.get().then(|| children())
}
