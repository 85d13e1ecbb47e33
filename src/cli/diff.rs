//! `segc diff`: two versions of the rule files compared, printed for people, tools or a pull
//! request.

use std::path::PathBuf;

use super::Outcome;
use super::args::{DiffArgs, DiffFormat};
use super::diff_report;
use super::report::{Reporter, outcome_of};
use crate::diagnostics::{Diagnostic, DiffDiagnostic};
use crate::driver::{self, DiffRequest, Stopped};

/// Runs `segc diff`.
pub(super) async fn run(args: &DiffArgs, reporter: &Reporter) -> Outcome {
    if !args.fail_if.is_empty() && !args.data {
        let problem = Diagnostic::Diff(DiffDiagnostic::GateWithoutData);
        reporter.standalone(&problem);
        return outcome_of(&[problem]);
    }
    let request = request(&args.items);
    let mut diffed = match driver::diff(&request) {
        Ok(diffed) => diffed,
        Err(Stopped::Standalone(problems) | Stopped::InRules(problems)) => {
            problems.iter().for_each(|d| reporter.standalone(d));
            return outcome_of(&problems);
        }
    };
    let mut outcome = Outcome::Success;
    for problems in &diffed.problems {
        eprintln!("in the {} version:", problems.version);
        let (placed, unplaced): (Vec<Diagnostic>, Vec<Diagnostic>) = problems
            .diagnostics
            .iter()
            .cloned()
            .partition(|d| d.primary_span().is_some());
        reporter.diagnostics(&problems.sources, "", &placed);
        unplaced.iter().for_each(|d| reporter.standalone(d));
        outcome = outcome.max(outcome_of(&problems.diagnostics));
    }
    let gates = match driver::read_gates(&diffed, &args.fail_if) {
        Ok(gates) => gates,
        Err(stopped) => {
            stopped
                .diagnostics()
                .iter()
                .for_each(|d| reporter.standalone(d));
            return outcome.max(outcome_of(stopped.diagnostics()));
        }
    };
    if args.data {
        let options = super::commands::options(&args.data_options, false);
        match driver::measure_changes(&mut diffed, &options).await {
            Ok(()) => {}
            Err(Stopped::Standalone(problems)) => {
                problems.iter().for_each(|d| reporter.standalone(d));
                return outcome.max(outcome_of(&problems));
            }
            Err(Stopped::InRules(problems)) => {
                reporter.diagnostics(diffed.head_sources(), "", &problems);
                return outcome.max(outcome_of(&problems));
            }
        }
    }
    let text = match args.format {
        DiffFormat::Human => diff_report::human(&diffed),
        DiffFormat::Json => diff_report::json(&diffed),
        DiffFormat::Markdown => diff_report::markdown(&diffed),
    };
    print!("{text}");
    let tripped = driver::tripped_gates(&diffed, &gates);
    tripped.iter().for_each(|d| reporter.standalone(d));
    outcome.max(outcome_of(&tripped))
}

/// The revisions and files of the arguments: a rule file ends in `.seg`; what comes before is
/// revisions.
fn request(items: &[String]) -> DiffRequest {
    let (files, revisions): (Vec<&String>, Vec<&String>) =
        items.iter().partition(|item| item.ends_with(".seg"));
    DiffRequest {
        revisions: revisions.into_iter().cloned().collect(),
        files: files.into_iter().map(PathBuf::from).collect(),
    }
}
