//! The groups of KPIs frozen to a run (`kpi k for each offer_test frozen "runs/2026-10-01"`):
//! the members that run wrote, joined to the members now on the population's key, instead of
//! the segments or tiers computed as of now.
//!
//! A frozen table has the key (`__frozenN_key`, the population key's canonical type) and one
//! column per output the groups are read from (`__frozenN_cI`: a segment's flag, or a tiers'
//! tier name). [`super::DeclaredTables`] gives it from this schema; the engine reads the run.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::logical_expr::{Expr, JoinType, LogicalPlanBuilder, TableSource, ident, lit};

use super::{TableLookup, internal, population_key, schema::canonical_type};
use crate::diagnostics::Diagnostic;
use crate::hir::{self, KpiGroup, KpiId};

/// The outputs a frozen KPI's groups are read from, in order: each segment of `for a, b`
/// (`false`), or the tiers of `for each` (`true`), as the run named them.
pub fn frozen_outputs(program: &hir::Program, kpi: &hir::Kpi) -> Vec<(String, bool)> {
    let mut outputs: Vec<(String, bool)> = Vec::new();
    let named = |name: &str| match &kpi.frozen {
        Some(frozen) => frozen.run_name(name).to_string(),
        None => name.to_string(),
    };
    for group in &kpi.groups {
        let output = match group {
            KpiGroup::Population => continue,
            KpiGroup::Segment(s) => (named(&program.segments[s.0].name), false),
            KpiGroup::Tier { tiers, .. } => (named(&program.tiers[tiers.0].name), true),
        };
        if !outputs.contains(&output) {
            outputs.push(output);
        }
    }
    outputs
}

/// The name of a frozen table's key column.
pub fn frozen_key(kpi: KpiId) -> String {
    format!("__frozen{}_key", kpi.0)
}

/// The name of a frozen table's column holding its `index`th output.
pub fn frozen_column(kpi: KpiId, index: usize) -> String {
    format!("__frozen{}_c{index}", kpi.0)
}

/// The schema of the frozen table of `kpi`: its key, then a flag per segment or the tier
/// names of its tiers.
pub fn frozen_schema(program: &hir::Program, kpi: KpiId) -> Result<SchemaRef, Diagnostic> {
    let key = population_key(program)?;
    let mut fields = vec![Field::new(frozen_key(kpi), canonical_type(&key.ty), true)];
    for (index, (_, tiers)) in frozen_outputs(program, &program.kpis[kpi.0])
        .iter()
        .enumerate()
    {
        let ty = if *tiers {
            DataType::Utf8
        } else {
            DataType::Boolean
        };
        fields.push(Field::new(frozen_column(kpi, index), ty, true));
    }
    Ok(Arc::new(Schema::new(fields)))
}

/// The column marking the members now once frozen tables are joined (their rows without a
/// member now have it null).
const MEMBER_NOW: &str = "__member_now";

/// `builder` (the members now) with the frozen tables of `kpis` joined on the key (full
/// joins: a member of a run who is no longer in the population is measured with null
/// values), and the condition keeping the members now, when some table was joined: the
/// other KPIs' groups and the key counts are of these only.
pub(super) fn join_frozen(
    program: &hir::Program,
    tables: &dyn TableLookup,
    builder: LogicalPlanBuilder,
    kpis: &[KpiId],
) -> Result<(LogicalPlanBuilder, Option<Expr>), Diagnostic> {
    let frozen: Vec<(KpiId, &hir::Frozen)> = kpis
        .iter()
        .filter_map(|id| Some((*id, program.kpis[id.0].frozen.as_ref()?)))
        .collect();
    let Some((_, first)) = frozen.first() else {
        return Ok((builder, None));
    };
    let key = &population_key(program)?.name;
    let mut columns: Vec<Expr> = builder
        .schema()
        .columns()
        .into_iter()
        .map(Expr::Column)
        .collect();
    columns.push(lit(true).alias(MEMBER_NOW));
    let mut builder = builder.project(columns).map_err(internal(first.span))?;
    for (id, frozen) in frozen {
        let table: Arc<dyn TableSource> = tables.frozen(program, id)?;
        let right = LogicalPlanBuilder::scan(format!("__frozen{}", id.0), table, None)
            .and_then(|b| b.build())
            .map_err(internal(frozen.span))?;
        builder = builder
            .join_on(
                right,
                JoinType::Full,
                vec![ident(key).eq(ident(frozen_key(id)))],
            )
            .map_err(internal(frozen.span))?;
    }
    Ok((builder, Some(ident(MEMBER_NOW).is_true())))
}

/// The condition for a member to be in the `group`th group of a frozen KPI.
pub(super) fn frozen_group(program: &hir::Program, id: KpiId, group: &KpiGroup) -> Option<Expr> {
    let kpi = &program.kpis[id.0];
    let outputs = frozen_outputs(program, kpi);
    let (name, tiers, tier) = match group {
        KpiGroup::Population => return None,
        KpiGroup::Segment(s) => (&program.segments[s.0].name, false, None),
        KpiGroup::Tier { tiers, tier } => (&program.tiers[tiers.0].name, true, Some(tier)),
    };
    let name = kpi
        .frozen
        .as_ref()
        .map_or(name.as_str(), |f| f.run_name(name));
    let index = outputs.iter().position(|(n, t)| n == name && *t == tiers)?;
    let column = ident(frozen_column(id, index));
    Some(match tier {
        Some(tier) => column.eq(lit(tier.as_str())),
        None => column.is_true(),
    })
}
