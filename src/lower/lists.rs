//! Functions over list columns, planned with DataFusion's array functions.

use datafusion::arrow::datatypes::DataType;
use datafusion::functions_nested::expr_fn::{
    array_has, array_has_all, array_has_any, cardinality, make_array,
};
use datafusion::logical_expr::{Expr, cast};

use crate::hir::Builtin;

/// `function` over `list` and `items` (already lowered and cast to the list's item type); `None`
/// for a function that is not about lists.
pub(super) fn list_call(function: Builtin, list: Expr, items: Vec<Expr>) -> Option<Expr> {
    Some(match function {
        // `cardinality` counts unsigned; sizes are ints like every count of the language.
        Builtin::Size => cast(cardinality(list), DataType::Int64),
        Builtin::ListContains => array_has(list, items.into_iter().next()?),
        Builtin::ListContainsAny => array_has_any(list, make_array(items)),
        Builtin::ListContainsAll => array_has_all(list, make_array(items)),
        _ => return None,
    })
}
