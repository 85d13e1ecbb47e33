//! `segc test` on the command line: exit codes (0 all pass, 1 a failure or rules with errors,
//! 2 a missing file), each `--format`, `--filter` and `--coverage`, and the example's tests.

use std::process::Command;

use crate::common::cli::{repo, segc, status, transcript};

/// The transcript of `segc test ARGS` run from the checkout, with times hidden.
fn test_transcript(args: &[&str]) -> String {
    let mut command: Command = segc();
    command.current_dir(repo(".")).arg("test").args(args);
    hide_times(&transcript(&mut command))
}

fn hide_times(text: &str) -> String {
    let times =
        regex::Regex::new(r#"\(\d+ ms\)|\(\d+\.\d+ s\)|"time_ms": [0-9.e-]+|time="[0-9.]+""#)
            .expect("regex");
    times
        .replace_all(text, |c: &regex::Captures| {
            let found = &c[0];
            if found.starts_with("\"time_ms") {
                "\"time_ms\": [TIME]".to_string()
            } else if found.starts_with("time=") {
                "time=\"[TIME]\"".to_string()
            } else {
                "([TIME])".to_string()
            }
        })
        .into_owned()
}

const PASSING: &str = "tests/fixtures/testing/passing.seg";
const FAILING: &str = "tests/fixtures/testing/failing.seg";
const MISSING: &str = "tests/fixtures/testing/missing_file.seg";

#[test]
fn passing_tests_exit_0() {
    insta::assert_snapshot!(test_transcript(&[PASSING]));
}

#[test]
fn a_failing_test_exits_1_with_a_diff() {
    insta::assert_snapshot!(test_transcript(&[FAILING, PASSING]));
}

#[test]
fn a_missing_file_exits_2() {
    assert_eq!(
        status(segc().current_dir(repo(".")).args(["test", MISSING])),
        2
    );
}

#[test]
fn rules_with_errors_exit_1_and_run_no_test() {
    insta::assert_snapshot!(
        test_transcript(&["tests/fixtures/check/errors/tests.seg"])
            .lines()
            .filter(|l| !l.starts_with(' ') && !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn json_lists_every_test_with_its_problems() {
    insta::assert_snapshot!(test_transcript(&["--format", "json", FAILING]));
}

#[test]
fn junit_has_one_case_per_test() {
    insta::assert_snapshot!(test_transcript(&["--format", "junit", FAILING, PASSING]));
}

#[test]
fn github_annotates_each_failure() {
    insta::assert_snapshot!(test_transcript(&["--format", "github", FAILING]));
}

#[test]
fn filter_and_coverage() {
    insta::assert_snapshot!(test_transcript(&[
        "--filter",
        "inline",
        "--coverage",
        PASSING
    ]));
}

#[test]
fn the_examples_tests_pass() {
    // Under a folder, every file with tests runs them; files without tests (shared
    // declarations, b2b/kpis.seg) are left alone.
    let text = test_transcript(&["examples"]);
    assert!(text.starts_with("exit: 0\n"), "{text}");
    assert!(text.contains("11 passed, 0 failed"), "{text}");
    assert!(!text.contains("b2b/kpis.seg"), "{text}");
}

#[test]
fn a_csv_file_outside_the_project_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("project")).expect("folder");
    std::fs::create_dir_all(dir.path().join("elsewhere")).expect("folder");
    std::fs::write(dir.path().join("elsewhere/rows.csv"), "customer_id\n1\n").expect("csv");
    let rules = dir.path().join("project/rules.seg");
    std::fs::write(
        &rules,
        "source customers from parquet \"c.parquet\" {\n  key customer_id: int\n}\npopulation customers\nsegment all = customer_id > 0\n\ntest outside as_of @2026-11-01 {\n  customers from csv \"../elsewhere/rows.csv\"\n  expect all = []\n}\n",
    )
    .expect("rules");
    let mut command = segc();
    command
        .current_dir(dir.path().join("project"))
        .args(["test", "rules.seg"]);
    let text = transcript(&mut command);
    assert!(
        text.starts_with("exit: 2\n") && text.contains("E0717"),
        "{text}"
    );
}
