//! Search: a button in the header (or `/`) opens a dialog; results appear
//! as you type, with the matches marked, and the arrow keys and Enter pick
//! one. The index is fetched the first time search opens. The dialog is in
//! every page's HTML; this module gives it its behaviour, with no framework,
//! so that it costs the shell little.

use std::cell::RefCell;
use std::rc::Rc;

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
    Ready(Rc<Index>),
    Failed(String),
}

/// The dialog's state: the index, the hits of the query typed, the active
/// hit.
struct State {
    index: Load,
    hits: Vec<Hit>,
    active: usize,
}

thread_local! {
    static STATE: RefCell<State> = const {
        RefCell::new(State { index: Load::Idle, hits: Vec::new(), active: 0 })
    };
}

fn dialog() -> Option<web_sys::HtmlDialogElement> {
    browser::element("search-dialog").and_then(|e| e.dyn_into().ok())
}

fn input() -> Option<web_sys::HtmlInputElement> {
    browser::element("search-input").and_then(|e| e.dyn_into().ok())
}

/// Fetches the index, then shows the results of what is typed.
fn load_index() {
    STATE.with(|s| s.borrow_mut().index = Load::Loading);
    render();
    wasm_bindgen_futures::spawn_local(async {
        let next = match browser::fetch_text(&format!("{}{SEARCH_INDEX}", route::root())).await {
            Ok(text) => Load::Ready(Rc::new(Index::parse(&text))),
            Err(e) => Load::Failed(e),
        };
        STATE.with(|s| s.borrow_mut().index = next);
        search();
    });
}

/// Opens the dialog with the focus in the field, fetching the index the
/// first time.
pub fn open() {
    if STATE.with(|s| matches!(s.borrow().index, Load::Idle | Load::Failed(_))) {
        load_index();
    }
    if let Some(d) = dialog() {
        if !d.open() {
            let _ = d.show_modal();
        }
    }
    if let Some(input) = input() {
        let _ = input.focus();
        input.select();
    }
}

fn close() {
    if let Some(d) = dialog() {
        d.close();
    }
}

/// Runs the query typed and shows its results from the first.
fn search() {
    let query = input().map(|i| i.value()).unwrap_or_default();
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.hits = match &s.index {
            Load::Ready(index) => index.search(&query, LIMIT),
            _ => Vec::new(),
        };
        s.active = 0;
    });
    render();
}

/// What the status line says.
fn status(state: &State, query: &str) -> String {
    match &state.index {
        Load::Idle | Load::Loading => "Loading the index\u{2026}".to_string(),
        Load::Failed(e) => format!("The search index could not be loaded: {e}."),
        Load::Ready(_) if query.trim().is_empty() => {
            "Type to search every topic and question bank.".to_string()
        }
        Load::Ready(_) => match state.hits.len() {
            0 => format!("Nothing matches \u{201c}{}\u{201d}.", query.trim()),
            1 => "1 result. Up and Down arrows move, Enter opens.".to_string(),
            n if n >= LIMIT => {
                format!("The first {LIMIT} results. Up and Down arrows move, Enter opens.")
            }
            n => format!("{n} results. Up and Down arrows move, Enter opens."),
        },
    }
}

/// Draws the state: the results, the status, the field's ARIA state and
/// the retry button.
fn render() {
    let query = input().map(|i| i.value()).unwrap_or_default();
    STATE.with(|s| {
        let s = s.borrow();
        if let Some(list) = browser::element("search-results") {
            list.set_inner_html(&results_html(&s.hits, s.active));
        }
        if let Some(line) = browser::element("search-status") {
            line.set_text_content(Some(&status(&s, &query)));
        }
        if let Some(i) = input() {
            let any = !s.hits.is_empty();
            let _ = i.set_attribute("aria-expanded", if any { "true" } else { "false" });
            let _ = if any {
                i.set_attribute("aria-activedescendant", &format!("sr-{}", s.active))
            } else {
                i.remove_attribute("aria-activedescendant")
            };
        }
        if let Some(retry) = browser::element("search-retry") {
            let failed = matches!(s.index, Load::Failed(_));
            let _ = if failed {
                retry.remove_attribute("hidden")
            } else {
                retry.set_attribute("hidden", "")
            };
        }
    });
}

/// Opens the active result.
fn go() {
    let href = STATE.with(|s| {
        let s = s.borrow();
        s.hits.get(s.active).map(Hit::href)
    });
    if let Some(href) = href {
        close();
        browser::assign(&href);
    }
}

fn on_key(ev: web_sys::KeyboardEvent) {
    let n = STATE.with(|s| s.borrow().hits.len());
    let step = |f: fn(usize, usize) -> usize| {
        STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.active = f(s.active, n);
        });
        render();
    };
    match ev.key().as_str() {
        "ArrowDown" if n > 0 => step(|a, n| (a + 1) % n),
        "ArrowUp" if n > 0 => step(|a, n| (a + n - 1) % n),
        "Enter" => go(),
        _ => return,
    }
    ev.prevent_default();
    // Keep the active result in view.
    let id = format!("sr-{}", STATE.with(|s| s.borrow().active));
    if let Some(el) = browser::element(&id) {
        let opts = web_sys::ScrollIntoViewOptions::new();
        opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
        el.scroll_into_view_with_scroll_into_view_options(&opts);
    }
}

/// Gives the page's search button and dialog their behaviour, and listens
/// for `/`.
pub fn attach() {
    browser::on_click("search-button", open);
    browser::on_click("search-close", close);
    browser::on_click("search-retry", load_index);
    if let Some(i) = browser::element("search-input") {
        browser::listen(&i, "input", |_| search());
        browser::listen(&i, "keydown", |ev| {
            if let Ok(k) = ev.dyn_into::<web_sys::KeyboardEvent>() {
                on_key(k);
            }
        });
    }
    if let Some(d) = browser::element("search-dialog") {
        browser::listen(&d, "click", |ev| {
            let target = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            // A click on the backdrop (the dialog itself, outside its box)
            // closes it; so does a click on a result, which its link follows.
            let on_backdrop = target.as_ref().is_some_and(|el| el.id() == "search-dialog");
            let on_link = target
                .and_then(|el| el.closest("a[href]").ok().flatten())
                .is_some();
            if on_backdrop || on_link {
                close();
            }
        });
    }
    if let Some(w) = web_sys::window() {
        browser::listen(&w, "keydown", |ev| {
            let Ok(k) = ev.dyn_into::<web_sys::KeyboardEvent>() else {
                return;
            };
            if k.key() == "/"
                && !k.ctrl_key()
                && !k.meta_key()
                && !k.alt_key()
                && !k.default_prevented()
                && !typing(
                    k.target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok()),
                )
            {
                k.prevent_default();
                open();
            }
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_options_with_marked_matches_and_escaped_text() {
        let slug = crate::content::TOPICS[0].slug;
        let index = Index::parse(&format!(
            r#"[["{slug}","x","A <heading>","Text with a needle & more."],["{slug}","","","Another needle."]]"#
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
