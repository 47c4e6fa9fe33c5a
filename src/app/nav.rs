//! The topic navigation: every topic grouped by section. A sidebar on wide
//! screens; a menu opened from the header on phones. Its list is rendered at
//! build time; the app only marks the current page in it.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::use_router;
use crate::content::NAV_HTML;
use crate::route::{self, Route};

/// Marks the link to the current page with `aria-current="page"`.
fn mark_current(nav: &web_sys::Element, route: &Route) {
    if let Ok(marked) = nav.query_selector_all("a[aria-current]") {
        for i in 0..marked.length() {
            if let Some(el) = marked
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            {
                let _ = el.remove_attribute("aria-current");
            }
        }
    }
    let selector = match route {
        Route::Home => "a.nav-home[href=\"./\"]".to_string(),
        Route::Topic(slug) => format!("a[href=\"{}\"]", route::topic_href(slug)),
        Route::Drill => "a.nav-drill".to_string(),
        Route::Sheet => "a.nav-sheet".to_string(),
        Route::NotFound(_) => return,
    };
    if let Ok(Some(el)) = nav.query_selector(&selector) {
        let _ = el.set_attribute("aria-current", "page");
    }
}

/// The list of all topics, grouped by section.
#[component]
pub fn TopicNav() -> impl IntoView {
    let router = use_router();
    let nav_ref = NodeRef::<leptos::html::Nav>::new();
    Effect::new(move |_| {
        let route = router.route.get();
        if let Some(nav) = nav_ref.get() {
            mark_current(&nav, &route);
        }
    });
    view! {
        <nav
            id="topic-nav"
            class="topic-nav"
            class:open=move || router.menu_open.get()
            aria-label="Topics"
            node_ref=nav_ref
        >
            <a class="nav-home" href="./">"Overview"</a>
            <a class="nav-home nav-drill" href="?drill">"Drill"</a>
            <a class="nav-home nav-sheet" href="?sheet">"The whole sheet"</a>
            <div inner_html=NAV_HTML></div>
        </nav>
    }
}
