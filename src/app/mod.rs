//! The Leptos components: the shell, the router and the pages.
//!
//! Data flows one way: the URL is parsed into a [`Route`], the route picks
//! the page, and user input changes the URL through [`Router::go`].

mod breaker;
mod browser;
mod cache;
mod drill;
mod fields;
mod html;
mod isolation;
mod live;
mod nav;
mod nplus1;
mod pages;
mod player;
mod search;
mod share;
mod theme;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::content;
use crate::route::{self, Parsed, Route};

/// The app's navigation state, shared through context.
#[derive(Clone, Copy)]
pub struct Router {
    /// The page shown.
    pub route: ReadSignal<Route>,
    set_route: WriteSignal<Route>,
    /// The decoded parameters of the page's visualization, as the URL gave
    /// them; set again whenever the URL changes from outside the
    /// visualization (a link, Back, Forward).
    pub params: RwSignal<Vec<(String, String)>>,
    /// Parameters of the URL that were not understood.
    pub ignored: RwSignal<Vec<String>>,
    /// Whether the topic menu is open (phones).
    pub menu_open: RwSignal<bool>,
    /// Set once the user has navigated inside the app, so that focus moves
    /// to the new page's heading (but not on the first load).
    navigated: RwSignal<bool>,
}

impl Router {
    fn from_location() -> Self {
        let parsed = route::parse(&browser::query());
        let (route, set_route) = signal(parsed.route);
        Router {
            route,
            set_route,
            params: RwSignal::new(parsed.params),
            ignored: RwSignal::new(parsed.ignored),
            menu_open: RwSignal::new(false),
            navigated: RwSignal::new(false),
        }
    }

    /// Opens a parsed URL with an optional in-page anchor, adding a history
    /// entry.
    pub fn go(&self, parsed: Parsed, anchor: Option<&str>) {
        let Parsed {
            route,
            params,
            ignored,
        } = parsed;
        let mut url = match route {
            Route::Topic(slug) if !params.is_empty() => route::topic_query(slug, &params),
            _ => route::to_query(&route),
        };
        if url.is_empty() {
            url = browser::path();
        }
        if let Some(a) = anchor.filter(|a| !a.is_empty()) {
            url.push('#');
            url.push_str(a);
        }
        browser::push(&url);
        self.ignored.set(ignored);
        self.params.set(params);
        self.menu_open.set(false);
        self.show(route);
    }

    /// Re-reads the URL after the browser moved in its history.
    fn sync(&self) {
        let parsed = route::parse(&browser::query());
        self.ignored.set(parsed.ignored);
        self.params.set(parsed.params);
        self.menu_open.set(false);
        self.show(parsed.route);
    }

    /// Shows `route`. The same page stays as it is (only an anchor moved):
    /// scroll to the anchor rather than build the page again.
    fn show(&self, route: Route) {
        if self.route.get_untracked() == route {
            scroll_to_anchor_or_top();
        } else {
            self.navigated.set(true);
            self.set_route.set(route);
        }
    }
}

/// Returns the router from context.
pub fn use_router() -> Router {
    expect_context::<Router>()
}

/// Turns the `href` of a link inside the app into a parsed URL and an
/// anchor, or `None` for links the browser should follow itself.
fn internal_target(href: &str) -> Option<(Parsed, Option<String>)> {
    if let Some(rest) = href
        .strip_prefix("./")
        .or(if href == "." { Some("") } else { None })
    {
        let home = route::parse("");
        return match rest.strip_prefix('#') {
            Some(anchor) => Some((home, Some(anchor.to_string()))),
            None if rest.is_empty() => Some((home, None)),
            None => None,
        };
    }
    let rest = href.strip_prefix('?')?;
    let (query, anchor) = match rest.split_once('#') {
        Some((q, a)) => (q, Some(a.to_string())),
        None => (rest, None),
    };
    Some((route::parse(query), anchor))
}

/// Follows clicks on in-app links without reloading the page.
fn intercept_link_clicks(router: Router) {
    let handle = window_event_listener(leptos::ev::click, move |ev| {
        if ev.default_prevented()
            || ev.button() != 0
            || ev.ctrl_key()
            || ev.meta_key()
            || ev.shift_key()
            || ev.alt_key()
        {
            return;
        }
        let Some(anchor) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("a[href]").ok().flatten())
        else {
            return;
        };
        if anchor.has_attribute("target") || anchor.has_attribute("download") {
            return;
        }
        let href = anchor.get_attribute("href").unwrap_or_default();
        if let Some((parsed, hash)) = internal_target(&href) {
            ev.prevent_default();
            router.go(parsed, hash.as_deref());
        }
    });
    // The listener lives as long as the page.
    std::mem::forget(handle);
}

/// Scrolls to the element the URL's fragment names, if there is one on the
/// page; says whether it did.
fn scroll_to_anchor() -> bool {
    let hash = browser::hash();
    match (!hash.is_empty())
        .then(|| browser::element(&hash))
        .flatten()
    {
        Some(el) => {
            el.scroll_into_view();
            true
        }
        None => false,
    }
}

/// Scrolls to the element the URL's fragment names, or to the top.
fn scroll_to_anchor_or_top() {
    if !scroll_to_anchor() {
        browser::scroll_to_top();
    }
}

/// After each page change: set the title, then scroll to the anchor named in
/// the URL or to the top, and after in-app navigation move focus to the new
/// page's heading so that screen readers announce it.
fn follow_page_changes(router: Router) {
    Effect::new(move |_| {
        let route = router.route.get();
        let title = match &route {
            Route::Home => "Backend Playground: senior backend interview cheat sheet".to_string(),
            Route::Topic(slug) => match content::topic(slug) {
                Some(t) => format!("{} | Backend Playground", t.title),
                None => "Backend Playground".to_string(),
            },
            Route::NotFound(_) => "Topic not found | Backend Playground".to_string(),
            Route::Sheet => "The whole sheet | Backend Playground".to_string(),
            Route::Drill => "Drill | Backend Playground".to_string(),
        };
        browser::set_title(&title);
        let navigated = router.navigated.get_untracked();
        request_animation_frame(move || {
            let hash = browser::hash();
            let target = if hash.is_empty() {
                None
            } else {
                browser::element(&hash)
            };
            match target {
                Some(el) => el.scroll_into_view(),
                None => browser::scroll_to_top(),
            }
            if navigated {
                if let Some(h) = browser::element("page-title")
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let opts = web_sys::FocusOptions::new();
                    opts.set_prevent_scroll(true);
                    let _ = h.focus_with_options(&opts);
                }
            }
        });
    });
}

/// Moves focus to the main content (the skip link), without touching the URL.
fn skip_to_content(ev: leptos::ev::MouseEvent) {
    if let Some(main) =
        browser::element("main").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        ev.prevent_default();
        let _ = main.focus();
    }
}

/// Opens or closes the topic menu (phones). Opening moves focus into the
/// menu, to the link of the current page, so keyboard users land in it.
fn toggle_menu(router: Router) {
    let open = !router.menu_open.get_untracked();
    router.menu_open.set(open);
    if open {
        request_animation_frame(|| {
            let target = browser::element("topic-nav").and_then(|nav| {
                nav.query_selector("a[aria-current]")
                    .ok()
                    .flatten()
                    .or_else(|| nav.query_selector("a").ok().flatten())
            });
            if let Some(el) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = el.focus();
            }
        });
    }
}

/// The whole app: header, topic navigation and the page.
#[component]
pub fn App() -> impl IntoView {
    let router = Router::from_location();
    provide_context(router);
    search::provide();
    intercept_link_clicks(router);
    follow_page_changes(router);
    let pop = window_event_listener(leptos::ev::popstate, move |_| router.sync());
    std::mem::forget(pop);
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

    view! {
        <a class="skip-link" href="#main" on:click=skip_to_content>"Skip to content"</a>
        <header class="site-header">
            <button
                id="menu-button"
                class="icon-button menu-button"
                aria-controls="topic-nav"
                aria-expanded=move || if router.menu_open.get() { "true" } else { "false" }
                on:click=move |_| toggle_menu(router)
            >
                <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22">
                    <path d="M3 6h18M3 12h18M3 18h18" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>
                </svg>
                <span>"Topics"</span>
            </button>
            <a class="brand" href="./">
                <svg aria-hidden="true" viewBox="0 0 32 32" width="26" height="26" class="logo">
                    <rect x="3" y="5" width="26" height="6" rx="2"/>
                    <rect x="3" y="13" width="26" height="6" rx="2"/>
                    <rect x="3" y="21" width="26" height="6" rx="2"/>
                    <circle cx="8" cy="8" r="1.4" class="led"/>
                    <circle cx="8" cy="16" r="1.4" class="led"/>
                    <circle cx="8" cy="24" r="1.4" class="led"/>
                </svg>
                <span>"Backend Playground"</span>
            </a>
            <search::SearchButton/>
            <theme::ThemeToggle/>
        </header>
        <div class="shell">
            <nav::TopicNav/>
            <div
                class="backdrop"
                class:visible=move || router.menu_open.get()
                on:click=move |_| router.menu_open.set(false)
            ></div>
            <main id="main" tabindex="-1">
                <pages::Notice/>
                {move || match router.route.get() {
                    Route::Home => view! { <pages::Home/> }.into_any(),
                    Route::Topic(slug) => view! { <pages::TopicPage slug=slug/> }.into_any(),
                    Route::NotFound(slug) => view! { <pages::NotFound slug=slug/> }.into_any(),
                    Route::Sheet => view! { <pages::Sheet/> }.into_any(),
                    Route::Drill => view! { <drill::DrillPage/> }.into_any(),
                }}
            </main>
        </div>
        <search::SearchDialog/>
        <footer class="site-footer">
            <p>"Backend Playground: a senior backend interview cheat sheet with live simulations. Runs entirely in your browser."</p>
        </footer>
    }
}

/// Mounts the app in place of the static loading shell of `index.html`.
pub fn start() {
    let host = browser::element("app").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    match host {
        Some(el) => {
            el.set_inner_html("");
            leptos::mount::mount_to(el, App).forget();
        }
        None => leptos::mount::mount_to_body(App),
    }
    if let Some(root) = browser::root() {
        let _ = root.set_attribute("data-ready", "");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_app_links_are_recognised() {
        let first = content::TOPICS[0].slug;
        let target = |href: &str| internal_target(href).map(|(p, a)| (p.route, a));
        assert_eq!(target("./"), Some((Route::Home, None)));
        assert_eq!(
            target("./#sec-a"),
            Some((Route::Home, Some("sec-a".to_string())))
        );
        assert_eq!(target("./other.html"), None);
        assert_eq!(
            target(&format!("?topic={first}#x")),
            Some((Route::Topic(first), Some("x".to_string())))
        );
        assert_eq!(
            target("?topic=nope"),
            Some((Route::NotFound("nope".to_string()), None))
        );
        assert_eq!(target("https://example.com/"), None);
        assert_eq!(target("#heading"), None);
        // A link to a visualization keeps its parameters.
        let (parsed, _) = internal_target("?topic=n-plus-one&n=5&step=2").expect("in-app link");
        assert_eq!(
            parsed.params,
            vec![
                ("n".to_string(), "5".to_string()),
                ("step".to_string(), "2".to_string())
            ]
        );
    }
}
