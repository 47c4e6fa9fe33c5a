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
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    if let Some(q) = dark_query() {
        let callback = Closure::<dyn Fn()>::new(f);
        let _ = q.add_event_listener_with_callback("change", callback.as_ref().unchecked_ref());
        callback.forget();
    }
}

/// The document's root element (`<html>`).
pub fn root() -> Option<web_sys::Element> {
    window()?.document()?.document_element()
}

/// Sets the document title.
pub fn set_title(title: &str) {
    if let Some(d) = window().and_then(|w| w.document()) {
        d.set_title(title);
    }
}

/// Finds an element by id.
pub fn element(id: &str) -> Option<web_sys::Element> {
    window()?.document()?.get_element_by_id(id)
}

/// Scrolls the page to the top.
pub fn scroll_to_top() {
    if let Some(w) = window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
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
    options.set_type("text/plain");
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
