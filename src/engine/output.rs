//! Writing membership files and the run summary to temporary files of the output folder, which
//! `publish` moves into place as a pair once everything succeeded: a failed run leaves no
//! partial file and keeps earlier outputs.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use datafusion::arrow::array::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use serde::Serialize;
use tempfile::NamedTempFile;

pub(super) use super::shape::{ColumnKind, Counts, KeyProblem, Tally};
use super::shape::{Shaper, Unshaped};
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
    /// A Delta Lake table partitioned by `as_of`: each run replaces its date's partition.
    Delta,
}

impl OutputFormat {
    /// The membership file's extension.
    pub(super) fn extension(self) -> &'static str {
        match self {
            OutputFormat::Parquet => "parquet",
            OutputFormat::Csv => "csv",
            OutputFormat::Delta => "delta",
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
    /// The membership file's final path (a Delta table's folder).
    pub fn membership_path(&self) -> PathBuf {
        match self.format {
            OutputFormat::Delta => self.dir.clone(),
            format => self.dir.join(format!("membership.{}", format.extension())),
        }
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
    #[cfg_attr(not(any(test, feature = "cluster")), allow(dead_code))]
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
    /// Flags after them in the plan, counted and never written (the members of each audience
    /// without consent, `lower::consent_checks`).
    pub hidden: &'a [String],
    /// How the plan's columns carry them.
    pub packing: &'a Packing,
    /// The tiers to compare with the segments, when the members every two share are counted.
    pub overlaps: Option<&'a super::overlaps::OverlapSubjects>,
}

/// Streams the membership batches (the key, then the outputs as `outputs.packing` carries them)
/// to a temporary file, with one column per output.
pub(super) async fn write_membership(
    stream: SendableRecordBatchStream,
    spec: &OutputSpec,
    outputs: &Outputs<'_>,
    encoding: &Encoding<'_>,
    written: &AtomicU64,
    data_error: impl Fn(datafusion::error::DataFusionError) -> Diagnostic,
    key_problem: impl Fn(KeyProblem) -> Diagnostic,
) -> Result<(PendingOutput, Counts), Diagnostic> {
    let mut writer = MembershipWriter::new(spec, outputs, encoding, &stream.schema())?;
    // The plan's last operator (the merge of the sorted partitions) runs on a runtime thread,
    // two batches ahead, while this one shapes and hands out the batches it gave: on one thread
    // the two took turns (0.96–0.97× wall time at SF 1; bench/README.md, "Sixth round").
    let mut stream = datafusion::physical_plan::common::spawn_buffered(stream, 2);
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(&data_error)?;
        writer.write(&batch, &key_problem)?;
        written.store(writer.members(), Ordering::Relaxed);
    }
    writer.finish()
}

/// A membership file being written from the batches of a plan: shaped, checked, counted.
pub(super) struct MembershipWriter {
    shaper: Shaper,
    writer: Writer,
    temp: NamedTempFile,
    target: PathBuf,
}

impl MembershipWriter {
    /// A temporary file in `spec`'s folder for the batches of a plan with schema `plan`.
    pub(super) fn new(
        spec: &OutputSpec,
        outputs: &Outputs<'_>,
        encoding: &Encoding<'_>,
        plan: &datafusion::arrow::datatypes::Schema,
    ) -> Result<MembershipWriter, Diagnostic> {
        let target = spec.membership_path();
        std::fs::create_dir_all(&spec.dir).map_err(|e| failed(&spec.dir, e))?;
        let temp = temporary_in(&spec.dir, ".segc-membership-").map_err(|e| failed(&target, e))?;
        let file = temp.as_file().try_clone().map_err(|e| failed(&target, e))?;
        let shaper = Shaper::new(outputs, spec.layout, plan);
        let schema = Arc::clone(shaper.schema());
        let writer = match spec.format {
            OutputFormat::Csv => Writer::Csv(Box::new(
                datafusion::arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(file),
            )),
            _ => {
                let props = parquet_properties(encoding.metadata, spec.layout, outputs.columns);
                Writer::Parquet(Box::new(
                    super::parquet_out::ParallelParquet::new(file, schema, props, encoding.threads)
                        .map_err(|e| failed(&target, e))?,
                ))
            }
        };
        Ok(MembershipWriter {
            shaper,
            writer,
            temp,
            target,
        })
    }

    /// Shapes, checks, counts and writes one batch of the plan.
    pub(super) fn write(
        &mut self,
        batch: &RecordBatch,
        key_problem: &impl Fn(KeyProblem) -> Diagnostic,
    ) -> Result<(), Diagnostic> {
        self.write_keyed(batch)?.map_err(key_problem)
    }

    /// [`MembershipWriter::write`], with a problem of the population key given back as it is.
    pub(super) fn write_keyed(
        &mut self,
        batch: &RecordBatch,
    ) -> Result<Result<(), KeyProblem>, Diagnostic> {
        let target = &self.target;
        let out = match self.shaper.shape(batch) {
            Ok(out) => out,
            Err(Unshaped::Key(problem)) => return Ok(Err(problem)),
            Err(Unshaped::Columns(message)) => return Err(failed(target, message)),
        };
        self.writer.write(&out).map_err(|e| failed(target, e))?;
        Ok(Ok(()))
    }

    /// The members written so far.
    pub(super) fn members(&self) -> u64 {
        self.shaper.counts().members
    }

    /// The file complete and synced, to be published, and what was counted.
    pub(super) fn finish(self) -> Result<(PendingOutput, Counts), Diagnostic> {
        let target = self.target;
        let mut file = self.writer.finish().map_err(|e| failed(&target, e))?;
        file.flush().map_err(|e| failed(&target, e))?;
        file.sync_all().map_err(|e| failed(&target, e))?;
        let pending = PendingOutput {
            temp: self.temp,
            target,
        };
        Ok((pending, self.shaper.into_counts()))
    }
}

/// How segc writes Parquet membership files: zstd, the run's metadata, and no statistics
/// for the segments' flags.
pub(super) fn parquet_properties(
    metadata: &[(String, String)],
    layout: Layout,
    columns: &[(String, ColumnKind)],
) -> WriterProperties {
    let kv = metadata
        .iter()
        .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
        .collect();
    let mut props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_key_value_metadata(Some(kv));
    // Segment flags get no min/max statistics: computing them value by value cost a
    // tenth of a 250-segment run, and `false`..`true` prunes nothing.
    if layout == Layout::Wide {
        for (name, kind) in columns {
            if matches!(kind, ColumnKind::Flag) {
                props = props.set_column_statistics_enabled(
                    ColumnPath::from(name.as_str()),
                    EnabledStatistics::None,
                );
            }
        }
    }
    props.build()
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
