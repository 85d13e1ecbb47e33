//! The formatter: one layout, every comment kept, meaning unchanged, idempotent.

use std::path::{Path, PathBuf};

use crate::common::sexpr;
use segc::lower::{DeclaredTables, Selection, membership_plan};

/// The rule files of the fixtures and examples that have syntax errors on purpose.
const UNPARSABLE: [&str; 11] = [
    "tests/fixtures/check/errors/literals.seg",
    "tests/fixtures/check/errors/review_regressions.seg",
    "tests/fixtures/check/errors/syntax_no_cascade.seg",
    "tests/fixtures/imports/broken/sources.seg",
    "tests/fixtures/parse/consent.seg",
    "tests/fixtures/parse/frozen.seg",
    "tests/fixtures/parse/habits.seg",
    "tests/fixtures/parse/kpis.seg",
    "tests/fixtures/parse/recovery.seg",
    "tests/fixtures/parse/size_expectations.seg",
    "tests/fixtures/parse/test_recovery.seg",
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

/// At narrow widths, where most groups break, formatting stays idempotent and keeps the tree
/// and the comments, on every fixture and example.
#[test]
fn narrow_widths_keep_meaning_and_are_idempotent() {
    for path in all_rule_files() {
        let text = std::fs::read_to_string(&path).expect("read");
        let before = segc::syntax::parse(&text).program;
        for line_width in [0, 30, 60] {
            let options = segc::fmt::Options { line_width };
            let Ok(formatted) = segc::fmt::format_with(&text, options) else {
                continue;
            };
            let name = format!("{} at width {line_width}", path.display());
            let again = segc::fmt::format_with(&formatted, options).unwrap_or_else(|e| {
                panic!("{name}: the formatted text does not parse: {e:?}\n{formatted}")
            });
            assert_eq!(
                again, formatted,
                "{name}: formatting twice changes the text"
            );
            let after = segc::syntax::parse(&formatted).program;
            assert_eq!(
                sexpr(&after),
                sexpr(&before),
                "{name}: the tree or the comments changed"
            );
        }
    }
}

#[test]
fn messy_file_layout() {
    let text = std::fs::read_to_string("tests/fixtures/fmt/messy.seg").expect("fixture");
    insta::assert_snapshot!(segc::fmt::format(&text).expect("parses"));
}

#[test]
fn comments_in_broken_groups_layout() {
    let text = std::fs::read_to_string("tests/fixtures/fmt/comments.seg").expect("fixture");
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
fn messy_expectation_layout() {
    let text =
        std::fs::read_to_string("tests/fixtures/fmt/messy_expectations.seg").expect("fixture");
    insta::assert_snapshot!(segc::fmt::format(&text).expect("parses"));
}

#[test]
fn messy_consent_layout() {
    let text = std::fs::read_to_string("tests/fixtures/fmt/messy_consent.seg").expect("fixture");
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
        // The line of the block, its indentation (inside a list item) and its text.
        let mut current: Option<(usize, usize, String)> = None;
        for (number, line) in text.lines().enumerate() {
            let indentation = line.len() - line.trim_start().len();
            match &mut current {
                None if line.trim() == "```seg" => {
                    current = Some((number + 1, indentation, String::new()));
                }
                None => {}
                Some((start, _, block)) if line.trim() == "```" => {
                    blocks.push((file.display().to_string(), *start, std::mem::take(block)));
                    current = None;
                }
                Some((_, indent, block)) => {
                    block.push_str(line.get(*indent..).unwrap_or(line.trim_start()));
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

/// `segc fmt` reads the line width from the `[fmt]` section of the rule file's segc.toml (or
/// the nearest one above its folder); a segc.toml that cannot be used stops it (exit 2),
/// reported once.
#[test]
fn the_line_width_comes_from_segc_toml() {
    use crate::common::cli::{segc, status, transcript};
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("segc.toml"), "[fmt]\nline_width = 30\n").expect("write");
    std::fs::create_dir(dir.path().join("rules")).expect("mkdir");
    let rule = "segment adults = age >= 18 and country in [\"FR\", \"BE\"]\n";
    std::fs::write(dir.path().join("rules/a.seg"), rule).expect("write");
    assert_eq!(status(segc().current_dir(dir.path()).args(["fmt"])), 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("rules/a.seg")).expect("read"),
        "segment adults =\n  age >= 18\n  and country in [\"FR\", \"BE\"]\n"
    );
    // The default width keeps it on one line.
    assert_eq!(segc::fmt::format(rule).expect("parses"), rule);

    std::fs::write(
        dir.path().join("segc.toml"),
        "[fmt]\nline_width = \"wide\"\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("rules/b.seg"), rule).expect("write");
    let out = transcript(segc().current_dir(dir.path()).args(["fmt", "--check"]));
    assert!(out.starts_with("exit: 2\n"), "{out}");
    assert_eq!(out.matches("E0804").count(), 1, "reported once: {out}");
}
