//! Building expressions and literals from pest pairs, one function per grammar rule.

use pest::iterators::Pair;

use super::super::literals::{self, DateValue};
use super::super::parser::Rule;
use super::{Builder, Built, Stop};
use crate::ast::*;
use crate::diagnostics::Diagnostic;
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
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => {
                let inner = self.next(&mut pair.into_inner(), span, "expression")?;
                self.expr(inner)
            }
            Rule::or_expr | Rule::and_expr => self.logic_chain(pair),
            Rule::not_expr => self.not_expr(pair),
            Rule::compare => self.compare(pair),
            Rule::sum | Rule::product => self.arithmetic_chain(pair),
            Rule::unary => self.unary(pair),
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

    /// `or_expr` and `and_expr`: operands separated by `or` / `and` keywords. The operators are
    /// associative, so long chains are built as balanced trees to keep later stages shallow.
    pub(super) fn logic_chain(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let mut operands = Vec::new();
        let mut operators = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_or => operators.push((BinaryOp::Or, self.span(&p))),
                Rule::kw_and => operators.push((BinaryOp::And, self.span(&p))),
                _ => operands.push(self.expr(p)?),
            }
        }
        if operands.len() != operators.len() + 1 {
            return Err(self.malformed(span, "operand"));
        }
        Ok(balanced(operands, &operators))
    }

    pub(super) fn not_expr(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let first = self.next(&mut inner, span, "operand")?;
        if first.as_rule() != Rule::kw_not {
            return self.expr(first);
        }
        let op_span = self.span(&first);
        let operand = self.next(&mut inner, span, "operand of not")?;
        let operand = self.expr(operand)?;
        Ok(Expr {
            span,
            kind: ExprKind::Unary {
                op: UnaryOp::Not,
                op_span,
                operand: Box::new(operand),
            },
        })
    }

    pub(super) fn compare(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let lhs = self.next(&mut inner, span, "operand")?;
        let lhs = self.expr(lhs)?;
        let Some(tail) = inner.next() else {
            return Ok(lhs);
        };
        match tail.as_rule() {
            Rule::compare_op => {
                let op_span = self.span(&tail);
                let op = comparison(tail.as_str());
                let rhs = self.next(&mut inner, span, "right operand")?;
                let rhs = self.expr(rhs)?;
                Ok(binary(op, op_span, lhs, rhs))
            }
            Rule::in_tail => self.in_tail(tail, lhs, span),
            Rule::between_tail => self.between_tail(tail, lhs, span),
            Rule::is_null_tail => {
                let negated = tail.into_inner().any(|p| p.as_rule() == Rule::kw_not);
                Ok(Expr {
                    span,
                    kind: ExprKind::IsNull {
                        value: Box::new(lhs),
                        negated,
                    },
                })
            }
            _ => Err(self.malformed(span, "comparison")),
        }
    }

    pub(super) fn in_tail(&mut self, tail: Pair<'_, Rule>, value: Expr, span: Span) -> Built<Expr> {
        let mut negated = false;
        let mut list = None;
        for p in tail.into_inner() {
            match p.as_rule() {
                Rule::kw_not => negated = true,
                Rule::list => list = Some(self.list_items(p)?),
                _ => {}
            }
        }
        let Some(list) = list else {
            return Err(self.malformed(span, "list after in"));
        };
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

    /// `sum` and `product`: operands separated by operator pairs, left-associative.
    pub(super) fn arithmetic_chain(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let first = self.next(&mut inner, span, "operand")?;
        let mut acc = self.expr(first)?;
        while let Some(op) = inner.next() {
            let op_span = self.span(&op);
            let op = match op.as_str() {
                "+" => BinaryOp::Add,
                "-" => BinaryOp::Sub,
                "*" => BinaryOp::Mul,
                "/" => BinaryOp::Div,
                _ => BinaryOp::Rem,
            };
            let rhs = self.next(&mut inner, span, "operand")?;
            let rhs = self.expr(rhs)?;
            acc = binary(op, op_span, acc, rhs);
        }
        Ok(acc)
    }

    pub(super) fn unary(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let parts: Vec<Pair<'_, Rule>> = pair.into_inner().collect();
        let mut parts = parts.into_iter().rev();
        let operand = match parts.next() {
            Some(p) => p,
            None => return Err(self.malformed(span, "operand")),
        };
        let mut acc = self.expr(operand)?;
        for neg in parts {
            let op_span = self.span(&neg);
            acc = Expr {
                span: op_span.to(acc.span),
                kind: ExprKind::Unary {
                    op: UnaryOp::Neg,
                    op_span,
                    operand: Box::new(acc),
                },
            };
        }
        Ok(acc)
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
        for p in inner {
            match p.as_rule() {
                Rule::by_clause => order_by = Some(Box::new(self.clause(p)?)),
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
            },
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
            Err(_) => Err(self.report(Diagnostic::NumberTooLarge { span })),
        }
    }

    pub(super) fn float(&mut self, digits: &str, span: Span) -> Built<f64> {
        match digits.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.report(Diagnostic::NumberTooLarge { span })),
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
            None => Err(self.report(Diagnostic::InvalidDate {
                span,
                text: text.to_string(),
            })),
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
                Err(self.report(Diagnostic::InvalidEscape {
                    span: Span::new(start, end),
                    escape,
                }))
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
pub(super) fn comparison(text: &str) -> BinaryOp {
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
fn balanced(mut operands: Vec<Expr>, operators: &[(BinaryOp, Span)]) -> Expr {
    if operands.len() == 1
        && let Some(only) = operands.pop()
    {
        return only;
    }
    let middle = operands.len() / 2;
    let right = operands.split_off(middle);
    let (op, op_span) = operators[middle - 1];
    let lhs = balanced(operands, &operators[..middle - 1]);
    let rhs = balanced(right, &operators[middle..]);
    binary(op, op_span, lhs, rhs)
}

fn binary(op: BinaryOp, op_span: Span, lhs: Expr, rhs: Expr) -> Expr {
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
