//! Writes the site's pages: the overview (`index.html`), one page per topic
//! (`topics/<slug>/index.html`), the whole sheet (`sheet/`), the drill
//! (`drill/`) and the not-found page (`not-found/`), each with its text,
//! navigation and header already in the HTML, its own title, description,
//! canonical link and link-preview tags, a Content-Security-Policy naming
//! its inline scripts by hash, and the one module it loads. Also writes the
//! search index, the drill cards, the web app manifest and the service
//! worker with the list of every file, and each topic's link-preview image.
//!
//! Usage: `render-content [SITE_DIR]`. Without an argument it writes into
//! Trunk's staging folder (`TRUNK_STAGING_DIR`), as Trunk's post-build hook,
//! after `scripts/modules.sh` has put the modules there and listed them in
//! `modules.txt`. It uses the same checked pipeline as `build.rs`, so it
//! fails on the same content problems with the same messages.
//! `SITE_URL` (the address the site is served from, ending in `/`), when
//! set, makes the canonical and preview links absolute.

#![warn(missing_docs)]

#[path = "../../../build/highlight.rs"]
mod highlight;

#[path = "../../../build/content.rs"]
#[allow(dead_code)]
mod content;

mod page;
mod preview;

use std::path::{Path, PathBuf};

fn main() {
    let site = std::env::args_os()
        .nth(1)
        .or_else(|| std::env::var_os("TRUNK_STAGING_DIR"))
        .map(PathBuf::from);
    let Some(site) = site else {
        eprintln!("usage: render-content SITE_DIR (or run it as Trunk's hook, which sets TRUNK_STAGING_DIR)");
        std::process::exit(2);
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..");
    let c = match content::load(&root.join("content")) {
        Ok(c) => c,
        Err(problems) => content::fail(&problems),
    };
    match write_site(&c, &root.join("site"), &site) {
        Ok(n) => println!("render-content: wrote {n} pages to {}", site.display()),
        Err(e) => {
            eprintln!("error: cannot write the site into {}: {e}", site.display());
            std::process::exit(1);
        }
    }
}

/// Writes every page and file; returns the number of pages.
fn write_site(c: &content::Content, templates: &Path, site: &Path) -> Result<usize, String> {
    let assets = page::Assets::find(site, templates)?;
    let io = |e: std::io::Error| e.to_string();
    std::fs::write(site.join(content::SEARCH_FILE), content::search_index(c)).map_err(io)?;
    std::fs::write(
        site.join(content::DRILL_FILE),
        content::drill_file(c).replace(content::ROOT_MARK, "../"),
    )
    .map_err(io)?;
    let pages = page::all(c);
    let previews = preview::Renderer::new();
    if !previews.has_fonts() {
        eprintln!("warning: no fonts found: the link-preview images will have no text (install fonts-dejavu-core)");
    }
    for p in &pages {
        let dir = site.join(&p.path);
        std::fs::create_dir_all(&dir).map_err(io)?;
        std::fs::write(dir.join("index.html"), page::html(p, &assets, c)).map_err(io)?;
        if let Some(image) = &p.preview {
            let png = previews.png(&image.title, &image.section, &image.summary, image.live)?;
            std::fs::write(site.join(&image.path), png).map_err(io)?;
        }
    }
    let favicon = std::fs::read_to_string(templates.join("..").join("public").join("favicon.svg"))
        .map_err(|e| format!("public/favicon.svg: {e}"))?;
    for size in [192, 512] {
        let png = previews.icon_png(&favicon, size)?;
        std::fs::write(site.join(format!("icon-{size}.png")), png).map_err(io)?;
    }
    std::fs::write(
        site.join("manifest.webmanifest"),
        assets.manifest.replace("__ICON__", &assets.icon),
    )
    .map_err(io)?;
    let files = offline_files(site).map_err(io)?;
    let version = content::fingerprint(&files.join("\n"));
    let list = format!(
        "[{}]",
        files
            .iter()
            .map(|f| format!("{f:?}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    std::fs::write(
        site.join("sw.js"),
        assets
            .worker
            .replace("__VERSION__", &version)
            .replace("__FILES__", &list),
    )
    .map_err(io)?;
    Ok(pages.len())
}

/// Every file of the site the service worker keeps (all but itself, the
/// module list and the link-preview images, which only link unfurlers
/// fetch), relative to the site's root; a page by its folder.
fn offline_files(site: &Path) -> std::io::Result<Vec<String>> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, base, out)?;
                continue;
            }
            let rel = path
                .strip_prefix(base)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            if rel.is_empty() || rel == "sw.js" || rel == "modules.txt" || rel.ends_with(".png") {
                continue;
            }
            out.push(match rel.strip_suffix("index.html") {
                Some("") => "./".to_string(),
                Some(dir) => dir.to_string(),
                None => rel,
            });
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(site, site, &mut out)?;
    out.sort();
    Ok(out)
}
