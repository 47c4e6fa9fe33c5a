//! Backend Playground: a senior backend interview cheat sheet with live,
//! steppable simulations beside it.
//!
//! - [`content`]: the cheat sheet, rendered from `content/` at build time.
//! - [`drill`]: drill mode: cards, progress and scores.
//! - [`route`]: the URL scheme, parsed and written as plain functions.
//! - [`search`]: full-text search over the build-time index.
//! - [`sim`]: the models, pure Rust with no web dependencies.
//! - [`app`]: the Leptos components.

#![warn(missing_docs)]

pub mod app;
pub mod content;
pub mod drill;
pub mod escape;
pub mod route;
pub mod search;
/// The models (the `sim` crate): pure Rust, with no web dependencies.
pub use ::sim;
