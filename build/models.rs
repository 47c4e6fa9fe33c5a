//! The live models a topic can show beside its text, by the names a topic's
//! `visualization:` front matter gives them. The build refuses a topic that
//! names any other; the library includes this file too, so both read the
//! one list.

/// Every model a topic's `visualization:` may name.
pub const MODELS: [&str; 6] = [
    "n-plus-one",
    "circuit-breaker",
    "cache-aside",
    "isolation",
    "rate-limiter",
    "retries",
];
