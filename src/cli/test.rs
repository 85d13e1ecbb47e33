//! `segc test`: runs the `test` items of the given rule files (or of every `.seg` file under
//! the given folders) and reports each test, for people or for tools.

use std::time::Instant;

use super::Outcome;
use super::args::{TestArgs, TestFormat};
use super::report::{Reporter, outcome_of};
use super::test_report;
use crate::diagnostics::{Diagnostic, Severity};
use crate::driver::{Stopped, TestOptions, TestedFile, test_file};

/// Runs `segc test`.
pub(super) async fn run(args: &TestArgs, reporter: &Reporter) -> Outcome {
    let options = TestOptions {
        filters: args.filters.clone(),
        coverage: args.coverage,
        threads: args.threads.map(usize::from),
        data_roots: args.data_roots.clone(),
    };
    let started = Instant::now();
    let mut outcome = Outcome::Success;
    let mut tested = Vec::new();
    for path in crate::driver::format::rule_files_under(&args.paths) {
        // Under a folder, files without tests (shared declarations, files not tested yet) are
        // left alone; a file named on the command line is always checked.
        if !args.paths.contains(&path) && !crate::driver::has_tests(&path) {
            continue;
        }
        match test_file(&path, &options).await {
            Ok(file) => {
                outcome = outcome.max(file_outcome(&file));
                if args.format == TestFormat::Human {
                    human(&file, reporter, args.coverage);
                }
                tested.push(file);
            }
            Err(Stopped::Standalone(problems) | Stopped::InRules(problems)) => {
                problems.iter().for_each(|d| reporter.standalone(d));
                outcome = outcome.max(outcome_of(&problems));
            }
        }
    }
    match args.format {
        TestFormat::Human => print!("{}", test_report::totals(&tested, started.elapsed())),
        TestFormat::Json => print!("{}", test_report::json(&tested)),
        TestFormat::Junit => print!("{}", test_report::junit(&tested)),
        TestFormat::Github => print!("{}", test_report::github(&tested)),
    }
    outcome
}

/// The outcome of a file: its check errors, its tests' failures and problems.
fn file_outcome(file: &TestedFile) -> Outcome {
    let problems: Vec<Diagnostic> = file
        .diagnostics
        .iter()
        .chain(file.results.iter().flat_map(|r| &r.problems))
        .cloned()
        .collect();
    outcome_of(&problems)
}

/// One line per test on stdout, the failures drawn on stderr, the coverage table on request.
fn human(file: &TestedFile, reporter: &Reporter, coverage: bool) {
    let shown: Vec<&Diagnostic> = file
        .diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error || file.ran)
        .collect();
    if !shown.is_empty() {
        let owned: Vec<Diagnostic> = shown.into_iter().cloned().collect();
        reporter.diagnostics(&file.sources, &file.name, &owned);
    }
    if !file.ran {
        println!("{}: the tests cannot run: the rules have errors", file.name);
        return;
    }
    for result in &file.results {
        let verdict = if result.passed() { "ok" } else { "FAILED" };
        println!(
            "test {}::{} ... {verdict} ({})",
            file.name,
            result.name,
            test_report::duration(result.time)
        );
        if !result.passed() {
            reporter.diagnostics(&file.sources, &file.name, &result.problems);
        }
    }
    if coverage {
        print!("{}", test_report::coverage_table(file));
    }
}
