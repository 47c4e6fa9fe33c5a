//! The module of pages that show the shell and the rate-limiter model.

#![warn(missing_docs)]

fn main() {
    backend_playground::app::start_with(backend_playground::app::ratelimit_part);
}
