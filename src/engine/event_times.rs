//! What the event columns of the sources a run reads say, measured before anything is written:
//! the rows a run leaves out because they are dated after `as_of` (`W0701`), and whether each
//! source with a freshness limit has rows recent enough (`E0725`, `W0702` with `else warn`).
//! One small plan per source, reading only its event column with its condition on the scan
//! (see `lower::event_times_plan`).

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Int64Type;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::array_value_to_string;
use serde::Serialize;

use super::Engine;
use crate::diagnostics::{DataDiagnostic, Diagnostic, Stale};
use crate::hir;
use crate::lower::{self, LATER_ROWS, NEWEST, NEWEST_RECENT, Params};
use crate::span::Span;
use crate::types::Type;

/// What the event columns of the sources a run reads say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventTimes {
    /// `W0701`: the rows dated after `as_of` left out, per source that has some.
    pub later: Vec<Diagnostic>,
    /// Per source with a freshness limit, in declaration order.
    pub freshness: Vec<MeasuredFreshness>,
}

impl EventTimes {
    /// The warnings to show with the run: rows left out, and stale sources that say `else
    /// warn`.
    pub fn warnings(&self) -> Vec<Diagnostic> {
        let stale = self.freshness.iter().filter(|f| f.warn);
        let mut warnings = self.later.clone();
        warnings.extend(stale.filter_map(MeasuredFreshness::diagnostic));
        warnings
    }

    /// `E0725` for each stale source without `else warn`: the run stops before writing.
    pub fn errors(&self) -> Vec<Diagnostic> {
        let stale = self.freshness.iter().filter(|f| !f.warn);
        stale.filter_map(MeasuredFreshness::diagnostic).collect()
    }
}

/// The freshness of one source measured against its limit, as `summary.json` records it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasuredFreshness {
    /// The source.
    pub source: String,
    /// Its event column (null for a source judged `by modified`).
    pub column: Option<String>,
    /// The limit as written (`2 days`).
    pub within: String,
    /// The oldest the newest event time (or modification) may be: `as_of` moved back by the
    /// limit.
    pub since: String,
    /// The newest event time in the data (null when no row is dated), or, `by modified`, its
    /// last modification (UTC; null when unknown).
    pub newest: Option<String>,
    /// Whether some row is dated `since` or later (`by modified`: the data was modified then
    /// or later).
    pub fresh: bool,
    /// Whether stale data is a warning (`else warn`).
    #[serde(skip)]
    pub warn: bool,
    /// The evaluation date.
    #[serde(skip)]
    pub as_of: String,
    /// The `fresh within` clause.
    #[serde(skip)]
    pub span: Span,
}

impl MeasuredFreshness {
    /// `E0725` (or `W0702` with `else warn`) when the source is stale.
    pub fn diagnostic(&self) -> Option<Diagnostic> {
        (!self.fresh).then(|| {
            Diagnostic::Data(DataDiagnostic::Stale(Box::new(Stale {
                source: self.source.clone(),
                column: self.column.clone(),
                newest: self.newest.clone(),
                since: self.since.clone(),
                within: self.within.clone(),
                as_of: self.as_of.clone(),
                warn: self.warn,
                span: self.span,
            })))
        })
    }
}

impl Engine {
    /// Measures, for each source the plans read, the rows dated after `as_of` (when an
    /// aggregate or the population cuts it there) and its freshness (when it has a limit).
    pub async fn event_times(
        &self,
        program: &hir::Program,
        params: Params,
    ) -> Result<EventTimes, Diagnostic> {
        self.event_times_of(program, params, None).await
    }

    /// [`Engine::event_times`] of the sources in `only` (when given): an engine shared by the
    /// files of a project has the sources of all of them registered, and each file's run
    /// measures those its own plan reads, as when it runs alone.
    pub async fn event_times_of(
        &self,
        program: &hir::Program,
        params: Params,
        only: Option<&std::collections::BTreeSet<hir::SourceId>>,
    ) -> Result<EventTimes, Diagnostic> {
        let mut measured = EventTimes::default();
        // Sources not registered are not read by the plans this engine runs.
        let read = (0..program.sources.len()).map(hir::SourceId).filter(|id| {
            let source = program.source(*id);
            self.tables.contains_key(&source.name)
                && only.is_none_or(|only| only.contains(id))
                && (program.dated.contains(id) || source.freshness.is_some())
        });
        for id in read {
            let source = program.source(id);
            if let Some(limit) = source.freshness.as_ref().filter(|f| f.by_modified) {
                let modified = self.modified.get(&source.name).copied().flatten();
                measured
                    .freshness
                    .push(by_modification(source, limit, modified, params));
                if !program.dated.contains(&id) {
                    continue;
                }
            }
            let plan = lower::event_times_plan(program, self, params, id)?;
            let batches = self.collect(program, &plan).await?;
            let row = batches.iter().find(|b| b.num_rows() > 0);
            if program.dated.contains(&id)
                && let Some(later) = row.and_then(|batch| later_rows(program, id, batch, params))
            {
                measured.later.push(later);
            }
            if let Some(limit) = source.freshness.as_ref().filter(|f| !f.by_modified) {
                let recent = row.and_then(|batch| value(batch, NEWEST_RECENT));
                let freshness = self.freshness(program, params, id, limit, recent).await?;
                measured.freshness.push(freshness);
            }
        }
        Ok(measured)
    }

    /// The freshness of `id` given the newest event time from its limit on (`recent`); when
    /// there is none, the newest of all is measured for the message.
    async fn freshness(
        &self,
        program: &hir::Program,
        params: Params,
        id: hir::SourceId,
        limit: &hir::Freshness,
        recent: Option<String>,
    ) -> Result<MeasuredFreshness, Diagnostic> {
        let source = program.source(id);
        let column = source.event.and_then(|i| source.columns.get(i));
        let fresh = recent.is_some();
        let newest = match recent {
            Some(newest) => Some(newest),
            None => {
                let plan = lower::newest_plan(program, self, params, id)?;
                let batches = self.collect(program, &plan).await?;
                let row = batches.iter().find(|b| b.num_rows() > 0);
                row.and_then(|batch| value(batch, NEWEST_RECENT))
            }
        };
        let since = limit.since(params.as_of).map(|since| match column {
            Some(c) if c.ty == Type::Timestamp => since.format(TIME).to_string(),
            _ => since.date().to_string(),
        });
        Ok(MeasuredFreshness {
            source: source.name.clone(),
            column: column.map(|c| c.name.clone()),
            within: limit.text.clone(),
            since: since.unwrap_or_default(),
            newest,
            fresh,
            warn: limit.warn,
            as_of: params.as_of.to_string(),
            span: limit.span,
        })
    }
}

/// How times are shown (UTC for modification times).
const TIME: &str = "%Y-%m-%dT%H:%M:%S";

/// The freshness of a source judged `by modified`, from the last modification its
/// registration read (`None`: unknown, which is stale).
fn by_modification(
    source: &hir::Source,
    limit: &hir::Freshness,
    modified: Option<chrono::DateTime<chrono::Utc>>,
    params: Params,
) -> MeasuredFreshness {
    let since = limit.since(params.as_of);
    let fresh = match (modified, since) {
        (Some(modified), Some(since)) => modified.naive_utc() >= since,
        _ => false,
    };
    MeasuredFreshness {
        source: source.name.clone(),
        column: None,
        within: limit.text.clone(),
        since: since
            .map(|s| s.format(TIME).to_string())
            .unwrap_or_default(),
        newest: modified.map(|m| m.naive_utc().format(TIME).to_string()),
        fresh,
        warn: limit.warn,
        as_of: params.as_of.to_string(),
        span: limit.span,
    }
}

/// `W0701` when the row of an event-times plan counts rows dated after `as_of`.
fn later_rows(
    program: &hir::Program,
    id: hir::SourceId,
    batch: &RecordBatch,
    params: Params,
) -> Option<Diagnostic> {
    let rows = batch
        .column_by_name(LATER_ROWS)
        .and_then(|c| c.as_primitive_opt::<Int64Type>())
        .filter(|c| c.is_valid(0))
        .map_or(0, |c| c.value(0));
    if rows <= 0 {
        return None;
    }
    let source = program.source(id);
    let column = source.event.and_then(|i| source.columns.get(i))?;
    Some(Diagnostic::Data(DataDiagnostic::LaterRows {
        source: source.name.clone(),
        column: column.name.clone(),
        rows: rows.unsigned_abs(),
        newest: value(batch, NEWEST).unwrap_or_default(),
        as_of: params.as_of.to_string(),
        span: column.span,
    }))
}

/// The first row's value of the column `name`, as text (`None` when null).
fn value(batch: &RecordBatch, name: &str) -> Option<String> {
    let column = batch.column_by_name(name)?;
    if column.is_null(0) {
        return None;
    }
    array_value_to_string(column, 0).ok()
}
