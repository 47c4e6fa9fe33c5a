//! The module of pages that show the shell and the isolation lab.

#![warn(missing_docs)]

fn main() {
    backend_playground::app::start_with(backend_playground::app::isolation_part);
}
