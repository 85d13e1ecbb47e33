//! Scans that read a test's rows from the task they execute in: a plan built once over these
//! scans serves every test of a file with the same `as_of`, each execution given its test's
//! tables in its task context (`TestTables`), so the plan is built and optimized once, not once
//! per test.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{Result, project_schema, tree_node::TreeNodeRecursion};
use datafusion::error::DataFusionError;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Expr, TableType};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::memory::MemoryStream;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
    ReplaceChildrenOptions, SendableRecordBatchStream,
};

/// The rows of every source for one execution, carried by its task context.
#[derive(Debug, Default)]
pub(super) struct TestTables {
    /// Each source's rows, by source name.
    pub batches: HashMap<String, RecordBatch>,
}

/// A source whose rows come from the executing task's [`TestTables`].
#[derive(Debug)]
pub(super) struct TestTable {
    /// The source's name.
    pub name: String,
    /// Its schema (canonical types).
    pub schema: SchemaRef,
}

#[async_trait::async_trait]
impl TableProvider for TestTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let projected = project_schema(&self.schema, projection)?;
        let properties = PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&projected)),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        Ok(Arc::new(TestScanExec {
            name: self.name.clone(),
            schema: projected,
            projection: projection.cloned(),
            properties: Arc::new(properties),
        }))
    }
}

/// Reads one source's rows from the task's [`TestTables`].
#[derive(Debug)]
struct TestScanExec {
    name: String,
    schema: SchemaRef,
    projection: Option<Vec<usize>>,
    properties: Arc<PlanProperties>,
}

impl DisplayAs for TestScanExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "TestScanExec: {}", self.name)
    }
}

impl ExecutionPlan for TestScanExec {
    fn name(&self) -> &'static str {
        "TestScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        _: Vec<Arc<dyn ExecutionPlan>>,
        _: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn with_new_children(
        self: Arc<Self>,
        _: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(
        &self,
        _partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let config = context.session_config();
        let tables = config.get_extension::<TestTables>().ok_or_else(|| {
            DataFusionError::Internal(format!("no test rows for `{}`", self.name))
        })?;
        let batch = tables.batches.get(&self.name).ok_or_else(|| {
            DataFusionError::Internal(format!("no test rows for `{}`", self.name))
        })?;
        Ok(Box::pin(MemoryStream::try_new(
            vec![batch.clone()],
            Arc::clone(&self.schema),
            self.projection.clone(),
        )?))
    }
}
