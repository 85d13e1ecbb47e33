//! Documents: text with the places it may break, laid out for a line width.
//!
//! The algorithm of Wadler's "A prettier printer" as Prettier runs it: a [`Doc::Group`] is printed
//! on one line when it fits in what remains of the line (its text up to the next place where the
//! enclosing layout breaks anyway), else its [`Doc::Line`]s all become line breaks and the groups
//! inside it are tried in turn. Groups are tried outermost first, so the outermost group that does
//! not fit is the one broken. A group holding a hard line break or a comment at the end of a line
//! never fits: nothing may follow a `//` comment on its line.
//!
//! Each group's flat width is computed once, when it is built, and the look-ahead after a group
//! stops at the first line break or when the line is full, so printing is linear in the text
//! (times the line width at worst).

/// A document.
#[derive(Debug, Clone)]
pub(super) enum Doc {
    /// Text without line breaks, with its width in characters.
    Text(String, usize),
    /// A space on one line; a line break when its group is broken.
    Line,
    /// Nothing on one line; a line break when its group is broken.
    SoftLine,
    /// Always a line break (breaking every group around it).
    HardLine,
    /// A line break, and an empty line before the next text.
    BlankLine,
    /// Text printed only when the enclosing group is broken (a trailing comma).
    IfBroken(&'static str),
    /// Text printed at the end of the current line (a comment after code).
    LineSuffix(String),
    /// Its content, two more spaces in after each line break.
    Indent(Box<Doc>),
    /// Its content on one line if it fits, else broken; with its flat width (`None` when it
    /// can never be flat).
    Group(Box<Doc>, Option<usize>),
    /// A sequence.
    Concat(Vec<Doc>),
    /// A definition's head (`segment NAME =`, `+20 when`) and its body, ending its line.
    Assign(Box<Assign>),
}

/// How a definition is laid out, the first that fits: on one line; the body on the next line,
/// indented; the body after the head, broken (when it is `hugged`: a call or a list, whose
/// brackets keep it readable); the body on the next lines, indented and broken.
#[derive(Debug, Clone)]
pub(super) struct Assign {
    head: Doc,
    body: Doc,
    hugged: bool,
    /// The flat widths of the head and the body.
    widths: Option<(usize, usize)>,
}

/// The separators an [`Assign`] puts between its head and its body.
static SPACE: Doc = Doc::Line;
static BREAK: Doc = Doc::HardLine;

/// `head` then `body`, laid out as [`Assign`] says.
pub(super) fn assign(head: Doc, body: Doc, hugged: bool) -> Doc {
    let widths = flat_width(&head).zip(flat_width(&body));
    Doc::Assign(Box::new(Assign {
        head,
        body,
        hugged,
        widths,
    }))
}

/// Text (without line breaks).
pub(super) fn text(s: impl Into<String>) -> Doc {
    let s = s.into();
    let width = s.chars().count();
    Doc::Text(s, width)
}

/// A sequence.
pub(super) fn concat(parts: Vec<Doc>) -> Doc {
    Doc::Concat(parts)
}

/// `doc`, indented after its line breaks.
pub(super) fn indent(doc: Doc) -> Doc {
    Doc::Indent(Box::new(doc))
}

/// `doc` as a group: on one line if it fits, else broken.
pub(super) fn group(doc: Doc) -> Doc {
    let width = flat_width(&doc);
    Doc::Group(Box::new(doc), width)
}

/// `doc` as a group that is always broken.
pub(super) fn broken_group(doc: Doc) -> Doc {
    Doc::Group(Box::new(doc), None)
}

/// The width of `doc` on one line, `None` when it cannot be on one line.
fn flat_width(doc: &Doc) -> Option<usize> {
    // Without recursion: a deeply nested expression must not exhaust the stack here.
    let mut total = 0usize;
    let mut stack = vec![doc];
    while let Some(d) = stack.pop() {
        match d {
            Doc::Text(_, w) => total += w,
            Doc::Line => total += 1,
            Doc::SoftLine | Doc::IfBroken(_) => {}
            Doc::HardLine | Doc::BlankLine | Doc::LineSuffix(_) => return None,
            Doc::Indent(inner) => stack.push(inner),
            Doc::Group(_, w) => total += (*w)?,
            Doc::Concat(parts) => stack.extend(parts.iter()),
            Doc::Assign(a) => {
                let (head, body) = a.widths?;
                total += head + 1 + body;
            }
        }
    }
    Some(total)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Flat,
    Broken,
}

/// Prints `doc` for lines of `width` characters, the first line starting at column `indent`
/// (already written by the caller), every line break going back to `indent`.
pub(super) fn render(doc: &Doc, width: usize, indent: usize) -> String {
    let mut out = String::new();
    let mut column = indent;
    // Indentation is written before the next text, so empty lines stay empty.
    let mut pending_indent: Option<usize> = None;
    let mut suffixes: Vec<&str> = Vec::new();
    let mut stack: Vec<(usize, Mode, &Doc)> = vec![(indent, Mode::Broken, doc)];
    while let Some((ind, mode, d)) = stack.pop() {
        match d {
            Doc::Text(s, w) => {
                if let Some(n) = pending_indent.take() {
                    out.extend(std::iter::repeat_n(' ', n));
                }
                out.push_str(s);
                column += w;
            }
            Doc::Line | Doc::SoftLine if mode == Mode::Flat => {
                if matches!(d, Doc::Line) {
                    out.push(' ');
                    column += 1;
                }
            }
            Doc::Line | Doc::SoftLine | Doc::HardLine | Doc::BlankLine => {
                end_line(&mut out, &mut suffixes);
                if matches!(d, Doc::BlankLine) {
                    out.push('\n');
                }
                pending_indent = Some(ind);
                column = ind;
            }
            Doc::IfBroken(s) => {
                if mode == Mode::Broken {
                    out.push_str(s);
                    column += s.len();
                }
            }
            Doc::LineSuffix(s) => suffixes.push(s),
            Doc::Indent(inner) => stack.push((ind + 2, mode, inner)),
            Doc::Concat(parts) => stack.extend(parts.iter().rev().map(|p| (ind, mode, p))),
            Doc::Group(inner, flat) => {
                let fits = mode == Mode::Flat || fits_at(column, *flat, width, &stack);
                let mode = if fits { Mode::Flat } else { Mode::Broken };
                stack.push((ind, mode, inner));
            }
            Doc::Assign(a) => {
                let (head, body) = a.widths.unzip();
                let one_line = head.zip(body).map(|(h, b)| h + 1 + b);
                let (below, mode) =
                    if mode == Mode::Flat || fits_at(column, one_line, width, &stack) {
                        (false, Mode::Flat)
                    } else if fits_at(ind + 2, body, width, &stack) {
                        (true, Mode::Flat)
                    } else {
                        (!a.hugged, Mode::Broken)
                    };
                if below {
                    stack.push((ind + 2, mode, &a.body));
                    stack.push((ind + 2, Mode::Broken, &BREAK));
                } else {
                    stack.push((ind, mode, &a.body));
                    stack.push((ind, Mode::Flat, &SPACE));
                }
                stack.push((ind, Mode::Flat, &a.head));
            }
        }
    }
    let mut tail = Vec::new();
    std::mem::swap(&mut tail, &mut suffixes);
    for s in tail {
        out.push_str(s);
    }
    out
}

/// Whether something `flat` wide (`None`: never on one line) fits from `column`, with what
/// follows it on its line.
fn fits_at(
    column: usize,
    flat: Option<usize>,
    width: usize,
    stack: &[(usize, Mode, &Doc)],
) -> bool {
    flat.is_some_and(|w| column + w <= width && rest_fits(stack, width - column - w))
}

/// Ends the current line: its comments, no trailing spaces, a line break.
fn end_line(out: &mut String, suffixes: &mut Vec<&str>) {
    for s in suffixes.drain(..) {
        out.push_str(s);
    }
    let kept = out.trim_end_matches(' ').len();
    out.truncate(kept);
    out.push('\n');
}

/// Whether what follows a group on its line, up to the next line break of the enclosing
/// layout, fits in `budget` characters.
fn rest_fits(stack: &[(usize, Mode, &Doc)], budget: usize) -> bool {
    let mut budget = budget as isize;
    let mut rest = stack.len();
    let mut work: Vec<(Mode, &Doc)> = Vec::new();
    loop {
        let Some((mode, d)) = work.pop().or_else(|| {
            rest = rest.checked_sub(1)?;
            let (_, mode, d) = stack[rest];
            Some((mode, d))
        }) else {
            return true;
        };
        match d {
            Doc::Text(_, w) => budget -= *w as isize,
            Doc::Line if mode == Mode::Flat => budget -= 1,
            Doc::SoftLine if mode == Mode::Flat => {}
            Doc::Line | Doc::SoftLine | Doc::HardLine | Doc::BlankLine => return true,
            Doc::IfBroken(s) => {
                if mode == Mode::Broken {
                    budget -= s.len() as isize;
                }
            }
            Doc::LineSuffix(_) => {}
            Doc::Indent(inner) => work.push((mode, inner)),
            Doc::Group(inner, flat) => {
                let mode = if flat.is_none() { Mode::Broken } else { mode };
                work.push((mode, inner));
            }
            Doc::Concat(parts) => work.extend(parts.iter().rev().map(|p| (mode, p))),
            // A definition ends its line.
            Doc::Assign(_) => return true,
        }
        if budget < 0 {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Doc {
        let mut parts = vec![text("[")];
        let mut inner = vec![Doc::SoftLine];
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                inner.push(text(","));
                inner.push(Doc::Line);
            }
            inner.push(text(*item));
        }
        parts.push(indent(concat(inner)));
        parts.push(Doc::SoftLine);
        parts.push(text("]"));
        group(concat(parts))
    }

    #[test]
    fn a_group_that_fits_stays_on_one_line() {
        assert_eq!(render(&list(&["a", "b"]), 10, 0), "[a, b]");
    }

    #[test]
    fn a_group_that_does_not_fit_breaks() {
        assert_eq!(render(&list(&["aaa", "bbb"]), 8, 0), "[\n  aaa,\n  bbb\n]");
    }

    #[test]
    fn the_text_after_a_group_counts() {
        let doc = concat(vec![list(&["a", "b"]), text(" and more")]);
        assert_eq!(render(&doc, 10, 0), "[\n  a,\n  b\n] and more");
    }

    #[test]
    fn a_comment_breaks_its_group_and_ends_its_line() {
        let doc = group(concat(vec![
            text("a"),
            Doc::LineSuffix(" // c".into()),
            Doc::Line,
            text("b"),
        ]));
        assert_eq!(render(&doc, 80, 0), "a // c\nb");
    }
}
