//! Drill mode: the cards (a question per topic and every question of the
//! three question banks), the progress kept in local storage, per-section
//! scores, the order to ask in, which card comes next and what a mark
//! does, and reading stored or imported progress into notices. Plain Rust,
//! tested natively; the page (`app::drill`) only wires it to the browser.
//!
//! The cards come from `drill.json`, written at build time: a JSON array of
//! `{"id", "section", "slug", "question", "answer_html"}` objects.
//!
//! Progress is stored and exported as JSON (see [`Progress::serialize`]);
//! the tab-separated text of the first version is still read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::content::{self, SECTIONS};

/// One question and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// Stable id (`slug` or `slug#anchor`): what progress is keyed by.
    pub id: String,
    /// Index into [`SECTIONS`].
    pub section: usize,
    /// The topic it belongs to.
    pub slug: &'static str,
    /// The question.
    pub question: String,
    /// The answer, as HTML rendered at build time.
    pub answer_html: String,
}

/// A card as the drill file holds it.
#[derive(Deserialize)]
struct CardEntry {
    id: String,
    /// The section's id.
    section: String,
    slug: String,
    question: String,
    answer_html: String,
}

/// Parses the drill file. Cards naming an unknown topic or section, or with
/// an empty id or question, are skipped; a file that is not an array of
/// cards gives none.
pub fn parse_cards(text: &str) -> Vec<Card> {
    serde_json::from_str::<Vec<CardEntry>>(text)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| {
            let section = SECTIONS.iter().position(|s| s.id == e.section)?;
            let slug = content::topic(&e.slug)?.slug;
            (!e.id.is_empty() && !e.question.is_empty()).then_some(Card {
                id: e.id,
                section,
                slug,
                question: e.question,
                answer_html: e.answer_html,
            })
        })
        .collect()
}

/// What is known about one card (in a progress file, a `Mark`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Mark", into = "Mark")]
pub struct Record {
    /// Times marked "knew it".
    pub knew: u32,
    /// Times marked "didn't".
    pub missed: u32,
    /// The last mark: `true` for "knew it".
    pub last: Option<bool>,
}

/// The `format` of a progress file or stored value.
pub const FORMAT: &str = "backend-playground drill progress";

/// The `version` of the progress format [`Progress::serialize`] writes.
/// Version 1 is the older tab-separated text, which starts with
/// [`V1_HEADER`].
pub const VERSION: u64 = 2;

/// The first line of a progress text of version 1.
pub const V1_HEADER: &str = "backend-playground drill progress v1";

/// Progress over all cards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    records: BTreeMap<String, Record>,
}

/// Why a stored or imported progress text was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// It is not a progress file at all.
    NotProgress,
    /// It is a progress file of a newer version than [`VERSION`] (written
    /// by a newer version of the site).
    NewerVersion(u64),
    /// It says it is a progress file, but it could not be read.
    Damaged,
}

/// What a JSON text says it is (any other fields are skipped).
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    format: String,
    /// 0 if missing.
    #[serde(default)]
    version: u64,
}

/// A progress file as [`Progress::serialize`] writes it:
/// `{"format": FORMAT, "version": 2, "marks": {card id: mark, ...}}`.
#[derive(Serialize)]
struct ProgressOut<'a> {
    format: &'a str,
    version: u64,
    marks: &'a BTreeMap<String, Record>,
}

/// The marks of a progress file whose [`Head`] is known.
#[derive(Deserialize)]
struct ProgressIn {
    marks: BTreeMap<String, Record>,
}

/// One card's record in a progress file: `{"knew": 1, "missed": 0,
/// "last": "knew"}` (`last` is `"knew"` or `"missed"`, left out if none).
#[derive(Serialize, Deserialize)]
struct Mark {
    knew: u32,
    missed: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last: Option<Last>,
}

/// A card's last mark in a progress file.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Last {
    Knew,
    Missed,
}

impl From<Record> for Mark {
    fn from(r: Record) -> Mark {
        Mark {
            knew: r.knew,
            missed: r.missed,
            last: r.last.map(|k| if k { Last::Knew } else { Last::Missed }),
        }
    }
}

impl From<Mark> for Record {
    fn from(m: Mark) -> Record {
        Record {
            knew: m.knew,
            missed: m.missed,
            last: m.last.map(|l| matches!(l, Last::Knew)),
        }
    }
}

impl Progress {
    /// Reads a stored or imported progress text: the JSON that
    /// [`Progress::serialize`] writes, or the text of version 1. Returns the
    /// progress and how many version-1 lines were skipped as unreadable
    /// (always 0 for JSON). A JSON text
    /// that names itself a progress file but does not read whole is refused
    /// as [`ReadError::Damaged`], never read in part.
    pub fn parse(text: &str) -> Result<(Progress, usize), ReadError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.lines().next().map(str::trim) == Some(V1_HEADER) {
            return Ok(Self::parse_v1(text));
        }
        let head: Head = serde_json::from_str(text).map_err(|_| {
            // Cut short or mangled, but it names itself.
            let ours = text.trim_start().starts_with('{') && text.contains(FORMAT);
            if ours {
                ReadError::Damaged
            } else {
                ReadError::NotProgress
            }
        })?;
        if head.format != FORMAT {
            return Err(ReadError::NotProgress);
        }
        match head.version {
            VERSION => {}
            v if v > VERSION => return Err(ReadError::NewerVersion(v)),
            _ => return Err(ReadError::Damaged),
        }
        let file: ProgressIn = serde_json::from_str(text).map_err(|_| ReadError::Damaged)?;
        // Nothing is skipped: a mark naming no card (even an empty id) is
        // kept and counted by `foreign`, like marks of questions since removed.
        Ok((
            Progress {
                records: file.marks,
            },
            0,
        ))
    }

    /// Reads a version-1 text (the header line, then a line per card,
    /// `id TAB knew TAB missed TAB k|d|-`); lines that do not parse are
    /// skipped and counted.
    fn parse_v1(text: &str) -> (Progress, usize) {
        let mut records = BTreeMap::new();
        let mut skipped = 0;
        for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let f: Vec<&str> = line.split('\t').collect();
            let parsed = match f.as_slice() {
                [id, knew, missed, last] if !id.is_empty() => {
                    match (knew.parse::<u32>(), missed.parse::<u32>(), *last) {
                        (Ok(knew), Ok(missed), "k" | "d" | "-") => Some((
                            id.to_string(),
                            Record {
                                knew,
                                missed,
                                last: match *last {
                                    "k" => Some(true),
                                    "d" => Some(false),
                                    _ => None,
                                },
                            },
                        )),
                        _ => None,
                    }
                }
                _ => None,
            };
            match parsed {
                Some((id, r)) => {
                    records.insert(id, r);
                }
                None => skipped += 1,
            }
        }
        (Progress { records }, skipped)
    }

    /// The progress as JSON, readable back by [`Progress::parse`]:
    /// `{"format":"backend-playground drill progress","version":2,
    /// "marks":{"<card id>":{"knew":1,"missed":2,"last":"missed"},...}}`.
    pub fn serialize(&self) -> String {
        let file = ProgressOut {
            format: FORMAT,
            version: VERSION,
            marks: &self.records,
        };
        // Cannot fail: every key is a string and every value plain data.
        serde_json::to_string(&file).unwrap_or_default()
    }

    /// Records a mark for card `id`.
    pub fn mark(&mut self, id: &str, knew: bool) {
        let r = self.records.entry(id.to_string()).or_default();
        if knew {
            r.knew = r.knew.saturating_add(1);
        } else {
            r.missed = r.missed.saturating_add(1);
        }
        r.last = Some(knew);
    }

    /// The record of card `id` (all zero if never marked).
    pub fn record(&self, id: &str) -> Record {
        self.records.get(id).copied().unwrap_or_default()
    }

    /// How many records name none of `cards` (from another version, or
    /// another site).
    pub fn foreign(&self, cards: &[Card]) -> usize {
        self.records
            .keys()
            .filter(|id| !cards.iter().any(|c| &c.id == *id))
            .count()
    }

    /// Scores per section, in reading order, for sections with cards.
    pub fn scores(&self, cards: &[Card]) -> Vec<Score> {
        let mut out: Vec<Score> = Vec::new();
        for c in cards {
            let r = self.record(&c.id);
            let i = match out.iter().position(|s| s.section == c.section) {
                Some(i) => i,
                None => {
                    out.push(Score {
                        section: c.section,
                        ..Score::default()
                    });
                    out.len() - 1
                }
            };
            let s = &mut out[i];
            s.cards += 1;
            if r.last.is_some() {
                s.seen += 1;
            }
            if r.last == Some(true) {
                s.known += 1;
            }
        }
        out.sort_by_key(|s| s.section);
        out
    }

    /// The order to ask `cards` in (indices into `cards`).
    pub fn order(&self, cards: &[Card], order: Order) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..cards.len()).collect();
        if order == Order::WeakestFirst {
            // A topic's strength: the share of its cards known last time.
            let mut topics: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
            for c in cards {
                let t = topics.entry(c.slug).or_default();
                t.1 += 1;
                if self.record(&c.id).last == Some(true) {
                    t.0 += 1;
                }
            }
            let share = |slug: &str| {
                topics.get(slug).map_or(0.0, |&(known, all)| {
                    f64::from(known) / f64::from(all.max(1))
                })
            };
            // Weakest topic first; inside it, cards missed last time, then
            // cards never seen, then cards known. Ties keep reading order
            // (the sort is stable).
            let rank = |c: &Card| match self.record(&c.id).last {
                Some(false) => 0,
                None => 1,
                Some(true) => 2,
            };
            idx.sort_by(|&a, &b| {
                share(cards[a].slug)
                    .total_cmp(&share(cards[b].slug))
                    .then(rank(&cards[a]).cmp(&rank(&cards[b])))
            });
        }
        idx
    }
}

/// One section's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Score {
    /// Index into [`SECTIONS`].
    pub section: usize,
    /// Cards in the section.
    pub cards: u32,
    /// Cards marked at least once.
    pub seen: u32,
    /// Cards whose last mark was "knew it".
    pub known: u32,
}

impl Score {
    /// Known cards over all cards of the section, 0 to 1.
    pub fn known_share(&self) -> f64 {
        if self.cards == 0 {
            0.0
        } else {
            f64::from(self.known) / f64::from(self.cards)
        }
    }
}

/// The order of the questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// As the sheet reads.
    Reading,
    /// Topics with the lowest share of known cards first.
    WeakestFirst,
}

impl Order {
    /// The order the order picker's `value` names: `weakest` is
    /// [`Order::WeakestFirst`], anything else [`Order::Reading`].
    pub fn from_choice(value: &str) -> Order {
        if value == "weakest" {
            Order::WeakestFirst
        } else {
            Order::Reading
        }
    }
}

/// The section the section picker's `value` names: a section index, or
/// `None` (all sections) for `all` or anything that is not one.
pub fn section_choice(value: &str) -> Option<usize> {
    value.parse::<usize>().ok()
}

/// The questions in play, in the order asked (indices into `cards`): every
/// card in `order`, kept only if it is in `section` when one is picked.
pub fn queue(
    cards: &[Card],
    progress: &Progress,
    order: Order,
    section: Option<usize>,
) -> Vec<usize> {
    progress
        .order(cards, order)
        .into_iter()
        .filter(|&i| section.is_none_or(|s| cards[i].section == s))
        .collect()
}

/// Where the drill is in its queue, and whether the answer shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Place {
    /// How many cards have been marked since the order or the section was
    /// last picked; the card shown is this position, round the queue.
    pub position: usize,
    /// Whether the answer of the card shown is revealed.
    pub revealed: bool,
}

/// The card a [`Place`] shows in a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Current {
    /// Index into the cards.
    pub card: usize,
    /// Its number in the queue, from 1.
    pub number: usize,
    /// The number of questions in the queue.
    pub total: usize,
}

impl Place {
    /// The card shown, round `queue`; `None` when the queue is empty.
    pub fn current(&self, queue: &[usize]) -> Option<Current> {
        if queue.is_empty() {
            return None;
        }
        let at = self.position % queue.len();
        Some(Current {
            card: queue[at],
            number: at + 1,
            total: queue.len(),
        })
    }

    /// Back to the first question, answer hidden: where a newly picked
    /// order or section starts.
    pub fn restart(&mut self) {
        *self = Place::default();
    }

    /// Marks card `id` as known or not in `progress` and moves on: the
    /// answer hides and the position advances by one. The order may change
    /// with the mark (weakest first), and the next position always shows
    /// the next card in the new order.
    pub fn grade(&mut self, progress: &mut Progress, id: &str, knew: bool) {
        progress.mark(id, knew);
        self.revealed = false;
        self.position += 1;
    }
}

/// What the learner asks of the card area, by key or by button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Show the answer.
    Reveal,
    /// Mark the card "knew it".
    Knew,
    /// Mark the card "didn't".
    Didnt,
    /// Fetch the cards again after a failure.
    Retry,
}

impl Action {
    /// The action a button's `data-act` names (see [`card_html`]).
    pub fn from_act(act: &str) -> Option<Action> {
        match act {
            "reveal" => Some(Action::Reveal),
            "knew" => Some(Action::Knew),
            "didnt" => Some(Action::Didnt),
            "retry" => Some(Action::Retry),
            _ => None,
        }
    }

    /// The action a key (as `KeyboardEvent.key` names it) asks for, given
    /// whether the answer shows: Space reveals a hidden answer; K or 1
    /// marks "knew it", D or 2 "didn't", once it shows.
    pub fn from_key(key: &str, revealed: bool) -> Option<Action> {
        match key {
            " " if !revealed => Some(Action::Reveal),
            "k" | "K" | "1" if revealed => Some(Action::Knew),
            "d" | "D" | "2" if revealed => Some(Action::Didnt),
            _ => None,
        }
    }
}

/// Reads the progress kept in local storage (`None` when nothing is
/// kept); a value that does not read, in part or whole, is set aside, and
/// the notice to show says so.
pub fn read_stored(text: Option<&str>) -> (Progress, Option<String>) {
    let Some(text) = text else {
        return (Progress::default(), None);
    };
    match Progress::parse(text) {
        Ok((p, 0)) => (p, None),
        Ok((p, n)) => (
            p,
            Some(format!("{n} unreadable entry(ies) of the saved progress were ignored.")),
        ),
        Err(ReadError::NewerVersion(_)) => (
            Progress::default(),
            Some("The saved drill progress was written by a newer version of this site and could not be read here, so the drill starts afresh.".to_string()),
        ),
        Err(ReadError::NotProgress | ReadError::Damaged) => (
            Progress::default(),
            Some("The saved drill progress could not be read, so it was set aside and the drill starts afresh.".to_string()),
        ),
    }
}

/// Reads an imported progress file, in either format. `cards` are the
/// drill's cards if they are in (marks naming none of them are counted as
/// foreign). Gives the progress to use and the notice that says what was
/// imported, or the notice that says why the file was refused.
pub fn read_import(text: &str, cards: Option<&[Card]>) -> Result<(Progress, String), String> {
    let (p, skipped) = Progress::parse(text).map_err(|e| import_refusal(&e))?;
    let foreign = cards.map_or(0, |all| p.foreign(all));
    let mut msg = "Progress imported.".to_string();
    if skipped > 0 {
        msg.push_str(&format!(" {skipped} unreadable entry(ies) were skipped."));
    }
    if foreign > 0 {
        msg.push_str(&format!(" {foreign} entry(ies) name questions this version does not have and are kept but not shown."));
    }
    Ok((p, msg))
}

/// Why an imported file was refused, as a notice.
pub fn import_refusal(e: &ReadError) -> String {
    let why = match e {
        ReadError::NotProgress => "That file is not a drill progress file".to_string(),
        ReadError::NewerVersion(v) => format!(
            "That progress file is of a newer format (version {v}) than this version of the site reads"
        ),
        ReadError::Damaged => {
            "That drill progress file is damaged and could not be read".to_string()
        }
    };
    format!("{why}. Nothing was changed.")
}

/// What the card area shows.
pub enum Shown<'a> {
    /// The cards are being fetched.
    Loading,
    /// The cards could not be fetched: why.
    Failed(&'a str),
    /// No card in the section picked.
    Empty,
    /// A card.
    Card {
        /// The card.
        card: &'a Card,
        /// Its place in the queue, from 1.
        number: usize,
        /// The cards in the queue.
        total: usize,
        /// How the reader did on it so far.
        record: Record,
        /// Whether its answer is shown.
        revealed: bool,
    },
}

/// The card area as HTML. Its buttons carry `data-act` (`reveal`, `knew`,
/// `didnt`, `retry`), handled by one listener on the area.
pub fn card_html(shown: Shown) -> String {
    match shown {
        Shown::Loading => r#"<p class="loading">Loading the questions…</p>"#.to_string(),
        Shown::Failed(e) => format!(
            r#"<div class="load-error" role="alert"><p>The questions could not be loaded: {}.</p><button class="button" type="button" data-act="retry">Try again</button></div>"#,
            escape(e)
        ),
        Shown::Empty => "<p>No questions here.</p>".to_string(),
        Shown::Card {
            card,
            number,
            total,
            record,
            revealed,
        } => {
            let history = match (record.knew, record.missed) {
                (0, 0) => "New question".to_string(),
                (k, m) => format!("Knew it {k}×, didn't {m}×"),
            };
            let mut s = format!(
                r#"<article class="drill-card"><p class="drill-meta">Question {number} of {total} · {} · {history}</p><h2 class="drill-question">{}</h2>"#,
                escape(SECTIONS[card.section].title),
                escape(&card.question)
            );
            if revealed {
                s.push_str(r#"<div class="drill-answer prose">"#);
                s.push_str(&card.answer_html);
                s.push_str("</div>");
                if let Some(t) = crate::content::topic(card.slug) {
                    s.push_str(&format!(
                        r#"<p class="drill-topic">More in <a href="{}">{}</a></p>"#,
                        escape(&crate::route::topic_href(t.slug)),
                        escape(t.title)
                    ));
                }
                s.push_str(r#"<div class="drill-marks"><button class="button knew" type="button" data-act="knew">Knew it</button><button class="button didnt" type="button" data-act="didnt">Didn't</button></div>"#);
            } else {
                s.push_str(r#"<button id="drill-reveal" class="button" type="button" data-act="reveal">Show the answer</button>"#);
            }
            s.push_str("</article>");
            s
        }
    }
}

/// The options of the drill's section picker: every section that has
/// cards, in order, after "All sections".
pub fn section_options(cards: &[Card]) -> String {
    let mut seen: Vec<usize> = cards.iter().map(|c| c.section).collect();
    seen.dedup();
    let mut html = r#"<option value="all">All sections</option>"#.to_string();
    for s in seen {
        if let Some(sec) = SECTIONS.get(s) {
            html.push_str(&format!(
                r#"<option value="{s}">{}</option>"#,
                escape(sec.title)
            ));
        }
    }
    html
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    crate::escape::escape_html(s, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A drill file entry.
    fn entry(id: &str, section: &str, slug: &str, question: &str, answer: &str) -> String {
        format!(
            "{{\"id\":{id:?},\"section\":{section:?},\"slug\":{slug:?},\"question\":{question:?},\"answer_html\":{answer:?}}}"
        )
    }

    fn cards() -> Vec<Card> {
        let t = |i: usize| content::TOPICS[i];
        let mut entries: Vec<String> = [0usize, 1, 2]
            .iter()
            .map(|&i| {
                let topic = t(i);
                let section = SECTIONS[topic.section].id;
                let (question, answer) = (format!("Question {i}?"), format!("<p>Answer {i}</p>"));
                entry(topic.slug, section, topic.slug, &question, &answer)
            })
            .collect();
        let (slug, section) = (t(0).slug, SECTIONS[t(0).section].id);
        entries.push(entry("x", "no-such-section", slug, "q", "a"));
        entries.push(entry("y", section, "no-such-topic", "q", "a"));
        entries.push(entry("", section, slug, "q", "a"));
        entries.push(entry("z", section, slug, "", "a"));
        parse_cards(&format!("[{}]", entries.join(",")))
    }

    #[test]
    fn cards_parse_and_bad_cards_are_skipped() {
        let c = cards();
        assert_eq!(c.len(), 3);
        let t = content::TOPICS[0];
        assert_eq!(
            c[0],
            Card {
                id: t.slug.to_string(),
                section: t.section,
                slug: t.slug,
                question: "Question 0?".to_string(),
                answer_html: "<p>Answer 0</p>".to_string(),
            }
        );
        // Quotes, line breaks and tabs in the answer survive.
        let answer =
            "<pre><code>a\tb\n\"c\" \\ d</code></pre>\n<p><a href=\"../topics/x/\">x</a></p>";
        let one = parse_cards(&format!(
            "[{}]",
            entry(
                "k#q",
                SECTIONS[t.section].id,
                t.slug,
                "Why \"this\"?",
                answer
            )
        ));
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].answer_html, answer);
        assert_eq!(one[0].question, "Why \"this\"?");
    }

    #[test]
    fn a_malformed_drill_file_gives_no_cards_and_never_panics() {
        let t = content::TOPICS[0];
        let good = entry(t.slug, SECTIONS[t.section].id, t.slug, "Q?", "<p>A</p>");
        assert_eq!(parse_cards(&format!("[{good}]")).len(), 1);
        for text in [
            String::new(),
            "not json".to_string(),
            format!(
                "{}\t{}\t{}\tQ?\t<p>A</p>\n",
                t.slug, SECTIONS[t.section].id, t.slug
            ),
            format!("{{\"cards\":[{good}]}}"),
            format!("[{good}"),
            format!("[{good},{{\"id\":\"x\"}}]"),
            "[1, 2]".to_string(),
            "\u{0}garbage{]".to_string(),
        ] {
            assert!(parse_cards(&text).is_empty(), "{text:?}");
        }
    }

    fn sample() -> Progress {
        let mut p = Progress::default();
        p.mark("a", true);
        p.mark("a", false);
        p.mark("b#x", true);
        p.mark("c \"quoted\"\ttab", false);
        p
    }

    #[test]
    fn progress_round_trips_as_json() {
        let p = sample();
        let text = p.serialize();
        assert!(
            text.starts_with(&format!("{{\"format\":\"{FORMAT}\",\"version\":2,")),
            "{text}"
        );
        assert!(
            text.contains(r#""a":{"knew":1,"missed":1,"last":"missed"}"#),
            "{text}"
        );
        assert!(
            text.contains(r#""b#x":{"knew":1,"missed":0,"last":"knew"}"#),
            "{text}"
        );
        let (back, skipped) = Progress::parse(&text).expect("own text reads back");
        assert_eq!(back, p);
        assert_eq!(skipped, 0);
        assert_eq!(
            back.record("a"),
            Record {
                knew: 1,
                missed: 1,
                last: Some(false)
            }
        );
        assert_eq!(
            Progress::parse(&Progress::default().serialize()),
            Ok((Progress::default(), 0))
        );
        // A record without a last mark (possible in version 1) round-trips.
        let (p, _) = Progress::parse(&format!("{V1_HEADER}\nn\t0\t0\t-\n")).expect("v1");
        let text = p.serialize();
        assert!(text.contains(r#""n":{"knew":0,"missed":0}"#), "{text}");
        assert_eq!(Progress::parse(&text), Ok((p, 0)));
        // A byte-order mark and white space around the JSON are fine.
        let padded = format!("\u{feff}\n  {}\n", sample().serialize());
        assert_eq!(Progress::parse(&padded), Ok((sample(), 0)));
    }

    #[test]
    fn progress_of_version_1_still_reads() {
        let v1 = format!("{V1_HEADER}\na\t1\t1\td\nb#x\t1\t0\tk\nc \"quoted\"\ttab\t0\t1\td\n");
        // A tab in an id never round-tripped through version 1.
        let (p, skipped) = Progress::parse(&v1).expect("version 1 reads");
        assert_eq!(skipped, 1);
        let mut expected = sample();
        expected.records.remove("c \"quoted\"\ttab");
        assert_eq!(p, expected);
        // Windows line ends, a byte-order mark and blank lines.
        let crlf = format!("\u{feff}{V1_HEADER}\r\na\t1\t1\td\r\n\r\nb#x\t1\t0\tk\r\n");
        assert_eq!(Progress::parse(&crlf), Ok((expected.clone(), 0)));
        // Bad lines are skipped and counted.
        let (p, skipped) = Progress::parse(&format!(
            "{V1_HEADER}\nok\t1\t0\tk\nbroken\nx\t-1\t0\tk\ny\t1\t2\tz\n\t1\t0\tk\n"
        ))
        .expect("header present");
        assert_eq!(skipped, 4);
        assert_eq!(p.record("ok").knew, 1);
        // What is read from version 1 is written back as JSON.
        let (again, _) = Progress::parse(&expected.serialize()).expect("json");
        assert_eq!(again, expected);
    }

    #[test]
    fn foreign_or_damaged_progress_is_refused() {
        let not = Err(ReadError::NotProgress);
        for text in [
            "",
            "\n",
            "{\"json\": true}",
            "{\"not\": \"progress\"}",
            "[]",
            "null",
            "42",
            "\u{0}garbage{]",
            "backend-playground drill progress v2\na\t1\t0\tk\n",
            "{\"format\":\"something else\",\"version\":2,\"marks\":{}}",
            "{\"format\":7,\"version\":2,\"marks\":{}}",
        ] {
            assert_eq!(Progress::parse(text), not, "{text:?}");
        }
        assert_eq!(
            Progress::parse(&format!(
                "{{\"format\":\"{FORMAT}\",\"version\":3,\"marks\":{{}}}}"
            )),
            Err(ReadError::NewerVersion(3))
        );
        for version in ["1", "0", "-2", "2.5", "\"2\"", "null"] {
            let text = format!("{{\"format\":\"{FORMAT}\",\"version\":{version},\"marks\":{{}}}}");
            assert_eq!(Progress::parse(&text), Err(ReadError::Damaged), "{text}");
        }
        // An export cut short.
        let whole = sample().serialize();
        for end in [whole.len() - 1, whole.len() / 2, 60] {
            assert_eq!(
                Progress::parse(&whole[..end]),
                Err(ReadError::Damaged),
                "{end}"
            );
        }
        for marks in [
            "",
            ",\"marks\":[]",
            ",\"marks\":{\"a\":{\"knew\":-1,\"missed\":0}}",
            ",\"marks\":{\"a\":{\"knew\":1}}",
            ",\"marks\":{\"a\":{\"knew\":1,\"missed\":0,\"last\":\"maybe\"}}",
            ",\"marks\":{\"a\":{\"knew\":4294967296,\"missed\":0}}",
            ",\"marks\":{\"a\":\"knew\"}",
        ] {
            let text = format!("{{\"format\":\"{FORMAT}\",\"version\":2{marks}}}");
            assert_eq!(Progress::parse(&text), Err(ReadError::Damaged), "{text}");
        }
        let (p, skipped) = Progress::parse(&format!(
            "{{\"format\":\"{FORMAT}\",\"version\":2,\"marks\":{{\"\":{{\"knew\":1,\"missed\":0}},\"a\":{{\"knew\":2,\"missed\":0,\"last\":\"knew\",\"later\":true}}}},\"later\":[]}}"
        ))
        .expect("unknown fields are ignored");
        assert_eq!(skipped, 0);
        // A mark naming no card is kept, as foreign.
        assert_eq!(p.record("").knew, 1);
        assert_eq!(p.foreign(&[]), 2);
        assert_eq!(
            p.record("a"),
            Record {
                knew: 2,
                missed: 0,
                last: Some(true)
            }
        );
    }

    #[test]
    fn weakest_topics_come_first() {
        let c = cards();
        let mut p = Progress::default();
        assert_eq!(p.order(&c, Order::Reading), vec![0, 1, 2]);
        // Know the first card's section well, miss the last card.
        p.mark(&c[0].id, true);
        p.mark(&c[2].id, false);
        let order = p.order(&c, Order::WeakestFirst);
        assert_eq!(order.len(), 3);
        assert_eq!(*order.last().expect("three cards"), 0, "{order:?}");
        let scores = p.scores(&c);
        assert_eq!(scores.iter().map(|s| s.cards).sum::<u32>(), 3);
        assert_eq!(scores.iter().map(|s| s.known).sum::<u32>(), 1);
        assert_eq!(p.foreign(&c), 0);
        p.mark("gone", true);
        assert_eq!(p.foreign(&c), 1);
    }

    #[test]
    fn the_queue_follows_the_order_and_the_section_picked() {
        let c = cards();
        let mut p = Progress::default();
        assert_eq!(queue(&c, &p, Order::Reading, None), vec![0, 1, 2]);
        p.mark(&c[0].id, true);
        p.mark(&c[2].id, false);
        assert_eq!(
            queue(&c, &p, Order::WeakestFirst, None),
            p.order(&c, Order::WeakestFirst)
        );
        for s in c.iter().map(|c| c.section) {
            let q = queue(&c, &p, Order::Reading, Some(s));
            let wanted = c.iter().filter(|card| card.section == s).count();
            assert_eq!(q.len(), wanted, "section {s}");
            assert!(q.iter().all(|&i| c[i].section == s), "{q:?}");
            assert!(q.windows(2).all(|w| w[0] < w[1]), "reading order {q:?}");
        }
        assert!(queue(&c, &p, Order::Reading, Some(usize::MAX)).is_empty());
        assert!(queue(&[], &p, Order::WeakestFirst, None).is_empty());
        // The pickers' values.
        assert_eq!(Order::from_choice("weakest"), Order::WeakestFirst);
        assert_eq!(Order::from_choice("reading"), Order::Reading);
        assert_eq!(Order::from_choice(""), Order::Reading);
        assert_eq!(section_choice("all"), None);
        assert_eq!(section_choice("3"), Some(3));
        assert_eq!(section_choice("-1"), None);
    }

    #[test]
    fn grading_marks_the_card_hides_the_answer_and_moves_on() {
        let c = cards();
        let mut p = Progress::default();
        let mut place = Place::default();
        let q = queue(&c, &p, Order::Reading, None);
        let first = place.current(&q).expect("three cards");
        assert_eq!(
            first,
            Current {
                card: 0,
                number: 1,
                total: 3
            }
        );
        place.revealed = true;
        place.grade(&mut p, &c[first.card].id, true);
        assert_eq!(
            place,
            Place {
                position: 1,
                revealed: false
            }
        );
        assert_eq!(p.record(&c[0].id).last, Some(true));
        let q = queue(&c, &p, Order::Reading, None);
        assert_eq!(place.current(&q).map(|at| at.card), Some(1));
        place.grade(&mut p, &c[1].id, false);
        place.grade(&mut p, &c[2].id, false);
        // Round the queue again.
        assert_eq!(
            place.current(&q),
            Some(Current {
                card: 0,
                number: 1,
                total: 3
            })
        );
        assert_eq!(p.record(&c[1].id).missed, 1);
        // Weakest first: the next position shows the next card in the
        // order as it stands after the mark.
        let mut p = Progress::default();
        let mut place = Place::default();
        let q = queue(&c, &p, Order::WeakestFirst, None);
        let shown = place.current(&q).expect("three cards").card;
        place.grade(&mut p, &c[shown].id, true);
        let q = queue(&c, &p, Order::WeakestFirst, None);
        assert_eq!(place.current(&q).map(|at| at.card), Some(q[1]));
        place.revealed = true;
        place.restart();
        assert_eq!(place, Place::default());
        assert_eq!(place.current(&[]), None);
    }

    #[test]
    fn keys_and_buttons_name_their_actions() {
        assert_eq!(Action::from_key(" ", false), Some(Action::Reveal));
        assert_eq!(Action::from_key(" ", true), None);
        for k in ["k", "K", "1"] {
            assert_eq!(Action::from_key(k, true), Some(Action::Knew), "{k}");
            assert_eq!(Action::from_key(k, false), None, "{k}");
        }
        for k in ["d", "D", "2"] {
            assert_eq!(Action::from_key(k, true), Some(Action::Didnt), "{k}");
            assert_eq!(Action::from_key(k, false), None, "{k}");
        }
        assert_eq!(Action::from_key("Enter", true), None);
        for (act, action) in [
            ("reveal", Action::Reveal),
            ("knew", Action::Knew),
            ("didnt", Action::Didnt),
            ("retry", Action::Retry),
        ] {
            assert_eq!(Action::from_act(act), Some(action));
        }
        assert_eq!(Action::from_act("other"), None);
        // Every button the card area shows names an action.
        let c = cards();
        let shown = |revealed| {
            card_html(Shown::Card {
                card: &c[0],
                number: 1,
                total: 3,
                record: Record::default(),
                revealed,
            })
        };
        for html in [shown(false), shown(true), card_html(Shown::Failed("x"))] {
            for part in html.split("data-act=\"").skip(1) {
                let act = part.split('"').next().unwrap_or_default();
                assert!(Action::from_act(act).is_some(), "{act}");
            }
        }
    }

    #[test]
    fn stored_progress_reads_or_is_set_aside_with_a_notice() {
        assert_eq!(read_stored(None), (Progress::default(), None));
        let text = sample().serialize();
        assert_eq!(read_stored(Some(&text)), (sample(), None));
        let (p, notice) = read_stored(Some(&format!("{V1_HEADER}\na\t1\t0\tk\nbroken\n")));
        assert_eq!(p.record("a").knew, 1);
        assert_eq!(
            notice.as_deref(),
            Some("1 unreadable entry(ies) of the saved progress were ignored.")
        );
        let newer = format!("{{\"format\":\"{FORMAT}\",\"version\":9,\"marks\":{{}}}}");
        let (p, notice) = read_stored(Some(&newer));
        assert_eq!(p, Progress::default());
        assert!(notice.is_some_and(|n| n.contains("newer version")));
        for bad in ["garbage", &text[..text.len() / 2]] {
            let (p, notice) = read_stored(Some(bad));
            assert_eq!(p, Progress::default());
            assert!(notice.is_some_and(|n| n.contains("set aside")), "{bad:?}");
        }
    }

    #[test]
    fn an_import_reads_either_format_and_says_what_it_could_not_show() {
        let c = cards();
        let mut p = Progress::default();
        p.mark(&c[0].id, true);
        let (back, msg) = read_import(&p.serialize(), Some(&c)).expect("own export");
        assert_eq!(back, p);
        assert_eq!(msg, "Progress imported.");
        // Marks of questions this version lacks are kept and counted.
        p.mark("gone", false);
        let (back, msg) = read_import(&p.serialize(), Some(&c)).expect("own export");
        assert_eq!(back, p);
        assert!(msg.contains(" 1 entry(ies) name questions"), "{msg}");
        // Before the cards are in, nothing is counted as foreign.
        let (_, msg) = read_import(&p.serialize(), None).expect("own export");
        assert_eq!(msg, "Progress imported.");
        // Version 1, with a line that does not read.
        let v1 = format!("{V1_HEADER}\n{}\t1\t0\tk\nbroken\n", c[1].id);
        let (back, msg) = read_import(&v1, Some(&c)).expect("version 1");
        assert_eq!(back.record(&c[1].id).knew, 1);
        assert!(
            msg.contains(" 1 unreadable entry(ies) were skipped."),
            "{msg}"
        );
        // Refused, with the reason.
        assert_eq!(
            read_import("not progress", Some(&c)),
            Err(import_refusal(&ReadError::NotProgress))
        );
    }
}
