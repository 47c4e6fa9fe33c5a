//! The offline copy: the site's service worker (`sw.js`, written by the
//! build with the list of every page and file) keeps the whole site after
//! one visit. When a new version is deployed, its worker waits until the
//! reader asks for it: the page says a new version is ready, and "Reload"
//! switches to it, so old pages never run with new modules.

use std::cell::{Cell, RefCell};

use wasm_bindgen::{JsCast, JsValue};

use super::browser;
use crate::route;

thread_local! {
    /// The waiting worker of a new version, once there is one.
    static WAITING: RefCell<Option<web_sys::ServiceWorker>> = const { RefCell::new(None) };
    /// Whether the reader asked for the new version.
    static ASKED: Cell<bool> = const { Cell::new(false) };
}

fn container() -> Option<web_sys::ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    // Absent where service workers are not offered (plain HTTP from
    // another host, some private modes): the site then works online only.
    let sw = js_sys::Reflect::get(&navigator, &JsValue::from_str("serviceWorker")).ok()?;
    (!sw.is_undefined()).then(|| navigator.service_worker())
}

/// Shows or hides the notice.
fn show(ready: bool) {
    let Some(host) = browser::element("update-host") else {
        return;
    };
    if !ready {
        host.set_inner_html("");
        return;
    }
    host.set_inner_html(
        r#"<div class="update-notice" role="status"><p>A new version of Backend Playground is ready.</p><button class="button" type="button" id="update-reload">Reload</button><button class="text-button" type="button" id="update-later">Later</button></div>"#,
    );
    browser::on_click("update-reload", || {
        if let Some(w) = WAITING.with(|w| w.borrow().clone()) {
            ASKED.with(|a| a.set(true));
            let _ = w.post_message(&JsValue::from_str("skip-waiting"));
        }
    });
    browser::on_click("update-later", || show(false));
}

/// Shows the notice when `worker` is a new version's, installed while an
/// older version controls this page.
fn offer(worker: web_sys::ServiceWorker) {
    let controlled = container().is_some_and(|c| c.controller().is_some());
    if controlled && worker.state() == web_sys::ServiceWorkerState::Installed {
        WAITING.with(|w| *w.borrow_mut() = Some(worker));
        show(true);
    }
}

/// Follows a registration: a worker already waiting, or one found later.
fn follow(reg: web_sys::ServiceWorkerRegistration) {
    if let Some(w) = reg.waiting() {
        offer(w);
    }
    let r = reg.clone();
    browser::listen(&reg, "updatefound", move |_| {
        if let Some(w) = r.installing() {
            let watched = w.clone();
            browser::listen(&w, "statechange", move |_| offer(watched.clone()));
        }
    });
}

/// Registers the site's service worker.
pub fn start() {
    let Some(c) = container() else {
        return;
    };
    let root = route::root();
    let options = web_sys::RegistrationOptions::new();
    options.set_scope(if root.is_empty() { "./" } else { &root });
    let promise = c.register_with_options(&format!("{root}sw.js"), &options);
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(reg) = wasm_bindgen_futures::JsFuture::from(promise).await {
            if let Ok(reg) = reg.dyn_into::<web_sys::ServiceWorkerRegistration>() {
                follow(reg);
            }
        }
    });
    // Once the new worker has taken over (after "Reload"), load the page
    // again from it.
    browser::listen(&c, "controllerchange", |_| {
        if ASKED.with(Cell::get) {
            browser::reload();
        }
    });
}
