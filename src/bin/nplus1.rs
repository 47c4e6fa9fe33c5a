//! The module of pages that show the shell and the N+1 model.

#![warn(missing_docs)]

fn main() {
    backend_playground::app::start_with(backend_playground::app::nplus1_part);
}
