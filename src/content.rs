//! The cheat sheet's index: sections, topics, titles and summaries, checked
//! and generated at build time by `build.rs` from the markdown files in
//! `content/`. Each topic's text is rendered at build time too, into the
//! topic's pre-rendered page, so the text costs the app nothing.

/// A section of the cheat sheet: a group of topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    /// Stable identifier, used in anchors on the home page.
    pub id: &'static str,
    /// The section's title as shown.
    pub title: &'static str,
}

/// One topic of the cheat sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topic {
    /// Stable, readable identifier used in URLs.
    pub slug: &'static str,
    /// The topic's title.
    pub title: &'static str,
    /// Index into [`SECTIONS`].
    pub section: usize,
    /// Position within its section.
    pub order: u32,
    /// One sentence that says what the topic is about.
    pub summary: &'static str,
    /// Slugs of related topics.
    pub related: &'static [&'static str],
    /// The live visualization shown beside the text, if the topic has one.
    pub visualization: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/content.rs"));

// The names a topic's `visualization` may take: the list the build checks
// the content against.
#[path = "../build/models.rs"]
mod models;
pub use models::MODELS;

// Also generated: `SEARCH_INDEX` and `DRILL_INDEX`, the versioned names of
// the search index and the drill cards, relative to the site's root.

/// Finds a topic by its slug.
pub fn topic(slug: &str) -> Option<&'static Topic> {
    TOPICS.iter().find(|t| t.slug == slug)
}

/// The position of a topic in reading order.
pub fn position(slug: &str) -> Option<usize> {
    TOPICS.iter().position(|t| t.slug == slug)
}

/// The section a topic belongs to.
pub fn section_of(topic: &Topic) -> &'static Section {
    // The build guarantees the index is in range; fall back to the first
    // section rather than panic if it were not.
    SECTIONS.get(topic.section).unwrap_or(&SECTIONS[0])
}

/// The topics before and after `slug` in reading order.
pub fn neighbours(slug: &str) -> (Option<&'static Topic>, Option<&'static Topic>) {
    match position(slug) {
        Some(i) => (
            i.checked_sub(1).and_then(|p| TOPICS.get(p)),
            TOPICS.get(i + 1),
        ),
        None => (None, None),
    }
}

/// The heading of a live visualization, by the name a topic's front matter
/// gives it: the same in the page the build writes and in the live view.
pub fn visualization_title(name: &str) -> Option<&'static str> {
    Some(match name {
        "n-plus-one" => "Live: count the queries",
        "circuit-breaker" => "Live: trip the breaker",
        "cache-aside" => "Live: make the cache lie",
        "isolation" => "Live: the isolation lab",
        "rate-limiter" => "Live: race the rate limiters",
        "retries" => "Live: retry storms",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_has_a_title_and_every_topic_names_a_model() {
        for name in MODELS {
            assert!(visualization_title(name).is_some(), "{name}");
            assert!(
                crate::sim::first_caption(name).is_some(),
                "{name} opens no model"
            );
        }
        for t in TOPICS {
            if let Some(v) = t.visualization {
                assert!(MODELS.contains(&v), "{}: {v}", t.slug);
            }
        }
        for name in crate::sim::NAMES {
            assert!(
                MODELS.contains(&name),
                "the model {name} is not in build/models.rs"
            );
        }
    }

    #[test]
    fn every_visualization_opens_a_model_with_a_first_caption() {
        let mut named = 0;
        for t in TOPICS {
            if let Some(v) = t.visualization {
                let caption = crate::sim::first_caption(v).unwrap_or_default();
                assert!(!caption.is_empty(), "{v} has no first caption");
                named += 1;
            }
        }
        assert!(named >= 4, "only {named} topics have a model");
        assert_eq!(crate::sim::first_caption("no-such-model"), None);
    }
}
