//! Coverage of the rules by the tests' rows: for every segment, tier arm and score rule,
//! whether some row made its condition true and some made it false.
//!
//! Segments are outputs already; each tier arm's and score rule's condition is added to a copy
//! of the program as a hidden segment (a probe), so the same plan computes them with the
//! outputs.

use datafusion::arrow::array::RecordBatch;

use crate::hir::{self, DefId, OutputId, ScoreId, SegmentId, TiersId};
use crate::span::Span;

/// A condition whose coverage is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// A segment's condition.
    Segment(SegmentId),
    /// The condition of a tier (an index into the arms).
    TierArm(TiersId, usize),
    /// The condition of a score's rule (an index into the rules).
    ScoreRule(ScoreId, usize),
}

/// A program with a hidden segment per tier arm and score rule, and where to read each probe.
pub struct Probed {
    /// The program the tests run with coverage.
    pub program: hir::Program,
    /// Each probe and the column holding its flag.
    pub probes: Vec<(Probe, String)>,
}

/// `program` with its probes.
pub fn probed(program: &hir::Program) -> Probed {
    let mut copy = program.clone();
    let mut probes: Vec<(Probe, String)> = program
        .segments
        .iter()
        .enumerate()
        .map(|(i, s)| (Probe::Segment(SegmentId(i)), s.name.clone()))
        .collect();
    let mut add = |copy: &mut hir::Program, probe: Probe, condition: &hir::Expr| {
        let name = format!("__coverage_{}", probes.len());
        let id = SegmentId(copy.segments.len());
        copy.segments.push(hir::Segment {
            name: name.clone(),
            label: None,
            span: condition.span,
            condition: condition.clone(),
        });
        copy.evaluation_order.push(DefId::Segment(id));
        copy.outputs.push(OutputId::Segment(id));
        probes.push((probe, name));
    };
    for (t, tiers) in program.tiers.iter().enumerate() {
        if tiers.is_split {
            continue;
        }
        for (a, arm) in tiers.arms.iter().enumerate() {
            if let Some(condition) = &arm.condition {
                add(&mut copy, Probe::TierArm(TiersId(t), a), condition);
            }
        }
    }
    for (s, score) in program.scores.iter().enumerate() {
        for (r, rule) in score.rules.iter().enumerate() {
            add(&mut copy, Probe::ScoreRule(ScoreId(s), r), &rule.condition);
        }
    }
    Probed {
        program: copy,
        probes,
    }
}

/// Whether each probe was seen true and seen false, over every test run so far.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    seen: Vec<(bool, bool)>,
}

/// One line of the coverage report.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageLine {
    /// What was probed.
    pub probe: Probe,
    /// The segment, tiers item or score.
    pub name: String,
    /// The tier, or the rule's points as written (`+10`); `None` for a segment.
    pub part: Option<String>,
    /// The condition (a segment: its name).
    pub span: Span,
    /// Some test row made the condition true.
    pub made_true: bool,
    /// Some test row made it false (or null).
    pub made_false: bool,
}

impl Coverage {
    /// Adds what the membership rows of one test run show.
    pub fn add(&mut self, probed: &Probed, batch: &RecordBatch) {
        self.seen.resize(probed.probes.len(), (false, false));
        for ((_, column), seen) in probed.probes.iter().zip(&mut self.seen) {
            for flag in super::flags(batch, column) {
                if flag {
                    seen.0 = true;
                } else {
                    seen.1 = true;
                }
            }
        }
    }

    /// Each probe's line, segments first, then tier arms, then score rules.
    pub fn lines(&self, program: &hir::Program, probed: &Probed) -> Vec<CoverageLine> {
        probed
            .probes
            .iter()
            .enumerate()
            .map(|(i, (probe, _))| {
                let (made_true, made_false) = self.seen.get(i).copied().unwrap_or_default();
                let (name, part, span) = match *probe {
                    Probe::Segment(id) => {
                        let s = &program.segments[id.0];
                        (s.name.clone(), None, s.span)
                    }
                    Probe::TierArm(id, arm) => {
                        let t = &program.tiers[id.0];
                        let arm = &t.arms[arm];
                        let span = arm.condition.as_ref().map_or(t.span, |c| c.span);
                        (t.name.clone(), Some(arm.name.clone()), span)
                    }
                    Probe::ScoreRule(id, rule) => {
                        let s = &program.scores[id.0];
                        let r = &s.rules[rule];
                        let points = format!("{:+}", r.points);
                        (s.name.clone(), Some(points), r.condition.span)
                    }
                };
                CoverageLine {
                    probe: *probe,
                    name,
                    part,
                    span,
                    made_true,
                    made_false,
                }
            })
            .collect()
    }
}
