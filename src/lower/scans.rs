//! Scans of the declared sources: the columns read, cast to their canonical types, and the rows
//! kept (a source's `where`, and for the members the population's `where` and event cut), the
//! filter placed right on the scan so that DataFusion pushes it into the reader (Parquet row
//! groups pruned by their statistics).

use std::collections::HashMap;

use datafusion::common::Column;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, ident};

use crate::diagnostics::{Diagnostic, InternalDiagnostic, Invariant};
use crate::hir::{self, ExprKind, SourceId};

use super::{Params, Ranks, TableLookup, expr, internal, project, schema};

/// Which rows of a source a scan keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rows {
    /// Every row of the data (checking the keys of the data itself).
    All,
    /// The rows the source's `where` keeps: for aggregates and lookups.
    Read(Params),
    /// The members: the rows of the population source its `where`, the population's `where`
    /// and its event cut keep.
    Members(Params),
}

/// A scan of `source_id` reading `names`, each cast to its canonical type and named as
/// declared, keeping `rows`.
pub(super) fn scan_canonical(
    program: &hir::Program,
    source_id: SourceId,
    rows: Rows,
    tables: &dyn TableLookup,
    names: &[&str],
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let source = program.source(source_id);
    let (conditions, params): (Vec<&hir::Expr>, Params) = match rows {
        Rows::All => return read(source, tables, names),
        Rows::Read(params) => (source.filter.iter().collect(), params),
        Rows::Members(params) => (
            source
                .filter
                .iter()
                .chain(program.population_filter.as_ref())
                .collect(),
            params,
        ),
    };
    if conditions.is_empty() {
        return read(source, tables, names);
    }
    // The columns the conditions read are read too, and dropped after them.
    let mut read_names: Vec<&str> = names.to_vec();
    for condition in &conditions {
        condition.visit(&mut |e| {
            if let ExprKind::Column { source, column } = e.kind
                && source == source_id
            {
                let name = program.source(source).columns[column].name.as_str();
                if !read_names.contains(&name) {
                    read_names.push(name);
                }
            }
        });
    }
    let no_aggregates = HashMap::new();
    let no_ranks = Ranks::default();
    let lowerer = expr::Lowerer::new(program, params, &no_aggregates, &no_ranks);
    let mut kept: Option<Expr> = None;
    for condition in conditions {
        let lowered = lowerer.lower(condition)?;
        kept = Some(match kept {
            Some(k) => k.and(lowered),
            None => lowered,
        });
    }
    let mut builder = read(source, tables, &read_names)?;
    if let Some(kept) = kept {
        builder = builder.filter(kept).map_err(internal(source.span))?;
    }
    if read_names.len() > names.len() {
        builder =
            project(builder, names.iter().map(|n| ident(*n))).map_err(internal(source.span))?;
    }
    Ok(builder)
}

/// The scan of `names` of `source`, cast to their canonical types.
fn read(
    source: &hir::Source,
    tables: &dyn TableLookup,
    names: &[&str],
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let span = source.span;
    let table = tables.table(source)?;
    let table_schema = table.schema();
    // Looked up in maps (the first of a name, as `column_with_name` finds it): searching the
    // schema and the declaration for each column was quadratic in wide sources (20,000 columns).
    let mut fields: HashMap<&str, usize> = HashMap::new();
    for (index, field) in table_schema.fields().iter().enumerate() {
        fields.entry(field.name().as_str()).or_insert(index);
    }
    let mut declared: HashMap<&str, &hir::Column> = HashMap::new();
    for column in &source.columns {
        declared.entry(column.name.as_str()).or_insert(column);
    }
    let mut projection = Vec::with_capacity(names.len());
    let mut canonical = Vec::with_capacity(names.len());
    for name in names {
        let index = *fields.get(name).ok_or_else(|| {
            Diagnostic::Internal(InternalDiagnostic::Invariant {
                span,
                broken: Invariant::TableWithoutColumn {
                    table: source.name.clone(),
                    column: name.to_string(),
                },
            })
        })?;
        let field = table_schema.field(index);
        projection.push(index);
        let column = *declared.get(name).ok_or_else(|| {
            Diagnostic::Internal(InternalDiagnostic::Invariant {
                span,
                broken: Invariant::UndeclaredColumn {
                    column: name.to_string(),
                },
            })
        })?;
        let reference = Expr::Column(Column::new(Some(source.name.as_str()), *name));
        let value = schema::canonical_value(reference, field.data_type(), column, source);
        canonical.push(value.alias(*name));
    }
    LogicalPlanBuilder::scan(source.name.as_str(), table, Some(projection))
        .and_then(|b| project(b, canonical))
        .map_err(internal(span))
}
