//! Renders `content/` to HTML at build time and checks it: broken front
//! matter or a link to a topic that does not exist fails the build with the
//! file and line at fault.

#[path = "build/highlight.rs"]
mod highlight;

#[path = "build/content.rs"]
#[allow(dead_code)]
mod content;

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dir = root.join("content");
    println!("cargo:rerun-if-changed=content");
    println!("cargo:rerun-if-changed=build");
    println!("cargo:rerun-if-changed=src/escape.rs");
    match content::load(&dir) {
        Ok(c) => {
            let out =
                PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("content.rs");
            if let Err(e) = std::fs::write(&out, content::to_rust(&c)) {
                eprintln!("error: cannot write {}: {e}", out.display());
                std::process::exit(1);
            }
        }
        Err(problems) => content::fail(&problems),
    }
}
