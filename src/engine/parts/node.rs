//! The logical node [`WriteParts`] over a membership plan, and the query planner that plans it
//! as a [`WritePartsExec`]. On a cluster, datafusion-distributed wraps this planner
//! (`cluster::distributed_state`) and cuts the physical plan it returns into stages: the
//! writer needs its input hashed by key, so it runs in the last stage, on the workers.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use datafusion::catalog::Session;
use datafusion::common::{DFSchema, DFSchemaRef, Result};
use datafusion::error::DataFusionError;
use datafusion::execution::context::QueryPlanner;
use datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext;
use datafusion::logical_expr::{
    Expr, Extension, LogicalPlan, UserDefinedLogicalNode, UserDefinedLogicalNodeCore,
};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_planner::{DefaultPhysicalPlanner, ExtensionPlanner, PhysicalPlanner};

use super::PartsSpec;
use super::exec::{PART_ROW, WritePartsExec};

/// Writes the members of its input in parts: one row per part.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct WriteParts {
    /// The [`PartsSpec`] as JSON: nodes compare and hash by it.
    spec: String,
    input: LogicalPlan,
    schema: DFSchemaRef,
}

impl PartialOrd for WriteParts {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match self.spec.cmp(&other.spec) {
            Ordering::Equal if self.input != other.input => None,
            order => Some(order),
        }
    }
}

impl UserDefinedLogicalNodeCore for WriteParts {
    fn name(&self) -> &str {
        "WriteParts"
    }

    fn inputs(&self) -> Vec<&LogicalPlan> {
        vec![&self.input]
    }

    fn schema(&self) -> &DFSchemaRef {
        &self.schema
    }

    fn expressions(&self) -> Vec<Expr> {
        Vec::new()
    }

    fn fmt_for_explain(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "WriteParts")
    }

    fn with_exprs_and_inputs(&self, _: Vec<Expr>, mut inputs: Vec<LogicalPlan>) -> Result<Self> {
        match inputs.len() {
            1 => Ok(WriteParts {
                spec: self.spec.clone(),
                input: inputs.swap_remove(0),
                schema: Arc::clone(&self.schema),
            }),
            n => Err(DataFusionError::Internal(format!(
                "WriteParts takes one input, not {n}"
            ))),
        }
    }

    // Every column of the input is written.
    fn necessary_children_exprs(&self, _: &[usize]) -> Option<Vec<Vec<usize>>> {
        Some(vec![(0..self.input.schema().fields().len()).collect()])
    }
}

/// `plan` (a membership plan) written in parts as `spec` says: its final sort left out, each
/// part being sorted by key instead.
pub(super) fn wrap(spec: &PartsSpec, plan: &LogicalPlan) -> Result<LogicalPlan> {
    let input = match plan {
        LogicalPlan::Sort(sort) if sort.fetch.is_none() => sort.input.as_ref().clone(),
        other => other.clone(),
    };
    let spec = serde_json::to_string(spec).map_err(|e| DataFusionError::External(Box::new(e)))?;
    let schema = Arc::new(DFSchema::try_from(PART_ROW.as_ref().clone())?);
    Ok(LogicalPlan::Extension(Extension {
        node: Arc::new(WriteParts {
            spec,
            input,
            schema,
        }),
    }))
}

/// DataFusion's planner, with [`WriteParts`] planned as a [`WritePartsExec`].
#[derive(Debug)]
pub(crate) struct PartsPlanner;

#[async_trait::async_trait]
impl QueryPlanner for PartsPlanner {
    async fn create_physical_plan(
        &self,
        logical_plan: &LogicalPlan,
        session: &dyn Session,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        DefaultPhysicalPlanner::with_extension_planners(vec![Arc::new(WritePartsPlanner)])
            .create_physical_plan(logical_plan, session)
            .await
    }
}

/// Plans [`WriteParts`].
struct WritePartsPlanner;

#[async_trait::async_trait]
impl ExtensionPlanner for WritePartsPlanner {
    async fn plan_extension(
        &self,
        _planner: &dyn PhysicalPlanner,
        node: &dyn UserDefinedLogicalNode,
        _logical_inputs: &[&LogicalPlan],
        physical_inputs: &[Arc<dyn ExecutionPlan>],
        _session: &dyn Session,
        _planning_ctx: &PhysicalPlanningContext,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        let Some(node) = node.as_any().downcast_ref::<WriteParts>() else {
            return Ok(None);
        };
        let spec: PartsSpec =
            serde_json::from_str(&node.spec).map_err(|e| DataFusionError::External(Box::new(e)))?;
        let [input] = physical_inputs else {
            return Err(DataFusionError::Internal(
                "WriteParts takes one input".into(),
            ));
        };
        Ok(Some(Arc::new(WritePartsExec::new(
            Arc::new(spec),
            Arc::clone(input),
        ))))
    }
}
