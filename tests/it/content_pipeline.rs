//! Tests of the build-time content pipeline (`build/`): the real content
//! checks out, broken content is reported with its file and line, and the
//! markdown renders as the app expects.

use crate::common::Scratch;
use crate::{content, highlight};

use std::path::PathBuf;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const SECTIONS: &str = "# comment\nalpha: Alpha things\nbeta: Beta things\n";

fn topic(slug: &str, section: &str, order: u32, body: &str) -> String {
    format!("---\nslug: {slug}\ntitle: Title of {slug}\nsection: {section}\norder: {order}\nsummary: About {slug}.\n---\n\n{body}\n")
}

fn problems_of(files: &[(&str, &str)]) -> Vec<String> {
    let scratch = Scratch::new(
        "content",
        &format!(
            "{:x}",
            files.len() * 7919 + files.iter().map(|f| f.1.len()).sum::<usize>()
        ),
        files,
    );
    match content::load(scratch.path()) {
        Ok(_) => Vec::new(),
        Err(p) => p.iter().map(|p| p.to_string()).collect(),
    }
}

#[test]
fn the_real_content_loads_without_problems() {
    let c = content::load(&manifest_dir().join("content")).unwrap_or_else(|problems| {
        panic!(
            "content problems:\n{}",
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert!(
        c.topics.len() >= 44,
        "expected every topic of the cheat sheet, found {}",
        c.topics.len()
    );
    for (i, s) in c.sections.iter().enumerate() {
        assert!(
            c.topics.iter().any(|t| t.section_index == i),
            "section `{}` has no topics",
            s.id
        );
    }
    for t in &c.topics {
        assert!(!t.html.trim().is_empty(), "{} has no text", t.meta.slug);
        assert!(
            t.meta.summary.len() <= 200,
            "{}: summary too long",
            t.meta.slug
        );
        assert!(
            !t.html.contains("topic:"),
            "{}: an unrewritten topic link",
            t.meta.slug
        );
    }
    // Reading order: by section, then by order.
    let keys: Vec<_> = c
        .topics
        .iter()
        .map(|t| (t.section_index, t.meta.order))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // A topic's interview frequency shows on its page and in the overview.
    let pool = c
        .topics
        .iter()
        .find(|t| t.meta.slug == "connection-pooling")
        .expect("the connection pooling topic");
    let n = pool.meta.asked.expect("connection pooling has a frequency");
    assert!(content::fragment(pool)
        .starts_with(&format!("<p class=\"asked\">Comes up in roughly {n}%")));
    assert!(content::overview_html(&c).contains(&format!("Asked in about {n}% of interviews.")));
}

#[test]
fn good_content_loads_in_order() {
    let a = topic("a-one", "beta", 2, "Text linking [b](topic:b-two).");
    let b = topic("b-two", "alpha", 1, "Back to [a](topic:a-one#x).");
    let c = topic("c-three", "beta", 1, "Plain.");
    let scratch = Scratch::new(
        "content",
        "good",
        &[
            ("sections.txt", SECTIONS),
            ("a-one.md", &a),
            ("b-two.md", &b),
            ("c-three.md", &c),
        ],
    );
    let loaded = content::load(scratch.path()).expect("loads");
    let slugs: Vec<_> = loaded.topics.iter().map(|t| t.meta.slug.as_str()).collect();
    assert_eq!(slugs, ["b-two", "c-three", "a-one"]);
    assert!(loaded.topics[0]
        .html
        .contains("href=\"@root@topics/a-one/#x\""));
    let rust = content::to_rust(&loaded);
    assert!(rust.contains("pub static TOPICS: &[Topic]"));
    assert!(rust.contains("slug: \"a-one\""));
}

#[test]
fn broken_front_matter_is_reported_with_file_and_line() {
    let cases: &[(&str, &str)] = &[
        (
            "no front matter at all",
            "content/x.md:1: a topic file must start with a `---` line",
        ),
        (
            "---\nslug: x\n",
            "content/x.md:1: the front matter is never closed",
        ),
        (
            "---\nslug: x\ntitle: T\nsection: alpha\nsummary: S\n---\nbody",
            "content/x.md:6: the front matter has no `order`",
        ),
        (
            "---\nslug: x\ntitle: T\nsection: alpha\norder: first\nsummary: S\n---\n",
            "content/x.md:5: order `first` is not a whole number",
        ),
        (
            "---\nslug: x\ntitle: T\nsection: alpha\norder: 1\nsummary: S\ncolour: red\n---\n",
            "content/x.md:7: unknown key `colour`",
        ),
        (
            "---\nslug: x\ntitle: T\nsection: alpha\norder: 1\nsummary: S\nasked: 150\n---\n",
            "content/x.md:7: asked `150` must be a percentage from 1 to 100",
        ),
        (
            "---\nslug: x\ntitle:\nsection: alpha\norder: 1\nsummary: S\n---\n",
            "content/x.md:3: `title` is empty",
        ),
        (
            "---\nslug: x\ntitle: T\nsection: alpha\norder: 1\nsummary: S\njust words\n---\n",
            "content/x.md:7: expected `key: value`",
        ),
        (
            "---\nslug: Bad_Slug\ntitle: T\nsection: alpha\norder: 1\nsummary: S\n---\n",
            "content/x.md:2: slug `Bad_Slug` must be lower-case",
        ),
        (
            "---\nslug: y\ntitle: T\nsection: alpha\norder: 1\nsummary: S\n---\n",
            "content/x.md:2: slug `y` must equal the file name `x`",
        ),
        (
            "---\nslug: x\ntitle: T\nsection: gamma\norder: 1\nsummary: S\n---\n",
            "content/x.md: section `gamma` is not listed",
        ),
        (
            "---\nslug: x\ntitle: T\nsection: alpha\norder: 1\nsummary: S\nrelated: nope\n---\n",
            "content/x.md: `related` names `nope`, which is not a topic",
        ),
    ];
    for (text, expected) in cases {
        let problems = problems_of(&[("sections.txt", SECTIONS), ("x.md", text)]);
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "for {text:?} expected a problem starting {expected:?}, got {problems:?}"
        );
    }
}

#[test]
fn a_visualization_naming_no_model_is_reported_with_file_and_line() {
    let text = "---\nslug: foo\ntitle: Foo\nvisualization: circuit-braker\nsection: alpha\norder: 1\nsummary: S\n---\nBody.\n";
    let Err(problems) = content::parse_front_matter("content/topics/foo.md", text) else {
        panic!("a visualization naming no model must be refused");
    };
    let messages: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        messages,
        [format!(
            "content/topics/foo.md:4: visualization \"circuit-braker\" names no model (known: {})",
            content::MODELS.join(", ")
        )]
    );
    // Every model's name is accepted, and so is a topic with none.
    for name in content::MODELS {
        let good = text.replace("circuit-braker", name);
        let (meta, _, _) = content::parse_front_matter("content/topics/foo.md", &good)
            .unwrap_or_else(|p| panic!("{name}: {p:?}"));
        assert_eq!(meta.visualization.as_deref(), Some(name));
    }
    let none = text.replace("visualization: circuit-braker\n", "visualization:\n");
    assert!(content::parse_front_matter("content/topics/foo.md", &none).is_ok());
    // Loading a folder reports it at its line in the file too.
    let x =
        "---\nslug: x\ntitle: T\nsection: alpha\norder: 1\nsummary: S\nvisualization: nope\n---\n";
    let problems = problems_of(&[("sections.txt", SECTIONS), ("x.md", x)]);
    assert!(
        problems.iter().any(|p| p.starts_with(
            "content/x.md:7: visualization \"nope\" names no model (known: n-plus-one, "
        )),
        "{problems:?}"
    );
}

#[test]
fn bad_links_and_headings_are_reported_at_their_line() {
    let body =
        "First line.\n\nSee [missing](topic:nowhere).\n\n# A title heading\n\n[rel](other.md)\n";
    let x = topic("x", "alpha", 1, body);
    let problems = problems_of(&[("sections.txt", SECTIONS), ("x.md", &x)]);
    // The body starts after 7 lines of front matter and a blank line.
    assert!(
        problems.contains(
            &"content/x.md:11: link to topic `nowhere`, which does not exist".to_string()
        ),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("content/x.md:13: use `##`")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("content/x.md:15: link `other.md`")),
        "{problems:?}"
    );
}

#[test]
fn duplicate_orders_and_sections_are_reported() {
    let a = topic("a", "alpha", 1, "A.");
    let b = topic("b", "alpha", 1, "B.");
    let problems = problems_of(&[("sections.txt", SECTIONS), ("a.md", &a), ("b.md", &b)]);
    assert!(
        problems.iter().any(|p| p.contains("already has order 1")),
        "{problems:?}"
    );
    let problems = problems_of(&[("sections.txt", "alpha: A\nalpha: again\n"), ("a.md", &a)]);
    assert_eq!(
        problems,
        ["content/sections.txt:2: section `alpha` is listed twice"]
    );
    let problems = problems_of(&[("sections.txt", "Not A Section\n")]);
    assert!(
        problems[0].starts_with("content/sections.txt:1: expected `id: Title`"),
        "{problems:?}"
    );
}

#[test]
fn section_subtitles_are_parsed_shown_and_checked() {
    let file = "content/sections.txt";
    let sections = content::parse_sections(
        file,
        "# a comment | with a bar\nalpha: Alpha | What alpha is for, <briefly>.\nbeta: Beta\n",
    )
    .expect("parses");
    assert_eq!(sections[0].title, "Alpha");
    assert_eq!(
        sections[0].subtitle.as_deref(),
        Some("What alpha is for, <briefly>.")
    );
    assert_eq!(sections[1].subtitle, None);
    assert_eq!(
        content::subtitle_html(&sections[0]),
        "<p class=\"section-subtitle\">What alpha is for, &lt;briefly&gt;.</p>"
    );
    assert_eq!(content::subtitle_html(&sections[1]), "");
    for (text, wanted) in [
        (
            "alpha: Alpha |\n",
            "content/sections.txt:1: the subtitle after `|` is empty",
        ),
        (
            "alpha: Alpha\nbeta: Beta | one | two\n",
            "content/sections.txt:2: a section line holds one `|`",
        ),
        (
            "alpha: | Only a subtitle\n",
            "content/sections.txt:1: expected `id: Title`",
        ),
    ] {
        let problems: Vec<String> = match content::parse_sections(file, text) {
            Ok(_) => Vec::new(),
            Err(p) => p.iter().map(ToString::to_string).collect(),
        };
        assert!(
            problems.iter().any(|p| p.starts_with(wanted)),
            "{text:?}: wanted {wanted:?}, got {problems:?}"
        );
    }
    // The real sections all say what they are for, and the overview shows it
    // under each section's heading.
    let c = content::load(&manifest_dir().join("content")).expect("the real content loads");
    let overview = content::overview_html(&c);
    for s in &c.sections {
        let sub = s
            .subtitle
            .as_deref()
            .unwrap_or_else(|| panic!("section `{}` has no subtitle", s.id));
        assert!(
            !sub.contains('%'),
            "section `{}`: no interview percentages in a subtitle",
            s.id
        );
        let heading = format!("<h2 id=\"sec-{}\">", s.id);
        let at = overview.find(&heading).expect("the section's heading");
        assert!(
            overview[at..].contains(&format!("</h2>{}", content::subtitle_html(s))),
            "section `{}`: the subtitle follows the heading",
            s.id
        );
    }
}

#[test]
fn markdown_renders_anchors_code_tables_notes_and_links() {
    let body = "## Why it matters\n\ntext\n\n## Why it matters\n\n```python\nx = \"a\"  # note\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> **Careful:** this is wrong.\n\n> An ordinary quote.\n\n[web](https://example.com/) and [t](topic:other)\n";
    let r = content::render_markdown(body);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert!(r.html.contains(
        "<h2 id=\"why-it-matters\">Why it matters<a class=\"anchor\" href=\"#why-it-matters\""
    ));
    assert!(r.html.contains("<h2 id=\"why-it-matters-2\">"));
    assert_eq!(r.headings.len(), 2);
    assert!(r.html.contains("<pre class=\"code\" data-lang=\"python\" tabindex=\"0\"><code>x = <span class=\"tk-s\">&quot;a&quot;</span>  <span class=\"tk-c\"># note</span>"), "{}", r.html);
    assert!(r
        .html
        .contains("<div class=\"table-wrap\" tabindex=\"0\"><table>"));
    assert!(r.html.contains("</table>\n</div>"));
    assert!(r.html.contains("<blockquote class=\"careful\">"));
    assert_eq!(r.html.matches("<blockquote>").count(), 1);
    assert!(r.html.contains("href=\"https://example.com/\""));
    assert!(r.html.contains("href=\"@root@topics/other/\""));
    assert_eq!(r.topic_links, vec![("other".to_string(), 19)]);
}

#[test]
fn html_in_text_and_code_is_escaped() {
    let r =
        content::render_markdown("A <b>tag</b> & `x < y`\n\n```sql\nSELECT '<x>' -- <y>\n```\n");
    assert!(r.html.contains("<code>x &lt; y</code>"));
    assert!(
        r.html
            .contains("<span class=\"tk-s\">&#39;&lt;x&gt;&#39;</span>"),
        "{}",
        r.html
    );
    assert!(r.html.contains("<span class=\"tk-c\">-- &lt;y&gt;</span>"));
}

#[test]
fn anchor_ids_are_readable() {
    assert_eq!(
        content::anchor_id("Read replicas vs. sharding"),
        "read-replicas-vs-sharding"
    );
    assert_eq!(content::anchor_id("N+1: the fix"), "n-1-the-fix");
    assert_eq!(content::anchor_id("???"), "section");
}

/// A small deterministic generator for the fuzz-style tests below.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn text(&mut self, len: usize) -> String {
        const PIECES: &[&str] = &[
            "a", "Z", "_", "1", "0x1F", " ", "\n", "\t", "'", "\"", "\"\"\"", "`", "#", "--", "//",
            "/*", "*/", "\\", ":", "-", ".", "é", "→", "🙂", "select", "def", "key:", "{", "[",
        ];
        (0..len)
            .map(|_| PIECES[(self.next() as usize) % PIECES.len()])
            .collect()
    }
}

#[test]
fn highlighting_never_loses_or_invents_text() {
    let mut rng = Lcg(42);
    for lang in [
        "python", "sql", "js", "java", "rust", "bash", "yaml", "json",
    ] {
        for _ in 0..400 {
            let code = rng.text(40);
            let tokens = highlight::tokenize(lang, &code).expect("known language");
            let joined: String = tokens.iter().map(|(_, t)| *t).collect();
            assert_eq!(joined, code, "{lang}");
            // And the HTML form never panics.
            let _ = highlight::highlight(lang, &code);
        }
    }
    assert!(highlight::tokenize("brainfuck", "+-").is_none());
    assert_eq!(highlight::highlight("brainfuck", "<>"), "&lt;&gt;");
}

#[test]
fn highlighting_finds_the_usual_tokens() {
    use highlight::Token::*;
    let kinds = |lang: &str, code: &str| -> Vec<(highlight::Token, std::string::String)> {
        highlight::tokenize(lang, code)
            .unwrap()
            .into_iter()
            .filter_map(|(k, t)| k.map(|k| (k, t.to_string())))
            .collect()
    };
    assert_eq!(
        kinds("sql", "select count(*) from t where id = 42 -- x"),
        vec![
            (Keyword, "select".into()),
            (Builtin, "count".into()),
            (Keyword, "from".into()),
            (Keyword, "where".into()),
            (Number, "42".into()),
            (Comment, "-- x".into())
        ]
    );
    assert_eq!(
        kinds("yaml", "resources:\n  limits:\n    cpu: \"500m\""),
        vec![
            (Key, "resources".into()),
            (Key, "limits".into()),
            (Key, "cpu".into()),
            (String, "\"500m\"".into())
        ]
    );
    assert_eq!(kinds("python", "v2 = x.print"), vec![]);
    assert_eq!(
        kinds("python", "'''doc'''\nreturn"),
        vec![(String, "'''doc'''".into()), (Keyword, "return".into())]
    );
}

#[test]
fn the_build_script_fails_with_a_clear_message_on_broken_content() {
    // The build script compiled for this test run, found next to the tests.
    let build_dir = manifest_dir().join("target").join("debug").join("build");
    let script = std::fs::read_dir(&build_dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("backend-playground-")
        })
        .map(|e| e.path().join("build-script-build"))
        .filter(|p| p.is_file())
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    let Some(script) = script else {
        panic!("no compiled build script under {}", build_dir.display());
    };
    let x = topic("x", "alpha", 1, "See [gone](topic:gone).");
    let scratch = Scratch::new(
        "content",
        "script",
        &[
            ("sections.txt", SECTIONS),
            ("x.md", &x),
            ("y.md", "---\nslug: y\n"),
        ],
    );
    let root = scratch.path().parent().unwrap();
    let out = std::process::Command::new(&script)
        .env("CARGO_MANIFEST_DIR", root)
        .env("OUT_DIR", root)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the content in content/ has 2 problem(s)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("content/x.md:9: link to topic `gone`, which does not exist"),
        "{stderr}"
    );
    assert!(
        stderr.contains("content/y.md:1: the front matter is never closed"),
        "{stderr}"
    );
    // And with good content it writes the generated source.
    std::fs::write(scratch.path().join("x.md"), topic("x", "alpha", 1, "Fine.")).unwrap();
    std::fs::remove_file(scratch.path().join("y.md")).unwrap();
    let out = std::process::Command::new(&script)
        .env("CARGO_MANIFEST_DIR", root)
        .env("OUT_DIR", root)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read_to_string(root.join("content.rs"))
        .unwrap()
        .contains("slug: \"x\""));
}

#[test]
fn the_search_index_finds_every_topic_and_every_heading() {
    let c = content::load(&manifest_dir().join("content")).expect("the real content loads");
    let text = content::search_index(&c);
    let entries: Vec<[String; 4]> = serde_json::from_str(&text)
        .expect("the index is a JSON array of [slug, anchor, heading, text]");
    let built: Vec<[String; 4]> = c
        .topics
        .iter()
        .flat_map(|t| {
            t.passages.iter().map(|p| {
                [
                    t.meta.slug.clone(),
                    p.id.clone(),
                    p.heading.clone(),
                    p.text.clone(),
                ]
            })
        })
        .collect();
    assert_eq!(
        entries, built,
        "the index holds every passage, in reading order"
    );
    assert!(
        entries.iter().all(|e| !e[3].trim().is_empty()),
        "an empty passage was indexed"
    );
    assert!(!text.contains('\n'), "the index is written compact");
    let index = backend_playground::search::Index::parse(&text);
    assert_eq!(
        index.len(),
        built.len(),
        "every indexed passage parses back"
    );
    for t in &c.topics {
        let hits = index.search(&t.meta.title, 50);
        assert!(
            hits.iter().any(|h| h.slug == t.meta.slug),
            "searching for the title {:?} does not find its topic",
            t.meta.title
        );
        for h in t.headings.iter().filter(|h| h.level == 2) {
            let hits = index.search(&h.text, 200);
            assert!(
                hits.iter().any(|x| x.slug == t.meta.slug && x.id == h.id),
                "searching for the heading {:?} does not find {}#{}",
                h.text,
                t.meta.slug,
                h.id
            );
        }
    }
    // Code is searchable too.
    assert!(index
        .search("selectinload", 10)
        .iter()
        .any(|h| h.slug == "n-plus-one"));
}

#[test]
fn passages_are_plain_text_split_at_headings() {
    let r = content::render_markdown(
        "Intro with `code` and a [link](https://example.com), *emphasis*.\n\n## First part\n\nText one.\n\n```python\nx = 1\n```\n\n## Second\n\n- item a\n- item b\n",
    );
    let p: Vec<(&str, &str, &str)> = r
        .passages
        .iter()
        .map(|p| (p.id.as_str(), p.heading.as_str(), p.text.as_str()))
        .collect();
    assert_eq!(
        p,
        vec![
            ("", "", "Intro with code and a link, emphasis."),
            ("first-part", "First part", "Text one. x = 1"),
            ("second", "Second", "item a item b"),
        ]
    );
}

#[test]
fn diagrams_are_inlined_checked_and_captioned() {
    let svg = |name: &str| {
        (name == "flow").then(|| "<svg viewBox=\"0 0 10 10\"><title>t</title></svg>".to_string())
    };
    let r = content::render_markdown_with(
        "Intro.\n\n![A flow & its parts](diagram:flow)\n\nAfter.\n",
        &svg,
    );
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert!(r.html.contains(
        "<figure class=\"diagram\"><svg viewBox=\"0 0 10 10\"><title>t</title></svg><figcaption>A flow &amp; its parts</figcaption></figure>"
    ));
    assert!(!r.html.contains("<p><figure"));
    assert!(r.passages[0].text.contains("A flow & its parts"));
    let r = content::render_markdown_with("![x](diagram:nope)\n", &svg);
    assert_eq!(r.problems.len(), 1);
    assert!(r.problems[0].1.contains("content/diagrams/nope.svg"));
    let r = content::render_markdown_with("![x](diagram:../secret)\n", &|_| Some("leak".into()));
    assert!(!r.html.contains("leak"));
    assert_eq!(r.problems.len(), 1);
    let r = content::render_markdown_with("Text and ![x](diagram:flow) inline.\n", &svg);
    assert_eq!(r.problems.len(), 1);
    assert!(r.problems[0].1.contains("alone in its paragraph"));
}

#[test]
fn every_diagram_file_is_used_and_the_seed_diagrams_are_all_drawn() {
    let dir = manifest_dir().join("content");
    let c = content::load(&dir).expect("the real content loads");
    let mut files: Vec<String> = std::fs::read_dir(dir.join("diagrams"))
        .expect("content/diagrams exists")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".svg"))
        .collect();
    files.sort();
    let figures: usize = c
        .topics
        .iter()
        .map(|t| t.html.matches("<figure class=\"diagram\">").count())
        .sum();
    assert_eq!(
        figures,
        files.len(),
        "each diagram file is shown exactly once: {files:?}"
    );
    for f in &files {
        let text = std::fs::read_to_string(dir.join("diagrams").join(f)).expect("readable");
        assert!(
            text.starts_with("<svg ")
                && text.contains("role=\"img\"")
                && text.contains("<title id="),
            "{f}: an accessible inline SVG"
        );
        assert!(
            !text.contains("fill=\"#") && !text.contains("stroke=\"#"),
            "{f}: colours come from the theme's classes"
        );
    }
    // The seed draws six diagrams (as diagram source); each has a drawn counterpart.
    let seed = manifest_dir().join("../shared/seed/backend-interview-cheat-sheet.md");
    if let Ok(text) = std::fs::read_to_string(seed) {
        assert_eq!(text.matches("```mermaid").count(), 6);
        assert!(files.len() >= 6);
    }
}

/// The `**Q: ...**` questions of the seed between the heading that starts
/// with `start` and the next `## ` heading.
fn seed_questions(seed: &str, start: &str) -> Vec<String> {
    let Some(at) = seed.find(start) else {
        return Vec::new();
    };
    let rest = &seed[at + start.len()..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest[..end]
        .lines()
        .filter_map(|l| l.trim().strip_prefix("**Q:"))
        .map(|q| q.trim_end_matches("**").trim().to_string())
        .collect()
}

/// Lower-case words of three letters or more, without the most common
/// question words.
fn words(s: &str) -> std::collections::HashSet<String> {
    const COMMON: [&str; 16] = [
        "the", "and", "you", "how", "what", "for", "are", "with", "does", "your", "that", "this",
        "when", "where", "have", "why",
    ];
    s.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.len() >= 3 && !COMMON.contains(&w.as_str()))
        .collect()
}

#[test]
fn the_drill_has_a_question_per_topic_and_every_bank_question_of_the_seed() {
    let c = content::load(&manifest_dir().join("content")).expect("the real content loads");
    let text = content::drill_file(&c);
    let cards = backend_playground::drill::parse_cards(&text);
    let built: Vec<(&content::Topic, &content::DrillCard)> = c
        .topics
        .iter()
        .flat_map(|t| t.drill.iter().map(move |d| (t, d)))
        .collect();
    assert_eq!(cards.len(), built.len(), "every card parses back");
    for (card, (t, d)) in cards.iter().zip(&built) {
        assert_eq!(
            (card.id.as_str(), card.slug, card.question.as_str()),
            (d.id.as_str(), t.meta.slug.as_str(), d.question.as_str())
        );
        assert_eq!(card.answer_html, d.answer_html, "{}", card.id);
        assert_eq!(
            backend_playground::content::SECTIONS[card.section].id,
            c.sections[t.section_index].id
        );
    }
    let ids: std::collections::HashSet<&str> = cards.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), cards.len(), "card ids are unique");
    for t in c.topics.iter().filter(|t| t.meta.bank.is_none()) {
        assert!(
            ids.contains(t.meta.slug.as_str()),
            "{} has no drill question",
            t.meta.slug
        );
    }
    for card in &cards {
        assert!(!card.answer_html.is_empty(), "{} has no answer", card.id);
    }
    let seed = manifest_dir().join("../shared/seed/backend-interview-cheat-sheet.md");
    let Ok(seed) = std::fs::read_to_string(seed) else {
        eprintln!("the seed is not beside the project; bank coverage not checked");
        return;
    };
    for (heading, bank) in [
        ("Instant Knockout Questions", "knockout-questions"),
        ("Bonus: Trick Questions", "trick-questions"),
        ("Production Debugging Scenarios", "debugging-scenarios"),
    ] {
        let asked = seed_questions(&seed, heading);
        assert!(!asked.is_empty(), "no questions found under {heading}");
        // The bank's own questions, not the extra cards of its card file.
        let file = format!("content/{}/{bank}.md", content::CARDS_DIR);
        let extra: Vec<String> = std::fs::read_to_string(manifest_dir().join(&file))
            .ok()
            .and_then(|text| content::parse_card_file(&file, bank, &text).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.card.id)
            .collect();
        let ours: Vec<&str> = cards
            .iter()
            .filter(|c| c.slug == bank && c.id.starts_with(&format!("{bank}#")))
            .filter(|c| !extra.contains(&c.id))
            .map(|c| c.question.as_str())
            .collect();
        assert_eq!(ours.len(), asked.len(), "{bank}: {ours:?} vs {asked:?}");
        for (q, s) in ours.iter().zip(&asked) {
            assert!(
                !words(q).is_disjoint(&words(s)),
                "{bank}: {q:?} does not look like the seed's {s:?}"
            );
        }
    }
}

#[test]
fn the_drill_file_keeps_the_root_mark_literal_so_it_can_be_rebased() {
    let c = content::load(&manifest_dir().join("content")).expect("the real content loads");
    let text = content::drill_file(&c);
    let linked = format!("href=\\\"{}topics/", content::ROOT_MARK);
    assert!(
        text.contains(&linked),
        "no answer links to a topic, so the rebase is not tested"
    );
    // As tools/render-content writes it.
    let rebased = text.replace(content::ROOT_MARK, "../");
    assert!(!rebased.contains(content::ROOT_MARK));
    let cards = backend_playground::drill::parse_cards(&rebased);
    assert_eq!(
        cards.len(),
        backend_playground::drill::parse_cards(&text).len()
    );
    assert!(cards
        .iter()
        .any(|c| c.answer_html.contains("href=\"../topics/")));
    assert!(cards
        .iter()
        .all(|c| !c.answer_html.contains(content::ROOT_MARK)));
}

#[test]
fn the_app_fetches_the_files_this_content_writes() {
    let c = content::load(&manifest_dir().join("content")).expect("the real content loads");
    assert_eq!(content::SEARCH_FILE, "search.json");
    assert_eq!(content::DRILL_FILE, "drill.json");
    let search = format!(
        "search.json?v={}",
        content::fingerprint(&content::search_index(&c))
    );
    let drill = format!(
        "drill.json?v={}",
        content::fingerprint(&content::drill_file(&c))
    );
    let rust = content::to_rust(&c);
    assert!(
        rust.contains(&format!("SEARCH_INDEX: &str = {search:?};")),
        "{rust}"
    );
    assert!(
        rust.contains(&format!("DRILL_INDEX: &str = {drill:?};")),
        "{rust}"
    );
    // The app was built from the same content.
    assert_eq!(backend_playground::content::SEARCH_INDEX, search);
    assert_eq!(backend_playground::content::DRILL_INDEX, drill);
}

#[test]
fn files_are_written_as_json_into_the_site() {
    let c = content::load(&manifest_dir().join("content")).expect("the real content loads");
    let site = std::env::temp_dir().join(format!("bp-site-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&site);
    content::write_fragments(&c, &site).expect("writes");
    let search = std::fs::read_to_string(site.join("search.json")).expect("search.json");
    let drill = std::fs::read_to_string(site.join("drill.json")).expect("drill.json");
    let _ = std::fs::remove_dir_all(&site);
    assert!(search.starts_with("[[") && drill.starts_with("[{\"id\":"));
    assert!(!backend_playground::search::Index::parse(&search).is_empty());
    assert!(!backend_playground::drill::parse_cards(&drill).is_empty());
}
