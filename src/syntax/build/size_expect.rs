//! Building the `expect` clauses of segments and tier arms (their size) from pest pairs.

use pest::iterators::Pair;

use super::super::parser::Rule;
use super::expr::comparison;
use super::{Builder, Built};
use crate::ast::*;

impl Builder<'_> {
    /// `size_expect`: `expect members|size RANGE [of SEGMENT] [else error]`.
    pub(super) fn size_expect(&mut self, pair: Pair<'_, Rule>) -> Built<SizeExpectation> {
        let span = self.span(&pair);
        let (mut measure, mut bound, mut of, mut error) = (None, None, None, None);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::size_measure => {
                    let word = if p.as_str() == "members" {
                        SizeMeasure::Members
                    } else {
                        SizeMeasure::Size
                    };
                    measure = Some((word, self.span(&p)));
                }
                Rule::size_bound => bound = Some(self.size_bound(p)?),
                Rule::size_between => bound = Some(self.size_between(p)?),
                Rule::size_of => {
                    let of_span = self.span(&p);
                    match p.into_inner().find(|p| p.as_rule() == Rule::ident) {
                        Some(name) => of = Some(self.ident(name)),
                        None => return Err(self.malformed(of_span, "segment name")),
                    }
                }
                Rule::size_error => error = Some(self.span(&p)),
                _ => {}
            }
        }
        let (Some((measure, measure_span)), Some(bound)) = (measure, bound) else {
            return Err(self.malformed(span, "expected size"));
        };
        Ok(SizeExpectation {
            measure,
            measure_span,
            bound,
            of,
            error,
            span,
        })
    }

    /// `size_bound`: a comparison and an amount.
    fn size_bound(&mut self, pair: Pair<'_, Rule>) -> Built<SizeBound> {
        let span = self.span(&pair);
        let (mut op, mut amount) = (None, None);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::compare_op => op = Some((comparison(p.as_str()), self.span(&p))),
                Rule::size_amount => amount = Some(self.kpi_number(p)?),
                _ => {}
            }
        }
        let (Some((op, op_span)), Some(amount)) = (op, amount) else {
            return Err(self.malformed(span, "size bound"));
        };
        Ok(SizeBound::Compare {
            op,
            op_span,
            amount,
        })
    }

    /// `size_between`: `between LOW and HIGH`.
    fn size_between(&mut self, pair: Pair<'_, Rule>) -> Built<SizeBound> {
        let span = self.span(&pair);
        let mut amounts = Vec::with_capacity(2);
        for p in pair.into_inner() {
            if p.as_rule() == Rule::size_amount {
                amounts.push(self.kpi_number(p)?);
            }
        }
        let mut amounts = amounts.into_iter();
        let (Some(low), Some(high)) = (amounts.next(), amounts.next()) else {
            return Err(self.malformed(span, "size bounds"));
        };
        Ok(SizeBound::Between { low, high })
    }
}
