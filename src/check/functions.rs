//! Built-in functions: names, arities and argument types.

use crate::ast;
use crate::diagnostics::{Context, Diagnostic, LiteralDiagnostic, NameDiagnostic, TypeDiagnostic};
use crate::hir::{self, Builtin, ExprKind as H};
use crate::span::Span;
use crate::suggest::similar;
use crate::types::Type;

use super::Checker;
use super::expr::{poisoned, typed};

/// What an argument must be.
#[derive(Clone, Copy)]
enum Arg {
    Text,
    Number,
    Int,
    Temporal,
    Timestamp,
    List,
    /// Text, a number, a date or a timestamp (what `concat` and `||` join).
    Printable,
    /// A value `to_text` writes: printable, or a condition.
    Scalar,
    Any,
}

impl Arg {
    fn accepts(self, ty: &Type) -> bool {
        ty.is_unconstrained()
            || match self {
                Arg::Text => ty.is_textual(),
                Arg::Number => ty.is_numeric(),
                Arg::Int => *ty == Type::Int,
                Arg::Temporal => ty.is_temporal(),
                Arg::Timestamp => *ty == Type::Timestamp,
                Arg::List => matches!(ty, Type::List(_)),
                Arg::Printable => printable(ty),
                Arg::Scalar => printable(ty) || *ty == Type::Bool,
                Arg::Any => true,
            }
    }

    fn words(self) -> &'static str {
        match self {
            Arg::Text => "text (string or enum)",
            Arg::Number => "a number",
            Arg::Int => "an int",
            Arg::Temporal => "a date or timestamp",
            Arg::Timestamp => "a timestamp",
            Arg::List => "a list (a column declared list<...>)",
            Arg::Printable => "text, a number, a date or a timestamp",
            Arg::Scalar => "text, a number, a date, a timestamp or a condition",
            Arg::Any => "a value",
        }
    }
}

/// A function's signature: parameters (the last ones optional from `required` on) and result.
struct Signature {
    builtin: Builtin,
    params: &'static [Arg],
    required: usize,
    /// Accepts any number of `params[0]` (at least `required`).
    variadic: bool,
    arity: &'static str,
}

const fn sig(builtin: Builtin, params: &'static [Arg], arity: &'static str) -> Signature {
    Signature {
        builtin,
        params,
        required: params.len(),
        variadic: false,
        arity,
    }
}

/// The functions of the language, by name.
const FUNCTIONS: &[(&str, Signature)] = &[
    ("lower", sig(Builtin::Lower, &[Arg::Text], "1")),
    ("upper", sig(Builtin::Upper, &[Arg::Text], "1")),
    ("trim", sig(Builtin::Trim, &[Arg::Text], "1")),
    ("length", sig(Builtin::Length, &[Arg::Text], "1")),
    (
        "starts_with",
        sig(Builtin::StartsWith, &[Arg::Text, Arg::Text], "2"),
    ),
    (
        "ends_with",
        sig(Builtin::EndsWith, &[Arg::Text, Arg::Text], "2"),
    ),
    (
        "contains",
        sig(Builtin::Contains, &[Arg::Text, Arg::Text], "2"),
    ),
    (
        "matches",
        sig(Builtin::Matches, &[Arg::Text, Arg::Text], "2"),
    ),
    ("year", sig(Builtin::Year, &[Arg::Temporal], "1")),
    ("month", sig(Builtin::Month, &[Arg::Temporal], "1")),
    ("day", sig(Builtin::Day, &[Arg::Temporal], "1")),
    ("date", sig(Builtin::Date, &[Arg::Timestamp], "1")),
    (
        "days_between",
        sig(Builtin::DaysBetween, &[Arg::Temporal, Arg::Temporal], "2"),
    ),
    (
        "months_between",
        sig(Builtin::MonthsBetween, &[Arg::Temporal, Arg::Temporal], "2"),
    ),
    (
        "years_between",
        sig(Builtin::YearsBetween, &[Arg::Temporal, Arg::Temporal], "2"),
    ),
    ("abs", sig(Builtin::Abs, &[Arg::Number], "1")),
    (
        "round",
        Signature {
            builtin: Builtin::Round,
            params: &[Arg::Number, Arg::Int],
            required: 1,
            variadic: false,
            arity: "1 or 2",
        },
    ),
    ("floor", sig(Builtin::Floor, &[Arg::Number], "1")),
    ("to_text", sig(Builtin::ToText, &[Arg::Scalar], "1")),
    (
        "concat",
        Signature {
            builtin: Builtin::Concat,
            params: &[Arg::Printable],
            required: 1,
            variadic: true,
            arity: "at least 1",
        },
    ),
    (
        "lpad",
        Signature {
            builtin: Builtin::Lpad,
            params: &[Arg::Text, Arg::Int, Arg::Text],
            required: 2,
            variadic: false,
            arity: "2 or 3",
        },
    ),
    ("left", sig(Builtin::Left, &[Arg::Text, Arg::Int], "2")),
    (
        "substring",
        Signature {
            builtin: Builtin::Substring,
            params: &[Arg::Text, Arg::Int, Arg::Int],
            required: 2,
            variadic: false,
            arity: "2 or 3",
        },
    ),
    ("size", sig(Builtin::Size, &[Arg::List], "1")),
    ("ceil", sig(Builtin::Ceil, &[Arg::Number], "1")),
    (
        "coalesce",
        Signature {
            builtin: Builtin::Coalesce,
            params: &[Arg::Any],
            required: 1,
            variadic: true,
            arity: "at least 1",
        },
    ),
];

/// Whether `ty` can be written as text by `to_text`, `concat` and `||`: text, numbers, dates
/// and timestamps.
pub(super) fn printable(ty: &Type) -> bool {
    ty.is_unconstrained() || ty.is_textual() || ty.is_numeric() || ty.is_temporal()
}

/// The names of all built-in functions.
pub fn names() -> impl Iterator<Item = &'static str> {
    let bracketed = super::lists::BRACKETED.iter().map(|(n, _)| *n);
    FUNCTIONS.iter().map(|(n, _)| *n).chain(bracketed)
}

impl Checker<'_> {
    pub(super) fn call(
        &mut self,
        function: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> hir::Expr {
        let bracketed = super::lists::BRACKETED.iter();
        if let Some((name, builtin)) = bracketed.clone().find(|(n, _)| *n == function.name) {
            return self.bracketed_call(name, *builtin, args, span);
        }
        let args: Vec<hir::Expr> = args.iter().map(|a| self.expr(a)).collect();
        if function.name == "contains" && args.first().is_some_and(|a| a.ty.list_item().is_some()) {
            return self.list_contains(args, span);
        }
        let Some((name, signature)) = FUNCTIONS.iter().find(|(n, _)| *n == function.name) else {
            self.sink
                .push(Diagnostic::Names(NameDiagnostic::UnknownFunction {
                    name: function.name.clone(),
                    span: function.span,
                    candidates: similar(&function.name, names()),
                }));
            return poisoned(span);
        };
        let max = if signature.variadic {
            usize::MAX
        } else {
            signature.params.len()
        };
        if args.len() < signature.required || args.len() > max {
            self.sink
                .push(Diagnostic::Types(TypeDiagnostic::ArgumentCount {
                    function: name.to_string(),
                    expected: signature.arity,
                    found: args.len(),
                    span,
                }));
            return poisoned(span);
        }
        let mut ok = true;
        for (index, arg) in args.iter().enumerate() {
            let param = signature.params.get(index).or(signature.params.last());
            let Some(&param) = param else { continue };
            if !param.accepts(&arg.ty) {
                ok = false;
                self.sink
                    .push(Diagnostic::Types(TypeDiagnostic::ExpectedType {
                        expected: param.words(),
                        found: arg.ty.clone(),
                        span: arg.span,
                        context: Context::Argument {
                            function: name.to_string(),
                            index,
                        },
                    }));
            }
        }
        if !ok {
            return poisoned(span);
        }
        if signature.builtin == Builtin::Matches
            && let Some(hir::Expr {
                kind: H::Literal(hir::Value::String(pattern)),
                span: pattern_span,
                ..
            }) = args.get(1)
            && let Err(error) = regex::Regex::new(pattern)
        {
            self.sink
                .push(Diagnostic::Literals(LiteralDiagnostic::InvalidRegex {
                    span: *pattern_span,
                    message: error
                        .to_string()
                        .lines()
                        .last()
                        .unwrap_or_default()
                        .to_string(),
                }));
            return poisoned(span);
        }
        let Some((ty, nullable)) = self.result_type(signature.builtin, &args) else {
            return poisoned(span);
        };
        typed(
            H::Call {
                function: signature.builtin,
                args,
            },
            ty,
            nullable,
            span,
        )
    }

    /// The result type and nullability of a well-typed call.
    fn result_type(&mut self, builtin: Builtin, args: &[hir::Expr]) -> Option<(Type, bool)> {
        let any_nullable = args.iter().any(|a| a.nullable);
        let first = args.first().map(|a| a.ty.clone()).unwrap_or(Type::Error);
        let ty = match builtin {
            Builtin::Lower
            | Builtin::Upper
            | Builtin::Trim
            | Builtin::ToText
            | Builtin::Lpad
            | Builtin::Left
            | Builtin::Substring => Type::String,
            // Nulls are skipped: the result is never null.
            Builtin::Concat => return Some((Type::String, false)),
            Builtin::Length
            | Builtin::Year
            | Builtin::Month
            | Builtin::Day
            | Builtin::DaysBetween
            | Builtin::MonthsBetween
            | Builtin::YearsBetween
            | Builtin::Floor
            | Builtin::Ceil
            | Builtin::Size => Type::Int,
            Builtin::StartsWith
            | Builtin::EndsWith
            | Builtin::Contains
            | Builtin::Matches
            | Builtin::ListContains
            | Builtin::ListContainsAny
            | Builtin::ListContainsAll => Type::Bool,
            Builtin::Date => Type::Date,
            Builtin::Abs => first,
            Builtin::Round => match first {
                Type::Int => Type::Int,
                Type::Decimal { .. } => first,
                _ => Type::Float,
            },
            Builtin::Coalesce => {
                let mut ty = Type::Null;
                for (i, arg) in args.iter().enumerate() {
                    let Some(next) = ty.unify(&arg.ty) else {
                        let first = &args[0];
                        self.sink
                            .push(Diagnostic::Types(TypeDiagnostic::IncompatibleValues {
                                first: first.ty.clone(),
                                first_span: first.span,
                                other: args[i].ty.clone(),
                                other_span: args[i].span,
                                context: "`coalesce`",
                            }));
                        return None;
                    };
                    ty = next;
                }
                return Some((ty, args.iter().all(|a| a.nullable)));
            }
        };
        Some((ty, any_nullable))
    }
}
