//! The cache-aside visualization: a scenario, the write policy and the
//! mitigations, each instance's program and the schedule that interleaves
//! them, the shared player, a sequence diagram of the commands with their
//! replies, the cache and database contents, and tables that compare the
//! patterns and the mitigations on a workload. Everything it shows comes
//! from [`crate::sim::cache`].

mod render;

use leptos::prelude::*;

use super::fields::{read_number, SelectField};
use super::live::{
    data_j, event_field, focus_later, follow_step, list_clicks, open_live, settings, Edit, Later,
    Live,
};
use super::player::Player;
use super::share::CopyLink;
use crate::sim::cache::workload::{self, Setup, Workload};
use crate::sim::cache::{self, Op, Params, Preset, Run, Token, WritePolicy, MAX_OPS, MAX_SCHEDULE};
use crate::sim::params::Reader;

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
            </section>
            <Later>
                <Script state=state/>
                <Compare/>
            </Later>
        </div>
    }
}

/// The number fields, in the order the controls list them.
const SETTINGS: &[&str] = &[
    "ttl_ms", "jitter", "xfetch", "db_ms", "lease_ms", "flush_ms", "refresh", "seed",
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
    let fields = settings(state, "ca", SETTINGS, note);
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
            <SelectField id="ca-lease" label="Leases"
                options=vec![("off", "Off"), ("on", "On: a token on a miss")]
                value=Signal::derive(move || on_off(p().lease))
                on_pick=Callback::new(move |v: String| state.change(|p| p.lease = v == "on"))/>
            <SelectField id="ca-warm" label="At the start the key is"
                options=vec![("off", "Not cached"), ("on", "Cached (v1)")]
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
    let note = RwSignal::new(None::<String>);
    let wait_s = RwSignal::new(31u32);
    let count = move || state.run.with(|r| r.params().programs.len());
    let entries = move || state.run.with(|r| r.params().schedule.len());
    let programs = move || state.run.with(|r| render::program_rows(r.params()));
    let rows = move || state.run.with(|r| render::schedule_rows(r.params()));
    let text = move || {
        state.run.with(|r| {
            r.params()
                .schedule
                .iter()
                .map(|t| cache::token_slug(*t))
                .collect::<Vec<_>>()
                .join(",")
        })
    };
    let edit_schedule =
        move |f: &dyn Fn(&mut Vec<Token>) -> usize| state.edit(|p| f(&mut p.schedule));
    let add = move |t: Token| {
        edit_schedule(&|s| {
            if s.len() < MAX_SCHEDULE {
                s.push(t);
            }
            s.len().saturating_sub(1)
        })
    };
    let on_programs = move |ev: leptos::ev::MouseEvent| {
        let Some((el, i, f)) = event_field(&ev) else {
            return;
        };
        let j = data_j(&el);
        let mut p = state.params();
        let Some(ops) = p.programs.get_mut(i) else {
            return;
        };
        match f {
            Edit::DropOp if j < ops.len() => {
                ops.remove(j);
            }
            Edit::AddRead if ops.len() < MAX_OPS => ops.push(Op::Read),
            Edit::AddWrite if ops.len() < MAX_OPS => ops.push(Op::Write),
            _ => return,
        }
        let id = if f == Edit::DropOp {
            format!("ca-add-read-{i}")
        } else {
            format!("ca-{f}-{i}")
        };
        state.apply(p, 0);
        focus_later(id);
    };
    let list = NodeRef::<leptos::html::Ol>::new();
    follow_step(state, list);
    let on_schedule = list_clicks(state, |p: &mut Params| &mut p.schedule, "ca-s", "ca-add-a");
    // The schedule as text: read with the URL's reader.
    let on_text = move |ev: leptos::ev::Event| {
        let raw = event_target_value(&ev);
        let mut pairs: Vec<(String, String)> = crate::sim::link::<Run>(&state.params(), 0)
            .into_iter()
            .filter(|(k, _)| *k != "schedule" && *k != "step")
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        pairs.push(("schedule".into(), raw));
        let mut r = Reader::new(&pairs);
        let p = crate::sim::read::<Run>(&mut r);
        let problems = r.finish();
        note.set((!problems.is_empty()).then(|| problems.join("; ")));
        state.apply(p, 0);
    };
    let three = move || count() == 3;
    view! {
        <section class="ca-script" aria-labelledby="ca-script-title">
            <h3 id="ca-script-title">"The script"</h3>
            <div class="bk-editor">
                <h4 class="bk-sub">"What each instance does"</h4>
                <ul class="ca-programs" inner_html=programs on:click=on_programs></ul>
                <div class="bk-editor-bar">
                    <button type="button" class="text-button" id="ca-third"
                        on:click=move |_| {
                            let mut p = state.params();
                            if p.programs.len() == 3 {
                                p.programs.truncate(2);
                                p.schedule.retain(|t| !matches!(t, Token::Step(2) | Token::Crash(2)));
                            } else {
                                p.programs.push(vec![Op::Read]);
                            }
                            state.apply(p, 0);
                        }>
                        {move || if three() { "Remove instance C" } else { "Add instance C" }}
                    </button>
                </div>
            </div>
            <div class="bk-editor">
                <h4 class="bk-sub">"The schedule: who acts next"</h4>
                <div class="bk-editor-bar">
                    <button type="button" class="button" id="ca-add-a" on:click=move |_| add(Token::Step(0))>"A steps"</button>
                    <button type="button" class="button" id="ca-add-b" on:click=move |_| add(Token::Step(1))>"B steps"</button>
                    <Show when=three>
                        <button type="button" class="button" id="ca-add-c" on:click=move |_| add(Token::Step(2))>"C steps"</button>
                    </Show>
                    <button type="button" class="text-button" id="ca-crash-a" on:click=move |_| add(Token::Crash(0))>"A crashes"</button>
                    <button type="button" class="text-button" id="ca-crash-b" on:click=move |_| add(Token::Crash(1))>"B crashes"</button>
                    <span class="bk-wait">
                        <button type="button" class="button" id="ca-add-wait"
                            on:click=move |_| add(Token::Wait(u64::from(wait_s.get_untracked()) * 1000))>"Wait"</button>
                        <input type="number" min="1" max="86400" step="1" inputmode="numeric" aria-label="Seconds to wait"
                            prop:value=move || wait_s.get().to_string()
                            on:change=move |ev| {
                                let (v, _) = read_number("wait", &event_target_value(&ev), 1, 86_400, wait_s.get_untracked());
                                wait_s.set(v);
                            }/>
                        <span>"s"</span>
                    </span>
                </div>
                <label class="field ca-text">
                    <span>"As text (a, b, c: a step; a!: a crash; 30s: a wait)"</span>
                    <input type="text" id="ca-schedule-text" spellcheck="false" autocomplete="off"
                        prop:value=text on:change=on_text/>
                </label>
                <p class="form-note" role="status">{move || note.get().map(|n| format!("Ignored: {n}."))}</p>
                <ol class="bk-actions" aria-label="The schedule" node_ref=list inner_html=rows on:click=on_schedule></ol>
                <p class="hint">{move || format!("{} of at most {MAX_SCHEDULE} entries. After the schedule, each instance finishes its program in turn.", entries())}</p>
            </div>
        </section>
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
