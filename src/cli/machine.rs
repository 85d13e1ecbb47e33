//! Diagnostics for machines: JSON (documented in docs/ci.md), GitHub workflow annotations and
//! JUnit XML. Each renders every checked file at once, in the order given.

use serde_json::{Value, json};

use crate::diagnostics::{Diagnostic, Severity};
use crate::files::{SourceFile, SourceMap};
use crate::span::{LineColumn, Span};

/// The diagnostics of one file (their spans point into a [`SourceMap`]).
pub(super) struct FileReport {
    /// The file as named on the command line (or reached by an import).
    pub name: String,
    /// Everything found in it.
    pub diagnostics: Vec<Diagnostic>,
}

impl FileReport {
    /// A report of file `name` without diagnostics yet.
    pub(super) fn new(name: &str) -> Self {
        FileReport {
            name: name.to_string(),
            diagnostics: Vec::new(),
        }
    }
}

/// Where a span stands: its file, and the span within that file's text.
pub(super) struct Place<'a> {
    /// The file's name.
    pub file: &'a str,
    /// The file (its text and lines).
    pub source: &'a SourceFile,
    /// The span, as offsets into the file's text.
    pub span: Span,
}

impl Place<'_> {
    /// The line and column of byte `offset` of the file (found in the file's index of lines:
    /// counted from the start for each diagnostic, they made `--format json` quadratic).
    pub(super) fn line_column(&self, offset: u32) -> LineColumn {
        self.source.line_column(offset as usize)
    }
}

/// The place of `span` in the files of `map`.
pub(super) fn place(map: &SourceMap, span: Span) -> Option<Place<'_>> {
    map.locate(span).map(|(_, f)| Place {
        file: &f.name,
        source: f,
        span: f.local(span),
    })
}

fn severity(d: &Diagnostic) -> &'static str {
    match d.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn position(at: &Place, offset: u32) -> Value {
    let lc = at.line_column(offset);
    json!({ "line": lc.line, "column": lc.column, "offset": offset })
}

pub(super) fn range(map: &SourceMap, span: Span, label: Option<String>) -> Value {
    let Some(at) = place(map, span) else {
        return Value::Null;
    };
    json!({
        "file": at.file,
        "start": position(&at, at.span.start),
        "end": position(&at, at.span.end),
        "label": label,
    })
}

/// The JSON document (format version 1).
pub(super) fn json(reports: &[FileReport], map: &SourceMap) -> String {
    let count = |s: Severity| {
        reports
            .iter()
            .flat_map(|r| &r.diagnostics)
            .filter(|d| d.severity() == s)
            .count()
    };
    let files: Vec<Value> = reports
        .iter()
        .map(|r| {
            let diagnostics: Vec<Value> =
                r.diagnostics.iter().map(|d| diagnostic(d, map)).collect();
            json!({ "file": r.name, "diagnostics": diagnostics })
        })
        .collect();
    let document = json!({
        "version": 1,
        "files": files,
        "summary": { "errors": count(Severity::Error), "warnings": count(Severity::Warning) },
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// One diagnostic as an object of the JSON document.
pub(super) fn diagnostic(d: &Diagnostic, map: &SourceMap) -> Value {
    json!({
        "code": d.code(),
        "severity": severity(d),
        "message": d.message(),
        "help": d.help(),
        "primary": d.primary_span().map(|s| range(map, s, d.primary_label())),
        "labels": d
            .labels()
            .into_iter()
            .map(|l| range(map, l.span, l.text))
            .collect::<Vec<_>>(),
    })
}

/// Escapes a GitHub workflow command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a GitHub workflow command's property.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One `::error` or `::warning` workflow command per diagnostic.
pub(super) fn github(reports: &[FileReport], map: &SourceMap) -> String {
    let mut out = String::new();
    for r in reports {
        for d in &r.diagnostics {
            let mut properties = vec![format!("file={}", escape_property(&r.name))];
            if let Some(at) = d.primary_span().and_then(|s| place(map, s)) {
                let start = at.line_column(at.span.start);
                let end = at.line_column(at.span.end);
                properties.push(format!("line={}", start.line));
                properties.push(format!("col={}", start.column));
                properties.push(format!("endLine={}", end.line));
                properties.push(format!("endColumn={}", end.column));
            }
            properties.push(format!("title={}", escape_property(d.code())));
            let mut message = d.message();
            if let Some(help) = d.help() {
                message.push_str(&format!("\nhelp: {help}"));
            }
            out.push_str(&format!(
                "::{} {}::{}\n",
                severity(d),
                properties.join(","),
                escape_data(&message)
            ));
        }
    }
    out
}

pub(super) fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// A JUnit report: one test case per file, one failure per error (warnings are listed as output).
pub(super) fn junit(reports: &[FileReport], map: &SourceMap) -> String {
    let failures = reports
        .iter()
        .filter(|r| {
            r.diagnostics
                .iter()
                .any(|d| d.severity() == Severity::Error)
        })
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"segc check\" tests=\"{}\" failures=\"{failures}\">\n",
        reports.len()
    ));
    out.push_str(&format!(
        "  <testsuite name=\"segc check\" tests=\"{}\" failures=\"{failures}\">\n",
        reports.len()
    ));
    for r in reports {
        out.push_str(&format!(
            "    <testcase classname=\"segc\" name=\"{}\">\n",
            xml(&r.name)
        ));
        let mut warnings = String::new();
        for d in &r.diagnostics {
            let at = d
                .primary_span()
                .and_then(|s| place(map, s))
                .map_or_else(String::new, |at| {
                    let lc = at.line_column(at.span.start);
                    format!("{}:{}:{}: ", at.file, lc.line, lc.column)
                });
            let line = format!("{at}{} {}", d.code(), d.message());
            match d.severity() {
                Severity::Error => out.push_str(&format!(
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                    d.code(),
                    xml(&d.message()),
                    xml(&line)
                )),
                Severity::Warning => warnings.push_str(&format!("{line}\n")),
            }
        }
        if !warnings.is_empty() {
            out.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                xml(warnings.trim_end())
            ));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
