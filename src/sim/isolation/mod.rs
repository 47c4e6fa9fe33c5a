//! The isolation lab: sessions running statements of a SQL subset against
//! a table of `(id, value)` rows. So far: the statement parser, and the
//! PostgreSQL profile at read committed and repeatable read, checked against
//! the Hermitage outcomes PostgreSQL gives. Serializable snapshot isolation,
//! the textbook locking profile, the anomaly analysis and the conformance
//! run against a real PostgreSQL are still to come.

pub mod analysis;
pub mod pg;
pub mod presets;
pub mod sql;

#[cfg(test)]
mod tests;
