//! Ranking passes: the narrow plans (the key and the ranked values) that `ntile` groups
//! (`ntile`, `quintile`, `decile`) need before the plans that use them, the one loop driving
//! them, and the ranks they give. A member's group is then computed without a window by
//! `segc_ntileN` ([`crate::functions::ntile_udf`], which also explains the boundaries); the
//! engine executes the passes and finds the boundaries.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::logical_expr::{Expr, LogicalPlan, TableSource, ident};

use super::{
    Needed, Params, TableLookup, Wanted, expr, internal, members, population_key, project,
};
use crate::diagnostics::{Diagnostic, InternalDiagnostic};
use crate::functions::{Boundaries, RankOrder, ntile_udf};
use crate::hir::{self, AggregateId, DefId, QuantileFunction, QuantileId, SourceId};

/// The next ranking pass a plan for `wanted` needs: the values of the `ntile` quantiles not in
/// `ranks` whose values need no unranked one (quantiles of quantiles take a pass per level).
/// `None` when every needed `ntile` is ranked. With `keep`, the pass also gives every aggregate
/// the plan needs over the related sources it aggregates, to be kept ([`Kept`]).
pub fn ranking_pass(
    program: &hir::Program,
    tables: &dyn TableLookup,
    params: Params,
    wanted: Wanted<'_>,
    ranks: &Ranks,
    keep: bool,
) -> Result<Option<RankingPass>, Diagnostic> {
    let needed = Needed::of(program, wanted);
    let unranked = |defs: &BTreeSet<DefId>| {
        defs.iter().any(|def| match def {
            DefId::Quantile(id) => {
                matches!(program.quantiles[id.0].function, QuantileFunction::Ntile(_))
                    && !ranks.contains(*id)
            }
            _ => false,
        })
    };
    let mut quantiles = Vec::new();
    let mut values = Vec::new();
    for def in &needed.defs {
        let DefId::Quantile(id) = *def else { continue };
        let quantile = &program.quantiles[id.0];
        let QuantileFunction::Ntile(groups) = quantile.function else {
            continue;
        };
        if ranks.contains(id)
            || unranked(&Needed::collect(program, vec![], &[&quantile.value]).defs)
        {
            continue;
        }
        quantiles.push(Ranked {
            quantile: id,
            groups,
            order: RankOrder {
                descending: quantile.descending,
                ties_descending: quantile.ties_descending,
            },
        });
        values.push(&quantile.value);
    }
    if quantiles.is_empty() {
        return Ok(None);
    }
    let span = program.quantiles[quantiles[0].quantile.0].span;
    let key = population_key(program)?;
    let mut pass_needed = Needed::collect(program, vec![], &values);
    // The related sources the pass aggregates, not already computed: their every aggregate the
    // plan will need is computed here once, and kept for the plan (see `Kept`).
    let sources: BTreeSet<SourceId> = pass_needed
        .aggregates
        .iter()
        .map(|id| program.aggregates[id.0].source)
        .filter(|source| keep && ranks.precomputed(*source).is_none())
        .collect();
    for id in &needed.aggregates {
        if sources.contains(&program.aggregates[id.0].source) {
            pass_needed.keep_aggregate(program, *id);
        }
    }
    let members = members(program, tables, params, &pass_needed, ranks)?;
    let lowerer = expr::Lowerer::new(program, params, &members.aggregate_columns, ranks);
    let mut columns = vec![ident(&key.name).alias("__key")];
    for (index, value) in values.iter().enumerate() {
        columns.push(
            lowerer
                .order_value(value)?
                .alias(format!("__value_{index}")),
        );
    }
    let mut aggregates: Vec<(SourceId, Vec<(AggregateId, String)>)> = Vec::new();
    for source in sources {
        let mut of_source: Vec<(AggregateId, String)> = members
            .aggregate_columns
            .iter()
            .filter(|(id, _)| program.aggregates[id.0].source == source)
            .map(|(id, name)| (*id, name.clone()))
            .collect();
        of_source.sort();
        // Identical aggregates share a column: it is given once.
        for (_, name) in &of_source {
            if !columns.contains(&ident(name)) {
                columns.push(ident(name));
            }
        }
        aggregates.push((source, of_source));
    }
    let plan = project(members.builder, columns)
        .and_then(|b| b.build())
        .map_err(internal(span))?;
    Ok(Some(RankingPass {
        plan,
        quantiles,
        aggregates,
    }))
}

/// The ranks a plan for `wanted` needs: every ranking pass it needs, each given to `execute`
/// as soon as the ranks before it let it be planned (quantiles of quantiles take a pass per
/// level), and what `execute` gives recorded. The one loop over ranking passes: the engine
/// executes them over the data, `segc explain` and plan tests only collect them
/// ([`planned_passes`]). `keep` as for [`ranking_pass`].
pub async fn drive_ranking_passes(
    program: &hir::Program,
    tables: &dyn TableLookup,
    params: Params,
    wanted: Wanted<'_>,
    keep: bool,
    mut execute: impl AsyncFnMut(&RankingPass) -> Result<PassOutcome, Diagnostic>,
) -> Result<Ranks, Diagnostic> {
    let mut ranks = Ranks::default();
    while let Some(pass) = ranking_pass(program, tables, params, wanted, &ranks, keep)? {
        let outcome = execute(&pass).await?;
        ranks.record(program, &pass, outcome).map_err(|message| {
            Diagnostic::Internal(InternalDiagnostic::PlanFailed {
                span: program.quantiles[pass.quantiles[0].quantile.0].span,
                message,
            })
        })?;
    }
    Ok(ranks)
}

/// Every ranking pass a plan for `wanted` needs, without running them, and ranks that let the
/// plan be shown (not run): for `segc explain` and plan tests. With `keep` (as a run without a
/// memory limit), the passes keep the aggregates the plan after them reads, as a run does.
pub fn planned_passes(
    program: &hir::Program,
    tables: &dyn TableLookup,
    params: Params,
    wanted: Wanted<'_>,
    keep: bool,
) -> Result<(Vec<RankingPass>, Ranks), Diagnostic> {
    let mut passes = Vec::new();
    let collect = async |pass: &RankingPass| {
        passes.push(pass.clone());
        Ok(PassOutcome::Planned)
    };
    // Nothing here waits: the future is ready at its first poll.
    let ranks = futures::executor::block_on(drive_ranking_passes(
        program, tables, params, wanted, keep, collect,
    ))?;
    Ok((passes, ranks))
}

/// The boundaries of the quantiles ranked so far, and the aggregates the ranking passes kept.
#[derive(Clone, Default)]
pub struct Ranks {
    /// `None`: planned but not run (plans to show, not to run).
    computed: HashMap<QuantileId, Option<Arc<Boundaries>>>,
    /// Related sources aggregated by a pass.
    precomputed: HashMap<SourceId, Precomputed>,
}

impl std::fmt::Debug for Ranks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ranks")
            .field("computed", &self.computed)
            .field("precomputed", &self.precomputed.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Ranks {
    /// Whether `quantile` has been ranked (or marked as planned).
    pub fn contains(&self, quantile: QuantileId) -> bool {
        self.computed.contains_key(&quantile)
    }

    /// The boundaries of `quantile`, if ranked.
    pub(super) fn get(&self, quantile: QuantileId) -> Option<Arc<Boundaries>> {
        self.computed.get(&quantile).cloned().flatten()
    }

    /// The aggregates of `source` a pass kept.
    pub(super) fn precomputed(&self, source: SourceId) -> Option<&Precomputed> {
        self.precomputed.get(&source)
    }

    /// Records what executing `pass` gave. A pass planned only marks its quantiles as ranked,
    /// so that the passes after it and the final plan can be shown (`segc explain`); such
    /// plans cannot run.
    pub(super) fn record(
        &mut self,
        program: &hir::Program,
        pass: &RankingPass,
        outcome: PassOutcome,
    ) -> Result<(), String> {
        let (boundaries, kept) = match outcome {
            PassOutcome::Planned => {
                for ranked in &pass.quantiles {
                    self.computed.entry(ranked.quantile).or_insert(None);
                }
                // The aggregates the pass would keep, as tables of their columns only: the plans
                // after it are shown reading them, as they run.
                for (source, columns) in &pass.aggregates {
                    let key = kept_key(program, *source);
                    let (schema, _) = kept_schema(pass, &key, columns)?;
                    let table: Arc<dyn TableSource> = datafusion::datasource::provider_as_source(
                        Arc::new(datafusion::datasource::empty::EmptyTable::new(schema)),
                    );
                    self.precomputed.insert(
                        *source,
                        Precomputed {
                            table,
                            key,
                            columns: columns.clone(),
                        },
                    );
                }
                return Ok(());
            }
            PassOutcome::Executed { boundaries, kept } => (boundaries, kept),
        };
        // Every quantile must be ranked, or the next pass would be this one again.
        if boundaries.len() != pass.quantiles.len() {
            return Err(format!(
                "a ranking pass of {} quantiles gave {} boundaries",
                pass.quantiles.len(),
                boundaries.len()
            ));
        }
        for (ranked, found) in pass.quantiles.iter().zip(boundaries) {
            self.computed.insert(ranked.quantile, Some(Arc::new(found)));
        }
        for Kept { source, table, key } in kept {
            let columns = pass
                .aggregates
                .iter()
                .find(|(s, _)| *s == source)
                .map(|(_, columns)| columns.clone())
                .ok_or_else(|| "a ranking pass kept aggregates it did not compute".to_string())?;
            self.precomputed.insert(
                source,
                Precomputed {
                    table,
                    key,
                    columns,
                },
            );
        }
        Ok(())
    }
}

/// The name of the key column of the aggregates of `source` a pass keeps.
pub fn kept_key(program: &hir::Program, source: SourceId) -> String {
    format!("__{}_key", program.source(source).name)
}

/// The schema of the aggregates of one source a ranking pass keeps (the key renamed `key`,
/// then the aggregate `columns`, each once), and the pass's columns they are taken from.
pub fn kept_schema(
    pass: &RankingPass,
    key: &str,
    columns: &[(AggregateId, String)],
) -> Result<(SchemaRef, Vec<usize>), String> {
    let schema = pass.plan.schema();
    let mut indexes = vec![0];
    let mut fields = vec![Field::new(key, schema.field(0).data_type().clone(), true)];
    for (_, name) in columns {
        let index = schema
            .index_of_column_by_name(None, name)
            .ok_or_else(|| format!("the ranking pass has no column `{name}`"))?;
        if !indexes.contains(&index) {
            indexes.push(index);
            fields.push(schema.field(index).as_ref().clone());
        }
    }
    Ok((Arc::new(Schema::new(fields)), indexes))
}

/// What executing a [`RankingPass`] gave (see [`drive_ranking_passes`]).
pub enum PassOutcome {
    /// Not executed: the plans after it can be shown, not run (`segc explain`, plan tests).
    /// The aggregates it would keep are shown as tables of their columns only.
    Planned,
    /// Executed over the data.
    Executed {
        /// The boundaries of the pass's quantiles, in its order.
        boundaries: Vec<Boundaries>,
        /// The aggregates kept for the plans after it, for some of the pass's
        /// [`RankingPass::aggregates`].
        kept: Vec<Kept>,
    },
}

/// The aggregates of one related source computed by a ranking pass, kept in memory (one row
/// per member) so that the plans after it need not aggregate the source again.
pub struct Kept {
    /// The related source.
    pub source: SourceId,
    /// The rows: the key, then the aggregates under the pass's names for them.
    pub table: Arc<dyn TableSource>,
    /// The key column.
    pub key: String,
}

/// One quantile ranked by a [`RankingPass`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    /// The quantile.
    pub quantile: QuantileId,
    /// Its number of groups.
    pub groups: u32,
    /// The order of the members: by value, ties by key.
    pub order: RankOrder,
}

/// A narrow plan giving the key (first column) and the value of each of `quantiles` (next
/// columns, in order) for every member, then the aggregates it computed on the way.
#[derive(Debug, Clone)]
pub struct RankingPass {
    /// The plan.
    pub plan: LogicalPlan,
    /// The quantiles whose values it computes.
    pub quantiles: Vec<Ranked>,
    /// Per related source it aggregates, the output column of each aggregate the plan after it
    /// needs: kept, they spare that plan aggregating the source again ([`Kept`]).
    pub aggregates: Vec<(SourceId, Vec<(AggregateId, String)>)>,
}

/// Aggregates of one related source computed by a ranking pass, one row per member.
#[derive(Clone)]
pub(super) struct Precomputed {
    /// The rows (key, then aggregates).
    pub table: Arc<dyn TableSource>,
    /// The key column.
    pub key: String,
    /// The column of each aggregate.
    pub columns: Vec<(AggregateId, String)>,
}

/// The group (1..=`groups`) of `value` (ties broken by `key`) among the members, from
/// `boundaries` (`None` until the ranking pass ran); null when `value` is null.
pub(super) fn ntile_call(
    groups: u32,
    order: RankOrder,
    boundaries: Option<Arc<Boundaries>>,
    value: Expr,
    key: Expr,
) -> Expr {
    ntile_udf(groups, order, boundaries).call(vec![value, key])
}
