//! Pruning partitions from filters on the column they derive from: a source declaring
//! `partition order_year: int = year(ordered_at)` lets `where ordered_at >= as_of - 12 months`
//! skip the folders of earlier years.
//!
//! For each aggregate's filter, every conjunct `column OP constant` on a column some partition
//! derives from implies a condition on that partition (`year(column) >= year(constant)`: the
//! functions are monotone). Those conditions, combined as the filters are (an `or` of the
//! aggregates' conditions), name partition columns only, so DataFusion prunes with them before
//! it lists a file; every row a filter keeps satisfies them, so they change no result.

use datafusion::arrow::datatypes::DataType;
use datafusion::functions::expr_fn::date_part;
use datafusion::logical_expr::utils::split_conjunction;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator, cast, col, lit};

use crate::hir::{self, DerivedFunction};

/// A condition on the partition columns of `source` that every row passing `filter` meets, when
/// `filter` constrains a column some partition derives from.
pub(super) fn implied(source: &hir::Source, filter: &Expr) -> Option<Expr> {
    let mut implied = Vec::new();
    for conjunct in split_conjunction(filter) {
        let Some((column, op, constant)) = comparison(conjunct) else {
            continue;
        };
        let Some(from) = source.columns.iter().position(|c| c.name == column) else {
            continue;
        };
        implied.extend(on_partitions(source, from, op, constant));
    }
    implied.into_iter().reduce(Expr::and)
}

/// `conjunct` as `column OP constant` (the comparison turned around when the column is on the
/// right; a cast of the column, between dates and timestamps, keeps the order).
fn comparison(conjunct: &Expr) -> Option<(&str, Operator, &Expr)> {
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = conjunct else {
        return None;
    };
    let ordered = matches!(
        op,
        Operator::Gt | Operator::GtEq | Operator::Lt | Operator::LtEq | Operator::Eq
    );
    if !ordered {
        return None;
    }
    match (column_name(left), column_name(right)) {
        (Some(name), _) if right.column_refs().is_empty() => Some((name, *op, right.as_ref())),
        (_, Some(name)) if left.column_refs().is_empty() => Some((name, op.swap()?, left.as_ref())),
        _ => None,
    }
}

/// The name of the column `e` is, or casts to a date or timestamp (which keeps the order).
fn column_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Column(c) => Some(c.name.as_str()),
        Expr::Cast(c) if is_temporal(c.field.data_type()) => match c.expr.as_ref() {
            Expr::Column(inner) => Some(inner.name.as_str()),
            _ => None,
        },
        _ => None,
    }
}

fn is_temporal(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(..)
    )
}

/// What `column OP constant` implies for the partitions deriving from column `from`.
fn on_partitions(source: &hir::Source, from: usize, op: Operator, constant: &Expr) -> Vec<Expr> {
    let derived = |function: DerivedFunction| {
        source.columns.iter().find(|c| {
            c.partition
                && c.derived
                    == Some(hir::Derived {
                        function,
                        column: from,
                    })
        })
    };
    let part = |name: &str| cast(date_part(lit(name), constant.clone()), DataType::Int64);
    // A strict comparison keeps the partition of its bound: `> 2025-12-31 23:00` keeps 2025.
    let widened = match op {
        Operator::Gt | Operator::GtEq => Operator::GtEq,
        Operator::Lt | Operator::LtEq => Operator::LtEq,
        _ => Operator::Eq,
    };
    let compare = |name: &str, value: Expr| {
        Expr::BinaryExpr(BinaryExpr::new(
            Box::new(col(name)),
            widened,
            Box::new(value),
        ))
    };
    let mut implied = Vec::new();
    if let Some(day) = derived(DerivedFunction::Date) {
        implied.push(compare(&day.name, cast(constant.clone(), DataType::Date32)));
    }
    let year = derived(DerivedFunction::Year);
    if let Some(year) = year {
        implied.push(compare(&year.name, part("year")));
    }
    // A month alone does not order the rows; with the year of the same column it does.
    if let (Some(year), Some(month)) = (year, derived(DerivedFunction::Month)) {
        let same_year = col(&year.name).eq(part("year"));
        let month_bound = compare(&month.name, part("month"));
        implied.push(match widened {
            Operator::Eq => same_year.and(month_bound),
            Operator::GtEq => col(&year.name)
                .gt(part("year"))
                .or(same_year.and(month_bound)),
            _ => col(&year.name)
                .lt(part("year"))
                .or(same_year.and(month_bound)),
        });
    }
    implied
}
