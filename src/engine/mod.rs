//! Running plans: registering sources as tables, executing, writing outputs.
//!
//! This is the only stage that touches data. Declarations are checked against the real files
//! before anything runs, so a mismatch is a diagnostic pointing at the declaration, not an engine
//! error halfway through.

mod access;
mod compare;
mod consent;
mod corrupt;
mod delta;
mod delta_out;
mod delta_runs;
mod derived;
mod event_times;
mod frozen;
mod infer;
mod kpi;
mod location;
mod messages;
mod output;
mod overlaps;
pub mod panics;
mod parquet_flags;
mod parquet_out;
#[cfg(feature = "cluster")]
pub(crate) mod parts;
mod planning;
mod progress;
mod publish;
mod rank;
#[cfg(feature = "cluster")]
mod rank_cluster;
mod redact;
mod references;
mod remote_out;
mod runs;
mod session;
mod shape;
mod shared;
mod stores;
mod summary;
mod tables;
mod test_scan;
mod test_tables;
mod unpack;

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::datasource::provider_as_source;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::execution::memory_pool::MemoryReservation;
use datafusion::logical_expr::{LogicalPlan, TableSource};
use datafusion::physical_plan::display::DisplayableExecutionPlan;
use datafusion::physical_plan::displayable;
use datafusion::prelude::SessionContext;

use crate::diagnostics::{DataDiagnostic, Diagnostic, InternalDiagnostic, Invariant};
use crate::hir::{self, OutputId};
use crate::lower::{MembershipPlan, TableLookup};
use crate::vars::Variables;

pub use access::{DataRoots, is_url};
pub use compare::{Pair, count_batch, tallies};
pub use consent::{findings as consent_findings, summary_findings as consent_summary_findings};
pub use delta_runs::{DeltaRun, delta_run_argument};
pub use event_times::{EventTimes, MeasuredFreshness};
pub use frozen::WithFrozen;
pub use infer::{InferOptions, Inferred, infer_source, render_all};
pub use location::{BaseDirs, Resolved, resolve};
pub use output::{Layout, OutputFormat, OutputSpec, write_json};
use progress::Ticker;
pub use progress::{Phase, Progress, Quiet, StageProgress, rows_read};
pub use rank::pass_boundaries;
pub use remote_out::{MANIFEST, Published, run_file_url, run_folder};
pub use runs::RunOutput;
pub use session::{
    EngineOptions, PARTITIONS_PER_THREAD, segc_settings, session_config, threads_available,
    threads_or_cores,
};
pub use shared::{SharedFile, StagedRun, publish_runs};
use std::sync::atomic::AtomicU64;
pub use stores::{
    AzureSettings, Cloud, GcsSettings, S3Settings, SECRET_SETTINGS, StorageSettings,
    worker_store_problem,
};
pub use summary::{
    OutputSummary, PopulationSummary, ScoreCount, ScoreSummary, SegmentSummary, Summary,
    TierSummary, TiersSummary, ValueCount, ValueStats, ValueSummary, integral_text,
};
pub use test_tables::{PreparedTests, TestRowsIn};

/// A failure while executing a plan over the data at `span` (the population's location): the
/// memory limit reached (E0714), the machine refusing to read or write (a full temporary folder
/// while spilling: E0718), or the engine's own message (E0706).
pub(crate) fn execution_failed(span: crate::span::Span, error: DataFusionError) -> Diagnostic {
    // A store that fails while the plan reads (the network, throttling past the retries) is the
    // environment's problem, not the rules' (exit 2, not 1).
    if let Some(problem) = stores::remote_problem(span, "remote data", &error) {
        return problem;
    }
    if let DataFusionError::ResourcesExhausted(message) = error.find_root() {
        return Diagnostic::Data(DataDiagnostic::OutOfMemory {
            message: message.clone(),
        });
    }
    match messages::system_error(&error) {
        Some(message) => Diagnostic::Data(DataDiagnostic::SystemIo { message }),
        None => Diagnostic::Data(DataDiagnostic::DataError {
            span,
            message: error.to_string(),
        }),
    }
}

/// A DataFusion session with the sources of one program registered.
pub struct Engine {
    ctx: SessionContext,
    /// The memory limit, if any: with one, ranking passes keep no aggregates for the plans after
    /// them.
    memory_limit: Option<usize>,
    tables: HashMap<String, Arc<dyn TableProvider>>,
    /// The declaration (its span) each table was registered from: files run together register
    /// a source they share once.
    declared: HashMap<String, crate::span::Span>,
    /// The last modification of each registered source judged `fresh within ... by modified`:
    /// its newest file's, or the commit of its Delta version (read while registering it).
    modified: HashMap<String, Option<chrono::DateTime<chrono::Utc>>>,
    /// The registered sources' locations (their declarations' spans, resolved paths, and
    /// whether they are Parquet).
    locations: Vec<(crate::span::Span, Resolved, bool)>,
    /// Values filled into locations, never shown in diagnostics.
    placeholders: redact::Placeholders,
    /// Where data may be read from.
    roots: DataRoots,
    /// The folders relative locations are taken from (the last registration's): also those
    /// of the runs KPIs are frozen to.
    base_dirs: BaseDirs,
    /// The object stores' settings (segc.toml `[storage]`).
    storage: StorageSettings,
    /// The run's evaluation date (Delta sources read `at_as_of`).
    as_of: chrono::NaiveDate,
    /// What the readers' messages may name (paths, CSV columns).
    seen: messages::SourcesSeen,
    progress: Arc<dyn Progress>,
    /// The memory reserved for the aggregates ranking passes kept for the plans after them
    /// (read until those plans have run).
    kept_memory: std::sync::Mutex<Vec<MemoryReservation>>,
    /// The cluster workers plans run on ([`Engine::distribute`]), if any.
    cluster: Option<crate::cluster::Cluster>,
    /// The threads the run may use (its partitions are more: [`PARTITIONS_PER_THREAD`]).
    threads: usize,
}

impl Engine {
    /// A new engine.
    pub fn new(options: EngineOptions) -> Result<Self, Diagnostic> {
        let ctx = session::context(options).map_err(|e| {
            Diagnostic::Data(DataDiagnostic::EngineFailed {
                message: e.to_string(),
            })
        })?;
        Ok(Engine {
            ctx,
            memory_limit: options.memory_limit,
            tables: HashMap::new(),
            declared: HashMap::new(),
            modified: HashMap::new(),
            locations: Vec::new(),
            placeholders: redact::Placeholders::default(),
            roots: DataRoots::anywhere(),
            base_dirs: BaseDirs::default(),
            storage: StorageSettings::default(),
            as_of: chrono::Local::now().date_naive(),
            seen: messages::SourcesSeen::default(),
            progress: Arc::new(progress::Quiet),
            kept_memory: std::sync::Mutex::default(),
            cluster: None,
            threads: threads_or_cores(options.threads),
        })
    }

    /// Runs later plans on `cluster`'s workers: the client plans, the workers execute the
    /// stages (docs/cluster.md). Call before registering sources.
    #[cfg(feature = "cluster")]
    pub fn distribute(&mut self, cluster: &crate::cluster::Cluster) -> Result<(), Diagnostic> {
        let state = crate::cluster::distributed_state(self.ctx.state(), cluster).map_err(|e| {
            Diagnostic::Data(DataDiagnostic::EngineFailed {
                message: e.to_string(),
            })
        })?;
        self.ctx = SessionContext::new_with_state(state);
        self.cluster = Some(cluster.clone());
        Ok(())
    }

    /// The cluster workers plans run on, if any.
    pub fn cluster(&self) -> Option<&crate::cluster::Cluster> {
        self.cluster.as_ref()
    }

    /// Confines the data of later registrations to `roots` (E0717 outside them).
    pub fn confine_data(&mut self, roots: DataRoots) {
        self.roots = roots;
    }

    /// The evaluation date: Delta sources with `at_as_of` are read as they were at its end.
    pub fn set_as_of(&mut self, as_of: chrono::NaiveDate) {
        self.as_of = as_of;
    }

    /// Reads remote locations with `settings` (segc.toml `[storage]`); on a cluster, the
    /// workers get them with every plan (they hold no secrets) and read with their own
    /// credentials.
    pub fn set_storage(&mut self, settings: StorageSettings) {
        #[cfg(feature = "cluster")]
        if self.cluster.is_some() {
            let state = self.ctx.state_ref();
            let mut state = state.write();
            crate::cluster::send_storage(state.config_mut(), &settings);
        }
        self.storage = settings;
    }

    /// Reports the progress of later runs and measures to `progress`.
    pub fn set_progress(&mut self, progress: Arc<dyn Progress>) {
        self.progress = progress;
    }

    /// Registers the sources the program reads (the population, every aggregated source and
    /// those along references; of them, only those in `only` when given), checking each
    /// declaration against its data.
    /// Relative locations are taken from the folder of the file that declares the source.
    pub async fn register(
        &mut self,
        program: &hir::Program,
        base_dirs: &BaseDirs,
        vars: &Variables,
        only: Option<&std::collections::BTreeSet<hir::SourceId>>,
    ) -> Result<(), Vec<Diagnostic>> {
        self.base_dirs = base_dirs.clone();
        let mut used = vec![program.population];
        used.extend(program.aggregates.iter().map(|a| a.source));
        used.extend(
            program
                .paths
                .iter()
                .flat_map(|p| p.steps.iter().map(|s| s.to)),
        );
        used.sort();
        used.dedup();
        used.retain(|id| only.is_none_or(|only| only.contains(id)));
        let mut problems = Vec::new();
        for id in used {
            let source = program.source(id);
            if self.declared.get(&source.name) == Some(&source.span) {
                continue;
            }
            self.placeholders.add(vars.used_in(&source.location.text));
            let resolved = location::resolve(&source.location, base_dirs.of(source.span), vars);
            let resolved = match resolved {
                Ok(location) if location.remote.is_some() => self.settled(source, location).await,
                other => other,
            };
            let table = match resolved {
                Ok(location) if !self.admits(&location) => {
                    Err(vec![self.outside_roots(source, &location)])
                }
                Ok(location) => {
                    let table: Result<(Arc<dyn TableProvider>, _), Vec<Diagnostic>> =
                        match source.format {
                            hir::Format::Delta(snapshot) => {
                                let as_of = self.as_of;
                                delta::table(&self.ctx, source, &location, snapshot, as_of).await
                            }
                            _ => tables::listing_table(&self.ctx, source, &location, &self.roots)
                                .await
                                .map(|(t, m)| (Arc::new(t) as Arc<dyn TableProvider>, m)),
                        };
                    let table = table.map(|(table, modified)| {
                        if source.freshness.as_ref().is_some_and(|f| f.by_modified) {
                            self.modified.insert(source.name.clone(), modified);
                        }
                        table
                    });
                    let csv_columns = match (&table, &source.format) {
                        (Ok(t), hir::Format::Csv { .. }) => Some(
                            t.schema()
                                .fields()
                                .iter()
                                .map(|f| f.name().clone())
                                .collect(),
                        ),
                        _ => None,
                    };
                    self.seen.add(&location, csv_columns);
                    let parquet = matches!(source.format, hir::Format::Parquet);
                    self.locations
                        .push((source.location.span, location, parquet));
                    table
                }
                Err(problem) => Err(vec![problem]),
            };
            match table {
                Ok(table) => {
                    self.tables.insert(source.name.clone(), table);
                    self.declared.insert(source.name.clone(), source.span);
                }
                Err(more) => problems.extend(more),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.into_iter().map(|d| self.redacted(d)).collect())
        }
    }

    /// Whether the data roots admit `location`.
    fn admits(&self, location: &Resolved) -> bool {
        match location.remote {
            None => self.roots.admits(&location.listed_folder_or_file()),
            Some(_) => self.roots.admits_remote(&location.path),
        }
    }

    fn outside_roots(&self, source: &hir::Source, location: &Resolved) -> Diagnostic {
        Diagnostic::Data(DataDiagnostic::DataOutsideRoots {
            span: source.location.span,
            location: location.shown.clone(),
            roots: self.roots.shown().to_vec(),
        })
    }

    /// `diagnostic` as shown: the readers' messages made readable (paths, CSV column names,
    /// no quoted rows), and without the values of the placeholders in the sources' locations.
    pub fn redacted(&self, diagnostic: Diagnostic) -> Diagnostic {
        let diagnostic = match &self.cluster {
            Some(cluster) => cluster.failure(diagnostic),
            None => diagnostic,
        };
        let tidied = redact::map_texts(diagnostic, |text| self.seen.tidy(&text));
        self.placeholders.redact(tidied)
    }

    /// A reader that panicked while executing a plan over the data at `span` (E0706), naming
    /// the Parquet file it stopped on when reading each file again finds it.
    pub(crate) async fn reader_panicked(
        &self,
        span: crate::span::Span,
        panic: panics::Panic,
    ) -> Diagnostic {
        let parquet: Vec<&Resolved> = self
            .locations
            .iter()
            .filter(|(_, _, parquet)| *parquet)
            .map(|(_, location, _)| location)
            .collect();
        let message = match corrupt::first_unreadable(&parquet).await {
            Some(file) => format!("{panic} in `{file}`"),
            None => panic.to_string(),
        };
        Diagnostic::Data(DataDiagnostic::DataError { span, message })
    }

    /// E0716 when `out` lies in a folder a source reads: the next run would read its outputs.
    fn refuse_output_inside_sources(&self, out: &std::path::Path) -> Result<(), Diagnostic> {
        for (span, location, _) in &self.locations {
            if location::reads_folder_of(location, out) {
                return Err(Diagnostic::Data(DataDiagnostic::OutputInsideSource {
                    span: *span,
                    output: out.display().to_string(),
                }));
            }
        }
        Ok(())
    }

    /// `plan` after DataFusion's optimizer.
    pub fn optimize(
        &self,
        plan: &LogicalPlan,
        span: crate::span::Span,
    ) -> Result<LogicalPlan, Diagnostic> {
        self.ctx.state().optimize(plan).map_err(|e| {
            Diagnostic::Internal(InternalDiagnostic::PlanFailed {
                span,
                message: e.to_string(),
            })
        })
    }

    /// Executes `plan` (discarding its rows) and gives its physical plan with each operator's
    /// metrics: rows, time spent, memory, spills.
    pub async fn analyze_text(
        &self,
        plan: &LogicalPlan,
        span: crate::span::Span,
    ) -> Result<String, Diagnostic> {
        use futures::StreamExt as _;
        let physical = self.physical_plan(plan, span).await?;
        let failed = |e| execution_failed(span, e);
        let mut stream =
            datafusion::physical_plan::execute_stream(Arc::clone(&physical), self.ctx.task_ctx())
                .map_err(failed)?;
        let drain = async {
            while let Some(batch) = stream.next().await {
                batch.map_err(failed)?;
            }
            Ok::<(), Diagnostic>(())
        };
        match panics::contained(drain).await {
            Ok(drained) => drained?,
            Err(panic) => return Err(self.reader_panicked(span, panic).await),
        }
        Ok(DisplayableExecutionPlan::with_metrics(physical.as_ref())
            .indent(true)
            .to_string())
    }

    /// The physical plan of `plan`, as indented text.
    pub async fn physical_plan_text(
        &self,
        plan: &LogicalPlan,
        span: crate::span::Span,
    ) -> Result<String, Diagnostic> {
        // Shown also when a stage cannot be sent: the plan says which.
        let physical = self.planned(plan, span).await?;
        #[cfg(feature = "cluster")]
        if self.cluster.is_some() {
            return Ok(crate::cluster::display_plan(physical.as_ref()));
        }
        Ok(displayable(physical.as_ref()).indent(true).to_string())
    }

    /// Executes a membership plan and writes its outputs atomically; returns the summary, or
    /// why nothing was published: one problem, or every audience refused for its members
    /// without consent (`E1710`, one each).
    pub async fn run(
        &self,
        program: &hir::Program,
        plan: &MembershipPlan,
        context: &RunContext,
        spec: &OutputSpec,
    ) -> Result<Summary, Vec<Diagnostic>> {
        let one = |d: Diagnostic| vec![d];
        let mut written = self
            .write_run(program, plan, context, spec)
            .await
            .map_err(one)?;
        // Before publishing: members without consent keep the outputs from being published
        // (a Delta table's transaction was not committed: `write_delta`).
        consent::conclude(
            &mut written.summary,
            program,
            &context.consent_checks,
            &written.without_consent,
        )?;
        if spec.format == OutputFormat::Delta && written.summary.output.delta_version.is_none() {
            // Only a refusal leaves the transaction uncommitted, and `conclude` found none.
            let table = spec.dir.display().to_string();
            let message = "the membership was not committed".to_string();
            return Err(one(Diagnostic::Data(DataDiagnostic::DeltaWriteFailed {
                table,
                message,
            })));
        }
        if let (Some(lock), Some(membership)) = (&written.lock, written.pending) {
            let summary_file = output::write_summary(spec, &written.summary).map_err(one)?;
            publish::publish(
                lock,
                vec![membership, summary_file],
                &spec.other_membership_paths(),
            )
            .map_err(one)?;
        }
        Ok(written.summary)
    }

    /// Executes a membership plan and writes its outputs: to temporary files left to publish
    /// (under the lock on the folder, held), or into a Delta table, committed unless an
    /// audience has members without consent.
    async fn write_run(
        &self,
        program: &hir::Program,
        plan: &MembershipPlan,
        context: &RunContext,
        spec: &OutputSpec,
    ) -> Result<WrittenRun, Diagnostic> {
        let population = program.population();
        let out = spec.dir.to_string_lossy().into_owned();
        // Refused before the lock creates the folder: nothing is left inside the data.
        match is_url(&out) {
            true => self.refuse_remote_output_inside_sources(&out)?,
            false => self.refuse_output_inside_sources(&spec.dir)?,
        }
        // A Delta table needs no lock: its transactions order concurrent runs.
        let lock = match spec.format == OutputFormat::Delta {
            true => None,
            false => Some(publish::OutputLock::acquire(&spec.dir)?),
        };
        let (stream, ticker, written) = self.membership_stream(&plan.plan, population).await?;
        let (written_outputs, hidden) = consent::hidden(program, &plan.outputs, context);
        let columns = output_columns(program, written_outputs);
        let metadata = run_metadata(program, written_outputs, context);
        let subjects = context
            .overlaps
            .then(|| overlap_subjects(program, written_outputs));
        let outputs = output::Outputs {
            columns: &columns,
            hidden: &hidden,
            packing: &plan.packing,
            overlaps: subjects.as_ref(),
        };
        let (counts, pending, version) = match lock {
            None => {
                let write = delta_out::DeltaWrite {
                    table: &out,
                    as_of: context.as_of,
                    metadata: &metadata,
                    properties: output::parquet_properties(&[], spec.layout, &columns),
                    outputs: delta_runs::recorded_outputs(program, written_outputs, spec.layout),
                    refusing: context.consent_checks.iter().map(|c| !c.warn).collect(),
                };
                let shaper = shape::Shaper::new(&outputs, spec.layout, &stream.schema());
                let (counts, version) = self
                    .write_delta(population, stream, shaper, write, Arc::clone(&written))
                    .await?;
                (counts, None, version)
            }
            Some(_) => {
                let (membership, counts) = self
                    .write_files(population, stream, spec, &outputs, &metadata, &written)
                    .await?;
                (counts, Some(membership), None)
            }
        };
        drop(ticker);
        self.progress.phase(Phase::Writing);
        let mut summary = summary::summarize(program, written_outputs, &counts, context, spec);
        summary.output.delta_version = version;
        Ok(WrittenRun {
            summary,
            without_consent: counts.hidden,
            lock,
            pending,
        })
    }

    /// Plans `plan` and starts it: its batches, the progress ticker drawing from them (drop it
    /// when the stream is drained), and the count of members written that the ticker shows.
    async fn membership_stream(
        &self,
        plan: &LogicalPlan,
        population: &hir::Source,
    ) -> Result<(SendableRecordBatchStream, Ticker, Arc<AtomicU64>), Diagnostic> {
        self.progress.phase(Phase::Planning);
        let physical = self.physical_plan(plan, population.span).await?;
        self.progress.phase(Phase::Computing);
        let written = Arc::new(AtomicU64::new(0));
        let ticker = Ticker::start(
            Arc::clone(&self.progress),
            Arc::clone(&physical),
            Arc::clone(&written),
            self.cluster.as_ref(),
        );
        let stream = datafusion::physical_plan::execute_stream(physical, self.ctx.task_ctx())
            .map_err(|e| execution_failed(population.location.span, e))?;
        Ok((stream, ticker, written))
    }

    /// Writes the membership of `stream` to a temporary file in `spec`'s folder (published
    /// with the summary by [`Engine::run`]), readers' panics contained.
    async fn write_files(
        &self,
        population: &hir::Source,
        stream: datafusion::execution::SendableRecordBatchStream,
        spec: &OutputSpec,
        outputs: &output::Outputs<'_>,
        metadata: &[(String, String)],
        written: &AtomicU64,
    ) -> Result<(output::PendingOutput, shape::Counts), Diagnostic> {
        let span = population.location.span;
        let encoding = output::Encoding {
            metadata,
            threads: self.threads,
        };
        let outcome = panics::contained(output::write_membership(
            stream,
            spec,
            outputs,
            &encoding,
            written,
            |e| execution_failed(span, e),
            |problem| key_diagnostic(population, problem),
        ))
        .await;
        match outcome {
            Ok(written) => written,
            Err(panic) => Err(self.reader_panicked(span, panic).await),
        }
    }
}

/// The key-value metadata of a run's membership file: segc's version, the date, the rules,
/// and the audiences written.
fn run_metadata(
    program: &hir::Program,
    written: &[OutputId],
    context: &RunContext,
) -> Vec<(String, String)> {
    let mut metadata = vec![
        (
            "segc.version".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("segc.as_of".to_string(), context.as_of.to_string()),
        ("segc.rules".to_string(), context.rules.clone()),
    ];
    metadata.extend(consent::metadata(program, written));
    metadata
}

/// The diagnostic for a population key that does not identify one member.
fn key_diagnostic(population: &hir::Source, problem: output::KeyProblem) -> Diagnostic {
    let key = population.key_column().map_or(population.span, |k| k.span);
    match problem {
        output::KeyProblem::Missing => {
            Diagnostic::Data(DataDiagnostic::MissingKeyValue { span: key })
        }
        output::KeyProblem::Repeated(value) => {
            Diagnostic::Data(DataDiagnostic::RepeatedKey { span: key, value })
        }
    }
}

/// The tiers of the tiers items written (not of splits), to compare with the segments.
fn overlap_subjects(program: &hir::Program, outputs: &[OutputId]) -> overlaps::OverlapSubjects {
    let mut tiers = Vec::new();
    for (column, output) in outputs.iter().enumerate() {
        if let OutputId::Tiers(id) = output
            && !program.tiers[id.0].is_split
        {
            tiers.extend(
                program.tiers[id.0]
                    .arms
                    .iter()
                    .map(|arm| (column, arm.name.clone())),
            );
        }
    }
    overlaps::OverlapSubjects { tiers }
}

/// A run's outputs written, not yet published.
struct WrittenRun {
    /// The summary, its audiences not yet marked.
    summary: Summary,
    /// Per audience checked: its members found without consent.
    without_consent: Vec<u64>,
    /// The lock on the output folder (none for a Delta table), held until published.
    lock: Option<publish::OutputLock>,
    /// The membership file to publish (none for a Delta table).
    pending: Option<output::PendingOutput>,
}

/// Each output's column name and kind, in output order.
fn output_columns(
    program: &hir::Program,
    outputs: &[OutputId],
) -> Vec<(String, output::ColumnKind)> {
    outputs
        .iter()
        .map(|o| {
            let kind = match o {
                OutputId::Segment(_) => output::ColumnKind::Flag,
                OutputId::Tiers(_) => output::ColumnKind::Category,
                OutputId::Score(_) => output::ColumnKind::Number,
                OutputId::Let(id) => output::ColumnKind::of_value(&program.lets[id.0].value.ty),
            };
            (program.output_name(*o).to_string(), kind)
        })
        .collect()
}

impl TableLookup for Engine {
    fn table(&self, source: &hir::Source) -> Result<Arc<dyn TableSource>, Diagnostic> {
        self.tables
            .get(&source.name)
            .map(|t| provider_as_source(t.clone()))
            .ok_or_else(|| {
                Diagnostic::Internal(InternalDiagnostic::Invariant {
                    span: source.span,
                    broken: Invariant::UnregisteredSource {
                        source: source.name.clone(),
                    },
                })
            })
    }
}

/// What a run records about itself.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// The rule file, as given.
    pub rules: String,
    /// The evaluation date.
    pub as_of: chrono::NaiveDate,
    /// How `summary.json` names the membership file, when not by the path it is written to
    /// (outputs staged locally, then published to object storage).
    pub membership_shown: Option<String>,
    /// Whether to count the members every two segments (and every tier and segment) share.
    pub overlaps: bool,
    /// The audiences whose members without consent the plan's last (hidden) flags are, in
    /// order (`lower::consent_checks`).
    pub consent_checks: Vec<crate::lower::ConsentCheck>,
    /// The freshness of the sources with a limit, measured before the run.
    pub freshness: Vec<MeasuredFreshness>,
}
