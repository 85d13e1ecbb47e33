//! Writing the membership to a Delta table (`segc run --format delta --out TABLE`).
//!
//! The table is partitioned by `as_of`: each run replaces its date's partition with its
//! members in one Delta transaction (an overwrite with the predicate `as_of = DATE`), so the
//! table keeps the history of every segment's members, readable by any Delta reader at any
//! version. The transaction is the commit point: a run that fails or is killed before it
//! leaves the table as it was (its data files unreferenced, for `VACUUM`). Columns of new
//! segments are merged into the table's schema; rows of earlier dates have them null.
//!
//! The members stream through deltalake's writer as a one-shot table: nothing is collected in
//! memory, and the key check and the summary's tallies happen on the way, as for files.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use datafusion::arrow::array::{ArrayRef, Date32Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::streaming::StreamingTable;
use datafusion::common::ScalarValue;
use datafusion::datasource::MemTable;
use datafusion::datasource::provider_as_source;
use datafusion::error::DataFusionError;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, col, lit};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use datafusion::prelude::SessionContext;
use deltalake_core::delta_datafusion::planner::DeltaPlanner;
use deltalake_core::kernel::transaction::CommitProperties;
use deltalake_core::logstore::LogStoreRef;
use deltalake_core::operations::write::SchemaMode;
use deltalake_core::protocol::SaveMode;
use deltalake_core::{DeltaTable, DeltaTableError};
use futures::StreamExt;
use object_store::ObjectStore;
use parquet::file::properties::WriterProperties;
use url::Url;

use super::shape::{Counts, KeyProblem, Shaper, Unshaped};
use super::stores::{Cloud, StorageSettings};

/// The partition column every membership table has.
pub const AS_OF_COLUMN: &str = "as_of";

/// Why the membership could not be written to the table.
pub(super) enum Unwritten {
    /// The membership plan failed while running.
    Data(DataFusionError),
    /// The population key does not identify one member.
    Key(KeyProblem),
    /// The table could not be opened, written or committed, in the library's words.
    Table(String),
    /// An audience has members without consent (and no `else warn`): the stream stopped at
    /// its end, before the transaction could commit (`E1710`).
    Refused,
}

/// What a run wrote into a Delta table.
pub(super) struct DeltaWritten {
    /// Counted while writing.
    pub counts: Counts,
    /// The table version the run committed (none: refused before the commit, see
    /// [`Unwritten::Refused`]).
    pub version: Option<i64>,
}

/// How the membership is written besides its rows.
pub(super) struct DeltaWrite<'a> {
    /// The table: a local folder or a URL.
    pub table: &'a str,
    /// The run's date, the partition replaced.
    pub as_of: NaiveDate,
    /// Recorded in the commit's information (`segc.version`, `segc.rules`, …).
    pub metadata: &'a [(String, String)],
    /// The data files' Parquet settings.
    pub properties: WriterProperties,
    /// The run's layout, segments and tiers, recorded in the commit's information for
    /// `segc diff --runs TABLE@DATE` (the columns alone cannot tell a tiers item from a text
    /// `output let`).
    pub outputs: serde_json::Value,
    /// Per audience checked (the shaper's hidden counts, in order): whether members without
    /// consent refuse the run (no `else warn`). Checked when the stream ends, before deltalake
    /// commits, so a refused run leaves the table as it was.
    pub refusing: Vec<bool>,
}

/// Streams the membership batches into the table's `as_of` partition and commits.
pub(super) async fn write_membership(
    ctx: &SessionContext,
    storage: &StorageSettings,
    stream: SendableRecordBatchStream,
    shaper: Shaper,
    write: DeltaWrite<'_>,
    written: Arc<AtomicU64>,
) -> Result<DeltaWritten, Unwritten> {
    let interruption = Arc::new(Mutex::new(None));
    let shaper = Arc::new(Mutex::new(shaper));
    let input = membership_plan(
        stream,
        Arc::clone(&shaper),
        (write.as_of, write.refusing),
        Arc::clone(&interruption),
        written,
    )
    .map_err(|e| Unwritten::Table(e.to_string()))?;
    let replaced = col(AS_OF_COLUMN).eq(lit(ScalarValue::Date32(Some(date32(write.as_of)))));
    let committed = replace(
        ctx,
        storage,
        Replacement {
            table: write.table,
            input,
            replaced,
            metadata: write.metadata,
            properties: write.properties,
            outputs: Some(write.outputs),
        },
    )
    .await;
    let counts = || {
        shaper
            .lock()
            .map(|s| s.counts().clone())
            .map_err(|_| Unwritten::Table("the membership writer failed".to_string()))
    };
    // The stream's own failure comes first: deltalake saw only a stand-in error for it.
    match interruption.lock().ok().and_then(|mut s| s.take()) {
        Some(Unwritten::Refused) => {
            let counts = counts()?;
            return Ok(DeltaWritten {
                counts,
                version: None,
            });
        }
        Some(stop) => return Err(stop),
        None => {}
    }
    let version = committed.map_err(Unwritten::Table)?;
    let counts = counts()?;
    Ok(DeltaWritten {
        counts,
        version: Some(version),
    })
}

/// A transaction replacing rows of a table partitioned by `as_of`.
pub(super) struct Replacement<'a> {
    /// The table: a local folder or a URL.
    pub table: &'a str,
    /// The new rows, with the `as_of` column.
    pub input: LogicalPlan,
    /// Which rows they replace.
    pub replaced: Expr,
    /// Recorded in the commit's information, under `segc` (keys without their `segc.`).
    pub metadata: &'a [(String, String)],
    /// The data files' Parquet settings.
    pub properties: WriterProperties,
    /// A membership run's outputs, recorded under `segc.outputs`.
    pub outputs: Option<serde_json::Value>,
}

/// Replaces the table's rows matching `replaced` by the input in one transaction (creating the
/// table partitioned by `as_of` if there is none); returns the version committed.
pub(super) async fn replace(
    ctx: &SessionContext,
    storage: &StorageSettings,
    replacement: Replacement<'_>,
) -> Result<i64, String> {
    let table = open(storage, replacement.table).await?;
    if let Ok(state) = table.snapshot() {
        // deltalake would cast a column whose type changed (a score of 10 written as `true`
        // into a segment's column): refused instead.
        unchanged_types(
            &state.snapshot().arrow_schema(),
            replacement.input.schema().as_arrow(),
        )?;
    }
    let mut info = serde_json::Map::from_iter(replacement.metadata.iter().map(|(k, v)| {
        let key = k.strip_prefix("segc.").unwrap_or(k).to_string();
        (key, serde_json::Value::String(v.clone()))
    }));
    if let Some(outputs) = replacement.outputs {
        info.insert("outputs".to_string(), outputs);
    }
    let committed = table
        .write(Vec::<RecordBatch>::new())
        .with_input_plan(replacement.input)
        .with_session_state(Arc::new(delta_session(ctx)))
        .with_save_mode(SaveMode::Overwrite)
        .with_replace_where(replacement.replaced)
        .with_partition_columns([AS_OF_COLUMN])
        .with_schema_mode(SchemaMode::Merge)
        .with_writer_properties(replacement.properties)
        .with_commit_properties(
            CommitProperties::default()
                .with_metadata([("segc".to_string(), serde_json::Value::Object(info))]),
        )
        .await
        .map_err(|e| message(&e))?;
    Ok(committed.version().map_or(0, |v| v as i64))
}

/// Replaces the rows of `batch`'s `as_of` and `rules` (its first two columns' values) in the
/// table: the KPI history of one rule file at one date.
pub(super) async fn replace_rows(
    ctx: &SessionContext,
    storage: &StorageSettings,
    table: &str,
    batch: RecordBatch,
    metadata: &[(String, String)],
) -> Result<i64, String> {
    let key = |i: usize| ScalarValue::try_from_array(batch.column(i), 0).map_err(|e| e.to_string());
    let (as_of, rules) = match batch.num_rows() {
        0 => return Err("there are no rows to record".to_string()),
        _ => (key(0)?, key(1)?),
    };
    let replaced = col(AS_OF_COLUMN)
        .eq(lit(as_of))
        .and(col("rules").eq(lit(rules)));
    let memory = MemTable::try_new(batch.schema(), vec![vec![batch]]).map_err(|e| e.to_string())?;
    let input = LogicalPlanBuilder::scan("history", provider_as_source(Arc::new(memory)), None)
        .and_then(|b| b.build())
        .map_err(|e| e.to_string())?;
    let properties = WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .build();
    let replacement = Replacement {
        table,
        input,
        replaced,
        metadata,
        properties,
        outputs: None,
    };
    replace(ctx, storage, replacement).await
}

/// The run's session (its memory pool and stores) with deltalake's planner, which plans the
/// write's own nodes.
fn delta_session(ctx: &SessionContext) -> SessionState {
    SessionStateBuilder::new_from_existing(ctx.state())
        .with_query_planner(DeltaPlanner::new())
        .build()
}

/// Checks that the columns the table and the new rows share have the same type.
fn unchanged_types(table: &Schema, rows: &Schema) -> Result<(), String> {
    for field in rows.fields() {
        let Ok(kept) = table.field_with_name(field.name()) else {
            continue;
        };
        let (was, is) = (plain(kept.data_type()), plain(field.data_type()));
        if was != is {
            return Err(format!(
                "column `{}` holds {was} in the table and {is} in this run",
                field.name()
            ));
        }
    }
    Ok(())
}

/// A column type as Delta stores it: strings of any Arrow layout are one type.
fn plain(data_type: &DataType) -> DataType {
    match data_type {
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        DataType::Dictionary(_, value) => plain(value),
        other => other.clone(),
    }
}

/// The table at `location` (loaded, or new if there is none yet).
pub(super) async fn open(storage: &StorageSettings, location: &str) -> Result<DeltaTable, String> {
    let (root, url) = table_root(storage, location)?;
    let mut table = DeltaTable::new(log_store(root, &url)?);
    match table.load().await {
        Ok(()) | Err(DeltaTableError::NotATable(_)) => Ok(table),
        Err(e) => Err(message(&e)),
    }
}

fn log_store(root: Arc<dyn ObjectStore>, url: &Url) -> Result<LogStoreRef, String> {
    super::delta::log_store(root, url)
}

/// The store the table at `location` is in and its folder's URL.
fn table_root(
    storage: &StorageSettings,
    location: &str,
) -> Result<(Arc<dyn ObjectStore>, Url), String> {
    let folder = format!("{}/", location.trim_end_matches('/'));
    if super::is_url(location) {
        let url = Url::parse(&folder).map_err(|e| e.to_string())?;
        let cloud = Cloud::of_scheme(&url.scheme().to_ascii_lowercase())
            .filter(|c| *c != Cloud::Http)
            .ok_or_else(|| format!("`{}://` tables cannot be written", url.scheme()))?;
        let store = storage.store(cloud, &url).map_err(|e| e.to_string())?;
        Ok((store, url))
    } else {
        // A new table's folder, as for file outputs (deltalake reads a missing one as no table
        // location at all).
        std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
        let absolute = std::path::absolute(&folder).map_err(|e| e.to_string())?;
        let url = Url::from_directory_path(&absolute)
            .map_err(|()| format!("`{}` is not a folder", absolute.display()))?;
        Ok((Arc::new(object_store::local::LocalFileSystem::new()), url))
    }
}

/// A deltalake error in one line: its first, without the chain of causes repeating it.
fn message(error: &DeltaTableError) -> String {
    super::messages::one_line(error.to_string().lines().next().unwrap_or_default())
}

fn date32(day: NaiveDate) -> i32 {
    datafusion::arrow::datatypes::Date32Type::from_naive_date(day)
}

/// The membership as a logical plan deltalake can run: a scan of a table whose one partition
/// is the shaped membership stream, with the `as_of` column; at its end, an error when an
/// audience `refusing` has members without consent (so deltalake does not commit).
fn membership_plan(
    stream: SendableRecordBatchStream,
    shaper: Arc<Mutex<Shaper>>,
    (as_of, refusing): (NaiveDate, Vec<bool>),
    interruption: Arc<Mutex<Option<Unwritten>>>,
    written: Arc<AtomicU64>,
) -> Result<LogicalPlan, DataFusionError> {
    let shaped = shaper
        .lock()
        .map(|s| Arc::clone(s.schema()))
        .map_err(|_| DataFusionError::Internal("membership writer".to_string()))?;
    let mut fields: Vec<Field> = shaped.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new(AS_OF_COLUMN, DataType::Date32, false));
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let day = date32(as_of);
    let out_schema = Arc::clone(&schema);
    let stop = move |why: Unwritten| {
        if let Ok(mut slot) = interruption.lock()
            && slot.is_none()
        {
            *slot = Some(why);
        }
        DataFusionError::Execution("the membership stopped".to_string())
    };
    let (tail_shaper, tail_stop) = (Arc::clone(&shaper), stop.clone());
    let tail = futures::stream::once(async move {
        let refused = tail_shaper.lock().ok().is_some_and(|s| {
            let hidden = &s.counts().hidden;
            hidden
                .iter()
                .zip(&refusing)
                .any(|(n, refuse)| *n > 0 && *refuse)
        });
        refused.then(|| Err(tail_stop(Unwritten::Refused)))
    });
    let batches = stream.map(move |batch| {
        let batch = batch.map_err(|e| stop(Unwritten::Data(e)))?;
        let mut shaper = shaper
            .lock()
            .map_err(|_| DataFusionError::Internal("membership writer".to_string()))?;
        let out = shaper.shape(&batch).map_err(|problem| {
            stop(match problem {
                Unshaped::Key(key) => Unwritten::Key(key),
                Unshaped::Columns(message) => Unwritten::Table(message),
            })
        })?;
        written.store(shaper.counts().members, Ordering::Relaxed);
        let mut columns = out.columns().to_vec();
        columns.push(Arc::new(Date32Array::from(vec![day; out.num_rows()])) as ArrayRef);
        Ok(RecordBatch::try_new(Arc::clone(&out_schema), columns)?)
    });
    let batches = batches
        .map(Some)
        .chain(tail)
        .filter_map(futures::future::ready);
    let once = OneShot {
        schema: Arc::clone(&schema),
        stream: Mutex::new(Some(Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&schema),
            batches,
        )))),
    };
    let table = StreamingTable::try_new(schema, vec![Arc::new(once)])?;
    LogicalPlanBuilder::scan("membership", provider_as_source(Arc::new(table)), None)?.build()
}

/// A partition that yields one stream, once: the membership is computed a single time.
struct OneShot {
    schema: SchemaRef,
    stream: Mutex<Option<SendableRecordBatchStream>>,
}

impl std::fmt::Debug for OneShot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneShot").finish_non_exhaustive()
    }
}

impl PartitionStream for OneShot {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        match self.stream.lock().ok().and_then(|mut s| s.take()) {
            Some(stream) => stream,
            None => Box::pin(RecordBatchStreamAdapter::new(
                Arc::clone(&self.schema),
                futures::stream::once(async {
                    Err(DataFusionError::Internal(
                        "the membership was read twice".to_string(),
                    ))
                }),
            )),
        }
    }
}

impl super::Engine {
    /// Streams a run's membership into its Delta table (see [`write_membership`]): the counts
    /// and the version committed, or the run's problem as a diagnostic.
    pub(super) async fn write_delta(
        &self,
        population: &crate::hir::Source,
        stream: SendableRecordBatchStream,
        shaper: Shaper,
        write: DeltaWrite<'_>,
        written: Arc<AtomicU64>,
    ) -> Result<(Counts, Option<i64>), crate::diagnostics::Diagnostic> {
        let span = population.location.span;
        let table = write.table.to_string();
        let outcome = super::panics::contained(write_membership(
            &self.ctx,
            &self.storage,
            stream,
            shaper,
            write,
            written,
        ))
        .await;
        let done = match outcome {
            Ok(done) => done,
            Err(panic) => return Err(self.reader_panicked(span, panic).await),
        };
        let done = done.map_err(|why| match why {
            Unwritten::Data(e) => super::execution_failed(span, e),
            Unwritten::Key(problem) => super::key_diagnostic(population, problem),
            Unwritten::Table(message) => crate::diagnostics::Diagnostic::Data(
                crate::diagnostics::DataDiagnostic::DeltaWriteFailed { table, message },
            ),
            // Returned as counts without a version by `write_membership`.
            Unwritten::Refused => crate::diagnostics::Diagnostic::Data(
                crate::diagnostics::DataDiagnostic::DeltaWriteFailed {
                    table,
                    message: "refused".to_string(),
                },
            ),
        })?;
        Ok((done.counts, done.version))
    }

    /// Records a run's KPI history rows (`judge::history_batch`) in the Delta table `table`,
    /// replacing the rows of the same rule file and date (E0724 when it cannot).
    pub async fn record_history(
        &self,
        table: &str,
        batch: RecordBatch,
        metadata: &[(String, String)],
    ) -> Result<i64, crate::diagnostics::Diagnostic> {
        replace_rows(&self.ctx, &self.storage, table, batch, metadata)
            .await
            .map_err(|message| {
                crate::diagnostics::Diagnostic::Data(
                    crate::diagnostics::DataDiagnostic::DeltaWriteFailed {
                        table: table.to_string(),
                        message,
                    },
                )
            })
    }
}
