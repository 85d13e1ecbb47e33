//! The commands: each calls the library driver, prints what it returns, and picks the outcome.

use super::Outcome;
use super::args::{
    Cli, Command, DataArgs, ExplainArgs, FormatArg, InferArgs, InferFormat, LayoutArg, RunArgs,
    SchemaCommand,
};
use super::report::{Reporter, outcome_of, summary_table};
use super::{plan_text, wrap};
use crate::driver::{
    ExplainRequest, Explanation, InferRequest, Options, OutputChoice, Ran, Session, Stopped, Wanted,
};
use crate::engine::{Layout, OutputFormat};

/// Runs the command `cli` asks for.
pub(super) fn dispatch(cli: Cli) -> Outcome {
    let reporter = Reporter::new(cli.color);
    match cli.command {
        Command::Check(args) => super::check::run(&args, &reporter),
        Command::Run(args) => with_runtime(args.data.threads, &reporter, |rt| {
            rt.block_on(run(&args, &reporter))
        }),
        Command::Kpi(args) => with_runtime(args.data.threads, &reporter, |rt| {
            rt.block_on(super::kpi::run(&args, &reporter))
        }),
        Command::Explain(args) => with_runtime(args.data.threads, &reporter, |rt| {
            rt.block_on(explain(&args, &reporter))
        }),
        Command::Fmt(args) => super::format::run(&args, &reporter),
        Command::Diff(args) => match args.data || args.runs {
            true => with_runtime(args.data_options.threads, &reporter, |rt| {
                rt.block_on(super::diff::run(&args, &reporter))
            }),
            false => futures::executor::block_on(super::diff::run(&args, &reporter)),
        },
        Command::Test(args) => with_runtime(args.threads, &reporter, |rt| {
            rt.block_on(super::test::run(&args, &reporter))
        }),
        Command::Schema(SchemaCommand::Infer(args)) => {
            with_runtime(None, &reporter, |rt| rt.block_on(infer(&args, &reporter)))
        }
        Command::Worker(args) => with_runtime(args.threads, &reporter, |rt| {
            let ready = |address| eprintln!("segc worker listening on {address}");
            let stopped = rt.block_on(crate::driver::worker(&args.listen, ready));
            standalone(&reporter, stopped.diagnostics())
        }),
    }
}

fn with_runtime(
    threads: Option<u16>,
    reporter: &Reporter,
    body: impl FnOnce(&tokio::runtime::Runtime) -> Outcome,
) -> Outcome {
    match crate::driver::runtime(threads.map(usize::from)) {
        Ok(rt) => body(&rt),
        Err(problem) => {
            reporter.standalone(&problem);
            Outcome::Environment
        }
    }
}

/// The driver's options for the data options given on the command line.
pub(super) fn options(data: &DataArgs, baseline_given: bool) -> Options {
    Options {
        vars: data.vars.clone(),
        ignore_environment: false,
        as_of: data.as_of,
        threads: data.threads.map(usize::from),
        memory_limit: data.memory_limit,
        data_roots: data.data_roots.clone(),
        baseline_given,
        cluster: data.cluster.clone(),
        cluster_split: data.cluster_split,
    }
}

/// Reads and checks the rule file, printing its diagnostics: the session when it can run.
pub(super) fn open(
    path: &std::path::Path,
    options: Options,
    reporter: &Reporter,
) -> Result<Session, Outcome> {
    let opened = Session::open(path, options)
        .map_err(|stopped| standalone(reporter, stopped.diagnostics()))?;
    reporter.diagnostics(opened.sources(), opened.name(), opened.diagnostics());
    let outcome = outcome_of(opened.diagnostics());
    opened.into_session().ok_or(outcome)
}

/// Prints problems that belong to no rule file; their outcome.
pub(super) fn standalone(
    reporter: &Reporter,
    problems: &[crate::diagnostics::Diagnostic],
) -> Outcome {
    problems.iter().for_each(|d| reporter.standalone(d));
    outcome_of(problems)
}

/// Prints why a call on `session` stopped; its outcome.
pub(super) fn stopped(session: &Session, reporter: &Reporter, stopped: Stopped) -> Outcome {
    match stopped {
        Stopped::Standalone(problems) => standalone(reporter, &problems),
        Stopped::InRules(problems) => {
            reporter.diagnostics(session.sources(), session.name(), &problems);
            outcome_of(&problems)
        }
    }
}

/// Says which date `as_of` is when it was not given.
pub(super) fn note_default_as_of(data: &DataArgs, session: &Session) {
    if data.as_of.is_none() {
        eprintln!(
            "as of {} (today; pass --as-of to pin the evaluation date)",
            session.params().as_of
        );
    }
}

async fn run(args: &RunArgs, reporter: &Reporter) -> Outcome {
    let Some(file) = &args.file else {
        return super::project_run::run(args, reporter).await;
    };
    let session = match open(file, options(&args.data, false), reporter) {
        Ok(session) => session,
        Err(outcome) => return outcome,
    };
    let ran = async {
        let selection = session.select(&args.segments)?;
        if !args.quiet {
            note_default_as_of(&args.data, &session);
        }
        let mut engine = session.engine_for(Wanted::Outputs(&selection)).await?;
        run_one(
            &session,
            &mut engine,
            &selection,
            output_choice(args, None),
            (args.quiet, args.data.progress),
        )
        .await
    };
    match ran.await {
        Ok(ran) => {
            if !args.quiet {
                print_ran(&ran);
            }
            judged_run(args, &session, reporter, &ran)
        }
        Err(problem) => stopped(&session, reporter, problem),
    }
}

/// Reports what a run found once it counted (rows after `as_of`, broken expectations,
/// overlaps) and gives its outcome: errors fail, and with `--fail-on expectation` a broken
/// expectation that is a warning fails too.
pub(super) fn judged_run(
    args: &RunArgs,
    session: &crate::driver::Session,
    reporter: &Reporter,
    ran: &Ran,
) -> Outcome {
    if args.overlaps && !args.quiet {
        print!("{}", super::report::overlaps_table(&ran.summary));
    }
    reporter.diagnostics(session.sources(), session.name(), &ran.diagnostics);
    let outcome = super::report::outcome_of(&ran.diagnostics);
    let broken = ran.summary.expectations.iter().any(|v| !v.met);
    if args.fail_on == Some(super::args::RunFailOn::Expectation) && broken {
        eprintln!("error: size expectations fail the `--fail-on expectation` gate");
        return outcome.max(Outcome::RuleErrors);
    }
    outcome
}

/// The output options of `segc run` (`dir` instead of `--out` when given).
pub(super) fn output_choice(args: &RunArgs, dir: Option<std::path::PathBuf>) -> OutputChoice {
    OutputChoice {
        dir: dir.or_else(|| args.out.clone()),
        format: args.format.map(|f| match f {
            FormatArg::Parquet => OutputFormat::Parquet,
            FormatArg::Csv => OutputFormat::Csv,
            FormatArg::Delta => OutputFormat::Delta,
        }),
        layout: args.layout.map(|l| match l {
            LayoutArg::Wide => Layout::Wide,
            LayoutArg::Long => Layout::Long,
        }),
        overlaps: args.overlaps,
    }
}

/// Runs `session` on `engine` (its sources registered), with the progress line on a terminal.
pub(super) async fn run_one(
    session: &Session,
    engine: &mut crate::engine::Engine,
    selection: &crate::lower::Selection,
    output: OutputChoice,
    (quiet, progress): (bool, super::args::ProgressArg),
) -> Result<Ran, Stopped> {
    let line = super::progress::Line::new(quiet, progress);
    if let Some(line) = &line {
        engine.set_progress(line.clone());
    }
    let ran = session.run(engine, selection, &output).await;
    if let Some(line) = &line {
        line.finish();
    }
    ran
}

/// Prints the summary of a run and where it wrote.
pub(super) fn print_ran(ran: &Ran) {
    print!("{}", summary_table(&ran.summary));
    match &ran.published {
        _ if ran.spec.format == OutputFormat::Delta => eprintln!(
            "replaced the as_of = {} partition of the Delta table {} (version {})",
            ran.summary.as_of,
            ran.summary.output.membership,
            ran.summary.output.delta_version.unwrap_or_default()
        ),
        Some(published) => eprintln!(
            "wrote {} and {}, published by {}",
            published.membership, published.summary, published.manifest
        ),
        None => eprintln!(
            "wrote {} and {}",
            ran.spec.membership_path().display(),
            ran.spec.summary_path().display()
        ),
    }
}

async fn explain(args: &ExplainArgs, reporter: &Reporter) -> Outcome {
    let Some(file) = &args.file else {
        return super::project_run::explain(args, reporter).await;
    };
    let session = match open(file, options(&args.data, false), reporter) {
        Ok(session) => session,
        Err(outcome) => return outcome,
    };
    if let Some(names) = &args.lineage {
        return match session.lineage(names) {
            Ok(lineage) => {
                print!("{}", lineage_text(&lineage, args.json));
                Outcome::Success
            }
            Err(problem) => stopped(&session, reporter, problem),
        };
    }
    let request = ExplainRequest {
        kpis: args.kpis,
        declared: args.declared,
        physical: args.physical,
        analyze: args.analyze,
    };
    let explained = async {
        let selection = session.select(&args.segments)?;
        let engine = match (args.declared, args.kpis) {
            (true, _) => session.bare_engine()?,
            (false, true) => session.engine().await?,
            (false, false) => session.engine_for(Wanted::Outputs(&selection)).await?,
        };
        session.explain(&engine, &selection, request).await
    };
    match explained.await {
        Ok(explanation) => {
            print!("{}", explanation_text(&explanation));
            Outcome::Success
        }
        Err(problem) => stopped(&session, reporter, problem),
    }
}

/// The plans as `segc explain` prints them.
/// The lineage as text (an item, then one line per source and its columns) or JSON.
fn lineage_text(lineage: &[crate::driver::Lineage], json: bool) -> String {
    if json {
        let mut text = serde_json::to_string_pretty(lineage).unwrap_or_default();
        text.push('\n');
        return text;
    }
    let mut text = String::new();
    for item in lineage {
        let label = item
            .label
            .as_ref()
            .map_or_else(String::new, |l| format!(" \"{l}\""));
        text.push_str(&format!("{} {}{label}\n", item.kind, item.name));
        for source in &item.sources {
            text.push_str(&format!(
                "  {}: {}\n",
                source.source,
                source.columns.join(", ")
            ));
        }
    }
    text
}

/// The width plans are wrapped to (DataFusion prints each node on one line).
const PLAN_WIDTH: usize = 100;

pub(super) fn explanation_text(explanation: &Explanation) -> String {
    wrap::wrap_plan(&unwrapped_explanation(explanation), PLAN_WIDTH)
}

fn unwrapped_explanation(explanation: &Explanation) -> String {
    let mut text = format!("-- as of {}\n", explanation.as_of);
    for pass in &explanation.passes {
        let kept = match pass.kept.as_slice() {
            [] => String::new(),
            sources => format!(
                "; the aggregates of {} it computes are kept for the plans after it",
                sources.join(", ")
            ),
        };
        text.push_str(&format!(
            "-- ranking pass (group boundaries of {}{kept})\n{}\n\n",
            pass.quantiles.join(", "),
            plan_text::indented(&pass.plan)
        ));
    }
    if !explanation.passes.is_empty() && !explanation.keeps_aggregates {
        text.push_str(
            "-- under --memory-limit, ranking passes keep no aggregates: the plan after them computes them again\n\n",
        );
    }
    text.push_str(&format!(
        "-- logical plan\n{}\n\n-- optimized logical plan\n{}\n",
        plan_text::indented(&explanation.logical),
        plan_text::indented(&explanation.optimized)
    ));
    if let Some(physical) = &explanation.physical {
        text.push_str(&format!("\n-- physical plan\n{physical}"));
    }
    if let Some(analyzed) = &explanation.analyzed {
        text.push_str(&format!(
            "\n-- physical plan, run, with metrics\n{analyzed}"
        ));
    }
    text
}

async fn infer(args: &InferArgs, reporter: &Reporter) -> Outcome {
    let storage = match crate::driver::Project::of_dir(std::path::Path::new(".")) {
        Ok(project) => project.storage,
        Err(problem) => {
            reporter.standalone(&problem);
            return Outcome::Environment;
        }
    };
    if args.name.is_some() && args.files.len() > 1 {
        use clap::CommandFactory as _;
        super::args::Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "--name names the source of a single file; several files are named after their file names",
            )
            .exit();
    }
    let relative_to = args.for_rules.as_ref().map(|rules| {
        rules
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(
                || std::path::PathBuf::from("."),
                std::path::Path::to_path_buf,
            )
    });
    let request = InferRequest {
        storage,
        relative_to,
        name: args.name.clone(),
        csv: args.format.map(|f| f == InferFormat::Csv),
        delimiter: args.delimiter,
        enum_max: args.enum_max,
    };
    match crate::driver::infer_schemas(&args.files, &request).await {
        Ok(text) => {
            print!("{text}");
            Outcome::Success
        }
        Err(problem) => {
            reporter.standalone(&problem);
            Outcome::Environment
        }
    }
}
