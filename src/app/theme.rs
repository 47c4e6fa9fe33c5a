//! The light and dark themes. With no choice stored, the page follows the
//! system setting (in CSS); the toggle stores an explicit choice, which an
//! inline script in `index.html` applies before the first paint.

use leptos::prelude::*;

use super::browser;

/// The local-storage key of the stored theme.
pub const STORAGE_KEY: &str = "bp-theme";

/// A colour theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Dark text on a light background.
    Light,
    /// Light text on a dark background.
    Dark,
}

impl Theme {
    /// Reads a stored value; anything unexpected (corrupt or old storage)
    /// counts as no choice.
    pub fn parse(stored: &str) -> Option<Theme> {
        match stored.trim() {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// The other theme.
    pub fn flipped(self) -> Theme {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }
}

/// The theme in force: the stored choice, else the system's.
fn current() -> Theme {
    browser::load(STORAGE_KEY)
        .and_then(|s| Theme::parse(&s))
        .unwrap_or(if browser::prefers_dark() {
            Theme::Dark
        } else {
            Theme::Light
        })
}

fn apply(theme: Theme) {
    if let Some(root) = browser::root() {
        let _ = root.set_attribute("data-theme", theme.as_str());
    }
}

/// A button that switches between the light and the dark theme and
/// remembers the choice.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(current());
    // With no stored choice the page follows the system live (in CSS); keep
    // the button's label in step with it.
    browser::on_scheme_change(move || theme.set(current()));
    let toggle = move |_| {
        let next = theme.get_untracked().flipped();
        apply(next);
        browser::store(STORAGE_KEY, next.as_str());
        theme.set(next);
    };
    let label = move || match theme.get() {
        Theme::Light => "Switch to dark theme",
        Theme::Dark => "Switch to light theme",
    };
    view! {
        <button
            id="theme-toggle"
            class="icon-button theme-toggle"
            aria-label=label
            title=label
            data-theme-now=move || theme.get().as_str()
            on:click=toggle
        >
            <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22" class="moon">
                <path d="M20 14.5A8.5 8.5 0 0 1 9.5 4a8.5 8.5 0 1 0 10.5 10.5z" fill="currentColor"/>
            </svg>
            <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22" class="sun">
                <circle cx="12" cy="12" r="4.5" fill="currentColor"/>
                <path d="M12 1.5v3M12 19.5v3M1.5 12h3M19.5 12h3M4.6 4.6l2.1 2.1M17.3 17.3l2.1 2.1M4.6 19.4l2.1-2.1M17.3 6.7l2.1-2.1" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>
            </svg>
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_parse_and_corrupt_ones_are_ignored() {
        assert_eq!(Theme::parse("dark"), Some(Theme::Dark));
        assert_eq!(Theme::parse(" light\n"), Some(Theme::Light));
        assert_eq!(Theme::parse("DARK"), None);
        assert_eq!(Theme::parse("{\"x\":1}"), None);
        assert_eq!(Theme::parse(""), None);
        for t in [Theme::Light, Theme::Dark] {
            assert_eq!(Theme::parse(t.as_str()), Some(t));
            assert_eq!(t.flipped().flipped(), t);
            assert_ne!(t.flipped(), t);
        }
    }
}
