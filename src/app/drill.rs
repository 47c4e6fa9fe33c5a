//! The drill page: a question, think, reveal the answer, mark "knew it" or
//! "didn't". A session asks the cards due today first, then the new ones
//! (the schedule is `crate::drill`'s); progress, the schedule and the
//! counts per section are kept in local storage; progress can be exported
//! to a file and imported again. Today's date comes from the browser's
//! clock through [`today`], the one place that reads it.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::browser;
use super::html::escape;
use crate::content::{DRILL_INDEX, SECTIONS};
use crate::drill::{
    card_html, counts_html, parse_cards, read_import, read_stored, section_choice, section_options,
    Action, Card, Day, Order, Progress, Session, Shown, ORDER_OPTIONS,
};

/// The local storage key of the progress.
const KEY: &str = "bp-drill";

/// Where a stored value that could not be read is moved, so that a later
/// version (or a person) can still recover it; the drill then starts
/// afresh under [`KEY`].
const SET_ASIDE_KEY: &str = "bp-drill-unreadable";

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

/// Today, in the reader's time zone, from the browser's clock.
fn today() -> Day {
    let now = js_sys::Date::new_0();
    Day::from_ymd(
        i32::try_from(now.get_full_year()).unwrap_or(1970),
        now.get_month() + 1,
        now.get_date(),
    )
    .unwrap_or_default()
}

/// Reads the stored progress; a value that does not read is copied aside
/// (see [`SET_ASIDE_KEY`]) and a notice says so.
fn stored_progress() -> (Progress, Option<String>) {
    let raw = browser::load(KEY);
    let (progress, notice) = read_stored(raw.as_deref());
    if let (Some(raw), Some(_)) = (&raw, &notice) {
        if progress == Progress::default() {
            browser::store(SET_ASIDE_KEY, raw);
        }
    }
    (progress, notice)
}

fn score_rows(cards: &[Card], progress: &Progress, today: Day) -> String {
    let mut s = String::new();
    for sc in progress.scores(cards, today) {
        let pct = (sc.known_share() * 100.0).round() as u32;
        s.push_str(&format!(
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td><span class="bar" style="--w:{pct}%"></span>{} / {}</td></tr>"#,
            escape(SECTIONS[sc.section].title),
            sc.due,
            sc.new,
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

/// The drill's state, shared by the parts of its page.
#[derive(Clone, Copy)]
struct Drill {
    /// The cards, or where fetching them is.
    cards: RwSignal<Load>,
    /// The marks and the schedule, kept in local storage.
    progress: RwSignal<Progress>,
    /// The notice shown above the drill, if any.
    notice: RwSignal<Option<String>>,
    /// The order picked.
    order: RwSignal<Order>,
    /// The section picked; `None` for all.
    section: RwSignal<Option<usize>>,
    /// The round of questions under way.
    session: RwSignal<Session>,
    /// Today, as of the last session started or card marked.
    today: RwSignal<Day>,
}

impl Drill {
    /// The drill opened with `first` and the stored progress.
    fn new(first: Load) -> Drill {
        let (progress0, notice0) = stored_progress();
        let drill = Drill {
            cards: RwSignal::new(first),
            progress: RwSignal::new(progress0),
            notice: RwSignal::new(notice0),
            order: RwSignal::new(Order::default()),
            section: RwSignal::new(None::<usize>),
            session: RwSignal::new(Session::default()),
            today: RwSignal::new(today()),
        };
        drill.restart();
        drill
    }

    /// Starts a new session with the order and section picked, as the
    /// progress stands today.
    fn restart(self) {
        let day = today();
        self.today.set(day);
        let session = self.cards.with_untracked(|c| match c {
            Load::Ready(all) => self.progress.with_untracked(|p| {
                Session::start(
                    all,
                    p,
                    self.order.get_untracked(),
                    self.section.get_untracked(),
                    day,
                )
            }),
            _ => Session::default(),
        });
        self.session.set(session);
    }

    /// Fetches the cards again.
    fn fetch(self) {
        self.cards.set(Load::Loading);
        spawn_local(async move {
            let next = match fetch_cards().await {
                Ok(all) => Load::Ready(all),
                Err(e) => Load::Failed(e),
            };
            if self.cards.try_set(next).is_none() {
                self.restart();
            }
        });
    }

    /// Keeps the progress in local storage.
    fn save(self) {
        browser::store(KEY, &self.progress.with_untracked(Progress::serialize));
    }

    /// The id of the card shown, if any.
    fn current_id(self) -> Option<String> {
        let at = self.session.with_untracked(Session::current)?;
        self.cards.with_untracked(|c| match c {
            Load::Ready(all) => all.get(at.card).map(|card| card.id.clone()),
            _ => None,
        })
    }

    /// Does what a key or a button of the card area asks.
    fn act(self, action: Action) {
        match action {
            Action::Reveal => self.session.update(|s| s.revealed = true),
            Action::Knew => self.grade(true),
            Action::Didnt => self.grade(false),
            Action::Retry => self.fetch(),
            Action::Ahead => {
                self.order.set(Order::Reading);
                self.restart();
            }
        }
    }

    /// Marks the card shown and moves on to the next.
    fn grade(self, knew: bool) {
        let Some(id) = self.current_id() else {
            return;
        };
        let day = today();
        self.today.set(day);
        let mut session = self.session.get_untracked();
        self.progress.update(|p| session.grade(p, &id, knew, day));
        self.save();
        self.session.set(session);
    }

    /// Reads an imported progress file and, unless it is refused, puts it
    /// in place of the progress and starts a new session; says what
    /// happened either way.
    fn import(self, file: web_sys::File) {
        let notice = self.notice;
        spawn_local(async move {
            let Ok(text) = browser::file_text(&file).await else {
                let _ = notice.try_set(Some("The file could not be read.".to_string()));
                return;
            };
            let read = self.cards.with_untracked(|c| match c {
                Load::Ready(all) => read_import(&text, Some(all)),
                _ => read_import(&text, None),
            });
            match read {
                Ok((p, msg)) => {
                    if self.progress.try_set(p).is_none() {
                        self.save();
                        self.restart();
                    }
                    let _ = notice.try_set(Some(msg));
                }
                Err(msg) => {
                    let _ = notice.try_set(Some(msg));
                }
            }
        });
    }
}

/// Whether a key went to a control that takes keys itself.
fn typing(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(
                el.tag_name().as_str(),
                "INPUT" | "SELECT" | "TEXTAREA" | "BUTTON" | "A" | "SUMMARY"
            )
        })
}

/// Listens to the drill's keys (Space, K or 1, D or 2) while the page is
/// mounted.
fn listen_keys(drill: Drill) {
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.default_prevented() {
            return;
        }
        if typing(&ev) {
            return;
        }
        let revealed = drill.session.with_untracked(|s| s.revealed);
        let Some(action) = Action::from_key(&ev.key(), revealed) else {
            return;
        };
        drill.act(action);
        ev.prevent_default();
    });
    on_cleanup(move || keys.remove());
}

/// The drill page, opened with its cards (or why they could not be had).
#[component]
fn DrillPage(first: Load) -> impl IntoView {
    let drill = Drill::new(first);
    listen_keys(drill);
    view! {
        <div class="drill-live">
            <DrillNotice drill=drill/>
            <DrillControls drill=drill/>
            <DrillCounts drill=drill/>
            <CardArea drill=drill/>
            <p class="keys-hint">
                <kbd>"Space"</kbd> " shows the answer, " <kbd>"K"</kbd> " knew it, " <kbd>"D"</kbd> " didn't."
            </p>
            <DrillScores drill=drill/>
        </div>
    }
}

/// The notice above the drill, with a button to dismiss it.
#[component]
fn DrillNotice(drill: Drill) -> impl IntoView {
    let notice = drill.notice;
    move || {
        notice.get().map(|n| {
            view! {
                <div class="notice" role="status">
                    <p>{n}</p>
                    <button class="text-button" type="button" on:click=move |_| notice.set(None)>"Dismiss"</button>
                </div>
            }
        })
    }
}

/// The order and section pickers; picking either starts a new session.
#[component]
fn DrillControls(drill: Drill) -> impl IntoView {
    let section_options = move || {
        drill.cards.with(|c| match c {
            Load::Ready(all) => section_options(all),
            _ => section_options(&[]),
        })
    };
    let orders = ORDER_OPTIONS
        .iter()
        .map(|(value, label)| view! { <option value=*value>{*label}</option> })
        .collect_view();
    view! {
        <div class="drill-controls">
            <label class="field">
                <span>"Order"</span>
                <select id="drill-order" prop:value=move || drill.order.get().as_choice() on:change=move |ev| {
                    drill.order.set(Order::from_choice(&event_target_value(&ev)));
                    drill.restart();
                }>
                    {orders}
                </select>
            </label>
            <label class="field">
                <span>"Questions"</span>
                <select id="drill-section" on:change=move |ev| {
                    drill.section.set(section_choice(&event_target_value(&ev)));
                    drill.restart();
                } inner_html=section_options>
                </select>
            </label>
        </div>
    }
}

/// How many questions are due today and how many are new, in the section
/// picked.
#[component]
fn DrillCounts(drill: Drill) -> impl IntoView {
    let counts = move || {
        let day = drill.today.get();
        let section = drill.section.get();
        drill.cards.with(|c| match c {
            Load::Ready(all) => drill
                .progress
                .with(|p| counts_html(&p.totals(all, section, day))),
            _ => String::new(),
        })
    };
    view! { <p class="drill-counts" id="drill-counts" inner_html=counts></p> }
}

/// The card shown (or why none is), its buttons handled by one listener.
#[component]
fn CardArea(drill: Drill) -> impl IntoView {
    let card_area = move || match drill.cards.get() {
        Load::Loading => card_html(Shown::Loading),
        Load::Failed(e) => card_html(Shown::Failed(&e)),
        Load::Ready(all) => {
            let day = drill.today.get();
            let session = drill.session.get();
            let Some(at) = session.current() else {
                if session.finished() && drill.order.get() == Order::Due {
                    let section = drill.section.get();
                    let mine: Vec<Card> = all
                        .iter()
                        .filter(|c| section.is_none_or(|s| c.section == s))
                        .cloned()
                        .collect();
                    let next = drill.progress.with(|p| p.next_due(&mine, day));
                    return card_html(Shown::Finished(next));
                }
                return card_html(Shown::Empty);
            };
            let card = &all[at.card];
            card_html(Shown::Card {
                card,
                number: at.number,
                total: at.total,
                record: drill.progress.with(|p| p.record(&card.id)),
                today: day,
                revealed: session.revealed,
            })
        }
    };
    let on_area_click = move |ev: leptos::ev::MouseEvent| {
        let act = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("[data-act]").ok().flatten())
            .and_then(|el| el.get_attribute("data-act"));
        if let Some(action) = act.as_deref().and_then(Action::from_act) {
            drill.act(action);
        }
    };
    view! {
        <div class="drill-area" aria-live="polite" inner_html=card_area on:click=on_area_click></div>
    }
}

/// The counts by section, and the progress file buttons.
#[component]
fn DrillScores(drill: Drill) -> impl IntoView {
    let scores = move || {
        let day = drill.today.get();
        drill.cards.with(|c| match c {
            Load::Ready(all) => drill.progress.with(|p| score_rows(all, p, day)),
            _ => String::new(),
        })
    };
    view! {
        <section class="drill-scores" aria-labelledby="drill-scores-title">
            <h2 id="drill-scores-title">"Your progress by section"</h2>
            <div class="table-wrap">
                <table>
                    <thead><tr><th scope="col">"Section"</th><th scope="col">"Due today"</th><th scope="col">"New"</th><th scope="col">"Known"</th></tr></thead>
                    <tbody inner_html=scores></tbody>
                </table>
            </div>
            <DrillFiles drill=drill/>
        </section>
    }
}

/// Export, import and clear the progress (clearing asks for a second
/// click).
#[component]
fn DrillFiles(drill: Drill) -> impl IntoView {
    let export = move |_| {
        let text = drill.progress.with_untracked(Progress::serialize);
        if browser::download(EXPORT_NAME, &text).is_err() {
            drill
                .notice
                .set(Some("The browser did not allow the download.".to_string()));
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
        drill.import(file);
    };
    let confirm_reset = RwSignal::new(false);
    let reset = move |_| {
        if confirm_reset.get_untracked() {
            drill.progress.set(Progress::default());
            drill.save();
            drill.restart();
            confirm_reset.set(false);
            drill.notice.set(Some("Progress cleared.".to_string()));
        } else {
            confirm_reset.set(true);
        }
    };
    view! {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::{import_refusal, ReadError};

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
                today: Day(0),
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
