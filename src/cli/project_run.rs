//! `segc run` without a file: every rule file of the project, in one session, each into its own
//! folder under the output folder.

use std::path::Path;

use super::Outcome;
use super::args::RunArgs;
use super::commands::{
    note_default_as_of, options, output_choice, print_ran, run_one, standalone, stopped,
};
use super::report::{Reporter, outcome_of};
use crate::diagnostics::{CommandDiagnostic, Diagnostic};
use crate::driver::{Reported, Session, Stopped, join_place, project_rule_files};
use crate::engine::Engine;
use crate::lower::Selection;

/// Runs every file of the project of the current folder: the files are read and checked
/// together (a shared file once), their sources registered in one engine (a shared source
/// once), and each file with outputs of its own writes them into `OUT/<its path without .seg>`.
/// A file that fails does not stop the others; the outcome is the worst of all.
pub(super) async fn run(args: &RunArgs, reporter: &Reporter) -> Outcome {
    let files = match project_rule_files(Path::new(".")) {
        Ok(files) => files,
        Err(problem) => return standalone(reporter, &[problem]),
    };
    let opened = match Session::open_all(&files, options(&args.data, false)) {
        Ok(opened) => opened,
        Err(problem) => return standalone(reporter, problem.diagnostics()),
    };
    let mut reported = Reported::default();
    let mut outcome = Outcome::Success;
    let mut engine: Option<Engine> = None;
    let mut noted = false;
    for opened in opened {
        let opened = match opened {
            Ok(opened) => opened,
            Err(problem) => {
                outcome = outcome.max(standalone(reporter, &[problem]));
                continue;
            }
        };
        let fresh = reported.fresh(opened.diagnostics().to_vec());
        reporter.diagnostics(opened.sources(), opened.name(), &fresh);
        let checked = outcome_of(opened.diagnostics());
        let Some(session) = opened.into_session() else {
            outcome = outcome.max(checked);
            continue;
        };
        if session.program().own_outputs().is_empty() {
            if !args.quiet {
                eprintln!(
                    "{}: nothing to write (no segment, score or tiers of its own)",
                    session.name()
                );
            }
            continue;
        }
        if !args.quiet && !noted {
            note_default_as_of(&args.data, &session);
            noted = true;
        }
        let ran = async {
            let engine = match &mut engine {
                Some(engine) => engine,
                None => engine.insert(session.bare_engine()?),
            };
            session.register_in(engine).await?;
            let dir = output_folder(args, &session)?;
            let choice = output_choice(args, Some(dir));
            run_one(&session, engine, &Selection::All, choice, args.quiet).await
        };
        match ran.await {
            Ok(ran) => {
                reporter.diagnostics(session.sources(), session.name(), &ran.warnings);
                if !args.quiet {
                    println!("{}", session.name());
                    print_ran(&ran);
                }
            }
            Err(problem) => outcome = outcome.max(stopped(&session, reporter, problem)),
        }
    }
    outcome
}

/// The file's own folder under `--out`, else under the project's `[output] dir` (`E0806`
/// without either).
fn output_folder(args: &RunArgs, session: &Session) -> Result<std::path::PathBuf, Stopped> {
    let project = session.project();
    let base = args.out.clone().or_else(|| project.output_dir.clone());
    match base {
        Some(base) => Ok(join_place(&base, &session.place())),
        None => Err(Stopped::Standalone(vec![Diagnostic::Command(
            CommandDiagnostic::NoOutputDir {
                project: project.path.as_ref().map(|p| p.display().to_string()),
            },
        )])),
    }
}
