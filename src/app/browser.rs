//! Thin wrappers over the browser APIs the app uses. Every call tolerates a
//! missing window, document or storage (private modes, sandboxed frames) and
//! degrades to doing nothing rather than failing.

use wasm_bindgen::JsValue;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The current query string, with its leading `?` (or empty).
pub fn query() -> String {
    window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// The current fragment, without its leading `#` (or empty).
pub fn hash() -> String {
    window()
        .and_then(|w| w.location().hash().ok())
        .map(|h| h.trim_start_matches('#').to_string())
        .unwrap_or_default()
}

/// The path of the page, so that URLs stay under whatever sub-path the site
/// is served from.
pub fn path() -> String {
    window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_else(|| "./".to_string())
}

/// Adds a history entry for `url` (relative to the page).
pub fn push(url: &str) {
    if let Some(h) = window().and_then(|w| w.history().ok()) {
        let _ = h.push_state_with_url(&JsValue::NULL, "", Some(url));
    }
}

/// Reads a value from local storage.
pub fn load(key: &str) -> Option<String> {
    window()?.local_storage().ok()??.get_item(key).ok()?
}

/// Writes a value to local storage; silently does nothing where storage is
/// unavailable or full.
pub fn store(key: &str, value: &str) {
    if let Some(s) = window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(key, value);
    }
}

fn dark_query() -> Option<web_sys::MediaQueryList> {
    window()?
        .match_media("(prefers-color-scheme: dark)")
        .ok()
        .flatten()
}

/// Whether the system asks for a dark colour scheme.
pub fn prefers_dark() -> bool {
    dark_query().is_some_and(|m| m.matches())
}

/// Calls `f` whenever the system's colour scheme changes, for the life of
/// the page.
pub fn on_scheme_change(f: impl Fn() + 'static) {
    if let Some(q) = dark_query() {
        listen(&q, "change", move |_| f());
    }
}

/// The document's root element (`<html>`).
pub fn root() -> Option<web_sys::Element> {
    window()?.document()?.document_element()
}

/// Finds an element by id.
pub fn element(id: &str) -> Option<web_sys::Element> {
    window()?.document()?.get_element_by_id(id)
}

/// Fetches a text file relative to the page. The error says what went wrong
/// in words a reader can act on.
pub async fn fetch_text(url: &str) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let w = window().ok_or_else(|| "no browser window".to_string())?;
    let response = JsFuture::from(w.fetch_with_str(url)).await.map_err(|_| {
        "the network request failed (offline, or the site is unreachable)".to_string()
    })?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "the browser returned something other than a response".to_string())?;
    if !response.ok() {
        return Err(format!(
            "the server answered {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let body = response
        .text()
        .map_err(|_| "the response has no text".to_string())?;
    JsFuture::from(body)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| "the response could not be read".to_string())
}

/// Replaces the current history entry's URL (relative to the page), keeping
/// the entry count: for state that changes often, like the player's step.
pub fn replace(url: &str) {
    if let Some(h) = window().and_then(|w| w.history().ok()) {
        let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(url));
    }
}

/// The absolute URL of this page with `query` (which starts with `?`) and
/// the current fragment.
pub fn absolute(query: &str) -> String {
    let Some(loc) = window().map(|w| w.location()) else {
        return query.to_string();
    };
    let origin = loc.origin().unwrap_or_default();
    let path = loc.pathname().unwrap_or_default();
    let hash = loc.hash().unwrap_or_default();
    format!("{origin}{path}{query}{hash}")
}

/// Copies `text` to the clipboard. Fails where the Clipboard API is missing
/// (pages served over plain HTTP from another host) or refused.
pub async fn copy(text: &str) -> Result<(), ()> {
    use wasm_bindgen_futures::JsFuture;
    let navigator = window().ok_or(())?.navigator();
    // The getter gives `undefined` outside secure contexts; calling a method
    // on it would throw.
    let clipboard = navigator.clipboard();
    if JsValue::from(clipboard.clone()).is_undefined() {
        return Err(());
    }
    JsFuture::from(clipboard.write_text(text))
        .await
        .map(|_| ())
        .map_err(|_| ())
}

/// Opens the browser's print dialog.
pub fn print() {
    if let Some(w) = window() {
        let _ = w.print();
    }
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str) -> Result<(), ()> {
    use wasm_bindgen::JsCast;
    let document = window().and_then(|w| w.document()).ok_or(())?;
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(if name.ends_with(".json") {
        "application/json"
    } else {
        "text/plain"
    });
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|_| ())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| ())?;
    let a = document
        .create_element("a")
        .map_err(|_| ())?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| ())?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Reads a file the user picked as text.
pub async fn file_text(file: &web_sys::File) -> Result<String, ()> {
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .ok()
        .and_then(|v| v.as_string())
        .ok_or(())
}

/// Calls `f` on every click of the element `id`, for the life of the page;
/// does nothing if the page has no such element.
pub fn on_click(id: &str, f: impl Fn() + 'static) {
    if let Some(el) = element(id) {
        listen(&el, "click", move |_| f());
    }
}

/// Opens `url` (relative to the page), as following a link does.
pub fn assign(url: &str) {
    if let Some(w) = window() {
        let _ = w.location().assign(url);
    }
}

/// For a link to this very page (the same path, whatever its query and
/// fragment), its query (with `?`, or empty) and its fragment (without
/// `#`); `None` for a link to any other page.
pub fn same_page(href: &str) -> Option<(String, String)> {
    let here = window()?.location().href().ok()?;
    let target = web_sys::Url::new_with_base(href, &here).ok()?;
    let current = web_sys::Url::new(&here).ok()?;
    (target.origin() == current.origin() && target.pathname() == current.pathname()).then(|| {
        (
            target.search(),
            target.hash().trim_start_matches('#').to_string(),
        )
    })
}

/// Like [`on_click`], and keeps the browser from following the click.
pub fn on_click_prevent(id: &str, f: impl Fn() + 'static) {
    if let Some(el) = element(id) {
        listen(&el, "click", move |ev| {
            ev.prevent_default();
            f();
        });
    }
}

/// Adds or removes the class `class` of the element `id`.
pub fn set_class(id: &str, class: &str, on: bool) {
    if let Some(el) = element(id) {
        let list = el.class_list();
        let _ = if on {
            list.add_1(class)
        } else {
            list.remove_1(class)
        };
    }
}

/// Writes the page's canonical link as an absolute URL (the build cannot
/// know the address the site is served from).
pub fn absolute_canonical() {
    use wasm_bindgen::JsCast;
    let Some(link) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("link[rel=canonical]").ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlLinkElement>().ok())
    else {
        return;
    };
    let absolute = link.href();
    if !absolute.is_empty() {
        link.set_href(&absolute);
    }
}

/// The page's address.
pub fn href() -> String {
    window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

/// An attribute of `<html>`, or `None`.
pub fn html_attribute(name: &str) -> Option<String> {
    root()?.get_attribute(name)
}

/// Adds `<link rel=REL href=HREF>` to the head (a prefetch hint).
pub fn add_head_link(rel: &str, href: &str) {
    let Some(d) = window().and_then(|w| w.document()) else {
        return;
    };
    let (Some(head), Ok(link)) = (d.head(), d.create_element("link")) else {
        return;
    };
    let _ = link.set_attribute("rel", rel);
    let _ = link.set_attribute("href", href);
    if href.ends_with(".wasm") {
        // As the module's own fetch asks for it, so the copy is reused.
        let _ = link.set_attribute("crossorigin", "");
    }
    let _ = head.append_child(&link);
}

/// The `href` attributes of the elements `selector` matches.
pub fn hrefs(selector: &str) -> Vec<String> {
    use wasm_bindgen::JsCast;
    let Some(list) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all(selector).ok())
    else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
        .filter_map(|e| e.get_attribute("href"))
        .collect()
}

/// Calls `f` once the page has loaded and the browser is idle (a second
/// later where there is no idle callback).
pub fn when_idle(f: impl FnOnce() + 'static) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let Some(w) = window() else {
        return;
    };
    let callback = Closure::once_into_js(f);
    let idle = js_sys::Reflect::get(&w, &JsValue::from_str("requestIdleCallback"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let _ = match idle {
        Some(request) => {
            let options = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&options, &"timeout".into(), &JsValue::from(3000));
            request.call2(&w, &callback, &options)
        }
        None => w
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), 1000)
            .map(JsValue::from),
    };
}

/// Loads the page again.
pub fn reload() {
    if let Some(w) = window() {
        let _ = w.location().reload();
    }
}

/// Calls `f` with each event `name` of `target`, for the life of the page.
pub fn listen(target: &web_sys::EventTarget, name: &str, f: impl Fn(web_sys::Event) + 'static) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let callback = Closure::<dyn Fn(web_sys::Event)>::new(f);
    let _ = target.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
    callback.forget();
}

/// Calls `f` once, when `el` comes within 300 px of the viewport (at once
/// where the browser cannot tell).
pub fn when_visible(el: &web_sys::Element, f: impl FnOnce() + 'static) {
    use std::cell::Cell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let f = Rc::new(Cell::new(Some(f)));
    let fire = {
        let f = f.clone();
        move || {
            if let Some(f) = f.take() {
                f();
            }
        }
    };
    let callback = {
        let fire = fire.clone();
        Closure::<dyn FnMut(js_sys::Array, web_sys::IntersectionObserver)>::new(
            move |entries: js_sys::Array, observer: web_sys::IntersectionObserver| {
                let seen = entries.iter().any(|e| {
                    e.dyn_into::<web_sys::IntersectionObserverEntry>()
                        .is_ok_and(|e| e.is_intersecting())
                });
                if seen {
                    observer.disconnect();
                    fire();
                }
            },
        )
    };
    let options = web_sys::IntersectionObserverInit::new();
    options.set_root_margin("300px");
    match web_sys::IntersectionObserver::new_with_options(
        callback.as_ref().unchecked_ref(),
        &options,
    ) {
        Ok(observer) => {
            observer.observe(el);
            callback.forget();
        }
        Err(_) => fire(),
    }
}
