//! The isolation lab's editor as changes of its parameters: a statement
//! added, edited or removed (with its schedule entry), a session added or
//! removed, the schedule typed as text, interleaved turn by turn or an
//! entry dragged to another place. Each change says what the view does
//! next: the parameters to run, the step to show, the element to focus and
//! the notice to give. The view only passes events in.

use super::lab::{
    parse_schedule, round_robin, tidy, Params, MAX_SESSIONS, MAX_SQL, MAX_STATEMENTS, MIN_SESSIONS,
};

/// What becomes of an editor's notice after an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// It stays as it is.
    Keep,
    /// It goes.
    Clear,
    /// It says this.
    Say(String),
}

impl Note {
    /// The notice to set, if it changes (`Some(None)`: no notice).
    pub fn to_set(self) -> Option<Option<String>> {
        match self {
            Note::Keep => None,
            Note::Clear => Some(None),
            Note::Say(text) => Some(Some(text)),
        }
    }

    /// A problem to say, or none to clear the notice.
    fn of(problem: Option<String>) -> Note {
        problem.map_or(Note::Clear, Note::Say)
    }
}

/// What an edit in the lab's editor asks of the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// The parameters to run; `None` when the edit is refused (the notice
    /// says why).
    pub params: Option<Params>,
    /// The step to show with them.
    pub step: usize,
    /// The id of the element to focus once the editor is drawn again.
    pub focus: Option<String>,
    /// The notice.
    pub note: Note,
}

impl Edited {
    /// New parameters shown at `step`, the notice kept, the focus left.
    fn run(params: Params, step: usize) -> Edited {
        Edited {
            params: Some(params),
            step,
            focus: None,
            note: Note::Keep,
        }
    }

    /// The same parameters, shown at `step` if their link fits
    /// [`super::lab::MAX_URL`]; refused with the reason if not.
    fn checked(params: Params, step: usize, note: Note) -> Edited {
        match params.check_link() {
            Ok(()) => Edited {
                note,
                ..Edited::run(params, step)
            },
            Err(msg) => Edited::refused(msg),
        }
    }

    /// The parameters stay; the notice says why.
    fn refused(msg: impl Into<String>) -> Edited {
        Edited {
            params: None,
            step: 0,
            focus: None,
            note: Note::Say(msg.into()),
        }
    }

    /// The same, with the focus on element `id` if it runs.
    fn focus(self, id: String) -> Edited {
        Edited {
            focus: self.params.is_some().then_some(id),
            ..self
        }
    }
}

/// The id of session `i`'s new-statement field.
pub fn new_statement_id(i: usize) -> String {
    format!("iso-new-{i}")
}

/// The id of the remove button of session `i`'s statement `j`.
pub fn remove_statement_id(i: usize, j: usize) -> String {
    format!("iso-q-{i}-{j}-remove")
}

/// The id of the button that adds a session.
pub const ADD_SESSION_ID: &str = "iso-add-session";

impl Params {
    /// Adds `sql` (split at `;`) to session `i`, each as a new last
    /// schedule entry. Returns a problem to show, if any.
    pub fn add_statements(&mut self, i: usize, sql: &str) -> Option<String> {
        let mut problem = None;
        for part in sql.split(';') {
            let part = tidy(part);
            if part.is_empty() {
                continue;
            }
            let list = self.sessions.get_mut(i)?;
            if list.len() >= MAX_STATEMENTS {
                problem = Some(format!(
                    "A session holds at most {MAX_STATEMENTS} statements."
                ));
                break;
            }
            if part.chars().count() > MAX_SQL {
                problem = Some(format!("A statement is at most {MAX_SQL} characters long."));
                continue;
            }
            list.push(part);
            self.schedule.push(i);
        }
        problem
    }

    /// The text typed in session `i`'s new-statement field added: the last
    /// step shown and the field focused again.
    pub fn add_statement(&self, i: usize, raw: &str) -> Edited {
        if raw.trim().is_empty() {
            return Edited::refused("Type a statement first.");
        }
        let mut p = self.clone();
        let problem = p.add_statements(i, raw);
        let last = p.schedule.len();
        Edited::checked(p, last, Note::of(problem)).focus(new_statement_id(i))
    }

    /// Session `i`'s statement `j` rewritten as `raw`, shown at `step`:
    /// its first statement replaces it, any more (split at `;`) are added
    /// at the end. `None` if there is no such statement.
    pub fn edit_statement(&self, i: usize, j: usize, raw: &str, step: usize) -> Option<Edited> {
        let mut p = self.clone();
        let list = p.sessions.get_mut(i).filter(|l| j < l.len())?;
        let mut parts: Vec<String> = raw.split(';').map(tidy).filter(|s| !s.is_empty()).collect();
        if parts.is_empty() {
            return Some(Edited::refused(
                "A statement cannot be empty: use \u{d7} to remove it.",
            ));
        }
        if parts.iter().any(|s| s.chars().count() > MAX_SQL) {
            return Some(Edited::refused(format!(
                "A statement is at most {MAX_SQL} characters long."
            )));
        }
        list[j] = parts.remove(0);
        let problem = p.add_statements(i, &parts.join(";"));
        Some(Edited::checked(p, step, Note::of(problem)))
    }

    /// Session `i`'s statement `j` removed with its schedule entry, from
    /// step 0; the focus goes to the remove button now in its place (or
    /// the one before), or to the new-statement field of an empty session.
    /// `None` if there is no such statement.
    pub fn drop_statement(&self, i: usize, j: usize) -> Option<Edited> {
        let mut p = self.clone();
        let list = p.sessions.get_mut(i).filter(|l| j < l.len())?;
        list.remove(j);
        let left = list.len();
        // The schedule loses that statement's entry: session i's (j+1)-th.
        if let Some(k) = p
            .schedule
            .iter()
            .enumerate()
            .filter(|(_, s)| **s == i)
            .nth(j)
            .map(|(k, _)| k)
        {
            p.schedule.remove(k);
        }
        let id = if left == 0 {
            new_statement_id(i)
        } else {
            remove_statement_id(i, j.min(left - 1))
        };
        Some(
            Edited {
                note: Note::Clear,
                ..Edited::run(p, 0)
            }
            .focus(id),
        )
    }

    /// A new empty session, from step 0, its new-statement field focused.
    /// `None` at [`MAX_SESSIONS`].
    pub fn add_session(&self) -> Option<Edited> {
        if self.sessions.len() >= MAX_SESSIONS {
            return None;
        }
        let mut p = self.clone();
        p.sessions.push(Vec::new());
        let id = new_statement_id(p.sessions.len() - 1);
        Some(Edited::run(p, 0).focus(id))
    }

    /// The last session removed with its schedule entries, from step 0,
    /// the focus on the button that adds one. `None` at [`MIN_SESSIONS`].
    pub fn remove_session(&self) -> Option<Edited> {
        if self.sessions.len() <= MIN_SESSIONS {
            return None;
        }
        let mut p = self.clone();
        let gone = p.sessions.len() - 1;
        p.sessions.pop();
        p.schedule.retain(|s| *s != gone);
        Some(Edited::run(p, 0).focus(ADD_SESSION_ID.to_string()))
    }

    /// The schedule typed as session numbers, fitted to the statements,
    /// from step 0; the notice lists what was ignored or added.
    pub fn with_schedule_text(&self, raw: &str) -> Edited {
        let mut p = self.clone();
        let (schedule, mut notes) = parse_schedule(raw, p.sessions.len());
        p.schedule = schedule;
        notes.extend(p.fit_schedule());
        let note = Note::of((!notes.is_empty()).then(|| notes.join("; ")));
        Edited {
            note,
            ..Edited::run(p, 0)
        }
    }

    /// The sessions taking turns, one statement each, from step 0.
    pub fn take_turns(&self) -> Edited {
        let mut p = self.clone();
        p.schedule = round_robin(&p.sessions.iter().map(Vec::len).collect::<Vec<_>>());
        Edited::run(p, 0)
    }

    /// Schedule entry `from` dragged to entry `to`'s place, showing its
    /// step there. `None` if either is not an entry, or they are the same.
    pub fn move_entry(&self, from: usize, to: usize) -> Option<Edited> {
        let n = self.schedule.len();
        if from >= n || to >= n || from == to {
            return None;
        }
        let mut p = self.clone();
        let s = p.schedule.remove(from);
        p.schedule.insert(to, s);
        Some(Edited::run(p, to + 1))
    }
}

#[cfg(test)]
#[path = "edit_tests.rs"]
mod edit_tests;
