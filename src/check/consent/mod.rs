//! Consent-safe audiences: the consent columns of the sources (`consent email`), the segments
//! declared audiences of a channel (`audience email`), and the proof that every member of an
//! audience has that consent.
//!
//! The proof walks the audience's condition in three-valued logic: a member is one when the
//! condition is true, so an `and` is proven when either side requires the consent, an `or` when
//! both branches do, and a `not` is pushed inward (`not (a or b)` is `not a and not b`, also
//! with nulls); a segment, a `let` or a tier named in the condition is proven through its own
//! condition. The consent itself is proven only by reading the consent column as a condition:
//! a null consent is then false, and the member is not one. Anything else (a `not` of the
//! consent, `coalesce(consent_email, true)`) proves nothing, so every proof is sound and a
//! failed one names the branch that lets a member in without consent.

use std::cell::RefCell;

mod dated;

pub(super) use dated::with_lets as dated_lets;

use foldhash::HashMap;

use crate::ast::{self, BinaryOp, ItemKind};
use crate::diagnostics::{ConsentDiagnostic, Diagnostic, GapKind, Through, Unproven};
use crate::hir::{self, Channel, Expr, ExprKind, SegmentId, Value};
use crate::span::Span;
use crate::suggest::similar;
use crate::types::Type;

/// `E1701` for every `consent` mark and `audience` clause naming no channel: read from the
/// syntax alone, so that it is reported with the file's other errors.
pub(super) fn channels(program: &ast::Program) -> Vec<Diagnostic> {
    let mut named: Vec<&ast::Ident> = Vec::new();
    for item in &program.items {
        match &item.kind {
            ItemKind::Source(s) => {
                named.extend(
                    s.columns
                        .iter()
                        .filter_map(|c| Some(&c.consent.as_ref()?.channel)),
                );
                named.extend(s.dated_consents.iter().map(|c| &c.channel));
            }
            ItemKind::Segment(s) => named.extend(s.audience.as_ref().map(|a| &a.channel)),
            _ => {}
        }
    }
    named
        .into_iter()
        .filter(|name| Channel::named(&name.name).is_none())
        .map(|name| {
            let known = Channel::ALL.map(Channel::as_str);
            ConsentDiagnostic::UnknownChannel {
                name: name.name.clone(),
                span: name.span,
                candidates: similar(&name.name, known),
            }
            .into()
        })
        .collect()
}

/// Resolves the consent columns and audiences of a checked program into `program.consents` and
/// `program.audiences`, and proves every audience (an imported one too: the importer writes
/// it when selected; an imported segment the file does not use is never a member).
pub(super) fn check(program: &mut hir::Program, ast: &ast::Program) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    program.consents = consents(program, ast, &mut problems);
    program.audiences = audiences(program, ast);
    let arms = tier_arms(ast);
    for audience in &program.audiences {
        let segment = &program.segments[audience.segment.0];
        let Some(consent) = program.consent(audience.channel) else {
            problems.push(
                ConsentDiagnostic::NoConsent {
                    segment: segment.name.clone(),
                    channel: audience.channel.as_str().into(),
                    span: audience.span,
                }
                .into(),
            );
            continue;
        };
        let prover = Prover {
            program,
            consent,
            path: program.consent_path(consent),
            arms: &arms,
            proven: RefCell::default(),
            mentions: RefCell::default(),
        };
        if let Err(gap) = prover.prove(&segment.condition, false) {
            let column = &program.sources[consent.source.0].columns[consent.column];
            problems.push(Diagnostic::Consent(ConsentDiagnostic::Unproven(Box::new(
                Unproven {
                    segment: segment.name.clone(),
                    channel: audience.channel.as_str().into(),
                    consent: match consent.dated {
                        Some(id) => program.lets[id.0].name.clone(),
                        None => column.name.clone(),
                    },
                    gap: gap.kind,
                    gap_name: gap.name,
                    gap_span: gap.span,
                    through: gap.through,
                    audience: audience.span,
                },
            ))));
        }
    }
    problems
}

/// The consent columns: `bool`s (E1702), one per channel (E1703), that the members can read
/// (E1706).
fn consents(
    program: &hir::Program,
    ast: &ast::Program,
    problems: &mut Vec<Diagnostic>,
) -> Vec<hir::Consent> {
    let mut found: Vec<hir::Consent> = Vec::new();
    for item in &ast.items {
        let ItemKind::Source(decl) = &item.kind else {
            continue;
        };
        // A source declared twice is reported by the checker; the first one is the source.
        let Some(id) = program
            .sources
            .iter()
            .position(|s| s.name == decl.name.name)
        else {
            continue;
        };
        if program.sources[id].span != decl.name.span {
            continue;
        }
        let source = &program.sources[id];
        for (column, mark) in decl.columns.iter().enumerate() {
            let Some(mark) = &mark.consent else { continue };
            let Some(channel) = Channel::named(&mark.channel.name) else {
                continue;
            };
            let declared = &source.columns[column];
            if declared.ty != Type::Bool {
                problems.push(
                    ConsentDiagnostic::NotBool {
                        column: declared.name.clone(),
                        ty: declared.type_text.clone(),
                        span: declared.type_span,
                        mark: mark.span,
                    }
                    .into(),
                );
                continue;
            }
            let source_id = hir::SourceId(id);
            let reachable = source_id == program.population
                || !hir::paths::find(&program.sources, program.population, source_id, 1).is_empty();
            if !reachable {
                problems.push(
                    ConsentDiagnostic::Unreachable {
                        column: declared.name.clone(),
                        source: source.name.clone(),
                        span: mark.span,
                    }
                    .into(),
                );
                continue;
            }
            let consent = hir::Consent {
                channel,
                source: source_id,
                column,
                span: mark.span,
                dated: None,
            };
            add_consent(&mut found, consent, problems);
        }
        dated::consents(program, decl, hir::SourceId(id), &mut found, problems);
    }
    found
}

/// Adds `consent` to `found` unless its channel already has one (`TwoConsents` then: a
/// channel's consent is one column or one pair of dates).
pub(super) fn add_consent(
    found: &mut Vec<hir::Consent>,
    consent: hir::Consent,
    problems: &mut Vec<Diagnostic>,
) {
    if let Some(first) = found.iter().find(|c| c.channel == consent.channel) {
        problems.push(
            ConsentDiagnostic::TwoConsents {
                channel: consent.channel.as_str().into(),
                first: first.span,
                second: consent.span,
            }
            .into(),
        );
        return;
    }
    found.push(consent);
}

/// The `audience` clauses of the segments, in file order.
fn audiences(program: &hir::Program, ast: &ast::Program) -> Vec<hir::Audience> {
    let mut found = Vec::new();
    for item in &ast.items {
        let ItemKind::Segment(decl) = &item.kind else {
            continue;
        };
        let Some(clause) = &decl.audience else {
            continue;
        };
        let segment = program
            .segments
            .iter()
            .position(|s| s.name == decl.name.name && s.span == decl.name.span);
        let (Some(segment), Some(channel)) = (segment, Channel::named(&clause.channel.name)) else {
            continue;
        };
        found.push(hir::Audience {
            segment: SegmentId(segment),
            channel,
            warn: clause.warn.is_some(),
            span: clause.span,
        });
    }
    found
}

/// Where each arm of each tiers item is written, by the tiers' name.
fn tier_arms(ast: &ast::Program) -> HashMap<&str, Vec<Span>> {
    ast.items
        .iter()
        .filter_map(|item| match &item.kind {
            ItemKind::Tiers(t) => Some((
                t.name.name.as_str(),
                t.arms.iter().map(|a| a.span).collect(),
            )),
            _ => None,
        })
        .collect()
}

/// Where a member may get in without consent, and the definitions followed to get there.
#[derive(Debug, Clone)]
struct Gap {
    kind: GapKind,
    name: Option<String>,
    span: Span,
    through: Vec<Through>,
}

impl Gap {
    fn at(kind: GapKind, span: Span) -> Gap {
        Gap {
            kind,
            name: None,
            span,
            through: Vec::new(),
        }
    }

    /// The gap, reached through the definition `what` `name` used at `used`.
    fn through(mut self, what: &'static str, name: &str, used: Span) -> Gap {
        let step = Through {
            what,
            name: name.to_string(),
            used,
        };
        self.through.insert(0, step);
        self
    }
}

/// Proves that a condition requires one channel's consent.
struct Prover<'p> {
    program: &'p hir::Program,
    consent: hir::Consent,
    /// The path a member's own consent is looked up along (see [`hir::Program::consent_path`]).
    path: Option<hir::Path>,
    arms: &'p HashMap<&'p str, Vec<Span>>,
    /// Segments already proven or not, as their conditions are walked once.
    proven: RefCell<HashMap<SegmentId, Result<(), Gap>>>,
    /// Whether each definition mentions the consent, as found.
    mentions: RefCell<HashMap<Named, bool>>,
}

/// A segment or a `let`, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Named {
    Segment(usize),
    Let(usize),
}

impl Prover<'_> {
    /// Whether a member for whom `condition` is true (false, when `negated`) has the consent;
    /// the first gap otherwise.
    fn prove(&self, condition: &Expr, negated: bool) -> Result<(), Gap> {
        match &condition.kind {
            ExprKind::Binary { op, lhs, rhs } if matches!(op, BinaryOp::And | BinaryOp::Or) => {
                // `not (a and b)` is `not a or not b`: the same members, also with nulls.
                if (*op == BinaryOp::And) != negated {
                    self.either(condition, lhs, rhs, negated)
                } else {
                    self.prove_branch(lhs, negated)?;
                    self.prove_branch(rhs, negated)
                }
            }
            ExprKind::Not(inner) => self.prove(inner, !negated),
            // Never true: no member at all.
            ExprKind::Literal(Value::Null) => Ok(()),
            ExprKind::Literal(Value::Bool(b)) if *b == negated => Ok(()),
            // The condition a consent from dates is: proven as a consent column read.
            ExprKind::Let(id) if !negated && self.consent.dated == Some(*id) => Ok(()),
            ExprKind::Let(id) if condition.ty == Type::Bool => {
                let definition = &self.program.lets[id.0];
                self.prove(&definition.value, negated)
                    .map_err(|gap| gap.through("let", &definition.name, condition.span))
            }
            ExprKind::Segment(id) if !negated => self.segment(*id, condition.span),
            _ if negated => Err(Gap::at(GapKind::Negation, condition.span)),
            _ if self.reads_consent(condition) => Ok(()),
            _ => match self.tiers_required(condition) {
                Some(proof) => proof,
                None => Err(Gap::at(GapKind::Condition, condition.span)),
            },
        }
    }

    /// A branch of an `or`: a gap that is the whole branch is said to be the branch.
    fn prove_branch(&self, branch: &Expr, negated: bool) -> Result<(), Gap> {
        self.prove(branch, negated).map_err(|mut gap| {
            if gap.kind == GapKind::Condition && gap.span == branch.span {
                gap.kind = GapKind::Branch;
            }
            gap
        })
    }

    /// `lhs and rhs`: proven by either side; when neither, the side that mentions the consent
    /// (a branch of it lacks it) or else the whole.
    fn either(&self, whole: &Expr, lhs: &Expr, rhs: &Expr, negated: bool) -> Result<(), Gap> {
        let left = self.prove(lhs, negated);
        if left.is_ok() {
            return left;
        }
        let right = self.prove(rhs, negated);
        if right.is_ok() {
            return right;
        }
        match (self.mentions_consent(lhs), self.mentions_consent(rhs)) {
            (true, _) => left,
            (false, true) => right,
            _ => Err(Gap::at(GapKind::Condition, whole.span)),
        }
    }

    fn segment(&self, id: SegmentId, used: Span) -> Result<(), Gap> {
        if let Some(known) = self.proven.borrow().get(&id) {
            return known.clone();
        }
        let segment = &self.program.segments[id.0];
        let proof = self
            .prove(&segment.condition, false)
            .map_err(|gap| gap.through("segment", &segment.name, used));
        self.proven.borrow_mut().insert(id, proof.clone());
        proof
    }

    /// `lifecycle in ["vip", "loyal"]`: proven when each tier named requires the consent
    /// (its members are those its arm's condition holds for); `None` when `condition` tests no
    /// tiers.
    fn tiers_required(&self, condition: &Expr) -> Option<Result<(), Gap>> {
        let tested = match &condition.kind {
            ExprKind::Binary { lhs, rhs, .. } => {
                [lhs, rhs].into_iter().find_map(|side| match side.kind {
                    ExprKind::Tier(id) => Some(id),
                    _ => None,
                })
            }
            ExprKind::InList { value, .. } => match value.kind {
                ExprKind::Tier(id) => Some(id),
                _ => None,
            },
            _ => None,
        }?;
        let tiers = &self.program.tiers[tested.0];
        let names = super::reach::tiers_required(condition, tested)?;
        let spans = self.arms.get(tiers.name.as_str());
        for (index, arm) in tiers.arms.iter().enumerate() {
            if !names.contains(&arm.name) {
                continue;
            }
            let arm_span = spans.and_then(|s| s.get(index)).copied();
            let at = arm_span.unwrap_or(tiers.span);
            let named = |mut gap: Gap, kind| {
                gap.kind = kind;
                gap.name = Some(arm.name.clone());
                gap
            };
            let proof = match &arm.condition {
                None => Err(named(Gap::at(GapKind::TierElse, at), GapKind::TierElse)),
                Some(c) => self.prove(c, false).map_err(|gap| {
                    if gap.kind == GapKind::Condition && gap.span == c.span {
                        named(Gap::at(GapKind::TierArm, at), GapKind::TierArm)
                    } else {
                        gap
                    }
                }),
            };
            if let Err(gap) = proof {
                return Some(Err(gap.through("tiers", &tiers.name, condition.span)));
            }
        }
        Some(Ok(()))
    }

    /// Whether `e` is the consent column, read from the member's row or looked up.
    fn reads_consent(&self, e: &Expr) -> bool {
        let consent = self.consent;
        if let Some(dated) = consent.dated {
            return matches!(e.kind, ExprKind::Let(id) if id == dated);
        }
        match &e.kind {
            ExprKind::Column { source, column } => {
                *source == consent.source && *column == consent.column
            }
            ExprKind::Lookup { path, column } => {
                self.path.as_ref() == Some(&self.program.paths[path.0]) && *column == consent.column
            }
            _ => false,
        }
    }

    /// Whether the consent column is read anywhere in `e` or the segments and `let`s it names:
    /// where a failed proof was closest to holding.
    fn mentions_consent(&self, e: &Expr) -> bool {
        let mut found = false;
        e.visit(&mut |x| {
            found = found
                || self.reads_consent(x)
                || match x.kind {
                    ExprKind::Segment(id) => self.definition_mentions(Named::Segment(id.0)),
                    ExprKind::Let(id) => self.definition_mentions(Named::Let(id.0)),
                    _ => false,
                }
        });
        found
    }

    /// [`Prover::mentions_consent`] of a definition's condition or value, each found once.
    fn definition_mentions(&self, named: Named) -> bool {
        if let Some(known) = self.mentions.borrow().get(&named) {
            return *known;
        }
        let value = match named {
            Named::Segment(i) => &self.program.segments[i].condition,
            Named::Let(i) => &self.program.lets[i].value,
        };
        let found = self.mentions_consent(value);
        self.mentions.borrow_mut().insert(named, found);
        found
    }
}

#[cfg(test)]
mod tests;
