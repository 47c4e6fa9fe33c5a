//! Full-text search over the cheat sheet. The index is built at build time
//! (`search.json`: a JSON array of passages, each `[slug, anchor, heading,
//! text]`) and fetched the first time search opens; matching runs here, in
//! the page, with no server.
//!
//! A passage matches when every word of the query occurs in its topic's
//! title, its heading or its text (case-insensitive for ASCII letters).
//! Matches in the title count most, then the heading, then the text.

use crate::content;

/// One passage of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Passage {
    slug: &'static str,
    id: String,
    heading: String,
    text: String,
    /// `title heading text`, ASCII-lowercased (same byte offsets).
    lower_text: String,
    lower_heading: String,
    lower_title: String,
}

/// The parsed index.
#[derive(Debug, Clone, Default)]
pub struct Index {
    passages: Vec<Passage>,
}

/// A piece of a snippet: text, and whether it is a match to highlight.
pub type Piece = (String, bool);

/// One result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The topic.
    pub slug: &'static str,
    /// The topic's title.
    pub title: &'static str,
    /// The heading's anchor (empty for the text before the first heading).
    pub id: String,
    /// The heading (empty before the first heading).
    pub heading: String,
    /// A short excerpt around the first match in the text, in pieces.
    pub snippet: Vec<Piece>,
    /// Higher is better.
    pub score: u32,
}

impl Hit {
    /// The in-app link to the passage.
    pub fn href(&self) -> String {
        let mut h = crate::route::topic_href(self.slug);
        if !self.id.is_empty() {
            h.push('#');
            h.push_str(&self.id);
        }
        h
    }
}

impl Index {
    /// Parses the index file, a JSON array of `[slug, anchor, heading,
    /// text]`. Passages naming an unknown topic are skipped, and a file that
    /// is not such an array gives an empty index: a stale or damaged index
    /// can only lose results, never fail.
    pub fn parse(text: &str) -> Index {
        let entries: Vec<(String, String, String, String)> =
            serde_json::from_str(text).unwrap_or_default();
        let passages = entries
            .into_iter()
            .filter_map(|(slug, id, heading, text)| {
                let topic = content::topic(&slug)?;
                Some(Passage {
                    slug: topic.slug,
                    lower_text: text.to_ascii_lowercase(),
                    lower_heading: heading.to_ascii_lowercase(),
                    lower_title: topic.title.to_ascii_lowercase(),
                    id,
                    heading,
                    text,
                })
            })
            .collect();
        Index { passages }
    }

    /// Number of passages.
    pub fn len(&self) -> usize {
        self.passages.len()
    }

    /// Whether the index has no passages.
    pub fn is_empty(&self) -> bool {
        self.passages.is_empty()
    }

    /// The best `limit` passages for `query`, best first, in reading order
    /// among equals.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let terms: Vec<String> = query
            .split_whitespace()
            .map(|t| t.to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .take(8)
            .collect();
        if terms.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<(u32, usize)> = Vec::new();
        for (i, p) in self.passages.iter().enumerate() {
            let mut score = 0u32;
            let mut all = true;
            for t in &terms {
                let in_title = p.lower_title.contains(t.as_str());
                let in_heading = p.lower_heading.contains(t.as_str());
                let in_text = p.lower_text.matches(t.as_str()).take(5).count() as u32;
                if !in_title && !in_heading && in_text == 0 {
                    all = false;
                    break;
                }
                score += 20 * u32::from(in_title) + 8 * u32::from(in_heading) + in_text;
            }
            if all {
                // The opening passage stands for a title match.
                if p.id.is_empty() {
                    score += 1;
                }
                hits.push((score, i));
            }
        }
        hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.into_iter()
            .take(limit)
            .map(|(score, i)| {
                let p = &self.passages[i];
                Hit {
                    slug: p.slug,
                    title: content::topic(p.slug).map_or("", |t| t.title),
                    id: p.id.clone(),
                    heading: p.heading.clone(),
                    snippet: snippet(&p.text, &p.lower_text, &terms),
                    score,
                }
            })
            .collect()
    }
}

/// Moves `i` down to a char boundary of `s`.
fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Moves `i` up to a char boundary of `s`.
fn ceil(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// About 160 characters of `text` around the first match of any term, cut
/// at word boundaries, with every match in it marked.
fn snippet(text: &str, lower: &str, terms: &[String]) -> Vec<Piece> {
    const BEFORE: usize = 50;
    const LENGTH: usize = 160;
    let first = terms
        .iter()
        .filter_map(|t| lower.find(t.as_str()))
        .min()
        .unwrap_or(0);
    let mut start = floor(text, first.saturating_sub(BEFORE));
    if start > 0 {
        start = text[start..].find(' ').map_or(start, |s| start + s + 1);
    }
    let mut end = ceil(text, start + LENGTH);
    if end < text.len() {
        end = text[..end].rfind(' ').filter(|&e| e > start).unwrap_or(end);
    }
    let (window, low) = (&text[start..end], &lower[start..end]);
    // Mark every occurrence of every term, merging overlaps.
    let mut marks: Vec<(usize, usize)> = Vec::new();
    for t in terms {
        let mut from = 0;
        while let Some(at) = low[from..].find(t.as_str()) {
            marks.push((from + at, from + at + t.len()));
            from += at + t.len().max(1);
        }
    }
    marks.sort();
    let mut pieces: Vec<Piece> = Vec::new();
    if start > 0 {
        pieces.push(("\u{2026}".to_string(), false));
    }
    let mut at = 0;
    for (a, b) in marks {
        if b <= at {
            continue;
        }
        let a = a.max(at);
        if a > at {
            pieces.push((window[at..a].to_string(), false));
        }
        pieces.push((window[a..b].to_string(), true));
        at = b;
    }
    if at < window.len() {
        pieces.push((window[at..].to_string(), false));
    }
    if end < text.len() {
        pieces.push(("\u{2026}".to_string(), false));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index file of `[slug, anchor, heading, text]` passages.
    fn file(passages: &[[&str; 4]]) -> String {
        serde_json::to_string(passages).expect("strings serialize")
    }

    fn index() -> Index {
        let slug = content::TOPICS[0].slug;
        let other = content::TOPICS[1].slug;
        Index::parse(&file(&[
            [slug, "", "", "An opening passage about pools and connections."],
            [slug, "sizing", "Sizing the pool", "A pool of 10 connections; size it from the database's limit, not the thread count."],
            [other, "notes", "Notes", "Nothing about that word here, but Pool is mentioned once."],
            ["not-a-topic", "x", "X", "pool pool pool"],
        ]))
    }

    #[test]
    fn the_index_reads_back_and_skips_unknown_topics() {
        let slug = content::TOPICS[0].slug;
        let idx = index();
        assert_eq!(idx.len(), 3, "the passage of an unknown topic is skipped");
        assert_eq!(idx.passages[1].slug, slug);
        assert_eq!(idx.passages[1].id, "sizing");
        assert_eq!(idx.passages[1].heading, "Sizing the pool");
        assert_eq!(idx.passages[1].lower_heading, "sizing the pool");
        // Quotes, backslashes, tabs, line breaks and non-ASCII text survive.
        let odd = "say \"hi\" \\ tab\there\nnext line: caf\u{e9} \u{2014} 100%";
        let idx = Index::parse(&file(&[[slug, "a\"b", "<h> & \"q\"", odd]]));
        assert_eq!(idx.len(), 1);
        assert_eq!(idx.passages[0].text, odd);
        assert_eq!(idx.passages[0].id, "a\"b");
        assert_eq!(idx.passages[0].heading, "<h> & \"q\"");
    }

    #[test]
    fn a_malformed_index_gives_no_results_and_never_panics() {
        let slug = content::TOPICS[0].slug;
        for text in [
            String::new(),
            "not json".to_string(),
            format!("{slug}\t\t\tThe old tab-separated format."),
            "{\"passages\": []}".to_string(),
            "[[1, 2, 3, 4]]".to_string(),
            format!("[[\"{slug}\", \"\", \"\"]]"),
            format!("[[\"{slug}\", \"\", \"\", \"text\"]"),
            format!("[[\"{slug}\", \"\", \"\", \"text\", \"extra\"]]"),
            "[null]".to_string(),
            "\u{0}\u{ffff}[".to_string(),
        ] {
            let idx = Index::parse(&text);
            assert!(idx.is_empty(), "{text:?} gave {} passages", idx.len());
            assert!(idx.search("text", 10).is_empty());
        }
        assert!(Index::parse("[]").is_empty());
        // The same passage, well formed, is found.
        let good = Index::parse(&format!("[[\"{slug}\", \"\", \"\", \"text\"]]"));
        assert_eq!(good.search("text", 10).len(), 1);
    }

    #[test]
    fn every_word_must_match_and_headings_rank_higher() {
        let idx = index();
        assert_eq!(idx.len(), 3);
        let hits = idx.search("POOL", 10);
        assert_eq!(hits.len(), 3);
        assert_eq!(hits[0].id, "sizing");
        let hits = idx.search("pool thread", 10);
        assert_eq!(hits.len(), 1);
        assert_eq!(
            hits[0].href(),
            format!("topics/{}/#sizing", content::TOPICS[0].slug)
        );
        assert!(idx.search("pool zebra", 10).is_empty());
        assert!(idx.search("   ", 10).is_empty());
        assert_eq!(idx.search("pool", 1).len(), 1);
    }

    #[test]
    fn snippets_mark_the_matches_and_stay_short() {
        let text = format!(
            "{} the needle is here {}",
            "word ".repeat(60),
            "more ".repeat(60)
        );
        let lower = text.to_ascii_lowercase();
        let s = snippet(&text, &lower, &["needle".to_string()]);
        let joined: String = s.iter().map(|p| p.0.as_str()).collect();
        assert!(joined.starts_with('\u{2026}') && joined.ends_with('\u{2026}'));
        assert!(joined.chars().count() < 200);
        assert_eq!(
            s.iter()
                .filter(|p| p.1)
                .map(|p| p.0.as_str())
                .collect::<Vec<_>>(),
            vec!["needle"]
        );
        // Non-ASCII text never splits a character.
        let text = "é".repeat(100) + " café crème brûlée " + &"ü".repeat(100);
        let lower = text.to_ascii_lowercase();
        let s = snippet(&text, &lower, &["crème".to_string()]);
        assert!(s.iter().any(|p| p.1 && p.0 == "crème"));
    }
}
