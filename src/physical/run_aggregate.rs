//! `RunAggregateExec`: the first (partial) phase of a grouped aggregate over one integer key,
//! with each run of equal keys looked up once.
//!
//! Exports are usually written by key (orders and events by customer): DataFusion's
//! `GroupValuesPrimitive` hashes and probes every row's key all the same, and that interning,
//! with its table's growth, was a quarter of the benchmark's CPU (bench/README.md, issue 23).
//! Here a row whose key equals the previous row's takes the previous row's group without
//! hashing; other rows look their key up in a hash map, so unsorted input is grouped exactly
//! as before, at about the same cost.
//!
//! The accumulators are DataFusion's own (`GroupsAccumulator`, the ones `AggregateExec` would
//! use, with the same filters and arguments); only the mapping of keys to group indexes
//! changes. The output is `AggregateExec`'s in partial mode (the key, then each aggregate's
//! state), one row per key seen, so the repartition and final phase after it are unchanged.
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch};
use datafusion::arrow::compute::cast;
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
use futures::StreamExt;

/// The partial phase of `aggregate` (an `AggregateExec` in `Partial` mode grouping by one
/// integer expression), runs of equal keys looked up once.
#[derive(Debug)]
pub struct RunAggregateExec {
    aggregate: Arc<AggregateExec>,
    metrics: ExecutionPlanMetricsSet,
}

impl RunAggregateExec {
    /// The run-aware version of `aggregate`; `None` when `aggregate` is not a partial aggregate
    /// of one key whose accumulators all work by group index.
    pub fn try_new(aggregate: Arc<AggregateExec>) -> Option<Self> {
        let group_by = aggregate.group_expr();
        let single_key = group_by.is_single() && group_by.expr().len() == 1;
        let by_index = aggregate
            .aggr_expr()
            .iter()
            .all(|a| a.groups_accumulator_supported() && a.order_bys().is_empty());
        let plain =
            *aggregate.mode() == AggregateMode::Partial && aggregate.limit_options().is_none();
        (single_key && by_index && plain).then(|| RunAggregateExec {
            aggregate,
            metrics: ExecutionPlanMetricsSet::new(),
        })
    }
}

impl DisplayAs for RunAggregateExec {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "RunAggregateExec: ")?;
        self.aggregate.fmt_as(t, f)
    }
}

impl ExecutionPlan for RunAggregateExec {
    fn name(&self) -> &str {
        "RunAggregateExec"
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
        match RunAggregateExec::try_new(aggregate) {
            Some(runs) => Ok(Arc::new(runs)),
            None => internal_err!("an aggregate's copy cannot group by runs"),
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
        let reservation = MemoryConsumer::new(format!("RunAggregateExec[{partition}]"))
            .register(context.memory_pool());
        let groups = Groups::new(self, reservation)?;
        let options = &context.session_config().options().execution;
        let skip = SkipProbe {
            rows: options.skip_partial_aggregation_probe_rows_threshold,
            ratio: options.skip_partial_aggregation_probe_ratio_threshold,
        };
        let run = Run {
            groups,
            input,
            baseline: BaselineMetrics::new(&self.metrics, partition),
            batch_size: context.session_config().batch_size().max(1),
            skip,
            skipping: false,
            rows: 0,
            pending: VecDeque::new(),
            done: false,
        };
        let schema = self.schema();
        let batches = futures::stream::unfold(run, |mut run| async move {
            let next = run.next().await;
            next.map(|batch| (batch, run))
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, batches)))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }
}

/// When a partial aggregate stops grouping (DataFusion's rule and settings): once `rows`
/// rows are read, if there are more than `ratio` groups per row (unique keys: grouping would
/// build a table of every row for nothing), each later row becomes its own group's state.
struct SkipProbe {
    rows: usize,
    ratio: f64,
}

/// One partition's execution: the input read into the groups, then their states given in
/// batches; or, once the probe says so, the groups so far and then each row's own state.
struct Run {
    groups: Groups,
    input: SendableRecordBatchStream,
    baseline: BaselineMetrics,
    batch_size: usize,
    skip: SkipProbe,
    skipping: bool,
    /// The rows grouped so far.
    rows: usize,
    /// Output batches not yet given.
    pending: VecDeque<RecordBatch>,
    done: bool,
}

impl Run {
    /// The next output batch, `None` at the end (and after an error).
    async fn next(&mut self) -> Option<Result<RecordBatch>> {
        loop {
            if let Some(batch) = self.pending.pop_front() {
                self.baseline.record_output(batch.num_rows());
                return Some(Ok(batch));
            }
            if self.done {
                return None;
            }
            let step = match self.input.next().await {
                Some(Ok(batch)) => self.take(&batch),
                Some(Err(e)) => Err(e),
                None => {
                    self.done = true;
                    self.flush()
                }
            };
            if let Err(e) = step {
                self.done = true;
                self.pending.clear();
                return Some(Err(e));
            }
        }
    }

    /// Groups `batch`, or turns each of its rows into a state when skipping.
    fn take(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let elapsed = self.baseline.elapsed_compute().clone();
        let _timer = elapsed.timer();
        if self.skipping {
            let states = self.groups.row_states(batch)?;
            self.pending.push_back(states);
            return Ok(());
        }
        self.groups.update(batch)?;
        self.rows += batch.num_rows();
        let groups = self.groups.keys.len();
        if self.rows >= self.skip.rows && groups as f64 / self.rows as f64 > self.skip.ratio {
            self.skipping = true;
            self.emit_groups()?;
        }
        Ok(())
    }

    /// At the end of the input: the groups' states.
    fn flush(&mut self) -> Result<()> {
        let elapsed = self.baseline.elapsed_compute().clone();
        let _timer = elapsed.timer();
        self.emit_groups()
    }

    /// The states of the groups so far, in batches of `batch_size` rows.
    fn emit_groups(&mut self) -> Result<()> {
        if self.groups.keys.is_empty() {
            return Ok(());
        }
        let all = self.groups.emit()?;
        let mut offset = 0;
        while offset < all.num_rows() {
            let length = self.batch_size.min(all.num_rows() - offset);
            self.pending.push_back(all.slice(offset, length));
            offset += length;
        }
        Ok(())
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
    /// The group index of each key seen (foldhash: SipHash would cost more than the probe).
    groups: HashMap<i64, usize, foldhash::fast::RandomState>,
    /// The group of the null key, if one was seen.
    null_group: Option<usize>,
    /// Each group's key, by group index.
    keys: Vec<Option<i64>>,
    /// The last key looked up and its group: a row with the same key needs no lookup.
    last: Option<(i64, usize)>,
    /// The group index of each row of the current batch.
    indexes: Vec<usize>,
    reservation: MemoryReservation,
}

impl Groups {
    fn new(exec: &RunAggregateExec, reservation: MemoryReservation) -> Result<Groups> {
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
            groups: HashMap::default(),
            null_group: None,
            keys: Vec::new(),
            last: None,
            indexes: Vec::new(),
            reservation,
        })
    }

    /// Adds the rows of `batch` to their groups.
    fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        let keys = self.key.evaluate(batch)?.into_array(batch.num_rows())?;
        let keys = cast(&keys, &DataType::Int64)?;
        self.index(keys.as_primitive::<Int64Type>());
        let groups = self.keys.len();
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
            + self.groups.capacity() * (size_of::<(i64, usize)>() + 1)
            + self.keys.capacity() * size_of::<Option<i64>>()
            + self.indexes.capacity() * size_of::<usize>();
        self.reservation.try_resize(used)
    }

    /// Each row of `batch` as its own group: its key and each aggregate's state of that row
    /// alone (DataFusion's skipped partial aggregation).
    fn row_states(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        let rows = batch.num_rows();
        let mut columns = vec![self.key.evaluate(batch)?.into_array(rows)?];
        for (i, accumulator) in self.accumulators.iter().enumerate() {
            let values = self.arguments[i]
                .iter()
                .map(|e| e.evaluate(batch).and_then(|v| v.into_array(rows)))
                .collect::<Result<Vec<ArrayRef>>>()?;
            let only = match &self.filters[i] {
                Some(f) => Some(f.evaluate(batch)?.into_array(rows)?),
                None => None,
            };
            let only = only.as_ref().map(|f| f.as_boolean());
            columns.extend(accumulator.convert_to_state(&values, only)?);
        }
        Ok(RecordBatch::try_new(Arc::clone(&self.schema), columns)?)
    }

    /// The group index of each key, in `indexes`.
    fn index(&mut self, keys: &Int64Array) {
        self.indexes.clear();
        self.indexes.reserve(keys.len());
        if keys.null_count() == 0 {
            for &key in keys.values() {
                let group = self.group(key);
                self.indexes.push(group);
            }
        } else {
            for key in keys.iter() {
                let group = match key {
                    Some(key) => self.group(key),
                    None => self.null_group(),
                };
                self.indexes.push(group);
            }
        }
    }

    /// The group of `key`: the last one's when it is the same key, else looked up.
    #[inline]
    fn group(&mut self, key: i64) -> usize {
        if let Some((last, group)) = self.last
            && last == key
        {
            return group;
        }
        let next = self.keys.len();
        let group = *self.groups.entry(key).or_insert(next);
        if group == next {
            self.keys.push(Some(key));
        }
        self.last = Some((key, group));
        group
    }

    /// The group of the null key.
    fn null_group(&mut self) -> usize {
        *self.null_group.get_or_insert_with(|| {
            self.keys.push(None);
            self.keys.len() - 1
        })
    }

    /// The key and the accumulators' states of every group.
    fn emit(&mut self) -> Result<RecordBatch> {
        let groups = self.keys.len();
        let keys: Int64Array = std::mem::take(&mut self.keys).into_iter().collect();
        self.groups = HashMap::default();
        self.null_group = None;
        self.last = None;
        let mut columns: Vec<ArrayRef> = vec![cast(&keys, &self.key_type)?];
        for accumulator in &mut self.accumulators {
            for state in accumulator.state(EmitTo::All)? {
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
