//! The editor's changes: what each does to the statements and the
//! schedule, the step it shows, the element it focuses and its notice.

use super::*;
use crate::isolation::lab::MAX_URL;

/// Two sessions: `a; b` and `c`, interleaved `1 2 1`.
fn small() -> Params {
    Params {
        sessions: vec![vec!["a".into(), "b".into()], vec!["c".into()]],
        schedule: vec![0, 1, 0],
        ..Params::default()
    }
}

fn ran(e: &Edited) -> &Params {
    match &e.params {
        Some(p) => p,
        None => panic!("refused: {:?}", e.note),
    }
}

#[test]
fn added_statements_go_to_the_end_of_the_schedule() {
    let mut p = Params::default();
    let before = p.schedule.len();
    assert_eq!(p.add_statements(1, "select * from test; commit;"), None);
    assert_eq!(p.schedule.len(), before + 2);
    assert_eq!(p.schedule[before..], [1, 1]);
    assert_eq!(p.sessions[1].last().map(String::as_str), Some("commit"));
    let long = "x".repeat(MAX_SQL + 1);
    assert!(p.add_statements(0, &long).is_some());
    assert_eq!(MAX_URL, 4_000);
}

#[test]
fn a_statement_added_shows_the_last_step_and_keeps_the_field() {
    let e = small().add_statement(1, " select  *  from test ; commit");
    let p = ran(&e);
    assert_eq!(p.sessions[1], ["c", "select * from test", "commit"]);
    assert_eq!(p.schedule, [0, 1, 0, 1, 1]);
    assert_eq!(e.step, 5);
    assert_eq!(e.focus.as_deref(), Some("iso-new-1"));
    assert_eq!(e.note, Note::Clear);
    let e = small().add_statement(0, "   ");
    assert_eq!(e.params, None);
    assert_eq!(e.note, Note::Say("Type a statement first.".into()));
    let e = small().add_statement(0, &"x".repeat(MAX_SQL + 1));
    assert_eq!(ran(&e), &small());
    assert!(matches!(e.note, Note::Say(ref n) if n.contains("at most")));
    // A session that does not exist: nothing is added, the last step shown.
    let e = small().add_statement(7, "commit");
    assert_eq!((ran(&e), e.step), (&small(), 3));
    // Past the link's limit: refused, with the reason, and no focus move.
    let mut full = small();
    full.sessions[0] = vec!["y".repeat(MAX_SQL); MAX_STATEMENTS - 1];
    full.sessions[1] = vec!["z".repeat(MAX_SQL); MAX_STATEMENTS];
    full.schedule = round_robin(&[MAX_STATEMENTS - 1, MAX_STATEMENTS]);
    let e = full.add_statement(0, &"w".repeat(MAX_SQL));
    assert_eq!((e.params.is_none(), e.focus.is_none()), (true, true));
    assert!(matches!(e.note, Note::Say(ref n) if n.contains("link would be")));
}

#[test]
fn a_statement_edited_in_place_may_add_more() {
    let p = small();
    assert_eq!(p.edit_statement(0, 2, "x", 1), None);
    assert_eq!(p.edit_statement(5, 0, "x", 1), None);
    let e = p.edit_statement(0, 1, "d; e", 2).expect("edits");
    assert_eq!(ran(&e).sessions[0], ["a", "d", "e"]);
    assert_eq!(ran(&e).schedule, [0, 1, 0, 0]);
    assert_eq!((e.step, e.focus, e.note), (2, None, Note::Clear));
    let e = p.edit_statement(0, 0, " ; ", 2).expect("refuses");
    assert_eq!(e.params, None);
    assert!(matches!(e.note, Note::Say(ref n) if n.contains("cannot be empty")));
    let long = format!("d; {}", "x".repeat(MAX_SQL + 1));
    let e = p.edit_statement(0, 0, &long, 2).expect("refuses");
    assert_eq!(e.params, None);
}

#[test]
fn a_statement_dropped_takes_its_schedule_entry_and_moves_the_focus() {
    let e = small().drop_statement(0, 1).expect("drops");
    assert_eq!(ran(&e).sessions[0], ["a"]);
    // Session 1's second entry was the schedule's third.
    assert_eq!(ran(&e).schedule, [0, 1]);
    assert_eq!(e.step, 0);
    assert_eq!(e.focus.as_deref(), Some("iso-q-0-0-remove"));
    assert_eq!(e.note, Note::Clear);
    let e = small().drop_statement(0, 0).expect("drops");
    assert_eq!(ran(&e).schedule, [1, 0]);
    assert_eq!(e.focus.as_deref(), Some("iso-q-0-0-remove"));
    let e = small().drop_statement(1, 0).expect("drops");
    assert_eq!(ran(&e).schedule, [0, 0]);
    assert_eq!(e.focus.as_deref(), Some("iso-new-1"));
    assert_eq!(small().drop_statement(1, 1), None);
    assert_eq!(small().drop_statement(2, 0), None);
}

#[test]
fn sessions_are_added_and_removed_within_their_limits() {
    let e = small().add_session().expect("adds");
    assert_eq!(ran(&e).sessions.len(), 3);
    assert_eq!((e.step, e.note.clone()), (0, Note::Keep));
    assert_eq!(e.focus.as_deref(), Some("iso-new-2"));
    let three = ran(&e).clone();
    let e = three.remove_session().expect("removes");
    assert_eq!(ran(&e), &small());
    assert_eq!(e.focus.as_deref(), Some(ADD_SESSION_ID));
    assert_eq!(small().remove_session(), None);
    let mut most = small();
    most.sessions.resize(MAX_SESSIONS, Vec::new());
    assert_eq!(most.add_session(), None);
    let e = most.remove_session().expect("removes");
    assert_eq!(ran(&e).sessions.len(), MAX_SESSIONS - 1);
}

#[test]
fn the_schedule_is_typed_interleaved_or_dragged() {
    let e = small().with_schedule_text("2 1 1");
    assert_eq!(ran(&e).schedule, [1, 0, 0]);
    assert_eq!((e.step, e.note.clone()), (0, Note::Clear));
    let e = small().with_schedule_text("2 9");
    assert_eq!(ran(&e).schedule, [1, 0, 0]);
    assert!(
        matches!(e.note, Note::Say(ref n) if n.contains("\u{201c}9\u{201d}") && n.contains("added at the end"))
    );
    let e = small().take_turns();
    assert_eq!(ran(&e).schedule, [0, 1, 0]);
    assert_eq!((e.step, e.note), (0, Note::Keep));
    let e = small().move_entry(2, 0).expect("moves");
    assert_eq!(ran(&e).schedule, [0, 0, 1]);
    assert_eq!((e.step, e.focus), (1, None));
    let e = small().move_entry(0, 1).expect("moves");
    assert_eq!(ran(&e).schedule, [1, 0, 0]);
    assert_eq!(e.step, 2);
    assert_eq!(small().move_entry(1, 1), None);
    assert_eq!(small().move_entry(3, 0), None);
    assert_eq!(small().move_entry(0, 3), None);
}

#[test]
fn a_notice_is_kept_cleared_or_set() {
    assert_eq!(Note::Keep.to_set(), None);
    assert_eq!(Note::Clear.to_set(), Some(None));
    assert_eq!(Note::Say("x".into()).to_set(), Some(Some("x".into())));
}
