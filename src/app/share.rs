//! Permalinks of a visualization: the URL follows its state, and the "Copy
//! link" button copies the permalink of what is on screen and says so.
//! Where the browser has no clipboard access (a page served over plain HTTP
//! from another machine), it shows the link selected, to copy by hand.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::{browser, use_router};

/// Adds what a URL got wrong to the page's notice.
pub fn report(problems: Vec<String>) {
    if !problems.is_empty() {
        use_router().ignored.update(|v| v.extend(problems));
    }
}

/// Reopens a visualization when a link, Back or Forward changes the
/// parameters of its topic while `here` says it is the page shown;
/// `reopen` applies them and returns what was wrong with them. The first
/// parameters are the ones the visualization opened with and are left alone.
pub fn follow_links(
    here: impl Fn() -> bool + Send + Sync + 'static,
    reopen: impl Fn(&[(String, String)]) -> Vec<String> + Send + Sync + 'static,
) {
    let router = use_router();
    Effect::new(move |prev: Option<()>| {
        let pairs = router.params.get();
        if prev.is_some() && here() {
            let problems = reopen(&pairs);
            if !problems.is_empty() {
                router.ignored.update(|v| v.extend(problems));
            }
        }
    });
}

/// Delay before the URL follows the state, so that scrubbing does not flood
/// the browser's history API.
const URL_DELAY: Duration = Duration::from_millis(150);

/// Keeps the address bar on `query` (replacing the history entry, so that
/// stepping and scrubbing add none) a moment after its last change, while
/// `here` says the visualization is still the page shown. The first value is
/// the URL the page opened with and is left alone.
pub fn follow_url(query: Memo<String>, here: impl Fn() -> bool + Copy + Send + Sync + 'static) {
    // Replacing the pending timeout drops, and so cancels, the one before.
    let pending = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    Effect::new(move |prev: Option<()>| {
        let q = query.get();
        if prev.is_none() {
            return;
        }
        let write = move || {
            if here() {
                browser::replace(&q);
            }
        };
        let delay = URL_DELAY.as_millis() as u32;
        let _ = pending.try_set_value(Some(gloo_timers::callback::Timeout::new(delay, write)));
    });
    on_cleanup(move || {
        let _ = pending.try_set_value(None);
    });
}

#[derive(Clone, PartialEq)]
enum Status {
    Idle,
    Copied,
    Manual(String),
}

/// A button that copies the absolute URL of `query` (a query string that
/// starts with `?`).
#[component]
pub fn CopyLink(
    /// The query string of the state to share.
    #[prop(into)]
    query: Signal<String>,
) -> impl IntoView {
    let status = RwSignal::new(Status::Idle);
    let copy = move |_| {
        let url = browser::absolute(&query.get_untracked());
        spawn_local(async move {
            match browser::copy(&url).await {
                Ok(()) => {
                    let _ = status.try_set(Status::Copied);
                    set_timeout(
                        move || {
                            if status.try_get_untracked() == Some(Status::Copied) {
                                let _ = status.try_set(Status::Idle);
                            }
                        },
                        Duration::from_millis(2500),
                    );
                }
                Err(()) => {
                    let _ = status.try_set(Status::Manual(url));
                    request_animation_frame(|| {
                        if let Some(input) = browser::element("copy-link-field")
                            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
                        {
                            let _ = input.focus();
                            input.select();
                        }
                    });
                }
            }
        });
    };
    // The link on screen follows the state while it is shown.
    Effect::new(move |_| {
        let q = query.get();
        if matches!(status.get_untracked(), Status::Manual(_)) {
            status.set(Status::Manual(browser::absolute(&q)));
        }
    });
    view! {
        <div class="copy-link">
            <button class="button" type="button" on:click=copy>
                <svg aria-hidden="true" viewBox="0 0 24 24" width="16" height="16">
                    <path d="M10 14a4 4 0 0 0 6 0l3-3a4 4 0 0 0-6-6l-1 1M14 10a4 4 0 0 0-6 0l-3 3a4 4 0 0 0 6 6l1-1"/>
                </svg>
                "Copy link"
            </button>
            <span class="copy-status" role="status">
                {move || (status.get() == Status::Copied).then_some("Link copied.")}
            </span>
            {move || match status.get() {
                Status::Manual(url) => Some(view! {
                    <div class="copy-manual">
                        <label for="copy-link-field">
                            "The browser did not allow copying. Copy this link with Ctrl+C (\u{2318}C on a Mac):"
                        </label>
                        <div class="copy-manual-row">
                            <input id="copy-link-field" type="text" readonly prop:value=url/>
                            <button class="text-button" type="button" on:click=move |_| status.set(Status::Idle)>
                                "Close"
                            </button>
                        </div>
                    </div>
                }),
                _ => None,
            }}
        </div>
    }
}
