//! Edits of a script, as the script editor makes them: an instance's
//! operations, instances added or removed, a new schedule entry and the
//! schedule written as text. Each returns the new parameters with the step to show
//! and the control to focus next, so that the view only passes events on.

use super::{token_slug, Op, Params, Token, MAX_INSTANCES, MAX_OPS, MAX_SCHEDULE};

/// A change to one instance's operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpEdit {
    /// Removes the operation at this index.
    Remove(usize),
    /// Appends an operation.
    Add(Op),
}

/// The result of an edit: the parameters to run, the step to show and the
/// id of the editor control to focus next, if the focus moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// The new parameters.
    pub params: Params,
    /// The step to show.
    pub step: usize,
    /// The control to focus, by id.
    pub focus: Option<String>,
}

impl Params {
    /// Changes the operations of instance `i`: removes one, or adds one
    /// while the program is shorter than [`MAX_OPS`]. Shows the start and
    /// moves the focus to the instance's "+ read" button (after a removal)
    /// or to the button just pressed. `None` when nothing changes.
    pub fn edit_ops(&self, i: usize, edit: OpEdit) -> Option<Edited> {
        let mut params = self.clone();
        let ops = params.programs.get_mut(i)?;
        let focus = match edit {
            OpEdit::Remove(j) if j < ops.len() => {
                ops.remove(j);
                format!("ca-add-read-{i}")
            }
            OpEdit::Add(op) if ops.len() < MAX_OPS => {
                ops.push(op);
                match op {
                    Op::Read => format!("ca-add-read-{i}"),
                    Op::Write => format!("ca-add-write-{i}"),
                }
            }
            _ => return None,
        };
        Some(Edited {
            params,
            step: 0,
            focus: Some(focus),
        })
    }

    /// Adds an instance that reads once, up to [`MAX_INSTANCES`].
    pub fn add_instance(&self) -> Params {
        let mut p = self.clone();
        if p.programs.len() < MAX_INSTANCES {
            p.programs.push(vec![Op::Read]);
        }
        p
    }

    /// Removes the last instance with its entries in the schedule, down to
    /// two instances.
    pub fn remove_instance(&self) -> Params {
        let mut p = self.clone();
        if p.programs.len() > 2 {
            let last = p.programs.len() - 1;
            p.programs.truncate(last);
            p.schedule
                .retain(|t| !matches!(t, Token::Step(i) | Token::Crash(i) if *i == last));
        }
        p
    }

    /// Appends `t` to the schedule while it is shorter than
    /// [`MAX_SCHEDULE`], and shows the step of the last entry.
    pub fn push_entry(&self, t: Token) -> Edited {
        let mut params = self.clone();
        if params.schedule.len() < MAX_SCHEDULE {
            params.schedule.push(t);
        }
        let step = params.schedule.len().saturating_sub(1) + 1;
        Edited {
            params,
            step,
            focus: None,
        }
    }

    /// The schedule as text: the URL's words joined by commas.
    pub fn schedule_text(&self) -> String {
        self.schedule
            .iter()
            .map(|t| token_slug(*t))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// These parameters with the schedule read from `raw`, the way the URL
    /// is read (so with its limits and its notes), and what was wrong.
    pub fn with_schedule_text(&self, raw: &str) -> (Params, Vec<String>) {
        let mut p = self.clone();
        let mut problems = Vec::new();
        super::read_schedule(&mut p, raw, &mut problems);
        (p, problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Preset;
    use Token::{Crash, Step, Wait};

    fn herd() -> Params {
        Preset::Herd.params()
    }

    #[test]
    fn operations_are_removed_and_added_with_the_focus_on_the_add_buttons() {
        let p = Preset::StaleSet.params();
        let e = p.edit_ops(0, OpEdit::Remove(1)).unwrap();
        assert_eq!(e.params.programs[0], [Op::Read]);
        assert_eq!((e.step, e.focus.as_deref()), (0, Some("ca-add-read-0")));
        let e = p.edit_ops(1, OpEdit::Add(Op::Read)).unwrap();
        assert_eq!(e.params.programs[1], [Op::Write, Op::Read]);
        assert_eq!(e.focus.as_deref(), Some("ca-add-read-1"));
        let e = p.edit_ops(1, OpEdit::Add(Op::Write)).unwrap();
        assert_eq!(e.params.programs[1], [Op::Write, Op::Write]);
        assert_eq!(e.focus.as_deref(), Some("ca-add-write-1"));
        // The schedule is left alone.
        assert_eq!(e.params.schedule, p.schedule);
    }

    #[test]
    fn operation_edits_that_do_not_apply_change_nothing() {
        let mut p = Preset::StaleSet.params();
        assert_eq!(p.edit_ops(0, OpEdit::Remove(2)), None);
        assert_eq!(p.edit_ops(2, OpEdit::Add(Op::Read)), None);
        p.programs[0] = vec![Op::Read; MAX_OPS];
        assert_eq!(p.edit_ops(0, OpEdit::Add(Op::Write)), None);
        assert!(p.edit_ops(0, OpEdit::Remove(MAX_OPS - 1)).is_some());
    }

    #[test]
    fn instances_come_and_go_with_their_entries() {
        let p = herd();
        let two = p.remove_instance();
        assert_eq!(two.programs.len(), 2);
        assert!(two
            .schedule
            .iter()
            .all(|t| !matches!(t, Step(2) | Crash(2))));
        assert_eq!(two.schedule.len(), p.schedule.len() - 3);
        // Two is the fewest.
        assert_eq!(two.remove_instance(), two);
        let three = two.add_instance();
        assert_eq!(
            three.programs,
            [&p.programs[..2], &[vec![Op::Read]]].concat()
        );
        assert_eq!(three.schedule, two.schedule);
        // Up to ten, each reading once; the tenth is the last.
        let mut many = three.clone();
        for _ in 0..20 {
            many = many.add_instance();
        }
        assert_eq!(many.programs.len(), MAX_INSTANCES);
        assert_eq!(many.programs[9], [Op::Read]);
        let mut with_j = many.clone();
        with_j.schedule.push(Step(9));
        assert_eq!(with_j.remove_instance().schedule, many.schedule);
    }

    #[test]
    fn a_new_entry_shows_its_step_until_the_schedule_is_full() {
        let p = Preset::StaleSet.params();
        let e = p.push_entry(Wait(31_000));
        assert_eq!(e.params.schedule.last(), Some(&Wait(31_000)));
        assert_eq!((e.step, e.focus), (p.schedule.len() + 1, None));
        let mut empty = p.clone();
        empty.schedule.clear();
        assert_eq!(empty.push_entry(Step(1)).step, 1);
        let mut full = p.clone();
        full.schedule = vec![Step(0); MAX_SCHEDULE];
        let e = full.push_entry(Step(1));
        assert_eq!(e.params, full);
        assert_eq!(e.step, MAX_SCHEDULE);
    }

    #[test]
    fn the_schedule_reads_back_from_its_text() {
        let p = herd();
        assert_eq!(p.schedule_text(), "a,31s,a,b,c,a,b,c,a,b,c");
        let (q, problems) = p.with_schedule_text(&p.schedule_text());
        assert_eq!((q, problems), (p.clone(), Vec::<String>::new()));
        let (q, problems) = p.with_schedule_text("b, c!, 500ms,d");
        assert_eq!(q.schedule, [Step(1), Crash(2), Wait(500)]);
        assert_eq!(q.programs, p.programs);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("\u{201c}d\u{201d}"), "{problems:?}");
    }

    #[test]
    fn the_text_keeps_the_other_settings() {
        let mut p = Preset::WriteBehindCrash.params();
        p.lease = crate::cache::Lease::On;
        p.jitter_pct = 10;
        p.seed = 9;
        let (q, _) = p.with_schedule_text("a");
        assert_eq!(
            q,
            Params {
                schedule: vec![Step(0)],
                ..p
            }
        );
    }
}
