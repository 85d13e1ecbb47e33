//! The formatter: one layout, every comment kept, meaning unchanged, idempotent.

use std::path::{Path, PathBuf};

use crate::common::sexpr;
use segc::lower::{DeclaredTables, Selection, membership_plan};

/// Every `.seg` file of the fixtures and examples.
/// The rule files of the fixtures and examples that have syntax errors on purpose.
const UNPARSABLE: [&str; 8] = [
    "tests/fixtures/check/errors/literals.seg",
    "tests/fixtures/check/errors/review_regressions.seg",
    "tests/fixtures/check/errors/syntax_no_cascade.seg",
    "tests/fixtures/imports/broken/sources.seg",
    "tests/fixtures/parse/habits.seg",
    "tests/fixtures/parse/kpis.seg",
    "tests/fixtures/parse/recovery.seg",
    "tests/fixtures/parse/test_recovery.seg",
];

fn all_rule_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "seg") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(Path::new("tests/fixtures"), &mut files);
    walk(Path::new("examples"), &mut files);
    files.sort();
    files
}

/// The lowered plan of a clean file, as text (plans carry no spans).
fn plan_text(text: &str) -> Option<String> {
    let parsed = segc::syntax::parse(text);
    let checked = segc::check::check(&parsed.program, &parsed.diagnostics);
    let program = checked.program?;
    let params = crate::common::params();
    let ranks = segc::lower::Ranks::default();
    let plan = membership_plan(&program, &DeclaredTables, params, &Selection::All, &ranks)
        .ok()?
        .plan;
    let kpis: Vec<segc::hir::KpiId> = (0..program.kpis.len()).map(segc::hir::KpiId).collect();
    let kpi_plan = segc::lower::kpi_plan(&program, &DeclaredTables, params, &kpis, &ranks).ok()?;
    Some(format!(
        "{}\n{}",
        plan.display_indent(),
        kpi_plan.plan.display_indent()
    ))
}

#[test]
fn formatting_keeps_meaning_and_comments_and_is_idempotent() {
    let mut refused = Vec::new();
    for path in all_rule_files() {
        let text = std::fs::read_to_string(&path).expect("read");
        let Ok(formatted) = segc::fmt::format(&text) else {
            // Files with syntax errors are refused (tested below): exactly the listed ones.
            refused.push(path.display().to_string());
            continue;
        };
        let name = path.display();
        let again = segc::fmt::format(&formatted).expect("formatted text parses");
        assert_eq!(
            again, formatted,
            "{name}: formatting twice changes the text"
        );
        let before = segc::syntax::parse(&text).program;
        let after = segc::syntax::parse(&formatted).program;
        assert_eq!(
            sexpr(&after),
            sexpr(&before),
            "{name}: the tree or the comments changed"
        );
        assert_eq!(
            plan_text(&formatted),
            plan_text(&text),
            "{name}: the plan changed"
        );
    }
    assert_eq!(refused, UNPARSABLE, "the fixtures that do not parse");
}

#[test]
fn messy_file_layout() {
    let text = std::fs::read_to_string("tests/fixtures/fmt/messy.seg").expect("fixture");
    insta::assert_snapshot!(segc::fmt::format(&text).expect("parses"));
}

#[test]
fn messy_test_layout() {
    let text = std::fs::read_to_string("tests/fixtures/fmt/messy_tests.seg").expect("fixture");
    insta::assert_snapshot!(segc::fmt::format(&text).expect("parses"));
}

#[test]
fn messy_kpi_layout() {
    let text = std::fs::read_to_string("tests/fixtures/fmt/messy_kpis.seg").expect("fixture");
    insta::assert_snapshot!(segc::fmt::format(&text).expect("parses"));
}

#[test]
fn files_with_syntax_errors_are_refused() {
    let text = std::fs::read_to_string("tests/fixtures/parse/recovery.seg").expect("fixture");
    let problems = segc::fmt::format(&text).expect_err("refused");
    assert!(problems.iter().all(|d| d.code().starts_with("E01")));
}

#[test]
fn examples_are_formatted() {
    for example in [
        "examples/retail/retail.seg",
        "examples/rfm/rfm.seg",
        "examples/kpi/kpis.seg",
        "examples/b2b/accounts.seg",
        "examples/b2b/contacts.seg",
        "examples/b2b/common/sources.seg",
    ] {
        let text = std::fs::read_to_string(example).expect("example");
        assert_eq!(segc::fmt::format(&text).expect("parses"), text, "{example}");
    }
}
