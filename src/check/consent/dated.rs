//! Consents from dates (`email_ok: consent email given email_optin_at withdrawn
//! email_optout_at`): the checker makes each one a `let`, the condition "given on or before
//! `as_of` and not withdrawn by then" (`given <= as_of and (withdrawn is null or withdrawn >
//! as_of)`), which rules name as they name a `bool` consent column; the consent proof reads
//! that `let` as the consent, and `segc run` counts its members without it again.

use crate::ast::{self, BinaryOp, ExprKind, Ident, ItemKind, LetDecl, Literal, LiteralKind};
use crate::diagnostics::{ConsentDiagnostic, Diagnostic};
use crate::hir::{self, Channel, SourceId};
use crate::span::Span;
use crate::suggest::similar;
use crate::types::Type;

/// `program` with a `let` for each consent from dates, when it declares some (`None`
/// otherwise). A consent whose dates are not date columns of the population's source is the
/// `let` `false` (no member has it), so that only its own diagnostic is reported.
pub(in crate::check) fn with_lets(program: &ast::Program) -> Option<ast::Program> {
    let sources = program.items.iter().filter_map(|item| match &item.kind {
        ItemKind::Source(source) => Some(source),
        _ => None,
    });
    // The population: as declared, or the one source of a file without `population`.
    let declared = program.items.iter().find_map(|item| match &item.kind {
        ItemKind::Population(p) => Some(p.name.name.as_str()),
        _ => None,
    });
    let only = match sources.clone().count() {
        1 => sources.clone().next().map(|s| s.name.name.as_str()),
        _ => None,
    };
    let population = declared.or(only);
    let mut lets = Vec::new();
    for source in sources {
        let own = population == Some(source.name.name.as_str());
        for consent in &source.dated_consents {
            let made = own.then(|| condition(source, consent)).flatten();
            let value = made.unwrap_or(ast::Expr {
                kind: ExprKind::Literal(Literal {
                    kind: LiteralKind::Bool(false),
                    span: consent.span,
                }),
                span: consent.span,
            });
            lets.push(ast::Item {
                kind: ItemKind::Let(LetDecl {
                    name: consent.name.clone(),
                    label: None,
                    output: None,
                    value,
                }),
                span: consent.span,
            });
        }
    }
    if lets.is_empty() {
        return None;
    }
    let mut with = program.clone();
    with.items.extend(lets);
    Some(with)
}

/// The column of `source` named `name`, if it is a date or timestamp.
fn date_column<'s>(source: &'s ast::SourceDecl, name: &Ident) -> Option<&'s ast::ColumnDecl> {
    source
        .columns
        .iter()
        .find(|c| c.name.name == name.name)
        .filter(|c| matches!(c.ty.name.name.as_str(), "date" | "timestamp"))
}

/// `given <= as_of and (withdrawn is null or withdrawn > as_of)` (without `is null` for a
/// withdrawal column that is never null), spans at the names in the declaration.
fn condition(source: &ast::SourceDecl, consent: &ast::DatedConsentDecl) -> Option<ast::Expr> {
    let given = date_column(source, &consent.given)?;
    let name = |ident: &Ident| expr(ExprKind::Name(vec![ident.clone()]), ident.span);
    let as_of = |span: Span| {
        let ident = Ident {
            name: "as_of".to_string(),
            span,
        };
        expr(ExprKind::Name(vec![ident]), span)
    };
    let binary = |op, lhs: ast::Expr, rhs: ast::Expr, span| {
        let kind = ExprKind::Binary {
            op,
            op_span: span,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        };
        expr(kind, span)
    };
    let span = consent.given.span;
    let given_by = binary(BinaryOp::LtEq, name(&given.name), as_of(span), span);
    let Some(withdrawn) = &consent.withdrawn else {
        return Some(given_by);
    };
    let column = date_column(source, withdrawn)?;
    let span = withdrawn.span;
    let mut kept = binary(BinaryOp::Gt, name(withdrawn), as_of(span), span);
    if column.nullable {
        let never = ExprKind::IsNull {
            value: Box::new(name(withdrawn)),
            negated: false,
        };
        kept = binary(BinaryOp::Or, expr(never, span), kept, span);
    }
    Some(binary(BinaryOp::And, given_by, kept, consent.span))
}

fn expr(kind: ExprKind, span: Span) -> ast::Expr {
    ast::Expr { kind, span }
}

/// Resolves the consents from dates of the source `decl` (checked as the source `id`) into
/// `found`: their dates date columns of the source (E1707, E1708), the population's source
/// (E1709), one consent per channel (E1703).
pub(super) fn consents(
    program: &hir::Program,
    decl: &ast::SourceDecl,
    id: SourceId,
    found: &mut Vec<hir::Consent>,
    problems: &mut Vec<Diagnostic>,
) {
    let source = &program.sources[id.0];
    for consent in &decl.dated_consents {
        let Some(channel) = Channel::named(&consent.channel.name) else {
            continue;
        };
        let given = dates(source, consent, problems);
        if id != program.population {
            problems.push(
                ConsentDiagnostic::DatedNotPopulation {
                    name: consent.name.name.clone(),
                    source: source.name.clone(),
                    span: consent.span,
                }
                .into(),
            );
            continue;
        }
        let made = program
            .lets
            .iter()
            .position(|l| l.name == consent.name.name && l.span == consent.name.span);
        let (Some(column), Some(made)) = (given, made) else {
            continue;
        };
        let consent = hir::Consent {
            channel,
            source: id,
            column,
            span: consent.span,
            dated: Some(hir::LetId(made)),
        };
        super::add_consent(found, consent, problems);
    }
}

/// The index of the `given` column of `consent` when it and the `withdrawn` one are date
/// columns of `source`; `E1707` or `E1708` otherwise.
fn dates(
    source: &hir::Source,
    consent: &ast::DatedConsentDecl,
    problems: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let mut valid = true;
    let mut given = None;
    for named in std::iter::once(&consent.given).chain(&consent.withdrawn) {
        let Some(index) = source.columns.iter().position(|c| c.name == named.name) else {
            let names = source.columns.iter().map(|c| c.name.as_str());
            problems.push(
                ConsentDiagnostic::DatedUnknownColumn {
                    name: named.name.clone(),
                    source: source.name.clone(),
                    span: named.span,
                    candidates: similar(&named.name, names),
                }
                .into(),
            );
            valid = false;
            continue;
        };
        let column = &source.columns[index];
        if !matches!(column.ty, Type::Date | Type::Timestamp) {
            problems.push(
                ConsentDiagnostic::DatedNotDate {
                    column: column.name.clone(),
                    ty: column.type_text.clone(),
                    span: named.span,
                }
                .into(),
            );
            valid = false;
        }
        given = given.or(Some(index));
    }
    given.filter(|_| valid)
}
