//! Parquet column chunks of never-null booleans, written as bit-packed pages directly.
//!
//! Parquet's plain encoding of booleans is one bit per value, least significant bit first: the
//! layout of an Arrow boolean buffer. parquet-rs copies each boolean column into a `Vec<bool>`
//! and packs it again value by value; with hundreds of segment flags that was a fifth of a run.
//! A required (never-null, not repeated) column has no levels, so a data page (version 1) is the
//! packed bytes themselves, compressed: [`FlagChunk`] builds those pages and the chunk's
//! metadata, and the row group splices the chunk in like any encoded column.

use std::cell::RefCell;

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

/// Rows per page of flags: 16 KiB of bits. parquet-rs's row limit for pages (20,000 rows, 2.5 KiB
/// of flags) serves pages' statistics, which flags do not have; at that size zstd spent as much
/// building each page's tables as compressing it (0.93× the time of a 250-segment run with these
/// pages). Still 8 pages in a row group of a million rows, so that most are compressed while the
/// group fills rather than when it closes.
pub(super) const FLAG_PAGE_ROWS: usize = 1 << 17;

/// One row group's chunk of an [`eligible`] column: its full pages compressed as they fill, the
/// bits of the page still filling.
pub(super) struct FlagChunk {
    descr: ColumnDescPtr,
    compression: Compression,
    page_rows: usize,
    offset_index: bool,
    /// Pages done: their bytes as stored, their length before compression, their rows.
    pages: Vec<(Vec<u8>, usize, usize)>,
    /// Bits not yet in a page (fewer than `page_rows` between writes).
    bits: BooleanBufferBuilder,
}

impl FlagChunk {
    /// An empty chunk of the column `descr`, in pages of [`FLAG_PAGE_ROWS`] rows at most, within
    /// `props`' page size.
    pub(super) fn new(descr: ColumnDescPtr, props: &WriterProperties) -> FlagChunk {
        let compression = props.compression(descr.path());
        // Pages start on a byte: a whole number of bytes per page, within both limits.
        let by_size = props.data_page_size_limit().saturating_mul(8);
        let page_rows = FLAG_PAGE_ROWS.min(by_size) / 8 * 8;
        FlagChunk {
            descr,
            compression,
            page_rows: page_rows.max(8),
            offset_index: !props.offset_index_disabled(),
            pages: Vec::new(),
            bits: BooleanBufferBuilder::new(0),
        }
    }

    /// Appends `flags` (a null, which the schema excludes, would be written as false).
    ///
    /// Full pages are compressed here, on the encoder's thread while the batches still come,
    /// rather than all when the row group closes, where the run waited for them (bench/README.md,
    /// "Sixth round").
    pub(super) fn write(&mut self, flags: &BooleanArray) -> Result<()> {
        match flags.nulls() {
            Some(valid) => self.bits.append_buffer(&(flags.values() & valid.inner())),
            None => self.bits.append_buffer(flags.values()),
        }
        let full = self.bits.len() / self.page_rows * self.page_rows;
        if full == 0 {
            return Ok(());
        }
        for start in (0..full).step_by(self.page_rows) {
            let raw = self
                .bits
                .as_slice()
                .get(start / 8..(start + self.page_rows) / 8)
                .ok_or_else(|| ParquetError::General("flag bits out of range".into()))?;
            let page = compress(self.zstd_level(), raw)?;
            self.pages.push((page, raw.len(), self.page_rows));
        }
        // Keeps the rest (under a page) at the start of a new buffer.
        let rest = self.bits.len() - full;
        let mut kept = BooleanBufferBuilder::new(self.page_rows.max(rest));
        kept.append_packed_range(full..full + rest, self.bits.as_slice());
        self.bits = kept;
        Ok(())
    }

    /// The zstd level of the pages, if compressed ([`eligible`] allows no other codec).
    fn zstd_level(&self) -> Option<i32> {
        match self.compression {
            Compression::ZSTD(level) => Some(level.compression_level()),
            _ => None,
        }
    }

    /// The chunk's bytes (its pages) and what the row group needs to splice them in.
    pub(super) fn close(mut self) -> Result<(Bytes, ColumnCloseResult)> {
        let rest = self.bits.len();
        if rest > 0 {
            let raw = self.bits.as_slice();
            let page = compress(self.zstd_level(), raw)?;
            self.pages.push((page, raw.len(), rest));
        }
        let rows: usize = self.pages.iter().map(|(_, _, rows)| rows).sum();
        let mut sink = TrackedWrite::new(Vec::new());
        let mut offsets = OffsetIndexBuilder::new();
        let (mut compressed_size, mut uncompressed_size) = (0u64, 0u64);
        let pages = i32::try_from(self.pages.len())
            .map_err(|_| ParquetError::General("too many pages".into()))?;
        {
            let mut writer = SerializedPageWriter::new(&mut sink);
            for (buf, raw_len, values) in std::mem::take(&mut self.pages) {
                let page = Page::DataPage {
                    buf: Bytes::from(buf),
                    num_values: u32::try_from(values)
                        .map_err(|_| ParquetError::General("page too large".into()))?,
                    encoding: Encoding::PLAIN,
                    def_level_encoding: Encoding::RLE,
                    rep_level_encoding: Encoding::RLE,
                    statistics: None,
                };
                let spec = writer.write_page(CompressedPage::new(page, raw_len))?;
                offsets.append_offset_and_size(spec.offset as i64, spec.compressed_size as i32);
                offsets.append_row_count(values as i64);
                compressed_size += spec.compressed_size as u64;
                uncompressed_size += spec.uncompressed_size as u64;
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

thread_local! {
    /// One zstd context per encoder thread, shared by its chunks: making one costs more than a
    /// page, and a context per chunk (hundreds per thread) left each one's tables out of the
    /// caches by its next page (1.06× the CPU of a 250-segment run).
    static ZSTD: RefCell<Option<(i32, zstd::bulk::Compressor<'static>)>> = const { RefCell::new(None) };
}

/// A page's bits as stored: compressed at zstd `level`, or as they are without one.
fn compress(level: Option<i32>, raw: &[u8]) -> Result<Vec<u8>> {
    let Some(level) = level else {
        return Ok(raw.to_vec());
    };
    ZSTD.with(|cell| {
        let mut cell = cell.borrow_mut();
        let compressor = match &mut *cell {
            Some((made, compressor)) if *made == level => compressor,
            slot => &mut slot.insert((level, zstd::bulk::Compressor::new(level)?)).1,
        };
        Ok(compressor.compress(raw)?)
    })
}
