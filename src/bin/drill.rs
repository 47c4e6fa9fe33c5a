//! The module of pages that show the shell and the drill.

#![warn(missing_docs)]

fn main() {
    backend_playground::app::start_with(backend_playground::app::drill_part);
}
