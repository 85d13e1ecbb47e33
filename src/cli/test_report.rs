//! The reports of `segc test`: totals and the coverage table for people, JSON, JUnit XML and
//! GitHub workflow annotations for tools.

use std::time::Duration;

use comfy_table::{Cell, Table, presets};
use serde_json::{Value, json};

use super::machine::{self, FileReport, xml};
use crate::driver::{TestResult, TestedFile};
use crate::testing::{CoverageLine, Probe};

/// A test's time as shown: milliseconds, or seconds from one second.
pub(super) fn duration(time: Duration) -> String {
    match time.as_millis() {
        ms if ms >= 1000 => format!("{:.2} s", time.as_secs_f64()),
        ms => format!("{ms} ms"),
    }
}

/// Passed and failed tests over all files.
fn counts(files: &[TestedFile]) -> (usize, usize, usize) {
    let results = files.iter().flat_map(|f| &f.results);
    let passed = results.clone().filter(|r| r.passed()).count();
    let failed = results.filter(|r| !r.passed()).count();
    let filtered = files.iter().map(|f| f.filtered_out).sum();
    (passed, failed, filtered)
}

/// `12 passed, 1 failed (0.31 s)`, and the tests left out by filters.
pub(super) fn totals(files: &[TestedFile], time: Duration) -> String {
    let (passed, failed, filtered) = counts(files);
    let unrun = files.iter().filter(|f| !f.ran).count();
    let mut line = format!("{passed} passed, {failed} failed");
    if filtered > 0 {
        line.push_str(&format!(", {filtered} filtered out"));
    }
    if unrun > 0 {
        let plural = if unrun == 1 { "" } else { "s" };
        line.push_str(&format!(", {unrun} file{plural} with errors"));
    }
    format!("{line} ({})\n", duration(time))
}

/// What a coverage line is about: `segment vip`, `tiers value: top`, `score engagement: +10`.
fn covered(line: &CoverageLine) -> String {
    let kind = match line.probe {
        Probe::Segment(_) => "segment",
        Probe::TierArm(..) => "tiers",
        Probe::ScoreRule(..) => "score",
    };
    match &line.part {
        Some(part) => format!("{kind} {}: {part}", line.name),
        None => format!("{kind} {}", line.name),
    }
}

/// The coverage of one file as a table, then how many conditions were seen both ways.
pub(super) fn coverage_table(file: &TestedFile) -> String {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header(["condition", "line", "made true", "made false"]);
    let mark = |seen: bool| if seen { "yes" } else { "NO" };
    for line in &file.coverage {
        let at = file.sources.locate(line.span).map_or(0, |(_, f)| {
            f.line_column(f.local(line.span).start as usize).line
        });
        table.add_row(vec![
            Cell::new(covered(line)),
            Cell::new(at),
            Cell::new(mark(line.made_true)),
            Cell::new(mark(line.made_false)),
        ]);
    }
    let both = file
        .coverage
        .iter()
        .filter(|l| l.made_true && l.made_false)
        .count();
    format!(
        "coverage of {}\n{table}\n{both} of {} conditions made both true and false\n",
        file.name,
        file.coverage.len()
    )
}

fn status(result: &TestResult) -> &'static str {
    if result.passed() { "passed" } else { "failed" }
}

/// The JSON document (format version 1).
pub(super) fn json(files: &[TestedFile]) -> String {
    let (passed, failed, filtered) = counts(files);
    let files: Vec<Value> = files
        .iter()
        .map(|f| {
            let map = &f.sources;
            let tests: Vec<Value> = f
                .results
                .iter()
                .map(|r| {
                    json!({
                        "name": r.name,
                        "status": status(r),
                        "time_ms": r.time.as_secs_f64() * 1000.0,
                        "problems": r.problems.iter().map(|d| machine::diagnostic(d, map)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let coverage: Vec<Value> = f
                .coverage
                .iter()
                .map(|l| {
                    json!({
                        "condition": covered(l),
                        "at": machine::range(map, l.span, None),
                        "made_true": l.made_true,
                        "made_false": l.made_false,
                    })
                })
                .collect();
            json!({
                "file": f.name,
                "ran": f.ran,
                "diagnostics": f.diagnostics.iter().map(|d| machine::diagnostic(d, map)).collect::<Vec<_>>(),
                "tests": tests,
                "coverage": coverage,
            })
        })
        .collect();
    let document = json!({
        "version": 1,
        "files": files,
        "summary": { "passed": passed, "failed": failed, "filtered_out": filtered },
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// A JUnit report: one test suite per file, one test case per test with a failure per
/// problem; a file whose rules have errors is one failed test case, `check`.
pub(super) fn junit(files: &[TestedFile]) -> String {
    let (passed, failed, _) = counts(files);
    let broken = files.iter().filter(|f| !f.ran).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"segc test\" tests=\"{}\" failures=\"{}\">\n",
        passed + failed + broken,
        failed + broken
    ));
    for f in files {
        let cases: Vec<(String, f64, Vec<&crate::diagnostics::Diagnostic>)> = match f.ran {
            false => vec![("check".into(), 0.0, f.diagnostics.iter().collect())],
            true => f
                .results
                .iter()
                .map(|r| {
                    (
                        r.name.clone(),
                        r.time.as_secs_f64(),
                        r.problems.iter().collect(),
                    )
                })
                .collect(),
        };
        let failures = cases.iter().filter(|c| !c.2.is_empty()).count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">\n",
            xml(&f.name),
            cases.len()
        ));
        for (name, time, problems) in cases {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{time:.3}\">\n",
                xml(&f.name),
                xml(&name)
            ));
            let errors: Vec<_> = problems
                .iter()
                .filter(|d| d.severity() == crate::diagnostics::Severity::Error)
                .collect();
            if let Some(first) = errors.first() {
                let body: Vec<String> = errors
                    .iter()
                    .map(|d| {
                        let help = d.help().map(|h| format!("\n{h}")).unwrap_or_default();
                        format!("{} {}{help}", d.code(), d.message())
                    })
                    .collect();
                out.push_str(&format!(
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                    first.code(),
                    xml(&first.message()),
                    xml(&body.join("\n\n"))
                ));
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// One workflow annotation per failure and per problem of the rules.
pub(super) fn github(files: &[TestedFile]) -> String {
    let mut out = String::new();
    for f in files {
        let report = FileReport {
            name: f.name.clone(),
            diagnostics: f
                .diagnostics
                .iter()
                .chain(f.results.iter().flat_map(|r| &r.problems))
                .cloned()
                .collect(),
        };
        out.push_str(&machine::github(&[report], &f.sources));
    }
    out
}
