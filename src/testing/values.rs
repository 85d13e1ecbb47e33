//! Judging the values of `output let`s: numbers within the precision written, other values
//! exactly, read from the membership column as values of the `let`'s type.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, TimeUnit, TimestampMicrosecondType};

use crate::diagnostics::ValueMismatch;
use crate::hir::{ExpectedValue, Key, RowValue};
use crate::types::Type;

/// The rows of `expected` whose value differs from the one found in column `name` of `batch`
/// (keyed by `keys`, the batch's first column).
pub(super) fn mismatches(
    batch: &RecordBatch,
    keys: &[Key],
    name: &str,
    ty: &Type,
    expected: &[(Key, ExpectedValue)],
) -> Vec<ValueMismatch> {
    let numbers = || super::numbers(batch, name);
    let found = |key: &Key| keys.iter().position(|k| k == key);
    match ty.is_numeric() {
        true => {
            let column = numbers();
            expected
                .iter()
                .filter_map(|(key, value)| {
                    let ExpectedValue::Number(value) = value else {
                        return None;
                    };
                    let found = found(key).map(|i| column[i]);
                    super::number_row(&key.to_string(), *value, found)
                })
                .collect()
        }
        false => {
            let column = exact_values(batch, name, ty);
            expected
                .iter()
                .filter_map(|(key, value)| {
                    let ExpectedValue::Exact(value) = value else {
                        return None;
                    };
                    let found = found(key).map(|i| column[i].clone());
                    (found.as_ref() != Some(value)).then(|| ValueMismatch {
                        key: key.to_string(),
                        expected: shown(value),
                        member: found.is_some(),
                        found: found.as_ref().and_then(shown),
                    })
                })
                .collect()
        }
    }
}

/// A value as a failure shows it (`None` for null): text quoted, dates and timestamps as
/// written in rules.
fn shown(value: &RowValue) -> Option<String> {
    match value {
        RowValue::Null => None,
        RowValue::Text(t) => Some(format!("{t:?}")),
        RowValue::Bool(b) => Some(b.to_string()),
        RowValue::Date(d) => Some(format!("@{d}")),
        RowValue::Timestamp(t) => Some(format!("@{}", t.format("%Y-%m-%dT%H:%M:%S%.f"))),
        RowValue::Int(i) => Some(i.to_string()),
        RowValue::Float(f) => Some(f.to_string()),
        RowValue::Decimal(d) => Some(d.to_string()),
    }
}

/// The values of a text, enum, boolean, date or timestamp column (nulls when absent).
fn exact_values(batch: &RecordBatch, name: &str, ty: &Type) -> Vec<RowValue> {
    let target = match ty {
        Type::Bool => DataType::Boolean,
        Type::Date => DataType::Date32,
        Type::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        _ => DataType::Utf8,
    };
    let Some(column) = batch
        .column_by_name(name)
        .and_then(|c| cast(c, &target).ok())
    else {
        return vec![RowValue::Null; batch.num_rows()];
    };
    let at = |i: usize| -> RowValue {
        if column.is_null(i) {
            return RowValue::Null;
        }
        match &target {
            DataType::Boolean => RowValue::Bool(column.as_boolean().value(i)),
            DataType::Date32 => {
                let days = column.as_primitive::<Date32Type>().value(i);
                Date32Type::to_naive_date_opt(days).map_or(RowValue::Null, RowValue::from)
            }
            DataType::Timestamp(..) => {
                let micros = column.as_primitive::<TimestampMicrosecondType>().value(i);
                DateTime::from_timestamp_micros(micros)
                    .map_or(RowValue::Null, |t| t.naive_utc().into())
            }
            _ => RowValue::Text(column.as_string::<i32>().value(i).to_string()),
        }
    };
    (0..batch.num_rows()).map(at).collect()
}

impl From<NaiveDate> for RowValue {
    fn from(date: NaiveDate) -> RowValue {
        RowValue::Date(date)
    }
}

impl From<NaiveDateTime> for RowValue {
    fn from(time: NaiveDateTime) -> RowValue {
        RowValue::Timestamp(time)
    }
}
