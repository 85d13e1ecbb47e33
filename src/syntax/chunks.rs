//! Splitting a file into item chunks and collecting comments, for error recovery.
//!
//! An item starts at a line whose first word is an item keyword (`source`, `segment`, ...) followed
//! by a name, a backquote or a string. A column named like a keyword (`score`) is still usable: a
//! line like `score >= 80` or `score: int` starts no item. A line starting, unindented, with a near
//! miss of a keyword followed by a name (`segmnt foo`) also starts a chunk, so that the typo is
//! reported on its own and the items after it still parse.

use crate::ast::Comment;
use crate::span::Span;

/// Words that start a top-level item.
pub(crate) const ITEM_KEYWORDS: &[&str] = &[
    "source",
    "population",
    "let",
    "segment",
    "import",
    "kpi",
    "score",
    "tiers",
    "split",
    // `output let NAME = ...` (only followed by `let`: see `starts_item`).
    "output",
    "test",
];

/// A piece of the file holding one item (or stray text).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chunk {
    /// Byte range of the chunk in the file, trimmed of surrounding blank lines and comments.
    pub span: Span,
    /// The first word of the chunk.
    pub first_word: String,
}

/// The chunks and comments of a file.
pub(crate) struct Scan {
    pub chunks: Vec<Chunk>,
    pub comments: Vec<Comment>,
}

/// Scans `source` for item starts and comments. Strings and backquoted names are skipped so that
/// `"s3://bucket"` is not taken for a comment.
pub(crate) fn scan(source: &str) -> Scan {
    let mut comments = Vec::new();
    let mut starts: Vec<(usize, String)> = Vec::new();
    // Byte ranges of code (not comments, not blank) per line, to trim chunks.
    let mut code_ranges: Vec<(usize, usize)> = Vec::new();
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let (code_end, comment) = split_comment(line);
        if let Some(start) = comment {
            let text = line[start + 2..].trim_end_matches(['\n', '\r']).to_string();
            let end = offset + line.trim_end_matches(['\n', '\r']).len();
            comments.push(Comment {
                text,
                span: Span::new(offset + start, end),
            });
        }
        let code = &line[..code_end];
        let trimmed = code.trim_start();
        if !trimmed.trim().is_empty() {
            let indent = code.len() - trimmed.len();
            let code_start = offset + indent;
            code_ranges.push((code_start, offset + code.trim_end().len()));
            let word_len = trimmed
                .bytes()
                .position(|b| !(b.is_ascii_alphanumeric() || b == b'_'))
                .unwrap_or(trimmed.len());
            let word = &trimmed[..word_len];
            if starts_item(word, indent == 0, trimmed) {
                starts.push((code_start, word.to_string()));
            }
        }
        offset += line.len();
    }

    let mut chunks = Vec::new();
    // Text before the first keyword is a chunk of its own (stray text).
    if let Some(&(first, _)) = code_ranges.first()
        && starts.first().is_none_or(|(s, _)| *s > first)
    {
        let word = first_word(&source[first..]);
        starts.insert(0, (first, word));
    }
    // Each chunk ends with the last code before the next chunk's start (one pass over both lists).
    let mut ranges = code_ranges.iter().peekable();
    for (i, (start, word)) in starts.iter().enumerate() {
        let limit = starts.get(i + 1).map_or(source.len(), |(s, _)| *s);
        let mut end = *start;
        while let Some(&&(range_start, range_end)) = ranges.peek() {
            if range_start >= limit {
                break;
            }
            if range_start >= *start {
                end = end.max(range_end);
            }
            ranges.next();
        }
        chunks.push(Chunk {
            span: Span::new(*start, end),
            first_word: word.clone(),
        });
    }
    Scan { chunks, comments }
}

fn first_word(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Whether a line whose code starts with `word` starts an item (the formatter asks it too: a
/// line it breaks must not start one).
pub(crate) fn starts_item(word: &str, unindented: bool, line: &str) -> bool {
    let after = &line[word.len()..];
    let followed_by_name = after.starts_with([' ', '\t'])
        && after
            .trim_start()
            .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '`' || c == '"');
    if !followed_by_name {
        return false;
    }
    if word == "output" {
        // A column may be called `output`: only `output let` starts an item.
        let next = after.trim_start();
        return next.starts_with("let")
            && !next[3..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
    }
    if ITEM_KEYWORDS.contains(&word) {
        return true;
    }
    // `segmnt foo = ...` at the start of a line: a misspelled keyword followed by a name.
    unindented
        && word.len() >= 3
        && ITEM_KEYWORDS
            .iter()
            .any(|k| strsim::damerau_levenshtein(k, word) <= 2 && word.len() + 2 >= k.len())
}

/// The length of `text` without trailing white space and comments (pest includes the trivia
/// skipped before a failed optional part in a pair's span); `after` is the input that follows
/// `text`.
pub(crate) fn trimmed_len(text: &str, after: &str) -> usize {
    let mut end = trimmed_blank(text.as_bytes(), text.len());
    loop {
        // A comment runs to the end of its line: `end` can only be the end of one if nothing but
        // spaces and tabs comes before the next line break (or the end of the input). Most pairs
        // end with code followed by more code, and need no look at their last line.
        let next = text.as_bytes()[end..]
            .iter()
            .chain(after.as_bytes())
            .find(|b| !matches!(b, b' ' | b'\t'));
        if !matches!(next, None | Some(b'\n' | b'\r')) {
            return end;
        }
        let line_start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        match split_comment(&text[line_start..end]) {
            (_, Some(comment)) => end = trimmed_blank(text.as_bytes(), line_start + comment),
            (_, None) => return end,
        }
    }
}

/// `end` moved back over the blanks (space, tab, line break) before it: a byte loop, as this runs
/// for every pair built.
pub(crate) fn trimmed_blank(bytes: &[u8], mut end: usize) -> usize {
    while end > 0 && matches!(bytes[end - 1], b' ' | b'\t' | b'\r' | b'\n') {
        end -= 1;
    }
    end
}

/// The deepest nesting of `(` and `[` in `text`, outside strings, quoted names and comments.
pub(crate) fn max_nesting(text: &str) -> usize {
    // One pass over the bytes (every chunk goes through it): the characters looked for are
    // ASCII, which no byte of a multi-byte character equals. Strings and quoted names end at
    // the end of their line, as in `split_comment`.
    let bytes = text.as_bytes();
    let mut depth: usize = 0;
    let mut deepest = 0;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(_) if b == b'\n' => quote = None,
            Some(q) => {
                if b == b'\\' && q == b'"' && bytes.get(i + 1).is_some_and(|n| *n != b'\n') {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'"' | b'`' => quote = Some(b),
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    // A comment: on to the end of its line.
                    i = bytes[i..]
                        .iter()
                        .position(|c| *c == b'\n')
                        .map_or(bytes.len(), |n| i + n);
                    continue;
                }
                b'(' | b'[' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                b')' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        i += 1;
    }
    deepest
}

/// Where code ends on `line` and where a `//` comment starts, skipping strings and backquotes.
fn split_comment(line: &str) -> (usize, Option<usize>) {
    let bytes = line.as_bytes();
    // Most lines have no slash at all: one search (memchr) instead of a step per byte.
    if !bytes.contains(&b'/') {
        return (line.len(), None);
    }
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' && q == b'"' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => {
                if b == b'"' || b == b'`' {
                    quote = Some(b);
                } else if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
                    return (i, Some(i));
                }
            }
        }
        i += 1;
    }
    (line.len(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_and_comments() {
        let src = "// header\nsource a from csv \"s3://x\" {\n  key id: int // the key\n  score: int\n}\n\nsegment s = id > 1\n  and id < 5\nscore >= 3\nsegmnt t = 1\n";
        let scan = scan(src);
        let words: Vec<&str> = scan.chunks.iter().map(|c| c.first_word.as_str()).collect();
        assert_eq!(words, ["source", "segment", "segmnt"]);
        assert_eq!(
            scan.chunks[1].span.text(src),
            "segment s = id > 1\n  and id < 5\nscore >= 3"
        );
        let texts: Vec<&str> = scan.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, [" header", " the key"]);
        assert_eq!(scan.comments[1].span.text(src), "// the key");
    }

    #[test]
    fn trims_trivia() {
        assert_eq!(trimmed_len("int? // note\n  \n", ""), 4);
        assert_eq!(trimmed_len("\"a // b\"  ", ""), 8);
        assert_eq!(trimmed_len("x // one\n// two\n", ""), 1);
        // A comment that ends the input, or the line, with nothing of it trimmed.
        assert_eq!(trimmed_len("x // one", ""), 1);
        assert_eq!(trimmed_len("x // one", "\n}"), 1);
        assert_eq!(trimmed_len("x // one\u{a0}", "\r\n"), 1);
        // Code followed by more code on the line: no comment can end there.
        assert_eq!(trimmed_len("\"a // b\"", " c"), 8);
        assert_eq!(trimmed_len("x  ", ")"), 1);
        // Blanks between a comment and the end of its line.
        assert_eq!(trimmed_len("int? // note  \t\n  ", ""), 4);
        assert_eq!(trimmed_len("int? // note  ", "\n}"), 4);
    }

    #[test]
    fn nesting() {
        assert_eq!(max_nesting("a((b)[c])"), 2);
        assert_eq!(max_nesting("\"((((\" (x) // (((("), 1);
        // A comment ends at its line; a string too, even after a backslash.
        assert_eq!(max_nesting("// ((\n(a)"), 1);
        assert_eq!(max_nesting("\"a\\\n(((b)))"), 3);
        assert_eq!(max_nesting("\"\\\"((\" [x]"), 1);
        assert_eq!(max_nesting("`((` é(ü)"), 1);
    }

    #[test]
    fn expect_lines_stay_with_their_segment() {
        // `expect` is no item keyword, nor a near miss of one: unindented, it still continues
        // the segment above.
        let src = "segment s = id > 1\nexpect size <= 10%\n  expect members >= 5\nlet a = 1\n";
        let scan = scan(src);
        let words: Vec<&str> = scan.chunks.iter().map(|c| c.first_word.as_str()).collect();
        assert_eq!(words, ["segment", "let"]);
        assert!(
            scan.chunks[0]
                .span
                .text(src)
                .ends_with("expect members >= 5")
        );
    }

    #[test]
    fn stray_text_first() {
        let scan = scan("hello world\nlet a = 1\n");
        assert_eq!(scan.chunks.len(), 2);
        assert_eq!(scan.chunks[0].first_word, "hello");
    }
}
