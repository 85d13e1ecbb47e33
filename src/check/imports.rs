//! Definitions declared in imported files: segments, scores, tiers and splits shared by the
//! files importing them.
//!
//! They are part of the importer's program like its own, with two differences: they are not
//! among the outputs a run writes by default ([`hir::Program::imported`]: written when selected),
//! and when the importer declares its own population they are checked (and computed) only when
//! its rules use them, as imported `let`s are: they were written for their file's population.

use foldhash::HashSet;

use crate::diagnostics::{Diagnostic, ImportDiagnostic, NameDiagnostic, NameKind};
use crate::hir::{self, DefId, KpiGroup, OutputId, ScoreId, SegmentId, TiersId};
use crate::span::Span;
use crate::types::Type;

use super::expr::typed;
use super::{Checker, LetState};

impl<'a> Checker<'a> {
    /// Whether a declaration at `span` comes from an imported file.
    pub(super) fn imported(&self, span: Span) -> bool {
        self.home
            .is_some_and(|home| span.start < home.start || span.start > home.end)
    }

    /// Whether the definition declared at `span` is checked only when used.
    pub(super) fn on_demand(&self, span: Span) -> bool {
        self.imports_on_demand.is_some() && self.imported(span)
    }

    /// Reports a name declared twice: `E1204` when the file's own declaration takes the name of
    /// an imported one, `E0204` otherwise.
    pub(super) fn duplicate_name(&mut self, kind: NameKind, name: &str, first: Span, second: Span) {
        let problem = if self.imported(first) && !self.imported(second) {
            Diagnostic::Import(ImportDiagnostic::NameTaken {
                kind,
                name: name.to_string(),
                imported: first,
                own: second,
            })
        } else {
            Diagnostic::Names(NameDiagnostic::DuplicateName {
                kind,
                name: name.to_string(),
                first,
                second,
            })
        };
        self.sink.push(problem);
    }

    /// The segment declared with the segment or holdout `id` (a holdout is checked with its
    /// segment).
    fn declared_segment(&self, id: SegmentId) -> usize {
        if id.0 < self.segments.len() {
            return id.0;
        }
        let nth = id.0 - self.segments.len();
        self.segments
            .iter()
            .enumerate()
            .filter(|(_, s)| s.holdout.is_some())
            .nth(nth)
            .map_or(0, |(i, _)| i)
    }

    /// Where the definition `def` is declared.
    fn declared_at(&self, def: DefId) -> Option<Span> {
        Some(match def {
            DefId::Segment(id) => self.segments.get(self.declared_segment(id))?.name.span,
            DefId::Score(id) => self.scores.get(id.0)?.name.span,
            DefId::Tiers(id) => self.tiers.get(id.0)?.name().span,
            DefId::Let(_) | DefId::Quantile(_) => return None,
        })
    }

    /// Checks the imported segments, scores and tiers the checked rules use, and those they
    /// use in turn, when they wait to be used (see [`Checker::on_demand`]).
    pub(super) fn check_used_imports(&mut self) {
        if self.imports_on_demand.is_none() {
            return;
        }
        let mut done: HashSet<DefId> = HashSet::default();
        loop {
            let groups = self.checked_kpis.iter().flatten().flat_map(|k| &k.groups);
            let mut pending: Vec<DefId> = groups
                .filter_map(|g| match g {
                    KpiGroup::Segment(id) => Some(DefId::Segment(*id)),
                    KpiGroup::Tier { tiers, .. } => Some(DefId::Tiers(*tiers)),
                    KpiGroup::Population => None,
                })
                .chain(self.referenced.iter().copied())
                .map(|def| match def {
                    DefId::Segment(id) => DefId::Segment(SegmentId(self.declared_segment(id))),
                    other => other,
                })
                .filter(|def| !done.contains(def))
                .filter(|def| self.declared_at(*def).is_some_and(|s| self.on_demand(s)))
                .collect();
            pending.sort();
            pending.dedup();
            if pending.is_empty() {
                return;
            }
            for def in pending {
                done.insert(def);
                match def {
                    DefId::Segment(id) => self.check_segment(id.0),
                    DefId::Score(id) => self.check_score(id),
                    DefId::Tiers(id) => self.check_tiers(id),
                    DefId::Let(_) | DefId::Quantile(_) => {}
                }
            }
        }
    }

    /// The outputs that can be written (own and imported, in declaration order; imported ones
    /// not checked because unused are left out), and the imported ones among them.
    pub(super) fn output_lists(&self) -> (Vec<OutputId>, Vec<OutputId>) {
        let checked = |o: &OutputId| match *o {
            OutputId::Segment(id) => self
                .segment_conditions
                .get(id.0)
                .is_some_and(Option::is_some),
            OutputId::Score(id) => self.checked_scores.get(id.0).is_some_and(Option::is_some),
            OutputId::Tiers(id) => self.checked_tiers.get(id.0).is_some_and(Option::is_some),
            OutputId::Let(id) => matches!(self.let_states.get(id.0), Some(LetState::Done(_))),
        };
        let declared = |o: &OutputId| match *o {
            OutputId::Let(id) => self.lets.get(id.0).map(|l| l.name.span),
            other => self.declared_at(other.def()),
        };
        let outputs: Vec<OutputId> = self.outputs.iter().copied().filter(checked).collect();
        let imported = outputs
            .iter()
            .copied()
            .filter(|o| declared(o).is_some_and(|s| self.imported(s)))
            .collect();
        (outputs, imported)
    }

    /// A segment condition for an imported segment never checked: never computed.
    pub(super) fn unused_condition(span: Span) -> hir::Expr {
        typed(
            hir::ExprKind::Literal(hir::Value::Bool(false)),
            Type::Bool,
            false,
            span,
        )
    }

    /// An imported score never checked: never computed.
    pub(super) fn unused_score(&self, id: ScoreId) -> Option<hir::Score> {
        let decl = self.scores.get(id.0)?;
        Some(hir::Score {
            name: decl.name.name.clone(),
            label: decl.label.as_ref().map(|l| l.value.clone()),
            span: decl.name.span,
            rules: Vec::new(),
            ty: self.score_types[id.0].clone(),
        })
    }

    /// Imported tiers never checked: never computed.
    pub(super) fn unused_tiers(&self, id: TiersId) -> Option<hir::Tiers> {
        let entry = self.tiers.get(id.0)?;
        let name = entry.name();
        Some(hir::Tiers {
            name: name.name.clone(),
            label: None,
            span: name.span,
            arms: Vec::new(),
            values: self.tier_values[id.0].clone(),
            is_split: false,
        })
    }
}
