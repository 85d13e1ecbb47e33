//! Aggregates over a source two references away from the members, computed in the aggregate of
//! the source in between when that one is aggregated too (`returns` → `orders` → `customers`,
//! with aggregates over `orders`): the hop's rows are first grouped per referenced row (the
//! returns of each order), that small result is left-joined to the rows of the source in between
//! inside its own grouped aggregate (by its key), and the aggregates are totalled there per
//! member. The source in between is read once instead of twice: joining the returns to the
//! orders, then grouping the orders, each read `orders` (bench/README.md, issue 23).
//!
//! Only aggregates whose total is an aggregate of partial results are folded: a count or an
//! `exists` is the sum of the counts, a sum of integers or decimals the sum of the sums (exact;
//! float sums could round differently), a minimum the minimum of the minimums, a maximum the
//! maximum of the maximums. A source with any other aggregate keeps its own plan, as does one
//! whose aggregates or lookups need the columns of the source in between.
//!
//! The rows are the same: both plans read the source in between with its `where` (a hop's row
//! whose referenced row it drops, or that references none, counts for no member), and no
//! aggregate's `FILTER` over the source in between applies to the hop's rows.

use std::collections::{BTreeSet, HashMap};

use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{Expr, LogicalPlan, cast, ident};

use crate::diagnostics::Diagnostic;
use crate::hir::{self, AggregateFunction, AggregateId, SourceId};
use crate::types::Type;

use super::aggregates::{Computed, grouped, keep_taken, related_rows};
use super::{Needed, Params, Ranks, TableLookup, expr, internal};

/// Where the aggregates of each related source are computed: in its own plan, or folded into
/// the plan of the source its hop goes through.
#[derive(Debug, Default, Clone)]
pub(super) struct Hops {
    /// A folded source, and the source whose plan computes its aggregates.
    into: HashMap<SourceId, SourceId>,
}

impl Hops {
    /// The hops of the related sources `needed` aggregates: a source is folded when its
    /// aggregates can be, the source in between is aggregated too, and neither was kept by a
    /// ranking pass (a kept source is read from memory as it is).
    pub(super) fn of(program: &hir::Program, needed: &Needed, ranks: &Ranks) -> Hops {
        let mut by_source: HashMap<SourceId, Vec<&hir::Aggregate>> = HashMap::new();
        for id in &needed.aggregates {
            let aggregate = &program.aggregates[id.0];
            by_source
                .entry(aggregate.source)
                .or_default()
                .push(aggregate);
        }
        let mut into = HashMap::new();
        for (&source, aggregates) in &by_source {
            let Some(between) = foldable(program, needed, aggregates) else {
                continue;
            };
            let kept = ranks.precomputed(source).is_some();
            let Some(theirs) = by_source.get(&between).and_then(|a| a.first()) else {
                continue;
            };
            // The source in between is grouped by the member key the hop's last step follows.
            let chain = &program.path(aggregates[0].path).steps[1..];
            let same_link = program.path(theirs.path).steps == chain;
            if !kept && same_link && program.source(between).key.is_some() {
                into.insert(source, between);
            }
        }
        Hops { into }
    }

    /// The source whose plan computes the aggregates of `source`.
    pub(super) fn home(&self, source: SourceId) -> SourceId {
        self.into.get(&source).copied().unwrap_or(source)
    }

    /// Whether the aggregates of `source` are computed in another source's plan.
    pub(super) fn is_folded(&self, source: SourceId) -> bool {
        self.into.contains_key(&source)
    }

    /// The sources folded into `source`'s plan, in order.
    pub(super) fn folded_into(&self, source: SourceId) -> impl Iterator<Item = SourceId> {
        let folded: BTreeSet<SourceId> = self
            .into
            .iter()
            .filter(|(_, into)| **into == source)
            .map(|(from, _)| *from)
            .collect();
        folded.into_iter()
    }
}

/// The source in between, when `aggregates` (all of one source's, at least one) follow the
/// same two references, each is a total of partial results, and the source's lookups do not go
/// through the source in between.
fn foldable(
    program: &hir::Program,
    needed: &Needed,
    aggregates: &[&hir::Aggregate],
) -> Option<SourceId> {
    let first = aggregates.first()?;
    let steps = &program.path(first.path).steps;
    let [hop, _] = steps.as_slice() else {
        return None;
    };
    let same_path = aggregates
        .iter()
        .all(|a| program.path(a.path).steps == *steps);
    let totals = aggregates.iter().all(|a| total(a).is_some());
    let lookups_apart = needed
        .paths_from(program, first.source)
        .iter()
        .all(|path| path.steps.iter().all(|s| s.to != hop.to));
    (same_path && totals && lookups_apart && hop.to != first.source).then_some(hop.to)
}

/// How the total of `aggregate` is computed from its partial results, if it can be.
fn total(aggregate: &hir::Aggregate) -> Option<fn(Expr) -> Expr> {
    if aggregate.order_by.is_some() {
        return None;
    }
    match aggregate.function {
        AggregateFunction::Count | AggregateFunction::Exists => Some(agg::sum),
        AggregateFunction::Sum => match aggregate.argument.as_ref().map(|a| &a.ty) {
            Some(Type::Int | Type::Decimal { .. }) => Some(agg::sum),
            _ => None,
        },
        AggregateFunction::Min => Some(agg::min),
        AggregateFunction::Max => Some(agg::max),
        AggregateFunction::CountDistinct
        | AggregateFunction::Avg
        | AggregateFunction::First
        | AggregateFunction::Last => None,
    }
}

/// A folded source's partial results, one row per referenced row.
pub(super) struct Partials {
    /// The rows: the reference, then the partial results.
    pub(super) plan: LogicalPlan,
    /// The column holding the reference (the key of the source in between).
    pub(super) reference: String,
    /// Each aggregate's total over the partial results joined to the source in between.
    pub(super) totals: Vec<(AggregateId, Expr)>,
}

/// The partial results of the needed aggregates over `source_id` (folded by [`Hops`]): its
/// rows (its `where`, its lookups) grouped by the reference its hop follows, each aggregate with
/// its own `FILTER`, the rows no aggregate takes dropped first.
pub(super) fn partials(
    (program, params): (&hir::Program, Params),
    tables: &dyn TableLookup,
    source_id: SourceId,
    needed: &Needed,
) -> Result<Partials, Diagnostic> {
    let source = program.source(source_id);
    let ids: Vec<AggregateId> = needed
        .aggregates
        .iter()
        .copied()
        .filter(|id| program.aggregates[id.0].source == source_id)
        .collect();
    let aggregates: Vec<&hir::Aggregate> = ids.iter().map(|id| &program.aggregates[id.0]).collect();
    let span = aggregates.first().map_or(source.span, |a| a.span);
    // The hop alone: grouped by the reference to the source in between.
    let hop = hir::Path {
        from: source_id,
        steps: aggregates
            .first()
            .map(|a| program.path(a.path).steps[..1].to_vec())
            .unwrap_or_default(),
    };
    let (builder, reference) = related_rows(
        (program, params),
        tables,
        source_id,
        &hop,
        (needed, &[]),
        span,
    )?;

    let no_columns = HashMap::new();
    let no_ranks = Ranks::default();
    let lowerer = expr::Lowerer::new(program, params, &no_columns, &no_ranks);
    let mut computed = Computed::default();
    let mut filters = Vec::with_capacity(ids.len());
    let partial_names = format!("{}_partial", source.name);
    for (id, aggregate) in ids.iter().zip(&aggregates) {
        let (value, filter) = lowerer.aggregate(aggregate)?;
        filters.push(filter);
        computed.add(*id, value, &partial_names);
    }
    let builder = keep_taken(builder, source, filters, span)?;
    let reference_alias = format!("__{}_reference", source.name);
    let group = ident(&reference).alias(&reference_alias);
    let plan = grouped(builder, group, computed.values, span)?;
    let mut totals = Vec::with_capacity(ids.len());
    for ((id, partial), aggregate) in computed.outputs.into_iter().zip(&aggregates) {
        let Some(total) = total(aggregate) else {
            continue;
        };
        // The total keeps the partial's type (a sum of decimal sums would widen it), so the
        // columns are those of the plan without the fold.
        let ty = plan
            .schema()
            .field_with_unqualified_name(&partial)
            .map_err(internal(span))?
            .data_type()
            .clone();
        totals.push((id, cast(total(ident(partial)), ty)));
    }
    Ok(Partials {
        plan,
        reference: reference_alias,
        totals,
    })
}
