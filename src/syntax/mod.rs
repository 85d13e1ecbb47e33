//! Source text to [`ast::Program`], with error recovery.
//!
//! The file is split into item chunks (see `chunks`); each chunk is parsed with the pest grammar in
//! `grammar/segc.pest` and built into AST nodes by hand (`build`). A chunk that fails to parse is
//! reported and kept as an [`ast::ItemKind::Broken`] item, and parsing goes on with the next one.

mod build;
mod chunks;
mod errors;
mod fast;
mod literals;

use pest::Parser as _;

use crate::ast::{self, BrokenItem, Ident, Item, ItemKind};
use crate::diagnostics::{Diagnostic, SyntaxDiagnostic};
use crate::span::Span;

pub(crate) use chunks::{ITEM_KEYWORDS, starts_item};

/// The pest parser generated from `grammar/segc.pest`.
mod parser {
    #![allow(missing_docs)]
    /// The generated parser of the rule language.
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/segc.pest"]
    pub struct SegcParser;
}

use parser::{Rule, SegcParser};

/// The result of parsing one file: the AST of everything that parsed, and the syntax diagnostics.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The items and comments of the file.
    pub program: ast::Program,
    /// Syntax problems, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a rule file. Never fails: problems are returned as diagnostics next to what did parse.
pub fn parse(source: &str) -> Parsed {
    parse_file(source, 0)
}

/// Parses a rule file whose first byte is at offset `base` of a [`crate::files::SourceMap`]:
/// every span of the result is moved by `base`.
pub fn parse_file(source: &str, base: usize) -> Parsed {
    parse_file_with(source, base, Path::Fast)
}

/// How a chunk is parsed.
#[derive(Clone, Copy, PartialEq)]
enum Path {
    /// By [`fast`] where it applies, else by pest without error detail.
    Fast,
    /// By pest without error detail (the tests compare it with `Fast`).
    #[cfg(test)]
    Pest,
    /// By pest with error detail, for the messages of a chunk that failed.
    Detailed,
}

/// [`parse_file`], taking `path`.
fn parse_file_with(source: &str, base: usize, path: Path) -> Parsed {
    let scan = chunks::scan(source);
    // pest records what it tried at every position only when asked, which costs more than the
    // parse itself: chunks are parsed without it (in parallel for big files), and the ones that
    // fail again with it, for their messages.
    let first = parse_all(source, base, &scan.chunks, path);
    let mut diagnostics = Vec::new();
    let mut items = Vec::with_capacity(scan.chunks.len());
    for (chunk, parsed) in scan.chunks.iter().zip(first) {
        match parsed {
            Some((item, found)) => {
                diagnostics.extend(found);
                items.push(item);
            }
            None => {
                // pest's switch is global: no other parse runs while it is on.
                let _alone = ERROR_DETAIL.write().unwrap_or_else(|e| e.into_inner());
                pest::set_error_detail(true);
                let item = parse_chunk(source, base, chunk, &mut diagnostics, Path::Detailed);
                pest::set_error_detail(false);
                items.extend(item);
            }
        }
    }
    let comments = scan
        .comments
        .into_iter()
        .map(|c| ast::Comment {
            span: c.span.shifted(base),
            ..c
        })
        .collect();
    Parsed {
        program: ast::Program { items, comments },
        diagnostics,
    }
}

/// Held for reading by parses without error detail, for writing by one parse with it: pest's
/// error-detail switch is process-wide, and is on only while a detailed parse runs alone.
static ERROR_DETAIL: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Files with at least this many items are parsed by several threads.
const PARALLEL_FROM: usize = 256;
/// Stack of a parsing thread: the parser recurses on nested expressions.
const WORKER_STACK: usize = 64 * 1024 * 1024;

/// Every chunk parsed without error detail: its item and diagnostics, or `None` when it failed
/// to parse (to be parsed again with detail).
#[allow(clippy::type_complexity)]
fn parse_all(
    source: &str,
    base: usize,
    chunks: &[chunks::Chunk],
    path: Path,
) -> Vec<Option<(Item, Vec<Diagnostic>)>> {
    let one = |chunk: &chunks::Chunk| {
        let mut found = Vec::new();
        parse_chunk(source, base, chunk, &mut found, path).map(|item| (item, found))
    };
    crate::parallel::map_in_order(chunks, PARALLEL_FROM, "segc-parse", WORKER_STACK, one)
}

/// Parses one chunk into an item. Except on [`Path::Detailed`], a chunk that does not parse gives
/// `None` (and no diagnostic), to be parsed again with pest's error detail on.
fn parse_chunk(
    source: &str,
    base: usize,
    chunk: &chunks::Chunk,
    diagnostics: &mut Vec<Diagnostic>,
    path: Path,
) -> Option<Item> {
    let text = chunk.span.text(source);
    let offset = chunk.span.start as usize + base;
    let chunk_span = chunk.span.shifted(base);
    let broken = |diagnostics: &mut Vec<Diagnostic>, diagnostic: Option<Diagnostic>| {
        diagnostics.extend(diagnostic);
        broken_item(source, base, chunk)
    };
    if !ITEM_KEYWORDS.contains(&chunk.first_word.as_str()) {
        let diagnostic = Diagnostic::Syntax(SyntaxDiagnostic::StrayText {
            found: text.split_whitespace().next().unwrap_or(text).to_string(),
            span: Span::new(offset, offset + chunk.first_word.len().max(1)),
            candidates: crate::suggest::similar(&chunk.first_word, ITEM_KEYWORDS.iter().copied()),
        });
        return Some(broken(diagnostics, Some(diagnostic)));
    }
    // Before the scan for brackets: the fast path counts its own.
    if path == Path::Fast
        && chunk.first_word == "segment"
        && let Some(item) = fast::segment(text, offset)
    {
        return Some(bounded(item, source, base, chunk, diagnostics));
    }
    if chunks::max_nesting(text) > MAX_NESTING {
        let diagnostic = Diagnostic::Syntax(SyntaxDiagnostic::TooDeep { span: chunk_span });
        return Some(broken(diagnostics, Some(diagnostic)));
    }
    let parsed = if path == Path::Detailed {
        SegcParser::parse(Rule::item_chunk, text)
    } else {
        let _shared = ERROR_DETAIL.read().unwrap_or_else(|e| e.into_inner());
        match SegcParser::parse(Rule::item_chunk, text) {
            Err(_) => return None,
            parsed => parsed,
        }
    };
    Some(match parsed {
        Ok(mut pairs) => {
            let Some(pair) = pairs.next() else {
                return Some(broken(diagnostics, None));
            };
            let mut builder = build::Builder::new(offset, text, diagnostics);
            let built = builder.item_chunk(pair);
            let too_deep = builder.too_deep();
            match built {
                Err(build::Stop) if too_deep => broken(
                    diagnostics,
                    Some(Diagnostic::Syntax(SyntaxDiagnostic::TooDeep {
                        span: chunk_span,
                    })),
                ),
                Ok(item) => bounded(item, source, base, chunk, diagnostics),
                Err(build::Stop) => broken(diagnostics, None),
            }
        }
        // pest stops when the native stack runs low (`not not not …` nests without brackets).
        Err(error) if matches!(error.variant, pest::error::ErrorVariant::CustomError { .. }) => {
            broken(
                diagnostics,
                Some(Diagnostic::Syntax(SyntaxDiagnostic::TooDeep {
                    span: chunk_span,
                })),
            )
        }
        Err(error) => {
            let diagnostic = errors::convert(&error, source, chunk.span, base);
            broken(diagnostics, Some(diagnostic))
        }
    })
}

/// `item` of `chunk`, or a broken item with E0108 when its expressions nest deeper than
/// [`MAX_DEPTH`].
fn bounded(
    item: Item,
    source: &str,
    base: usize,
    chunk: &chunks::Chunk,
    diagnostics: &mut Vec<Diagnostic>,
) -> Item {
    // Each expression's span holds its children's and more (an operator, a keyword, a
    // bracket), so a chunk of at most `MAX_DEPTH` bytes cannot be deeper: most items skip the
    // walk.
    if chunk.span.text(source).len() <= MAX_DEPTH || item_depth(&item) <= MAX_DEPTH {
        return item;
    }
    let span = chunk.span.shifted(base);
    diagnostics.push(Diagnostic::Syntax(SyntaxDiagnostic::TooDeep { span }));
    broken_item(source, base, chunk)
}

/// The [`ItemKind::Broken`] item of a chunk that does not parse or is refused.
fn broken_item(source: &str, base: usize, chunk: &chunks::Chunk) -> Item {
    let text = chunk.span.text(source);
    let offset = chunk.span.start as usize + base;
    Item {
        kind: ItemKind::Broken(BrokenItem {
            keyword: Some(chunk.first_word.clone()),
            name: declared_name(text, &chunk.first_word, offset),
        }),
        span: chunk.span.shifted(base),
    }
}

/// Parentheses and brackets nest at most this deep (the parser recurses on them).
const MAX_NESTING: usize = 64;
/// Expressions nest at most this deep (every later stage recurses on them).
const MAX_DEPTH: usize = 256;

/// The depth of the deepest expression of an item, computed without recursion.
fn item_depth(item: &Item) -> usize {
    let roots: Vec<&ast::Expr> = match &item.kind {
        ItemKind::Let(l) => vec![&l.value],
        ItemKind::Segment(s) => vec![&s.condition],
        ItemKind::Score(s) => s.rules.iter().map(|r| &r.condition).collect(),
        ItemKind::Tiers(t) => t.arms.iter().filter_map(|a| a.condition.as_ref()).collect(),
        ItemKind::Split(s) => vec![&s.base],
        ItemKind::Kpi(k) => k
            .clauses
            .iter()
            .filter_map(|c| match &c.kind {
                ast::KpiClauseKind::Value(e) => Some(e),
                _ => None,
            })
            .collect(),
        _ => return 0,
    };
    let mut deepest = 0;
    for root in roots {
        root.visit(&mut |_, depth| deepest = deepest.max(depth));
    }
    deepest
}

/// The name after the item keyword, if it reads as one (`segment foo ...` gives `foo`).
fn declared_name(text: &str, keyword: &str, offset: usize) -> Option<Ident> {
    if keyword == "output" {
        // `output let NAME`: the name follows `let`.
        let at = text.find("let")? + "let".len();
        return declared_name(&text[at..], "", offset + at);
    }
    let rest = text.get(keyword.len()..)?;
    let skipped = rest.len() - rest.trim_start().len();
    let rest = rest.trim_start();
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let start = offset + keyword.len() + skipped;
    Some(Ident {
        span: Span::new(start, start + name.len()),
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ast_visitor_goes_parents_first_in_source_order_with_depths() {
        let parsed = parse(
            "segment s = not (a between 1 and 2) or b in [3] or count(orders by d where c) > 0\n",
        );
        let Some(ItemKind::Segment(segment)) = parsed.program.items.first().map(|i| &i.kind) else {
            panic!("no segment: {:?}", parsed.diagnostics);
        };
        let mut seen = Vec::new();
        segment.condition.visit(&mut |e, depth| {
            let text = match &e.kind {
                ast::ExprKind::Name(parts) => parts[0].name.clone(),
                ast::ExprKind::Literal(_) => "lit".into(),
                ast::ExprKind::Call { function, .. } => function.name.clone(),
                ast::ExprKind::Binary { op, .. } => op.symbol().into(),
                _ => "·".into(),
            };
            seen.push(format!("{depth}{text}"));
        });
        // Three operands of `or` make a balanced tree: the first, then the other two. The
        // candidates of `in` are a list node (or a name), their items under it.
        let expected = "1or 2· 3· 4· 5a 5lit 5lit 2or 3· 4b 4· 5lit 3> 4count 5orders 5d 5c 4lit";
        assert_eq!(seen.join(" "), expected);
    }
}
