//! Quantiles over the population: `ntile(n, value [asc|desc])`, `quintile(...)`, `decile(...)`,
//! `percent_rank(...)`. They rank each member among all members, so they are definitions of their
//! own (computed by a window over the population) that the surrounding rule refers to.

use crate::ast;
use crate::diagnostics::{Context, Diagnostic, TypeDiagnostic};
use crate::hir::{self, DefId, ExprKind as H, QuantileFunction, QuantileId, Value};
use crate::span::Span;
use crate::types::Type;

use super::expr::{poisoned, typed};
use super::{Checker, Scope};

/// The quantile functions, by name, with the number of groups when it is fixed.
pub(super) fn quantile_function(name: &str) -> Option<Option<QuantileFunction>> {
    Some(match name {
        "ntile" => None,
        "quintile" => Some(QuantileFunction::Ntile(5)),
        "decile" => Some(QuantileFunction::Ntile(10)),
        "percent_rank" => Some(QuantileFunction::PercentRank),
        _ => return None,
    })
}

/// The order written in a quantile call: `asc`/`desc` after each argument, `ties by key desc`.
pub(super) struct Written<'a> {
    /// `desc` (true) or `asc` (false) after each argument.
    pub descending: &'a [Option<bool>],
    /// `ties by ...`, if written.
    pub ties: Option<&'a ast::Ties>,
}

impl Checker<'_> {
    /// Checks a quantile call; `fixed` is the function when the name fixes it (`None` for `ntile`).
    pub(super) fn quantile(
        &mut self,
        name: &ast::Ident,
        fixed: Option<QuantileFunction>,
        args: &[ast::Expr],
        order: Written<'_>,
        span: Span,
    ) -> hir::Expr {
        let descending = order.descending;
        if self.outside_row_filter("a quantile", span) {
            return poisoned(span);
        }
        if let Scope::Related(_) = self.scope {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::QuantileInAggregate {
                    span,
                }));
            return poisoned(span);
        }
        let (function, value_index) = match fixed {
            Some(f) => (f, 0),
            None => {
                let groups = args.first().and_then(|a| match &a.kind {
                    ast::ExprKind::Literal(ast::Literal {
                        kind: ast::LiteralKind::Int(n),
                        ..
                    }) => u32::try_from(*n).ok().filter(|n| (2..=1000).contains(n)),
                    _ => None,
                });
                match (args.len(), groups) {
                    (2, Some(n)) => (QuantileFunction::Ntile(n), 1),
                    (2, None) => {
                        let at = args.first().map_or(span, |a| a.span);
                        self.sink
                            .push(Diagnostic::Types(TypeDiagnostic::QuantileGroups {
                                span: at,
                            }));
                        return poisoned(span);
                    }
                    _ => {
                        self.sink
                            .push(Diagnostic::Types(TypeDiagnostic::ArgumentCount {
                                function: name.name.clone(),
                                expected: "2",
                                found: args.len(),
                                span,
                            }));
                        return poisoned(span);
                    }
                }
            }
        };
        let Some(ties_descending) = self.ties(name, function, order.ties) else {
            return poisoned(span);
        };
        if args.len() != value_index + 1 {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::ArgumentCount {
                    function: name.name.clone(),
                    expected: if value_index == 0 { "1" } else { "2" },
                    found: args.len(),
                    span,
                }));
            return poisoned(span);
        }
        let id = QuantileId(self.quantiles.len());
        self.quantiles.push(None);
        self.record_edge(DefId::Quantile(id), span);
        let outer = self.current.replace(DefId::Quantile(id));
        let value = self.expr(&args[value_index]);
        self.current = outer;
        let orderable = value.ty.is_numeric()
            || value.ty.is_temporal()
            || value.ty.is_textual()
            || value.ty.is_unconstrained();
        if !orderable {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::ExpectedType {
                    expected: "a number, date, timestamp or text",
                    found: value.ty.clone(),
                    span: value.span,
                    context: Context::Argument {
                        function: name.name.clone(),
                        index: value_index,
                    },
                }));
            return poisoned(span);
        }
        let nullable = value.nullable;
        let ty = match function {
            QuantileFunction::Ntile(_) => Type::Int,
            QuantileFunction::PercentRank => Type::Float,
        };
        self.quantiles[id.0] = Some(hir::Quantile {
            function,
            name: format!("__quantile_{}", id.0),
            value,
            descending: descending
                .get(value_index)
                .copied()
                .flatten()
                .unwrap_or(false),
            ties_descending,
            span,
        });
        typed(H::Quantile(id), ty, nullable, span)
    }

    /// Whether ties are broken by the key descending (`ties by key desc`; ascending by
    /// default), or `None` when the clause cannot stand there.
    fn ties(
        &mut self,
        name: &ast::Ident,
        function: QuantileFunction,
        ties: Option<&ast::Ties>,
    ) -> Option<bool> {
        let Some(ties) = ties else {
            return Some(false);
        };
        if function == QuantileFunction::PercentRank {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::MisplacedClause {
                    function: name.name.clone(),
                    clause: "ties by",
                    span: ties.span,
                }));
            return None;
        }
        let key = self
            .population
            .and_then(|p| self.sources[p.0].key_column())
            .map(|c| c.name.clone());
        if ties.by.name != KEY && Some(&ties.by.name) != key.as_ref() {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::TiesNotByKey {
                    name: ties.by.name.clone(),
                    key,
                    span: ties.by.span,
                }));
            return None;
        }
        Some(ties.descending.unwrap_or(false))
    }
}

/// The word naming the population key in `ties by key`.
const KEY: &str = "key";

/// A stand-in used when a quantile slot was reserved but its check failed (never lowered).
pub(super) fn unused_quantile(span: Span) -> hir::Quantile {
    hir::Quantile {
        function: QuantileFunction::PercentRank,
        name: String::new(),
        value: typed(H::Literal(Value::Null), Type::Error, true, span),
        descending: false,
        ties_descending: false,
        span,
    }
}
