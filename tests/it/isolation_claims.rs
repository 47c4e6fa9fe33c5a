//! The ACID page's claims about MySQL's InnoDB each link to a lab frame;
//! this test opens every such link and checks that the frame shows what
//! the sentence around it says.

use std::path::Path;

use backend_playground::sim::isolation::analysis::Anomaly;
use backend_playground::sim::isolation::db::{Answer, DbError};
use backend_playground::sim::isolation::lab::{Outcome, Run};
use backend_playground::sim::isolation::sql::Level;
use backend_playground::sim::model::open;

/// What a linked frame must show.
enum Shows {
    /// The run ends with this verdict (`None`: serializable).
    Verdict(Option<Anomaly>),
    /// The linked step's statement waits.
    Waits,
    /// The linked step's statement (or one it releases) fails with this
    /// error, and the run ends serializable.
    Fails(DbError),
    /// The linked step finishes with this answer.
    Answers(Answer),
}

/// Every InnoDB link of the page, and what its frame shows.
fn claims() -> Vec<(&'static str, Shows, Option<Level>)> {
    use Shows::*;
    vec![
        (
            "profile=innodb&preset=non-repeatable-read&step=4",
            Answers(Answer::Rows(vec![(1, 10)])),
            Some(Level::RepeatableRead),
        ),
        (
            "profile=innodb&level=repeatable-read&preset=P4&step=5",
            Verdict(Some(Anomaly::ReadSkew)),
            None,
        ),
        (
            "profile=innodb&level=repeatable-read&preset=gap-lock&step=2",
            Waits,
            None,
        ),
        (
            "profile=innodb&level=read-committed&preset=gap-lock&step=2",
            Answers(Answer::Changed(1)),
            None,
        ),
        (
            "profile=innodb&level=repeatable-read&preset=lost-update&step=6",
            Verdict(Some(Anomaly::LostUpdate)),
            None,
        ),
        (
            "profile=innodb&level=repeatable-read&preset=G2-item&step=6",
            Verdict(Some(Anomaly::WriteSkew)),
            None,
        ),
        (
            "profile=innodb&level=serializable&preset=lost-update&step=4",
            Fails(DbError::DeadlockFound),
            None,
        ),
        (
            "profile=innodb&level=serializable&preset=G-single&step=4",
            Waits,
            None,
        ),
        (
            "profile=innodb&level=serializable&preset=G2-item&step=4",
            Fails(DbError::DeadlockFound),
            None,
        ),
    ]
}

fn pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn every_mysql_claim_on_the_acid_page_links_to_a_frame_that_shows_it() {
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("content/acid.md"))
            .expect("content/acid.md is readable");
    let linked: Vec<&str> = page
        .split("](topic:acid?")
        .skip(1)
        .filter_map(|p| p.split(['#', ')']).next())
        .filter(|q| q.contains("profile=innodb"))
        .collect();
    let claims = claims();
    // Every InnoDB link is checked here, and every claim is on the page.
    for q in &linked {
        assert!(claims.iter().any(|c| c.0 == *q), "unchecked link: {q}");
    }
    for (q, _, _) in &claims {
        assert!(linked.contains(q), "not on the page: {q}");
    }
    for (q, shows, level) in claims {
        let o = open::<Run>(&pairs(q));
        assert!(o.problems.is_empty(), "{q}: {:?}", o.problems);
        if let Some(level) = level {
            assert_eq!(o.run.params().level, level, "{q}: the default level");
        }
        let step = o.run.step(o.step);
        match shows {
            Shows::Verdict(v) => assert_eq!(o.run.final_verdict().anomaly, v, "{q}"),
            Shows::Waits => assert!(matches!(step.outcome, Outcome::Blocked(_)), "{q}"),
            Shows::Fails(e) => {
                let own = matches!(&step.outcome, Outcome::Finished(Answer::Error(x)) if *x == e);
                let released = step.released.iter().any(|r| r.2 == Answer::Error(e));
                assert!(own || released, "{q}: {}", step.caption);
                assert_eq!(o.run.final_verdict().anomaly, None, "{q}");
            }
            Shows::Answers(a) => {
                assert!(
                    matches!(&step.outcome, Outcome::Finished(x) if *x == a),
                    "{q}: {}",
                    step.caption
                );
            }
        }
    }
}
