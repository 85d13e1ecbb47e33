//! Decoding of literal text: strings, numbers, dates.

use chrono::{NaiveDate, NaiveDateTime};

/// A decoded string literal, or the byte range (within the literal text) of a bad escape.
pub(crate) fn unescape(quoted: &str) -> Result<String, std::ops::Range<usize>> {
    let inner = quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(quoted);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '"')) => out.push('"'),
            Some((_, '\\')) => out.push('\\'),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((j, other)) => return Err(i + 1..j + 1 + other.len_utf8()),
            None => return Err(i + 1..i + 2),
        }
    }
    Ok(out)
}

/// The digits of a number literal without `_` separators.
pub(crate) fn digits(text: &str) -> String {
    text.chars().filter(|c| *c != '_').collect()
}

/// A date (`@2026-11-01`) or timestamp (`@2026-11-01T08:30:00`, seconds and fraction optional).
pub(crate) enum DateValue {
    /// A calendar date.
    Date(NaiveDate),
    /// A date and time.
    Timestamp(NaiveDateTime),
}

/// Parses the text after `@`.
pub(crate) fn parse_date(text: &str) -> Option<DateValue> {
    // Exactly YYYY-MM-DD before any time of day (chrono alone accepts `2026-1-01`).
    let shaped = text
        .as_bytes()
        .iter()
        .take(10)
        .enumerate()
        .all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
        && text.len() >= 10
        && (text.len() == 10 || text.as_bytes().get(10) == Some(&b'T'));
    if !shaped {
        return None;
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return (text.len() == 10).then_some(DateValue::Date(date));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(ts) = NaiveDateTime::parse_from_str(text, format) {
            return Some(DateValue::Timestamp(ts));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(unescape(r#""a\"b\\c\n""#), Ok("a\"b\\c\n".to_string()));
        assert_eq!(unescape(r#""a\qb""#), Err(2..4));
        assert_eq!(unescape(r#""é\x""#), Err(3..5));
    }

    #[test]
    fn dates() {
        assert!(matches!(parse_date("2026-11-01"), Some(DateValue::Date(_))));
        assert!(matches!(
            parse_date("2026-11-01T08:30"),
            Some(DateValue::Timestamp(_))
        ));
        assert!(matches!(
            parse_date("2026-11-01T08:30:12.5"),
            Some(DateValue::Timestamp(_))
        ));
        assert!(parse_date("2026-13-01").is_none());
        assert!(parse_date("2026-2-01").is_none());
        assert!(parse_date("2026-1-01T08:30").is_none());
        assert!(parse_date("yesterday").is_none());
    }
}
