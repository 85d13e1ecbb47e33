//! `segc fmt`: rewriting rule files in place, or checking them.

use super::Outcome;
use super::args::FmtArgs;
use super::report::{Reporter, outcome_of};
use crate::driver::format::{FormatOptions, format_file, read, rule_files_under, write_atomically};

/// Formats (or checks) every rule file named or found under the given folders.
pub(super) fn run(args: &FmtArgs, reporter: &Reporter) -> Outcome {
    let files = rule_files_under(&args.paths);
    let mut outcome = Outcome::Success;
    let mut changed = 0;
    let mut options = FormatOptions::default();
    // A folder's unusable segc.toml is reported once, not for each of its files.
    let mut reported: Vec<crate::diagnostics::Diagnostic> = Vec::new();
    for path in &files {
        let file_options = match options.of_file(path) {
            Ok(o) => o,
            Err(problem) => {
                outcome = outcome.max(outcome_of(std::slice::from_ref(&problem)));
                if !reported.contains(&problem) {
                    reporter.standalone(&problem);
                    reported.push(problem);
                }
                continue;
            }
        };
        let file = match read(path) {
            Ok(file) => file,
            Err(problem) => {
                reporter.standalone(&problem);
                outcome = outcome.max(Outcome::Environment);
                continue;
            }
        };
        let formatted = match format_file(&file, file_options) {
            Ok(text) => text,
            Err(problems) => {
                reporter.file_diagnostics(&file.name, &file.text, &problems);
                outcome = outcome.max(outcome_of(&problems));
                continue;
            }
        };
        if formatted == file.text {
            continue;
        }
        changed += 1;
        if args.check {
            let diff = super::line_diff::line_diff(&file.text, &formatted);
            print!(
                "{}",
                diff.unified(2, &file.name, &format!("{} (formatted)", file.name))
            );
            outcome = outcome.max(Outcome::RuleErrors);
        } else if let Err(problem) = write_atomically(&file.path, &formatted) {
            reporter.standalone(&problem);
            outcome = outcome.max(Outcome::Environment);
        }
    }
    let verb = if args.check {
        "would reformat"
    } else {
        "reformatted"
    };
    eprintln!(
        "{verb} {changed} of {} file{}",
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    );
    outcome
}
