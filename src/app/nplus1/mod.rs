//! The N+1 visualization: parameter controls, the shared player, an animated
//! query log with running counters, the sweep charts, and the ORM code of the
//! chosen strategy. Everything it shows comes from [`crate::sim::nplus1`].

mod chart;
mod code;
mod render;

use std::sync::Arc;

use leptos::prelude::*;

use super::browser;
use super::fields::{read_number, NumberField, SelectField};
use super::live::{open_live, Later, Live};
use super::player::Player;
use super::share::CopyLink;
use crate::sim::nplus1::{
    self, Depth, Io, Latency, Params, Relation, Run, Spread, Strategy, Sweep, Then, MAX_BATCH,
    MAX_CHILDREN, MAX_ROW_US, MAX_TOUCH, MAX_USERS,
};
use crate::sim::thousands;
use code::Orm;

/// The state of the visualization: the run and its step, and the sweep of
/// every strategy over N, recomputed only when a parameter it depends on
/// changes, and first computed when its charts come into view (it runs the
/// model some 70 times, work a page that opens with the charts out of
/// sight need not do before it can be used).
#[derive(Clone, Copy)]
struct State {
    run: RwSignal<Arc<Run>>,
    sweep: Memo<Option<Arc<Sweep>>>,
    step: RwSignal<usize>,
    live: Live<Run>,
}

/// The parameters the sweep depends on: all but N and the strategy.
fn sweep_key(p: &Params) -> Params {
    Params {
        strategy: Strategy::Lazy,
        users: 0,
        ..p.clone()
    }
}

impl State {
    /// Changes the parameters from a control, starting again at step 0.
    fn change(self, f: impl FnOnce(&mut Params)) {
        self.live.change(f);
    }
}

/// The live N+1 visualization for the topic `slug`.
#[component]
pub fn NPlusOneViz(slug: &'static str) -> impl IntoView {
    let (live, query) = open_live::<Run>(slug);
    let key = Memo::new(move |_| live.run.with(|r| sweep_key(r.params())));
    let in_view = RwSignal::new(false);
    let sweep = Memo::new(move |_| in_view.get().then(|| Arc::new(nplus1::sweep(&key.get()))));
    let state = State {
        run: live.run,
        sweep,
        step: live.step,
        live,
    };
    let steps = live.steps();
    let caption = live.caption();

    view! {
        <div class="np">
            <div class="viz-head">
                <h2 id="viz-title">{crate::content::visualization_title("n-plus-one")}</h2>
                <CopyLink query=query/>
            </div>
            <Controls state=state/>
            <Player steps=steps step=state.step caption=caption/>
            <Frame state=state/>
            <Later>
                <Charts state=state in_view=in_view/>
                <OrmCode state=state/>
            </Later>
        </div>
    }
}

/// What the batch field says when empty: the ORM's default.
fn batch_placeholder(q: &Params) -> String {
    match (q.orm, q.strategy.default_batch()) {
        (nplus1::Orm::Django, _) if q.strategy == Strategy::SelectIn => {
            "default: no limit (a number: .iterator(chunk_size=))".to_string()
        }
        (_, Some(b)) => format!("default: {}", thousands(b.into())),
        (_, None) => "default: no limit".to_string(),
    }
}

/// A number field's handler: reads the value like the URL reader, notes
/// any change in `note`, and sets it with `set`.
fn number_field(
    state: State,
    note: RwSignal<Option<String>>,
    key: &'static str,
    min: u32,
    max: u32,
    get: fn(&Params) -> u32,
    set: fn(&mut Params, u32),
) -> Callback<String, String> {
    Callback::new(move |raw: String| {
        let current = state.run.with_untracked(|r| get(r.params()));
        let (v, problem) = read_number(key, &raw, min, max, current);
        note.set(problem);
        state.change(|p| set(p, v));
        v.to_string()
    })
}

/// The relation walked, the users loaded before the loop and the passes
/// of the loop.
#[component]
fn WalkFields(state: State, note: RwSignal<Option<String>>) -> impl IntoView {
    let p = move || state.run.with(|r| r.params().clone());
    let number = move |key, min, max, get, set| number_field(state, note, key, min, max, get, set);
    let none = String::new;
    view! {
        <SelectField id="np-rel" label="Relation"
            options=[Relation::Orders, Relation::User, Relation::Tags, Relation::Profile].map(|r| (r.slug(), r.label())).to_vec()
            value=Signal::derive(move || p().relation.slug())
            on_pick=Callback::new(move |v: String| {
                let all = [Relation::Orders, Relation::User, Relation::Tags, Relation::Profile];
                if let Some(r) = all.into_iter().find(|r| r.slug() == v) {
                    state.change(|p| p.relation = r);
                }
            })/>
        <div class="np-when" hidden=move || p().strategy != Strategy::DataLoader>
        <SelectField id="np-io" label="DataLoader batches resolve"
            options=vec![("memory", "From memory, at once"), ("real", "After real I/O, each on its own")]
            value=Signal::derive(move || if p().io == Io::Real { "real" } else { "memory" })
            on_pick=Callback::new(move |v: String| {
                let io = if v == "real" { Io::Real } else { Io::Memory };
                state.change(|p| p.io = io);
            })/>
        </div>
        <div class="np-when" hidden=move || p().relation != Relation::Orders || p().depth != Depth::Items>
        <SelectField id="np-then" label="Items load (orders, then items)"
            options=Then::ALL.map(|t| (t.slug(), t.label())).to_vec()
            value=Signal::derive(move || p().then.slug())
            on_pick=Callback::new(move |v: String| {
                if let Some(t) = Then::ALL.into_iter().find(|t| t.slug() == v) {
                    state.change(|p| p.then = t);
                }
            })/>
        </div>
        <NumberField id="np-loaded" label="Users loaded before the loop" min=0 max=MAX_USERS
            value=Signal::derive(move || p().loaded.to_string()) hidden=false placeholder=Signal::derive(none)
            on_commit=number("loaded", 0, MAX_USERS, |p| p.loaded, |p, v| p.loaded = v)/>
        <NumberField id="np-touch" label="Passes of the loop" min=1 max=MAX_TOUCH
            value=Signal::derive(move || p().touch.to_string()) hidden=false placeholder=Signal::derive(none)
            on_commit=number("touch", 1, MAX_TOUCH, |p| p.touch, |p, v| p.touch = v)/>
    }
}

/// The parameter controls.
#[component]
fn Controls(state: State) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let p = move || state.run.with(|r| r.params().clone());
    let number = move |key, min, max, get, set| number_field(state, note, key, min, max, get, set);
    let batch = Callback::new(move |raw: String| {
        if raw.trim().is_empty() {
            note.set(None);
            state.change(|p| p.batch = None);
            return String::new();
        }
        let current = state
            .run
            .with_untracked(|r| r.params().effective_batch().unwrap_or(MAX_BATCH));
        let (v, problem) = read_number("batch", &raw, 1, MAX_BATCH, current);
        note.set(problem);
        state.change(|p| p.batch = Some(v));
        v.to_string()
    });
    let text = |v: u32| v.to_string();
    let none = String::new;
    view! {
        <form class="controls" on:submit=|ev| ev.prevent_default() aria-label="Parameters">
            <SelectField id="np-strategy" label="Loading strategy" wide=true
                options=Strategy::EVERY.map(|s| (s.slug(), s.label())).to_vec()
                value=Signal::derive(move || p().strategy.slug())
                on_pick=Callback::new(move |v: String| {
                    if let Some(s) = Strategy::EVERY.into_iter().find(|s| s.slug() == v) {
                        state.change(|p| p.strategy = s);
                    }
                })/>
            <SelectField id="np-orm" label="Statements of"
                options=nplus1::Orm::ALL.map(|o| (o.slug(), o.label())).to_vec()
                value=Signal::derive(move || p().orm.slug())
                on_pick=Callback::new(move |v: String| {
                    if let Some(o) = nplus1::Orm::ALL.into_iter().find(|o| o.slug() == v) {
                        state.change(|p| p.orm = o);
                    }
                })/>
            <WalkFields state=state note=note/>
            <NumberField id="np-n" label="Users (N)" min=0 max=MAX_USERS
                value=Signal::derive(move || text(p().users)) hidden=false placeholder=Signal::derive(none)
                on_commit=number("n", 0, MAX_USERS, |p| p.users, |p, v| p.users = v)/>
            <NumberField id="np-orders" label="Orders per user" min=0 max=MAX_CHILDREN
                value=Signal::derive(move || text(p().orders)) hidden=false placeholder=Signal::derive(none)
                on_commit=number("orders", 0, MAX_CHILDREN, |p| p.orders, |p, v| p.orders = v)/>
            <div class="np-when" hidden=move || p().relation != Relation::Orders>
            <SelectField id="np-load" label="Load (user.orders)"
                options=vec![(Depth::Orders.slug(), "Orders"), (Depth::Items.slug(), "Orders, then items")]
                value=Signal::derive(move || p().depth.slug())
                on_pick=Callback::new(move |v: String| {
                    let d = if v == Depth::Items.slug() { Depth::Items } else { Depth::Orders };
                    state.change(|p| p.depth = d);
                })/>
            </div>
            <NumberField id="np-items" label="Items (or tags) per order" min=0 max=MAX_CHILDREN
                value=Signal::derive(move || text(p().items))
                hidden=Signal::derive(move || match p().relation {
                    Relation::Orders => p().depth != Depth::Items,
                    Relation::User | Relation::Profile => true,
                    Relation::Tags => false,
                })
                placeholder=Signal::derive(none)
                on_commit=number("items", 0, MAX_CHILDREN, |p| p.items, |p, v| p.items = v)/>
            <NumberField id="np-batch" label="Batch size (keys)" min=1 max=MAX_BATCH
                value=Signal::derive(move || p().batch.map(text).unwrap_or_default())
                hidden=Signal::derive(move || !p().uses_batch())
                placeholder=Signal::derive(move || batch_placeholder(&p()))
                on_commit=batch/>
            <SelectField id="np-spread" label="Counts"
                options=vec![("fixed", "Exactly that many"), ("random", "Random, that many on average")]
                value=Signal::derive(move || if p().spread == Spread::Random { "random" } else { "fixed" })
                on_pick=Callback::new(move |v: String| {
                    let s = if v == "random" { Spread::Random } else { Spread::Fixed };
                    state.change(|p| p.spread = s);
                })/>
            <NumberField id="np-seed" label="Seed" min=0 max=u32::MAX
                value=Signal::derive(move || text(p().seed))
                hidden=Signal::derive(move || p().spread != Spread::Random)
                placeholder=Signal::derive(none)
                on_commit=number("seed", 0, u32::MAX, |p| p.seed, |p, v| p.seed = v)/>
            <NumberField id="np-row" label="Cost per row (\u{b5}s)" min=0 max=MAX_ROW_US
                value=Signal::derive(move || text(p().row_us)) hidden=false placeholder=Signal::derive(none)
                on_commit=number("row_us", 0, MAX_ROW_US, |p| p.row_us, |p, v| p.row_us = v)/>
            <SelectField id="np-latency" label="Network"
                options=Latency::ALL.map(|l| (l.slug(), l.label())).to_vec()
                value=Signal::derive(move || p().latency.slug())
                on_pick=Callback::new(move |v: String| {
                    if let Some(l) = Latency::ALL.into_iter().find(|l| l.slug() == v) {
                        state.change(|p| p.latency = l);
                    }
                })/>
            <p class="form-note" role="status">
                {move || note.get().map(|n| format!("Changed: {n}."))}
            </p>
        </form>
    }
}

/// Running figures, the query strip, the log and the current rows.
#[component]
fn Frame(state: State) -> impl IntoView {
    let at = move |f: fn(&Run, usize) -> String| state.live.at(f);
    let whole = move |f: fn(&Run) -> String| move || state.run.with(|r| f(r));
    view! {
        <dl class="counters" aria-label="Figures so far" inner_html=at(render::counters)></dl>
        <section class="query-log" aria-labelledby="np-log-title">
            <h3 id="np-log-title">"Query log"</h3>
            <svg class="strip" viewBox=format!("0 0 {} 10", render::STRIP_W) preserveAspectRatio="none" role="img"
                aria-label=whole(render::strip_label)>
                <g inner_html=whole(render::strip)></g>
                <rect class="veil" x=at(render::veil_x) y="0" width=render::STRIP_W height="10"/>
            </svg>
            <p class="strip-key" aria-hidden="true">
                <span class="key t-users">"users"</span>
                <span class="key t-orders">"orders"</span>
                <span class="key t-items">"items"</span>
            </p>
            <ol class="log" aria-label="The last queries sent" inner_html=at(render::log)></ol>
            <div class="result" inner_html=at(render::result)></div>
        </section>
    }
}

/// The sweep charts and their table.
#[component]
fn Charts(state: State, in_view: RwSignal<bool>) -> impl IntoView {
    let section = NodeRef::<leptos::html::Section>::new();
    section.on_load(move |el| browser::when_visible(&el, move || in_view.set(true)));
    let draw = move |metric: chart::Metric| {
        move || {
            let Some(sweep) = state.sweep.get() else {
                return chart::placeholder(metric);
            };
            state.run.with(|r| {
                let p = r.params();
                chart::svg(&sweep, metric, p.strategy, p.users, &r.total())
            })
        }
    };
    let legend = move || {
        let current = state.run.with(|r| r.params().strategy);
        Strategy::ALL
            .iter()
            .map(|s| {
                format!(
                    r#"<li{}><svg aria-hidden="true" viewBox="0 0 24 8" width="24" height="8"><line class="line s-{}" x1="0" x2="24" y1="4" y2="4"/></svg>{}</li>"#,
                    if *s == current { r#" class="current""# } else { "" },
                    s.slug(),
                    s.label()
                )
            })
            .collect::<String>()
    };
    view! {
        <section class="charts" aria-labelledby="np-charts-title" node_ref=section>
            <h3 id="np-charts-title">"As N grows"</h3>
            <p class="hint">
                "Every strategy run at N from 1 to 10,000 with the parameters above; the dashed line marks the current N."
            </p>
            <div class="chart-pair">
                <figure>
                    <div inner_html=draw(chart::Metric::Queries)></div>
                    <figcaption>"Queries"</figcaption>
                </figure>
                <figure>
                    <div inner_html=draw(chart::Metric::Time)></div>
                    <figcaption>"Database time"</figcaption>
                </figure>
            </div>
            <ul class="legend" inner_html=legend></ul>
            <details class="sweep-details">
                <summary>"The figures as a table"</summary>
                <div inner_html=move || state.sweep.get().map(|s| chart::table(&s)).unwrap_or_default()></div>
            </details>
        </section>
    }
}

/// The code that produces the current strategy, per library, in tabs.
#[component]
fn OrmCode(state: State) -> impl IntoView {
    let tab = RwSignal::new(Orm::SqlAlchemy);
    // The tab follows the statements shown: the ORM chosen, or the
    // DataLoader's.
    Effect::new(move |_| {
        let (strategy, orm) = state.run.with(|r| (r.params().strategy, r.params().orm));
        tab.set(match (strategy, orm) {
            (Strategy::DataLoader, _) => Orm::DataLoader,
            (_, nplus1::Orm::SqlAlchemy) => Orm::SqlAlchemy,
            (_, nplus1::Orm::Django) => Orm::Django,
        });
    });
    let select = move |orm: Orm, focus: bool| {
        tab.set(orm);
        if focus {
            if let Some(el) = browser::element(&format!("orm-tab-{}", orm.id()))
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
            {
                let _ = el.focus();
            }
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let i = Orm::ALL
            .iter()
            .position(|&o| o == tab.get_untracked())
            .unwrap_or(0);
        let n = Orm::ALL.len();
        let next = match ev.key().as_str() {
            "ArrowRight" => (i + 1) % n,
            "ArrowLeft" => (i + n - 1) % n,
            "Home" => 0,
            "End" => n - 1,
            _ => return,
        };
        ev.prevent_default();
        select(Orm::ALL[next], true);
    };
    let tabs = Orm::ALL
        .map(|orm| {
            view! {
                <button type="button" role="tab" id=format!("orm-tab-{}", orm.id())
                    aria-controls="orm-panel"
                    aria-selected=move || if tab.get() == orm { "true" } else { "false" }
                    tabindex=move || if tab.get() == orm { "0" } else { "-1" }
                    on:click=move |_| select(orm, false)>
                    {orm.label()}
                </button>
            }
        })
        .collect_view();
    let panel = move || state.run.with(|r| code::panel(tab.get(), r.params()));
    view! {
        <section class="orm-code" aria-labelledby="np-code-title">
            <h3 id="np-code-title">{move || state.run.with(|r| code_title(r.params()))}</h3>
            <div class="tabs" role="tablist" aria-label="Library" on:keydown=on_key>{tabs}</div>
            <div id="orm-panel" class="tab-panel" role="tabpanel"
                aria-labelledby=move || format!("orm-tab-{}", tab.get().id())
                inner_html=panel>
            </div>
        </section>
    }
}

/// The code panel's heading: the strategy, and the items' own when the
/// levels differ.
fn code_title(p: &Params) -> String {
    if nplus1::mixes(p) {
        format!(
            "The code: {}, then items by {}",
            p.strategy.label(),
            p.then.label().to_lowercase()
        )
    } else {
        format!("The code: {}", p.strategy.label())
    }
}
