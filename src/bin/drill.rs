//! The module of pages that show the shell and the drill.

fn main() {
    backend_playground::app::start_with(backend_playground::app::drill_part);
}
