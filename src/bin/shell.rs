//! The module of pages that show the shell alone: the overview, the text-only topics, the sheet and the not-found page.

#![warn(missing_docs)]

fn main() {
    backend_playground::app::start();
}
