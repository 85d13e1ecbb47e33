//! KPIs frozen to a run's audience (`kpi k for each offer frozen "runs/oct"`): `segc run` at
//! one date writes the audience, `segc kpi` at a later date, when the split has taken new
//! members, measures the members the run wrote.

use std::path::Path;

use crate::common::cli::{segc, transcript};

/// A copy of the fixture in a fresh folder, with `segc run` at 2026-10-01 written to `runs/oct`.
fn frozen_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for file in ["rules.seg", "customers.csv"] {
        std::fs::copy(
            Path::new("tests/fixtures/frozen").join(file),
            dir.path().join(file),
        )
        .expect("copy");
    }
    run_october(dir.path(), "rules.seg", "runs/oct");
    dir
}

/// `segc run RULES --out OUT --as-of 2026-10-01` in `dir`, which must succeed: the run a
/// later KPI freezes.
fn run_october(dir: &Path, rules: &str, out: &str) {
    let output = segc()
        .current_dir(dir)
        .args(["run", rules, "--out", out, "--as-of", "2026-10-01"])
        .output()
        .expect("segc runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `segc kpi --format json` at `as_of` in `dir`: each row's (kpi, group, members, value).
fn kpi_rows(dir: &Path, as_of: &str) -> Vec<(String, String, u64, f64)> {
    let output = segc()
        .current_dir(dir)
        .args(["kpi", "rules.seg", "--as-of", as_of, "--format", "json"])
        .output()
        .expect("segc runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // `joined` is a group of a frozen KPI only: the run's 20 members are not its size now, and
    // its expectation (`members >= 30`) is left to `segc run`.
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("W1401"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    report["kpis"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["kpi"].as_str().unwrap_or_default().to_string(),
                r["group"].to_string(),
                r["members"].as_u64().unwrap_or(u64::MAX),
                r["value"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect()
}

fn rows_of(rows: &[(String, String, u64, f64)], kpi: &str) -> Vec<(String, u64, f64)> {
    rows.iter()
        .filter(|r| r.0 == kpi)
        .map(|r| (r.1.clone(), r.2, r.3))
        .collect()
}

/// The members of each tier of `offer` the run counted in its `summary.json`.
fn summary_counts(dir: &Path) -> Vec<u64> {
    let text = std::fs::read_to_string(dir.join("runs/oct/summary.json")).expect("summary");
    let summary: serde_json::Value = serde_json::from_str(&text).expect("json");
    summary["tiers"][0]["tiers"]
        .as_array()
        .expect("tiers")
        .iter()
        .filter(|t| !t["tier"].is_null())
        .map(|t| t["members"].as_u64().unwrap_or(0))
        .collect()
}

#[test]
fn a_frozen_kpi_measures_the_members_the_run_wrote() {
    let dir = frozen_fixture();
    let later = kpi_rows(dir.path(), "2026-11-01");
    let at_send = kpi_rows(dir.path(), "2026-10-01");
    let sent = rows_of(&later, "sent");
    // The groups are the run's: as many members as it counted per arm (11 and 9 of the 20
    // who had joined by 2026-10-01), the same members and values as the split at that date.
    assert_eq!(
        sent.iter().map(|r| r.1).collect::<Vec<_>>(),
        summary_counts(dir.path())
    );
    assert_eq!(sent, rows_of(&at_send, "now"));
    assert_eq!(sent.iter().map(|r| r.1).sum::<u64>(), 20);
    // Without `frozen`, the split now also holds the 20 who joined since.
    let now = rows_of(&later, "now");
    assert_eq!(now.iter().map(|r| r.1).sum::<u64>(), 40);
    assert_ne!(now, sent);
    // A segment frozen: the 20 members of `joined` at 2026-10-01, 7 of them converted
    // (customers 3, 6, ..., 18), not the 40 of `joined` now.
    let audience = rows_of(&later, "audience");
    assert_eq!(audience.len(), 1);
    assert_eq!(audience[0].1, 20);
    assert!((audience[0].2 - 6.0 / 20.0).abs() < 1e-12, "{audience:?}");
}

/// The fixture's rules with `frozen "runs/oct"` replaced by `frozen`, and `segc kpi`'s
/// transcript with the folder replaced.
fn kpi_frozen_to(dir: &Path, frozen: &str) -> String {
    let rules = std::fs::read_to_string(dir.join("rules.seg")).expect("rules");
    std::fs::write(
        dir.join("rules.seg"),
        rules.replace("frozen \"runs/oct\"", frozen),
    )
    .expect("write");
    let shown = transcript(segc().current_dir(dir).args([
        "kpi",
        "rules.seg",
        "--as-of",
        "2026-11-01",
        "--kpi",
        "sent",
    ]));
    std::fs::write(dir.join("rules.seg"), rules).expect("write");
    shown.replace(dir.to_str().expect("path"), "[TMP]")
}

#[test]
fn members_of_the_run_no_longer_in_the_population_are_measured_with_nulls() {
    let dir = frozen_fixture();
    // Customers 1 to 5 (of the run's 20; 3 converted) leave the data.
    let csv = dir.path().join("customers.csv");
    let text = std::fs::read_to_string(&csv).expect("csv");
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| {
            let id = line.split(',').next().unwrap_or_default();
            !matches!(id, "1" | "2" | "3" | "4" | "5")
        })
        .collect();
    std::fs::write(&csv, kept.join("\n") + "\n").expect("write");
    let later = kpi_rows(dir.path(), "2026-11-01");
    // Still the run's 20 members; the 5 gone have no value: 5 of the 20 converted (6, 9, 12,
    // 15, 18), as a share of all 20.
    let audience = rows_of(&later, "audience");
    assert_eq!(audience[0].1, 20);
    assert!((audience[0].2 - 5.0 / 20.0).abs() < 1e-12, "{audience:?}");
    let sent = rows_of(&later, "sent");
    assert_eq!(
        sent.iter().map(|r| r.1).collect::<Vec<_>>(),
        summary_counts(dir.path())
    );
    // The KPI computed now counts the 35 left, not the frozen members' rows.
    let now = rows_of(&later, "now");
    assert_eq!(now.iter().map(|r| r.1).sum::<u64>(), 35);
}

#[test]
fn frozen_runs_that_cannot_be_used_are_errors() {
    let dir = frozen_fixture();
    insta::assert_snapshot!(
        "frozen_missing_folder",
        kpi_frozen_to(dir.path(), "frozen \"runs/nov\"")
    );
    std::fs::remove_file(dir.path().join("runs/oct/membership.parquet")).expect("remove");
    insta::assert_snapshot!(
        "frozen_missing_membership",
        kpi_frozen_to(dir.path(), "frozen \"runs/oct\"")
    );
}

#[test]
fn a_frozen_run_without_the_groups_or_key_is_an_error() {
    let dir = frozen_fixture();
    // A run of other rules: no `offer` split, and a text key.
    std::fs::write(
        dir.path().join("other.seg"),
        "source customers from csv \"other.csv\" {\n  key customer_id: string\n}\n\npopulation customers\n\nsegment everyone = customer_id != \"\"\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("other.csv"), "customer_id\nx1\nx2\n").expect("write");
    run_october(dir.path(), "other.seg", "runs/other");
    insta::assert_snapshot!(
        "frozen_without_group",
        kpi_frozen_to(dir.path(), "frozen \"runs/other\"")
    );
    // The run has the groups (an `offer` column) but keys of text.
    std::fs::write(
        dir.path().join("other.seg"),
        "source customers from csv \"other.csv\" {\n  key customer_id: string\n}\n\npopulation customers\n\nsplit offer of customer_id != \"\" { a: 50%, control: 50% } seed \"s\"\n",
    )
    .expect("write");
    run_october(dir.path(), "other.seg", "runs/text");
    insta::assert_snapshot!(
        "frozen_key_of_another_type",
        kpi_frozen_to(dir.path(), "frozen \"runs/text\"")
    );
}

#[test]
fn segc_test_computes_frozen_groups_from_the_rows() {
    // No run is read: `audience` is over the test's members of `joined` (1 of 2 converted).
    let output = segc()
        .args(["test", "tests/fixtures/frozen/rules.seg"])
        .output()
        .expect("segc runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn explain_analyze_reads_the_frozen_run() {
    let dir = frozen_fixture();
    let output = segc()
        .current_dir(dir.path())
        .args([
            "explain",
            "rules.seg",
            "--kpis",
            "--analyze",
            "--as-of",
            "2026-11-01",
        ])
        .output()
        .expect("segc runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("runs/oct/membership.parquet"), "{stdout}");
}

/// `segc kpi` at `as_of` in `dir` over the fixture's rules with `edits` made (each pair: the
/// text and its replacement), its transcript with the folder replaced; the rules are put back.
fn kpi_with_edits(dir: &Path, edits: &[(&str, &str)], as_of: &str) -> String {
    let rules = std::fs::read_to_string(dir.join("rules.seg")).expect("rules");
    let mut edited = rules.clone();
    for (from, to) in edits {
        assert!(edited.contains(from), "{from}");
        edited = edited.replace(from, to);
    }
    std::fs::write(dir.join("rules.seg"), edited).expect("write");
    let shown = transcript(segc().current_dir(dir).args([
        "kpi",
        "rules.seg",
        "--as-of",
        as_of,
        "--kpi",
        "sent",
        "--kpi",
        "audience",
    ]));
    std::fs::write(dir.join("rules.seg"), rules).expect("write");
    shown.replace(dir.to_str().expect("path"), "[TMP]")
}

#[test]
fn a_frozen_run_of_other_rules_or_of_a_later_date_is_a_warning() {
    let dir = frozen_fixture();
    // The rules as the run had them, measured later: no warning.
    let same = kpi_with_edits(dir.path(), &[], "2026-11-01");
    assert!(!same.contains("W100"), "{same}");
    // `joined` defined otherwise since (W1004); an arm of `offer` renamed (W1006).
    insta::assert_snapshot!(
        "frozen_other_rules",
        kpi_with_edits(
            dir.path(),
            &[
                (
                    "signed_up <= as_of\n",
                    "signed_up <= as_of and converted is not null\n"
                ),
                ("control: 50%", "holdout: 50%"),
                ("readout vs control", "readout vs holdout"),
            ],
            "2026-11-01",
        )
    );
    // Measured before the run's date (W1005).
    insta::assert_snapshot!(
        "frozen_run_after_as_of",
        kpi_with_edits(dir.path(), &[], "2026-09-15")
    );
}

#[test]
fn a_csv_run_keyed_by_text_that_looks_numeric_is_read_as_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = "source customers from csv \"customers.csv\" {\n  key customer_id: string\n  converted: bool\n}\n\npopulation customers\n\nsegment sent = customer_id != \"\"\n\nkpi audience for sent frozen \"runs/oct\" {\n  value = share(converted)\n  target >= 10%\n}\n";
    std::fs::write(dir.path().join("rules.seg"), rules).expect("write");
    // Zeros in front: read as numbers, `007` would be 7 and match no member.
    let csv = "customer_id,converted\n007,true\n008,false\n009,false\n010,true\n";
    std::fs::write(dir.path().join("customers.csv"), csv).expect("write");
    let output = segc()
        .current_dir(dir.path())
        .args(["run", "rules.seg", "--out", "runs/oct", "--format", "csv"])
        .args(["--as-of", "2026-10-01"])
        .output()
        .expect("segc runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // 007 leaves the data: still in the run's group, measured with nulls.
    std::fs::write(
        dir.path().join("customers.csv"),
        "customer_id,converted\n008,false\n009,false\n010,true\n",
    )
    .expect("write");
    let rows = kpi_rows(dir.path(), "2026-11-01");
    assert_eq!((rows.len(), rows[0].2, rows[0].3), (1, 4, 0.25), "{rows:?}");
}

#[test]
fn diff_data_measures_both_versions_of_a_frozen_kpi_over_the_run() {
    let dir = frozen_fixture();
    for args in [
        &["init", "-q"][..],
        &["add", "rules.seg", "customers.csv"],
        &["commit", "-qm", "v1"],
    ] {
        crate::diff::git(dir.path(), args);
    }
    let rules = std::fs::read_to_string(dir.path().join("rules.seg")).expect("rules");
    std::fs::write(
        dir.path().join("rules.seg"),
        rules.replace("target >= 10%", "target >= 12%"),
    )
    .expect("write");
    let output = segc()
        .current_dir(dir.path())
        .args([
            "diff",
            "rules.seg",
            "--data",
            "--as-of",
            "2026-11-01",
            "--format",
            "json",
        ])
        .output()
        .expect("segc runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let measured: Vec<(String, String, u64, f64)> = report["files"][0]["data"]["kpis"]
        .as_array()
        .expect("kpis")
        .iter()
        .map(|k| {
            // Both versions read the same run: the same groups and values before and after.
            assert_eq!(k["before"], k["after"], "{k}");
            assert_eq!(k["members_before"], k["members_after"], "{k}");
            (
                k["kpi"].as_str().unwrap_or_default().to_string(),
                k["group"].as_str().unwrap_or_default().to_string(),
                k["members_after"].as_u64().unwrap_or(u64::MAX),
                k["after"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect();
    // As `segc kpi` measures them: the run's 11 and 9 members of `offer`, not the 40 now.
    let kpi = kpi_rows(dir.path(), "2026-11-01");
    for (name, group, members, value) in &measured {
        let arm = group.rsplit('.').next().unwrap_or(group);
        let row = kpi
            .iter()
            .find(|r| &r.0 == name && r.1.contains(&format!("\"name\":\"{arm}\"")))
            .unwrap_or_else(|| panic!("{name} {group} in {kpi:?}"));
        assert_eq!((row.2, row.3), (*members, *value), "{name} {group}");
    }
    let sent: Vec<u64> = measured
        .iter()
        .filter(|m| m.0 == "sent")
        .map(|m| m.2)
        .collect();
    assert_eq!(sent, summary_counts(dir.path()));
}

#[test]
fn the_retail_example_measures_the_audience_it_froze() {
    // `examples/retail/runs/2026-10-01` is the run of that day, shipped with the example: the
    // rules still define `campaign_q4` as it did (no W1004), and the value is the share of its
    // members with an order since 2026-10-01, as DuckDB computes it from the same files.
    let output = segc()
        .current_dir(crate::common::cli::repo(""))
        .args(["kpi", "examples/retail/retail.seg", "--as-of", "2026-11-01"])
        .args(["--format", "json"])
        .output()
        .expect("segc runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && !stderr.contains("W10"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let row = &report["kpis"][0];
    let expected = crate::common::duckdb::query(
        &crate::common::cli::repo("examples/retail"),
        "SELECT count(*), avg(CASE WHEN EXISTS (SELECT 1 FROM 'data/orders.parquet' o \
         WHERE o.customer_id = m.customer_id AND o.ordered_at >= TIMESTAMP '2026-10-01' \
         AND o.ordered_at < TIMESTAMP '2026-11-02') THEN 1.0 ELSE 0.0 END) \
         FROM 'runs/2026-10-01/membership.parquet' m WHERE campaign_q4",
    );
    let (members, share) = expected[0].split_once(',').expect("two values");
    assert_eq!(row["members"].as_u64(), members.parse().ok());
    let share: f64 = share.parse().expect("share");
    let value = row["value"].as_f64().unwrap_or(f64::NAN);
    assert!((value - share).abs() < 1e-9, "{value} vs {share}");
}

/// `kpi_rows` over the fixture's rules frozen to `frozen` instead of `runs/oct`.
fn kpi_rows_frozen_to(dir: &Path, frozen: &str, as_of: &str) -> Vec<(String, String, u64, f64)> {
    let rules = std::fs::read_to_string(dir.join("rules.seg")).expect("rules");
    let edited = rules.replace("frozen \"runs/oct\"", &format!("frozen \"{frozen}\""));
    std::fs::write(dir.join("rules.seg"), edited).expect("write");
    let rows = kpi_rows(dir, as_of);
    std::fs::write(dir.join("rules.seg"), rules).expect("write");
    rows
}

#[test]
fn a_kpi_frozen_to_a_delta_table_reads_the_run_of_its_date() {
    let dir = frozen_fixture();
    for as_of in ["2026-10-01", "2026-11-01"] {
        let output = segc()
            .current_dir(dir.path())
            .args(["run", "rules.seg", "--out", "members", "--format", "delta"])
            .args(["--as-of", as_of])
            .output()
            .expect("segc runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let frozen = |rows: &[(String, String, u64, f64)]| {
        let mut kept = rows_of(rows, "sent");
        kept.extend(rows_of(rows, "audience"));
        kept
    };
    // Without a date: the newest run on or before the KPI's as_of, 2026-10-01 here, as the
    // folder the fixture's run wrote that day.
    let folder = kpi_rows(dir.path(), "2026-10-15");
    let table = kpi_rows_frozen_to(dir.path(), "members", "2026-10-15");
    assert_eq!(frozen(&table), frozen(&folder));
    // A date given: that run, also measured later.
    let folder = kpi_rows(dir.path(), "2026-11-01");
    let dated = kpi_rows_frozen_to(dir.path(), "members@2026-10-01", "2026-11-01");
    assert_eq!(frozen(&dated), frozen(&folder));
    // The newest on or before 2026-11-01 is the run of that day: the split's members now.
    let newest = kpi_rows_frozen_to(dir.path(), "members", "2026-11-01");
    assert_eq!(rows_of(&newest, "sent"), rows_of(&newest, "now"));
    assert_ne!(rows_of(&newest, "sent"), rows_of(&dated, "sent"));
}
