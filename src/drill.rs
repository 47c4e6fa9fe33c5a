//! Drill mode: the cards (a question per topic and every question of the
//! three question banks), the progress kept in local storage, per-section
//! scores and the order to ask in. Plain Rust, tested natively.
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

/// What the card area shows.
pub enum Shown<'a> {
    Loading,
    Failed(&'a str),
    Empty,
    Card {
        card: &'a Card,
        number: usize,
        total: usize,
        record: Record,
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
}
