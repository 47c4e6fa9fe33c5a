//! The N+1 visualization: parameter controls, the shared player, an animated
//! query log with running counters, the sweep charts, and the ORM code of the
//! chosen strategy. Everything it shows comes from [`crate::sim::nplus1`].

mod chart;
mod code;

use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;

use super::player::Player;
use super::share::CopyLink;
use super::{browser, use_router};
use crate::route::{self, Route};
use crate::sim::nplus1::{
    self, Depth, Latency, Params, Run, Shape, Spread, Strategy, Sweep, Table, Value, MAX_BATCH,
    MAX_CHILDREN, MAX_ROW_US, MAX_USERS,
};
use crate::sim::params::Reader;
use crate::sim::{bytes, duration, thousands, Trace};
use code::Orm;

/// How many queries the log shows around the current step.
const LOG_ROWS: usize = 6;
/// How many result rows of the current query are shown.
const RESULT_ROWS: usize = 4;
/// Most cells in the query strip; beyond that a cell stands for several
/// queries.
const STRIP_CELLS: usize = 160;
/// Delay before the URL follows the state, so that scrubbing does not flood
/// the browser's history API.
const URL_DELAY: Duration = Duration::from_millis(150);

/// The state of the visualization.
#[derive(Clone, Copy)]
struct State {
    run: RwSignal<Arc<Run>>,
    sweep: RwSignal<Arc<Sweep>>,
    step: RwSignal<usize>,
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
    /// Runs the model for `params` and shows `step` of it.
    fn apply(self, params: Params, step: usize) {
        let old = self.run.get_untracked();
        if sweep_key(old.params()) != sweep_key(&params) {
            self.sweep.set(Arc::new(nplus1::sweep(&params)));
        }
        if *old.params() != params {
            self.run.set(Arc::new(Run::new(&params)));
        }
        let last = self.run.with_untracked(|r| r.steps() - 1);
        self.step.set(step.min(last));
    }

    /// Changes the parameters from a control, starting again at step 0.
    fn change(self, f: impl FnOnce(&mut Params)) {
        let mut p = self.run.with_untracked(|r| r.params().clone());
        f(&mut p);
        self.apply(p, 0);
    }
}

/// Reads one whole number from a field the way the URL reader does, with the
/// same range and the same reason when the value had to change.
fn read_number(key: &str, raw: &str, min: u32, max: u32, current: u32) -> (u32, Option<String>) {
    let pairs = [(key.to_string(), raw.to_string())];
    let mut r = Reader::new(&pairs);
    let v = r.int(key, min.into(), max.into(), current.into()) as u32;
    (v, r.finish().into_iter().next())
}

/// The live N+1 visualization for the topic `slug`.
#[component]
pub fn NPlusOneViz(slug: &'static str) -> impl IntoView {
    let router = use_router();
    let opened = nplus1::open(&router.params.get_untracked());
    if !opened.problems.is_empty() {
        router.ignored.update(|v| v.extend(opened.problems));
    }
    let sweep0 = Arc::new(nplus1::sweep(opened.run.params()));
    let state = State {
        run: RwSignal::new(Arc::new(opened.run)),
        sweep: RwSignal::new(sweep0),
        step: RwSignal::new(opened.step),
    };
    let here = move || router.route.get_untracked() == Route::Topic(slug);

    // A link or Back/Forward that changes the parameters of this topic.
    Effect::new(move |prev: Option<()>| {
        let pairs = router.params.get();
        if prev.is_some() && here() {
            let o = nplus1::open(&pairs);
            if !o.problems.is_empty() {
                router.ignored.update(|v| v.extend(o.problems));
            }
            state.apply(o.run.params().clone(), o.step);
        }
    });

    // The URL follows the state (replacing the entry), a moment after the
    // last change.
    let query = Memo::new(move |_| {
        let step = state.step.get();
        state
            .run
            .with(|r| route::topic_query(slug, &nplus1::to_pairs(r.params(), step)))
    });
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let cancel = move || {
        if let Some(h) = pending.try_get_value().flatten() {
            h.clear();
        }
    };
    Effect::new(move |prev: Option<()>| {
        let q = query.get();
        if prev.is_none() {
            return;
        }
        cancel();
        let write = move || {
            if here() {
                browser::replace(&q);
            }
        };
        if let Ok(h) = set_timeout_with_handle(write, URL_DELAY) {
            pending.set_value(Some(h));
        }
    });
    on_cleanup(cancel);

    let steps = Signal::derive(move || state.run.with(|r| r.steps()));
    let caption = Signal::derive(move || {
        let step = state.step.get();
        state.run.with(|r| r.caption(step))
    });

    view! {
        <div class="np">
            <div class="viz-head">
                <h2 id="viz-title">"Live: count the queries"</h2>
                <CopyLink query=query/>
            </div>
            <Controls state=state/>
            <Player steps=steps step=state.step caption=caption/>
            <Counters state=state/>
            <QueryLog state=state/>
            <Charts state=state/>
            <OrmCode state=state/>
        </div>
    }
}

/// The parameter controls.
#[component]
fn Controls(state: State) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let p = move || state.run.with(|r| r.params().clone());
    let number = move |key: &'static str,
                       min: u32,
                       max: u32,
                       get: fn(&Params) -> u32,
                       set: fn(&mut Params, u32)| {
        move |ev: leptos::ev::Event| {
            let raw = event_target_value(&ev);
            let current = state.run.with_untracked(|r| get(r.params()));
            let (v, problem) = read_number(key, &raw, min, max, current);
            note.set(problem);
            state.change(|p| set(p, v));
            // The field shows the value in use, even if it did not change.
            if let Some(el) = ev
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok())
            {
                el.set_value(&v.to_string());
            }
        }
    };
    let batch_change = move |ev: leptos::ev::Event| {
        let raw = event_target_value(&ev);
        if raw.trim().is_empty() {
            note.set(None);
            state.change(|p| p.batch = None);
            return;
        }
        let current = state
            .run
            .with_untracked(|r| r.params().effective_batch().unwrap_or(MAX_BATCH));
        let (v, problem) = read_number("batch", &raw, 1, MAX_BATCH, current);
        note.set(problem);
        state.change(|p| p.batch = Some(v));
        if let Some(el) = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok())
        {
            el.set_value(&v.to_string());
        }
    };
    let batch_placeholder = move || match p().strategy.default_batch() {
        Some(b) => format!("default: {}", thousands(b.into())),
        None => "default: no limit".to_string(),
    };

    view! {
        <form class="controls" on:submit=|ev| ev.prevent_default() aria-label="Parameters">
            <label class="field wide">
                <span>"Loading strategy"</span>
                <select id="np-strategy" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if let Some(s) = Strategy::ALL.into_iter().find(|s| s.slug() == v) {
                        state.change(|p| p.strategy = s);
                    }
                }>
                    {Strategy::ALL.map(|s| view! {
                        <option value=s.slug() prop:selected=move || p().strategy == s>{s.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>"Users (N)"</span>
                <input id="np-n" type="number" inputmode="numeric" min="0" max=MAX_USERS step="1"
                    prop:value=move || p().users.to_string()
                    on:change=number("n", 0, MAX_USERS, |p| p.users, |p, v| p.users = v)/>
            </label>
            <label class="field">
                <span>"Load"</span>
                <select id="np-load" on:change=move |ev| {
                    let d = if event_target_value(&ev) == Depth::Items.slug() { Depth::Items } else { Depth::Orders };
                    state.change(|p| p.depth = d);
                }>
                    <option value=Depth::Orders.slug() prop:selected=move || p().depth == Depth::Orders>"Orders"</option>
                    <option value=Depth::Items.slug() prop:selected=move || p().depth == Depth::Items>"Orders, then items"</option>
                </select>
            </label>
            <label class="field">
                <span>"Orders per user"</span>
                <input id="np-orders" type="number" inputmode="numeric" min="0" max=MAX_CHILDREN step="1"
                    prop:value=move || p().orders.to_string()
                    on:change=number("orders", 0, MAX_CHILDREN, |p| p.orders, |p, v| p.orders = v)/>
            </label>
            <Show when=move || p().depth == Depth::Items>
                <label class="field">
                    <span>"Items per order"</span>
                    <input id="np-items" type="number" inputmode="numeric" min="0" max=MAX_CHILDREN step="1"
                        prop:value=move || p().items.to_string()
                        on:change=number("items", 0, MAX_CHILDREN, |p| p.items, |p, v| p.items = v)/>
                </label>
            </Show>
            <label class="field">
                <span>"Counts"</span>
                <select id="np-spread" on:change=move |ev| {
                    let s = if event_target_value(&ev) == "random" { Spread::Random } else { Spread::Fixed };
                    state.change(|p| p.spread = s);
                }>
                    <option value="fixed" prop:selected=move || p().spread == Spread::Fixed>"Exactly that many"</option>
                    <option value="random" prop:selected=move || p().spread == Spread::Random>"Random, that many on average"</option>
                </select>
            </label>
            <Show when=move || p().spread == Spread::Random>
                <label class="field">
                    <span>"Seed"</span>
                    <input id="np-seed" type="number" inputmode="numeric" min="0" max=u32::MAX step="1"
                        prop:value=move || p().seed.to_string()
                        on:change=number("seed", 0, u32::MAX, |p| p.seed, |p, v| p.seed = v)/>
                </label>
            </Show>
            <Show when=move || p().strategy.uses_batch()>
                <label class="field">
                    <span>"Batch size (keys)"</span>
                    <input id="np-batch" type="number" inputmode="numeric" min="1" max=MAX_BATCH step="1"
                        placeholder=batch_placeholder
                        prop:value=move || p().batch.map(|b| b.to_string()).unwrap_or_default()
                        on:change=batch_change/>
                </label>
            </Show>
            <label class="field">
                <span>"Network"</span>
                <select id="np-latency" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if let Some(l) = Latency::ALL.into_iter().find(|l| l.slug() == v) {
                        state.change(|p| p.latency = l);
                    }
                }>
                    {Latency::ALL.map(|l| view! {
                        <option value=l.slug() prop:selected=move || p().latency == l>{l.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="field">
                <span>"Cost per row (\u{b5}s)"</span>
                <input id="np-row" type="number" inputmode="numeric" min="0" max=MAX_ROW_US step="1"
                    prop:value=move || p().row_us.to_string()
                    on:change=number("row_us", 0, MAX_ROW_US, |p| p.row_us, |p, v| p.row_us = v)/>
            </label>
            <p class="form-note" role="status">
                {move || note.get().map(|n| format!("Changed: {n}."))}
            </p>
        </form>
    }
}

/// Running figures at the current step, against the whole run's.
#[component]
fn Counters(state: State) -> impl IntoView {
    let now = move || {
        let step = state.step.get();
        state.run.with(|r| (r.totals_at(step), r.total()))
    };
    let stat =
        move |label: &'static str, f: fn(u64) -> String, pick: fn(&nplus1::Totals) -> u64| {
            view! {
                <div class="stat">
                    <dt>{label}</dt>
                    <dd>
                        <span class="now">{move || f(pick(&now().0))}</span>
                        <span class="of">{move || format!("of {}", f(pick(&now().1)))}</span>
                    </dd>
                </div>
            }
        };
    view! {
        <dl class="counters" aria-label="Figures so far">
            {stat("Queries", thousands, |t| t.queries)}
            {stat("Rows", thousands, |t| t.rows)}
            {stat("Bytes", bytes, |t| t.bytes)}
            {stat("Database time", duration, |t| t.time_ns)}
        </dl>
    }
}

fn table_name(t: Table) -> &'static str {
    match t {
        Table::Users => "users",
        Table::Orders => "orders",
        Table::Items => "items",
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Text(s) => s.clone(),
        Value::Null => "NULL".to_string(),
    }
}

/// The query strip (one cell per query, or per few), the log of the last
/// queries up to the current step, and the rows of the current query.
#[component]
fn QueryLog(state: State) -> impl IntoView {
    // The strip is drawn once per run; only the veil over the queries not
    // yet sent moves with the step.
    let strip = move || {
        state.run.with(|r| {
            let qs = r.queries();
            let cells = qs.len().clamp(1, STRIP_CELLS);
            let per = qs.len().div_ceil(cells).max(1);
            let w = 100.0 / cells as f64;
            let rects = qs
                .chunks(per)
                .enumerate()
                .map(|(i, chunk)| {
                    let class = format!("cell t-{}", table_name(chunk[0].table));
                    let x = i as f64 * w;
                    view! { <rect class=class x=format!("{x:.3}") y="0" width=format!("{:.3}", (w - 0.25).max(0.1)) height="10"/> }
                })
                .collect_view();
            let label = format!(
                "{}: one mark per {}",
                nplus1::plural(qs.len() as u64, "query", "queries"),
                if per == 1 { "query".to_string() } else { format!("{per} queries") }
            );
            (rects, label)
        })
    };
    let veil_x = move || {
        let step = state.step.get();
        let n = state.run.with(|r| r.queries().len()).max(1);
        format!("{:.3}", 100.0 * step.min(n) as f64 / n as f64)
    };
    let log = move || {
        let step = state.step.get();
        state.run.with(|r| {
            let end = step.min(r.queries().len());
            let start = end.saturating_sub(LOG_ROWS);
            (start..end)
                .map(|i| {
                    let q = r.queries()[i];
                    let current = i + 1 == end;
                    let tick = (r.params().strategy == Strategy::DataLoader && q.tick > 0)
                        .then(|| view! { <span class="badge">{format!("tick {}", q.tick)}</span> });
                    view! {
                        <li class:current=current>
                            <div class="q-head">
                                <span class="q-no">{format!("#{}", thousands(i as u64 + 1))}</span>
                                <span class=format!("badge t-{}", table_name(q.table))>{table_name(q.table)}</span>
                                {tick}
                                <span class="q-figures">
                                    {format!("{} \u{b7} {} \u{b7} {}", nplus1::plural(q.rows, "row", "rows"), bytes(q.bytes), duration(q.cost_ns))}
                                </span>
                            </div>
                            <code class="sql">{r.sql_preview(i)}</code>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let result = move || {
        let step = state.step.get();
        state.run.with(|r| {
            let (i, q) = r.query_at(step)?;
            let cols = r.columns(i);
            let rows = r.rows(i, RESULT_ROWS);
            let more = q.rows.saturating_sub(rows.len() as u64);
            let head = cols.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view();
            let body = rows
                .iter()
                .map(|row| {
                    let cells = row
                        .iter()
                        .map(|v| view! { <td class:null=*v == Value::Null>{cell(v)}</td> })
                        .collect_view();
                    view! { <tr>{cells}</tr> }
                })
                .collect_view();
            let joined = matches!(q.shape, Shape::Join(_));
            Some(view! {
                <div class="result">
                    <div class="table-wrap">
                        <table>
                            <caption>
                                {format!("Rows returned by query {}", thousands(i as u64 + 1))}
                                {joined.then_some(": the user's columns repeat on every row")}
                            </caption>
                            <thead><tr>{head}</tr></thead>
                            <tbody>{body}</tbody>
                        </table>
                    </div>
                    {(more > 0).then(|| view! { <p class="more">{format!("and {} more", nplus1::plural(more, "row", "rows"))}</p> })}
                    {(q.rows == 0).then(|| view! { <p class="more">"No rows: a round trip for nothing."</p> })}
                </div>
            })
        })
    };
    view! {
        <section class="query-log" aria-labelledby="np-log-title">
            <h3 id="np-log-title">"Query log"</h3>
            {move || {
                let (rects, label) = strip();
                view! {
                    <svg class="strip" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label=label>
                        {rects}
                        <rect class="veil" x=veil_x y="0" width="100" height="10"/>
                    </svg>
                }
            }}
            <p class="strip-key" aria-hidden="true">
                <span class="key t-users">"users"</span>
                <span class="key t-orders">"orders"</span>
                <span class="key t-items">"items"</span>
            </p>
            <ol class="log" aria-label="The last queries sent">{log}</ol>
            {move || (state.step.get() == 0).then(|| view! {
                <p class="log-empty">"No query yet. Press Play or step forward."</p>
            })}
            {result}
        </section>
    }
}

/// The sweep charts and their table.
#[component]
fn Charts(state: State) -> impl IntoView {
    let draw = move |metric: chart::Metric| {
        move || {
            let sweep = state.sweep.get();
            state.run.with(|r| {
                chart::chart(
                    &sweep,
                    metric,
                    r.params().strategy,
                    r.params().users,
                    &r.total(),
                )
            })
        }
    };
    let legend = Strategy::ALL
        .map(|s| {
            view! {
                <li class:current=move || state.run.with(|r| r.params().strategy == s)>
                    <svg aria-hidden="true" viewBox="0 0 24 8" width="24" height="8">
                        <line class=format!("line s-{}", s.slug()) x1="0" x2="24" y1="4" y2="4"/>
                    </svg>
                    {s.label()}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="charts" aria-labelledby="np-charts-title">
            <h3 id="np-charts-title">"As N grows"</h3>
            <p class="hint">
                "Every strategy run at N from 1 to 10,000 with the parameters above; the line marks the current N."
            </p>
            <div class="chart-pair">
                <figure>
                    {draw(chart::Metric::Queries)}
                    <figcaption>"Queries"</figcaption>
                </figure>
                <figure>
                    {draw(chart::Metric::Time)}
                    <figcaption>"Database time"</figcaption>
                </figure>
            </div>
            <ul class="legend">{legend}</ul>
            <details class="sweep-details">
                <summary>"The figures as a table"</summary>
                {move || chart::table(&state.sweep.get())}
            </details>
        </section>
    }
}

/// The code that produces the current strategy, per ORM, in tabs.
#[component]
fn OrmCode(state: State) -> impl IntoView {
    let tab = RwSignal::new(Orm::SqlAlchemy);
    // Choosing the DataLoader strategy shows its tab.
    Effect::new(move |_| {
        if state.run.with(|r| r.params().strategy) == Strategy::DataLoader {
            tab.set(Orm::DataLoader);
        }
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
    let panel = move || {
        let (strategy, depth) = state.run.with(|r| (r.params().strategy, r.params().depth));
        let s = code::snippet(tab.get(), strategy, depth);
        view! {
            {s.code.map(|c| view! { <pre><code>{c}</code></pre> })}
            <p class="note">{s.note}</p>
        }
    };
    view! {
        <section class="orm-code" aria-labelledby="np-code-title">
            <h3 id="np-code-title">{move || format!("The code: {}", state.run.with(|r| r.params().strategy.label()))}</h3>
            <div class="tabs" role="tablist" aria-label="Library" on:keydown=on_key>{tabs}</div>
            <div id="orm-panel" class="tab-panel" role="tabpanel"
                aria-labelledby=move || format!("orm-tab-{}", tab.get().id())>
                {panel}
            </div>
        </section>
    }
}
