//! KPI runs: fixture folders under `fixtures/kpi` hold rules, data, an optional `baseline.json`
//! and hand-computed expectations (`expected.csv`: value, progress line and status per KPI and
//! group), judged as of 2026-11-01.

use std::fmt::Write as _;
use std::path::Path;

use crate::common::{compile, file_name, registered_engine, render_all, runtime};
use segc::hir::KpiId;
use segc::kpi::{BaselineFile, Judged, Judging, judge};
use segc::lower::Params;

use crate::common::as_of;

/// Computes every KPI of `rules`, or renders the diagnostic that stopped it.
fn measured(rules: &Path) -> Result<(segc::hir::Program, Vec<segc::kpi::Measured>), String> {
    let text = std::fs::read_to_string(rules).expect("rules");
    let name = file_name(rules);
    let (program, diagnostics) = compile(&name, &text);
    let program = program.ok_or(diagnostics)?;
    let base = rules.parent().expect("folder");
    let measured = runtime().block_on(async {
        let engine = registered_engine(&program, base, &name, &text).await?;
        let ids: Vec<KpiId> = (0..program.kpis.len()).map(KpiId).collect();
        let plan = engine
            .kpi_plan(&program, Params { as_of: as_of() }, &ids)
            .await
            .map_err(|d| render_all(&name, &text, &[d]))?;
        engine
            .measure(&program, &plan)
            .await
            .map_err(|d| render_all(&name, &text, &[d]))
    })?;
    Ok((program, measured))
}

/// Computes and judges every KPI of `rules`, with the folder's `baseline.json` if there is one.
fn judged(rules: &Path) -> (Judged, String) {
    let (program, measured) = measured(rules).unwrap_or_else(|problem| panic!("{problem}"));
    let text = std::fs::read_to_string(rules).expect("rules");
    let name = file_name(rules);
    let baseline_path = rules.parent().expect("folder").join("baseline.json");
    let baseline = baseline_path.exists().then(|| {
        BaselineFile::parse(&std::fs::read_to_string(&baseline_path).expect("baseline"))
            .expect("a valid baseline")
    });
    let judged = judge(
        &program,
        &measured,
        Judging {
            as_of: as_of(),
            baseline: baseline.as_ref().map(|b| (b, "baseline.json")),
            recording: None,
        },
    );
    let diagnostics = render_all(&name, &text, &judged.diagnostics);
    (judged, diagnostics)
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
        let problem = measured(rules).expect_err("the keys are checked");
        insta::assert_snapshot!(problem);
    });
}
