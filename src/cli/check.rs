//! `segc check`: reads the given rule files (or the project's) with their imports, checks each,
//! and reports every problem of every file, for people or for tools.

use std::path::{Path, PathBuf};

use super::Outcome;
use super::args::{CheckArgs, CheckFormat};
use super::machine::{self, FileReport};
use super::report::{Reporter, outcome_of};
use crate::diagnostics::{Diagnostic, Severity};
use crate::driver::{CheckedFile, check_files, project_rule_files};
use crate::files::SourceMap;
use crate::hir;

/// Runs `segc check`.
pub(super) fn run(args: &CheckArgs, reporter: &Reporter) -> Outcome {
    let files = match files_to_check(args) {
        Ok(files) => files,
        Err(problem) => {
            reporter.standalone(&problem);
            return Outcome::Environment;
        }
    };
    // A file named twice (by hand, or by two patterns) is checked once.
    let crate::driver::CheckedFiles {
        rules,
        files: checked,
    } = check_files(&files);
    if args.format != CheckFormat::Human {
        let outcome = for_tools(args, rules.sources(), checked);
        leave(rules);
        return outcome;
    }
    let mut outcome = Outcome::Success;
    for file in checked {
        let diagnostics = &file.diagnostics;
        if !file.checked {
            diagnostics.iter().for_each(|d| reporter.standalone(d));
            outcome = outcome.max(outcome_of(diagnostics));
            continue;
        }
        reporter.diagnostics(rules.sources(), &file.name, diagnostics);
        let Some(program) = file.program else {
            let own = diagnostics.iter().any(|d| {
                d.severity() == Severity::Error
                    && d.primary_span()
                        .and_then(|s| rules.sources().locate(s))
                        .is_some_and(|(_, f)| f.name == file.name)
            });
            if !own {
                eprintln!(
                    "error: {} cannot run: a file it imports has problems",
                    file.name
                );
            }
            outcome = outcome.max(Outcome::RuleErrors);
            continue;
        };
        let verdict = strict(Outcome::Success, diagnostics, args.deny_warnings);
        if verdict != Outcome::Success {
            eprintln!("error: warnings are denied (--deny-warnings)");
            outcome = outcome.max(verdict);
            continue;
        }
        println!("{}: ok ({})", file.name, contents(&program));
        leave(program);
    }
    leave(rules);
    outcome
}

/// Leaves `trees` to the end of the process: freeing the syntax trees and programs of thousands
/// of items node by node took about a twentieth of `segc check`.
fn leave<T>(trees: T) {
    std::mem::forget(trees);
}

/// What a checked file defines: `2 sources, 1 let, 3 segments`.
fn contents(program: &hir::Program) -> String {
    let mut parts = vec![
        count(program.sources.len(), "source"),
        count(program.lets.len(), "let"),
        count(program.segments.len(), "segment"),
    ];
    if !program.scores.is_empty() {
        parts.push(count(program.scores.len(), "score"));
    }
    let splits = program.tiers.iter().filter(|t| t.is_split).count();
    let tiers = program.tiers.len() - splits;
    if tiers > 0 {
        parts.push(format!("{tiers} tiers"));
    }
    if splits > 0 {
        parts.push(count(splits, "split"));
    }
    if !program.kpis.is_empty() {
        parts.push(count(program.kpis.len(), "KPI"));
    }
    if !program.tests.is_empty() {
        parts.push(count(program.tests.len(), "test"));
    }
    parts.join(", ")
}

/// `1 source`, `3 segments`.
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Every file's diagnostics in one document on stdout. A diagnostic is listed under the file it
/// points into: a problem found in an imported file is listed under that file.
fn for_tools(args: &CheckArgs, sources: &SourceMap, checked: Vec<CheckedFile>) -> Outcome {
    // The files given come first, in order; imported files with problems after them.
    let mut reports: Vec<FileReport> = Vec::new();
    for file in &checked {
        if !reports.iter().any(|r| r.name == file.name) {
            reports.push(FileReport::new(&file.name));
        }
    }
    let mut all = Vec::new();
    for CheckedFile {
        name, diagnostics, ..
    } in checked
    {
        for d in diagnostics {
            let file = d
                .primary_span()
                .and_then(|s| sources.locate(s))
                .map_or_else(|| name.clone(), |(_, f)| f.name.clone());
            let index = match reports.iter().position(|r| r.name == file) {
                Some(i) => i,
                None => {
                    reports.push(FileReport::new(&file));
                    reports.len() - 1
                }
            };
            all.push(d.clone());
            reports[index].diagnostics.push(d);
        }
    }
    print!(
        "{}",
        match args.format {
            CheckFormat::Json => machine::json(&reports, sources),
            CheckFormat::Sarif => super::sarif::sarif(&reports, sources),
            CheckFormat::Github => machine::github(&reports, sources),
            _ => machine::junit(&reports, sources),
        }
    );
    strict(outcome_of(&all), &all, args.deny_warnings)
}

/// With `--deny-warnings`, a clean outcome with warnings becomes a failure.
fn strict(outcome: Outcome, diagnostics: &[Diagnostic], deny_warnings: bool) -> Outcome {
    let warned = diagnostics
        .iter()
        .any(|d| d.severity() == Severity::Warning);
    if deny_warnings && warned {
        outcome.max(Outcome::RuleErrors)
    } else {
        outcome
    }
}

/// The files `segc check` checks: those given, or the `files` of the project of the current
/// folder.
fn files_to_check(args: &CheckArgs) -> Result<Vec<PathBuf>, Diagnostic> {
    if !args.files.is_empty() {
        return Ok(args.files.clone());
    }
    project_rule_files(Path::new("."))
}
