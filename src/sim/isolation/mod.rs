//! The isolation lab: sessions running statements of a SQL subset against
//! a table of `(id, value)` rows. So far: the statement parser; the
//! PostgreSQL profile at read committed and repeatable read (checked against
//! a real PostgreSQL by `tests/isolation_pg.rs`); the textbook's two-phase
//! locking profile; the Hermitage catalogue; and the analysis that names the
//! anomaly of a history. PostgreSQL's serializable snapshot isolation is
//! still to come: its serializable runs as repeatable read for now.

pub mod analysis;
pub mod lab;
pub mod matrix;
pub mod pg;
pub mod presets;
pub mod sql;

#[cfg(test)]
mod tests;
