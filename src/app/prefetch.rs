//! Prefetching: a page with a live model loads that model's module, which
//! no other page loads. So that opening such a page is quick, the modules
//! of the model pages a topic links to from its text, its related topics
//! and its pager are fetched once the browser is idle (not on the overview,
//! which links to every topic), and any model page's module as soon as a
//! link to it is hovered or focused. The build lists the modules in the page, as JSON
//! (`<script type="application/json" id="bp-modules">`): topic slug to its
//! module's files, relative to the site's root.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use wasm_bindgen::JsCast;

use super::browser;
use crate::route;

/// Topic slug to the files of its module (script first, then wasm).
type Modules = BTreeMap<String, Vec<String>>;

/// Files already asked for, so that each is fetched once.
static ASKED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Reads the page's list of modules; a missing or malformed list gives none
/// (prefetching is only a help).
fn modules() -> Modules {
    browser::element("bp-modules")
        .and_then(|e| e.text_content())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// The slug of the topic page a link opens, if it is one.
fn topic_of(href: &str) -> Option<String> {
    let url = web_sys::Url::new_with_base(href, &browser::href()).ok()?;
    let path = url.pathname();
    let rest = &path[path.rfind("/topics/")? + "/topics/".len()..];
    let slug = rest.strip_suffix('/').unwrap_or(rest);
    (!slug.is_empty() && !slug.contains('/')).then(|| route::decode_component(slug))
}

/// Asks the browser to fetch the module of topic `slug`, once.
fn prefetch(modules: &Modules, slug: &str) {
    let Some(files) = modules.get(slug) else {
        return;
    };
    let root = route::root();
    for file in files {
        let fresh = ASKED
            .lock()
            .map(|mut a| a.insert(file.clone()))
            .unwrap_or(false);
        if fresh {
            let rel = if file.ends_with(".js") {
                "modulepreload"
            } else {
                "prefetch"
            };
            browser::add_head_link(rel, &format!("{root}{file}"));
        }
    }
}

/// Starts prefetching: the module of this page counts as fetched already.
pub fn start() {
    let modules = modules();
    if modules.is_empty() {
        return;
    }
    let here = browser::html_attribute("data-slug");
    if let Some(files) = here.as_ref().and_then(|s| modules.get(s)) {
        if let Ok(mut a) = ASKED.lock() {
            a.extend(files.iter().cloned());
        }
    }
    let on_hover = {
        let modules = modules.clone();
        move |ev: web_sys::Event| {
            let href = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.closest("a[href]").ok().flatten())
                .and_then(|a| a.get_attribute("href"));
            if let Some(slug) = href.as_deref().and_then(topic_of) {
                prefetch(&modules, &slug);
            }
        }
    };
    if let Some(w) = web_sys::window() {
        browser::listen(&w, "pointerover", on_hover.clone());
        browser::listen(&w, "focusin", on_hover);
    }
    // Only a topic's own links: the overview, the sheet and the not-found
    // page link to every topic.
    if browser::html_attribute("data-page").as_deref() != Some("topic") {
        return;
    }
    browser::when_idle(move || {
        for href in browser::hrefs(".topic-text a[href], .related a[href], .pager a[href]") {
            if let Some(slug) = topic_of(&href) {
                prefetch(&modules, &slug);
            }
        }
    });
}
