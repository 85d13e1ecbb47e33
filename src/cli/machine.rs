//! Diagnostics for machines: JSON (documented in docs/ci.md), GitHub workflow annotations and
//! JUnit XML. Each renders every checked file at once, in the order given.

use serde_json::{Value, json};

use crate::diagnostics::{Diagnostic, Severity};
use crate::span::{LineColumn, Span};

/// The diagnostics of one checked file (its text is empty when it could not be read).
pub(super) struct FileReport {
    /// The file as named on the command line.
    pub name: String,
    /// Its text.
    pub text: String,
    /// Everything found in it.
    pub diagnostics: Vec<Diagnostic>,
}

fn severity(d: &Diagnostic) -> &'static str {
    match d.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn position(text: &str, offset: u32) -> Value {
    let lc = LineColumn::of(text, offset as usize);
    json!({ "line": lc.line, "column": lc.column, "offset": offset })
}

fn range(text: &str, span: Span, label: Option<String>) -> Value {
    json!({
        "start": position(text, span.start),
        "end": position(text, span.end),
        "label": label,
    })
}

/// The JSON document (format version 1).
pub(super) fn json(reports: &[FileReport]) -> String {
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
            let diagnostics: Vec<Value> = r
                .diagnostics
                .iter()
                .map(|d| {
                    json!({
                        "code": d.code(),
                        "severity": severity(d),
                        "message": d.message(),
                        "help": d.help(),
                        "primary": d.primary_span().map(|s| range(&r.text, s, d.primary_label())),
                        "labels": d
                            .labels()
                            .into_iter()
                            .map(|l| range(&r.text, l.span, l.text))
                            .collect::<Vec<_>>(),
                    })
                })
                .collect();
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
pub(super) fn github(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for r in reports {
        for d in &r.diagnostics {
            let mut properties = vec![format!("file={}", escape_property(&r.name))];
            if let Some(span) = d.primary_span() {
                let start = LineColumn::of(&r.text, span.start as usize);
                let end = LineColumn::of(&r.text, span.end as usize);
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

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// A JUnit report: one test case per file, one failure per error (warnings are listed as output).
pub(super) fn junit(reports: &[FileReport]) -> String {
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
            let at = d.primary_span().map_or_else(String::new, |s| {
                let lc = LineColumn::of(&r.text, s.start as usize);
                format!("{}:{}:{}: ", r.name, lc.line, lc.column)
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
