//! `segc run --overlaps`: the members every two segments (and every tier and segment) share,
//! checked against DuckDB's counts over the membership file segc wrote; the run-time lint
//! above `[overlaps] max_jaccard` (W1402).

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::cli::{repo, segc, transcript};
use crate::common::duckdb;

/// Runs `rules` with `--overlaps` into a temporary folder: the folder and the summary.
fn run_with_overlaps(rules: &str) -> (tempfile::TempDir, serde_json::Value) {
    let out = tempfile::tempdir().expect("tempdir");
    let status = segc()
        .args(["run", &repo(rules).to_string_lossy(), "--out"])
        .arg(out.path())
        .args([
            "--as-of",
            "2026-11-01",
            "--format",
            "parquet",
            "--overlaps",
            "--quiet",
        ])
        .status()
        .expect("segc runs");
    assert!(status.success(), "{rules} runs");
    let summary = std::fs::read_to_string(out.path().join("summary.json")).expect("summary");
    (out, serde_json::from_str(&summary).expect("json"))
}

/// `"name"` as a DuckDB identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The pairs segc reported, `first|second` → (common, jaccard).
fn reported(summary: &serde_json::Value) -> BTreeMap<String, (u64, f64)> {
    summary["overlaps"]
        .as_array()
        .expect("overlaps counted")
        .iter()
        .map(|p| {
            let key = format!(
                "{}|{}",
                p["first"].as_str().unwrap_or_default(),
                p["second"].as_str().unwrap_or_default()
            );
            let common = p["common"].as_u64().unwrap_or_default();
            (key, (common, p["jaccard"].as_f64().unwrap_or_default()))
        })
        .collect()
}

/// Checks every pair of the summary's segments (and tiers with segments) against DuckDB's
/// count of the rows of `membership.parquet` in both, and its Jaccard index.
fn agrees_with_duckdb(out: &Path, summary: &serde_json::Value) -> usize {
    let segments: Vec<String> = summary["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .map(|s| s["name"].as_str().unwrap_or_default().to_string())
        .collect();
    let mut sides: Vec<(String, String)> = Vec::new(); // (shown, DuckDB condition)
    for tiers in summary["tiers"].as_array().expect("tiers") {
        if tiers["split"] == true {
            continue;
        }
        let name = tiers["name"].as_str().unwrap_or_default();
        for tier in tiers["tiers"].as_array().expect("tier list") {
            if let Some(tier) = tier["tier"].as_str() {
                let condition = format!("{} = '{tier}'", quoted(name));
                sides.push((format!("{name}:{tier}"), condition));
            }
        }
    }
    let mut pairs: Vec<(String, String, String, String)> = Vec::new();
    for (i, a) in segments.iter().enumerate() {
        for b in &segments[i + 1..] {
            pairs.push((a.clone(), quoted(a), b.clone(), quoted(b)));
        }
    }
    for (shown, condition) in &sides {
        for b in &segments {
            pairs.push((shown.clone(), condition.clone(), b.clone(), quoted(b)));
        }
    }
    let selects: Vec<String> = pairs
        .iter()
        .map(|(a, ca, b, cb)| {
            format!(
                "SELECT '{a}|{b}', count(*) FILTER (WHERE ({ca}) AND {cb}), count(*) FILTER (WHERE ({ca}) OR {cb}) FROM 'membership.parquet'"
            )
        })
        .collect();
    let rows = duckdb::query(out, &selects.join(" UNION ALL "));
    let reported = reported(summary);
    assert_eq!(rows.len(), pairs.len());
    for row in &rows {
        let fields: Vec<&str> = row.split(',').collect();
        let [key, both, either] = fields.as_slice() else {
            panic!("row {row}");
        };
        let (both, either): (u64, u64) =
            (both.parse().expect("count"), either.parse().expect("count"));
        match reported.get(*key) {
            Some((common, jaccard)) => {
                assert_eq!(*common, both, "{key}");
                let expected = both as f64 / either as f64;
                assert!(
                    (jaccard - expected).abs() < 1e-12,
                    "{key}: {jaccard} vs {expected}"
                );
            }
            None => assert_eq!(both, 0, "{key} has members in common but is not reported"),
        }
    }
    assert_eq!(
        reported.len(),
        rows.iter().filter(|r| !r.contains(",0,")).count(),
        "pairs reported without members in common"
    );
    pairs.len()
}

#[test]
fn overlaps_agree_with_duckdb_over_the_membership() {
    let (out, summary) = run_with_overlaps("examples/retail/retail.seg");
    assert_eq!(agrees_with_duckdb(out.path(), &summary), 15 * 14 / 2);
    let (out, summary) = run_with_overlaps("examples/rfm/rfm.seg");
    assert!(agrees_with_duckdb(out.path(), &summary) > 0);
    // Most overlapping first.
    let jaccards: Vec<f64> = summary["overlaps"]
        .as_array()
        .expect("overlaps")
        .iter()
        .map(|p| p["jaccard"].as_f64().unwrap_or_default())
        .collect();
    assert!(jaccards.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn overlaps_are_left_out_unless_asked_for() {
    let out = tempfile::tempdir().expect("tempdir");
    let status = segc()
        .args([
            "run",
            &repo("examples/rfm/rfm.seg").to_string_lossy(),
            "--out",
        ])
        .arg(out.path())
        .args(["--as-of", "2026-11-01", "--quiet"])
        .status()
        .expect("segc runs");
    assert!(status.success());
    let summary = std::fs::read_to_string(out.path().join("summary.json")).expect("summary");
    assert!(!summary.contains("\"overlaps\""));
}

/// A project folder with `segc.toml` and rules over the size-expectations fixture's customers.
fn project(settings: &str, rules: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        repo("tests/fixtures/run/size_expectations/customers.csv"),
        dir.path().join("customers.csv"),
    )
    .expect("data");
    std::fs::write(dir.path().join("segc.toml"), settings).expect("settings");
    let rules = format!(
        "source customers from csv \"customers.csv\" {{\n  key customer_id: int\n  status: string\n  revenue: int\n}}\n\n{rules}"
    );
    std::fs::write(dir.path().join("rules.seg"), rules).expect("rules");
    dir
}

#[test]
fn pairs_above_the_projects_threshold_are_warnings() {
    // `wealthy` (1, 2, 3, 8) and `spenders` (1, 2, 3): Jaccard 0.75, reported; `big` (1, 2)
    // and `spenders`: 0.67, but `big` names `spenders` (inside it on purpose); `big` and
    // `wealthy`: 0.5; `prospects` (7..10) shares nobody with them.
    let dir = project(
        "[overlaps]\nmax_jaccard = 0.6\n",
        "segment wealthy = revenue >= 1000\nsegment spenders = revenue >= 1500 and status == \"client\"\nsegment big = spenders and revenue >= 5000\nsegment prospects = status == \"prospect\"\n",
    );
    let mut command = run_quietly(dir.path());
    insta::assert_snapshot!(transcript(&mut command));
    // The pairs were counted for the lint, and are in the summary.
    let summary = std::fs::read_to_string(dir.path().join("out/summary.json")).expect("summary");
    assert!(summary.contains("\"overlaps\""));

    // A threshold that is not a Jaccard index is refused before anything runs.
    let dir = project(
        "[overlaps]\nmax_jaccard = 80\n",
        "segment wealthy = revenue >= 1000\n",
    );
    let mut command = run_quietly(dir.path());
    let text = transcript(&mut command);
    assert!(text.starts_with("exit: 2"), "{text}");
    assert!(text.contains("`[overlaps] max_jaccard` is 80"), "{text}");
}

/// `segc run rules.seg --out out --quiet` in `dir`, as of 2026-11-01.
fn run_quietly(dir: &std::path::Path) -> std::process::Command {
    crate::common::cli::run_rules(dir, "2026-11-01", &[])
}
