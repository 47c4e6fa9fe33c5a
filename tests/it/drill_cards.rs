//! Tests of the drill's cards: the card files (`content/cards/<slug>.md`)
//! parse, and report every problem with its file and line; the real
//! content gives every topic at least three cards and 150 in all; and
//! every "Careful" correction on a page has a card that drills it (a card
//! names its correction with `corrects:`, a phrase of the correction's
//! text).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::common::Scratch;
use crate::content;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fewest cards a topic may have.
const MIN_PER_TOPIC: usize = 3;

/// The fewest cards in all.
const MIN_TOTAL: usize = 150;

fn topic(slug: &str, order: u32, extra: &str, body: &str) -> String {
    format!("---\nslug: {slug}\ntitle: Title of {slug}\nsection: alpha\norder: {order}\nsummary: About {slug}.\n{extra}---\n\n{body}\n")
}

/// The problems of a card file, as `file:line: message` lines.
fn card_problems(text: &str) -> Vec<String> {
    match content::parse_card_file("content/cards/t.md", "t", text) {
        Ok(_) => Vec::new(),
        Err(p) => p.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_card_file_gives_cards_with_stable_ids_and_rendered_answers() {
    let text = "\n## Why *this*?\nid: why-this\ncorrects: the `x` rule\n\nBecause of [y](topic:y).\n\n- one\n- two\n\n## Second?\nid: second\n\nA code block keeps its heading-like lines:\n\n```\n## not a question\n```\n";
    let cards = content::parse_card_file("content/cards/t.md", "t", text).expect("parses");
    assert_eq!(cards.len(), 2);
    let first = &cards[0];
    assert_eq!(first.card.id, "t#why-this");
    assert_eq!(first.card.question, "Why *this*?");
    assert_eq!(first.card.corrects.as_deref(), Some("the `x` rule"));
    assert_eq!(first.line, 2);
    assert!(
        first.card.answer_html.contains("<li>two</li>"),
        "{}",
        first.card.answer_html
    );
    assert!(first.card.answer_html.contains("href=\"@root@topics/y/\""));
    assert_eq!(first.links, vec![("y".to_string(), 6)]);
    assert_eq!(cards[1].card.id, "t#second");
    assert_eq!(cards[1].card.corrects, None);
    assert!(cards[1].card.answer_html.contains("## not a question"));
}

#[test]
fn malformed_cards_are_reported_with_file_and_line() {
    let cases: [(&str, &str); 10] = [
        (
            "Intro text\n## Q?\nid: q\n\nA.\n",
            "content/cards/t.md:1: a card file holds only cards",
        ),
        (
            "## Q?\n\nA.\n",
            "content/cards/t.md:1: the card has no `id:` line",
        ),
        (
            "## Q?\nid: Not Valid\n\nA.\n",
            "content/cards/t.md:2: card id `Not Valid` must be",
        ),
        (
            "## Q?\nid: q\n\nA.\n\n## R?\nid: q\n\nB.\n",
            "content/cards/t.md:6: card id `t#q` is already used on line 1",
        ),
        (
            "## Q?\nid: q\nlevel: 3\n\nA.\n",
            "content/cards/t.md:3: unknown card key `level`",
        ),
        (
            "## Q?\nid: q\nThe answer right away.\n",
            "content/cards/t.md:3: leave a blank line",
        ),
        (
            "## Q?\nid: q\n\n\n## R?\nid: r\n\nB.\n",
            "content/cards/t.md:1: the card has no answer",
        ),
        (
            "## Q?\nid: q\ncorrects:\n\nA.\n",
            "content/cards/t.md:3: `corrects` is empty",
        ),
        (
            "## Q?\nid: q\nid: r\n\nA.\n",
            "content/cards/t.md:3: `id` is given twice",
        ),
        ("\n\n", "content/cards/t.md: the card file has no cards"),
    ];
    for (text, wanted) in cases {
        let problems = card_problems(text);
        assert!(
            problems.iter().any(|p| p.starts_with(wanted)),
            "{text:?}: wanted {wanted:?}, got {problems:?}"
        );
    }
    assert!(card_problems("## \nid: q\n\nA.\n")
        .iter()
        .any(|p| p.starts_with("content/cards/t.md:1: the card has no question")));
}

#[test]
fn card_files_join_their_topic_and_are_checked_against_the_content() {
    let bank = "**First question?** Its answer.\n\n**Second?** Another.";
    let a_one = topic("a-one", 1, "question: Own?\nanswer: Own answer.\n", "Text.");
    let bank = topic("bank", 2, "drill: paragraphs\n", bank);
    let files: [(&str, &str); 4] = [
        ("sections.txt", "alpha: Alpha\n"),
        ("a-one.md", &a_one),
        ("bank.md", &bank),
        (
            "cards/a-one.md",
            "## Extra?\nid: extra\n\nSee [bank](topic:bank).\n",
        ),
    ];
    let scratch = Scratch::new("cards", "good", &files);
    let loaded = content::load(scratch.path()).expect("loads");
    let a = loaded
        .topics
        .iter()
        .find(|t| t.meta.slug == "a-one")
        .expect("a-one");
    let ids: Vec<&str> = a.drill.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["a-one", "a-one#extra"],
        "the page's own card keeps its id and comes first"
    );
    assert!(content::drill_file(&loaded).contains("a-one#extra"));

    for (name, extra_files, wanted) in [
        (
            "unknown-topic",
            vec![("cards/nope.md", "## Q?\nid: q\n\nA.\n")],
            "content/cards/nope.md: `nope` is not a topic",
        ),
        (
            "collision",
            vec![("cards/bank.md", "\n## Again?\nid: first-question\n\nA.\n")],
            "content/cards/bank.md:2: card id `bank#first-question` is already a question of the topic's page",
        ),
        (
            "dead-link",
            vec![("cards/a-one.md", "## Q?\nid: q\n\nFirst line.\nSee [x](topic:missing).\n")],
            "content/cards/a-one.md:5: link to topic `missing`, which does not exist",
        ),
        (
            "bad-card",
            vec![("cards/a-one.md", "## Q?\n\nA.\n")],
            "content/cards/a-one.md:1: the card has no `id:` line",
        ),
    ] {
        let mut all: Vec<(&str, &str)> = files[..3].to_vec();
        all.extend(extra_files);
        let scratch = Scratch::new("cards", name, &all);
        let problems: Vec<String> = match content::load(scratch.path()) {
            Ok(_) => Vec::new(),
            Err(p) => p.iter().map(ToString::to_string).collect(),
        };
        assert!(
            problems.iter().any(|p| p.starts_with(wanted)),
            "{name}: wanted {wanted:?}, got {problems:?}"
        );
    }
}

/// Lower case, without markdown's emphasis and code marks, white space
/// collapsed: how a correction's text and a card's `corrects` phrase are
/// compared.
fn plain(s: &str) -> String {
    s.replace(['`', '*'], "")
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The "Careful" corrections of a topic file: each quote that starts with
/// `**Careful`, as its line and its plain text.
fn corrections(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    for (n, line) in text.lines().enumerate() {
        let quoted = line.trim_start().strip_prefix('>');
        match quoted {
            Some(q) if q.trim_start().to_lowercase().starts_with("**careful") => {
                out.push((n + 1, plain(q)));
                open = true;
            }
            Some(q) if open => {
                if let Some(last) = out.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(&plain(q));
                }
            }
            _ => open = false,
        }
    }
    out
}

#[test]
fn corrections_are_found_whole_in_a_page() {
    let page = "Intro.\n\n> **Careful:** the first\n> goes on `here`.\n\n> A plain quote.\n\n> **careful** second.\n";
    assert_eq!(
        corrections(page),
        vec![
            (3, "careful: the first goes on here.".to_string()),
            (8, "careful second.".to_string())
        ]
    );
}

#[test]
fn every_topic_has_three_cards_and_the_drill_has_150() {
    let c = content::load(&manifest_dir().join("content")).expect("the real content loads");
    let mut thin = Vec::new();
    let mut per_section: BTreeMap<usize, usize> = BTreeMap::new();
    for t in &c.topics {
        if t.drill.len() < MIN_PER_TOPIC {
            thin.push(format!("{}: {} card(s)", t.meta.slug, t.drill.len()));
        }
        *per_section.entry(t.section_index).or_default() += t.drill.len();
    }
    assert!(
        thin.is_empty(),
        "topics with fewer than {MIN_PER_TOPIC} cards:\n{}",
        thin.join("\n")
    );
    let total: usize = per_section.values().sum();
    assert!(total >= MIN_TOTAL, "{total} cards, fewer than {MIN_TOTAL}");
    for (s, n) in &per_section {
        eprintln!("{}: {n} cards", c.sections[*s].title);
    }
    eprintln!("total: {total} cards");
    // The drill file holds them all, and they parse back.
    let parsed = backend_playground::drill::parse_cards(&content::drill_file(&c));
    assert_eq!(parsed.len(), total);
}

#[test]
fn every_careful_correction_has_a_card_and_every_card_names_a_real_one() {
    let dir = manifest_dir().join("content");
    let c = content::load(&dir).expect("the real content loads");
    let mut missing = Vec::new();
    let mut dangling = Vec::new();
    let mut count = 0;
    for t in &c.topics {
        let file = format!("content/{}.md", t.meta.slug);
        let text = std::fs::read_to_string(manifest_dir().join(&file)).expect("topic file");
        let found = corrections(&text);
        count += found.len();
        let phrases: Vec<(&str, String)> = t
            .drill
            .iter()
            .filter_map(|d| d.corrects.as_deref().map(|p| (d.id.as_str(), plain(p))))
            .collect();
        for (line, careful) in &found {
            if !phrases.iter().any(|(_, p)| careful.contains(p.as_str())) {
                missing.push(format!(
                    "{file}:{line}: no card drills this correction; add one to content/cards/{}.md with a `corrects:` phrase from it",
                    t.meta.slug
                ));
            }
        }
        for (id, p) in &phrases {
            if !found
                .iter()
                .any(|(_, careful)| careful.contains(p.as_str()))
            {
                dangling.push(format!(
                    "content/cards/{}.md: card `{id}` corrects {p:?}, which no Careful on {file} says",
                    t.meta.slug
                ));
            }
        }
    }
    assert!(
        count >= 18,
        "only {count} corrections found: is the marker still `> **Careful:**`?"
    );
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(dangling.is_empty(), "{}", dangling.join("\n"));
}
