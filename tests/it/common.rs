//! Helpers shared by the integration tests: random query strings for the
//! URL property tests, throw-away content folders for the content and
//! drill-card tests, and the replays that run a real library (from the
//! virtualenv, or from node_modules) on the model's cases.

use std::path::{Path, PathBuf};

use backend_playground::sim::rng::Rng;

/// A throw-away content folder holding the given files (a path may name a
/// subfolder, such as `cards/`), removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    /// The folder `name` of the tests of `kind`, with `files`.
    pub fn new(kind: &str, name: &str, files: &[(&str, &str)]) -> Scratch {
        let dir = std::env::temp_dir()
            .join(format!("bp-{kind}-{}-{name}", std::process::id()))
            .join("content");
        let _ = std::fs::remove_dir_all(&dir);
        for (f, text) in files {
            let path = dir.join(f);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("scratch folder");
            }
            std::fs::write(path, text).expect("scratch file");
        }
        Scratch(dir)
    }

    /// The content folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(parent) = self.0.parent() {
            let _ = std::fs::remove_dir_all(parent);
        }
    }
}

/// Values that try the reader's decoding rather than a model's rules: a cut
/// escape, bytes that are not UTF-8, a NUL, markup, an escaped `&` and a
/// bare `=`. [`random_query`] draws from them beside a model's own values.
pub const ESCAPES: [&str; 6] = ["%E0%A4%A", "%FF%FE", "%00", "<script>", "%26", "="];

/// Adds up to eleven random bytes to `q`, as a URL can carry them: printable
/// ones as they are (but `&`), the rest percent-escaped.
pub fn push_garbage(rng: &mut Rng, q: &mut String) {
    for _ in 0..rng.below(12) {
        let b = rng.below(256) as u8;
        if b.is_ascii_graphic() && b != b'&' {
            q.push(b as char);
        } else {
            q.push_str(&format!("%{b:02X}"));
        }
    }
}

/// A random query string: mostly `topic=<topic>`, then up to nine pairs of
/// the given keys and values (or [`ESCAPES`]), now and then raw garbage
/// bytes, and now and then a value made long by repeating `long`.
pub fn random_query(
    rng: &mut Rng,
    topic: &str,
    keys: &[&str],
    values: &[&str],
    long: &str,
) -> String {
    let mut q = String::from("?");
    if rng.below(6) > 0 {
        q.push_str("topic=");
        q.push_str(topic);
    }
    for _ in 0..rng.below(10) {
        q.push('&');
        if rng.below(12) == 0 {
            push_garbage(rng, &mut q);
            continue;
        }
        q.push_str(keys[rng.below(keys.len() as u64) as usize]);
        q.push('=');
        let v = rng.below((values.len() + ESCAPES.len()) as u64) as usize;
        q.push_str(match values.get(v) {
            Some(value) => value,
            None => ESCAPES[v - values.len()],
        });
        if rng.below(20) == 0 {
            for _ in 0..rng.below(300) {
                q.push_str(long);
            }
        }
    }
    q
}

/// What a round-trip run over random URLs saw.
#[allow(dead_code)]
pub struct Opened {
    /// URLs that reached the model's reader.
    pub opened: usize,
    /// Of those, the ones that opened with a notice.
    pub with_problems: usize,
}

/// Opens `n` random query strings of `topic` (see [`random_query`]) with
/// model `M`, and for each one that reaches the model: checks the step is
/// within the run, the caption is not empty, each notice is a short
/// sentence, then `valid` (the model's own limits); writes the state back
/// as its permalink, reads it again, and asserts nothing is ignored or
/// complained about, the step is the same, and `same` holds of the two.
#[allow(dead_code)]
pub fn round_trips<M: backend_playground::sim::Model>(
    seed: u64,
    n: usize,
    topic: &'static str,
    query: impl Fn(&mut Rng) -> String,
    mut valid: impl FnMut(&str, &backend_playground::sim::Opened<M>),
    same: impl Fn(&str, &backend_playground::sim::Opened<M>, &backend_playground::sim::Opened<M>),
) -> Opened {
    use backend_playground::route::{self, Route};
    use backend_playground::sim::{link, open};
    let mut rng = Rng::new(seed);
    let mut seen = Opened {
        opened: 0,
        with_problems: 0,
    };
    for _ in 0..n {
        let q = query(&mut rng);
        let parsed = route::parse(&q);
        if parsed.route != Route::Topic(topic) {
            continue;
        }
        let o = open::<M>(&parsed.params);
        seen.opened += 1;
        if !o.problems.is_empty() {
            seen.with_problems += 1;
        }
        assert!(o.step < o.run.steps(), "{q}");
        assert!(!o.run.caption(o.step).is_empty(), "{q}");
        for problem in &o.problems {
            assert!(
                !problem.is_empty() && problem.chars().count() < 240,
                "{q}: {problem}"
            );
        }
        valid(&q, &o);
        let back = route::topic_query(topic, &link::<M>(o.run.params(), o.step));
        let again = route::parse(&back);
        assert!(again.ignored.is_empty(), "{back}: {:?}", again.ignored);
        let o2 = open::<M>(&again.params);
        assert!(o2.problems.is_empty(), "{back}: {:?}", o2.problems);
        assert_eq!(o2.step, o.step, "{back}");
        same(&back, &o, &o2);
    }
    seen
}

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The interpreter of the virtualenv `scripts/setup.sh` builds
/// (`ensure_python`).
pub fn python() -> PathBuf {
    let p = root().join("target/venv-content/bin/python");
    assert!(
        p.exists(),
        "{} is missing: scripts/test.sh builds it (ensure_python in scripts/setup.sh)",
        p.display()
    );
    p
}

/// Runs `program` (the virtualenv's Python, or `node`) on `script` (a path
/// from the repository's root) with `input` written to a JSON file in a
/// scratch folder, from the repository's root; returns the JSON it prints.
/// `tag` names the scratch folder and the replay in a failure.
pub fn replay(
    program: impl AsRef<std::ffi::OsStr>,
    script: &str,
    input: &serde_json::Value,
    tag: &str,
) -> serde_json::Value {
    let dir = std::env::temp_dir().join(format!("bp-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let cases = dir.join("cases.json");
    std::fs::write(&cases, input.to_string()).expect("the cases file");
    let out = std::process::Command::new(program)
        .arg(root().join(script))
        .arg(&cases)
        .current_dir(root())
        .output()
        .expect("the replay runs (node is on PATH; scripts/test.sh builds the virtualenv)");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "the {tag} replay failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the replay's JSON")
}
