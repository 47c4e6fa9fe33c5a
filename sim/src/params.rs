//! Reading a model's parameters from the pairs of a URL query. Every reader
//! returns a valid value: out-of-range numbers are clamped, unknown words fall
//! back to the default, and each such change is written down as a problem
//! that names the parameter, so that the app can say what it ignored.

use super::thousands;

/// The most problems a notice names; the rest are counted ("and 3 more").
pub const MAX_SHOWN: usize = 8;
/// The most pairs of a link that are read; the rest are ignored, with one
/// problem that says so.
pub const MAX_PAIRS: usize = 200;
/// The longest value read, in bytes; a longer one is ignored, with a
/// problem. Every model's longest valid value is far shorter.
pub const MAX_VALUE: usize = 20_000;

/// Reads parameters from `key=value` pairs (already percent-decoded) and
/// collects what was wrong with them. However long the link, the work is
/// bounded: only the first [`MAX_PAIRS`] pairs are read, values over
/// [`MAX_VALUE`] bytes are refused, and only the first [`MAX_SHOWN`]
/// problems are kept (the rest counted).
#[derive(Debug)]
pub struct Reader<'a> {
    pairs: &'a [(String, String)],
    used: Vec<bool>,
    problems: Vec<String>,
    /// Problems found past the first [`MAX_SHOWN`].
    more: usize,
    /// Pairs past [`MAX_PAIRS`], not read.
    skipped: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `pairs`, in URL order.
    pub fn new(pairs: &'a [(String, String)]) -> Self {
        let read = &pairs[..pairs.len().min(MAX_PAIRS)];
        Reader {
            pairs: read,
            used: vec![false; read.len()],
            problems: Vec::new(),
            more: 0,
            skipped: pairs.len() - read.len(),
        }
    }

    /// Keeps a problem, or counts it once [`MAX_SHOWN`] are kept.
    fn add(&mut self, problem: String) {
        if self.problems.len() < MAX_SHOWN {
            self.problems.push(problem);
        } else {
            self.more += 1;
        }
    }

    /// The first value given for `key`; later ones are reported as ignored.
    fn take(&mut self, key: &str) -> Option<&'a str> {
        let mut found = None;
        for (i, (k, v)) in self.pairs.iter().enumerate() {
            if k == key && !self.used[i] {
                self.used[i] = true;
                if v.len() > MAX_VALUE {
                    self.add(format!(
                        "{k}={} (longer than {} characters; ignored)",
                        show(v),
                        thousands(MAX_VALUE as u64)
                    ));
                } else if found.is_none() {
                    found = Some(v.as_str());
                } else {
                    self.add(format!(
                        "{k}={} (given twice; the first one counts)",
                        show(v)
                    ));
                }
            }
        }
        found
    }

    /// The raw text given for `key`, for a caller that parses it itself.
    pub fn text(&mut self, key: &str) -> Option<&'a str> {
        self.take(key)
    }

    /// Records a problem found by the caller.
    pub fn note(&mut self, problem: String) {
        self.add(problem);
    }

    /// A whole number in `min..=max`; `default` when absent.
    pub fn int(&mut self, key: &str, min: u64, max: u64, default: u64) -> u64 {
        let Some(raw) = self.take(key) else {
            return default;
        };
        match whole(raw) {
            Whole::Value(v) if v < min as i128 => {
                self.add(format!(
                    "{key}={} (below {}; using {})",
                    show(raw),
                    thousands(min),
                    thousands(min)
                ));
                min
            }
            Whole::Value(v) if v > max as i128 => {
                self.add(format!(
                    "{key}={} (above {}; using {})",
                    show(raw),
                    thousands(max),
                    thousands(max)
                ));
                max
            }
            Whole::Value(v) => v as u64,
            Whole::Huge(negative) => {
                let (edge, word) = if negative {
                    (min, "below")
                } else {
                    (max, "above")
                };
                self.add(format!(
                    "{key}={} ({word} {}; using {})",
                    show(raw),
                    thousands(edge),
                    thousands(edge)
                ));
                edge
            }
            Whole::Not => {
                self.add(format!(
                    "{key}={} (not a whole number; using {})",
                    show(raw),
                    thousands(default)
                ));
                default
            }
        }
    }

    /// Like [`Reader::int`], but absent or empty means `None` (a default
    /// that depends on other parameters).
    pub fn optional_int(&mut self, key: &str, min: u64, max: u64) -> Option<u64> {
        let present = self
            .pairs
            .iter()
            .zip(&self.used)
            .any(|((k, v), used)| k == key && !used && !v.trim().is_empty());
        if present {
            Some(self.int(key, min, max, min))
        } else {
            let _ = self.take(key);
            None
        }
    }

    /// One of a fixed set of words; `default` when absent or unknown.
    pub fn choice<T: Copy + PartialEq>(
        &mut self,
        key: &str,
        options: &[(&str, T)],
        default: T,
    ) -> T {
        let Some(raw) = self.take(key) else {
            return default;
        };
        let wanted = raw.trim();
        if let Some((_, v)) = options
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
        {
            return *v;
        }
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        let default_name = options
            .iter()
            .position(|(_, v)| *v == default)
            .map(|i| names[i])
            .unwrap_or("the default");
        self.add(format!(
            "{key}={} (not one of {}; using {default_name})",
            show(raw),
            names.join(", ")
        ));
        default
    }

    /// The player's step: a whole number from 0 to `steps - 1`.
    pub fn step(&mut self, steps: usize) -> usize {
        let last = steps.saturating_sub(1) as u64;
        let Some(raw) = self.take("step") else {
            return 0;
        };
        match whole(raw) {
            Whole::Value(v) if v < 0 => {
                self.add(format!(
                    "step={} (below 0; showing the first step)",
                    show(raw)
                ));
                0
            }
            Whole::Value(v) if v > last as i128 => {
                self.add(format!(
                    "step={} (this run has steps 0 to {}; showing the last)",
                    show(raw),
                    thousands(last)
                ));
                last as usize
            }
            Whole::Value(v) => v as usize,
            Whole::Huge(negative) => {
                self.add(format!(
                    "step={} (this run has steps 0 to {}; showing the {})",
                    show(raw),
                    thousands(last),
                    if negative { "first" } else { "last" }
                ));
                if negative {
                    0
                } else {
                    last as usize
                }
            }
            Whole::Not => {
                self.add(format!(
                    "step={} (not a whole number; showing the first step)",
                    show(raw)
                ));
                0
            }
        }
    }

    /// Ends the reading: parameters nobody asked for are reported, and the
    /// problems are returned in the order they were found.
    pub fn finish(mut self) -> Vec<String> {
        for (i, (k, v)) in self.pairs.iter().enumerate() {
            if !self.used[i] {
                self.add(if v.is_empty() {
                    format!("{} (unknown parameter)", show(k))
                } else {
                    format!("{}={} (unknown parameter)", show(k), show(v))
                });
            }
        }
        if self.skipped > 0 {
            self.add(format!(
                "{} more parameters than the {MAX_PAIRS} read (ignored)",
                thousands(self.skipped as u64)
            ));
        }
        if self.more > 0 {
            self.problems
                .push(format!("and {} more", thousands(self.more as u64)));
        }
        self.problems
    }
}

enum Whole {
    Value(i128),
    /// Too many digits to hold; `true` if negative.
    Huge(bool),
    Not,
}

/// Parses an optionally signed run of ASCII digits, surrounding spaces
/// allowed.
fn whole(raw: &str) -> Whole {
    let s = raw.trim();
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Whole::Not;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 30 {
        return Whole::Huge(negative);
    }
    let mut v: i128 = 0;
    for b in significant.bytes() {
        v = v * 10 + i128::from(b - b'0');
    }
    Whole::Value(if negative { -v } else { v })
}

/// A value as the notice shows it: at most 40 characters, control
/// characters replaced, so that garbage in a URL cannot flood the page.
pub fn show(raw: &str) -> String {
    let mut out: String = raw
        .chars()
        .take(40)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if raw.chars().count() > 40 {
        out.push('\u{2026}');
    }
    out
}

/// The pairs of a query string written by hand in a test (`k=v&flag`),
/// not percent-decoded.
#[cfg(test)]
pub(crate) fn pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (p.to_string(), String::new()),
        })
        .collect()
}

/// Reads a duration as links write it, `12s` or `1500ms` (at most ten
/// digits); `None` if it is not one or does not fit.
pub fn duration(text: &str) -> Option<u64> {
    let (digits, scale) = if let Some(d) = text.strip_suffix("ms") {
        (d, 1)
    } else if let Some(d) = text.strip_suffix('s') {
        (d, 1000)
    } else {
        return None;
    };
    if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Colour {
        Red,
        Blue,
    }

    #[test]
    fn numbers_are_clamped_with_a_reason() {
        let p = pairs("n=-5&m=1000000000000&k=abc&j=42&big=99999999999999999999999999999999999999&neg=-99999999999999999999999999999999999999");
        let mut r = Reader::new(&p);
        assert_eq!(r.int("n", 0, 10_000, 100), 0);
        assert_eq!(r.int("m", 0, 10_000, 100), 10_000);
        assert_eq!(r.int("k", 0, 10_000, 100), 100);
        assert_eq!(r.int("j", 0, 10_000, 100), 42);
        assert_eq!(r.int("big", 1, 10, 5), 10);
        assert_eq!(r.int("neg", 1, 10, 5), 1);
        assert_eq!(r.int("absent", 0, 10, 7), 7);
        let problems = r.finish();
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert_eq!(problems[0], "n=-5 (below 0; using 0)");
        assert_eq!(problems[1], "m=1000000000000 (above 10,000; using 10,000)");
        assert_eq!(problems[2], "k=abc (not a whole number; using 100)");
    }

    #[test]
    fn words_steps_duplicates_and_leftovers() {
        let p = pairs("c=xyz&c=red&step=99&x=1&flag&o=");
        let mut r = Reader::new(&p);
        let opts = [("red", Colour::Red), ("blue", Colour::Blue)];
        assert_eq!(r.choice("c", &opts, Colour::Blue), Colour::Blue);
        assert_eq!(r.step(10), 9);
        assert_eq!(r.optional_int("o", 1, 5), None);
        let problems = r.finish();
        assert_eq!(
            problems,
            vec![
                "c=red (given twice; the first one counts)".to_string(),
                "c=xyz (not one of red, blue; using blue)".to_string(),
                "step=99 (this run has steps 0 to 9; showing the last)".to_string(),
                "x=1 (unknown parameter)".to_string(),
                "flag (unknown parameter)".to_string(),
            ]
        );
        let p = pairs("c=BLUE&step=3");
        let mut r = Reader::new(&p);
        assert_eq!(r.choice("c", &opts, Colour::Red), Colour::Blue);
        assert_eq!(r.step(10), 3);
        assert!(r.finish().is_empty());
    }

    #[test]
    fn however_long_the_link_the_notice_is_short() {
        let many: Vec<(String, String)> = (0..100_000)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        let problems = Reader::new(&many).finish();
        assert_eq!(problems.len(), MAX_SHOWN + 1, "{problems:?}");
        assert_eq!(problems[0], "k0=v (unknown parameter)");
        // 200 unknown, and one for the 99,800 not read: 193 beyond the 8.
        assert_eq!(problems[MAX_SHOWN], "and 193 more");
        let long = vec![("n".to_string(), "1".repeat(MAX_VALUE + 1))];
        let mut r = Reader::new(&long);
        assert_eq!(r.int("n", 0, 5, 2), 2);
        let problems = r.finish();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].ends_with("(longer than 20,000 characters; ignored)"));
        let mut r = Reader::new(&[]);
        for i in 0..1_000 {
            r.note(format!("problem {i}"));
        }
        let problems = r.finish();
        assert_eq!(problems.last().map(String::as_str), Some("and 992 more"));
    }

    #[test]
    fn garbage_is_shown_short_and_safe() {
        let long = "x".repeat(500);
        let p = vec![("n".to_string(), format!("\u{0}{long}"))];
        let mut r = Reader::new(&p);
        assert_eq!(r.int("n", 0, 5, 2), 2);
        let problems = r.finish();
        assert!(problems[0].starts_with("n=\u{FFFD}xxx"));
        assert!(problems[0].chars().count() < 100);
    }
}
