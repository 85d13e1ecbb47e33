//! Boolean kernels over whole columns: `segc_and`/`segc_or` (SQL's `AND`/`OR`, null when unknown,
//! without short-circuit: DataFusion filtered a copy of every column of the batch for each
//! selective `AND`) and `segc_is_true` (a segment's membership).

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanArray};
use datafusion::arrow::compute::kernels::boolean::{and_kleene, or_kleene};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF};

use super::Kernel;

/// `segc_and(a, b)`: Arrow's Kleene `and`.
pub fn segc_and() -> ScalarUDF {
    two_booleans("segc_and", |name, args| kleene(name, args, true))
}

/// `segc_or(a, b)`: Arrow's Kleene `or`.
pub fn segc_or() -> ScalarUDF {
    two_booleans("segc_or", |name, args| kleene(name, args, false))
}

fn two_booleans(
    name: &'static str,
    body: fn(&str, ScalarFunctionArgs) -> Result<ColumnarValue>,
) -> ScalarUDF {
    Kernel::udf(
        name,
        vec![DataType::Boolean, DataType::Boolean],
        DataType::Boolean,
        body,
    )
}

fn kleene(name: &str, args: ScalarFunctionArgs, and: bool) -> Result<ColumnarValue> {
    let rows = args.number_rows;
    let [left, right] = args.args.as_slice() else {
        return exec_err!("{name} takes two operands");
    };
    let (left, right) = (left.to_array(rows)?, right.to_array(rows)?);
    let (left, right) = (left.as_boolean(), right.as_boolean());
    let result = if and {
        and_kleene(left, right)?
    } else {
        or_kleene(left, right)?
    };
    Ok(ColumnarValue::Array(Arc::new(result)))
}

/// `segc_is_true(x)`: true where `x` is true, false where it is false or null. One bitwise `and`
/// of the values with the validity, where DataFusion compares `x IS NOT DISTINCT FROM true`
/// value by value.
pub fn segc_is_true() -> ScalarUDF {
    Kernel::udf(
        "segc_is_true",
        vec![DataType::Boolean],
        DataType::Boolean,
        is_true,
    )
}

fn is_true(name: &str, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
    let [value] = args.args.as_slice() else {
        return exec_err!("{name} takes one operand");
    };
    let value = value.to_array(args.number_rows)?;
    let value = value.as_boolean();
    let truth = match value.nulls() {
        Some(valid) => value.values() & valid.inner(),
        None => value.values().clone(),
    };
    Ok(ColumnarValue::Array(Arc::new(BooleanArray::new(
        truth, None,
    ))))
}
