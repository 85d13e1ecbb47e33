//! Judging KPI values against their targets: measured values + targets + baselines → a report.
//!
//! This stage is pure: the engine computes the values ([`Measured`]), the driver reads and writes
//! baseline files; here each value gets its goal, its baseline and a [`Status`]:
//!
//! - `met`: the value reaches the target now;
//! - `on_track` / `behind` (before the deadline): whether the value is at least as close to the
//!   target as a straight line from the baseline (value and date) to the target at the deadline
//!   says it should be by now; without a dated baseline progress cannot be judged and a target
//!   not yet met is `behind`;
//! - `missed`: not met, and the deadline has come (or there is none);
//! - `no_data`: the value cannot be computed (no members, no values);
//! - `no_baseline`: a relative target whose baseline is unknown.
//!
//! A value beyond the KPI's `warn` level is flagged, whatever its status.

pub mod baseline;
mod history;
mod readout;
pub mod stats;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, KpiDiagnostic};
use crate::hir::{self, BaselineSource, Goal, KpiGroup, KpiId, KpiUnit};
use crate::span::Span;

pub use baseline::{BaselineBook, BaselineEntry, BaselineFile, BaselineValue};
pub use history::history_batch;
pub use readout::{Arm, Readout, readouts};

/// One KPI's value for one of its groups, as computed by the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The KPI.
    pub kpi: KpiId,
    /// Index into the KPI's groups.
    pub group: usize,
    /// Members in the group.
    pub members: u64,
    /// The value (`None` when it cannot be computed).
    pub value: Option<f64>,
    /// What the value is over, for a share of members or a readout's mean.
    pub sample: Option<MeasuredSample>,
}

/// The sample a KPI value is over: the denominator of a share of members, or the values of a
/// mean with their sample variance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredSample {
    /// Members (a share's denominator) or values (a mean's) measured.
    pub n: u64,
    /// The sample variance of a mean's values (`None` for a share, or below two values).
    pub variance: Option<f64>,
}

/// How a group of members is named in reports and baseline files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupName {
    /// What the group is.
    pub kind: GroupKind,
    /// The segment or tier name (the population source for the whole population).
    pub name: String,
    /// The tiers item, for a tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<String>,
}

/// The kinds of group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupKind {
    /// Every member.
    Population,
    /// A segment's members.
    Segment,
    /// A tier's (or split group's) members.
    Tier,
}

impl GroupName {
    /// The name of `group` of `program`.
    pub fn of(program: &hir::Program, group: &KpiGroup) -> GroupName {
        match group {
            KpiGroup::Population => GroupName {
                kind: GroupKind::Population,
                name: program.population().name.clone(),
                tiers: None,
            },
            KpiGroup::Segment(id) => GroupName {
                kind: GroupKind::Segment,
                name: program.segments[id.0].name.clone(),
                tiers: None,
            },
            KpiGroup::Tier { tiers, tier } => GroupName {
                kind: GroupKind::Tier,
                name: tier.clone(),
                tiers: Some(program.tiers[tiers.0].name.clone()),
            },
        }
    }

    /// The group in words: `vip`, `lifecycle = loyal`, `all customers`.
    pub fn text(&self) -> String {
        match (self.kind, &self.tiers) {
            (GroupKind::Population, _) => format!("all {}", self.name),
            (GroupKind::Tier, Some(tiers)) => format!("{tiers} = {}", self.name),
            _ => self.name.clone(),
        }
    }
}

/// How a KPI stands against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The target is reached.
    Met,
    /// Not reached yet, but progressing fast enough to be by the deadline.
    OnTrack,
    /// Not reached, and behind the pace the deadline needs.
    Behind,
    /// Not reached, and the deadline has come (or there is none).
    Missed,
    /// The value cannot be computed.
    NoData,
    /// A relative target without a baseline.
    NoBaseline,
}

impl Status {
    /// The status in words.
    pub fn text(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::OnTrack => "on track",
            Status::Behind => "behind",
            Status::Missed => "missed",
            Status::NoData => "no data",
            Status::NoBaseline => "no baseline",
        }
    }
}

/// Where a baseline comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineOrigin {
    /// The rules (`vs 1200`).
    Rules,
    /// A baseline file.
    File,
}

/// The baseline a value was judged against.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsedBaseline {
    /// The value.
    pub value: f64,
    /// When it was measured, if known (ISO 8601).
    pub as_of: Option<NaiveDate>,
    /// Where it comes from.
    pub origin: BaselineOrigin,
}

/// One line of a KPI report: one KPI for one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The KPI.
    pub kpi: String,
    /// Its label.
    pub label: Option<String>,
    /// The group.
    pub group: GroupName,
    /// Members in the group.
    pub members: u64,
    /// The members a share is over (its denominator: those its `where` takes), when the value
    /// is a share of members.
    pub denominator: Option<u64>,
    /// The value (ratios as fractions: 0.8 for 80 %).
    pub value: Option<f64>,
    /// What the value measures.
    pub unit: KpiUnit,
    /// The target as written.
    pub target: String,
    /// The lowest value that meets the target, if it has one.
    pub goal_low: Option<f64>,
    /// The highest value that meets the target, if it has one.
    pub goal_high: Option<f64>,
    /// The baseline, when there is one.
    pub baseline: Option<UsedBaseline>,
    /// The deadline.
    pub deadline: Option<NaiveDate>,
    /// Where a straight line from the baseline to the target at the deadline is today.
    pub expected: Option<f64>,
    /// How the value stands.
    pub status: Status,
    /// Whether the value is beyond the KPI's warn level.
    pub warning: bool,
}

/// What judging needs besides the values.
#[derive(Debug, Clone, Copy)]
pub struct Judging<'a> {
    /// The evaluation date.
    pub as_of: NaiveDate,
    /// Values recorded by an earlier run, and the file they were read from.
    pub baseline: Option<(&'a BaselineFile, &'a str)>,
    /// The baseline file this run records, if any: missing baselines are then expected.
    pub recording: Option<&'a str>,
    /// The project's baseline file when it is not recorded yet.
    pub unrecorded: Option<&'a str>,
}

/// A judged report and the problems met (missing baselines).
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    /// One row per KPI and group, in file order.
    pub rows: Vec<Row>,
    /// The A/B readouts: each arm of a KPI with `readout` against its control, in file order.
    pub readouts: Vec<Readout>,
    /// Missing baselines (errors, or warnings when this run records them), arms too small.
    pub diagnostics: Vec<Diagnostic>,
}

/// Judges every measured value against its KPI's target.
pub fn judge(program: &hir::Program, measured: &[Measured], judging: Judging<'_>) -> Judged {
    let mut rows = Vec::with_capacity(measured.len());
    // The groups of each KPI without a baseline (or with a baseline of 0), reported once per KPI.
    // (Groups may have targets of their own: noted per KPI and target.)
    let mut missing: Vec<((KpiId, Span), Vec<String>)> = Vec::new();
    let mut zero: Vec<((KpiId, Span), Vec<String>)> = Vec::new();
    let mut too_late: Vec<Diagnostic> = Vec::new();
    for m in measured {
        let kpi = &program.kpis[m.kpi.0];
        let (Some(group), Some(target)) = (kpi.groups.get(m.group), kpi.targets.get(m.group))
        else {
            continue;
        };
        let group = GroupName::of(program, group);
        let recorded = judging
            .baseline
            .and_then(|(file, _)| file.value(&kpi.name, &group))
            .map(|b| UsedBaseline {
                value: b.0,
                as_of: Some(b.1),
                origin: BaselineOrigin::File,
            });
        let baseline = match &target.goal {
            Goal::Change {
                baseline: BaselineSource::Inline { value, since },
                ..
            } => Some(UsedBaseline {
                value: *value,
                as_of: *since,
                origin: BaselineOrigin::Rules,
            }),
            _ => recorded,
        };
        // A baseline measured after the evaluation (a re-run of an old date with today's
        // baseline file) or after the deadline cannot be where the target starts from.
        let late = baseline.as_ref().and_then(|b| b.as_of).and_then(|dated| {
            let deadline = target.deadline.filter(|d| dated > *d);
            match (dated > judging.as_of, deadline) {
                (true, _) => Some((dated, "--as-of", judging.as_of)),
                (false, Some(d)) => Some((dated, "the deadline", d)),
                (false, None) => None,
            }
        });
        let baseline = match late {
            Some((dated, limit_name, limit)) => {
                let problem = Diagnostic::Kpi(KpiDiagnostic::BaselineTooLate {
                    kpi: kpi.name.clone(),
                    dated,
                    limit_name,
                    limit,
                    span: target.span,
                });
                if !too_late.contains(&problem) {
                    too_late.push(problem);
                }
                None
            }
            None => baseline,
        };
        let mut row = Row {
            kpi: kpi.name.clone(),
            label: kpi.label.clone(),
            members: m.members,
            denominator: kpi.value.as_share().and(m.sample).map(|sample| sample.n),
            value: m.value,
            unit: kpi.unit,
            target: target.text.clone(),
            goal_low: None,
            goal_high: None,
            baseline,
            deadline: target.deadline,
            expected: None,
            status: Status::NoData,
            warning: false,
            group,
        };
        let region = match &target.goal {
            Goal::Bound(b) if b.rises() => Some((Some(b.value), None)),
            Goal::Bound(b) => Some((None, Some(b.value))),
            Goal::Between { low, high } => Some((Some(*low), Some(*high))),
            Goal::Change { change, .. } => row.baseline.as_ref().map(|b| {
                let goal = b.value + b.value.abs() * change;
                if *change >= 0.0 {
                    (Some(goal), None)
                } else {
                    (None, Some(goal))
                }
            }),
        };
        let Some((low, high)) = region else {
            row.status = Status::NoBaseline;
            if late.is_none() {
                note(&mut missing, (m.kpi, target.span), row.group.text());
            }
            rows.push(row);
            continue;
        };
        row.goal_low = low;
        row.goal_high = high;
        if matches!(target.goal, Goal::Change { .. })
            && row.baseline.as_ref().is_some_and(|b| b.value == 0.0)
        {
            note(&mut zero, (m.kpi, target.span), row.group.text());
        }
        if let Some(value) = m.value {
            row.warning = kpi.warn.is_some_and(|w| w.holds(value));
            let met = match &target.goal {
                Goal::Bound(b) => b.holds(value),
                _ => low.is_none_or(|l| value >= l) && high.is_none_or(|h| value <= h),
            };
            row.status = if met {
                Status::Met
            } else {
                match target.deadline {
                    Some(deadline) if judging.as_of < deadline => {
                        let pace = Pace { low, high };
                        match row
                            .baseline
                            .as_ref()
                            .and_then(|b| pace.expected(b, judging.as_of, deadline))
                        {
                            Some(expected) => {
                                row.expected = Some(expected);
                                if pace.gap(value) <= pace.gap(expected) {
                                    Status::OnTrack
                                } else {
                                    Status::Behind
                                }
                            }
                            None => Status::Behind,
                        }
                    }
                    _ => Status::Missed,
                }
            };
        }
        rows.push(row);
    }
    let zero = zero.into_iter().map(|((id, span), groups)| {
        let kpi = &program.kpis[id.0];
        Diagnostic::Kpi(KpiDiagnostic::ZeroBaseline {
            kpi: kpi.name.clone(),
            group: groups.join(", "),
            span,
        })
    });
    let diagnostics = missing
        .into_iter()
        .map(|((id, span), groups)| {
            let kpi = &program.kpis[id.0];
            let group = groups.join(", ");
            Diagnostic::Kpi(match judging.recording {
                Some(file) => KpiDiagnostic::BaselineRecorded {
                    kpi: kpi.name.clone(),
                    group,
                    span,
                    file: file.to_string(),
                },
                None => KpiDiagnostic::MissingBaseline {
                    kpi: kpi.name.clone(),
                    group,
                    span,
                    file: judging
                        .baseline
                        .map(|(_, path)| path)
                        .or(judging.unrecorded)
                        .map(str::to_string),
                    recorded: judging.baseline.is_some(),
                },
            })
        })
        .chain(zero)
        .chain(too_late);
    let (readouts, underpowered) = readouts(program, measured);
    Judged {
        rows,
        readouts,
        diagnostics: diagnostics.chain(underpowered).collect(),
    }
}

/// Adds `group` to the groups noted for `kpi` (rows come KPI by KPI).
fn note(notes: &mut Vec<((KpiId, Span), Vec<String>)>, kpi: (KpiId, Span), group: String) {
    match notes.last_mut() {
        Some((id, groups)) if *id == kpi => groups.push(group),
        _ => notes.push((kpi, vec![group])),
    }
}

/// The values meeting a target, for measuring progress towards it.
struct Pace {
    low: Option<f64>,
    high: Option<f64>,
}

impl Pace {
    /// How far `value` is from meeting the target (0 when it meets it).
    fn gap(&self, value: f64) -> f64 {
        let below = self.low.map_or(0.0, |l| (l - value).max(0.0));
        let above = self.high.map_or(0.0, |h| (value - h).max(0.0));
        below.max(above)
    }

    /// The value on the straight line from the baseline (at its date) to the nearest value
    /// meeting the target (at the deadline), at `as_of`. `None` without a usable baseline date.
    fn expected(
        &self,
        baseline: &UsedBaseline,
        as_of: NaiveDate,
        deadline: NaiveDate,
    ) -> Option<f64> {
        let start = baseline.as_of?;
        if start >= deadline || start > as_of {
            return None;
        }
        let elapsed = (as_of - start).num_days() as f64 / (deadline - start).num_days() as f64;
        let end = match (self.low, self.high) {
            (Some(l), _) if baseline.value < l => l,
            (_, Some(h)) if baseline.value > h => h,
            _ => baseline.value,
        };
        Some(baseline.value + (end - baseline.value) * elapsed)
    }
}

/// How many rows have each status, and how many are flagged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Rows meeting their target.
    pub met: usize,
    /// Rows on track.
    pub on_track: usize,
    /// Rows behind.
    pub behind: usize,
    /// Rows missed.
    pub missed: usize,
    /// Rows without a value.
    pub no_data: usize,
    /// Rows without a baseline.
    pub no_baseline: usize,
    /// Rows beyond their warn level.
    pub warnings: usize,
}

impl Totals {
    /// The totals of `rows`.
    pub fn of(rows: &[Row]) -> Totals {
        let mut totals = Totals::default();
        for row in rows {
            match row.status {
                Status::Met => totals.met += 1,
                Status::OnTrack => totals.on_track += 1,
                Status::Behind => totals.behind += 1,
                Status::Missed => totals.missed += 1,
                Status::NoData => totals.no_data += 1,
                Status::NoBaseline => totals.no_baseline += 1,
            }
            totals.warnings += usize::from(row.warning);
        }
        totals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn pace_is_a_straight_line_to_the_target() {
        let pace = Pace {
            low: Some(110.0),
            high: None,
        };
        let baseline = UsedBaseline {
            value: 100.0,
            as_of: Some(day("2026-01-01")),
            origin: BaselineOrigin::Rules,
        };
        // Half-way through the year, half-way to the target.
        let expected = pace
            .expected(&baseline, day("2026-07-02"), day("2027-01-01"))
            .expect("expected");
        assert!((expected - 105.0).abs() < 0.05, "{expected}");
        assert_eq!(pace.gap(104.0), 6.0);
        assert_eq!(pace.gap(111.0), 0.0);
        // No date, no line.
        let undated = UsedBaseline {
            as_of: None,
            ..baseline
        };
        assert_eq!(
            pace.expected(&undated, day("2026-07-02"), day("2027-01-01")),
            None
        );
    }

    #[test]
    fn falling_targets_and_ranges() {
        let pace = Pace {
            low: None,
            high: Some(95.0),
        };
        assert_eq!(pace.gap(100.0), 5.0);
        let range = Pace {
            low: Some(7.0),
            high: Some(9.0),
        };
        assert_eq!(range.gap(6.0), 1.0);
        assert_eq!(range.gap(9.5), 0.5);
        assert_eq!(range.gap(8.0), 0.0);
    }
}
