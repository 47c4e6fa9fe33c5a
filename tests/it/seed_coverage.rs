//! Every topic of the source cheat sheet has a page: each `###` topic and
//! each question bank of the seed maps to a topic file in `content/`.
//!
//! The seed lives beside the project (`../shared/seed/`); where it is absent
//! the test says so and checks only the mapping against `content/`.

use crate::content;

use std::path::PathBuf;

/// The seed's headings (without their emoji) and the topic that covers each.
const MAP: &[(&str, &str)] = &[
    ("Database Connections & Pooling", "connection-pooling"),
    ("ACID Properties", "acid"),
    ("Code Architecture Layers", "architecture-layers"),
    ("Database Indexing Strategy", "database-indexing"),
    ("N+1 Query Problem", "n-plus-one"),
    ("Caching Strategies", "caching"),
    ("Authentication vs Authorization", "authn-authz"),
    ("API Security Checklist", "api-security"),
    ("CAP Theorem", "cap-theorem"),
    ("Load Balancing Algorithms", "load-balancing"),
    ("Microservices Patterns", "circuit-breaker"),
    ("Thread Safety Patterns", "thread-safety"),
    ("Common Concurrency Issues", "concurrency-issues"),
    ("HTTP Status Codes", "http-status-codes"),
    ("REST API Design Principles", "rest-api-design"),
    ("The Three Pillars", "observability"),
    ("Queue vs Topic", "queue-vs-topic"),
    ("Delivery Guarantees", "delivery-guarantees"),
    ("Quick Fire Round", "knockout-questions"),
    ("Automatic Failures", "red-flags"),
    ("Success Signals", "red-flags"),
    ("Python-Specific", "python-extras"),
    ("Java-Specific", "java-extras"),
    ("Node.js-Specific", "nodejs-extras"),
    ("Database Transactions & Locking", "transactions-locking"),
    ("Database Scaling Strategies", "database-scaling"),
    ("Event-Driven Architecture", "event-driven-architecture"),
    ("Advanced Security Concepts", "oauth-and-passwords"),
    ("API Design Patterns", "api-design-patterns"),
    ("Microservices Communication", "service-communication"),
    ("Distributed Systems Debugging", "distributed-debugging"),
    ("Performance Profiling", "performance-profiling"),
    ("Data Consistency Patterns", "saga-pattern"),
    ("Infrastructure as Code", "deployment-and-health-checks"),
    (
        "Memory Management & Garbage Collection",
        "memory-management",
    ),
    ("Async Programming Patterns", "async-programming"),
    ("Database Connection Pool Tuning", "pool-tuning"),
    ("Advanced Authentication Patterns", "token-rotation"),
    ("Real-time Data Processing", "stream-processing"),
    ("CDN & Edge Computing", "cdn-caching"),
    ("Container Orchestration", "kubernetes-resources"),
    ("Error Handling & Resilience", "retries-resilience"),
    ("Capacity Planning", "capacity-planning"),
    // The question banks are `##` sections of their own.
    ("Bonus: Trick Questions", "trick-questions"),
    ("Production Debugging Scenarios", "debugging-scenarios"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A heading's text without its leading emoji and spaces.
fn plain(heading: &str) -> String {
    heading
        .trim_start_matches('#')
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .trim()
        .to_string()
}

#[test]
fn every_mapped_topic_has_a_content_file() {
    for (heading, slug) in MAP {
        let file = root().join("content").join(format!("{slug}.md"));
        assert!(
            file.is_file(),
            "`{heading}` should be covered by {}",
            file.display()
        );
    }
}

#[test]
fn every_topic_of_the_seed_is_mapped() {
    let seed = root().join("../shared/seed/backend-interview-cheat-sheet.md");
    let Ok(text) = std::fs::read_to_string(&seed) else {
        eprintln!(
            "note: {} not found; only the mapping was checked",
            seed.display()
        );
        return;
    };
    let mut in_code = false;
    let mut missing = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        if in_code {
            continue;
        }
        let is_topic = line.starts_with("### ");
        let is_bank = line.starts_with("## ")
            && (line.contains("Trick Questions") || line.contains("Debugging Scenarios"));
        if is_topic || is_bank {
            let h = plain(line);
            if !MAP.iter().any(|(m, _)| *m == h) {
                missing.push(h);
            }
        }
    }
    assert!(missing.is_empty(), "seed topics with no page: {missing:?}");
}

/// The `asked:` figure of a topic file, read by the build's own parser.
fn asked_of(slug: &str) -> Option<u8> {
    let file = format!("content/{slug}.md");
    let text = std::fs::read_to_string(root().join(&file)).ok()?;
    let (meta, _, _) = content::parse_front_matter(&file, &text).ok()?;
    meta.asked
}

#[test]
fn every_interview_frequency_of_the_seed_is_on_its_page() {
    let seed = root().join("../shared/seed/backend-interview-cheat-sheet.md");
    let Ok(text) = std::fs::read_to_string(&seed) else {
        eprintln!("note: {} not found; nothing to compare", seed.display());
        return;
    };
    let mut heading = String::new();
    let mut checked = 0;
    for line in text.lines() {
        if line.starts_with("### ") || line.starts_with("## ") {
            heading = plain(line);
        }
        let figure = line
            .strip_prefix("**Asked in ")
            .and_then(|rest| rest.strip_suffix("% of interviews**"))
            .and_then(|n| n.parse::<u8>().ok());
        if let Some(percent) = figure {
            let slug = MAP
                .iter()
                .find(|(h, _)| *h == heading)
                .map(|(_, s)| *s)
                .unwrap_or_else(|| panic!("`{heading}` has a frequency but no page"));
            assert_eq!(
                asked_of(slug),
                Some(percent),
                "{slug}.md should say `asked: {percent}` like `{heading}`"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 20,
        "only {checked} frequencies found in the seed"
    );
}
