//! The DataFusion session segc runs in: its settings (partitions per thread, the sort in one
//! piece), the memory pool of `--memory-limit`, segc's physical operators and rules, and the
//! check that the machine gives the threads a run asks for.

use std::sync::Arc;

use datafusion::error::Result;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::physical::{DenseKeyAggregation, SeparateProjectionChains};

/// Engine settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct EngineOptions {
    /// Threads to execute with (default: the number of cores); plans have
    /// [`PARTITIONS_PER_THREAD`] partitions per thread.
    pub threads: Option<usize>,
    /// Memory for query execution, in bytes; sorts and aggregates spill to the system's temporary
    /// folder beyond it (default: unlimited).
    pub memory_limit: Option<usize>,
}

/// The DataFusion settings segc plans and runs with: [`PARTITIONS_PER_THREAD`] partitions per
/// thread (`threads`, default the number of cores).
pub fn session_config(threads: Option<usize>) -> SessionConfig {
    let mut config = SessionConfig::new()
        .with_target_partitions(threads_or_cores(threads) * PARTITIONS_PER_THREAD);
    segc_settings(config.options_mut());
    config
}

/// `threads`, or the number of cores.
pub fn threads_or_cores(threads: Option<usize>) -> usize {
    threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1)
}

/// Partitions planned for each thread: smaller hash tables per partition (each aggregate's
/// and join's), and a thread that finishes its partition early takes another. `segc run` of
/// the benchmark at SF 1 on 2 threads: see bench/README.md (issue 23).
pub const PARTITIONS_PER_THREAD: usize = 3;

/// The settings of [`session_config`] besides the partitions (also a cluster worker's).
pub fn segc_settings(options: &mut datafusion::config::ConfigOptions) {
    // DataFusion 55 plans `x IS TRUE` (and the `IS NOT DISTINCT FROM true` its optimizer makes
    // of conditions) as nullable physically but not logically, and refuses aggregates over such
    // columns (KPIs aggregate over segment memberships). Only nullability differs, the physical
    // side being the more permissive: the check is skipped, as DataFusion suggests.
    options.execution.skip_physical_aggregate_schema_check = true;
    // The final sort by key carries one column per output: merging many small sorted batches
    // interleaves each column row by row (slow for booleans), one sort of the whole partition
    // takes each column at once. Measured in bench/README.md.
    options.execution.sort_in_place_threshold_bytes = SORT_IN_PLACE_BYTES;
}

/// Partitions of up to this size are sorted in one piece rather than batch by batch and merged.
const SORT_IN_PLACE_BYTES: usize = 256 * 1024 * 1024;

/// A session with `options`: segc's settings, the memory limit's pool and, without a limit,
/// segc's dense aggregate (`physical`).
pub(super) fn context(options: EngineOptions) -> Result<SessionContext> {
    let mut runtime = RuntimeEnvBuilder::new();
    if let Some(limit) = options.memory_limit {
        runtime = runtime.with_memory_pool(Arc::new(FairSpillPool::new(limit)));
    }
    // Long chains of projections are kept apart before DataFusion's rules would collapse them.
    let mut rules: Vec<Arc<dyn PhysicalOptimizerRule + Send + Sync>> =
        vec![Arc::new(SeparateProjectionChains)];
    rules.extend(PhysicalOptimizer::new().rules);
    // The dense aggregate neither spills nor emits early: with a memory limit, aggregates hash
    // (and spill).
    if options.memory_limit.is_none() {
        rules.push(Arc::new(DenseKeyAggregation));
    }
    let state = SessionStateBuilder::new()
        .with_config(session_config(options.threads))
        .with_runtime_env(runtime.build_arc()?)
        .with_default_features()
        .with_physical_optimizer_rules(rules);
    Ok(SessionContext::new_with_state(state.build()))
}

/// Checks that `n` threads can be started now: tokio panics when the operating system refuses
/// one of its workers (a container's pids limit, `RLIMIT_NPROC`), and the process then hangs.
/// The threads are started, wait, and end at once.
pub fn threads_available(n: usize) -> std::io::Result<()> {
    let mut started = Vec::with_capacity(n);
    let mut result = Ok(());
    for _ in 0..n {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("segc-probe".into())
            .stack_size(64 * 1024)
            .spawn(move || {
                let _ = wait.recv();
            });
        match spawned {
            Ok(handle) => started.push((release, handle)),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    for (release, handle) in started {
        drop(release);
        let _ = handle.join();
    }
    result
}
