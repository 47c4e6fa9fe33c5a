//! The tracker finds the anomaly the verdict finds, at every step of every
//! preset at every level of both profiles and of random scenarios.

use super::super::analysis::verdict;
use super::super::lab::{compare, Params, Run, PROFILES};
use super::super::presets;
use crate::rng::Rng;

/// Every step's anomaly, as the run kept it, against the verdict judged
/// from scratch on the database of that step.
fn agrees(p: &Params) {
    let run = Run::new(p);
    for (k, st) in run.steps_list().iter().enumerate() {
        let v = run.verdict(k);
        assert_eq!(st.anomaly, v.anomaly, "step {k} of {p:?}");
        assert_eq!(v, verdict(&run.steps_list()[st.judged_at.unwrap_or(0)].db));
    }
}

/// The level comparison's anomalies, judged by its light runs, against
/// the verdict of a full run at each level.
fn compares(p: &Params) {
    for row in compare(p) {
        let full = Run::new(&Params {
            level: row.level,
            ..p.clone()
        });
        assert_eq!(
            row.anomaly,
            full.final_verdict().anomaly,
            "{:?} of {p:?}",
            row.level
        );
    }
}

#[test]
fn every_preset_at_every_level() {
    for s in presets::all() {
        for profile in PROFILES {
            for &level in profile.levels() {
                if let Some(p) = Params::of_preset(s.name, profile, level) {
                    agrees(&p);
                }
            }
            if let Some(p) = Params::of_preset(s.name, profile, profile.levels()[0]) {
                compares(&p);
            }
        }
    }
}

const STATEMENTS: &[&str] = &[
    "begin",
    "commit",
    "rollback",
    "select * from test where id = 1",
    "select * from test where value > 15 for update",
    "select sum(value) from test where value % 2 = 0",
    "update test set value = value + 1 where id = 1",
    "update test set value = value + 2 where id = 2",
    "update test set value = 7",
    "insert into test (id, value) values (3, 30)",
    "insert into test (id, value) values (4, 5)",
    "delete from test where id = 2",
    "select * from test for share",
];

#[test]
fn random_scenarios() {
    let mut rng = Rng::new(0x7ac_4e5);
    for _ in 0..400 {
        let profile = PROFILES[rng.below(PROFILES.len() as u64) as usize];
        let levels = profile.levels();
        let level = levels[rng.below(levels.len() as u64) as usize];
        let sessions: Vec<Vec<String>> = (0..2 + rng.below(3))
            .map(|_| {
                (0..1 + rng.below(8))
                    .map(|_| STATEMENTS[rng.below(STATEMENTS.len() as u64) as usize].to_string())
                    .collect()
            })
            .collect();
        let mut schedule: Vec<usize> = sessions
            .iter()
            .enumerate()
            .flat_map(|(s, l)| std::iter::repeat_n(s, l.len()))
            .collect();
        for i in (1..schedule.len()).rev() {
            schedule.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let p = Params {
            profile,
            level,
            sessions,
            schedule,
            matrix: false,
            settings: Default::default(),
        };
        agrees(&p);
        compares(&p);
    }
}
