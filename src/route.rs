//! The site's URLs. Every page is a pre-rendered file in a folder of its
//! own, so the site works from any static file server, under any sub-path,
//! with no rewrite rules: `topics/n-plus-one/` is a topic, `sheet/` the
//! whole sheet, `drill/` the drill, the site's root the overview. A topic
//! with a live visualization reads its query string as the visualization's
//! parameters and step: `topics/n-plus-one/?strategy=lazy&n=100&step=12`.
//!
//! Links of the first scheme, where one page read everything from the query
//! (`?topic=n-plus-one&strategy=lazy&step=12`, `?sheet`, `?drill`), still
//! parse with [`parse`]; the overview sends them on to the page they name.

use std::cell::RefCell;

use crate::content;
pub use crate::sim::query::{encode_component, topic_query};

thread_local! {
    /// The way from the page shown back to the site's root (`""`, `"../"`
    /// or `"../../"`), so that links work under any sub-path.
    static ROOT: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Sets the way from the page shown back to the site's root. Only `""` and
/// repetitions of `"../"` are accepted; anything else leaves it as it was.
pub fn set_root(root: &str) {
    if root.split_inclusive('/').all(|part| part == "../") {
        ROOT.with(|r| *r.borrow_mut() = root.to_string());
    }
}

/// The way from the page shown back to the site's root.
pub fn root() -> String {
    ROOT.with(|r| r.borrow().clone())
}

/// What a URL opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The home page: the whole sheet at a glance.
    Home,
    /// A topic page, by slug.
    Topic(&'static str),
    /// A topic slug that does not exist (kept to show it back to the user).
    NotFound(String),
    /// Every topic's text on one page, in reading order, for printing.
    Sheet,
    /// Drill mode over the question banks and a question per topic.
    Drill,
}

/// A parsed URL: the route, the parameters for the page's visualization,
/// and what in the query was ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The page to show.
    pub route: Route,
    /// Decoded `key=value` pairs for the topic's visualization, in URL order
    /// (empty unless the topic has one). The visualization validates them.
    pub params: Vec<(String, String)>,
    /// Parameters that were not understood, to name in a notice.
    pub ignored: Vec<String>,
}

/// Decodes `%XX` escapes and `+` in a query component. Invalid escapes are
/// kept as they are; invalid UTF-8 is replaced.
pub fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a query string (with or without its leading `?`).
pub fn parse(query: &str) -> Parsed {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut route = Route::Home;
    let mut ignored = Vec::new();
    let mut rest = Vec::new();
    let mut seen_topic = false;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = match pair.split_once('=') {
            Some((k, v)) => (decode_component(k), decode_component(v)),
            None => (decode_component(pair), String::new()),
        };
        if key == "sheet" && !seen_topic && route == Route::Home {
            route = Route::Sheet;
        } else if key == "drill" && !seen_topic && route == Route::Home {
            route = Route::Drill;
        } else if key == "topic" && !seen_topic {
            seen_topic = true;
            let slug = value.trim();
            route = if slug.is_empty() {
                Route::Home
            } else {
                match content::topic(slug) {
                    Some(t) => Route::Topic(t.slug),
                    None => Route::NotFound(slug.to_string()),
                }
            };
        } else {
            rest.push((key, value));
        }
    }
    let has_viz = match route {
        Route::Topic(slug) => content::topic(slug).is_some_and(|t| t.visualization.is_some()),
        _ => false,
    };
    let params = if has_viz {
        rest
    } else {
        ignored.extend(rest.into_iter().map(
            |(k, v)| {
                if v.is_empty() {
                    k
                } else {
                    format!("{k}={v}")
                }
            },
        ));
        Vec::new()
    };
    Parsed {
        route,
        params,
        ignored,
    }
}

/// The query string that carries a visualization's parameters on its
/// topic's page (`?k=v&k2=v2`, or empty).
pub fn page_query<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    let mut q = String::new();
    for (k, v) in params {
        q.push(if q.is_empty() { '?' } else { '&' });
        q.push_str(&encode_component(k.as_ref()));
        q.push('=');
        q.push_str(&encode_component(v.as_ref()));
    }
    q
}

/// Parses the query string of a pre-rendered page: the page is `route`,
/// and the query carries its visualization's parameters (a topic) or
/// nothing it understands (to name in the notice).
pub fn parse_page(route: &Route, query: &str) -> Parsed {
    let query = query.strip_prefix('?').unwrap_or(query);
    let head = match route {
        // The not-found page's query names the topic asked for.
        Route::Home | Route::NotFound(_) => {
            let mut parsed = parse(query);
            parsed.route = route.clone();
            return parsed;
        }
        Route::Topic(slug) => format!("topic={}", encode_component(slug)),
        Route::Sheet => "sheet".to_string(),
        Route::Drill => "drill".to_string(),
    };
    let mut parsed = parse(&format!("{head}&{query}"));
    parsed.route = route.clone();
    parsed
}

/// The link that opens the topic `slug`, relative to the page.
pub fn topic_href(slug: &str) -> String {
    format!("{}topics/{}/", root(), encode_component(slug))
}

/// The folder of `route`'s page, relative to the site's root (`""` for the
/// overview; an unknown topic's page is the not-found page).
pub fn page_path(route: &Route) -> String {
    match route {
        Route::Home => String::new(),
        Route::Topic(slug) => format!("topics/{}/", encode_component(slug)),
        Route::NotFound(_) => "not-found/".to_string(),
        Route::Sheet => "sheet/".to_string(),
        Route::Drill => "drill/".to_string(),
    }
}

/// The query string of the first scheme that opens `route` (empty for
/// home).
pub fn to_query(route: &Route) -> String {
    match route {
        Route::Home => String::new(),
        Route::Topic(slug) => format!("?topic={}", encode_component(slug)),
        Route::NotFound(slug) => format!("?topic={}", encode_component(slug)),
        Route::Sheet => "?sheet".to_string(),
        Route::Drill => "?drill".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::TOPICS;

    #[test]
    fn every_topic_round_trips_through_its_url() {
        for t in TOPICS {
            let route = Route::Topic(t.slug);
            let parsed = parse(&to_query(&route));
            assert_eq!(parsed.route, route);
            assert!(parsed.ignored.is_empty());
        }
        assert_eq!(parse("").route, Route::Home);
        assert_eq!(parse(&to_query(&Route::Sheet)).route, Route::Sheet);
        assert_eq!(parse("?sheet=all").route, Route::Sheet);
        assert_eq!(parse(&to_query(&Route::Drill)).route, Route::Drill);
        assert_eq!(parse("?").route, Route::Home);
        assert_eq!(to_query(&Route::Home), "");
    }

    #[test]
    fn unknown_topics_and_parameters_are_named() {
        let p = parse("?topic=nope&speed=fast&flag");
        assert_eq!(p.route, Route::NotFound("nope".into()));
        assert_eq!(
            p.ignored,
            vec!["speed=fast".to_string(), "flag".to_string()]
        );
        let p = parse("?topic=&x=1");
        assert_eq!(p.route, Route::Home);
        // A second topic is ignored, not obeyed.
        let first = TOPICS[0].slug;
        let p = parse(&format!("?topic={first}&topic=other"));
        assert_eq!(p.route, Route::Topic(first));
        assert_eq!(p.ignored, vec!["topic=other".to_string()]);
    }

    #[test]
    fn pages_read_their_query_and_write_their_own() {
        let first = TOPICS[0].slug;
        let route = Route::Topic(first);
        let p = parse_page(&route, "?n=5&step=2");
        assert_eq!(p.route, route);
        let q = page_query(&p.params);
        let again = parse_page(&route, &q);
        assert_eq!(again.params, p.params);
        // A topic named in the query of another topic's page is not obeyed.
        let p = parse_page(&route, "topic=other");
        assert_eq!(p.route, route);
        assert_eq!(parse_page(&Route::Sheet, "x=1").ignored, vec!["x=1"]);
        assert_eq!(parse_page(&Route::Drill, "").route, Route::Drill);
        // The not-found page names its topic without calling it ignored.
        let missing = Route::NotFound("nope".into());
        let p = parse_page(&missing, "?topic=nope&x=1");
        assert_eq!(p.route, missing);
        assert_eq!(p.ignored, vec!["x=1"]);
        assert_eq!(page_query::<&str, &str>(&[]), "");
        assert_eq!(page_path(&Route::Home), "");
        assert_eq!(page_path(&route), format!("topics/{first}/"));
        assert_eq!(page_path(&Route::NotFound("x".into())), "not-found/");
    }

    #[test]
    fn links_climb_back_to_the_root_and_nothing_else() {
        set_root("../../");
        assert_eq!(topic_href("acid"), "../../topics/acid/");
        set_root("https://elsewhere/");
        set_root("../x/");
        assert_eq!(root(), "../../");
        set_root("");
        assert_eq!(topic_href("a b"), "topics/a%20b/");
    }

    #[test]
    fn percent_decoding_is_lenient_and_encoding_round_trips() {
        assert_eq!(decode_component("a%20b+c"), "a b c");
        assert_eq!(decode_component("%zz%4"), "%zz%4");
        assert_eq!(decode_component("%E0%A4%A"), "\u{FFFD}%A");
        assert_eq!(decode_component("%C3%A9"), "é");
        for s in ["plain", "with space", "ü&=?#%", "<script>"] {
            assert_eq!(decode_component(&encode_component(s)), s);
        }
        assert_eq!(
            to_query(&Route::NotFound("a b&c".into())),
            "?topic=a%20b%26c"
        );
    }

    #[test]
    fn arbitrary_queries_never_panic() {
        let alphabet: Vec<char> = "topic=&?%+#aZ09-_.~é\u{0}\u{FFFF}".chars().collect();
        let mut state: u64 = 7;
        for _ in 0..5000 {
            let len = (state >> 40) as usize % 30;
            let q: String = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    alphabet[(state >> 33) as usize % alphabet.len()]
                })
                .collect();
            let _ = parse(&q);
        }
    }
}
