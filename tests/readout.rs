//! A/B readouts (`readout vs CONTROL`): the statistics of `segc kpi` checked against SciPy on
//! the same data (`fixtures/readout/reference.py`, run in a venv installed once by
//! `common::servers::scipy_python`: a machine without it fails, never skips).

use std::path::Path;
use std::process::Command;

use crate::common::{runtime, servers::scipy_python, session};
use segc::judge::{Judged, Readout};

const RULES: &str = "tests/fixtures/readout/rules.seg";

fn judged() -> Judged {
    let rules = Path::new(RULES);
    let session = session(rules, false).unwrap_or_else(|problem| panic!("{problem}"));
    let measured = runtime()
        .block_on(async {
            let engine = session.engine().await?;
            let kpis = session.select_kpis(&[])?;
            session.measure_kpis(&engine, &kpis).await
        })
        .unwrap_or_else(|_| panic!("the readout fixture runs"));
    session.judge_kpis(&measured, None, None)
}

/// SciPy's readouts, by `kpi/arm`.
fn reference() -> serde_json::Map<String, serde_json::Value> {
    let output = Command::new(scipy_python())
        .arg("tests/fixtures/readout/reference.py")
        .arg("tests/fixtures/readout/customers.csv")
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    match serde_json::from_slice(&output.stdout).expect("json") {
        serde_json::Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// `actual` equals SciPy's `expected` to 1e-9, relatively (p-values and quantiles come from
/// different implementations of the same distributions).
fn same(what: &str, actual: Option<f64>, expected: &serde_json::Value) {
    let expected = expected.as_f64();
    match (actual, expected) {
        (Some(a), Some(e)) => assert!(
            (a - e).abs() <= 1e-9 * e.abs().max(1e-3),
            "{what}: segc {a}, SciPy {e}"
        ),
        (None, None) => {}
        _ => panic!("{what}: segc {actual:?}, SciPy {expected:?}"),
    }
}

fn check(readout: &Readout, expected: &serde_json::Value) {
    let name = format!("{}/{}", readout.kpi, readout.arm.group.name);
    assert_eq!(
        [readout.arm.n, readout.control.n],
        [
            expected["n"][0].as_u64().unwrap_or(0),
            expected["n"][1].as_u64().unwrap_or(0)
        ],
        "{name}: sizes"
    );
    same(
        &format!("{name} difference"),
        readout.difference,
        &expected["difference"],
    );
    same(
        &format!("{name} statistic"),
        readout.statistic,
        &expected["statistic"],
    );
    same(
        &format!("{name} p-value"),
        readout.p_value,
        &expected["p_value"],
    );
    same(
        &format!("{name} CI low"),
        readout.ci_low,
        &expected["ci"][0],
    );
    same(
        &format!("{name} CI high"),
        readout.ci_high,
        &expected["ci"][1],
    );
    same(&format!("{name} df"), readout.df, &expected["df"]);
    same(&format!("{name} MDE"), readout.mde, &expected["mde"]);
}

#[test]
fn readouts_match_scipy() {
    let judged = judged();
    let reference = reference();
    let names: Vec<String> = judged
        .readouts
        .iter()
        .map(|r| format!("{}/{}", r.kpi, r.arm.group.name))
        .collect();
    let mut expected_names: Vec<&String> = reference.keys().collect();
    expected_names.sort();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted.iter().collect::<Vec<_>>(), expected_names);
    for (readout, name) in judged.readouts.iter().zip(&names) {
        check(readout, &reference[name]);
    }
}

#[test]
fn a_share_with_where_is_over_its_denominator() {
    // `share(converted where region == "north")` is over the arm's northern members: the rows'
    // denominator and the readout's sizes say so, not the arm's members.
    let judged = judged();
    let north: Vec<_> = judged
        .rows
        .iter()
        .filter(|r| r.kpi == "north_conversion")
        .collect();
    assert_eq!(north.len(), 3);
    for row in north {
        let denominator = row.denominator.expect("a share has a denominator");
        assert!(
            denominator < row.members,
            "{denominator} of {}",
            row.members
        );
    }
    let spend = judged
        .rows
        .iter()
        .find(|r| r.kpi == "spend")
        .expect("spend");
    assert_eq!(spend.denominator, None);
}

#[test]
fn underpowered_arms_are_warned_about() {
    // 1,600 customers cannot detect +10 % of a 15 % conversion (W1003), nor +5 % of the spend.
    let judged = judged();
    let warned: Vec<String> = judged
        .readouts
        .iter()
        .filter(|r| r.underpowered)
        .map(|r| format!("{}/{}", r.kpi, r.arm.group.name))
        .collect();
    assert_eq!(
        warned,
        ["conversion/a", "conversion/b", "spend/a", "spend/b"]
    );
    let codes: Vec<&str> = judged.diagnostics.iter().map(|d| d.code()).collect();
    assert_eq!(codes, ["W1003"; 4]);
    // Without a change to detect (no `detect`, an absolute target), no warning.
    assert!(
        judged
            .readouts
            .iter()
            .filter(|r| r.kpi == "north_conversion")
            .all(|r| !r.underpowered && r.detect.is_none())
    );
}
