//! The behaviour of what every pre-rendered page holds: the topic menu on
//! phones, the skip link, the not-found page's slug, the canonical link,
//! prefetching the modules of the pages a reader is about to open, and the
//! offline copy (a service worker) with its "new version" notice.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{browser, Router};
use crate::route::Route;

/// Gives the page's shell its behaviour.
pub fn attach(router: Router) {
    attach_menu(router);
    browser::on_click_prevent("skip-link", || {
        if let Some(main) =
            browser::element("main").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = main.focus();
        }
    });
    if let Route::NotFound(slug) = router.route.get_untracked() {
        if let Some(el) = browser::element("missing-slug") {
            el.set_text_content(Some(&slug));
        }
    }
    browser::on_click("print-button", browser::print);
    browser::absolute_canonical();
    super::offline::start();
    super::prefetch::start();
}

/// Opens or closes the topic menu (phones). Opening moves focus into the
/// menu, to the link of the current page, so keyboard users land in it;
/// Escape or a tap beside it closes it.
fn attach_menu(router: Router) {
    Effect::new(move |_| {
        let open = router.menu_open.get();
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
    });
    browser::on_click("menu-button", move || router.menu_open.update(|o| *o = !*o));
    browser::on_click("backdrop", move || router.menu_open.set(false));
    let esc = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && router.menu_open.get_untracked() {
            router.menu_open.set(false);
            if let Some(b) = browser::element("menu-button")
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = b.focus();
            }
        }
    });
    std::mem::forget(esc);
}
