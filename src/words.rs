//! The language's reserved words and how names and strings are written in rule files: a leaf
//! module, so that the stages below `syntax` (diagnostics, the engine writing declarations)
//! need not depend on the parser.

/// Words that cannot be used as bare names (quote them with backquotes).
pub const RESERVED_WORDS: &[&str] = &[
    "and", "or", "not", "in", "between", "is", "null", "true", "false", "if", "then", "else",
    "where",
];

/// `name` as it must be written in a rule file: bare when possible, else in backquotes.
pub fn quote_name(name: &str) -> String {
    let mut chars = name.chars();
    let bare = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED_WORDS.contains(&name);
    if bare {
        name.to_string()
    } else {
        format!("`{name}`")
    }
}

/// `text` as a string literal of the language (the escapes `\"`, `\\`, `\n`, `\t`; other control
/// characters, which a literal cannot hold, become spaces).
pub fn quote_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
