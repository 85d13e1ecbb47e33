//! What a run reports about itself: the summary printed and written as `summary.json`, built
//! from what was counted while the membership was written.

use serde::Serialize;

use super::RunContext;
use super::output::{self, Layout, OutputFormat, OutputSpec};
use crate::hir::{self, DefId, OutputId, SizeSubject};
use crate::judge::sizes::{SizeVerdict, judge_sizes};

/// The result of a run, also written as `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The segc version that produced it.
    pub segc_version: &'static str,
    /// The rule file.
    pub rules: String,
    /// The evaluation date (ISO 8601).
    pub as_of: String,
    /// The population.
    pub population: PopulationSummary,
    /// One entry per computed segment, in declaration order.
    pub segments: Vec<SegmentSummary>,
    /// One entry per computed tiers item.
    pub tiers: Vec<TiersSummary>,
    /// One entry per computed score.
    pub scores: Vec<ScoreSummary>,
    /// One entry per `output let` written (left out when there is none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ValueSummary>,
    /// The size expectations judged, in file order (left out when there is none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expectations: Vec<SizeVerdict>,
    /// The pairs of segments (and of a tier and a segment) with members in common, most
    /// overlapping first, when counted (`--overlaps`); left out otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlaps: Option<Vec<OverlapSummary>>,
    /// The freshness of each source with a limit (`fresh within`), measured before the run
    /// (left out when there is none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub freshness: Vec<super::MeasuredFreshness>,
    /// Where the membership was written.
    pub output: OutputSummary,
}

/// The members two segments (or a tier and a segment) share.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverlapSummary {
    /// The first: a segment, or a tier as `tiers:tier`.
    pub first: String,
    /// The second, a segment.
    pub second: String,
    /// Members of both.
    pub common: u64,
    /// Members of both divided by members of either (the Jaccard index).
    pub jaccard: f64,
    /// Members of both divided by members of the first: how much of the first is in the
    /// second.
    pub first_in_second: f64,
    /// Members of both divided by members of the second.
    pub second_in_first: f64,
}

/// Population size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopulationSummary {
    /// The population source.
    pub source: String,
    /// Number of members (rows).
    pub members: u64,
}

/// Size of one segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentSummary {
    /// Segment name.
    pub name: String,
    /// Segment label.
    pub label: Option<String>,
    /// Number of members.
    pub members: u64,
    /// Members divided by the population size (0 for an empty population).
    pub share: f64,
    /// A digest of the segment's meaning (its condition, with the definitions it uses by
    /// their meanings, never by name): a KPI frozen to this run warns when the rules now define
    /// the segment otherwise (`W1004`).
    pub definition: String,
    /// The channel the segment is an audience of (`audience email`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<&'static str>,
    /// For an audience: its members the run found without consent in the data (see
    /// docs/privacy.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_consent: Option<u64>,
}

/// Members per tier of one tiers item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TiersSummary {
    /// The tiers' name.
    pub name: String,
    /// Their label.
    pub label: Option<String>,
    /// Whether they are a `split` (members outside its condition are in no group).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub split: bool,
    /// A digest of their meaning (their arms' names and conditions), as a segment's.
    pub definition: String,
    /// One entry per tier, in declaration order, then members in no tier (`tier: null`) if any.
    pub tiers: Vec<TierSummary>,
}

/// Size of one tier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierSummary {
    /// The tier (`None`: members in no tier).
    pub tier: Option<String>,
    /// Number of members.
    pub members: u64,
    /// Members divided by the population size.
    pub share: f64,
}

/// Distribution of one score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreSummary {
    /// The score's name.
    pub name: String,
    /// Its label.
    pub label: Option<String>,
    /// Lowest value (none for an empty population).
    #[serde(serialize_with = "integral")]
    pub min: Option<f64>,
    /// Highest value.
    #[serde(serialize_with = "integral")]
    pub max: Option<f64>,
    /// Mean value.
    pub mean: Option<f64>,
    /// Members per value, lowest first, when there are at most 50 distinct values.
    pub distribution: Option<Vec<ScoreCount>>,
}

/// Members with one score value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreCount {
    /// The value.
    #[serde(serialize_with = "integral_value")]
    pub score: f64,
    /// Number of members.
    pub members: u64,
}

/// What one `output let` held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueSummary {
    /// The `let`'s name.
    pub name: String,
    /// Its label.
    pub label: Option<String>,
    /// Its type, as written in rule files (`int`, `decimal(12, 2)`, `string`, ...).
    #[serde(rename = "type")]
    pub ty: String,
    /// Members whose value is not null.
    pub members: u64,
    /// What the values were.
    #[serde(flatten)]
    pub values: ValueStats,
}

/// The values of an `output let`, by kind of type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ValueStats {
    /// Numbers: smallest, largest and mean (none without values).
    Number {
        /// Smallest.
        #[serde(serialize_with = "integral")]
        min: Option<f64>,
        /// Largest.
        #[serde(serialize_with = "integral")]
        max: Option<f64>,
        /// Mean.
        mean: Option<f64>,
    },
    /// Dates and timestamps: the earliest and the latest, in ISO 8601.
    Range {
        /// Earliest.
        min: Option<String>,
        /// Latest.
        max: Option<String>,
    },
    /// Text, enums and conditions: members per value, most frequent first (then by value);
    /// null beyond 1,000 distinct values.
    Counts {
        /// The counts.
        counts: Option<Vec<ValueCount>>,
    },
}

/// Members with one value of an `output let`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueCount {
    /// The value, as text.
    pub value: String,
    /// Number of members.
    pub members: u64,
    /// Members divided by the population size.
    pub share: f64,
}

/// Where the membership went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputSummary {
    /// The membership file.
    pub membership: String,
    /// Its format.
    pub format: OutputFormat,
    /// Its layout.
    pub layout: Layout,
    /// The version of the Delta table the run committed (`--format delta`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta_version: Option<i64>,
}

/// The summary of a run from what was counted while writing.
pub(super) fn summarize(
    program: &hir::Program,
    outputs: &[OutputId],
    counts: &output::Counts,
    context: &RunContext,
    spec: &OutputSpec,
) -> Summary {
    let members = counts.members;
    let share = |n: u64| {
        if members == 0 {
            0.0
        } else {
            n as f64 / members as f64
        }
    };
    let mut summary = Summary {
        segc_version: env!("CARGO_PKG_VERSION"),
        rules: context.rules.clone(),
        as_of: context.as_of.to_string(),
        population: PopulationSummary {
            source: program.population().name.clone(),
            members,
        },
        segments: Vec::new(),
        tiers: Vec::new(),
        scores: Vec::new(),
        values: Vec::new(),
        expectations: Vec::new(),
        overlaps: None,
        freshness: context.freshness.clone(),
        output: OutputSummary {
            membership: context
                .membership_shown
                .clone()
                .unwrap_or_else(|| spec.membership_path().display().to_string()),
            format: spec.format,
            layout: spec.layout,
            delta_version: None,
        },
    };
    let canon = crate::diff::canon::Canon::new(program);
    for (id, tally) in outputs.iter().zip(&counts.columns) {
        let name = program.output_name(*id).to_string();
        let label = program.output_label(*id).map(str::to_string);
        match (id, tally) {
            (OutputId::Segment(s), output::Tally::Flag(n)) => {
                summary.segments.push(SegmentSummary {
                    name,
                    label,
                    members: *n,
                    share: share(*n),
                    definition: canon.digest_of(DefId::Segment(*s)),
                    audience: None,
                    without_consent: None,
                })
            }
            (OutputId::Tiers(t), output::Tally::Category(found)) => {
                let mut tiers: Vec<TierSummary> = program.tiers[t.0]
                    .arms
                    .iter()
                    .map(|arm| {
                        let n = found.get(&Some(arm.name.clone())).copied().unwrap_or(0);
                        TierSummary {
                            tier: Some(arm.name.clone()),
                            members: n,
                            share: share(n),
                        }
                    })
                    .collect();
                if let Some(n) = found.get(&None) {
                    tiers.push(TierSummary {
                        tier: None,
                        members: *n,
                        share: share(*n),
                    });
                }
                summary.tiers.push(TiersSummary {
                    name,
                    label,
                    split: program.tiers[t.0].is_split,
                    definition: canon.digest_of(DefId::Tiers(*t)),
                    tiers,
                });
            }
            (
                OutputId::Score(_),
                output::Tally::Number {
                    count,
                    sum,
                    min,
                    max,
                    values,
                },
            ) => summary.scores.push(ScoreSummary {
                name,
                label,
                min: *min,
                max: *max,
                mean: (*count > 0).then(|| sum / *count as f64),
                distribution: values.as_ref().map(|v| {
                    v.values()
                        .map(|(score, n)| ScoreCount {
                            score: *score,
                            members: *n,
                        })
                        .collect()
                }),
            }),
            (OutputId::Let(id), tally) => {
                let ty = program.lets[id.0].value.ty.to_string();
                if let Some(value) = value_summary(name, label, ty, tally, &share) {
                    summary.values.push(value);
                }
            }
            _ => {}
        }
    }
    summary.expectations = judge_sizes(program, members, |subject| {
        counted(program, &summary, subject)
    });
    summary.overlaps = counts
        .overlaps
        .as_ref()
        .map(|tally| overlaps(program, outputs, counts, tally));
    summary
}

/// The pairs with members in common, from the tally of a run: most overlapping first (then
/// in output order).
fn overlaps(
    program: &hir::Program,
    outputs: &[OutputId],
    counts: &output::Counts,
    tally: &super::overlaps::OverlapTally,
) -> Vec<OverlapSummary> {
    use super::overlaps::Subject;
    let name = |column: usize| program.output_name(outputs[column]).to_string();
    let members = |subject: &Subject| match (subject, &counts.columns) {
        (Subject::Segment(column), columns) => match columns.get(*column) {
            Some(output::Tally::Flag(n)) => *n,
            _ => 0,
        },
        (Subject::Tier(column, tier), columns) => match columns.get(*column) {
            Some(output::Tally::Category(found)) => {
                found.get(&Some(tier.clone())).copied().unwrap_or(0)
            }
            _ => 0,
        },
    };
    let ratio = |part: u64, whole: u64| {
        if whole == 0 {
            0.0
        } else {
            part as f64 / whole as f64
        }
    };
    let mut pairs: Vec<OverlapSummary> = tally
        .pairs()
        .into_iter()
        .filter(|(_, _, common)| *common > 0)
        .map(|(first, second, common)| {
            let (a, b) = (members(&first), members(&second));
            let shown = |subject: &Subject| match subject {
                Subject::Segment(column) => name(*column),
                Subject::Tier(column, tier) => format!("{}:{tier}", name(*column)),
            };
            OverlapSummary {
                first: shown(&first),
                second: shown(&second),
                common,
                jaccard: ratio(common, a + b - common),
                first_in_second: ratio(common, a),
                second_in_first: ratio(common, b),
            }
        })
        .collect();
    // A stable sort: equal indexes stay in output order.
    pairs.sort_by(|x, y| y.jaccard.total_cmp(&x.jaccard));
    pairs
}

/// The members the summary counted for a segment or a tier, `None` when it was not computed.
fn counted(program: &hir::Program, summary: &Summary, subject: SizeSubject) -> Option<u64> {
    match subject {
        SizeSubject::Segment(id) => {
            let name = &program.segments.get(id.0)?.name;
            summary
                .segments
                .iter()
                .find(|s| &s.name == name)
                .map(|s| s.members)
        }
        SizeSubject::Tier { tiers, arm } => {
            let t = program.tiers.get(tiers.0)?;
            let tier = &t.arms.get(arm)?.name;
            let found = summary.tiers.iter().find(|s| s.name == t.name)?;
            let tier = found.tiers.iter().find(|s| s.tier.as_ref() == Some(tier))?;
            Some(tier.members)
        }
    }
}

/// The summary of an `output let` from its tally.
fn value_summary(
    name: String,
    label: Option<String>,
    ty: String,
    tally: &output::Tally,
    share: &dyn Fn(u64) -> f64,
) -> Option<ValueSummary> {
    let (members, values) = match tally {
        output::Tally::Number {
            count,
            sum,
            min,
            max,
            ..
        } => (
            *count,
            ValueStats::Number {
                min: *min,
                max: *max,
                mean: (*count > 0).then(|| sum / *count as f64),
            },
        ),
        output::Tally::Range { count, min, max } => (
            *count,
            ValueStats::Range {
                min: min.clone(),
                max: max.clone(),
            },
        ),
        output::Tally::Text { count, values } => {
            let counts = values.as_ref().map(|values| {
                let mut counts: Vec<ValueCount> = values
                    .iter()
                    .map(|(value, n)| ValueCount {
                        value: value.clone(),
                        members: *n,
                        share: share(*n),
                    })
                    .collect();
                counts.sort_by(|a, b| b.members.cmp(&a.members).then(a.value.cmp(&b.value)));
                counts
            });
            (*count, ValueStats::Counts { counts })
        }
        _ => return None,
    };
    Some(ValueSummary {
        name,
        label,
        ty,
        members,
        values,
    })
}

/// A number as an integer when it is one (`15`, not `15.0`): scores of fixed points are.
pub fn integral_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn integral<S: serde::Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match x {
        Some(x) => integral_value(x, s),
        None => s.serialize_none(),
    }
}

fn integral_value<S: serde::Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        s.serialize_i64(*x as i64)
    } else {
        s.serialize_f64(*x)
    }
}
