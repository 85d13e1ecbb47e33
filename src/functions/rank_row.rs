//! The ranking of a quantile on a cluster's workers (`engine::rank_cluster`): `segc_rank_row`
//! gives a member's (value, key) pair in the bytes `segc_ntileN` compares (Arrow's row format,
//! in the quantile's order), so that the workers count and collect pairs around each group's
//! start with plain comparisons of bytes; `segc_sampled(key, n)` keeps about one key in `n`,
//! the same keys on every worker and run.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, BinaryArray, BooleanArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, Signature, Volatility,
};
use md5::{Digest, Md5};

use super::Kernel;
use super::ntile::{RankOrder, converter};

/// `segc_rank_row{_desc}{_ties_desc}(value, key)`: the pair in the order of a quantile ranked
/// that way; null when the value is (null values are not ranked).
pub fn rank_row_udf(order: RankOrder) -> ScalarUDF {
    let name = match (order.descending, order.ties_descending) {
        (false, false) => "segc_rank_row",
        (true, false) => "segc_rank_row_desc",
        (false, true) => "segc_rank_row_ties_desc",
        (true, true) => "segc_rank_row_desc_ties_desc",
    };
    Kernel::with_signature(
        name,
        Signature::any(2, Volatility::Immutable),
        DataType::Binary,
        rank_rows,
    )
}

/// The four `segc_rank_row` functions, one per order.
pub fn rank_row_functions() -> Vec<ScalarUDF> {
    [(false, false), (true, false), (false, true), (true, true)]
        .into_iter()
        .map(|(descending, ties_descending)| {
            rank_row_udf(RankOrder {
                descending,
                ties_descending,
            })
        })
        .collect()
}

/// `segc_sampled(key, n)`: whether the key is among the about one in `n` kept, by the MD5 of
/// its bytes (the same keys on every worker, run and machine).
pub fn segc_sampled() -> ScalarUDF {
    Kernel::with_signature(
        "segc_sampled",
        Signature::any(2, Volatility::Immutable),
        DataType::Boolean,
        sampled,
    )
}

fn rank_rows(name: &str, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
    let [value, key] = args.args.as_slice() else {
        return exec_err!("{name} takes a value and a key");
    };
    let rows = args.number_rows;
    let (value, key) = (value.to_array(rows)?, key.to_array(rows)?);
    let order = RankOrder {
        descending: name.contains("_desc") && !name.starts_with("segc_rank_row_ties"),
        ties_descending: name.ends_with("_ties_desc"),
    };
    let converter = converter(value.data_type(), key.data_type(), order)?;
    let encoded = converter.convert_columns(&[Arc::clone(&value), key])?;
    let pairs: BinaryArray = (0..rows)
        .map(|i| value.is_valid(i).then(|| encoded.row(i).data().to_vec()))
        .collect();
    Ok(ColumnarValue::Array(Arc::new(pairs) as ArrayRef))
}

fn sampled(name: &str, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
    let [key, ColumnarValue::Scalar(ScalarValue::Int64(Some(n)))] = args.args.as_slice() else {
        return exec_err!("{name} takes a key and a literal number");
    };
    let n = (*n).max(1) as u64;
    let key = key.to_array(args.number_rows)?;
    let converter = RowConverter::new(vec![SortField::new(key.data_type().clone())])?;
    let encoded = converter.convert_columns(&[Arc::clone(&key)])?;
    let kept: BooleanArray = (0..key.len())
        .map(|i| {
            let digest = Md5::digest(encoded.row(i).data());
            let first = u64::from_be_bytes(digest[..8].try_into().unwrap_or_default());
            Some(key.is_valid(i) && first % n == 0)
        })
        .collect();
    Ok(ColumnarValue::Array(Arc::new(kept) as ArrayRef))
}
