//! Printing expressions, literals and types in canonical form.

use crate::ast::{BinaryOp, Expr, ExprKind, Literal, LiteralKind, TypeExpr, UnaryOp};

/// Definitions longer than this are broken after `=`, then at their top-level `and` / `or`.
const WIDTH: usize = 100;

/// Prints the expressions of one source text.
pub(super) struct Printer<'a> {
    source: &'a str,
}

impl<'a> Printer<'a> {
    pub(super) fn new(source: &'a str) -> Self {
        Printer { source }
    }

    /// `head` (ending in `=` or a keyword) followed by `e`: on one line when it fits; else on the
    /// next line, indented; else one line per operand of the top-level `and` / `or`.
    pub(super) fn after(&self, head: &str, e: &Expr) -> String {
        let flat = self.expr(e);
        if head.len() + 1 + flat.len() <= WIDTH {
            return format!("{head} {flat}");
        }
        if 2 + flat.len() <= WIDTH {
            return format!("{head}\n  {flat}");
        }
        match &e.kind {
            ExprKind::Binary { op, .. } if matches!(op, BinaryOp::And | BinaryOp::Or) => {
                let mut operands = Vec::new();
                self.chain(e, *op, &mut operands);
                let word = op.symbol();
                let mut text = format!("{head}\n  {}", operands.remove(0));
                for operand in operands {
                    text.push_str(&format!("\n  {word} {operand}"));
                }
                text
            }
            _ => format!("{head}\n  {flat}"),
        }
    }

    /// The operands of a chain of one logical operator, left to right.
    fn chain(&self, e: &Expr, op: BinaryOp, out: &mut Vec<String>) {
        match &e.kind {
            ExprKind::Binary {
                op: inner,
                lhs,
                rhs,
                ..
            } if *inner == op => {
                self.chain(lhs, op, out);
                self.chain(rhs, op, out);
            }
            _ => out.push(self.expr(e)),
        }
    }

    pub(super) fn expr(&self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Literal(l) => self.literal(l),
            ExprKind::Name(parts) => parts
                .iter()
                .map(|p| p.span.text(self.source))
                .collect::<Vec<_>>()
                .join("."),
            ExprKind::Paren(inner) => format!("({})", self.expr(inner)),
            ExprKind::Unary { op, operand, .. } => match op {
                UnaryOp::Not => format!("not {}", self.expr(operand)),
                UnaryOp::Neg => format!("-{}", self.expr(operand)),
            },
            // Parentheses are `Paren` nodes, printed as written; without them the parser's tree
            // prints back to the same tree (`and`/`or` chains are associative).
            ExprKind::Binary { op, lhs, rhs, .. } => {
                format!("{} {} {}", self.expr(lhs), op.symbol(), self.expr(rhs))
            }
            ExprKind::InList {
                value,
                list,
                negated,
            } => format!(
                "{} {}in [{}]",
                self.expr(value),
                if *negated { "not " } else { "" },
                list.iter()
                    .map(|x| self.expr(x))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ExprKind::Between {
                value,
                low,
                high,
                negated,
            } => format!(
                "{} {}between {} and {}",
                self.expr(value),
                if *negated { "not " } else { "" },
                self.expr(low),
                self.expr(high)
            ),
            ExprKind::IsNull { value, negated } => format!(
                "{} is {}null",
                self.expr(value),
                if *negated { "not " } else { "" }
            ),
            ExprKind::If {
                condition,
                then,
                otherwise,
            } => format!(
                "if {} then {} else {}",
                self.expr(condition),
                self.expr(then),
                self.expr(otherwise)
            ),
            ExprKind::Call {
                function,
                args,
                descending,
                order_by,
                filter,
            } => {
                let mut text = format!("{}(", function.span.text(self.source));
                let args: Vec<String> = args
                    .iter()
                    .zip(descending)
                    .map(|(a, d)| match d {
                        Some(true) => format!("{} desc", self.expr(a)),
                        Some(false) => format!("{} asc", self.expr(a)),
                        None => self.expr(a),
                    })
                    .collect();
                let mut parts = args.join(", ");
                if let Some(o) = order_by {
                    parts.push_str(&format!(" by {}", self.expr(o)));
                }
                if let Some(f) = filter {
                    parts.push_str(&format!(" where {}", self.expr(f)));
                }
                // `count(where x)`: no space after `(` when there is no argument.
                text.push_str(parts.trim_start());
                text.push(')');
                text
            }
            ExprKind::List(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|x| self.expr(x))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
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

    /// A column type, with `, ` between arguments.
    pub(super) fn type_expr(&self, t: &TypeExpr) -> String {
        let element = t
            .element
            .as_ref()
            .map_or_else(String::new, |e| format!("<{}>", self.type_expr(e)));
        let name = t.name.span.text(self.source);
        match &t.args {
            None => format!("{name}{element}"),
            Some(args) => format!(
                "{name}{element}({})",
                args.iter()
                    .map(|a| self.literal(a))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}
