//! The needed definitions computed in layers over the members: each layer a projection computing
//! what only depends on earlier layers, so a definition used many times is computed once.
//!
//! Each layer carries forward only the columns a later layer or the plan's last step reads.
//! Carrying every earlier column made a chain of N dependent `let`s N projections of up to N
//! columns, each looked up by name in its input schema (a linear search in DataFusion): cubic,
//! 3.2 s to lower a chain of 500 in a debug build, 0.03 s now. DataFusion's optimizer drops the
//! same columns: the optimized plans do not change.
//!
//! Every [`MERGED_LAYERS`] layers, the plan is named (a `SubqueryAlias`), which DataFusion's
//! optimizer does not merge projections across. It merges consecutive projections one into the
//! next, replacing each column by its definition: a chain of N `let`s became one expression N
//! deep, and each of the N merges recomputed the schema of the expression so far (`to_field`
//! writes out the name of every sub-expression). Cubic again: optimizing 500 `let`s took 15 s,
//! 1,000 took 190 s (debug build); 0.2 s and 0.4 s now. Plans of fewer layers (every fixture)
//! do not change. (bench/README.md, issue 15.)

use std::collections::{HashMap, HashSet};

use datafusion::common::Column;
use datafusion::logical_expr::expr_rewriter::normalize_col;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, ident};

use super::expr::{self, Lowerer};
use super::{common_conditions, internal, project};
use crate::diagnostics::Diagnostic;
use crate::hir::{self, DefId, QuantileFunction};
use crate::span::Span;

/// Layers DataFusion's optimizer may merge into one projection (8, 16 and 32 measured alike).
const MERGED_LAYERS: usize = 16;

/// One layer's definitions, lowered.
struct Layer {
    defs: Vec<DefId>,
    values: Vec<Expr>,
    /// The distinct percent-rank windows of the layer.
    windows: Vec<Expr>,
    /// For each percent-rank quantile, its window (an index in `windows`) and its raw name.
    ranks: Vec<(usize, String)>,
}

/// Computes `layers` (see [`super::Needed::layers`]) over `builder`, whose columns are
/// `available`. The result has the columns named in `finals` (those of them available or
/// computed) and the last layer's definitions.
pub(super) fn add_layers(
    mut builder: LogicalPlanBuilder,
    lowerer: &Lowerer<'_>,
    program: &hir::Program,
    layers: Vec<Vec<DefId>>,
    mut available: Vec<String>,
    finals: &HashSet<String>,
    span: Span,
) -> Result<LogicalPlanBuilder, Diagnostic> {
    let layers = layers
        .into_iter()
        .map(|defs| lower_layer(lowerer, program, defs))
        .collect::<Result<Vec<Layer>, Diagnostic>>()?;
    let last_use = last_uses(&layers, finals);
    let layer_count = layers.len();
    let mut shared_names = 0;
    for (index, layer) in layers.into_iter().enumerate() {
        if !layer.windows.is_empty() {
            // One window node per distinct ordering (DataFusion requires it), then the ranks are
            // given stable names.
            let plan = builder.build().map_err(internal(span))?;
            // Named as the window node will name them: with their columns qualified (an
            // aggregate read from a ranking pass's table is `__orders_aggregates.x`).
            let windows = layer
                .windows
                .into_iter()
                .map(|w| normalize_col(w, &plan))
                .collect::<datafusion::error::Result<Vec<Expr>>>()
                .map_err(internal(span))?;
            let mut renames: Vec<Expr> = available.iter().map(ident).collect();
            renames.extend(layer.ranks.iter().map(|(window, raw)| {
                let output = Column::new_unqualified(windows[*window].schema_name().to_string());
                Expr::Column(output).alias(raw)
            }));
            builder = LogicalPlanBuilder::window_plan(plan, windows)
                .map(LogicalPlanBuilder::from)
                .and_then(|b| project(b, renames))
                .map_err(internal(span))?;
        }
        let mut values = Vec::with_capacity(layer.values.len());
        for value in layer.values {
            values.push(
                common_conditions::without_short_circuit(value, builder.schema())
                    .map_err(internal(span))?,
            );
        }
        // Conditions repeated across the layer's definitions are computed once, just before.
        let shared =
            common_conditions::shared_conditions(&mut values, builder.schema(), &mut shared_names)
                .map_err(internal(span))?;
        if !shared.is_empty() {
            // Every column so far stays (the ranks of this layer's windows too).
            let mut columns: Vec<Expr> = builder
                .schema()
                .columns()
                .into_iter()
                .map(Expr::Column)
                .collect();
            columns.extend(shared.into_iter().map(|(e, name)| e.alias(name)));
            builder = project(builder, columns).map_err(internal(span))?;
        }
        available.retain(|name| last_use.get(name).is_some_and(|&last| last > index));
        let mut exprs: Vec<Expr> = available.iter().map(ident).collect();
        for (def, value) in layer.defs.into_iter().zip(values) {
            let name = program.def_name(def).to_string();
            exprs.push(value.alias(&name));
            available.push(name);
        }
        builder = project(builder, exprs).map_err(internal(span))?;
        if index % MERGED_LAYERS == MERGED_LAYERS - 1 && index + 1 < layer_count {
            builder = builder
                .alias(format!("__layers_{}", index + 1))
                .map_err(internal(span))?;
        }
    }
    Ok(builder)
}

/// Lowers the definitions of one layer, and the windows ranking its percent-rank quantiles.
fn lower_layer(
    lowerer: &Lowerer<'_>,
    program: &hir::Program,
    defs: Vec<DefId>,
) -> Result<Layer, Diagnostic> {
    let mut windows: Vec<Expr> = Vec::new();
    let mut ranks = Vec::new();
    for def in &defs {
        // `ntile` groups are computed from their boundaries; percent ranks need a window.
        if let DefId::Quantile(id) = def
            && program.quantiles[id.0].function == QuantileFunction::PercentRank
        {
            let quantile = &program.quantiles[id.0];
            let window = lowerer.quantile_window(quantile)?;
            // The same quantile written twice is computed once.
            let index = match windows.iter().position(|w| *w == window) {
                Some(index) => index,
                None => {
                    windows.push(window);
                    windows.len() - 1
                }
            };
            ranks.push((index, expr::raw_name(quantile)));
        }
    }
    let values = defs
        .iter()
        .map(|def| lowerer.definition(*def))
        .collect::<Result<Vec<Expr>, Diagnostic>>()?;
    Ok(Layer {
        defs,
        values,
        windows,
        ranks,
    })
}

/// The index of the last layer reading each column (`usize::MAX` for the columns in `finals`).
fn last_uses(layers: &[Layer], finals: &HashSet<String>) -> HashMap<String, usize> {
    let mut last_use: HashMap<String, usize> = HashMap::new();
    for (index, layer) in layers.iter().enumerate() {
        for e in layer.values.iter().chain(&layer.windows) {
            for column in e.column_refs() {
                last_use.insert(column.name.clone(), index);
            }
        }
    }
    for name in finals {
        last_use.insert(name.clone(), usize::MAX);
    }
    last_use
}
