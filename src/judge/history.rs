//! The KPI history: a run's judged rows as a table, one row per KPI and group, for
//! `segc kpi --save-history` (a Delta table partitioned by `as_of`, docs/lakes.md).

use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::error::ArrowError;

use super::Row;

/// The history's columns: (name, type, nullable), in order.
const COLUMNS: [(&str, DataType, bool); 18] = [
    ("as_of", DataType::Date32, false),
    ("rules", DataType::Utf8, false),
    ("kpi", DataType::Utf8, false),
    ("label", DataType::Utf8, true),
    ("group_kind", DataType::Utf8, false),
    ("group", DataType::Utf8, false),
    ("tiers", DataType::Utf8, true),
    ("members", DataType::Int64, false),
    ("value", DataType::Float64, true),
    ("unit", DataType::Utf8, false),
    ("target", DataType::Utf8, false),
    ("goal_low", DataType::Float64, true),
    ("goal_high", DataType::Float64, true),
    ("baseline", DataType::Float64, true),
    ("baseline_as_of", DataType::Date32, true),
    ("deadline", DataType::Date32, true),
    ("expected", DataType::Float64, true),
    ("status", DataType::Utf8, false),
];

/// The judged `rows` of the rule file `rules` at `as_of` as one batch of the history, with a
/// last column `warning`.
pub fn history_batch(
    rules: &str,
    as_of: NaiveDate,
    rows: &[Row],
) -> Result<RecordBatch, ArrowError> {
    let mut fields: Vec<Field> = COLUMNS
        .iter()
        .map(|(name, data_type, nullable)| Field::new(*name, data_type.clone(), *nullable))
        .collect();
    fields.push(Field::new("warning", DataType::Boolean, false));
    let text = |f: &dyn Fn(&Row) -> Option<String>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<StringArray>())
    };
    let number = |f: &dyn Fn(&Row) -> Option<f64>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<Float64Array>())
    };
    let date = |f: &dyn Fn(&Row) -> Option<NaiveDate>| -> ArrayRef {
        Arc::new(rows.iter().map(|r| f(r).map(days)).collect::<Date32Array>())
    };
    let columns: Vec<ArrayRef> = vec![
        date(&|_| Some(as_of)),
        text(&|_| Some(rules.to_string())),
        text(&|r| Some(r.kpi.clone())),
        text(&|r| r.label.clone()),
        text(&|r| Some(word(&r.group.kind))),
        text(&|r| Some(r.group.name.clone())),
        text(&|r| r.group.tiers.clone()),
        Arc::new(
            rows.iter()
                .map(|r| Some(i64::try_from(r.members).unwrap_or(i64::MAX)))
                .collect::<Int64Array>(),
        ),
        number(&|r| r.value),
        text(&|r| Some(word(&r.unit))),
        text(&|r| Some(r.target.clone())),
        number(&|r| r.goal_low),
        number(&|r| r.goal_high),
        number(&|r| r.baseline.as_ref().map(|b| b.value)),
        date(&|r| r.baseline.as_ref().and_then(|b| b.as_of)),
        date(&|r| r.deadline),
        number(&|r| r.expected),
        text(&|r| Some(word(&r.status))),
        Arc::new(
            rows.iter()
                .map(|r| Some(r.warning))
                .collect::<BooleanArray>(),
        ),
    ];
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

/// A value's name as the JSON report writes it (`on_track`, `ratio`, `segment`).
fn word(value: &impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn days(date: NaiveDate) -> i32 {
    datafusion::arrow::datatypes::Date32Type::from_naive_date(date)
}
