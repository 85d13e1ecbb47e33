//! [`hir::Program`] to DataFusion [`LogicalPlan`]s, built with `LogicalPlanBuilder` and `Expr`.
//!
//! The membership plan scans the population once, casts the used columns to their canonical Arrow
//! types, evaluates `let`s and segments in layers (each layer a projection over the previous one,
//! so a definition used many times is computed once), and ends with the key and one boolean column
//! per selected segment, sorted by key. No IO happens here: tables come from a [`TableLookup`].
//!
//! A DataFusion error while building a plan means the checker let through something it should not
//! have: it is reported as [`Diagnostic::Internal`] with the span being lowered.

mod expr;
mod schema;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::common::Column;
use datafusion::logical_expr::{
    Expr, LogicalPlan, LogicalPlanBuilder, LogicalTableSource, TableSource, cast, ident,
};

use crate::diagnostics::Diagnostic;
use crate::hir::{self, DefId, ExprKind, SegmentId};
use crate::span::Span;

pub use schema::{canonical_type, declared_schema};

/// Finds the table to scan for a source.
pub trait TableLookup {
    /// The table holding `source`'s data. Its schema decides which casts the plan needs.
    fn table(&self, source: &hir::Source) -> Result<Arc<dyn TableSource>, Diagnostic>;
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

/// Which segments a plan computes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every segment.
    All,
    /// These segments (and whatever they depend on).
    Only(Vec<SegmentId>),
}

impl Selection {
    /// The selected segments, in declaration order.
    pub fn segments(&self, program: &hir::Program) -> Vec<SegmentId> {
        match self {
            Selection::All => (0..program.segments.len()).map(SegmentId).collect(),
            Selection::Only(ids) => {
                let set: BTreeSet<SegmentId> = ids.iter().copied().collect();
                set.into_iter().collect()
            }
        }
    }
}

/// Wraps a DataFusion error met while lowering the construct at `span`.
fn internal(span: Span) -> impl Fn(datafusion::error::DataFusionError) -> Diagnostic {
    move |error| Diagnostic::Internal {
        span,
        message: error.to_string(),
    }
}

/// The membership plan: the population key and one boolean column per selected segment, one row
/// per member, sorted by key. A segment whose condition is null for a member is false.
pub fn membership_plan(
    program: &hir::Program,
    tables: &dyn TableLookup,
    params: Params,
    selection: &Selection,
) -> Result<LogicalPlan, Diagnostic> {
    let population = program.population();
    let span = population.span;
    let key = population
        .key_column()
        .ok_or_else(|| Diagnostic::Internal {
            span,
            message: "the population has no key".into(),
        })?;
    let segments = selection.segments(program);
    let needed = Needed::collect(program, &segments);

    // Scan only the used columns, cast to their canonical types.
    let table = tables.table(population)?;
    let table_schema = table.schema();
    let mut column_names: Vec<&str> = vec![key.name.as_str()];
    for &index in &needed.columns {
        let name = population.columns[index].name.as_str();
        if !column_names.contains(&name) {
            column_names.push(name);
        }
    }
    let mut projection = Vec::with_capacity(column_names.len());
    let mut canonical = Vec::with_capacity(column_names.len());
    for name in &column_names {
        let (index, field) =
            table_schema
                .column_with_name(name)
                .ok_or_else(|| Diagnostic::Internal {
                    span,
                    message: format!("table `{}` has no column `{name}`", population.name),
                })?;
        projection.push(index);
        let column = population
            .column(name)
            .ok_or_else(|| Diagnostic::Internal {
                span,
                message: format!("undeclared column `{name}`"),
            })?;
        let wanted = canonical_type(&column.ty);
        let reference = Expr::Column(Column::new(Some(population.name.as_str()), *name));
        let value = if field.data_type() == &wanted {
            reference
        } else {
            cast(reference, wanted)
        };
        canonical.push(value.alias(*name));
    }
    let mut builder = LogicalPlanBuilder::scan(population.name.as_str(), table, Some(projection))
        .and_then(|b| b.project(canonical))
        .map_err(internal(span))?;

    // Definitions in layers: each layer computes what only depends on earlier layers.
    let lowerer = expr::Lowerer::new(program, params);
    let mut available: Vec<String> = column_names.iter().map(|n| n.to_string()).collect();
    for layer in needed.layers(program) {
        let mut exprs: Vec<Expr> = available.iter().map(ident).collect();
        for def in layer {
            let (name, value) = match def {
                DefId::Let(id) => {
                    let l = &program.lets[id.0];
                    (&l.name, lowerer.value(&l.value)?)
                }
                DefId::Segment(id) => {
                    let s = &program.segments[id.0];
                    (&s.name, lowerer.condition(&s.condition)?)
                }
            };
            exprs.push(value.alias(name));
            available.push(name.clone());
        }
        builder = builder.project(exprs).map_err(internal(span))?;
    }

    let mut output = vec![ident(&key.name)];
    output.extend(
        segments
            .iter()
            .map(|id| ident(&program.segments[id.0].name)),
    );
    builder
        .project(output)
        .and_then(|b| b.sort(vec![ident(&key.name).sort(true, false)]))
        .and_then(|b| b.build())
        .map_err(internal(span))
}

/// The definitions and population columns a selection of segments needs.
struct Needed {
    defs: BTreeSet<DefId>,
    columns: BTreeSet<usize>,
}

impl Needed {
    fn collect(program: &hir::Program, segments: &[SegmentId]) -> Needed {
        let mut needed = Needed {
            defs: BTreeSet::new(),
            columns: BTreeSet::new(),
        };
        let mut work: Vec<DefId> = segments.iter().map(|s| DefId::Segment(*s)).collect();
        while let Some(def) = work.pop() {
            if !needed.defs.insert(def) {
                continue;
            }
            let body = match def {
                DefId::Let(id) => &program.lets[id.0].value,
                DefId::Segment(id) => &program.segments[id.0].condition,
            };
            references(body, &mut |kind| match kind {
                ExprKind::Column { column, .. } => {
                    needed.columns.insert(*column);
                }
                ExprKind::Let(id) => work.push(DefId::Let(*id)),
                ExprKind::Segment(id) => work.push(DefId::Segment(*id)),
                _ => {}
            });
        }
        needed
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
            let body = match def {
                DefId::Let(id) => &program.lets[id.0].value,
                DefId::Segment(id) => &program.segments[id.0].condition,
            };
            let mut d = 0;
            references(body, &mut |kind| {
                let dep = match kind {
                    ExprKind::Let(id) => Some(DefId::Let(*id)),
                    ExprKind::Segment(id) => Some(DefId::Segment(*id)),
                    _ => None,
                };
                if let Some(dep) = dep {
                    d = d.max(depth.get(&dep).copied().unwrap_or(0));
                }
            });
            depth.insert(*def, d + 1);
            if layers.len() <= d {
                layers.resize_with(d + 1, Vec::new);
            }
            layers[d].push(*def);
        }
        layers
    }
}

/// Calls `visit` on every node of `e` (iteratively, so deep expressions cannot exhaust the stack).
fn references(e: &hir::Expr, visit: &mut dyn FnMut(&ExprKind)) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        visit(&e.kind);
        match &e.kind {
            ExprKind::Not(x) | ExprKind::Neg(x) => stack.push(x),
            ExprKind::Binary { lhs, rhs, .. } => stack.extend([&**lhs, &**rhs]),
            ExprKind::Elapsed { end, start } => stack.extend([&**end, &**start]),
            ExprKind::Shift { value, .. } | ExprKind::IsNull { value, .. } => stack.push(value),
            ExprKind::InList { value, list, .. } => {
                stack.push(value);
                stack.extend(list.iter());
            }
            ExprKind::Between {
                value, low, high, ..
            } => stack.extend([&**value, &**low, &**high]),
            ExprKind::If {
                condition,
                then,
                otherwise,
            } => stack.extend([&**condition, &**then, &**otherwise]),
            ExprKind::Call { args, .. } => stack.extend(args.iter()),
            ExprKind::Column { .. }
            | ExprKind::Let(_)
            | ExprKind::Segment(_)
            | ExprKind::AsOf
            | ExprKind::Literal(_) => {}
        }
    }
}
