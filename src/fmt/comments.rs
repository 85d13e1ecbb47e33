//! The comments of a file, found by position and each printed once.

use std::cell::Cell;
use std::ops::Range;

use crate::ast;

use super::doc::{Doc, concat, text};

/// The comments of one source text, in source order, with which are already printed.
pub(super) struct Comments<'a> {
    source: &'a str,
    /// Sorted by start: the comments of a range are found by binary search (a scan of all
    /// comments for each item was quadratic in files of many commented items).
    list: Vec<ast::Comment>,
    printed: Vec<Cell<bool>>,
    /// What comes before a comment after code: [`ALIGN`], or a space when the text holds
    /// that character already (nothing is aligned then).
    before_trailing: char,
}

/// The comments between two elements of a sequence (two operands, list items, rules).
#[derive(Default)]
pub(super) struct Gap {
    /// The comment on the previous element's line (with what comes before it): printed at the
    /// end of that line.
    pub trailing: Option<String>,
    /// The comments on their own lines: printed before the next element.
    pub leading: Vec<String>,
    /// Whether an empty line comes before the own-line comments (or the next element).
    pub blank: bool,
}

impl Gap {
    /// The own-line comments, each followed by a line break.
    pub(super) fn leading_doc(&self) -> Doc {
        let mut parts = Vec::new();
        for c in &self.leading {
            parts.push(text(c.clone()));
            parts.push(Doc::HardLine);
        }
        concat(parts)
    }

    /// The comment at the end of the previous element's line, if any.
    pub(super) fn trailing_doc(&self) -> Doc {
        match &self.trailing {
            Some(c) => Doc::LineSuffix(c.clone()),
            None => concat(Vec::new()),
        }
    }
}

/// Marks where a comment after code starts, until [`align`] replaces it with spaces.
const ALIGN: char = '\u{1}';

/// Whether comments after code can be aligned in the formatted `source`: it does not hold the
/// marker itself.
pub(super) fn aligns(source: &str) -> bool {
    !source.contains(ALIGN)
}

/// The comments after code of consecutive lines aligned one space after the longest line's
/// code (as written in a column of comments: the layout keeps the column).
pub(super) fn align(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < lines.len() {
        let mut end = i;
        while end < lines.len() && lines[end].contains(ALIGN) {
            end += 1;
        }
        if end == i {
            out.push_str(lines[i]);
            out.push('\n');
            i += 1;
            continue;
        }
        let code_width = |line: &str| line.split(ALIGN).next().map_or(0, |c| c.chars().count());
        let width = lines[i..end]
            .iter()
            .map(|l| code_width(l))
            .max()
            .unwrap_or(0);
        for line in &lines[i..end] {
            let padding = width - code_width(line) + 1;
            out.push_str(&line.replacen(ALIGN, &" ".repeat(padding), 1));
            out.push('\n');
        }
        i = end;
    }
    out.pop();
    out
}

/// A comment as printed: `//` and its text without trailing spaces.
pub(super) fn shown(c: &ast::Comment) -> String {
    format!("//{}", c.text.trim_end())
}

impl<'a> Comments<'a> {
    pub(super) fn new(source: &'a str, comments: &[ast::Comment]) -> Self {
        let mut list = comments.to_vec();
        list.sort_by_key(|c| c.span.start);
        let printed = vec![Cell::new(false); list.len()];
        let before_trailing = if aligns(source) { ALIGN } else { ' ' };
        Comments {
            source,
            list,
            printed,
            before_trailing,
        }
    }

    /// The indices of the comments starting in `from..to`.
    fn starting_in(&self, from: usize, to: usize) -> Range<usize> {
        let first = self
            .list
            .partition_point(|c| (c.span.start as usize) < from);
        let end = self.list.partition_point(|c| (c.span.start as usize) < to);
        first..end.max(first)
    }

    /// Unprinted comments starting in `from..to`, now printed.
    pub(super) fn take(&self, from: usize, to: usize) -> Vec<ast::Comment> {
        let mut found = Vec::new();
        for i in self.starting_in(from, to) {
            if !self.printed[i].replace(true) {
                found.push(self.list[i].clone());
            }
        }
        found
    }

    /// Whether an unprinted comment starts in `from..to`.
    pub(super) fn any_in(&self, from: usize, to: usize) -> bool {
        self.starting_in(from, to).any(|i| !self.printed[i].get())
    }

    /// Whether `offset` lies inside a comment.
    pub(super) fn inside(&self, offset: usize) -> bool {
        let after = self
            .list
            .partition_point(|c| (c.span.start as usize) <= offset);
        after > 0 && (self.list[after - 1].span.end as usize) > offset
    }

    /// The first `wanted` character at or after `from` (and before `to`) outside comments.
    pub(super) fn find(&self, wanted: char, from: usize, to: usize) -> Option<usize> {
        let text = self.source.get(from..to)?;
        text.match_indices(wanted)
            .map(|(i, _)| from + i)
            .find(|&at| !self.inside(at))
    }

    /// A comment on the same line as `end`, after it, printed at the end of that line.
    pub(super) fn trailing(&self, end: usize) -> Option<String> {
        let rest = self.source.get(end..)?;
        let line_end = rest.find('\n').map_or(self.source.len(), |i| end + i);
        let index = self
            .starting_in(end, line_end)
            .find(|&i| !self.printed[i].get())?;
        self.printed[index].set(true);
        Some(format!(
            "{}{}",
            self.before_trailing,
            shown(&self.list[index])
        ))
    }

    /// The unprinted comments in `from..to`, between two elements of a sequence (`previous`
    /// when there is an element before): the first is the previous element's trailing comment
    /// when it stands on that element's line.
    pub(super) fn gap(&self, from: usize, to: usize, previous: bool) -> Gap {
        let mut gap = Gap::default();
        let mut cursor = from;
        for c in self.take(from, to) {
            let same_line = self
                .source
                .get(from..c.span.start as usize)
                .is_some_and(|between| !between.contains('\n'));
            if previous && gap.trailing.is_none() && gap.leading.is_empty() && same_line {
                gap.trailing = Some(format!("{}{}", self.before_trailing, shown(&c)));
                cursor = c.span.end as usize;
            } else {
                if gap.leading.is_empty() {
                    gap.blank = self.blank_line_between(cursor, c.span.start as usize);
                }
                gap.leading.push(shown(&c));
            }
        }
        if gap.leading.is_empty() {
            gap.blank = self.blank_line_between(cursor, to);
        }
        gap
    }

    /// Whether the text between two offsets holds an empty line.
    pub(super) fn blank_line_between(&self, from: usize, to: usize) -> bool {
        // A line between two line breaks holding only spaces (a comment is not blank).
        let Some(between) = self.source.get(from..to) else {
            return false;
        };
        match (between.find('\n'), between.rfind('\n')) {
            (Some(first), Some(last)) if first < last => between[first + 1..last]
                .split('\n')
                .any(|l| l.trim().is_empty()),
            _ => false,
        }
    }
}
