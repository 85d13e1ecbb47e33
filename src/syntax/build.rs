//! Building the AST from pest pairs, one function per grammar rule.
//!
//! The grammar guarantees the shape of the pairs; should it ever not hold, the builder reports an
//! internal diagnostic instead of panicking.

use pest::iterators::{Pair, Pairs};

use super::literals::{self, DateValue};
use super::parser::Rule;
use crate::ast::*;
use crate::diagnostics::Diagnostic;
use crate::span::Span;

/// The building of one item failed; the reason is already in the diagnostics.
pub(crate) struct Stop;

type Built<T> = Result<T, Stop>;

/// Builds AST nodes from the pairs of one chunk, whose text starts at `offset` in the file.
pub(crate) struct Builder<'d> {
    offset: usize,
    diagnostics: &'d mut Vec<Diagnostic>,
}

impl<'d> Builder<'d> {
    /// A builder for a chunk at `offset`, reporting into `diagnostics`.
    pub(crate) fn new(offset: usize, diagnostics: &'d mut Vec<Diagnostic>) -> Self {
        Builder {
            offset,
            diagnostics,
        }
    }

    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let start = pair.as_span().start() + self.offset;
        Span::new(start, start + super::chunks::trimmed_len(pair.as_str()))
    }

    fn report(&mut self, diagnostic: Diagnostic) -> Stop {
        self.diagnostics.push(diagnostic);
        Stop
    }

    /// A pair the grammar promised but is not there.
    fn malformed(&mut self, span: Span, what: &str) -> Stop {
        self.report(Diagnostic::Internal {
            span,
            message: format!("unexpected parse tree: missing {what}"),
        })
    }

    fn next<'i>(
        &mut self,
        pairs: &mut Pairs<'i, Rule>,
        span: Span,
        what: &str,
    ) -> Built<Pair<'i, Rule>> {
        match pairs.next() {
            Some(p) => Ok(p),
            None => Err(self.malformed(span, what)),
        }
    }

    /// `item_chunk`: the one item of a chunk.
    pub(crate) fn item_chunk(&mut self, pair: Pair<'_, Rule>) -> Built<Item> {
        let span = self.span(&pair);
        let item = self.next(&mut pair.into_inner(), span, "item")?;
        let span = self.span(&item);
        let kind = match item.as_rule() {
            Rule::source_decl => ItemKind::Source(self.source_decl(item)?),
            Rule::population_decl => ItemKind::Population(self.population_decl(item)?),
            Rule::let_decl => ItemKind::Let(self.let_decl(item)?),
            Rule::segment_decl => ItemKind::Segment(self.segment_decl(item)?),
            Rule::score_decl => ItemKind::Score(self.score_decl(item)?),
            Rule::tiers_decl => ItemKind::Tiers(self.tiers_decl(item)?),
            Rule::split_decl => ItemKind::Split(self.split_decl(item)?),
            _ => return Err(self.malformed(span, "item kind")),
        };
        Ok(Item { kind, span })
    }

    fn source_decl(&mut self, pair: Pair<'_, Rule>) -> Built<SourceDecl> {
        let span = self.span(&pair);
        let mut inner = pair
            .into_inner()
            .filter(|p| !matches!(p.as_rule(), Rule::kw_source | Rule::kw_from));
        let name = match inner.next() {
            Some(p) => self.ident(p),
            None => return Err(self.malformed(span, "source name")),
        };
        let format = match inner.next() {
            Some(p) => self.ident(p),
            None => return Err(self.malformed(span, "source format")),
        };
        let location = match inner.next() {
            Some(p) => self.string(p)?,
            None => return Err(self.malformed(span, "source location")),
        };
        let mut options = Vec::new();
        let mut columns = Vec::new();
        for p in inner {
            match p.as_rule() {
                Rule::source_options => options = self.source_options(p)?,
                Rule::column_decl => columns.push(self.column_decl(p)?),
                _ => {}
            }
        }
        Ok(SourceDecl {
            name,
            format,
            location,
            options,
            columns,
        })
    }

    fn source_options(&mut self, pair: Pair<'_, Rule>) -> Built<Vec<SourceOption>> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::source_option)
            .map(|p| self.source_option(p))
            .collect()
    }

    fn source_option(&mut self, pair: Pair<'_, Rule>) -> Built<SourceOption> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.next(&mut inner, span, "option name")?;
        let name = self.ident(name);
        let value = self.next(&mut inner, span, "option value")?;
        let value = self.literal(value)?;
        Ok(SourceOption { name, value, span })
    }

    fn column_decl(&mut self, pair: Pair<'_, Rule>) -> Built<ColumnDecl> {
        let span = self.span(&pair);
        let mut is_key = false;
        let mut name = None;
        let mut ty = None;
        let mut nullable = false;
        let mut references = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::key_mark => is_key = true,
                Rule::ident => name = Some(self.ident(p)),
                Rule::type_expr => ty = Some(self.type_expr(p)?),
                Rule::nullable_mark => nullable = true,
                Rule::references => references = Some(self.references(p)?),
                _ => {}
            }
        }
        let (Some(name), Some(ty)) = (name, ty) else {
            return Err(self.malformed(span, "column name or type"));
        };
        Ok(ColumnDecl {
            is_key,
            name,
            ty,
            nullable,
            references,
            span,
        })
    }

    fn references(&mut self, pair: Pair<'_, Rule>) -> Built<Ident> {
        let span = self.span(&pair);
        match pair.into_inner().find(|p| p.as_rule() == Rule::ident) {
            Some(p) => Ok(self.ident(p)),
            None => Err(self.malformed(span, "referenced source")),
        }
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) -> Built<TypeExpr> {
        let span = self.span(&pair);
        let text = pair.as_str();
        let mut inner = pair.into_inner();
        let name = self.next(&mut inner, span, "type name")?;
        let name = self.ident(name);
        let args = if text.contains('(') {
            Some(inner.map(|p| self.literal(p)).collect::<Built<Vec<_>>>()?)
        } else {
            None
        };
        Ok(TypeExpr { name, args, span })
    }

    fn population_decl(&mut self, pair: Pair<'_, Rule>) -> Built<Ident> {
        let span = self.span(&pair);
        match pair.into_inner().find(|p| p.as_rule() == Rule::ident) {
            Some(p) => Ok(self.ident(p)),
            None => Err(self.malformed(span, "population name")),
        }
    }

    fn let_decl(&mut self, pair: Pair<'_, Rule>) -> Built<LetDecl> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().filter(|p| p.as_rule() != Rule::kw_let);
        let name = match inner.next() {
            Some(p) => self.ident(p),
            None => return Err(self.malformed(span, "let name")),
        };
        let value = match inner.next() {
            Some(p) => self.expr(p)?,
            None => return Err(self.malformed(span, "let value")),
        };
        Ok(LetDecl { name, value })
    }

    fn segment_decl(&mut self, pair: Pair<'_, Rule>) -> Built<SegmentDecl> {
        let span = self.span(&pair);
        let mut name = None;
        let mut label = None;
        let mut condition = None;
        let mut holdout = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::string => label = Some(self.string(p)?),
                Rule::expr => condition = Some(self.expr(p)?),
                Rule::holdout => holdout = Some(self.holdout(p)?),
                _ => {}
            }
        }
        let (Some(name), Some(condition)) = (name, condition) else {
            return Err(self.malformed(span, "segment name or condition"));
        };
        Ok(SegmentDecl {
            name,
            label,
            condition,
            holdout,
        })
    }

    fn holdout(&mut self, pair: Pair<'_, Rule>) -> Built<Holdout> {
        let span = self.span(&pair);
        let mut share = None;
        let mut seed = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::percent => share = Some(self.literal(p)?),
                Rule::string => seed = Some(self.string(p)?),
                _ => {}
            }
        }
        let (Some(share), Some(seed)) = (share, seed) else {
            return Err(self.malformed(span, "holdout share or seed"));
        };
        Ok(Holdout { share, seed, span })
    }

    fn split_decl(&mut self, pair: Pair<'_, Rule>) -> Built<SplitDecl> {
        let span = self.span(&pair);
        let mut name = None;
        let mut strings = Vec::new();
        let mut base = None;
        let mut groups = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::string => strings.push(self.string(p)?),
                Rule::expr => base = Some(self.expr(p)?),
                Rule::split_group => groups.push(self.split_group(p)?),
                _ => {}
            }
        }
        // The seed is the last string; a label, if any, comes before it.
        let seed = strings.pop();
        let label = strings.pop();
        let (Some(name), Some(base), Some(seed)) = (name, base, seed) else {
            return Err(self.malformed(span, "split name, members or seed"));
        };
        Ok(SplitDecl {
            name,
            label,
            base,
            groups,
            seed,
        })
    }

    fn split_group(&mut self, pair: Pair<'_, Rule>) -> Built<SplitGroup> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.next(&mut inner, span, "group name")?;
        let name = self.ident(name);
        let share = self.next(&mut inner, span, "group share")?;
        let share = self.literal(share)?;
        Ok(SplitGroup { name, share })
    }

    fn score_decl(&mut self, pair: Pair<'_, Rule>) -> Built<ScoreDecl> {
        let span = self.span(&pair);
        let mut name = None;
        let mut label = None;
        let mut rules = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::string => label = Some(self.string(p)?),
                Rule::score_rule => rules.push(self.score_rule(p)?),
                _ => {}
            }
        }
        let Some(name) = name else {
            return Err(self.malformed(span, "score name"));
        };
        Ok(ScoreDecl { name, label, rules })
    }

    fn score_rule(&mut self, pair: Pair<'_, Rule>) -> Built<ScoreRule> {
        let span = self.span(&pair);
        let mut points = None;
        let mut condition = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::points => {
                    let points_span = self.span(&p);
                    let text = p.as_str();
                    let negative = text.starts_with('-');
                    let kind = self.number(&text[1..], points_span)?;
                    let kind = match (kind, negative) {
                        (LiteralKind::Int(i), true) => LiteralKind::Int(-i),
                        (LiteralKind::Float { value, text }, true) => LiteralKind::Float {
                            value: -value,
                            text: format!("-{text}"),
                        },
                        (kind, false) => kind,
                        (other, true) => other,
                    };
                    points = Some(Literal {
                        kind,
                        span: points_span,
                    });
                }
                Rule::expr => condition = Some(self.expr(p)?),
                _ => {}
            }
        }
        let (Some(points), Some(condition)) = (points, condition) else {
            return Err(self.malformed(span, "score rule"));
        };
        Ok(ScoreRule {
            points,
            condition,
            span,
        })
    }

    fn tiers_decl(&mut self, pair: Pair<'_, Rule>) -> Built<TiersDecl> {
        let span = self.span(&pair);
        let mut name = None;
        let mut label = None;
        let mut arms = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::string => label = Some(self.string(p)?),
                Rule::tier_arm => arms.push(self.tier_arm(p)?),
                _ => {}
            }
        }
        let Some(name) = name else {
            return Err(self.malformed(span, "tiers name"));
        };
        Ok(TiersDecl { name, label, arms })
    }

    fn tier_arm(&mut self, pair: Pair<'_, Rule>) -> Built<TierArm> {
        let span = self.span(&pair);
        let mut name = None;
        let mut condition = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::expr => condition = Some(self.expr(p)?),
                _ => {}
            }
        }
        let Some(name) = name else {
            return Err(self.malformed(span, "tier name"));
        };
        Ok(TierArm {
            name,
            condition,
            span,
        })
    }

    // ----- expressions

    /// Any expression-level pair.
    fn expr(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
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
    fn logic_chain(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
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

    fn not_expr(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
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

    fn compare(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
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
                let op = match tail.as_str() {
                    "==" => BinaryOp::Eq,
                    "!=" => BinaryOp::NotEq,
                    "<" => BinaryOp::Lt,
                    "<=" => BinaryOp::LtEq,
                    ">" => BinaryOp::Gt,
                    _ => BinaryOp::GtEq,
                };
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

    fn in_tail(&mut self, tail: Pair<'_, Rule>, value: Expr, span: Span) -> Built<Expr> {
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

    fn between_tail(&mut self, tail: Pair<'_, Rule>, value: Expr, span: Span) -> Built<Expr> {
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
    fn arithmetic_chain(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
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

    fn unary(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
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

    fn paren(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let inner = self.next(&mut pair.into_inner(), span, "expression in parentheses")?;
        let inner = self.expr(inner)?;
        Ok(Expr {
            span,
            kind: ExprKind::Paren(Box::new(inner)),
        })
    }

    fn if_expr(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
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

    fn list(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        Ok(Expr {
            span,
            kind: ExprKind::List(self.list_items(pair)?),
        })
    }

    fn list_items(&mut self, pair: Pair<'_, Rule>) -> Built<Vec<Expr>> {
        pair.into_inner().map(|p| self.expr(p)).collect()
    }

    fn call(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
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
    fn clause(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        match pair.into_inner().find(|p| p.as_rule() == Rule::expr) {
            Some(e) => self.expr(e),
            None => Err(self.malformed(span, "clause expression")),
        }
    }

    fn name(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let parts = pair.into_inner().map(|p| self.ident(p)).collect();
        Ok(Expr {
            span,
            kind: ExprKind::Name(parts),
        })
    }

    // ----- literals and names

    fn literal(&mut self, pair: Pair<'_, Rule>) -> Built<Literal> {
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

    fn number(&mut self, text: &str, span: Span) -> Built<LiteralKind> {
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

    fn float(&mut self, digits: &str, span: Span) -> Built<f64> {
        match digits.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.report(Diagnostic::NumberTooLarge { span })),
        }
    }

    fn duration(&mut self, pair: Pair<'_, Rule>) -> Built<LiteralKind> {
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

    fn date(&mut self, text: &str, span: Span) -> Built<LiteralKind> {
        match literals::parse_date(text.trim_start_matches('@')) {
            Some(DateValue::Date(d)) => Ok(LiteralKind::Date(d)),
            Some(DateValue::Timestamp(t)) => Ok(LiteralKind::Timestamp(t)),
            None => Err(self.report(Diagnostic::InvalidDate {
                span,
                text: text.to_string(),
            })),
        }
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> Built<StringLit> {
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

    fn ident(&mut self, pair: Pair<'_, Rule>) -> Ident {
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
