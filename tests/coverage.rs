//! `segc test --coverage` measures tier arms and score rules as hidden segments of a copy of
//! the program (`testing::probed`). Over every test of the examples and of the testing
//! fixtures (but those of files that rank members: their plans are made per test), the plan with those hidden columns gives the run plan's members, tiers, scores and
//! values exactly, and its hidden columns agree with them: each member's tier is the first arm
//! whose hidden flag is true, each score the sum of the points of the rules whose flag is true.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::display::array_value_to_string;
use segc::engine::Engine;
use segc::hir::{self, OutputId};

use crate::testing::rule_files_under;

/// The value of `column` at `row` as text (`""` for null).
fn cell(batch: &RecordBatch, column: &str, row: usize) -> String {
    let array = batch
        .column_by_name(column)
        .unwrap_or_else(|| panic!("no column {column}"));
    match array.is_null(row) {
        true => String::new(),
        false => array_value_to_string(array, row).expect("shown"),
    }
}

/// Each test of `program` run by the plan without and with the probes: (exact, probed).
fn both_plans(path: &Path, program: &hir::Program) -> Vec<(RecordBatch, RecordBatch)> {
    let mut exact = program.clone();
    for kpi in &mut exact.kpis {
        kpi.frozen = None;
    }
    let probed = segc::testing::probed(&exact);
    let (exact, probed_program) = (Arc::new(exact), Arc::new(probed.program));
    let base = path.parent().expect("folder");
    let roots = segc::engine::DataRoots::anywhere();
    crate::common::runtime().block_on(async {
        let mut engine = Engine::for_tests().expect("engine");
        engine.register_test_scans(&probed_program);
        let mut runs = Vec::new();
        for test in &exact.tests {
            let params = segc::lower::Params { as_of: test.as_of };
            if Engine::test_rows(&exact, test, base, &roots).is_err() {
                continue; // a test of a missing CSV file: it runs no plan
            }
            let mut batches = Vec::new();
            for planned in [&exact, &probed_program] {
                // A program that ranks members plans per test: not what is compared here.
                let Some(prepared) = engine
                    .prepare_tests(planned, params, false)
                    .await
                    .expect("planned")
                else {
                    return Vec::new();
                };
                let rows = Engine::test_rows(planned, test, base, &roots).expect("rows");
                let (members, _) = prepared.run(Arc::clone(planned), rows).await.expect("ran");
                // No batch: no member among the test's rows.
                if let Some(first) = members.first() {
                    batches.push(
                        datafusion::arrow::compute::concat_batches(&first.schema(), &members)
                            .expect("one batch"),
                    );
                }
            }
            if let [exact, probed] = &batches[..] {
                runs.push((exact.clone(), probed.clone()));
            } else {
                assert!(batches.is_empty(), "{}: one plan gave no row", test.name);
            }
        }
        runs
    })
}

#[test]
fn coverage_columns_agree_with_the_run_plan() {
    let mut files = rule_files_under(Path::new("examples"));
    files.extend(rule_files_under(Path::new("tests/fixtures/testing")));
    let (mut compared, mut arms, mut rules) = (0, 0, 0);
    for path in files {
        let Ok(session) = crate::common::session(&path, false) else {
            continue; // a file of shared declarations
        };
        let program = session.program();
        let probed = segc::testing::probed(program);
        let column = |probe: segc::testing::Probe| {
            probed
                .probes
                .iter()
                .find(|(p, _)| *p == probe)
                .map(|(_, c)| c.clone())
        };
        for (exact, with_probes) in both_plans(&path, program) {
            // The run plan's columns, the same in the plan with the probes.
            for field in exact.schema().fields() {
                let name = field.name();
                for row in 0..exact.num_rows() {
                    assert_eq!(
                        cell(&exact, name, row),
                        cell(&with_probes, name, row),
                        "{}: {name}",
                        path.display()
                    );
                }
            }
            for output in &program.outputs {
                for row in 0..exact.num_rows() {
                    match *output {
                        OutputId::Tiers(id) if !program.tiers[id.0].is_split => {
                            let tiers = &program.tiers[id.0];
                            let first = tiers.arms.iter().enumerate().find(|(a, arm)| {
                                match &arm.condition {
                                    None => true,
                                    Some(_) => {
                                        let probe = column(segc::testing::Probe::TierArm(id, *a))
                                            .expect("probed");
                                        cell(&with_probes, &probe, row) == "true"
                                    }
                                }
                            });
                            let expected =
                                first.map(|(_, arm)| arm.name.clone()).unwrap_or_default();
                            assert_eq!(
                                cell(&exact, &tiers.name, row),
                                expected,
                                "{}: {}",
                                path.display(),
                                tiers.name
                            );
                            arms += 1;
                        }
                        OutputId::Score(id)
                            if program.scores[id.0].rules.iter().all(|r| r.value.is_none()) =>
                        {
                            let score = &program.scores[id.0];
                            let sum: f64 = score
                                .rules
                                .iter()
                                .enumerate()
                                .filter(|(r, _)| {
                                    let probe = column(segc::testing::Probe::ScoreRule(id, *r))
                                        .expect("probed");
                                    cell(&with_probes, &probe, row) == "true"
                                })
                                .map(|(_, rule)| rule.points)
                                .sum();
                            let value: f64 =
                                cell(&exact, &score.name, row).parse().expect("a number");
                            assert!(
                                (value - sum).abs() < 1e-9,
                                "{}: {} = {value}, rules give {sum}",
                                path.display(),
                                score.name
                            );
                            rules += 1;
                        }
                        _ => {}
                    }
                }
            }
            compared += 1;
        }
    }
    assert!(
        compared >= 15 && arms > 0 && rules > 0,
        "{compared} tests, {arms} tiers, {rules} scores"
    );
}
