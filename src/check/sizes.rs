//! The `expect` clauses of segments and tier arms: their form, what a share is taken of, and
//! the canonical words a run reports them with.

use super::tiers::TiersEntry;
use super::{Binding, Checker};
use crate::ast::{self, LiteralKind};
use crate::diagnostics::{Diagnostic, NameKind, SizeDiagnostic, SizeFormProblem};
use crate::hir::{self, SegmentId, SizeMeasure, SizeRange, SizeSubject, TiersId};

impl Checker<'_> {
    /// Checks the expectations of the file's own segments and tier arms, in file order.
    pub(super) fn check_size_expectations(&mut self) {
        for i in 0..self.segments.len() {
            let decl = self.segments[i];
            if self.on_demand(decl.name.span) {
                continue;
            }
            for e in &decl.expectations {
                let subject = SizeSubject::Segment(SegmentId(i));
                if let Some(checked) = self.size_expectation(subject, e) {
                    self.expectations.push(checked);
                }
            }
        }
        for i in 0..self.tiers.len() {
            let TiersEntry::Tiers(decl) = self.tiers[i] else {
                continue;
            };
            if self.on_demand(decl.name.span) {
                continue;
            }
            for (arm, a) in decl.arms.iter().enumerate() {
                for e in &a.expectations {
                    let subject = SizeSubject::Tier {
                        tiers: TiersId(i),
                        arm,
                    };
                    if let Some(checked) = self.size_expectation(subject, e) {
                        self.expectations.push(checked);
                    }
                }
            }
        }
    }

    /// One clause, or `None` (with its diagnostics) when it is not well formed.
    fn size_expectation(
        &mut self,
        subject: SizeSubject,
        e: &ast::SizeExpectation,
    ) -> Option<hir::SizeExpectation> {
        let share = e.measure == ast::SizeMeasure::Size;
        let amounts: Vec<&ast::Literal> = match &e.bound {
            ast::SizeBound::Compare { amount, .. } => vec![amount],
            ast::SizeBound::Between { low, high } => vec![low, high],
        };
        let mut values = Vec::with_capacity(2);
        for amount in &amounts {
            match amount_value(amount, share) {
                Ok(value) => values.push(value),
                Err(problem) => {
                    self.wrong_form(problem, amount.span);
                    return None;
                }
            }
        }
        let range = match (&e.bound, values.as_slice()) {
            (ast::SizeBound::Compare { op, .. }, [x]) => SizeRange::Compare(*op, *x),
            (ast::SizeBound::Between { .. }, [low, high]) if low <= high => {
                SizeRange::Between(*low, *high)
            }
            (ast::SizeBound::Between { low, high }, _) => {
                let span = crate::span::Span::new(low.span.start as usize, high.span.end as usize);
                self.wrong_form(SizeFormProblem::EmptyRange, span);
                return None;
            }
            _ => return None,
        };
        let measure = match (&e.of, share) {
            (None, true) => SizeMeasure::ShareOfPopulation,
            (None, false) => SizeMeasure::Members,
            (Some(of), false) => {
                self.wrong_form(SizeFormProblem::OfWithMembers, of.span);
                return None;
            }
            (Some(of), true) => SizeMeasure::ShareOf(self.share_base(subject, of)?),
        };
        Some(hir::SizeExpectation {
            subject,
            measure,
            range,
            is_error: e.error.is_some(),
            text: self.expectation_words(e, &amounts),
            span: e.span,
        })
    }

    /// The segment a share is taken `of`.
    fn share_base(&mut self, subject: SizeSubject, of: &ast::Ident) -> Option<SegmentId> {
        let found = match self.names.get(&of.name) {
            Some((Binding::Segment(id), _)) if subject != SizeSubject::Segment(*id) => {
                return Some(*id);
            }
            Some((Binding::Poisoned, _)) => return None,
            Some((Binding::Segment(_), _)) => Some(NameKind::Segment),
            Some((Binding::Column(_), _)) => Some(NameKind::Column),
            Some((Binding::Let(_), _)) => Some(NameKind::Let),
            Some((Binding::Score(_), _)) => Some(NameKind::Score),
            Some((Binding::Tiers(_), _)) => Some(NameKind::Tiers),
            None => None,
        };
        let candidates = match found {
            None => crate::suggest::similar(
                &of.name,
                self.segments.iter().map(|s| s.name.name.as_str()),
            ),
            Some(_) => Vec::new(),
        };
        self.sink
            .push(Diagnostic::Size(SizeDiagnostic::NotASegment {
                name: of.name.clone(),
                found,
                span: of.span,
                candidates,
            }));
        None
    }

    fn wrong_form(&mut self, problem: SizeFormProblem, span: crate::span::Span) {
        self.sink.push(Diagnostic::Size(SizeDiagnostic::WrongForm {
            problem,
            span,
        }));
    }

    /// `size between 2% and 10% of clients`: the clause as the formatter writes it, without
    /// `expect` and the severity.
    fn expectation_words(&self, e: &ast::SizeExpectation, amounts: &[&ast::Literal]) -> String {
        let amount = |l: &ast::Literal| literal_words(l);
        let measure = match e.measure {
            ast::SizeMeasure::Members => "members",
            ast::SizeMeasure::Size => "size",
        };
        let bound = match (&e.bound, amounts) {
            (ast::SizeBound::Compare { op, .. }, [x]) => format!("{} {}", op.symbol(), amount(x)),
            (_, [low, high]) => format!("between {} and {}", amount(low), amount(high)),
            _ => String::new(),
        };
        match &e.of {
            Some(of) => format!("{measure} {bound} of {}", of.name),
            None => format!("{measure} {bound}"),
        }
    }
}

/// An amount's value: a count, or a share between 0 and 1.
fn amount_value(amount: &ast::Literal, share: bool) -> Result<f64, SizeFormProblem> {
    match (&amount.kind, share) {
        (LiteralKind::Percent { value, .. }, true) if *value > 100.0 => {
            Err(SizeFormProblem::ShareAbove100)
        }
        (LiteralKind::Percent { value, .. }, true) => Ok(value / 100.0),
        (LiteralKind::Percent { .. }, false) => Err(SizeFormProblem::ShareForMembers),
        (LiteralKind::Int(n), false) => Ok(*n as f64),
        (LiteralKind::Float { .. }, false) => Err(SizeFormProblem::FractionalCount),
        _ => Err(SizeFormProblem::CountForSize),
    }
}

/// A number or percentage as written, without digit separators (`1_000` reads `1000`).
fn literal_words(l: &ast::Literal) -> String {
    match &l.kind {
        LiteralKind::Int(n) => n.to_string(),
        LiteralKind::Float { text, .. } => text.clone(),
        LiteralKind::Percent { text, .. } => format!("{text}%"),
        _ => String::new(),
    }
}
