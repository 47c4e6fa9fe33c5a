//! The worst links: for each model, a search of its parameter space and
//! its free-text inputs for the link that is slowest to open within the
//! model's limits, printing that link, its open time (median of several
//! runs, native) and the most memory it held while opening. Prints figures;
//! asserts nothing. Run with `cargo bench --bench worst`; the full links go
//! to `artifacts/worst-links.txt`. Words after `--` choose the models
//! (`cargo bench --bench worst -- circuit-breaker`).

#[path = "../common/mod.rs"]
#[allow(dead_code)]
mod common;

mod breaker;
mod cache;
mod lab;
mod nplus1;
mod ratelimit;
mod retry;
mod table;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use backend_playground::route;

/// The system allocator, counting the bytes held and the most held since
/// the last [`reset_peak`].
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Whether allocations go uncounted, straight to the system allocator
/// (see [`uncounted`]).
static BYPASS: AtomicBool = AtomicBool::new(false);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() && !BYPASS.load(Ordering::Relaxed) {
            let now = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        if !BYPASS.load(Ordering::Relaxed) {
            HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        }
    }
}

/// Runs `f` with allocations uncounted, so that a time measured inside
/// carries none of the count's cost (an atomic add and maximum per
/// allocation). `f` must free all it allocates (it returns no heap).
pub fn uncounted<T: Copy>(f: impl FnOnce() -> T) -> T {
    BYPASS.store(true, Ordering::Relaxed);
    let out = f();
    BYPASS.store(false, Ordering::Relaxed);
    out
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Starts counting the peak from what is held now.
fn reset_peak() {
    PEAK.store(HELD.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// Runs `f` with the C allocator keeping the memory freed on its heap
/// instead of handing it back to the system, as a browser's wasm memory
/// does (it never shrinks); the setting is restored after. On glibc,
/// freeing the few megabytes a run used hands them back at once, and the
/// next run takes a page fault on each page again; elsewhere `f` just runs.
pub fn memory_kept<T>(f: impl FnOnce() -> T) -> T {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // glibc's M_TRIM_THRESHOLD, and its default of 128 KiB.
        const TRIM: i32 = -1;
        // SAFETY: mallopt only changes a setting of the C allocator.
        unsafe { mallopt(TRIM, i32::MAX) };
        let out = f();
        // SAFETY: as above.
        unsafe { mallopt(TRIM, 128 * 1024) };
        out
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    f()
}

/// What opening a link cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub struct Cost {
    /// Wall time of one open.
    pub time: Duration,
    /// The most bytes held above what was held before, while opening.
    pub peak: usize,
}

/// The decoded pairs of a topic page's query string (`k=v&…`), as the
/// page hands them to its model.
pub fn pairs(query: &str) -> Vec<(String, String)> {
    route::parse_page(&route::Route::Topic("acid"), query).params
}

/// Opens `query` (a topic page's query string, `k=v&…`, as a permalink
/// holds it) with `open` once, and what it cost (decoding included).
pub fn cost_once<T>(query: &str, open: impl Fn(&[(String, String)]) -> T) -> Cost {
    let before = HELD.load(Ordering::Relaxed);
    reset_peak();
    let t = Instant::now();
    let pairs = pairs(query);
    let out = open(&pairs);
    let time = t.elapsed();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    drop(std::hint::black_box(out));
    Cost { time, peak }
}

/// The cost of `query`: the median time of five opens, the largest peak.
pub fn cost<T>(query: &str, open: impl Fn(&[(String, String)]) -> T) -> Cost {
    let mut runs: Vec<Cost> = (0..5).map(|_| cost_once(query, &open)).collect();
    runs.sort_by_key(|c| c.time);
    Cost {
        time: runs[2].time,
        peak: runs.iter().map(|c| c.peak).max().unwrap_or(0),
    }
}

/// The time to write every step's caption of `run`, per step, in
/// microseconds: what stepping through it costs the model.
pub fn caption_us(run: &impl backend_playground::sim::Trace) -> f64 {
    let steps = run.steps();
    let t = Instant::now();
    let chars: usize = (0..steps).map(|k| run.caption(k).len()).sum();
    std::hint::black_box(chars);
    t.elapsed().as_secs_f64() * 1e6 / steps.max(1) as f64
}

/// The worst link a search found for one model.
pub struct Worst {
    /// The model's name.
    pub model: &'static str,
    /// The link's query string.
    pub query: String,
    /// What opening it cost.
    pub cost: Cost,
    /// How many links the search opened.
    pub tried: usize,
    /// What else the model's search measured (a comparison, a frame).
    pub extra: String,
}

/// A model's name and its search.
type Search = (&'static str, fn() -> Worst);

fn main() {
    let searches: [Search; 6] = [
        ("n-plus-one", nplus1::worst),
        ("circuit-breaker", breaker::worst),
        ("cache-aside", cache::worst),
        ("isolation", lab::worst),
        ("rate-limiter", ratelimit::worst),
        ("retries", retry::worst),
    ];
    // `cargo bench --bench worst -- circuit-breaker` searches only the
    // models whose names contain one of the words given.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let mut found = Vec::new();
    for (name, search) in searches {
        if !only.is_empty() && !only.iter().any(|w| name.contains(w.as_str())) {
            continue;
        }
        let t = Instant::now();
        let w = search();
        println!(
            "{name}: worst of {} links in {}: opens in {}, holds {:.1} MiB, {} characters{}",
            w.tried,
            common::ms(t.elapsed()),
            common::ms(w.cost.time),
            w.cost.peak as f64 / (1024.0 * 1024.0),
            w.query.len(),
            if w.extra.is_empty() {
                String::new()
            } else {
                format!("; {}", w.extra)
            }
        );
        println!("  ?{}", shorten(&w.query, 300));
        found.push(w);
    }
    println!();
    println!("| model | worst link (characters) | open, native | memory held | links tried |");
    println!("| --- | --- | --- | --- | --- |");
    for w in &found {
        println!(
            "| {} | {} | {} | {:.1} MiB | {} |",
            w.model,
            w.query.len(),
            common::ms(w.cost.time),
            w.cost.peak as f64 / (1024.0 * 1024.0),
            w.tried
        );
    }
    let text: String = found
        .iter()
        .map(|w| format!("{}\n?{}\n\n", w.model, w.query))
        .collect();
    let _ = std::fs::create_dir_all("artifacts");
    if std::fs::write("artifacts/worst-links.txt", text).is_ok() {
        println!("\nThe full links: artifacts/worst-links.txt");
    }
}

/// At most `n` characters of `s`, with an ellipsis if cut.
fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n).collect();
        out.push('\u{2026}');
        out
    }
}
