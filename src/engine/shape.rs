//! Membership batches as every writer takes them: the plan's batches unpacked to one column
//! per output, in the chosen layout, with the population key checked (present and unique)
//! and each output tallied for the summary on the way.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray, UInt32Array};
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::ScalarValue;

use super::output::{Layout, Outputs};
use crate::lower::Packing;

/// What an output column holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) enum ColumnKind {
    /// A segment: membership flags.
    Flag,
    /// Tiers: the tier's name (or null).
    Category,
    /// A score, or an `output let` of a number.
    Number,
    /// An `output let` of text or a condition: its values are counted.
    Text,
    /// An `output let` of a date or timestamp: its range is kept.
    Range,
}

impl ColumnKind {
    /// The kind of column an `output let` of type `ty` is written to.
    pub(super) fn of_value(ty: &crate::types::Type) -> ColumnKind {
        if ty.is_numeric() {
            ColumnKind::Number
        } else if ty.is_temporal() {
            ColumnKind::Range
        } else {
            ColumnKind::Text
        }
    }
}

/// How many distinct score values are reported one by one in the summary.
const MAX_DISTINCT_SCORES: usize = 50;

/// How many distinct values of a text `output let` are counted one by one in the summary.
pub(super) const MAX_DISTINCT_TEXTS: usize = 1000;

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
    /// Values of a text column.
    Text {
        /// Members with a value.
        count: u64,
        /// Members per value, while there are at most [`MAX_DISTINCT_TEXTS`] of them.
        values: Option<std::collections::HashMap<String, u64>>,
    },
    /// The range of a date or timestamp column, in ISO 8601 (which orders as the values do).
    Range {
        /// Members with a value.
        count: u64,
        /// The earliest.
        min: Option<String>,
        /// The latest.
        max: Option<String>,
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
            ColumnKind::Text => Tally::Text {
                count: 0,
                values: Some(Default::default()),
            },
            ColumnKind::Range => Tally::Range {
                count: 0,
                min: None,
                max: None,
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
            Tally::Text { count, values } => {
                let text = datafusion::arrow::compute::cast(column, &DataType::Utf8)
                    .map_err(|e| e.to_string())?;
                let text = text.as_string::<i32>();
                *count += (text.len() - text.null_count()) as u64;
                if let Some(map) = values {
                    for value in text.iter().flatten() {
                        match map.get_mut(value) {
                            Some(n) => *n += 1,
                            None => {
                                map.insert(value.to_string(), 1);
                            }
                        }
                    }
                    if map.len() > MAX_DISTINCT_TEXTS {
                        *values = None;
                    }
                }
            }
            Tally::Range { count, min, max } => {
                let text = datafusion::arrow::compute::cast(column, &DataType::Utf8)
                    .map_err(|e| e.to_string())?;
                let text = text.as_string::<i32>();
                *count += (text.len() - text.null_count()) as u64;
                if let Some(low) = datafusion::arrow::compute::min_string(text)
                    && min.as_deref().is_none_or(|m| low < m)
                {
                    *min = Some(low.to_string());
                }
                if let Some(high) = datafusion::arrow::compute::max_string(text)
                    && max.as_deref().is_none_or(|m| high > m)
                {
                    *max = Some(high.to_string());
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

impl Tally {
    /// Adds `other`, tallied over other rows of the same column: the tally of both sets of rows
    /// (members written in parts, `engine::parts`). Distinct values stay listed only while
    /// there are few, as when every row is tallied in one pass; a sum of floats may differ
    /// from one pass's in its last bits (other order of additions).
    #[cfg_attr(not(feature = "cluster"), allow(dead_code))]
    pub(super) fn absorb(&mut self, other: Tally) -> Result<(), String> {
        match (self, other) {
            (Tally::Flag(n), Tally::Flag(m)) => *n += m,
            (Tally::Category(counts), Tally::Category(more)) => {
                for (tier, n) in more {
                    *counts.entry(tier).or_default() += n;
                }
            }
            (
                Tally::Text { count, values },
                Tally::Text {
                    count: more,
                    values: more_values,
                },
            ) => {
                *count += more;
                *values = match (values.take(), more_values) {
                    (Some(mut map), Some(more)) => {
                        for (value, n) in more {
                            *map.entry(value).or_default() += n;
                        }
                        (map.len() <= MAX_DISTINCT_TEXTS).then_some(map)
                    }
                    _ => None,
                };
            }
            (
                Tally::Range { count, min, max },
                Tally::Range {
                    count: more,
                    min: low,
                    max: high,
                },
            ) => {
                *count += more;
                if low
                    .as_deref()
                    .is_some_and(|l| min.as_deref().is_none_or(|m| l < m))
                {
                    *min = low;
                }
                if high
                    .as_deref()
                    .is_some_and(|h| max.as_deref().is_none_or(|m| h > m))
                {
                    *max = high;
                }
            }
            (
                Tally::Number {
                    count,
                    sum,
                    min,
                    max,
                    values,
                },
                Tally::Number {
                    count: more,
                    sum: more_sum,
                    min: low,
                    max: high,
                    values: more_values,
                },
            ) => {
                *count += more;
                *sum += more_sum;
                *min = [*min, low].into_iter().flatten().reduce(f64::min);
                *max = [*max, high].into_iter().flatten().reduce(f64::max);
                *values = match (values.take(), more_values) {
                    (Some(mut map), Some(more)) => {
                        for (key, (x, n)) in more {
                            map.entry(key).or_insert((x, 0)).1 += n;
                        }
                        (map.len() <= MAX_DISTINCT_SCORES).then_some(map)
                    }
                    _ => None,
                };
            }
            (mine, theirs) => {
                return Err(format!(
                    "tallies of different kinds: {mine:?} and {theirs:?}"
                ));
            }
        }
        Ok(())
    }
}

impl Counts {
    /// The counts of no member, for `outputs`.
    pub(super) fn empty(outputs: &Outputs<'_>) -> Counts {
        let columns = outputs.columns;
        Counts {
            members: 0,
            columns: columns.iter().map(|(_, kind)| Tally::new(kind)).collect(),
            overlaps: outputs
                .overlaps
                .map(|subjects| super::overlaps::OverlapTally::new(columns, subjects)),
            hidden: vec![0; outputs.hidden.len()],
        }
    }

    /// Adds `other`, counted over other rows of the same plan (see [`Tally::absorb`]).
    #[cfg_attr(not(feature = "cluster"), allow(dead_code))]
    pub(super) fn absorb(&mut self, other: Counts) -> Result<(), String> {
        if self.columns.len() != other.columns.len() || self.hidden.len() != other.hidden.len() {
            return Err("counts of different outputs".into());
        }
        self.members += other.members;
        for (tally, more) in self.columns.iter_mut().zip(other.columns) {
            tally.absorb(more)?;
        }
        for (n, m) in self.hidden.iter_mut().zip(other.hidden) {
            *n += m;
        }
        match (&mut self.overlaps, other.overlaps) {
            (Some(mine), Some(theirs)) => mine.absorb(&theirs),
            (None, None) => Ok(()),
            _ => Err("overlaps counted on one side only".into()),
        }
    }
}

/// A population key that does not identify one member.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
    /// The members every two segments share, when asked for.
    pub overlaps: Option<super::overlaps::OverlapTally>,
    /// Members of each hidden flag ([`Outputs::hidden`]), in order.
    pub hidden: Vec<u64>,
}

/// Why a batch could not be shaped.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Unshaped {
    /// The population key does not identify one member.
    Key(KeyProblem),
    /// The batch did not have the plan's columns (an internal fault), in Arrow's words.
    Columns(String),
}

/// Turns the membership plan's batches into output batches, checking and counting them.
pub(super) struct Shaper {
    columns: Vec<(String, ColumnKind)>,
    packing: Packing,
    layout: Layout,
    unpacked: SchemaRef,
    schema: SchemaRef,
    keys: KeyCheck,
    counts: Counts,
}

impl Shaper {
    /// A shaper for the batches of a plan with schema `plan`.
    pub(super) fn new(outputs: &Outputs<'_>, layout: Layout, plan: &Schema) -> Shaper {
        let columns = outputs.columns.to_vec();
        let mut names: Vec<String> = columns.iter().map(|(name, _)| name.clone()).collect();
        names.extend(outputs.hidden.iter().cloned());
        let unpacked = super::unpack::unpacked_schema(outputs.packing, plan, &names);
        let written: Vec<usize> = (0..=columns.len()).collect();
        // Without the hidden flags (a projection of existing fields cannot fail).
        let shown = Arc::new(
            unpacked
                .project(&written)
                .unwrap_or_else(|_| (*unpacked).clone()),
        );
        let schema = match layout {
            Layout::Wide => wide_schema(&shown, &columns),
            Layout::Long => long_schema(&shown),
        };
        let counts = Counts::empty(outputs);
        Shaper {
            columns,
            packing: outputs.packing.clone(),
            layout,
            unpacked,
            schema,
            keys: KeyCheck::default(),
            counts,
        }
    }

    /// The schema of the output batches.
    pub(super) fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// What was counted so far.
    pub(super) fn counts(&self) -> &Counts {
        &self.counts
    }

    /// What was counted, once every batch is shaped.
    pub(super) fn into_counts(self) -> Counts {
        self.counts
    }

    /// The output rows of one batch of the plan.
    pub(super) fn shape(&mut self, batch: &RecordBatch) -> Result<RecordBatch, Unshaped> {
        let columns = |e: datafusion::arrow::error::ArrowError| Unshaped::Columns(e.to_string());
        let batch =
            super::unpack::unpacked(&self.packing, batch, &self.unpacked).map_err(columns)?;
        self.keys.check(batch.column(0)).map_err(Unshaped::Key)?;
        self.counts.members += batch.num_rows() as u64;
        for (i, tally) in self.counts.columns.iter_mut().enumerate() {
            tally.add(batch.column(i + 1)).map_err(Unshaped::Columns)?;
        }
        let shown = 1 + self.columns.len();
        for (i, members) in self.counts.hidden.iter_mut().enumerate() {
            let flags = batch.column(shown + i).as_boolean_opt();
            *members += flags.map_or(0, |f| f.true_count() as u64);
        }
        let batch = match self.counts.hidden.is_empty() {
            true => batch,
            false => batch
                .project(&(0..shown).collect::<Vec<_>>())
                .map_err(columns)?,
        };
        if let Some(overlaps) = &mut self.counts.overlaps {
            overlaps.add(&batch).map_err(Unshaped::Columns)?;
        }
        match self.layout {
            // The same columns, declared never null (checked here).
            Layout::Wide => {
                RecordBatch::try_new(Arc::clone(&self.schema), batch.columns().to_vec())
                    .map_err(columns)
            }
            Layout::Long => to_long(&batch, &self.schema, &self.columns).map_err(Unshaped::Columns),
        }
    }
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
                // Values are not tags: the long layout leaves them out, as scores.
                ColumnKind::Number | ColumnKind::Text | ColumnKind::Range => {}
            }
        }
    }
    let keys = take(batch.column(0), &UInt32Array::from(rows), None).map_err(|e| e.to_string())?;
    let segments: ArrayRef = Arc::new(StringArray::from(tags));
    RecordBatch::try_new(schema.clone(), vec![keys, segments]).map_err(|e| e.to_string())
}
