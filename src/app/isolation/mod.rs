//! The isolation lab: sessions side by side running their SQL under a
//! profile and level, the shared player, who waits for whom, the rows each
//! session sees with the row versions and locks, the verdict with its
//! dependency graph, an editor for the statements and the interleaving,
//! the same schedule at every level, the level x anomaly matrix and an
//! export for real `psql` or `mariadb` sessions. Everything it shows comes from
//! [`crate::sim::isolation`].

mod render;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::browser;
use super::fields::SelectField;
use super::live::{
    event_field, focus_later, follow_step, list_clicks, open_live, Edit, Later, Live,
};
use super::player::Player;
use super::share::CopyLink;
use crate::sim::isolation::edit::{new_statement_id, Edited};
use crate::sim::isolation::engines::Settings;
use crate::sim::isolation::innodb::LockWait;
use crate::sim::isolation::lab::{
    compare, export_sql, level_label, level_slug, lock_wait_label, lock_wait_slug, nearest_level,
    planner_label, planner_slug, profile_label, profile_slug, Params, Run, MATRIX_ORDER,
    MAX_SESSIONS, MIN_SESSIONS, PROFILES,
};
use crate::sim::isolation::matrix::{matrix, Profile};
use crate::sim::isolation::pg::Planner;
use crate::sim::isolation::presets;

/// The state of the visualization.
type State = Live<Run>;

/// The live isolation lab for the topic `slug`.
#[component]
pub fn IsolationViz(slug: &'static str) -> impl IntoView {
    let (state, query) = open_live::<Run>(slug);
    let steps = state.steps();
    let caption = state.caption();
    let at = move |f: fn(&Run, usize) -> String| state.at(f);
    view! {
        <div class="iso">
            <div class="viz-head">
                <h2 id="viz-title">{crate::content::visualization_title("isolation")}</h2>
                <CopyLink query=query/>
            </div>
            <Controls state=state/>
            <Player steps=steps step=state.step caption=caption/>
            <section class="iso-frame" aria-labelledby="iso-sessions-title">
                <h3 id="iso-sessions-title">"Sessions"</h3>
                <div class="iso-waits-wrap" inner_html=at(render::waits)></div>
                <div inner_html=at(render::sessions)></div>
                <div class="iso-verdict-wrap" inner_html=at(render::verdict)></div>
                <h3>"The data"</h3>
                <div inner_html=at(render::data)></div>
            </section>
            <Later>
                <Editor state=state/>
                <Compare state=state/>
                <Export state=state/>
                <Matrix state=state/>
            </Later>
        </div>
    }
}

/// Profile, level and preset.
#[component]
fn Controls(state: State) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let p = move || state.run.with(|r| r.params().clone());
    // Each preset by its plain title and its catalogue name, which the
    // matrix uses.
    let preset = Memo::new(move |_| state.run.with(|r| r.params().preset().unwrap_or("custom")));
    let choices = presets::all()
        .into_iter()
        .map(|s| {
            let v = s.name;
            let text = if s.title.is_empty() {
                v.to_string()
            } else {
                format!("{} ({v})", s.title)
            };
            view! { <option value=v prop:selected=move || preset.get() == v>{text}</option> }
        })
        .collect_view();
    let pick_preset = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        let now = state.params();
        if let Some(np) = Params::of_preset(&v, now.profile, now.level) {
            note.set(None);
            state.apply(
                Params {
                    matrix: now.matrix,
                    settings: now.settings,
                    ..np
                },
                0,
            );
        }
    };
    // The level's options are rebuilt only when the profile changes, so
    // that the drop-down keeps the focus while the level is chosen.
    let profile = Memo::new(move |_| state.run.with(|r| r.params().profile));
    let levels = move || {
        profile
            .get()
            .levels()
            .iter()
            .map(|l| (level_slug(*l), level_label(*l)))
            .collect::<Vec<_>>()
    };
    view! {
        <form class="controls" on:submit=|ev| ev.prevent_default() aria-label="Profile, level and preset">
            <SelectField id="iso-profile" label="Rules"
                options=PROFILES.iter().map(|p| (profile_slug(*p), profile_label(*p))).collect()
                value=Signal::derive(move || profile_slug(p().profile))
                on_pick=Callback::new(move |v: String| {
                    if let Some(profile) = PROFILES.into_iter().find(|x| profile_slug(*x) == v) {
                        let mut np = state.params();
                        let level = nearest_level(profile, np.level);
                        note.set((level != np.level).then(|| format!(
                            "{} has no {}; the level is now {}",
                            profile_label(profile),
                            level_label(np.level).to_lowercase(),
                            level_label(level).to_lowercase()
                        )));
                        np.profile = profile;
                        np.level = level;
                        // Each engine's setting belongs to its profile.
                        np.settings = Settings::default();
                        state.apply(np, 0);
                    }
                })/>
            // The level's options follow the profile: rebuilt when it changes.
            {move || {
                let opts = levels();
                view! {
                    <SelectField id="iso-level" label="Isolation level"
                        options=opts
                        value=Signal::derive(move || level_slug(state.run.with(|r| r.params().level)))
                        on_pick=Callback::new(move |v: String| {
                            let profile = state.params().profile;
                            if let Some(l) = profile.levels().iter().find(|l| level_slug(**l) == v) {
                                note.set(None);
                                let l = *l;
                                state.change(|p| p.level = l);
                            }
                        })/>
                }
            }}
            <EngineSettings state=state profile=profile note=note/>
            <label class="field wide">
                <span>"Preset"</span>
                <select id="iso-preset" on:change=pick_preset>
                    {choices}
                    <option value="custom" prop:selected=move || preset.get() == "custom">"Custom statements"</option>
                </select>
            </label>
            <p class="form-note" role="status">{move || note.get().map(|n| format!("Changed: {n}."))}</p>
        </form>
    }
}

/// Each engine's own setting, shown under its profile only: PostgreSQL's
/// scans, InnoDB's lock waits.
#[component]
fn EngineSettings(
    state: State,
    profile: Memo<Profile>,
    note: RwSignal<Option<String>>,
) -> impl IntoView {
    view! {
            {move || (profile.get() == Profile::Postgres).then(|| view! {
                <SelectField id="iso-planner" label="Scans" wide=true
                    options=[Planner::Default, Planner::SeqScanOnly].iter().map(|x| (planner_slug(*x), planner_label(*x))).collect()
                    value=Signal::derive(move || planner_slug(state.run.with(|r| r.params().settings.planner)))
                    on_pick=Callback::new(move |v: String| {
                        if let Some(x) = [Planner::Default, Planner::SeqScanOnly].into_iter().find(|x| planner_slug(*x) == v) {
                            note.set(None);
                            state.change(|p| p.settings.planner = x);
                        }
                    })/>
            })}
            {move || (profile.get() == Profile::Innodb).then(|| view! {
                <SelectField id="iso-lock-wait" label="Lock waits" wide=true
                    options=[LockWait::Long, LockWait::None].iter().map(|w| (lock_wait_slug(*w), lock_wait_label(*w))).collect()
                    value=Signal::derive(move || lock_wait_slug(state.run.with(|r| r.params().settings.lock_wait)))
                    on_pick=Callback::new(move |v: String| {
                        if let Some(w) = [LockWait::Long, LockWait::None].into_iter().find(|w| lock_wait_slug(*w) == v) {
                            note.set(None);
                            state.change(|p| p.settings.lock_wait = w);
                        }
                    })/>
            })}
    }
}

/// Shows an edit: sets `note` (if given), runs the new parameters at
/// their step and moves the focus, kept in `focused` (if given) through the
/// editor's redraw. Returns whether new parameters ran.
fn show_edit(
    state: State,
    e: Edited,
    note: Option<RwSignal<Option<String>>>,
    focused: Option<StoredValue<Option<String>>>,
) -> bool {
    if let (Some(note), Some(n)) = (note, e.note.to_set()) {
        note.set(n);
    }
    let Some(p) = e.params else {
        return false;
    };
    state.apply(p, e.step);
    if let Some(id) = e.focus {
        if let Some(f) = focused {
            f.set_value(Some(id.clone()));
        }
        focus_later(id);
    }
    true
}

/// The statements of each session and the interleaving.
#[component]
fn Editor(state: State) -> impl IntoView {
    view! {
        <section class="iso-editor" id="iso-editor" aria-labelledby="iso-editor-title">
            <h3 id="iso-editor-title">"Write your own"</h3>
            <p class="hint">
                "Each session's statements, in its order. Supported: "
                <code>{crate::sim::isolation::sql::SUPPORTED}</code>
                ". The table is "<code>"test (id, value)"</code>"."
            </p>
            <Statements state=state/>
            <SessionButtons state=state/>
            <Interleaving state=state/>
        </section>
    }
}

/// Each session's statements as fields, edited through one delegated
/// handler, and the notice about them.
#[component]
fn Statements(state: State) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let editor = Memo::new(move |_| state.run.with(|r| render::editor(r.params())));
    let invalid = move || state.run.with(|r| render::invalid_count(r));
    let fields = Fields {
        state,
        note,
        focused: keep_focus(editor),
    };
    view! {
        <div class="iso-ed-grid" inner_html=move || editor.get()
            on:change=move |ev| fields.on_change(ev)
            on:click=move |ev| fields.on_click(ev)
            on:keydown=move |ev| fields.on_keydown(ev)></div>
        <p class="form-note iso-note-line" role="status">
            {move || note.get()}
            {move || (invalid() > 0).then(|| format!(
                " {} statement(s) outside the subset: they are skipped when their turn comes.", invalid()))}
        </p>
    }
}

/// The editor is rewritten as a whole: after an edit made in it, the
/// element that had the focus gets it back. Returns where that element's
/// id is kept.
fn keep_focus(editor: Memo<String>) -> StoredValue<Option<String>> {
    let focused = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        editor.track();
        request_animation_frame(move || {
            let lost = active_id().is_none();
            if let (true, Some(id)) = (lost, focused.get_value()) {
                focus_later(id);
            }
            focused.set_value(None);
        });
    });
    focused
}

/// What the handlers of the statements' fields share.
#[derive(Clone, Copy)]
struct Fields {
    state: State,
    note: RwSignal<Option<String>>,
    focused: StoredValue<Option<String>>,
}

impl Fields {
    /// A statement's text changed, or a new one was typed.
    fn on_change(self, ev: leptos::ev::Event) {
        let Some((el, i, f)) = event_field(&ev) else {
            return;
        };
        let j = super::live::data_j(&el);
        let value = super::live::control_value(&el);
        match f {
            // After Tab the focus moves once this event is over: the edit
            // waits for it, then keeps it where it went.
            Edit::Sql => {
                set_timeout(
                    move || {
                        self.focused.set_value(active_id());
                        self.edit(i, j, value);
                    },
                    std::time::Duration::ZERO,
                );
            }
            Edit::New if !value.trim().is_empty() => self.add(i),
            _ => {}
        }
    }

    /// A click on a statement's remove button or a session's Add.
    fn on_click(self, ev: leptos::ev::MouseEvent) {
        let Some((el, i, f)) = event_field(&ev) else {
            return;
        };
        let j = super::live::data_j(&el);
        match f {
            Edit::Add => self.add(i),
            Edit::Drop => {
                if let Some(e) = self.state.params().drop_statement(i, j) {
                    show_edit(self.state, e, Some(self.note), Some(self.focused));
                }
            }
            _ => {}
        }
    }

    /// Enter in a new-statement field adds it.
    fn on_keydown(self, ev: leptos::ev::KeyboardEvent) {
        if ev.key() != "Enter" {
            return;
        }
        if let Some((_, i, f)) = event_field(&ev) {
            if f == Edit::New {
                ev.prevent_default();
                self.add(i);
            }
        }
    }

    /// Session `i`'s statement `j` rewritten as `raw`.
    fn edit(self, i: usize, j: usize, raw: String) {
        let step = self.state.step.get_untracked();
        if let Some(e) = self.state.params().edit_statement(i, j, &raw, step) {
            show_edit(self.state, e, Some(self.note), None);
        }
    }

    /// Adds what session `i`'s new-statement field holds, and empties it.
    fn add(self, i: usize) {
        let Some(input) = browser::element(&new_statement_id(i))
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let e = self.state.params().add_statement(i, &input.value());
        if show_edit(self.state, e, Some(self.note), Some(self.focused)) {
            input.set_value("");
        }
    }
}

/// The buttons that add a session and remove the last one.
#[component]
fn SessionButtons(state: State) -> impl IntoView {
    let count = move || state.run.with(|r| r.params().sessions.len());
    let add_session = move |_: leptos::ev::MouseEvent| {
        if let Some(e) = state.params().add_session() {
            show_edit(state, e, None, None);
        }
    };
    let remove_session = move |_: leptos::ev::MouseEvent| {
        if let Some(e) = state.params().remove_session() {
            show_edit(state, e, None, None);
        }
    };
    view! {
        <div class="bk-editor-bar">
            <button type="button" class="text-button" id="iso-add-session"
                disabled={move || count() >= MAX_SESSIONS} on:click=add_session>"Add a session"</button>
            <button type="button" class="text-button" id="iso-remove-session"
                disabled={move || count() <= MIN_SESSIONS} on:click=remove_session>
                {move || format!("Remove session {}", count())}
            </button>
        </div>
    }
}

/// The interleaving: the schedule as text, the sessions taking turns, and
/// the list of entries, moved by their arrows or dragged.
#[component]
fn Interleaving(state: State) -> impl IntoView {
    let sched_note = RwSignal::new(None::<String>);
    let rows = move || state.run.with(|r| render::schedule_rows(r.params()));
    let text = move || state.run.with(|r| r.params().schedule_text());
    let list = NodeRef::<leptos::html::Ol>::new();
    follow_step(state, list);
    let on_schedule = list_clicks(
        state,
        |p: &mut Params| &mut p.schedule,
        "iso-s",
        "iso-schedule-text",
    );
    let on_text = move |ev: leptos::ev::Event| {
        let e = state.params().with_schedule_text(&event_target_value(&ev));
        show_edit(state, e, Some(sched_note), None);
    };
    let interleave = move |_: leptos::ev::MouseEvent| {
        show_edit(state, state.params().take_turns(), None, None);
    };
    let drag = Drag {
        state,
        dragged: StoredValue::new(None),
    };
    view! {
        <div class="bk-editor">
            <h4 class="bk-sub">"The interleaving: which session runs its next statement"</h4>
            <label class="field ca-text">
                <span>"As text (session numbers, e.g. 1 1 2 1 2 2)"</span>
                <input type="text" id="iso-schedule-text" spellcheck="false" autocomplete="off"
                    prop:value=text on:change=on_text/>
            </label>
            <div class="bk-editor-bar">
                <button type="button" class="text-button" id="iso-round-robin" on:click=interleave>"Take turns (1 2 1 2 \u{2026})"</button>
            </div>
            <p class="form-note" role="status">{move || sched_note.get().map(|n| format!("Ignored: {n}."))}</p>
            <p class="hint">"Move a step with its arrows, or drag it."</p>
            <ol class="bk-actions iso-schedule" aria-label="The schedule" node_ref=list inner_html=rows
                on:click=on_schedule
                on:dragstart=move |ev| drag.start(ev)
                on:dragover=move |ev| drag.over(ev)
                on:drop=move |ev| drag.drop(ev)></ol>
        </div>
    }
}

/// Drag and drop of the schedule's entries: the entry picked up, dropped
/// on another entry's place.
#[derive(Clone, Copy)]
struct Drag {
    state: State,
    /// The entry picked up.
    dragged: StoredValue<Option<usize>>,
}

impl Drag {
    /// An entry is picked up.
    fn start(self, ev: leptos::ev::DragEvent) {
        self.dragged.set_value(entry_of(&ev));
        // Some browsers start a drag only once it carries data.
        let dt = js_sys::Reflect::get(&ev, &"dataTransfer".into()).ok();
        if let Some(dt) = dt.filter(|d| d.is_object()) {
            let set = js_sys::Reflect::get(&dt, &"setData".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
            if let Some(set) = set {
                let _ = set.call2(&dt, &"text/plain".into(), &"step".into());
            }
        }
    }

    /// Over the list: an entry may be dropped here.
    fn over(self, ev: leptos::ev::DragEvent) {
        if self.dragged.get_value().is_some() {
            ev.prevent_default();
        }
    }

    /// Dropped on an entry: the one picked up takes its place.
    fn drop(self, ev: leptos::ev::DragEvent) {
        ev.prevent_default();
        let (Some(from), Some(to)) = (self.dragged.get_value(), entry_of(&ev)) else {
            return;
        };
        self.dragged.set_value(None);
        if let Some(e) = self.state.params().move_entry(from, to) {
            show_edit(self.state, e, None, None);
        }
    }
}

/// The schedule entry a drag event is over (its `data-i`).
fn entry_of(ev: &leptos::ev::DragEvent) -> Option<usize> {
    let el = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    el.closest("li[data-i]")
        .ok()??
        .get_attribute("data-i")?
        .parse()
        .ok()
}

/// The id of the focused element, if it has one (none when the focus is
/// on the page itself).
fn active_id() -> Option<String> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .map(|el| el.id())
        .filter(|id| !id.is_empty())
}

/// The same schedule at every level of the profile: run again only when
/// the statements, schedule or profile change, not the level, and first
/// when the table comes into view (it runs the lab once per level, work a
/// page opened with the table out of sight need not do before it can be
/// used).
#[component]
fn Compare(state: State) -> impl IntoView {
    let in_view = RwSignal::new(false);
    let section = NodeRef::<leptos::html::Section>::new();
    section.on_load(move |el| browser::when_visible(&el, move || in_view.set(true)));
    let scenario = Memo::new(move |_| {
        state.run.with(|r| {
            let p = r.params();
            (
                p.profile,
                p.sessions.clone(),
                p.schedule.clone(),
                p.settings,
            )
        })
    });
    let rows = Memo::new(move |_| {
        if !in_view.get() {
            return Vec::new();
        }
        let (profile, sessions, schedule, settings) = scenario.get();
        let level = state.run.with_untracked(|r| r.params().level);
        compare(&Params {
            profile,
            level,
            sessions,
            schedule,
            matrix: false,
            settings,
        })
    });
    let table = move || {
        if !in_view.get() {
            return r#"<p class="hint">Computed when it comes into view.</p>"#.to_string();
        }
        let level = state.run.with(|r| r.params().clone());
        rows.with(|rows| render::compare_table(&level, rows))
    };
    view! {
        <section class="iso-compare-wrap" aria-labelledby="iso-compare-title" node_ref=section>
            <h3 id="iso-compare-title">"Every level, same schedule"</h3>
            <div inner_html=table></div>
        </section>
    }
}

/// The scenario as SQL for real client sessions (`psql`, or `mariadb` for
/// InnoDB), written when opened.
#[component]
fn Export(state: State) -> impl IntoView {
    let open = RwSignal::new(false);
    let sql = Memo::new(move |_| {
        if open.get() {
            state.run.with(|r| export_sql(r))
        } else {
            String::new()
        }
    });
    // Written for the profile's own client, one session per lab session.
    let summary = Memo::new(move |_| {
        state.run.with(|r| {
            let p = r.params();
            let client = match p.profile {
                Profile::Innodb => "mariadb (or mysql)",
                Profile::Postgres | Profile::Textbook => "psql",
            };
            format!(
                "Export: try it in {} real {client} sessions",
                p.sessions.len()
            )
        })
    });
    let status = RwSignal::new("");
    let copy = move |_| {
        let text = sql.get_untracked();
        spawn_local(async move {
            let done = browser::copy(&text).await.is_ok();
            let _ = status.try_set(if done {
                "Copied."
            } else {
                "The browser did not allow copying: select the text and copy it."
            });
        });
    };
    let toggle = move |ev: leptos::ev::Event| {
        if let Some(d) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok())
        {
            open.set(d.open());
        }
    };
    view! {
        <details class="sweep-details iso-export" on:toggle=toggle>
            <summary>{move || summary.get()}</summary>
            <div class="bk-editor-bar">
                <button type="button" class="button" id="iso-copy-sql" on:click=copy>"Copy the SQL"</button>
                <span class="copy-status" role="status">{move || status.get()}</span>
            </div>
            <pre class="iso-sql-export" tabindex="0" role="region" aria-label="The scenario as SQL">{move || sql.get()}</pre>
        </details>
    }
}

/// The level x anomaly matrix of every profile side by side, computed when
/// opened.
#[component]
fn Matrix(state: State) -> impl IntoView {
    let open = Memo::new(move |_| state.run.with(|r| r.params().matrix));
    let tables = Memo::new(move |_| {
        open.get().then(|| {
            let all: Vec<_> = MATRIX_ORDER.iter().map(|p| (*p, matrix(*p))).collect();
            render::matrix_table(&all)
        })
    });
    let set_open = move |want: bool| {
        if want != state.params().matrix {
            let mut p = state.params();
            p.matrix = want;
            let step = state.step.get_untracked();
            state.apply(p, step);
        }
    };
    // The dialog follows the state (a link, Back, the buttons).
    Effect::new(move |_| {
        let want = open.get();
        let Some(d) = matrix_dialog() else { return };
        if want && !d.open() {
            let _ = d.show_modal();
        } else if !want && d.open() {
            d.close();
        }
    });
    // Closed by Esc or the close button (the state still has it open):
    // the focus goes back to the button that opened it. Closed because a
    // cell's link or Back changed the state: the focus goes to the preset
    // now chosen, at the top of the lab, with the player below it.
    let closed = move |_| {
        let by_user = state.params().matrix;
        set_open(false);
        let to = if by_user {
            "iso-matrix-open"
        } else {
            "iso-preset"
        };
        if let Some(b) =
            browser::element(to).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = b.focus();
        }
    };
    view! {
        <div class="iso-matrix">
            <button type="button" class="button" id="iso-matrix-open" aria-haspopup="dialog" on:click=move |_| set_open(true)>
                "The matrix: which level lets which anomaly through"
            </button>
            <dialog class="iso-matrix-dialog" id="iso-matrix" aria-labelledby="iso-matrix-title" on:close=closed>
                <div class="iso-matrix-head">
                    <h3 id="iso-matrix-title">"Level \u{d7} anomaly, as the engine computes it"</h3>
                    <button type="button" class="button" id="iso-matrix-close" on:click=move |_| {
                        if let Some(d) = matrix_dialog() {
                            d.close();
                        }
                    }>"Close"</button>
                </div>
                <p class="hint">"Computed now by running every preset at every level. A dash: no preset shows the anomaly there. Each name opens that preset at that level, under that column's rules."</p>
                <div inner_html=move || tables.get().unwrap_or_default()></div>
            </dialog>
        </div>
    }
}

/// The matrix's dialog element.
fn matrix_dialog() -> Option<web_sys::HtmlDialogElement> {
    browser::element("iso-matrix").and_then(|e| e.dyn_into().ok())
}
