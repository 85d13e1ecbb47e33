//! `segc_text_eq(text, literal)`: SQL's `text = literal` for a text column and a text constant,
//! without a call to `memcmp` per row.
//!
//! Arrow's comparison kernel compares each row as a byte slice: a length test, then `memcmp`
//! for rows of the literal's length. Aggregate filters compare enum columns to constants on
//! every row (`kind == "visit"`: 28 M events, three filters, at SF 1), and those calls were 6 %
//! of the benchmark's CPU (bench/README.md, issue 23). Here a literal of up to 8 bytes is one
//! word, compared with the row's first 8 bytes under a mask.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanArray, StringArray};
use datafusion::arrow::buffer::{BooleanBuffer, Buffer};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF};

use super::Kernel;

/// `segc_text_eq(text, literal)`: whether `text` equals `literal`, null where either is null.
pub fn segc_text_eq() -> ScalarUDF {
    Kernel::udf(
        "segc_text_eq",
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Boolean,
        text_eq,
    )
}

fn text_eq(name: &str, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
    let [text, literal] = args.args.as_slice() else {
        return exec_err!("{name} takes two operands");
    };
    let ColumnarValue::Scalar(ScalarValue::Utf8(literal)) = literal else {
        return exec_err!("{name} compares with a text constant");
    };
    let Some(literal) = literal else {
        return Ok(ColumnarValue::Scalar(ScalarValue::Boolean(None)));
    };
    match text {
        ColumnarValue::Scalar(ScalarValue::Utf8(value)) => Ok(ColumnarValue::Scalar(
            ScalarValue::Boolean(value.as_ref().map(|v| v == literal)),
        )),
        ColumnarValue::Scalar(other) => exec_err!("{name} compares texts, not {other:?}"),
        ColumnarValue::Array(array) => {
            let Some(texts) = array.as_string_opt::<i32>() else {
                return exec_err!("{name} compares texts, not {}", array.data_type());
            };
            let equal = equal_to(texts, literal.as_bytes());
            Ok(ColumnarValue::Array(Arc::new(BooleanArray::new(
                equal,
                texts.nulls().cloned(),
            ))))
        }
    }
}

/// Whether each value of `texts` is `literal` (a null row's bit is meaningless).
pub fn equal_to(texts: &StringArray, literal: &[u8]) -> BooleanBuffer {
    let offsets = texts.value_offsets();
    let data = texts.value_data();
    let n = literal.len();
    let bounds = |i: usize| {
        // Offsets never decrease and stay within the data: Arrow checks both on creation.
        (offsets[i] as usize, offsets[i + 1] as usize)
    };
    if n == 0 || n > 8 || data.len() < 8 {
        return BooleanBuffer::collect_bool(texts.len(), |i| {
            let (start, end) = bounds(i);
            end - start == n && &data[start..end] == literal
        });
    }
    let mut word = [0u8; 8];
    word[..n].copy_from_slice(literal);
    let wanted = u64::from_le_bytes(word);
    let mask = if n == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * n)) - 1
    };
    // Without branches on the data: rows of every length come in any order, and a
    // mispredicted branch per row cost as much as the comparison (6.9 % → 3.6 % of the
    // benchmark's CPU, then 2.8 % with the bits packed here rather than through a closure).
    let last_word = data.len() - 8;
    let mut words = Vec::with_capacity(texts.len().div_ceil(64));
    let (mut word, mut bit) = (0u64, 0);
    for pair in offsets.windows(2) {
        let (start, end) = (pair[0] as usize, pair[1] as usize);
        let at = start.min(last_word);
        let eight: [u8; 8] = data[at..at + 8].try_into().unwrap_or_default();
        let same = (end - start == n) & (u64::from_le_bytes(eight) & mask == wanted);
        // Rows too near the end of the data for a whole word are compared byte by byte.
        let same = if start == at {
            same
        } else {
            &data[start..end] == literal
        };
        word |= u64::from(same) << bit;
        bit += 1;
        if bit == 64 {
            words.push(word);
            (word, bit) = (0, 0);
        }
    }
    if bit > 0 {
        words.push(word);
    }
    BooleanBuffer::new(Buffer::from_vec(words), 0, texts.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every literal length up to 10 and every position in the data, the last rows included
    /// (where fewer than 8 bytes follow), against Rust's own comparison.
    #[test]
    fn equal_to_is_byte_equality() {
        let words = [
            "",
            "a",
            "ab",
            "abc",
            "visit",
            "visits",
            "visit\0",
            "cart",
            "search",
            "purchase",
            "purchases",
            "abcdefgh",
            "abcdefghi",
            "é",
            "ée",
            "Visit",
        ];
        let rows: Vec<Option<&str>> = words
            .iter()
            .cycle()
            .take(words.len() * 3 + 1)
            .enumerate()
            .map(|(i, w)| (i % 7 != 3).then_some(*w))
            .collect();
        let texts = StringArray::from(rows.clone());
        for sliced in [texts.clone(), texts.slice(5, rows.len() - 5)] {
            let start = rows.len() - sliced.len();
            for literal in words {
                let got = equal_to(&sliced, literal.as_bytes());
                for (i, row) in rows[start..].iter().enumerate() {
                    if let Some(row) = row {
                        assert_eq!(got.value(i), *row == literal, "{row:?} = {literal:?}");
                    }
                }
            }
        }
    }
}
