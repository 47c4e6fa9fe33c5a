//! The one interface every model implements, and its parameter table.
//!
//! A model is its run type: it is built from parameters ([`Model::run`]),
//! answers for each step ([`Trace`]), and keeps the parameters it ran
//! ([`Model::params`]). Everything a permalink says about a model is one
//! table of [`Param`] rows ([`Model::TABLE`]): the key, the label, the range
//! or the choices, the unit, and which parameters use it. The table alone
//! drives reading a link ([`read`], [`open`]), forcing hand-built values into
//! range ([`clamp`]), writing the link back ([`pairs`], [`link`]) and the
//! app's number fields. Defaults are the model's `Params::default()`.
//!
//! Adding a parameter is one row (and the field it sets).

use super::params::Reader;
use super::{Opened, Trace};

/// A model: parameters in, a trace out, the parameters kept.
pub trait Model: Trace + Sized + Send + Sync + 'static {
    /// Everything a permalink carries; a value built by [`read`] or
    /// [`clamp`] is valid. Its `Default` is every parameter's default.
    type Params: Clone + PartialEq + Default + Send + Sync + 'static;
    /// The name topics give the model (`visualization:` in front matter).
    const NAME: &'static str;
    /// The parameters, in the order a link writes them.
    const TABLE: &'static [Param<Self::Params>];
    /// Computes the whole trace up front (clamping first). Never panics.
    fn run(params: &Self::Params) -> Self;
    /// The parameters of this run.
    fn params(&self) -> &Self::Params;
    /// A rule over the whole of the parameters, applied once every row is
    /// read (and when clamping): returns what it changed, for the notice.
    fn settle(_params: &mut Self::Params) -> Option<String> {
        None
    }
}

/// One row of a parameter table.
pub struct Param<P: 'static> {
    /// The URL key, also named in notices and in the field's id.
    pub key: &'static str,
    /// The field's label, without the unit.
    pub label: &'static str,
    /// What values it takes and where it lives in the parameters.
    pub kind: Kind<P>,
    /// Whether these parameters use it: only then is it written into the
    /// link and shown as a field.
    pub used: fn(&P) -> bool,
    /// A rule across parameters, applied once the row is read (and when
    /// clamping): returns what it changed, for the notice.
    pub fix: fn(&mut P) -> Option<String>,
}

impl<P> Clone for Param<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for Param<P> {}

/// What values a parameter takes.
pub enum Kind<P: 'static> {
    /// A whole number in `min..=max`.
    Int {
        /// The smallest value.
        min: u32,
        /// The largest value.
        max: u32,
        /// The unit, shown after the label (empty for none).
        unit: &'static str,
        /// Reads it.
        get: fn(&P) -> u32,
        /// Writes it.
        set: fn(&mut P, u32),
    },
    /// A whole number in `min..=max`, or absent (a default that depends on
    /// other parameters).
    OptionalInt {
        /// The smallest value.
        min: u32,
        /// The largest value.
        max: u32,
        /// The unit.
        unit: &'static str,
        /// Reads it.
        get: fn(&P) -> Option<u32>,
        /// Writes it.
        set: fn(&mut P, Option<u32>),
    },
    /// One of a fixed list of words, by index.
    Choice {
        /// The word of choice `i`; `None` past the last.
        word: fn(usize) -> Option<&'static str>,
        /// The index of the current choice.
        get: fn(&P) -> usize,
        /// Sets the choice of index `i` (which `word` names).
        set: fn(&mut P, usize),
    },
    /// Free text the model parses itself (a script, a timeline).
    Text {
        /// The text of the current value.
        get: fn(&P) -> String,
        /// Parses `text` into the parameters, noting what it dropped.
        set: fn(&mut P, &str, &mut Vec<String>),
    },
    /// Several keys read and written together (a scenario's sessions, the
    /// programs of a set of instances).
    Group {
        /// Reads the keys it owns.
        read: fn(&mut P, &mut Reader),
        /// Writes them.
        write: fn(&P, &mut Vec<(&'static str, String)>),
    },
}

impl<P> Clone for Kind<P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for Kind<P> {}

fn always<P>(_: &P) -> bool {
    true
}

fn no_fix<P>(_: &mut P) -> Option<String> {
    None
}

impl<P> Param<P> {
    /// A row used by every value of the parameters, with no rule across
    /// parameters.
    pub const fn new(key: &'static str, label: &'static str, kind: Kind<P>) -> Self {
        Param {
            key,
            label,
            kind,
            used: always::<P>,
            fix: no_fix::<P>,
        }
    }

    /// The same row, used only when `used` says so.
    pub const fn when(mut self, used: fn(&P) -> bool) -> Self {
        self.used = used;
        self
    }

    /// The same row, with a rule applied once it is read.
    pub const fn fix(mut self, fix: fn(&mut P) -> Option<String>) -> Self {
        self.fix = fix;
        self
    }

    /// The label with its unit: `Wait in open (ms)`.
    pub fn full_label(&self) -> String {
        let unit = match self.kind {
            Kind::Int { unit, .. } | Kind::OptionalInt { unit, .. } => unit,
            _ => "",
        };
        if unit.is_empty() {
            self.label.to_string()
        } else {
            format!("{} ({unit})", self.label)
        }
    }
}

/// A type whose values are a fixed list of words (an enum, on/off).
pub trait Choices: Copy + PartialEq + 'static {
    /// Every value, in the order the words are listed.
    const ALL: &'static [Self];
    /// The word of a value.
    fn word(self) -> &'static str;
}

impl Choices for bool {
    const ALL: &'static [bool] = &[true, false];
    fn word(self) -> &'static str {
        if self {
            "on"
        } else {
            "off"
        }
    }
}

/// The index of `v` in `T::ALL` (0 if it is missing, which a `Choices`
/// implementation that lists every value rules out).
pub fn index_of<T: Choices>(v: T) -> usize {
    T::ALL.iter().position(|x| *x == v).unwrap_or(0)
}

/// The word of choice `i` of `T`.
pub fn word_of<T: Choices>(i: usize) -> Option<&'static str> {
    T::ALL.get(i).map(|v| v.word())
}

/// A whole-number row for the field `field` of the type named `Params`
/// where it is used: `int!(key, label, unit, min, max, field)`.
#[macro_export]
macro_rules! int {
    ($key:expr, $label:expr, $unit:expr, $min:expr, $max:expr, $($field:ident).+) => {
        $crate::model::Param::new(
            $key,
            $label,
            $crate::model::Kind::Int {
                min: $min,
                max: $max,
                unit: $unit,
                get: |p: &Params| p.$($field).+,
                set: |p: &mut Params, v| p.$($field).+ = v,
            },
        )
    };
}

/// A choice row for the field `field` (whose type implements [`Choices`])
/// of the type named `Params` where it is used:
/// `choice!(key, label, Type, field)`.
#[macro_export]
macro_rules! choice {
    ($key:expr, $label:expr, $ty:ty, $($field:ident).+) => {
        $crate::model::Param::new(
            $key,
            $label,
            $crate::model::Kind::Choice {
                word: $crate::model::word_of::<$ty>,
                get: |p: &Params| $crate::model::index_of::<$ty>(p.$($field).+),
                set: |p: &mut Params, i| {
                    if let Some(v) = <$ty as $crate::model::Choices>::ALL.get(i) {
                        p.$($field).+ = *v;
                    }
                },
            },
        )
    };
}

/// Reads a model's parameters from a URL, row by row in table order,
/// starting from the defaults; a row absent from the link keeps the value
/// so far. What was wrong is noted in `r`.
pub fn read<M: Model>(r: &mut Reader) -> M::Params {
    let mut p = M::Params::default();
    for row in M::TABLE {
        read_row(row, &mut p, r);
        if let Some(problem) = (row.fix)(&mut p) {
            r.note(problem);
        }
    }
    if let Some(problem) = M::settle(&mut p) {
        r.note(problem);
    }
    p
}

fn read_row<P>(row: &Param<P>, p: &mut P, r: &mut Reader) {
    match row.kind {
        Kind::Int {
            min, max, get, set, ..
        } => {
            let v = r.int(row.key, min.into(), max.into(), get(p).into());
            set(p, v as u32);
        }
        Kind::OptionalInt { min, max, set, .. } => {
            let v = r.optional_int(row.key, min.into(), max.into());
            set(p, v.map(|v| v as u32));
        }
        Kind::Choice { word, get, set } => {
            let options: Vec<(&str, usize)> =
                (0..).map_while(|i| word(i).map(|w| (w, i))).collect();
            let i = r.choice(row.key, &options, get(p));
            set(p, i);
        }
        Kind::Text { set, .. } => {
            if let Some(raw) = r.text(row.key) {
                let mut problems = Vec::new();
                set(p, raw, &mut problems);
                for problem in problems {
                    r.note(problem);
                }
            }
        }
        Kind::Group { read, .. } => read(p, r),
    }
}

/// The parameters as URL pairs, in table order, each row only where the
/// parameters use it.
pub fn pairs<M: Model>(p: &M::Params) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for row in M::TABLE {
        if !(row.used)(p) {
            continue;
        }
        match row.kind {
            Kind::Int { get, .. } => out.push((row.key, get(p).to_string())),
            Kind::OptionalInt { get, .. } => {
                if let Some(v) = get(p) {
                    out.push((row.key, v.to_string()));
                }
            }
            Kind::Choice { word, get, .. } => {
                out.push((row.key, word(get(p)).unwrap_or_default().to_string()));
            }
            Kind::Text { get, .. } => out.push((row.key, get(p))),
            Kind::Group { write, .. } => write(p, &mut out),
        }
    }
    out
}

/// A permalink's pairs: the parameters, then the player's step.
pub fn link<M: Model>(p: &M::Params, step: usize) -> Vec<(&'static str, String)> {
    let mut out = pairs::<M>(p);
    out.push(("step", step.to_string()));
    out
}

/// The same parameters forced into the table's ranges, so that a
/// hand-built value still runs: numbers clamped, text and groups written
/// and read back (dropping what their readers drop), rules applied. Values
/// a link could hold are unchanged.
pub fn clamp<M: Model>(p: &M::Params) -> M::Params {
    let mut p = p.clone();
    for row in M::TABLE {
        match row.kind {
            Kind::Int {
                min, max, get, set, ..
            } => {
                let v = get(&p).clamp(min, max);
                set(&mut p, v);
            }
            Kind::OptionalInt {
                min, max, get, set, ..
            } => {
                let v = get(&p).map(|v| v.clamp(min, max));
                set(&mut p, v);
            }
            Kind::Choice { .. } => {}
            Kind::Text { get, set } => {
                let text = get(&p);
                set(&mut p, &text, &mut Vec::new());
            }
            Kind::Group { read, write } => {
                let mut written = Vec::new();
                write(&p, &mut written);
                read(&mut p, &mut Reader::new(&owned(written)));
            }
        }
        let _ = (row.fix)(&mut p);
    }
    let _ = M::settle(&mut p);
    p
}

/// Pairs as a link writes them (static keys) as the decoded pairs
/// [`open`] and the [`Reader`] take.
pub fn owned<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> Vec<(String, String)> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Reads a model's parameters and the player's step from decoded URL pairs
/// and runs the model. Never fails: bad values give the nearest valid state
/// and a problem naming each.
pub fn open<M: Model>(pairs: &[(String, String)]) -> Opened<M> {
    let mut r = Reader::new(pairs);
    let p = read::<M>(&mut r);
    let run = M::run(&p);
    let step = r.step(run.steps());
    Opened {
        run,
        step,
        problems: r.finish(),
    }
}

/// The row of `key` in a model's table.
pub fn row<M: Model>(key: &str) -> Option<&'static Param<M::Params>> {
    M::TABLE.iter().find(|r| r.key == key)
}

/// The keys of a model's whole-number rows, in table order: its number
/// fields, where a view lists every one.
pub fn int_keys<M: Model>() -> impl Iterator<Item = &'static str> {
    M::TABLE
        .iter()
        .filter(|r| matches!(r.kind, Kind::Int { .. }))
        .map(|r| r.key)
}

/// Checks a table: keys unique and not `step`, ranges not empty, every
/// default within its range and written back as read. Returns what is
/// wrong, for tests.
pub fn check_table<M: Model>() -> Vec<String> {
    let mut wrong = Vec::new();
    let d = M::Params::default();
    for (i, row) in M::TABLE.iter().enumerate() {
        if row.key == "step" || M::TABLE[..i].iter().any(|r| r.key == row.key) {
            wrong.push(format!("{}: key {} is taken", M::NAME, row.key));
        }
        if row.label.is_empty() {
            wrong.push(format!("{}: {} has no label", M::NAME, row.key));
        }
        match row.kind {
            Kind::Int { min, max, get, .. } => {
                if min > max || !(min..=max).contains(&get(&d)) {
                    wrong.push(format!("{}: {} default out of range", M::NAME, row.key));
                }
            }
            Kind::OptionalInt { min, max, get, .. } => {
                if min > max || get(&d).is_some_and(|v| !(min..=max).contains(&v)) {
                    wrong.push(format!("{}: {} default out of range", M::NAME, row.key));
                }
            }
            Kind::Choice { word, get, .. } => {
                if word(get(&d)).is_none() {
                    wrong.push(format!("{}: {} default has no word", M::NAME, row.key));
                }
            }
            Kind::Text { .. } | Kind::Group { .. } => {}
        }
    }
    if clamp::<M>(&d) != d {
        wrong.push(format!("{}: the defaults change when clamped", M::NAME));
    }
    wrong
}
