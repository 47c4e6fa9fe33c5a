//! The app. Every page arrives pre-rendered (its text, navigation, header
//! and search dialog are in the HTML the server sends); the app starts on
//! top of it without redrawing any of it: the shell ([`shell`], no
//! framework) gives the page's controls their behaviour, and on a page with
//! a live part (a model, the drill) Leptos mounts that part in the place
//! the page keeps for it.
//!
//! Each page loads one module: the shell ([`start`]) or the shell linked
//! with the page's own live part ([`start_with`] that part), so a page pays
//! only for what it shows.
//!
//! Data flows one way: the URL is parsed into a [`Route`] and parameters,
//! the live part draws them, and user input changes the URL through
//! [`Router::go`] or the parts' own permalinks.

mod breaker;
mod browser;
mod cache;
mod drill;
mod fields;
mod html;
mod isolation;
mod live;
mod nplus1;
mod offline;
mod player;
mod prefetch;
mod ratelimit;
mod retry;
mod search;
mod share;
mod shell;
mod theme;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::route::{self, Parsed, Route};

/// The page's navigation state, shared through context.
#[derive(Clone, Copy)]
pub struct Router {
    /// The page shown (fixed: another page is another document).
    pub route: ReadSignal<Route>,
    /// The decoded parameters of the page's visualization, as the URL gave
    /// them; set again whenever the URL changes from outside the
    /// visualization (a link, Back, Forward).
    pub params: RwSignal<Vec<(String, String)>>,
    /// Parameters of the URL that were not understood.
    pub ignored: RwSignal<Vec<String>>,
}

impl Router {
    fn new(route: Route) -> Self {
        let parsed = route::parse_page(&route, &browser::query());
        Router {
            route: signal(parsed.route).0,
            params: RwSignal::new(parsed.params),
            ignored: RwSignal::new(parsed.ignored),
        }
    }

    /// Opens another state of this page (a query and an optional anchor),
    /// adding a history entry; the visualization follows its parameters.
    pub fn go(&self, query: &str, anchor: &str) {
        let parsed = route::parse_page(&self.route.get_untracked(), query);
        let mut url = route::page_query(&parsed.params);
        if url.is_empty() {
            url = browser::path();
        }
        if !anchor.is_empty() {
            url.push('#');
            url.push_str(anchor);
        }
        browser::push(&url);
        self.take(parsed);
        if !anchor.is_empty() {
            scroll_to_anchor();
        }
    }

    /// Re-reads the URL after the browser moved in its history.
    fn sync(&self) {
        let parsed = route::parse_page(&self.route.get_untracked(), &browser::query());
        self.take(parsed);
    }

    fn take(&self, parsed: Parsed) {
        self.ignored.set(parsed.ignored);
        self.params.set(parsed.params);
        shell::set_menu(false);
    }
}

/// Returns the router from context.
pub fn use_router() -> Router {
    expect_context::<Router>()
}

/// The page this document is, from the attributes the build wrote on
/// `<html>`: `data-page` (`home`, `topic`, `sheet`, `drill`, `not-found`),
/// `data-slug` for a topic, and `data-root`, the way back to the site's root.
fn page() -> Route {
    let Some(html) = browser::root() else {
        return Route::Home;
    };
    route::set_root(&html.get_attribute("data-root").unwrap_or_default());
    let slug = html.get_attribute("data-slug").unwrap_or_default();
    match html.get_attribute("data-page").as_deref() {
        Some("topic") => match crate::content::topic(&slug) {
            Some(t) => Route::Topic(t.slug),
            None => Route::NotFound(slug),
        },
        Some("sheet") => Route::Sheet,
        Some("drill") => Route::Drill,
        Some("not-found") => {
            let asked = route::parse(&browser::query()).route;
            match asked {
                Route::NotFound(s) => Route::NotFound(s),
                _ => Route::NotFound(String::new()),
            }
        }
        _ => Route::Home,
    }
}

/// Follows clicks on links to another state of this page (a preset in the
/// text, a cell of a matrix) without loading the page again; links to other
/// pages load them, as links do.
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
        // A bare fragment scrolls within the page, as the browser does.
        if href.starts_with('#') {
            return;
        }
        if let Some((query, hash)) = browser::same_page(&href) {
            if query.is_empty() {
                return;
            }
            ev.prevent_default();
            router.go(&query, &hash);
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

/// Replaces what the element `id` holds (a placeholder written by the
/// build) with `view`, for the life of the page.
fn mount_in<V: IntoView + 'static>(id: &str, view: impl FnOnce() -> V + 'static) {
    if let Some(host) = browser::element(id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        host.set_inner_html("");
        leptos::mount::mount_to(host, view).forget();
    }
}

/// What a page's own live part mounts, given the page's topic; it says
/// whether it is in place at once, or calls [`shell::ready`] itself once it
/// is.
pub type Part = fn(&Route) -> bool;

/// Starts the shell on a pre-rendered page without a live part.
pub fn start() {
    console_error_panic_hook::set_once();
    let route = page();
    shell::start(&route);
    shell::notice(&route::parse_page(&route, &browser::query()).ignored);
    shell::ready();
}

/// Starts the shell on a pre-rendered page, then the page's own live part
/// (Leptos) in a task of its own, so that the browser can handle input in
/// between.
pub fn start_with(part: Part) {
    console_error_panic_hook::set_once();
    let route = page();
    shell::start(&route);
    gloo_timers::callback::Timeout::new(0, move || {
        // Effects and tasks run on the browser's task queue.
        let _ = any_spawner::Executor::init_wasm_bindgen();
        let owner = Owner::new();
        let in_place = owner.with(|| {
            let router = Router::new(route.clone());
            provide_context(router);
            let in_place = part(&route);
            Effect::new(move |_| shell::notice(&router.ignored.get()));
            intercept_link_clicks(router);
            let pop = window_event_listener(leptos::ev::popstate, move |_| router.sync());
            std::mem::forget(pop);
            in_place
        });
        // The owner holds the part's state for the life of the page.
        std::mem::forget(owner);
        // Ready once the part's later half (drawn a task after) is in too.
        if in_place {
            gloo_timers::callback::Timeout::new(0, shell::ready).forget();
        }
    })
    .forget();
}

/// The live part of the drill page, in place once its cards are in.
pub fn drill_part(_: &Route) -> bool {
    drill::mount("drill-host", shell::ready);
    false
}

/// Runs the model `M` of a topic's visualization from the URL now, and
/// mounts its view `f` in the page's `#viz` panel in the next task (a
/// large link's run and its drawing each get a task of their own, so that
/// the page can handle input in between). Calls [`shell::ready`] once the
/// view and its later half are in.
fn viz_part<M: crate::sim::Model, V: IntoView + 'static>(
    route: &Route,
    f: fn(&'static str) -> V,
) -> bool {
    let Route::Topic(slug) = *route else {
        return true;
    };
    live::prepare::<M>();
    let owner = Owner::current();
    gloo_timers::callback::Timeout::new(0, move || {
        match owner {
            Some(o) => o.with(|| mount_in("viz", move || f(slug))),
            None => mount_in("viz", move || f(slug)),
        }
        gloo_timers::callback::Timeout::new(0, shell::ready).forget();
    })
    .forget();
    false
}

/// The live part of the N+1 topic.
pub fn nplus1_part(route: &Route) -> bool {
    viz_part::<crate::sim::nplus1::Run, _>(route, |slug| view! { <nplus1::NPlusOneViz slug=slug/> })
}

/// The live part of the circuit-breaker topic.
pub fn breaker_part(route: &Route) -> bool {
    viz_part::<crate::sim::breaker::Run, _>(
        route,
        |slug| view! { <breaker::BreakerViz slug=slug/> },
    )
}

/// The live part of the caching topic.
pub fn cache_part(route: &Route) -> bool {
    viz_part::<crate::sim::cache::Run, _>(route, |slug| view! { <cache::CacheViz slug=slug/> })
}

/// The live part of the ACID topic: the isolation lab.
pub fn isolation_part(route: &Route) -> bool {
    viz_part::<crate::sim::isolation::lab::Run, _>(route, |slug| {
        view! { <isolation::IsolationViz slug=slug/> }
    })
}

/// The live part of the API security topic: the rate limiters.
pub fn ratelimit_part(route: &Route) -> bool {
    viz_part::<crate::sim::ratelimit::Run, _>(route, |slug| {
        view! { <ratelimit::RateLimitViz slug=slug/> }
    })
}

/// The live part of the retries topic.
pub fn retry_part(route: &Route) -> bool {
    viz_part::<crate::sim::retry::Run, _>(route, |slug| view! { <retry::RetryViz slug=slug/> })
}
