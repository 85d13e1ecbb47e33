//! Physical planning: locally, DataFusion's planner; on a cluster, the distributed planner over
//! plans made sendable (`cluster::portable`), each stage checked before anything runs
//! (`cluster::unsendable`, E1806).

use std::sync::Arc;

use datafusion::error::DataFusionError;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::ExecutionPlan;

use crate::diagnostics::{Diagnostic, InternalDiagnostic};

impl super::Engine {
    /// The physical plan of `plan`, to execute: on a cluster, E1806 when a stage cannot be
    /// sent to the workers.
    pub(super) async fn physical_plan(
        &self,
        plan: &LogicalPlan,
        span: crate::span::Span,
    ) -> Result<Arc<dyn ExecutionPlan>, Diagnostic> {
        let physical = self.planned(plan, span).await?;
        #[cfg(feature = "cluster")]
        if self.cluster.is_some()
            && let Some(message) = crate::cluster::unsendable(&physical, self.ctx.state().config())
        {
            return Err(Diagnostic::Cluster(
                crate::diagnostics::ClusterDiagnostic::NotDistributable { message },
            ));
        }
        Ok(physical)
    }

    /// The physical plan of `plan` (on a cluster, cut into stages).
    pub(super) async fn planned(
        &self,
        plan: &LogicalPlan,
        span: crate::span::Span,
    ) -> Result<Arc<dyn ExecutionPlan>, Diagnostic> {
        let failed = |e: DataFusionError| {
            Diagnostic::Internal(InternalDiagnostic::PlanFailed {
                span,
                message: e.to_string(),
            })
        };
        #[cfg(feature = "cluster")]
        if self.cluster.is_some() {
            let portable = crate::cluster::portable(plan.clone()).map_err(failed)?;
            return self
                .ctx
                .state()
                .create_physical_plan(&portable)
                .await
                .map_err(failed);
        }
        self.ctx
            .state()
            .create_physical_plan(plan)
            .await
            .map_err(failed)
    }
}
