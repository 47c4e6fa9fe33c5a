//! The module of pages that show the shell and the circuit-breaker model.

#![warn(missing_docs)]

fn main() {
    backend_playground::app::start_with(backend_playground::app::breaker_part);
}
