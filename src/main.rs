//! Entry point of the web app: mounts the app; nothing else.

fn main() {
    console_error_panic_hook::set_once();
    backend_playground::app::start();
}
