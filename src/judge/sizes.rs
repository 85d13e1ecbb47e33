//! Judging size expectations (`expect size between 2% and 10%`) against the members a run
//! counted: no data is read here, the counts come from the run's summary.

use serde::Serialize;

use crate::diagnostics::{Broken, Diagnostic, Measured, SizeDiagnostic, SizeOf};
use crate::hir::{self, SizeMeasure, SizeSubject};
use crate::span::Span;

/// One expectation as judged, also written to `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SizeVerdict {
    /// The segment, or the tiers item of a tier.
    pub name: String,
    /// The tier, for an expectation of a tier arm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The expectation in canonical words (`size between 2% and 10%`).
    pub expectation: String,
    /// `warning`, or `error` for `else error`.
    pub severity: &'static str,
    /// Members of the segment or tier.
    pub members: u64,
    /// What was compared: the members, or their share (between 0 and 1).
    #[serde(serialize_with = "whole_when_whole")]
    pub value: f64,
    /// Whether the expectation holds.
    pub met: bool,
    /// The clause.
    #[serde(skip)]
    pub span: Span,
    /// What a share was taken of (`None`: the population) and its members.
    #[serde(skip)]
    pub base: Option<(Option<String>, u64)>,
    #[serde(skip)]
    is_error: bool,
}

impl SizeVerdict {
    /// The diagnostic of a broken expectation (`E1410` or `W1401`), `None` when it holds.
    pub fn diagnostic(&self) -> Option<Diagnostic> {
        if self.met {
            return None;
        }
        let subject = match &self.tier {
            Some(tier) => SizeOf::Tier {
                tiers: self.name.clone(),
                tier: tier.clone(),
            },
            None => SizeOf::Segment(self.name.clone()),
        };
        Some(Diagnostic::Size(SizeDiagnostic::Broken(Box::new(Broken {
            subject,
            expected: self.expectation.clone(),
            measured: Measured {
                members: self.members,
                of: self.base.clone(),
            },
            is_error: self.is_error,
            span: self.span,
        }))))
    }
}

/// Judges every expectation whose segment or tier (and the segment a share is of) was
/// counted: `members` gives what a run counted for a subject, `None` when it was not computed
/// (a run of selected segments).
pub fn judge_sizes(
    program: &hir::Program,
    population: u64,
    members: impl Fn(SizeSubject) -> Option<u64>,
) -> Vec<SizeVerdict> {
    let mut verdicts = Vec::new();
    for e in &program.expectations {
        let Some(count) = members(e.subject) else {
            continue;
        };
        let base = match e.measure {
            SizeMeasure::Members => None,
            SizeMeasure::ShareOfPopulation => Some((None, population)),
            SizeMeasure::ShareOf(id) => match members(SizeSubject::Segment(id)) {
                Some(n) => Some((Some(program.segments[id.0].name.clone()), n)),
                None => continue,
            },
        };
        // A share of nothing is 0, as the summary's shares are.
        let value = match &base {
            None => count as f64,
            Some((_, 0)) => 0.0,
            Some((_, n)) => count as f64 / *n as f64,
        };
        let (name, tier) = match e.subject {
            SizeSubject::Segment(id) => (program.segments[id.0].name.clone(), None),
            SizeSubject::Tier { tiers, arm } => {
                let t = &program.tiers[tiers.0];
                (t.name.clone(), t.arms.get(arm).map(|a| a.name.clone()))
            }
        };
        verdicts.push(SizeVerdict {
            name,
            tier,
            expectation: e.text.clone(),
            severity: if e.is_error { "error" } else { "warning" },
            members: count,
            value,
            met: e.range.admits(value),
            span: e.span,
            base,
            is_error: e.is_error,
        });
    }
    verdicts
}

/// Judges the expectations of the segments and tiers KPIs were measured over, from the
/// members counted for their groups (`segc kpi`): those of other segments and tiers were not
/// counted and are left out.
pub fn judge_groups(
    program: &hir::Program,
    measured: &[super::Measured],
    population: u64,
) -> Vec<SizeVerdict> {
    let members = |subject: SizeSubject| {
        measured.iter().find_map(|m| {
            let kpi = &program.kpis[m.kpi.0];
            // A frozen KPI counted a run's members, not the segment's now.
            if kpi.frozen.is_some() {
                return None;
            }
            let group = kpi.groups.get(m.group)?;
            let same = match (group, subject) {
                (hir::KpiGroup::Segment(s), SizeSubject::Segment(id)) => *s == id,
                (hir::KpiGroup::Tier { tiers, tier }, SizeSubject::Tier { tiers: t, arm }) => {
                    *tiers == t
                        && program.tiers[t.0]
                            .arms
                            .get(arm)
                            .is_some_and(|a| &a.name == tier)
                }
                _ => false,
            };
            same.then_some(m.members)
        })
    };
    judge_sizes(program, population, members)
}

/// A count as an integer (`500`, not `500.0`), a share as it is.
fn whole_when_whole<S: serde::Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        s.serialize_i64(*x as i64)
    } else {
        s.serialize_f64(*x)
    }
}
