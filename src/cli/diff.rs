//! `segc diff`: two versions of the rule files compared (and run over the data with `--data`),
//! or two runs' outputs compared (`--runs`), printed for people, tools or a pull request.

use std::path::PathBuf;

use super::Outcome;
use super::args::{DiffArgs, DiffFormat};
use super::diff_report;
use super::report::{Reporter, outcome_of};
use crate::diagnostics::{Diagnostic, DiffDiagnostic};
use crate::diff::gate::Gate;
use crate::driver::{self, DiffRequest, Diffed, Stopped};
use crate::engine::EngineOptions;

/// Runs `segc diff`.
pub(super) async fn run(args: &DiffArgs, reporter: &Reporter) -> Outcome {
    if !args.fail_if.is_empty() && !args.data && !args.runs {
        let problem = Diagnostic::Diff(DiffDiagnostic::GateWithoutData);
        reporter.standalone(&problem);
        return outcome_of(&[problem]);
    }
    let result = match args.runs {
        true => runs(args, reporter).await,
        false => versions(args, reporter).await,
    };
    match result {
        Ok(outcome) => outcome,
        Err((Stopped::Standalone(problems), _)) => {
            problems.iter().for_each(|d| reporter.standalone(d));
            outcome_of(&problems)
        }
        Err((Stopped::InRules(problems), diffed)) => {
            match &diffed {
                Some(diffed) => reporter.diagnostics(diffed.data_sources(), "", &problems),
                None => problems.iter().for_each(|d| reporter.standalone(d)),
            }
            outcome_of(&problems)
        }
    }
}

/// Why a comparison stopped, with the versions read (where its problems are drawn).
type Failed = (Stopped, Option<Diffed>);

/// The gates of `--fail-if`, reading the names they may use from `names`.
fn gates(args: &DiffArgs, names: &[String]) -> Result<Vec<Gate>, Stopped> {
    driver::read_gates(&args.fail_if, names)
}

/// Two versions of the rules.
async fn versions(args: &DiffArgs, reporter: &Reporter) -> Result<Outcome, Failed> {
    let request = request(&args.items);
    let mut diffed = driver::diff(&request).map_err(|s| (s, None))?;
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
    let gates = gates(args, &driver::gate_names(&diffed)).map_err(|s| (s, None))?;
    if args.data {
        let options = super::commands::options(&args.data_options, false);
        if let Err(stopped) = driver::measure_changes(&mut diffed, &options).await {
            return Err((stopped, Some(diffed)));
        }
    }
    let data = diffed.files.iter().filter_map(|f| f.data.as_ref());
    let tripped = driver::tripped_gates(data, &gates);
    print!(
        "{}",
        match args.format {
            DiffFormat::Human => diff_report::human(&diffed),
            DiffFormat::Json => diff_report::json(&diffed),
            DiffFormat::Markdown => diff_report::markdown(&diffed) + &gates_passed(&tripped),
        }
    );
    tripped.iter().for_each(|d| reporter.standalone(d));
    Ok(outcome.max(outcome_of(&tripped)))
}

/// Two runs' outputs.
async fn runs(args: &DiffArgs, reporter: &Reporter) -> Result<Outcome, Failed> {
    let dirs: Vec<PathBuf> = args.items.iter().map(PathBuf::from).collect();
    let options = EngineOptions {
        threads: args.data_options.threads.map(usize::from),
        memory_limit: args.data_options.memory_limit,
    };
    let compared = driver::diff_runs(&dirs, options)
        .await
        .map_err(|s| (s, None))?;
    let gates = gates(args, &compared.names()).map_err(|s| (s, None))?;
    let tripped = driver::tripped_gates([&compared.data], &gates);
    print!(
        "{}",
        match args.format {
            DiffFormat::Human => diff_report::runs_human(&compared),
            DiffFormat::Json => diff_report::runs_json(&compared),
            DiffFormat::Markdown => diff_report::runs_markdown(&compared) + &gates_passed(&tripped),
        }
    );
    tripped.iter().for_each(|d| reporter.standalone(d));
    Ok(outcome_of(&tripped))
}

/// The gates passed, for the end of a Markdown report (a pull-request comment shows no
/// stderr).
fn gates_passed(tripped: &[Diagnostic]) -> String {
    let lines: Vec<String> = tripped
        .iter()
        .map(|d| format!("- {}: {}\n", d.code(), d.message()))
        .collect();
    match lines.is_empty() {
        true => String::new(),
        false => format!(
            "\n**Gates passed** (the check fails):\n\n{}",
            lines.concat()
        ),
    }
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
