//! Members counted in two versions, row by row: for a segment, members before and after, who
//! entered and who left; for tiers, how many members went from each tier to each other (the
//! transition matrix). Rows come sorted by key, so the sample of keys kept is the smallest.

use std::collections::BTreeMap;

use serde::Serialize;

/// How many keys of the members who entered or left (or moved) are kept.
pub const SAMPLE: usize = 5;

/// A segment's members in two versions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FlagTally {
    /// Members in the old version.
    pub before: u64,
    /// Members in the new version.
    pub after: u64,
    /// Members in the new version only.
    pub entered: u64,
    /// Members in the old version only.
    pub left: u64,
    /// The smallest keys of members who entered.
    pub entered_sample: Vec<String>,
    /// The smallest keys of members who left.
    pub left_sample: Vec<String>,
}

impl FlagTally {
    /// Counts one row: its key (made only when kept) and its membership in each version.
    pub fn add(&mut self, key: impl FnOnce() -> String, old: bool, new: bool) {
        self.before += u64::from(old);
        self.after += u64::from(new);
        match (old, new) {
            (false, true) => {
                self.entered += 1;
                if self.entered_sample.len() < SAMPLE {
                    self.entered_sample.push(key());
                }
            }
            (true, false) => {
                self.left += 1;
                if self.left_sample.len() < SAMPLE {
                    self.left_sample.push(key());
                }
            }
            _ => {}
        }
    }

    /// The change of the number of members, as a fraction of those before (`None` from none).
    pub fn change(&self) -> Option<f64> {
        (self.before > 0).then(|| (self.after as f64 - self.before as f64) / self.before as f64)
    }
}

/// Members that went from one tier (or none) to another.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Transition {
    /// The tier in the old version (`None`: no tier).
    pub from: Option<String>,
    /// The tier in the new version.
    pub to: Option<String>,
    /// How many members.
    pub members: u64,
    /// The smallest of their keys, for members who moved.
    pub sample: Vec<String>,
}

/// Tiers' members in two versions: the transition matrix.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TierTally {
    transitions: BTreeMap<(Option<String>, Option<String>), Transition>,
}

impl TierTally {
    /// Counts one row: its key (made only when kept) and its tier in each version.
    pub fn add(&mut self, key: impl FnOnce() -> String, old: Option<&str>, new: Option<&str>) {
        let pair = (old.map(str::to_string), new.map(str::to_string));
        let moved = pair.0 != pair.1;
        let transition = self
            .transitions
            .entry(pair)
            .or_insert_with_key(|(from, to)| Transition {
                from: from.clone(),
                to: to.clone(),
                ..Transition::default()
            });
        transition.members += 1;
        if moved && transition.sample.len() < SAMPLE {
            transition.sample.push(key());
        }
    }

    /// Every pair of tiers some member went between, by old tier then new.
    pub fn transitions(&self) -> impl Iterator<Item = &Transition> {
        self.transitions.values()
    }

    /// Per tier (in the order of `tiers`): members before, after, entered, left.
    pub fn per_tier(&self, tiers: &[String]) -> Vec<TierCount> {
        tiers
            .iter()
            .map(|tier| {
                let mut count = TierCount {
                    tier: tier.clone(),
                    ..TierCount::default()
                };
                for t in self.transitions.values() {
                    let (was, is) = (t.from.as_ref() == Some(tier), t.to.as_ref() == Some(tier));
                    count.before += if was { t.members } else { 0 };
                    count.after += if is { t.members } else { 0 };
                    count.entered += if is && !was { t.members } else { 0 };
                    count.left += if was && !is { t.members } else { 0 };
                }
                count
            })
            .collect()
    }
}

/// One tier's members in two versions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TierCount {
    /// The tier.
    pub tier: String,
    /// Members in it in the old version.
    pub before: u64,
    /// Members in it in the new version.
    pub after: u64,
    /// Members in it in the new version only.
    pub entered: u64,
    /// Members in it in the old version only.
    pub left: u64,
}

/// An output counted in two versions.
#[derive(Debug, Clone, PartialEq)]
pub enum Tally {
    /// A segment.
    Flags(FlagTally),
    /// Tiers or a split.
    Tiers(TierTally),
}
