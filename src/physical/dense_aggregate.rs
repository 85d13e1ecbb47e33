//! `DenseAggregateExec`: a phase of a grouped aggregate over one integer key, its groups
//! numbered by a `KeyIndex` (an array over the keys' range) instead of DataFusion's hash table
//! (DuckDB's "perfect hash aggregate", without needing the range in advance).
//!
//! The accumulators are DataFusion's own (`GroupsAccumulator`, the ones `AggregateExec` would
//! use, with the same filters and arguments); only the mapping of keys to group indexes
//! changes. The output is the `AggregateExec`'s (the key, then each aggregate's state in a
//! partial phase or its value in a final one), one row per key, so the plan around it is
//! unchanged.

use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch};
use datafusion::arrow::buffer::{NullBuffer, ScalarBuffer};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type, SchemaRef};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result, internal_err};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{EmitTo, GroupsAccumulator};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::aggregates::{
    AggregateExec, AggregateInputMode, AggregateMode, AggregateOutputMode, aggregate_expressions,
};
use datafusion::physical_plan::metrics::{BaselineMetrics, ExecutionPlanMetricsSet, MetricsSet};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties,
    execution_plan::ReplaceChildrenOptions,
};
use futures::{StreamExt, TryStreamExt};

use super::fits_i64;
use super::key_index::KeyIndex;

/// The phase `aggregate` (an `AggregateExec` grouping by one integer expression) with its
/// groups numbered by a `KeyIndex` (an array over the keys' range).
#[derive(Debug)]
pub struct DenseAggregateExec {
    aggregate: Arc<AggregateExec>,
    metrics: ExecutionPlanMetricsSet,
}

impl DenseAggregateExec {
    /// The dense version of `aggregate`; `None` when `aggregate` does not group by one
    /// integer key (at most 64 bits, signed, or unsigned of at most 32) whose
    /// accumulators all work by group index.
    pub fn try_new(aggregate: Arc<AggregateExec>) -> Option<Self> {
        let group_by = aggregate.group_expr();
        let single_key = group_by.is_single() && group_by.expr().len() == 1;
        let integer_key = single_key
            && group_by.expr()[0]
                .0
                .data_type(&aggregate.input().schema())
                .is_ok_and(|t| fits_i64(&t));
        let by_index = aggregate
            .aggr_expr()
            .iter()
            .all(|a| a.groups_accumulator_supported() && a.order_bys().is_empty());
        let plain = aggregate.limit_options().is_none();
        (integer_key && by_index && plain).then(|| DenseAggregateExec {
            aggregate,
            metrics: ExecutionPlanMetricsSet::new(),
        })
    }

    /// The aggregate this phase computes.
    pub fn aggregate(&self) -> &Arc<AggregateExec> {
        &self.aggregate
    }
}

impl DisplayAs for DenseAggregateExec {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "DenseAggregateExec: ")?;
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
        match DenseAggregateExec::try_new(aggregate) {
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
        let options = &context.session_config().options().execution;
        // Only a partial phase may pass rows on ungrouped: a later phase groups them.
        let probe = (*self.aggregate.mode() == AggregateMode::Partial).then_some(Probe {
            rows: options.skip_partial_aggregation_probe_rows_threshold,
            ratio: options.skip_partial_aggregation_probe_ratio_threshold,
        });
        let batch_size = context.session_config().batch_size();
        let aggregate = Arc::clone(&self.aggregate);
        let schema = self.schema();
        let batches = futures::stream::once(async move {
            let (batches, rest) = groups.run(input, probe, baseline, batch_size).await?;
            let ours = futures::stream::iter(batches.into_iter().map(Ok));
            Ok::<_, DataFusionError>(match rest {
                None => ours.boxed(),
                Some(rest) => ours.chain(hashed(&aggregate, rest, context)?).boxed(),
            })
        })
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
    /// Whether the input holds states to merge (else rows to aggregate).
    merges: bool,
    /// Whether the output holds the aggregates' values (else their states).
    finishes: bool,
    filters: Vec<Option<Arc<dyn PhysicalExpr>>>,
    accumulators: Vec<Box<dyn GroupsAccumulator>>,
    schema: datafusion::arrow::datatypes::SchemaRef,
    index: KeyIndex,
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
            // A merging phase reads the states after the key.
            arguments: aggregate_expressions(aggregate.aggr_expr(), aggregate.mode(), 1)?,
            merges: aggregate.mode().input_mode() == AggregateInputMode::Partial,
            finishes: aggregate.mode().output_mode() == AggregateOutputMode::Final,
            filters: aggregate.filter_expr().to_vec(),
            accumulators,
            schema: aggregate.schema(),
            index: KeyIndex::default(),
            indexes: Vec::new(),
            reservation,
        })
    }

    /// Aggregates the batches of `input`, then gives the groups' states in batches of
    /// `batch_size` rows, and the rest of `input` when the probe found the keys barely
    /// repeating (DataFusion's hash aggregate then passes its rows on without grouping them).
    async fn run(
        mut self,
        mut input: SendableRecordBatchStream,
        probe: Option<Probe>,
        baseline: BaselineMetrics,
        batch_size: usize,
    ) -> Result<(Vec<RecordBatch>, Option<SendableRecordBatchStream>)> {
        let mut rows = 0;
        let mut rest = None;
        while let Some(batch) = input.next().await {
            let batch = batch?;
            if batch.num_rows() == 0 {
                continue;
            }
            let _timer = baseline.elapsed_compute().timer();
            self.update(&batch)?;
            let before = rows;
            rows += batch.num_rows();
            if let Some(probe) = probe
                && before < probe.rows
                && rows >= probe.rows
                && probe.hands_off(self.index.len(), rows)
            {
                rest = Some(input);
                break;
            }
        }
        if self.index.len() == 0 {
            return Ok((Vec::new(), rest));
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
        Ok((batches, rest))
    }

    /// Adds the rows of `batch` to their groups.
    fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        let keys = self.key.evaluate(batch)?.into_array(batch.num_rows())?;
        let keys = cast(&keys, &DataType::Int64)?;
        let keys = keys.as_primitive::<Int64Type>();
        self.indexes.clear();
        self.indexes.reserve(keys.len());
        if keys.null_count() == 0 {
            self.index
                .groups_of_values(keys.values(), &mut self.indexes);
        } else {
            self.index.groups_of(keys.iter(), &mut self.indexes);
        }
        let groups = self.index.len();
        for (i, accumulator) in self.accumulators.iter_mut().enumerate() {
            let values = self.arguments[i]
                .iter()
                .map(|e| {
                    e.evaluate(batch)
                        .and_then(|v| v.into_array(batch.num_rows()))
                })
                .collect::<Result<Vec<ArrayRef>>>()?;
            if self.merges {
                accumulator.merge_batch(&values, &self.indexes, groups)?;
                continue;
            }
            let only = match &self.filters[i] {
                Some(f) => Some(f.evaluate(batch)?.into_array(batch.num_rows())?),
                None => None,
            };
            let only = only.as_ref().map(|f| f.as_boolean());
            accumulator.update_batch(&values, &self.indexes, only, groups)?;
        }
        let used = self.accumulators.iter().map(|a| a.size()).sum::<usize>()
            + self.index.size()
            + self.indexes.capacity() * size_of::<usize>();
        self.reservation.try_resize(used)
    }

    /// The key and the accumulators' states of every group, in group order.
    fn emit(&mut self) -> Result<RecordBatch> {
        let groups = self.index.len();
        let (keys, null) = std::mem::take(&mut self.index).into_keys();
        let nulls = null.map(|n| NullBuffer::from_iter((0..groups).map(|g| g != n)));
        let keys = Int64Array::new(ScalarBuffer::from(keys), nulls);
        let mut columns: Vec<ArrayRef> = vec![cast(&keys, &self.key_type)?];
        for accumulator in &mut self.accumulators {
            let emitted = match self.finishes {
                true => vec![accumulator.evaluate(EmitTo::All)?],
                false => accumulator.state(EmitTo::All)?,
            };
            for state in emitted {
                if state.len() != groups {
                    return Err(DataFusionError::Internal(format!(
                        "an accumulator gave {} states for {groups} groups",
                        state.len()
                    )));
                }
                columns.push(state);
            }
        }
        self.reservation.free();
        Ok(RecordBatch::try_new(Arc::clone(&self.schema), columns)?)
    }
}

/// When a partition's keys barely repeat, DataFusion's hash aggregate stops grouping and passes
/// rows on as states (`skip_partial_aggregation_probe_*`): then nothing is gained by dense
/// groups, and holding a partial group per key of every partition costs memory (a file of
/// shuffled events at SF 1: 220 MiB more at the peak, bench/README.md). The same probe, after
/// the same rows, hands the rest of the input to DataFusion's aggregate.
#[derive(Debug, Clone, Copy)]
struct Probe {
    rows: usize,
    ratio: f64,
}

impl Probe {
    fn hands_off(self, groups: usize, rows: usize) -> bool {
        groups as f64 >= self.ratio * rows as f64
    }
}

/// DataFusion's partial aggregate `aggregate` over the stream `rest` (of its input's schema).
fn hashed(
    aggregate: &Arc<AggregateExec>,
    rest: SendableRecordBatchStream,
    context: Arc<TaskContext>,
) -> Result<SendableRecordBatchStream> {
    let source = Rest {
        schema: rest.schema(),
        stream: Mutex::new(Some(rest)),
    };
    let source = StreamingTableExec::try_new(
        Arc::clone(&source.schema),
        vec![Arc::new(source)],
        None,
        Vec::new(),
        false,
        None,
    )?;
    let plan = (Arc::clone(aggregate) as Arc<dyn ExecutionPlan>).replace_children(
        vec![Arc::new(source)],
        ReplaceChildrenOptions::new(
            datafusion::physical_plan::execution_plan::ChildrenPropertiesMode::Recompute,
        ),
    )?;
    plan.execute(0, context)
}

/// The rest of a partition's input, given once.
struct Rest {
    schema: SchemaRef,
    stream: Mutex<Option<SendableRecordBatchStream>>,
}

impl std::fmt::Debug for Rest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rest")
    }
}

impl PartitionStream for Rest {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _: Arc<TaskContext>) -> SendableRecordBatchStream {
        let taken = self.stream.lock().ok().and_then(|mut s| s.take());
        taken.unwrap_or_else(|| {
            let again = futures::stream::once(async {
                internal_err!("the rest of an aggregate's input was read twice")
            });
            Box::pin(RecordBatchStreamAdapter::new(
                Arc::clone(&self.schema),
                again,
            ))
        })
    }
}
