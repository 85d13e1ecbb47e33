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

/// The workers are asked for their stages' progress every this many ticks (half a second:
/// one request per worker each time).
#[cfg(feature = "cluster")]
const STAGE_TICKS: u64 = 5;

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

/// One stage of a plan running on a cluster's workers, as they report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageProgress {
    /// The stage's number in the distributed plan (`segc explain --physical --cluster`).
    pub stage: usize,
    /// Its tasks.
    pub tasks: usize,
    /// Its tasks the workers run now.
    pub running: usize,
    /// Rows its running tasks produced so far.
    pub rows: u64,
}

/// Receives the progress of a run.
pub trait Progress: Send + Sync {
    /// The run moved to `phase`.
    fn phase(&self, phase: Phase);
    /// Rows read from the sources so far, and members written (or measured) so far.
    fn rows(&self, read: u64, written: u64);
    /// The stages of a plan running on a cluster, every half second while it runs.
    fn stages(&self, _stages: &[StageProgress]) {}
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
    /// Starts reporting for `plan`, with `written` counting the members written; on a
    /// `cluster`, also its stages, as the workers report them.
    pub(super) fn start(
        progress: Arc<dyn Progress>,
        plan: Arc<dyn ExecutionPlan>,
        written: Arc<AtomicU64>,
        cluster: Option<&crate::cluster::Cluster>,
    ) -> Ticker {
        #[cfg(feature = "cluster")]
        let mut watch = cluster.and_then(|c| crate::cluster::StageWatch::of(&plan, &c.workers));
        #[cfg(not(feature = "cluster"))]
        let _ = cluster;
        let handle = tokio::spawn(async move {
            let mut interval = tokio::time::interval(TICK);
            for tick in 0u64.. {
                interval.tick().await;
                progress.rows(rows_read(&plan), written.load(Ordering::Relaxed));
                #[cfg(feature = "cluster")]
                if let Some(watch) = &mut watch
                    && tick % STAGE_TICKS == 0
                {
                    progress.stages(&watch.poll().await);
                }
                #[cfg(not(feature = "cluster"))]
                let _ = tick;
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
