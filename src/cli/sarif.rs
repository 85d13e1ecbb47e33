//! SARIF 2.1.0 for code-scanning tools (GitHub code scanning, Azure DevOps, SonarQube): one run
//! of the `segc` tool, one result per diagnostic, one rule per code. Validated against the OASIS
//! schema by the tests.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::machine::{FileReport, Place, place};
use crate::diagnostics::{Diagnostic, Severity};
use crate::files::SourceMap;
use crate::span::Span;

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(d: &Diagnostic) -> &'static str {
    match d.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A file name as a relative URI reference: `/` separators, other reserved bytes escaped.
fn uri(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.replace('\\', "/").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A region of a file: lines and columns (1-based, code points; the end column is the one
/// after the region) and bytes.
fn region(at: &Place) -> Value {
    let span = at.span;
    let start = at.line_column(span.start);
    let end = at.line_column(span.end);
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
        "byteOffset": span.start,
        "byteLength": span.len(),
    })
}

/// The location of `span`, in the file it points into (`file` when it has no place).
fn location(map: &SourceMap, file: &str, span: Option<Span>) -> Value {
    let at = span.and_then(|s| place(map, s));
    let name = at.as_ref().map_or(file, |a| a.file);
    let mut physical = json!({ "artifactLocation": { "uri": uri(name) } });
    if let Some(at) = at {
        physical["region"] = region(&at);
    }
    json!({ "physicalLocation": physical })
}

/// The SARIF log of every checked file.
pub(super) fn sarif(reports: &[FileReport], map: &SourceMap) -> String {
    // One rule per code, in code order, described by the first message with that code.
    let mut rules: BTreeMap<&str, &Diagnostic> = BTreeMap::new();
    for d in reports.iter().flat_map(|r| &r.diagnostics) {
        rules.entry(d.code()).or_insert(d);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, c)| (*c, i)).collect();
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|(code, d)| {
            let mut rule = json!({
                "id": code,
                "shortDescription": { "text": d.message() },
                "defaultConfiguration": { "level": level(d) },
            });
            if let Some(lint) = d.lint() {
                rule["name"] = json!(lint.name());
            }
            rule
        })
        .collect();
    let mut results = Vec::new();
    for r in reports {
        for d in &r.diagnostics {
            let mut text = d.message();
            if let Some(help) = d.help() {
                text.push_str(&format!("\nhelp: {help}"));
            }
            let related: Vec<Value> = d
                .labels()
                .into_iter()
                .enumerate()
                .map(|(i, label)| {
                    let mut related = location(map, &r.name, Some(label.span));
                    related["id"] = json!(i);
                    if let Some(text) = label.text {
                        related["message"] = json!({ "text": text });
                    }
                    related
                })
                .collect();
            let mut result = json!({
                "ruleId": d.code(),
                "ruleIndex": index.get(d.code()).copied().unwrap_or(0),
                "level": level(d),
                "message": { "text": text },
                "locations": [location(map, &r.name, d.primary_span())],
            });
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            results.push(result);
        }
    }
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "segc",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": descriptors,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn file_names_become_uri_references() {
        assert_eq!(uri("rules/retail.seg"), "rules/retail.seg");
        assert_eq!(uri("my rules\\é.seg"), "my%20rules/%C3%A9.seg");
    }
}
