//! The commands, each calling the stages in turn.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Outcome;
use super::args::{
    Cli, Command, DataArgs, ExplainArgs, FormatArg, InferArgs, InferFormat, LayoutArg, RunArgs,
    SchemaCommand,
};
use super::project::Project;
use super::report::{Reporter, outcome_of, summary_table};
use super::rule_files::Rules;
use crate::diagnostics::{CommandDiagnostic, DataDiagnostic, Diagnostic, VarProblem};
use crate::engine::{
    DataRoots, Engine, EngineOptions, InferOptions, Layout, OutputFormat, OutputSpec, RunContext,
};
use crate::hir;
use crate::lower::{self, DeclaredTables, Params, Selection};
use crate::suggest::similar;
use crate::vars::{self, Variables};

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
        Command::Schema(SchemaCommand::Infer(args)) => {
            with_runtime(None, &reporter, |rt| rt.block_on(infer(&args, &reporter)))
        }
    }
}

/// Threads besides the runtime's workers that a command needs at once (file reads on tokio's
/// blocking pool, the Parquet encoder's, the progress line).
const SPARE_THREADS: usize = 4;

fn with_runtime(
    threads: Option<u16>,
    reporter: &Reporter,
    body: impl FnOnce(&tokio::runtime::Runtime) -> Outcome,
) -> Outcome {
    let workers = threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    );
    if let Err(e) = crate::engine::threads_available(workers + SPARE_THREADS) {
        reporter.standalone(&Diagnostic::Data(DataDiagnostic::EngineFailed {
            message: e.to_string(),
        }));
        return Outcome::Environment;
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    builder.worker_threads(workers);
    // The workers evaluate the plans: DataFusion merges a chain of `let`s into one expression,
    // evaluated recursively (a chain of 750 overflowed tokio's 2 MiB stack, debug build).
    builder.thread_stack_size(super::STACK_SIZE);
    match builder.build() {
        Ok(rt) => body(&rt),
        Err(e) => {
            reporter.standalone(&Diagnostic::Data(DataDiagnostic::EngineFailed {
                message: e.to_string(),
            }));
            Outcome::Environment
        }
    }
}

/// A `--var` argument as shown in messages: its value may be a secret, so only the name is.
fn shown_var(argument: &str) -> String {
    match argument.split_once('=') {
        Some((name, _)) => format!("{name}=…"),
        None if vars::is_variable_name(argument) => argument.to_string(),
        None => "…".to_string(),
    }
}

/// Parses `--var NAME=VALUE` arguments.
fn parse_vars(raw: &[String]) -> Result<Variables, Vec<Diagnostic>> {
    let mut values = BTreeMap::new();
    let mut problems = Vec::new();
    for argument in raw {
        match argument.split_once('=') {
            None => problems.push(Diagnostic::Command(CommandDiagnostic::InvalidVar {
                argument: shown_var(argument),
                problem: VarProblem::NoEquals,
            })),
            Some((name, _)) if !vars::is_variable_name(name) => {
                problems.push(Diagnostic::Command(CommandDiagnostic::InvalidVar {
                    argument: shown_var(argument),
                    problem: VarProblem::BadName,
                }))
            }
            Some((name, value)) => {
                values.insert(name.to_string(), value.to_string());
            }
        }
    }
    if problems.is_empty() {
        Ok(Variables::new(values))
    } else {
        Err(problems)
    }
}

fn selection(program: &hir::Program, names: &[String]) -> Result<Selection, Vec<Diagnostic>> {
    if names.is_empty() {
        return Ok(Selection::All);
    }
    let mut ids = Vec::new();
    let mut problems = Vec::new();
    for name in names {
        match program.output_named(name) {
            Some(id) => ids.push(id),
            None => problems.push(Diagnostic::Command(
                CommandDiagnostic::UnknownSelectedSegment {
                    name: name.clone(),
                    candidates: similar(
                        name,
                        program.outputs.iter().map(|o| program.output_name(*o)),
                    ),
                },
            )),
        }
    }
    if problems.is_empty() {
        Ok(Selection::Only(ids))
    } else {
        Err(problems)
    }
}

impl Prepared {
    /// Prints diagnostics about the rule file (or the files it imports).
    pub(super) fn report(&self, reporter: &Reporter, diagnostics: &[Diagnostic]) {
        reporter.diagnostics(self.rules.sources(), &self.name, diagnostics);
    }
}

/// Everything a data command needs before touching data.
pub(super) struct Prepared {
    /// The rule file as given.
    pub(super) path: PathBuf,
    /// The rule file and what it imports.
    pub(super) rules: Rules,
    /// The rule file's name as given.
    pub(super) name: String,
    /// Its project's settings.
    pub(super) project: Project,
    pub(super) program: hir::Program,
    vars: Variables,
    selection: Selection,
    pub(super) params: Params,
}

/// Reads, checks and selects: `baseline_given` says a KPI baseline was named on the command line
/// (so relative KPI targets are not linted).
pub(super) fn prepare(
    path: &Path,
    data: &DataArgs,
    segments: &[String],
    baseline_given: bool,
    reporter: &Reporter,
) -> Result<Prepared, Outcome> {
    let standalone = |problems: Vec<Diagnostic>| {
        problems.iter().for_each(|d| reporter.standalone(d));
        outcome_of(&problems)
    };
    let vars = parse_vars(&data.vars).map_err(standalone)?;
    let rules = Rules::load(&[path.to_path_buf()]);
    let checked = match rules.check_all(baseline_given).pop() {
        Some(Ok(checked)) => checked,
        Some(Err(problem)) => return Err(standalone(vec![problem])),
        None => return Err(Outcome::Environment),
    };
    let name = checked.name;
    let project = checked.project;
    let vars = vars.with_defaults(project.vars.clone());
    let diagnostics = checked.checked.diagnostics;
    reporter.diagnostics(rules.sources(), &name, &diagnostics);
    let program = checked
        .checked
        .program
        .ok_or_else(|| outcome_of(&diagnostics))?;
    let selection = selection(&program, segments).map_err(standalone)?;
    let as_of = data
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    Ok(Prepared {
        path: path.to_path_buf(),
        rules,
        name,
        project,
        program,
        vars,
        selection,
        params: Params { as_of },
    })
}

/// Says which date `as_of` is when it was not given.
pub(super) fn note_default_as_of(data: &DataArgs, prepared: &Prepared) {
    if data.as_of.is_none() {
        eprintln!(
            "as of {} (today; pass --as-of to pin the evaluation date)",
            prepared.params.as_of
        );
    }
}

/// The engine for the data options given on the command line.
fn engine(data: &DataArgs, reporter: &Reporter) -> Result<Engine, Outcome> {
    Engine::new(EngineOptions {
        threads: data.threads.map(usize::from),
        memory_limit: data.memory_limit,
    })
    .map_err(|problem| {
        reporter.standalone(&problem);
        Outcome::Environment
    })
}

/// Where a command's data may be read from: the project's folder (the rules' git checkout, else
/// the folder of segc.toml or of the rule file), `[data] roots`, `--data-root` folders, and folders named by `--var` values (given on
/// the command line, like `--data-root`). Values from the environment or segc.toml `[vars]` are
/// not roots: `${HOME}/.aws/credentials` stays refused.
fn data_roots(prepared: &Prepared, data: &DataArgs) -> DataRoots {
    let project = &prepared.project;
    let mut roots = vec![project.data_home(&prepared.path)];
    roots.extend(project.data_roots.iter().cloned());
    roots.extend(data.data_roots.iter().cloned());
    roots.extend(
        data.vars
            .iter()
            .filter_map(|v| v.split_once('=').map(|(_, value)| PathBuf::from(value)))
            .filter(|p| p.is_dir()),
    );
    DataRoots::only(roots)
}

pub(super) async fn registered_engine(
    prepared: &Prepared,
    data: &DataArgs,
    reporter: &Reporter,
) -> Result<Engine, Outcome> {
    let mut engine = engine(data, reporter)?;
    engine.confine_data(data_roots(prepared, data));
    let registered = engine
        .register(
            &prepared.program,
            &prepared.rules.base_dirs(),
            &prepared.vars,
        )
        .await;
    match registered {
        Ok(()) => Ok(engine),
        Err(problems) => {
            prepared.report(reporter, &problems);
            Err(outcome_of(&problems))
        }
    }
}

pub(super) fn file_problem(
    prepared: &Prepared,
    reporter: &Reporter,
    problem: Diagnostic,
) -> Outcome {
    let problems = [problem];
    prepared.report(reporter, &problems);
    outcome_of(&problems)
}

async fn run(args: &RunArgs, reporter: &Reporter) -> Outcome {
    let prepared = match prepare(&args.file, &args.data, &args.segments, false, reporter) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    if !args.quiet {
        note_default_as_of(&args.data, &prepared);
    }
    let mut engine = match registered_engine(&prepared, &args.data, reporter).await {
        Ok(e) => e,
        Err(outcome) => return outcome,
    };
    let line = super::progress::Line::for_terminal(args.quiet);
    if let Some(line) = &line {
        engine.set_progress(line.clone());
    }
    let plan = match engine
        .membership_plan(&prepared.program, prepared.params, &prepared.selection)
        .await
    {
        Ok(plan) => plan,
        Err(problem) => return file_problem(&prepared, reporter, engine.redacted(problem)),
    };
    let project = &prepared.project;
    let Some(dir) = args.out.clone().or_else(|| project.output_dir.clone()) else {
        reporter.standalone(&Diagnostic::Command(CommandDiagnostic::NoOutputDir {
            project: project.path.as_ref().map(|p| p.display().to_string()),
        }));
        return Outcome::Environment;
    };
    let spec = OutputSpec {
        dir,
        format: match args.format.or(project.output_format) {
            Some(FormatArg::Parquet) | None => OutputFormat::Parquet,
            Some(FormatArg::Csv) => OutputFormat::Csv,
        },
        layout: match args.layout.or(project.output_layout) {
            Some(LayoutArg::Wide) | None => Layout::Wide,
            Some(LayoutArg::Long) => Layout::Long,
        },
    };
    let context = RunContext {
        rules: prepared.name.clone(),
        as_of: prepared.params.as_of,
    };
    let result = engine
        .run(
            &prepared.program,
            &plan,
            &prepared.selection,
            &context,
            &spec,
        )
        .await;
    if let Some(line) = &line {
        line.finish();
    }
    match result {
        Ok(summary) => {
            if !args.quiet {
                print!("{}", summary_table(&summary));
                eprintln!(
                    "wrote {} and {}",
                    spec.membership_path().display(),
                    spec.summary_path().display()
                );
            }
            Outcome::Success
        }
        Err(
            problem @ (Diagnostic::Data(DataDiagnostic::OutputFailed { .. })
            | Diagnostic::Data(DataDiagnostic::OutputBusy { .. })),
        ) => {
            reporter.standalone(&problem);
            Outcome::Environment
        }
        Err(problem) => file_problem(&prepared, reporter, engine.redacted(problem)),
    }
}

async fn explain(args: &ExplainArgs, reporter: &Reporter) -> Outcome {
    let prepared = match prepare(&args.file, &args.data, &args.segments, false, reporter) {
        Ok(p) => p,
        Err(outcome) => return outcome,
    };
    let span = prepared.program.population().span;
    let engine = if args.declared {
        match engine(&args.data, reporter) {
            Ok(e) => e,
            Err(outcome) => return outcome,
        }
    } else {
        match registered_engine(&prepared, &args.data, reporter).await {
            Ok(e) => e,
            Err(outcome) => return outcome,
        }
    };
    let tables: &dyn lower::TableLookup = if args.declared {
        &DeclaredTables
    } else {
        &engine
    };
    let kpis: Vec<hir::KpiId> = (0..prepared.program.kpis.len()).map(hir::KpiId).collect();
    if args.kpis && kpis.is_empty() {
        let problem = Diagnostic::Kpi(crate::diagnostics::KpiDiagnostic::NoKpi);
        return file_problem(&prepared, reporter, problem);
    }
    let wanted = if args.kpis {
        lower::Wanted::Kpis(&kpis)
    } else {
        lower::Wanted::Outputs(&prepared.selection)
    };
    let (program, params) = (&prepared.program, prepared.params);
    let text = async {
        let mut text = format!("-- as of {}\n", params.as_of);
        // The ranking passes are shown; they run only to analyze the plan that needs them.
        let (passes, mut ranks) = lower::planned_passes(program, tables, params, wanted)?;
        for pass in &passes {
            let names: Vec<&str> = pass
                .quantiles
                .iter()
                .map(|r| program.quantiles[r.quantile.0].name.as_str())
                .collect();
            text.push_str(&format!(
                "-- ranking pass (group boundaries of {})\n{}\n\n",
                names.join(", "),
                pass.plan.display_indent()
            ));
        }
        if args.analyze {
            ranks = engine.ranks(program, params, wanted).await?;
        }
        let plan = match wanted {
            lower::Wanted::Kpis(kpis) => {
                lower::kpi_plan(program, tables, params, kpis, &ranks).map(|p| p.plan)
            }
            lower::Wanted::Outputs(selection) => {
                lower::membership_plan(program, tables, params, selection, &ranks)
            }
        }?;
        let optimized = engine.optimize(&plan, span)?;
        text.push_str(&format!(
            "-- logical plan\n{}\n\n-- optimized logical plan\n{}\n",
            plan.display_indent(),
            optimized.display_indent()
        ));
        if args.physical {
            let physical = engine.physical_plan_text(&optimized, span).await?;
            text.push_str(&format!("\n-- physical plan\n{physical}"));
        }
        if args.analyze {
            let analyzed = engine.analyze_text(&optimized, span).await?;
            text.push_str(&format!(
                "\n-- physical plan, run, with metrics\n{analyzed}"
            ));
        }
        Ok::<String, Diagnostic>(text)
    }
    .await;
    match text {
        Ok(text) => {
            print!("{text}");
            Outcome::Success
        }
        Err(problem) => file_problem(&prepared, reporter, engine.redacted(problem)),
    }
}

async fn infer(args: &InferArgs, reporter: &Reporter) -> Outcome {
    let csv = match args.format {
        Some(InferFormat::Csv) => true,
        Some(InferFormat::Parquet) => false,
        None => args
            .file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv")),
    };
    if let Err(message) = crate::load::regular_file(&args.file) {
        reporter.standalone(&Diagnostic::Command(CommandDiagnostic::FileUnreadable {
            path: args.file.display().to_string(),
            message,
        }));
        return Outcome::Environment;
    }
    let name = args.name.clone().unwrap_or_else(|| {
        args.file
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "data".into())
    });
    let options = InferOptions {
        name,
        location: args.file.display().to_string(),
        csv,
        delimiter: args.delimiter,
        enum_max: args.enum_max,
    };
    match crate::engine::infer_source(&args.file, &options).await {
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
