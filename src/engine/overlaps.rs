//! The members every two segments share (and every tier with every segment), counted while
//! the membership is written: each batch's flags as bitmaps of 64 rows a word, a pair's
//! members in common the ones of the AND of their words. `segc run --overlaps` reports them.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::arrow::datatypes::DataType;

use super::shape::ColumnKind;

/// The tiers whose members are compared with the segments: (the output column's index, the
/// tier).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct OverlapSubjects {
    /// Each tier of each tiers item written (splits left out), in output order.
    pub tiers: Vec<(usize, String)>,
}

/// Members in common, counted so far.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct OverlapTally {
    /// The output columns of the segments.
    segments: Vec<usize>,
    /// The tiers compared with them.
    tiers: Vec<(usize, String)>,
    /// Members of both of segments `i < j`, at [`pair_index`]`(i, j)`.
    pairs: Vec<u64>,
    /// Members of tier `t` and segment `s`, at `t * segments + s`.
    tier_pairs: Vec<u64>,
}

/// Where the pair `i < j` of `n` segments is in the triangle of pairs.
fn pair_index(i: usize, j: usize, n: usize) -> usize {
    i * (2 * n - i - 1) / 2 + (j - i - 1)
}

impl OverlapTally {
    /// A tally for the output `columns`.
    pub(super) fn new(columns: &[(String, ColumnKind)], subjects: &OverlapSubjects) -> Self {
        let segments: Vec<usize> = columns
            .iter()
            .enumerate()
            .filter(|(_, (_, kind))| *kind == ColumnKind::Flag)
            .map(|(i, _)| i)
            .collect();
        let n = segments.len();
        OverlapTally {
            pairs: vec![0; n * n.saturating_sub(1) / 2],
            tier_pairs: vec![0; subjects.tiers.len() * n],
            segments,
            tiers: subjects.tiers.clone(),
        }
    }

    /// Adds the rows of one unpacked batch (the key, then one column per output).
    pub(super) fn add(&mut self, batch: &RecordBatch) -> Result<(), String> {
        let words_of = |column: &ArrayRef| -> Bitmap {
            Bitmap::new(column.as_boolean_opt().map_or_else(Vec::new, bitmap_words))
        };
        let segments: Vec<Bitmap> = self
            .segments
            .iter()
            .map(|&i| words_of(batch.column(i + 1)))
            .collect();
        let n = segments.len();
        for i in 0..n {
            for j in i + 1..n {
                self.pairs[pair_index(i, j, n)] += segments[i].common(&segments[j]);
            }
        }
        let mut text: Option<(usize, ArrayRef)> = None;
        for (t, (column, tier)) in self.tiers.iter().enumerate() {
            if text.as_ref().is_none_or(|(c, _)| c != column) {
                let cast =
                    datafusion::arrow::compute::cast(batch.column(column + 1), &DataType::Utf8)
                        .map_err(|e| e.to_string())?;
                text = Some((*column, cast));
            }
            let Some((_, values)) = &text else { continue };
            let wanted = StringArray::new_scalar(tier.as_str());
            let in_tier = eq(values, &wanted).map_err(|e| e.to_string())?;
            let words = Bitmap::new(bitmap_words(&in_tier));
            for (s, segment) in segments.iter().enumerate() {
                self.tier_pairs[t * n + s] += words.common(segment);
            }
        }
        Ok(())
    }

    /// Adds the pairs `other` counted over other rows of the same outputs.
    #[cfg_attr(not(feature = "cluster"), allow(dead_code))]
    pub(super) fn absorb(&mut self, other: &OverlapTally) -> Result<(), String> {
        if self.segments != other.segments || self.tiers != other.tiers {
            return Err("overlaps of different outputs".into());
        }
        for (n, m) in self.pairs.iter_mut().zip(&other.pairs) {
            *n += m;
        }
        for (n, m) in self.tier_pairs.iter_mut().zip(&other.tier_pairs) {
            *n += m;
        }
        Ok(())
    }

    /// Every pair with its members in common: (first, second, common), the first being an
    /// index into the segments' or the tiers' list.
    pub(super) fn pairs(&self) -> Vec<(Subject, Subject, u64)> {
        let n = self.segments.len();
        let mut all = Vec::with_capacity(self.pairs.len() + self.tier_pairs.len());
        for i in 0..n {
            for j in i + 1..n {
                let count = self.pairs[pair_index(i, j, n)];
                all.push((
                    Subject::Segment(self.segments[i]),
                    Subject::Segment(self.segments[j]),
                    count,
                ));
            }
        }
        for (t, (column, tier)) in self.tiers.iter().enumerate() {
            for (s, &segment) in self.segments.iter().enumerate() {
                all.push((
                    Subject::Tier(*column, tier.clone()),
                    Subject::Segment(segment),
                    self.tier_pairs[t * n + s],
                ));
            }
        }
        all
    }
}

/// One side of a pair: a segment's output column, or a tiers item's column and a tier.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Subject {
    /// The output column of a segment.
    Segment(usize),
    /// The output column of a tiers item, and the tier.
    Tier(usize, String),
}

/// The rows where `flags` is true, as words of 64 rows (nulls count as false).
fn bitmap_words(flags: &BooleanArray) -> Vec<u64> {
    let values = flags.values().bit_chunks();
    let mut words: Vec<u64> = values.iter_padded().collect();
    if let Some(nulls) = flags.nulls() {
        for (word, valid) in words
            .iter_mut()
            .zip(nulls.inner().bit_chunks().iter_padded())
        {
            *word &= valid;
        }
    }
    words
}

/// A batch's rows of one segment or tier, with the words that have one: most segments are
/// small, and a pair only needs the words of its smaller side.
struct Bitmap {
    words: Vec<u64>,
    set: Vec<u32>,
}

impl Bitmap {
    fn new(words: Vec<u64>) -> Bitmap {
        let set = (0..words.len() as u32)
            .filter(|&i| words[i as usize] != 0)
            .collect();
        Bitmap { words, set }
    }

    /// Rows set in both.
    fn common(&self, other: &Bitmap) -> u64 {
        let (small, large) = if self.set.len() <= other.set.len() {
            (self, other)
        } else {
            (other, self)
        };
        small
            .set
            .iter()
            .map(|&i| {
                let both =
                    small.words[i as usize] & large.words.get(i as usize).copied().unwrap_or(0);
                u64::from(both.count_ones())
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_indexed_once_each() {
        let n = 5;
        let mut seen: Vec<usize> = (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| pair_index(i, j, n)))
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..n * (n - 1) / 2).collect::<Vec<_>>());
    }

    #[test]
    fn bitmaps_of_sliced_and_null_flags() {
        let flags = BooleanArray::from(vec![Some(true), None, Some(true), Some(false), Some(true)]);
        let sliced = flags.slice(1, 4);
        assert_eq!(bitmap_words(&sliced), vec![0b1010]);
        let other = BooleanArray::from(vec![true, true, true, false]);
        let (a, b) = (
            Bitmap::new(bitmap_words(&sliced)),
            Bitmap::new(bitmap_words(&other)),
        );
        assert_eq!((a.common(&b), b.common(&a)), (1, 1));
        let empty = Bitmap::new(vec![0, 0]);
        assert_eq!(empty.common(&a), 0);
    }
}
