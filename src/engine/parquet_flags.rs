//! Parquet column chunks of never-null booleans, written as bit-packed pages directly.
//!
//! Parquet's plain encoding of booleans is one bit per value, least significant bit first: the
//! layout of an Arrow boolean buffer. parquet-rs copies each boolean column into a `Vec<bool>`
//! and packs it again value by value; with hundreds of segment flags that was a fifth of a run.
//! A required (never-null, not repeated) column has no levels, so a data page (version 1) is the
//! packed bytes themselves, compressed: [`FlagChunk`] builds those pages and the chunk's
//! metadata, and the row group splices the chunk in like any encoded column.

use bytes::Bytes;
use datafusion::arrow::array::{Array, BooleanArray, BooleanBufferBuilder};
use datafusion::arrow::datatypes::{DataType, Field};
use parquet::basic::{Compression, Encoding, EncodingMask, PageType};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{ColumnChunkMetaData, OffsetIndexBuilder, PageEncodingStats};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::{ColumnDescPtr, ColumnPath};

/// Whether `field` (a top-level column at `path`) can be written by a [`FlagChunk`] with
/// `props`: a never-null boolean without statistics or bloom filter, in version 1 pages,
/// uncompressed or zstd.
pub(super) fn eligible(field: &Field, props: &WriterProperties) -> bool {
    let path = ColumnPath::from(field.name().as_str());
    field.data_type() == &DataType::Boolean
        && !field.is_nullable()
        && props.statistics_enabled(&path) == EnabledStatistics::None
        && props.bloom_filter_properties(&path).is_none()
        && props.writer_version() == WriterVersion::PARQUET_1_0
        && matches!(
            props.compression(&path),
            Compression::UNCOMPRESSED | Compression::ZSTD(_)
        )
}

/// One row group's chunk of an [`eligible`] column, collected as bits.
pub(super) struct FlagChunk {
    descr: ColumnDescPtr,
    compression: Compression,
    page_rows: usize,
    offset_index: bool,
    bits: BooleanBufferBuilder,
}

impl FlagChunk {
    /// An empty chunk of the column `descr`, paged as `props` asks.
    pub(super) fn new(descr: ColumnDescPtr, props: &WriterProperties) -> FlagChunk {
        let compression = props.compression(descr.path());
        // Pages start on a byte: a whole number of bytes per page, within both limits.
        let by_size = props.data_page_size_limit().saturating_mul(8);
        let page_rows = props.data_page_row_count_limit().min(by_size) / 8 * 8;
        FlagChunk {
            descr,
            compression,
            page_rows: page_rows.max(8),
            offset_index: !props.offset_index_disabled(),
            bits: BooleanBufferBuilder::new(0),
        }
    }

    /// Appends `flags` (a null, which the schema excludes, would be written as false).
    pub(super) fn write(&mut self, flags: &BooleanArray) {
        match flags.nulls() {
            Some(valid) => self.bits.append_buffer(&(flags.values() & valid.inner())),
            None => self.bits.append_buffer(flags.values()),
        }
    }

    /// The chunk's bytes (its pages) and what the row group needs to splice them in.
    pub(super) fn close(mut self) -> Result<(Bytes, ColumnCloseResult)> {
        let rows = self.bits.len();
        let bits = self.bits.finish();
        let packed = bits.inner().as_slice();
        let mut sink = TrackedWrite::new(Vec::new());
        // One compression context for the chunk's pages (making one costs more than a page).
        let mut zstd = match self.compression {
            Compression::ZSTD(level) => {
                Some(zstd::bulk::Compressor::new(level.compression_level())?)
            }
            _ => None,
        };
        let mut offsets = OffsetIndexBuilder::new();
        let (mut compressed_size, mut uncompressed_size, mut pages) = (0u64, 0u64, 0i32);
        {
            let mut writer = SerializedPageWriter::new(&mut sink);
            for start in (0..rows).step_by(self.page_rows) {
                let values = (rows - start).min(self.page_rows);
                let raw = packed
                    .get(start / 8..(start + values).div_ceil(8))
                    .ok_or_else(|| ParquetError::General("flag bits out of range".into()))?;
                let buf = match zstd.as_mut() {
                    Some(compressor) => compressor.compress(raw)?,
                    None => raw.to_vec(),
                };
                let page = Page::DataPage {
                    buf: Bytes::from(buf),
                    num_values: u32::try_from(values)
                        .map_err(|_| ParquetError::General("page too large".into()))?,
                    encoding: Encoding::PLAIN,
                    def_level_encoding: Encoding::RLE,
                    rep_level_encoding: Encoding::RLE,
                    statistics: None,
                };
                let spec = writer.write_page(CompressedPage::new(page, raw.len()))?;
                offsets.append_offset_and_size(spec.offset as i64, spec.compressed_size as i32);
                offsets.append_row_count(values as i64);
                compressed_size += spec.compressed_size as u64;
                uncompressed_size += spec.uncompressed_size as u64;
                pages += 1;
            }
            writer.close()?;
        }
        let mut metadata = ColumnChunkMetaData::builder(self.descr)
            .set_compression(self.compression)
            .set_encodings_mask(EncodingMask::new_from_encodings(
                [Encoding::PLAIN, Encoding::RLE].iter(),
            ))
            .set_total_compressed_size(compressed_size as i64)
            .set_total_uncompressed_size(uncompressed_size as i64)
            .set_num_values(rows as i64)
            .set_data_page_offset(0);
        if pages > 0 {
            metadata = metadata.set_page_encoding_stats(vec![PageEncodingStats {
                page_type: PageType::DATA_PAGE,
                encoding: Encoding::PLAIN,
                count: pages,
            }]);
        }
        let bytes_written = sink.bytes_written() as u64;
        let close = ColumnCloseResult {
            bytes_written,
            rows_written: rows as u64,
            metadata: metadata.build()?,
            bloom_filter: None,
            column_index: None,
            offset_index: self.offset_index.then(|| offsets.build()),
        };
        Ok((Bytes::from(sink.into_inner()?), close))
    }
}
