//! Renders the topic files of the site: `<site>/topics/<slug>.html`, one
//! HTML fragment per topic, which the app fetches when a topic opens.
//!
//! Usage: `render-content [SITE_DIR]`. Without an argument it writes into
//! Trunk's staging folder (`TRUNK_STAGING_DIR`), as Trunk's pre-build hook.
//! It uses the same checked pipeline as `build.rs`, so it fails on the same
//! content problems with the same messages.

#[path = "../../../build/highlight.rs"]
mod highlight;

#[path = "../../../build/content.rs"]
#[allow(dead_code)]
mod content;

use std::path::PathBuf;

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
    match content::load(&root.join("content")) {
        Ok(c) => match content::write_fragments(&c, &site) {
            Ok(n) => println!(
                "render-content: wrote {n} topic files to {}",
                site.join(content::FRAGMENT_DIR).display()
            ),
            Err(e) => {
                eprintln!(
                    "error: cannot write the topic files into {}: {e}",
                    site.display()
                );
                std::process::exit(1);
            }
        },
        Err(problems) => content::fail(&problems),
    }
}
