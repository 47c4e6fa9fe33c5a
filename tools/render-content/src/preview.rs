//! Each topic's link-preview image (`topics/<slug>/preview.png`, 1200 x 630,
//! the size chat apps and social sites show): the topic's title, section and
//! summary on the site's colours, drawn as SVG here and rendered to PNG with
//! resvg, using the machine's fonts (DejaVu Sans, from Debian's
//! fonts-dejavu-core, which the build scripts install where missing).

use std::sync::Arc;

use resvg::{tiny_skia, usvg};

use crate::highlight::escape_html;

/// Width and height of a preview.
pub const SIZE: (u32, u32) = (1200, 630);

/// Renders previews with one loaded font database.
pub struct Renderer {
    options: usvg::Options<'static>,
}

impl Renderer {
    /// Loads the machine's fonts.
    pub fn new() -> Renderer {
        let mut db = usvg::fontdb::Database::new();
        db.load_system_fonts();
        db.set_sans_serif_family("DejaVu Sans");
        let options = usvg::Options {
            fontdb: Arc::new(db),
            font_family: "DejaVu Sans".to_string(),
            ..usvg::Options::default()
        };
        Renderer { options }
    }

    /// Whether any font was found (without one the text would not show).
    pub fn has_fonts(&self) -> bool {
        !self.options.fontdb.is_empty()
    }

    /// The PNG of a topic's preview.
    pub fn png(
        &self,
        title: &str,
        section: &str,
        summary: &str,
        live: bool,
    ) -> Result<Vec<u8>, String> {
        let svg = svg(title, section, summary, live);
        let tree = usvg::Tree::from_str(&svg, &self.options).map_err(|e| e.to_string())?;
        let mut pixmap =
            tiny_skia::Pixmap::new(SIZE.0, SIZE.1).ok_or("cannot allocate the image")?;
        resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
        pixmap.encode_png().map_err(|e| e.to_string())
    }
}

impl Renderer {
    /// The site's icon (`svg`, drawn on a 32-unit square) as a `size`-pixel
    /// PNG on white, within the middle 80% so that a round mask keeps it:
    /// the icons of the web app manifest.
    pub fn icon_png(&self, svg: &str, size: u32) -> Result<Vec<u8>, String> {
        let tree = usvg::Tree::from_str(svg, &self.options).map_err(|e| e.to_string())?;
        let mut pixmap = tiny_skia::Pixmap::new(size, size).ok_or("cannot allocate the icon")?;
        pixmap.fill(tiny_skia::Color::WHITE);
        let scale = size as f32 * 0.8 / tree.size().width().max(1.0);
        let inset = size as f32 * 0.1;
        let transform = tiny_skia::Transform::from_row(scale, 0.0, 0.0, scale, inset, inset);
        resvg::render(&tree, transform, &mut pixmap.as_mut());
        pixmap.encode_png().map_err(|e| e.to_string())
    }
}

/// Breaks `text` into lines of at most `width` characters (a word longer
/// than that stands alone), at most `max` lines, the last ending in an
/// ellipsis if text was left out.
pub fn wrap(text: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let fits =
            current.is_empty() || current.chars().count() + 1 + word.chars().count() <= width;
        if !fits {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            let keep: String = last.chars().take(width.saturating_sub(1)).collect();
            *last = format!("{}\u{2026}", keep.trim_end());
        }
    }
    lines
}

fn esc(s: &str) -> String {
    let mut out = String::new();
    escape_html(s, &mut out);
    out
}

/// The preview as SVG.
pub fn svg(title: &str, section: &str, summary: &str, live: bool) -> String {
    let (w, h) = SIZE;
    let title_lines = wrap(title, 28, 3);
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><rect width="{w}" height="{h}" fill="#f7f8fb"/><rect width="{w}" height="14" fill="#1d5fd1"/><g fill="#1d5fd1"><rect x="72" y="64" width="44" height="10" rx="3"/><rect x="72" y="78" width="44" height="10" rx="3"/><rect x="72" y="92" width="44" height="10" rx="3"/></g><text x="132" y="100" font-size="34" font-weight="bold" fill="#1b2330">Backend Playground</text><text x="72" y="178" font-size="28" fill="#4a5568">{}</text>"##,
        esc(&section.to_uppercase())
    );
    let mut y = 250;
    for line in &title_lines {
        s.push_str(&format!(
            r##"<text x="72" y="{y}" font-size="60" font-weight="bold" fill="#1b2330">{}</text>"##,
            esc(line)
        ));
        y += 72;
    }
    y += 14;
    let summary_lines = wrap(summary, 64, if title_lines.len() > 2 { 2 } else { 3 });
    for line in &summary_lines {
        s.push_str(&format!(
            r##"<text x="72" y="{y}" font-size="30" fill="#4a5568">{}</text>"##,
            esc(line)
        ));
        y += 42;
    }
    if live {
        s.push_str(r##"<rect x="940" y="60" width="188" height="52" rx="26" fill="#e4edfc" stroke="#1d5fd1" stroke-width="2"/><text x="1034" y="95" font-size="26" font-weight="bold" fill="#1b2330" text-anchor="middle">live model</text>"##);
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_within_the_width_and_says_when_it_was_cut() {
        let lines = wrap("one two three four five six seven", 9, 2);
        assert_eq!(lines, vec!["one two", "three\u{2026}"]);
        assert!(wrap("short", 20, 3) == vec!["short"]);
        assert!(wrap("", 20, 3).is_empty());
        let long = wrap("averyveryverylongword next", 5, 3);
        assert_eq!(long[0], "averyveryverylongword");
    }

    #[test]
    fn the_svg_escapes_its_text() {
        let s = svg("A <b> & c", "Sec", "Sum \"q\"", true);
        assert!(s.contains("A &lt;b&gt; &amp; c"));
        assert!(s.contains("live model"));
        assert!(!svg("T", "S", "U", false).contains("live model"));
    }
}
