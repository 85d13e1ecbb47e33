//! The edge between segc's diagnostics and terminal output: conversion to `miette` reports.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{Diagnostic, Severity};
use crate::files::{SourceFile, SourceMap};
use crate::span::Span;

/// How to draw diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
    /// Wrap at this many columns.
    pub width: usize,
}

impl Style {
    /// Plain text at a fixed width: what tests and non-terminals get.
    pub fn plain() -> Self {
        Style {
            color: false,
            width: 100,
        }
    }
}

/// A diagnostic together with the file it is about, ready for `miette`. Labels that stand in
/// other files (an import cycle, a name declared in an imported file) become related notes, each
/// drawn with its own file.
#[derive(Debug)]
pub struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<Text<'a>>,
    labels: Vec<LabeledSpan>,
    notes: Vec<Note<'a>>,
    /// `file:line:column` of the primary span when its line is too long to draw.
    location: Option<String>,
}

/// Lines longer than this (in bytes) are not drawn: a generated or minified one-line file would
/// fill the terminal, and `miette` cannot pad to columns past 65,535.
const MAX_DRAWN_LINE: usize = 2_000;

/// Whether the line holding byte `at`, or one drawn around it for context, is longer than
/// [`MAX_DRAWN_LINE`].
fn too_long_to_draw(file: &SourceFile, at: usize) -> bool {
    let (start, end) = file.line_bounds(at);
    let mut lines = vec![(start, end)];
    if start > 0 {
        lines.push(file.line_bounds(start - 1));
    }
    if end < file.text.len() {
        lines.push(file.line_bounds(end + 1));
    }
    lines.iter().any(|(s, e)| e - s > MAX_DRAWN_LINE)
}

/// A file's text as `miette` reads it, named, without a copy.
///
/// `miette`'s own reading of a text (`SourceCode for [u8]`) counts lines from the text's start
/// for every label and snippet, and the text was copied for every diagnostic: the warnings of
/// 2,000 duplicate segments took 2.6 s to draw in a debug build, those of 8,000 took 38 s
/// (issue 15; 0.3 and 1.5 s now). This one starts that reading at a line found in the file's
/// index, the line before the first line of context: from a line start at least one line before
/// the context, it goes through the same states as from the text's start, so only the line
/// numbers and offsets need the lines and bytes skipped added.
#[derive(Debug)]
struct Text<'a> {
    file: &'a SourceFile,
}

impl SourceCode for Text<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let starts = self.file.drawn_line_starts();
        let line = starts
            .partition_point(|&s| s <= span.offset())
            .saturating_sub(1);
        let skipped = line.saturating_sub(context_lines_before + 1);
        let base = starts[skipped];
        let local = SourceSpan::new((span.offset() - base).into(), span.len());
        let rest: &'b [u8] = &self.file.text.as_bytes()[base..];
        let inner = rest.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + base).into(), inner.span().len()),
            inner.line() + skipped,
            inner.column(),
            inner.line_count() + skipped,
        )))
    }
}

/// A label in another file than the diagnostic's own.
#[derive(Debug)]
struct Note<'a> {
    text: String,
    source: Text<'a>,
    /// `None` when the line is too long to draw (the text then says where it is).
    label: Option<LabeledSpan>,
}

impl fmt::Display for Note<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Note<'_> {}

impl miette::Diagnostic for Note<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.label
            .is_some()
            .then_some(&self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = self.label.clone()?;
        Some(Box::new(std::iter::once(label)))
    }
}

impl<'a> Report<'a> {
    /// Attaches `diagnostic` to the files of `map` its spans point into.
    pub fn in_map(diagnostic: &'a Diagnostic, map: &'a SourceMap) -> Self {
        let home = diagnostic.primary_span().and_then(|s| map.locate(s));
        let source = home.map(|(_, file)| Text { file });
        let mut labels = Vec::new();
        let mut notes = Vec::new();
        if let Some((primary, (home_id, file))) = diagnostic.primary_span().zip(home) {
            labels.push(LabeledSpan::new_primary_with_span(
                diagnostic.primary_label(),
                to_miette(file.local(primary)),
            ));
            for label in diagnostic.labels() {
                match map.locate(label.span) {
                    Some((id, other)) if id != home_id => {
                        let at = other.local(label.span);
                        let mut text = label.text.clone().unwrap_or_default();
                        let drawn = if too_long_to_draw(other, at.start as usize) {
                            let at = other.line_column(at.start as usize);
                            text.push_str(&format!(
                                " (at {}:{}:{})",
                                other.name, at.line, at.column
                            ));
                            None
                        } else {
                            Some(LabeledSpan::new_primary_with_span(
                                label.text,
                                to_miette(at),
                            ))
                        };
                        notes.push(Note {
                            text,
                            source: Text { file: other },
                            label: drawn,
                        })
                    }
                    _ => labels.push(LabeledSpan::new_with_span(
                        label.text,
                        to_miette(file.local(label.span)),
                    )),
                }
            }
        }
        // A label on a line too long to draw: the position is given in the headline instead.
        let mut location = None;
        if let Some((primary, (home_id, file))) = diagnostic.primary_span().zip(home) {
            let local = |span: Span| file.local(span).start as usize;
            let too_long = std::iter::once(primary)
                .chain(diagnostic.labels().into_iter().map(|l| l.span))
                .filter(|span| map.locate(*span).is_some_and(|(id, _)| id == home_id))
                .any(|span| too_long_to_draw(file, local(span)));
            if too_long {
                let at = file.line_column(local(primary));
                location = Some(format!("{}:{}:{}", file.name, at.line, at.column));
                labels.clear();
            }
        }
        Report {
            diagnostic,
            source,
            labels,
            notes,
            location,
        }
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message())?;
        match &self.location {
            Some(location) => write!(f, " (at {location}; the source there is too long to draw)"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity() {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        let source = self.source.as_ref()?;
        (!self.labels.is_empty()).then_some(source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty()).then(|| Box::new(self.labels.iter().cloned()) as Box<_>)
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        (!self.notes.is_empty())
            .then(|| Box::new(self.notes.iter().map(|n| n as &dyn miette::Diagnostic)) as Box<_>)
    }
}

fn to_miette(span: Span) -> miette::SourceSpan {
    miette::SourceSpan::new((span.start as usize).into(), span.len())
}

/// Draws one diagnostic about file `name` (with text `text`) as text.
pub fn render(diagnostic: &Diagnostic, name: &str, text: &str, style: Style) -> String {
    render_in(diagnostic, &SourceMap::single(name, text), style)
}

/// Draws one diagnostic whose spans point into the files of `map`.
pub fn render_in(diagnostic: &Diagnostic, map: &SourceMap, style: Style) -> String {
    let masked;
    let map = match diagnostic.concealed_span() {
        Some(span) => {
            masked = map.masked(span);
            &masked
        }
        None => map,
    };
    let report = Report::in_map(diagnostic, map);
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_context_lines(1);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // Rendering only fails on formatter errors; fall back to the bare message.
        out = format!("{}: {}\n", diagnostic.code(), diagnostic.message());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{NameDiagnostic, NameKind};

    /// What `Text` reads is what `miette` reads from the whole text, for every span and context.
    #[test]
    fn text_reads_spans_as_miette_does() {
        let texts = [
            "",
            "a",
            "ab\ncdé\nf\n",
            "\n\n\nx\n\n",
            "a\r\nb\rc\n\r\nd\r\r\ne",
            "l1\nl2\nl3\nl4\nl5\nl6\nl7",
        ];
        for text in texts {
            let map = SourceMap::single("t.seg", text);
            let file = map.file(crate::files::FileId(0)).expect("file");
            let ours = Text { file };
            let theirs = miette::NamedSource::new("t.seg", text.to_string());
            let read = |source: &dyn SourceCode, span: &SourceSpan, before, after| {
                source.read_span(span, before, after).map(|c| {
                    let name = c.name().map(str::to_string);
                    (
                        c.data().to_vec(),
                        *c.span(),
                        c.line(),
                        c.column(),
                        c.line_count(),
                        name,
                    )
                })
            };
            // Spans within the text, as `Report` makes them (`miette` panics past the end).
            for start in 0..=text.len() {
                for len in 0..=(text.len() - start).min(3) {
                    for (before, after) in [(0, 0), (1, 1), (2, 0), (0, 2), (3, 3)] {
                        let span = SourceSpan::new(start.into(), len);
                        let expected = read(&theirs, &span, before, after);
                        let got = read(&ours, &span, before, after);
                        match (got, expected) {
                            (Ok(got), Ok(expected)) => assert_eq!(
                                got, expected,
                                "{text:?} at {start}+{len}, {before}/{after}"
                            ),
                            (got, expected) => assert_eq!(got.is_ok(), expected.is_ok()),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn labels_on_too_long_lines_give_their_place_instead_of_the_line() {
        let mut map = SourceMap::new();
        let long = format!("let x = {}1\n", "1 + ".repeat(20_000));
        let lib = map.add("lib.seg", &format!("{long}let a = 1\n"));
        let main = map.add("main.seg", "let a = 2\n");
        let base = |id| map.file(id).map_or(0, |f| f.extent().start as usize);
        // `a` declared in both: the first declaration sits next to the long line.
        let first = Span::new(base(lib) + long.len() + 4, base(lib) + long.len() + 5);
        let second = Span::new(base(main) + 4, base(main) + 5);
        let diagnostic = Diagnostic::Names(NameDiagnostic::DuplicateName {
            kind: NameKind::Let,
            name: "a".into(),
            first,
            second,
        });
        let text = render_in(&diagnostic, &map, Style::plain());
        assert!(text.contains("(at lib.seg:2:5)"), "{text}");
        assert!(text.contains("main.seg:1:5"), "{text}");
        assert!(text.lines().all(|l| l.len() < 200), "{text}");
    }
}
