//! Building expressions and literals from pest pairs, one function per grammar rule.

use std::iter::Peekable;

use pest::iterators::{Pair, Pairs};

use super::super::literals::{self, DateValue};
use super::super::parser::Rule;
use super::{Builder, Built, Stop};
use crate::ast::*;
use crate::diagnostics::{Diagnostic, SyntaxDiagnostic};
use crate::span::Span;

impl Builder<'_> {
    // ----- expressions

    /// Any expression-level pair.
    pub(super) fn expr(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        if !self.may_nest() {
            return Err(Stop);
        }
        self.depth += 1;
        let built = self.expr_of(pair);
        self.depth -= 1;
        built
    }

    /// [`Builder::expr`] of one pair.
    fn expr_of(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        match pair.as_rule() {
            Rule::expr => self.logic(pair),
            Rule::sum => self.arithmetic(pair),
            Rule::paren => self.paren(pair),
            Rule::if_expr => self.if_expr(pair),
            Rule::list => self.list(pair),
            Rule::call => self.call(pair),
            Rule::name => self.name(pair),
            _ => {
                let literal = self.literal(pair)?;
                Ok(Expr {
                    span: literal.span,
                    kind: ExprKind::Literal(literal),
                })
            }
        }
    }

    /// `expr`: comparisons, each maybe negated, joined by `or` and `and` (`and` binds tighter).
    /// Both are associative, so long chains are built as balanced trees to keep later stages
    /// shallow.
    pub(super) fn logic(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let whole = pair.clone();
        let mut pairs = pair.into_inner().peekable();
        let mut disjuncts = Vec::new();
        let mut ors = Vec::new();
        let mut conjuncts = Vec::new();
        let mut ands = Vec::new();
        loop {
            conjuncts.push(self.negated(&mut pairs, &whole)?);
            let Some(op) = pairs.next() else { break };
            match (op.as_rule(), op.as_str()) {
                (Rule::logic_op, "and") => ands.push((BinaryOp::And, self.span(&op))),
                (Rule::logic_op, "or") => {
                    let conjunction = balanced(std::mem::take(&mut conjuncts), &ands);
                    ands.clear();
                    disjuncts.push(conjunction);
                    ors.push((BinaryOp::Or, self.span(&op)));
                }
                _ => return Err(self.malformed(self.span(&op), "`and` or `or`")),
            }
        }
        disjuncts.push(balanced(conjuncts, &ands));
        Ok(balanced(disjuncts, &ors))
    }

    /// One operand of `expr`: `not`s (each applying to the rest), a `sum`, and maybe a
    /// comparison tail.
    fn negated(
        &mut self,
        pairs: &mut Peekable<Pairs<'_, Rule>>,
        whole: &Pair<'_, Rule>,
    ) -> Built<Expr> {
        let (nots, value) = self.prefixed(pairs, whole, Rule::kw_not)?;
        let mut value = self.expr(value)?;
        if let Some(tail) = pairs.next_if(|p| {
            matches!(
                p.as_rule(),
                Rule::compare_op | Rule::in_tail | Rule::between_tail | Rule::is_null_tail
            )
        }) {
            value = self.compare_tail(tail, value, pairs, whole)?;
        }
        Ok(unary(UnaryOp::Not, nots, value))
    }

    /// The prefix operators (`not` or unary `-`, pairs of `prefix`) before the next operand, and
    /// that operand's pair. They are repeated, not nested, in the parse tree: past
    /// [`super::MAX_BUILD_DEPTH`] of them the item is too deep, as with nesting.
    fn prefixed<'i>(
        &mut self,
        pairs: &mut impl Iterator<Item = Pair<'i, Rule>>,
        whole: &Pair<'_, Rule>,
        prefix: Rule,
    ) -> Built<(Vec<Span>, Pair<'i, Rule>)> {
        let mut spans = Vec::new();
        loop {
            let Some(p) = pairs.next() else {
                return Err(self.malformed(self.span(whole), "operand"));
            };
            if p.as_rule() != prefix {
                return Ok((spans, p));
            }
            if spans.len() >= super::MAX_BUILD_DEPTH {
                self.too_deep = true;
                return Err(Stop);
            }
            spans.push(self.span(&p));
        }
    }

    /// The comparison that `tail` (a `compare_op` and the next pair, or an `in`, `between` or
    /// `is null` tail) makes of `lhs`.
    fn compare_tail(
        &mut self,
        tail: Pair<'_, Rule>,
        lhs: Expr,
        pairs: &mut Peekable<Pairs<'_, Rule>>,
        whole: &Pair<'_, Rule>,
    ) -> Built<Expr> {
        if tail.as_rule() == Rule::compare_op {
            let op_span = self.span(&tail);
            let op = comparison(tail.as_str());
            let Some(rhs) = pairs.next() else {
                return Err(self.malformed(self.span(whole), "right operand"));
            };
            let rhs = self.expr(rhs)?;
            return Ok(binary(op, op_span, lhs, rhs));
        }
        let span = lhs.span.to(self.span(&tail));
        match tail.as_rule() {
            Rule::in_tail => self.in_tail(tail, lhs, span),
            Rule::between_tail => self.between_tail(tail, lhs, span),
            _ => {
                let negated = tail.into_inner().any(|p| p.as_rule() == Rule::kw_not);
                Ok(Expr {
                    span,
                    kind: ExprKind::IsNull {
                        value: Box::new(lhs),
                        negated,
                    },
                })
            }
        }
    }

    pub(super) fn in_tail(&mut self, tail: Pair<'_, Rule>, value: Expr, span: Span) -> Built<Expr> {
        let mut negated = false;
        let mut list = None;
        for p in tail.into_inner() {
            match p.as_rule() {
                Rule::kw_not => negated = true,
                Rule::list => list = Some(self.list(p)?),
                Rule::name => list = Some(self.name(p)?),
                _ => {}
            }
        }
        let Some(list) = list else {
            return Err(self.malformed(span, "list after in"));
        };
        let list = Box::new(list);
        Ok(Expr {
            span,
            kind: ExprKind::InList {
                value: Box::new(value),
                list,
                negated,
            },
        })
    }

    pub(super) fn between_tail(
        &mut self,
        tail: Pair<'_, Rule>,
        value: Expr,
        span: Span,
    ) -> Built<Expr> {
        let mut negated = false;
        let mut bounds = Vec::with_capacity(2);
        for p in tail.into_inner() {
            match p.as_rule() {
                Rule::kw_not => negated = true,
                Rule::sum => bounds.push(self.expr(p)?),
                _ => {}
            }
        }
        let (Some(high), Some(low)) = (bounds.pop(), bounds.pop()) else {
            return Err(self.malformed(span, "between bounds"));
        };
        Ok(Expr {
            span,
            kind: ExprKind::Between {
                value: Box::new(value),
                low: Box::new(low),
                high: Box::new(high),
                negated,
            },
        })
    }

    /// `sum`: terms joined by `|| + - * / %`, left-associative, `* / %` before `+ -` before
    /// `||`.
    pub(super) fn arithmetic(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let whole = pair.clone();
        let mut pairs = pair.into_inner();
        // The concatenation so far and the `||` waiting for the sum being built.
        let mut joined: Option<(Expr, Span)> = None;
        // The sum so far and the `+` or `-` waiting for the product being built.
        let mut pending: Option<(Expr, BinaryOp, Span)> = None;
        let mut product = self.term(&mut pairs, &whole)?;
        let finish_sum = |pending: Option<(Expr, BinaryOp, Span)>, product: Expr| match pending {
            Some((lhs, op, op_span)) => binary(op, op_span, lhs, product),
            None => product,
        };
        while let Some(op) = pairs.next() {
            let op_span = self.span(&op);
            let op = match op.as_str() {
                "+" => BinaryOp::Add,
                "-" => BinaryOp::Sub,
                "*" => BinaryOp::Mul,
                "/" => BinaryOp::Div,
                "%" => BinaryOp::Rem,
                "||" => BinaryOp::Concat,
                _ => return Err(self.malformed(op_span, "arithmetic operator")),
            };
            let rhs = self.term(&mut pairs, &whole)?;
            match op {
                BinaryOp::Concat => {
                    let sum = finish_sum(pending.take(), product);
                    let lhs = match joined.take() {
                        Some((lhs, span)) => binary(BinaryOp::Concat, span, lhs, sum),
                        None => sum,
                    };
                    joined = Some((lhs, op_span));
                    product = rhs;
                }
                BinaryOp::Add | BinaryOp::Sub => {
                    let sum = finish_sum(pending.take(), product);
                    pending = Some((sum, op, op_span));
                    product = rhs;
                }
                _ => product = binary(op, op_span, product, rhs),
            }
        }
        let sum = finish_sum(pending, product);
        Ok(match joined {
            Some((lhs, op_span)) => binary(BinaryOp::Concat, op_span, lhs, sum),
            None => sum,
        })
    }

    /// One term of a `sum`: unary `-`s and the operand they negate.
    fn term(&mut self, pairs: &mut Pairs<'_, Rule>, whole: &Pair<'_, Rule>) -> Built<Expr> {
        let (negs, operand) = self.prefixed(pairs, whole, Rule::neg_op)?;
        let operand = self.expr(operand)?;
        Ok(unary(UnaryOp::Neg, negs, operand))
    }

    pub(super) fn paren(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let inner = self.next(&mut pair.into_inner(), span, "expression in parentheses")?;
        let inner = self.expr(inner)?;
        Ok(Expr {
            span,
            kind: ExprKind::Paren(Box::new(inner)),
        })
    }

    pub(super) fn if_expr(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let mut parts = Vec::with_capacity(3);
        for p in pair.into_inner() {
            if p.as_rule() == Rule::expr {
                parts.push(self.expr(p)?);
            }
        }
        let mut parts = parts.into_iter();
        let (Some(condition), Some(then), Some(otherwise)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(self.malformed(span, "if branches"));
        };
        Ok(Expr {
            span,
            kind: ExprKind::If {
                condition: Box::new(condition),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            },
        })
    }

    pub(super) fn list(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        Ok(Expr {
            span,
            kind: ExprKind::List(self.list_items(pair)?),
        })
    }

    pub(super) fn list_items(&mut self, pair: Pair<'_, Rule>) -> Built<Vec<Expr>> {
        pair.into_inner().map(|p| self.expr(p)).collect()
    }

    pub(super) fn call(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let function = self.next(&mut inner, span, "function name")?;
        let function = self.ident(function);
        let mut args = Vec::new();
        let mut descending = Vec::new();
        let mut order_by = None;
        let mut filter = None;
        let mut ties = None;
        let mut future = None;
        for p in inner {
            match p.as_rule() {
                Rule::including_future => future = Some(self.span(&p)),
                Rule::by_clause => order_by = Some(Box::new(self.clause(p)?)),
                Rule::ties_clause => ties = Some(self.ties(p)?),
                Rule::where_clause => filter = Some(Box::new(self.clause(p)?)),
                Rule::sort_order => {
                    if let Some(last) = descending.last_mut() {
                        *last = Some(p.as_str().trim() == "desc");
                    }
                }
                _ => {
                    args.push(self.expr(p)?);
                    descending.push(None);
                }
            }
        }
        Ok(Expr {
            span,
            kind: ExprKind::Call {
                function,
                args,
                descending,
                order_by,
                filter,
                ties,
                future,
            },
        })
    }

    /// `ties by NAME [asc|desc]`.
    fn ties(&mut self, pair: Pair<'_, Rule>) -> Built<Ties> {
        let span = self.span(&pair);
        let mut by = None;
        let mut descending = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => by = Some(self.ident(p)),
                Rule::sort_order => descending = Some(p.as_str().trim() == "desc"),
                _ => {}
            }
        }
        let Some(by) = by else {
            return Err(self.malformed(span, "name after ties by"));
        };
        Ok(Ties {
            by,
            descending,
            span,
        })
    }

    /// `by_clause` and `where_clause`: a keyword and an expression.
    pub(super) fn clause(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        match pair.into_inner().find(|p| p.as_rule() == Rule::expr) {
            Some(e) => self.expr(e),
            None => Err(self.malformed(span, "clause expression")),
        }
    }

    pub(super) fn name(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let parts = pair.into_inner().map(|p| self.ident(p)).collect();
        Ok(Expr {
            span,
            kind: ExprKind::Name(parts),
        })
    }

    // ----- literals and names

    pub(super) fn literal(&mut self, pair: Pair<'_, Rule>) -> Built<Literal> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::number => self.number(pair.as_str(), span)?,
            Rule::percent => {
                let text = literals::digits(pair.as_str().trim_end_matches('%'));
                let value = self.float(&text, span)?;
                LiteralKind::Percent { value, text }
            }
            Rule::duration => self.duration(pair)?,
            Rule::string => LiteralKind::String(self.string(pair)?.value),
            Rule::bool_lit | Rule::kw_true | Rule::kw_false => {
                LiteralKind::Bool(pair.as_str().trim() == "true")
            }
            Rule::null_lit => LiteralKind::Null,
            Rule::date_lit => self.date(pair.as_str(), span)?,
            _ => return Err(self.malformed(span, "literal")),
        };
        Ok(Literal { kind, span })
    }

    pub(super) fn number(&mut self, text: &str, span: Span) -> Built<LiteralKind> {
        let digits = literals::digits(text);
        if digits.contains('.') {
            let value = self.float(&digits, span)?;
            return Ok(LiteralKind::Float {
                value,
                text: digits,
            });
        }
        match digits.parse::<i64>() {
            Ok(v) => Ok(LiteralKind::Int(v)),
            Err(_) => Err(
                self.report(Diagnostic::Syntax(SyntaxDiagnostic::NumberTooLarge {
                    span,
                })),
            ),
        }
    }

    pub(super) fn float(&mut self, digits: &str, span: Span) -> Built<f64> {
        match digits.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(
                self.report(Diagnostic::Syntax(SyntaxDiagnostic::NumberTooLarge {
                    span,
                })),
            ),
        }
    }

    pub(super) fn duration(&mut self, pair: Pair<'_, Rule>) -> Built<LiteralKind> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let amount = self.next(&mut inner, span, "duration amount")?;
        let amount_text = literals::digits(amount.as_str());
        let amount = self.float(&amount_text, span)?;
        let unit = self.next(&mut inner, span, "duration unit")?;
        let unit = self.ident(unit);
        Ok(LiteralKind::Duration {
            amount,
            amount_text,
            unit,
        })
    }

    pub(super) fn date(&mut self, text: &str, span: Span) -> Built<LiteralKind> {
        match literals::parse_date(text.trim_start_matches('@')) {
            Some(DateValue::Date(d)) => Ok(LiteralKind::Date(d)),
            Some(DateValue::Timestamp(t)) => Ok(LiteralKind::Timestamp(t)),
            None => Err(
                self.report(Diagnostic::Syntax(SyntaxDiagnostic::InvalidDate {
                    span,
                    text: text.to_string(),
                })),
            ),
        }
    }

    pub(super) fn string(&mut self, pair: Pair<'_, Rule>) -> Built<StringLit> {
        let span = self.span(&pair);
        match literals::unescape(pair.as_str()) {
            Ok(value) => Ok(StringLit { value, span }),
            Err(range) => {
                let start = span.start as usize + range.start;
                let end = span.start as usize + range.end;
                let escape = pair.as_str().get(range).unwrap_or("\\").to_string();
                Err(
                    self.report(Diagnostic::Syntax(SyntaxDiagnostic::InvalidEscape {
                        span: Span::new(start, end),
                        escape,
                    })),
                )
            }
        }
    }

    pub(super) fn ident(&mut self, pair: Pair<'_, Rule>) -> Ident {
        let span = self.span(&pair);
        let text = pair.as_str();
        let name = text
            .strip_prefix('`')
            .and_then(|t| t.strip_suffix('`'))
            .unwrap_or(text);
        Ident {
            name: name.to_string(),
            span,
        }
    }
}

/// The operator of a `compare_op` pair.
pub(in crate::syntax) fn comparison(text: &str) -> BinaryOp {
    match text {
        "==" => BinaryOp::Eq,
        "!=" => BinaryOp::NotEq,
        "<" => BinaryOp::Lt,
        "<=" => BinaryOp::LtEq,
        ">" => BinaryOp::Gt,
        _ => BinaryOp::GtEq,
    }
}

/// `operands[0] op operands[1] op ...` as a balanced tree (one operator kind per chain).
pub(in crate::syntax) fn balanced(operands: Vec<Expr>, operators: &[(BinaryOp, Span)]) -> Expr {
    let count = operands.len();
    let mut operands = operands.into_iter();
    balanced_from(&mut operands, count, operators)
}

/// The balanced tree of the next `count` operands of `operands` (`count - 1` operators), taken
/// in order from the iterator: the halves split at the same places as `split_off` would, without
/// a vector per split (every segment's condition goes through here).
fn balanced_from(
    operands: &mut std::vec::IntoIter<Expr>,
    count: usize,
    operators: &[(BinaryOp, Span)],
) -> Expr {
    let middle = count / 2;
    match operators.get(middle.wrapping_sub(1)) {
        Some(&(op, op_span)) if count > 1 => {
            let lhs = balanced_from(operands, middle, &operators[..middle - 1]);
            let rhs = balanced_from(operands, count - middle, &operators[middle..]);
            binary(op, op_span, lhs, rhs)
        }
        // Never empty: the builder gives at least one operand per operator.
        _ => operands.next().unwrap_or_else(|| Expr {
            span: Span::new(0, 0),
            kind: ExprKind::List(Vec::new()),
        }),
    }
}

/// `operand` under the prefix operators `op` written at `op_spans` (the last one applies first).
pub(in crate::syntax) fn unary(op: UnaryOp, op_spans: Vec<Span>, operand: Expr) -> Expr {
    op_spans
        .into_iter()
        .rev()
        .fold(operand, |operand, op_span| Expr {
            span: op_span.to(operand.span),
            kind: ExprKind::Unary {
                op,
                op_span,
                operand: Box::new(operand),
            },
        })
}

/// `lhs op rhs`, spanning both.
pub(in crate::syntax) fn binary(op: BinaryOp, op_span: Span, lhs: Expr, rhs: Expr) -> Expr {
    Expr {
        span: lhs.span.to(rhs.span),
        kind: ExprKind::Binary {
            op,
            op_span,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
    }
}
