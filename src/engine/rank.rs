//! Ranking passes: the narrow plans that find the boundaries of `ntile` groups before the
//! membership and KPI plans run (see `lower::ranking`), executed within the memory limit, and
//! the boundaries found in their batches (the quantiles of a pass on parallel threads).

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::datasource::{MemTable, provider_as_source};
use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::MemoryConsumer;
use datafusion::logical_expr::TableSource;
use futures::StreamExt as _;

use super::{Engine, Phase, execution_failed};
use crate::diagnostics::{Diagnostic, InternalDiagnostic};
use crate::functions::Boundaries;
use crate::hir::{self, AggregateId, KpiId};
use crate::lower::{
    self, Kept, KpiPlan, MembershipPlan, Params, PassOutcome, Ranked, RankingPass, Ranks,
    Selection, Wanted,
};

impl Engine {
    /// Whether ranking passes keep the aggregates they compute for the plans after them: not
    /// under a memory limit, where memory comes first, nor on a cluster, where kept rows would
    /// travel inside every plan sent to the workers.
    pub fn keeps_aggregates(&self) -> bool {
        self.memory_limit.is_none() && self.cluster.is_none()
    }

    /// Runs the ranking passes a plan for `wanted` needs (none without `ntile` quantiles) and
    /// gives the boundaries found. The values read are held within the memory limit.
    pub async fn ranks(
        &self,
        program: &hir::Program,
        params: Params,
        wanted: Wanted<'_>,
    ) -> Result<Ranks, Diagnostic> {
        // Without a memory limit, the aggregates a pass computes are kept for the plan after it
        // (it need not aggregate those sources again); with one, memory comes first.
        let keep = self.keeps_aggregates();
        let execute = async |pass: &RankingPass| self.execute_pass(program, pass).await;
        lower::drive_ranking_passes(program, self, params, wanted, keep, execute).await
    }

    /// Executes one ranking pass: the boundaries of its quantiles, and the aggregates it
    /// computed kept in memory. Its batches are reserved in the memory pool; those kept stay
    /// reserved as long as the engine lives (the plans after the pass read them).
    async fn execute_pass(
        &self,
        program: &hir::Program,
        pass: &RankingPass,
    ) -> Result<PassOutcome, Diagnostic> {
        let span = program.quantiles[pass.quantiles[0].quantile.0].span;
        let population = program.population().location.span;
        let failed = |e| execution_failed(population, e);
        self.progress.phase(Phase::Ranking);
        let physical = self.physical_plan(&pass.plan, span).await?;
        // When the pass runs on workers, they find the boundaries: no member's pair goes to the
        // client. A pass the planner keeps here (one worker, small data) streams its pairs
        // in-process, once, which is cheaper than the workers' two aggregates.
        #[cfg(feature = "cluster")]
        if crate::cluster::distributed(&physical)
            && pass.aggregates.is_empty()
            && let Some(boundaries) = self.ranked_on_workers(pass, population).await?
        {
            let kept = Vec::new();
            return Ok(PassOutcome::Executed { boundaries, kept });
        }
        let _ticker = super::Ticker::start(
            Arc::clone(&self.progress),
            Arc::clone(&physical),
            Arc::default(),
            self.cluster.as_ref(),
        );
        let reservation =
            MemoryConsumer::new("segc ranking pass").register(&self.ctx.runtime_env().memory_pool);
        let mut stream = datafusion::physical_plan::execute_stream(physical, self.ctx.task_ctx())
            .map_err(failed)?;
        let gather = async {
            let mut batches = Vec::new();
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(failed)?;
                reservation
                    .try_grow(batch.get_array_memory_size())
                    .map_err(failed)?;
                batches.push(batch);
            }
            Ok::<_, Diagnostic>(batches)
        };
        let batches = match super::panics::contained(gather).await {
            Ok(gathered) => gathered?,
            Err(panic) => return Err(self.reader_panicked(population, panic).await),
        };
        // The row encoding of the keys and values is about as large as they are.
        let ranked: usize = batches
            .iter()
            .flat_map(|b| b.columns().iter().take(pass.quantiles.len() + 1))
            .map(|c| c.get_array_memory_size())
            .sum();
        reservation.try_grow(ranked).map_err(failed)?;
        let internal = |e: DataFusionError| {
            Diagnostic::Internal(InternalDiagnostic::PlanFailed {
                span,
                message: e.to_string(),
            })
        };
        let boundaries = pass_boundaries(pass, &batches).map_err(internal)?;
        let mut kept = Vec::with_capacity(pass.aggregates.len());
        if !pass.aggregates.is_empty() {
            let partitions = self.ctx.copied_config().target_partitions();
            for (source, columns) in &pass.aggregates {
                let key = lower::kept_key(program, *source);
                let table =
                    kept_table(pass, &batches, &key, columns, partitions).map_err(internal)?;
                kept.push(Kept {
                    source: *source,
                    table,
                    key,
                });
            }
            self.kept_memory
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(reservation);
        }
        Ok(PassOutcome::Executed { boundaries, kept })
    }

    /// The membership plan over the registered tables, after the ranking passes it needs.
    pub async fn membership_plan(
        &self,
        program: &hir::Program,
        params: Params,
        selection: &Selection,
    ) -> Result<MembershipPlan, Diagnostic> {
        self.check_referenced_keys(program).await?;
        let ranks = self
            .ranks(program, params, Wanted::Outputs(selection))
            .await?;
        lower::membership_plan(program, self, params, selection, &ranks)
    }

    /// The KPI plan over the registered tables, after the ranking passes it needs.
    pub async fn kpi_plan(
        &self,
        program: &hir::Program,
        params: Params,
        kpis: &[KpiId],
    ) -> Result<KpiPlan, Diagnostic> {
        self.check_referenced_keys(program).await?;
        let ranks = self.ranks(program, params, Wanted::Kpis(kpis)).await?;
        let tables = self.with_frozen(program, kpis, params.as_of).await?;
        lower::kpi_plan(program, &tables, params, kpis, &ranks)
    }
}

/// The boundaries of the quantiles of `pass` found in its output (its plan's batches), in the
/// pass's order; the quantiles are ranked on parallel threads.
pub fn pass_boundaries(
    pass: &RankingPass,
    batches: &[RecordBatch],
) -> Result<Vec<Boundaries>, DataFusionError> {
    let schema = pass.plan.schema();
    let keys: Vec<ArrayRef> = batches.iter().map(|b| Arc::clone(b.column(0))).collect();
    let key_type = schema.field(0).data_type();
    let rank = |index: usize, ranked: &Ranked| {
        let values: Vec<ArrayRef> = batches
            .iter()
            .map(|b| Arc::clone(b.column(index + 1)))
            .collect();
        let types = (
            schema.field(index + 1).data_type().clone(),
            key_type.clone(),
        );
        Boundaries::select(ranked.groups, ranked.order, types, &values, &keys)
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = pass
            .quantiles
            .iter()
            .enumerate()
            .map(|(index, ranked)| {
                std::thread::Builder::new()
                    .name("segc-rank".into())
                    .spawn_scoped(scope, move || rank(index, ranked))
                    .map_err(|_| (index, ranked))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h {
                Ok(h) => h.join().unwrap_or_else(|_| {
                    Err(DataFusionError::Internal(
                        "a ranking thread panicked".into(),
                    ))
                }),
                // No thread to be had: rank on this one.
                Err((index, ranked)) => rank(index, ranked),
            })
            .collect()
    })
}

/// The key (renamed `key`) and the aggregate `columns` of a ranking pass's output, as an
/// in-memory table of `partitions` partitions.
fn kept_table(
    pass: &RankingPass,
    batches: &[RecordBatch],
    key: &str,
    columns: &[(AggregateId, String)],
    partitions: usize,
) -> Result<Arc<dyn TableSource>, DataFusionError> {
    let (kept, indexes) =
        lower::kept_schema(pass, key, columns).map_err(DataFusionError::Internal)?;
    let mut parts: Vec<Vec<RecordBatch>> = vec![Vec::new(); partitions.max(1)];
    for (i, batch) in batches.iter().enumerate() {
        let columns = indexes
            .iter()
            .map(|&c| Arc::clone(batch.column(c)))
            .collect();
        let part = i % parts.len();
        parts[part].push(RecordBatch::try_new(Arc::clone(&kept), columns)?);
    }
    Ok(provider_as_source(Arc::new(MemTable::try_new(
        kept, parts,
    )?)))
}
