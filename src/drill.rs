//! Drill mode: the cards, the progress kept in local storage, the
//! spaced-repetition schedule, per-section counts, the session (which card
//! comes next and what a mark does), and reading stored or imported
//! progress into notices. Plain Rust, tested natively; the page
//! (`app::drill`) only wires it to the browser, and hands in today's date
//! from the browser's clock, so every rule here is a function of explicit
//! dates.
//!
//! The cards come from `drill.json`, written at build time: a JSON array of
//! `{"id", "section", "slug", "question", "answer_html"}` objects.
//!
//! # The schedule: Leitner boxes
//!
//! A card that was never marked is *new*. Every mark puts the card in a box
//! and gives it a due date, today plus the box's interval
//! ([`INTERVALS`], in days):
//!
//! | box | 0 | 1 | 2 | 3 | 4 | 5 | 6 |
//! |-----|---|---|---|---|---|---|---|
//! | due in (days) | 0 | 1 | 3 | 7 | 14 | 30 | 60 |
//!
//! "Knew it" moves the card up one box (a new card goes to box 1, due
//! tomorrow; box 6 stays in box 6). "Didn't" puts it in box 0: due today,
//! and asked again later in the same session. A card is *due* on and after
//! its due date. A week of daily practice therefore asks a card known each
//! time on days 0, 1, 4 and 11, and a missed one again the same day.
//!
//! A session ([`Order::Due`], the default) asks the due cards first (the
//! longest overdue first, then the lower box), then the new cards in the
//! sheet's order, and ends when both run out; the other orders go round
//! all the cards of the section picked.
//!
//! Progress is stored and exported as JSON (see [`Progress::serialize`]);
//! files without a schedule (written before it existed) and the
//! tab-separated text of the first version are still read: a card marked in
//! them is due at once, in box 1 if its last mark was "knew it".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::content::{self, SECTIONS};

/// One question and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// Stable id (`slug`, `slug#anchor` or `slug#id`): what progress is
    /// keyed by.
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

/// A calendar day: the number of days since 1970-01-01 (in the reader's
/// time zone; the browser says which day it is).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i32);

impl Day {
    /// The day of a date of the proleptic Gregorian calendar; `None` if
    /// there is no such date (month 13, 30 February) or the year is out of
    /// `1..=9999`.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if day > days_in_month {
            return None;
        }
        // Days from civil (H. Hinnant): years start in March.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = month as i32;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Day(era * 146_097 + doe - 719_468))
    }

    /// The date of the day: year, month (1 to 12), day of the month.
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i32::from(month <= 2);
        (year, month, day)
    }

    /// Reads `YYYY-MM-DD`; anything else is `None`.
    pub fn parse(text: &str) -> Option<Day> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let s = text.get(r)?;
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())?
        };
        let year = i32::try_from(digits(0..4)?).ok()?;
        Day::from_ymd(year, digits(5..7)?, digits(8..10)?)
    }

    /// The day as `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// The day `days` later.
    pub fn plus(self, days: u32) -> Day {
        Day(self
            .0
            .saturating_add(i32::try_from(days).unwrap_or(i32::MAX)))
    }
}

/// The interval of each Leitner box, in days: a card marked into box `b`
/// is due `INTERVALS[b]` days after the mark.
pub const INTERVALS: [u32; 7] = [0, 1, 3, 7, 14, 30, 60];

/// The highest box.
pub const TOP_BOX: u8 = 6;

/// What is known about one card (in a progress file, a `Mark`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Mark", into = "Mark")]
pub struct Record {
    /// Times marked "knew it".
    pub knew: u32,
    /// Times marked "didn't".
    pub missed: u32,
    /// The last mark: `true` for "knew it".
    pub last: Option<bool>,
    /// The Leitner box, 0 to [`TOP_BOX`].
    pub box_: u8,
    /// When the card is next due; `None` for a new card, or for one marked
    /// before the schedule existed (due at once).
    pub due: Option<Day>,
}

/// Where a card stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Never marked.
    New,
    /// Due: its date is today or past (`overdue` days past).
    Due {
        /// Days since the due date (0 when due today).
        overdue: i32,
    },
    /// Not due before this day.
    Later(Day),
}

impl Record {
    /// Whether the card was never marked.
    pub fn is_new(&self) -> bool {
        self.last.is_none() && self.due.is_none() && self.knew == 0 && self.missed == 0
    }

    /// Where the card stands on `today`.
    pub fn status(&self, today: Day) -> Status {
        if self.is_new() {
            return Status::New;
        }
        match self.due {
            Some(d) if d > today => Status::Later(d),
            Some(d) => Status::Due {
                overdue: today.0 - d.0,
            },
            // Marked before the schedule existed: due now, as if long
            // overdue.
            None => Status::Due { overdue: i32::MAX },
        }
    }

    /// Records a mark made on `today`: the counts, the last mark, the box
    /// and the due date (see the module's schedule).
    pub fn mark(&mut self, knew: bool, today: Day) {
        if knew {
            self.knew = self.knew.saturating_add(1);
            self.box_ = (self.box_ + 1).min(TOP_BOX);
        } else {
            self.missed = self.missed.saturating_add(1);
            self.box_ = 0;
        }
        self.last = Some(knew);
        self.due = Some(today.plus(INTERVALS[usize::from(self.box_)]));
    }
}

/// The `format` of a progress file or stored value.
pub const FORMAT: &str = "backend-playground drill progress";

/// The `version` of the progress format [`Progress::serialize`] writes.
/// Version 1 is the older tab-separated text, which starts with
/// [`V1_HEADER`]. The schedule (`box`, `due`) was added to version 2 as
/// optional fields, so files written before it still read.
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
/// "last": "knew", "box": 1, "due": "2026-12-06"}` (`last` is `"knew"` or
/// `"missed"`; `last`, `box` and `due` are left out when unknown).
#[derive(Serialize, Deserialize)]
struct Mark {
    knew: u32,
    missed: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last: Option<Last>,
    #[serde(default, rename = "box", skip_serializing_if = "Option::is_none")]
    box_: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    due: Option<String>,
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
            box_: r.due.map(|_| r.box_),
            due: r.due.map(Day::iso),
        }
    }
}

impl TryFrom<Mark> for Record {
    type Error = String;

    fn try_from(m: Mark) -> Result<Record, String> {
        let last = m.last.map(|l| matches!(l, Last::Knew));
        let due = match &m.due {
            None => None,
            Some(text) => Some(Day::parse(text).ok_or_else(|| format!("bad date {text:?}"))?),
        };
        let box_ = match m.box_ {
            Some(b) if b > TOP_BOX => return Err(format!("box {b} is past {TOP_BOX}")),
            Some(b) => b,
            // Written before the schedule: a card known last time starts
            // in box 1.
            None => u8::from(last == Some(true)),
        };
        Ok(Record {
            knew: m.knew,
            missed: m.missed,
            last,
            box_,
            due,
        })
    }
}

impl Progress {
    /// Reads a stored or imported progress text: the JSON that
    /// [`Progress::serialize`] writes (with or without the schedule), or
    /// the text of version 1. Returns the progress and how many version-1
    /// lines were skipped as unreadable (always 0 for JSON). A JSON text
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
                        (Ok(knew), Ok(missed), "k" | "d" | "-") => {
                            let last = match *last {
                                "k" => Some(true),
                                "d" => Some(false),
                                _ => None,
                            };
                            let r = Record {
                                knew,
                                missed,
                                last,
                                box_: u8::from(last == Some(true)),
                                due: None,
                            };
                            Some((id.to_string(), r))
                        }
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
    /// "marks":{"<card id>":{"knew":1,"missed":2,"last":"missed","box":0,
    /// "due":"2026-12-05"},...}}`.
    pub fn serialize(&self) -> String {
        let file = ProgressOut {
            format: FORMAT,
            version: VERSION,
            marks: &self.records,
        };
        // Cannot fail: every key is a string and every value plain data.
        serde_json::to_string(&file).unwrap_or_default()
    }

    /// Records a mark for card `id`, made on `today`.
    pub fn mark(&mut self, id: &str, knew: bool, today: Day) {
        self.records
            .entry(id.to_string())
            .or_default()
            .mark(knew, today);
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

    /// Counts per section, in reading order, for sections with cards, as
    /// they stand on `today`.
    pub fn scores(&self, cards: &[Card], today: Day) -> Vec<Score> {
        let mut out: Vec<Score> = Vec::new();
        for c in cards {
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
            out[i].add(&self.record(&c.id), today);
        }
        out.sort_by_key(|s| s.section);
        out
    }

    /// The counts of `cards` (or those of one section) on `today`.
    pub fn totals(&self, cards: &[Card], section: Option<usize>, today: Day) -> Score {
        let mut s = Score::default();
        for c in cards
            .iter()
            .filter(|c| section.is_none_or(|s| c.section == s))
        {
            s.add(&self.record(&c.id), today);
        }
        s
    }

    /// The earliest due date after `today` among `cards`, if any.
    pub fn next_due(&self, cards: &[Card], today: Day) -> Option<Day> {
        cards
            .iter()
            .filter_map(|c| match self.record(&c.id).status(today) {
                Status::Later(d) => Some(d),
                _ => None,
            })
            .min()
    }

    /// The order to ask `cards` in (indices into `cards`): see [`Order`].
    pub fn order(&self, cards: &[Card], order: Order, today: Day) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..cards.len()).collect();
        match order {
            Order::Reading => {}
            Order::Due => {
                // Due cards, longest overdue and lowest box first; then new
                // cards in reading order. Cards not yet due are left out.
                let key = |i: &usize| {
                    let r = self.record(&cards[*i].id);
                    match r.status(today) {
                        Status::Due { overdue } => Some((0, -i64::from(overdue), r.box_)),
                        Status::New => Some((1, 0, 0)),
                        Status::Later(_) => None,
                    }
                };
                idx.retain(|i| key(i).is_some());
                idx.sort_by_key(key);
            }
            Order::WeakestFirst => self.weakest_first(cards, &mut idx),
        }
        idx
    }

    /// Sorts `idx` with the topics of the lowest share of cards known last
    /// time first; inside a topic, cards missed last time, then cards never
    /// seen, then cards known. Ties keep reading order (the sort is stable).
    fn weakest_first(&self, cards: &[Card], idx: &mut [usize]) {
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
}

/// One section's figures (or those of a set of cards) on a given day.
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
    /// Cards due today (or overdue).
    pub due: u32,
    /// Cards never marked.
    pub new: u32,
}

impl Score {
    /// Counts one card.
    fn add(&mut self, r: &Record, today: Day) {
        self.cards += 1;
        if r.last.is_some() {
            self.seen += 1;
        }
        if r.last == Some(true) {
            self.known += 1;
        }
        match r.status(today) {
            Status::New => self.new += 1,
            Status::Due { .. } => self.due += 1,
            Status::Later(_) => {}
        }
    }

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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// Due cards first, then new ones; the session ends when both run
    /// out, and a card missed in it is asked again at its end.
    #[default]
    Due,
    /// Every card, as the sheet reads, round and round.
    Reading,
    /// Every card, topics with the lowest share of known cards first.
    WeakestFirst,
}

impl Order {
    /// The order the order picker's `value` names: `reading`,
    /// `weakest`, and anything else [`Order::Due`].
    pub fn from_choice(value: &str) -> Order {
        match value {
            "reading" => Order::Reading,
            "weakest" => Order::WeakestFirst,
            _ => Order::Due,
        }
    }

    /// The picker's `value` for the order.
    pub fn as_choice(self) -> &'static str {
        match self {
            Order::Due => "due",
            Order::Reading => "reading",
            Order::WeakestFirst => "weakest",
        }
    }
}

/// The order picker's options, `(value, label)`, the default first.
pub const ORDER_OPTIONS: [(&str, &str); 3] = [
    ("due", "Due cards first"),
    ("reading", "As the sheet reads"),
    ("weakest", "Weakest topics first"),
];

/// The section the section picker's `value` names: a section index, or
/// `None` (all sections) for `all` or anything that is not one.
pub fn section_choice(value: &str) -> Option<usize> {
    value.parse::<usize>().ok()
}

/// The questions in play, in the order asked (indices into `cards`): the
/// cards of [`Progress::order`], kept only if they are in `section` when
/// one is picked.
pub fn queue(
    cards: &[Card],
    progress: &Progress,
    order: Order,
    section: Option<usize>,
    today: Day,
) -> Vec<usize> {
    progress
        .order(cards, order, today)
        .into_iter()
        .filter(|&i| section.is_none_or(|s| cards[i].section == s))
        .collect()
}

/// A round of questions: its queue, fixed when it starts (a missed card
/// is added again at its end in a [`Order::Due`] session), where it is,
/// and whether the answer shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    /// The order it was started in.
    pub order: Order,
    /// The questions, in order (indices into the cards).
    pub queue: Vec<usize>,
    /// How many cards have been marked in it; the card shown is this
    /// position (round the queue, except in a due session).
    pub position: usize,
    /// Whether the answer of the card shown is revealed.
    pub revealed: bool,
}

/// The card a [`Session`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Current {
    /// Index into the cards.
    pub card: usize,
    /// Its number in the queue, from 1.
    pub number: usize,
    /// The number of questions in the queue.
    pub total: usize,
}

impl Session {
    /// A session of `cards` (those of `section`, if one is picked) in
    /// `order`, as the progress stands on `today`.
    pub fn start(
        cards: &[Card],
        progress: &Progress,
        order: Order,
        section: Option<usize>,
        today: Day,
    ) -> Session {
        Session {
            order,
            queue: queue(cards, progress, order, section, today),
            position: 0,
            revealed: false,
        }
    }

    /// Whether a due session has asked every card in it.
    pub fn finished(&self) -> bool {
        self.order == Order::Due && self.position >= self.queue.len()
    }

    /// The card shown; `None` when the queue is empty or the due session
    /// is over.
    pub fn current(&self) -> Option<Current> {
        if self.queue.is_empty() || self.finished() {
            return None;
        }
        let at = self.position % self.queue.len();
        Some(Current {
            card: self.queue[at],
            number: at + 1,
            total: self.queue.len(),
        })
    }

    /// Marks the card shown, with id `id`, as known or not in `progress`
    /// on `today` and moves on: the answer hides and the position advances
    /// by one. In a due session a missed card is asked again at the end.
    pub fn grade(&mut self, progress: &mut Progress, id: &str, knew: bool, today: Day) {
        let Some(at) = self.current() else {
            return;
        };
        progress.mark(id, knew, today);
        if !knew && self.order == Order::Due {
            self.queue.push(at.card);
        }
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
    /// After a due session: go round every card of the section.
    Ahead,
}

impl Action {
    /// The action a button's `data-act` names (see [`card_html`]).
    pub fn from_act(act: &str) -> Option<Action> {
        match act {
            "reveal" => Some(Action::Reveal),
            "knew" => Some(Action::Knew),
            "didnt" => Some(Action::Didnt),
            "retry" => Some(Action::Retry),
            "ahead" => Some(Action::Ahead),
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
    /// A due session is over: nothing more is due or new today; the next
    /// due date, if any.
    Finished(Option<Day>),
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
        /// Today.
        today: Day,
        /// Whether its answer is shown.
        revealed: bool,
    },
}

/// Where a card stands, in words, for its header.
fn status_text(record: &Record, today: Day) -> String {
    let when = match record.status(today) {
        Status::New => return "New question".to_string(),
        Status::Due { overdue: 0 } => "Due today".to_string(),
        Status::Due { overdue: i32::MAX } => "Due".to_string(),
        Status::Due { overdue } => format!("Due since {}", Day(today.0 - overdue).iso()),
        Status::Later(d) => format!("Due {}", d.iso()),
    };
    format!(
        "{when} · box {} of {TOP_BOX} · knew it {}×, didn't {}×",
        record.box_, record.knew, record.missed
    )
}

/// The card area as HTML. Its buttons carry `data-act` (`reveal`, `knew`,
/// `didnt`, `retry`, `ahead`), handled by one listener on the area.
pub fn card_html(shown: Shown) -> String {
    match shown {
        Shown::Loading => r#"<p class="loading">Loading the questions…</p>"#.to_string(),
        Shown::Failed(e) => format!(
            r#"<div class="load-error" role="alert"><p>The questions could not be loaded: {}.</p><button class="button" type="button" data-act="retry">Try again</button></div>"#,
            escape(e)
        ),
        Shown::Empty => "<p>No questions here.</p>".to_string(),
        Shown::Finished(next) => {
            let next = next.map_or(String::new(), |d| {
                format!(" The next card is due on {}.", d.iso())
            });
            format!(
                r#"<div class="drill-card drill-done"><h2 class="drill-question">Nothing more is due today.</h2><p>Every due and new question here has been asked.{next} Come back then, or practise ahead.</p><button class="button" type="button" data-act="ahead">Practise every card</button></div>"#
            )
        }
        Shown::Card {
            card,
            number,
            total,
            record,
            today,
            revealed,
        } => {
            let mut s = format!(
                r#"<article class="drill-card"><p class="drill-meta">Question {number} of {total} · {} · {}</p><h2 class="drill-question">{}</h2>"#,
                escape(SECTIONS[card.section].title),
                status_text(&record, today),
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

/// The line above the card: how many questions are due today and how
/// many are new, in the section picked.
pub fn counts_html(totals: &Score) -> String {
    format!(
        r#"<span class="drill-count"><strong>{}</strong> due today</span> · <span class="drill-count"><strong>{}</strong> new</span> · <span class="drill-count">{} questions</span>"#,
        totals.due, totals.new, totals.cards
    )
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

/// The options of the order picker, the default selected.
pub fn order_options() -> String {
    ORDER_OPTIONS
        .iter()
        .map(|(v, label)| format!(r#"<option value="{v}">{label}</option>"#))
        .collect()
}

/// The drill's place on the page before its module starts: the controls,
/// the counts and the first question as a new reader sees them (the same
/// markup the live drill draws), so that nothing moves when it starts.
pub fn placeholder_html(cards: &[Card]) -> String {
    let today = Day::default();
    let progress = Progress::default();
    let session = Session::start(cards, &progress, Order::Due, None, today);
    let first = session.current().map_or(String::new(), |at| {
        card_html(Shown::Card {
            card: &cards[at.card],
            number: at.number,
            total: at.total,
            record: Record::default(),
            today,
            revealed: false,
        })
    });
    format!(
        r#"<div class="drill-live drill-placeholder"><div class="drill-controls"><label class="field"><span>Order</span><select disabled>{}</select></label><label class="field"><span>Questions</span><select disabled>{}</select></label></div><p class="drill-counts">{}</p><div class="drill-area">{first}</div></div>"#,
        order_options(),
        section_options(cards),
        counts_html(&progress.totals(cards, None, today)),
    )
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

    /// A day by its date.
    fn day(y: i32, m: u32, d: u32) -> Day {
        Day::from_ymd(y, m, d).expect("a real date")
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
            format!("{{\"cards\":[{good}]}}"),
            format!("[{good}"),
            format!("[{good},{{\"id\":\"x\"}}]"),
            "[1, 2]".to_string(),
            "\u{0}garbage{]".to_string(),
        ] {
            assert!(parse_cards(&text).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn days_count_from_1970_and_read_and_write_iso_dates() {
        assert_eq!(day(1970, 1, 1), Day(0));
        assert_eq!(day(1970, 1, 2), Day(1));
        assert_eq!(day(1969, 12, 31), Day(-1));
        assert_eq!(
            day(2000, 3, 1).0 - day(2000, 2, 28).0,
            2,
            "2000 is a leap year"
        );
        assert_eq!(day(1900, 3, 1).0 - day(1900, 2, 28).0, 1, "1900 is not");
        assert_eq!(day(2026, 12, 5), Day(20_792));
        for n in [-719_162, -1, 0, 1, 59, 60, 11_016, 20_792, 2_932_896] {
            let (y, m, d) = Day(n).ymd();
            assert_eq!(Day::from_ymd(y, m, d), Some(Day(n)), "{n}");
            assert_eq!(Day::parse(&Day(n).iso()), Some(Day(n)), "{n}");
        }
        assert_eq!(day(2026, 12, 31).plus(1), day(2027, 1, 1));
        assert_eq!(day(2026, 2, 28).plus(1).iso(), "2026-03-01");
        assert_eq!(day(2024, 2, 28).plus(1).iso(), "2024-02-29");
        for bad in [
            "",
            "2026-1-05",
            "2026-13-01",
            "2026-02-29",
            "2026-00-10",
            "2026-01-00",
            "20261205",
            "2026/12/05",
            "+026-12-05",
            "2026-12-0x",
            "0000-01-01",
            "2026-12-05 ",
        ] {
            assert_eq!(Day::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Day::from_ymd(2026, 4, 31), None);
        assert_eq!(Day::from_ymd(10_000, 1, 1), None);
    }

    #[test]
    fn knowing_a_card_climbs_the_boxes_and_missing_it_sends_it_back() {
        let today = day(2026, 12, 5);
        let mut r = Record::default();
        assert!(r.is_new());
        assert_eq!(r.status(today), Status::New);
        // Known on day 0, then each time it comes due: days 1, 4, 11, 25,
        // 55, then every 60 days.
        let mut on = today;
        let mut dues = Vec::new();
        for _ in 0..7 {
            r.mark(true, on);
            let due = r.due.expect("scheduled");
            dues.push(due.0 - today.0);
            assert_eq!(r.status(due), Status::Due { overdue: 0 });
            assert_eq!(r.status(Day(due.0 - 1)), Status::Later(due));
            on = due;
        }
        assert_eq!(dues, vec![1, 4, 11, 25, 55, 115, 175]);
        assert_eq!(r.box_, TOP_BOX);
        assert_eq!((r.knew, r.missed, r.last), (7, 0, Some(true)));
        // A miss: box 0, due the same day; known then, due tomorrow.
        r.mark(false, on);
        assert_eq!((r.box_, r.due, r.last), (0, Some(on), Some(false)));
        assert_eq!(r.status(on), Status::Due { overdue: 0 });
        r.mark(true, on);
        assert_eq!((r.box_, r.due), (1, Some(on.plus(1))));
        // Overdue by three days.
        assert_eq!(r.status(on.plus(4)), Status::Due { overdue: 3 });
        assert_eq!(INTERVALS.len(), usize::from(TOP_BOX) + 1);
    }

    #[test]
    fn counts_say_what_is_due_today_and_what_is_new_per_section() {
        let c = cards();
        let today = day(2026, 12, 5);
        let mut p = Progress::default();
        let all = p.totals(&c, None, today);
        assert_eq!((all.cards, all.new, all.due, all.seen), (3, 3, 0, 0));
        p.mark(&c[0].id, true, today); // due tomorrow
        p.mark(&c[1].id, false, today); // due today
        let t = p.totals(&c, None, today);
        assert_eq!((t.cards, t.new, t.due, t.seen, t.known), (3, 1, 1, 2, 1));
        let tomorrow = p.totals(&c, None, today.plus(1));
        assert_eq!((tomorrow.new, tomorrow.due), (1, 2));
        assert_eq!(p.next_due(&c, today), Some(today.plus(1)));
        assert_eq!(p.next_due(&c, today.plus(1)), None);
        // Per section, and a section's totals match its row.
        let scores = p.scores(&c, today);
        assert_eq!(scores.iter().map(|s| s.cards).sum::<u32>(), 3);
        assert_eq!(scores.iter().map(|s| s.due).sum::<u32>(), 1);
        assert_eq!(scores.iter().map(|s| s.new).sum::<u32>(), 1);
        for s in &scores {
            let only = p.totals(&c, Some(s.section), today);
            assert_eq!(only, Score { section: 0, ..*s });
        }
        assert!(scores.windows(2).all(|w| w[0].section < w[1].section));
    }

    #[test]
    fn a_due_session_asks_overdue_then_due_then_new_cards_and_ends() {
        let c = cards();
        let start = day(2026, 12, 1);
        let mut p = Progress::default();
        p.mark(&c[2].id, true, start); // box 1, due 12-02
        p.mark(&c[1].id, true, start);
        p.mark(&c[1].id, true, day(2026, 12, 2)); // box 2, due 12-05
        let today = day(2026, 12, 5);
        // c[2] is three days overdue, c[1] due today, c[0] new.
        let mut s = Session::start(&c, &p, Order::Due, None, today);
        assert_eq!(s.queue, vec![2, 1, 0]);
        let first = s.current().expect("cards");
        assert_eq!((first.card, first.number, first.total), (2, 1, 3));
        s.revealed = true;
        s.grade(&mut p, &c[2].id, true, today);
        assert!(!s.revealed);
        assert_eq!(p.record(&c[2].id).due, Some(day(2026, 12, 8)));
        // A miss: asked again at the end of the session.
        s.grade(&mut p, &c[1].id, false, today);
        assert_eq!(s.queue, vec![2, 1, 0, 1]);
        s.grade(&mut p, &c[0].id, true, today);
        assert_eq!(
            s.current().map(|at| (at.card, at.number, at.total)),
            Some((1, 4, 4))
        );
        s.grade(&mut p, &c[1].id, true, today);
        assert!(s.finished());
        assert_eq!(s.current(), None);
        // Grading a finished session does nothing.
        let before = p.clone();
        s.grade(&mut p, &c[1].id, true, today);
        assert_eq!(p, before);
        // Nothing is due today any more; tomorrow two are.
        assert!(Session::start(&c, &p, Order::Due, None, today)
            .queue
            .is_empty());
        let next = Session::start(&c, &p, Order::Due, None, today.plus(1));
        assert_eq!(next.queue, vec![0, 1]);
        // After a reload the same day, the same session comes back.
        let again = Progress::parse(&p.serialize()).expect("round trip").0;
        assert_eq!(
            Session::start(&c, &again, Order::Due, None, today.plus(1)),
            next
        );
    }

    #[test]
    fn the_other_orders_go_round_every_card_of_the_section() {
        let c = cards();
        let today = day(2026, 12, 5);
        let mut p = Progress::default();
        assert_eq!(queue(&c, &p, Order::Reading, None, today), vec![0, 1, 2]);
        p.mark(&c[0].id, true, today);
        p.mark(&c[2].id, false, today);
        let weakest = queue(&c, &p, Order::WeakestFirst, None, today);
        assert_eq!(weakest.len(), 3);
        assert_eq!(weakest.last(), Some(&0), "{weakest:?}");
        let mut s = Session::start(&c, &p, Order::Reading, None, today);
        for expected in [0, 1, 2, 0] {
            assert_eq!(s.current().map(|at| at.card), Some(expected));
            let id = c[expected].id.clone();
            s.grade(&mut p, &id, false, today);
        }
        assert!(!s.finished());
        assert_eq!(s.queue.len(), 3, "a missed card is not added again");
        for sec in c.iter().map(|c| c.section) {
            let q = queue(&c, &p, Order::Reading, Some(sec), today);
            assert!(q.iter().all(|&i| c[i].section == sec), "{q:?}");
            assert_eq!(q.len(), c.iter().filter(|card| card.section == sec).count());
        }
        assert!(queue(&c, &p, Order::Reading, Some(usize::MAX), today).is_empty());
        assert_eq!(
            Session::start(&[], &p, Order::Reading, None, today).current(),
            None
        );
        for (value, order) in [
            ("due", Order::Due),
            ("reading", Order::Reading),
            ("weakest", Order::WeakestFirst),
        ] {
            assert_eq!(Order::from_choice(value), order);
            assert_eq!(order.as_choice(), value);
        }
        assert_eq!(Order::from_choice(""), Order::Due);
        assert_eq!(ORDER_OPTIONS[0].0, Order::default().as_choice());
        assert_eq!(section_choice("all"), None);
        assert_eq!(section_choice("3"), Some(3));
        assert_eq!(section_choice("-1"), None);
    }

    fn sample() -> Progress {
        let today = day(2026, 12, 5);
        let mut p = Progress::default();
        p.mark("a", true, today);
        p.mark("a", false, today);
        p.mark("b#x", true, today);
        p.mark("c \"quoted\"\ttab", false, today);
        p
    }

    #[test]
    fn progress_round_trips_as_json_with_its_schedule() {
        let p = sample();
        let text = p.serialize();
        assert!(
            text.starts_with(&format!("{{\"format\":\"{FORMAT}\",\"version\":2,")),
            "{text}"
        );
        assert!(
            text.contains(
                r#""a":{"knew":1,"missed":1,"last":"missed","box":0,"due":"2026-12-05"}"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#""b#x":{"knew":1,"missed":0,"last":"knew","box":1,"due":"2026-12-06"}"#
            ),
            "{text}"
        );
        assert_eq!(Progress::parse(&text), Ok((p, 0)));
        assert_eq!(
            Progress::parse(&Progress::default().serialize()),
            Ok((Progress::default(), 0))
        );
        let padded = format!("\u{feff}\n  {}\n", sample().serialize());
        assert_eq!(Progress::parse(&padded), Ok((sample(), 0)));
    }

    #[test]
    fn an_export_written_before_the_schedule_still_imports_and_is_due_at_once() {
        // Exactly what the previous version wrote.
        let old = format!(
            "{{\"format\":\"{FORMAT}\",\"version\":2,\"marks\":{{\"a\":{{\"knew\":1,\"missed\":1,\"last\":\"missed\"}},\"b#x\":{{\"knew\":1,\"missed\":0,\"last\":\"knew\"}},\"n\":{{\"knew\":0,\"missed\":0}}}}}}"
        );
        let (p, skipped) = Progress::parse(&old).expect("an old export reads");
        assert_eq!(skipped, 0);
        let today = day(2026, 12, 5);
        let a = p.record("a");
        assert_eq!(
            (a.knew, a.missed, a.last, a.box_, a.due),
            (1, 1, Some(false), 0, None)
        );
        assert_eq!(a.status(today), Status::Due { overdue: i32::MAX });
        let b = p.record("b#x");
        assert_eq!((b.box_, b.due), (1, None));
        assert!(p.record("n").is_new());
        // Due before cards due today, and knowing it moves it on.
        let mut p = p;
        p.mark("b#x", true, today);
        assert_eq!(
            (p.record("b#x").box_, p.record("b#x").due),
            (2, Some(today.plus(3)))
        );
        // Written back with its schedule; what had none stays without.
        let text = p.serialize();
        assert!(
            text.contains(r#""a":{"knew":1,"missed":1,"last":"missed"}"#),
            "{text}"
        );
        assert_eq!(Progress::parse(&text).map(|(q, _)| q), Ok(p));
    }

    #[test]
    fn progress_of_version_1_still_reads() {
        let v1 = format!("{V1_HEADER}\na\t1\t1\td\nb#x\t1\t0\tk\nc \"quoted\"\ttab\t0\t1\td\n");
        let (p, skipped) = Progress::parse(&v1).expect("version 1 reads");
        assert_eq!(
            skipped, 1,
            "a tab in an id never round-tripped through version 1"
        );
        assert_eq!(
            p.record("a"),
            Record {
                knew: 1,
                missed: 1,
                last: Some(false),
                box_: 0,
                due: None
            }
        );
        assert_eq!(
            p.record("b#x"),
            Record {
                knew: 1,
                missed: 0,
                last: Some(true),
                box_: 1,
                due: None
            }
        );
        let crlf = format!("\u{feff}{V1_HEADER}\r\na\t1\t1\td\r\n\r\nb#x\t1\t0\tk\r\n");
        assert_eq!(Progress::parse(&crlf), Ok((p.clone(), 0)));
        let (q, skipped) = Progress::parse(&format!(
            "{V1_HEADER}\nok\t1\t0\tk\nbroken\nx\t-1\t0\tk\ny\t1\t2\tz\n\t1\t0\tk\nn\t0\t0\t-\n"
        ))
        .expect("header present");
        assert_eq!(skipped, 4);
        assert_eq!(q.record("ok").knew, 1);
        assert!(q.record("n").is_new());
        let (again, _) = Progress::parse(&p.serialize()).expect("json");
        assert_eq!(again, p);
    }

    #[test]
    fn foreign_or_damaged_progress_is_refused() {
        let not = Err(ReadError::NotProgress);
        for text in [
            "",
            "\n",
            "{\"json\": true}",
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
            ",\"marks\":{\"a\":{\"knew\":1,\"missed\":0,\"box\":7,\"due\":\"2026-12-05\"}}",
            ",\"marks\":{\"a\":{\"knew\":1,\"missed\":0,\"box\":-1}}",
            ",\"marks\":{\"a\":{\"knew\":1,\"missed\":0,\"box\":1,\"due\":\"tomorrow\"}}",
            ",\"marks\":{\"a\":{\"knew\":1,\"missed\":0,\"box\":1,\"due\":\"2026-02-30\"}}",
            ",\"marks\":{\"a\":{\"knew\":1,\"missed\":0,\"box\":1,\"due\":20792}}",
        ] {
            let text = format!("{{\"format\":\"{FORMAT}\",\"version\":2{marks}}}");
            assert_eq!(Progress::parse(&text), Err(ReadError::Damaged), "{text}");
        }
        let (p, skipped) = Progress::parse(&format!(
            "{{\"format\":\"{FORMAT}\",\"version\":2,\"marks\":{{\"\":{{\"knew\":1,\"missed\":0}},\"a\":{{\"knew\":2,\"missed\":0,\"last\":\"knew\",\"later\":true}}}},\"later\":[]}}"
        ))
        .expect("unknown fields are ignored");
        assert_eq!(skipped, 0);
        assert_eq!(p.record("").knew, 1);
        assert_eq!(p.foreign(&[]), 2);
        assert_eq!(p.foreign(&cards()), 2);
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
            ("ahead", Action::Ahead),
        ] {
            assert_eq!(Action::from_act(act), Some(action));
        }
        assert_eq!(Action::from_act("other"), None);
        let c = cards();
        let shown = |revealed| {
            card_html(Shown::Card {
                card: &c[0],
                number: 1,
                total: 3,
                record: Record::default(),
                today: Day(0),
                revealed,
            })
        };
        for html in [
            shown(false),
            shown(true),
            card_html(Shown::Failed("x")),
            card_html(Shown::Finished(Some(Day(1)))),
        ] {
            for part in html.split("data-act=\"").skip(1) {
                let act = part.split('"').next().unwrap_or_default();
                assert!(Action::from_act(act).is_some(), "{act}");
            }
        }
    }

    #[test]
    fn the_card_says_where_it_stands_on_the_schedule() {
        let c = cards();
        let today = day(2026, 12, 5);
        let html = |record: Record| {
            card_html(Shown::Card {
                card: &c[0],
                number: 2,
                total: 9,
                record,
                today,
                revealed: false,
            })
        };
        assert!(html(Record::default()).contains("Question 2 of 9"));
        assert!(html(Record::default()).contains("New question"));
        let mut r = Record::default();
        r.mark(true, day(2026, 12, 1));
        assert!(html(r).contains("Due since 2026-12-02 · box 1 of 6 · knew it 1×, didn't 0×"));
        r.mark(false, today);
        assert!(html(r).contains("Due today · box 0 of 6"));
        r.mark(true, today);
        assert!(html(r).contains("Due 2026-12-06 · box 1 of 6 · knew it 2×, didn't 1×"));
        let old = Progress::parse(&format!("{V1_HEADER}\na\t1\t0\tk\n"))
            .expect("v1")
            .0;
        assert!(html(old.record("a")).contains("Due · box 1 of 6"));
        let done = card_html(Shown::Finished(Some(today.plus(1))));
        assert!(done.contains("Nothing more is due today") && done.contains("2026-12-06"));
        assert!(!card_html(Shown::Finished(None)).contains("next card"));
        let mut p = Progress::default();
        p.mark(&c[1].id, false, today);
        let counts = counts_html(&p.totals(&c, None, today));
        assert!(counts.contains("<strong>1</strong> due today"), "{counts}");
        assert!(counts.contains("<strong>2</strong> new"), "{counts}");
    }

    #[test]
    fn the_placeholder_shows_what_a_new_reader_sees_first() {
        let c = cards();
        let html = placeholder_html(&c);
        assert!(html.contains("Question 1 of 3"), "{html}");
        assert!(html.contains("Question 0?"));
        assert!(html.contains("<strong>3</strong> new"));
        assert!(html.contains(&order_options()));
        assert!(html.contains(&section_options(&c)));
        assert!(order_options().starts_with(r#"<option value="due">"#));
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
        for bad in ["garbage", &text[..text.len() / 2], "\u{0}garbage{]", "{\"format\":\"backend-playground drill progress\",\"version\":2,\"marks\":{\"a\":{\"knew\":1,\"missed\":0,\"due\":\"soon\"}}}"] {
            let (p, notice) = read_stored(Some(bad));
            assert_eq!(p, Progress::default());
            assert!(notice.is_some_and(|n| n.contains("set aside")), "{bad:?}");
        }
    }

    #[test]
    fn an_import_reads_either_format_and_says_what_it_could_not_show() {
        let c = cards();
        let today = day(2026, 12, 5);
        let mut p = Progress::default();
        p.mark(&c[0].id, true, today);
        let (back, msg) = read_import(&p.serialize(), Some(&c)).expect("own export");
        assert_eq!(back, p);
        assert_eq!(msg, "Progress imported.");
        p.mark("gone", false, today);
        let (back, msg) = read_import(&p.serialize(), Some(&c)).expect("own export");
        assert_eq!(back, p);
        assert!(msg.contains(" 1 entry(ies) name questions"), "{msg}");
        let (_, msg) = read_import(&p.serialize(), None).expect("own export");
        assert_eq!(msg, "Progress imported.");
        let v1 = format!("{V1_HEADER}\n{}\t1\t0\tk\nbroken\n", c[1].id);
        let (back, msg) = read_import(&v1, Some(&c)).expect("version 1");
        assert_eq!(back.record(&c[1].id).knew, 1);
        assert!(
            msg.contains(" 1 unreadable entry(ies) were skipped."),
            "{msg}"
        );
        assert_eq!(
            read_import("not progress", Some(&c)),
            Err(import_refusal(&ReadError::NotProgress))
        );
    }
}
