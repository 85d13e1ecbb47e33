//! The formatter: one layout, every comment kept, meaning unchanged, idempotent.

use std::path::{Path, PathBuf};

use crate::common::sexpr;
use segc::lower::{DeclaredTables, Selection, membership_plan};

/// The rule files of the fixtures and examples that have syntax errors on purpose.
const UNPARSABLE: [&str; 7] = [
    "tests/fixtures/check/errors/literals.seg",
    "tests/fixtures/check/errors/review_regressions.seg",
    "tests/fixtures/check/errors/syntax_no_cascade.seg",
    "tests/fixtures/imports/broken/sources.seg",
    "tests/fixtures/parse/habits.seg",
    "tests/fixtures/parse/kpis.seg",
    "tests/fixtures/parse/recovery.seg",
];

/// Every `.seg` file of the fixtures and examples.
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

/// Every example file (`examples/**/*.seg`) is in fmt's layout.
#[test]
fn examples_are_formatted() {
    let examples: Vec<PathBuf> = all_rule_files()
        .into_iter()
        .filter(|p| p.starts_with("examples"))
        .collect();
    assert!(examples.len() >= 10, "the examples are found");
    for example in examples {
        let text = std::fs::read_to_string(&example).expect("example");
        let formatted = segc::fmt::format(&text).expect("parses");
        assert_eq!(formatted, text, "{}", example.display());
    }
}

/// The long definitions fixture, formatted for `width`.
fn long_fixture(width: usize) -> String {
    let text = std::fs::read_to_string("tests/fixtures/fmt/long.seg").expect("fixture");
    let options = segc::fmt::Options { line_width: width };
    let formatted = segc::fmt::format_with(&text, options).expect("parses");
    let again = segc::fmt::format_with(&formatted, options).expect("parses");
    assert_eq!(again, formatted, "idempotent at width {width}");
    let before = segc::syntax::parse(&text).program;
    let after = segc::syntax::parse(&formatted).program;
    assert_eq!(sexpr(&after), sexpr(&before), "same tree at width {width}");
    formatted
}

#[test]
fn long_definitions_layout() {
    insta::assert_snapshot!(long_fixture(100));
}

#[test]
fn narrow_width_layout() {
    insta::assert_snapshot!(long_fixture(40));
}

/// The ```seg code blocks of the documentation: (file, line of the block, text).
fn documentation_blocks() -> Vec<(String, usize, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("docs")
        .expect("docs")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.push(PathBuf::from("README.md"));
    files.sort();
    let mut blocks = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let mut current: Option<(usize, String)> = None;
        for (number, line) in text.lines().enumerate() {
            match &mut current {
                None if line.trim_end() == "```seg" => current = Some((number + 1, String::new())),
                None => {}
                Some((start, block)) if line.trim_end() == "```" => {
                    blocks.push((file.display().to_string(), *start, std::mem::take(block)));
                    current = None;
                }
                Some((_, block)) => {
                    block.push_str(line);
                    block.push('\n');
                }
            }
        }
    }
    blocks
}

/// Every ```seg block of docs/*.md and README.md is in fmt's layout (blocks that are partial
/// or invalid on purpose are marked ```seg-partial and skipped).
#[test]
fn documentation_examples_are_formatted() {
    let blocks = documentation_blocks();
    assert!(blocks.len() > 50, "the documentation's blocks are found");
    let mut problems = Vec::new();
    for (file, line, block) in &blocks {
        match segc::fmt::format(block) {
            Err(diagnostics) => problems.push(format!(
                "{file}:{line}: does not parse ({}); mark it ```seg-partial if it is partial on purpose",
                diagnostics.iter().map(|d| d.code()).collect::<Vec<_>>().join(", ")
            )),
            Ok(formatted) if &formatted != block => {
                problems.push(format!("{file}:{line}: not formatted; fmt gives:\n{formatted}"))
            }
            Ok(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
