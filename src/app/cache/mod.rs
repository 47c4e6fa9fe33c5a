//! The cache-aside visualization: a scenario, the write policy and the
//! mitigations, each instance's program and the schedule that interleaves
//! them, the shared player, a sequence diagram of the commands with their
//! replies, the cache and database contents, and tables that compare the
//! patterns and the mitigations on a workload. Everything it shows comes
//! from [`crate::sim::cache`].

mod render;

use leptos::prelude::*;

use super::fields::{SelectField, WaitField};
use super::live::{
    data_j, event_field, focus_later, follow_step, list_clicks, open_live, settings, Edit, Later,
    Live,
};
use super::player::Player;
use super::share::CopyLink;
use crate::sim::cache::edit::{Edited, OpEdit};
use crate::sim::cache::redis::{KEEP_STALE, SET_IF_NEWER};
use crate::sim::cache::workload::{self, Setup, Workload};
use crate::sim::cache::{
    Lease, Op, Params, Preset, Run, Token, WritePolicy, MAX_INSTANCES, MAX_SCHEDULE,
};
use crate::sim::model::Choices;

/// The state of the visualization.
type State = Live<Run>;

/// The live cache-aside visualization for the topic `slug`.
#[component]
pub fn CacheViz(slug: &'static str) -> impl IntoView {
    let (state, query) = open_live::<Run>(slug);
    let steps = state.steps();
    let caption = state.caption();
    let at = move |f: fn(&Run, usize) -> String| state.at(f);
    view! {
        <div class="ca">
            <div class="viz-head">
                <h2 id="viz-title">{crate::content::visualization_title("cache-aside")}</h2>
                <CopyLink query=query/>
            </div>
            <Controls state=state/>
            <Player steps=steps step=state.step caption=caption/>
            <section class="ca-frame" aria-labelledby="ca-seq-title">
                <h3 id="ca-seq-title">"Commands and replies"</h3>
                <div class="ca-seq-wrap" tabindex="0" role="region" aria-label="Sequence diagram (scrolls sideways on a narrow screen)" inner_html=at(render::sequence)></div>
                <div inner_html=at(render::state)></div>
                <dl class="counters" aria-label="Figures so far" inner_html=at(render::figures)></dl>
                <Scripts/>
            </section>
            <Later>
                <Script state=state/>
                <Compare/>
            </Later>
        </div>
    }
}

/// The text of the two Lua scripts the patterns send, which the command
/// log names by their purpose.
#[component]
fn Scripts() -> impl IntoView {
    view! {
        <details class="ca-scripts">
            <summary>"The Lua scripts in the log"</summary>
            <p>"Redis runs each script atomically. "<code>"\u{2039}set if newer\u{203a}"</code>" (versioned sets: fills and tombstones) sets the key only if what it holds ranks lower; a value vN ranks 2N+1, a tombstone tN ranks 2N:"</p>
            <pre><code>{SET_IF_NEWER}</code></pre>
            <p><code>"\u{2039}keep a stale copy\u{203a}"</code>" (stale-while-revalidate: a writer's invalidation) moves the value to the stale key instead of deleting it:"</p>
            <pre><code>{KEEP_STALE}</code></pre>
        </details>
    }
}

/// The number fields, in the order the controls list them.
const SETTINGS: &[&str] = &[
    "ttl_ms",
    "jitter",
    "xfetch",
    "db_ms",
    "lease_ms",
    "flush_ms",
    "refresh",
    "double_ms",
    "seed",
];

/// The single-flight choices: off, or the instances split round in one
/// to ten processes.
const FLIGHT: [(&str, &str); MAX_INSTANCES + 1] = [
    ("0", "Off"),
    ("1", "One process for all"),
    ("2", "In 2 processes"),
    ("3", "In 3 processes"),
    ("4", "In 4 processes"),
    ("5", "In 5 processes"),
    ("6", "In 6 processes"),
    ("7", "In 7 processes"),
    ("8", "In 8 processes"),
    ("9", "In 9 processes"),
    ("10", "In 10 processes"),
];

/// The scenario, the write policy, the mitigations.
#[component]
fn Controls(state: State) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let p = move || state.run.with(|r| r.params().clone());
    let preset = move || {
        let now = p();
        Preset::ALL
            .into_iter()
            .find(|s| s.params() == now)
            .map(|s| s.slug())
            .unwrap_or("custom")
    };
    let mut scenarios: Vec<(&'static str, &'static str)> =
        Preset::ALL.iter().map(|s| (s.slug(), s.label())).collect();
    scenarios.push(("custom", "Custom script"));
    let on_off = |v: bool| if v { "on" } else { "off" };
    let fields = settings(state, "ca", SETTINGS.iter().copied(), note);
    view! {
        <form class="controls" on:submit=|ev| ev.prevent_default() aria-label="Scenario, write policy and mitigations">
            <SelectField id="ca-preset" label="Scenario" wide=true
                options=scenarios
                value=Signal::derive(preset)
                on_pick=Callback::new(move |v: String| {
                    if let Some(s) = Preset::ALL.into_iter().find(|s| s.slug() == v) {
                        note.set(None);
                        state.apply(s.params(), 0);
                    }
                })/>
            <SelectField id="ca-policy" label="Write policy" wide=true
                options=WritePolicy::ALL.map(|w| (w.slug(), w.label())).to_vec()
                value=Signal::derive(move || p().policy.slug())
                on_pick=Callback::new(move |v: String| {
                    if let Some(w) = WritePolicy::ALL.into_iter().find(|w| w.slug() == v) {
                        state.change(|p| p.policy = w);
                    }
                })/>
            <SelectField id="ca-lease" label="On a miss"
                options=vec![
                    ("off", "Read and fill"),
                    ("on", "Take a lease (a token a delete revokes)"),
                    ("mutex", "Take a mutex (SET lock NX PX)"),
                    ("stale", "Take a mutex; others serve a stale copy"),
                ]
                value=Signal::derive(move || p().lease.word())
                on_pick=Callback::new(move |v: String| state.change(|p| {
                    if let Some(l) = Lease::ALL.iter().find(|l| l.word() == v) {
                        p.lease = *l;
                    }
                }))/>
            <SelectField id="ca-nx" label="Fills"
                options=vec![("off", "SET: overwrite"), ("on", "SET NX: only if absent")]
                value=Signal::derive(move || on_off(p().fill_nx))
                on_pick=Callback::new(move |v: String| state.change(|p| p.fill_nx = v == "on"))/>
            <SelectField id="ca-watch" label="Fill guard"
                options=vec![("off", "None"), ("on", "WATCH, then MULTI/EXEC")]
                value=Signal::derive(move || on_off(p().watch))
                on_pick=Callback::new(move |v: String| state.change(|p| p.watch = v == "on"))/>
            <SelectField id="ca-flight" label="Single flight"
                options=FLIGHT.to_vec()
                value=Signal::derive(move || FLIGHT.get(p().flight as usize).map_or("0", |f| f.0))
                on_pick=Callback::new(move |v: String| state.change(|p| {
                    p.flight = v.parse().unwrap_or(0).min(MAX_INSTANCES as u32);
                }))/>
            <SelectField id="ca-missing" label="At the start the row is"
                options=vec![("off", "There (v1)"), ("on", "Missing")]
                value=Signal::derive(move || on_off(p().missing))
                on_pick=Callback::new(move |v: String| state.change(|p| p.missing = v == "on"))/>
            <SelectField id="ca-negative" label="A missing row"
                options=vec![("off", "Not cached"), ("on", "Cached as none")]
                value=Signal::derive(move || on_off(p().negative))
                on_pick=Callback::new(move |v: String| state.change(|p| p.negative = v == "on"))/>
            <SelectField id="ca-warm" label="At the start the key is"
                options=vec![("off", "Not cached"), ("on", "Cached")]
                value=Signal::derive(move || on_off(p().warm))
                on_pick=Callback::new(move |v: String| state.change(|p| p.warm = v == "on"))/>
            {fields}
            <p class="form-note" role="status">
                {move || note.get().map(|n| format!("Changed: {n}."))}
            </p>
        </form>
    }
}

/// The instances' programs and the schedule that interleaves them.
#[component]
fn Script(state: State) -> impl IntoView {
    view! {
        <section class="ca-script" aria-labelledby="ca-script-title">
            <h3 id="ca-script-title">"The script"</h3>
            <Programs state=state/>
            <Schedule state=state/>
        </section>
    }
}

/// Shows an edit of the script: runs it, shows its step and moves the
/// focus where it says.
fn show(state: State, edited: Edited) {
    state.apply(edited.params, edited.step);
    if let Some(id) = edited.focus {
        focus_later(id);
    }
}

/// The change to a program that a control of its row (`data-f`, with the
/// operation's index `j`) asks for.
fn op_edit(f: Edit, j: usize) -> Option<OpEdit> {
    match f {
        Edit::DropOp => Some(OpEdit::Remove(j)),
        Edit::AddRead => Some(OpEdit::Add(Op::Read)),
        Edit::AddWrite => Some(OpEdit::Add(Op::Write)),
        _ => None,
    }
}

/// Each instance's operations, and the buttons that add or remove an
/// instance.
#[component]
fn Programs(state: State) -> impl IntoView {
    let rows = move || state.run.with(|r| render::program_rows(r.params()));
    let count = move || state.run.with(|r| r.params().programs.len());
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some((el, i, f)) = event_field(&ev) else {
            return;
        };
        let edited = op_edit(f, data_j(&el)).and_then(|e| state.params().edit_ops(i, e));
        if let Some(edited) = edited {
            show(state, edited);
        }
    };
    let last = move || {
        let n = count();
        ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"]
            .get(n.saturating_sub(1))
            .copied()
            .unwrap_or("")
    };
    view! {
        <div class="bk-editor">
            <h4 class="bk-sub">"What each instance does"</h4>
            <ul class="ca-programs" inner_html=rows on:click=on_click></ul>
            <div class="bk-editor-bar">
                <button type="button" class="text-button" id="ca-add-instance"
                    disabled=move || { count() >= MAX_INSTANCES }
                    on:click=move |_| state.apply(state.params().add_instance(), 0)>
                    "Add an instance"
                </button>
                <button type="button" class="text-button" id="ca-remove-instance"
                    disabled=move || { count() <= 2 }
                    on:click=move |_| state.apply(state.params().remove_instance(), 0)>
                    {move || format!("Remove instance {}", last())}
                </button>
                <span class="hint">{move || format!("{} of at most {MAX_INSTANCES} instances", count())}</span>
            </div>
        </div>
    }
}

/// The schedule: buttons that add entries, the schedule as text, and its
/// entries, each shown, moved or removed from its row.
#[component]
fn Schedule(state: State) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let entries = move || state.run.with(|r| r.params().schedule.len());
    let rows = move || state.run.with(|r| render::schedule_rows(r.params()));
    let text = move || state.run.with(|r| r.params().schedule_text());
    let list = NodeRef::<leptos::html::Ol>::new();
    follow_step(state, list);
    let on_rows = list_clicks(state, |p: &mut Params| &mut p.schedule, "ca-s", "ca-add-a");
    // The schedule as text: read with the URL's reader.
    let on_text = move |ev: leptos::ev::Event| {
        let (p, problems) = state.params().with_schedule_text(&event_target_value(&ev));
        note.set((!problems.is_empty()).then(|| problems.join("; ")));
        state.apply(p, 0);
    };
    view! {
        <div class="bk-editor">
            <h4 class="bk-sub">"The schedule: who acts next"</h4>
            <ScheduleBar state=state/>
            <label class="field ca-text">
                <span>"As text (a to j: a step; a!: a crash; 30s: a wait)"</span>
                <input type="text" id="ca-schedule-text" spellcheck="false" autocomplete="off"
                    prop:value=text on:change=on_text/>
            </label>
            <p class="form-note" role="status">{move || note.get().map(|n| format!("Ignored: {n}."))}</p>
            <ol class="bk-actions" aria-label="The schedule" node_ref=list inner_html=rows on:click=on_rows></ol>
            <p class="hint">{move || format!("{} of at most {MAX_SCHEDULE} entries. After the schedule, each instance finishes its program in turn.", entries())}</p>
        </div>
    }
}

/// The buttons that add a step, a crash or a wait to the schedule: one
/// step and one crash button per instance, written as HTML and read back
/// through one click handler.
#[component]
fn ScheduleBar(state: State) -> impl IntoView {
    let buttons = move || {
        state
            .run
            .with(|r| render::schedule_buttons(r.params().programs.len()))
    };
    let add = move |t: Token| show(state, state.params().push_entry(t));
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some((_, i, f)) = event_field(&ev) else {
            return;
        };
        match f {
            Edit::StepOf => add(Token::Step(i)),
            Edit::CrashOf => add(Token::Crash(i)),
            _ => {}
        }
    };
    view! {
        <div class="bk-editor-bar">
            <span class="ca-steps" inner_html=buttons on:click=on_click></span>
            <WaitField id="ca-add-wait" start_s=31 max_s=86_400
                on_wait=Callback::new(move |ms| add(Token::Wait(ms)))/>
        </div>
    }
}

/// The patterns and the mitigations on workloads, computed when opened.
#[component]
fn Compare() -> impl IntoView {
    let tables = RwSignal::new(None::<String>);
    let open = move |_| {
        if tables.get_untracked().is_none() {
            tables.set(Some(compare_tables()));
        }
    };
    view! {
        <details class="ca-compare sweep-details" on:toggle=open>
            <summary>"Compare the four patterns, and the mitigations, on a workload"</summary>
            <div inner_html=move || tables.get().unwrap_or_default()></div>
        </details>
    }
}

fn base_setup(policy: WritePolicy) -> Setup {
    Setup {
        policy,
        lease: false,
        coalesce: false,
        jitter_pct: 0,
        xfetch_beta10: 0,
        ttl_ms: 5_000,
        db_ms: 20,
        flush_ms: 1_000,
        refresh_pct: 80,
    }
}

/// The comparison tables, computed by running the workload model.
fn compare_tables() -> String {
    let mixed = Workload {
        requests: 40_000,
        keys: 1_000,
        write_pct: 10,
        rate: 2_000,
        instances: 4,
        skew: 2,
        warm: false,
        capacity: 0,
        seed: 1,
    };
    let patterns: Vec<(String, workload::Report)> = [
        (
            "Cache-aside (update, then delete)",
            WritePolicy::DeleteAfter,
        ),
        ("Write-through", WritePolicy::WriteThrough),
        ("Write-behind (flush every 1 s)", WritePolicy::WriteBehind),
        (
            "Refresh-ahead (at 80% of the TTL)",
            WritePolicy::RefreshAhead,
        ),
    ]
    .into_iter()
    .map(|(name, policy)| (name.to_string(), workload::run(&mixed, &base_setup(policy))))
    .collect();
    let wave = Workload {
        requests: 16_000,
        keys: 1_000,
        write_pct: 0,
        rate: 2_000,
        instances: 4,
        skew: 0,
        warm: true,
        capacity: 0,
        seed: 2,
    };
    let hot = Workload {
        keys: 1,
        seed: 3,
        ..wave
    };
    let plain = base_setup(WritePolicy::DeleteAfter);
    let mitigations = |w: &Workload| -> Vec<(String, workload::Report)> {
        [
            ("No mitigation", plain),
            (
                "TTL jitter \u{b1}20%",
                Setup {
                    jitter_pct: 20,
                    ..plain
                },
            ),
            (
                "Coalescing per instance",
                Setup {
                    coalesce: true,
                    ..plain
                },
            ),
            (
                "Leases",
                Setup {
                    lease: true,
                    ..plain
                },
            ),
            (
                "XFetch, \u{3b2} = 1",
                Setup {
                    xfetch_beta10: 10,
                    ..plain
                },
            ),
        ]
        .into_iter()
        .map(|(name, s)| (name.to_string(), workload::run(w, &s)))
        .collect()
    };
    let mut s = String::from(
        r#"<p class="hint">Each table is computed now, in your browser, by running the workload model: seeded requests from 4 instances, database calls of 20 ms, a TTL of 5 s.</p>"#,
    );
    s.push_str(&render::report_table(
        "The four patterns: 40,000 requests over 1,000 keys (skewed), 10% writes",
        &patterns,
        false,
    ));
    s.push_str(&render::report_table(
        "A wave of expiries: 1,000 keys all cached at once with the same TTL, 16,000 reads",
        &mitigations(&wave),
        true,
    ));
    s.push_str(&render::report_table(
        "One hot key: 16,000 reads of a single key at 2,000 per second",
        &mitigations(&hot),
        true,
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_controls_name_their_edits() {
        assert_eq!(op_edit(Edit::DropOp, 3), Some(OpEdit::Remove(3)));
        assert_eq!(op_edit(Edit::AddRead, 0), Some(OpEdit::Add(Op::Read)));
        assert_eq!(op_edit(Edit::AddWrite, 0), Some(OpEdit::Add(Op::Write)));
        assert_eq!(op_edit(Edit::Remove, 0), None);
        assert_eq!(op_edit(Edit::Go, 0), None);
    }

    #[test]
    fn every_program_edit_focuses_a_control_of_the_new_rows() {
        let p = Preset::SetRace.params();
        for (i, ops) in p.programs.iter().enumerate() {
            let mut edits: Vec<Edit> = vec![Edit::AddRead, Edit::AddWrite];
            edits.extend(ops.iter().map(|_| Edit::DropOp));
            for (j, f) in edits.into_iter().enumerate() {
                let j = if f == Edit::DropOp { j - 2 } else { 0 };
                let Some(e) = op_edit(f, j).and_then(|e| p.edit_ops(i, e)) else {
                    panic!("{f} {i} {j} does not apply");
                };
                let id = e.focus.unwrap_or_default();
                let rows = render::program_rows(&e.params);
                assert!(rows.contains(&format!(r#"id="{id}""#)), "{id} in {rows}");
            }
        }
    }
}
