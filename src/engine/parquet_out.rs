//! Writing Parquet with the columns encoded on several threads.
//!
//! A membership file has one column per output: with hundreds of segments, encoding the columns
//! one after the other on one thread took longer than computing them. Each row group's column
//! writers are shared out among worker threads; every batch is cut into its leaf columns, each
//! sent to the thread owning its writer, and the encoded chunks are appended in order when the
//! row group is full. Never-null booleans (segment flags) skip parquet-rs's encoder: see
//! [`super::parquet_flags`].

use std::fs::File;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use bytes::Bytes;
use datafusion::arrow::array::{AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::datatypes::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, ArrowLeafColumn, ArrowRowGroupWriterFactory,
    compute_leaves,
};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::{ParquetError, Result};
use parquet::file::properties::{DEFAULT_MAX_ROW_GROUP_ROW_COUNT, WriterProperties};
use parquet::file::writer::SerializedFileWriter;

use super::parquet_flags::{FlagChunk, eligible};

/// Batches of leaves waiting for each worker, at most.
const QUEUED: usize = 4;

/// What encodes one leaf column of a row group.
enum Encoder {
    /// parquet-rs's Arrow column writer.
    Arrow(Box<ArrowColumnWriter>),
    /// Bits of a never-null boolean column.
    Flags(FlagChunk),
}

/// A slice of one leaf column, for its [`Encoder`].
enum Input {
    /// For [`Encoder::Arrow`].
    Leaf(ArrowLeafColumn),
    /// For [`Encoder::Flags`].
    Flags(BooleanArray),
}

/// A leaf's encoded chunk of a row group.
enum Chunk {
    /// From [`Encoder::Arrow`].
    Arrow(ArrowColumnChunk),
    /// From [`Encoder::Flags`]: the pages and their metadata.
    Flags(Bytes, ColumnCloseResult),
}

impl Encoder {
    fn write(&mut self, input: Input) -> Result<()> {
        match (self, input) {
            (Encoder::Arrow(writer), Input::Leaf(leaf)) => writer.write(&leaf),
            (Encoder::Flags(chunk), Input::Flags(flags)) => chunk.write(&flags),
            _ => Err(ParquetError::General(
                "a column's values went to the wrong encoder".into(),
            )),
        }
    }

    fn close(self) -> Result<Chunk> {
        match self {
            Encoder::Arrow(writer) => writer.close().map(Chunk::Arrow),
            Encoder::Flags(chunk) => chunk
                .close()
                .map(|(bytes, close)| Chunk::Flags(bytes, close)),
        }
    }
}

/// One worker thread: the leaves it encodes (by index) and where to send them.
struct Worker {
    leaves: Vec<usize>,
    send: SyncSender<Vec<Input>>,
    done: JoinHandle<Result<Vec<Chunk>>>,
}

/// A Parquet file written with its columns encoded in parallel.
pub(super) struct ParallelParquet {
    file: SerializedFileWriter<File>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    /// Per top-level column, whether it is written as flags (only in schemas without nesting,
    /// where columns and leaves are one to one).
    flags: Vec<bool>,
    threads: usize,
    workers: Vec<Worker>,
    rows_in_group: usize,
    max_rows: usize,
}

impl ParallelParquet {
    /// A writer of `schema` to `file` with `props`, encoding on up to `threads` threads.
    pub(super) fn new(
        file: File,
        schema: SchemaRef,
        props: WriterProperties,
        threads: usize,
    ) -> Result<Self> {
        let max_rows = props
            .max_row_group_row_count()
            .unwrap_or(DEFAULT_MAX_ROW_GROUP_ROW_COUNT);
        let flat = schema.fields().iter().all(|f| !f.data_type().is_nested());
        let flags = schema
            .fields()
            .iter()
            .map(|f| flat && eligible(f, &props))
            .collect();
        let (file, factory) =
            ArrowWriter::try_new(file, schema.clone(), Some(props))?.into_serialized_writer()?;
        Ok(ParallelParquet {
            file,
            factory,
            schema,
            flags,
            threads: threads.max(1),
            workers: Vec::new(),
            rows_in_group: 0,
            max_rows,
        })
    }

    /// Starts the workers of the next row group.
    fn start_group(&mut self) -> Result<()> {
        let index = self.file.flushed_row_groups().len();
        let writers = self.factory.create_column_writers(index)?;
        let threads = self.threads.min(writers.len()).max(1);
        let mut shares: Vec<(Vec<usize>, Vec<Encoder>)> =
            (0..threads).map(|_| (Vec::new(), Vec::new())).collect();
        let descr = self.file.schema_descr();
        let props = self.file.properties();
        for (leaf, writer) in writers.into_iter().enumerate() {
            let encoder = if self.flags.get(leaf).copied().unwrap_or(false) {
                Encoder::Flags(FlagChunk::new(descr.column(leaf), props))
            } else {
                Encoder::Arrow(Box::new(writer))
            };
            let (leaves, encoders) = &mut shares[leaf % threads];
            leaves.push(leaf);
            encoders.push(encoder);
        }
        for (leaves, mut writers) in shares {
            let (send, receive) = sync_channel::<Vec<Input>>(QUEUED);
            let done = std::thread::Builder::new()
                .name("segc-parquet".into())
                .spawn(move || {
                    for columns in receive {
                        for (writer, column) in writers.iter_mut().zip(columns) {
                            writer.write(column)?;
                        }
                    }
                    writers.into_iter().map(|w| w.close()).collect()
                })
                .map_err(|e| ParquetError::External(Box::new(e)))?;
            self.workers.push(Worker { leaves, send, done });
        }
        Ok(())
    }

    /// Encodes `batch` (rows are appended to the current row group, which is closed once full).
    pub(super) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if self.workers.is_empty() {
            self.start_group()?;
        }
        let mut leaves = Vec::new();
        for ((field, column), flags) in self
            .schema
            .fields()
            .iter()
            .zip(batch.columns())
            .zip(&self.flags)
        {
            match column.as_boolean_opt() {
                Some(values) if *flags => leaves.push(Input::Flags(values.clone())),
                _ => leaves.extend(compute_leaves(field, column)?.into_iter().map(Input::Leaf)),
            }
        }
        let mut leaves: Vec<Option<Input>> = leaves.into_iter().map(Some).collect();
        let mut stopped = false;
        for worker in &self.workers {
            let share: Vec<Input> = worker
                .leaves
                .iter()
                .filter_map(|&i| leaves.get_mut(i).and_then(Option::take))
                .collect();
            // A worker that stopped has failed: its error comes when the group is closed.
            stopped |= worker.send.send(share).is_err();
        }
        self.rows_in_group += batch.num_rows();
        if stopped || self.rows_in_group >= self.max_rows {
            self.close_group()?;
        }
        Ok(())
    }

    /// Waits for the workers and appends the row group's column chunks, in column order.
    fn close_group(&mut self) -> Result<()> {
        let mut chunks: Vec<(usize, Chunk)> = Vec::new();
        let mut failure = None;
        // Every worker told first, so that they close their chunks (compressing the flags'
        // pages) at the same time: closing one after the other left a core idle at the end of
        // every run (bench/README.md, "The tail of a run").
        let closing: Vec<_> = std::mem::take(&mut self.workers)
            .into_iter()
            .map(|worker| {
                drop(worker.send);
                (worker.leaves, worker.done)
            })
            .collect();
        for (leaves, done) in closing {
            match done.join() {
                Ok(Ok(done)) => chunks.extend(leaves.into_iter().zip(done)),
                Ok(Err(e)) => failure = failure.or(Some(e)),
                Err(_) => {
                    failure = failure.or(Some(ParquetError::General(
                        "a Parquet encoding thread panicked".into(),
                    )))
                }
            }
        }
        if let Some(e) = failure {
            return Err(e);
        }
        chunks.sort_by_key(|(leaf, _)| *leaf);
        let mut group = self.file.next_row_group()?;
        for (_, chunk) in chunks {
            match chunk {
                Chunk::Arrow(chunk) => chunk.append_to_row_group(&mut group)?,
                Chunk::Flags(bytes, close) => group.append_column(&bytes, close)?,
            }
        }
        group.close()?;
        self.rows_in_group = 0;
        Ok(())
    }

    /// Closes the last row group and the file; gives the file back.
    pub(super) fn finish(mut self) -> Result<File> {
        if !self.workers.is_empty() {
            self.close_group()?;
        }
        // Writes the footer.
        self.file.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, BooleanArray, Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;

    /// `batches` written by a [`ParallelParquet`] on two threads to a temporary file.
    fn written(schema: &SchemaRef, props: WriterProperties, batches: &[RecordBatch]) -> File {
        let file = tempfile::tempfile().expect("file");
        let clone = file.try_clone().expect("clone");
        let mut writer = ParallelParquet::new(clone, Arc::clone(schema), props, 2).expect("writer");
        for b in batches {
            writer.write(b).expect("write");
        }
        writer.finish().expect("finish");
        file
    }

    /// Everything `builder` reads, in one batch.
    fn read_all(builder: ParquetRecordBatchReaderBuilder<File>, schema: &SchemaRef) -> RecordBatch {
        let read: Vec<RecordBatch> = builder
            .build()
            .expect("batches")
            .collect::<std::result::Result<_, _>>()
            .expect("read");
        datafusion::arrow::compute::concat_batches(schema, &read).expect("concat")
    }

    fn batch(schema: &SchemaRef, from: i64) -> RecordBatch {
        let keys: ArrayRef = Arc::new(Int64Array::from_iter_values(from..from + 3));
        let flags: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)]));
        let tiers: ArrayRef = Arc::new(StringArray::from(vec![Some("vip"), Some("loyal"), None]));
        RecordBatch::try_new(Arc::clone(schema), vec![keys, flags, tiers]).expect("batch")
    }

    #[test]
    fn columns_encoded_on_threads_read_back_in_order_across_row_groups() {
        let schema: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("key", DataType::Int64, false),
            Field::new("flag", DataType::Boolean, true),
            Field::new("tier", DataType::Utf8, true),
        ]));
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(5))
            .build();
        let batches: Vec<RecordBatch> = (0..4).map(|i| batch(&schema, i * 3)).collect();
        let file = written(&schema, props, &batches);

        let builder = ParquetRecordBatchReaderBuilder::try_new(file).expect("reader");
        // A group is closed once it holds 5 rows or more: 6 + 6.
        assert_eq!(builder.metadata().num_row_groups(), 2);
        assert_eq!(builder.schema().as_ref(), schema.as_ref());
        let expected =
            datafusion::arrow::compute::concat_batches(&schema, &batches).expect("concat");
        assert_eq!(read_all(builder, &schema), expected);
    }

    /// Key and `flags` (never null), 7 rows per batch so that batches start inside a byte.
    fn flag_batches(schema: &SchemaRef) -> Vec<RecordBatch> {
        (0..9)
            .map(|b| {
                let keys = Int64Array::from_iter_values(b * 7..b * 7 + 7);
                let flags: BooleanArray = (b * 7..b * 7 + 7)
                    .map(|k| Some(k % 3 == 0 || k % 5 == 1))
                    .collect();
                RecordBatch::try_new(Arc::clone(schema), vec![Arc::new(keys), Arc::new(flags)])
                    .expect("batch")
            })
            .collect()
    }

    #[test]
    fn never_null_flags_are_written_as_bit_packed_pages_that_read_back() {
        use parquet::arrow::arrow_reader::{ArrowReaderOptions, RowSelection, RowSelector};
        use parquet::basic::{Compression, Encoding, ZstdLevel};
        use parquet::file::metadata::PageIndexPolicy;
        use parquet::file::properties::EnabledStatistics;
        use parquet::schema::types::ColumnPath;

        let schema: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("key", DataType::Int64, false),
            Field::new("flags", DataType::Boolean, false),
        ]));
        for compression in [
            Compression::UNCOMPRESSED,
            Compression::ZSTD(ZstdLevel::default()),
        ] {
            let props = WriterProperties::builder()
                .set_compression(compression)
                .set_max_row_group_row_count(Some(40))
                // Two bytes: pages of 16 flags.
                .set_data_page_size_limit(2)
                .set_column_statistics_enabled(ColumnPath::from("flags"), EnabledStatistics::None)
                .build();
            assert!(eligible(schema.field(1), &props));
            let batches = flag_batches(&schema);
            let file = written(&schema, props, &batches);
            let expected =
                datafusion::arrow::compute::concat_batches(&schema, &batches).expect("concat");

            let options =
                ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Optional);
            let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(
                file.try_clone().expect("clone"),
                options.clone(),
            )
            .expect("reader");
            let metadata = builder.metadata().clone();
            // 63 rows: groups of 42 and 21 rows (closed at 40 or more); pages of 16 rows.
            assert_eq!(metadata.num_row_groups(), 2);
            let chunk = metadata.row_group(0).column(1);
            assert_eq!(chunk.compression(), compression);
            assert_eq!(chunk.num_values(), 42);
            assert!(chunk.encodings().any(|e| e == Encoding::PLAIN));
            let pages = &metadata.offset_index().expect("offset index")[0][1];
            assert_eq!(pages.page_locations().len(), 3);
            assert_eq!(read_all(builder, &schema), expected, "{compression:?}");

            // Skipping rows goes through the pages' offsets.
            let selection = RowSelection::from(vec![
                RowSelector::skip(20),
                RowSelector::select(5),
                RowSelector::skip(30),
                RowSelector::select(8),
            ]);
            let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
                .expect("reader")
                .with_row_selection(selection);
            let actual = read_all(builder, &schema);
            let wanted = datafusion::arrow::compute::concat_batches(
                &schema,
                &[expected.slice(20, 5), expected.slice(55, 8)],
            )
            .expect("concat");
            assert_eq!(actual, wanted, "{compression:?}");
        }
    }

    #[test]
    fn flag_pages_hold_flag_page_rows_whatever_the_row_limit_of_other_pages() {
        use crate::engine::parquet_flags::FLAG_PAGE_ROWS;
        use parquet::arrow::arrow_reader::ArrowReaderOptions;
        use parquet::file::metadata::PageIndexPolicy;
        use parquet::file::properties::EnabledStatistics;
        use parquet::schema::types::ColumnPath;

        let schema: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("key", DataType::Int64, false),
            Field::new("flags", DataType::Boolean, false),
        ]));
        let rows = 2 * FLAG_PAGE_ROWS + 5;
        let batches: Vec<RecordBatch> = (0..rows)
            .step_by(8192)
            .map(|start| {
                let end = (start + 8192).min(rows) as i64;
                let keys = Int64Array::from_iter_values(start as i64..end);
                let flags: BooleanArray = (start as i64..end).map(|k| Some(k % 7 == 2)).collect();
                RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(keys), Arc::new(flags)])
                    .expect("batch")
            })
            .collect();
        let props = WriterProperties::builder()
            .set_column_statistics_enabled(ColumnPath::from("flags"), EnabledStatistics::None)
            .build();
        assert!(eligible(schema.field(1), &props));
        let file = written(&schema, props, &batches);
        let options = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Optional);
        let builder =
            ParquetRecordBatchReaderBuilder::try_new_with_options(file, options).expect("reader");
        let metadata = builder.metadata().clone();
        assert_eq!(metadata.num_row_groups(), 1);
        let pages = &metadata.offset_index().expect("offset index")[0];
        // The key's pages keep parquet-rs's limit of 20,000 rows; the flags' hold more.
        assert!(pages[0].page_locations().len() > 13);
        let rows_per_page: Vec<i64> = {
            let locations = pages[1].page_locations();
            let mut firsts: Vec<i64> = locations.iter().map(|p| p.first_row_index).collect();
            firsts.push(rows as i64);
            firsts.windows(2).map(|w| w[1] - w[0]).collect()
        };
        let full = FLAG_PAGE_ROWS as i64;
        assert_eq!(rows_per_page, vec![full, full, 5]);
        let expected =
            datafusion::arrow::compute::concat_batches(&schema, &batches).expect("concat");
        assert_eq!(read_all(builder, &schema), expected);
    }
}
