//! A hand-written parser for the commonest item: a segment whose condition is names, numbers,
//! strings, booleans, `null`, lists and parentheses joined by comparisons, `in`, `between`,
//! `is null`, `not`, `and` and `or`.
//!
//! It gives exactly the item pest and the builder give (the same nodes and spans: the trees are
//! built by the builder's own functions) or `None`, and then pest parses the chunk: anything it
//! does not know (arithmetic, calls, `if`, percentages, durations, dates, escapes, backquoted
//! names, comments, clauses after the condition) or any text pest would reject. Each choice
//! follows the grammar's ordered alternatives in `grammar/segc.pest`. pest and the builder cost
//! about 186 K instructions a segment of `segc check`'s benchmark in a release build, this
//! about 25 K even with the standard library's debug checks (callgrind, bench/README.md); the
//! tests compare both on every fixture, example and documentation block and on mutants.

use super::build::{balanced, binary, comparison, unary};
use crate::ast::*;
use crate::span::Span;

/// The item of a chunk `text` (at `offset` in the file) that is such a segment, or `None`.
pub(super) fn segment(text: &str, offset: usize) -> Option<Item> {
    // A comment is white space to pest anywhere: left to it (the builder trims spans of them).
    if text.contains("//") {
        return None;
    }
    let mut p = Cursor {
        bytes: text.as_bytes(),
        text,
        pos: 0,
        offset,
        depth: 0,
    };
    p.skip();
    let start = p.pos;
    if !p.keyword(b"segment") {
        return None;
    }
    p.skip();
    let name = p.ident()?;
    p.skip();
    let label = match p.peek() {
        Some(b'"') => {
            let (value, span) = p.string()?;
            p.skip();
            Some(StringLit { value, span })
        }
        _ => None,
    };
    if p.peek() != Some(b'=') {
        return None;
    }
    p.pos += 1;
    p.skip();
    let condition = p.expr()?;
    p.skip();
    if p.pos != p.bytes.len() {
        // `holdout`, `audience`, `expect`, or text pest rejects.
        return None;
    }
    let span = p.span(start, 0).to(condition.span);
    Some(Item {
        span,
        kind: ItemKind::Segment(SegmentDecl {
            name,
            label,
            condition,
            holdout: None,
            audience: None,
            expectations: Vec::new(),
        }),
    })
}

/// `not`s in a row taken here; more are left to pest and the builder, which bound them.
const MAX_NOTS: usize = 8;

/// Words that are not names (`keyword` in the grammar).
const RESERVED: [&[u8]; 13] = [
    b"and", b"or", b"not", b"in", b"between", b"is", b"null", b"true", b"false", b"if", b"then",
    b"else", b"where",
];

/// A position in a chunk; every parsing function starts at a token and stops right after its
/// last one, as pest's pairs do (white space between tokens is skipped by the caller).
struct Cursor<'t> {
    bytes: &'t [u8],
    text: &'t str,
    pos: usize,
    offset: usize,
    /// Brackets open: past [`super::MAX_NESTING`], pest's path reports E0108 (the chunk is not
    /// scanned for its nesting first, as for pest, since this parser counts it).
    depth: usize,
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.offset + start, self.offset + end.max(start))
    }

    /// `WHITESPACE*` without comments (chunks with `//` are not parsed here).
    fn skip(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// The end of the word (`ident_char+`) starting here, if one starts (`ident_start`).
    fn word_end(&self) -> Option<usize> {
        match self.peek() {
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => {}
            _ => return None,
        }
        let len = self.bytes[self.pos..]
            .iter()
            .position(|b| !is_ident_char(*b))
            .unwrap_or(self.bytes.len() - self.pos);
        Some(self.pos + len)
    }

    /// `kw_…`: the word `word` here (not followed by a name character), consumed.
    fn keyword(&mut self, word: &[u8]) -> bool {
        let end = self.pos + word.len();
        let matched = self.bytes.get(self.pos..end) == Some(word)
            && !self.bytes.get(end).is_some_and(|b| is_ident_char(*b));
        if matched {
            self.pos = end;
        }
        matched
    }

    /// `ident`, without backquotes: a word that is not reserved.
    fn ident(&mut self) -> Option<Ident> {
        let end = self.word_end()?;
        let word = &self.bytes[self.pos..end];
        if RESERVED.contains(&word) {
            return None;
        }
        let ident = Ident {
            name: self.text.get(self.pos..end)?.to_string(),
            span: self.span(self.pos, end),
        };
        self.pos = end;
        Some(ident)
    }

    /// `name`: identifiers joined by dots, not followed by `(` (a call, left to pest).
    fn name(&mut self) -> Option<Expr> {
        let mut parts = vec![self.ident()?];
        loop {
            self.skip();
            if self.peek() != Some(b'.') {
                break;
            }
            self.pos += 1;
            self.skip();
            parts.push(self.ident()?);
        }
        if self.peek() == Some(b'(') {
            return None;
        }
        let span = parts[0].span.to(parts[parts.len() - 1].span);
        Some(Expr {
            span,
            kind: ExprKind::Name(parts),
        })
    }

    /// `string` without escapes: its value and span.
    fn string(&mut self) -> Option<(String, Span)> {
        let start = self.pos;
        let len = self.bytes[start + 1..]
            .iter()
            .position(|b| matches!(b, b'"' | b'\\' | b'\n'))?;
        let end = start + 1 + len;
        if self.bytes[end] != b'"' {
            return None;
        }
        self.pos = end + 1;
        let value = self.text.get(start + 1..end)?.to_string();
        Some((value, self.span(start, self.pos)))
    }

    /// `number`: an integer or a decimal, when pest would not read a percentage or a duration.
    fn number(&mut self) -> Option<LiteralKind> {
        let start = self.pos;
        let digits_end = |from: usize| {
            from + self.bytes[from..]
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b'_'))
                .unwrap_or(self.bytes.len() - from)
        };
        let mut end = digits_end(start);
        let decimal = self.bytes.get(end) == Some(&b'.')
            && self.bytes.get(end + 1).is_some_and(u8::is_ascii_digit);
        if decimal {
            end = digits_end(end + 1);
        }
        self.pos = end;
        // `10%` is a percentage; `30 days` (a word starting like a unit) maybe a duration.
        if self.peek() == Some(b'%') {
            return None;
        }
        self.skip();
        if matches!(self.peek(), Some(b'd' | b'w' | b'm' | b'y' | b'h')) {
            return None;
        }
        self.pos = end;
        let digits = super::literals::digits(self.text.get(start..end)?);
        if decimal {
            let value = digits.parse::<f64>().ok().filter(|v| v.is_finite())?;
            return Some(LiteralKind::Float {
                value,
                text: digits,
            });
        }
        // Too large: the builder's diagnostic.
        digits.parse::<i64>().ok().map(LiteralKind::Int)
    }

    /// `expr`: operands joined by `and` and `or`, as `Builder::logic` builds them (a lone
    /// operand, as a list's items mostly are, without the vectors).
    fn expr(&mut self) -> Option<Expr> {
        let mut disjuncts = Vec::new();
        let mut ors = Vec::new();
        let mut conjuncts = Vec::new();
        let mut ands = Vec::new();
        loop {
            let operand = self.negated()?;
            self.skip();
            let start = self.pos;
            if self.keyword(b"and") {
                conjuncts.push(operand);
                ands.push((BinaryOp::And, self.span(start, self.pos)));
            } else if self.keyword(b"or") {
                conjuncts.push(operand);
                disjuncts.push(balanced(std::mem::take(&mut conjuncts), &ands));
                ands.clear();
                ors.push((BinaryOp::Or, self.span(start, self.pos)));
            } else if conjuncts.is_empty() && disjuncts.is_empty() {
                return Some(operand);
            } else {
                conjuncts.push(operand);
                break;
            }
            self.skip();
        }
        let conjunction = balanced(conjuncts, &ands);
        if disjuncts.is_empty() {
            return Some(conjunction);
        }
        disjuncts.push(conjunction);
        Some(balanced(disjuncts, &ors))
    }

    /// `negated`: `not`s, an operand and maybe a comparison tail.
    fn negated(&mut self) -> Option<Expr> {
        let mut nots = Vec::new();
        loop {
            let start = self.pos;
            if !self.keyword(b"not") {
                break;
            }
            if nots.len() == MAX_NOTS {
                return None;
            }
            nots.push(self.span(start, self.pos));
            self.skip();
        }
        let value = self.operand()?;
        self.skip();
        let value = self.compare_tail(value)?;
        Some(unary(UnaryOp::Not, nots, value))
    }

    /// `compare_tail?` after `lhs`: a comparison, `in`, `between` or `is null`, or nothing.
    fn compare_tail(&mut self, lhs: Expr) -> Option<Expr> {
        let two = self.bytes.get(self.pos..self.pos + 2).unwrap_or_default();
        let op = match two {
            b"==" | b"!=" | b"<=" | b">=" => Some(2),
            [b'<' | b'>', ..] => Some(1),
            _ => None,
        };
        if let Some(len) = op {
            let op_span = self.span(self.pos, self.pos + len);
            let op = comparison(self.text.get(self.pos..self.pos + len)?);
            self.pos += len;
            self.skip();
            let rhs = self.operand()?;
            return Some(binary(op, op_span, lhs, rhs));
        }
        if !matches!(self.peek(), Some(b'n' | b'i' | b'b')) {
            return Some(lhs);
        }
        let start = self.pos;
        if self.keyword(b"is") {
            self.skip();
            let negated = self.keyword(b"not");
            self.skip();
            if !self.keyword(b"null") {
                return None;
            }
            let span = lhs.span.to(self.span(start, self.pos));
            let value = Box::new(lhs);
            return Some(Expr {
                span,
                kind: ExprKind::IsNull { value, negated },
            });
        }
        let negated = self.keyword(b"not");
        self.skip();
        if self.keyword(b"in") {
            self.skip();
            let list = match self.peek() {
                Some(b'[') => self.nested(Self::list)?,
                _ => self.name()?,
            };
            let span = lhs.span.to(list.span);
            let (value, list) = (Box::new(lhs), Box::new(list));
            return Some(Expr {
                span,
                kind: ExprKind::InList {
                    value,
                    list,
                    negated,
                },
            });
        }
        if !self.keyword(b"between") {
            return None;
        }
        self.skip();
        let low = self.operand()?;
        self.skip();
        if !self.keyword(b"and") {
            return None;
        }
        self.skip();
        let high = self.operand()?;
        let span = lhs.span.to(high.span);
        Some(Expr {
            span,
            kind: ExprKind::Between {
                value: Box::new(lhs),
                low: Box::new(low),
                high: Box::new(high),
                negated,
            },
        })
    }

    /// A `sum` of one `primary` (arithmetic and unary `-` are left to pest).
    fn operand(&mut self) -> Option<Expr> {
        let start = self.pos;
        let literal = |kind, span| Expr {
            span,
            kind: ExprKind::Literal(Literal { kind, span }),
        };
        let operand = match self.peek()? {
            b'(' => {
                self.pos += 1;
                self.skip();
                let inner = self.nested(Self::expr)?;
                self.skip();
                if self.peek() != Some(b')') {
                    return None;
                }
                self.pos += 1;
                Expr {
                    span: self.span(start, self.pos),
                    kind: ExprKind::Paren(Box::new(inner)),
                }
            }
            b'[' => self.nested(Self::list)?,
            b'"' => {
                let (value, span) = self.string()?;
                literal(LiteralKind::String(value), span)
            }
            b'0'..=b'9' => {
                let kind = self.number()?;
                literal(kind, self.span(start, self.pos))
            }
            _ => {
                let end = self.word_end()?;
                let kind = match &self.bytes[start..end] {
                    b"true" => LiteralKind::Bool(true),
                    b"false" => LiteralKind::Bool(false),
                    b"null" => LiteralKind::Null,
                    _ => {
                        let name = self.name()?;
                        return self.operand_end(name);
                    }
                };
                self.pos = end;
                literal(kind, self.span(start, end))
            }
        };
        self.operand_end(operand)
    }

    /// `operand`, unless an arithmetic operator follows it (left to pest).
    fn operand_end(&mut self, operand: Expr) -> Option<Expr> {
        let end = self.pos;
        self.skip();
        let arithmetic = matches!(self.peek(), Some(b'+' | b'-' | b'*' | b'/' | b'%' | b'|'));
        self.pos = end;
        (!arithmetic).then_some(operand)
    }

    /// `parse` one bracket deeper, unless that is too deep.
    fn nested(&mut self, parse: fn(&mut Self) -> Option<Expr>) -> Option<Expr> {
        if self.depth == super::MAX_NESTING {
            return None;
        }
        self.depth += 1;
        let parsed = parse(self);
        self.depth -= 1;
        parsed
    }

    /// `list`: `[` expressions separated by commas, maybe one after the last, `]`.
    fn list(&mut self) -> Option<Expr> {
        let start = self.pos;
        self.pos += 1;
        self.skip();
        let mut items = Vec::new();
        while self.peek() != Some(b']') {
            items.push(self.expr()?);
            self.skip();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip();
                }
                Some(b']') => {}
                _ => return None,
            }
        }
        self.pos += 1;
        Some(Expr {
            span: self.span(start, self.pos),
            kind: ExprKind::List(items),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Path, chunks, parse_file_with};
    use std::path::{Path as FsPath, PathBuf};

    /// Every `.seg` file under the folders of tests, examples and benchmarks, and the rule
    /// blocks of the documentation.
    fn corpus() -> Vec<(PathBuf, String)> {
        let root = FsPath::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut folders: Vec<PathBuf> = ["tests", "examples", "bench", "docs"]
            .iter()
            .map(|f| root.join(f))
            .collect();
        folders.push(root.join("README.md"));
        while let Some(path) = folders.pop() {
            if path.is_dir() {
                let entries = std::fs::read_dir(&path).expect("folder");
                folders.extend(entries.map(|e| e.expect("entry").path()));
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            match path.extension().and_then(|e| e.to_str()) {
                Some("seg") => files.push((path, text)),
                Some("md") => {
                    let blocks = text.split("```").skip(1).step_by(2);
                    let rules = blocks.filter_map(|b| b.strip_prefix("seg\n"));
                    files.extend(rules.map(|b| (path.clone(), b.to_string())));
                }
                _ => {}
            }
        }
        files
    }

    /// Both paths give the same items and diagnostics for `text`; the number of segments the
    /// fast one parsed.
    fn same_both_ways(name: &str, text: &str) -> usize {
        let fast = parse_file_with(text, 7, Path::Fast);
        let pest = parse_file_with(text, 7, Path::Pest);
        assert_eq!(fast.program, pest.program, "{name}:\n{text}");
        assert_eq!(
            format!("{:?}", fast.diagnostics),
            format!("{:?}", pest.diagnostics),
            "{name}:\n{text}"
        );
        let scan = chunks::scan(text);
        let segments = scan.chunks.iter().filter(|c| c.first_word == "segment");
        segments
            .filter(|c| super::segment(c.span.text(text), 0).is_some())
            .count()
    }

    #[test]
    fn every_fixture_and_example_parses_as_pest_parses_it() {
        let corpus = corpus();
        assert!(corpus.len() > 100, "{} files", corpus.len());
        let mut fast = 0;
        for (path, text) in &corpus {
            fast += same_both_ways(&path.display().to_string(), text);
        }
        // Not a vacuous comparison: most segments of the examples take the fast path.
        assert!(fast > 300, "{fast} segments parsed by the fast path");
    }

    #[test]
    fn brackets_nest_as_deep_on_both_paths() {
        for depth in [1, 63, 64, 65, 300] {
            let parens = format!("{}a > 1{}", "(".repeat(depth), ")".repeat(depth));
            let lists = format!("a in {}1{}", "[".repeat(depth), "]".repeat(depth));
            for condition in [parens, lists] {
                let text = format!("segment s = {condition}\n");
                let fast = same_both_ways("nested", &text);
                assert_eq!(
                    fast,
                    usize::from(depth <= super::super::MAX_NESTING),
                    "{text}"
                );
            }
        }
    }

    /// Text spliced into segments by the mutation test: every token the fast path reads and
    /// many it leaves to pest, at their edges.
    const SPLICES: [&str; 54] = [
        "and",
        "or",
        "not ",
        "in",
        "between",
        "is",
        "null",
        "true",
        "false",
        "if",
        "then",
        "else",
        "where",
        "nothing",
        "_x",
        "(",
        ")",
        "[",
        "]",
        ",",
        "\"",
        "==",
        "<",
        ">=",
        "!=",
        "=",
        "1",
        "2.5",
        "1_000",
        "7.",
        "10%",
        " 30 days",
        "x",
        "a.b",
        ".",
        "f(",
        "+",
        "-",
        "*",
        "||",
        "//",
        "`",
        "\n",
        "\r",
        " ",
        "\t",
        "is not null",
        "not in",
        "@2026-01-01",
        "\\",
        "é",
        "holdout 5% seed \"s\"",
        "audience email",
        "9223372036854775808",
    ];

    /// A small deterministic generator (the tests take no dependency for it).
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) as usize) % n.max(1)
        }
    }

    /// `text` with one to three random edits: a splice inserted, or a range of text or a word
    /// deleted or replaced by one.
    fn mutant(text: &str, rng: &mut Lcg) -> String {
        let mut out = text.to_string();
        for _ in 0..=rng.below(3) {
            let splice = SPLICES[rng.below(SPLICES.len())];
            if rng.below(2) == 0 {
                let mut words: Vec<&str> = out.split(' ').collect();
                let at = rng.below(words.len());
                match rng.below(3) {
                    0 => words.insert(at, splice),
                    1 => drop(words.remove(at)),
                    _ => words[at] = splice,
                }
                out = words.join(" ");
                continue;
            }
            let bounds: Vec<usize> = (0..=out.len())
                .filter(|i| out.is_char_boundary(*i))
                .collect();
            let a = bounds[rng.below(bounds.len())];
            let b = bounds[rng.below(bounds.len())];
            let (a, b) = (a.min(b), a.max(b).min(a + 12));
            let b = (b..=out.len())
                .find(|i| out.is_char_boundary(*i))
                .unwrap_or(a);
            match rng.below(3) {
                0 => out.insert_str(a, splice),
                1 => out.replace_range(a..b, ""),
                _ => out.replace_range(a..b, splice),
            }
        }
        out
    }

    #[test]
    fn mutants_of_segments_parse_as_pest_parses_them() {
        let seeds: Vec<String> = corpus()
            .iter()
            .flat_map(|(_, text)| {
                let scan = chunks::scan(text);
                let segments = scan
                    .chunks
                    .into_iter()
                    .filter(|c| c.first_word == "segment");
                segments
                    .map(|c| c.span.text(text).to_string())
                    .collect::<Vec<_>>()
            })
            .chain([
                "segment s1 \"Segment 1\" = age between 19 and 61 and (income >= 1000 or \
                 spend > 1) and country in [\"FR\", \"C1\"] and status == \"client\""
                    .to_string(),
                "segment t = not not a.b is not null or x not in [1, 2.5, true,] and \
                 y not between 1_0 and 2 or (z in eu)"
                    .to_string(),
            ])
            .collect();
        let mut rng = Lcg(23);
        let mut fast = 0;
        for i in 0..6_000 {
            let seed = &seeds[rng.below(seeds.len())];
            let text = format!(
                "let z = 1\n{}\nsegment last = z > 0\n",
                mutant(seed, &mut rng)
            );
            fast += same_both_ways(&format!("mutant {i}"), &text);
        }
        assert!(fast > 6_000, "{fast} segments parsed by the fast path");
    }
}
