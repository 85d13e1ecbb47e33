//! `segc test` through the library driver: the fixtures under `fixtures/testing` (tests that
//! pass, fail, rank members, read a missing file), filters, coverage, the untested-segment lint,
//! and the retail example's tests.

use std::path::Path;

use segc::diagnostics::render::{Style, render_in};
use segc::driver::{TestOptions, TestedFile, test_file};

use crate::common::runtime;

fn run(path: &Path, options: &TestOptions) -> TestedFile {
    runtime()
        .block_on(test_file(path, options))
        .unwrap_or_else(|stopped| panic!("{}: {:?}", path.display(), stopped.diagnostics()))
}

/// Each test's verdict and its problems drawn, without times.
fn report(file: &TestedFile) -> String {
    let mut out = String::new();
    for d in &file.diagnostics {
        out.push_str(&render_in(d, &file.sources, Style::plain()));
    }
    for result in &file.results {
        let verdict = if result.passed() { "passed" } else { "FAILED" };
        out.push_str(&format!("{}: {verdict}\n", result.name));
        for problem in &result.problems {
            out.push_str(&render_in(problem, &file.sources, Style::plain()));
        }
    }
    out
}

#[test]
fn fixtures_pass_and_fail_as_their_expectations_say() {
    insta::glob!("fixtures/testing/*.seg", |path| {
        let path = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(path);
        let file = run(path, &TestOptions::default());
        assert!(file.ran, "{} checks clean", path.display());
        insta::assert_snapshot!(report(&file));
    });
}

#[test]
fn a_failed_test_is_a_problem_in_the_rules_and_a_missing_file_the_environments() {
    use segc::diagnostics::Blame;
    let failing = run(
        Path::new("tests/fixtures/testing/failing.seg"),
        &TestOptions::default(),
    );
    let problems: Vec<_> = failing.results.iter().flat_map(|r| &r.problems).collect();
    assert_eq!(problems.len(), 6);
    assert!(
        problems
            .iter()
            .all(|d| d.code() == "E1320" && d.blame() == Blame::Rules)
    );
    assert!(failing.results[1].passed(), "the next test still runs");
    let missing = run(
        Path::new("tests/fixtures/testing/missing_file.seg"),
        &TestOptions::default(),
    );
    let problem = &missing.results[0].problems[0];
    assert_eq!(
        (problem.code(), problem.blame()),
        ("E0701", Blame::Environment)
    );
}

#[test]
fn filters_choose_tests_by_name() {
    let options = TestOptions {
        filters: vec!["file".into(), "nobody".into()],
        ..TestOptions::default()
    };
    let file = run(Path::new("tests/fixtures/testing/passing.seg"), &options);
    let names: Vec<&str> = file.results.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["rows_from_a_file", "nobody"]);
    assert_eq!(file.filtered_out, 1);
}

#[test]
fn coverage_tells_which_conditions_the_rows_made_true_and_false() {
    let options = TestOptions {
        coverage: true,
        ..TestOptions::default()
    };
    let file = run(Path::new("tests/fixtures/testing/passing.seg"), &options);
    assert!(file.results.iter().all(|r| r.passed()), "{}", report(&file));
    let lines: Vec<String> = file
        .coverage
        .iter()
        .map(|l| {
            format!(
                "{} {} true:{} false:{}",
                l.name,
                l.part.as_deref().unwrap_or("-"),
                l.made_true,
                l.made_false
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn the_retail_example_tests_pass_and_mention_every_segment() {
    let path = Path::new("examples/retail/retail.seg");
    let options = TestOptions {
        coverage: true,
        ..TestOptions::default()
    };
    let file = run(path, &options);
    assert!(file.ran && !file.results.is_empty());
    assert!(file.results.iter().all(|r| r.passed()), "{}", report(&file));
    for line in file.coverage.iter().filter(|l| l.part.is_none()) {
        assert!(
            line.made_true && line.made_false,
            "segment {} not covered both ways",
            line.name
        );
    }
    // Every segment is named by an expectation: the untested-segment lint, denied, is quiet.
    let text = std::fs::read_to_string(path).expect("example");
    let parsed = segc::syntax::parse(&text);
    let mut levels = segc::check::LintLevels::default();
    levels.set(
        segc::diagnostics::Lint::UntestedSegment,
        segc::diagnostics::Level::Deny,
    );
    let settings = segc::check::Settings {
        lints: levels,
        ..Default::default()
    };
    let checked = segc::check::check_with(&parsed.program, &parsed.diagnostics, &settings);
    assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
}

#[test]
fn the_untested_segment_lint_is_allowed_by_default_and_names_untested_segments() {
    let text = std::fs::read_to_string("tests/fixtures/testing/failing.seg").expect("fixture");
    let parsed = segc::syntax::parse(&text);
    let quiet = segc::check::check(&parsed.program, &parsed.diagnostics);
    assert!(quiet.diagnostics.is_empty());
    let mut levels = segc::check::LintLevels::default();
    levels.set(
        segc::diagnostics::Lint::UntestedSegment,
        segc::diagnostics::Level::Warn,
    );
    let settings = segc::check::Settings {
        lints: levels,
        ..Default::default()
    };
    let text = text.replace(
        "segment rich",
        "segment untested = income > 0\nsegment rich",
    );
    let parsed = segc::syntax::parse(&text);
    let checked = segc::check::check_with(&parsed.program, &parsed.diagnostics, &settings);
    let rendered = crate::common::render_all("failing.seg", &text, &checked.diagnostics);
    insta::assert_snapshot!(rendered);
}

#[test]
fn a_test_item_does_not_change_what_segc_run_computes() {
    // The retail example with and without its tests lowers to the same plan.
    let text = std::fs::read_to_string("examples/retail/retail.seg").expect("example");
    let without = text.split("\n// Tests:").next().expect("rules");
    let plan = |text: &str| {
        let parsed = segc::syntax::parse(text);
        let checked = segc::check::check(&parsed.program, &parsed.diagnostics);
        let program = checked.program.expect("checks");
        let plan = segc::lower::membership_plan(
            &program,
            &segc::lower::DeclaredTables,
            crate::common::params(),
            &segc::lower::Selection::All,
            &Default::default(),
        )
        .expect("plans");
        format!("{}", plan.plan.display_indent())
    };
    assert_eq!(plan(&text), plan(without));
}
