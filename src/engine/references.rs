//! The keys of the sources that references lead to: a lookup or a chain joins each row to the
//! one row holding the key its reference holds, so a key on several rows would repeat rows
//! (members, or rows counted twice). Checked before a plan that joins them runs, as the
//! population's keys are checked while writing.
//!
//! Integer keys within a range of at most [`BITS_PER_ROW`] values per row (order ids, customer
//! ids) are checked with a bitmap over the range: a bit set per key, one pass, no hash table.
//! Grouping the 9.9 M order ids of the benchmark at SF 1 to find a repeated one was a sixth of
//! the run's CPU (bench/README.md, issue 23). Other keys are grouped.

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::ScalarValue;
use datafusion::execution::memory_pool::MemoryConsumer;
use datafusion::logical_expr::LogicalPlan;
use futures::StreamExt;

use super::Engine;
use crate::diagnostics::{DataDiagnostic, Diagnostic};
use crate::hir;

/// The widest range of keys, per row, a bitmap is used for (a byte per row).
const BITS_PER_ROW: i128 = 8;

/// The widest range of keys a bitmap is used for whatever the rows (128 KiB).
const BITS_AT_LEAST: i128 = 1 << 20;

impl Engine {
    /// Fails with `E0723` when a source that references lead to has a key on several rows.
    pub(crate) async fn check_referenced_keys(
        &self,
        program: &hir::Program,
    ) -> Result<(), Diagnostic> {
        // Sources not registered are not read by the plans this engine runs.
        for id in program
            .joined_sources()
            .into_iter()
            .filter(|id| self.tables.contains_key(&program.source(*id).name))
        {
            let repeated = match self.repeated_in_range(program, id).await? {
                Some(found) => found,
                None => self.repeated_by_grouping(program, id).await?,
            };
            let Some(value) = repeated else {
                continue;
            };
            let source = program.source(id);
            return Err(Diagnostic::Data(DataDiagnostic::RepeatedReferencedKey {
                source: source.name.clone(),
                span: source.key_column().map_or(source.span, |k| k.span),
                value: value.to_string(),
            }));
        }
        Ok(())
    }

    /// The smallest key of `source` on several rows (null last), by grouping the keys.
    async fn repeated_by_grouping(
        &self,
        program: &hir::Program,
        source: hir::SourceId,
    ) -> Result<Option<ScalarValue>, Diagnostic> {
        let plan = crate::lower::repeated_source_key_plan(program, self, source)?;
        let batches = self.collect(program, &plan).await?;
        Ok(batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .and_then(|b| ScalarValue::try_from_array(b.column(0), 0).ok()))
    }

    /// The smallest key of `source` on several rows (null last), found with a bitmap over the
    /// range of its keys; `None` when the keys are not integers, their range is too wide, or
    /// the memory limit leaves no room for the bitmap (they are then grouped).
    async fn repeated_in_range(
        &self,
        program: &hir::Program,
        source: hir::SourceId,
    ) -> Result<Option<Option<ScalarValue>>, Diagnostic> {
        let (keys, range) = crate::lower::source_key_plans(program, self, source)?;
        let key_type = keys.schema().field(0).data_type().clone();
        if !crate::physical::fits_i64(&key_type) {
            return Ok(None);
        }
        let Some(range) = KeyRange::of(&self.collect(program, &range).await?) else {
            return Ok(None);
        };
        if range.keys == 0 {
            return Ok(Some(range.repeated_null()));
        }
        let bits = i128::from(range.max) - i128::from(range.min) + 1;
        let rows = i128::from(range.rows);
        if bits > (rows * BITS_PER_ROW).max(BITS_AT_LEAST) {
            return Ok(None);
        }
        // The range fits in memory: at most a byte per row, or 128 KiB.
        let bits = bits as usize;
        let reservation = MemoryConsumer::new("segc referenced keys")
            .register(&self.ctx.runtime_env().memory_pool);
        if reservation.try_grow(bits.div_ceil(8)).is_err() {
            return Ok(None);
        }
        let mut bitmap = KeyBitmap::new(range.min, bits);
        let checked = self
            .each_batch(program, &keys, |batch| bitmap.add(batch))
            .await?;
        drop(reservation);
        if !checked {
            // A key outside the range (a statistic was wrong): grouped instead.
            return Ok(None);
        }
        Ok(Some(match bitmap.smallest_repeated {
            Some(key) => Some(
                ScalarValue::Int64(Some(key))
                    .cast_to(&key_type)
                    .map_err(|e| super::execution_failed(program.population().location.span, e))?,
            ),
            None => range.repeated_null(),
        }))
    }

    /// Runs `plan`, giving each batch to `each` until it returns `false`; whether every
    /// batch was taken.
    async fn each_batch(
        &self,
        program: &hir::Program,
        plan: &LogicalPlan,
        mut each: impl FnMut(&RecordBatch) -> bool,
    ) -> Result<bool, Diagnostic> {
        let span = program.population().location.span;
        let physical = self.physical_plan(plan, span).await?;
        let failed = |e| super::execution_failed(span, e);
        let mut stream = datafusion::physical_plan::execute_stream(physical, self.ctx.task_ctx())
            .map_err(failed)?;
        let run = async {
            while let Some(batch) = stream.next().await {
                if !each(&batch.map_err(failed)?) {
                    return Ok(false);
                }
            }
            Ok::<_, Diagnostic>(true)
        };
        match super::panics::contained(run).await {
            Ok(taken) => taken,
            Err(panic) => Err(self.reader_panicked(span, panic).await),
        }
    }
}

/// The smallest and largest key of a source, how many rows have a key and how many rows
/// there are.
struct KeyRange {
    min: i64,
    max: i64,
    keys: i64,
    rows: i64,
}

impl KeyRange {
    /// The range in the one row of `source_key_plans`' second plan.
    fn of(batches: &[RecordBatch]) -> Option<KeyRange> {
        let row = batches.iter().find(|b| b.num_rows() > 0)?;
        let int = |i: usize| -> Option<i64> {
            let column = cast(row.column(i), &DataType::Int64).ok()?;
            let column = column.as_primitive::<Int64Type>();
            column.is_valid(0).then(|| column.value(0))
        };
        let (keys, rows) = (int(2)?, int(3)?);
        if keys == 0 {
            return Some(KeyRange {
                min: 0,
                max: 0,
                keys,
                rows,
            });
        }
        Some(KeyRange {
            min: int(0)?,
            max: int(1)?,
            keys,
            rows,
        })
    }

    /// A null key, when several rows have none (grouping puts them in one group).
    fn repeated_null(&self) -> Option<ScalarValue> {
        (self.rows - self.keys >= 2).then_some(ScalarValue::Null)
    }
}

/// One bit per key of a range: set when a row has that key.
struct KeyBitmap {
    min: i64,
    words: Vec<u64>,
    bits: usize,
    smallest_repeated: Option<i64>,
}

impl KeyBitmap {
    fn new(min: i64, bits: usize) -> KeyBitmap {
        KeyBitmap {
            min,
            words: vec![0; bits.div_ceil(64)],
            bits,
            smallest_repeated: None,
        }
    }

    /// Sets the bits of the keys of `batch` (one integer column); `false` when a key lies
    /// outside the range.
    fn add(&mut self, batch: &RecordBatch) -> bool {
        let Ok(keys) = cast(batch.column(0), &DataType::Int64) else {
            return false;
        };
        let keys = keys.as_primitive::<Int64Type>();
        for key in keys.iter().flatten() {
            let Some(bit) = key
                .checked_sub(self.min)
                .and_then(|b| usize::try_from(b).ok())
                .filter(|b| *b < self.bits)
            else {
                return false;
            };
            let (word, mask) = (bit / 64, 1u64 << (bit % 64));
            if self.words[word] & mask != 0 {
                self.smallest_repeated = Some(self.smallest_repeated.map_or(key, |s| s.min(key)));
            }
            self.words[word] |= mask;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::Int64Array;
    use datafusion::arrow::datatypes::{Field, Schema};

    use super::*;

    fn batch(keys: Vec<Option<i64>>) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, true)]));
        RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from(keys))]).expect("a batch")
    }

    #[test]
    fn the_bitmap_finds_the_smallest_repeated_key_across_batches() {
        let mut bitmap = KeyBitmap::new(-3, 200);
        assert!(bitmap.add(&batch(vec![Some(150), Some(-3), None, Some(64), Some(63)])));
        assert_eq!(bitmap.smallest_repeated, None);
        assert!(bitmap.add(&batch(vec![Some(150), None, Some(196), Some(64)])));
        assert_eq!(bitmap.smallest_repeated, Some(64));
        assert!(bitmap.add(&batch(vec![Some(-3)])));
        assert_eq!(bitmap.smallest_repeated, Some(-3));
    }

    #[test]
    fn a_key_outside_the_range_stops_the_bitmap() {
        let mut bitmap = KeyBitmap::new(10, 5);
        assert!(bitmap.add(&batch(vec![Some(10), Some(14)])));
        assert!(!bitmap.add(&batch(vec![Some(15)])));
        assert!(!bitmap.add(&batch(vec![Some(9)])));
        assert!(!bitmap.add(&batch(vec![Some(i64::MIN)])));
    }
}
