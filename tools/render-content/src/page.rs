//! The pages of the site as HTML: the shell every page shares (head,
//! header, navigation, footer) and each kind's body.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::content::{self, Content, Topic, ROOT_MARK};
use crate::highlight::escape_html;

/// The files the pages refer to, found in the site folder, and the
/// templates of the files written beside the pages.
pub struct Assets {
    /// The stylesheet, relative to the site's root.
    pub css: String,
    /// The icon.
    pub icon: String,
    /// Module name (`shell`, `nplus1`, ...) to its script and wasm.
    pub modules: BTreeMap<String, (String, String)>,
    /// `site/theme.js`.
    theme_js: String,
    /// `site/old-links.js`.
    old_links_js: String,
    /// `site/manifest.webmanifest`.
    pub manifest: String,
    /// `site/sw.js`.
    pub worker: String,
}

impl Assets {
    /// Finds the hashed stylesheet and icon Trunk wrote, and the modules
    /// `scripts/modules.sh` listed in `modules.txt` (`name script wasm` a
    /// line).
    pub fn find(site: &Path, templates: &Path) -> Result<Assets, String> {
        let names: Vec<String> = std::fs::read_dir(site)
            .map_err(|e| format!("{}: {e}", site.display()))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let pick = |prefix: &str, suffix: &str| {
            names
                .iter()
                .find(|n| n.starts_with(prefix) && n.ends_with(suffix))
                .cloned()
                .ok_or_else(|| format!("no {prefix}*{suffix} in {}", site.display()))
        };
        let list = std::fs::read_to_string(site.join("modules.txt"))
            .map_err(|e| format!("modules.txt (written by scripts/modules.sh): {e}"))?;
        let modules = list
            .lines()
            .filter_map(|l| {
                let mut f = l.split_whitespace();
                Some((
                    f.next()?.to_string(),
                    (f.next()?.to_string(), f.next()?.to_string()),
                ))
            })
            .collect::<BTreeMap<_, _>>();
        for m in [
            "shell",
            "drill",
            "nplus1",
            "breaker",
            "cache",
            "isolation",
            "ratelimit",
            "retry",
        ] {
            if !modules.contains_key(m) {
                return Err(format!("modules.txt names no module `{m}`"));
            }
        }
        let read = |name: &str| {
            std::fs::read_to_string(templates.join(name))
                .map_err(|e| format!("{}: {e}", templates.join(name).display()))
        };
        Ok(Assets {
            css: pick("style-", ".css")?,
            icon: pick("favicon-", ".svg")?,
            modules,
            theme_js: read("theme.js")?,
            old_links_js: read("old-links.js")?,
            manifest: read("manifest.webmanifest")?,
            worker: read("sw.js")?,
        })
    }
}

/// What kind of page, for `<html data-page>` (the app reads it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Home,
    Topic,
    Sheet,
    Drill,
    NotFound,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Home => "home",
            Kind::Topic => "topic",
            Kind::Sheet => "sheet",
            Kind::Drill => "drill",
            Kind::NotFound => "not-found",
        }
    }
}

/// One page to write.
pub struct Page {
    pub kind: Kind,
    /// The topic's slug (topic pages).
    pub slug: Option<String>,
    /// Its folder, relative to the site's root (`""` for the overview).
    pub path: String,
    pub title: String,
    pub description: String,
    /// The module it loads.
    pub module: &'static str,
    /// The inside of `<main>`, links still marked with [`ROOT_MARK`].
    pub main: String,
    /// The link-preview image this page draws (the overview draws the
    /// site's, which the pages that are not topics share).
    pub preview: Option<Preview>,
    /// The link-preview image's path from the root.
    pub image: String,
}

/// What a link-preview image shows, and where it is written.
pub struct Preview {
    /// Its path from the site's root.
    pub path: String,
    pub title: String,
    pub section: String,
    pub summary: String,
    /// Whether the page has a live model.
    pub live: bool,
}

impl Page {
    /// The way back to the site's root.
    fn root(&self) -> String {
        "../".repeat(self.path.matches('/').count())
    }
}

/// The module of a visualization, by the name the front matter gives it.
pub fn module_of(visualization: &str) -> &'static str {
    match visualization {
        "n-plus-one" => "nplus1",
        "circuit-breaker" => "breaker",
        "cache-aside" => "cache",
        "isolation" => "isolation",
        "rate-limiter" => "ratelimit",
        "retries" => "retry",
        _ => "shell",
    }
}

fn esc(s: &str) -> String {
    let mut out = String::new();
    escape_html(s, &mut out);
    out
}

/// The site's own link-preview image, from the root.
const SITE_PREVIEW: &str = "preview.png";

/// Every page of the site.
pub fn all(c: &Content) -> Vec<Page> {
    let mut pages = vec![Page {
        kind: Kind::Home,
        slug: None,
        path: String::new(),
        title: "Backend Playground: senior backend interview cheat sheet".into(),
        description: "A senior backend interview cheat sheet with live, steppable simulations: N+1 queries, circuit breakers, cache-aside races, transaction isolation.".into(),
        module: "shell",
        main: home(c),
        preview: Some(Preview {
            path: SITE_PREVIEW.into(),
            title: "Backend Playground".into(),
            section: "Senior backend interview cheat sheet".into(),
            summary: "The questions senior backend interviews ask, the answers that hold up in production, and live, steppable models of N+1 queries, circuit breakers, cache-aside races and transaction isolation.".into(),
            live: true,
        }),
        image: SITE_PREVIEW.into(),
    }];
    for (i, t) in c.topics.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| c.topics.get(p));
        let next = c.topics.get(i + 1);
        pages.push(Page {
            kind: Kind::Topic,
            slug: Some(t.meta.slug.clone()),
            path: format!("topics/{}/", t.meta.slug),
            title: format!("{} | Backend Playground", t.meta.title),
            description: t.meta.summary.clone(),
            module: t.meta.visualization.as_deref().map_or("shell", module_of),
            main: topic(c, t, prev, next),
            preview: Some(Preview {
                path: format!("topics/{}/preview.png", t.meta.slug),
                title: t.meta.title.clone(),
                section: c
                    .sections
                    .get(t.section_index)
                    .map_or(String::new(), |s| s.title.clone()),
                summary: t.meta.summary.clone(),
                live: t.meta.visualization.is_some(),
            }),
            image: format!("topics/{}/preview.png", t.meta.slug),
        });
    }
    pages.push(Page {
        kind: Kind::Sheet,
        slug: None,
        path: "sheet/".into(),
        title: "The whole sheet | Backend Playground".into(),
        description: "Every topic of the senior backend interview cheat sheet on one page, in reading order, ready to print.".into(),
        module: "shell",
        main: sheet(c),
        preview: None,
        image: SITE_PREVIEW.into(),
    });
    pages.push(Page {
        kind: Kind::Drill,
        slug: None,
        path: "drill/".into(),
        title: "Drill | Backend Playground".into(),
        description: "Drill yourself on senior backend interview questions: spaced repetition over every topic and the three question banks, with your scores by section.".into(),
        module: "drill",
        main: drill(c),
        preview: None,
        image: SITE_PREVIEW.into(),
    });
    pages.push(Page {
        kind: Kind::NotFound,
        slug: None,
        path: "not-found/".into(),
        title: "Topic not found | Backend Playground".into(),
        description: "There is no such topic in Backend Playground; every topic is listed here."
            .into(),
        module: "shell",
        main: not_found(c),
        preview: None,
        image: SITE_PREVIEW.into(),
    });
    pages
}

fn home(c: &Content) -> String {
    let filled = c
        .sections
        .iter()
        .enumerate()
        .filter(|(i, _)| c.topics.iter().any(|t| t.section_index == *i))
        .count();
    format!(
        r#"<div class="home"><h1 id="page-title" tabindex="-1">The senior backend interview, at a glance</h1><p class="lead">{} topics in {} sections: the questions senior backend interviews ask, the answers that hold up in production, and the places where the popular answer is wrong.</p>{}<p class="sheet-link"><a href="{ROOT_MARK}sheet/">The whole sheet on one page</a>: every topic in reading order, ready to print.</p><p class="sheet-link"><a href="{ROOT_MARK}drill/">Drill yourself</a>: questions on every topic and every question of the three banks, each coming back when it is due.</p></div>"#,
        c.topics.len(),
        filled,
        content::overview_html(c)
    )
}

fn topic_link(t: &Topic) -> String {
    format!(
        r#"<a href="{ROOT_MARK}topics/{}/">{}</a>"#,
        t.meta.slug,
        esc(&t.meta.title)
    )
}

fn topic(c: &Content, t: &Topic, prev: Option<&Topic>, next: Option<&Topic>) -> String {
    let section = c.sections.get(t.section_index);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<article class="topic{}"><nav class="breadcrumb" aria-label="Breadcrumb"><a href="{ROOT_MARK}">Overview</a><span aria-hidden="true"> / </span><a href="{ROOT_MARK}#sec-{}">{}</a></nav><h1 id="page-title" tabindex="-1">{}</h1><p class="lead">{}</p><div class="topic-layout"><div class="prose-column"><div class="topic-text">{}</div></div>"#,
        if t.meta.visualization.is_some() {
            " has-viz"
        } else {
            ""
        },
        section.map_or("", |s| s.id.as_str()),
        esc(section.map_or("", |s| s.title.as_str())),
        esc(&t.meta.title),
        esc(&t.meta.summary),
        content::fragment(t),
    );
    if let Some(v) = &t.meta.visualization {
        let title = backend_playground::content::visualization_title(v).unwrap_or("Live");
        let caption = backend_playground::sim::first_caption(v).unwrap_or_default();
        let _ = write!(
            s,
            r#"<aside class="viz" id="viz" aria-labelledby="viz-title" data-viz="{v}"><div class="viz-placeholder"><div class="viz-head"><h2 id="viz-title">{}</h2></div><p class="caption">{}</p><p class="viz-loading">The live model is loading.</p><p class="viz-failed">The live model could not start: it needs JavaScript and WebAssembly. The text beside it reads without them.</p></div></aside>"#,
            esc(title),
            esc(&caption)
        );
    }
    s.push_str("</div>");
    let related: Vec<&Topic> = t
        .meta
        .related
        .iter()
        .filter_map(|r| c.topics.iter().find(|t| &t.meta.slug == r))
        .collect();
    if !related.is_empty() {
        s.push_str(
            r#"<nav class="related" aria-label="Related topics"><h2>Related topics</h2><ul>"#,
        );
        for r in related {
            let _ = write!(s, "<li>{}</li>", topic_link(r));
        }
        s.push_str("</ul></nav>");
    }
    s.push_str(r#"<nav class="pager" aria-label="Previous and next topic">"#);
    for (class, label, t) in [("prev", "Previous", prev), ("next", "Next", next)] {
        if let Some(t) = t {
            let _ = write!(
                s,
                r#"<a class="{class}" href="{ROOT_MARK}topics/{}/"><span class="pager-label">{label}</span><span>{}</span></a>"#,
                t.meta.slug,
                esc(&t.meta.title)
            );
        }
    }
    s.push_str("</nav></article>");
    s
}

/// A topic's text inside the whole sheet: its heading anchors carry the
/// topic's slug, so that they stay unique on the one page.
fn sheet_text(t: &Topic) -> String {
    let prefix = format!("{}--", t.meta.slug);
    let mut html = content::fragment(t);
    for level in 1..=6 {
        html = html.replace(
            &format!("<h{level} id=\""),
            &format!("<h{level} id=\"{prefix}"),
        );
    }
    html.replace("href=\"#", &format!("href=\"#{prefix}"))
}

fn sheet(c: &Content) -> String {
    let mut s = String::from(
        r#"<div class="sheet"><h1 id="page-title" tabindex="-1">The whole sheet</h1><p class="lead no-print">Every topic in reading order. Printing this page gives one document, a section per page, without the navigation and the live controls.</p><p class="no-print js-only"><button class="button" type="button" id="print-button">Print</button></p>"#,
    );
    for (i, sec) in c.sections.iter().enumerate() {
        let topics: Vec<&Topic> = c.topics.iter().filter(|t| t.section_index == i).collect();
        if topics.is_empty() {
            continue;
        }
        let _ = write!(
            s,
            r#"<section class="sheet-section" aria-labelledby="sheet-sec-{0}"><h2 id="sheet-sec-{0}">{1}</h2>{2}"#,
            sec.id,
            esc(&sec.title),
            content::subtitle_html(sec)
        );
        for t in topics {
            let _ = write!(
                s,
                r#"<article class="sheet-topic" id="sheet-{}"><h3>{}</h3><div class="prose-column"><div class="topic-text">{}</div></div></article>"#,
                t.meta.slug,
                topic_link(t),
                sheet_text(t)
            );
        }
        s.push_str("</section>");
    }
    s.push_str("</div>");
    s
}

/// The drill page: until its module has started, its place shows the
/// controls and the first question as a new reader sees them (the same
/// markup the live drill draws), so that nothing moves when it starts.
fn drill(c: &Content) -> String {
    use backend_playground::drill::{parse_cards, placeholder_html};
    let cards = parse_cards(&content::drill_file(c));
    format!(
        r#"<div class="drill"><h1 id="page-title" tabindex="-1">Drill</h1><p class="lead">Read the question, answer it in your head, then reveal the answer and be honest. Each card comes back when it is due: the next day after a first right answer, then after longer and longer gaps; a miss brings it back the same day. Your marks stay in this browser.</p><div id="drill-host">{}<noscript><p>The drill needs JavaScript: it keeps your marks in this browser.</p></noscript></div></div>"#,
        placeholder_html(&cards)
    )
}

fn not_found(c: &Content) -> String {
    format!(
        r#"<div class="not-found"><h1 id="page-title" tabindex="-1">Topic not found</h1><p class="lead">There is no topic called <code id="missing-slug"></code>. The link may be mistyped or out of date.</p><p><a class="button" href="{ROOT_MARK}">Go to the overview</a></p><h2>All topics</h2><div class="all-topics">{}</div></div>"#,
        content::overview_html(c)
    )
}

/// `'sha256-…'` of an inline script, for the Content-Security-Policy.
fn script_hash(script: &str) -> String {
    let digest = Sha256::digest(script.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

const HEADER: &str = r##"<a class="skip-link" id="skip-link" href="#main">Skip to content</a><header class="site-header"><button id="menu-button" class="icon-button menu-button js-only" type="button" aria-controls="topic-nav" aria-expanded="false"><svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22"><path d="M3 6h18M3 12h18M3 18h18" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg><span>Topics</span></button><a class="brand" href="@root@"><svg aria-hidden="true" viewBox="0 0 32 32" width="26" height="26" class="logo"><rect x="3" y="5" width="26" height="6" rx="2"/><rect x="3" y="13" width="26" height="6" rx="2"/><rect x="3" y="21" width="26" height="6" rx="2"/><circle cx="8" cy="8" r="1.4" class="led"/><circle cx="8" cy="16" r="1.4" class="led"/><circle cx="8" cy="24" r="1.4" class="led"/></svg><span>Backend Playground</span></a><button id="search-button" class="icon-button search-button js-only" type="button" aria-haspopup="dialog" aria-keyshortcuts="/" title="Search (/)"><svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><circle cx="11" cy="11" r="6.5"/><path d="M16 16l4.5 4.5"/></svg><span>Search</span><kbd aria-hidden="true">/</kbd></button><button id="theme-toggle" class="icon-button theme-toggle js-only" type="button" aria-label="Switch theme" title="Switch theme"><svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22" class="moon"><path d="M20 14.5A8.5 8.5 0 0 1 9.5 4a8.5 8.5 0 1 0 10.5 10.5z" fill="currentColor"/></svg><svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22" class="sun"><circle cx="12" cy="12" r="4.5" fill="currentColor"/><path d="M12 2v2.5M12 19.5V22M2 12h2.5M19.5 12H22M4.9 4.9l1.8 1.8M17.3 17.3l1.8 1.8M4.9 19.1l1.8-1.8M17.3 6.7l1.8-1.8" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg></button></header>"##;

/// The search dialog; the shell gives it its behaviour.
const SEARCH_DIALOG: &str = r#"<dialog id="search-dialog" class="search-dialog" aria-labelledby="search-title"><div class="search-panel"><div class="search-box"><label id="search-title" for="search-input" class="visually-hidden">Search the cheat sheet</label><input id="search-input" type="text" role="combobox" autocomplete="off" spellcheck="false" placeholder="Search topics and questions" aria-autocomplete="list" aria-controls="search-results" aria-expanded="false"><button class="text-button" type="button" id="search-close">Close</button></div><p class="search-status" id="search-status" role="status"></p><button class="button" type="button" id="search-retry" hidden>Try again</button><ul id="search-results" role="listbox" aria-label="Results"></ul></div></dialog>"#;

/// The navigation, with the link to `current` (a path from the root)
/// marked as the page shown.
fn nav(c: &Content, current: &str) -> String {
    let mut s = format!(
        r#"<nav id="topic-nav" class="topic-nav" aria-label="Topics"><a class="nav-home" href="{ROOT_MARK}">Overview</a><a class="nav-home nav-drill" href="{ROOT_MARK}drill/">Drill</a><a class="nav-home nav-sheet" href="{ROOT_MARK}sheet/">The whole sheet</a><div>{}</div></nav>"#,
        content::nav_html(c)
    );
    let target = format!("href=\"{ROOT_MARK}{current}\"");
    if let Some(at) = s.find(&target) {
        s.insert_str(at, "aria-current=\"page\" ");
    }
    s
}

/// The whole HTML of a page.
pub fn html(p: &Page, assets: &Assets, c: &Content) -> String {
    let root = p.root();
    let (js, _) = assets.modules.get(p.module).cloned().unwrap_or_default();
    // The module starts once the page's text has painted, so that its
    // download never competes with what the reader sees first.
    let here = if root.is_empty() { "./" } else { root.as_str() };
    let boot = format!(
        "requestAnimationFrame(function(){{setTimeout(function(){{import(\"{here}{js}\").then(function(m){{return m.default()}}).catch(function(){{document.documentElement.classList.add(\"no-app\")}})}},0)}});"
    );
    let theme = assets.theme_js.trim().to_string();
    let mut scripts = vec![theme.clone(), boot.clone()];
    let old_links = old_links_script(p, assets, c);
    if let Some(o) = &old_links {
        scripts.push(o.clone());
    }
    let site_url = std::env::var("SITE_URL").ok().filter(|u| u.ends_with('/'));
    let mut h = head_meta(p, &root, &csp(&scripts), site_url.as_deref());
    if let Some(base) = &site_url {
        let _ = writeln!(h, r#"<meta property="og:url" content="{base}{}">"#, p.path);
    }
    if let Some(o) = &old_links {
        let _ = writeln!(h, "<script>{o}</script>");
    }
    let _ = write!(
        h,
        r#"<script>{theme}</script>
<link rel="stylesheet" href="{root}{}">
<link rel="icon" href="{root}{}" type="image/svg+xml">
<link rel="manifest" href="{root}manifest.webmanifest">
<script>{boot}</script>
<script type="application/json" id="bp-modules">{{{}}}</script>
</head>
<body>
{}<div class="shell">{}<div class="backdrop" id="backdrop"></div><main id="main" tabindex="-1"><div id="notice"></div><div id="update-host"></div>{}</main></div>{}<footer class="site-footer"><p>Backend Playground: a senior backend interview cheat sheet with live simulations. Runs entirely in your browser.</p></footer>
</body>
</html>
"#,
        assets.css,
        assets.icon,
        prefetch_modules(assets, c),
        HEADER,
        nav(c, &p.path),
        p.main,
        SEARCH_DIALOG
    );
    // A link to the root itself needs a path of its own: an empty one
    // would keep the page's query.
    let home = if root.is_empty() { "./" } else { root.as_str() };
    h.replace(
        &format!("href=\"{ROOT_MARK}\""),
        &format!("href=\"{home}\""),
    )
    .replace(ROOT_MARK, &root)
}

/// The overview's script that sends links of the old style to their new
/// address, with the topics' slugs filled in; no other page has it.
fn old_links_script(p: &Page, assets: &Assets, c: &Content) -> Option<String> {
    (p.kind == Kind::Home).then(|| {
        let slugs: Vec<String> = c
            .topics
            .iter()
            .map(|t| format!("{:?}", t.meta.slug))
            .collect();
        assets
            .old_links_js
            .trim()
            .replace("SLUGS", &format!("[{}]", slugs.join(",")))
    })
}

/// The Content-Security-Policy of a page whose inline scripts are
/// `scripts`.
fn csp(scripts: &[String]) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'",
        scripts.iter().map(|s| script_hash(s)).collect::<Vec<_>>().join(" ")
    )
}

/// For prefetching: each model topic's module, for links to it, as the
/// members of a JSON object (`"slug":["script","wasm"]`).
fn prefetch_modules(assets: &Assets, c: &Content) -> String {
    let modules: Vec<String> = c
        .topics
        .iter()
        .filter_map(|t| {
            let m = module_of(t.meta.visualization.as_deref()?);
            let (js, wasm) = assets.modules.get(m)?;
            Some(format!("{:?}:[{js:?},{wasm:?}]", t.meta.slug))
        })
        .collect();
    modules.join(",")
}

/// The start of a page's HTML up to its link-preview tags: the document
/// type, the `<html>` element with the page's data, and the head's meta
/// tags. `site_url`, when known, makes the canonical and image links
/// absolute.
fn head_meta(p: &Page, root: &str, csp: &str, site_url: Option<&str>) -> String {
    let canonical = match site_url {
        Some(base) => format!("{base}{}", p.path),
        None => "./".to_string(),
    };
    let image = match site_url {
        Some(base) => format!("{base}{}", p.image),
        None => format!("{root}{}", p.image),
    };
    let title = esc(&p.title);
    let description = esc(&p.description);
    let mut h = String::new();
    let _ = write!(
        h,
        r##"<!doctype html>
<html lang="en" data-page="{}" data-slug="{}" data-root="{root}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>{title}</title>
<meta name="description" content="{description}">
<meta name="color-scheme" content="light dark">
<meta name="theme-color" content="#1d5fd1">
<link rel="canonical" href="{canonical}">
<meta property="og:type" content="{}">
<meta property="og:site_name" content="Backend Playground">
<meta property="og:title" content="{title}">
<meta property="og:description" content="{description}">
<meta property="og:image" content="{image}">
<meta property="og:image:width" content="{}">
<meta property="og:image:height" content="{}">
<meta property="og:image:alt" content="{title}">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="{title}">
<meta name="twitter:description" content="{description}">
"##,
        p.kind.name(),
        p.slug.as_deref().unwrap_or(""),
        if p.kind == Kind::Topic {
            "article"
        } else {
            "website"
        },
        crate::preview::SIZE.0,
        crate::preview::SIZE.1,
    );
    h
}
