//! What a part counted, as its row carries it to the client (JSON): the tallies of
//! `engine::shape` with floats as their bits (JSON has no NaN or infinity) and maps as lists
//! of pairs (JSON keys are text).

use serde::{Deserialize, Serialize};

use super::super::overlaps::OverlapTally;
use super::super::shape::{Counts, Tally};

/// [`Counts`] on the wire.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct WireCounts {
    members: u64,
    columns: Vec<WireTally>,
    overlaps: Option<OverlapTally>,
    hidden: Vec<u64>,
}

/// [`Tally`] on the wire.
#[derive(Debug, Serialize, Deserialize)]
enum WireTally {
    Flag(u64),
    Category(Vec<(Option<String>, u64)>),
    Number {
        count: u64,
        sum: u64,
        min: Option<u64>,
        max: Option<u64>,
        values: Option<Vec<(i64, u64, u64)>>,
    },
    Text {
        count: u64,
        values: Option<Vec<(String, u64)>>,
    },
    Range {
        count: u64,
        min: Option<String>,
        max: Option<String>,
    },
}

impl From<Counts> for WireCounts {
    fn from(counts: Counts) -> Self {
        WireCounts {
            members: counts.members,
            columns: counts.columns.into_iter().map(WireTally::from).collect(),
            overlaps: counts.overlaps,
            hidden: counts.hidden,
        }
    }
}

impl From<WireCounts> for Counts {
    fn from(wire: WireCounts) -> Self {
        Counts {
            members: wire.members,
            columns: wire.columns.into_iter().map(Tally::from).collect(),
            overlaps: wire.overlaps,
            hidden: wire.hidden,
        }
    }
}

impl From<Tally> for WireTally {
    fn from(tally: Tally) -> Self {
        match tally {
            Tally::Flag(n) => WireTally::Flag(n),
            Tally::Category(counts) => WireTally::Category(counts.into_iter().collect()),
            Tally::Number {
                count,
                sum,
                min,
                max,
                values,
            } => WireTally::Number {
                count,
                sum: sum.to_bits(),
                min: min.map(f64::to_bits),
                max: max.map(f64::to_bits),
                values: values.map(|map| {
                    map.into_iter()
                        .map(|(key, (x, n))| (key, x.to_bits(), n))
                        .collect()
                }),
            },
            Tally::Text { count, values } => WireTally::Text {
                count,
                values: values.map(|map| map.into_iter().collect()),
            },
            Tally::Range { count, min, max } => WireTally::Range { count, min, max },
        }
    }
}

impl From<WireTally> for Tally {
    fn from(wire: WireTally) -> Self {
        match wire {
            WireTally::Flag(n) => Tally::Flag(n),
            WireTally::Category(pairs) => Tally::Category(pairs.into_iter().collect()),
            WireTally::Number {
                count,
                sum,
                min,
                max,
                values,
            } => Tally::Number {
                count,
                sum: f64::from_bits(sum),
                min: min.map(f64::from_bits),
                max: max.map(f64::from_bits),
                values: values.map(|list| {
                    list.into_iter()
                        .map(|(key, x, n)| (key, (f64::from_bits(x), n)))
                        .collect()
                }),
            },
            WireTally::Text { count, values } => Tally::Text {
                count,
                values: values.map(|list| list.into_iter().collect()),
            },
            WireTally::Range { count, min, max } => Tally::Range { count, min, max },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_survive_the_wire_with_every_float() {
        let counts = Counts {
            members: 7,
            columns: vec![
                Tally::Flag(3),
                Tally::Category([(None, 2), (Some("vip".to_string()), 5)].into()),
                Tally::Number {
                    count: 3,
                    sum: f64::NAN,
                    min: Some(f64::NEG_INFINITY),
                    max: Some(0.1 + 0.2),
                    values: Some([(100_000, (0.1, 2))].into()),
                },
                Tally::Text {
                    count: 1,
                    values: Some([("a \"b\"".to_string(), 1)].into()),
                },
                Tally::Range {
                    count: 0,
                    min: None,
                    max: None,
                },
            ],
            overlaps: None,
            hidden: vec![1],
        };
        let text = serde_json::to_string(&WireCounts::from(counts.clone())).expect("encodes");
        let back: WireCounts = serde_json::from_str(&text).expect("decodes");
        let back = Counts::from(back);
        // NaN is not equal to itself: compare the bits of the sum, the rest as values.
        let sum = |c: &Counts| match &c.columns[2] {
            Tally::Number { sum, .. } => sum.to_bits(),
            _ => 0,
        };
        assert_eq!(sum(&back), sum(&counts));
        assert_eq!(back.columns[3..], counts.columns[3..]);
        assert_eq!(back.columns[..2], counts.columns[..2]);
        assert_eq!((back.members, &back.hidden), (7, &vec![1]));
    }
}
