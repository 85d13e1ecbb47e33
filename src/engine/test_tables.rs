//! The sources of a `test` item as in-memory tables: its rows (typed by the checker) or a small
//! CSV file next to the rules, registered in place of the sources' data, so that a test runs
//! the same plans as `segc run`.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::TableProvider;
use datafusion::common::ScalarValue;
use datafusion::datasource::MemTable;

use super::Engine;
use crate::diagnostics::{DataDiagnostic, Diagnostic};
use crate::hir::{self, RowValue, TestRows};
use crate::lower::{MembershipPlan, Params, Selection};

impl Engine {
    /// Registers every source of `program` as an in-memory table holding the rows `test` gives
    /// it (none for the sources it does not mention). CSV files are read from `base`.
    pub fn register_test(
        &mut self,
        program: &hir::Program,
        test: &hir::RuleTest,
        base: &Path,
    ) -> Result<(), Diagnostic> {
        self.tables.clear();
        for (index, source) in program.sources.iter().enumerate() {
            let schema = test_schema(source);
            let batch = test_batch(&schema, source, index, test, base, &self.roots)?;
            let table = MemTable::try_new(Arc::clone(&schema), vec![vec![batch]])
                .map_err(|e| failed(source.span, e.to_string()))?;
            self.tables.insert(
                source.name.clone(),
                Arc::new(table) as Arc<dyn TableProvider>,
            );
        }
        Ok(())
    }

    /// Runs the membership plan of `selection` (the plan `segc run` writes) and gives its
    /// batches as the key and one column per output, named after the outputs.
    pub async fn membership_batches(
        &self,
        program: &hir::Program,
        params: Params,
        selection: &Selection,
    ) -> Result<Vec<RecordBatch>, Diagnostic> {
        let MembershipPlan {
            plan,
            outputs,
            packing,
        } = self.membership_plan(program, params, selection).await?;
        let batches = self.collect(program, &plan).await?;
        let names: Vec<String> = outputs
            .iter()
            .map(|o| program.output_name(*o).to_string())
            .collect();
        let schema = super::unpack::unpacked_schema(&packing, plan.schema().as_arrow(), &names);
        let span = program.population().span;
        batches
            .iter()
            .map(|b| super::unpack::unpacked(&packing, b, &schema))
            .collect::<Result<_, _>>()
            .map_err(|e| failed(span, e.to_string()))
    }
}

/// A source's declared columns with their canonical types, every one nullable (a CSV file
/// may leave a value out; the checker already refused nulls in inline rows).
fn test_schema(source: &hir::Source) -> SchemaRef {
    let declared = crate::lower::declared_schema(source);
    let fields: Vec<Field> = declared
        .fields()
        .iter()
        .map(|f| f.as_ref().clone().with_nullable(true))
        .collect();
    Arc::new(Schema::new(fields))
}

fn failed(span: crate::span::Span, message: String) -> Diagnostic {
    Diagnostic::Data(DataDiagnostic::DataError { span, message })
}

/// The rows written in a test, one array per column.
fn inline_batch(
    schema: &SchemaRef,
    rows: &[Vec<RowValue>],
    span: crate::span::Span,
) -> Result<RecordBatch, Diagnostic> {
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (index, field) in schema.fields().iter().enumerate() {
        let ty = field.data_type();
        let values = rows
            .iter()
            .map(|row| scalar(row.get(index).unwrap_or(&RowValue::Null), ty))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| failed(span, e.to_string()))?;
        let array = match values.is_empty() {
            true => datafusion::arrow::array::new_empty_array(ty),
            false => ScalarValue::iter_to_array(values).map_err(|e| failed(span, e.to_string()))?,
        };
        let array = match array.data_type() == ty {
            true => array,
            false => cast(&array, ty).map_err(|e| failed(span, e.to_string()))?,
        };
        columns.push(array);
    }
    RecordBatch::try_new(Arc::clone(schema), columns).map_err(|e| failed(span, e.to_string()))
}

/// A value as a scalar of the column's canonical type `ty`.
fn scalar(value: &RowValue, ty: &DataType) -> datafusion::error::Result<ScalarValue> {
    Ok(match value {
        RowValue::Null => ScalarValue::try_from(ty)?,
        RowValue::Int(i) => ScalarValue::Int64(Some(*i)),
        RowValue::Float(f) => ScalarValue::Float64(Some(*f)),
        RowValue::Decimal(v) => match ty {
            DataType::Decimal128(p, s) => ScalarValue::Decimal128(Some(*v), *p, *s),
            _ => ScalarValue::Decimal128(Some(*v), 38, 0),
        },
        RowValue::Text(s) => ScalarValue::Utf8(Some(s.clone())),
        RowValue::Bool(b) => ScalarValue::Boolean(Some(*b)),
        RowValue::Date(d) => {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
            let days = i32::try_from((*d - epoch).num_days()).unwrap_or(i32::MAX);
            ScalarValue::Date32(Some(days))
        }
        RowValue::Timestamp(t) => {
            ScalarValue::TimestampMicrosecond(Some(t.and_utc().timestamp_micros()), None)
        }
    })
}

/// The rows of a CSV file with a header line: every field read as text, then each declared
/// column cast to its type (a column the file lacks is null, or E0702 when declared without
/// `?`).
fn csv_batch(
    schema: &SchemaRef,
    source: &hir::Source,
    path: &Path,
    span: crate::span::Span,
) -> Result<RecordBatch, Diagnostic> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|_| {
        Diagnostic::Data(DataDiagnostic::DataNotFound {
            span,
            location: shown.clone(),
        })
    })?;
    let read = |e: &dyn std::fmt::Display| failed(span, format!("{shown}: {e}"));
    let mut reader = std::io::BufReader::new(file);
    let header = datafusion::arrow::csv::reader::Format::default().with_header(true);
    let (file_schema, _) = header
        .infer_schema(&mut reader, Some(0))
        .map_err(|e| read(&e))?;
    let text = Arc::new(Schema::new(
        file_schema
            .fields()
            .iter()
            .map(|f| Field::new(f.name(), DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let file = std::fs::File::open(path).map_err(|e| read(&e))?;
    let reader = datafusion::arrow::csv::ReaderBuilder::new(Arc::clone(&text))
        .with_header(true)
        .build(file)
        .map_err(|e| read(&e))?;
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| read(&e))?;
    let all = datafusion::arrow::compute::concat_batches(&text, &batches).map_err(|e| read(&e))?;
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (field, column) in schema.fields().iter().zip(&source.columns) {
        let array = match all.column_by_name(field.name()) {
            Some(values) => {
                let values: ArrayRef = blank_as_null(values);
                cast(&values, field.data_type()).map_err(|e| read(&e))?
            }
            None if column.nullable => {
                datafusion::arrow::array::new_null_array(field.data_type(), all.num_rows())
            }
            None => {
                return Err(Diagnostic::Data(DataDiagnostic::ColumnNotInData {
                    source: source.name.clone(),
                    column: column.name.clone(),
                    span: column.span,
                    candidates: crate::suggest::similar(
                        &column.name,
                        text.fields().iter().map(|f| f.name().as_str()),
                    ),
                    file: Some(shown.clone()),
                    others: 0,
                }));
            }
        };
        columns.push(array);
    }
    RecordBatch::try_new(Arc::clone(schema), columns).map_err(|e| read(&e))
}

/// The first key given to two rows of a CSV file's `batch`, for a source with a key: inline
/// rows are checked so by `segc check`, a file's rows only once read.
fn repeated_key(
    batch: &RecordBatch,
    source: &hir::Source,
    path: &str,
    span: crate::span::Span,
) -> Option<crate::diagnostics::TestDiagnostic> {
    let keys = cast(batch.column(source.key?), &DataType::Utf8).ok()?;
    let keys = keys.as_string::<i32>();
    let mut seen = std::collections::HashMap::with_capacity(batch.num_rows());
    for (row, key) in keys.iter().enumerate() {
        let Some(key) = key else { continue };
        if let Some(first) = seen.insert(key, row) {
            let textual = source.key_column().is_some_and(|k| k.ty.is_textual());
            return Some(crate::diagnostics::TestDiagnostic::RepeatedKeyInFile {
                source: source.name.clone(),
                key: if textual {
                    format!("{key:?}")
                } else {
                    key.to_string()
                },
                file: path.to_string(),
                rows: (first + 1, row + 1),
                span,
            });
        }
    }
    None
}

/// Text values with empty fields as nulls (as segc reads CSV data).
fn blank_as_null(values: &ArrayRef) -> ArrayRef {
    let strings = values.as_any().downcast_ref::<StringArray>();
    match strings {
        Some(strings) => Arc::new(
            strings
                .iter()
                .map(|v| v.filter(|s| !s.is_empty()))
                .collect::<StringArray>(),
        ),
        None => Arc::clone(values),
    }
}

/// The plans of the tests of one `as_of`, built once over `test_scan`
/// tables: each test executes a fresh copy with its rows in its task context.
#[derive(Clone)]
pub struct PreparedTests {
    membership: Arc<dyn datafusion::physical_plan::ExecutionPlan>,
    packing: crate::lower::Packing,
    /// The unpacked batches' schema.
    unpacked: SchemaRef,
    kpis: Option<(
        Arc<dyn datafusion::physical_plan::ExecutionPlan>,
        crate::lower::KpiPlan,
    )>,
    ctx: datafusion::prelude::SessionContext,
    span: crate::span::Span,
}

impl Engine {
    /// An engine for `segc test`: one partition per plan (tests hold a few rows; they run side
    /// by side instead), and no dynamic filters, so that a physical plan can be executed again.
    pub fn for_tests() -> Result<Engine, Diagnostic> {
        let mut engine = Engine::new(super::EngineOptions {
            threads: Some(1),
            memory_limit: None,
        })?;
        // One partition, not the partitions per thread of a run.
        let mut config = super::session_config(Some(1)).with_target_partitions(1);
        let optimizer = &mut config.options_mut().optimizer;
        optimizer.enable_dynamic_filter_pushdown = false;
        optimizer.enable_join_dynamic_filter_pushdown = false;
        optimizer.enable_topk_dynamic_filter_pushdown = false;
        optimizer.enable_aggregate_dynamic_filter_pushdown = false;
        engine.ctx = datafusion::prelude::SessionContext::new_with_config_rt(
            config,
            engine.ctx.runtime_env(),
        );
        Ok(engine)
    }

    /// Registers every source of `program` as a table whose rows each execution brings.
    pub fn register_test_scans(&mut self, program: &hir::Program) {
        self.tables.clear();
        for source in &program.sources {
            let table = super::test_scan::TestTable {
                name: source.name.clone(),
                schema: test_schema(source),
            };
            self.tables.insert(
                source.name.clone(),
                Arc::new(table) as Arc<dyn TableProvider>,
            );
        }
    }

    /// The membership plan (and with `kpis`, the KPI plan) at `params`, lowered, optimized and
    /// physically planned once; `None` when the program ranks members (its plans then depend
    /// on the rows: each test plans its own).
    pub async fn prepare_tests(
        &self,
        program: &hir::Program,
        params: Params,
        kpis: bool,
    ) -> Result<Option<PreparedTests>, Diagnostic> {
        let selection = Selection::All;
        let wanted = crate::lower::Wanted::Outputs(&selection);
        let (passes, ranks) = crate::lower::planned_passes(program, self, params, wanted, false)?;
        if !passes.is_empty() {
            return Ok(None);
        }
        let span = program.population().span;
        let plan = crate::lower::membership_plan(program, self, params, &selection, &ranks)?;
        let names: Vec<String> = plan
            .outputs
            .iter()
            .map(|o| program.output_name(*o).to_string())
            .collect();
        let unpacked =
            super::unpack::unpacked_schema(&plan.packing, plan.plan.schema().as_arrow(), &names);
        let membership = self.physical_plan(&plan.plan, span).await?;
        let kpis = match kpis && !program.kpis.is_empty() {
            false => None,
            true => {
                let ids: Vec<hir::KpiId> = (0..program.kpis.len()).map(hir::KpiId).collect();
                let wanted = crate::lower::Wanted::Kpis(&ids);
                let (passes, ranks) =
                    crate::lower::planned_passes(program, self, params, wanted, false)?;
                if !passes.is_empty() {
                    return Ok(None);
                }
                let kpi = crate::lower::kpi_plan(program, self, params, &ids, &ranks)?;
                Some((self.physical_plan(&kpi.plan, span).await?, kpi))
            }
        };
        Ok(Some(PreparedTests {
            membership,
            packing: plan.packing,
            unpacked,
            kpis,
            ctx: self.ctx.clone(),
            span,
        }))
    }

    /// The tables of `test`: its rows, or its CSV files read from `base` (refused outside
    /// `roots`, E0717).
    pub fn test_rows(
        program: &hir::Program,
        test: &hir::RuleTest,
        base: &Path,
        roots: &super::DataRoots,
    ) -> Result<TestRowsIn, Diagnostic> {
        let mut batches = std::collections::HashMap::new();
        for (index, source) in program.sources.iter().enumerate() {
            let schema = test_schema(source);
            let batch = test_batch(&schema, source, index, test, base, roots)?;
            batches.insert(source.name.clone(), batch);
        }
        Ok(TestRowsIn(super::test_scan::TestTables { batches }))
    }
}

/// The rows `test` gives the source `source` (number `index`), in `schema`: none, its inline
/// rows, or its CSV file read from `base` (refused outside `roots`, E0717).
fn test_batch(
    schema: &SchemaRef,
    source: &hir::Source,
    index: usize,
    test: &hir::RuleTest,
    base: &Path,
    roots: &super::DataRoots,
) -> Result<RecordBatch, Diagnostic> {
    let given = test.data.iter().find(|d| d.source.0 == index);
    Ok(match given.map(|d| &d.rows) {
        None => RecordBatch::new_empty(Arc::clone(schema)),
        Some(TestRows::Inline(rows)) => inline_batch(schema, rows, source.span)?,
        Some(TestRows::Csv { path, span }) => {
            let file = base.join(path);
            if !roots.admits(&file) {
                return Err(Diagnostic::Data(DataDiagnostic::DataOutsideRoots {
                    span: *span,
                    location: file.display().to_string(),
                    roots: roots.shown().to_vec(),
                }));
            }
            let batch = csv_batch(schema, source, &file, *span)?;
            if let Some(problem) = repeated_key(&batch, source, path, *span) {
                return Err(Diagnostic::Test(problem));
            }
            batch
        }
    })
}

/// The rows of one test, ready for [`PreparedTests::run`].
pub struct TestRowsIn(super::test_scan::TestTables);

impl PreparedTests {
    /// Executes the prepared plans over `rows`: the membership batches unpacked (the key and
    /// one column per output), and the KPI values when prepared with KPIs.
    pub async fn run(
        self,
        program: Arc<hir::Program>,
        rows: TestRowsIn,
    ) -> Result<(Vec<RecordBatch>, Vec<crate::judge::Measured>), Diagnostic> {
        let failed_at = |e: datafusion::error::DataFusionError| failed(self.span, e.to_string());
        let config = self.ctx.copied_config().with_extension(Arc::new(rows.0));
        let task = Arc::new(
            datafusion::execution::TaskContext::from(&self.ctx).with_session_config(config),
        );
        let plan = datafusion::physical_plan::execution_plan::reset_plan_states(self.membership)
            .map_err(failed_at)?;
        let batches = datafusion::physical_plan::collect(plan, Arc::clone(&task))
            .await
            .map_err(failed_at)?;
        let members = batches
            .iter()
            .map(|b| super::unpack::unpacked(&self.packing, b, &self.unpacked))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| failed(self.span, e.to_string()))?;
        let measured = match self.kpis {
            None => Vec::new(),
            Some((plan, kpi)) => {
                let plan = datafusion::physical_plan::execution_plan::reset_plan_states(plan)
                    .map_err(failed_at)?;
                let batches = datafusion::physical_plan::collect(plan, task)
                    .await
                    .map_err(failed_at)?;
                let engine = Engine::new(super::EngineOptions::default())?;
                engine.read_measures(&program, &kpi, &batches).await?
            }
        };
        Ok((members, measured))
    }
}
