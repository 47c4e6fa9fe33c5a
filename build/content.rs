//! The content pipeline: reads `content/`, checks it, renders the markdown to
//! HTML and writes it out as Rust source that the app includes. It runs in
//! `build.rs`, so the app ships finished HTML and no markdown parser.
//!
//! Every problem is reported with the file and line it comes from, and all
//! problems are reported at once.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::highlight::{escape_html, highlight};

#[path = "models.rs"]
mod models;
pub use models::MODELS;

/// A section of the cheat sheet, from `content/sections.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: String,
    pub title: String,
    /// What the section is for, in a sentence, shown under its title.
    pub subtitle: Option<String>,
}

/// The front matter of a topic file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatter {
    pub slug: String,
    pub title: String,
    pub section: String,
    pub order: u32,
    pub summary: String,
    /// The rough share of senior backend interviews that ask about the
    /// topic, in percent, where there is an estimate.
    pub asked: Option<u8>,
    pub related: Vec<String>,
    pub visualization: Option<String>,
    /// The topic's own drill question and its answer (markdown), if any.
    pub question: Option<(String, String)>,
    /// How a question bank's body holds its questions, if it is one.
    pub bank: Option<Bank>,
}

/// How a question bank's body holds its questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bank {
    /// Each paragraph that starts with bold text: the bold text is the
    /// question, the rest of the paragraph the answer.
    Paragraphs,
    /// Each `##` heading is a question; the text under it is the answer.
    Headings,
}

/// One drill card: a question and its answer, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillCard {
    /// Stable id: the topic's slug, `slug#anchor` for a bank question, or
    /// `slug#id` for a card of the topic's card file.
    pub id: String,
    pub question: String,
    pub answer_html: String,
    /// For a card of a card file: a phrase of the "Careful" correction on
    /// the topic's page that the card drills (see [`parse_card_file`]).
    pub corrects: Option<String>,
}

/// The folder, inside `content/`, of the card files: `<slug>.md` holds the
/// extra drill cards of topic `slug`.
pub const CARDS_DIR: &str = "cards";

/// A heading inside a topic, for the page's table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// A checked, rendered topic.
#[derive(Debug, Clone)]
pub struct Topic {
    pub meta: FrontMatter,
    pub section_index: usize,
    pub html: String,
    pub headings: Vec<Heading>,
    pub passages: Vec<Passage>,
    pub drill: Vec<DrillCard>,
}

/// The plain text of a topic between two headings, for search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Passage {
    /// The anchor of the heading above it (empty before the first heading).
    pub id: String,
    /// That heading's text (empty before the first heading).
    pub heading: String,
    /// The words, with runs of white space collapsed.
    pub text: String,
}

/// Everything the app shows, in reading order.
#[derive(Debug, Clone)]
pub struct Content {
    pub sections: Vec<Section>,
    pub topics: Vec<Topic>,
}

/// One problem in the content, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

fn problem(file: &str, line: usize, message: impl Into<String>) -> Problem {
    Problem {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// A slug is lower-case ASCII letters, digits and single hyphens.
pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// Parses `sections.txt`: one `id: Title` a line, optionally followed by
/// ` | Subtitle` (a sentence saying what the section is for), with `#`
/// comments and blank lines.
pub fn parse_sections(file: &str, text: &str) -> Result<Vec<Section>, Vec<Problem>> {
    let mut sections = Vec::new();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((id, rest)) = line
            .split_once(':')
            .filter(|(id, _)| is_valid_slug(id.trim()))
        else {
            problems.push(problem(
                file,
                n + 1,
                "expected `id: Title` with a lower-case id (letters, digits, hyphens)",
            ));
            continue;
        };
        let (title, subtitle) = match rest.split_once('|') {
            Some((title, subtitle)) => (title.trim(), Some(subtitle.trim())),
            None => (rest.trim(), None),
        };
        let bad = if title.is_empty() {
            Some("expected `id: Title` with a lower-case id (letters, digits, hyphens)")
        } else if subtitle.is_some_and(str::is_empty) {
            Some("the subtitle after `|` is empty: write a sentence, or drop the `|`")
        } else if subtitle.is_some_and(|s| s.contains('|')) {
            Some("a section line holds one `|`, between the title and the subtitle")
        } else {
            None
        };
        if let Some(message) = bad {
            problems.push(problem(file, n + 1, message));
            continue;
        }
        let id = id.trim().to_string();
        if !seen.insert(id.clone()) {
            problems.push(problem(
                file,
                n + 1,
                format!("section `{id}` is listed twice"),
            ));
        }
        sections.push(Section {
            id,
            title: title.to_string(),
            subtitle: subtitle.map(str::to_string),
        });
    }
    if sections.is_empty() && problems.is_empty() {
        problems.push(problem(file, 0, "no sections are listed"));
    }
    if problems.is_empty() {
        Ok(sections)
    } else {
        Err(problems)
    }
}

/// The keys a front matter may have.
const FRONT_MATTER_KEYS: [&str; 11] = [
    "slug",
    "title",
    "section",
    "order",
    "summary",
    "asked",
    "related",
    "visualization",
    "question",
    "answer",
    "drill",
];

/// Splits a topic file into its front matter and its markdown body, and
/// returns the line number at which the body starts.
pub fn parse_front_matter(
    file: &str,
    text: &str,
) -> Result<(FrontMatter, String, usize), Vec<Problem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut f = Fields::read(file, text)?;
    f.check_keys();
    let slug = f.required("slug");
    let title = f.required("title");
    let section = f.required("section");
    let order_text = f.required("order");
    let summary = f.required("summary");
    f.check_slug(&slug);
    let order = f.order(&order_text);
    let related = f.related();
    let visualization = f.visualization();
    let question = f.question();
    let asked = f.asked();
    let bank = f.bank();
    if !f.problems.is_empty() {
        return Err(f.problems);
    }
    let body: String = text
        .lines()
        .skip(f.closed_at)
        .collect::<Vec<_>>()
        .join("\n");
    Ok((
        FrontMatter {
            slug,
            title,
            section,
            order,
            summary,
            asked,
            related,
            visualization,
            question,
            bank,
        },
        body,
        f.closed_at + 1,
    ))
}

/// The `key: value` lines of one front matter, each with its line, and the
/// problems found in them so far.
struct Fields<'f> {
    /// The file, for problems.
    file: &'f str,
    /// Each key's value and line.
    values: BTreeMap<String, (String, usize)>,
    /// The line of the closing `---`.
    closed_at: usize,
    problems: Vec<Problem>,
}

impl<'f> Fields<'f> {
    /// Reads the front matter at the top of `text` (from its opening `---`
    /// to its closing one). Fails if there is none or it is never closed.
    fn read(file: &'f str, text: &str) -> Result<Fields<'f>, Vec<Problem>> {
        let mut lines = text.lines();
        if lines.next().map(str::trim_end) != Some("---") {
            return Err(vec![problem(
                file,
                1,
                "a topic file must start with a `---` line that opens its front matter",
            )]);
        }
        let mut values: BTreeMap<String, (String, usize)> = BTreeMap::new();
        let mut problems = Vec::new();
        let mut closed_at = None;
        for (n, raw) in lines.enumerate() {
            let line_no = n + 2;
            if raw.trim_end() == "---" {
                closed_at = Some(line_no);
                break;
            }
            if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
                continue;
            }
            match raw.split_once(':') {
                Some((key, value)) if !key.trim().is_empty() && !key.contains(' ') => {
                    let key = key.trim().to_string();
                    if values.contains_key(&key) {
                        problems.push(problem(file, line_no, format!("`{key}` is given twice")));
                    }
                    values.insert(key, (value.trim().to_string(), line_no));
                }
                _ => problems.push(problem(
                    file,
                    line_no,
                    format!("expected `key: value`, found `{}`", raw.trim()),
                )),
            }
        }
        let Some(closed_at) = closed_at else {
            problems.push(problem(
                file,
                1,
                "the front matter is never closed with a `---` line",
            ));
            return Err(problems);
        };
        Ok(Fields {
            file,
            values,
            closed_at,
            problems,
        })
    }

    /// Notes a problem at `line`.
    fn problem(&mut self, line: usize, message: impl Into<String>) {
        self.problems.push(problem(self.file, line, message));
    }

    /// Every key must be one of [`FRONT_MATTER_KEYS`].
    fn check_keys(&mut self) {
        let unknown: Vec<(String, usize)> = self
            .values
            .iter()
            .filter(|(key, _)| !FRONT_MATTER_KEYS.contains(&key.as_str()))
            .map(|(key, (_, line))| (key.clone(), *line))
            .collect();
        for (key, line) in unknown {
            self.problem(
                line,
                format!(
                    "unknown key `{key}`; the keys are {}",
                    FRONT_MATTER_KEYS.join(", ")
                ),
            );
        }
    }

    /// The line of `key`, or of the closing `---` if it is missing.
    fn line_of(&self, key: &str) -> usize {
        self.values.get(key).map_or(self.closed_at, |(_, l)| *l)
    }

    /// The value of a key that must be given and not empty (empty if not).
    fn required(&mut self, key: &str) -> String {
        match self.values.get(key) {
            Some((v, _)) if !v.is_empty() => v.clone(),
            Some((_, line)) => {
                let line = *line;
                self.problem(line, format!("`{key}` is empty"));
                String::new()
            }
            None => {
                let line = self.closed_at;
                self.problem(line, format!("the front matter has no `{key}`"));
                String::new()
            }
        }
    }

    /// The value of a key that may be left out, or given empty.
    fn optional(&self, key: &str) -> Option<String> {
        self.values
            .get(key)
            .map(|(v, _)| v.clone())
            .filter(|v| !v.is_empty())
    }

    /// A given slug must be valid (see [`is_valid_slug`]).
    fn check_slug(&mut self, slug: &str) {
        if !slug.is_empty() && !is_valid_slug(slug) {
            let line = self.line_of("slug");
            self.problem(
                line,
                format!("slug `{slug}` must be lower-case letters, digits and single hyphens"),
            );
        }
    }

    /// The topic's place in its section: a whole number (0 if not).
    fn order(&mut self, text: &str) -> u32 {
        match text.parse::<u32>() {
            Ok(o) => o,
            Err(_) => {
                if !text.is_empty() {
                    let line = self.line_of("order");
                    self.problem(line, format!("order `{text}` is not a whole number"));
                }
                0
            }
        }
    }

    /// The related topics: a comma-separated list of slugs.
    fn related(&self) -> Vec<String> {
        self.values
            .get("related")
            .map(|(v, _)| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The live model shown beside the text, if any: one of [`MODELS`].
    fn visualization(&mut self) -> Option<String> {
        let name = self.optional("visualization")?;
        if !MODELS.contains(&name.as_str()) {
            let line = self.line_of("visualization");
            self.problem(
                line,
                format!(
                    "visualization \"{name}\" names no model (known: {})",
                    MODELS.join(", ")
                ),
            );
        }
        Some(name)
    }

    /// The topic's own question and answer, which come together or not
    /// at all.
    fn question(&mut self) -> Option<(String, String)> {
        match (self.optional("question"), self.optional("answer")) {
            (Some(q), Some(a)) => Some((q, a)),
            (None, None) => None,
            (Some(_), None) => {
                let line = self.line_of("question");
                self.problem(line, "a `question` needs an `answer`");
                None
            }
            (None, Some(_)) => {
                let line = self.line_of("answer");
                self.problem(line, "an `answer` needs a `question`");
                None
            }
        }
    }

    /// The share of interviews that ask, a percentage from 1 to 100.
    fn asked(&mut self) -> Option<u8> {
        let v = self.optional("asked")?;
        match v.parse::<u8>() {
            Ok(n) if (1..=100).contains(&n) => Some(n),
            _ => {
                let line = self.line_of("asked");
                self.problem(
                    line,
                    format!("asked `{v}` must be a percentage from 1 to 100"),
                );
                None
            }
        }
    }

    /// How a question bank holds its questions, if the topic is one.
    fn bank(&mut self) -> Option<Bank> {
        match self.optional("drill").as_deref() {
            None => None,
            Some("paragraphs") => Some(Bank::Paragraphs),
            Some("headings") => Some(Bank::Headings),
            Some(other) => {
                let line = self.line_of("drill");
                self.problem(
                    line,
                    format!("drill `{other}` must be `paragraphs` or `headings`"),
                );
                None
            }
        }
    }
}

/// Turns heading text into an anchor id: lower case, words joined by hyphens.
pub fn anchor_id(text: &str) -> String {
    let mut id = String::new();
    let mut gap = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if gap && !id.is_empty() {
                id.push('-');
            }
            id.extend(c.to_lowercase());
            gap = false;
        } else {
            gap = true;
        }
    }
    if id.is_empty() {
        id.push_str("section");
    }
    id
}

/// The result of rendering one markdown body.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
    /// Topic slugs the body links to, with the line of each link.
    pub topic_links: Vec<(String, usize)>,
    /// Other problems found while rendering, with their lines.
    pub problems: Vec<(usize, String)>,
    /// The plain text under each heading, for search.
    pub passages: Vec<Passage>,
}

fn line_at(body: &str, offset: usize) -> usize {
    body[..offset.min(body.len())].matches('\n').count() + 1
}

/// The mark that stands for the way back to the site's root in rendered
/// links; each page replaces it with its own (`""`, `"../"`, `"../../"`).
pub const ROOT_MARK: &str = "@root@";

/// Rewrites a link target written in the content to the URL of the page.
/// `topic:slug#anchor` becomes `@root@topics/slug/#anchor`, and
/// `topic:slug?k=v&k2=v2#anchor` (a visualization preset) becomes
/// `@root@topics/slug/?k=v&k2=v2#anchor`.
fn rewrite_link(dest: &str) -> Result<(String, Option<String>), String> {
    if let Some(rest) = dest.strip_prefix("topic:") {
        let (rest, anchor) = match rest.split_once('#') {
            Some((s, a)) => (s, Some(a)),
            None => (rest, None),
        };
        let (slug, params) = match rest.split_once('?') {
            Some((s, p)) => (s, Some(p)),
            None => (rest, None),
        };
        let mut url = format!("{ROOT_MARK}topics/{slug}/");
        if let Some(p) = params.filter(|p| !p.is_empty()) {
            url.push('?');
            url.push_str(p);
        }
        if let Some(a) = anchor {
            url.push('#');
            url.push_str(a);
        }
        return Ok((url, Some(slug.to_string())));
    }
    if dest.starts_with("https://")
        || dest.starts_with("http://")
        || dest.starts_with('#')
        || dest.starts_with("mailto:")
    {
        return Ok((dest.to_string(), None));
    }
    Err(format!(
        "link `{dest}` is neither `topic:<slug>`, an in-page `#anchor`, nor an absolute http(s) URL"
    ))
}

/// Renders a markdown body that has no diagrams (see
/// [`render_markdown_with`]).
pub fn render_markdown(body: &str) -> Rendered {
    render_markdown_with(body, &|_| None)
}

/// Splits a code fence's info string into the language and what is wrong
/// with its marker, if anything. After the language a fence may say how the
/// Python tests (`tests/python/`) treat the block:
///
/// - `id=NAME` (lowercase letters, digits, dashes): a complete program that a
///   test runs, selecting it by that name;
/// - `fragment: REASON`: code that does not run alone, and why.
///
/// The marker is not rendered. (That every `python` block has one is
/// checked by tests/python, which runs them.)
pub fn fence_info(info: &str) -> (&str, Option<String>) {
    let info = info.trim();
    let (language, rest) = info
        .split_once(char::is_whitespace)
        .map_or((info, ""), |(l, r)| (l, r.trim()));
    let problem = if let Some(reason) = rest.strip_prefix("fragment:") {
        reason.trim().is_empty().then(|| {
            "`fragment:` needs a reason: ```python fragment: why it cannot run alone".to_string()
        })
    } else if let Some(name) = rest.strip_prefix("id=") {
        (!is_diagram_name(name))
            .then(|| format!("code block id `{name}`: use lowercase letters, digits and dashes"))
    } else if !rest.is_empty() {
        Some(format!(
            "unknown code fence marker `{rest}`: use `id=NAME` or `fragment: REASON`"
        ))
    } else {
        None
    };
    (language, problem)
}

/// Whether `name` is a valid diagram name: lowercase letters, digits and
/// dashes, so that it can never leave `content/diagrams/`.
pub fn is_diagram_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Renders a markdown body to HTML with anchored headings, highlighted code,
/// scrollable tables, marked "careful" notes, rewritten topic links, and
/// diagrams: a paragraph that is only `![caption](diagram:name)` becomes a
/// figure with the SVG that `diagram(name)` returns, inline so that it
/// follows the theme.
pub fn render_markdown_with(body: &str, diagram: &dyn Fn(&str) -> Option<String>) -> Rendered {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_SMART_PUNCTUATION);
    let events: Vec<(Event, Range<usize>)> =
        Parser::new_ext(body, options).into_offset_iter().collect();
    Renderer {
        body,
        diagram,
        out: Rendered {
            passages: vec![Passage::default()],
            ..Rendered::default()
        },
        html: Vec::with_capacity(events.len()),
        events,
        used_ids: HashSet::new(),
        i: 0,
    }
    .run()
}

/// The rendering of one markdown body: walks its events, with a method
/// for each kind of event that is not passed through unchanged.
struct Renderer<'a> {
    /// The markdown, for line numbers.
    body: &'a str,
    /// The SVG of a diagram, by name.
    diagram: &'a dyn Fn(&str) -> Option<String>,
    /// The parsed events, with where each starts in `body`.
    events: Vec<(Event<'a>, Range<usize>)>,
    /// What has been found so far (its `html` is written at the end).
    out: Rendered,
    /// The events to write as HTML.
    html: Vec<Event<'a>>,
    /// The heading anchors given so far.
    used_ids: HashSet<String>,
    /// The index of the event being rendered.
    i: usize,
}

impl<'a> Renderer<'a> {
    /// Renders every event, then writes the HTML.
    fn run(mut self) -> Rendered {
        while self.i < self.events.len() {
            let (event, range) = self.events[self.i].clone();
            self.event(event, range.start);
            self.i += 1;
        }
        self.finish()
    }

    /// Renders the event at `self.i`, which starts at `start` in the body.
    fn event(&mut self, event: Event<'a>, start: usize) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => self.heading(level, start),
            Event::Start(Tag::CodeBlock(kind)) => self.code_block(kind, start),
            Event::Start(Tag::Paragraph) if self.diagram_follows() => self.diagram_figure(start),
            Event::Start(Tag::Image { ref dest_url, .. }) if dest_url.starts_with("diagram:") => {
                self.misplaced_diagram(event, start)
            }
            Event::Start(Tag::Table(_)) => self.table_start(event),
            Event::End(TagEnd::Table) => self.table_end(event),
            Event::Start(Tag::BlockQuote(_)) => self.block_quote(event),
            Event::Start(Tag::Link { .. }) => self.link(event, start),
            _ => self.passed_through(event),
        }
    }

    /// The line of the body at byte `start`.
    fn line(&self, start: usize) -> usize {
        line_at(self.body, start)
    }

    /// The text of the passage being gathered, if any.
    fn passage_text(&mut self) -> Option<&mut String> {
        self.out.passages.last_mut().map(|p| &mut p.text)
    }

    /// A heading: anchored with an id unique in the body, listed for the
    /// table of contents, and the start of a new passage.
    fn heading(&mut self, level: HeadingLevel, start: usize) {
        let level_no = heading_number(level);
        if level_no == 1 {
            let line = self.line(start);
            self.out.problems.push((
                line,
                "use `##` or deeper: the page title comes from the front matter".into(),
            ));
        }
        let mut inner = Vec::new();
        let mut text = String::new();
        self.i += 1;
        while self.i < self.events.len()
            && !matches!(self.events[self.i].0, Event::End(TagEnd::Heading(_)))
        {
            if let Event::Text(t) | Event::Code(t) = &self.events[self.i].0 {
                text.push_str(t);
            }
            inner.push(self.events[self.i].0.clone());
            self.i += 1;
        }
        let id = self.unique_id(&text);
        let mut inner_html = String::new();
        pulldown_cmark::html::push_html(&mut inner_html, inner.into_iter());
        let mut h = String::new();
        let _ = writeln!(
            h,
            "<h{level_no} id=\"{id}\">{inner_html}<a class=\"anchor\" href=\"#{id}\" aria-label=\"Link to this section\">#</a></h{level_no}>"
        );
        self.html.push(Event::Html(h.into()));
        self.out.passages.push(Passage {
            id: id.clone(),
            heading: text.split_whitespace().collect::<Vec<_>>().join(" "),
            text: String::new(),
        });
        self.out.headings.push(Heading {
            level: level_no,
            id,
            text,
        });
    }

    /// The anchor of a heading with `text`: its [`anchor_id`], numbered
    /// from 2 if an earlier heading has it.
    fn unique_id(&mut self, text: &str) -> String {
        let base = anchor_id(text);
        let mut id = base.clone();
        let mut n = 2;
        while !self.used_ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    /// A code block, highlighted for its language, its code searchable. The
    /// fence's marker (see [`fence_info`]) is checked here and never shown.
    fn code_block(&mut self, kind: CodeBlockKind<'a>, start: usize) {
        let language = match kind {
            CodeBlockKind::Fenced(info) => {
                let (language, problem) = fence_info(&info);
                if let Some(message) = problem {
                    let line = self.line(start);
                    self.out.problems.push((line, message));
                }
                language.to_string()
            }
            CodeBlockKind::Indented => String::new(),
        };
        let mut code = String::new();
        self.i += 1;
        while self.i < self.events.len()
            && !matches!(self.events[self.i].0, Event::End(TagEnd::CodeBlock))
        {
            if let Event::Text(t) = &self.events[self.i].0 {
                code.push_str(t);
            }
            self.i += 1;
        }
        if let Some(p) = self.passage_text() {
            p.push(' ');
            p.push_str(&code);
            p.push(' ');
        }
        let mut h = String::from("<pre class=\"code\"");
        if !language.is_empty() {
            h.push_str(" data-lang=\"");
            escape_html(&language, &mut h);
            h.push('"');
        }
        h.push_str(" tabindex=\"0\"><code>");
        h.push_str(&highlight(&language, &code));
        h.push_str("</code></pre>\n");
        self.html.push(Event::Html(h.into()));
    }

    /// Whether the paragraph at `self.i` opens with a diagram.
    fn diagram_follows(&self) -> bool {
        matches!(
            self.events.get(self.i + 1),
            Some((Event::Start(Tag::Image { dest_url, .. }), _)) if dest_url.starts_with("diagram:")
        )
    }

    /// A paragraph that opens with a diagram: the diagram as a figure, its
    /// caption searchable. The image and the paragraph's end are consumed.
    fn diagram_figure(&mut self, start: usize) {
        let line = self.line(start);
        let name = match &self.events[self.i + 1].0 {
            Event::Start(Tag::Image { dest_url, .. }) => {
                dest_url.trim_start_matches("diagram:").to_string()
            }
            _ => String::new(),
        };
        let mut caption = String::new();
        let mut j = self.i + 2;
        while j < self.events.len() && !matches!(self.events[j].0, Event::End(TagEnd::Image)) {
            if let Event::Text(t) | Event::Code(t) = &self.events[j].0 {
                caption.push_str(t);
            }
            j += 1;
        }
        if !matches!(
            self.events.get(j + 1),
            Some((Event::End(TagEnd::Paragraph), _))
        ) {
            self.out.problems.push((
                line,
                format!("diagram `{name}` must be alone in its paragraph"),
            ));
        }
        let svg = if is_diagram_name(&name) {
            (self.diagram)(&name)
        } else {
            None
        };
        match svg {
            Some(svg) => {
                self.html
                    .push(Event::Html(figure_html(&svg, &caption).into()));
                if let Some(p) = self.passage_text() {
                    p.push(' ');
                    p.push_str(&caption);
                    p.push(' ');
                }
            }
            None => self.out.problems.push((
                line,
                format!("diagram `{name}` not found: it should be content/diagrams/{name}.svg"),
            )),
        }
        // Skip the image and the end of the paragraph.
        self.i = (j + 1).min(self.events.len() - 1);
    }

    /// A diagram inside other text: a problem, written as a plain image.
    fn misplaced_diagram(&mut self, event: Event<'a>, start: usize) {
        if let Event::Start(Tag::Image { dest_url, .. }) = &event {
            let line = self.line(start);
            self.out.problems.push((
                line,
                format!("diagram `{dest_url}` must be alone in its paragraph"),
            ));
        }
        self.html.push(event);
    }

    /// A table opens inside a scrollable wrapper.
    fn table_start(&mut self, event: Event<'a>) {
        self.html.push(Event::Html(
            "<div class=\"table-wrap\" tabindex=\"0\">".into(),
        ));
        self.html.push(event);
    }

    /// A table closes, and its wrapper.
    fn table_end(&mut self, event: Event<'a>) {
        self.html.push(event);
        self.html.push(Event::Html("</div>\n".into()));
    }

    /// A block quote; one whose first words are a bold "Careful" is marked
    /// as a caution.
    fn block_quote(&mut self, event: Event<'a>) {
        let at = |k: usize| self.events.get(self.i + k).map(|e| &e.0);
        let careful = matches!(at(1), Some(Event::Start(Tag::Paragraph)))
            && matches!(at(2), Some(Event::Start(Tag::Strong)))
            && matches!(at(3), Some(Event::Text(t)) if t.trim_end().trim_end_matches(':').eq_ignore_ascii_case("careful"));
        if careful {
            self.html
                .push(Event::Html("<blockquote class=\"careful\">\n".into()));
        } else {
            self.html.push(event);
        }
    }

    /// A link, its target rewritten (see [`rewrite_link`]); a topic it
    /// names is noted for checking.
    fn link(&mut self, event: Event<'a>, start: usize) {
        let Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) = &event
        else {
            return self.html.push(event);
        };
        let line = self.line(start);
        match rewrite_link(dest_url) {
            Ok((url, slug)) => {
                if let Some(slug) = slug {
                    self.out.topic_links.push((slug, line));
                }
                self.html.push(Event::Start(Tag::Link {
                    link_type: *link_type,
                    dest_url: url.into(),
                    title: title.clone(),
                    id: id.clone(),
                }));
            }
            Err(message) => {
                self.out.problems.push((line, message));
                self.html.push(event);
            }
        }
    }

    /// Any other event, written as it is; its text is searchable, and the
    /// end of a block or a line break separates words.
    fn passed_through(&mut self, event: Event<'a>) {
        if let Some(p) = self.passage_text() {
            match &event {
                Event::Text(t) | Event::Code(t) => p.push_str(t),
                Event::SoftBreak
                | Event::HardBreak
                | Event::End(
                    TagEnd::Paragraph
                    | TagEnd::Item
                    | TagEnd::TableCell
                    | TagEnd::TableHead
                    | TagEnd::TableRow
                    | TagEnd::BlockQuote(_)
                    | TagEnd::List(_),
                ) => p.push(' '),
                _ => {}
            }
        }
        self.html.push(event);
    }

    /// Tidies the passages and writes the HTML.
    fn finish(mut self) -> Rendered {
        for p in &mut self.out.passages {
            p.text = p.text.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        self.out
            .passages
            .retain(|p| !p.text.is_empty() || !p.heading.is_empty());
        pulldown_cmark::html::push_html(&mut self.out.html, self.html.into_iter());
        self.out
    }
}

/// The number of a heading level, 1 to 6.
fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// A diagram's figure: the SVG, then the caption if there is one.
fn figure_html(svg: &str, caption: &str) -> String {
    let mut h = String::from("<figure class=\"diagram\">");
    h.push_str(svg.trim());
    if !caption.is_empty() {
        h.push_str("<figcaption>");
        escape_html(caption, &mut h);
        h.push_str("</figcaption>");
    }
    h.push_str("</figure>\n");
    h
}

/// Prints every problem, one a line under a count, and ends the process
/// with a failure: how both content generators stop on broken content.
pub fn fail(problems: &[Problem]) -> ! {
    eprintln!(
        "error: the content in content/ has {} problem(s):",
        problems.len()
    );
    for p in problems {
        eprintln!("  {p}");
    }
    std::process::exit(1);
}

/// Reads and checks the whole `content/` folder.
pub fn load(dir: &Path) -> Result<Content, Vec<Problem>> {
    let sections = read_sections(dir)?;
    let files = topic_files(dir)?;
    let mut problems = Vec::new();
    let parsed = parse_topic_files(dir, &files, &mut problems);
    let slugs: HashSet<&str> = parsed.iter().map(|t| t.meta.slug.as_str()).collect();
    let mut orders: HashSet<(String, u32)> = HashSet::new();
    let mut topics = Vec::new();
    for t in &parsed {
        let section_index = sections.iter().position(|s| s.id == t.meta.section);
        if section_index.is_none() {
            problems.push(problem(
                &t.name,
                0,
                format!("section `{}` is not listed in sections.txt", t.meta.section),
            ));
        }
        if !orders.insert((t.meta.section.clone(), t.meta.order)) {
            problems.push(problem(
                &t.name,
                0,
                format!(
                    "another topic in section `{}` already has order {}",
                    t.meta.section, t.meta.order
                ),
            ));
        }
        check_related(t, &slugs, &mut problems);
        let rendered = render_topic(dir, t, &slugs, &mut problems);
        if let Some(section_index) = section_index {
            topics.push(Topic {
                meta: t.meta.clone(),
                section_index,
                html: rendered.html,
                headings: rendered.headings,
                passages: rendered.passages,
                drill: drill_cards(&t.meta, &t.body),
            });
        }
    }
    add_card_files(dir, &mut topics, &mut problems);
    if topics.is_empty() && problems.is_empty() {
        problems.push(problem(
            &display_name(dir, dir),
            0,
            "no topic files (*.md) found",
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    topics.sort_by_key(|t| (t.section_index, t.meta.order));
    Ok(Content { sections, topics })
}

/// A topic file read and its front matter parsed.
struct ParsedTopic {
    /// The file, for problems.
    name: String,
    meta: FrontMatter,
    /// The markdown after the front matter.
    body: String,
    /// The file's line at which `body` starts.
    body_line: usize,
}

/// Reads and parses `sections.txt`; a file that cannot be read or parsed
/// stops the load.
fn read_sections(dir: &Path) -> Result<Vec<Section>, Vec<Problem>> {
    let path = dir.join("sections.txt");
    let name = display_name(dir, &path);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_sections(&name, &text),
        Err(e) => Err(vec![problem(&name, 0, format!("cannot read: {e}"))]),
    }
}

/// The topic files (`*.md`) in `dir`, sorted.
fn topic_files(dir: &Path) -> Result<Vec<PathBuf>, Vec<Problem>> {
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect(),
        Err(e) => {
            return Err(vec![problem(
                &display_name(dir, dir),
                0,
                format!("cannot read the folder: {e}"),
            )])
        }
    };
    files.sort();
    Ok(files)
}

/// Reads each topic file and parses its front matter; a file that cannot
/// be read or parsed, or whose slug is not its name, adds to `problems`.
fn parse_topic_files(
    dir: &Path,
    files: &[PathBuf],
    problems: &mut Vec<Problem>,
) -> Vec<ParsedTopic> {
    let mut parsed = Vec::new();
    for path in files {
        let name = display_name(dir, path);
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                problems.push(problem(&name, 0, format!("cannot read: {e}")));
                continue;
            }
        };
        match parse_front_matter(&name, &text) {
            Ok((meta, body, body_line)) => {
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                if meta.slug != stem {
                    problems.push(problem(
                        &name,
                        2,
                        format!("slug `{}` must equal the file name `{stem}`", meta.slug),
                    ));
                }
                parsed.push(ParsedTopic {
                    name,
                    meta,
                    body,
                    body_line,
                });
            }
            Err(p) => problems.extend(p),
        }
    }
    parsed
}

/// Every `related` topic must exist and not be the topic itself.
fn check_related(t: &ParsedTopic, slugs: &HashSet<&str>, problems: &mut Vec<Problem>) {
    for r in &t.meta.related {
        if !slugs.contains(r.as_str()) {
            problems.push(problem(
                &t.name,
                0,
                format!("`related` names `{r}`, which is not a topic"),
            ));
        } else if r == &t.meta.slug {
            problems.push(problem(&t.name, 0, "`related` names the topic itself"));
        }
    }
}

/// Renders a topic's body with the diagrams of `dir/diagrams`; its
/// problems, and links to topics that do not exist, add to `problems` at
/// their lines in the file.
fn render_topic(
    dir: &Path,
    t: &ParsedTopic,
    slugs: &HashSet<&str>,
    problems: &mut Vec<Problem>,
) -> Rendered {
    let diagrams = dir.join("diagrams");
    let rendered = render_markdown_with(&t.body, &|name| {
        std::fs::read_to_string(diagrams.join(format!("{name}.svg"))).ok()
    });
    for (line, message) in &rendered.problems {
        problems.push(problem(&t.name, t.body_line + line - 1, message.clone()));
    }
    for (slug, line) in &rendered.topic_links {
        if !slugs.contains(slug.as_str()) {
            problems.push(problem(
                &t.name,
                t.body_line + line - 1,
                format!("link to topic `{slug}`, which does not exist"),
            ));
        }
    }
    rendered
}

fn display_name(dir: &Path, path: &Path) -> String {
    let base = dir
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("content");
    match path.strip_prefix(dir) {
        Ok(rel) if !rel.as_os_str().is_empty() => format!("{base}/{}", rel.display()),
        _ => base.to_string(),
    }
}

/// A short, stable fingerprint of a text (64-bit FNV-1a, hex), used to
/// version the topic files so that browsers never show a stale one.
pub fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The HTML file of a topic that the app fetches when the topic opens: a
/// table of contents (for topics with three or more sections) and the text.
pub fn fragment(topic: &Topic) -> String {
    let mut s = String::new();
    if let Some(n) = topic.meta.asked {
        let _ = writeln!(s, "<p class=\"asked\">{}</p>", asked_text(n));
    }
    let h2: Vec<&Heading> = topic.headings.iter().filter(|h| h.level == 2).collect();
    if h2.len() >= 3 {
        s.push_str("<nav class=\"toc\" aria-label=\"On this page\"><h2>On this page</h2><ul>");
        for h in h2 {
            let _ = write!(s, "<li><a href=\"#{}\">", h.id);
            escape_html(&h.text, &mut s);
            s.push_str("</a></li>");
        }
        s.push_str("</ul></nav>\n");
    }
    s.push_str("<div class=\"prose\">\n");
    s.push_str(&topic.html);
    s.push_str("</div>\n");
    s
}

/// How often a topic comes up, in words.
fn asked_text(percent: u8) -> String {
    format!(
        "Comes up in roughly {percent}% of senior backend interviews (an estimate, not a survey)."
    )
}

/// The folder, relative to the site's root, that holds the topic files.
pub const FRAGMENT_DIR: &str = "topics";

/// Renders a short markdown answer to HTML (links rewritten as in topics).
fn answer_html(markdown: &str) -> String {
    render_markdown(markdown.trim()).html.trim().to_string()
}

/// The drill cards of a topic: its own question, and the questions of its
/// body if it is a bank.
pub fn drill_cards(meta: &FrontMatter, body: &str) -> Vec<DrillCard> {
    let mut cards = Vec::new();
    if let Some((q, a)) = &meta.question {
        cards.push(DrillCard {
            id: meta.slug.clone(),
            question: q.clone(),
            answer_html: answer_html(a),
            corrects: None,
        });
    }
    let mut push = |question: &str, answer: &str| {
        let question = question.trim().to_string();
        if !question.is_empty() && !answer.trim().is_empty() {
            cards.push(DrillCard {
                id: format!("{}#{}", meta.slug, anchor_id(&question)),
                answer_html: answer_html(answer),
                question,
                corrects: None,
            });
        }
    };
    match meta.bank {
        None => {}
        Some(Bank::Paragraphs) => {
            for para in body.split("\n\n") {
                let para = para.trim();
                if let Some(rest) = para.strip_prefix("**") {
                    if let Some((q, a)) = rest.split_once("**") {
                        push(q, a);
                    }
                }
            }
        }
        Some(Bank::Headings) => {
            let mut current: Option<(String, String)> = None;
            for line in body.lines() {
                if let Some(h) = line.strip_prefix("## ") {
                    if let Some((q, a)) = current.take() {
                        push(&q, &a);
                    }
                    current = Some((h.to_string(), String::new()));
                } else if let Some((_, a)) = current.as_mut() {
                    a.push_str(line);
                    a.push('\n');
                }
            }
            if let Some((q, a)) = current {
                push(&q, &a);
            }
        }
    }
    cards
}

/// The keys a card of a card file may give on the lines under its question.
const CARD_KEYS: [&str; 2] = ["id", "corrects"];

/// A card of a card file, with the line of its question and the topic
/// slugs its answer links to (each with its line in the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCard {
    pub card: DrillCard,
    pub line: usize,
    pub links: Vec<(String, usize)>,
}

/// A card file's question, its line, and the lines under it with their
/// numbers.
type CardBlock<'t> = (String, usize, Vec<(usize, &'t str)>);

/// Parses the card file of topic `slug` (`content/cards/<slug>.md`):
///
/// ```text
/// ## The question?
/// id: short-stable-id
/// corrects: a phrase of the page's Careful correction this card drills
///
/// The answer, in markdown, up to the next `## ` line.
/// ```
///
/// `id` is required (lower-case letters, digits and hyphens, unique in the
/// file): the card's id is `slug#id`, and progress is kept by it, so it
/// must never be reused for another question. `corrects` is optional. Only
/// blank lines may come before the first question. Every problem names the
/// file and line.
pub fn parse_card_file(file: &str, slug: &str, text: &str) -> Result<Vec<FileCard>, Vec<Problem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut problems = Vec::new();
    let mut blocks: Vec<CardBlock> = Vec::new();
    let mut fenced = false;
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        match line.strip_prefix("## ") {
            Some(q) if !fenced => blocks.push((q.trim().to_string(), line_no, Vec::new())),
            _ => match blocks.last_mut() {
                Some((_, _, lines)) => lines.push((line_no, line)),
                None if line.trim().is_empty() => {}
                None => problems.push(problem(
                    file,
                    line_no,
                    "a card file holds only cards: expected `## ` and a question",
                )),
            },
        }
    }
    if blocks.is_empty() && problems.is_empty() {
        problems.push(problem(
            file,
            0,
            "the card file has no cards (`## ` and a question)",
        ));
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut cards = Vec::new();
    for (question, line, lines) in blocks {
        if let Some(card) = card_block(file, slug, &question, line, &lines, &mut problems) {
            if let Some(first) = seen.insert(card.card.id.clone(), line) {
                problems.push(problem(
                    file,
                    line,
                    format!("card id `{}` is already used on line {first}", card.card.id),
                ));
            }
            cards.push(card);
        }
    }
    if problems.is_empty() {
        Ok(cards)
    } else {
        Err(problems)
    }
}

/// One card of a card file: its question (on `line`), then its keys, a
/// blank line and its answer.
fn card_block(
    file: &str,
    slug: &str,
    question: &str,
    line: usize,
    lines: &[(usize, &str)],
    problems: &mut Vec<Problem>,
) -> Option<FileCard> {
    let before = problems.len();
    if question.is_empty() {
        problems.push(problem(file, line, "the card has no question after `## `"));
    }
    let mut keys: BTreeMap<&str, (String, usize)> = BTreeMap::new();
    let mut rest = lines;
    while let Some(((n, l), tail)) = rest.split_first() {
        if l.trim().is_empty() {
            break;
        }
        match l.split_once(':') {
            Some((k, v)) if !k.trim().is_empty() && !k.contains(' ') => {
                let k = k.trim();
                if !CARD_KEYS.contains(&k) {
                    problems.push(problem(
                        file,
                        *n,
                        format!(
                            "unknown card key `{k}`; the keys are {}",
                            CARD_KEYS.join(", ")
                        ),
                    ));
                } else if keys.insert(k, (v.trim().to_string(), *n)).is_some() {
                    problems.push(problem(file, *n, format!("`{k}` is given twice")));
                }
            }
            _ => problems.push(problem(
                file,
                *n,
                "leave a blank line between the card's `id:` and `corrects:` lines and its answer",
            )),
        }
        rest = tail;
    }
    let id = match keys.get("id") {
        Some((id, n)) if !is_valid_slug(id) => {
            problems.push(problem(
                file,
                *n,
                format!("card id `{id}` must be lower-case letters, digits and single hyphens"),
            ));
            String::new()
        }
        Some((id, _)) => id.clone(),
        None => {
            problems.push(problem(
                file,
                line,
                "the card has no `id:` line under its question",
            ));
            String::new()
        }
    };
    let corrects = match keys.get("corrects") {
        Some((c, n)) if c.is_empty() => {
            problems.push(problem(file, *n, "`corrects` is empty"));
            None
        }
        Some((c, _)) => Some(c.clone()),
        None => None,
    };
    let answer_start = rest.first().map_or(line + 1, |(n, _)| *n);
    let answer: Vec<&str> = rest.iter().map(|(_, l)| *l).collect();
    let answer = answer.join("\n");
    if answer.trim().is_empty() {
        problems.push(problem(file, line, "the card has no answer"));
    }
    if problems.len() > before {
        return None;
    }
    let rendered = render_markdown(answer.trim_end());
    for (l, message) in &rendered.problems {
        problems.push(problem(file, answer_start + l - 1, message.clone()));
    }
    let links = rendered
        .topic_links
        .iter()
        .map(|(s, l)| (s.clone(), answer_start + l - 1))
        .collect();
    Some(FileCard {
        card: DrillCard {
            id: format!("{slug}#{id}"),
            question: question.to_string(),
            answer_html: rendered.html.trim().to_string(),
            corrects,
        },
        line,
        links,
    })
}

/// Reads `dir/cards/*.md` (a folder that may be missing) and adds each
/// file's cards to its topic, after the topic's own; a file that names no
/// topic, a bad card, a link to no topic or an id a topic already has adds
/// to `problems`.
fn add_card_files(dir: &Path, topics: &mut [Topic], problems: &mut Vec<Problem>) {
    let cards_dir = dir.join(CARDS_DIR);
    if !cards_dir.is_dir() {
        return;
    }
    let files = match topic_files(&cards_dir) {
        Ok(f) => f,
        Err(p) => {
            problems.extend(p);
            return;
        }
    };
    let slugs: HashSet<String> = topics.iter().map(|t| t.meta.slug.clone()).collect();
    for path in files {
        let name = display_name(dir, &path);
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let Some(topic) = topics.iter_mut().find(|t| t.meta.slug == stem) else {
            problems.push(problem(
                &name,
                0,
                format!("`{stem}` is not a topic: a card file is named after its topic's slug"),
            ));
            continue;
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                problems.push(problem(&name, 0, format!("cannot read: {e}")));
                continue;
            }
        };
        match parse_card_file(&name, stem, &text) {
            Ok(cards) => {
                for c in cards {
                    for (slug, line) in &c.links {
                        if !slugs.contains(slug) {
                            problems.push(problem(
                                &name,
                                *line,
                                format!("link to topic `{slug}`, which does not exist"),
                            ));
                        }
                    }
                    if topic.drill.iter().any(|d| d.id == c.card.id) {
                        problems.push(problem(
                            &name,
                            c.line,
                            format!(
                                "card id `{}` is already a question of the topic's page",
                                c.card.id
                            ),
                        ));
                    }
                    topic.drill.push(c.card);
                }
            }
            Err(p) => problems.extend(p),
        }
    }
}

/// The drill file, relative to the site's root.
pub const DRILL_FILE: &str = "drill.json";

/// The drill file: a JSON array of the cards in reading order, each an
/// object `{"id", "section", "slug", "question", "answer_html"}` (the
/// section's id, the topic's slug). Links in the answers start with
/// [`ROOT_MARK`], which JSON writes as it is (it has no character JSON
/// escapes), so the written text can still be rebased with a plain replace.
pub fn drill_file(content: &Content) -> String {
    #[derive(serde::Serialize)]
    struct Entry<'a> {
        id: &'a str,
        section: &'a str,
        slug: &'a str,
        question: &'a str,
        answer_html: &'a str,
    }
    let cards: Vec<Entry> = content
        .topics
        .iter()
        .flat_map(|t| {
            let section = content.sections[t.section_index].id.as_str();
            t.drill.iter().map(move |c| Entry {
                id: &c.id,
                section,
                slug: &t.meta.slug,
                question: &c.question,
                answer_html: &c.answer_html,
            })
        })
        .collect();
    serde_json::to_string(&cards).expect("strings always serialize")
}

/// The search index file, relative to the site's root.
pub const SEARCH_FILE: &str = "search.json";

/// The search index: a compact JSON array of the passages in reading order,
/// each `[slug, anchor, heading, text]`.
pub fn search_index(content: &Content) -> String {
    let passages: Vec<[&str; 4]> = content
        .topics
        .iter()
        .flat_map(|t| {
            t.passages
                .iter()
                .map(move |p| [t.meta.slug.as_str(), &p.id, &p.heading, &p.text])
        })
        .collect();
    serde_json::to_string(&passages).expect("strings always serialize")
}

/// Writes every topic's HTML file into `site/topics/`, the search index
/// ([`SEARCH_FILE`]) and the drill cards ([`DRILL_FILE`]).
pub fn write_fragments(content: &Content, site: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(site)?;
    std::fs::write(site.join(SEARCH_FILE), search_index(content))?;
    std::fs::write(site.join(DRILL_FILE), drill_file(content))?;
    let dir = site.join(FRAGMENT_DIR);
    std::fs::create_dir_all(&dir)?;
    for t in &content.topics {
        std::fs::write(dir.join(format!("{}.html", t.meta.slug)), fragment(t))?;
    }
    Ok(content.topics.len())
}

/// Sections that have at least one topic, with their topics, in order.
fn filled_sections(content: &Content) -> impl Iterator<Item = (&Section, Vec<&Topic>)> {
    content.sections.iter().enumerate().filter_map(|(i, sec)| {
        let topics: Vec<&Topic> = content
            .topics
            .iter()
            .filter(|t| t.section_index == i)
            .collect();
        (!topics.is_empty()).then_some((sec, topics))
    })
}

/// A section's subtitle as a paragraph under its heading, or nothing.
pub fn subtitle_html(sec: &Section) -> String {
    let mut s = String::new();
    if let Some(sub) = &sec.subtitle {
        s.push_str("<p class=\"section-subtitle\">");
        escape_html(sub, &mut s);
        s.push_str("</p>");
    }
    s
}

fn topic_href(t: &Topic) -> String {
    format!("{ROOT_MARK}topics/{}/", t.meta.slug)
}

/// The overview of the whole sheet: a card per section listing its topics
/// with their summaries. Shown on the home page and the not-found page.
pub fn overview_html(content: &Content) -> String {
    let mut s = String::from("<div class=\"cards\">");
    for (sec, topics) in filled_sections(content) {
        let _ = write!(
            s,
            "<section class=\"card\" aria-labelledby=\"sec-{0}\"><h2 id=\"sec-{0}\">",
            sec.id
        );
        escape_html(&sec.title, &mut s);
        s.push_str("</h2>");
        s.push_str(&subtitle_html(sec));
        s.push_str("<ul class=\"topic-list\">");
        for t in topics {
            let _ = write!(s, "<li><a href=\"{}\">", topic_href(t));
            escape_html(&t.meta.title, &mut s);
            s.push_str("</a>");
            if t.meta.visualization.is_some() {
                s.push_str("<span class=\"badge\">live</span>");
            }
            s.push_str("<p>");
            escape_html(&t.meta.summary, &mut s);
            if let Some(n) = t.meta.asked {
                let _ = write!(
                    s,
                    " <span class=\"asked-note\">Asked in about {n}% of interviews.</span>"
                );
            }
            s.push_str("</p></li>");
        }
        s.push_str("</ul></section>");
    }
    s.push_str("</div>");
    s
}

/// The topic navigation: every topic grouped by section.
pub fn nav_html(content: &Content) -> String {
    let mut s = String::from("<ul class=\"nav-sections\">");
    for (sec, topics) in filled_sections(content) {
        let _ = write!(s, "<li class=\"nav-section\"><h2 id=\"nav-{0}\">", sec.id);
        escape_html(&sec.title, &mut s);
        let _ = write!(s, "</h2><ul aria-labelledby=\"nav-{}\">", sec.id);
        for t in topics {
            let class = if t.meta.visualization.is_some() {
                " class=\"live\""
            } else {
                ""
            };
            let _ = write!(s, "<li><a href=\"{}\"{class}>", topic_href(t));
            escape_html(&t.meta.title, &mut s);
            s.push_str("</a></li>");
        }
        s.push_str("</ul></li>");
    }
    s.push_str("</ul>");
    s
}

/// Writes the content's index as Rust source: two static arrays the app
/// includes, and the versioned names of the search and drill files. The
/// topics' text is not in it: it is in each topic's pre-rendered page.
pub fn to_rust(content: &Content) -> String {
    let mut s = String::new();
    s.push_str("// Generated by build.rs from content/. Do not edit.\n");
    s.push_str("/// The sections, in the order the sheet reads.\n");
    s.push_str("pub static SECTIONS: &[Section] = &[\n");
    for sec in &content.sections {
        let _ = writeln!(
            s,
            "    Section {{ id: {:?}, title: {:?} }},",
            sec.id, sec.title
        );
    }
    s.push_str("];\n\n/// Every topic, in the order the sheet reads.\n");
    s.push_str("pub static TOPICS: &[Topic] = &[\n");
    for t in &content.topics {
        let m = &t.meta;
        let _ = writeln!(s, "    Topic {{");
        let _ = writeln!(s, "        slug: {:?},", m.slug);
        let _ = writeln!(s, "        title: {:?},", m.title);
        let _ = writeln!(s, "        section: {},", t.section_index);
        let _ = writeln!(s, "        order: {},", m.order);
        let _ = writeln!(s, "        summary: {:?},", m.summary);
        let _ = writeln!(s, "        related: &{:?},", m.related);
        let _ = writeln!(s, "        visualization: {:?},", m.visualization);
        let _ = writeln!(s, "    }},");
    }
    s.push_str("];\n");
    let _ = writeln!(
        s,
        "\n/// The search index's file, named with a hash of its content.\npub static SEARCH_INDEX: &str = {:?};",
        format!("{SEARCH_FILE}?v={}", fingerprint(&search_index(content)))
    );
    let _ = writeln!(
        s,
        "\n/// The drill cards' file, named with a hash of its content.\npub static DRILL_INDEX: &str = {:?};",
        format!("{DRILL_FILE}?v={}", fingerprint(&drill_file(content)))
    );
    s
}

#[cfg(test)]
mod fence_tests {
    use super::*;

    fn problems(md: &str) -> Vec<(usize, String)> {
        render_markdown(md).problems
    }

    #[test]
    fn fence_markers_are_checked_at_their_line_and_never_shown() {
        let ok = "Text.\n\n```python id=demo-1\nx = 1\n```\n\n```python fragment: needs an app\ny\n```\n\n```sql\nSELECT 1;\n```\n";
        let r = render_markdown(ok);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert!(r.html.contains("data-lang=\"python\""), "{}", r.html);
        assert!(!r.html.contains("demo-1") && !r.html.contains("needs an app"));
        assert_eq!(
            r.html,
            render_markdown(
                &ok.replace(" id=demo-1", "")
                    .replace(" fragment: needs an app", "")
            )
            .html
        );
        for (md, want) in [
            (
                "a\n\n```python fragment:\nx\n```\n",
                "`fragment:` needs a reason",
            ),
            (
                "a\n\n```python fragment:   \nx\n```\n",
                "`fragment:` needs a reason",
            ),
            (
                "a\n\n```python id=Bad_Name\nx\n```\n",
                "code block id `Bad_Name`",
            ),
            (
                "a\n\n```python runs\nx\n```\n",
                "unknown code fence marker `runs`",
            ),
        ] {
            let p = problems(md);
            assert_eq!(p.len(), 1, "{md:?}: {p:?}");
            assert_eq!(p[0].0, 3, "{md:?}: {p:?}");
            assert!(p[0].1.starts_with(want), "{md:?}: {p:?}");
        }
    }
}
