//! Text building as DataFusion string functions: `||`, `concat`, `to_text`, `lpad`, `left`,
//! `substring`. Values that are not strings are cast to text first (`to_text`'s writing:
//! `12`, `2.5`, `12.50` for a `decimal(p, 2)`, `2026-11-01`, `2026-11-01T08:30:00`, `true`).

use datafusion::arrow::datatypes::DataType;
use datafusion::functions::expr_fn as f;
use datafusion::logical_expr::{Expr, Operator, binary_expr, cast};

use super::{Lowered, Lowerer};
use crate::hir::{self, Builtin};
use crate::types::Type;

impl Lowerer<'_> {
    /// `e` as a string.
    fn text(&self, e: &hir::Expr) -> Lowered {
        let lowered = self.lower(e)?;
        Ok(match e.ty {
            Type::String => lowered,
            _ => cast(lowered, DataType::Utf8),
        })
    }

    /// `lhs || rhs`: null when either is.
    pub(super) fn concat_operator(&self, lhs: &hir::Expr, rhs: &hir::Expr) -> Lowered {
        Ok(binary_expr(
            self.text(lhs)?,
            Operator::StringConcat,
            self.text(rhs)?,
        ))
    }

    /// A call of a text-building function.
    pub(super) fn text_call(
        &self,
        e: &hir::Expr,
        function: Builtin,
        args: &[hir::Expr],
    ) -> Lowered {
        let arg = |i: usize| -> Lowered {
            match args.get(i) {
                Some(a) => self.lower(a),
                None => Err(self.internal(e, "missing argument")),
            }
        };
        let text = |i: usize| -> Lowered {
            match args.get(i) {
                Some(a) => self.text(a),
                None => Err(self.internal(e, "missing argument")),
            }
        };
        let rest = |from: usize| -> Result<Vec<Expr>, _> { (from..args.len()).map(arg).collect() };
        Ok(match function {
            Builtin::ToText => text(0)?,
            Builtin::Concat => f::concat((0..args.len()).map(text).collect::<Result<Vec<_>, _>>()?),
            Builtin::Lpad => {
                let mut all = vec![text(0)?];
                all.extend(rest(1)?);
                f::lpad(all)
            }
            Builtin::Left => f::left(text(0)?, arg(1)?),
            Builtin::Substring => match args.len() {
                2 => f::substr(text(0)?, arg(1)?),
                _ => f::substring(text(0)?, arg(1)?, arg(2)?),
            },
            _ => return Err(self.internal(e, "not a text function")),
        })
    }
}
