//! Progress of a long run, reported to an observer (the CLI draws it; the engine never prints).
//!
//! While a plan executes, a ticker reads the row counts of its scans from DataFusion's metrics
//! every [`TICK`] and passes them on with the number of members written so far.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use datafusion::physical_plan::ExecutionPlan;

/// How often a running plan's counts are read.
pub const TICK: Duration = Duration::from_millis(100);

/// What a run is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Turning the rules into a physical plan.
    Planning,
    /// Reading the values quantile groups are ranked by (a narrow pass before computing).
    Ranking,
    /// Reading the sources and computing every member's outputs.
    Computing,
    /// Writing the outputs in place.
    Writing,
}

impl Phase {
    /// The phase in words, for a progress line.
    pub fn describe(self) -> &'static str {
        match self {
            Phase::Planning => "planning",
            Phase::Ranking => "ranking quantiles",
            Phase::Computing => "computing",
            Phase::Writing => "writing outputs",
        }
    }
}

/// Receives the progress of a run.
pub trait Progress: Send + Sync {
    /// The run moved to `phase`.
    fn phase(&self, phase: Phase);
    /// Rows read from the sources so far, and members written (or measured) so far.
    fn rows(&self, read: u64, written: u64);
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn phase(&self, _: Phase) {}
    fn rows(&self, _: u64, _: u64) {}
}

/// The rows the scans (the leaves) of a running plan have produced so far.
pub fn rows_read(plan: &Arc<dyn ExecutionPlan>) -> u64 {
    let mut total = 0;
    let mut stack = vec![Arc::clone(plan)];
    while let Some(node) = stack.pop() {
        let children = node.children();
        if children.is_empty() {
            let rows = node.metrics().and_then(|m| m.output_rows()).unwrap_or(0);
            total += rows as u64;
        }
        stack.extend(children.into_iter().cloned());
    }
    total
}

/// Reports the counts of a running plan until dropped.
pub(super) struct Ticker {
    handle: tokio::task::JoinHandle<()>,
}

impl Ticker {
    /// Starts reporting for `plan`, with `written` counting the members written.
    pub(super) fn start(
        progress: Arc<dyn Progress>,
        plan: Arc<dyn ExecutionPlan>,
        written: Arc<AtomicU64>,
    ) -> Ticker {
        let handle = tokio::spawn(async move {
            let mut interval = tokio::time::interval(TICK);
            loop {
                interval.tick().await;
                progress.rows(rows_read(&plan), written.load(Ordering::Relaxed));
            }
        });
        Ticker { handle }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.handle.abort();
    }
}
