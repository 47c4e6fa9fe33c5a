//! The module of pages that show the shell and the N+1 model.

fn main() {
    backend_playground::app::start_with(backend_playground::app::nplus1_part);
}
