//! The offline copy: the site's service worker (`sw.js`, written by the
//! build with the list of every page and file) keeps the whole site after
//! one visit. When a new version is deployed, its worker waits until the
//! reader asks for it: the page says a new version is ready, and "Reload"
//! switches to it, so old pages never run with new modules.

use std::cell::RefCell;

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::browser;
use crate::route;

/// Whether a new version's worker is installed and waiting (the notice).
#[derive(Clone, Copy)]
struct Update(RwSignal<bool>);

thread_local! {
    /// The waiting worker of a new version, once there is one.
    static WAITING: RefCell<Option<web_sys::ServiceWorker>> = const { RefCell::new(None) };
}

fn container() -> Option<web_sys::ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    // Absent where service workers are not offered (plain HTTP from
    // another host, some private modes): the site then works online only.
    let sw = js_sys::Reflect::get(&navigator, &JsValue::from_str("serviceWorker")).ok()?;
    (!sw.is_undefined()).then(|| navigator.service_worker())
}

/// Calls `f` on each event `name` of `target`, for the life of the page.
fn listen(target: &web_sys::EventTarget, name: &str, f: impl Fn() + 'static) {
    let callback = Closure::<dyn Fn()>::new(f);
    let _ = target.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
    callback.forget();
}

/// Shows the notice when `worker` is a new version's, installed while an
/// older version controls this page.
fn offer(update: Update, worker: web_sys::ServiceWorker) {
    let controlled = container().is_some_and(|c| c.controller().is_some());
    if controlled && worker.state() == web_sys::ServiceWorkerState::Installed {
        WAITING.with(|w| *w.borrow_mut() = Some(worker));
        update.0.set(true);
    }
}

/// Follows a registration: a worker already waiting, or one found later.
fn follow(update: Update, reg: web_sys::ServiceWorkerRegistration) {
    if let Some(w) = reg.waiting() {
        offer(update, w);
    }
    let r = reg.clone();
    listen(&reg, "updatefound", move || {
        if let Some(w) = r.installing() {
            let watched = w.clone();
            listen(&w, "statechange", move || offer(update, watched.clone()));
        }
    });
}

/// Registers the site's service worker and mounts the notice.
pub fn start() {
    let Some(c) = container() else {
        return;
    };
    let update = Update(RwSignal::new(false));
    let root = route::root();
    let options = web_sys::RegistrationOptions::new();
    options.set_scope(if root.is_empty() { "./" } else { &root });
    let promise = c.register_with_options(&format!("{root}sw.js"), &options);
    leptos::task::spawn_local(async move {
        if let Ok(reg) = wasm_bindgen_futures::JsFuture::from(promise).await {
            if let Ok(reg) = reg.dyn_into::<web_sys::ServiceWorkerRegistration>() {
                follow(update, reg);
            }
        }
    });
    // Once the new worker has taken over (after "Reload"), load the page
    // again from it.
    let asked = StoredValue::new(false);
    listen(&c, "controllerchange", move || {
        if asked.get_value() {
            browser::reload();
        }
    });
    let reload = move |_| {
        if let Some(w) = WAITING.with(|w| w.borrow().clone()) {
            asked.set_value(true);
            let _ = w.post_message(&JsValue::from_str("skip-waiting"));
        }
    };
    super::mount_in("update-host", move || {
        move || {
            update.0.get().then(|| {
                view! {
                    <div class="update-notice" role="status">
                        <p>"A new version of Backend Playground is ready."</p>
                        <button class="button" type="button" on:click=reload>"Reload"</button>
                        <button class="text-button" type="button" on:click=move |_| update.0.set(false)>
                            "Later"
                        </button>
                    </div>
                }
            })
        }
    });
}
