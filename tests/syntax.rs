//! Parse snapshots: the AST of every fixture under `fixtures/parse`, with any syntax diagnostics.

use crate::common::{file_name, render_all, sexpr};

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

/// The diagnostics' codes of parsing `text`.
fn syntax_codes(text: &str) -> Vec<&'static str> {
    let parsed = segc::syntax::parse(text);
    parsed.diagnostics.iter().map(|d| d.code()).collect()
}

#[test]
fn nesting_without_brackets_is_a_diagnostic_not_a_crash() {
    let source = "source c from csv \"c.csv\" { key id: int }\n";
    let nots = move |n: usize| format!("{source}segment s = {}id > 1\n", "not ".repeat(n));
    let ifs = move |n: usize| {
        format!(
            "{source}segment s = ({}1{}) > 0\n",
            "if id > 1 then ".repeat(n),
            " else 0".repeat(n)
        )
    };
    // On a test thread's small stack, building stops before the stack runs out.
    assert_eq!(syntax_codes(&nots(100_000)), ["E0108"]);
    assert_eq!(syntax_codes(&ifs(20_000)), ["E0108"]);
    // On the stack the command line gives its work (64 MiB), only what is too deep is refused.
    std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(move || {
            for (n, expected) in [
                (200, &[][..]),
                (300, &["E0108"]),
                (5_000, &["E0108"]),
                (100_000, &["E0108"]),
            ] {
                assert_eq!(syntax_codes(&nots(n)), expected, "{n} nots");
            }
            for (n, expected) in [(200, &[][..]), (300, &["E0108"]), (20_000, &["E0108"])] {
                assert_eq!(syntax_codes(&ifs(n)), expected, "{n} ifs");
            }
        })
        .expect("thread")
        .join()
        .expect("no panic");
}

#[test]
fn a_diagnostic_on_a_very_long_line_gives_its_place_without_drawing_it() {
    let source = "source c from csv \"c.csv\" { key id: int }\n";
    // More than 65,535 columns: drawing the line made miette panic.
    let text = format!(
        "{source}segment s = {}idd > 1\nsegment t = id > 2\n",
        "id > 1 and ".repeat(8_000)
    );
    let (_, rendered) = crate::common::compile("long.seg", &text);
    assert!(
        rendered.contains("(at long.seg:2:88013; the source there is too long to draw)"),
        "{rendered}"
    );
    assert!(rendered.lines().all(|l| l.len() < 200), "{rendered}");
}

/// A deterministic pseudo-random generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn mutated_files_never_panic_and_checked_files_always_lower() {
    use segc::lower::{DeclaredTables, Selection, membership_plan};
    let base = std::fs::read_to_string("tests/fixtures/check/ok/expressions.seg").expect("fixture")
        + &std::fs::read_to_string("tests/fixtures/plan/behavioral.seg")
            .expect("fixture")
            .replace("source customers", "source customers2")
            .replace("population customers", "population people")
            .replace("references customers", "references people")
            .replace("status ==", "stage ==");
    let pieces = [
        "(",
        ")",
        "[",
        "]",
        "\"",
        "`",
        "@",
        "%",
        ".",
        "-",
        "+",
        "*",
        "/",
        "==",
        "<",
        ">=",
        "!=",
        ",",
        ":",
        "?",
        "{",
        "}",
        "\n",
        " and ",
        " or ",
        " not ",
        " in ",
        " between ",
        " is null",
        " if ",
        " then ",
        " else ",
        " null ",
        "30 days",
        "12 months",
        "@2026-02-30",
        "99999999999999999999",
        "segment x = ",
        "let y = ",
        "as_of",
        "age",
        "score",
        "stage",
        "\"lead\"",
        "1.5",
        "0",
    ];
    let params = crate::common::params();
    let mut rng = Rng(0x5e9c_2026);
    let mut lowered = 0;
    for _ in 0..600 {
        let mut text = base.clone();
        for _ in 0..1 + rng.below(3) {
            let mut at = rng.below(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            if rng.below(3) == 0 {
                let mut end = (at + 1 + rng.below(12)).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                text.replace_range(at..end, "");
            } else {
                text.insert_str(at, pieces[rng.below(pieces.len())]);
            }
        }
        let parsed = segc::syntax::parse(&text);
        let checked = segc::check::check(&parsed.program, &parsed.diagnostics);
        for d in &checked.diagnostics {
            assert_ne!(d.code(), "E0901", "internal error for:\n{text}");
            // Rendering must work for every diagnostic.
            let _ = crate::common::render_all("fuzz.seg", &text, std::slice::from_ref(d));
        }
        if let Some(program) = checked.program {
            membership_plan(
                &program,
                &DeclaredTables,
                params,
                &Selection::All,
                &segc::lower::Ranks::default(),
            )
            .unwrap_or_else(|d| panic!("{d:?} for:\n{text}"));
            if lowered % 4 == 0 {
                crate::common::executes_on_empty_tables(&program, params, &text);
            }
            lowered += 1;
        }
    }
    assert!(lowered > 10, "only {lowered} mutants checked clean");
}

#[test]
fn big_files_parse_in_parallel_with_the_same_result() {
    // Enough items for several parsing threads; two broken ones far apart.
    let mut text = String::from(
        "source customers from parquet \"c.parquet\" {\n  key id: int\n  age: int\n}\n",
    );
    for i in 0..600 {
        if i == 10 || i == 550 {
            text.push_str(&format!("segment s{i} = age >\n"));
        } else {
            text.push_str(&format!("segment s{i} = age > {i}\n"));
        }
    }
    let parsed = segc::syntax::parse(&text);
    assert_eq!(parsed.program.items.len(), 601);
    let codes: Vec<&str> = parsed.diagnostics.iter().map(|d| d.code()).collect();
    assert_eq!(codes, ["E0101", "E0101"]);
    // Each item is what parsing its line alone gives.
    let lines: Vec<&str> = text.lines().skip(4).collect();
    for (item, line) in parsed.program.items.iter().skip(1).zip(&lines).step_by(97) {
        let alone = segc::syntax::parse(line);
        let one = segc::ast::Program {
            items: vec![item.clone()],
            comments: Vec::new(),
        };
        assert_eq!(sexpr(&one), sexpr(&alone.program), "{line}");
    }
    // The messages of broken items are as detailed as in a small file.
    let small = segc::syntax::parse(
        "source customers from parquet \"c.parquet\" {\n  key id: int\n  age: int\n}\nsegment s10 = age >\n",
    );
    assert_eq!(
        parsed.diagnostics[0].message(),
        small.diagnostics[0].message()
    );
    assert_eq!(parsed.diagnostics[0].help(), small.diagnostics[0].help());
}
