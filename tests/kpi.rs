//! KPI runs: fixture folders under `fixtures/kpi` hold rules, data, an optional `baseline.json`
//! and hand-computed expectations (`expected.csv`: value, progress line and status per KPI and
//! group), judged as of 2026-11-01.

use std::fmt::Write as _;
use std::path::Path;

use crate::common::{as_of, compile, rendered, runtime, session};
use segc::driver::{Baseline, Stopped};
use segc::judge::{BaselineFile, Judged};

/// Computes and judges every KPI of `rules` through the library driver, with the folder's
/// `baseline.json` if there is one; the judged rows and the rendered judging diagnostics, or the
/// rendered diagnostics that stopped it.
fn try_judged(rules: &Path) -> Result<(Judged, String), String> {
    let baseline_path = rules.parent().expect("folder").join("baseline.json");
    let session = session(rules, baseline_path.exists())?;
    let stopped = |stopped: Stopped| rendered(rules, stopped.diagnostics());
    let measured = runtime()
        .block_on(async {
            let engine = session.engine().await?;
            let kpis = session.select_kpis(&[])?;
            session.measure_kpis(&engine, &kpis).await
        })
        .map_err(stopped)?;
    let baseline = baseline_path.exists().then(|| Baseline {
        file: BaselineFile::parse(&std::fs::read_to_string(&baseline_path).expect("baseline"))
            .expect("a valid baseline"),
        path: "baseline.json".into(),
    });
    let judged = session.judge_kpis(&measured, baseline.as_ref(), None);
    let diagnostics = rendered(rules, &judged.diagnostics);
    Ok((judged, diagnostics))
}

/// [`try_judged`], which must not stop.
fn judged(rules: &Path) -> (Judged, String) {
    try_judged(rules).unwrap_or_else(|problem| panic!("{problem}"))
}

fn number(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| format!("{v:.6}"))
}

/// The rows as `expected.csv` writes them.
fn csv(judged: &Judged) -> String {
    let mut out = String::from("kpi,group,members,value,expected,status,warning\n");
    for row in &judged.rows {
        let status = serde_json::to_value(row.status).expect("status");
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{}",
            row.kpi,
            row.group.text(),
            row.members,
            number(row.value),
            number(row.expected),
            status.as_str().unwrap_or_default(),
            row.warning
        );
    }
    out
}

#[test]
fn kpis_match_hand_computed_expectations() {
    insta::glob!("fixtures/kpi/*/rules.seg", |rules| {
        let case = rules.parent().expect("case folder");
        let (judged, diagnostics) = judged(rules);
        let expected = std::fs::read_to_string(case.join("expected.csv")).expect("expected.csv");
        assert_eq!(csv(&judged), expected, "{}", case.display());
        insta::assert_snapshot!(diagnostics);
    });
}

#[test]
fn recorded_values_round_trip_through_the_baseline_file() {
    // The values of one run, recorded, round-trip through the baseline file and are found again
    // for each KPI and group (and not for a value that could not be computed).
    let rules = Path::new("tests/fixtures/kpi/targets/rules.seg");
    let (first, _) = judged(rules);
    let recorded = BaselineFile::record(&first.rows, "rules.seg", as_of());
    let text = serde_json::to_string_pretty(&recorded).expect("json");
    let read = BaselineFile::parse(&text).expect("parse");
    assert_eq!(read, recorded);
    let with_value: Vec<_> = first.rows.iter().filter(|r| r.value.is_some()).collect();
    for row in with_value {
        assert_eq!(read.value(&row.kpi, &row.group).map(|v| v.0), row.value);
    }
    assert_eq!(read.value("empty_avg", &first.rows[13].group), None);
}

#[test]
fn the_example_holds_the_five_seed_kpis() {
    let text = std::fs::read_to_string("examples/kpi/kpis.seg").expect("example");
    let (program, diagnostics) = compile("kpis.seg", &text);
    assert_eq!(diagnostics, "");
    let program = program.expect("program");
    let names: Vec<&str> = program.kpis.iter().map(|k| k.name.as_str()).collect();
    for seed in ["conversion", "nps", "csat", "clv", "cac", "retention"] {
        assert!(names.contains(&seed), "{seed} is missing from {names:?}");
    }
    let baseline =
        std::fs::read_to_string("examples/kpi/baseline.json").expect("the example's baseline");
    let baseline = BaselineFile::parse(&baseline).expect("a valid baseline");
    assert_eq!(baseline.values.len(), 10, "one value per KPI and group");
}

#[test]
fn keys_that_do_not_identify_members_stop_the_kpis() {
    insta::glob!("fixtures/kpi_errors/*.seg", |rules| {
        let problem = try_judged(rules).expect_err("the keys are checked");
        insta::assert_snapshot!(problem);
    });
}

/// The KPIs per NAF sector of `examples/b2b/kpis.seg` (over the tiers of `accounts.seg`, imported), against the values
/// `generate_data.py` computed with SQLite.
#[test]
fn the_b2b_example_kpis_per_sector_match_sqlite() {
    let (judged, diagnostics) = judged(Path::new("examples/b2b/kpis.seg"));
    assert_eq!(diagnostics, "");
    let expected = std::fs::read_to_string("examples/b2b/expected/kpis.csv").expect("expected");
    let mut rows = judged.rows.iter();
    for line in expected.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let row = rows.next().expect("a row per expected line");
        assert_eq!(row.kpi, fields[0]);
        assert_eq!(row.group.text(), format!("sector = {}", fields[1]));
        assert_eq!(row.members.to_string(), fields[2]);
        let value: f64 = fields[3].parse().expect("value");
        let found = row.value.expect("a value");
        assert!((found - value).abs() < 1e-5, "{line}: {found}");
    }
    assert!(rows.next().is_none());
}
