//! How MySQL computes the lab's expressions and conditions, and which
//! ranges of the primary key its range optimizer reads for a condition.
//!
//! Arithmetic is 64-bit (BIGINT): a result out of that range is error 1690
//! wherever it happens. `%` by zero is NULL; a statement that changes rows
//! turns that into error 1365 under MariaDB's default strict SQL mode, a
//! SELECT keeps the NULL (and a condition that is NULL does not match).
//! `/` is MySQL's exact decimal division, which the lab does not model: a
//! statement that uses it gets [`DbError::DecimalDivision`] instead of a
//! silently different answer.

use super::super::db::DbError;
use super::super::sql::{Arith, Cmp, Col, Expr, Pred};

/// Why an expression has no integer value: NULL (a `%` by zero), or an
/// error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    /// NULL, from `%` by zero.
    Null,
    /// An error whatever the statement.
    Fail(DbError),
}

/// Whether `e` uses `/`.
fn divides(e: &Expr) -> bool {
    match e {
        Expr::Lit(_) | Expr::Col(_) => false,
        Expr::Neg(a) => divides(a),
        Expr::Bin(a, op, b) => *op == Arith::Div || divides(a) || divides(b),
    }
}

/// Whether `p` uses `/`.
pub(super) fn pred_divides(p: &Pred) -> bool {
    match p {
        Pred::Cmp(a, _, b) => divides(a) || divides(b),
        Pred::And(a, b) | Pred::Or(a, b) => pred_divides(a) || pred_divides(b),
        Pred::Not(a) => pred_divides(a),
    }
}

/// Whether `e` uses `/`.
pub(super) fn expr_divides(e: &Expr) -> bool {
    divides(e)
}

/// The value of `e` for row `(id, value)`.
pub(super) fn eval(e: &Expr, id: i64, value: i64) -> Result<i64, Stop> {
    let big = Stop::Fail(DbError::BigintOutOfRange);
    match e {
        Expr::Lit(n) => Ok(*n),
        Expr::Col(Col::Id) => Ok(id),
        Expr::Col(Col::Value) => Ok(value),
        Expr::Neg(a) => eval(a, id, value)?.checked_neg().ok_or(big),
        Expr::Bin(a, op, b) => {
            let (a, b) = (eval(a, id, value)?, eval(b, id, value)?);
            match op {
                Arith::Add => a.checked_add(b).ok_or(big),
                Arith::Sub => a.checked_sub(b).ok_or(big),
                Arith::Mul => a.checked_mul(b).ok_or(big),
                Arith::Rem if b == 0 => Err(Stop::Null),
                // MySQL's % takes the sign of the dividend; MIN % -1 is 0.
                Arith::Rem => Ok(a.checked_rem(b).unwrap_or(0)),
                Arith::Div => Err(Stop::Fail(DbError::DecimalDivision)),
            }
        }
    }
}

/// The condition's truth for a row, in SQL's three values (`None`:
/// unknown), or an error.
pub(super) fn truth(p: &Pred, id: i64, value: i64) -> Result<Option<bool>, DbError> {
    Ok(match p {
        Pred::Cmp(a, op, b) => {
            // The right operand is not computed when the left is NULL.
            let side = |e: &Expr| match eval(e, id, value) {
                Ok(v) => Ok(Some(v)),
                Err(Stop::Null) => Ok(None),
                Err(Stop::Fail(e)) => Err(e),
            };
            let Some(a) = side(a)? else { return Ok(None) };
            let Some(b) = side(b)? else { return Ok(None) };
            Some(op.holds(a, b))
        }
        // Left to right, stopping at the first operand that decides.
        Pred::And(a, b) => match truth(a, id, value)? {
            Some(false) => Some(false),
            first => match truth(b, id, value)? {
                Some(false) => Some(false),
                Some(true) => first,
                None => None,
            },
        },
        Pred::Or(a, b) => match truth(a, id, value)? {
            Some(true) => Some(true),
            first => match truth(b, id, value)? {
                Some(true) => Some(true),
                Some(false) => first,
                None => None,
            },
        },
        Pred::Not(a) => truth(a, id, value)?.map(|t| !t),
    })
}

/// A range of the primary key: each bound is a key and whether it is
/// excluded (`None`: open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Range {
    /// The lower bound.
    pub(super) lo: Option<(i64, bool)>,
    /// The upper bound.
    pub(super) hi: Option<(i64, bool)>,
}

impl Range {
    const ALL: Range = Range { lo: None, hi: None };

    /// A single key: read by a unique search.
    pub(super) fn point(self) -> Option<i64> {
        match (self.lo, self.hi) {
            (Some((a, false)), Some((b, false))) if a == b => Some(a),
            _ => None,
        }
    }

    /// Whether key `k` is above the range.
    pub(super) fn below(self, k: i64) -> bool {
        match self.hi {
            Some((h, strict)) => k > h || (strict && k == h),
            None => false,
        }
    }

    fn empty(self) -> bool {
        match (self.lo, self.hi) {
            (Some((l, ls)), Some((h, hs))) => l > h || (l == h && (ls || hs)),
            _ => false,
        }
    }
}

/// The tighter of two lower bounds (`max`) or upper bounds (`!max`).
fn tighter(a: Option<(i64, bool)>, b: Option<(i64, bool)>, max: bool) -> Option<(i64, bool)> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(x), Some(y)) if x.0 == y.0 => Some((x.0, x.1 || y.1)),
        (Some(x), Some(y)) => Some(if (x.0 > y.0) == max { x } else { y }),
    }
}

/// The looser of two bounds (for a union of overlapping ranges).
fn looser(a: Option<(i64, bool)>, b: Option<(i64, bool)>, max: bool) -> Option<(i64, bool)> {
    match (a, b) {
        (None, _) | (_, None) => None,
        (Some(x), Some(y)) if x.0 == y.0 => Some((x.0, x.1 && y.1)),
        (Some(x), Some(y)) => Some(if (x.0 > y.0) == max { x } else { y }),
    }
}

/// A comparison of the key with a literal, as a range (`None`: the
/// optimizer gets no range from it).
fn compared(a: &Expr, op: Cmp, b: &Expr) -> Option<Vec<Range>> {
    let (k, op) = match (a, b) {
        (Expr::Col(Col::Id), Expr::Lit(k)) => (*k, op),
        (Expr::Lit(k), Expr::Col(Col::Id)) => (
            *k,
            match op {
                Cmp::Lt => Cmp::Gt,
                Cmp::Le => Cmp::Ge,
                Cmp::Gt => Cmp::Lt,
                Cmp::Ge => Cmp::Le,
                o => o,
            },
        ),
        _ => return None,
    };
    let r = |lo, hi| Some(vec![Range { lo, hi }]);
    match op {
        Cmp::Eq => r(Some((k, false)), Some((k, false))),
        Cmp::Lt => r(None, Some((k, true))),
        Cmp::Le => r(None, Some((k, false))),
        Cmp::Gt => r(Some((k, true)), None),
        Cmp::Ge => r(Some((k, false)), None),
        Cmp::Ne => None,
    }
}

/// The condition with NOT pushed down to the comparisons, as MariaDB's
/// parser rewrites `NOT` of a comparison, AND or OR.
fn negated(p: &Pred) -> Pred {
    match p {
        Pred::Cmp(a, op, b) => Pred::Cmp(a.clone(), op.negated(), b.clone()),
        Pred::And(a, b) => Pred::Or(Box::new(negated(a)), Box::new(negated(b))),
        Pred::Or(a, b) => Pred::And(Box::new(negated(a)), Box::new(negated(b))),
        Pred::Not(a) => (**a).clone(),
    }
}

/// The ranges of the key that `p` confines the rows to, in key order,
/// overlapping ones merged (`None`: no range, a full scan).
fn ranges_of(p: &Pred) -> Option<Vec<Range>> {
    match p {
        Pred::Cmp(a, op, b) => compared(a, *op, b),
        Pred::Not(a) => ranges_of(&negated(a)),
        Pred::And(a, b) => match (ranges_of(a), ranges_of(b)) {
            (None, x) | (x, None) => x,
            (Some(x), Some(y)) => {
                let mut out = Vec::new();
                for r in &x {
                    for s in &y {
                        let i = Range {
                            lo: tighter(r.lo, s.lo, true),
                            hi: tighter(r.hi, s.hi, false),
                        };
                        if !i.empty() {
                            out.push(i);
                        }
                    }
                }
                Some(merged(out))
            }
        },
        Pred::Or(a, b) => {
            let mut all = ranges_of(a)?;
            all.extend(ranges_of(b)?);
            Some(merged(all))
        }
    }
}

/// Ranges sorted by their lower bound, overlapping ones merged.
fn merged(mut rs: Vec<Range>) -> Vec<Range> {
    let key = |r: &Range| r.lo.map_or((i64::MIN, false, false), |(k, s)| (k, true, s));
    rs.sort_by_key(key);
    let mut out: Vec<Range> = Vec::new();
    for r in rs {
        if let Some(last) = out.last_mut() {
            let overlaps = match (last.hi, r.lo) {
                (None, _) | (_, None) => true,
                (Some((h, hs)), Some((l, ls))) => l < h || (l == h && !(hs && ls)),
            };
            if overlaps {
                last.hi = looser(last.hi, r.hi, true);
                continue;
            }
        }
        out.push(r);
    }
    out
}

/// How a statement reads the table: ranges of the key in order (one
/// unbounded range: a full scan); none: the condition is impossible, and
/// nothing is read.
pub(super) fn plan(filter: Option<&Pred>) -> Vec<Range> {
    match filter.and_then(ranges_of) {
        None => vec![Range::ALL],
        Some(rs) => rs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::sql::{parse, Stmt};

    fn filter(cond: &str) -> Pred {
        match parse(&format!("select * from test where {cond}")) {
            Ok(Stmt::Select {
                filter: Some(f), ..
            }) => f,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_range_optimizer_reads_key_conditions() {
        let p = |c: &str| plan(Some(&filter(c)));
        assert_eq!(p("id = 2")[0].point(), Some(2));
        assert_eq!(p("value = 2"), vec![Range::ALL]);
        assert_eq!(p("id = 1 or value = 2"), vec![Range::ALL]);
        let two = p("id = 2 or id = 1");
        assert_eq!(two.len(), 2);
        assert_eq!((two[0].point(), two[1].point()), (Some(1), Some(2)));
        assert_eq!(
            p("id > 1 and value = 3"),
            vec![Range {
                lo: Some((1, true)),
                hi: None
            }]
        );
        assert_eq!(
            p("not id < 3"),
            vec![Range {
                lo: Some((3, false)),
                hi: None
            }]
        );
        assert!(p("id = 1 and id = 2").is_empty());
        assert_eq!(p("id >= 1 and id <= 3")[0].point(), None);
    }

    #[test]
    fn conditions_have_three_values() {
        let t = |c: &str| truth(&filter(c), 1, 10);
        assert_eq!(t("value % 0 = 1"), Ok(None));
        assert_eq!(t("value % 0 = 1 or id = 1"), Ok(Some(true)));
        assert_eq!(t("not value % 0 = 1"), Ok(None));
        assert_eq!(t("-7 % 3 = -1"), Ok(Some(true)));
        assert_eq!(
            t("value * 9223372036854775807 > 1"),
            Err(DbError::BigintOutOfRange)
        );
        assert_eq!(t("value / 2 = 5"), Err(DbError::DecimalDivision));
    }
}
