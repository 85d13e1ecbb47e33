//! Checker snapshots: types of every definition for good files, rendered diagnostics for bad ones.

use std::fmt::Write as _;

use crate::common::{compile, file_name};
use segc::hir::DefId;

#[test]
fn good_files_check_clean() {
    insta::glob!("fixtures/check/ok/*.seg", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let (program, diagnostics) = compile(&file_name(path), &text);
        assert_eq!(diagnostics, "", "{}", path.display());
        let program = program.expect("a clean file gives a program");
        let mut out = String::new();
        let population = program.population();
        let _ = writeln!(out, "population {}", population.name);
        for def in &program.evaluation_order {
            match def {
                DefId::Let(id) => {
                    let l = &program.lets[id.0];
                    let null = if l.value.nullable { "?" } else { "" };
                    let _ = writeln!(out, "let {}: {}{null}", l.name, l.value.ty);
                }
                DefId::Segment(id) => {
                    let s = &program.segments[id.0];
                    let _ = writeln!(out, "segment {}", s.name);
                }
                DefId::Score(id) => {
                    let s = &program.scores[id.0];
                    let _ = writeln!(out, "score {}: {}", s.name, s.ty);
                }
                DefId::Tiers(id) => {
                    let t = &program.tiers[id.0];
                    let _ = writeln!(out, "tiers {}: {}", t.name, t.values.values.join(" | "));
                }
                DefId::Quantile(id) => {
                    let q = &program.quantiles[id.0];
                    let _ = writeln!(out, "quantile {:?} of {}", q.function, q.value.ty);
                }
            }
        }
        for kpi in &program.kpis {
            let groups: Vec<String> = kpi
                .groups
                .iter()
                .map(|g| segc::judge::GroupName::of(&program, g).text())
                .collect();
            // A target per group: each distinct one once.
            let mut targets: Vec<&str> = Vec::new();
            for target in &kpi.targets {
                if !targets.contains(&target.text.as_str()) {
                    targets.push(&target.text);
                }
            }
            let _ = writeln!(
                out,
                "kpi {}: {:?} over [{}], target {}",
                kpi.name,
                kpi.unit,
                groups.join(", "),
                targets.join("; ")
            );
        }
        for e in &program.expectations {
            let subject = match e.subject {
                segc::hir::SizeSubject::Segment(id) => program.segments[id.0].name.clone(),
                segc::hir::SizeSubject::Tier { tiers, arm } => {
                    let t = &program.tiers[tiers.0];
                    format!("{}:{}", t.name, t.arms[arm].name)
                }
            };
            let severity = if e.is_error { "error" } else { "warning" };
            let _ = writeln!(
                out,
                "expect {subject}: {} ({severity}) {:?}",
                e.text, e.range
            );
        }
        for c in &program.consents {
            let source = &program.sources[c.source.0];
            let column = &source.columns[c.column].name;
            let _ = writeln!(
                out,
                "consent {}: {}.{column}",
                c.channel.as_str(),
                source.name
            );
        }
        for a in &program.audiences {
            let warn = if a.warn { " (else warn)" } else { "" };
            let segment = &program.segments[a.segment.0].name;
            let _ = writeln!(out, "audience {segment}: {}{warn}", a.channel.as_str());
        }
        insta::assert_snapshot!(out);
    });
}

#[test]
fn bad_files_report_every_problem() {
    insta::glob!("fixtures/check/errors/*.seg", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let (program, diagnostics) = compile(&file_name(path), &text);
        assert!(program.is_none(), "{} should not check", path.display());
        insta::assert_snapshot!(diagnostics);
    });
}

#[test]
fn warnings_do_not_stop_checking() {
    insta::glob!("fixtures/check/warnings/*.seg", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let (program, diagnostics) = compile(&file_name(path), &text);
        assert!(program.is_some(), "{} has only warnings", path.display());
        assert!(!diagnostics.is_empty());
        assert!(
            !diagnostics.contains("× "),
            "only warnings expected:\n{diagnostics}"
        );
        insta::assert_snapshot!(diagnostics);
    });
}

#[test]
fn the_example_checks_clean() {
    let text = std::fs::read_to_string("examples/retail/retail.seg").expect("example");
    let (program, diagnostics) = compile("retail.seg", &text);
    assert_eq!(diagnostics, "");
    assert_eq!(program.expect("program").segments.len(), 15);
}

/// The registry of codes and `docs/errors.md` agree both ways: every registered code has a
/// section titled as registered, every documented code is registered or marked retired.
#[test]
fn every_code_is_documented() {
    use segc::diagnostics::{Code, RETIRED};
    let docs = std::fs::read_to_string("docs/errors.md").expect("docs/errors.md");
    let documented: Vec<(&str, &str)> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .filter_map(|heading| heading.split_once(" — "))
        .collect();
    assert!(
        documented.len() > 100,
        "found only {} sections",
        documented.len()
    );
    for code in Code::ALL {
        let title = documented
            .iter()
            .find(|(c, _)| *c == code.as_str())
            .map(|(_, t)| *t);
        assert_eq!(
            title,
            Some(code.title()),
            "{code} is registered as \"{}\" but docs/errors.md has {title:?}",
            code.title()
        );
    }
    for (code, title) in &documented {
        let registered = Code::ALL.iter().any(|c| c.as_str() == *code);
        if RETIRED.contains(code) {
            assert!(!registered, "{code} is retired and registered");
            assert!(title.ends_with("(retired)"), "{code} is retired: {title}");
        } else {
            assert!(
                registered,
                "{code} ({title}) is documented but not registered"
            );
        }
    }
    let mut codes: Vec<&str> = documented.iter().map(|(c, _)| *c).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), documented.len(), "a code is documented twice");
}

#[test]
fn the_exit_code_table_lists_every_error_code_under_its_exit_code() {
    use segc::diagnostics::{Blame, Code};
    let docs = std::fs::read_to_string("docs/errors.md").expect("docs/errors.md");
    let row = |exit: &str| {
        docs.lines()
            .find(|l| l.starts_with(&format!("| {exit} |")))
            .unwrap_or_else(|| panic!("no row for exit code {exit}"))
            .to_string()
    };
    // `E0701` listed, or within a range `E1001–E1016`, or in `all E01–E06 codes`.
    let covers = |row: &str, code: &str| {
        let number = |c: &str| c.get(1..).and_then(|n| n.parse::<u32>().ok());
        row.contains(&format!("`{code}`"))
            || row.split([' ', ',']).any(|part| {
                part.split_once('–').is_some_and(|(from, to)| {
                    let (Some(from), Some(to), Some(n)) = (number(from), number(to), number(code))
                    else {
                        return false;
                    };
                    // `E01–E06`: two-digit families.
                    let (from, to) = if from < 100 {
                        (from * 100, to * 100 + 99)
                    } else {
                        (from, to)
                    };
                    (from..=to).contains(&n)
                })
            })
    };
    let (rules, environment) = (row("1"), row("2"));
    for code in Code::ALL.iter().filter(|c| c.as_str().starts_with('E')) {
        let (listed, other) = match code.blame() {
            Blame::Rules => (&rules, &environment),
            Blame::Environment => (&environment, &rules),
        };
        assert!(
            covers(listed, code.as_str()),
            "{code} ({:?}) is missing from its exit code's row",
            code.blame()
        );
        assert!(
            !covers(other, code.as_str()),
            "{code} is listed under the other exit code"
        );
    }
}

#[test]
fn readme_snippets_check_against_the_retail_declarations() {
    // The README's behavioral and KPI snippets, after the retail example's sources.
    let readme = std::fs::read_to_string("README.md").expect("README");
    let blocks: Vec<&str> = readme
        .split("```")
        .skip(1)
        .step_by(2)
        .map(|b| b.split_once('\n').map_or("", |(_, body)| body))
        .collect();
    let behavioral = blocks
        .iter()
        .find(|b| b.starts_with("source orders"))
        .expect("behavioral snippet");
    let kpis = blocks
        .iter()
        .find(|b| b.starts_with("kpi "))
        .expect("KPI snippet");
    let retail = std::fs::read_to_string("examples/retail/retail.seg").expect("example");
    let sources = &retail[..retail.find("source orders").expect("orders")];
    let text = format!("{sources}{behavioral}\n{kpis}");
    let (program, diagnostics) = compile("README.md", &text);
    assert_eq!(diagnostics, "");
    assert_eq!(program.expect("program").kpis.len(), 3);
}

#[test]
fn lints_fire_and_stay_quiet() {
    insta::glob!("fixtures/lints/*.seg", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let (program, diagnostics) = compile(&file_name(path), &text);
        assert!(program.is_some(), "{} has only warnings", path.display());
        if file_name(path) == "quiet.seg" {
            assert_eq!(diagnostics, "", "no lint fires");
        } else if file_name(path) == "nesting.seg" {
            for code in ["W1111", "W1112"] {
                assert!(diagnostics.contains(code), "{code} does not fire");
            }
        } else {
            for code in [
                "W1100", "W1101", "W1102", "W1103", "W1104", "W1105", "W1106", "W1107", "W1109",
            ] {
                assert!(diagnostics.contains(code), "{code} does not fire");
            }
        }
        insta::assert_snapshot!(diagnostics);
    });
}

#[test]
fn lint_levels_allow_warn_and_deny() {
    use segc::check::{LintLevels, Settings, check_with};
    use segc::diagnostics::{Level, Lint};
    let text = std::fs::read_to_string("tests/fixtures/lints/firing.seg").expect("fixture");
    let parsed = segc::syntax::parse(&text);
    let codes = |levels: &LintLevels| {
        let settings = Settings {
            lints: levels.clone(),
            ..Settings::default()
        };
        let checked = check_with(&parsed.program, &parsed.diagnostics, &settings);
        let codes: Vec<String> = checked
            .diagnostics
            .iter()
            .map(|d| format!("{}:{:?}", d.code(), d.severity()))
            .collect();
        (checked.program.is_some(), codes.join(" "))
    };
    let mut quiet = LintLevels::default();
    quiet.set_all(Level::Allow);
    // Directives still turn on the lints they name; the unknown lint is always reported.
    assert_eq!(
        codes(&quiet),
        (
            true,
            "W1105:Warning W1106:Warning W1106:Warning W1100:Warning".to_string()
        )
    );
    let mut strict = LintLevels::default();
    strict.set(Lint::UnusedSource, Level::Deny);
    let (runs, listed) = codes(&strict);
    assert!(!runs, "a denied lint stops the rules");
    assert!(listed.contains("W1102:Error"), "{listed}");
    assert!(listed.contains("W1101:Warning"), "{listed}");
}
