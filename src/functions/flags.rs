//! `segc_flags`: segment flags packed 64 to a word on their way through the final sort.
//!
//! The membership plan ends with a sort by key. DataFusion sorts each partition and merges them:
//! the merge takes every output row by row from its batch, and Arrow interleaves a boolean column
//! one bit at a time through its generic path. With hundreds of segments that merge, on one
//! thread, cost more than computing the segments. So the plan packs the flags into `UInt64` words
//! ([`segc_flags`], bit `i` is the `i`-th flag), the sort and merge move a few words per row, and
//! the writer unpacks them ([`unpack`]; which flag is in which word is `lower::Packing`). Both
//! directions are 64×64 bit matrix transposes over blocks of 64 rows.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, UInt64Array};
use datafusion::arrow::buffer::{BooleanBuffer, Buffer, ScalarBuffer};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::error::ArrowError;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, Signature, Volatility,
};

use super::Kernel;

/// Flags per packed word.
pub const FLAGS_PER_WORD: usize = 64;

/// Transposes a 64×64 bit matrix in place: bit `c` of row `r` becomes bit `r` of row `c`.
fn transpose(rows: &mut [u64; 64]) {
    const MASKS: [(usize, u64); 6] = [
        (32, 0x0000_0000_FFFF_FFFF),
        (16, 0x0000_FFFF_0000_FFFF),
        (8, 0x00FF_00FF_00FF_00FF),
        (4, 0x0F0F_0F0F_0F0F_0F0F),
        (2, 0x3333_3333_3333_3333),
        (1, 0x5555_5555_5555_5555),
    ];
    for (width, mask) in MASKS {
        // Swaps the block of columns `c + width` of row `r` with columns `c` of row `r + width`,
        // for every `r` and `c` with the `width` bit clear.
        for base in (0..64).step_by(2 * width) {
            for r in base..base + width {
                let t = ((rows[r] >> width) ^ rows[r + width]) & mask;
                rows[r + width] ^= t;
                rows[r] ^= t << width;
            }
        }
    }
}

/// The flags as one word per row: bit `i` of a row's word is `flags[i]` there (null is false).
/// At most [`FLAGS_PER_WORD`] flags, all of `rows` rows.
pub fn pack(flags: &[&BooleanArray], rows: usize) -> Result<UInt64Array, ArrowError> {
    if flags.len() > FLAGS_PER_WORD || flags.iter().any(|f| f.len() != rows) {
        return Err(ArrowError::InvalidArgumentError(format!(
            "cannot pack {} flag columns of {rows} rows into words",
            flags.len()
        )));
    }
    let truths: Vec<BooleanBuffer> = flags
        .iter()
        .map(|f| match f.nulls() {
            Some(valid) => f.values() & valid.inner(),
            None => f.values().clone(),
        })
        .collect();
    let chunks: Vec<_> = truths.iter().map(BooleanBuffer::bit_chunks).collect();
    let mut iters: Vec<_> = chunks.iter().map(|c| c.iter()).collect();
    let mut words: Vec<u64> = Vec::with_capacity(rows);
    for _ in 0..rows / 64 {
        let mut block = [0u64; 64];
        for (row, iter) in block.iter_mut().zip(iters.iter_mut()) {
            *row = iter.next().unwrap_or(0);
        }
        transpose(&mut block);
        words.extend_from_slice(&block);
    }
    let rest = rows % 64;
    if rest > 0 {
        let mut block = [0u64; 64];
        for (row, chunk) in block.iter_mut().zip(&chunks) {
            *row = chunk.remainder_bits();
        }
        transpose(&mut block);
        words.extend_from_slice(&block[..rest]);
    }
    Ok(UInt64Array::new(ScalarBuffer::from(words), None))
}

/// The first `count` flags packed in `words` by [`pack`] (a null word has every flag false).
pub fn unpack(words: &UInt64Array, count: usize) -> Vec<BooleanArray> {
    let rows = words.len();
    let count = count.min(FLAGS_PER_WORD);
    let blocks = rows.div_ceil(64);
    let mut columns: Vec<Vec<u64>> = (0..count).map(|_| Vec::with_capacity(blocks)).collect();
    let values = words.values();
    for start in (0..rows).step_by(64) {
        let mut block = [0u64; 64];
        let end = (start + 64).min(rows);
        block[..end - start].copy_from_slice(&values[start..end]);
        if let Some(valid) = words.nulls() {
            for (i, word) in block[..end - start].iter_mut().enumerate() {
                if valid.is_null(start + i) {
                    *word = 0;
                }
            }
        }
        transpose(&mut block);
        for (column, bits) in columns.iter_mut().zip(block) {
            // Arrow's bitmaps are little-endian bytes: bit `k` of the word is row `start + k`.
            column.push(bits.to_le());
        }
    }
    columns
        .into_iter()
        .map(|bits| {
            let bits = BooleanBuffer::new(Buffer::from_vec(bits), 0, rows);
            BooleanArray::new(bits, None)
        })
        .collect()
}

/// `segc_flags(f0, f1, …)`: up to 64 boolean columns as one `UInt64` per row (see [`pack`]).
pub fn segc_flags() -> ScalarUDF {
    Kernel::with_signature(
        "segc_flags",
        Signature::variadic(vec![DataType::Boolean], Volatility::Immutable),
        DataType::UInt64,
        pack_columns,
    )
}

fn pack_columns(name: &str, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
    let rows = args.number_rows;
    let arrays = args
        .args
        .iter()
        .map(|a| a.to_array(rows))
        .collect::<Result<Vec<ArrayRef>>>()?;
    let mut flags = Vec::with_capacity(arrays.len());
    for array in &arrays {
        match array.as_boolean_opt() {
            Some(flag) => flags.push(flag),
            None => return exec_err!("{name} packs booleans, got {}", array.data_type()),
        }
    }
    Ok(ColumnarValue::Array(Arc::new(pack(&flags, rows)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random stream (xorshift).
    fn noise(seed: u64) -> impl FnMut() -> u64 {
        let mut state = seed.max(1);
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    #[test]
    fn transpose_moves_each_bit_across_the_diagonal() {
        let mut next = noise(7);
        let before: [u64; 64] = std::array::from_fn(|_| next());
        let mut after = before;
        transpose(&mut after);
        for (r, row) in before.iter().enumerate() {
            for (c, column) in after.iter().enumerate() {
                assert_eq!((column >> r) & 1, (row >> c) & 1, "row {r} column {c}");
            }
        }
        transpose(&mut after);
        assert_eq!(after, before);
    }

    fn random_flags(columns: usize, rows: usize, seed: u64) -> Vec<BooleanArray> {
        let mut next = noise(seed);
        (0..columns)
            .map(|c| {
                (0..rows)
                    .map(|_| match next() % 5 {
                        0 if c % 3 == 0 => None,
                        1 | 2 => Some(true),
                        _ => Some(false),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn pack_then_unpack_gives_the_flags_back_with_nulls_false() {
        for (columns, rows, offset) in [
            (1, 1, 0),
            (3, 63, 0),
            (64, 64, 0),
            (64, 1000, 5),
            (17, 129, 3),
            (5, 0, 0),
        ] {
            let all = random_flags(columns, rows + offset, (columns * rows) as u64);
            // Sliced arrays start inside a byte.
            let flags: Vec<BooleanArray> = all.iter().map(|f| f.slice(offset, rows)).collect();
            let refs: Vec<&BooleanArray> = flags.iter().collect();
            let words = pack(&refs, rows).expect("pack");
            assert_eq!(words.len(), rows);
            for (r, word) in words.values().iter().enumerate() {
                for (c, flag) in flags.iter().enumerate() {
                    let expected = flag.is_valid(r) && flag.value(r);
                    assert_eq!(
                        (word >> c) & 1 == 1,
                        expected,
                        "{columns}×{rows} row {r} col {c}"
                    );
                }
            }
            let back = unpack(&words.slice(0, rows), columns);
            for (c, (flag, got)) in flags.iter().zip(&back).enumerate() {
                assert_eq!(got.null_count(), 0);
                let expected: BooleanArray = flag.iter().map(|v| Some(v == Some(true))).collect();
                assert_eq!(got, &expected, "{columns}×{rows} column {c}");
            }
        }
    }

    #[test]
    fn unpack_reads_sliced_and_null_words() {
        let words = UInt64Array::from(vec![Some(0b01), None, Some(0b10), Some(0b11)]).slice(1, 3);
        let back = unpack(&words, 2);
        assert_eq!(back[0], BooleanArray::from(vec![false, false, true]));
        assert_eq!(back[1], BooleanArray::from(vec![false, true, true]));
    }

    #[test]
    fn more_than_a_word_of_flags_is_refused() {
        let flag = BooleanArray::from(vec![true]);
        let refs = vec![&flag; 65];
        assert!(pack(&refs, 1).is_err());
        assert!(pack(&[&flag], 2).is_err());
    }
}
