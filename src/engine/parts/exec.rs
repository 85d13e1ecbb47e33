//! [`WritePartsExec`]: writes the members of each of its partitions as one part, where the
//! partition is computed (a cluster's worker), and gives one row per part.

use std::fmt;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::compute::SortOptions;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::Result;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::DataFusionError;
use datafusion::execution::TaskContext;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::{
    Distribution, EquivalenceProperties, LexRequirement, OrderingRequirements, PhysicalExpr,
    PhysicalSortRequirement,
};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, Partitioning,
    PlanProperties, ReplaceChildrenOptions, SendableRecordBatchStream,
};
use datafusion_distributed::DistributedTaskContext;
use futures::StreamExt;

use super::super::output::{Encoding, MembershipWriter, OutputSpec, Outputs};
use super::super::remote_out::{store_of, upload};
use super::wire::WireCounts;
use super::{PartProblem, PartsSpec, part_name};

/// The columns of a part's row: its URL (none when not written), what it counted (JSON), and
/// why it was not written (JSON).
pub(super) static PART_ROW: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("part", DataType::Utf8, true),
        Field::new("counts", DataType::Utf8, true),
        Field::new("problem", DataType::Utf8, true),
    ]))
});

/// Writes each partition of its input (the membership plan's rows, hashed and sorted by the
/// population key, so that a repeated key is within one partition and next to itself) as one
/// part under [`PartsSpec::folder`].
#[derive(Debug)]
pub(super) struct WritePartsExec {
    pub(super) spec: Arc<PartsSpec>,
    input: Arc<dyn ExecutionPlan>,
    properties: Arc<PlanProperties>,
}

impl WritePartsExec {
    /// The writer of `input`'s partitions.
    pub(super) fn new(spec: Arc<PartsSpec>, input: Arc<dyn ExecutionPlan>) -> Self {
        let partitions = input.output_partitioning().partition_count();
        let properties = PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&PART_ROW)),
            Partitioning::UnknownPartitioning(partitions),
            EmissionType::Final,
            Boundedness::Bounded,
        );
        WritePartsExec {
            spec,
            input,
            properties: Arc::new(properties),
        }
    }

    /// The population key: the input's first column.
    fn key(&self) -> Arc<dyn PhysicalExpr> {
        Arc::new(Column::new(&self.spec.key, 0))
    }
}

impl DisplayAs for WritePartsExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "WritePartsExec: {:?} parts to {}",
            self.spec.format, self.spec.folder
        )
    }
}

impl ExecutionPlan for WritePartsExec {
    fn name(&self) -> &'static str {
        "WritePartsExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    // Every row of a key in one partition: the key check (adjacent repeats) holds per part.
    fn required_input_distribution(&self) -> Vec<Distribution> {
        vec![Distribution::KeyPartitioned(vec![self.key()])]
    }

    // Each part sorted by key, as a local run's file is (the parts are not ranges of keys).
    fn required_input_ordering(&self) -> Vec<Option<OrderingRequirements>> {
        let ascending = SortOptions {
            descending: false,
            nulls_first: false,
        };
        let key = PhysicalSortRequirement::new(self.key(), Some(ascending));
        vec![LexRequirement::new([key]).map(OrderingRequirements::new)]
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![false]
    }

    fn replace_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
        _: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        match children.len() {
            1 => Ok(Arc::new(WritePartsExec::new(
                Arc::clone(&self.spec),
                children.swap_remove(0),
            ))),
            n => Err(DataFusionError::Internal(format!(
                "WritePartsExec takes one input, not {n}"
            ))),
        }
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let options = ReplaceChildrenOptions::new(
            datafusion::physical_plan::ChildrenPropertiesMode::Recompute,
        );
        self.replace_children(children, options)
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let input = self.input.execute(partition, Arc::clone(&context))?;
        let task = DistributedTaskContext::from_ctx(&context).task_index;
        let name = part_name(task, partition, self.spec.format);
        let spec = Arc::clone(&self.spec);
        let row = futures::stream::once(async move {
            let written = write_part(&spec, input, &name).await?;
            written.batch()
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&PART_ROW),
            row,
        )))
    }
}

/// A part as its row tells it.
enum Written {
    /// Written to this URL, with what it counted.
    Part(String, WireCounts),
    /// Not written.
    Refused(PartProblem),
}

impl Written {
    fn batch(self) -> Result<RecordBatch> {
        let (part, counts, problem) = match &self {
            Written::Part(url, counts) => (Some(url.clone()), Some(json(counts)?), None),
            Written::Refused(problem) => (None, None, Some(json(problem)?)),
        };
        let column =
            |value: Option<String>| -> ArrayRef { Arc::new(StringArray::from(vec![value])) };
        Ok(RecordBatch::try_new(
            Arc::clone(&PART_ROW),
            vec![column(part), column(counts), column(problem)],
        )?)
    }
}

/// `value` as JSON text.
fn json(value: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| DataFusionError::External(Box::new(e)))
}

/// Writes the members of `input` as the part `name` of `spec`'s folder: to a local temporary
/// file with the same writer as a local run, then uploaded. Problems of the data stop the
/// plan (as locally); the key's and the output's are the part's row.
async fn write_part(
    spec: &PartsSpec,
    mut input: SendableRecordBatchStream,
    name: &str,
) -> Result<Written> {
    let url = format!("{}/{name}", spec.folder.trim_end_matches('/'));
    let refused = |message: String| Ok(Written::Refused(PartProblem::Output(message)));
    let staging = match tempfile::Builder::new().prefix("segc-part-").tempdir() {
        Ok(dir) => dir,
        Err(e) => return refused(format!("a temporary folder for {url}: {e}")),
    };
    let local = OutputSpec {
        dir: staging.path().to_path_buf(),
        format: spec.format,
        layout: spec.layout,
    };
    let outputs = Outputs {
        columns: &spec.columns,
        hidden: &spec.hidden,
        packing: &spec.packing,
        overlaps: spec.overlaps.as_ref(),
    };
    // Parts of one worker are written side by side: one encoding thread each.
    let encoding = Encoding {
        metadata: &spec.metadata,
        threads: 1,
    };
    let mut writer = match MembershipWriter::new(&local, &outputs, &encoding, &input.schema()) {
        Ok(writer) => writer,
        Err(problem) => return refused(problem.message()),
    };
    while let Some(batch) = input.next().await {
        match writer.write_keyed(&batch?) {
            Ok(Ok(())) => {}
            Ok(Err(key)) => return Ok(Written::Refused(PartProblem::Key(key))),
            Err(problem) => return refused(problem.message()),
        }
    }
    let (file, counts) = match writer.finish() {
        Ok(finished) => finished,
        Err(problem) => return refused(problem.message()),
    };
    let (store, _, prefix) = match store_of(&spec.storage, &spec.folder) {
        Ok(store) => store,
        Err(message) => return refused(message),
    };
    let key = format!("{prefix}/{name}");
    if let Err(message) = upload(store.as_ref(), &key, file.temp_path()).await {
        return refused(message);
    }
    Ok(Written::Part(url, WireCounts::from(counts)))
}
