//! Functions over list columns (`list<string>`, `list<int>`): `contains(tags, "vip")`,
//! `contains_any(tags, ["a", "b"])`, `contains_all(tags, ["a", "b"])`; `size(tags)` is an
//! ordinary built-in.

use crate::ast;
use crate::diagnostics::{Context, Diagnostic, TypeDiagnostic};
use crate::hir::{self, Builtin, ExprKind as H};
use crate::span::Span;
use crate::types::Type;

use super::Checker;
use super::expr::{poisoned, typed};

/// The functions whose second argument is a list written in brackets.
pub(super) const BRACKETED: &[(&str, Builtin)] = &[
    ("contains_any", Builtin::ListContainsAny),
    ("contains_all", Builtin::ListContainsAll),
];

impl Checker<'_> {
    /// `contains_any(list, [a, b])` or `contains_all(list, [a, b])`.
    pub(super) fn bracketed_call(
        &mut self,
        name: &'static str,
        builtin: Builtin,
        args: &[ast::Expr],
        span: Span,
    ) -> hir::Expr {
        let [list, items] = args else {
            let count = args.len();
            args.iter().for_each(|a| {
                self.expr(a);
            });
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::ArgumentCount {
                    function: name.to_string(),
                    expected: "2",
                    found: count,
                    span,
                }));
            return poisoned(span);
        };
        let list = self.expr(list);
        let ast::ExprKind::List(written) = &items.kind else {
            let other = self.expr(items);
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::ExpectedType {
                    expected: "values in brackets: [\"a\", \"b\"]",
                    found: other.ty,
                    span: other.span,
                    context: Context::Argument {
                        function: name.to_string(),
                        index: 1,
                    },
                }));
            return poisoned(span);
        };
        let items: Vec<hir::Expr> = written.iter().map(|i| self.expr(i)).collect();
        self.list_items(name, builtin, list, items, span)
    }

    /// `contains(list, item)` (the first argument is a list).
    pub(super) fn list_contains(&mut self, args: Vec<hir::Expr>, span: Span) -> hir::Expr {
        let mut args = args.into_iter();
        match (args.next(), args.next(), args.next()) {
            (Some(list), Some(item), None) => {
                self.list_items("contains", Builtin::ListContains, list, vec![item], span)
            }
            (_, _, extra) => {
                let found = 2 + usize::from(extra.is_some()) + args.count();
                self.sink
                    .push(Diagnostic::Types(TypeDiagnostic::ArgumentCount {
                        function: "contains".into(),
                        expected: "2",
                        found,
                        span,
                    }));
                poisoned(span)
            }
        }
    }

    /// A call testing `items` against the items of `list`, each of the list's item type.
    fn list_items(
        &mut self,
        name: &str,
        builtin: Builtin,
        list: hir::Expr,
        items: Vec<hir::Expr>,
        span: Span,
    ) -> hir::Expr {
        let item_type = match &list.ty {
            Type::List(item) => Some((**item).clone()),
            ty if ty.is_unconstrained() => None,
            other => {
                self.sink
                    .push(Diagnostic::Types(TypeDiagnostic::ExpectedType {
                        expected: "a list (a column declared list<...>)",
                        found: other.clone(),
                        span: list.span,
                        context: Context::Argument {
                            function: name.to_string(),
                            index: 0,
                        },
                    }));
                return poisoned(span);
            }
        };
        let mut ok = true;
        if let Some(item_type) = &item_type {
            for (index, item) in items.iter().enumerate() {
                ok &= self.list_item(name, item_type, item, index + 1);
            }
        }
        if !ok {
            return poisoned(span);
        }
        let nullable = list.nullable || items.iter().any(|i| i.nullable);
        let mut args = vec![list];
        args.extend(items);
        typed(
            H::Call {
                function: builtin,
                args,
            },
            Type::Bool,
            nullable,
            span,
        )
    }

    /// Whether `item` can be an item of a list of `item_type`; reports why not (a string
    /// literal tested against a list of enums must be one of its values).
    fn list_item(&mut self, name: &str, item_type: &Type, item: &hir::Expr, index: usize) -> bool {
        let expected = match item_type {
            _ if item.ty.is_unconstrained() => return true,
            Type::Enum(def) if item.ty.is_textual() => return self.enum_operand(def, item),
            t if t.is_textual() && item.ty.is_textual() => return true,
            Type::Int if item.ty == Type::Int => return true,
            Type::Int => "an int, as the items of the list",
            _ => "text, as the items of the list",
        };
        self.sink
            .push(Diagnostic::Types(TypeDiagnostic::ExpectedType {
                expected,
                found: item.ty.clone(),
                span: item.span,
                context: Context::Argument {
                    function: name.to_string(),
                    index,
                },
            }));
        false
    }
}
