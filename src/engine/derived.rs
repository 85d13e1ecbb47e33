//! Checking that partition folders follow the column they are declared to derive from.
//!
//! `partition order_year: int = year(ordered_at)` lets a window on `ordered_at` skip folders
//! (`lower::partitions`). If the folders did not follow the column (written by another date),
//! rows would be skipped that the rules count: a wrong result. So each Parquet file's footer
//! statistics (the smallest and largest `ordered_at`) are compared with its folder's value before
//! anything runs; a file whose values fall outside its folder is E0721.

use std::sync::Arc;

use futures::StreamExt as _;

use chrono::{Datelike, NaiveDate};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::datasource::listing::ListingOptions;
use datafusion::execution::context::SessionState;
use datafusion::object_store::{ObjectMeta, ObjectStore};

use super::Resolved;
use crate::diagnostics::{DataDiagnostic, Diagnostic, Unfollowed};
use crate::hir::{self, DerivedFunction};

/// Every file of `files` whose values of a derived-from column fall outside its folder.
pub(super) async fn check(
    state: &SessionState,
    store: &Arc<dyn ObjectStore>,
    source: &hir::Source,
    location: &Resolved,
    options: &ListingOptions,
    files: &[(&ObjectMeta, SchemaRef)],
) -> Vec<Diagnostic> {
    let derived: Vec<(&hir::Column, &hir::Derived)> = source
        .columns
        .iter()
        .filter_map(|c| c.derived.as_ref().map(|d| (c, d)))
        .collect();
    if derived.is_empty() || source.format != hir::Format::Parquet {
        return Vec::new();
    }
    // The footers are fetched as many at a time as the schema check did (remote files are
    // one request each), results in path order.
    let stats: Vec<_> = futures::stream::iter(files.iter().map(|(file, schema)| {
        options
            .format
            .infer_stats(state, store, Arc::clone(schema), file)
    }))
    .buffered(super::tables::SCHEMA_READS_AT_ONCE)
    .collect()
    .await;
    let mut problems = Vec::new();
    for ((file, schema), stats) in files.iter().zip(stats) {
        let shown = || location.show_file(&location.file_path(file.location.as_ref()));
        for (partition, derivation) in &derived {
            let from = &source.columns[derivation.column];
            let folder = folder_value(file.location.as_ref(), &partition.name);
            let range = stats.as_ref().ok().and_then(|stats| {
                let index = schema.index_of(&from.name).ok()?;
                let column = stats.column_statistics.get(index)?;
                let low = as_date(column.min_value.get_value()?)?;
                let high = as_date(column.max_value.get_value()?)?;
                Some((low, high))
            });
            let follows = match (&folder, range) {
                (Some(folder), Some((low, high))) => {
                    within(derivation.function, folder, low)
                        && within(derivation.function, folder, high)
                }
                // Without the folder's value or the file's range, nothing shows it follows.
                _ => false,
            };
            if !follows {
                let unfollowed = Unfollowed {
                    span: partition.span,
                    file: shown(),
                    partition: partition.name.clone(),
                    folder: folder.unwrap_or_default(),
                    column: from.name.clone(),
                    range: range.map(|(low, high)| (low.to_string(), high.to_string())),
                };
                problems.push(Diagnostic::Data(DataDiagnostic::PartitionNotFollowed(
                    Box::new(unfollowed),
                )));
                break;
            }
        }
    }
    problems
}

/// The value of `partition` in the folder names of the file at `path` (`order_year=2026`).
fn folder_value(path: &str, partition: &str) -> Option<String> {
    path.split('/').find_map(|segment| {
        let (name, value) = segment.split_once('=')?;
        (name == partition).then(|| value.to_string())
    })
}

/// A date or timestamp statistic as a date.
fn as_date(value: &ScalarValue) -> Option<NaiveDate> {
    match value.cast_to(&DataType::Date32).ok()? {
        ScalarValue::Date32(Some(days)) => {
            NaiveDate::from_num_days_from_ce_opt(days.checked_add(719_163)?)
        }
        _ => None,
    }
}

/// Whether the folder value `folder` (`2026`, `3` or `03`, `2026-03-15`) is what the derivation
/// gives for `date`.
fn within(function: DerivedFunction, folder: &str, date: NaiveDate) -> bool {
    let number = folder.trim().parse::<i64>().ok();
    match function {
        DerivedFunction::Year => number == Some(i64::from(date.year())),
        DerivedFunction::Month => number == Some(i64::from(date.month())),
        DerivedFunction::Date => NaiveDate::parse_from_str(folder.trim(), "%Y-%m-%d") == Ok(date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_values_and_dates_of_statistics() {
        assert_eq!(
            folder_value(
                "lake/orders/order_year=2026/order_month=3/a.parquet",
                "order_month"
            ),
            Some("3".into())
        );
        assert_eq!(folder_value("lake/orders/a.parquet", "order_year"), None);
        let day = NaiveDate::from_ymd_opt(2026, 3, 15).expect("date");
        let micros = day
            .and_hms_opt(23, 59, 0)
            .expect("time")
            .and_utc()
            .timestamp_micros();
        let stat = ScalarValue::TimestampMicrosecond(Some(micros), None);
        assert_eq!(as_date(&stat), Some(day));
        assert!(within(DerivedFunction::Month, "03", day));
        assert!(within(DerivedFunction::Year, "2026", day));
        assert!(!within(DerivedFunction::Year, "2025", day));
        assert!(within(DerivedFunction::Date, "2026-03-15", day));
    }
}
