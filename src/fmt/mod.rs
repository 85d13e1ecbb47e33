//! [`ast::Program`] (with its comments) to canonical text.
//!
//! One layout for every file, for a line width ([`Options::line_width`], 100 by default): items
//! separated by at most one blank line (a blank line between two items is kept, several become
//! one), two-space indentation in blocks, single spaces around operators, tier names aligned.
//! Each item is built as a document of groups (`doc.rs`) and printed for the width: what fits on
//! one line stays on one line; else the outermost group that does not fit is broken (a
//! definition continues on the next line, indented; then one `and` / `or` operand per line, one
//! list element per line, one `if` / `else if` arm per line, and so on inwards, see `expr.rs`).
//! Literals and names are printed as written (digit separators, escapes and backquotes are
//! kept). Comments stay where they are: a comment on its own line stays before the item, column,
//! rule, arm, clause, operand or element that follows it; a comment after code stays at the end
//! of that line, aligned with the comments ending the lines around it. An item with a comment
//! elsewhere inside (within a comparison, say) is kept as written, since there is no canonical
//! place for it. A line is never broken before a column named like an item keyword (`score
//! between 1 and 5` at the start of a line would start an item): such an item is printed with
//! the fewest breaks.
//!
//! Formatting never changes meaning: the formatted file parses to the same tree (tested on every
//! fixture and example), and files with syntax errors are refused, not mangled.

mod comments;
mod doc;
mod expr;
mod items;
mod test_item;

use crate::ast::{self, ItemKind};
use crate::diagnostics::Diagnostic;
use crate::span::Span;
use crate::syntax;

use comments::Comments;
use doc::{Doc, concat, group, indent, render, text};
use expr::Builder;

/// The line width when none is set.
pub const DEFAULT_LINE_WIDTH: usize = 100;

/// How to format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The width lines are kept within where they can be broken (names, literals and comments
    /// are never broken, so a line can be longer).
    pub line_width: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            line_width: DEFAULT_LINE_WIDTH,
        }
    }
}

/// Formats a rule file for the default line width, or returns its syntax diagnostics when it
/// does not parse.
pub fn format(source: &str) -> Result<String, Vec<Diagnostic>> {
    format_with(source, Options::default())
}

/// Formats a rule file with `options`, or returns its syntax diagnostics when it does not parse.
pub fn format_with(source: &str, options: Options) -> Result<String, Vec<Diagnostic>> {
    let parsed = syntax::parse(source);
    if !parsed.diagnostics.is_empty() {
        return Err(parsed.diagnostics);
    }
    let comments = Comments::new(source, &parsed.program.comments);
    let formatter = Formatter {
        source,
        comments: &comments,
        width: options.line_width,
        out: String::new(),
    };
    let text = formatter.program(&parsed.program);
    if comments::aligns(source) {
        return Ok(comments::align(&text));
    }
    Ok(text)
}

struct Formatter<'a> {
    source: &'a str,
    comments: &'a Comments<'a>,
    width: usize,
    out: String,
}

impl<'a> Formatter<'a> {
    fn builder(&self) -> Builder<'a> {
        Builder {
            source: self.source,
            comments: self.comments,
        }
    }

    fn program(mut self, program: &ast::Program) -> String {
        let mut previous_end: Option<usize> = None;
        for item in &program.items {
            let start = item.span.start as usize;
            let leading = self.comments.take(previous_end.unwrap_or(0), start);
            if let Some(end) = previous_end {
                let first = leading.first().map_or(start, |c| c.span.start as usize);
                if self.comments.blank_line_between(end, first) {
                    self.out.push('\n');
                }
            }
            self.print_leading(&leading);
            if let Some(last) = leading.last()
                && self
                    .comments
                    .blank_line_between(last.span.end as usize, start)
            {
                self.out.push('\n');
            }
            self.item(item);
            previous_end = Some(item.span.end as usize);
        }
        // Comments after the last item.
        let trailing = self
            .comments
            .take(previous_end.unwrap_or(0), self.source.len());
        if let (Some(end), Some(first)) = (previous_end, trailing.first())
            && self
                .comments
                .blank_line_between(end, first.span.start as usize)
        {
            self.out.push('\n');
        }
        self.print_leading(&trailing);
        self.out
    }

    fn print_leading(&mut self, comments: &[ast::Comment]) {
        let mut previous: Option<usize> = None;
        for c in comments {
            if let Some(end) = previous
                && self.comments.blank_line_between(end, c.span.start as usize)
            {
                self.out.push('\n');
            }
            self.out.push_str(&comments::shown(c));
            self.out.push('\n');
            previous = Some(c.span.end as usize);
        }
    }

    fn text(&self, span: Span) -> &'a str {
        span.text(self.source)
    }

    fn item(&mut self, item: &ast::Item) {
        let b = self.builder();
        let doc = match &item.kind {
            ItemKind::Source(s) => return self.source_decl(s, item.span),
            ItemKind::Import(path) => text(format!("import {}", self.text(path.span))),
            ItemKind::Population(p) => b.population(p),
            ItemKind::Let(l) => b.let_item(l),
            ItemKind::Segment(s) => b.segment(s),
            ItemKind::Score(s) => b.score(s, item.span),
            ItemKind::Tiers(t) => b.tiers(t, item.span),
            ItemKind::Split(s) => b.split(s, item.span),
            ItemKind::Kpi(k) => b.kpi(k, item.span),
            ItemKind::Test(t) => text(test_item::test(t, &b, self.source)),
            ItemKind::Broken(_) => text(""),
        };
        let (start, end) = (item.span.start as usize, item.span.end as usize);
        if matches!(item.kind, ItemKind::Broken(_)) || self.comments.any_in(start + 1, end) {
            // A comment with no canonical place (or an item that did not parse): the item as
            // written, its comments included.
            self.out.push_str(self.text(item.span));
            let _ = self.comments.take(start, end);
        } else {
            self.out.push_str(&self.laid_out(&doc, item.span));
        }
        let comment = self.comments.trailing(end).unwrap_or_default();
        self.out.push_str(&comment);
        self.out.push('\n');
    }

    /// `doc` printed for the width, unless a line it breaks would read as the start of another
    /// item (`score between 1 and 5` where a column is named `score`): then printed with the
    /// fewest breaks, or as written.
    fn laid_out(&self, doc: &Doc, span: Span) -> String {
        let safe = |text: &str| !text.lines().skip(1).any(starts_an_item);
        let text = render(doc, self.width, 0);
        if safe(&text) {
            return text;
        }
        let text = render(doc, usize::MAX, 0);
        if safe(&text) {
            return text;
        }
        self.text(span).to_string()
    }

    /// `source NAME from FORMAT "location" with (options) {`, then one column per line.
    fn source_decl(&mut self, s: &ast::SourceDecl, span: Span) {
        let b = self.builder();
        let mut head = vec![text(format!(
            "source {} from {} {}",
            self.text(s.name.span),
            self.text(s.format.span),
            self.text(s.location.span)
        ))];
        if !s.options.is_empty() {
            let mut options = vec![Doc::SoftLine];
            for (i, o) in s.options.iter().enumerate() {
                if i > 0 {
                    options.push(text(","));
                    options.push(Doc::Line);
                }
                options.push(text(format!(
                    "{} = {}",
                    self.text(o.name.span),
                    b.literal(&o.value)
                )));
            }
            options.push(Doc::IfBroken(","));
            // A group of their own: a long `where` after them breaks before it first.
            head.push(group(concat(vec![
                text(" with ("),
                indent(concat(options)),
                Doc::SoftLine,
                text(")"),
            ])));
        }
        if let Some(fresh) = &s.freshness {
            let by = if fresh.by_modified.is_some() {
                " by modified"
            } else {
                ""
            };
            let warn = if fresh.warn.is_some() {
                " else warn"
            } else {
                ""
            };
            head.push(indent(concat(vec![
                Doc::Line,
                text(format!(
                    "fresh within {}{by}{warn}",
                    b.literal(&fresh.length)
                )),
            ])));
        }
        if let Some(filter) = &s.filter {
            // On the same line, else on its own line under `source`.
            head.push(indent(concat(vec![
                Doc::Line,
                text("where "),
                indent(b.expr(filter)),
            ])));
        }
        head.push(text(" {"));
        self.out
            .push_str(&render(&group(concat(head)), self.width, 0));
        // The `{` after the location, options and filter (a location may hold a `{`).
        let after = s
            .filter
            .as_ref()
            .map(|f| f.span)
            .or(s.freshness.as_ref().map(|f| f.span))
            .or(s.options.last().map(|o| o.span))
            .unwrap_or(s.location.span)
            .end as usize;
        let open_end = self
            .comments
            .find('{', after, span.end as usize)
            .map_or(after, |at| at + 1);
        // A comment after `{` belongs to `{` only when no column shares its line.
        let line_end = self.source[open_end..]
            .find('\n')
            .map_or(self.source.len(), |i| open_end + i);
        let column_on_line = s
            .columns
            .first()
            .is_some_and(|c| (c.span.start as usize) < line_end);
        if !column_on_line {
            let comment = self.comments.trailing(open_end).unwrap_or_default();
            self.out.push_str(&comment);
        }
        self.out.push('\n');
        let mut previous_end = open_end;
        // Columns and consents from dates, in the order written.
        let mut entries: Vec<(Span, Doc)> = s
            .columns
            .iter()
            .map(|c| (c.span, self.column(&b, c)))
            .chain(
                s.dated_consents
                    .iter()
                    .map(|c| (c.span, self.dated_consent(c))),
            )
            .collect();
        entries.sort_by_key(|(span, _)| span.start);
        for (entry, line) in &entries {
            let start = entry.start as usize;
            let leading = self.comments.take(previous_end, start);
            for c in &leading {
                self.out.push_str(&format!("  {}\n", comments::shown(c)));
            }
            self.out.push_str("  ");
            self.out.push_str(&render(line, self.width, 2));
            let comment = self
                .comments
                .trailing(entry.end as usize)
                .unwrap_or_default();
            self.out.push_str(&comment);
            self.out.push('\n');
            previous_end = entry.end as usize;
        }
        // Comments after the last column, before `}`.
        for c in self.comments.take(previous_end, span.end as usize) {
            self.out.push_str(&format!("  {}\n", comments::shown(&c)));
        }
        self.out.push('}');
        let comment = self
            .comments
            .trailing(span.end as usize)
            .unwrap_or_default();
        self.out.push_str(&comment);
        self.out.push('\n');
    }

    /// `name: consent CHANNEL given COLUMN [withdrawn COLUMN]`.
    fn dated_consent(&self, c: &ast::DatedConsentDecl) -> Doc {
        let mut line = format!(
            "{}: consent {} given {}",
            self.text(c.name.span),
            self.text(c.channel.span),
            self.text(c.given.span)
        );
        if let Some(w) = &c.withdrawn {
            line.push_str(&format!(" withdrawn {}", self.text(w.span)));
        }
        text(line)
    }

    /// `[key] [partition] name: type[?] [references SOURCE] [= function(column)] [consent CHANNEL]`.
    fn column(&self, b: &Builder<'_>, column: &ast::ColumnDecl) -> Doc {
        let mut words = String::new();
        if column.is_key {
            words.push_str("key ");
        }
        if column.is_partition {
            words.push_str("partition ");
        }
        if column.is_event {
            words.push_str("event ");
        }
        words.push_str(self.text(column.name.span));
        words.push_str(": ");
        let mut after = String::new();
        if column.nullable {
            after.push('?');
        }
        if let Some(r) = &column.references {
            after.push_str(&format!(" references {}", self.text(r.span)));
        }
        if let Some(d) = &column.derivation {
            after.push_str(&format!(
                " = {}({})",
                self.text(d.function.span),
                self.text(d.column.span)
            ));
        }
        if let Some(c) = &column.consent {
            after.push_str(&format!(" consent {}", self.text(c.channel.span)));
        }
        concat(vec![text(words), b.type_expr(&column.ty), text(after)])
    }
}

/// Whether the parser would take `line` for the start of an item.
fn starts_an_item(line: &str) -> bool {
    let code = line.trim_start();
    let end = code
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(code.len());
    end > 0 && syntax::starts_item(&code[..end], code.len() == line.len(), code)
}
