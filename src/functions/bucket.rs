//! `segc_bucket(seed, key)`: the stable hash behind holdouts and splits.
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
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF};
use md5::{Digest, Md5};

use super::Kernel;

/// Buckets per population: shares are resolved to 0.01 %.
pub const BUCKETS: i64 = 10_000;

/// The bucket of one key under one seed.
pub fn bucket(seed: &str, key: &str) -> i64 {
    let digest = Md5::digest(format!("{seed}:{key}").as_bytes());
    let first = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    i64::from(first) % BUCKETS
}

/// `segc_bucket(seed, key)`, both text, the seed a literal.
pub fn segc_bucket() -> ScalarUDF {
    Kernel::udf(
        "segc_bucket",
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Int64,
        buckets,
    )
}

fn buckets(name: &str, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
    let [seed, keys] = args.args.as_slice() else {
        return exec_err!("{name} takes a seed and a key");
    };
    let seed = match seed {
        ColumnarValue::Scalar(ScalarValue::Utf8(Some(s))) => s.clone(),
        _ => return exec_err!("{name} needs a literal seed"),
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
        _ => exec_err!("{name} needs text keys"),
    }
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
