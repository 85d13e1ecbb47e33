//! `segc_ntileN`: quantile groups (`ntile`, `quintile`, `decile`) without sorting the members.
//!
//! A member's group only depends on where its (value, key) pair falls among the pairs that start
//! each group: with `N` ranked members and `n` groups, group `g` starts at sorted position
//! `(g - 1) * (N / n) + min(g - 1, N % n)` (the first `N % n` groups hold one more member, as SQL's
//! `NTILE`). A ranking pass (a narrow plan: the key and the ranked values, `lower::RankingPass`)
//! gives the values, [`Boundaries::select`] finds those `n - 1` boundary pairs by selection, and
//! the membership plan then computes every group with the scalar function `segc_ntileN`
//! ([`ntile_udf`]): a binary search among the boundaries, in parallel, with no window sort of the
//! wide member rows (which DataFusion runs on one thread).
//!
//! Pairs are compared in Arrow's row format (bytes that sort as the values do), so every value type
//! a quantile accepts is handled alike: the value ascending or descending, then the key ascending
//! (or descending: `ties by key desc`), a [`RankOrder`].
//! Selecting the boundaries and searching them are kept together: both must encode pairs alike.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Int64Array};
use datafusion::arrow::compute::{SortOptions, cast};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::row::{RowConverter, Rows, SortField};
use datafusion::common::ScalarValue;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};

/// Selection is used for up to this many boundaries; beyond, a full sort is cheaper.
const SELECT_AT_MOST: usize = 32;

/// The order members are ranked in: by value, then, among equal values, by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RankOrder {
    /// Larger values come first.
    pub descending: bool,
    /// Among equal values, larger keys come first (`ties by key desc`).
    pub ties_descending: bool,
}

/// The pairs (value, key) at which the groups of one quantile start, in row format.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Boundaries {
    /// The type of the ranked value.
    value_type: DataType,
    /// The type of the population key.
    key_type: DataType,
    /// The order of the pairs.
    order: RankOrder,
    /// The start of groups 2, 3, ... (those that have members), ascending.
    starts: Vec<Vec<u8>>,
}

/// The sorted positions (0-based) at which groups 2..=n start among `count` ranked members;
/// groups left empty (fewer members than groups) start nowhere.
pub fn group_starts(groups: u32, count: usize) -> Vec<usize> {
    let n = groups.max(1) as usize;
    let (size, larger) = (count / n, count % n);
    (2..=n)
        .map(|g| (g - 1) * size + (g - 1).min(larger))
        .filter(|&start| start < count)
        .collect()
}

pub(super) fn converter(
    value_type: &DataType,
    key_type: &DataType,
    order: RankOrder,
) -> Result<RowConverter> {
    let value = SortField::new_with_options(
        value_type.clone(),
        SortOptions {
            descending: order.descending,
            nulls_first: true,
        },
    );
    let key = SortField::new_with_options(
        key_type.clone(),
        SortOptions {
            descending: order.ties_descending,
            nulls_first: true,
        },
    );
    Ok(RowConverter::new(vec![value, key])?)
}

/// `array` as `to` (the types a pass saw and a plan gives can differ in representation only).
fn as_type(array: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
    if array.data_type() == to {
        Ok(Arc::clone(array))
    } else {
        Ok(cast(array, to)?)
    }
}

impl Boundaries {
    /// The boundaries of an `ntile(groups)` over `values` (null values are not ranked), ties broken by
    /// `keys`; both are given batch by batch.
    pub fn select(
        groups: u32,
        order: RankOrder,
        (value_type, key_type): (DataType, DataType),
        values: &[ArrayRef],
        keys: &[ArrayRef],
    ) -> Result<Self> {
        let converter = converter(&value_type, &key_type, order)?;
        let mut rows: Rows = converter.empty_rows(0, 0);
        let mut ranked: Vec<u32> = Vec::new();
        let mut offset = 0usize;
        for (value, key) in values.iter().zip(keys) {
            let columns = [as_type(value, &value_type)?, as_type(key, &key_type)?];
            converter.append(&mut rows, &columns)?;
            for i in 0..value.len() {
                if value.is_valid(i) {
                    let index = u32::try_from(offset + i).map_err(|_| {
                        ArrowError::ComputeError("too many members to rank".to_string())
                    })?;
                    ranked.push(index);
                }
            }
            offset += value.len();
        }
        let positions = group_starts(groups, ranked.len());
        if let Some(starts) = select_fixed(&rows, &ranked, &positions) {
            return Ok(Self {
                value_type,
                key_type,
                order,
                starts,
            });
        }
        let by_pair = |a: &u32, b: &u32| rows.row(*a as usize).cmp(&rows.row(*b as usize));
        let mut starts = Vec::with_capacity(positions.len());
        if positions.len() <= SELECT_AT_MOST {
            // Each selection leaves the smaller pairs before the position: the next one only looks
            // after it.
            let mut from = 0;
            for &position in &positions {
                ranked[from..].select_nth_unstable_by(position - from, by_pair);
                starts.push(rows.row(ranked[position] as usize).data().to_vec());
                from = position + 1;
            }
        } else {
            ranked.sort_unstable_by(by_pair);
            for &position in &positions {
                starts.push(rows.row(ranked[position] as usize).data().to_vec());
            }
        }
        Ok(Self {
            value_type,
            key_type,
            order,
            starts,
        })
    }
}

/// The pairs at `positions` in the order of their rows, when every ranked pair's row has one
/// width of at most 32 bytes (fixed-width values and keys: numbers, dates, instants): each
/// row copied into four big-endian words, which compare as integers in the rows' order. The
/// selection through an index into the rows, by `memcmp`, was 1.8 % of the benchmark's CPU
/// (bench/README.md, issue 23). `None` for rows of other widths (texts).
fn select_fixed(rows: &Rows, ranked: &[u32], positions: &[usize]) -> Option<Vec<Vec<u8>>> {
    let width = rows.row(*ranked.first()? as usize).data().len();
    if width > 32 {
        return None;
    }
    let mut packed: Vec<[u64; 4]> = Vec::with_capacity(ranked.len());
    for &i in ranked {
        let data = rows.row(i as usize).data();
        if data.len() != width {
            return None;
        }
        let mut bytes = [0u8; 32];
        bytes[..width].copy_from_slice(data);
        packed.push(std::array::from_fn(|w| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[w * 8..w * 8 + 8]);
            u64::from_be_bytes(word)
        }));
    }
    let row_of = |words: &[u64; 4]| -> Vec<u8> {
        words
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .take(width)
            .collect()
    };
    if positions.len() > SELECT_AT_MOST {
        packed.sort_unstable();
        return Some(positions.iter().map(|&p| row_of(&packed[p])).collect());
    }
    // Each selection leaves the smaller pairs before the position: the next one only looks
    // after it.
    let mut starts = Vec::with_capacity(positions.len());
    let mut from = 0;
    for &position in positions {
        packed[from..].select_nth_unstable(position - from);
        starts.push(row_of(&packed[position]));
        from = position + 1;
    }
    Some(starts)
}

impl Boundaries {
    /// The boundaries of a quantile whose group starts (pairs in the row format of
    /// `segc_rank_row`, ascending) were found elsewhere: by the workers of a cluster.
    pub fn from_starts(
        order: RankOrder,
        (value_type, key_type): (DataType, DataType),
        starts: Vec<Vec<u8>>,
    ) -> Self {
        Self {
            value_type,
            key_type,
            order,
            starts,
        }
    }
}

/// `segc_ntileN(value, key)`: the group of each member among the boundaries of one quantile.
#[derive(Debug)]
struct NtileFunction {
    name: String,
    /// `None` in plans shown before the ranking pass ran (`segc explain`).
    boundaries: Option<Arc<Boundaries>>,
    signature: Signature,
}

impl PartialEq for NtileFunction {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.boundaries == other.boundaries
    }
}

impl Eq for NtileFunction {}

impl Hash for NtileFunction {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.boundaries.hash(state);
    }
}

impl ScalarUDFImpl for NtileFunction {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let (value, key, sent) = match args.args.as_slice() {
            [value, key] => (value, key, None),
            [
                value,
                key,
                ColumnarValue::Scalar(ScalarValue::Binary(Some(sent))),
            ] => (value, key, Some(Boundaries::decode(sent)?)),
            _ => return exec_err!("{} takes a value, a key and its boundaries", self.name),
        };
        let (value, key) = (value.to_array(rows)?, key.to_array(rows)?);
        let Some(b) = self.boundaries.as_deref().or(sent.as_ref()) else {
            if rows == 0 {
                return Ok(ColumnarValue::Array(Arc::new(Int64Array::from(
                    Vec::<i64>::new(),
                ))));
            }
            return exec_err!("{}: the ranking pass did not run", self.name);
        };
        let converter = converter(&b.value_type, &b.key_type, b.order)?;
        let columns = [as_type(&value, &b.value_type)?, as_type(&key, &b.key_type)?];
        let encoded = converter.convert_columns(&columns)?;
        let groups: Int64Array = (0..rows)
            .map(|i| {
                value.is_valid(i).then(|| {
                    let row = encoded.row(i);
                    let before = b.starts.partition_point(|s| s.as_slice() <= row.data());
                    1 + before as i64
                })
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(groups)))
    }
}

/// `segc_ntile{groups}` (`_desc` when values are descending, `_ties_desc` when keys are): the
/// group (1..=`groups`) of a value (ties broken by a key, the function's two arguments) among
/// `boundaries` (`None` in plans shown before the ranking pass ran: it then fails on any row);
/// null when the value is null.
pub fn ntile_udf(groups: u32, order: RankOrder, boundaries: Option<Arc<Boundaries>>) -> ScalarUDF {
    let direction = if order.descending { "_desc" } else { "" };
    let ties = if order.ties_descending {
        "_ties_desc"
    } else {
        ""
    };
    ScalarUDF::from(NtileFunction {
        name: format!("segc_ntile{groups}{direction}{ties}"),
        boundaries,
        signature: Signature::one_of(
            vec![TypeSignature::Any(2), TypeSignature::Any(3)],
            Volatility::Immutable,
        ),
    })
}

/// The boundaries `function` carries, encoded for its third argument, when it is a
/// `segc_ntileN` that carries some: a plan sent to cluster workers calls the function by its
/// name (`segc_ntileN(value, key, boundaries)`), and a worker's instance carries none.
pub fn sent_boundaries(function: &ScalarUDF) -> Option<Vec<u8>> {
    let ntile = function.inner().as_ref().downcast_ref::<NtileFunction>()?;
    ntile.boundaries.as_ref().map(|b| b.encode())
}

/// Every `segc_ntileN` a plan may call, without boundaries (they come as the third
/// argument): what a cluster worker registers. The checker allows 2 to 1000 groups.
pub fn ntile_functions() -> Vec<ScalarUDF> {
    let orders = [(false, false), (true, false), (false, true), (true, true)];
    (2..=1000)
        .flat_map(|groups| {
            orders.iter().map(move |&(descending, ties_descending)| {
                let order = RankOrder {
                    descending,
                    ties_descending,
                };
                ntile_udf(groups, order, None)
            })
        })
        .collect()
}

/// Version of [`Boundaries::encode`]'s format.
const ENCODING: u8 = 1;

impl Boundaries {
    /// The boundaries as bytes: the format version, the order, the value and key types as
    /// Arrow writes them, then each start, every length as 4 bytes little-endian.
    pub fn encode(&self) -> Vec<u8> {
        let order = u8::from(self.order.descending) | (u8::from(self.order.ties_descending) << 1);
        let mut out = vec![ENCODING, order];
        let mut put = |bytes: &[u8]| {
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(bytes);
        };
        put(self.value_type.to_string().as_bytes());
        put(self.key_type.to_string().as_bytes());
        for start in &self.starts {
            put(start);
        }
        out
    }

    /// The boundaries [`Boundaries::encode`] wrote.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let broken = || exec_err!("segc_ntile: boundaries that cannot be read");
        let [ENCODING, order, rest @ ..] = bytes else {
            return broken();
        };
        let mut parts = Vec::new();
        let mut rest = rest;
        while !rest.is_empty() {
            let Some((length, tail)) = rest.split_first_chunk::<4>() else {
                return broken();
            };
            let length = u32::from_le_bytes(*length) as usize;
            if tail.len() < length {
                return broken();
            }
            parts.push(&tail[..length]);
            rest = &tail[length..];
        }
        let [value_type, key_type, starts @ ..] = parts.as_slice() else {
            return broken();
        };
        let parse = |text: &[u8]| -> Result<DataType> {
            let text =
                std::str::from_utf8(text).map_err(|e| ArrowError::ParseError(e.to_string()))?;
            Ok(text.parse::<DataType>()?)
        };
        Ok(Self {
            value_type: parse(value_type)?,
            key_type: parse(key_type)?,
            order: RankOrder {
                descending: order & 1 != 0,
                ties_descending: order & 2 != 0,
            },
            starts: starts.iter().map(|s| s.to_vec()).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQL's NTILE over `count` rows, by position (as DataFusion and DuckDB compute it).
    fn reference(groups: u32, count: usize) -> Vec<i64> {
        let n = groups as usize;
        let (size, larger) = (count / n, count % n);
        (0..count)
            .map(|i| {
                let big = larger * (size + 1);
                let g = if i < big {
                    i / (size + 1)
                } else {
                    larger + (i - big) / size
                };
                g as i64 + 1
            })
            .collect()
    }

    #[test]
    fn groups_start_where_ntile_changes_group() {
        for groups in [2, 3, 4, 5, 7, 10] {
            for count in 0..40 {
                let expected: Vec<usize> = (1..count)
                    .filter(|&i| reference(groups, count)[i] != reference(groups, count)[i - 1])
                    .collect();
                assert_eq!(group_starts(groups, count), expected, "{groups} / {count}");
            }
        }
    }

    /// The groups `segc_ntile` gives to `values` (ties broken by `keys`), the boundaries
    /// found from the rows given in batches of `batch` rows.
    fn groups_of(
        groups: u32,
        (descending, ties_descending): (bool, bool),
        values: ArrayRef,
        keys: ArrayRef,
        batch: usize,
    ) -> Vec<Option<i64>> {
        let rows = values.len();
        let split = |a: &ArrayRef| -> Vec<ArrayRef> {
            (0..rows)
                .step_by(batch.max(1))
                .map(|at| a.slice(at, batch.min(rows - at)))
                .collect()
        };
        let found = Boundaries::select(
            groups,
            RankOrder {
                descending,
                ties_descending,
            },
            (values.data_type().clone(), keys.data_type().clone()),
            &split(&values),
            &split(&keys),
        )
        .expect("boundaries");
        let function = NtileFunction {
            name: "t".into(),
            boundaries: Some(Arc::new(found)),
            signature: Signature::any(2, Volatility::Immutable),
        };
        let field = |t: &DataType| {
            Arc::new(datafusion::arrow::datatypes::Field::new(
                "f",
                t.clone(),
                true,
            ))
        };
        let args = ScalarFunctionArgs {
            arg_fields: vec![field(values.data_type()), field(keys.data_type())],
            args: vec![ColumnarValue::Array(values), ColumnarValue::Array(keys)],
            number_rows: rows,
            return_field: field(&DataType::Int64),
            config_options: Arc::default(),
        };
        let ColumnarValue::Array(out) = function.invoke_with_args(args).expect("invoke") else {
            panic!("scalar");
        };
        let out = out.as_any().downcast_ref::<Int64Array>().expect("ints");
        out.iter().collect()
    }

    fn run(groups: u32, descending: bool, values: Vec<Option<i64>>) -> Vec<Option<i64>> {
        let keys: ArrayRef = Arc::new(Int64Array::from_iter_values((0..values.len() as i64).rev()));
        groups_of(
            groups,
            (descending, false),
            Arc::new(Int64Array::from(values)),
            keys,
            3,
        )
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// NTILE by sorting: the reference the boundaries must agree with.
    fn by_sorting<V: PartialOrd + Clone, K: Ord + Clone>(
        groups: u32,
        (descending, ties_descending): (bool, bool),
        values: &[Option<V>],
        keys: &[K],
    ) -> Vec<Option<i64>> {
        let mut ranked: Vec<usize> = (0..values.len()).filter(|&i| values[i].is_some()).collect();
        ranked.sort_by(|&a, &b| {
            let (va, vb) = (values[a].clone(), values[b].clone());
            let by_value = va.partial_cmp(&vb).unwrap_or(std::cmp::Ordering::Equal);
            let by_value = if descending {
                by_value.reverse()
            } else {
                by_value
            };
            let by_key = keys[a].cmp(&keys[b]);
            by_value.then(if ties_descending {
                by_key.reverse()
            } else {
                by_key
            })
        });
        let mut out = vec![None; values.len()];
        let tiles = reference(groups, ranked.len());
        for (position, &row) in ranked.iter().enumerate() {
            out[row] = Some(tiles[position]);
        }
        out
    }

    #[test]
    fn agrees_with_sorting_for_texts_floats_text_keys_and_many_groups() {
        let mut rng = Rng(0x5e9c_2026);
        for case in 0..60 {
            let rows = 1 + rng.below(300) as usize;
            let groups = [2, 3, 5, 10, 33, 40, 1000][case % 7];
            // Every pair of directions of the values and of the keys.
            let descending = (case % 2 == 1, case % 4 >= 2);
            let batch = 1 + rng.below(64) as usize;
            // Few distinct values: many ties, broken by the key; a fifth are null.
            let ints: Vec<Option<i64>> = (0..rows)
                .map(|_| (rng.below(5) > 0).then(|| rng.below(12) as i64))
                .collect();
            let texts: Vec<Option<String>> = ints
                .iter()
                .map(|v| v.map(|v| format!("v{}", v * 7 % 12)))
                .collect();
            let floats: Vec<Option<f64>> = ints
                .iter()
                .map(|v| v.map(|v| v as f64 / 4.0 - 1.0))
                .collect();
            let text_keys: Vec<String> = (0..rows)
                .map(|i| format!("k{:05}", (i * 7919) % 100_003))
                .collect();
            let int_keys: Vec<i64> = (0..rows)
                .map(|i| ((i * 104_729) % 1_000_003) as i64)
                .collect();

            let keys: ArrayRef = Arc::new(Int64Array::from(int_keys.clone()));
            let values: ArrayRef = Arc::new(Int64Array::from(ints.clone()));
            assert_eq!(
                groups_of(groups, descending, values, keys, batch),
                by_sorting(groups, descending, &ints, &int_keys),
                "ints, case {case}"
            );
            let keys: ArrayRef = Arc::new(datafusion::arrow::array::StringArray::from(
                text_keys.clone(),
            ));
            let values: ArrayRef =
                Arc::new(datafusion::arrow::array::StringArray::from(texts.clone()));
            assert_eq!(
                groups_of(groups, descending, values, Arc::clone(&keys), batch),
                by_sorting(groups, descending, &texts, &text_keys),
                "texts, case {case}"
            );
            let values: ArrayRef =
                Arc::new(datafusion::arrow::array::Float64Array::from(floats.clone()));
            assert_eq!(
                groups_of(groups, descending, values, keys, batch),
                by_sorting(groups, descending, &floats, &text_keys),
                "floats, case {case}"
            );
            // Pairs of one width (value and key of fixed widths) are selected as words.
            let keys: ArrayRef = Arc::new(Int64Array::from(int_keys.clone()));
            let values: ArrayRef =
                Arc::new(datafusion::arrow::array::Float64Array::from(floats.clone()));
            assert_eq!(
                groups_of(groups, descending, values, keys, batch),
                by_sorting(groups, descending, &floats, &int_keys),
                "floats by int keys, case {case}"
            );
            let cents: Vec<Option<i128>> = ints
                .iter()
                .map(|v| v.map(|v| i128::from(v) * 12_345 - 70_000))
                .collect();
            let decimals = datafusion::arrow::array::Decimal128Array::from(cents.clone())
                .with_precision_and_scale(20, 2)
                .expect("a decimal type");
            let keys: ArrayRef = Arc::new(Int64Array::from(int_keys.clone()));
            assert_eq!(
                groups_of(groups, descending, Arc::new(decimals), keys, batch),
                by_sorting(groups, descending, &cents, &int_keys),
                "decimals by int keys, case {case}"
            );
        }
    }

    #[test]
    fn ties_are_broken_by_key_and_nulls_are_not_ranked() {
        // Keys are 6, 5, ..., 0: among equal values the smaller key (later row) comes first.
        let values = vec![Some(3), Some(1), None, Some(1), Some(9), Some(1), Some(2)];
        // Ranked order: 1 (key 1), 1 (key 3), 1 (key 5), 2, 3, 9 → groups 1,1,2,2,3,3.
        assert_eq!(
            run(3, false, values.clone()),
            vec![Some(3), Some(2), None, Some(1), Some(3), Some(1), Some(2)]
        );
        // Descending: 9, 3, 2, 1 (key 1), 1 (key 3), 1 (key 5).
        assert_eq!(
            run(3, true, values),
            vec![Some(1), Some(3), None, Some(3), Some(1), Some(2), Some(2)]
        );
    }

    #[test]
    fn boundaries_sent_as_bytes_read_back_equal() {
        let values: ArrayRef = Arc::new(datafusion::arrow::array::StringArray::from(vec![
            "b", "a", "d", "c", "a", "e",
        ]));
        let keys: ArrayRef = Arc::new(Int64Array::from(vec![6, 5, 4, 3, 2, 1]));
        for order in [(false, false), (true, true), (true, false)] {
            let order = RankOrder {
                descending: order.0,
                ties_descending: order.1,
            };
            let types = (DataType::Utf8, DataType::Int64);
            let found = Boundaries::select(
                3,
                order,
                types,
                &[Arc::clone(&values)],
                &[Arc::clone(&keys)],
            )
            .expect("boundaries");
            let sent = Boundaries::decode(&found.encode()).expect("decoded");
            assert_eq!(sent, found);
        }
        assert!(Boundaries::decode(&[1, 0, 9, 0, 0, 0, b'x']).is_err());
        assert!(Boundaries::decode(&[]).is_err());
    }

    #[test]
    fn fewer_members_than_groups_fill_the_first_groups() {
        let values = vec![Some(5), None, None, None, Some(4), None, Some(6)];
        assert_eq!(
            run(5, false, values),
            vec![Some(2), None, None, None, Some(1), None, Some(3)]
        );
    }
}
