//! Drill mode: the cards (a question per topic and every question of the
//! three question banks), the progress kept in local storage, per-section
//! scores and the order to ask in. Plain Rust, tested natively.
//!
//! The cards come from `drill.txt`, written at build time: a line per card,
//! `id TAB section TAB slug TAB question TAB answer-html`.

use std::collections::BTreeMap;

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

/// Parses the drill file. Lines naming an unknown topic or section, or
/// without all five fields, are skipped.
pub fn parse_cards(text: &str) -> Vec<Card> {
    text.lines()
        .filter_map(|line| {
            let mut f = line.splitn(5, '\t');
            let id = f.next()?.to_string();
            let section_id = f.next()?;
            let section = SECTIONS.iter().position(|s| s.id == section_id)?;
            let slug = content::topic(f.next()?)?.slug;
            let question = f.next()?.to_string();
            let answer_html = f.next()?.to_string();
            (!id.is_empty() && !question.is_empty()).then_some(Card {
                id,
                section,
                slug,
                question,
                answer_html,
            })
        })
        .collect()
}

/// What is known about one card.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Record {
    /// Times marked "knew it".
    pub knew: u32,
    /// Times marked "didn't".
    pub missed: u32,
    /// The last mark: `true` for "knew it".
    pub last: Option<bool>,
}

/// The first line of a progress file or stored value.
pub const HEADER: &str = "backend-playground drill progress v1";

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
}

impl Progress {
    /// Reads a progress text. A text without the header is refused; lines
    /// that do not parse are skipped and counted.
    pub fn parse(text: &str) -> Result<(Progress, usize), ReadError> {
        let mut lines = text.lines();
        if lines.next().map(str::trim) != Some(HEADER) {
            return Err(ReadError::NotProgress);
        }
        let mut records = BTreeMap::new();
        let mut skipped = 0;
        for line in lines.filter(|l| !l.trim().is_empty()) {
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
        Ok((Progress { records }, skipped))
    }

    /// The progress as text, readable back by [`Progress::parse`].
    pub fn serialize(&self) -> String {
        let mut s = String::from(HEADER);
        s.push('\n');
        for (id, r) in &self.records {
            let last = match r.last {
                Some(true) => "k",
                Some(false) => "d",
                None => "-",
            };
            s.push_str(&format!("{id}\t{}\t{}\t{last}\n", r.knew, r.missed));
        }
        s
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cards() -> Vec<Card> {
        let t = |i: usize| content::TOPICS[i];
        let text: String = [0usize, 1, 2]
            .iter()
            .map(|&i| {
                let topic = t(i);
                format!(
                    "{}\t{}\t{}\tQuestion {i}?\t<p>Answer {i}</p>\n",
                    topic.slug, SECTIONS[topic.section].id, topic.slug
                )
            })
            .collect::<String>()
            + "bad line\nx\tno-such-section\tslug\tq\ta\n";
        parse_cards(&text)
    }

    #[test]
    fn cards_parse_and_bad_lines_are_skipped() {
        let c = cards();
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].answer_html, "<p>Answer 0</p>");
    }

    #[test]
    fn progress_round_trips_and_refuses_foreign_text() {
        let mut p = Progress::default();
        p.mark("a", true);
        p.mark("a", false);
        p.mark("b#x", true);
        let text = p.serialize();
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
            Progress::parse("{\"json\": true}"),
            Err(ReadError::NotProgress)
        );
        assert_eq!(Progress::parse(""), Err(ReadError::NotProgress));
        let (p, skipped) = Progress::parse(&format!(
            "{HEADER}\nok\t1\t0\tk\nbroken\nx\t-1\t0\tk\ny\t1\t2\tz\n"
        ))
        .expect("header present");
        assert_eq!(skipped, 3);
        assert_eq!(p.record("ok").knew, 1);
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
