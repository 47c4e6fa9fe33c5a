//! The pages: home (the whole sheet at a glance), a topic, and not-found.

use std::cell::RefCell;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{browser, use_router};
use crate::content::{self, Topic, OVERVIEW_HTML, SECTIONS, TOPICS};
use crate::route::topic_href;

/// The loading state of a topic's text.
#[derive(Clone, PartialEq)]
enum Text {
    Loading,
    Ready(String),
    Failed(String),
}

thread_local! {
    /// Topic texts already fetched, by file URL, so that going back and
    /// forth does not fetch again. A few dozen entries at most: a list will do.
    static TEXTS: RefCell<Vec<(&'static str, String)>> = const { RefCell::new(Vec::new()) };
}

/// Fetches a topic's text into `state`, from the cache when it is there.
fn load_text(topic: &'static Topic, state: RwSignal<Text>) {
    let cached = TEXTS.with(|c| {
        c.borrow()
            .iter()
            .find(|(f, _)| *f == topic.file)
            .map(|(_, h)| h.clone())
    });
    if let Some(html) = cached {
        state.set(Text::Ready(html));
        return;
    }
    state.set(Text::Loading);
    spawn_local(async move {
        let result = browser::fetch_text(topic.file).await;
        let next = match result {
            Ok(html) => {
                TEXTS.with(|c| c.borrow_mut().push((topic.file, html.clone())));
                Text::Ready(html)
            }
            Err(e) => Text::Failed(e),
        };
        // The page may have changed while the text was on its way.
        let _ = state.try_set(next);
    });
}

/// A topic's text, fetched when the topic opens, with a visible loading
/// state and a retry on failure.
#[component]
fn TopicText(topic: &'static Topic) -> impl IntoView {
    let state = RwSignal::new(Text::Loading);
    load_text(topic, state);
    // Once the text is in, scroll to the heading the URL names, if any.
    Effect::new(move |_| {
        if matches!(state.get(), Text::Ready(_)) {
            request_animation_frame(|| {
                super::scroll_to_anchor();
            });
        }
    });
    view! {
        <div class="prose-column" aria-busy=move || (state.get() == Text::Loading).to_string()>
            {move || match state.get() {
                Text::Loading => view! { <p class="loading">"Loading the text\u{2026}"</p> }.into_any(),
                Text::Ready(html) => view! { <div class="topic-text" inner_html=html></div> }.into_any(),
                Text::Failed(reason) => view! {
                    <div class="load-error" role="alert">
                        <p>{format!("The text of this topic could not be loaded: {reason}.")}</p>
                        <button class="button" on:click=move |_| load_text(topic, state)>"Try again"</button>
                    </div>
                }.into_any(),
            }}
        </div>
    }
}

/// A notice naming the parts of the URL that were ignored.
#[component]
pub fn Notice() -> impl IntoView {
    let router = use_router();
    move || {
        let ignored = router.ignored.get();
        (!ignored.is_empty()).then(|| {
            let list = ignored.join(", ");
            view! {
                <div class="notice" role="status">
                    <p>
                        "Part of the address was not understood and was ignored: "
                        <code>{list}</code>
                    </p>
                    <button class="text-button" on:click=move |_| router.ignored.set(Vec::new())>
                        "Dismiss"
                    </button>
                </div>
            }
        })
    }
}

fn topic_link(t: &'static Topic) -> impl IntoView {
    view! { <a href=topic_href(t.slug)>{t.title}</a> }
}

/// The home page: every section and topic with its summary.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <div class="home">
            <h1 id="page-title" tabindex="-1">"The senior backend interview, at a glance"</h1>
            <p class="lead">
                {format!(
                    "{} topics in {} sections: the questions senior backend interviews ask, the answers that hold up in production, and the places where the popular answer is wrong.",
                    TOPICS.len(),
                    SECTIONS.len()
                )}
            </p>
            <div inner_html=OVERVIEW_HTML></div>
            <p class="sheet-link">
                <a href="?sheet">"The whole sheet on one page"</a>
                ": every topic in reading order, ready to print."
            </p>
            <p class="sheet-link">
                <a href="?drill">"Drill yourself"</a>
                ": a question per topic and every question of the three banks, with your scores by section."
            </p>
        </div>
    }
}

/// Every topic's text on one page, section by section, for printing: each
/// section starts a new printed page.
#[component]
pub fn Sheet() -> impl IntoView {
    let sections = SECTIONS
        .iter()
        .enumerate()
        .filter_map(|(i, sec)| {
            let topics: Vec<&'static Topic> = TOPICS.iter().filter(|t| t.section == i).collect();
            (!topics.is_empty()).then(|| {
                let articles = topics
                    .into_iter()
                    .map(|t| {
                        view! {
                            <article class="sheet-topic" id=format!("sheet-{}", t.slug)>
                                <h3><a href=topic_href(t.slug)>{t.title}</a></h3>
                                <TopicText topic=t/>
                            </article>
                        }
                    })
                    .collect_view();
                view! {
                    <section class="sheet-section" aria-labelledby=format!("sheet-sec-{}", sec.id)>
                        <h2 id=format!("sheet-sec-{}", sec.id)>{sec.title}</h2>
                        {articles}
                    </section>
                }
            })
        })
        .collect_view();
    view! {
        <div class="sheet">
            <h1 id="page-title" tabindex="-1">"The whole sheet"</h1>
            <p class="lead no-print">
                "Every topic in reading order. Printing this page gives one document, a section per page, without the navigation and the live controls."
            </p>
            <p class="no-print">
                <button class="button" type="button" on:click=|_| browser::print()>"Print"</button>
            </p>
            {sections}
        </div>
    }
}

/// A topic page: its text, with the live visualization beside it (below it
/// on narrow screens) when the topic has one.
#[component]
pub fn TopicPage(slug: &'static str) -> impl IntoView {
    let Some(topic) = content::topic(slug) else {
        return view! { <NotFound slug=slug.to_string()/> }.into_any();
    };
    let section = content::section_of(topic);
    let (prev, next) = content::neighbours(slug);
    let related = topic
        .related
        .iter()
        .filter_map(|s| content::topic(s))
        .map(|t| view! { <li>{topic_link(t)}</li> })
        .collect_view();
    view! {
        <article class="topic" class:has-viz=topic.visualization.is_some()>
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <a href="./">"Overview"</a>
                <span aria-hidden="true">" / "</span>
                <a href=format!("./#sec-{}", section.id)>{section.title}</a>
            </nav>
            <h1 id="page-title" tabindex="-1">{topic.title}</h1>
            <p class="lead">{topic.summary}</p>
            <div class="topic-layout">
                <TopicText topic=topic/>
                {topic.visualization.map(|v| view! {
                    <aside class="viz" id="viz" aria-labelledby="viz-title" data-viz=v>
                        {visualization(v, slug)}
                    </aside>
                })}
            </div>
            {(!topic.related.is_empty()).then(|| view! {
                <nav class="related" aria-label="Related topics">
                    <h2>"Related topics"</h2>
                    <ul>{related}</ul>
                </nav>
            })}
            <nav class="pager" aria-label="Previous and next topic">
                {prev.map(|t| view! {
                    <a class="prev" href=topic_href(t.slug)>
                        <span class="pager-label">"Previous"</span>
                        <span>{t.title}</span>
                    </a>
                })}
                {next.map(|t| view! {
                    <a class="next" href=topic_href(t.slug)>
                        <span class="pager-label">"Next"</span>
                        <span>{t.title}</span>
                    </a>
                })}
            </nav>
        </article>
    }
    .into_any()
}

/// The live visualization called `name` (from the topic's front matter).
fn visualization(name: &'static str, slug: &'static str) -> AnyView {
    match name {
        "n-plus-one" => view! { <super::nplus1::NPlusOneViz slug=slug/> }.into_any(),
        "circuit-breaker" => view! { <super::breaker::BreakerViz slug=slug/> }.into_any(),
        "cache-aside" => view! { <super::cache::CacheViz slug=slug/> }.into_any(),
        "isolation" => view! { <super::isolation::IsolationViz slug=slug/> }.into_any(),
        other => view! {
            <p class="load-error" id="viz-title">{format!("The visualization \u{201c}{other}\u{201d} is not part of this version.")}</p>
        }
        .into_any(),
    }
}

/// Shown for a topic slug that does not exist: says so, offers the way home
/// and lists every topic.
#[component]
pub fn NotFound(slug: String) -> impl IntoView {
    view! {
        <div class="not-found">
            <h1 id="page-title" tabindex="-1">"Topic not found"</h1>
            <p class="lead">
                "There is no topic called " <code>{slug}</code>
                ". The link may be mistyped or out of date."
            </p>
            <p><a class="button" href="./">"Go to the overview"</a></p>
            <h2>"All topics"</h2>
            <div class="all-topics" inner_html=OVERVIEW_HTML></div>
        </div>
    }
}
