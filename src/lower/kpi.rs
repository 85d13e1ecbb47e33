//! The KPI plan: every KPI of every group in one aggregate over the members.
//!
//! The members are computed as for the membership plan (one scan of the population, one join
//! per related source, definitions in layers), with only what the KPIs' groups and measures
//! need. Then a single aggregate without grouping computes each measure of each group with a
//! `FILTER` (the group's membership and the measure's `where`), identical aggregates once, and
//! a projection combines them into one value per KPI and group: the plan yields one row.

use datafusion::arrow::datatypes::DataType;
use datafusion::functions::expr_fn as f;
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{
    Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, Operator, binary_expr, cast, ident, lit,
};

use super::{Needed, Params, Ranks, TableLookup, Wanted, expr::Lowerer, internal, members};
use crate::diagnostics::{Diagnostic, InternalDiagnostic, Invariant};
use crate::hir::{self, KpiExpr, KpiExprKind, KpiGroup, KpiId, KpiOp, Measure, MeasureFunction};
use crate::types::Type;

/// Where one KPI's result for one group is in the row of a [`KpiPlan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpiColumns {
    /// The KPI.
    pub kpi: KpiId,
    /// Index into the KPI's groups.
    pub group: usize,
    /// The value column (float, null when it cannot be computed, e.g. for no members).
    pub value: String,
    /// The column counting the group's members (int).
    pub members: String,
    /// For a share of members, a readout's mean: the columns of the sample it is over.
    pub sample: Option<SampleColumns>,
}

/// Where the size (and the variance) of one KPI value's sample is in the row of a [`KpiPlan`]:
/// the denominator of a share of members, or the values and the sample variance of a mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleColumns {
    /// The values measured (int).
    pub n: String,
    /// Their sample variance (float, null below two values), for a mean.
    pub variance: Option<String>,
}

/// A plan computing KPIs, and where each result is in its one row.
#[derive(Debug, Clone)]
pub struct KpiPlan {
    /// The plan; it yields exactly one row.
    pub plan: LogicalPlan,
    /// One entry per KPI and group, in KPI then group order.
    pub columns: Vec<KpiColumns>,
    /// Columns counting the population's rows, keys and distinct keys (ints): the keys must
    /// identify the members, as for `segc run`.
    pub key_counts: [String; 3],
}

/// The plan computing `kpis` (each over all its groups) in one execution; `ntile` groups come
/// from `ranks` (see [`super::ranking_pass`]).
pub fn kpi_plan(
    program: &hir::Program,
    tables: &dyn TableLookup,
    params: Params,
    kpis: &[KpiId],
    ranks: &Ranks,
) -> Result<KpiPlan, Diagnostic> {
    let span = kpis
        .first()
        .map_or(program.population().span, |id| program.kpis[id.0].span);
    let needed = Needed::of(program, Wanted::Kpis(kpis));
    let mut members = members(program, tables, params, &needed, ranks)?;
    let now;
    (members.builder, now) = super::frozen::join_frozen(program, tables, members.builder, kpis)?;
    let lowerer = Lowerer::new(program, params, &members.aggregate_columns, ranks);

    let mut atoms = Atoms::default();
    let mut results = Vec::new();
    let mut columns = Vec::new();
    let key = ident(&super::population_key(program)?.name);
    let rows = with_filter(agg::count(lit(1i64)), now.clone(), span)?;
    let key_counts = [rows, agg::count(key.clone()), agg::count_distinct(key)].map(|count| {
        let name = atoms.add(count);
        results.push(ident(&name));
        name
    });
    for id in kpis {
        let kpi = &program.kpis[id.0];
        for (index, group) in kpi.groups.iter().enumerate() {
            let group_filter = match group {
                _ if kpi.frozen.is_some() => super::frozen::frozen_group(program, *id, group),
                KpiGroup::Population => now.clone(),
                KpiGroup::Segment(s) => {
                    Some(and_now(ident(&program.segments[s.0].name), now.as_ref()))
                }
                KpiGroup::Tier { tiers, tier } => Some(and_now(
                    ident(&program.tiers[tiers.0].name).eq(lit(tier.as_str())),
                    now.as_ref(),
                )),
            };
            let count = with_filter(agg::count(lit(1i64)), group_filter.clone(), kpi.span)?;
            let members_column = atoms.add(count);
            let value = KpiLowerer {
                lowerer: &lowerer,
                group: group_filter.as_ref(),
                atoms: &mut atoms,
            }
            .value(&kpi.value)?;
            let value_name = format!("__kpi_{}_{index}", id.0);
            let members_name = format!("{value_name}_members");
            results.push(cast(value, DataType::Float64).alias(&value_name));
            results.push(ident(&members_column).alias(&members_name));
            let sample = KpiLowerer {
                lowerer: &lowerer,
                group: group_filter.as_ref(),
                atoms: &mut atoms,
            }
            .sample(kpi, &value_name, &mut results)?;
            columns.push(KpiColumns {
                kpi: *id,
                group: index,
                value: value_name,
                members: members_name,
                sample,
            });
        }
    }
    let plan = members
        .builder
        .aggregate(Vec::<Expr>::new(), atoms.exprs())
        .and_then(|b| super::project(b, results))
        .and_then(|b| b.build())
        .map_err(internal(span))?;
    Ok(KpiPlan {
        plan,
        columns,
        key_counts,
    })
}

/// A plan finding one population key on several rows (the smallest), to name it in a
/// diagnostic when the KPI plan counted fewer distinct keys than keys.
pub fn repeated_key_plan(
    program: &hir::Program,
    tables: &dyn TableLookup,
) -> Result<LogicalPlan, Diagnostic> {
    super::population_key(program)?;
    repeated_source_key_plan(program, tables, program.population)
}

/// A plan finding one key of `source` on several rows (the smallest), or no row.
pub fn repeated_source_key_plan(
    program: &hir::Program,
    tables: &dyn TableLookup,
    source: hir::SourceId,
) -> Result<LogicalPlan, Diagnostic> {
    let (keys, key) = source_keys(program, tables, source)?;
    keys.aggregate(vec![ident(&key)], vec![agg::count(lit(1i64)).alias("rows")])
        .and_then(|b| b.filter(ident("rows").gt(lit(1i64))))
        .and_then(|b| b.sort(vec![ident(&key).sort(true, false)]))
        .and_then(|b| b.limit(0, Some(1)))
        .and_then(|b| b.project(vec![ident(&key)]))
        .and_then(|b| b.build())
        .map_err(internal(program.source(source).span))
}

/// Every row's key of the keyed `source` (one column), and, over them, the plan of one row
/// with the smallest and largest key, the keys and the rows (`min`, `max`, `keys`, `rows`):
/// what a check of the keys by a bitmap over their range needs first.
pub fn source_key_plans(
    program: &hir::Program,
    tables: &dyn TableLookup,
    source: hir::SourceId,
) -> Result<(LogicalPlan, LogicalPlan), Diagnostic> {
    let (keys, key) = source_keys(program, tables, source)?;
    let span = program.source(source).span;
    let keys = keys.build().map_err(internal(span))?;
    let range = LogicalPlanBuilder::from(keys.clone())
        .aggregate(
            Vec::<Expr>::new(),
            vec![
                agg::min(ident(&key)).alias("min"),
                agg::max(ident(&key)).alias("max"),
                agg::count(ident(&key)).alias("keys"),
                agg::count(lit(1i64)).alias("rows"),
            ],
        )
        .and_then(|b| b.build())
        .map_err(internal(span))?;
    Ok((keys, range))
}

/// A scan of the key column of the keyed `source`, every row, and the key's name.
fn source_keys(
    program: &hir::Program,
    tables: &dyn TableLookup,
    source: hir::SourceId,
) -> Result<(LogicalPlanBuilder, String), Diagnostic> {
    let decl = program.source(source);
    let key = decl.key_column().ok_or(Diagnostic::Internal(
        crate::diagnostics::InternalDiagnostic::Invariant {
            span: decl.span,
            broken: crate::diagnostics::Invariant::ReferencedWithoutKey,
        },
    ))?;
    let keys = super::scan_canonical(
        program,
        source,
        super::Rows::All,
        tables,
        &[key.name.as_str()],
    )?
    .project(vec![ident(&key.name)])
    .map_err(internal(key.span))?;
    Ok((keys, key.name.clone()))
}

/// The aggregate expressions of the plan, each computed once, with their column names.
#[derive(Default)]
struct Atoms {
    computed: Vec<(Expr, String)>,
}

impl Atoms {
    /// The column computing `aggregate` (shared with an identical one added before).
    fn add(&mut self, aggregate: Expr) -> String {
        if let Some((_, name)) = self.computed.iter().find(|(e, _)| *e == aggregate) {
            return name.clone();
        }
        let name = format!("__measure_{}", self.computed.len());
        self.computed.push((aggregate, name.clone()));
        name
    }

    fn exprs(&self) -> Vec<Expr> {
        self.computed
            .iter()
            .map(|(e, name)| e.clone().alias(name))
            .collect()
    }
}

/// `aggregate FILTER (WHERE filter)`, or `aggregate` when there is no filter.
/// `condition`, for the members now when frozen tables are joined.
fn and_now(condition: Expr, now: Option<&Expr>) -> Expr {
    match now {
        Some(now) => now.clone().and(condition),
        None => condition,
    }
}

fn with_filter(
    aggregate: Expr,
    filter: Option<Expr>,
    span: crate::span::Span,
) -> Result<Expr, Diagnostic> {
    match filter {
        Some(f) => aggregate.filter(f).build().map_err(internal(span)),
        None => Ok(aggregate),
    }
}

/// The fraction to give DataFusion 55's `percentile_cont` for the percentile `p`. It
/// interpolates with a weight truncated to 6 decimals, so a position such as 0.9 × 9, which is
/// 8.0999999999999996 in floating point, weighs 0.099999 instead of 0.1. Raising the fraction by
/// a relative 1e-14 puts such positions back above the exact value, and stays below a
/// millionth of a position (so exact positions keep a weight of 0) up to 10^8 values.
fn nudged(p: f64) -> f64 {
    (p * (1.0 + 1e-14)).min(1.0)
}

/// Lowers one KPI value for one group.
struct KpiLowerer<'a, 'p> {
    lowerer: &'a Lowerer<'p>,
    /// Membership of the group (`None`: every member).
    group: Option<&'a Expr>,
    atoms: &'a mut Atoms,
}

impl KpiLowerer<'_, '_> {
    fn value(&mut self, e: &KpiExpr) -> Result<Expr, Diagnostic> {
        Ok(match &e.kind {
            KpiExprKind::Number(n) => lit(*n),
            KpiExprKind::Measure(m) => self.measure(m)?,
            KpiExprKind::Neg(x) => Expr::Negative(Box::new(self.value(x)?)),
            KpiExprKind::Binary { op, lhs, rhs } => {
                let lhs = self.value(lhs)?;
                let rhs = self.value(rhs)?;
                match op {
                    KpiOp::Add => binary_expr(lhs, Operator::Plus, rhs),
                    KpiOp::Sub => binary_expr(lhs, Operator::Minus, rhs),
                    KpiOp::Mul => binary_expr(lhs, Operator::Multiply, rhs),
                    // Dividing by zero (no members, no rows) gives no value rather than infinity.
                    KpiOp::Div => binary_expr(lhs, Operator::Divide, f::nullif(rhs, lit(0.0))),
                }
            }
        })
    }

    /// The sample of a KPI value, added to `results` next to the value named `value_name`:
    /// the denominator of a share of members (always: reports show it), the values and their
    /// sample variance of a mean compared by a readout. The aggregates join the plan's one
    /// aggregate (the denominator is already there), so no extra pass over the data.
    fn sample(
        &mut self,
        kpi: &hir::Kpi,
        value_name: &str,
        results: &mut Vec<Expr>,
    ) -> Result<Option<SampleColumns>, Diagnostic> {
        let n = format!("{value_name}_n");
        if let Some((_, denominator)) = kpi.value.as_share() {
            // The very aggregate the value divides by (so computed once): a count, never null.
            let filter = self.filter(denominator)?;
            let count = with_filter(agg::count(lit(1i64)), filter, denominator.span)?;
            results.push(ident(self.atoms.add(count)).alias(&n));
            return Ok(Some(SampleColumns { n, variance: None }));
        }
        let readout = kpi.readout.map(|r| r.test);
        let (Some(hir::ReadoutTest::Welch), Some(mean)) = (readout, kpi.value.as_mean()) else {
            return Ok(None);
        };
        let filter = self.filter(mean)?;
        let value =
            mean.value
                .as_ref()
                .ok_or(Diagnostic::Internal(InternalDiagnostic::Invariant {
                    span: mean.span,
                    broken: Invariant::MeasureWithoutValue,
                }))?;
        let value = cast(self.lowerer.lower(value)?, DataType::Float64);
        let count = with_filter(agg::count(value.clone()), filter.clone(), mean.span)?;
        let variance = with_filter(agg::var_sample(value), filter, mean.span)?;
        let variance_name = format!("{value_name}_variance");
        results.push(ident(self.atoms.add(count)).alias(&n));
        results
            .push(cast(ident(self.atoms.add(variance)), DataType::Float64).alias(&variance_name));
        Ok(Some(SampleColumns {
            n,
            variance: Some(variance_name),
        }))
    }

    /// The members a measure takes: the group's, by the measure's `where`.
    fn filter(&self, m: &Measure) -> Result<Option<Expr>, Diagnostic> {
        let filter = match &m.filter {
            Some(w) => Some(self.lowerer.lower(w)?),
            None => None,
        };
        Ok(match (self.group, filter) {
            (Some(g), Some(w)) => Some(g.clone().and(w)),
            (Some(g), None) => Some(g.clone()),
            (None, w) => w,
        })
    }

    /// A measure's aggregate over the group's members (taken by the `where`), as a float.
    fn measure(&mut self, m: &Measure) -> Result<Expr, Diagnostic> {
        let filter = self.filter(m)?;
        let value = match &m.value {
            Some(v) => Some(self.lowerer.lower(v)?),
            None => None,
        };
        let given = || {
            value
                .clone()
                .ok_or(Diagnostic::Internal(InternalDiagnostic::Invariant {
                    span: m.span,
                    broken: Invariant::MeasureWithoutValue,
                }))
        };
        let number = || given().map(|v| cast(v, DataType::Float64));
        // Sums, averages and extremes of integers and decimals are computed in their own type
        // (exactly, so the result does not depend on how rows are split across threads), and
        // only then converted to a float.
        let exact = || match m.value.as_ref().map(|v| &v.ty) {
            Some(Type::Int | Type::Decimal { .. }) => given(),
            _ => number(),
        };
        let aggregate = match m.function {
            MeasureFunction::Count => agg::count(value.clone().unwrap_or_else(|| lit(1i64))),
            MeasureFunction::Sum => agg::sum(exact()?),
            // The exact sum of decimals over their count (DataFusion's decimal average keeps
            // only 4 more digits, truncated).
            MeasureFunction::Avg
                if matches!(m.value.as_ref().map(|v| &v.ty), Some(Type::Decimal { .. })) =>
            {
                let total =
                    self.atoms
                        .add(with_filter(agg::sum(exact()?), filter.clone(), m.span)?);
                let count = self
                    .atoms
                    .add(with_filter(agg::count(exact()?), filter, m.span)?);
                return Ok(binary_expr(
                    cast(ident(total), DataType::Float64),
                    Operator::Divide,
                    f::nullif(cast(ident(count), DataType::Float64), lit(0.0)),
                ));
            }
            MeasureFunction::Avg => agg::avg(number()?),
            MeasureFunction::Min => agg::min(exact()?),
            MeasureFunction::Max => agg::max(exact()?),
            MeasureFunction::Median => agg::median(number()?),
            MeasureFunction::Percentile(p) => {
                agg::percentile_cont(number()?.sort(true, false), lit(nudged(p)))
            }
        };
        let column = self.atoms.add(with_filter(aggregate, filter, m.span)?);
        let result = cast(ident(column), DataType::Float64);
        // Counts and sums over no members are 0; the others have no value.
        Ok(match m.function {
            MeasureFunction::Count | MeasureFunction::Sum => f::coalesce(vec![result, lit(0.0)]),
            _ => result,
        })
    }
}
