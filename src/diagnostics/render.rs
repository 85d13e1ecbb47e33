//! The edge between segc's diagnostics and terminal output: conversion to `miette` reports.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

use super::{Diagnostic, Severity};
use crate::files::SourceMap;
use crate::span::{LineColumn, Span};

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
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    notes: Vec<Note>,
    /// `file:line:column` of the primary span when its line is too long to draw.
    location: Option<String>,
}

/// Lines longer than this (in bytes) are not drawn: a generated or minified one-line file would
/// fill the terminal, and `miette` cannot pad to columns past 65,535.
const MAX_DRAWN_LINE: usize = 2_000;

/// The bounds of the line of `text` holding byte `at`.
fn line_bounds(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let start = text.as_bytes()[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = text.as_bytes()[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| at + i);
    (start, end)
}

/// Whether the line holding byte `at`, or one drawn around it for context, is longer than
/// [`MAX_DRAWN_LINE`].
fn too_long_to_draw(text: &str, at: usize) -> bool {
    let (start, end) = line_bounds(text, at);
    let mut lines = vec![(start, end)];
    if start > 0 {
        lines.push(line_bounds(text, start - 1));
    }
    if end < text.len() {
        lines.push(line_bounds(text, end + 1));
    }
    lines.iter().any(|(s, e)| e - s > MAX_DRAWN_LINE)
}

/// A label in another file than the diagnostic's own.
#[derive(Debug)]
struct Note {
    text: String,
    source: NamedSource<String>,
    /// `None` when the line is too long to draw (the text then says where it is).
    label: Option<LabeledSpan>,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Note {}

impl miette::Diagnostic for Note {
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
    pub fn in_map(diagnostic: &'a Diagnostic, map: &SourceMap) -> Self {
        let home = diagnostic.primary_span().and_then(|s| map.locate(s));
        let source = match home {
            Some((_, file)) => NamedSource::new(&file.name, file.text.clone()),
            None => NamedSource::new("", String::new()),
        };
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
                        let drawn = if too_long_to_draw(&other.text, at.start as usize) {
                            let at = LineColumn::of(&other.text, at.start as usize);
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
                            source: NamedSource::new(&other.name, other.text.clone()),
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
                .any(|span| too_long_to_draw(&file.text, local(span)));
            if too_long {
                let at = LineColumn::of(&file.text, local(primary));
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
        (!self.labels.is_empty()).then_some(&self.source as &dyn SourceCode)
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
    use crate::diagnostics::NameKind;

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
        let diagnostic = Diagnostic::DuplicateName {
            kind: NameKind::Let,
            name: "a".into(),
            first,
            second,
        };
        let text = render_in(&diagnostic, &map, Style::plain());
        assert!(text.contains("(at lib.seg:2:5)"), "{text}");
        assert!(text.contains("main.seg:1:5"), "{text}");
        assert!(text.lines().all(|l| l.len() < 200), "{text}");
    }
}
