//! The isolation lab: sessions running statements of a SQL subset against
//! tables of `(id, value)` rows. This module holds the statement parser; the
//! transaction engine builds on it.

pub mod sql;
