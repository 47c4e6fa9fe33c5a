//! The words in which both isolation conformance tests (`isolation_pg` and
//! `isolation_mariadb`) compare the engine's answers with a server's: whole
//! rows as sorted `id:value` pairs, other values joined by spaces, `changed
//! n`, `done`, `error …`; the committed table as `(id, value)` pairs; and
//! the settings a run takes from the environment.

use backend_playground::sim::isolation::db::{Answer, DbError, Finished};
use backend_playground::sim::isolation::sql::Level;

/// A result set as a server sends it (NULL as `None`).
pub type Rows = [Vec<Option<String>>];

/// The engine's answer, an error in the words `error` gives it.
pub fn expected(a: &Answer, error: impl Fn(DbError) -> String) -> String {
    match a {
        Answer::Rows(rows) => rows
            .iter()
            .map(|(i, v)| format!("{i}:{v}"))
            .collect::<Vec<_>>()
            .join(" "),
        Answer::Values(v) => v
            .iter()
            .map(|x| x.map(|n| n.to_string()).unwrap_or_else(|| "null".into()))
            .collect::<Vec<_>>()
            .join(" "),
        Answer::Changed(n) => format!("changed {n}"),
        Answer::Done => "done".into(),
        Answer::Error(e) => error(*e),
    }
}

/// The statements that finished, as sorted `Tn: answer` (`expected`'s
/// words).
pub fn finished(finished: &[Finished], expected: impl Fn(&Answer) -> String) -> Vec<String> {
    let mut words: Vec<String> = finished
        .iter()
        .map(|f| format!("T{}: {}", f.session + 1, expected(&f.answer)))
        .collect();
    words.sort();
    words
}

/// One round over the sessions whose statement is still in flight on the
/// server (with what its answer's words need, and its reply so far): for
/// each, `read` waits a moment for the reply and, once it is complete,
/// gives it in words, which go to `got` as `Tn: answer`; the session is
/// then no longer in flight.
pub fn gather<C, K: Copy, P>(
    conns: &mut [C],
    in_flight: &mut [Option<(K, P)>],
    got: &mut Vec<String>,
    mut read: impl FnMut(&mut C, K, &mut P) -> Option<String>,
) {
    for (i, c) in conns.iter_mut().enumerate() {
        if let Some((k, acc)) = &mut in_flight[i] {
            if let Some(words) = read(c, *k, acc) {
                got.push(format!("T{}: {words}", i + 1));
                in_flight[i] = None;
            }
        }
    }
}

/// A server's result set in the same words: for a statement that selects
/// whole rows (`whole`), each row's `id:value`, sorted; else the first
/// row's values.
pub fn selected(rows: &Rows, whole: bool) -> String {
    if whole {
        let mut pairs: Vec<(i64, i64)> = rows
            .iter()
            .filter_map(|r| {
                let id = r.first()?.as_ref()?.parse().ok()?;
                let v = r.get(1)?.as_ref()?.parse().ok()?;
                Some((id, v))
            })
            .collect();
        pairs.sort_unstable();
        return pairs
            .iter()
            .map(|(i, v)| format!("{i}:{v}"))
            .collect::<Vec<_>>()
            .join(" ");
    }
    rows.first()
        .map(|r| {
            r.iter()
                .map(|x| x.clone().unwrap_or_else(|| "null".into()))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// The `(id, value)` pairs of `select id, value from test`, in its order.
pub fn table(rows: &Rows) -> Vec<(i64, i64)> {
    rows.iter()
        .filter_map(|row| match (row.first(), row.get(1)) {
            (Some(Some(i)), Some(Some(v))) => {
                Some((i.parse::<i64>().unwrap_or(0), v.parse::<i64>().unwrap_or(0)))
            }
            _ => None,
        })
        .collect()
}

/// A number from the environment, if it is set to one.
pub fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// The one level of `levels` that ISOLATION_LEVEL names (`serializable`,
/// `repeatable-read`, …), if it names one.
pub fn only_level(levels: &[Level]) -> Option<Level> {
    let v = std::env::var("ISOLATION_LEVEL").ok()?;
    levels
        .iter()
        .copied()
        .find(|l| l.sql().eq_ignore_ascii_case(&v.replace('-', " ")))
}
