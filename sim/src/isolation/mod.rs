//! The isolation lab: sessions running statements of a SQL subset against
//! a table of `(id, value)` rows. The statement parser; the PostgreSQL
//! profile at every level, serializable snapshot isolation included
//! (checked against a real PostgreSQL by `tests/it/isolation_pg.rs`); the
//! textbook's two-phase locking profile; the presets (the textbook's
//! examples and the Hermitage catalogue); the analysis that names the
//! anomaly of a history; the level x anomaly matrix; and the editor's
//! changes to a scenario's statements and schedule.

pub mod analysis;
pub mod chunked;
pub mod db;
pub mod edit;
pub mod engines;
pub mod innodb;
pub mod lab;
pub mod matrix;
pub mod pg;
pub mod presets;
pub mod sql;
pub mod tracker;

#[cfg(test)]
mod tests;
