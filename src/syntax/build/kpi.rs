//! Building `kpi` items from pest pairs, one function per grammar rule.

use pest::iterators::Pair;

use super::super::literals;
use super::super::parser::Rule;
use super::expr::comparison;
use super::{Builder, Built};
use crate::ast::*;

impl Builder<'_> {
    /// `kpi_decl`: `kpi NAME ["label"] [for ...] { clauses }`.
    pub(super) fn kpi_decl(&mut self, pair: Pair<'_, Rule>) -> Built<KpiDecl> {
        let span = self.span(&pair);
        let mut name = None;
        let mut label = None;
        let mut scope = KpiScope::Population;
        let mut frozen = None;
        let mut clauses = Vec::new();
        for p in pair.into_inner() {
            let clause_span = self.span(&p);
            match p.as_rule() {
                Rule::ident => name = Some(self.ident(p)),
                Rule::string => label = Some(self.string(p)?),
                Rule::kpi_for => (scope, frozen) = self.kpi_for(p)?,
                Rule::kpi_value => clauses.push(KpiClause {
                    kind: KpiClauseKind::Value(self.kpi_value(p)?),
                    span: clause_span,
                }),
                Rule::kpi_target => clauses.push(KpiClause {
                    kind: KpiClauseKind::Target(Box::new(self.kpi_target(p)?)),
                    span: clause_span,
                }),
                Rule::kpi_warn => clauses.push(KpiClause {
                    kind: KpiClauseKind::Warn(self.kpi_threshold(p)?),
                    span: clause_span,
                }),
                Rule::kpi_readout => clauses.push(KpiClause {
                    kind: KpiClauseKind::Readout(self.kpi_readout(p)?),
                    span: clause_span,
                }),
                _ => {}
            }
        }
        let Some(name) = name else {
            return Err(self.malformed(span, "kpi name"));
        };
        Ok(KpiDecl {
            name,
            label,
            scope,
            frozen,
            clauses,
        })
    }

    /// `kpi_for`: `for a, b` or `for each tiers`, then `frozen "folder"` if written.
    fn kpi_for(&mut self, pair: Pair<'_, Rule>) -> Built<(KpiScope, Option<StringLit>)> {
        let mut segments = Vec::new();
        let mut each = None;
        let mut frozen = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kpi_each => each = Some(self.kpi_each(p)?),
                Rule::ident => segments.push(self.ident(p)),
                Rule::kpi_frozen => {
                    if let Some(folder) = p.into_inner().find(|q| q.as_rule() == Rule::string) {
                        frozen = Some(self.string(folder)?);
                    }
                }
                _ => {}
            }
        }
        Ok((each.unwrap_or(KpiScope::Segments(segments)), frozen))
    }

    /// `kpi_each`: `each TIERS [except a, b]`.
    fn kpi_each(&mut self, pair: Pair<'_, Rule>) -> Built<KpiScope> {
        let span = self.span(&pair);
        let mut tiers = None;
        let mut except = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => tiers = Some(self.ident(p)),
                Rule::kpi_except => except = self.idents(p),
                _ => {}
            }
        }
        match tiers {
            Some(tiers) => Ok(KpiScope::Each { tiers, except }),
            None => Err(self.malformed(span, "tiers name")),
        }
    }

    /// The names of a list (`except a, b`, `for vip, loyal`).
    fn idents(&mut self, pair: Pair<'_, Rule>) -> Vec<Ident> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::ident)
            .map(|p| self.ident(p))
            .collect()
    }

    /// `kpi_value`: `value = expr`.
    fn kpi_value(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        match pair.into_inner().find(|p| p.as_rule() == Rule::expr) {
            Some(e) => self.expr(e),
            None => Err(self.malformed(span, "kpi value")),
        }
    }

    /// `kpi_target`: a goal and an optional deadline.
    fn kpi_target(&mut self, pair: Pair<'_, Rule>) -> Built<KpiTarget> {
        let span = self.span(&pair);
        let mut goal = None;
        let mut deadline = None;
        let mut groups = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kpi_target_for => groups = self.idents(p),
                Rule::kpi_threshold => goal = Some(KpiGoal::Threshold(self.kpi_threshold(p)?)),
                Rule::kpi_between => goal = Some(self.kpi_between(p)?),
                Rule::kpi_change => goal = Some(self.kpi_change(p)?),
                Rule::kpi_deadline => deadline = Some(self.kpi_dated(p)?),
                _ => {}
            }
        }
        let Some(goal) = goal else {
            return Err(self.malformed(span, "kpi goal"));
        };
        Ok(KpiTarget {
            goal,
            deadline,
            groups,
        })
    }

    /// `kpi_threshold` and `kpi_warn`: a comparison and a number.
    fn kpi_threshold(&mut self, pair: Pair<'_, Rule>) -> Built<KpiThreshold> {
        let span = self.span(&pair);
        let mut op = None;
        let mut value = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::compare_op => op = Some((comparison(p.as_str()), self.span(&p))),
                Rule::kpi_number => value = Some(self.kpi_number(p)?),
                _ => {}
            }
        }
        let (Some((op, op_span)), Some(value)) = (op, value) else {
            return Err(self.malformed(span, "threshold"));
        };
        Ok(KpiThreshold { op, op_span, value })
    }

    /// `kpi_readout`: `readout vs GROUP [detect CHANGE]`.
    fn kpi_readout(&mut self, pair: Pair<'_, Rule>) -> Built<KpiReadout> {
        let span = self.span(&pair);
        let mut control = None;
        let mut detect = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => control = Some(self.ident(p)),
                Rule::kpi_detect => {
                    if let Some(delta) = p.into_inner().find(|p| p.as_rule() == Rule::kpi_delta) {
                        detect = Some(self.kpi_number(delta)?);
                    }
                }
                _ => {}
            }
        }
        let Some(control) = control else {
            return Err(self.malformed(span, "control group"));
        };
        Ok(KpiReadout { control, detect })
    }

    /// `kpi_between`: `between low and high`.
    fn kpi_between(&mut self, pair: Pair<'_, Rule>) -> Built<KpiGoal> {
        let span = self.span(&pair);
        let mut bounds = Vec::with_capacity(2);
        for p in pair.into_inner() {
            if p.as_rule() == Rule::kpi_number {
                bounds.push(self.kpi_number(p)?);
            }
        }
        let mut bounds = bounds.into_iter();
        let (Some(low), Some(high)) = (bounds.next(), bounds.next()) else {
            return Err(self.malformed(span, "bounds"));
        };
        Ok(KpiGoal::Between { low, high })
    }

    /// `kpi_change`: `+15% vs baseline` or `-5% vs 1200 [since @DATE]`.
    fn kpi_change(&mut self, pair: Pair<'_, Rule>) -> Built<KpiGoal> {
        let span = self.span(&pair);
        let mut change = None;
        let mut baseline = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kpi_delta => change = Some(self.kpi_number(p)?),
                Rule::kw_baseline => baseline = Some(KpiBaseline::Recorded(self.span(&p))),
                Rule::kpi_inline => baseline = Some(self.kpi_inline(p)?),
                _ => {}
            }
        }
        let (Some(change), Some(baseline)) = (change, baseline) else {
            return Err(self.malformed(span, "change or baseline"));
        };
        Ok(KpiGoal::Change { change, baseline })
    }

    /// `kpi_inline`: a baseline value and when it was measured.
    fn kpi_inline(&mut self, pair: Pair<'_, Rule>) -> Built<KpiBaseline> {
        let span = self.span(&pair);
        let mut value = None;
        let mut since = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kpi_number => value = Some(self.kpi_number(p)?),
                Rule::kpi_since => since = Some(self.kpi_dated(p)?),
                _ => {}
            }
        }
        let Some(value) = value else {
            return Err(self.malformed(span, "baseline value"));
        };
        Ok(KpiBaseline::Inline { value, since })
    }

    /// `kpi_deadline` and `kpi_since`: a keyword and a date literal.
    fn kpi_dated(&mut self, pair: Pair<'_, Rule>) -> Built<Literal> {
        let span = self.span(&pair);
        let date = pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::kpi_date)
            .and_then(|p| p.into_inner().next());
        match date {
            Some(d) => self.literal(d),
            None => Err(self.malformed(span, "date")),
        }
    }

    /// `kpi_number` and `kpi_delta`: a signed number or percentage.
    pub(super) fn kpi_number(&mut self, pair: Pair<'_, Rule>) -> Built<Literal> {
        let span = self.span(&pair);
        let text = pair.as_str();
        let negative = text.starts_with('-');
        let unsigned = text.trim_start_matches(['+', '-']);
        let kind = match unsigned.strip_suffix('%') {
            Some(number) => {
                let digits = literals::digits(number);
                let value = self.float(&digits, span)?;
                LiteralKind::Percent {
                    value: if negative { -value } else { value },
                    text: if negative {
                        format!("-{digits}")
                    } else {
                        digits
                    },
                }
            }
            None => match self.number(unsigned, span)? {
                LiteralKind::Int(i) if negative => LiteralKind::Int(-i),
                LiteralKind::Float { value, text } if negative => LiteralKind::Float {
                    value: -value,
                    text: format!("-{text}"),
                },
                kind => kind,
            },
        };
        Ok(Literal { kind, span })
    }
}
