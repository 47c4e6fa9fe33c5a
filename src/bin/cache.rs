//! The module of pages that show the shell and the cache-aside model.

#![warn(missing_docs)]

fn main() {
    backend_playground::app::start_with(backend_playground::app::cache_part);
}
