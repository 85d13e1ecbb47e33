//! Parse snapshots: the AST of every fixture under `fixtures/parse`, with any syntax diagnostics.

mod common;

use common::{file_name, render_all, sexpr};

#[test]
fn parse_fixtures() {
    insta::glob!("fixtures/parse/*.seg", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let parsed = segc::syntax::parse(&text);
        let name = file_name(path);
        let mut out = sexpr(&parsed.program);
        out.push_str(&render_all(&name, &text, &parsed.diagnostics));
        insta::assert_snapshot!(out);
    });
}

#[test]
fn parser_never_panics_on_prefixes() {
    // Every prefix of a realistic file parses to something (items or diagnostics), never a panic.
    let text = std::fs::read_to_string("examples/retail/retail.seg").expect("example");
    for (end, _) in text.char_indices().step_by(7) {
        let parsed = segc::syntax::parse(&text[..end]);
        let checked = segc::check::check(&parsed.program, &parsed.diagnostics);
        assert!(checked.program.is_some() || !checked.diagnostics.is_empty());
    }
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_crash() {
    let depth = 5_000;
    let text = format!(
        "source c from csv \"c.csv\" {{ key id: int }}\nsegment s = {}id > 1{}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let parsed = segc::syntax::parse(&text);
    assert!(
        parsed.diagnostics.iter().any(|d| d.code() == "E0108"),
        "{:?}",
        parsed.diagnostics
    );
    let chain = format!(
        "source c from csv \"c.csv\" {{ key id: int }}\nsegment s = {}id > 1\n",
        "id > 1 and ".repeat(20_000)
    );
    let parsed = segc::syntax::parse(&chain);
    let checked = segc::check::check(&parsed.program, &parsed.diagnostics);
    assert!(checked.program.is_some() || !checked.diagnostics.is_empty());
}
