//! The library driver: the stages assembled per command, as calls returning data.
//!
//! Every front end (the `segc` command line, the tests, and later a language server, a cluster
//! worker or bindings) goes through here. Nothing in this module prints or exits: a call returns
//! its result (a summary, judged KPI rows, plans, formatted text) or why it stopped, as
//! [`Diagnostic`]s for the caller to render.
//!
//! - [`check_files`]: `segc check`, every rule file with its imports.
//! - [`Session::open`] then [`Opened::into_session`]: one rule file read and checked, ready for
//!   the data commands: [`Session::run`], [`Session::measure_kpis`] + [`Session::judge_kpis`],
//!   [`Session::explain`].
//! - [`diff()`]: `segc diff`, two versions of rule files compared.
//! - [`format`](mod@format): `segc fmt`, rule files read, formatted and written back.
//! - [`infer_schema`]: `segc schema infer`.
//! - [`runtime`]: the tokio runtime the asynchronous calls run on.

mod check;
mod diff;
mod diff_data;
mod diff_runs;
mod explain;
pub mod format;
mod infer;
mod kpis;
mod lineage;
mod overlaps;
mod project;
mod project_run;
mod rule_files;
mod session;
mod testing;

pub use crate::lower::{Selection, Wanted};
pub use check::{CheckedFile, CheckedFiles, check_files, project_rule_files};
pub use diff::{DiffRequest, Diffed, DiffedFile, FileStatus, VersionOf, VersionProblems, diff};
pub use diff_data::{
    FileData, KpiData, SegmentData, TiersData, gate_names, measure_changes, read_gates,
    tripped_gates,
};
pub use diff_runs::{RunsDiffed, diff_runs};
pub use explain::{ExplainRequest, ExplainedPass, Explanation};
pub use infer::{InferRequest, infer_schema, infer_schemas};
pub use kpis::{Baseline, KpiGate, Measured};
pub use lineage::{Lineage, SourceColumns};
pub use project::{Project, join_place};
pub use project_run::{Apart, ProjectRun, ProjectStopped, RunGroup};
pub use rule_files::{CheckedRoot, Reported, Rules};
pub use session::{Opened, Options, OutputChoice, Ran, Session};
pub use testing::{TestOptions, TestResult, TestedFile, has_tests, test_file};

use crate::diagnostics::{DataDiagnostic, Diagnostic};

/// Stack size of the thread running a command and of the engine's workers: deep rule
/// expressions recurse in every stage.
pub const STACK_SIZE: usize = 64 * 1024 * 1024;

/// Why a call stopped, with the diagnostics that say it.
#[derive(Debug, Clone)]
pub enum Stopped {
    /// Problems that belong to no rule file: arguments, settings, the output folder, the machine.
    Standalone(Vec<Diagnostic>),
    /// Problems in the rule files or in the data they declare: shown in the session's files.
    InRules(Vec<Diagnostic>),
}

impl Stopped {
    /// The diagnostics that say why.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Stopped::Standalone(d) | Stopped::InRules(d) => d,
        }
    }

    pub(crate) fn standalone(diagnostic: Diagnostic) -> Stopped {
        Stopped::Standalone(vec![diagnostic])
    }
}

/// `segc worker`: serves the stages of plans that clients running with `--cluster` send,
/// listening on `listen` (`HOST:PORT`, port 0 for a free one); `ready` gets the address
/// listened on once connections are accepted. Returns only when it cannot serve (E1805), or
/// at once when segc was built without the `cluster` feature (E1804).
pub async fn worker(listen: &str, ready: impl FnOnce(std::net::SocketAddr)) -> Stopped {
    #[cfg(feature = "cluster")]
    let problem = match crate::cluster::serve(listen, ready).await {
        Err(problem) => problem,
        Ok(()) => crate::diagnostics::ClusterDiagnostic::CannotListen {
            address: listen.to_string(),
            message: "the server stopped".into(),
        }
        .into(),
    };
    #[cfg(not(feature = "cluster"))]
    let problem = {
        let _ = (listen, ready);
        crate::diagnostics::ClusterDiagnostic::NotBuilt.into()
    };
    Stopped::standalone(problem)
}

/// Threads besides the runtime's workers that a command needs at once (file reads on tokio's
/// blocking pool, the Parquet encoder's, the progress line).
const SPARE_THREADS: usize = 4;

/// The runtime the asynchronous calls run on, with `threads` workers (default: one per core).
/// The threads are probed first: a process limit that refuses them is `E0709`, not a hang.
pub fn runtime(threads: Option<usize>) -> Result<tokio::runtime::Runtime, Diagnostic> {
    let workers =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let failed = |message: String| Diagnostic::Data(DataDiagnostic::EngineFailed { message });
    crate::engine::threads_available(workers + SPARE_THREADS).map_err(|e| failed(e.to_string()))?;
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    builder.worker_threads(workers);
    // The workers evaluate the plans: DataFusion merges a chain of `let`s into one expression,
    // evaluated recursively (a chain of 750 overflowed tokio's 2 MiB stack, debug build).
    builder.thread_stack_size(STACK_SIZE);
    builder.build().map_err(|e| failed(e.to_string()))
}
