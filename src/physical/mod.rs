//! segc's own physical operators and the optimizer rule placing them: execution kernels, kept
//! apart from plan construction (`lower` builds logical plans; DataFusion plans them
//! physically, then [`DenseKeyAggregation`] replaces what it can).
//!
//! - [`DenseAggregateExec`] (`dense_aggregate.rs`): a phase of a grouped aggregate over one
//!   integer key, its groups numbered through an array over the keys' range
//!   (`key_index.rs`) rather than a hash table.
//! - [`SeparateProjectionChains`] (`projection_chains.rs`): a rule keeping the projections of
//!   long chains (deep chains of `let`s) apart, which DataFusion's later rules handle in time
//!   quadratic in the chain once collapsed.

mod dense_aggregate;
mod key_index;
mod projection_chains;

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::aggregates::AggregateExec;
use datafusion::physical_plan::{ExecutionPlan, InputOrderMode};

pub use dense_aggregate::DenseAggregateExec;
pub use projection_chains::SeparateProjectionChains;

/// Whether every value of `key_type` is an `i64` (integer keys handled as `i64`: here, and by
/// the referenced keys' bitmap, `engine/references.rs`).
pub(crate) fn fits_i64(key_type: &DataType) -> bool {
    key_type.is_signed_integer()
        || matches!(
            key_type,
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32
        )
}

/// Replaces each phase of an aggregate grouped by one integer key by a [`DenseAggregateExec`].
/// Customer keys are dense integers, and exports are often sorted by them: hashing 28 M event
/// keys per SF 1 was the largest part of the events aggregate, and the part that grew fastest
/// from SF 1 to SF 10 (bench/README.md, issue 23). Not for runs with a memory limit (the
/// dense aggregate neither spills nor emits early) nor for cluster runs (workers know only
/// DataFusion's operators).
#[derive(Debug, Default)]
pub struct DenseKeyAggregation;

impl DenseKeyAggregation {
    /// The rule's name, as the session's rule list shows it.
    pub const NAME: &str = "segc_dense_key_aggregation";
}

impl PhysicalOptimizerRule for DenseKeyAggregation {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(aggregate) = node.downcast_ref::<AggregateExec>() else {
                return Ok(Transformed::no(node));
            };
            // A sorted input is aggregated by DataFusion as it streams, emitting as it goes.
            if *aggregate.input_order_mode() != InputOrderMode::Linear {
                return Ok(Transformed::no(node));
            }
            Ok(
                match DenseAggregateExec::try_new(Arc::new(aggregate.clone())) {
                    Some(dense) => Transformed::yes(Arc::new(dense) as Arc<dyn ExecutionPlan>),
                    None => Transformed::no(node),
                },
            )
        })
        .data()
    }

    fn name(&self) -> &str {
        Self::NAME
    }

    fn schema_check(&self) -> bool {
        true
    }
}
