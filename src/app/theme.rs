//! The light and dark themes. With no choice stored, the page follows the
//! system setting (in CSS); the toggle stores an explicit choice, which an
//! inline script in `index.html` applies before the first paint.

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
/// Makes the header's theme button (which the page already holds) switch
/// the theme, and keeps its label on the theme shown.
pub fn attach() {
    let Some(button) = browser::element("theme-toggle") else {
        return;
    };
    let show = {
        let button = button.clone();
        move |theme: Theme| {
            let label = match theme {
                Theme::Light => "Switch to dark theme",
                Theme::Dark => "Switch to light theme",
            };
            let _ = button.set_attribute("aria-label", label);
            let _ = button.set_attribute("title", label);
            let _ = button.set_attribute("data-theme-now", theme.as_str());
        }
    };
    show(current());
    let on_change = show.clone();
    browser::on_scheme_change(move || on_change(current()));
    browser::on_click("theme-toggle", move || {
        let next = current().flipped();
        apply(next);
        browser::store(STORAGE_KEY, next.as_str());
        show(next);
    });
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
