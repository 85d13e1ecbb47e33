//! One rule file as the data commands see it: read with its imports, checked with its project's
//! settings, its variables and evaluation date set; then registered, planned, run and explained.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;

use super::Stopped;
use super::project::Project;
use super::rule_files::Rules;
use crate::diagnostics::{CommandDiagnostic, DataDiagnostic, Diagnostic, VarProblem};
use crate::engine::{
    DataRoots, Engine, EngineOptions, EventTimes, Layout, OutputFormat, OutputSpec, RunContext,
    Summary,
};
use crate::files::SourceMap;
use crate::hir;
use crate::lower::{self, Params, Selection, Wanted};
use crate::suggest::similar;
use crate::vars::{self, Variables};

/// What a session is opened with (the command line's `--var`, `--as-of`, data options).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `NAME=VALUE` assignments given by the user: values of `${NAME}` in locations (over the
    /// environment and segc.toml `[vars]`), and folders data may be read from.
    pub vars: Vec<String>,
    /// Variables come from `vars` and segc.toml only, not from the environment (hermetic runs).
    pub ignore_environment: bool,
    /// The evaluation date, `as_of` in the rules (default: today).
    pub as_of: Option<NaiveDate>,
    /// Threads and partitions (default: one per core).
    pub threads: Option<usize>,
    /// Memory for the query, in bytes (default: unlimited).
    pub memory_limit: Option<usize>,
    /// Folders data may be read from besides the project's folder and `[data] roots`.
    pub data_roots: Vec<PathBuf>,
    /// A KPI baseline file is given besides the project's: relative targets are not linted.
    pub baseline_given: bool,
    /// Cluster workers to run on (`--cluster`; else segc.toml `[cluster] workers`; none: run
    /// here).
    pub cluster: Vec<String>,
    /// Bytes of input files per task on a cluster (default: the engine's).
    pub cluster_split: Option<usize>,
}

/// A rule file read and checked: its diagnostics, and a [`Session`] when it has no error.
pub struct Opened {
    diagnostics: Vec<Diagnostic>,
    program: Option<hir::Program>,
    setting: Setting,
}

impl Opened {
    /// The text of the rule file and of every file it imports.
    pub fn sources(&self) -> &SourceMap {
        self.setting.rules.sources()
    }

    /// The rule file's name as given.
    pub fn name(&self) -> &str {
        &self.setting.name
    }

    /// The checker's diagnostics (warnings, or the errors that keep it from running).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The session, unless the rules have errors.
    pub fn into_session(self) -> Option<Session> {
        Some(Session {
            program: self.program?,
            setting: self.setting,
        })
    }
}

/// A checked rule file, ready for data: the calls of `segc run`, `segc kpi` and `segc explain`.
pub struct Session {
    pub(super) program: hir::Program,
    pub(super) setting: Setting,
}

/// Everything about a rule file besides its checked program.
pub(super) struct Setting {
    pub(super) path: PathBuf,
    rules: Arc<Rules>,
    pub(super) name: String,
    pub(super) project: Project,
    vars: Variables,
    pub(super) params: Params,
    options: Options,
}

/// Where and how `segc run` writes (each unset choice falls back to segc.toml's `[output]`).
#[derive(Debug, Clone, Default)]
pub struct OutputChoice {
    /// The output folder.
    pub dir: Option<PathBuf>,
    /// The membership file's format (else Parquet).
    pub format: Option<OutputFormat>,
    /// The membership file's layout (else wide).
    pub layout: Option<Layout>,
    /// Whether to count the members every two segments share (`--overlaps`; also counted when
    /// the project sets `[overlaps] max_jaccard`).
    pub overlaps: bool,
}

/// What a run wrote.
#[derive(Debug)]
pub struct Ran {
    /// The counts, also written as `summary.json`.
    pub summary: Summary,
    /// Where the outputs are (for outputs in object storage, the local folder they were
    /// written to before being published).
    pub spec: OutputSpec,
    /// Where outputs in object storage were published.
    pub published: Option<crate::engine::Published>,
    /// What the run found once it counted, without stopping it: rows dated after `as_of` left
    /// out (`W0701`), broken size expectations (`E1410`, `W1401`) and segments overlapping
    /// beyond the project's threshold (`W1402`).
    pub diagnostics: Vec<Diagnostic>,
}

/// Where a run writes (see `Session::staging`): the run folder and the membership file's URL
/// of outputs published to object storage, the local folder staging them, and the spec the
/// engine writes to.
type Staging = (
    Option<(String, String)>,
    Option<tempfile::TempDir>,
    OutputSpec,
);

impl Session {
    /// Reads the rule file at `path` with its imports and checks it with its project's settings.
    /// Stops, with problems that belong to no rule file, on bad `--var`s, an unreadable file or
    /// an invalid segc.toml.
    pub fn open(path: &Path, options: Options) -> Result<Opened, Stopped> {
        let mut opened = Session::open_all(&[path.to_path_buf()], options)?;
        match opened.pop() {
            Some(opened) => opened.map_err(Stopped::standalone),
            None => Err(Stopped::standalone(Diagnostic::Command(
                CommandDiagnostic::FileUnreadable {
                    path: path.display().to_string(),
                    message: "not read".into(),
                },
            ))),
        }
    }

    /// Reads the rule files at `paths` together (a file they share is read and parsed once, so
    /// its declarations are the same in each) and checks each with its project's settings: per
    /// file, the opened file, or why it could not be read or has no valid project. Stops on bad
    /// `--var`s.
    pub fn open_all(
        paths: &[PathBuf],
        options: Options,
    ) -> Result<Vec<Result<Opened, Diagnostic>>, Stopped> {
        let explicit = parse_vars(&options.vars).map_err(Stopped::Standalone)?;
        let rules = Arc::new(Rules::load(paths));
        let as_of = options
            .as_of
            .unwrap_or_else(|| chrono::Local::now().date_naive());
        let checked = rules.check_all(options.baseline_given);
        Ok(checked
            .into_iter()
            .zip(paths)
            .map(|(checked, path)| {
                let checked = checked?;
                let vars = if options.ignore_environment {
                    Variables::explicit_only(explicit.clone())
                } else {
                    Variables::new(explicit.clone())
                };
                Ok(Opened {
                    diagnostics: checked.checked.diagnostics,
                    program: checked.checked.program,
                    setting: Setting {
                        path: path.clone(),
                        rules: rules.clone(),
                        name: checked.name,
                        vars: vars.with_defaults(checked.project.vars.clone()),
                        project: checked.project,
                        params: Params { as_of },
                        options: options.clone(),
                    },
                })
            })
            .collect())
    }

    /// A session over `program`, checked from the rules of `rules` but not as read (two
    /// versions of the file at `path` merged by `segc diff --data`), with the settings of the
    /// file's project. Stops on bad `--var`s or an invalid segc.toml.
    pub(super) fn of_program(
        program: hir::Program,
        rules: Arc<Rules>,
        path: &Path,
        project: Option<Project>,
        options: Options,
    ) -> Result<Session, Stopped> {
        let explicit = parse_vars(&options.vars).map_err(Stopped::Standalone)?;
        let project = match project {
            Some(project) => project,
            None => Project::of_file(path).map_err(Stopped::standalone)?,
        };
        let vars = match options.ignore_environment {
            true => Variables::explicit_only(explicit),
            false => Variables::new(explicit),
        };
        let as_of = options
            .as_of
            .unwrap_or_else(|| chrono::Local::now().date_naive());
        Ok(Session {
            program,
            setting: Setting {
                path: path.to_path_buf(),
                rules,
                name: path.display().to_string(),
                vars: vars.with_defaults(project.vars.clone()),
                project,
                params: Params { as_of },
                options,
            },
        })
    }

    /// The rules read with this file (shared by the files opened together).
    pub(super) fn rules(&self) -> Arc<Rules> {
        self.setting.rules.clone()
    }

    /// The options the session was opened with.
    pub(super) fn options(&self) -> &Options {
        &self.setting.options
    }

    /// The rule file's path.
    pub(super) fn path(&self) -> &Path {
        &self.setting.path
    }

    /// The checked rules.
    pub fn program(&self) -> &hir::Program {
        &self.program
    }

    /// The text of the rule file and of every file it imports.
    pub fn sources(&self) -> &SourceMap {
        self.setting.rules.sources()
    }

    /// The rule file's name as given.
    pub fn name(&self) -> &str {
        &self.setting.name
    }

    /// The settings of the rule file's project.
    pub fn project(&self) -> &Project {
        &self.setting.project
    }

    /// The evaluation date and other lowering parameters.
    pub fn params(&self) -> Params {
        self.setting.params
    }

    /// The outputs named by `--segment` (all when `names` is empty).
    pub fn select(&self, names: &[String]) -> Result<Selection, Stopped> {
        if names.is_empty() {
            return Ok(Selection::All);
        }
        let program = &self.program;
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
            Err(Stopped::Standalone(problems))
        }
    }

    /// An engine with no tables (plans over the declarations need none).
    pub fn bare_engine(&self) -> Result<Engine, Stopped> {
        let engine = self.local_engine()?;
        match self.cluster()? {
            None => Ok(engine),
            Some(cluster) => on_cluster(engine, &cluster),
        }
    }

    /// An engine with no tables that runs here, also when the project names a cluster (the
    /// rows of `segc test` are in memory).
    pub fn local_engine(&self) -> Result<Engine, Stopped> {
        Engine::new(EngineOptions {
            threads: self.setting.options.threads,
            memory_limit: self.setting.options.memory_limit,
        })
        .map_err(Stopped::standalone)
    }

    /// The cluster the data commands run on: `--cluster`, else segc.toml `[cluster] workers`.
    pub fn cluster(&self) -> Result<Option<crate::cluster::Cluster>, Stopped> {
        let options = &self.setting.options;
        let given = match options.cluster.is_empty() {
            true => &self.setting.project.cluster_workers,
            false => &options.cluster,
        };
        crate::cluster::Cluster::parse(given, options.cluster_split).map_err(Stopped::Standalone)
    }

    /// An engine with the program's sources registered, each file checked against its
    /// declaration, data confined to [`Session::data_roots`].
    pub async fn engine(&self) -> Result<Engine, Stopped> {
        self.registered(None).await
    }

    /// An engine with the sources a plan for `wanted` reads registered (a selection of
    /// segments reads no data the selected ones do not need).
    pub async fn engine_for(&self, wanted: Wanted<'_>) -> Result<Engine, Stopped> {
        let sources = lower::sources_read(&self.program, wanted);
        self.registered(Some(&sources)).await
    }

    async fn registered(
        &self,
        only: Option<&std::collections::BTreeSet<hir::SourceId>>,
    ) -> Result<Engine, Stopped> {
        let mut engine = self.bare_engine()?;
        self.register_sources(&mut engine, only).await?;
        Ok(engine)
    }

    /// Registers the program's sources in `engine`, which may already hold those of other files
    /// opened with it ([`Session::open_all`]): a source they share (declared once, in a file
    /// they import) is not registered, listed and checked again; a source of the same name
    /// declared elsewhere replaces it.
    pub async fn register_in(&self, engine: &mut Engine) -> Result<(), Stopped> {
        self.register_sources(engine, None).await
    }

    /// Registers the program's sources (those in `only`, when given) in `engine`.
    async fn register_sources(
        &self,
        engine: &mut Engine,
        only: Option<&std::collections::BTreeSet<hir::SourceId>>,
    ) -> Result<(), Stopped> {
        engine.confine_data(self.data_roots());
        engine.set_storage(self.setting.project.storage.clone());
        engine.set_as_of(self.setting.params.as_of);
        engine
            .register(
                &self.program,
                &self.setting.rules.base_dirs(),
                &self.setting.vars,
                only,
            )
            .await
            .map_err(Stopped::InRules)
    }

    /// Where this file's outputs go under a project's output folder (`campaigns/winback` for
    /// `campaigns/winback.seg`): see [`Project::place_of`].
    pub fn place(&self) -> PathBuf {
        self.setting.project.place_of(&self.setting.path)
    }

    /// Where data may be read from: the project's folder (the rules' git checkout, else the
    /// folder of segc.toml or of the rule file), `[data] roots`, the options' data roots, and
    /// folders named by the options' variables (given by the user, like a data root). Values
    /// from the environment or segc.toml `[vars]` are not roots: `${HOME}/.aws/credentials`
    /// stays refused.
    pub fn data_roots(&self) -> DataRoots {
        let project = &self.setting.project;
        let mut roots = vec![project.data_home(&self.setting.path)];
        roots.extend(project.data_roots.iter().cloned());
        roots.extend(self.setting.options.data_roots.iter().cloned());
        roots.extend(
            self.setting
                .options
                .vars
                .iter()
                .filter_map(|v| v.split_once('=').map(|(_, value)| PathBuf::from(value)))
                .filter(|p| p.is_dir() || crate::engine::is_url(&p.to_string_lossy())),
        );
        DataRoots::only(roots)
    }

    /// A problem of `engine` about the rules or their data, its readers' words made readable.
    pub(super) fn in_rules(engine: &Engine, problem: Diagnostic) -> Stopped {
        Stopped::InRules(vec![engine.redacted(problem)])
    }

    /// Why a run published nothing: problems of the output folder or table belong to no rule
    /// file; the others (data, audiences refused) are shown in the rules.
    pub(super) fn run_stopped(engine: &Engine, problems: Vec<Diagnostic>) -> Stopped {
        let of_output = |p: &Diagnostic| {
            matches!(
                p,
                Diagnostic::Data(
                    DataDiagnostic::OutputFailed { .. }
                        | DataDiagnostic::OutputBusy { .. }
                        | DataDiagnostic::DeltaWriteFailed { .. }
                )
            )
        };
        match problems.iter().all(of_output) {
            true => Stopped::Standalone(problems),
            false => Stopped::InRules(problems.into_iter().map(|p| engine.redacted(p)).collect()),
        }
    }

    /// `segc run`: computes the selected outputs and publishes the membership file and
    /// `summary.json` under the lock on the output folder.
    pub async fn run(
        &self,
        engine: &Engine,
        selection: &Selection,
        output: &OutputChoice,
    ) -> Result<Ran, Stopped> {
        let (program, params) = (&self.program, self.setting.params);
        let spec = self.output_spec(output)?;
        let out = spec.dir.to_string_lossy().into_owned();
        let (remote, _staging, written) = self.staging(engine, &spec, &out)?;
        // Judged before any other pass and before the output folder is touched: stale data
        // costs one small plan per source and leaves the last outputs as they were.
        let times = self.event_times(engine).await?;
        // Each audience written is checked against the data in the same pass.
        let checked = crate::lower::consent_checks(program, selection);
        let (run_program, run_selection, consent_checks) = checked
            .as_ref()
            .map_or((program, selection, Vec::new()), |c| {
                (&c.program, &c.selection, c.checks.clone())
            });
        let plan = engine
            .membership_plan(run_program, params, run_selection)
            .await
            .map_err(|p| Session::in_rules(engine, p))?;
        // On a cluster, the workers write outputs in object storage themselves, in parts.
        let parts = engine.cluster().is_some() && remote.is_some();
        let context = RunContext {
            rules: self.setting.name.clone(),
            as_of: params.as_of,
            membership_shown: remote.as_ref().map(|(run, shown)| match parts {
                true => crate::engine::run_file_url(&out, run, "membership/"),
                false => shown.clone(),
            }),
            overlaps: output.overlaps || self.setting.project.max_jaccard.is_some(),
            consent_checks,
            freshness: times.freshness.clone(),
        };
        #[cfg(feature = "cluster")]
        if let (Some((run, _)), true) = (&remote, parts) {
            let (summary, published) = engine
                .run_in_parts(run_program, &plan, &context, &spec, run)
                .await
                .map_err(|problems| Session::run_stopped(engine, problems))?;
            let diagnostics = self.findings(&times, &context, &summary);
            return Ok(Ran {
                summary,
                spec,
                published: Some(published),
                diagnostics,
            });
        }
        let summary = match engine.run(run_program, &plan, &context, &written).await {
            Ok(summary) => summary,
            Err(problems) => return Err(Session::run_stopped(engine, problems)),
        };
        let published = match &remote {
            Some((run, _)) => Some(
                engine
                    .publish_remote(&written, &out, run, &summary)
                    .await
                    .map_err(|p| Stopped::standalone(engine.redacted(p)))?,
            ),
            None => None,
        };
        let diagnostics = self.findings(&times, &context, &summary);
        Ok(Ran {
            summary,
            spec: written,
            published,
            diagnostics,
        })
    }

    /// Where a run writes: for outputs in object storage (not Delta tables, which commit in
    /// place), a local temporary folder published there afterwards, the run folder and the
    /// URL shown for its membership file; else `spec` itself.
    fn staging(&self, engine: &Engine, spec: &OutputSpec, out: &str) -> Result<Staging, Stopped> {
        let staged = crate::engine::is_url(out) && spec.format != OutputFormat::Delta;
        if !staged {
            return Ok((None, None, spec.clone()));
        }
        let run = crate::engine::run_folder(&self.setting.params.as_of.to_string());
        let name = spec.membership_path();
        let name = name.file_name().map(|n| n.to_string_lossy().into_owned());
        let shown = crate::engine::run_file_url(out, &run, &name.unwrap_or_default());
        engine
            .refuse_remote_output_inside_sources(out)
            .map_err(|p| Session::in_rules(engine, p))?;
        let folder = tempfile::Builder::new()
            .prefix("segc-out-")
            .tempdir()
            .map_err(|e| {
                Stopped::standalone(Diagnostic::Data(DataDiagnostic::OutputFailed {
                    path: out.to_string(),
                    message: e.to_string(),
                }))
            })?;
        let written = OutputSpec {
            dir: folder.path().to_path_buf(),
            ..spec.clone()
        };
        Ok((Some((run, shown)), Some(folder), written))
    }

    /// What a run found once it counted, without stopping it: rows after `as_of` left out,
    /// audiences' members without consent (with `else warn`), broken size expectations and
    /// segments overlapping beyond the project's threshold.
    pub(super) fn findings(
        &self,
        times: &EventTimes,
        context: &RunContext,
        summary: &crate::engine::Summary,
    ) -> Vec<Diagnostic> {
        let mut diagnostics = times.warnings();
        diagnostics.extend(crate::engine::consent_summary_findings(
            &context.consent_checks,
            summary,
        ));
        diagnostics.extend(
            summary
                .expectations
                .iter()
                .filter_map(|verdict| verdict.diagnostic()),
        );
        if let Some(threshold) = self.setting.project.max_jaccard {
            diagnostics.extend(super::overlaps::overlap_warnings(
                &self.program,
                summary,
                threshold,
            ));
        }
        diagnostics
    }

    /// What the event columns of the sources the plans of `engine` read say: `W0701` for the
    /// rows dated after `as_of` they leave out, and each source's freshness. Stops with
    /// `E0725` (and the warnings) when a source without `else warn` is stale.
    pub async fn event_times(&self, engine: &Engine) -> Result<EventTimes, Stopped> {
        self.event_times_of(engine, None).await
    }

    /// [`Session::event_times`] of the sources in `only` (when given).
    pub(super) async fn event_times_of(
        &self,
        engine: &Engine,
        only: Option<&std::collections::BTreeSet<hir::SourceId>>,
    ) -> Result<EventTimes, Stopped> {
        let times = engine
            .event_times_of(&self.program, self.setting.params, only)
            .await
            .map_err(|p| Session::in_rules(engine, p))?;
        let errors = times.errors();
        if errors.is_empty() {
            return Ok(times);
        }
        let mut diagnostics = times.warnings();
        diagnostics.extend(errors);
        Err(Stopped::InRules(
            diagnostics
                .into_iter()
                .map(|d| engine.redacted(d))
                .collect(),
        ))
    }

    /// The outputs' folder, format and layout: as chosen, else the project's.
    pub(super) fn output_spec(&self, output: &OutputChoice) -> Result<OutputSpec, Stopped> {
        let project = &self.setting.project;
        // The project's folder is shared by its files: each writes in its own place there, also
        // when `--out` names that folder.
        let own = || project.output_dir_of(&self.setting.path);
        let given = output.dir.clone().map(|dir| match &project.output_dir {
            Some(shared) if same_folder(&dir, shared) => own().unwrap_or(dir),
            _ => dir,
        });
        let Some(dir) = given.or_else(own) else {
            return Err(Stopped::standalone(Diagnostic::Command(
                CommandDiagnostic::NoOutputDir {
                    project: project.path.as_ref().map(|p| p.display().to_string()),
                },
            )));
        };
        Ok(OutputSpec {
            dir,
            format: output
                .format
                .or(project.output_format)
                .unwrap_or(OutputFormat::Parquet),
            layout: output
                .layout
                .or(project.output_layout)
                .unwrap_or(Layout::Wide),
        })
    }
}

/// Whether two paths name one folder (as written, or once made absolute).
fn same_folder(a: &Path, b: &Path) -> bool {
    let absolute = |p: &Path| {
        std::path::absolute(p)
            .ok()
            .map(|p| p.components().collect::<PathBuf>())
    };
    a == b || absolute(a).is_some_and(|x| Some(x) == absolute(b))
}

/// A `--var` argument as shown in messages: its value may be a secret, so only the name is.
fn shown_var(argument: &str) -> String {
    match argument.split_once('=') {
        Some((name, _)) => format!("{name}=…"),
        None if vars::is_variable_name(argument) => argument.to_string(),
        None => "…".to_string(),
    }
}

/// Parses `NAME=VALUE` assignments.
fn parse_vars(raw: &[String]) -> Result<BTreeMap<String, String>, Vec<Diagnostic>> {
    let mut values = BTreeMap::new();
    let mut problems = Vec::new();
    for argument in raw {
        let problem = match argument.split_once('=') {
            None => VarProblem::NoEquals,
            Some((name, _)) if !vars::is_variable_name(name) => VarProblem::BadName,
            Some((name, value)) => {
                values.insert(name.to_string(), value.to_string());
                continue;
            }
        };
        problems.push(Diagnostic::Command(CommandDiagnostic::InvalidVar {
            argument: shown_var(argument),
            problem,
        }));
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}

/// `engine` running its plans on `cluster`, once every worker answers (E1801 for those that
/// do not); E1804 when segc was built without the `cluster` feature.
fn on_cluster(engine: Engine, cluster: &crate::cluster::Cluster) -> Result<Engine, Stopped> {
    #[cfg(feature = "cluster")]
    {
        let unreachable = cluster.unreachable();
        if !unreachable.is_empty() {
            return Err(Stopped::Standalone(unreachable));
        }
        let mut engine = engine;
        engine.distribute(cluster).map_err(Stopped::standalone)?;
        Ok(engine)
    }
    #[cfg(not(feature = "cluster"))]
    {
        let _ = (engine, cluster);
        Err(Stopped::standalone(Diagnostic::Cluster(
            crate::diagnostics::ClusterDiagnostic::NotBuilt,
        )))
    }
}
