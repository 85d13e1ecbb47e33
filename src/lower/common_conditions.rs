//! Conditions written in several definitions of one layer, computed once for all of them.
//!
//! Segments often repeat a test (`country in ["FR", "BE"]`, `web_orders_90d >= 1`) next to
//! conditions that differ. DataFusion's common-subexpression elimination leaves alone what sits
//! under `AND`, `OR` and `CASE` (an operand that might not be evaluated could fail), so each
//! segment computed the repeated test again. Comparisons of values of one type with each other
//! and with constants cannot fail: those are computed once, in a projection before the layer,
//! and `and`/`or` over them are computed without short-circuit ([`without_short_circuit`]).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{DFSchema, DFSchemaRef, Result};
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::logical_expr::{Between, BinaryExpr, Expr, ExprSchemable, Operator, ident};
use datafusion::optimizer::simplify_expressions::ExprSimplifier;

/// Rewrites `values` so that each safe condition found in two of them or more reads a shared
/// column; gives the shared conditions with their column names (`__shared_N`, from `next`).
pub(super) fn shared_conditions(
    values: &mut [Expr],
    schema: &DFSchema,
    next: &mut usize,
) -> Result<Vec<(Expr, String)>> {
    let mut uses: HashMap<Expr, usize> = HashMap::new();
    for value in values.iter() {
        let mut found: HashSet<&Expr> = HashSet::new();
        value.apply(|e| {
            if worth_sharing(e, schema) {
                found.insert(e);
            }
            Ok(TreeNodeRecursion::Continue)
        })?;
        for e in found {
            *uses.entry(e.clone()).or_default() += 1;
        }
    }
    let mut names: HashMap<Expr, String> = HashMap::new();
    let mut shared = Vec::new();
    for value in values.iter_mut() {
        // Top-down: the largest repeated condition is shared, not its parts.
        let rewritten = value.clone().transform_down(|e| {
            if uses.get(&e).is_some_and(|&n| n >= 2) {
                let name = names.entry(e.clone()).or_insert_with(|| {
                    let name = format!("__shared_{next}");
                    *next += 1;
                    shared.push((e.clone(), name.clone()));
                    name
                });
                return Ok(Transformed::new(
                    ident(name.as_str()),
                    true,
                    TreeNodeRecursion::Jump,
                ));
            }
            Ok(Transformed::no(e))
        })?;
        *value = rewritten.data;
    }
    Ok(shared)
}

/// A condition that costs something and cannot fail.
fn worth_sharing(e: &Expr, schema: &DFSchema) -> bool {
    !matches!(e, Expr::Column(_) | Expr::Literal(..)) && safe_or_logic(e, schema)
}

/// Whether evaluating `e` cannot fail: columns, constants, and comparisons, logic, null tests,
/// `IN` lists and `BETWEEN` over them, between values of one kind (numbers, texts, instants or
/// booleans: the casts DataFusion adds between those widen, they cannot fail).
fn safe(e: &Expr, schema: &DFSchema) -> bool {
    let same_type = |a: &Expr, b: &Expr| match (a.get_type(schema), b.get_type(schema)) {
        (Ok(x), Ok(y)) => kind(&x).is_some() && kind(&x) == kind(&y),
        _ => false,
    };
    match e {
        Expr::Column(_) | Expr::Literal(..) => true,
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            let comparison = matches!(
                op,
                Operator::Eq
                    | Operator::NotEq
                    | Operator::Lt
                    | Operator::LtEq
                    | Operator::Gt
                    | Operator::GtEq
                    | Operator::IsDistinctFrom
                    | Operator::IsNotDistinctFrom
            );
            let logic = matches!(op, Operator::And | Operator::Or);
            (comparison && same_type(left, right) || logic)
                && safe(left, schema)
                && safe(right, schema)
        }
        Expr::Not(x)
        | Expr::IsNull(x)
        | Expr::IsNotNull(x)
        | Expr::IsTrue(x)
        | Expr::IsFalse(x)
        | Expr::IsNotTrue(x)
        | Expr::IsNotFalse(x) => safe(x, schema),
        Expr::InList(list) => {
            safe(&list.expr, schema)
                && list
                    .list
                    .iter()
                    .all(|c| matches!(c, Expr::Literal(..)) && same_type(&list.expr, c))
        }
        Expr::Between(Between {
            expr, low, high, ..
        }) => {
            safe(expr, schema)
                && [low, high]
                    .iter()
                    .all(|b| matches!(***b, Expr::Literal(..)) && same_type(expr, b))
        }
        _ => false,
    }
}

/// The kind of values a type holds, for comparisons that need no failing cast.
fn kind(t: &DataType) -> Option<u8> {
    match t {
        _ if t.is_numeric() => Some(0),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Some(1),
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) => Some(2),
        DataType::Boolean => Some(3),
        _ => None,
    }
}

/// Rewrites every `AND`/`OR` of `value` whose operands cannot fail into `segc_and`/`segc_or`:
/// the same three-valued logic, but both operands are evaluated on the whole batch. DataFusion
/// evaluates the right operand of a selective `AND`/`OR` on a filtered copy of the batch, every
/// column of it: with hundreds of segments, each segment's `and` copied hundreds of columns.
pub(super) fn without_short_circuit(value: Expr, schema: &DFSchema) -> Result<Expr> {
    let rewritten = value.transform_up(|e| match e {
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if matches!(op, Operator::And | Operator::Or)
                && safe_or_logic(&left, schema)
                && safe_or_logic(&right, schema) =>
        {
            Ok(Transformed::yes(logic_call(
                op == Operator::And,
                *left,
                *right,
            )))
        }
        other => Ok(Transformed::no(other)),
    })?;
    Ok(rewritten.data)
}

/// `aggregate` with its `FILTER` condition [`without_short_circuit`] (over rows of `schema`):
/// for a selective left operand (`kind == "cart"`, 17 % of events), DataFusion copied the
/// filtered batch to evaluate the right one, for each filtered aggregate of each batch
/// (`segc run` of the benchmark at SF 1: 0.94× the CPU, bench/README.md, issue 23).
/// The OR of the filters pushed to the scan keeps DataFusion's operators, which the Parquet
/// reader's pruning understands.
pub(super) fn eager_filter(aggregate: Expr, schema: &DFSchemaRef) -> Result<Expr> {
    match aggregate {
        Expr::AggregateFunction(mut call) => {
            if let Some(filter) = call.params.filter.take() {
                // Window bounds (`as_of - 30 days`) folded into literals first, which are safe.
                let context = SimplifyContext::builder()
                    .with_schema(Arc::clone(schema))
                    .build();
                let folded = ExprSimplifier::new(context)
                    .simplify((*filter).clone())
                    .unwrap_or(*filter);
                let eager = without_short_circuit(folded, schema)?;
                call.params.filter = Some(Box::new(text_equalities(eager, schema)?));
            }
            Ok(Expr::AggregateFunction(call))
        }
        other => Ok(other),
    }
}

/// Rewrites every `text = 'constant'` of `value` (a text column of `schema`) into
/// `segc_text_eq(text, 'constant')`: the same result, without Arrow's call to `memcmp` per
/// row (aggregate filters compare enum columns on every row of their source: `segc run` of
/// the benchmark at SF 1, bench/README.md, issue 23).
fn text_equalities(value: Expr, schema: &DFSchema) -> Result<Expr> {
    let is_text = |e: &Expr| matches!(e.get_type(schema), Ok(DataType::Utf8));
    let rewritten = value.transform_up(|e| match e {
        Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::Eq,
            right,
        }) if is_text(&left) && is_text(&right) => {
            let (text, constant) = match (*left, *right) {
                (text @ Expr::Column(_), constant @ Expr::Literal(..))
                | (constant @ Expr::Literal(..), text @ Expr::Column(_)) => (text, constant),
                (left, right) => {
                    return Ok(Transformed::no(Expr::BinaryExpr(BinaryExpr::new(
                        Box::new(left),
                        Operator::Eq,
                        Box::new(right),
                    ))));
                }
            };
            let call = crate::functions::segc_text_eq().call(vec![text, constant]);
            Ok(Transformed::yes(call))
        }
        other => Ok(Transformed::no(other)),
    })?;
    Ok(rewritten.data)
}

/// [`safe`], counting the `segc_and`/`segc_or` calls made of safe operands as safe.
fn safe_or_logic(e: &Expr, schema: &DFSchema) -> bool {
    match e {
        Expr::ScalarFunction(call) if matches!(call.func.name(), "segc_and" | "segc_or") => {
            call.args.iter().all(|a| safe_or_logic(a, schema))
        }
        _ => safe(e, schema),
    }
}

/// `segc_and(a, b)` or `segc_or(a, b)`.
fn logic_call(and: bool, left: Expr, right: Expr) -> Expr {
    let function = if and {
        crate::functions::segc_and()
    } else {
        crate::functions::segc_or()
    };
    function.call(vec![left, right])
}

/// `segc_is_true(x)`: a segment's membership (null is false).
pub(super) fn is_true_call(value: Expr) -> Expr {
    crate::functions::segc_is_true().call(vec![value])
}
