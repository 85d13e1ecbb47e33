//! `segc kpi`: reports in every format, baselines recorded and read, the CI gate, exit codes.

use crate::common::cli::{repo, segc, status, transcript};

const RULES: &str = "examples/kpi/kpis.seg";
const BASELINE: &str = "examples/kpi/baseline.json";

fn kpi(extra: &[&str]) -> std::process::Command {
    let mut command = segc();
    command
        .current_dir(repo(""))
        .args(["kpi", RULES, "--as-of", "2026-11-01"])
        .args(extra);
    command
}

/// A copy of the KPI example whose project names a baseline file not recorded yet (and reads the
/// example's data where it is): `segc kpi` as before a team's first `--save-baseline`.
fn unrecorded() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("examples/kpi");
    std::fs::create_dir_all(&folder).expect("folder");
    let data = repo("examples/retail/data");
    let rules = std::fs::read_to_string(repo(RULES))
        .expect("example")
        .replace("\"../retail/data/", &format!("\"{}/", data.display()));
    std::fs::write(folder.join("kpis.seg"), rules).expect("rules");
    std::fs::create_dir(folder.join("data")).expect("folder");
    for file in std::fs::read_dir(repo("examples/kpi/data")).expect("data") {
        let file = file.expect("file").path();
        let name = file.file_name().expect("name");
        std::fs::copy(&file, folder.join("data").join(name)).expect("copy");
    }
    let settings = format!(
        "[kpi]\nbaseline = \"baseline.json\"\n\n[data]\nroots = [\"{}\"]\n",
        data.display()
    );
    std::fs::write(folder.join("segc.toml"), settings).expect("settings");
    dir
}

/// The JSON report judged against `baseline`, which must succeed without diagnostics.
fn json_report(baseline: &str) -> serde_json::Value {
    let output = kpi(&["--baseline", baseline, "--format", "json"])
        .output()
        .expect("segc runs");
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("json")
}

/// A/B readouts in every format: arms against their control, with the difference, its
/// confidence interval, the p-value and the minimum detectable effect, and W1003 for arms too
/// small to detect the change they are meant to (a warning: exit 0).
#[test]
fn readouts_in_every_format() {
    for format in ["table", "json", "markdown"] {
        let mut command = segc();
        command.current_dir(repo("")).args([
            "kpi",
            "examples/kpi/campaign.seg",
            "--as-of",
            "2026-11-01",
            "--format",
            format,
            // One partition: a sample variance merged across partitions may differ in its last
            // bits from run to run, and the JSON shows every bit.
            "--threads",
            "1",
        ]);
        insta::assert_snapshot!(format!("kpi_readouts_{format}"), transcript(&mut command));
    }
}

#[test]
fn reports_as_a_table_json_and_markdown() {
    insta::assert_snapshot!("kpi_table", transcript(&mut kpi(&["--baseline", BASELINE])));
    insta::assert_snapshot!(
        "kpi_markdown",
        transcript(&mut kpi(&["--baseline", BASELINE, "--format", "markdown"]))
    );
    insta::assert_json_snapshot!("kpi_json", json_report(BASELINE));
}

#[test]
fn fail_on_gates_ci() {
    // Retention missed its target; several KPIs are behind.
    assert_eq!(status(&mut kpi(&["--baseline", BASELINE])), 0);
    assert_eq!(
        status(&mut kpi(&["--baseline", BASELINE, "--fail-on", "miss"])),
        1
    );
    assert_eq!(
        status(&mut kpi(&["--baseline", BASELINE, "--fail-on", "warn"])),
        1
    );
    // The conversion KPI is met for one group and behind for the other.
    let conversion = ["--baseline", BASELINE, "--kpi", "conversion", "--fail-on"];
    assert_eq!(status(&mut kpi(&[&conversion[..], &["miss"]].concat())), 0);
    assert_eq!(status(&mut kpi(&[&conversion[..], &["warn"]].concat())), 1);
    insta::assert_snapshot!(
        "kpi_fail_on",
        transcript(&mut kpi(&[
            "--baseline",
            BASELINE,
            "--kpi",
            "retention",
            "--fail-on",
            "miss"
        ]))
    );
}

#[test]
fn a_relative_target_without_baseline_is_a_diagnostic() {
    // The report is printed, each relative target `no baseline`, and the exit is 1.
    let dir = unrecorded();
    let mut command = kpi(&["--kpi", "cac", "--kpi", "clv"]);
    insta::assert_snapshot!(
        "kpi_without_baseline",
        transcript(command.current_dir(dir.path()))
    );
}

#[test]
fn save_baseline_records_values_that_the_next_run_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let saved = dir.path().join("baselines/kpi-baseline.json");
    let saved_text = saved.to_str().expect("path");
    let project = unrecorded();
    let record = |format: &str| {
        let mut command = segc();
        command.current_dir(project.path()).args([
            "kpi",
            RULES,
            "--as-of",
            "2026-01-01",
            "--save-baseline",
            saved_text,
            "--format",
            format,
        ]);
        command
    };
    // A usage error exits 2 and writes nothing.
    assert_eq!(status(&mut record("yaml")), 2);
    assert!(!saved.exists());

    let mut first = record("json");
    let output = first.output().expect("segc runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("W1001"), "{stderr}");
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("saved")).expect("json");
    assert_eq!(recorded["segc_baseline"], 2, "values keyed by rule file");
    let entry = &recorded["files"][0];
    assert_eq!(entry["as_of"], "2026-01-01");
    assert!(
        entry["rules"]
            .as_str()
            .is_some_and(|r| r.ends_with("examples/kpi/kpis.seg")),
        "the rule file from the baseline's folder: {entry}"
    );
    assert_eq!(entry["values"].as_array().map(Vec::len), Some(10));

    // Judged against itself (the data does not change): every relative target of a rise is
    // behind its pace, and no diagnostic is left.
    let output = kpi(&["--baseline", saved_text, "--format", "json"])
        .current_dir(project.path())
        .output()
        .expect("segc runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let clv = &report["kpis"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["kpi"] == "clv")
        .expect("clv")
        .clone();
    assert_eq!(clv["status"], "behind");
    assert_eq!(clv["baseline"]["as_of"], "2026-01-01");
}

#[test]
fn bad_baselines_and_selections_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{\"values\": 3}").expect("write");
    let garbage = garbage.to_str().expect("path");
    insta::assert_snapshot!(
        "kpi_bad_baseline",
        transcript(&mut kpi(&["--baseline", garbage]))
            .replace(dir.path().to_str().expect("path"), "[TMP]")
    );
    assert_eq!(
        status(&mut kpi(&["--baseline", "no/such/baseline.json"])),
        2
    );
    insta::assert_snapshot!(
        "kpi_unknown_kpi",
        transcript(&mut kpi(&["--kpi", "retension"]))
    );
}

#[test]
fn rules_without_kpis_exit_1() {
    insta::assert_snapshot!(
        "kpi_none",
        transcript(segc().current_dir(repo("")).args([
            "kpi",
            "examples/rfm/rfm.seg",
            "--as-of",
            "2026-11-01"
        ]))
    );
}

#[test]
fn explain_shows_the_kpi_plan() {
    let output = segc()
        .current_dir(repo(""))
        .args([
            "explain",
            RULES,
            "--kpis",
            "--declared",
            "--as-of",
            "2026-11-01",
        ])
        .output()
        .expect("segc runs");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Aggregate: groupBy=[[]]"), "{text}");
    assert!(text.contains("__kpi_0_0"), "{text}");
}

#[test]
fn baselines_dated_after_the_evaluation_or_the_deadline_are_refused() {
    let rules = repo("examples/kpi/kpis.seg");
    let baseline = repo("examples/kpi/baseline.json");
    // The example's baseline is dated 2026-01-01: a run of an earlier date cannot start from it.
    let early = transcript(
        segc()
            .args(["kpi"])
            .arg(&rules)
            .args(["--as-of", "2025-12-01", "--baseline"])
            .arg(&baseline),
    );
    assert!(early.starts_with("exit: 1"), "{early}");
    assert!(
        early.contains("E1020")
            && early.contains("is dated 2026-01-01, after --as-of (2025-12-01)"),
        "{early}"
    );
    // A baseline recorded after the deadline (`by @2026-12-31`).
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(&baseline).expect("baseline");
    let late = dir.path().join("late.json");
    std::fs::write(
        &late,
        text.replace("\"as_of\": \"2026-01-01\"", "\"as_of\": \"2027-01-15\""),
    )
    .expect("write");
    let after = transcript(
        segc()
            .args(["kpi"])
            .arg(&rules)
            .args(["--as-of", "2027-02-01", "--baseline"])
            .arg(&late),
    );
    assert!(after.starts_with("exit: 1"), "{after}");
    assert!(after.contains("after the deadline (2026-12-31)"), "{after}");
}
