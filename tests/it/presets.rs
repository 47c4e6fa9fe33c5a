//! Every "see it happen" link in the content (`topic:slug?params`) opens
//! its visualization exactly as written: no parameter is ignored or
//! clamped, and the step exists.

use std::fs;
use std::path::Path;

use backend_playground::content;
use backend_playground::route::{self, Route};

/// `(file, line, slug, params)` of every preset link in `content/`.
fn preset_links() -> Vec<(String, usize, String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let mut out = Vec::new();
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("content/ is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    for path in files {
        let text = fs::read_to_string(&path).expect("a content file is readable");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            for part in line.split("](topic:").skip(1) {
                let target = part.split(')').next().unwrap_or("");
                let target = target.split('#').next().unwrap_or("");
                if let Some((slug, params)) = target.split_once('?') {
                    out.push((name.clone(), i + 1, slug.to_string(), params.to_string()));
                }
            }
        }
    }
    out
}

#[test]
fn every_preset_link_opens_its_frame_as_written() {
    let links = preset_links();
    assert!(
        links.len() >= 17,
        "expected the presets of every visualization, found {}",
        links.len()
    );
    for (file, line, slug, params) in links {
        let at = format!("{file}:{line}");
        let parsed = route::parse(&format!("?topic={slug}&{params}"));
        let Route::Topic(found) = parsed.route else {
            panic!("{at}: {slug} is not a topic");
        };
        let topic = content::topic(found).expect("a parsed topic exists");
        assert!(parsed.ignored.is_empty(), "{at}: {:?}", parsed.ignored);
        match topic.visualization {
            Some(
                name @ ("n-plus-one" | "circuit-breaker" | "cache-aside" | "isolation" | "retries"
                | "rate-limiter"),
            ) => {
                let (problems, step) = match name {
                    "n-plus-one" => {
                        let o = backend_playground::sim::open::<backend_playground::sim::nplus1::Run>(
                            &parsed.params,
                        );
                        (o.problems, o.step)
                    }
                    "circuit-breaker" => {
                        let o = backend_playground::sim::open::<
                            backend_playground::sim::breaker::Run,
                        >(&parsed.params);
                        (o.problems, o.step)
                    }
                    "retries" => {
                        let o = backend_playground::sim::open::<backend_playground::sim::retry::Run>(
                            &parsed.params,
                        );
                        (o.problems, o.step)
                    }
                    "isolation" => {
                        let o = backend_playground::sim::open::<
                            backend_playground::sim::isolation::lab::Run,
                        >(&parsed.params);
                        (o.problems, o.step)
                    }
                    "rate-limiter" => {
                        let o = backend_playground::sim::open::<
                            backend_playground::sim::ratelimit::Run,
                        >(&parsed.params);
                        (o.problems, o.step)
                    }
                    _ => {
                        let o = backend_playground::sim::open::<backend_playground::sim::cache::Run>(
                            &parsed.params,
                        );
                        (o.problems, o.step)
                    }
                };
                assert!(problems.is_empty(), "{at}: {problems:?}");
                let written = parsed
                    .params
                    .iter()
                    .find(|(k, _)| k == "step")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| "0".to_string());
                assert_eq!(step.to_string(), written, "{at}: step");
            }
            other => panic!("{at}: {slug} has no visualization to preset ({other:?})"),
        }
    }
}
