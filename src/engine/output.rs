//! Writing membership files and the run summary, atomically.
//!
//! Every output is first written to a temporary file in the output folder and renamed into place
//! only once everything succeeded: a failed run leaves no partial file and keeps earlier outputs.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray, UInt32Array};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use serde::Serialize;
use tempfile::NamedTempFile;

use crate::diagnostics::Diagnostic;

/// File format of the membership output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

    /// The summary file's final path.
    pub fn summary_path(&self) -> PathBuf {
        self.dir.join("summary.json")
    }
}

/// Counts gathered while writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Counts {
    /// Population members.
    pub members: u64,
    /// Members per segment, in output column order.
    pub per_segment: Vec<u64>,
}

fn failed(path: &Path, error: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::OutputFailed {
        path: path.display().to_string(),
        message: error.to_string(),
    }
}

enum Writer {
    Parquet(ArrowWriter<File>),
    Csv(datafusion::arrow::csv::Writer<File>),
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
            Writer::Parquet(w) => w.into_inner().map_err(|e| e.to_string()),
            Writer::Csv(w) => Ok(w.into_inner()),
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
    /// Moves the file into place.
    pub(super) fn commit(self) -> Result<(), Diagnostic> {
        let target = self.target;
        self.temp
            .persist(&target)
            .map(|_| ())
            .map_err(|e| failed(&target, e.error))
    }
}

/// Streams the membership batches (key, then one boolean column per segment) to a temporary file.
pub(super) async fn write_membership(
    mut stream: SendableRecordBatchStream,
    spec: &OutputSpec,
    segment_names: &[String],
    metadata: &[(String, String)],
    data_error: impl Fn(String) -> Diagnostic,
) -> Result<(PendingOutput, Counts), Diagnostic> {
    let target = spec.membership_path();
    std::fs::create_dir_all(&spec.dir).map_err(|e| failed(&spec.dir, e))?;
    let temp = temporary_in(&spec.dir, ".membership-").map_err(|e| failed(&target, e))?;
    let file = temp.as_file().try_clone().map_err(|e| failed(&target, e))?;
    let input_schema = stream.schema();
    let schema = match spec.layout {
        Layout::Wide => input_schema.clone(),
        Layout::Long => long_schema(&input_schema),
    };
    let mut writer = match spec.format {
        OutputFormat::Parquet => {
            let kv = metadata
                .iter()
                .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
                .collect();
            let props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .set_key_value_metadata(Some(kv))
                .build();
            Writer::Parquet(
                ArrowWriter::try_new(file, schema.clone(), Some(props))
                    .map_err(|e| failed(&target, e))?,
            )
        }
        OutputFormat::Csv => Writer::Csv(
            datafusion::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(file),
        ),
    };
    let mut counts = Counts {
        members: 0,
        per_segment: vec![0; segment_names.len()],
    };
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(|e| data_error(e.to_string()))?;
        counts.members += batch.num_rows() as u64;
        for (i, count) in counts.per_segment.iter_mut().enumerate() {
            if let Some(column) = batch.column(i + 1).as_boolean_opt() {
                *count += column.true_count() as u64;
            }
        }
        let out = match spec.layout {
            Layout::Wide => batch,
            Layout::Long => {
                to_long(&batch, &schema, segment_names).map_err(|e| failed(&target, e))?
            }
        };
        writer.write(&out).map_err(|e| failed(&target, e))?;
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
    let target = spec.summary_path();
    let mut temp = temporary_in(&spec.dir, ".summary-").map_err(|e| failed(&target, e))?;
    let mut text = serde_json::to_string_pretty(summary).map_err(|e| failed(&target, e))?;
    text.push('\n');
    temp.write_all(text.as_bytes())
        .and_then(|_| temp.as_file().sync_all())
        .map_err(|e| failed(&target, e))?;
    Ok(PendingOutput { temp, target })
}

fn long_schema(wide: &Schema) -> SchemaRef {
    let key = wide.field(0).clone().with_nullable(false);
    Arc::new(Schema::new(vec![
        key,
        Field::new("segment", DataType::Utf8, false),
    ]))
}

/// One row per true cell of the segment columns, in key order then segment order.
fn to_long(
    batch: &RecordBatch,
    schema: &SchemaRef,
    segment_names: &[String],
) -> Result<RecordBatch, String> {
    let mut rows: Vec<u32> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    let columns: Vec<_> = (0..segment_names.len())
        .map(|i| batch.column(i + 1).as_boolean_opt())
        .collect();
    for row in 0..batch.num_rows() {
        for (column, name) in columns.iter().zip(segment_names) {
            if let Some(c) = column
                && c.is_valid(row)
                && c.value(row)
            {
                rows.push(row as u32);
                names.push(name.as_str());
            }
        }
    }
    let keys = take(batch.column(0), &UInt32Array::from(rows), None).map_err(|e| e.to_string())?;
    let segments: ArrayRef = Arc::new(StringArray::from(names));
    RecordBatch::try_new(schema.clone(), vec![keys, segments]).map_err(|e| e.to_string())
}
