//! Search: a button in the header (or `/`) opens a dialog; results appear
//! as you type, with the matches marked, and the arrow keys and Enter pick
//! one. The index is fetched the first time search opens.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::browser;
use crate::content::SEARCH_INDEX;
use crate::route;
use crate::search::{Hit, Index};

/// Most results shown.
const LIMIT: usize = 20;

/// The loading state of the index.
#[derive(Clone)]
enum Load {
    Idle,
    Loading,
    Ready(Arc<Index>),
    Failed(String),
}

/// Shared search state.
#[derive(Clone, Copy)]
pub struct Search {
    index: RwSignal<Load>,
    query: RwSignal<String>,
    active: RwSignal<usize>,
}

fn dialog() -> Option<web_sys::HtmlDialogElement> {
    browser::element("search-dialog").and_then(|e| e.dyn_into().ok())
}

fn load_index(search: Search) {
    search.index.set(Load::Loading);
    spawn_local(async move {
        let next = match browser::fetch_text(&format!("{}{SEARCH_INDEX}", route::root())).await {
            Ok(text) => Load::Ready(Arc::new(Index::parse(&text))),
            Err(e) => Load::Failed(e),
        };
        let _ = search.index.try_set(next);
    });
}

impl Search {
    /// Opens the dialog with the focus in the field, fetching the index the
    /// first time.
    pub fn open(self) {
        if matches!(self.index.get_untracked(), Load::Idle | Load::Failed(_)) {
            load_index(self);
        }
        if let Some(d) = dialog() {
            if !d.open() {
                let _ = d.show_modal();
            }
        }
        if let Some(input) = browser::element("search-input")
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            let _ = input.focus();
            input.select();
        }
    }

    fn close(self) {
        if let Some(d) = dialog() {
            d.close();
        }
    }
}

/// The results as HTML: a listbox option per hit, the active one selected.
pub fn results_html(hits: &[Hit], active: usize) -> String {
    use super::html::escape;
    let mut s = String::new();
    for (i, h) in hits.iter().enumerate() {
        let place = if h.heading.is_empty() {
            escape(h.title)
        } else {
            format!("{} \u{203a} {}", escape(h.title), escape(&h.heading))
        };
        let mut snippet = String::new();
        for (text, hit) in &h.snippet {
            if *hit {
                snippet.push_str("<mark>");
                snippet.push_str(&escape(text));
                snippet.push_str("</mark>");
            } else {
                snippet.push_str(&escape(text));
            }
        }
        s.push_str(&format!(
            r#"<li role="option" id="sr-{i}" aria-selected="{}"><a href="{}" tabindex="-1"><span class="sr-place">{place}</span><span class="sr-snippet">{snippet}</span></a></li>"#,
            i == active,
            escape(&h.href()),
        ));
    }
    s
}

/// Whether a key press in `target` is typing (so `/` is a character, not
/// the shortcut).
fn typing(target: Option<web_sys::Element>) -> bool {
    target.is_some_and(|el| {
        matches!(
            el.tag_name().to_ascii_uppercase().as_str(),
            "INPUT" | "TEXTAREA" | "SELECT"
        ) || el
            .dyn_ref::<web_sys::HtmlElement>()
            .is_some_and(|h| h.is_content_editable())
    })
}

/// Creates the search state, provides it, and listens for `/`.
pub fn provide() -> Search {
    let search = Search {
        index: RwSignal::new(Load::Idle),
        query: RwSignal::new(String::new()),
        active: RwSignal::new(0),
    };
    provide_context(search);
    let slash = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "/"
            && !ev.ctrl_key()
            && !ev.meta_key()
            && !ev.alt_key()
            && !ev.default_prevented()
            && !typing(
                ev.target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok()),
            )
        {
            ev.prevent_default();
            search.open();
        }
    });
    // The listener lives as long as the page.
    std::mem::forget(slash);
    search
}

/// Opens search from the header's button, which the page already holds.
pub fn attach_button(search: Search) {
    browser::on_click("search-button", move || search.open());
}

/// The search dialog.
#[component]
pub fn SearchDialog() -> impl IntoView {
    let search = expect_context::<Search>();
    let hits = Memo::new(move |_| {
        let q = search.query.get();
        match search.index.get() {
            Load::Ready(index) => index.search(&q, LIMIT),
            _ => Vec::new(),
        }
    });
    let status = move || {
        let q = search.query.get();
        match search.index.get() {
            Load::Idle | Load::Loading => "Loading the index\u{2026}".to_string(),
            Load::Failed(e) => format!("The search index could not be loaded: {e}."),
            Load::Ready(_) if q.trim().is_empty() => {
                "Type to search every topic and question bank.".to_string()
            }
            Load::Ready(_) => match hits.with(Vec::len) {
                0 => format!("Nothing matches \u{201c}{}\u{201d}.", q.trim()),
                1 => "1 result. Up and Down arrows move, Enter opens.".to_string(),
                n if n >= LIMIT => {
                    format!("The first {LIMIT} results. Up and Down arrows move, Enter opens.")
                }
                n => format!("{n} results. Up and Down arrows move, Enter opens."),
            },
        }
    };
    let go = move |i: usize| {
        let Some(hit) = hits.with_untracked(|h| h.get(i).cloned()) else {
            return;
        };
        search.close();
        browser::assign(&hit.href());
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = hits.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => search.active.update(|a| *a = (*a + 1) % n),
            "ArrowUp" if n > 0 => search.active.update(|a| *a = (*a + n - 1) % n),
            "Enter" => go(search.active.get_untracked()),
            _ => return,
        }
        ev.prevent_default();
        // Keep the active result in view.
        let id = format!("sr-{}", search.active.get_untracked());
        if let Some(el) = browser::element(&id) {
            let opts = web_sys::ScrollIntoViewOptions::new();
            opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&opts);
        }
    };
    view! {
        <dialog id="search-dialog" class="search-dialog" aria-labelledby="search-title"
            on:click=move |ev| {
                // A click on the backdrop (the dialog itself, outside its box) closes it.
                let on_backdrop = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .is_some_and(|el| el.id() == "search-dialog");
                if on_backdrop {
                    search.close();
                }
            }>
            <div class="search-panel">
                <div class="search-box">
                    <label id="search-title" for="search-input" class="visually-hidden">"Search the cheat sheet"</label>
                    <input id="search-input" type="search" role="combobox" autocomplete="off" spellcheck="false"
                        placeholder="Search topics and questions"
                        aria-autocomplete="list" aria-controls="search-results"
                        aria-expanded=move || if hits.with(Vec::is_empty) { "false" } else { "true" }
                        aria-activedescendant=move || (!hits.with(Vec::is_empty)).then(|| format!("sr-{}", search.active.get()))
                        prop:value=move || search.query.get()
                        on:input=move |ev| {
                            search.query.set(event_target_value(&ev));
                            search.active.set(0);
                        }
                        on:keydown=on_key/>
                    <button class="text-button" type="button" on:click=move |_| search.close()>"Close"</button>
                </div>
                <p class="search-status" role="status">{status}</p>
                {move || matches!(search.index.get(), Load::Failed(_)).then(|| view! {
                    <button class="button" type="button" on:click=move |_| load_index(search)>"Try again"</button>
                })}
                <ul id="search-results" role="listbox" aria-label="Results"
                    inner_html=move || hits.with(|h| results_html(h, search.active.get()))
                    on:click=move |ev| {
                        // Results are links: the app follows them; close first.
                        let link = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                            .and_then(|el| el.closest("a[href]").ok().flatten());
                        if link.is_some() {
                            search.close();
                        }
                    }>
                </ul>
            </div>
        </dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_options_with_marked_matches_and_escaped_text() {
        let slug = crate::content::TOPICS[0].slug;
        let index = Index::parse(&format!(
            "{slug}\tx\tA <heading>\tText with a needle & more.\n{slug}\t\t\tAnother needle."
        ));
        let hits = index.search("needle", 10);
        assert_eq!(hits.len(), 2);
        let html = results_html(&hits, 1);
        assert_eq!(html.matches("role=\"option\"").count(), 2);
        assert_eq!(html.matches("aria-selected=\"true\"").count(), 1);
        assert!(html.contains("id=\"sr-1\" aria-selected=\"true\""));
        assert!(html.contains("<mark>needle</mark>"));
        assert!(html.contains("A &lt;heading&gt;"));
        assert!(html.contains("needle</mark> &amp; more."));
        assert!(html.contains(&format!("href=\"topics/{slug}/#x\"")));
    }
}
