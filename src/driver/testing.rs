//! `segc test` as calls: each rule file opened and checked as for `segc run`, then each of its
//! `test` items run in one engine: the test's rows registered as in-memory tables in place of
//! the sources, the membership plan (and, when a test expects KPI values, the KPI plan) built
//! and executed as `segc run` and `segc kpi` do, the outputs judged against the expectations.

use std::path::Path;
use std::time::{Duration, Instant};

use datafusion::arrow::array::RecordBatch;

use super::{Options, Session, Stopped};
use crate::diagnostics::Diagnostic;
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
    /// Threads and partitions (default: one per core).
    pub threads: Option<usize>,
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

/// Reads and checks the rule file at `path` and runs its tests. Stops on problems that belong
/// to no rule file (an unreadable file, an invalid segc.toml, the machine).
pub async fn test_file(path: &Path, options: &TestOptions) -> Result<TestedFile, Stopped> {
    let opened = Session::open(
        path,
        Options {
            threads: options.threads,
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
    let mut engine = session.bare_engine()?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut coverage = Coverage::default();
    for test in chosen {
        let started = Instant::now();
        let problems = match run_one(&mut engine, program, probed.as_ref(), test, base).await {
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
            Err(problem) => vec![engine.redacted(problem)],
        };
        tested.results.push(TestResult {
            name: test.name.clone(),
            span: test.span,
            problems,
            time: started.elapsed(),
        });
    }
    if let Some(probed) = &probed {
        tested.coverage = coverage.lines(program, probed);
    }
    Ok(tested)
}

/// Runs one test: its rows registered, the membership plan executed (over the program with
/// probes when measuring coverage), the KPIs measured when it expects some.
async fn run_one(
    engine: &mut crate::engine::Engine,
    program: &hir::Program,
    probed: Option<&Probed>,
    test: &hir::RuleTest,
    base: &Path,
) -> Result<(RecordBatch, Vec<crate::judge::Measured>), Diagnostic> {
    let planned = probed.map_or(program, |p| &p.program);
    engine.register_test(planned, test, base)?;
    let params = Params { as_of: test.as_of };
    let batches = engine
        .membership_batches(planned, params, &Selection::All)
        .await?;
    let schema = match batches.first() {
        Some(first) => first.schema(),
        None => std::sync::Arc::new(datafusion::arrow::datatypes::Schema::empty()),
    };
    let batch = datafusion::arrow::compute::concat_batches(&schema, &batches).map_err(|e| {
        Diagnostic::Data(crate::diagnostics::DataDiagnostic::DataError {
            span: test.span,
            message: e.to_string(),
        })
    })?;
    let mut kpis = Vec::new();
    if testing::expects_kpis(test) {
        let ids: Vec<KpiId> = (0..program.kpis.len()).map(KpiId).collect();
        let plan = engine.kpi_plan(program, params, &ids).await?;
        kpis = engine.measure(program, &plan).await?;
    }
    Ok((batch, kpis))
}
