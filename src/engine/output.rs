//! Writing membership files and the run summary to temporary files of the output folder, which
//! `publish` moves into place as a pair once everything succeeded: a failed run leaves no
//! partial file and keeps earlier outputs.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray, UInt32Array};
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use serde::Serialize;
use tempfile::NamedTempFile;

use crate::diagnostics::{DataDiagnostic, Diagnostic};
use crate::lower::Packing;

/// File format of the membership output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// Apache Parquet (zstd).
    Parquet,
    /// Comma-separated values with a header line.
    Csv,
}

impl OutputFormat {
    fn extension(self) -> &'static str {
        match self {
            OutputFormat::Parquet => "parquet",
            OutputFormat::Csv => "csv",
        }
    }
}

/// Shape of the membership output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One row per member: the key and one boolean column per segment.
    Wide,
    /// One row per (member, segment) membership: the key and the segment name (tags).
    Long,
}

/// Where and how to write a run's outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// The output folder (created if missing).
    pub dir: PathBuf,
    /// Membership file format.
    pub format: OutputFormat,
    /// Membership file layout.
    pub layout: Layout,
}

impl OutputSpec {
    /// The membership file's final path.
    pub fn membership_path(&self) -> PathBuf {
        self.dir
            .join(format!("membership.{}", self.format.extension()))
    }

    /// The membership files of the other formats, removed when this run publishes: they
    /// would be read as current next to a summary that does not describe them.
    pub fn other_membership_paths(&self) -> Vec<PathBuf> {
        [OutputFormat::Parquet, OutputFormat::Csv]
            .into_iter()
            .filter(|f| *f != self.format)
            .map(|f| self.dir.join(format!("membership.{}", f.extension())))
            .collect()
    }

    /// The summary file's final path.
    pub fn summary_path(&self) -> PathBuf {
        self.dir.join("summary.json")
    }
}

/// What an output column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ColumnKind {
    /// A segment: membership flags.
    Flag,
    /// Tiers: the tier's name (or null).
    Category,
    /// A score.
    Number,
}

/// How many distinct score values are reported one by one in the summary.
const MAX_DISTINCT_SCORES: usize = 50;

/// What was seen in one output column while writing.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tally {
    /// Members in the segment.
    Flag(u64),
    /// Members per tier; `None` for members in no tier.
    Category(std::collections::BTreeMap<Option<String>, u64>),
    /// Score statistics.
    Number {
        /// Values seen.
        count: u64,
        /// Their sum.
        sum: f64,
        /// Smallest.
        min: Option<f64>,
        /// Largest.
        max: Option<f64>,
        /// Members per value, while there are few distinct values.
        values: Option<std::collections::BTreeMap<i64, (f64, u64)>>,
    },
}

impl Tally {
    fn new(kind: &ColumnKind) -> Tally {
        match kind {
            ColumnKind::Flag => Tally::Flag(0),
            ColumnKind::Category => Tally::Category(Default::default()),
            ColumnKind::Number => Tally::Number {
                count: 0,
                sum: 0.0,
                min: None,
                max: None,
                values: Some(Default::default()),
            },
        }
    }

    fn add(&mut self, column: &ArrayRef) -> Result<(), String> {
        match self {
            Tally::Flag(n) => {
                if let Some(flags) = column.as_boolean_opt() {
                    *n += flags.true_count() as u64;
                }
            }
            Tally::Category(counts) => {
                let text = datafusion::arrow::compute::cast(column, &DataType::Utf8)
                    .map_err(|e| e.to_string())?;
                // Tiers have few values: look them up by reference, allocate only new ones.
                for value in text.as_string::<i32>().iter() {
                    match counts.iter_mut().find(|(k, _)| k.as_deref() == value) {
                        Some((_, n)) => *n += 1,
                        None => {
                            counts.insert(value.map(str::to_string), 1);
                        }
                    }
                }
            }
            Tally::Number {
                count,
                sum,
                min,
                max,
                values,
            } => {
                let numbers = datafusion::arrow::compute::cast(column, &DataType::Float64)
                    .map_err(|e| e.to_string())?;
                let numbers = numbers.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
                for x in numbers.iter().flatten() {
                    *count += 1;
                    *sum += x;
                    *min = Some(min.map_or(x, |m: f64| m.min(x)));
                    *max = Some(max.map_or(x, |m: f64| m.max(x)));
                    if let Some(map) = values {
                        // Keyed by the value in millionths so that keys order like the values.
                        let key = (x * 1e6).round() as i64;
                        map.entry(key).or_insert((x, 0)).1 += 1;
                        if map.len() > MAX_DISTINCT_SCORES {
                            *values = None;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// A population key that does not identify one member.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum KeyProblem {
    /// The key is empty on some row.
    Missing,
    /// This key value is on more than one row.
    Repeated(String),
}

/// Checks that the (sorted) keys are present and unique: repeats are adjacent.
#[derive(Default)]
struct KeyCheck {
    last: Option<ScalarValue>,
}

impl KeyCheck {
    fn check(&mut self, keys: &ArrayRef) -> Result<(), KeyProblem> {
        if keys.null_count() > 0 {
            return Err(KeyProblem::Missing);
        }
        let n = keys.len();
        if n == 0 {
            return Ok(());
        }
        let value = |i: usize| ScalarValue::try_from_array(keys, i).ok();
        if let (Some(last), Some(first)) = (&self.last, value(0))
            && *last == first
        {
            return Err(KeyProblem::Repeated(first.to_string()));
        }
        if n > 1 {
            let same = eq(&keys.slice(0, n - 1), &keys.slice(1, n - 1))
                .map_err(|_| KeyProblem::Missing)?;
            if let Some(i) = same.iter().position(|x| x == Some(true)) {
                let repeated = value(i).map_or_else(String::new, |v| v.to_string());
                return Err(KeyProblem::Repeated(repeated));
            }
        }
        self.last = value(n - 1);
        Ok(())
    }
}

/// Counts gathered while writing.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Counts {
    /// Population members.
    pub members: u64,
    /// One tally per output column, in column order.
    pub columns: Vec<Tally>,
}

fn failed(path: &Path, error: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::Data(DataDiagnostic::OutputFailed {
        path: path.display().to_string(),
        message: error.to_string(),
    })
}

enum Writer {
    Parquet(Box<super::parquet_out::ParallelParquet>),
    Csv(Box<datafusion::arrow::csv::Writer<File>>),
}

impl Writer {
    fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        match self {
            Writer::Parquet(w) => w.write(batch).map_err(|e| e.to_string()),
            Writer::Csv(w) => w.write(batch).map_err(|e| e.to_string()),
        }
    }

    fn finish(self) -> Result<File, String> {
        match self {
            Writer::Parquet(w) => w.finish().map_err(|e| e.to_string()),
            Writer::Csv(w) => Ok((*w).into_inner()),
        }
    }
}

/// A temporary file in `dir` that becomes a normal, world-readable file once renamed.
fn temporary_in(dir: &Path, prefix: &str) -> std::io::Result<NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder.tempfile_in(dir)
}

/// A membership file being written to a temporary path.
pub(super) struct PendingOutput {
    temp: NamedTempFile,
    target: PathBuf,
}

impl PendingOutput {
    /// `temp`, to become `target`.
    #[cfg(test)]
    pub(super) fn new(temp: NamedTempFile, target: PathBuf) -> Self {
        PendingOutput { temp, target }
    }

    /// The temporary file's path.
    #[cfg(test)]
    pub(super) fn temp_path(&self) -> &Path {
        self.temp.path()
    }

    /// Where the file goes.
    pub(super) fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the file into place.
    pub(super) fn commit(self) -> Result<(), Diagnostic> {
        let target = self.target;
        self.temp
            .persist(&target)
            .map(|_| ())
            .map_err(|e| failed(&target, e.error))
    }
}

/// How the membership file is written besides its columns.
pub(super) struct Encoding<'a> {
    /// Key-value metadata of a Parquet file.
    pub metadata: &'a [(String, String)],
    /// Threads encoding a Parquet file's columns (the run's `--threads`).
    pub threads: usize,
}

/// The outputs of a membership plan's rows.
pub(super) struct Outputs<'a> {
    /// Each output's column name and kind, in order.
    pub columns: &'a [(String, ColumnKind)],
    /// How the plan's columns carry them.
    pub packing: &'a Packing,
}

/// Streams the membership batches (the key, then the outputs as `outputs.packing` carries them)
/// to a temporary file, with one column per output.
pub(super) async fn write_membership(
    mut stream: SendableRecordBatchStream,
    spec: &OutputSpec,
    outputs: &Outputs<'_>,
    encoding: &Encoding<'_>,
    written: &AtomicU64,
    data_error: impl Fn(datafusion::error::DataFusionError) -> Diagnostic,
    key_problem: impl Fn(KeyProblem) -> Diagnostic,
) -> Result<(PendingOutput, Counts), Diagnostic> {
    let target = spec.membership_path();
    std::fs::create_dir_all(&spec.dir).map_err(|e| failed(&spec.dir, e))?;
    let temp = temporary_in(&spec.dir, ".segc-membership-").map_err(|e| failed(&target, e))?;
    let file = temp.as_file().try_clone().map_err(|e| failed(&target, e))?;
    let columns = outputs.columns;
    let names: Vec<String> = columns.iter().map(|(name, _)| name.clone()).collect();
    let input_schema = super::unpack::unpacked_schema(outputs.packing, &stream.schema(), &names);
    let schema = match spec.layout {
        Layout::Wide => wide_schema(&input_schema, columns),
        Layout::Long => long_schema(&input_schema),
    };
    let mut writer = match spec.format {
        OutputFormat::Parquet => {
            let kv = encoding
                .metadata
                .iter()
                .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
                .collect();
            let mut props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .set_key_value_metadata(Some(kv));
            // Segment flags get no min/max statistics: computing them value by value cost a
            // tenth of a 250-segment run, and `false`..`true` prunes nothing.
            if spec.layout == Layout::Wide {
                for (name, kind) in columns {
                    if matches!(kind, ColumnKind::Flag) {
                        props = props.set_column_statistics_enabled(
                            ColumnPath::from(name.as_str()),
                            EnabledStatistics::None,
                        );
                    }
                }
            }
            let props = props.build();
            Writer::Parquet(Box::new(
                super::parquet_out::ParallelParquet::new(
                    file,
                    schema.clone(),
                    props,
                    encoding.threads,
                )
                .map_err(|e| failed(&target, e))?,
            ))
        }
        OutputFormat::Csv => Writer::Csv(Box::new(
            datafusion::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(file),
        )),
    };
    let mut keys = KeyCheck::default();
    let mut counts = Counts {
        members: 0,
        columns: columns.iter().map(|(_, kind)| Tally::new(kind)).collect(),
    };
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(&data_error)?;
        let batch = super::unpack::unpacked(outputs.packing, &batch, &input_schema)
            .map_err(|e| failed(&target, e))?;
        keys.check(batch.column(0)).map_err(&key_problem)?;
        counts.members += batch.num_rows() as u64;
        for (i, tally) in counts.columns.iter_mut().enumerate() {
            tally
                .add(batch.column(i + 1))
                .map_err(|e| failed(&target, e))?;
        }
        let out = match spec.layout {
            // The same columns, declared never null (checked here).
            Layout::Wide => RecordBatch::try_new(Arc::clone(&schema), batch.columns().to_vec())
                .map_err(|e| failed(&target, e))?,
            Layout::Long => to_long(&batch, &schema, columns).map_err(|e| failed(&target, e))?,
        };
        writer.write(&out).map_err(|e| failed(&target, e))?;
        written.store(counts.members, Ordering::Relaxed);
    }
    let mut file = writer.finish().map_err(|e| failed(&target, e))?;
    file.flush().map_err(|e| failed(&target, e))?;
    file.sync_all().map_err(|e| failed(&target, e))?;
    Ok((PendingOutput { temp, target }, counts))
}

/// Writes `summary` as pretty JSON to a temporary file next to its target.
pub(super) fn write_summary(
    spec: &OutputSpec,
    summary: &impl Serialize,
) -> Result<PendingOutput, Diagnostic> {
    pending_json(&spec.dir, spec.summary_path(), summary, ".segc-summary-")
}

/// `value` as pretty JSON in a temporary file of `dir`, to be renamed to `target`.
fn pending_json(
    dir: &Path,
    target: PathBuf,
    value: &impl Serialize,
    prefix: &str,
) -> Result<PendingOutput, Diagnostic> {
    let mut temp = temporary_in(dir, prefix).map_err(|e| failed(&target, e))?;
    let mut text = serde_json::to_string_pretty(value).map_err(|e| failed(&target, e))?;
    text.push('\n');
    temp.write_all(text.as_bytes())
        .and_then(|_| temp.as_file().sync_all())
        .map_err(|e| failed(&target, e))?;
    Ok(PendingOutput { temp, target })
}

/// Writes `value` as pretty JSON to `path` atomically: the file is replaced only once the new
/// content is complete. Missing folders are created.
pub fn write_json(path: &Path, value: &impl Serialize) -> Result<(), Diagnostic> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| failed(&dir, e))?;
    pending_json(&dir, path.to_path_buf(), value, ".segc-")?.commit()
}

/// The membership columns as written: the key and the segments' flags are never null (a null
/// condition is `false`), which readers see and which spares Parquet the null bookkeeping.
fn wide_schema(plan: &Schema, columns: &[(String, ColumnKind)]) -> SchemaRef {
    let fields: Vec<Field> = plan
        .fields()
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let never_null = i == 0 || matches!(columns.get(i - 1), Some((_, ColumnKind::Flag)));
            field
                .as_ref()
                .clone()
                .with_nullable(field.is_nullable() && !never_null)
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, plan.metadata().clone()))
}

fn long_schema(wide: &Schema) -> SchemaRef {
    let key = wide.field(0).clone().with_nullable(false);
    Arc::new(Schema::new(vec![
        key,
        Field::new("segment", DataType::Utf8, false),
    ]))
}

/// One row per membership, in key order then column order: `segment` for each segment a member is
/// in, `tiers:tier` for each tiers item that gives it a tier. Scores are not tags and are left out.
fn to_long(
    batch: &RecordBatch,
    schema: &SchemaRef,
    columns: &[(String, ColumnKind)],
) -> Result<RecordBatch, String> {
    let mut rows: Vec<u32> = Vec::new();
    let mut tags: Vec<String> = Vec::new();
    let mut texts = Vec::with_capacity(columns.len());
    for (i, (_, kind)) in columns.iter().enumerate() {
        texts.push(match kind {
            ColumnKind::Category => Some(
                datafusion::arrow::compute::cast(batch.column(i + 1), &DataType::Utf8)
                    .map_err(|e| e.to_string())?,
            ),
            _ => None,
        });
    }
    for row in 0..batch.num_rows() {
        for (i, ((name, kind), text)) in columns.iter().zip(&texts).enumerate() {
            let column = batch.column(i + 1);
            match kind {
                ColumnKind::Flag => {
                    if let Some(c) = column.as_boolean_opt()
                        && c.is_valid(row)
                        && c.value(row)
                    {
                        rows.push(row as u32);
                        tags.push(name.clone());
                    }
                }
                ColumnKind::Category => {
                    if let Some(t) = text
                        && t.is_valid(row)
                    {
                        rows.push(row as u32);
                        tags.push(format!("{name}:{}", t.as_string::<i32>().value(row)));
                    }
                }
                ColumnKind::Number => {}
            }
        }
    }
    let keys = take(batch.column(0), &UInt32Array::from(rows), None).map_err(|e| e.to_string())?;
    let segments: ArrayRef = Arc::new(StringArray::from(tags));
    RecordBatch::try_new(schema.clone(), vec![keys, segments]).map_err(|e| e.to_string())
}
