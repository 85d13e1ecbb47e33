//! Expressions, literals and types as documents.
//!
//! The places an expression breaks, outermost first: a chain of `and` (or `or`) puts one operand
//! per line, each after the first starting with its operator; a list puts one element per line
//! (with a trailing comma); a call puts its arguments, `by` and `where` on their own lines; an
//! `if ... else if ... else` chain puts each arm on its own line; a sum or a product puts one
//! term per line; parentheses put their content on its own lines. Comments between the elements
//! of these stay at their place (the elements' groups broken); a comment anywhere else inside an
//! expression makes its item keep its text as written.

use crate::ast::{BinaryOp, Expr, ExprKind, Literal, LiteralKind, TypeExpr, UnaryOp};
use crate::span::Span;

use super::comments::Comments;
use super::doc::{Doc, assign, concat, group, indent, text};

/// Builds the documents of one source text's expressions.
pub(super) struct Builder<'a> {
    pub(super) source: &'a str,
    pub(super) comments: &'a Comments<'a>,
}

/// How the elements of a sequence are separated.
#[derive(Clone, Copy)]
enum Separator {
    /// `a, b` on one line; one element per line when broken.
    Comma,
    /// `a and b` on one line; `and b` on the next line when broken.
    Operator(&'static str),
}

impl<'a> Builder<'a> {
    /// `head` followed by `e`: on one line when it fits; else `e` on the next line, indented;
    /// else a call or a list broken after the head, anything else broken on the next lines.
    pub(super) fn after(&self, head: String, e: &Expr) -> Doc {
        assign(text(head), self.expr(e), hugged(e))
    }

    pub(super) fn expr(&self, e: &Expr) -> Doc {
        match &e.kind {
            ExprKind::Literal(l) => text(self.literal(l)),
            ExprKind::Name(parts) => text(
                parts
                    .iter()
                    .map(|p| p.span.text(self.source))
                    .collect::<Vec<_>>()
                    .join("."),
            ),
            ExprKind::Paren(inner) => group(concat(vec![
                text("("),
                indent(concat(vec![Doc::SoftLine, self.expr(inner)])),
                Doc::SoftLine,
                text(")"),
            ])),
            ExprKind::Unary { op, operand, .. } => {
                let sign = match op {
                    UnaryOp::Not => "not ",
                    UnaryOp::Neg => "-",
                };
                concat(vec![text(sign), self.expr(operand)])
            }
            ExprKind::Binary { op, lhs, rhs, .. } => self.binary(e, *op, lhs, rhs),
            ExprKind::InList {
                value,
                list,
                negated,
            } => {
                let word = if *negated { " not in " } else { " in " };
                concat(vec![self.expr(value), text(word), self.expr(list)])
            }
            ExprKind::List(items) => {
                self.list(items, e.span.start as usize + 1, e.span.end as usize)
            }
            ExprKind::Between {
                value,
                low,
                high,
                negated,
            } => concat(vec![
                self.expr(value),
                text(if *negated {
                    " not between "
                } else {
                    " between "
                }),
                self.expr(low),
                text(" and "),
                self.expr(high),
            ]),
            ExprKind::IsNull { value, negated } => concat(vec![
                self.expr(value),
                text(if *negated { " is not null" } else { " is null" }),
            ]),
            ExprKind::If { .. } => self.if_chain(e),
            ExprKind::Call { .. } => self.call(e),
        }
    }

    /// Parentheses are `Paren` nodes, printed as written; without them the parser's tree
    /// prints back to the same tree (`and`/`or` chains are associative, the others are built
    /// leaning left, which the chains below keep).
    fn binary(&self, e: &Expr, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Doc {
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            let mut operands = Vec::new();
            logical_operands(e, op, &mut operands);
            let elements: Vec<(Span, Doc)> = operands
                .iter()
                .map(|x| (x.span, self.operand(x, op)))
                .collect();
            let end = e.span.end as usize;
            let start = e.span.start as usize;
            return group(self.sequence(start, elements, end, Separator::Operator(op.symbol())));
        }
        if op.is_comparison() {
            return concat(vec![
                self.expr(lhs),
                text(format!(" {} ", op.symbol())),
                self.expr(rhs),
            ]);
        }
        // A sum or a product: one term per line when broken, the operators leading.
        let mut terms = Vec::new();
        let mut first = e;
        while let ExprKind::Binary {
            op: o, lhs, rhs, ..
        } = &first.kind
            && level(*o) == level(op)
        {
            terms.push((*o, rhs.as_ref()));
            first = lhs;
        }
        let mut parts = vec![self.term(first, op)];
        for (o, term) in terms.iter().rev() {
            parts.push(Doc::Line);
            parts.push(text(format!("{} ", o.symbol())));
            parts.push(self.term(term, op));
        }
        group(concat(parts))
    }

    /// A term of a sum or a product: a product inside a sum is indented when broken.
    fn term(&self, x: &Expr, op: BinaryOp) -> Doc {
        match &x.kind {
            ExprKind::Binary { op: inner, .. } if level(*inner) > level(op) => indent(self.expr(x)),
            _ => self.expr(x),
        }
    }

    /// An operand of an `and` / `or` chain: a chain of the other operator inside it is indented.
    fn operand(&self, x: &Expr, op: BinaryOp) -> Doc {
        match &x.kind {
            ExprKind::Binary { op: inner, .. }
                if *inner != op && matches!(inner, BinaryOp::And | BinaryOp::Or) =>
            {
                indent(self.expr(x))
            }
            _ => self.expr(x),
        }
    }

    /// `if a then x else if b then y else z`: the arms on one line, else one arm per line.
    fn if_chain(&self, e: &Expr) -> Doc {
        let mut elements = Vec::new();
        let mut current = e;
        let mut prefix = "if ";
        while let ExprKind::If {
            condition,
            then,
            otherwise,
        } = &current.kind
        {
            let arm = group(concat(vec![
                text(prefix),
                indent(self.expr(condition)),
                Doc::Line,
                text("then "),
                self.value(then),
            ]));
            elements.push((
                Span::new(condition.span.start as usize, then.span.end as usize),
                arm,
            ));
            prefix = "else if ";
            current = otherwise;
        }
        let last = concat(vec![text("else "), self.value(current)]);
        elements.push((current.span, last));
        let start = e.span.start as usize;
        group(self.sequence(
            start,
            elements,
            e.span.end as usize,
            Separator::Operator(""),
        ))
    }

    /// The value of an arm: when broken, an `and` chain or a sum goes on under `then`, not at
    /// the arms' level; brackets close at the arm's level.
    fn value(&self, x: &Expr) -> Doc {
        if hugged(x) {
            self.expr(x)
        } else {
            indent(self.expr(x))
        }
    }

    /// `f(a, b by c where d)`: one line, else the arguments and clauses one per line.
    fn call(&self, e: &Expr) -> Doc {
        let ExprKind::Call {
            function,
            args,
            descending,
            order_by,
            filter,
            ties,
            future,
        } = &e.kind
        else {
            return text(e.span.text(self.source));
        };
        let mut elements: Vec<(Span, Doc)> = args
            .iter()
            .zip(descending)
            .map(|(a, d)| {
                let order = match d {
                    Some(true) => " desc",
                    Some(false) => " asc",
                    None => "",
                };
                (a.span, concat(vec![self.expr(a), text(order)]))
            })
            .collect();
        if let Some(ties) = ties {
            let order = match ties.descending {
                Some(true) => " desc",
                Some(false) => " asc",
                None => "",
            };
            let by = ties.by.span.text(self.source);
            elements.push((ties.span, text(format!("ties by {by}{order}"))));
            // Where it was written among the arguments (usually last).
            elements.sort_by_key(|(span, _)| span.start);
        }
        let arguments = elements.len();
        let last_element = elements.last().map(|(span, _)| span.end as usize);
        let open = function.span.end as usize;
        let close = (e.span.end as usize).saturating_sub(1);
        // `by` and `where` after the arguments, each on its own line when broken.
        let clauses: Vec<(&str, &Expr)> = [("by ", order_by), ("where ", filter)]
            .into_iter()
            .filter_map(|(word, x)| x.as_deref().map(|x| (word, x)))
            .collect();
        let mut inner = vec![Doc::SoftLine];
        if !elements.is_empty() {
            let end = clauses
                .first()
                .map_or(close, |(_, x)| x.span.start as usize);
            inner.push(self.sequence(open, std::mem::take(&mut elements), end, Separator::Comma));
        }
        for (i, (word, x)) in clauses.iter().enumerate() {
            let previous = arguments > 0 || i > 0;
            let from = if i > 0 {
                clauses[i - 1].1.span.end as usize
            } else {
                last_element.unwrap_or(open)
            };
            let gap = self.comments.gap(from, x.span.start as usize, previous);
            if previous {
                inner.push(gap.trailing_doc());
                inner.push(Doc::Line);
            }
            inner.push(gap.leading_doc());
            inner.push(text(*word));
            inner.push(indent(self.expr(x)));
        }
        let mut last = clauses.last().map(|(_, x)| x.span.end as usize);
        if let Some(words) = future {
            if arguments > 0 || !clauses.is_empty() {
                inner.push(Doc::Line);
            }
            inner.push(text("including future"));
            last = Some(words.end as usize);
        }
        if let Some(last) = last {
            inner.push(self.closing(last, close, true));
        }
        group(concat(vec![
            text(format!("{}(", function.span.text(self.source))),
            indent(concat(inner)),
            Doc::SoftLine,
            text(")"),
        ]))
    }

    /// `[a, b]`, its elements after `open` and before `end` (just past `]`).
    fn list(&self, items: &[Expr], open: usize, end: usize) -> Doc {
        let close = end.saturating_sub(1);
        if items.is_empty() && !self.comments.any_in(open, close) {
            return text("[]");
        }
        let elements = items.iter().map(|x| (x.span, self.expr(x))).collect();
        // `[,]` does not parse: no trailing comma without elements.
        let comma = if items.is_empty() { "" } else { "," };
        group(concat(vec![
            text("["),
            indent(concat(vec![
                Doc::SoftLine,
                self.sequence(open, elements, close, Separator::Comma),
                Doc::IfBroken(comma),
            ])),
            Doc::SoftLine,
            text("]"),
        ]))
    }

    /// Elements separated by commas, with the comments between them (see `sequence`).
    pub(super) fn sequence_of(&self, open: usize, elements: Vec<(Span, Doc)>, close: usize) -> Doc {
        self.sequence(open, elements, close, Separator::Comma)
    }

    /// Elements with their separators and the comments between them, from `open` (the end
    /// of what comes before the first) to `close` (the start of what comes after the last).
    fn sequence(
        &self,
        open: usize,
        elements: Vec<(Span, Doc)>,
        close: usize,
        separator: Separator,
    ) -> Doc {
        let mut parts = Vec::new();
        let mut from = open;
        for (i, (span, doc)) in elements.into_iter().enumerate() {
            let gap = self.comments.gap(from, span.start as usize, i > 0);
            if i > 0 {
                if let Separator::Comma = separator {
                    parts.push(text(","));
                }
                parts.push(gap.trailing_doc());
                parts.push(Doc::Line);
            }
            parts.push(gap.leading_doc());
            if let (Separator::Operator(word), true) = (separator, i > 0)
                && !word.is_empty()
            {
                parts.push(text(format!("{word} ")));
            }
            parts.push(doc);
            from = span.end as usize;
        }
        parts.push(self.closing(from, close.max(from), from != open));
        concat(parts)
    }

    /// The comments after the last element of a sequence and before its end: the one on the
    /// element's line at its end, the others on their own lines.
    fn closing(&self, from: usize, to: usize, after_element: bool) -> Doc {
        let gap = self.comments.gap(from, to, after_element);
        let mut parts = vec![gap.trailing_doc()];
        for (i, c) in gap.leading.iter().enumerate() {
            // Without an element, the first comment starts the line the opening bracket broke.
            if after_element || i > 0 {
                parts.push(Doc::HardLine);
            }
            parts.push(text(c.clone()));
            // Nothing may follow a comment on its line: its group is broken.
            parts.push(Doc::LineSuffix(String::new()));
        }
        concat(parts)
    }

    /// A literal as written, with single spaces inside durations.
    pub(super) fn literal(&self, l: &Literal) -> String {
        match &l.kind {
            LiteralKind::Duration {
                amount_text, unit, ..
            } => {
                let amount = l.span.text(self.source);
                let amount = amount
                    .split(|c: char| c.is_whitespace() || c.is_ascii_alphabetic())
                    .next()
                    .filter(|a| !a.is_empty())
                    .unwrap_or(amount_text);
                format!("{amount} {}", unit.span.text(self.source))
            }
            _ => l.span.text(self.source).to_string(),
        }
    }

    /// A column type (`list<T>` with its item type), with `, ` between arguments, one per line
    /// when they do not fit.
    pub(super) fn type_expr(&self, t: &TypeExpr) -> Doc {
        let mut parts = vec![text(t.name.span.text(self.source))];
        if let Some(element) = &t.element {
            parts.push(text("<"));
            parts.push(self.type_expr(element));
            parts.push(text(">"));
        }
        match &t.args {
            None => {}
            Some(args) if args.is_empty() => parts.push(text("()")),
            Some(args) => {
                let mut inner = vec![Doc::SoftLine];
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        inner.push(text(","));
                        inner.push(Doc::Line);
                    }
                    inner.push(text(self.literal(a)));
                }
                inner.push(Doc::IfBroken(","));
                parts.push(group(concat(vec![
                    text("("),
                    indent(concat(inner)),
                    Doc::SoftLine,
                    text(")"),
                ])));
            }
        }
        concat(parts)
    }
}

/// The operands of a chain of one logical operator, left to right.
fn logical_operands<'e>(e: &'e Expr, op: BinaryOp, out: &mut Vec<&'e Expr>) {
    // Without recursion on the chain: `and`/`or` chains are balanced trees, but long ones.
    let mut stack = vec![e];
    while let Some(x) = stack.pop() {
        match &x.kind {
            ExprKind::Binary {
                op: inner,
                lhs,
                rhs,
                ..
            } if *inner == op => {
                stack.push(rhs);
                stack.push(lhs);
            }
            _ => out.push(x),
        }
    }
}

/// The precedence level of an arithmetic operator (sums and products chain separately).
fn level(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Add | BinaryOp::Sub => 1,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 2,
        _ => 0,
    }
}

/// Whether a definition's body stays after its head when broken: brackets open there.
pub(super) fn hugged(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Call { .. } | ExprKind::List(_) | ExprKind::InList { .. } | ExprKind::Paren(_)
    )
}
