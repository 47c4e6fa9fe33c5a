//! The run's builder one piece at a time: a statement sent and settled, the
//! waiting statements it releases, every step judged (a light run's last only),
//! and the captions' endings.

use super::*;

#[test]
fn a_commit_releases_the_waiting_update() {
    // P4: both sessions read row 1, then update it; session 2's update
    // waits for session 1, whose commit releases it.
    let p = Params::default();
    let entries = p.entries();
    let mut b = Builder::new(&p, false);
    assert_eq!(b.first_step().outcome, Outcome::Start);
    for (k, &(s, j)) in entries.iter().enumerate().take(4) {
        b.step(k + 1, s, j);
    }
    assert_eq!(b.waiting[1], Some((4, 1)));
    assert_eq!(b.status[1][1], Status::Waiting { since: 4, on: 0 });
    let (s, j) = entries[4];
    let commit = match b.parsed[s][j].clone() {
        Ok(stmt) => stmt,
        Err(e) => panic!("{e:?}"),
    };
    let mut released = Vec::new();
    let (own, blocked) = b.send(5, s, &commit, &mut released);
    assert_eq!((own, blocked), (Some(Answer::Done), None));
    assert_eq!(released, vec![(1, 1, Answer::Changed(1))]);
    assert_eq!(b.waiting[1], None);
    assert!(matches!(
        b.status[1][1],
        Status::Done { sent: 4, at: 5, .. }
    ));
    assert_eq!(
        b.released_text(&released),
        " Session 2's waiting \u{201c}update test set value = 11 where id = 1\u{201d} now completes: 1 row changed."
    );
}

#[test]
fn a_statement_settles_as_finished_waiting_or_not_sent() {
    let p = Params::default();
    let mut b = Builder::new(&p, false);
    let stmt = Stmt::Commit;
    let sent = |s, j| Sent {
        at: 3,
        s,
        j,
        tx_before: None,
    };
    let mut caption = String::from("start: ");
    let out = b.settle(sent(0, 0), &stmt, Some(Answer::Done), None, &mut caption);
    assert_eq!(out, Outcome::Finished(Answer::Done));
    assert_eq!(caption, "start: there is no transaction to commit.");
    let mut caption = String::new();
    assert_eq!(
        b.settle(sent(1, 0), &stmt, None, Some(0), &mut caption),
        Outcome::Blocked(0)
    );
    assert_eq!(b.waiting[1], Some((3, 0)));
    assert!(
        caption.starts_with("it must wait, because Session 1 (T1)"),
        "{caption}"
    );
    let mut caption = String::from("replaced");
    assert_eq!(
        b.settle(sent(0, 1), &stmt, None, None, &mut caption),
        Outcome::NotSent
    );
    assert_eq!(b.status[0][1], Status::NotSent { at: 3 });
    assert!(
        caption.starts_with("Session 1 is still waiting, so its next statement, \u{201c}update"),
        "{caption}"
    );
}

#[test]
fn a_light_run_judges_only_its_last_step() {
    let p = Params::default();
    let entries = p.entries();
    let mut b = Builder::new(&p, true);
    let steps: Vec<Step> = entries
        .iter()
        .enumerate()
        .map(|(k, &(s, j))| b.step(k + 1, s, j))
        .collect();
    let (last, inner) = steps.split_last().expect("steps");
    assert!(inner
        .iter()
        .all(|st| st.anomaly.is_none() && st.judged_at.is_none() && st.db.versions().is_empty()));
    assert_eq!(last.anomaly, Some(Anomaly::LostUpdate));
    assert_eq!(last.judged_at, Some(entries.len()));
    assert!(!last.db.versions().is_empty());
    // The full run judges every step.
    let mut b = Builder::new(&p, false);
    for (k, &(s, j)) in entries.iter().enumerate().take(5) {
        assert_eq!(b.step(k + 1, s, j).judged_at, Some(k + 1));
    }
}

#[test]
fn the_caption_ends_with_the_verdict_and_the_open_transactions() {
    let p = Params {
        sessions: vec![vec!["select * from test".into()], vec![]],
        schedule: vec![0],
        ..Params::default()
    };
    let mut b = Builder::new(&p, false);
    let st = b.step(1, 0, 0);
    assert_eq!(
        st.caption,
        "Session 1 runs \u{201c}select * from test\u{201d} (plan: Seq Scan on test): it reads id 1 = 10, id 2 = 20. End of the schedule: serializable. Still open, and left out of the verdict: T1 and T2."
    );
    // A read by key is an index scan, unless the lab turns them off; other
    // engines name no plan.
    let by_key = |profile, planner| {
        let p = Params {
            profile,
            sessions: vec![vec!["select * from test where id > 1".into()], vec![]],
            schedule: vec![0],
            settings: Settings {
                planner,
                ..Settings::default()
            },
            ..Params::default()
        };
        Builder::new(&p, false).step(1, 0, 0).caption
    };
    let c = by_key(Profile::Postgres, Planner::Default);
    assert!(
        c.contains("(plan: Bitmap Heap Scan on test, over Bitmap Index Scan on test_pkey)"),
        "{c}"
    );
    let c = by_key(Profile::Postgres, Planner::SeqScanOnly);
    assert!(c.contains("(plan: Seq Scan on test)"), "{c}");
    let c = by_key(Profile::Innodb, Planner::Default);
    assert!(!c.contains("plan:"), "{c}");
    let lost = Some(Anomaly::LostUpdate);
    assert_eq!(
        b.closing_text(0, lost),
        " The anomaly is now certain: lost update (P4)."
    );
    b.certain = true;
    assert_eq!(b.closing_text(0, lost), "");
}
