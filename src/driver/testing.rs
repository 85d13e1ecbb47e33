//! `segc test` as calls: each rule file opened and checked as for `segc run`, then each of its
//! `test` items run in one engine: the test's rows registered as in-memory tables in place of
//! the sources, the membership plan (and, when a test expects KPI values, the KPI plan) built
//! and executed as `segc run` and `segc kpi` do, the outputs judged against the expectations.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use futures::StreamExt as _;

use datafusion::arrow::array::RecordBatch;

use super::{Options, Session, Stopped};
use crate::diagnostics::Diagnostic;
use crate::engine::{Engine, PreparedTests};
use crate::files::SourceMap;
use crate::hir::{self, KpiId};
use crate::lower::{Params, Selection};
use crate::span::Span;
use crate::testing::{self, Coverage, CoverageLine, Observed, Probed};

/// What `segc test` is asked.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Run only the tests whose name contains one of these (all when empty).
    pub filters: Vec<String>,
    /// Measure which conditions the tests' rows made true and false.
    pub coverage: bool,
    /// Tests run side by side on this many threads (default: one per core).
    pub threads: Option<usize>,
    /// Folders test CSV files may be read from besides the project's and `[data] roots`.
    pub data_roots: Vec<std::path::PathBuf>,
}

/// The tests of one rule file, run.
#[derive(Debug)]
pub struct TestedFile {
    /// The rule file as named.
    pub name: String,
    /// Its text and the text of its imports.
    pub sources: SourceMap,
    /// The checker's diagnostics: warnings, or the errors that kept the tests from running.
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the file checked without errors (its tests ran).
    pub ran: bool,
    /// Each test run, in file order.
    pub results: Vec<TestResult>,
    /// Tests left out by the filters.
    pub filtered_out: usize,
    /// With coverage, each segment's, tier arm's and score rule's line.
    pub coverage: Vec<CoverageLine>,
}

/// One test run.
#[derive(Debug)]
pub struct TestResult {
    /// The test's name.
    pub name: String,
    /// Where its name is.
    pub span: Span,
    /// Its failures (E1320), or the problems that kept it from running (its CSV file, ...).
    pub problems: Vec<Diagnostic>,
    /// How long it took.
    pub time: Duration,
}

impl TestResult {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Whether the rule file at `path` reads and declares a `test` item (a parse, no check).
pub fn has_tests(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| {
        crate::syntax::parse(&text)
            .program
            .items
            .iter()
            .any(|i| matches!(i.kind, crate::ast::ItemKind::Test(_)))
    })
}

/// Reads and checks the rule file at `path` and runs its tests. Stops on problems that belong
/// to no rule file (an unreadable file, an invalid segc.toml, the machine).
pub async fn test_file(path: &Path, options: &TestOptions) -> Result<TestedFile, Stopped> {
    let opened = Session::open(
        path,
        Options {
            threads: options.threads,
            data_roots: options.data_roots.clone(),
            ..Options::default()
        },
    )?;
    let mut tested = TestedFile {
        name: opened.name().to_string(),
        sources: opened.sources().clone(),
        diagnostics: opened.diagnostics().to_vec(),
        ran: false,
        results: Vec::new(),
        filtered_out: 0,
        coverage: Vec::new(),
    };
    let Some(session) = opened.into_session() else {
        return Ok(tested);
    };
    tested.ran = true;
    let program = session.program();
    let chosen: Vec<&hir::RuleTest> = program
        .tests
        .iter()
        .filter(|t| {
            options.filters.is_empty() || options.filters.iter().any(|f| t.name.contains(f))
        })
        .collect();
    tested.filtered_out = program.tests.len() - chosen.len();
    let probed = options.coverage.then(|| testing::probed(program));
    let base = path.parent().unwrap_or(Path::new("."));
    let runs = run_all(&session, probed.as_ref(), &chosen, base, options).await?;
    let mut coverage = Coverage::default();
    for (test, (run, time)) in chosen.iter().zip(runs) {
        let problems = match run {
            Ok((batch, kpis)) => {
                if let Some(probed) = &probed {
                    coverage.add(probed, &batch);
                }
                let observed = Observed {
                    members: &batch,
                    kpis: &kpis,
                };
                testing::judge(program, test, &observed)
            }
            Err(problem) => vec![problem],
        };
        tested.results.push(TestResult {
            name: test.name.clone(),
            span: test.span,
            problems,
            time,
        });
    }
    if let Some(probed) = &probed {
        tested.coverage = coverage.lines(program, probed);
    }
    Ok(tested)
}

/// What one test's run gave: the membership rows in one batch and the KPI values, or the
/// problem that stopped it; and how long it took.
type Run = (
    Result<(RecordBatch, Vec<crate::judge::Measured>), Diagnostic>,
    Duration,
);

/// Runs every test of `chosen`: the plans of each `as_of` prepared once and executed for each
/// test on its own task, as many at once as there are threads; a program that ranks members
/// plans each test on its own, one after the other.
async fn run_all(
    session: &Session,
    probed: Option<&Probed>,
    chosen: &[&hir::RuleTest],
    base: &Path,
    options: &TestOptions,
) -> Result<Vec<Run>, Stopped> {
    let mut planned = probed.map_or_else(|| session.program().clone(), |p| p.program.clone());
    // A test's rows are its data: a frozen KPI's groups are computed from them, no run is read.
    for kpi in &mut planned.kpis {
        kpi.frozen = None;
    }
    let planned = Arc::new(planned);
    let roots = session.data_roots();
    let mut engine = Engine::for_tests().map_err(Stopped::standalone)?;
    engine.register_test_scans(&planned);
    let mut prepared: HashMap<NaiveDate, Result<Option<PreparedTests>, Diagnostic>> =
        HashMap::new();
    for test in chosen {
        if let std::collections::hash_map::Entry::Vacant(entry) = prepared.entry(test.as_of) {
            let kpis = chosen
                .iter()
                .any(|t| t.as_of == test.as_of && testing::expects_kpis(t));
            let params = Params { as_of: test.as_of };
            entry.insert(engine.prepare_tests(&planned, params, kpis).await);
        }
    }
    let threads = options
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let runs = chosen.iter().map(|test| {
        let plans = prepared.get(&test.as_of).cloned();
        let planned = Arc::clone(&planned);
        let roots = &roots;
        async move {
            let started = Instant::now();
            let plans = match plans {
                Some(Ok(Some(plans))) => plans,
                Some(Ok(None)) => return None,
                Some(Err(problem)) => return Some((Err(problem), started.elapsed())),
                None => return None,
            };
            let run = async {
                let rows = Engine::test_rows(&planned, test, base, roots)?;
                let spawned = tokio::spawn(plans.run(Arc::clone(&planned), rows));
                let (batches, kpis) = spawned.await.map_err(|e| joined(test, e))??;
                Ok((one_batch(test, &batches)?, kpis))
            };
            Some((run.await, started.elapsed()))
        }
    });
    let mut runs: Vec<Option<Run>> = futures::stream::iter(runs)
        .buffered(threads.max(1))
        .collect()
        .await;
    // Plans that depend on the rows (quantiles): each test planned on its own.
    if runs.iter().all(Option::is_some) {
        return Ok(runs.into_iter().flatten().collect());
    }
    let mut own = session.local_engine()?;
    own.confine_data(session.data_roots());
    for (test, run) in chosen.iter().zip(&mut runs) {
        if run.is_none() {
            let started = Instant::now();
            let result = run_one(&mut own, &planned, test, base).await;
            *run = Some((result.map_err(|p| own.redacted(p)), started.elapsed()));
        }
    }
    Ok(runs.into_iter().flatten().collect())
}

/// A test's task that ended without a result (it panicked).
fn joined(test: &hir::RuleTest, error: tokio::task::JoinError) -> Diagnostic {
    Diagnostic::Data(crate::diagnostics::DataDiagnostic::DataError {
        span: test.span,
        message: error.to_string(),
    })
}

/// The batches of a test's membership rows as one.
fn one_batch(test: &hir::RuleTest, batches: &[RecordBatch]) -> Result<RecordBatch, Diagnostic> {
    let schema = match batches.first() {
        Some(first) => first.schema(),
        None => Arc::new(datafusion::arrow::datatypes::Schema::empty()),
    };
    datafusion::arrow::compute::concat_batches(&schema, batches).map_err(|e| {
        Diagnostic::Data(crate::diagnostics::DataDiagnostic::DataError {
            span: test.span,
            message: e.to_string(),
        })
    })
}

/// Runs one test: its rows registered, the membership plan executed (over the program with
/// probes when measuring coverage), the KPIs measured when it expects some.
async fn run_one(
    engine: &mut Engine,
    planned: &hir::Program,
    test: &hir::RuleTest,
    base: &Path,
) -> Result<(RecordBatch, Vec<crate::judge::Measured>), Diagnostic> {
    engine.register_test(planned, test, base)?;
    let params = Params { as_of: test.as_of };
    let batches = engine
        .membership_batches(planned, params, &Selection::All)
        .await?;
    let batch = one_batch(test, &batches)?;
    let mut kpis = Vec::new();
    if testing::expects_kpis(test) {
        let ids: Vec<KpiId> = (0..planned.kpis.len()).map(KpiId).collect();
        let plan = engine.kpi_plan(planned, params, &ids).await?;
        kpis = engine.measure(planned, &plan).await?;
    }
    Ok((batch, kpis))
}
