//! The stable hash behind holdouts and splits.
//!
//! A member's bucket is `int(md5(seed + ":" + key)[0:8], 16) % 10000`: the first 4 bytes of the
//! MD5 digest of the seed, a colon and the key as text, read as a big-endian unsigned integer,
//! modulo 10,000. It depends on nothing but the seed and the key, so assignments are the same on
//! every run, machine and version, and can be recomputed in any engine with MD5 (Python:
//! `int(hashlib.md5(f"{seed}:{key}".encode()).hexdigest()[:8], 16) % 10000`; DuckDB:
//! `('0x' || md5(seed || ':' || key::VARCHAR)[1:8])::BIGINT % 10000`).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use md5::{Digest, Md5};

/// Buckets per population: shares are resolved to 0.01 %.
pub const BUCKETS: i64 = 10_000;

/// The bucket of one key under one seed.
pub fn bucket(seed: &str, key: &str) -> i64 {
    let digest = Md5::digest(format!("{seed}:{key}").as_bytes());
    let first = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    i64::from(first) % BUCKETS
}

/// `segc_bucket(seed, key)` as a DataFusion scalar function (both arguments text).
#[derive(Debug, PartialEq, Eq, Hash)]
struct BucketFunction {
    signature: Signature,
}

impl ScalarUDFImpl for BucketFunction {
    fn name(&self) -> &str {
        "segc_bucket"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [seed, keys] = args.args.as_slice() else {
            return exec_err!("segc_bucket takes a seed and a key");
        };
        let seed = match seed {
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(s))) => s.clone(),
            _ => return exec_err!("segc_bucket needs a literal seed"),
        };
        match keys {
            ColumnarValue::Scalar(ScalarValue::Utf8(key)) => Ok(ColumnarValue::Scalar(
                ScalarValue::Int64(key.as_deref().map(|k| bucket(&seed, k))),
            )),
            ColumnarValue::Array(array) => {
                let keys = array.as_string::<i32>();
                let buckets: Int64Array = (0..keys.len())
                    .map(|i| keys.is_valid(i).then(|| bucket(&seed, keys.value(i))))
                    .collect();
                Ok(ColumnarValue::Array(Arc::new(buckets) as ArrayRef))
            }
            _ => exec_err!("segc_bucket needs text keys"),
        }
    }
}

/// The bucket expression for `key` (any type; it is hashed as text) under `seed`.
pub fn bucket_expr(seed: &str, key: Expr) -> Expr {
    let function = ScalarUDF::from(BucketFunction {
        signature: Signature::exact(vec![DataType::Utf8, DataType::Utf8], Volatility::Immutable),
    });
    function.call(vec![
        datafusion::logical_expr::lit(seed),
        datafusion::logical_expr::cast(key, DataType::Utf8),
    ])
}

#[cfg(test)]
mod tests {
    use super::bucket;

    #[test]
    fn matches_an_independent_md5() {
        // Computed with Python's hashlib: int(md5(f"{seed}:{key}").hexdigest()[:8], 16) % 10000
        assert_eq!(bucket("q4-2026", "1"), 2198);
        assert_eq!(bucket("q4-2026", "2"), 8789);
        assert_eq!(bucket("exp-42", "123"), 2006);
    }
}
