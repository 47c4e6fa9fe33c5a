//! The shell: the behaviour of what every pre-rendered page holds (the
//! topic menu on phones, the theme and search buttons, the skip link, the
//! print button, the notice of what a URL got wrong, the not-found page's
//! slug, the canonical link), prefetching, and the offline copy. It uses no
//! framework, so that a page without a live part loads little; a page's
//! live part (Leptos) starts after it.

use std::cell::Cell;

use wasm_bindgen::JsCast;

use super::{browser, html::escape, offline, prefetch, search, theme};
use crate::route::Route;

thread_local! {
    /// Whether the topic menu is open (phones).
    static MENU_OPEN: Cell<bool> = const { Cell::new(false) };
}

/// Gives the page's shell its behaviour.
pub fn start(route: &Route) {
    theme::attach();
    search::attach();
    attach_menu();
    browser::on_click_prevent("skip-link", || {
        if let Some(main) =
            browser::element("main").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = main.focus();
        }
    });
    browser::on_click("print-button", browser::print);
    if let Route::NotFound(slug) = route {
        if let Some(el) = browser::element("missing-slug") {
            el.set_text_content(Some(slug));
        }
    }
    browser::absolute_canonical();
    offline::start();
    prefetch::start();
}

/// Marks the page as started (tests and styles wait for it).
pub fn ready() {
    if let Some(root) = browser::root() {
        let _ = root.set_attribute("data-ready", "");
    }
}

/// Shows the notice naming what the URL got wrong (nothing for an empty
/// list); Dismiss hides it.
pub fn notice(ignored: &[String]) {
    let Some(host) = browser::element("notice") else {
        return;
    };
    if ignored.is_empty() {
        host.set_inner_html("");
        return;
    }
    host.set_inner_html(&format!(
        r#"<div class="notice" role="status"><p>Part of the address was not understood and was ignored: <code>{}</code></p><button class="text-button" type="button" id="notice-dismiss">Dismiss</button></div>"#,
        escape(&ignored.join(", "))
    ));
    browser::on_click("notice-dismiss", || {
        if let Some(host) = browser::element("notice") {
            host.set_inner_html("");
        }
    });
}

/// Opens or closes the topic menu (phones). Opening moves focus into the
/// menu, to the link of the current page, so keyboard users land in it.
pub fn set_menu(open: bool) {
    MENU_OPEN.with(|m| m.set(open));
    if let Some(b) = browser::element("menu-button") {
        let _ = b.set_attribute("aria-expanded", if open { "true" } else { "false" });
    }
    browser::set_class("topic-nav", "open", open);
    browser::set_class("backdrop", "visible", open);
    if open {
        let target = browser::element("topic-nav").and_then(|nav| {
            nav.query_selector("a[aria-current]")
                .ok()
                .flatten()
                .or_else(|| nav.query_selector("a").ok().flatten())
        });
        if let Some(el) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
        }
    }
}

/// The menu button toggles the menu; Escape or a tap beside it closes it.
fn attach_menu() {
    browser::on_click("menu-button", || set_menu(!MENU_OPEN.with(Cell::get)));
    browser::on_click("backdrop", || set_menu(false));
    if let Some(w) = web_sys::window() {
        browser::listen(&w, "keydown", |ev| {
            let escape = ev
                .dyn_ref::<web_sys::KeyboardEvent>()
                .is_some_and(|k| k.key() == "Escape");
            if escape && MENU_OPEN.with(Cell::get) {
                set_menu(false);
                if let Some(b) = browser::element("menu-button")
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = b.focus();
                }
            }
        });
    }
}
