//! segc's own physical operators and the optimizer rule placing them: execution kernels, kept
//! apart from plan construction (`lower` builds logical plans; DataFusion plans them
//! physically, then [`RunKeyAggregation`] replaces what it can).
//!
//! - [`RunAggregateExec`] (`run_aggregate.rs`): the partial phase of a grouped aggregate over
//!   one integer key, each run of equal keys looked up once.

mod run_aggregate;

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::InputOrderMode;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode};

pub use run_aggregate::RunAggregateExec;

/// The name of [`RunKeyAggregation`] (a cluster's session leaves it out: workers do not know
/// segc's operators).
pub const RUN_KEY_AGGREGATION: &str = "segc_run_key_aggregation";

/// Replaces each partial grouped aggregate over one integer key by a [`RunAggregateExec`].
/// Not for runs with a memory limit: DataFusion's partial aggregate emits early when memory
/// runs short, this one does not.
#[derive(Debug, Default)]
pub struct RunKeyAggregation;

impl PhysicalOptimizerRule for RunKeyAggregation {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(aggregate) = node.downcast_ref::<AggregateExec>() else {
                return Ok(Transformed::no(node));
            };
            if !integer_key(aggregate)? {
                return Ok(Transformed::no(node));
            }
            let aggregate = Arc::new(aggregate.clone());
            Ok(match RunAggregateExec::try_new(aggregate) {
                Some(runs) => Transformed::yes(Arc::new(runs) as Arc<dyn ExecutionPlan>),
                None => Transformed::no(node),
            })
        })
        .data()
    }

    fn name(&self) -> &str {
        RUN_KEY_AGGREGATION
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// Whether `aggregate` is a partial aggregate over unordered input grouping by one expression
/// of an integer type every value of which is an `i64`.
fn integer_key(aggregate: &AggregateExec) -> Result<bool> {
    let group_by = aggregate.group_expr();
    if *aggregate.mode() != AggregateMode::Partial
        || *aggregate.input_order_mode() != InputOrderMode::Linear
        || !group_by.is_single()
        || group_by.expr().len() != 1
    {
        return Ok(false);
    }
    let key_type = group_by.expr()[0]
        .0
        .data_type(&aggregate.input().schema())?;
    Ok(key_type.is_signed_integer()
        || matches!(
            key_type,
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32
        ))
}
