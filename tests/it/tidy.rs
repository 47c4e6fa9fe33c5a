//! The rules of the code base that the compiler does not check: the models
//! name no web crate (nor depend on one in `sim/Cargo.toml`), every source
//! file opens with its `//!` summary, and no function that is not a data
//! table runs over about 100 lines.

use std::fs;
use std::path::{Path, PathBuf};

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if p.is_dir() {
                if !matches!(name.as_str(), "target" | "node_modules" | "dist") {
                    stack.push(p);
                }
            } else if name.ends_with(".rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The source trees the project writes.
fn sources() -> Vec<PathBuf> {
    let r = root();
    ["src", "sim", "build", "tests", "benches", "tools"]
        .iter()
        .flat_map(|d| rust_files(&r.join(d)))
        .chain([r.join("build.rs")])
        .collect()
}

fn shown(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

#[test]
fn the_models_name_no_web_crate() {
    let banned = [
        "leptos",
        "web_sys",
        "web-sys",
        "js_sys",
        "js-sys",
        "wasm_bindgen",
        "wasm-bindgen",
        "gloo",
    ];
    let mut found = Vec::new();
    let mut files = rust_files(&root().join("sim/src"));
    files.push(root().join("sim/Cargo.toml"));
    assert!(files.len() > 10, "sim/src not found");
    for f in files {
        let text = fs::read_to_string(&f).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            for word in banned {
                if line.contains(word) {
                    found.push(format!("{}:{}: names {word}", shown(&f), n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "the models must stay pure Rust:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_source_file_opens_with_its_summary() {
    let missing: Vec<String> = sources()
        .into_iter()
        .filter(|f| !fs::read_to_string(f).unwrap_or_default().starts_with("//!"))
        .map(|f| shown(&f))
        .collect();
    assert!(missing.is_empty(), "no `//!` opening: {missing:?}");
}

/// Functions allowed past the limit: data written out, not logic.
const DATA: &[&str] = &[
    // The Hermitage test cases, statement by statement.
    "sim/src/isolation/presets.rs: hermitage",
];

/// The most lines a function that is not data may span.
const MOST_LINES: usize = 110;

/// Each function in `text` with its first line and its length in lines:
/// from the `fn` line to the line that closes its body.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let raw: Vec<&str> = text.lines().collect();
    let code = code_lines(text);
    let mut out = Vec::new();
    for (i, line) in raw.iter().enumerate() {
        let Some(name) = fn_name(line) else {
            continue;
        };
        let mut depth = 0i32;
        let mut opened = false;
        for (j, l) in code.iter().enumerate().skip(i) {
            if !opened && l.trim_end().ends_with(';') {
                break;
            }
            for c in l.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if opened && depth <= 0 {
                out.push((name.clone(), i + 1, j - i + 1));
                break;
            }
        }
    }
    out
}

/// The name of the function a line starts, if it starts one.
fn fn_name(line: &str) -> Option<String> {
    let mut words = line.split_whitespace();
    while let Some(w) = words.next() {
        match w {
            "pub" | "const" | "async" | "unsafe" | "extern" => continue,
            w if w.starts_with("pub(") => continue,
            "fn" => {
                let name: String = words
                    .next()?
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                return (!name.is_empty()).then_some(name);
            }
            _ => return None,
        }
    }
    None
}

/// The text's lines with string and character literals and comments taken
/// out (strings may span lines; raw strings may hold quotes), so that only
/// the braces of the code are left to count.
fn code_lines(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut lines = vec![String::new()];
    let mut i = 0;
    // Inside a string: how it ends (`"` then so many `#`), if raw.
    let mut string: Option<(bool, usize)> = None;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            lines.push(String::new());
            i += 1;
            continue;
        }
        if let Some((raw, hashes)) = string {
            if !raw && c == '\\' {
                i += 2;
                continue;
            }
            if c == '"'
                && chars[i + 1..]
                    .iter()
                    .take(hashes)
                    .filter(|h| **h == '#')
                    .count()
                    == hashes
            {
                string = None;
                i += 1 + hashes;
                continue;
            }
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        match c {
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            'r' if matches!(next, Some('"') | Some('#'))
                && !chars[..i]
                    .last()
                    .is_some_and(|p| p.is_alphanumeric() || *p == '_') =>
            {
                let hashes = chars[i + 1..].iter().take_while(|h| **h == '#').count();
                if chars.get(i + 1 + hashes) == Some(&'"') {
                    string = Some((true, hashes));
                    i += 2 + hashes;
                } else {
                    if let Some(l) = lines.last_mut() {
                        l.push(c);
                    }
                    i += 1;
                }
            }
            '"' => {
                string = Some((false, 0));
                i += 1;
            }
            '\'' => {
                // A character literal ('{', '\n', '\u{7b}'); a lifetime
                // has no closing quote right after it.
                let end = chars[i + 1..].iter().take(12).position(|q| *q == '\'');
                match end {
                    Some(n) if n > 0 && (n == 1 || chars[i + 1] == '\\') => i += n + 2,
                    _ => i += 1,
                }
            }
            _ => {
                if let Some(l) = lines.last_mut() {
                    l.push(c);
                }
                i += 1;
            }
        }
    }
    lines
}

#[test]
fn no_function_runs_over_about_a_hundred_lines() {
    let mut long = Vec::new();
    for f in sources() {
        let text = fs::read_to_string(&f).unwrap_or_default();
        for (name, line, len) in functions(&text) {
            let id = format!("{}: {name}", shown(&f));
            if len > MOST_LINES && !DATA.contains(&id.as_str()) {
                long.push(format!("{}:{line}: {name} is {len} lines", shown(&f)));
            }
        }
    }
    assert!(
        long.is_empty(),
        "split these into named pieces:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_function_counter_counts() {
    let text = "fn a<'x>() {\n    let s = \"{\n\";\n    let c = '}';\n    let r = r#\"}\"}\"#;\n}\n\npub(crate) fn b(x: u8) -> u8 {\n    // }\n    x\n}\nfn c();\n";
    let found = functions(text);
    assert_eq!(
        found,
        vec![("a".to_string(), 1, 6), ("b".to_string(), 8, 4)]
    );
}
