//! The grouped aggregate of each related source, ready to join to the members: its rows (joined
//! to the sources of its chain of references and of its lookups), the rows no aggregate takes
//! dropped before grouping, one `FILTER`ed aggregate per distinct aggregate, grouped by the
//! member key; or the same aggregates as a ranking pass kept them. A source two references away
//! whose hop goes through another aggregated source is computed in that source's aggregate
//! (`hops`).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use datafusion::logical_expr::{Expr, JoinType, LogicalPlan, LogicalPlanBuilder, ident};

use crate::diagnostics::{Diagnostic, InternalDiagnostic, Invariant};
use crate::hir::{self, AggregateId, SourceId};
use crate::span::Span;

use super::hops::{self, Hops};
use super::{
    Needed, Params, Ranks, Rows, TableLookup, common_conditions, expr, internal, joins, partitions,
    scan_canonical,
};

/// The grouped aggregates of one related source, ready to join to the members.
pub(super) struct AggregatePlan {
    pub(super) plan: LogicalPlan,
    /// The column holding the member key.
    pub(super) key: String,
    /// The output column of each aggregate (those of the sources folded into it too).
    pub(super) columns: Vec<(AggregateId, String)>,
}

/// The needed aggregates over `source_id`, and over the sources `hops` folds into it: as an
/// earlier ranking pass kept them when it computed them all, else grouped from the rows.
pub(super) fn related_aggregates(
    (program, params): (&hir::Program, Params),
    tables: &dyn TableLookup,
    source_id: SourceId,
    (needed, ranks): (&Needed, &Ranks),
    hops: &Hops,
) -> Result<AggregatePlan, Diagnostic> {
    match precomputed_plan(program, source_id, needed, ranks, hops)? {
        Some(plan) => Ok(plan),
        None => aggregate_plan((program, params), tables, source_id, needed, hops),
    }
}

/// The aggregates computed in `source_id`'s plan, as an earlier ranking pass kept them (one row
/// per member), when it kept every one `needed` asks for.
fn precomputed_plan(
    program: &hir::Program,
    source_id: SourceId,
    needed: &Needed,
    ranks: &Ranks,
    hops: &Hops,
) -> Result<Option<AggregatePlan>, Diagnostic> {
    let Some(pre) = ranks.precomputed(source_id) else {
        return Ok(None);
    };
    let mut columns = Vec::new();
    for id in &needed.aggregates {
        if hops.home(program.aggregates[id.0].source) != source_id {
            continue;
        }
        match pre.columns.iter().find(|(a, _)| a == id) {
            Some(found) => columns.push(found.clone()),
            None => return Ok(None),
        }
    }
    let name = format!("__{}_aggregates", program.source(source_id).name);
    let plan = LogicalPlanBuilder::scan(name, Arc::clone(&pre.table), None)
        .and_then(|b| b.build())
        .map_err(internal(program.source(source_id).span))?;
    Ok(Some(AggregatePlan {
        plan,
        key: pre.key.clone(),
        columns,
    }))
}

/// The columns an aggregate plan reads from `source`: `first`, the `needed` columns, and the
/// partitions derived from a column (read to prune with; from folder names, at no cost).
fn scanned_columns<'a>(
    source: &'a hir::Source,
    first: &[&'a str],
    needed: Option<&BTreeSet<usize>>,
) -> Vec<&'a str> {
    let mut names: Vec<&str> = first.to_vec();
    let derived = source
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.derived.is_some());
    let indexes = needed
        .into_iter()
        .flatten()
        .copied()
        .chain(derived.map(|(i, _)| i));
    for index in indexes {
        let name = source.columns[index].name.as_str();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The rows of the related source `source_id` (the columns its aggregates read, and its columns
/// `also`), joined to the
/// sources of its `chain` to the population and of its lookups; and the name of the column
/// holding each row's member key (the last reference of the chain).
pub(super) fn related_rows(
    (program, params): (&hir::Program, Params),
    tables: &dyn TableLookup,
    source_id: SourceId,
    chain: &hir::Path,
    (needed, also): (&Needed, &[usize]),
    span: Span,
) -> Result<(LogicalPlanBuilder, String), Diagnostic> {
    let source = program.source(source_id);
    let Some(link) = chain.steps.last() else {
        return Err(Diagnostic::Internal(InternalDiagnostic::Invariant {
            span,
            broken: Invariant::NoRelatedAggregate,
        }));
    };
    // The chain up to the source whose column holds the member's key, and the lookups.
    let towards = hir::Path {
        from: source_id,
        steps: chain.steps[..chain.steps.len() - 1].to_vec(),
    };
    let mut paths = needed.paths_from(program, source_id);
    if !towards.steps.is_empty() {
        paths.push(&towards);
    }
    let mut first: Vec<&str> = if link.from == source_id {
        vec![source.columns[link.column].name.as_str()]
    } else {
        Vec::new()
    };
    first.extend(also.iter().map(|i| source.columns[*i].name.as_str()));
    let mut names = scanned_columns(source, &first, needed.columns.get(&source_id));
    for name in joins::root_references(program, source_id, &paths) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let builder = scan_canonical(program, source_id, Rows::Read(params), tables, &names)?;
    let mut columns = needed.columns.clone();
    columns.entry(link.from).or_default().insert(link.column);
    let (builder, _) = joins::join_paths(
        builder,
        (program, params),
        tables,
        source_id,
        &paths,
        &columns,
    )?;
    let link_name = joins::joined_name(program, source_id, link.from, link.column);
    Ok((builder, link_name))
}

/// The grouped aggregate of every needed aggregate over `source_id`, keyed by its link column,
/// with those of the sources `hops` folds into it.
fn aggregate_plan(
    (program, params): (&hir::Program, Params),
    tables: &dyn TableLookup,
    source_id: SourceId,
    needed: &Needed,
    hops: &Hops,
) -> Result<AggregatePlan, Diagnostic> {
    let source = program.source(source_id);
    let ids: Vec<AggregateId> = needed
        .aggregates
        .iter()
        .copied()
        .filter(|id| program.aggregates[id.0].source == source_id)
        .collect();
    let span = ids
        .first()
        .map_or(source.span, |id| program.aggregates[id.0].span);
    let chain = ids
        .first()
        .map(|id| program.path(program.aggregates[id.0].path))
        .ok_or(Diagnostic::Internal(InternalDiagnostic::Invariant {
            span,
            broken: Invariant::NoRelatedAggregate,
        }))?;
    let folded: Vec<SourceId> = hops.folded_into(source_id).collect();
    // The rows of a folded source are found by this source's key (`Hops` folds only into a
    // source with one).
    let key: Vec<usize> = source
        .key
        .filter(|_| !folded.is_empty())
        .into_iter()
        .collect();
    let (mut builder, link_name) = related_rows(
        (program, params),
        tables,
        source_id,
        chain,
        (needed, &key),
        span,
    )?;

    let no_columns = HashMap::new();
    let no_ranks = Ranks::default();
    let lowerer = expr::Lowerer::new(program, params, &no_columns, &no_ranks);
    let mut computed = Computed::default();
    let mut filters = Vec::with_capacity(ids.len());
    for id in &ids {
        let (value, filter) = lowerer.aggregate(&program.aggregates[id.0])?;
        filters.push(filter);
        computed.add(*id, value, &source.name);
    }
    for other in folded {
        let partials = hops::partials((program, params), tables, other, needed)?;
        let Some(key) = key.first().map(|k| &source.columns[*k].name) else {
            return Err(Diagnostic::Internal(InternalDiagnostic::Invariant {
                span,
                broken: Invariant::ReferencedWithoutKey,
            }));
        };
        let on = ident(key).eq(ident(&partials.reference));
        builder = builder
            .join_on(partials.plan, JoinType::Left, vec![on])
            .map_err(internal(span))?;
        // The rows the folded aggregates take: those with partial results (an order
        // without returns takes no part in them).
        filters.push(Some(ident(&partials.reference).is_not_null()));
        let name = &program.source(other).name;
        for (id, value) in partials.totals {
            computed.add(id, value, name);
        }
    }
    let builder = keep_taken(builder, source, filters, span)?;
    let link_alias = format!("__{}_key", source.name);
    let group = ident(&link_name).alias(&link_alias);
    let plan = grouped(builder, group, computed.values, span)?;
    Ok(AggregatePlan {
        plan,
        key: link_alias,
        columns: computed.outputs,
    })
}

/// The distinct aggregate expressions of a plan, each named once, and the column of each
/// aggregate.
#[derive(Default)]
pub(super) struct Computed {
    /// Each distinct expression and its column.
    pub(super) values: Vec<(Expr, String)>,
    /// The column of each aggregate.
    pub(super) outputs: Vec<(AggregateId, String)>,
    /// The number of columns named after each source.
    named: HashMap<String, usize>,
}

impl Computed {
    /// Records aggregate `id` computing `value`: the same aggregate written twice is computed
    /// once; a new one is named `__SOURCE_N` after the source it aggregates.
    pub(super) fn add(&mut self, id: AggregateId, value: Expr, source: &str) {
        let name = match self.values.iter().find(|(e, _)| *e == value) {
            Some((_, name)) => name.clone(),
            None => {
                let count = self.named.entry(source.to_string()).or_default();
                let name = format!("__{source}_{count}");
                *count += 1;
                self.values.push((value, name.clone()));
                name
            }
        };
        self.outputs.push((id, name));
    }
}

/// `builder`'s rows grouped by `group`, computing `values` (each named), their `FILTER`s
/// evaluated without short-circuit (`common_conditions::eager_filter`).
pub(super) fn grouped(
    builder: LogicalPlanBuilder,
    group: Expr,
    values: Vec<(Expr, String)>,
    span: Span,
) -> Result<LogicalPlan, Diagnostic> {
    let rows = Arc::clone(builder.schema());
    let values = values
        .into_iter()
        .map(|(e, name)| common_conditions::eager_filter(e, &rows).map(|e| e.alias(name)))
        .collect::<datafusion::error::Result<Vec<Expr>>>()
        .map_err(internal(span))?;
    builder
        .aggregate(vec![group], values)
        .and_then(|b| b.build())
        .map_err(internal(span))
}

/// `builder` without the rows no aggregate takes: the folders of partitions no aggregate's
/// filter keeps are not read (`partitions`), and when every aggregate takes only some rows, the
/// others are dropped before grouping (and, for windows on dates, before reading: the filter
/// reaches the scan).
pub(super) fn keep_taken(
    mut builder: LogicalPlanBuilder,
    source: &hir::Source,
    filters: Vec<Option<Expr>>,
    span: Span,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let pruning = filters
        .iter()
        .map(|f| f.as_ref().and_then(|f| partitions::implied(source, f)))
        .collect::<Option<Vec<Expr>>>()
        .and_then(|each| each.into_iter().reduce(Expr::or));
    if let Some(pruning) = pruning {
        builder = builder.filter(pruning).map_err(internal(span))?;
    }
    if let Some(all) = filters.into_iter().collect::<Option<Vec<Expr>>>()
        && let Some(any) = all.into_iter().reduce(Expr::or)
    {
        builder = builder.filter(any).map_err(internal(span))?;
    }
    Ok(builder)
}
