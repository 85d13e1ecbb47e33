//! `DenseAggregateExec`: the first (partial) phase of a grouped aggregate over one integer key
//! whose values lie in a known, small range, computed into arrays indexed by `key - min`
//! instead of through a hash table (DuckDB's "perfect hash aggregate").
//!
//! The accumulators are DataFusion's own (`GroupsAccumulator`, the ones `AggregateExec` would
//! use, with the same filters and arguments); only the mapping of keys to group indexes
//! changes: a subtraction and a bounds check per row instead of hashing the key and probing a
//! table. The range comes from statistics, which may be wrong or stale: a key outside it
//! (or a null key) still gets a group, numbered after the range, through a small hash map, so
//! the results never depend on the statistics being right.
//!
//! The output is `AggregateExec`'s in partial mode (the key, then each aggregate's state), one
//! row per key seen, so the repartition and final phase after it are unchanged.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array, RecordBatch};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::compute::{cast, filter};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result, internal_err};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{EmitTo, GroupsAccumulator};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode, aggregate_expressions};
use datafusion::physical_plan::metrics::{BaselineMetrics, ExecutionPlanMetricsSet, MetricsSet};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties,
    execution_plan::ReplaceChildrenOptions,
};
use futures::{StreamExt, TryStreamExt};

/// The partial phase of `aggregate` (an `AggregateExec` in `Partial` mode grouping by one
/// integer expression) with groups indexed by `key - min` for keys in `min..=max`.
#[derive(Debug)]
pub struct DenseAggregateExec {
    aggregate: Arc<AggregateExec>,
    min: i64,
    max: i64,
    metrics: ExecutionPlanMetricsSet,
}

impl DenseAggregateExec {
    /// The dense version of `aggregate`, for keys expected in `min..=max` (others are hashed);
    /// `None` when `aggregate` is not a partial aggregate of one key whose accumulators all
    /// work by group index.
    pub fn try_new(aggregate: Arc<AggregateExec>, min: i64, max: i64) -> Option<Self> {
        let group_by = aggregate.group_expr();
        let single_key = group_by.is_single() && group_by.expr().len() == 1;
        let by_index = aggregate
            .aggr_expr()
            .iter()
            .all(|a| a.groups_accumulator_supported() && a.order_bys().is_empty());
        let plain = *aggregate.mode() == AggregateMode::Partial
            && aggregate.limit_options().is_none()
            && min <= max;
        (single_key && by_index && plain).then(|| DenseAggregateExec {
            aggregate,
            min,
            max,
            metrics: ExecutionPlanMetricsSet::new(),
        })
    }

    /// The number of keys in the range (each gets an array slot).
    fn range(&self) -> usize {
        // `min <= max` and the rule bounds the range: no overflow in i128.
        (i128::from(self.max) - i128::from(self.min) + 1) as usize
    }
}

impl DisplayAs for DenseAggregateExec {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "DenseAggregateExec: keys={}..={}, ", self.min, self.max)?;
        self.aggregate.fmt_as(t, f)
    }
}

impl ExecutionPlan for DenseAggregateExec {
    fn name(&self) -> &str {
        "DenseAggregateExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.aggregate.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![self.aggregate.input()]
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        self.aggregate.apply_expressions(f)
    }

    fn replace_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
        options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let aggregate: Arc<dyn ExecutionPlan> = Arc::clone(&self.aggregate) as _;
        let replaced = aggregate.replace_children(children, options)?;
        let Ok(aggregate) =
            (replaced as Arc<dyn std::any::Any + Send + Sync>).downcast::<AggregateExec>()
        else {
            return internal_err!("an aggregate's copy is not an aggregate");
        };
        match DenseAggregateExec::try_new(aggregate, self.min, self.max) {
            Some(dense) => Ok(Arc::new(dense)),
            None => internal_err!("an aggregate's copy cannot be dense"),
        }
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(
                datafusion::physical_plan::execution_plan::ChildrenPropertiesMode::Recompute,
            ),
        )
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let input = self
            .aggregate
            .input()
            .execute(partition, Arc::clone(&context))?;
        let reservation = MemoryConsumer::new(format!("DenseAggregateExec[{partition}]"))
            .register(context.memory_pool());
        let groups = Groups::new(self, reservation)?;
        let baseline = BaselineMetrics::new(&self.metrics, partition);
        let batch_size = context.session_config().batch_size();
        let schema = self.schema();
        let batches = futures::stream::once(groups.run(input, baseline, batch_size))
            .map_ok(|batches| futures::stream::iter(batches.into_iter().map(Ok)))
            .try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, batches)))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }
}

/// One partition's groups: the accumulators and the mapping of keys to group indexes.
struct Groups {
    key: Arc<dyn PhysicalExpr>,
    key_type: DataType,
    arguments: Vec<Vec<Arc<dyn PhysicalExpr>>>,
    filters: Vec<Option<Arc<dyn PhysicalExpr>>>,
    accumulators: Vec<Box<dyn GroupsAccumulator>>,
    schema: datafusion::arrow::datatypes::SchemaRef,
    min: i64,
    max: i64,
    /// Whether a row had the key `min + i`.
    seen: Vec<bool>,
    /// Keys outside the range (and null), numbered after it.
    others: HashMap<Option<i64>, usize>,
    other_keys: Vec<Option<i64>>,
    /// The group index of each row of the current batch.
    indexes: Vec<usize>,
    reservation: MemoryReservation,
}

impl Groups {
    fn new(exec: &DenseAggregateExec, reservation: MemoryReservation) -> Result<Groups> {
        let aggregate = &exec.aggregate;
        let (key, _) = &aggregate.group_expr().expr()[0];
        let input_schema = aggregate.input().schema();
        let accumulators = aggregate
            .aggr_expr()
            .iter()
            .map(|a| a.create_groups_accumulator())
            .collect::<Result<Vec<_>>>()?;
        Ok(Groups {
            key: Arc::clone(key),
            key_type: key.data_type(&input_schema)?,
            arguments: aggregate_expressions(aggregate.aggr_expr(), aggregate.mode(), 0)?,
            filters: aggregate.filter_expr().to_vec(),
            accumulators,
            schema: aggregate.schema(),
            min: exec.min,
            max: exec.max,
            seen: vec![false; exec.range()],
            others: HashMap::new(),
            other_keys: Vec::new(),
            indexes: Vec::new(),
            reservation,
        })
    }

    /// Aggregates every batch of `input`, then gives the groups' states in batches of
    /// `batch_size` rows.
    async fn run(
        mut self,
        mut input: SendableRecordBatchStream,
        baseline: BaselineMetrics,
        batch_size: usize,
    ) -> Result<Vec<RecordBatch>> {
        let mut any_rows = false;
        while let Some(batch) = input.next().await {
            let batch = batch?;
            if batch.num_rows() == 0 {
                continue;
            }
            let _timer = baseline.elapsed_compute().timer();
            self.update(&batch)?;
            any_rows = true;
        }
        if !any_rows {
            return Ok(Vec::new());
        }
        let _timer = baseline.elapsed_compute().timer();
        let all = self.emit()?;
        baseline.record_output(all.num_rows());
        let mut batches = Vec::with_capacity(all.num_rows() / batch_size.max(1) + 1);
        let mut offset = 0;
        while offset < all.num_rows() {
            let length = batch_size.max(1).min(all.num_rows() - offset);
            batches.push(all.slice(offset, length));
            offset += length;
        }
        Ok(batches)
    }

    /// Adds the rows of `batch` to their groups.
    fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        let keys = self.key.evaluate(batch)?.into_array(batch.num_rows())?;
        let keys = cast(&keys, &DataType::Int64)?;
        self.index(keys.as_primitive::<Int64Type>());
        let groups = self.seen.len() + self.other_keys.len();
        for (i, accumulator) in self.accumulators.iter_mut().enumerate() {
            let values = self.arguments[i]
                .iter()
                .map(|e| {
                    e.evaluate(batch)
                        .and_then(|v| v.into_array(batch.num_rows()))
                })
                .collect::<Result<Vec<ArrayRef>>>()?;
            let only = match &self.filters[i] {
                Some(f) => Some(f.evaluate(batch)?.into_array(batch.num_rows())?),
                None => None,
            };
            let only = only.as_ref().map(|f| f.as_boolean());
            accumulator.update_batch(&values, &self.indexes, only, groups)?;
        }
        let used = self.accumulators.iter().map(|a| a.size()).sum::<usize>()
            + self.seen.len()
            + self.indexes.capacity() * size_of::<usize>()
            + self.other_keys.capacity() * 3 * size_of::<Option<i64>>();
        self.reservation.try_resize(used)
    }

    /// The group index of each key, in `indexes`.
    fn index(&mut self, keys: &datafusion::arrow::array::Int64Array) {
        self.indexes.clear();
        self.indexes.reserve(keys.len());
        let (min, max) = (self.min, self.max);
        if keys.null_count() == 0 {
            for &key in keys.values() {
                let index = if key >= min && key <= max {
                    // In the range: no overflow.
                    let index = (key - min) as usize;
                    self.seen[index] = true;
                    index
                } else {
                    self.other(Some(key))
                };
                self.indexes.push(index);
            }
        } else {
            for key in keys.iter() {
                let index = match key {
                    Some(key) if key >= min && key <= max => {
                        let index = (key - min) as usize;
                        self.seen[index] = true;
                        index
                    }
                    other => self.other(other),
                };
                self.indexes.push(index);
            }
        }
    }

    /// The group index of a key outside the range (or null).
    fn other(&mut self, key: Option<i64>) -> usize {
        let next = self.seen.len() + self.other_keys.len();
        *self.others.entry(key).or_insert_with(|| {
            self.other_keys.push(key);
            next
        })
    }

    /// The key and the accumulators' states of every group that had a row.
    fn emit(&mut self) -> Result<RecordBatch> {
        let groups = self.seen.len() + self.other_keys.len();
        let mut keep: Vec<bool> = std::mem::take(&mut self.seen);
        let kept_keys: Int64Array = keep
            .iter()
            .enumerate()
            .filter(|(_, seen)| **seen)
            .map(|(i, _)| Some(self.min + i as i64))
            .chain(self.other_keys.iter().copied())
            .collect();
        keep.resize(groups, true);
        let mask = BooleanArray::new(BooleanBuffer::from(keep), None);
        let mut columns: Vec<ArrayRef> = vec![cast(&kept_keys, &self.key_type)?];
        for accumulator in &mut self.accumulators {
            for state in accumulator.state(EmitTo::All)? {
                if state.len() != groups {
                    return Err(DataFusionError::Internal(format!(
                        "an accumulator gave {} states for {groups} groups",
                        state.len()
                    )));
                }
                columns.push(filter(&state, &mask)?);
            }
        }
        self.reservation.free();
        Ok(RecordBatch::try_new(Arc::clone(&self.schema), columns)?)
    }
}
