//! Turning pest's parse errors into diagnostics worded for people (never grammar rule names).

use pest::error::{ErrorVariant, InputLocation};

use super::parser::Rule;
use crate::diagnostics::{Diagnostic, SyntaxDiagnostic, SyntaxHint};
use crate::span::Span;

/// Keyword operators, for "did you mean" on misspellings.
const OPERATOR_WORDS: &[&str] = &["and", "or", "not", "in", "between", "is"];

/// Punctuation worth naming when it was expected.
const PUNCTUATION: &[&str] = &["=", "{", "}", "(", ")", ":", ",", "[", "]"];

/// Converts a parse error of the chunk at `chunk` in `source` into a diagnostic whose spans are
/// moved by `base` (the file's offset in its source map).
pub(crate) fn convert(
    error: &pest::error::Error<Rule>,
    source: &str,
    chunk: Span,
    base: usize,
) -> Diagnostic {
    let chunk_end = chunk.end as usize;
    let located = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((start, _)) => start,
    };
    // Literal tokens (`=`, `{`) do not move pest's reported position; the attempts do.
    let furthest = error
        .parse_attempts()
        .map_or(located, |a| a.max_position.max(located));
    let reported = chunk.start as usize + furthest;
    let position = skip_blank(source, reported).min(chunk_end);
    let found = if position >= chunk_end {
        None
    } else {
        token_at(&source[..chunk_end], position)
    };
    if found.as_deref().is_some_and(|t| t.starts_with('"')) {
        let line_end = source[position..]
            .find('\n')
            .map_or(source.len(), |i| position + i);
        if !source[position + 1..line_end].contains('"') {
            return Diagnostic::Syntax(SyntaxDiagnostic::UnterminatedString {
                span: Span::new(position, line_end).shifted(base),
            });
        }
    }
    let mut expected: Vec<&'static str> = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
        // An operand is not a rule of its own (the grammar is flat), so where an expression may
        // start pest lists the names, strings, `not` and `null` it tried there too: they are
        // all "an expression".
        let operand = positives
            .iter()
            .any(|r| describe(*r) == Some("an expression"));
        for rule in positives {
            if operand && starts_expression(*rule) {
                continue;
            }
            if let Some(words) = describe(*rule) {
                push_unique(&mut expected, words);
            }
        }
    }
    let operators_expected = expected.contains(&"an operator");
    let expression_expected = expected.contains(&"an expression");
    if let Some(attempts) = error.parse_attempts() {
        for token in attempts.expected_tokens() {
            let text = token.to_string();
            if let Some(p) = PUNCTUATION.iter().find(|p| **p == text)
                && !(operators_expected && matches!(*p, "(" | "."))
                && !(expression_expected && matches!(*p, "(" | "["))
            {
                push_unique(&mut expected, punctuation_words(p));
            }
        }
    }
    // A KPI target is the place for a comparison: "an operator" would only repeat it.
    if expected.iter().any(|e| e.starts_with("a target such as")) {
        expected.retain(|e| *e != "an operator");
    }
    // Put "a new item" last: it is the least specific.
    if let Some(i) = expected.iter().position(|e| *e == "a new item") {
        let item = expected.remove(i);
        expected.push(item);
    }
    let len = found.as_ref().map_or(0, |f| f.len());
    let candidates = match &found {
        Some(word) if expected.contains(&"an operator") => {
            crate::suggest::similar(word, OPERATOR_WORDS.iter().copied())
        }
        _ => Vec::new(),
    };
    let hint = hint(source, position, found.as_deref());
    Diagnostic::Syntax(SyntaxDiagnostic::Unexpected {
        span: Span::new(position, position + len).shifted(base),
        expected,
        found,
        candidates,
        hint,
    })
}

/// The first offset at or after `position` that is not white space or inside a comment.
fn skip_blank(source: &str, mut position: usize) -> usize {
    loop {
        let Some(rest) = source.get(position..) else {
            return position;
        };
        let trimmed = rest.trim_start();
        position += rest.len() - trimmed.len();
        if trimmed.starts_with("//") {
            position += trimmed.find('\n').unwrap_or(trimmed.len());
        } else {
            return position;
        }
    }
}

/// A likely cause of the error at `position`, from what is found there and just before.
fn hint(source: &str, position: usize, found: Option<&str>) -> Option<SyntaxHint> {
    let found = found?;
    let before = source[..position].trim_end();
    let rest = &source[position..];
    Some(match found {
        _ if looks_like_date(rest) => SyntaxHint::BareDate,
        "=" => SyntaxHint::SingleEquals,
        "(" if before.ends_with(" in") || before.ends_with("\nin") => SyntaxHint::ParenthesisedList,
        "&&" => SyntaxHint::DoubleAmpersand,
        "||" => SyntaxHint::DoublePipe,
        // `a < 18 || a > 65`: `||` joined `18` and `a` as texts, then the comparisons chain.
        "<" | ">" | "<=" | ">=" | "==" | "!="
            if before
                .lines()
                .last()
                .is_some_and(|line| line.contains("||")) =>
        {
            SyntaxHint::DoublePipe
        }
        "≥" | "≤" | "≠" => SyntaxHint::UnicodeOperator,
        // `+ spend / 100 when ...`: value points end with their first term.
        "/" | "*" | "%" | "+" | "-"
            if before.lines().last().is_some_and(|line| {
                let line = line.trim_start();
                line.starts_with(['+', '-']) && !line.contains(" when ")
            }) =>
        {
            SyntaxHint::PointsInParentheses
        }
        _ if found.starts_with('\'') => SyntaxHint::SingleQuotes,
        _ if found
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() && !c.is_ascii())
            || before.ends_with(|c: char| c.is_alphabetic() && !c.is_ascii()) =>
        {
            SyntaxHint::NonAsciiName
        }
        _ if before
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && found
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() && !c.is_ascii()) =>
        {
            SyntaxHint::NonAsciiName
        }
        _ => return None,
    })
}

/// Whether `text` starts with a date written without `@` (`2026-12-31`).
fn looks_like_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit)
}

fn push_unique(list: &mut Vec<&'static str>, item: &'static str) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn punctuation_words(p: &str) -> &'static str {
    match p {
        "=" => "`=`",
        "{" => "`{`",
        "}" => "`}`",
        "(" => "`(`",
        ")" => "`)`",
        ":" => "`:`",
        "," => "`,`",
        "[" => "`[`",
        _ => "`]`",
    }
}

/// Rules that can begin an expression though they are not described as one.
fn starts_expression(rule: Rule) -> bool {
    use Rule::*;
    matches!(rule, ident | string | kw_not | kw_null)
}

/// What a grammar rule stands for, in words.
fn describe(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        ident => "a name",
        string => "a string",
        expr | sum | paren | list | call | name | if_expr | kw_if | number | amount | percent
        | duration | date_lit | bool_lit | null_lit | kw_true | kw_false | neg_op => {
            "an expression"
        }
        compare_op | sum_op | product_op | logic_op | kw_and | in_tail | kw_in | between_tail
        | kw_between | is_null_tail | kw_is => "an operator",
        kw_not => "`not`",
        kw_null => "`null`",
        kw_then => "`then`",
        by_clause | kw_by => "`by`",
        where_clause | kw_where => "`where`",
        kw_else => "`else`",
        kw_from => "`from`",
        kw_with | source_options => "`with`",
        references | kw_references => "`references`",
        nullable_mark => "`?`",
        type_expr => "a type",
        type_element => "`<` and an item type",
        type_args => "type arguments",
        column_decl | key_mark => "a column declaration",
        source_option => "an option",
        EOI => "a new item",
        kw_source | kw_population | kw_let | kw_segment | kw_score | kw_tiers | kw_split
        | kw_kpi | kw_test => "an item",
        kw_as_of => "`as_of @DATE`",
        test_rows | test_csv | test_expect | kw_expect => {
            "rows such as `customers [ { ... } ]` or an expectation such as `expect vip = [1]`"
        }
        test_row | row_field => "a row such as `{ customer_id: 1 }`",
        test_value | signed_number | expect_part => "a value",
        expect_op | kw_contains | kw_excludes => "`=`, `contains` or `excludes`",
        expect_list => "keys such as `[1, 2]`",
        expect_map | expect_entry => "entries such as `{ 1: gold }`",
        kpi_for | kw_for => "`for`",
        kpi_value | kw_value => "`value = ...`",
        kpi_target | kw_target => "`target ...`",
        kpi_warn | kw_warn => "`warn ...`",
        kpi_readout | kw_readout => "`readout vs GROUP`",
        kpi_except | kw_except => "`except` and tier names",
        kpi_target_for => "`for` and group names",
        kpi_detect | kw_detect => "`detect +10%`",
        kpi_threshold | kpi_between | kpi_change | kpi_delta => {
            "a target such as `>= 80%`, `between 7 and 9` or `+10% vs baseline`"
        }
        kpi_number => "a number or a percentage",
        kw_vs => "`vs`",
        kw_baseline | kpi_inline => "`baseline` or a number",
        kpi_since | kw_since => "`since`",
        kpi_deadline => "`by`",
        kpi_date => "a date such as `@2026-12-31`",
        holdout | kw_holdout => "`holdout`",
        size_expect | kw_size_expect => "`expect`",
        size_measure | kw_members | kw_size => "`members` or `size`",
        size_bound | size_between => "a range such as `>= 500` or `between 2% and 10%`",
        size_amount => "a number or a percentage",
        size_of => "`of`",
        size_error | kw_error => "`else error`",
        kw_seed => "`seed`",
        kw_of => "`of`",
        split_group => "a group such as `control: 10%`",
        score_rule | points => "a score rule such as `+10 when ...`",
        kw_when => "`when`",
        sort_order | kw_asc | kw_desc => "`asc` or `desc`",
        including_future | kw_including => "`including future`",
        kw_future => "`future`",
        ties_clause | kw_ties => "`ties by key`",
        row_filter => "`where`",
        freshness | kw_fresh => "`fresh within ...`",
        kw_within => "`within`",
        fresh_warn => "`else warn`",
        fresh_by | kw_modified => "`by modified`",
        event_mark => "a column declaration",
        tier_arm => "a tier such as `vip: ...`",
        _ => return None,
    })
}

/// The token starting at `position`, for "found `...`" (`None` at the end of the input).
fn token_at(source: &str, position: usize) -> Option<String> {
    let rest = source.get(position..)?;
    let first = rest.chars().next()?;
    let token: String = if first.is_alphanumeric() || first == '_' {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .collect()
    } else if first == '"' {
        let line = rest.lines().next().unwrap_or(rest);
        match line[1..].find('"') {
            Some(end) => line[..end + 2].to_string(),
            None => line.to_string(),
        }
    } else {
        ["==", "!=", "<=", ">=", "&&", "||"]
            .iter()
            .find(|op| rest.starts_with(**op))
            .map_or_else(|| first.to_string(), |op| op.to_string())
    };
    const MAX: usize = 24;
    if token.chars().count() > MAX {
        Some(token.chars().take(MAX).collect::<String>() + "…")
    } else {
        Some(token)
    }
}
