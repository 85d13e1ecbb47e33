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
use super::values::is_constant;

/// The functions whose second argument is a list written in brackets.
pub(super) const BRACKETED: &[(&str, Builtin)] = &[
    ("contains_any", Builtin::ListContainsAny),
    ("contains_all", Builtin::ListContainsAll),
];

impl Checker<'_> {
    /// The value of `let NAME = [a, b]`: a constant list, its items of one type, standing
    /// where the `let` is named (after `in`, as the items of `contains_any`).
    pub(super) fn list_value(&mut self, written: &[ast::Expr], span: Span) -> hir::Expr {
        let mut items = Vec::with_capacity(written.len());
        let mut item_type = Type::Null;
        let mut first: Option<(Type, Span)> = None;
        let mut ok = true;
        for item in written {
            let item = self.expr(item);
            if item.ty == Type::Error {
                ok = false;
                continue;
            }
            if !is_constant(&item) || matches!(item.ty, Type::List(_)) {
                self.sink
                    .push(Diagnostic::Types(TypeDiagnostic::VaryingListItem {
                        span: item.span,
                        list: matches!(item.ty, Type::List(_)),
                    }));
                ok = false;
                continue;
            }
            match item_type.unify(&item.ty) {
                Some(unified) => item_type = unified,
                None => {
                    let (first_type, first_span) = first.clone().unwrap_or((Type::Null, span));
                    self.sink
                        .push(Diagnostic::Types(TypeDiagnostic::IncompatibleValues {
                            first: first_type,
                            first_span,
                            other: item.ty.clone(),
                            other_span: item.span,
                            context: "this list",
                        }));
                    ok = false;
                    continue;
                }
            }
            if first.is_none() && item.ty != Type::Null {
                first = Some((item.ty.clone(), item.span));
            }
            items.push(item);
        }
        if !ok {
            return poisoned(span);
        }
        typed(H::List(items), Type::List(Box::new(item_type)), false, span)
    }

    /// The items of the `let` of a list named right of `in` (`country in eu`); reports
    /// anything else standing there.
    pub(super) fn named_list(
        &mut self,
        list: &ast::Expr,
        operator: &'static str,
    ) -> Option<Vec<hir::Expr>> {
        match self.expr(list) {
            hir::Expr {
                kind: H::List(items),
                ..
            } => Some(items),
            other if other.ty == Type::Error => None,
            other => {
                self.sink.push(Diagnostic::Types(TypeDiagnostic::NotAList {
                    operator,
                    found: other.ty,
                    span: other.span,
                }));
                None
            }
        }
    }

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
        let items = match &items.kind {
            ast::ExprKind::List(written) => written.iter().map(|i| self.expr(i)).collect(),
            _ => match self.expr(items) {
                hir::Expr {
                    kind: H::List(named),
                    ..
                } => named,
                other if other.ty == Type::Error => return poisoned(span),
                other => {
                    self.sink
                        .push(Diagnostic::Types(TypeDiagnostic::ExpectedType {
                            expected: "values in brackets, [\"a\", \"b\"], or a `let` of a list",
                            found: other.ty,
                            span: other.span,
                            context: Context::Argument {
                                function: name.to_string(),
                                index: 1,
                            },
                        }));
                    return poisoned(span);
                }
            },
        };
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
