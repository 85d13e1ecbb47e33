//! Arrow types for the language's types, and declared schemas of sources.

use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::datatypes::{
    DataType, Field, IntervalMonthDayNano, Schema, SchemaRef, TimeUnit,
};
use datafusion::common::ScalarValue;
use datafusion::functions_nested::expr_fn::string_to_array;
use datafusion::logical_expr::{Expr, cast, lit};

use crate::hir::{self, DurationValue};
use crate::types::Type;

/// The Arrow type a value of `ty` has inside segc plans: data is cast to it after scanning.
pub fn canonical_type(ty: &Type) -> DataType {
    match ty {
        Type::Int | Type::Duration | Type::Error => DataType::Int64,
        Type::Float => DataType::Float64,
        Type::Decimal { precision, scale } => DataType::Decimal128(*precision, *scale),
        // Enums stay plain text: DataFusion 55 reads Parquet strings as text and would build a
        // dictionary per batch to give them another type (measured slower, bench/README.md).
        Type::String | Type::Enum(_) => DataType::Utf8,
        Type::Bool => DataType::Boolean,
        Type::Date => DataType::Date32,
        Type::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        Type::Null => DataType::Null,
        Type::List(item) => {
            DataType::List(Arc::new(Field::new_list_field(canonical_type(item), true)))
        }
    }
}

/// A scanned column (`reference`, read as `read`) as a value of its declared type: cast, or for
/// a list column of a CSV source (read as text), split at the source's `list_delimiter`.
pub fn canonical_value(
    reference: Expr,
    read: &DataType,
    column: &hir::Column,
    source: &hir::Source,
) -> Expr {
    let wanted = canonical_type(&column.ty);
    if read == &wanted {
        return reference;
    }
    if let (
        Type::List(_),
        hir::Format::Csv {
            list_delimiter: Some(d),
            ..
        },
    ) = (&column.ty, &source.format)
    {
        let split = string_to_array(
            reference,
            lit((*d as char).to_string()),
            lit(ScalarValue::Utf8(None)),
        );
        return cast(split, wanted);
    }
    cast(reference, wanted)
}

/// The schema a source declares, with canonical types, in declaration order.
pub fn declared_schema(source: &hir::Source) -> SchemaRef {
    let fields: Vec<Field> = source
        .columns
        .iter()
        .map(|c| Field::new(&c.name, canonical_type(&c.ty), c.nullable))
        .collect();
    Arc::new(Schema::new(fields))
}

/// A date as DataFusion's `Date32` (days since 1970-01-01).
pub(super) fn date_scalar(date: NaiveDate) -> ScalarValue {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let days = (date - epoch).num_days();
    ScalarValue::Date32(Some(i32::try_from(days).unwrap_or(i32::MAX)))
}

/// Microseconds in a day.
pub(super) const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A duration as an interval DataFusion adds to dates and timestamps.
pub(super) fn interval(by: DurationValue) -> ScalarValue {
    let value = match by {
        DurationValue::Calendar { months } => IntervalMonthDayNano::new(months, 0, 0),
        DurationValue::Fixed { micros } => {
            let days = micros / MICROS_PER_DAY;
            let rest = micros % MICROS_PER_DAY;
            IntervalMonthDayNano::new(
                0,
                i32::try_from(days).unwrap_or(i32::MAX),
                rest.saturating_mul(1000),
            )
        }
    };
    ScalarValue::IntervalMonthDayNano(Some(value))
}
