//! The module of pages that show the shell and the cache-aside model.

fn main() {
    backend_playground::app::start_with(backend_playground::app::cache_part);
}
