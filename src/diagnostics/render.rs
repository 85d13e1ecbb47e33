//! The edge between segc's diagnostics and terminal output: conversion to `miette` reports.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

use super::{Diagnostic, Severity};
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

/// A diagnostic together with the file it is about, ready for `miette`.
#[derive(Debug)]
pub struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedSource<String>,
}

impl<'a> Report<'a> {
    /// Attaches `diagnostic` to the text of file `name`.
    pub fn new(diagnostic: &'a Diagnostic, name: &str, text: &str) -> Self {
        Report {
            diagnostic,
            source: NamedSource::new(name, text.to_string()),
        }
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message())
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
        self.diagnostic
            .primary_span()
            .map(|_| &self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = self.diagnostic.primary_span()?;
        let text_len = self.source.inner().len();
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            self.diagnostic.primary_label(),
            to_miette(primary, text_len),
        )];
        labels.extend(
            self.diagnostic
                .labels()
                .into_iter()
                .map(|l| LabeledSpan::new_with_span(l.text, to_miette(l.span, text_len))),
        );
        Some(Box::new(labels.into_iter()))
    }
}

fn to_miette(span: Span, text_len: usize) -> miette::SourceSpan {
    let start = (span.start as usize).min(text_len);
    let end = (span.end as usize).clamp(start, text_len);
    miette::SourceSpan::new(start.into(), end - start)
}

/// Draws one diagnostic about file `name` (with text `text`) as text.
pub fn render(diagnostic: &Diagnostic, name: &str, text: &str, style: Style) -> String {
    let report = Report::new(diagnostic, name, text);
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
