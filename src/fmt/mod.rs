//! [`ast::Program`] (with its comments) to canonical text.
//!
//! One layout for every file: items separated by at most one blank line (a blank line between two
//! items is kept, several become one), two-space indentation in blocks, single spaces around
//! operators, tier names aligned. Literals and names are printed as written (digit separators,
//! escapes and backquotes are kept). Comments stay where they are: a comment on its own line stays
//! before the item or column that follows it; a comment after code stays at the end of that line.
//! An item with comments inside an expression is kept as written, since there is no canonical
//! place for them.
//!
//! Formatting never changes meaning: the formatted file parses to the same tree (tested on every
//! fixture), and files with syntax errors are refused, not mangled.

mod expr;
mod test_item;

use crate::ast::{self, ItemKind};
use crate::diagnostics::Diagnostic;
use crate::span::Span;
use crate::syntax;

use expr::Printer;

/// Formats a rule file, or returns its syntax diagnostics when it does not parse.
pub fn format(source: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = syntax::parse(source);
    if !parsed.diagnostics.is_empty() {
        return Err(parsed.diagnostics);
    }
    Ok(Formatter::new(source, &parsed.program).program(&parsed.program))
}

struct Formatter<'a> {
    source: &'a str,
    /// The comments in source order: the comments of a range are found by binary search (a
    /// scan of all comments for each item was quadratic in files of many commented items).
    comments: Vec<ast::Comment>,
    /// Comments already printed.
    printed: Vec<bool>,
    out: String,
}

impl<'a> Formatter<'a> {
    fn new(source: &'a str, program: &'a ast::Program) -> Self {
        let mut comments = program.comments.clone();
        comments.sort_by_key(|c| c.span.start);
        Formatter {
            source,
            comments,
            printed: vec![false; program.comments.len()],
            out: String::new(),
        }
    }

    fn program(mut self, program: &ast::Program) -> String {
        let mut previous_end: Option<usize> = None;
        for item in &program.items {
            let start = item.span.start as usize;
            let leading = self.leading_comments(previous_end.unwrap_or(0), start);
            if let Some(end) = previous_end {
                let first = leading.first().map_or(start, |c| c.span.start as usize);
                if self.blank_line_between(end, first) {
                    self.out.push('\n');
                }
            }
            self.print_leading(&leading);
            if let Some(last) = leading.last()
                && self.blank_line_between(last.span.end as usize, start)
            {
                self.out.push('\n');
            }
            self.item(item);
            previous_end = Some(item.span.end as usize);
        }
        // Comments after the last item.
        let trailing = self.leading_comments(previous_end.unwrap_or(0), self.source.len());
        if let (Some(end), Some(first)) = (previous_end, trailing.first())
            && self.blank_line_between(end, first.span.start as usize)
        {
            self.out.push('\n');
        }
        self.print_leading(&trailing);
        self.out
    }

    /// The indices of the comments starting in `from..to`.
    fn starting_in(&self, from: usize, to: usize) -> std::ops::Range<usize> {
        let first = self
            .comments
            .partition_point(|c| (c.span.start as usize) < from);
        let end = self
            .comments
            .partition_point(|c| (c.span.start as usize) < to);
        first..end.max(first)
    }

    /// Unprinted comments starting in `from..to`.
    fn leading_comments(&mut self, from: usize, to: usize) -> Vec<ast::Comment> {
        let mut found = Vec::new();
        for i in self.starting_in(from, to) {
            if !self.printed[i] {
                self.printed[i] = true;
                found.push(self.comments[i].clone());
            }
        }
        found
    }

    fn print_leading(&mut self, comments: &[ast::Comment]) {
        let mut previous: Option<usize> = None;
        for c in comments {
            if let Some(end) = previous
                && self.blank_line_between(end, c.span.start as usize)
            {
                self.out.push('\n');
            }
            self.out.push_str(&format!("//{}\n", c.text.trim_end()));
            previous = Some(c.span.end as usize);
        }
    }

    /// Whether the text between two offsets holds an empty line.
    fn blank_line_between(&self, from: usize, to: usize) -> bool {
        self.source
            .get(from..to)
            .is_some_and(|between| between.matches('\n').count() >= 2)
    }

    /// A comment on the same line as `end`, after it, printed at the end of that line.
    fn trailing_comment(&mut self, end: usize) -> Option<String> {
        let line_end = self.source[end..]
            .find('\n')
            .map_or(self.source.len(), |i| end + i);
        let index = self
            .starting_in(end, line_end)
            .find(|&i| !self.printed[i])?;
        self.printed[index] = true;
        Some(format!(" //{}", self.comments[index].text.trim_end()))
    }

    /// Whether an unprinted comment lies inside `span`.
    fn has_comment_inside(&self, span: Span) -> bool {
        self.starting_in(span.start as usize + 1, span.end as usize)
            .any(|i| !self.printed[i])
    }

    fn text(&self, span: Span) -> &'a str {
        span.text(self.source)
    }

    fn item(&mut self, item: &ast::Item) {
        let printer = Printer::new(self.source);
        let text = match &item.kind {
            ItemKind::Source(s) => return self.source_decl(s, item.span),
            _ if self.has_comment_inside(item.span) => {
                // No canonical place for comments inside expressions: keep the item as written,
                // its comments included.
                let text = self.text(item.span).to_string();
                let _ = self.leading_comments(item.span.start as usize, item.span.end as usize);
                text
            }
            ItemKind::Import(path) => format!("import {}", self.text(path.span)),
            ItemKind::Population(name) => format!("population {}", self.text(name.span)),
            ItemKind::Let(l) => {
                printer.after(&format!("let {} =", self.text(l.name.span)), &l.value)
            }
            ItemKind::Segment(s) => self.segment(s, &printer),
            ItemKind::Score(s) => self.score(s, &printer),
            ItemKind::Tiers(t) => self.tiers(t, &printer),
            ItemKind::Split(s) => self.split(s, &printer),
            ItemKind::Kpi(k) => self.kpi(k, &printer),
            ItemKind::Test(t) => test_item::test(t, &printer, self.source),
            ItemKind::Broken(_) => self.text(item.span).to_string(),
        };
        self.out.push_str(&text);
        let comment = self
            .trailing_comment(item.span.end as usize)
            .unwrap_or_default();
        self.out.push_str(&comment);
        self.out.push('\n');
    }

    fn label(&self, label: &Option<ast::StringLit>) -> String {
        label
            .as_ref()
            .map(|l| format!(" {}", self.text(l.span)))
            .unwrap_or_default()
    }

    fn segment(&self, s: &ast::SegmentDecl, printer: &Printer) -> String {
        let head = format!(
            "segment {}{} =",
            self.text(s.name.span),
            self.label(&s.label)
        );
        let mut text = printer.after(&head, &s.condition);
        if let Some(h) = &s.holdout {
            text.push_str(&format!(
                " holdout {} seed {}",
                printer.literal(&h.share),
                self.text(h.seed.span)
            ));
        }
        text
    }

    fn score(&self, s: &ast::ScoreDecl, printer: &Printer) -> String {
        let mut text = format!(
            "score {}{} {{\n",
            self.text(s.name.span),
            self.label(&s.label)
        );
        for rule in &s.rules {
            let points = self.text(rule.points.span);
            text.push_str(&format!(
                "  {points} when {}\n",
                printer.expr(&rule.condition)
            ));
        }
        text.push('}');
        text
    }

    fn tiers(&self, t: &ast::TiersDecl, printer: &Printer) -> String {
        let width = t
            .arms
            .iter()
            .map(|a| self.text(a.name.span).len() + 1)
            .max()
            .unwrap_or(0);
        let mut text = format!(
            "tiers {}{} {{\n",
            self.text(t.name.span),
            self.label(&t.label)
        );
        for arm in &t.arms {
            let name = format!("{}:", self.text(arm.name.span));
            let condition = arm
                .condition
                .as_ref()
                .map_or_else(|| "else".to_string(), |c| printer.expr(c));
            text.push_str(&format!("  {name:width$} {condition}\n"));
        }
        text.push('}');
        text
    }

    fn split(&self, s: &ast::SplitDecl, printer: &Printer) -> String {
        let groups: Vec<String> = s
            .groups
            .iter()
            .map(|g| format!("{}: {}", self.text(g.name.span), printer.literal(&g.share)))
            .collect();
        format!(
            "split {}{} of {} {{ {} }} seed {}",
            self.text(s.name.span),
            self.label(&s.label),
            printer.expr(&s.base),
            groups.join(", "),
            self.text(s.seed.span)
        )
    }

    /// `kpi NAME "label" for a, b {`, then one clause per line, in the order written.
    fn kpi(&self, k: &ast::KpiDecl, printer: &Printer) -> String {
        let scope = match &k.scope {
            ast::KpiScope::Population => String::new(),
            ast::KpiScope::Segments(names) => {
                let names: Vec<&str> = names.iter().map(|n| self.text(n.span)).collect();
                format!(" for {}", names.join(", "))
            }
            ast::KpiScope::Each(name) => format!(" for each {}", self.text(name.span)),
        };
        let mut text = format!(
            "kpi {}{}{scope} {{\n",
            self.text(k.name.span),
            self.label(&k.label)
        );
        for clause in &k.clauses {
            let line = match &clause.kind {
                ast::KpiClauseKind::Value(e) => printer.after("value =", e).replace('\n', "\n  "),
                ast::KpiClauseKind::Target(t) => self.kpi_target(t, printer),
                ast::KpiClauseKind::Warn(w) => format!("warn {}", self.kpi_threshold(w, printer)),
            };
            text.push_str(&format!("  {line}\n"));
        }
        text.push('}');
        text
    }

    fn kpi_threshold(&self, t: &ast::KpiThreshold, printer: &Printer) -> String {
        format!("{} {}", t.op.symbol(), printer.literal(&t.value))
    }

    fn kpi_target(&self, t: &ast::KpiTarget, printer: &Printer) -> String {
        let goal = match &t.goal {
            ast::KpiGoal::Threshold(threshold) => self.kpi_threshold(threshold, printer),
            ast::KpiGoal::Between { low, high } => format!(
                "between {} and {}",
                printer.literal(low),
                printer.literal(high)
            ),
            ast::KpiGoal::Change { change, baseline } => {
                let reference = match baseline {
                    ast::KpiBaseline::Recorded(_) => "baseline".to_string(),
                    ast::KpiBaseline::Inline { value, since } => {
                        let since = since
                            .as_ref()
                            .map(|s| format!(" since {}", printer.literal(s)))
                            .unwrap_or_default();
                        format!("{}{since}", printer.literal(value))
                    }
                };
                format!("{} vs {reference}", printer.literal(change))
            }
        };
        let deadline = t
            .deadline
            .as_ref()
            .map(|d| format!(" by {}", printer.literal(d)))
            .unwrap_or_default();
        format!("target {goal}{deadline}")
    }

    fn source_decl(&mut self, s: &ast::SourceDecl, span: Span) {
        let printer = Printer::new(self.source);
        let mut head = format!(
            "source {} from {} {}",
            self.text(s.name.span),
            self.text(s.format.span),
            self.text(s.location.span)
        );
        if !s.options.is_empty() {
            let options: Vec<String> = s
                .options
                .iter()
                .map(|o| format!("{} = {}", self.text(o.name.span), printer.literal(&o.value)))
                .collect();
            head.push_str(&format!(" with ({})", options.join(", ")));
        }
        head.push_str(" {");
        self.out.push_str(&head);
        let open_end = self.source[..span.end as usize]
            .get(span.start as usize..)
            .and_then(|t| t.find('{'))
            .map_or(span.start as usize, |i| span.start as usize + i + 1);
        // A comment after `{` belongs to `{` only when no column shares its line.
        let line_end = self.source[open_end..]
            .find('\n')
            .map_or(self.source.len(), |i| open_end + i);
        let column_on_line = s
            .columns
            .first()
            .is_some_and(|c| (c.span.start as usize) < line_end);
        if !column_on_line {
            let comment = self.trailing_comment(open_end).unwrap_or_default();
            self.out.push_str(&comment);
        }
        self.out.push('\n');
        let mut previous_end = open_end;
        for column in &s.columns {
            let start = column.span.start as usize;
            let leading = self.leading_comments(previous_end, start);
            for c in &leading {
                self.out.push_str(&format!("  //{}\n", c.text.trim_end()));
            }
            let mut line = String::from("  ");
            if column.is_key {
                line.push_str("key ");
            }
            if column.is_partition {
                line.push_str("partition ");
            }
            line.push_str(&format!(
                "{}: {}",
                self.text(column.name.span),
                printer.type_expr(&column.ty)
            ));
            if column.nullable {
                line.push('?');
            }
            if let Some(r) = &column.references {
                line.push_str(&format!(" references {}", self.text(r.span)));
            }
            if let Some(d) = &column.derivation {
                line.push_str(&format!(
                    " = {}({})",
                    self.text(d.function.span),
                    self.text(d.column.span)
                ));
            }
            self.out.push_str(&line);
            let comment = self
                .trailing_comment(column.span.end as usize)
                .unwrap_or_default();
            self.out.push_str(&comment);
            self.out.push('\n');
            previous_end = column.span.end as usize;
        }
        // Comments after the last column, before `}`.
        for c in self.leading_comments(previous_end, span.end as usize) {
            self.out.push_str(&format!("  //{}\n", c.text.trim_end()));
        }
        self.out.push('}');
        let comment = self.trailing_comment(span.end as usize).unwrap_or_default();
        self.out.push_str(&comment);
        self.out.push('\n');
    }
}
