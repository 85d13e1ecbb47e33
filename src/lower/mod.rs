//! [`hir::Program`] to DataFusion [`LogicalPlan`]s, built with `LogicalPlanBuilder` and `Expr`.
//!
//! The membership plan scans the population once, casts the used columns to their canonical Arrow
//! types, joins one grouped aggregate per related source, evaluates `let`s and segments in layers
//! (each layer a projection over the previous one carrying only the columns still read, so a
//! definition used many times is computed once: `layers`), and ends with the key, the segments'
//! flags packed 64 to a word (`packing`), the scores and tiers, sorted by key. The kernels the plans
//! call are in [`crate::functions`]. No IO happens here: tables come from a [`TableLookup`].
//!
//! A DataFusion error while building a plan means the checker let through something it should not
//! have: it is reported as [`InternalDiagnostic::PlanFailed`] with the span being lowered.

mod common_conditions;
mod consent;
mod event_times;
mod expr;
mod frozen;
mod joins;
mod kpi;
mod layers;
mod lists;
mod packing;
mod partitions;
mod ranking;
mod reads;
mod scans;
mod schema;

use scans::{Rows, scan_canonical};

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::common::Column;
use datafusion::logical_expr::expr_rewriter::normalize_col_with_schemas_and_ambiguity_check;
use datafusion::logical_expr::utils::columnize_expr;
use datafusion::logical_expr::{
    Expr, JoinType, LogicalPlan, LogicalPlanBuilder, LogicalTableSource, Projection, TableSource,
    ident,
};

use crate::diagnostics::{Diagnostic, InternalDiagnostic, Invariant};
use crate::hir::{self, AggregateId, DefId, ExprKind, KpiId, OutputId, PathId, SourceId};
use crate::span::Span;

pub use crate::functions::{BUCKETS, bucket};
pub use consent::{ConsentCheck, ConsentChecks, HIDDEN_PREFIX, consent_checks};
pub use event_times::{LATER_ROWS, NEWEST, NEWEST_RECENT, event_times_plan, newest_plan};
pub use frozen::{frozen_column, frozen_key, frozen_outputs, frozen_schema};
pub use kpi::{
    KpiColumns, KpiPlan, SampleColumns, kpi_plan, repeated_key_plan, repeated_source_key_plan,
    source_key_plans,
};
pub use packing::{Packing, Slot};
pub use ranking::{
    Kept, PassOutcome, Ranked, RankingPass, Ranks, drive_ranking_passes, kept_key, kept_schema,
    planned_passes, ranking_pass,
};
pub use reads::{lineage, sources_read};
pub use schema::{canonical_type, declared_schema};

/// Finds the table to scan for a source.
pub trait TableLookup {
    /// The table holding `source`'s data. Its schema decides which casts the plan needs.
    fn table(&self, source: &hir::Source) -> Result<Arc<dyn TableSource>, Diagnostic>;

    /// The members of the run the KPI `kpi` is frozen to ([`frozen_schema`]); schema only
    /// unless the lookup reads runs.
    fn frozen(
        &self,
        program: &hir::Program,
        kpi: hir::KpiId,
    ) -> Result<Arc<dyn TableSource>, Diagnostic> {
        Ok(Arc::new(LogicalTableSource::new(frozen_schema(
            program, kpi,
        )?)))
    }
}

/// Schema-only tables built from the declarations: for plans without data (explain, tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct DeclaredTables;

impl TableLookup for DeclaredTables {
    fn table(&self, source: &hir::Source) -> Result<Arc<dyn TableSource>, Diagnostic> {
        Ok(Arc::new(LogicalTableSource::new(declared_schema(source))))
    }
}

/// Values fixed for one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// The evaluation date, `as_of` in the rules.
    pub as_of: NaiveDate,
}

/// Which outputs (segments, scores, tiers) a plan computes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every output of the rule file itself (not those of imported files).
    All,
    /// These outputs (and whatever they depend on).
    Only(Vec<OutputId>),
}

impl Selection {
    /// The selected outputs, in declaration order.
    pub fn outputs(&self, program: &hir::Program) -> Vec<OutputId> {
        match self {
            Selection::All => program.own_outputs(),
            Selection::Only(ids) => program
                .outputs
                .iter()
                .copied()
                .filter(|o| ids.contains(o))
                .collect(),
        }
    }
}

/// What a plan is for: the selected outputs (the membership plan) or KPIs.
#[derive(Debug, Clone, Copy)]
pub enum Wanted<'a> {
    /// These outputs.
    Outputs(&'a Selection),
    /// These KPIs.
    Kpis(&'a [KpiId]),
}

/// Wraps a DataFusion error met while lowering the construct at `span`.
fn internal(span: Span) -> impl Fn(datafusion::error::DataFusionError) -> Diagnostic {
    move |error| {
        Diagnostic::Internal(InternalDiagnostic::PlanFailed {
            span,
            message: error.to_string(),
        })
    }
}

/// `builder.project(exprs)` without looking for `USING` join columns. DataFusion's builder
/// walks the whole input plan for them for every unqualified column it normalizes: building the
/// layers of hundreds of segments was quadratic (a tenth of a second for 250 segments). Walking
/// it once per projection still was for deep plans (7 s of the 7.2 s lowering a chain of 4,000
/// `let`s, debug build). segc joins only `ON` a condition (`join_on`): there are none to find.
pub(super) fn project(
    builder: LogicalPlanBuilder,
    exprs: impl IntoIterator<Item = Expr>,
) -> datafusion::common::Result<LogicalPlanBuilder> {
    let plan = builder.build()?;
    let using: Vec<HashSet<Column>> = Vec::new();
    let fallback = plan.fallback_normalize_schemas();
    let schemas: [&[&datafusion::common::DFSchema]; 2] = [&[plan.schema().as_ref()], &fallback];
    let exprs = exprs
        .into_iter()
        .map(|e| {
            let e = normalize_col_with_schemas_and_ambiguity_check(e, &schemas, &using)?;
            columnize_expr(e, &plan)
        })
        .collect::<datafusion::common::Result<Vec<Expr>>>()?;
    let projection = Projection::try_new(exprs, Arc::new(plan))?;
    Ok(LogicalPlanBuilder::from(LogicalPlan::Projection(
        projection,
    )))
}

/// The membership plan: the population key and the selected outputs (the segments' flags packed
/// into words, see [`Packing`]; a number per score, the tier's name per tiers), one row per
/// member, sorted by key. A segment whose condition is null for a member is false.
///
/// Each source is scanned once: the population, and each related source whose aggregates are
/// needed (all its aggregates are computed by one grouped aggregate, then joined on the key, the
/// aggregates as the build side).
/// `ntile` groups come from `ranks` (see [`ranking_pass`]); without them the plan can be shown
/// but not run.
pub fn membership_plan(
    program: &hir::Program,
    tables: &dyn TableLookup,
    params: Params,
    selection: &Selection,
    ranks: &Ranks,
) -> Result<MembershipPlan, Diagnostic> {
    let population = program.population();
    let span = population.span;
    let key = population_key(program)?;
    let outputs = selection.outputs(program);
    let needed = Needed::of(program, Wanted::Outputs(selection));
    let members = members(program, tables, params, &needed, ranks)?;
    let values = outputs
        .iter()
        .map(|id| ident(program.output_name(*id)))
        .collect();
    let packing = Packing::of(&outputs);
    let output = packing.plan_columns(ident(&key.name), values);
    let plan = project(members.builder, output)
        .and_then(|b| b.sort(vec![ident(&key.name).sort(true, false)]))
        .and_then(|b| b.build())
        .map_err(internal(span))?;
    Ok(MembershipPlan {
        plan,
        outputs,
        packing,
    })
}

/// A membership plan and what its rows carry: all the engine needs to write its outputs.
#[derive(Debug, Clone)]
pub struct MembershipPlan {
    /// The plan: the key, then the outputs as `packing` lays them out, one row per member,
    /// sorted by key.
    pub plan: LogicalPlan,
    /// The outputs it computes (segments, scores, tiers), in declaration order.
    pub outputs: Vec<OutputId>,
    /// Where each output is in the plan's columns.
    pub packing: Packing,
}

/// The population's key column.
fn population_key(program: &hir::Program) -> Result<&hir::Column, Diagnostic> {
    let population = program.population();
    population
        .key_column()
        .ok_or(Diagnostic::Internal(InternalDiagnostic::Invariant {
            span: population.span,
            broken: Invariant::PopulationWithoutKey,
        }))
}

/// One row per member with every needed definition computed (named after it), and where each
/// joined aggregate is.
struct Members {
    builder: LogicalPlanBuilder,
    /// The column holding each aggregate's result.
    aggregate_columns: HashMap<AggregateId, String>,
}

/// Scans the population (used columns only), joins the grouped aggregates of each related
/// source once, and computes the needed definitions in layers.
fn members(
    program: &hir::Program,
    tables: &dyn TableLookup,
    params: Params,
    needed: &Needed,
    ranks: &Ranks,
) -> Result<Members, Diagnostic> {
    let population = program.population();
    let span = population.span;
    let key = population_key(program)?;
    // Sets beside the lists: thousands of columns were quadratic to deduplicate.
    let mut column_names: Vec<&str> = vec![key.name.as_str()];
    let mut seen: HashSet<&str> = column_names.iter().copied().collect();
    for &index in needed
        .columns
        .get(&program.population)
        .into_iter()
        .flatten()
    {
        let name = population.columns[index].name.as_str();
        if seen.insert(name) {
            column_names.push(name);
        }
    }
    // Lookups: the sources the members' references lead to, joined once each.
    let paths = needed.paths_from(program, program.population);
    for name in joins::root_references(program, program.population, &paths) {
        if seen.insert(name) {
            column_names.push(name);
        }
    }
    let builder = scan_canonical(
        program,
        program.population,
        Rows::Members(params),
        tables,
        &column_names,
    )?;
    let mut available: Vec<String> = column_names.iter().map(|n| n.to_string()).collect();
    let (mut builder, looked_up) = joins::join_paths(
        builder,
        (program, params),
        tables,
        program.population,
        &paths,
        &needed.columns,
    )?;
    available.extend(looked_up);
    let mut seen: HashSet<String> = available.iter().cloned().collect();

    // Aggregates: one grouped aggregate per related source, joined to the members once.
    let mut aggregate_columns: HashMap<AggregateId, String> = HashMap::new();
    let related: BTreeSet<SourceId> = needed
        .aggregates
        .iter()
        .map(|id| program.aggregates[id.0].source)
        .collect();
    for source_id in related {
        let related = match precomputed_plan(program, source_id, needed, ranks)? {
            Some(plan) => plan,
            None => aggregate_plan(program, tables, params, source_id, needed)?,
        };
        // The aggregates on the left: a hash join builds its table from its left side, and
        // they have at most one row per member, narrower than the members' rows. DataFusion
        // swaps sides by statistics, exact for kept aggregates but estimated for the members'
        // scan, and so had built on the members (1.1 GB at SF 10; bench/README.md).
        let on = ident(&related.key).eq(ident(&key.name));
        let members = builder.build().map_err(internal(span))?;
        builder = LogicalPlanBuilder::from(related.plan)
            .join_on(members, JoinType::Right, vec![on])
            .map_err(internal(span))?;
        for (id, name) in related.columns {
            if seen.insert(name.clone()) {
                available.push(name.clone());
            }
            aggregate_columns.insert(id, name);
        }
        // Drop the join key of the related side.
        builder = project(builder, available.iter().map(ident)).map_err(internal(span))?;
    }

    // Definitions in layers: each layer computes what only depends on earlier layers.
    let lowerer = expr::Lowerer::new(program, params, &aggregate_columns, ranks);
    let finals = needed.final_names(program, &aggregate_columns, &key.name);
    let layers = needed.layers(program);
    let builder = layers::add_layers(builder, &lowerer, program, layers, available, &finals, span)?;
    Ok(Members {
        builder,
        aggregate_columns,
    })
}

/// The grouped aggregates of one related source, ready to join to the members.
struct AggregatePlan {
    plan: LogicalPlan,
    /// The column holding the member key.
    key: String,
    /// The output column of each aggregate.
    columns: Vec<(AggregateId, String)>,
}

/// The aggregates over `source_id` as an earlier ranking pass computed them (one row per
/// member), when it computed every one `needed` asks for.
fn precomputed_plan(
    program: &hir::Program,
    source_id: SourceId,
    needed: &Needed,
    ranks: &Ranks,
) -> Result<Option<AggregatePlan>, Diagnostic> {
    let Some(pre) = ranks.precomputed(source_id) else {
        return Ok(None);
    };
    let mut columns = Vec::new();
    for id in &needed.aggregates {
        if program.aggregates[id.0].source != source_id {
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

/// The rows of the related source `source_id` (the columns its aggregates read), joined to the
/// sources of its `chain` to the population and of its lookups; and the name of the column
/// holding each row's member key (the last reference of the chain).
fn related_rows(
    (program, params): (&hir::Program, Params),
    tables: &dyn TableLookup,
    source_id: SourceId,
    chain: &hir::Path,
    needed: &Needed,
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
    let first: Vec<&str> = if link.from == source_id {
        vec![source.columns[link.column].name.as_str()]
    } else {
        Vec::new()
    };
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

/// The grouped aggregate of every needed aggregate over `source_id`, keyed by its link column.
fn aggregate_plan(
    program: &hir::Program,
    tables: &dyn TableLookup,
    params: Params,
    source_id: SourceId,
    needed: &Needed,
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
    let (mut builder, link_name) =
        related_rows((program, params), tables, source_id, chain, needed, span)?;

    let no_columns = HashMap::new();
    let no_ranks = Ranks::default();
    let lowerer = expr::Lowerer::new(program, params, &no_columns, &no_ranks);
    let mut computed: Vec<(Expr, String)> = Vec::new();
    let mut outputs = Vec::with_capacity(ids.len());
    let mut filters = Vec::with_capacity(ids.len());
    for id in &ids {
        let aggregate = &program.aggregates[id.0];
        let (value, filter) = lowerer.aggregate(aggregate)?;
        filters.push(filter);
        // The same aggregate written twice is computed once.
        let name = match computed.iter().find(|(e, _)| *e == value) {
            Some((_, name)) => name.clone(),
            None => {
                let name = format!("__{}_{}", source.name, computed.len());
                computed.push((value, name.clone()));
                name
            }
        };
        outputs.push((*id, name));
    }
    // Folders of partitions that no aggregate's filter keeps are not read (`partitions`).
    let pruning = filters
        .iter()
        .map(|f| f.as_ref().and_then(|f| partitions::implied(source, f)))
        .collect::<Option<Vec<Expr>>>()
        .and_then(|each| each.into_iter().reduce(Expr::or));
    if let Some(pruning) = pruning {
        builder = builder.filter(pruning).map_err(internal(span))?;
    }
    // When every aggregate takes only some rows, rows no aggregate takes are dropped before
    // grouping (and, for windows on dates, before reading: the filter reaches the scan).
    if let Some(all) = filters.into_iter().collect::<Option<Vec<Expr>>>()
        && let Some(any) = all.into_iter().reduce(Expr::or)
    {
        builder = builder.filter(any).map_err(internal(span))?;
    }
    let link_alias = format!("__{}_key", source.name);
    let rows = Arc::clone(builder.schema());
    let computed = computed
        .into_iter()
        .map(|(e, name)| common_conditions::eager_filter(e, &rows).map(|e| e.alias(name)))
        .collect::<datafusion::error::Result<Vec<Expr>>>()
        .map_err(internal(span))?;
    let plan = builder
        .aggregate(vec![ident(&link_name).alias(&link_alias)], computed)
        .and_then(|b| b.build())
        .map_err(internal(span))?;
    Ok(AggregatePlan {
        plan,
        key: link_alias,
        columns: outputs,
    })
}

/// The definitions, aggregates and columns a selection of segments needs.
struct Needed {
    defs: BTreeSet<DefId>,
    aggregates: BTreeSet<AggregateId>,
    /// Column indexes per source (of the sources scanned, and of those looked up).
    columns: HashMap<SourceId, BTreeSet<usize>>,
    /// The paths of the lookups, by the source whose rows they start from.
    lookups: HashMap<SourceId, BTreeSet<PathId>>,
    /// What the plan's last step reads from the members, kept through every layer.
    finals: Finals,
}

/// The root definitions, and the definitions, aggregates and columns read directly by the
/// expressions a plan computes after the members (KPI measures, ranked values).
#[derive(Default)]
struct Finals {
    defs: BTreeSet<DefId>,
    aggregates: BTreeSet<AggregateId>,
    columns: BTreeSet<(SourceId, usize)>,
    lookups: BTreeSet<(PathId, usize)>,
}

impl Needed {
    /// What a plan for `wanted` needs.
    fn of(program: &hir::Program, wanted: Wanted<'_>) -> Needed {
        match wanted {
            Wanted::Outputs(selection) => {
                let roots = selection.outputs(program).iter().map(|o| o.def()).collect();
                Needed::collect(program, roots, &[])
            }
            Wanted::Kpis(kpis) => {
                let mut roots = Vec::new();
                let mut exprs = Vec::new();
                for id in kpis {
                    let kpi = &program.kpis[id.0];
                    // A frozen KPI's groups are read from its run.
                    let groups = if kpi.frozen.is_some() {
                        &[][..]
                    } else {
                        &kpi.groups[..]
                    };
                    for group in groups {
                        match group {
                            hir::KpiGroup::Population => {}
                            hir::KpiGroup::Segment(s) => roots.push(DefId::Segment(*s)),
                            hir::KpiGroup::Tier { tiers, .. } => roots.push(DefId::Tiers(*tiers)),
                        }
                    }
                    for measure in kpi.value.measures() {
                        exprs.extend(measure.value.iter().chain(&measure.filter));
                    }
                }
                Needed::collect(program, roots, &exprs)
            }
        }
    }

    /// What evaluating the definitions `roots` and the expressions `exprs` needs.
    fn collect(program: &hir::Program, roots: Vec<DefId>, exprs: &[&hir::Expr]) -> Needed {
        let mut needed = Needed {
            defs: BTreeSet::new(),
            aggregates: BTreeSet::new(),
            columns: HashMap::new(),
            lookups: HashMap::new(),
            finals: Finals::default(),
        };
        let mut work = roots;
        for e in exprs {
            needed.take(program, e, &mut work);
            references(e, &mut |kind| match kind {
                ExprKind::Column { source, column } => {
                    needed.finals.columns.insert((*source, *column));
                }
                ExprKind::Aggregate(id) => {
                    needed.finals.aggregates.insert(*id);
                }
                ExprKind::Lookup { path, column } => {
                    needed.finals.lookups.insert((*path, *column));
                }
                _ => {}
            });
        }
        needed.finals.defs = work.iter().copied().collect();
        while let Some(def) = work.pop() {
            if !needed.defs.insert(def) {
                continue;
            }
            for body in program.bodies(def) {
                needed.take(program, body, &mut work);
            }
        }
        needed
    }

    /// Records the columns and aggregates `body` reads; the definitions it refers to go to
    /// `work`.
    fn take(&mut self, program: &hir::Program, body: &hir::Expr, work: &mut Vec<DefId>) {
        let mut aggregates = Vec::new();
        references(body, &mut |kind| match kind {
            ExprKind::Column { source, column } => {
                self.columns.entry(*source).or_default().insert(*column);
            }
            ExprKind::Lookup { path, column } => self.add_lookup(program, *path, *column),
            ExprKind::Aggregate(id) => aggregates.push(*id),
            other => work.extend(dependency(other)),
        });
        for id in aggregates {
            self.add_aggregate(program, id);
        }
    }

    /// Records a lookup of column `column` at the end of `path`.
    fn add_lookup(&mut self, program: &hir::Program, path: PathId, column: usize) {
        let followed = program.path(path);
        self.lookups.entry(followed.from).or_default().insert(path);
        self.columns
            .entry(followed.to())
            .or_default()
            .insert(column);
    }

    /// The paths of the lookups from rows of `root`.
    fn paths_from<'p>(&self, program: &'p hir::Program, root: SourceId) -> Vec<&'p hir::Path> {
        self.lookups
            .get(&root)
            .into_iter()
            .flatten()
            .map(|id| program.path(*id))
            .collect()
    }

    /// Records the aggregate `id`, to be kept until the plan's last step.
    fn keep_aggregate(&mut self, program: &hir::Program, id: AggregateId) {
        self.add_aggregate(program, id);
        self.finals.aggregates.insert(id);
    }

    /// The names of the columns the plan's last step reads: the population key and the
    /// [`Finals`].
    fn final_names(
        &self,
        program: &hir::Program,
        aggregate_columns: &HashMap<AggregateId, String>,
        key: &str,
    ) -> HashSet<String> {
        let population = program.population();
        let mut names: HashSet<String> = HashSet::from([key.to_string()]);
        names.extend(
            self.finals
                .defs
                .iter()
                .map(|def| program.def_name(*def).to_string()),
        );
        names.extend(
            self.finals
                .aggregates
                .iter()
                .filter_map(|id| aggregate_columns.get(id).cloned()),
        );
        names.extend(
            self.finals
                .columns
                .iter()
                .filter(|(source, _)| *source == program.population)
                .map(|(_, column)| population.columns[*column].name.clone()),
        );
        names.extend(self.finals.lookups.iter().map(|(path, column)| {
            let path = program.path(*path);
            joins::joined_name(program, path.from, path.to(), *column)
        }));
        names
    }

    /// Records the aggregate `id` and the columns it reads.
    fn add_aggregate(&mut self, program: &hir::Program, id: AggregateId) {
        {
            if !self.aggregates.insert(id) {
                return;
            }
            let aggregate = &program.aggregates[id.0];
            // `first`/`last` break ties by the source's key.
            if aggregate.order_by.is_some()
                && let Some(key) = program.source(aggregate.source).key
            {
                self.columns
                    .entry(aggregate.source)
                    .or_default()
                    .insert(key);
            }
            let parts = [&aggregate.argument, &aggregate.filter, &aggregate.order_by];
            for part in parts.into_iter().flatten() {
                references(part, &mut |kind| match kind {
                    ExprKind::Column { source, column } => {
                        self.columns.entry(*source).or_default().insert(*column);
                    }
                    ExprKind::Lookup { path, column } => self.add_lookup(program, *path, *column),
                    _ => {}
                });
            }
        }
    }

    /// Needed definitions grouped by depth (1 + the deepest dependency), in evaluation order.
    fn layers(&self, program: &hir::Program) -> Vec<Vec<DefId>> {
        let mut depth: HashMap<DefId, usize> = HashMap::new();
        let mut layers: Vec<Vec<DefId>> = Vec::new();
        for def in program
            .evaluation_order
            .iter()
            .filter(|d| self.defs.contains(d))
        {
            let mut d = 0;
            for body in program.bodies(*def) {
                references(body, &mut |kind| {
                    if let Some(dep) = dependency(kind) {
                        d = d.max(depth.get(&dep).copied().unwrap_or(0));
                    }
                });
            }
            depth.insert(*def, d + 1);
            if layers.len() <= d {
                layers.resize_with(d + 1, Vec::new);
            }
            layers[d].push(*def);
        }
        layers
    }
}

/// The definition an expression node refers to, if it is a reference to one.
fn dependency(kind: &ExprKind) -> Option<DefId> {
    match kind {
        ExprKind::Let(id) => Some(DefId::Let(*id)),
        ExprKind::Segment(id) => Some(DefId::Segment(*id)),
        ExprKind::Score(id) => Some(DefId::Score(*id)),
        ExprKind::Tier(id) => Some(DefId::Tiers(*id)),
        ExprKind::Quantile(id) => Some(DefId::Quantile(*id)),
        _ => None,
    }
}

/// Calls `visit` on the kind of every node of `e`.
fn references(e: &hir::Expr, visit: &mut dyn FnMut(&ExprKind)) {
    e.visit(&mut |node| visit(&node.kind));
}
