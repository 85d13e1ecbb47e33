//! `segc run` without a file: every rule file of the project, each into its own folder under
//! the output folder, the files that can share one plan computed by it
//! (`driver::ProjectRun`), and every file's outputs published together or none.

use std::path::Path;

use super::Outcome;
use super::args::{ExplainArgs, RunArgs};
use super::commands::{
    judged_run, note_default_as_of, options, output_choice, print_ran, standalone, stopped,
};
use super::report::{Reporter, outcome_of};
use crate::diagnostics::{CommandDiagnostic, Diagnostic, ImportDiagnostic};
use crate::driver::{ProjectRun, Reported, Session, Stopped, join_place, project_rule_files};

/// The checked files of the project of the current folder that have outputs of their own,
/// their diagnostics printed; stops when a file cannot run (`publishing`: with `E1210`).
fn project_sessions(
    data: &super::args::DataArgs,
    quiet: bool,
    publishing: bool,
    reporter: &Reporter,
) -> Result<Vec<Session>, Outcome> {
    let files = project_rule_files(Path::new(".")).map_err(|p| standalone(reporter, &[p]))?;
    let opened = Session::open_all(&files, options(data, false))
        .map_err(|problem| standalone(reporter, problem.diagnostics()))?;
    let mut reported = Reported::default();
    let mut outcome = Outcome::Success;
    let mut sessions = Vec::new();
    let mut failed = None;
    for (opened, path) in opened.into_iter().zip(&files) {
        let opened = match opened {
            Ok(opened) => opened,
            Err(problem) => {
                outcome = outcome.max(standalone(reporter, &[problem]));
                failed.get_or_insert_with(|| path.display().to_string());
                continue;
            }
        };
        let fresh = reported.fresh(opened.diagnostics().to_vec());
        reporter.diagnostics(opened.sources(), opened.name(), &fresh);
        let checked = outcome_of(opened.diagnostics());
        let name = opened.name().to_string();
        let Some(session) = opened.into_session() else {
            outcome = outcome.max(checked);
            failed.get_or_insert(name);
            continue;
        };
        if session.program().own_outputs().is_empty() {
            if !quiet {
                eprintln!(
                    "{}: nothing to write (no segment, score or tiers of its own)",
                    session.name()
                );
            }
            continue;
        }
        sessions.push(session);
    }
    match failed {
        Some(_) if !publishing => Err(outcome),
        Some(failed) => {
            let kept = sessions.iter().map(|s| s.name().to_string()).collect();
            Err(outcome.max(not_published(reporter, failed, kept)))
        }
        None if outcome == Outcome::Success || !sessions.is_empty() => Ok(sessions),
        None => Err(outcome),
    }
}

/// `segc explain` without a file: the plans of a project run, one per group of files sharing
/// it, each headed by its files (and why they are apart from the first group's).
pub(super) async fn explain(args: &ExplainArgs, reporter: &Reporter) -> Outcome {
    let sessions = match project_sessions(&args.data, true, false, reporter) {
        Ok(sessions) if sessions.is_empty() => return Outcome::Success,
        Ok(sessions) => sessions,
        Err(outcome) => return outcome,
    };
    let choices = sessions
        .iter()
        .map(|session| {
            let base = session
                .project()
                .output_dir
                .clone()
                .unwrap_or_else(|| "out".into());
            crate::driver::OutputChoice {
                dir: Some(join_place(&base, &session.place())),
                ..Default::default()
            }
        })
        .collect();
    let project = match ProjectRun::plan(sessions.iter().collect(), choices) {
        Ok(project) => project,
        Err((i, problem)) => return stopped(&sessions[i], reporter, problem),
    };
    let request = crate::driver::ExplainRequest {
        kpis: false,
        declared: args.declared,
        physical: args.physical,
        analyze: args.analyze,
    };
    let mut engine = match sessions[0].bare_engine() {
        Ok(engine) => engine,
        Err(problem) => return stopped(&sessions[0], reporter, problem),
    };
    for n in 0..project.groups().len() {
        println!("{}", group_line(&project, n));
        match project.explain(&mut engine, n, request).await {
            Ok(explained) => print!("{}", super::commands::explanation_text(&explained)),
            Err((i, problem)) => return stopped(&sessions[i], reporter, problem),
        }
        if n + 1 < project.groups().len() {
            println!();
        }
    }
    Outcome::Success
}

/// Runs every file of the project of the current folder: the files are read and checked
/// together (a shared file once), planned together (see `driver::ProjectRun`), and each file
/// with outputs of its own writes them into `OUT/<its path without .seg>`. A file with errors,
/// or one whose run fails, keeps every file from being published (`E1210`); the outcome is the
/// worst of all.
pub(super) async fn run(args: &RunArgs, reporter: &Reporter) -> Outcome {
    let sessions = match project_sessions(&args.data, args.quiet, true, reporter) {
        Ok(sessions) if sessions.is_empty() => return Outcome::Success,
        Ok(sessions) => sessions,
        Err(outcome) => return outcome,
    };
    if !args.quiet {
        note_default_as_of(&args.data, &sessions[0]);
    }
    run_sessions(args, reporter, &sessions).await
}

/// Runs the checked files with outputs of their own, all published or none.
async fn run_sessions(args: &RunArgs, reporter: &Reporter, sessions: &[Session]) -> Outcome {
    let mut choices = Vec::with_capacity(sessions.len());
    for session in sessions {
        match output_folder(args, session) {
            Ok(dir) => choices.push(output_choice(args, Some(dir))),
            Err(problem) => return stopped(session, reporter, problem),
        }
    }
    let planned = ProjectRun::plan(sessions.iter().collect(), choices);
    let project = match planned {
        Ok(project) => project,
        Err((i, problem)) => return stopped(&sessions[i], reporter, problem),
    };
    if args.verbose {
        print_groups(&project);
    }
    let mut engine = match sessions[0].bare_engine() {
        Ok(engine) => engine,
        Err(problem) => return stopped(&sessions[0], reporter, problem),
    };
    let line = super::progress::Line::new(args.quiet, args.data.progress);
    if let Some(line) = &line {
        engine.set_progress(line.clone());
    }
    let ran = project.run(&mut engine).await;
    if let Some(line) = &line {
        line.finish();
    }
    match ran {
        Ok(ran) => {
            let mut outcome = Outcome::Success;
            for (i, ran) in ran {
                let session = &sessions[i];
                if !args.quiet {
                    println!("{}", session.name());
                    print_ran(&ran);
                }
                outcome = outcome.max(judged_run(args, session, reporter, &ran));
            }
            outcome
        }
        Err((i, problem)) => {
            let outcome = stopped(&sessions[i], reporter, problem);
            let kept = sessions
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, s)| s.name().to_string())
                .collect();
            let failed = sessions[i].name().to_string();
            outcome.max(not_published(reporter, failed, kept))
        }
    }
}

/// Says that nothing of the project was published because `failed` failed (`E1210`).
fn not_published(reporter: &Reporter, failed: String, kept: Vec<String>) -> Outcome {
    let problem = Diagnostic::Import(ImportDiagnostic::ProjectNotPublished { failed, kept });
    standalone(reporter, &[problem])
}

/// Which files share a plan, on standard error (`--verbose`).
fn print_groups(project: &ProjectRun<'_>) {
    for n in 0..project.groups().len() {
        eprintln!("{}", group_line(project, n));
    }
}

/// `-- plan N of M: FILES` and, for a group after the first, why its files are apart.
fn group_line(project: &ProjectRun<'_>, n: usize) -> String {
    let groups = project.groups();
    let Some(group) = groups.get(n) else {
        return String::new();
    };
    let names: Vec<&str> = group.files.iter().map(|i| project.name(*i)).collect();
    let why = match &group.apart {
        Some(apart) => format!(" (apart: {})", apart.describe()),
        None => String::new(),
    };
    format!(
        "-- plan {} of {}: {}{why}",
        n + 1,
        groups.len(),
        names.join(", ")
    )
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
