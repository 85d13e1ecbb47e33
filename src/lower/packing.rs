//! How the membership plan's columns carry the outputs: the segments' flags packed 64 to a word
//! (`segc_flags`, see [`crate::functions::segc_flags`] for why), then scores and tiers. The plan
//! is built from a [`Packing`] and the engine unpacks its batches by the same one.

use datafusion::logical_expr::Expr;

use crate::functions::{FLAGS_PER_WORD, segc_flags};
use crate::hir::OutputId;

/// Where one output is in a row of the membership plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Slot {
    /// A column of its own (scores, tiers), by index in the plan's schema.
    Column(usize),
    /// A bit of a packed word.
    Flag {
        /// The word's column, by index in the plan's schema (the first is 1, after the key).
        word: usize,
        /// The bit.
        bit: usize,
    },
}

/// How the membership plan's columns carry the outputs: the key first, then the segments'
/// flags packed into words (`__flags_0`, …, in output order), then scores and tiers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Packing {
    slots: Vec<Slot>,
    /// Segment flags among the outputs.
    flags: usize,
}

impl Packing {
    /// The packing of `outputs` (in their order).
    pub fn of(outputs: &[OutputId]) -> Packing {
        let flags = outputs
            .iter()
            .filter(|o| matches!(o, OutputId::Segment(_)))
            .count();
        let mut seen_flags = 0;
        let mut next_column = 1 + flags.div_ceil(FLAGS_PER_WORD);
        let slots = outputs
            .iter()
            .map(|o| match o {
                OutputId::Segment(_) => {
                    let n = seen_flags;
                    seen_flags += 1;
                    Slot::Flag {
                        word: 1 + n / FLAGS_PER_WORD,
                        bit: n % FLAGS_PER_WORD,
                    }
                }
                OutputId::Score(_) | OutputId::Tiers(_) | OutputId::Let(_) => {
                    next_column += 1;
                    Slot::Column(next_column - 1)
                }
            })
            .collect();
        Packing { slots, flags }
    }

    /// The outputs at `positions` (indices into this packing's outputs) as they sit in the same
    /// plan: one rule file's part of a plan that computes several files' outputs
    /// (`segc run` of a project), read from the plan's words and columns where they are.
    pub fn select(&self, positions: &[usize]) -> Packing {
        Packing {
            slots: positions
                .iter()
                .filter_map(|p| self.slots.get(*p))
                .copied()
                .collect(),
            flags: self.flags,
        }
    }

    /// Whether some output is a flag of packed word `n` (from 0).
    pub fn reads_word(&self, n: usize) -> bool {
        self.slots
            .iter()
            .any(|slot| matches!(slot, Slot::Flag { word, .. } if *word == n + 1))
    }

    /// Where each output is, in output order.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// Packed words per row, in columns 1 to `words()` of the plan.
    pub fn words(&self) -> usize {
        self.flags.div_ceil(FLAGS_PER_WORD)
    }

    /// The flags in packed word `n` (from 0): bits are given out in order, so every word is
    /// full but the last.
    pub fn flags_in_word(&self, n: usize) -> usize {
        self.flags
            .saturating_sub(n * FLAGS_PER_WORD)
            .min(FLAGS_PER_WORD)
    }

    /// The name of packed word `n`'s column.
    fn word_name(n: usize) -> String {
        format!("__flags_{n}")
    }

    /// The plan's output expressions, from the key and the outputs' expressions in order.
    pub(super) fn plan_columns(&self, key: Expr, outputs: Vec<Expr>) -> Vec<Expr> {
        let mut words: Vec<Vec<Option<Expr>>> = vec![vec![None; FLAGS_PER_WORD]; self.words()];
        let mut others = Vec::new();
        for (slot, value) in self.slots.iter().zip(outputs) {
            match slot {
                Slot::Flag { word, bit } => words[word - 1][*bit] = Some(value),
                Slot::Column(_) => others.push(value),
            }
        }
        let mut columns = vec![key];
        columns.extend(words.into_iter().enumerate().map(|(n, flags)| {
            // Bits are given out from 0: the flags of a word are its first bits.
            let flags = flags.into_iter().map_while(|f| f).collect();
            segc_flags().call(flags).alias(Self::word_name(n))
        }));
        columns.extend(others);
        columns
    }
}
