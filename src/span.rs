//! Byte ranges into a source text.
//!
//! Every AST and HIR node carries a [`Span`]. It is small and `Copy`; conversion to the span types of
//! the rendering library happens only at the edge (`diagnostics::render`).

use serde::Serialize;

/// A half-open byte range `start..end` into one source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord, Serialize)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// An empty span at `offset`.
    pub fn point(offset: usize) -> Self {
        Span::new(offset, offset)
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// This span moved right by `offset` bytes.
    pub fn shifted(self, offset: usize) -> Span {
        Span::new(self.start as usize + offset, self.end as usize + offset)
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the span covers no byte.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The covered range, for slicing the source text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The covered text of `source`, or an empty string if the span does not fit it.
    pub fn text(self, source: &str) -> &str {
        source.get(self.range()).unwrap_or("")
    }
}

fn clamp(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// A 1-based line and column (in characters) of a byte offset, for machine-readable outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineColumn {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl LineColumn {
    /// The line and column of byte `offset` in `source` (offsets past the end map to the end).
    pub fn of(source: &str, offset: usize) -> LineColumn {
        let offset = offset.min(source.len());
        let before = source.get(..offset).unwrap_or(source);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        LineColumn { line, column }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_and_shift() {
        let a = Span::new(3, 5);
        let b = Span::new(10, 12);
        assert_eq!(a.to(b), Span::new(3, 12));
        assert_eq!(a.shifted(7), Span::new(10, 12));
        assert_eq!(Span::new(5, 2), Span::new(5, 5));
    }

    #[test]
    fn line_columns() {
        let src = "ab\ncdé\nf";
        assert_eq!(LineColumn::of(src, 0), LineColumn { line: 1, column: 1 });
        assert_eq!(LineColumn::of(src, 3), LineColumn { line: 2, column: 1 });
        assert_eq!(LineColumn::of(src, 7), LineColumn { line: 2, column: 4 });
        assert_eq!(LineColumn::of(src, 99), LineColumn { line: 3, column: 2 });
    }
}
