//! segc's own physical operators and the optimizer rule placing them: execution kernels, kept
//! apart from plan construction (`lower` builds logical plans; DataFusion plans them
//! physically, then [`DenseKeyAggregation`] replaces what it can).
//!
//! - [`DenseAggregateExec`] (`dense_aggregate.rs`): the partial phase of a grouped aggregate
//!   over one integer key in a known range, into arrays indexed by `key - min`.

mod dense_aggregate;

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::stats::Precision;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::{Result, ScalarValue};
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode};
use datafusion::physical_plan::{InputOrderMode, StatisticsArgs, StatisticsContext};

pub use dense_aggregate::DenseAggregateExec;

/// The most keys a dense aggregate gives slots to (each slot holds every aggregate's state,
/// in each partition).
const MOST_SLOTS: u64 = 1 << 26;

/// Replaces each partial grouped aggregate over one integer column whose range of values
/// (from the input's statistics: Parquet footers) has no more slots than the input has rows
/// by a [`DenseAggregateExec`]. Customer keys are dense integers: hashing 28 M event keys was
/// most of the events aggregate (bench/README.md, issue 23). Not for runs with a memory
/// limit: the arrays cannot spill.
#[derive(Debug, Default)]
pub struct DenseKeyAggregation;

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
            let Some((min, max)) = dense_range(aggregate)? else {
                return Ok(Transformed::no(node));
            };
            let aggregate = Arc::new(aggregate.clone());
            Ok(match DenseAggregateExec::try_new(aggregate, min, max) {
                Some(dense) => Transformed::yes(Arc::new(dense) as Arc<dyn ExecutionPlan>),
                None => Transformed::no(node),
            })
        })
        .data()
    }

    fn name(&self) -> &str {
        "segc_dense_key_aggregation"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// The range of the key of `aggregate`, a partial aggregate grouping by one integer column
/// of its input, when the statistics give one no wider than the input's rows.
fn dense_range(aggregate: &AggregateExec) -> Result<Option<(i64, i64)>> {
    let group_by = aggregate.group_expr();
    if *aggregate.mode() != AggregateMode::Partial
        || *aggregate.input_order_mode() != InputOrderMode::Linear
        || !group_by.is_single()
        || group_by.expr().len() != 1
    {
        return Ok(None);
    }
    let Some(column) = group_by.expr()[0].0.downcast_ref::<Column>() else {
        return Ok(None);
    };
    // Keys are handled as `i64`: wider unsigned ones could not all be.
    let key_type = aggregate
        .input()
        .schema()
        .field(column.index())
        .data_type()
        .clone();
    if !(key_type.is_signed_integer()
        || matches!(
            key_type,
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32
        ))
    {
        return Ok(None);
    }
    let statistics =
        StatisticsContext::new().compute(aggregate.input().as_ref(), &StatisticsArgs::new())?;
    let Some(column_statistics) = statistics.column_statistics.get(column.index()) else {
        return Ok(None);
    };
    let bound = |p: &Precision<ScalarValue>| p.get_value().and_then(integer);
    let (Some(min), Some(max)) = (
        bound(&column_statistics.min_value),
        bound(&column_statistics.max_value),
    ) else {
        return Ok(None);
    };
    let Some(rows) = statistics.num_rows.get_value().copied() else {
        return Ok(None);
    };
    let slots = i128::from(max) - i128::from(min) + 1;
    let fits = slots >= 1 && slots <= i128::from(MOST_SLOTS) && slots <= rows as i128;
    Ok(fits.then_some((min, max)))
}

/// An integer statistic as `i64`.
fn integer(value: &ScalarValue) -> Option<i64> {
    match value {
        ScalarValue::Int8(v) => v.map(i64::from),
        ScalarValue::Int16(v) => v.map(i64::from),
        ScalarValue::Int32(v) => v.map(i64::from),
        ScalarValue::Int64(v) => *v,
        ScalarValue::UInt8(v) => v.map(i64::from),
        ScalarValue::UInt16(v) => v.map(i64::from),
        ScalarValue::UInt32(v) => v.map(i64::from),
        ScalarValue::UInt64(v) => v.and_then(|v| i64::try_from(v).ok()),
        _ => None,
    }
}
