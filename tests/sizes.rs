//! Size expectations (`expect size between 2% and 10%`): judged by `segc run` from the members
//! it counted, reported as warnings or errors, recorded in summary.json, gated by `--fail-on
//! expectation`.

use std::path::Path;

use crate::common::cli::{segc, status, transcript};
use crate::common::{rendered, run_csv, session};
use segc::lower::Selection;

const FIXTURE: &str = "tests/fixtures/run/size_expectations/rules.seg";

/// A rule file over the fixture's customers (10, of which 6 clients), with `segments` after
/// the source: the folder holding it.
fn rules_with(segments: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        "tests/fixtures/run/size_expectations/customers.csv",
        dir.path().join("customers.csv"),
    )
    .expect("data");
    let rules = format!(
        "source customers from csv \"customers.csv\" {{\n  key customer_id: int\n  status: string\n  revenue: int\n}}\n\n{segments}"
    );
    std::fs::write(dir.path().join("rules.seg"), rules).expect("rules");
    dir
}

fn run(dir: &Path, extra: &[&str]) -> std::process::Command {
    let mut command = segc();
    command
        .current_dir(dir)
        .args([
            "run",
            "rules.seg",
            "--out",
            "out",
            "--as-of",
            "2026-11-01",
            "--quiet",
        ])
        .args(extra);
    command
}

#[test]
fn broken_expectations_are_diagnostics_at_their_clause() {
    let rules = Path::new(FIXTURE);
    let session = session(rules, false).expect("checks");
    let out = tempfile::tempdir().expect("tempdir");
    let ran = run_csv(&session, rules, &Selection::All, out.path()).expect("runs");
    let codes: Vec<&str> = ran.diagnostics.iter().map(|d| d.code()).collect();
    assert_eq!(codes, ["W1401", "W1401", "E1410", "E1410"]);
    insta::assert_snapshot!(rendered(rules, &ran.diagnostics));
    // The outputs are published with the judged expectations.
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("summary.json")).expect("summary"),
    )
    .expect("json");
    let broken: Vec<&str> = summary["expectations"]
        .as_array()
        .expect("expectations")
        .iter()
        .filter(|e| e["met"] == false)
        .map(|e| e["expectation"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        broken,
        [
            "members >= 7",
            "size <= 25% of clients",
            "members between 3 and 10",
            "size >= 50%"
        ]
    );
}

#[test]
fn errors_fail_the_run_and_warnings_only_with_fail_on() {
    // An expectation made an error fails the run (exit 1), after writing.
    let dir = rules_with("segment vip = revenue >= 5000\n  expect members >= 3 else error\n");
    assert_eq!(status(&mut run(dir.path(), &[])), 1);
    assert!(dir.path().join("out/summary.json").exists());

    // A broken warning exits 0, and 1 with `--fail-on expectation`.
    let dir = rules_with("segment vip = revenue >= 5000\n  expect members >= 3\n");
    assert_eq!(status(&mut run(dir.path(), &[])), 0);
    insta::assert_snapshot!(transcript(&mut run(
        dir.path(),
        &["--fail-on", "expectation"]
    )));

    // Expectations that hold pass the gate.
    let dir = rules_with(
        "segment vip = revenue >= 5000\n  expect members between 1 and 2\n  expect size <= 20%\n",
    );
    assert_eq!(
        status(&mut run(dir.path(), &["--fail-on", "expectation"])),
        0
    );
}

#[test]
fn a_run_of_selected_segments_judges_what_it_counted() {
    // `vip`'s share of `clients` needs `clients` counted: without it, it is not judged.
    let dir = rules_with(
        "segment clients = status == \"client\"\nsegment vip = clients and revenue >= 5000\n  expect size >= 50% of clients\n  expect members >= 5\n",
    );
    assert_eq!(
        status(&mut run(
            dir.path(),
            &["--segment", "vip", "--fail-on", "expectation"]
        )),
        1
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/summary.json")).expect("summary"),
    )
    .expect("json");
    let judged: Vec<&str> = summary["expectations"]
        .as_array()
        .expect("expectations")
        .iter()
        .map(|e| e["expectation"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(judged, ["members >= 5"]);
}

fn kpi(dir: &Path, extra: &[&str]) -> std::process::Command {
    let mut command = segc();
    command
        .current_dir(dir)
        .args(["kpi", "rules.seg", "--as-of", "2026-11-01"])
        .args(extra);
    command
}

#[test]
fn segc_kpi_judges_the_expectations_of_its_groups() {
    // `vip` (2 members) is a KPI group: its expectations are judged from the members the KPI
    // plan counted, as are those of the tiers of `band` (a share of `vip`, also a group);
    // `clients` is no group, and its broken expectation is not judged.
    let dir = rules_with(
        "segment clients = status == \"client\"\n  expect members >= 100\nsegment vip = clients and revenue >= 5000\n  expect size <= 10%\n  expect members between 1 and 5 else error\n\ntiers band {\n  high: revenue >= 5000\n    expect size >= 50% of vip\n    expect members >= 3\n  low: else\n}\n\nkpi spend for vip {\n  value  = avg(revenue)\n  target >= 1000\n}\n\nkpi band_spend for each band {\n  value  = avg(revenue)\n  target >= 0\n}\n",
    );
    insta::assert_snapshot!(transcript(&mut kpi(dir.path(), &[])));
    assert_eq!(
        status(&mut kpi(dir.path(), &["--fail-on", "expectation"])),
        1
    );
    // The reports list the expectations judged, met or not: JSON (`expectations`, as in
    // summary.json) and Markdown.
    let json = kpi(dir.path(), &["--format", "json"])
        .output()
        .expect("segc runs");
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    insta::assert_json_snapshot!("kpi_json_expectations", report["expectations"]);
    insta::assert_snapshot!(
        "kpi_markdown_expectations",
        transcript(&mut kpi(dir.path(), &["--format", "markdown"]))
    );
    // An expectation made an error fails `segc kpi` too.
    let dir = rules_with(
        "segment vip = revenue >= 5000\n  expect members >= 3 else error\n\nkpi spend for vip {\n  value  = avg(revenue)\n  target >= 1000\n}\n",
    );
    assert_eq!(status(&mut kpi(dir.path(), &[])), 1);
}
