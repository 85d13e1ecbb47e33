//! Items other than sources as documents: definitions, blocks of rules, arms and clauses.

use crate::ast;
use crate::span::Span;

use super::doc::{Doc, assign, broken_group, concat, group, indent, text};
use super::expr::{Builder, hugged};

impl Builder<'_> {
    fn name(&self, ident: &ast::Ident) -> &str {
        ident.span.text(self.source)
    }

    fn label(&self, label: &Option<ast::StringLit>) -> String {
        label
            .as_ref()
            .map(|l| format!(" {}", l.span.text(self.source)))
            .unwrap_or_default()
    }

    /// `segment NAME "label" = condition [holdout P seed S]`: the condition (then the holdout)
    /// on the next lines when the whole does not fit.
    pub(super) fn segment(&self, s: &ast::SegmentDecl) -> Doc {
        let head = format!("segment {}{} =", self.name(&s.name), self.label(&s.label));
        let mut body = vec![self.expr(&s.condition)];
        if let Some(h) = &s.holdout {
            body.push(Doc::Line);
            body.push(text(format!(
                "holdout {} seed {}",
                self.literal(&h.share),
                h.seed.span.text(self.source)
            )));
        }
        // A holdout after a hugged condition would start its line at the item's indentation.
        let hug = s.holdout.is_none() && hugged(&s.condition);
        let audience = s.audience.as_ref().map(|a| {
            let warn = if a.warn.is_some() { " else warn" } else { "" };
            format!("audience {}{warn}", self.name(&a.channel))
        });
        self.with_clauses(
            assign(text(head), concat(body), hug),
            audience,
            &s.expectations,
        )
    }

    /// `doc` followed by its `expect` clauses, each on a line of its own, indented: they read
    /// as a list of checks under the definition.
    fn with_expectations(&self, doc: Doc, expectations: &[ast::SizeExpectation]) -> Doc {
        self.with_clauses(doc, None, expectations)
    }

    /// `doc` followed by its `audience` clause (first) and its `expect` clauses, each on a line
    /// of its own, indented.
    fn with_clauses(
        &self,
        doc: Doc,
        audience: Option<String>,
        expectations: &[ast::SizeExpectation],
    ) -> Doc {
        if audience.is_none() && expectations.is_empty() {
            return doc;
        }
        let mut lines = Vec::with_capacity(expectations.len() * 2 + 2);
        if let Some(audience) = audience {
            lines.push(Doc::HardLine);
            lines.push(text(audience));
        }
        for e in expectations {
            lines.push(Doc::HardLine);
            lines.push(text(self.size_expectation(e)));
        }
        concat(vec![doc, indent(concat(lines))])
    }

    /// `expect members >= 500`, `expect size between 2% and 10% of clients else error`.
    fn size_expectation(&self, e: &ast::SizeExpectation) -> String {
        let measure = match e.measure {
            ast::SizeMeasure::Members => "members",
            ast::SizeMeasure::Size => "size",
        };
        let bound = match &e.bound {
            ast::SizeBound::Compare { op, amount, .. } => {
                format!("{} {}", op.symbol(), self.literal(amount))
            }
            ast::SizeBound::Between { low, high } => {
                format!("between {} and {}", self.literal(low), self.literal(high))
            }
        };
        let of =
            e.of.as_ref()
                .map(|name| format!(" of {}", self.name(name)))
                .unwrap_or_default();
        let error = if e.error.is_some() { " else error" } else { "" };
        format!("expect {measure} {bound}{of}{error}")
    }

    /// `population NAME [including future] [where condition]`.
    pub(super) fn population(&self, p: &ast::PopulationDecl) -> Doc {
        let future = if p.future.is_some() {
            " including future"
        } else {
            ""
        };
        let head = format!("population {}{future}", self.name(&p.name));
        match &p.filter {
            Some(filter) => self.after(format!("{head} where"), filter),
            None => text(head),
        }
    }

    /// `[output] let NAME ["label"] = value`.
    pub(super) fn let_item(&self, l: &ast::LetDecl) -> Doc {
        let output = if l.output.is_some() { "output " } else { "" };
        let head = format!(
            "{output}let {}{} =",
            self.name(&l.name),
            self.label(&l.label)
        );
        self.after(head, &l.value)
    }

    pub(super) fn score(&self, s: &ast::ScoreDecl, span: Span) -> Doc {
        let head = format!("score {}{}", self.name(&s.name), self.label(&s.label));
        let rules = s
            .rules
            .iter()
            .map(|r| {
                // Value points are short (a name, a call, parentheses): laid out on one line.
                let points = match &r.points {
                    ast::Points::Fixed(literal) => literal.span.text(self.source).to_string(),
                    ast::Points::Value {
                        negative, value, ..
                    } => format!(
                        "{} {}",
                        if *negative { "-" } else { "+" },
                        super::doc::render(&self.expr(value), usize::MAX, 0)
                    ),
                };
                (r.span, self.after(format!("{points} when"), &r.condition))
            })
            .collect();
        let open = self.opening_brace(s.label.as_ref().map_or(s.name.span, |l| l.span), span);
        self.block(text(format!("{head} {{")), open, rules, span)
    }

    /// The tier names aligned; a condition that does not fit on its arm's line goes below it.
    pub(super) fn tiers(&self, t: &ast::TiersDecl, span: Span) -> Doc {
        let width = t
            .arms
            .iter()
            .map(|a| self.name(&a.name).chars().count() + 1)
            .max()
            .unwrap_or(0);
        let head = format!("tiers {}{}", self.name(&t.name), self.label(&t.label));
        let arms = t
            .arms
            .iter()
            .map(|arm| {
                let name = format!("{}:", self.name(&arm.name));
                let doc = match &arm.condition {
                    None => text(format!("{name:width$} else")),
                    Some(c) => assign(text(format!("{name:width$}")), self.expr(c), hugged(c)),
                };
                (arm.span, self.with_expectations(doc, &arm.expectations))
            })
            .collect();
        let open = self.opening_brace(t.label.as_ref().map_or(t.name.span, |l| l.span), span);
        self.block(text(format!("{head} {{")), open, arms, span)
    }

    /// `split NAME of base { a: 50%, b: 50% } seed S`: the groups one per line when they do
    /// not fit, or when they were written so (a line break after `{`).
    pub(super) fn split(&self, s: &ast::SplitDecl, span: Span) -> Doc {
        let head = format!("split {}{} of ", self.name(&s.name), self.label(&s.label));
        let open = self.opening_brace(s.base.span, span);
        let close = s
            .groups
            .last()
            .and_then(|g| {
                self.comments
                    .find('}', g.share.span.end as usize, span.end as usize)
            })
            .unwrap_or(open);
        let groups: Vec<(Span, Doc)> = s
            .groups
            .iter()
            .map(|g| {
                let doc = text(format!(
                    "{}: {}",
                    self.name(&g.name),
                    self.literal(&g.share)
                ));
                (
                    Span::new(g.name.span.start as usize, g.share.span.end as usize),
                    doc,
                )
            })
            .collect();
        let written_broken = s.groups.first().is_some_and(|g| {
            self.source
                .get(open..g.name.span.start as usize)
                .is_some_and(|t| t.contains('\n'))
        });
        let doc = concat(vec![
            text(head),
            self.expr(&s.base),
            text(" {"),
            indent(concat(vec![
                Doc::Line,
                self.sequence_of(open, groups, close),
                Doc::IfBroken(if s.groups.is_empty() { "" } else { "," }),
            ])),
            Doc::Line,
            text(format!("}} seed {}", s.seed.span.text(self.source))),
        ]);
        if written_broken {
            broken_group(doc)
        } else {
            group(doc)
        }
    }

    /// `kpi NAME "label" for a, b {` (when it does not fit: the `for` on the next line, indented,
    /// and `{` on its own line), then one clause per line, in the order written.
    pub(super) fn kpi(&self, k: &ast::KpiDecl, span: Span) -> Doc {
        let mut head = vec![text(format!(
            "kpi {}{}",
            self.name(&k.name),
            self.label(&k.label)
        ))];
        let mut after_head = k.label.as_ref().map_or(k.name.span, |l| l.span);
        match &k.scope {
            ast::KpiScope::Population => {}
            ast::KpiScope::Segments(names) => {
                let mut list = Vec::new();
                for (i, n) in names.iter().enumerate() {
                    if i > 0 {
                        list.push(text(","));
                        list.push(Doc::Line);
                    }
                    list.push(text(self.name(n)));
                    after_head = n.span;
                }
                head.push(indent(concat(vec![
                    Doc::Line,
                    text("for "),
                    group(indent(concat(list))),
                ])));
            }
            ast::KpiScope::Each { tiers, except } => {
                let mut words = format!("for each {}", self.name(tiers));
                after_head = tiers.span;
                for (i, name) in except.iter().enumerate() {
                    words.push_str(if i == 0 { " except " } else { ", " });
                    words.push_str(self.name(name));
                    after_head = name.span;
                }
                head.push(indent(concat(vec![Doc::Line, text(words)])));
            }
        }
        if let Some(folder) = &k.frozen {
            head.push(indent(concat(vec![
                Doc::Line,
                text(format!("frozen {}", folder.span.text(self.source))),
            ])));
            after_head = folder.span;
        }
        let clauses = k
            .clauses
            .iter()
            .map(|clause| {
                let doc = match &clause.kind {
                    ast::KpiClauseKind::Value(e) => self.after("value =".into(), e),
                    ast::KpiClauseKind::Target(t) => text(self.kpi_target(t)),
                    ast::KpiClauseKind::Warn(w) => text(format!("warn {}", self.kpi_threshold(w))),
                    ast::KpiClauseKind::Readout(r) => text(self.kpi_readout(r)),
                };
                (clause.span, doc)
            })
            .collect();
        let open = self.opening_brace(after_head, span);
        // When the head is broken, `{` stands on its own line: the `for` line and the first
        // clause, both indented, would otherwise read as one block.
        head.push(Doc::Line);
        head.push(text("{"));
        self.block(group(concat(head)), open, clauses, span)
    }

    fn kpi_readout(&self, r: &ast::KpiReadout) -> String {
        let detect = r
            .detect
            .as_ref()
            .map(|d| format!(" detect {}", self.literal(d)))
            .unwrap_or_default();
        format!("readout vs {}{detect}", self.name(&r.control))
    }

    fn kpi_threshold(&self, t: &ast::KpiThreshold) -> String {
        format!("{} {}", t.op.symbol(), self.literal(&t.value))
    }

    fn kpi_target(&self, t: &ast::KpiTarget) -> String {
        let goal = match &t.goal {
            ast::KpiGoal::Threshold(threshold) => self.kpi_threshold(threshold),
            ast::KpiGoal::Between { low, high } => {
                format!("between {} and {}", self.literal(low), self.literal(high))
            }
            ast::KpiGoal::Change { change, baseline } => {
                let reference = match baseline {
                    ast::KpiBaseline::Recorded(_) => "baseline".to_string(),
                    ast::KpiBaseline::Inline { value, since } => {
                        let since = since
                            .as_ref()
                            .map(|s| format!(" since {}", self.literal(s)))
                            .unwrap_or_default();
                        format!("{}{since}", self.literal(value))
                    }
                };
                format!("{} vs {reference}", self.literal(change))
            }
        };
        let deadline = t
            .deadline
            .as_ref()
            .map(|d| format!(" by {}", self.literal(d)))
            .unwrap_or_default();
        let groups = if t.groups.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = t.groups.iter().map(|g| self.name(g)).collect();
            format!(" for {}", names.join(", "))
        };
        format!("target {goal}{deadline}{groups}")
    }

    /// The offset just past the `{` after `before` in the item `span`.
    fn opening_brace(&self, before: Span, span: Span) -> usize {
        self.comments
            .find('{', before.end as usize, span.end as usize)
            .map_or(before.end as usize, |at| at + 1)
    }

    /// `head` (ending in `{`), one line per element (comments between them kept, and one empty
    /// line where there was at least one), `}`.
    fn block(&self, head: Doc, open: usize, lines: Vec<(Span, Doc)>, span: Span) -> Doc {
        let close = (span.end as usize).saturating_sub(1);
        let mut inner = Vec::new();
        let mut from = open;
        for (i, (line_span, doc)) in lines.into_iter().enumerate() {
            let gap = self.comments.gap(from, line_span.start as usize, i > 0);
            inner.push(gap.trailing_doc());
            inner.push(if i > 0 && gap.blank {
                Doc::BlankLine
            } else {
                Doc::HardLine
            });
            inner.push(gap.leading_doc());
            inner.push(doc);
            from = line_span.end as usize;
        }
        let gap = self.comments.gap(from, close.max(from), from != open);
        inner.push(gap.trailing_doc());
        for c in &gap.leading {
            inner.push(Doc::HardLine);
            inner.push(text(c.clone()));
        }
        concat(vec![head, indent(concat(inner)), Doc::HardLine, text("}")])
    }
}
