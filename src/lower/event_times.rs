//! Plans reading only a source's event column: the rows dated after `as_of` a run leaves out
//! (`W0701`) and the newest event time its freshness limit is judged by (`E0725`/`W0702`).

use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{Expr, LogicalPlan, Operator, binary_expr, cast, ident, lit};
use datafusion::prelude::ExprFunctionExt as _;

use super::scans::{Rows, scan_canonical};
use super::{Params, TableLookup, internal, schema};
use crate::diagnostics::{Diagnostic, InternalDiagnostic, Invariant};
use crate::hir::{self, SourceId};
use crate::types::Type;

/// The column counting the rows dated after `as_of`, in an [`event_times_plan`].
pub const LATER_ROWS: &str = "later_rows";
/// The column holding the newest event time among the rows dated after `as_of`.
pub const NEWEST: &str = "newest";
/// The column holding the newest event time from the source's freshness limit on (null when no
/// row is that recent: the data is stale), in an [`event_times_plan`]; the newest of all rows
/// in a [`newest_plan`].
pub const NEWEST_RECENT: &str = "newest_recent";

/// One row over the rows of `source_id` its `where` keeps: how many are dated after `as_of`
/// and the newest among them, and, when the source has a freshness limit, the newest event
/// time from the limit on. Only the event column is read, and the condition stands on the
/// scan (dated after `as_of`, or from the limit on): Parquet row groups whose statistics end
/// before it are skipped, so a run over data stored in time order reads no more than the
/// files' footers and their last row groups. Over the benchmark's 10 million orders, stored
/// out of time order (every row group spans the limit), the limit cost 0.6 s of CPU on one
/// thread in a debug build (5.3 s for the run without it). `max` is not answered from the
/// statistics alone: the source's `where` and the limit filter the rows first.
pub fn event_times_plan(
    program: &hir::Program,
    tables: &dyn TableLookup,
    params: Params,
    source_id: SourceId,
) -> Result<LogicalPlan, Diagnostic> {
    let source = program.source(source_id);
    let column = event_column(source)?;
    let later = later_than(column, params);
    let since = source
        .freshness
        .as_ref()
        .filter(|f| !f.by_modified)
        .and_then(|f| f.since(params.as_of))
        .map(|since| ident(&column.name).gt_eq(time_literal(column, since)));
    // The limit is at most the start of the `as_of` day: the rows from it on include the
    // later ones, so one condition on the scan reads both.
    let kept = since.clone().unwrap_or_else(|| later.clone());
    let filtered = |aggregate: Expr, name: &str| {
        aggregate
            .filter(later.clone())
            .build()
            .map(|e| e.alias(name))
    };
    let span = source.span;
    let mut aggregates = vec![
        filtered(agg::count(lit(1i64)), LATER_ROWS).map_err(internal(span))?,
        filtered(agg::max(ident(&column.name)), NEWEST).map_err(internal(span))?,
    ];
    if let Some(since) = since {
        let recent = agg::max(ident(&column.name)).filter(since).build();
        aggregates.push(recent.map_err(internal(span))?.alias(NEWEST_RECENT));
    }
    scan_canonical(
        program,
        source_id,
        Rows::Read(params),
        tables,
        &[column.name.as_str()],
    )?
    .filter(kept)
    .and_then(|b| b.aggregate(Vec::<Expr>::new(), aggregates))
    .and_then(|b| b.build())
    .map_err(internal(span))
}

/// One row: the newest event time of all the rows of `source_id` its `where` keeps
/// (`NEWEST_RECENT`), for the message about stale data (run only then).
pub fn newest_plan(
    program: &hir::Program,
    tables: &dyn TableLookup,
    params: Params,
    source_id: SourceId,
) -> Result<LogicalPlan, Diagnostic> {
    let source = program.source(source_id);
    let column = event_column(source)?;
    scan_canonical(
        program,
        source_id,
        Rows::Read(params),
        tables,
        &[column.name.as_str()],
    )?
    .aggregate(
        Vec::<Expr>::new(),
        vec![agg::max(ident(&column.name)).alias(NEWEST_RECENT)],
    )
    .and_then(|b| b.build())
    .map_err(internal(source.span))
}

fn event_column(source: &hir::Source) -> Result<&hir::Column, Diagnostic> {
    source
        .event
        .and_then(|i| source.columns.get(i))
        .ok_or_else(|| {
            Diagnostic::Internal(InternalDiagnostic::Invariant {
                span: source.span,
                broken: Invariant::UndeclaredColumn {
                    column: "event".into(),
                },
            })
        })
}

/// Dated after `as_of`: a later day (for a timestamp, from the next midnight on).
fn later_than(column: &hir::Column, params: Params) -> Expr {
    let as_of = lit(schema::date_scalar(params.as_of));
    match column.ty {
        Type::Timestamp => ident(&column.name).gt_eq(cast(
            binary_expr(
                as_of,
                Operator::Plus,
                lit(schema::interval(hir::DurationValue::Fixed {
                    micros: schema::MICROS_PER_DAY,
                })),
            ),
            schema::canonical_type(&column.ty),
        )),
        _ => ident(&column.name).gt(as_of),
    }
}

/// `time` as a value of the event column's type: a date is the day holding it.
fn time_literal(column: &hir::Column, time: chrono::NaiveDateTime) -> Expr {
    match column.ty {
        Type::Timestamp => lit(datafusion::common::ScalarValue::TimestampMicrosecond(
            Some(time.and_utc().timestamp_micros()),
            None,
        )),
        _ => lit(schema::date_scalar(time.date())),
    }
}
