//! The integration tests, one module per area, built as a single test
//! binary so the library and its dependencies are linked once.
//!
//! `highlight` and `content` are the build-time content pipeline
//! (`build/`), compiled here as in `build.rs`: `content` names
//! `crate::highlight`.

#[path = "../../build/highlight.rs"]
#[allow(dead_code)]
mod highlight;

#[path = "../../build/content.rs"]
#[allow(dead_code)]
mod content;

mod common;

mod breaker_opossum;
mod breaker_pybreaker;
mod breaker_urls;
mod cache_pg;
mod cache_redis;
mod cache_urls;
mod content_pipeline;
mod drill_cards;
mod isolation_claims;
mod isolation_mariadb;
mod isolation_pg;
mod isolation_urls;
mod lab_words;
mod nplus1_dataloader;
mod nplus1_orms;
mod nplus1_sqlite;
mod pg;
mod presets;
mod ratelimit_flexible;
mod ratelimit_limits;
mod ratelimit_redis;
mod redis;
mod retry_libraries;
mod retry_urls;
mod seed_coverage;
mod tidy;
mod url_property;
mod wire;
