//! Printing `test` items: the head, one line per row and per expectation, rows indented in
//! their source's brackets.

use super::expr::Builder;
use crate::ast::{ExpectPart, Expected, TestClauseKind, TestDecl};

/// The canonical text of a test.
pub(super) fn test(t: &TestDecl, printer: &Builder<'_>, source: &str) -> String {
    let text = |span: crate::span::Span| span.text(source).to_string();
    let mut out = format!(
        "test {} as_of {} {{\n",
        text(t.name.span),
        printer.literal(&t.as_of)
    );
    for clause in &t.clauses {
        match &clause.kind {
            TestClauseKind::Rows { source: name, rows } if rows.is_empty() => {
                out.push_str(&format!("  {} []\n", text(name.span)));
            }
            TestClauseKind::Rows { source: name, rows } => {
                out.push_str(&format!("  {} [\n", text(name.span)));
                for row in rows {
                    let fields: Vec<String> = row
                        .fields
                        .iter()
                        .map(|f| format!("{}: {}", text(f.column.span), printer.literal(&f.value)))
                        .collect();
                    match fields.is_empty() {
                        true => out.push_str("    {}\n"),
                        false => out.push_str(&format!("    {{ {} }}\n", fields.join(", "))),
                    }
                }
                out.push_str("  ]\n");
            }
            TestClauseKind::File {
                source: name,
                format,
                path,
            } => out.push_str(&format!(
                "  {} from {} {}\n",
                text(name.span),
                text(format.span),
                text(path.span)
            )),
            TestClauseKind::Expect(e) => out.push_str(&format!(
                "  expect {} {} {}\n",
                text(e.target.span),
                e.op.text(),
                expected(&e.value, printer, source)
            )),
        }
    }
    out.push('}');
    out
}

fn expected(value: &Expected, printer: &Builder<'_>, source: &str) -> String {
    let part = |p: &ExpectPart| match p {
        ExpectPart::Value(l) => printer.literal(l),
        ExpectPart::Name(n) => n.span.text(source).to_string(),
    };
    match value {
        Expected::Value(l) => printer.literal(l),
        Expected::List { items, .. } => {
            let items: Vec<String> = items.iter().map(|l| printer.literal(l)).collect();
            format!("[{}]", items.join(", "))
        }
        Expected::Map { entries, .. } if entries.is_empty() => "{}".to_string(),
        Expected::Map { entries, .. } => {
            let entries: Vec<String> = entries
                .iter()
                .map(|e| format!("{}: {}", part(&e.key), part(&e.value)))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
    }
}
