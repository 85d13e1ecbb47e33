//! Long lines of `segc explain` plans, wrapped: DataFusion prints a node on one line, and the
//! projection of a 30-segment file is 1,500 characters long. A line longer than the width is
//! broken after the commas of its outermost list (`Projection: a, b, c` or `expr=[a, b]`), each
//! continuation indented under the node; an item still too long is broken at its own outermost
//! commas, one level deeper. Items without such commas (a long expression) stay whole.

/// Lines of `text` longer than `width` characters, broken as the module says.
pub(super) fn wrap_plan(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.lines() {
        if line.chars().count() <= width {
            out.push_str(line);
        } else {
            let indent = line.len() - line.trim_start().len();
            let pieces = break_line(line.trim_start(), indent + 4, width, 0);
            out.push_str(&" ".repeat(indent));
            out.push_str(&pieces.join("\n"));
        }
        out.push('\n');
    }
    if !text.ends_with('\n') {
        out.pop();
    }
    out
}

/// How many levels deep items are broken: each level scans its item again, and deeply nested
/// expressions would make wrapping quadratic.
const MAX_LEVELS: usize = 3;

/// `line` as lines: the first unindented, the others indented by `indent`.
fn break_line(line: &str, indent: usize, width: usize, level: usize) -> Vec<String> {
    let items = split_outermost(line);
    if items.len() < 2 || level > MAX_LEVELS {
        return vec![line.to_string()];
    }
    let pad = " ".repeat(indent);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut current_width = indent;
    for (i, item) in items.iter().enumerate() {
        let last = i + 1 == items.len();
        let piece = if last {
            item.to_string()
        } else {
            format!("{item},")
        };
        let piece_width = piece.chars().count();
        if !current.is_empty() && current_width + 1 + piece_width > width {
            lines.push(std::mem::take(&mut current));
            current_width = indent;
        }
        if piece_width + indent > width {
            // Too long alone: one level deeper, on its own lines.
            let deeper = break_line(&piece, indent + 4, width, level + 1);
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            lines.extend(deeper);
            current_width = indent;
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
            current_width += 1;
        }
        current.push_str(&piece);
        current_width += piece_width;
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| if i == 0 { l } else { format!("{pad}{l}") })
        .collect()
}

/// `line` split at the `, ` separators of the least nested level that has any (outside quotes),
/// without the separators; not split when those separators are in different brackets (the
/// arguments of two calls of one expression are no list).
fn split_outermost(line: &str) -> Vec<&str> {
    // The positions of the open brackets around the current character.
    let mut open: Vec<usize> = Vec::new();
    let mut quote: Option<char> = None;
    // (position, depth, the bracket it is in)
    let mut separators: Vec<(usize, usize, Option<usize>)> = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => open.push(i),
            (None, ')' | ']' | '}') => {
                open.pop();
            }
            (None, ',') if chars.peek().is_some_and(|(_, n)| *n == ' ') => {
                separators.push((i, open.len(), open.last().copied()));
            }
            _ => {}
        }
    }
    let Some(level) = separators.iter().map(|(_, d, _)| *d).min() else {
        return vec![line];
    };
    let chosen: Vec<&(usize, usize, Option<usize>)> =
        separators.iter().filter(|(_, d, _)| *d == level).collect();
    if chosen.iter().any(|(_, _, within)| *within != chosen[0].2) {
        return vec![line];
    }
    let mut items = Vec::new();
    let mut start = 0;
    for (at, _, _) in chosen {
        items.push(&line[start..*at]);
        start = at + 2;
    }
    items.push(&line[start..]);
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_break_after_their_outermost_commas() {
        let line = format!(
            "  Projection: {}, f(a, b) AS x",
            (0..30)
                .map(|i| format!("column_{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let wrapped = wrap_plan(&line, 60);
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= 60),
            "{wrapped}"
        );
        assert!(wrapped.starts_with("  Projection: column_0,"), "{wrapped}");
        assert!(wrapped.contains("\n      column_"), "{wrapped}");
        assert!(wrapped.ends_with("f(a, b) AS x"), "{wrapped}");
        // Nothing lost: the words are the same.
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(words(&wrapped), words(&line));
    }

    #[test]
    fn short_lines_and_unbreakable_ones_stay() {
        assert_eq!(wrap_plan("  TableScan: t\n", 60), "  TableScan: t\n");
        let long = format!("  Filter: {}", "x".repeat(80));
        assert_eq!(wrap_plan(&long, 60), long);
        let quoted = format!("  Filter: a = \"{}, {}\"", "y".repeat(40), "z".repeat(40));
        assert_eq!(wrap_plan(&quoted, 60), quoted);
    }
}
