//! The drill page: a question, think, reveal the answer, mark "knew it" or
//! "didn't". Progress and per-section scores are kept in local storage;
//! progress can be exported to a file and imported again.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::browser;
use super::html::escape;
use crate::content::{DRILL_INDEX, SECTIONS};
use crate::drill::{
    card_html, parse_cards, section_options, Card, Order, Progress, ReadError, Shown,
};

/// The local storage key of the progress.
const KEY: &str = "bp-drill";

#[derive(Clone)]
enum Load {
    Loading,
    Ready(Arc<Vec<Card>>),
    Failed(String),
}

/// The name an export is saved under.
const EXPORT_NAME: &str = "backend-playground-progress.json";

/// The files the import offers: exports of this version (JSON) and of the
/// first (text).
const IMPORT_ACCEPT: &str = ".json,.txt,application/json,text/plain";

/// Reads the stored progress; a corrupt value is set aside with a notice.
fn stored_progress() -> (Progress, Option<String>) {
    let Some(text) = browser::load(KEY) else {
        return (Progress::default(), None);
    };
    match Progress::parse(&text) {
        Ok((p, 0)) => (p, None),
        Ok((p, n)) => (
            p,
            Some(format!("{n} unreadable entry(ies) of the saved progress were ignored.")),
        ),
        Err(ReadError::NewerVersion(_)) => (
            Progress::default(),
            Some("The saved drill progress was written by a newer version of this site and could not be read here, so the drill starts afresh.".to_string()),
        ),
        Err(ReadError::NotProgress | ReadError::Damaged) => (
            Progress::default(),
            Some("The saved drill progress could not be read, so it was set aside and the drill starts afresh.".to_string()),
        ),
    }
}

/// Why an imported file was refused, as a notice.
fn import_refusal(e: &ReadError) -> String {
    let why = match e {
        ReadError::NotProgress => "That file is not a drill progress file".to_string(),
        ReadError::NewerVersion(v) => format!(
            "That progress file is of a newer format (version {v}) than this version of the site reads"
        ),
        ReadError::Damaged => {
            "That drill progress file is damaged and could not be read".to_string()
        }
    };
    format!("{why}. Nothing was changed.")
}

fn score_rows(cards: &[Card], progress: &Progress) -> String {
    let mut s = String::new();
    for sc in progress.scores(cards) {
        let pct = (sc.known_share() * 100.0).round() as u32;
        s.push_str(&format!(
            r#"<tr><th scope="row">{}</th><td>{} / {}</td><td>{} / {}</td><td><span class="bar" style="--w:{pct}%"></span>{pct}%</td></tr>"#,
            escape(SECTIONS[sc.section].title),
            sc.seen,
            sc.cards,
            sc.known,
            sc.cards
        ));
    }
    s
}

/// Fetches the drill's cards, then mounts the drill in `host` (where the
/// page shows the first card until then, so nothing moves), and calls
/// `ready` once it is there.
pub fn mount(host: &'static str, ready: fn()) {
    spawn_local(async move {
        let first = match fetch_cards().await {
            Ok(cards) => Load::Ready(cards),
            Err(e) => Load::Failed(e),
        };
        super::mount_in(host, move || view! { <DrillPage first=first/> });
        ready();
    });
}

/// The drill's cards, fetched.
async fn fetch_cards() -> Result<Arc<Vec<Card>>, String> {
    browser::fetch_text(&format!("{}{DRILL_INDEX}", crate::route::root()))
        .await
        .map(|text| Arc::new(parse_cards(&text)))
}

/// The drill page, opened with its cards (or why they could not be had).
#[component]
fn DrillPage(first: Load) -> impl IntoView {
    let cards = RwSignal::new(first);
    let (progress0, notice0) = stored_progress();
    let progress = RwSignal::new(progress0);
    let notice = RwSignal::new(notice0);
    let order = RwSignal::new(Order::Reading);
    let section = RwSignal::new(None::<usize>);
    let position = RwSignal::new(0usize);
    let revealed = RwSignal::new(false);

    let fetch = move || {
        cards.set(Load::Loading);
        spawn_local(async move {
            let next = match fetch_cards().await {
                Ok(all) => Load::Ready(all),
                Err(e) => Load::Failed(e),
            };
            let _ = cards.try_set(next);
        });
    };

    // The questions in play, in order (indices into the cards).
    let queue = Memo::new(move |_| match cards.get() {
        Load::Ready(all) => {
            let section = section.get();
            progress
                .with(|p| p.order(&all, order.get()))
                .into_iter()
                .filter(|&i| section.is_none_or(|s| all[i].section == s))
                .collect::<Vec<usize>>()
        }
        _ => Vec::new(),
    });
    let current = move || {
        let Load::Ready(all) = cards.get() else {
            return None;
        };
        let q = queue.get();
        if q.is_empty() {
            return None;
        }
        let i = q[position.get() % q.len()];
        Some(all[i].clone())
    };
    let save = move || browser::store(KEY, &progress.with_untracked(Progress::serialize));
    let mark = move |knew: bool| {
        let Some(card) = current() else {
            return;
        };
        progress.update(|p| p.mark(&card.id, knew));
        save();
        revealed.set(false);
        // The order may change with the mark (weakest first); move on by
        // position, which always shows the next card in the new order.
        position.update(|p| *p += 1);
    };
    let reveal = move || revealed.set(true);

    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.default_prevented() {
            return;
        }
        let typing = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| {
                matches!(
                    el.tag_name().as_str(),
                    "INPUT" | "SELECT" | "TEXTAREA" | "BUTTON" | "A" | "SUMMARY"
                )
            });
        if typing {
            return;
        }
        match ev.key().as_str() {
            " " if !revealed.get_untracked() => reveal(),
            "k" | "K" | "1" if revealed.get_untracked() => mark(true),
            "d" | "D" | "2" if revealed.get_untracked() => mark(false),
            _ => return,
        }
        ev.prevent_default();
    });
    on_cleanup(move || keys.remove());

    let export = move |_| {
        let text = progress.with_untracked(Progress::serialize);
        if browser::download(EXPORT_NAME, &text).is_err() {
            notice.set(Some("The browser did not allow the download.".to_string()));
        }
    };
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        spawn_local(async move {
            let Ok(text) = browser::file_text(&file).await else {
                let _ = notice.try_set(Some("The file could not be read.".to_string()));
                return;
            };
            match Progress::parse(&text) {
                Ok((p, skipped)) => {
                    let foreign = match cards.get_untracked() {
                        Load::Ready(all) => p.foreign(&all),
                        _ => 0,
                    };
                    let _ = progress.try_set(p);
                    save();
                    let mut msg = "Progress imported.".to_string();
                    if skipped > 0 {
                        msg.push_str(&format!(" {skipped} unreadable entry(ies) were skipped."));
                    }
                    if foreign > 0 {
                        msg.push_str(&format!(" {foreign} entry(ies) name questions this version does not have and are kept but not shown."));
                    }
                    let _ = notice.try_set(Some(msg));
                }
                Err(e) => {
                    let _ = notice.try_set(Some(import_refusal(&e)));
                }
            }
        });
    };
    let confirm_reset = RwSignal::new(false);
    let reset = move |_| {
        if confirm_reset.get_untracked() {
            progress.set(Progress::default());
            save();
            confirm_reset.set(false);
            notice.set(Some("Progress cleared.".to_string()));
        } else {
            confirm_reset.set(true);
        }
    };

    let section_options = move || match cards.get() {
        Load::Ready(all) => section_options(&all),
        _ => section_options(&[]),
    };
    let card_area = move || match cards.get() {
        Load::Loading => card_html(Shown::Loading),
        Load::Failed(e) => card_html(Shown::Failed(&e)),
        Load::Ready(all) => {
            let q = queue.get();
            if q.is_empty() {
                return card_html(Shown::Empty);
            }
            let at = position.get() % q.len();
            let card = &all[q[at]];
            card_html(Shown::Card {
                card,
                number: at + 1,
                total: q.len(),
                record: progress.with(|p| p.record(&card.id)),
                revealed: revealed.get(),
            })
        }
    };
    let on_area_click = move |ev: leptos::ev::MouseEvent| {
        let act = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("[data-act]").ok().flatten())
            .and_then(|el| el.get_attribute("data-act"));
        match act.as_deref() {
            Some("reveal") => reveal(),
            Some("knew") => mark(true),
            Some("didnt") => mark(false),
            Some("retry") => fetch(),
            _ => {}
        }
    };

    let scores = move || match cards.get() {
        Load::Ready(all) => progress.with(|p| score_rows(&all, p)),
        _ => String::new(),
    };

    view! {
        <div class="drill-live">
            {move || notice.get().map(|n| view! {
                <div class="notice" role="status">
                    <p>{n}</p>
                    <button class="text-button" type="button" on:click=move |_| notice.set(None)>"Dismiss"</button>
                </div>
            })}
            <div class="drill-controls">
                <label class="field">
                    <span>"Order"</span>
                    <select id="drill-order" on:change=move |ev| {
                        order.set(if event_target_value(&ev) == "weakest" { Order::WeakestFirst } else { Order::Reading });
                        position.set(0);
                        revealed.set(false);
                    }>
                        <option value="reading">"As the sheet reads"</option>
                        <option value="weakest">"Weakest topics first"</option>
                    </select>
                </label>
                <label class="field">
                    <span>"Questions"</span>
                    <select id="drill-section" on:change=move |ev| {
                        section.set(event_target_value(&ev).parse::<usize>().ok());
                        position.set(0);
                        revealed.set(false);
                    } inner_html=section_options>
                    </select>
                </label>
            </div>
            <div class="drill-area" aria-live="polite" inner_html=card_area on:click=on_area_click></div>
            <p class="keys-hint">
                <kbd>"Space"</kbd> " shows the answer, " <kbd>"K"</kbd> " knew it, " <kbd>"D"</kbd> " didn't."
            </p>
            <section class="drill-scores" aria-labelledby="drill-scores-title">
                <h2 id="drill-scores-title">"Your scores by section"</h2>
                <div class="table-wrap">
                    <table>
                        <thead><tr><th scope="col">"Section"</th><th scope="col">"Seen"</th><th scope="col">"Known"</th><th scope="col">"Share known"</th></tr></thead>
                        <tbody inner_html=scores></tbody>
                    </table>
                </div>
                <div class="drill-files">
                    <button class="text-button" type="button" on:click=export>"Export progress"</button>
                    <label class="text-button file-button">
                        "Import progress"
                        <input id="drill-import" type="file" accept=IMPORT_ACCEPT on:change=import/>
                    </label>
                    <button class="text-button" type="button" on:click=reset>
                        {move || if confirm_reset.get() { "Click again to clear all progress" } else { "Clear progress" }}
                    </button>
                </div>
            </section>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_import_says_why_and_that_nothing_changed() {
        let not = import_refusal(&ReadError::NotProgress);
        assert!(not.contains("not a drill progress file"), "{not}");
        let newer = import_refusal(&ReadError::NewerVersion(3));
        assert!(
            newer.contains("newer") && newer.contains("version 3"),
            "{newer}"
        );
        let damaged = import_refusal(&ReadError::Damaged);
        assert!(damaged.contains("damaged"), "{damaged}");
        for m in [not, newer, damaged] {
            assert!(m.ends_with(". Nothing was changed."), "{m}");
        }
        assert!(EXPORT_NAME.ends_with(".json"));
        assert!(IMPORT_ACCEPT.contains(".json") && IMPORT_ACCEPT.contains(".txt"));
    }

    #[test]
    fn the_card_shows_the_answer_and_marks_only_once_revealed() {
        let t = crate::content::TOPICS[0];
        let card = Card {
            id: t.slug.to_string(),
            section: t.section,
            slug: t.slug,
            question: "Why <this>?".to_string(),
            answer_html: "<p>Because.</p>".to_string(),
        };
        let shown = |revealed| {
            card_html(Shown::Card {
                card: &card,
                number: 2,
                total: 9,
                record: crate::drill::Record::default(),
                revealed,
            })
        };
        let hidden = shown(false);
        assert!(hidden.contains("Question 2 of 9"));
        assert!(hidden.contains("Why &lt;this&gt;?"));
        assert!(hidden.contains(r#"data-act="reveal""#));
        assert!(!hidden.contains("Because."));
        let open = shown(true);
        assert!(open.contains("<p>Because.</p>"));
        assert!(open.contains(r#"data-act="knew""#) && open.contains(r#"data-act="didnt""#));
        assert!(open.contains(&format!("href=\"topics/{}/\"", t.slug)));
        assert!(card_html(Shown::Failed("the server answered 503")).contains(r#"data-act="retry""#));
    }
}
