//! Ranking passes: the narrow plans that find the boundaries of `ntile` groups before the
//! membership and KPI plans run (see `lower::ntile`).

use datafusion::execution::memory_pool::MemoryConsumer;
use datafusion::logical_expr::LogicalPlan;
use futures::StreamExt as _;

use super::{Engine, Phase, execution_failed};
use crate::diagnostics::Diagnostic;
use crate::hir::{self, KpiId};
use crate::lower::{self, KpiPlan, Params, Ranks, Selection, Wanted};

impl Engine {
    /// Runs the ranking passes a plan for `wanted` needs (none without `ntile` quantiles) and
    /// gives the boundaries found. The values read are held within the memory limit.
    pub async fn ranks(
        &self,
        program: &hir::Program,
        params: Params,
        wanted: Wanted<'_>,
    ) -> Result<Ranks, Diagnostic> {
        let mut ranks = Ranks::default();
        while let Some(pass) = lower::ranking_pass(program, self, params, wanted, &ranks)? {
            let span = program.quantiles[pass.quantiles[0].quantile.0].span;
            let failed = |e| execution_failed(program.population().location.span, e);
            self.progress.phase(Phase::Ranking);
            let physical = self.physical_plan(&pass.plan, span).await?;
            let _ticker = super::Ticker::start(
                std::sync::Arc::clone(&self.progress),
                std::sync::Arc::clone(&physical),
                std::sync::Arc::default(),
            );
            let reservation = MemoryConsumer::new("segc ranking pass")
                .register(&self.ctx.runtime_env().memory_pool);
            let mut stream =
                datafusion::physical_plan::execute_stream(physical, self.ctx.task_ctx())
                    .map_err(failed)?;
            let mut batches = Vec::new();
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(failed)?;
                reservation
                    .try_grow(batch.get_array_memory_size())
                    .map_err(failed)?;
                batches.push(batch);
            }
            // The row encoding of the values is about as large as the values.
            reservation.try_grow(reservation.size()).map_err(failed)?;
            ranks
                .add_pass(&pass, &batches)
                .map_err(|e| Diagnostic::Internal {
                    span,
                    message: e.to_string(),
                })?;
        }
        Ok(ranks)
    }

    /// The membership plan over the registered tables, after the ranking passes it needs.
    pub async fn membership_plan(
        &self,
        program: &hir::Program,
        params: Params,
        selection: &Selection,
    ) -> Result<LogicalPlan, Diagnostic> {
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
        let ranks = self.ranks(program, params, Wanted::Kpis(kpis)).await?;
        lower::kpi_plan(program, self, params, kpis, &ranks)
    }
}
