//! `segc test` through the library driver: the fixtures under `fixtures/testing` (tests that
//! pass, fail, rank members, read a missing file), filters, coverage, the untested-segment lint,
//! and the examples' tests (every example segment tested).

use std::path::{Path, PathBuf};

use segc::ast::ItemKind;
use segc::diagnostics::render::{Style, render_in};
use segc::diagnostics::{Level, Lint};
use segc::driver::{TestOptions, TestedFile, test_file};
use segc::load::{Disk, Workspace};

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

/// Every rule file under `folder`, in path order.
pub(crate) fn rule_files_under(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![folder.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "seg") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The segments of `path`'s own items that no test of the file names: the `untested-segment`
/// lint (W1110), turned on, over the file with its imports.
fn untested_segments(path: &Path) -> Vec<String> {
    let workspace = Workspace::load(&[path.to_path_buf()], &Disk);
    let index = *workspace.roots[0].as_ref().expect("readable");
    let unit = workspace.unit(index);
    let mut lints = segc::check::LintLevels::default();
    lints.set(Lint::UntestedSegment, Level::Warn);
    let settings = segc::check::Settings {
        lints,
        home: Some(unit.home),
        ..Default::default()
    };
    let checked = segc::check::check_with(&unit.program, &unit.diagnostics, &settings);
    checked
        .diagnostics
        .iter()
        .filter(|d| d.lint() == Some(Lint::UntestedSegment))
        .map(|d| render_in(d, &workspace.sources, Style::plain()))
        .collect()
}

#[test]
fn every_example_rule_file_has_passing_tests_that_mention_every_segment() {
    // Adding a segment to an example without a test fails here (issue 20: every example
    // segment covered). Files of shared declarations have no segments and need no test.
    let mut tested = Vec::new();
    for path in rule_files_under(Path::new("examples")) {
        let text = std::fs::read_to_string(&path).expect("example");
        let items = segc::syntax::parse(&text).program.items;
        let has = |kind: fn(&ItemKind) -> bool| items.iter().any(|i| kind(&i.kind));
        if !has(|k| matches!(k, ItemKind::Test(_))) {
            // A file of shared declarations (it may not check alone: no population).
            assert!(
                !has(|k| matches!(
                    k,
                    ItemKind::Segment(_) | ItemKind::Tiers(_) | ItemKind::Score(_)
                )),
                "{} declares segments, tiers or scores and has no test",
                path.display()
            );
            continue;
        }
        let untested = untested_segments(&path);
        assert!(
            untested.is_empty(),
            "{}:\n{}",
            path.display(),
            untested.concat()
        );
        let options = TestOptions {
            coverage: true,
            ..TestOptions::default()
        };
        let file = run(&path, &options);
        assert!(file.ran, "{}: {}", path.display(), report(&file));
        assert!(
            file.results.iter().all(|r| r.passed()),
            "{}: {}",
            path.display(),
            report(&file)
        );
        // Each segment is seen both ways: some test row is a member, some is not.
        for line in file.coverage.iter().filter(|l| l.part.is_none()) {
            assert!(
                line.made_true && line.made_false,
                "{}: segment {} not covered both ways",
                path.display(),
                line.name
            );
        }
        assert!(!file.results.is_empty(), "{}", path.display());
        tested.push(path.display().to_string().replace('\\', "/"));
    }
    insta::assert_snapshot!(tested.join("\n"));
}

#[test]
fn the_example_walk_would_see_a_segment_added_without_a_test() {
    // The check above is not vacuous: the lake example with one more segment is reported.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string("examples/lake/lake.seg").expect("example");
    let path = dir.path().join("lake.seg");
    let added = "segment added_later \"Added later\" = country == \"BE\"\n";
    std::fs::write(
        &path,
        text.replace("\n// Tests:", &format!("{added}\n// Tests:")),
    )
    .expect("write");
    let untested = untested_segments(&path);
    assert_eq!(untested.len(), 1, "{untested:?}");
    assert!(untested[0].contains("added_later"), "{}", untested[0]);
    assert!(untested_segments(Path::new("examples/lake/lake.seg")).is_empty());
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
fn test_items_do_not_change_what_segc_run_computes() {
    // Each example with its tests lowers to the same plan as without them (imports resolved).
    let plan = |program: &segc::ast::Program, unit: &segc::load::Unit| {
        let settings = segc::check::Settings {
            home: Some(unit.home),
            ..Default::default()
        };
        let checked = segc::check::check_with(program, &unit.diagnostics, &settings);
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
    let mut compared = 0;
    for path in rule_files_under(Path::new("examples")) {
        let workspace = Workspace::load(std::slice::from_ref(&path), &Disk);
        let unit = workspace.unit(*workspace.roots[0].as_ref().expect("readable"));
        let mut without = unit.program.clone().into_owned();
        without
            .items
            .retain(|item| !matches!(item.kind, ItemKind::Test(_)));
        if without.items.len() == unit.program.items.len() {
            continue;
        }
        assert_eq!(
            plan(&unit.program, &unit),
            plan(&without, &unit),
            "{}",
            path.display()
        );
        compared += 1;
    }
    assert!(compared >= 9, "{compared} examples with tests");
}
