//! Group numbers of integer keys in first-seen order, looked up in an array over the keys' range
//! instead of a hash table.
//!
//! Customer keys are dense integers, and a partition of a file sorted by customer reads one
//! stretch of them: `slots[key - base]` is then a sequential walk, where a hash table probes a
//! random place per row (at SF 10, 1.7 M groups per partition: a cache miss per row;
//! bench/README.md, "Fifth round: dense keys"). Keys the array does not cover (below its base,
//! or so far above that the array would outgrow the groups) are hashed, so any input gives the
//! right groups; only the speed depends on the keys being dense.

use datafusion::common::HashMap;

/// Slots the array may always have (256 KiB of `u32`), however few the groups.
const MIN_SLOTS: usize = 1 << 16;

/// Slots per group the array may grow to beyond [`MIN_SLOTS`]: at 4 bytes a slot, 32 bytes a
/// group, about what a hash table holds per group (16-byte entries at up to half load).
const SLOTS_PER_GROUP: usize = 8;

/// The most slots (512 MiB), whatever the groups.
const MAX_SLOTS: usize = 1 << 27;

/// A slot not yet given a group.
const EMPTY: u32 = 0;

/// The groups of a partition's keys: each distinct key (and null) gets the next group number.
#[derive(Debug, Default)]
pub(super) struct KeyIndex {
    /// The key of `slots[0]`, set from the first keys seen.
    base: Option<i64>,
    /// `group + 1` of the key `base + i`, or [`EMPTY`].
    slots: Vec<u32>,
    /// Groups of the keys outside `slots`.
    others: HashMap<i64, usize>,
    /// The group of null keys.
    null: Option<usize>,
    /// The key of each group (the null group's is 0).
    keys: Vec<i64>,
    /// The last key looked up and its group: files sorted by key repeat each key in a run.
    last: Option<(i64, usize)>,
}

impl KeyIndex {
    /// The number of groups so far.
    pub(super) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The key of each group (0 for null keys'), and which group is the null keys'.
    pub(super) fn into_keys(self) -> (Vec<i64>, Option<usize>) {
        (self.keys, self.null)
    }

    /// Bytes held, for the memory reservation.
    pub(super) fn size(&self) -> usize {
        self.slots.capacity() * size_of::<u32>()
            + self.keys.capacity() * size_of::<i64>()
            + self.others.capacity() * (size_of::<(i64, usize)>() + 1)
    }

    /// Appends to `groups` the group of each key of `keys` (none null), numbering new keys.
    pub(super) fn groups_of_values(&mut self, keys: &[i64], groups: &mut Vec<usize>) {
        if self.base.is_none() {
            self.base = keys.iter().min().copied();
        }
        groups.reserve(keys.len());
        let mut last = self.last;
        for &key in keys {
            let group = match last {
                Some((k, group)) if k == key => group,
                _ => {
                    let group = self.group_of(key);
                    last = Some((key, group));
                    group
                }
            };
            groups.push(group);
        }
        self.last = last;
    }

    /// Appends to `groups` the group of each key (`None` for null), numbering new keys.
    pub(super) fn groups_of(
        &mut self,
        keys: impl Iterator<Item = Option<i64>> + Clone,
        groups: &mut Vec<usize>,
    ) {
        if self.base.is_none() {
            self.base = keys.clone().flatten().min();
        }
        for key in keys {
            let group = match key {
                Some(key) => self.group_of(key),
                None => self.null_group(),
            };
            groups.push(group);
        }
    }

    fn null_group(&mut self) -> usize {
        match self.null {
            Some(group) => group,
            None => {
                let group = self.new_group(0);
                self.null = Some(group);
                group
            }
        }
    }

    /// The group of `key`: the array's when it has one, else [`Self::new_or_hashed`]'s.
    #[inline]
    fn group_of(&mut self, key: i64) -> usize {
        if let Some(base) = self.base
            && key >= base
            && let Ok(offset) = usize::try_from(key.abs_diff(base))
            && let Some(&filled) = self.slots.get(offset)
            && filled != EMPTY
        {
            return filled as usize - 1;
        }
        self.new_or_hashed(key)
    }

    /// The group of a key not in the array: new (in the array when it reaches the key, growing
    /// it if need be) or hashed.
    #[inline(never)]
    fn new_or_hashed(&mut self, key: i64) -> usize {
        if let Some(group) = self.others.get(&key) {
            return *group;
        }
        let group = self.new_group(key);
        // Past `u32::MAX` groups, new keys are hashed even inside the array.
        match (self.slot(key), u32::try_from(group + 1)) {
            (Some(slot), Ok(filled)) => self.slots[slot] = filled,
            _ => _ = self.others.insert(key, group),
        }
        group
    }

    fn new_group(&mut self, key: i64) -> usize {
        self.keys.push(key);
        self.keys.len() - 1
    }

    /// The slot of `key`, growing the array to reach it when the groups warrant it.
    fn slot(&mut self, key: i64) -> Option<usize> {
        let base = self.base?;
        if key < base {
            return None;
        }
        // `key >= base`: the difference fits in a u64.
        let offset = key.abs_diff(base);
        let offset = usize::try_from(offset).ok()?;
        if offset < self.slots.len() {
            return Some(offset);
        }
        let allowed = MIN_SLOTS
            .max(SLOTS_PER_GROUP.saturating_mul(self.keys.len() + 1))
            .min(MAX_SLOTS);
        if offset >= allowed {
            return None;
        }
        let length = (offset + 1).max(self.slots.len() * 2).min(allowed);
        self.grow(length);
        Some(offset)
    }

    /// Grows the array to `length` slots, moving the hashed keys it now covers into it (each
    /// key stays in one place: a later row of it finds its group).
    fn grow(&mut self, length: usize) {
        let Some(base) = self.base else { return };
        self.slots.resize(length, EMPTY);
        if self.others.is_empty() {
            return;
        }
        let covered: Vec<(i64, usize)> = self
            .others
            .iter()
            .filter(|(key, _)| {
                **key >= base && usize::try_from(key.abs_diff(base)).is_ok_and(|o| o < length)
            })
            .map(|(key, group)| (*key, *group))
            .collect();
        for (key, group) in covered {
            let slot = key.abs_diff(base) as usize;
            if let Ok(filled) = u32::try_from(group + 1) {
                self.slots[slot] = filled;
                self.others.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Groups of `keys` by a [`KeyIndex`] and by a plain hash map, in first-seen order.
    fn both(batches: &[Vec<Option<i64>>]) -> (Vec<usize>, Vec<usize>, KeyIndex) {
        let mut index = KeyIndex::default();
        let mut dense = Vec::new();
        let mut expected = Vec::new();
        let mut seen: HashMap<Option<i64>, usize> = HashMap::new();
        for batch in batches {
            if batch.iter().all(Option::is_some) {
                let values: Vec<i64> = batch.iter().flatten().copied().collect();
                index.groups_of_values(&values, &mut dense);
            } else {
                index.groups_of(batch.iter().copied(), &mut dense);
            }
            for key in batch {
                let next = seen.len();
                expected.push(*seen.entry(*key).or_insert(next));
            }
        }
        (dense, expected, index)
    }

    fn keys_of(index: &KeyIndex, groups: &[usize]) -> Vec<Option<i64>> {
        let (keys, null) = (&index.keys, index.null);
        groups
            .iter()
            .map(|g| (Some(*g) != null).then_some(keys[*g]))
            .collect()
    }

    #[test]
    fn sorted_runs_get_one_group_per_key() {
        let batches: Vec<Vec<Option<i64>>> = (0..4)
            .map(|b| {
                (0..1000)
                    .map(|i| Some(1_000 + (b * 1000 + i) / 3))
                    .collect()
            })
            .collect();
        let (dense, expected, index) = both(&batches);
        assert_eq!(dense, expected);
        assert!(index.others.is_empty());
        assert_eq!(index.len(), 1334);
    }

    #[test]
    fn keys_below_the_base_nulls_and_extremes_are_grouped() {
        let batches = vec![
            vec![Some(50), Some(52), None, Some(50)],
            vec![Some(10), Some(i64::MIN), Some(i64::MAX), None, Some(10)],
            vec![Some(52), Some(i64::MAX), Some(-7), Some(51)],
        ];
        let (dense, expected, index) = both(&batches);
        assert_eq!(dense, expected);
        let flat: Vec<Option<i64>> = batches.concat();
        assert_eq!(keys_of(&index, &dense), flat);
    }

    #[test]
    fn keys_hashed_before_the_array_reaches_them_keep_their_group() {
        // Spread keys: the first are beyond what few groups allow, so they are hashed; once
        // there are enough groups the array grows over them, and a later row must find them.
        let mut next = 12345_u64;
        let mut random = || {
            next ^= next << 13;
            next ^= next >> 7;
            next ^= next << 17;
            (next % 3_000_000) as i64
        };
        let batches: Vec<Vec<Option<i64>>> = (0..40)
            .map(|_| (0..8192).map(|_| Some(random())).collect())
            .collect();
        let (dense, expected, index) = both(&batches);
        assert_eq!(dense, expected);
        assert!(index.slots.len() > MIN_SLOTS, "{}", index.slots.len());
        let flat: Vec<Option<i64>> = batches.concat();
        assert_eq!(keys_of(&index, &dense), flat);
    }

    #[test]
    fn a_sparse_key_stays_hashed() {
        let batches = vec![
            (0..100)
                .map(|i| Some(i * 1_000_000_007))
                .collect::<Vec<_>>(),
        ];
        let (dense, expected, index) = both(&batches);
        assert_eq!(dense, expected);
        assert!(index.slots.len() <= MIN_SLOTS);
    }
}
