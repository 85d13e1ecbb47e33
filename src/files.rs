//! The rule files of one run, laid out in a single address space of byte offsets.
//!
//! Each file added to a [`SourceMap`] gets a base offset past the end of the previous one, and is
//! parsed with it (`syntax::parse_file`), so every [`Span`] of every stage names one place in one
//! file without carrying a file id: declarations imported from other files keep spans that point
//! into their own file. Only the edges (rendering, machine outputs) turn a span back into a file
//! and a local offset, with [`SourceMap::locate`].

use crate::span::{LineColumn, Span};

/// An index into a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub usize);

/// One rule file: its name as shown to people, its text and where it starts in the address space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The name shown in diagnostics (a path as the user wrote it, or relative to the folder).
    pub name: String,
    /// The text.
    pub text: String,
    /// The offset of the file's first byte.
    pub base: usize,
    /// Where lines start, found once: every diagnostic drawn or listed needs lines and columns,
    /// and counting them from the file's start for each made thousands of diagnostics in a file
    /// of thousands of lines quadratic (issue 15).
    lines: LineStarts,
}

/// The offsets at which the lines of a text start, the first at 0.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LineStarts {
    /// After each `\n`: the lines of [`LineColumn`] and of too-long-line checks.
    newline: Vec<usize>,
    /// After each `\r\n`, lone `\r` and `\n`: the lines `miette` draws and numbers. `None` when the
    /// text has no `\r` (then they are those of `newline`).
    drawn: Option<Vec<usize>>,
}

impl LineStarts {
    fn of(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut newline = vec![0];
        newline.extend(
            (0..bytes.len())
                .filter(|&i| bytes[i] == b'\n')
                .map(|i| i + 1),
        );
        let drawn = bytes.contains(&b'\r').then(|| {
            // As `miette` reads them: `\r\n` is one line end, a lone `\r` another.
            let mut starts = vec![0];
            let mut i = 0;
            while i < bytes.len() {
                match bytes[i] {
                    b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                        i += 1;
                        starts.push(i + 1);
                    }
                    b'\r' | b'\n' => starts.push(i + 1),
                    _ => {}
                }
                i += 1;
            }
            starts
        });
        LineStarts { newline, drawn }
    }
}

/// The index of the line (of `starts`) that holds byte `at`.
fn line_of(starts: &[usize], at: usize) -> usize {
    starts.partition_point(|&s| s <= at).saturating_sub(1)
}

impl SourceFile {
    /// The extent of the file: every span of its nodes lies within it.
    pub fn extent(&self) -> Span {
        Span::new(self.base, self.base + self.text.len())
    }

    /// Whether `span` starts in this file.
    pub fn contains(&self, span: Span) -> bool {
        let start = span.start as usize;
        start >= self.base && start <= self.base + self.text.len()
    }

    /// `span` as a range into this file's text.
    pub fn local(&self, span: Span) -> Span {
        let start = (span.start as usize).saturating_sub(self.base);
        let end = (span.end as usize).saturating_sub(self.base);
        Span::new(start.min(self.text.len()), end.min(self.text.len()))
    }

    /// [`LineColumn::of`] the text at byte `offset`, without reading the text before its line.
    pub fn line_column(&self, offset: usize) -> LineColumn {
        let offset = offset.min(self.text.len());
        if !self.text.is_char_boundary(offset) {
            // What `LineColumn::of` does there (it reads the whole text): never for the spans
            // of the parser, which fall on characters.
            return LineColumn::of(&self.text, offset);
        }
        let line = line_of(&self.lines.newline, offset);
        let start = self.lines.newline[line];
        LineColumn {
            line: line + 1,
            column: self.text[start..offset].chars().count() + 1,
        }
    }

    /// The bounds of the line holding byte `at` (lines end at `\n`, which is not part of them).
    pub fn line_bounds(&self, at: usize) -> (usize, usize) {
        let at = at.min(self.text.len());
        let line = line_of(&self.lines.newline, at);
        let end = self
            .lines
            .newline
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        (self.lines.newline[line], end)
    }

    /// Where the lines that `miette` draws start (a lone `\r` ends one too).
    pub fn drawn_line_starts(&self) -> &[usize] {
        self.lines.drawn.as_deref().unwrap_or(&self.lines.newline)
    }
}

/// The files of a run, each at its own base offset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// A copy whose text within `span` (inside a string's quotes when it is one) is masked with
    /// `*`, byte for byte, so that every span still points where it did.
    pub fn masked(&self, span: Span) -> SourceMap {
        let mut map = self.clone();
        for file in &mut map.files {
            if !file.contains(span) {
                continue;
            }
            let start = (span.start as usize).saturating_sub(file.base);
            let end = ((span.end as usize).saturating_sub(file.base)).min(file.text.len());
            let Some(inside) = file.text.get(start..end) else {
                continue;
            };
            let quoted = inside.len() >= 2 && inside.starts_with('"') && inside.ends_with('"');
            let (from, to) = if quoted {
                (start + 1, end - 1)
            } else {
                (start, end)
            };
            // Byte for byte (a character of several bytes becomes several `*`); line ends kept.
            let stars: String = file.text.as_bytes()[from..to]
                .iter()
                .map(|&b| if b == b'\n' { '\n' } else { '*' })
                .collect();
            file.text.replace_range(from..to, &stars);
        }
        map
    }

    /// An empty map.
    pub fn new() -> Self {
        SourceMap::default()
    }

    /// A map of one file at offset 0 (what single-file tools and tests use).
    pub fn single(name: &str, text: &str) -> Self {
        let mut map = SourceMap::new();
        map.add(name, text);
        map
    }

    /// Adds a file after the others and returns its id. A gap of one byte between files keeps an
    /// empty span at the end of one file from being read as the start of the next.
    pub fn add(&mut self, name: &str, text: &str) -> FileId {
        let base = self.files.last().map_or(0, |f| f.base + f.text.len() + 1);
        self.files.push(SourceFile {
            name: name.to_string(),
            text: text.to_string(),
            base,
            lines: LineStarts::of(text),
        });
        FileId(self.files.len() - 1)
    }

    /// The file `id`.
    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0)
    }

    /// The file that `span` starts in.
    pub fn locate(&self, span: Span) -> Option<(FileId, &SourceFile)> {
        let start = span.start as usize;
        let index = self.files.partition_point(|f| f.base <= start);
        let index = index.checked_sub(1)?;
        let file = &self.files[index];
        file.contains(span).then_some((FileId(index), file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_find_their_file() {
        let mut map = SourceMap::new();
        let a = map.add("a.seg", "abc");
        let b = map.add("b.seg", "defgh");
        let base_b = map.file(b).map(|f| f.base).unwrap_or_default();
        assert_eq!(base_b, 4);
        assert_eq!(map.locate(Span::new(1, 2)).map(|(id, _)| id), Some(a));
        // The empty span at the end of `a` stays in `a`.
        assert_eq!(map.locate(Span::point(3)).map(|(id, _)| id), Some(a));
        let (id, file) = map.locate(Span::new(5, 7)).expect("in b");
        assert_eq!(id, b);
        assert_eq!(file.local(Span::new(5, 7)).text(&file.text), "ef");
        assert_eq!(map.locate(Span::new(50, 51)), None);
    }

    #[test]
    fn lines_and_columns_as_counted_from_the_start() {
        let texts = [
            "",
            "a",
            "ab\ncdé\nf",
            "\n\nx\n",
            "a\r\nb\rc\n\r\n",
            "é\nàb\n",
        ];
        for text in texts {
            let map = SourceMap::single("t.seg", text);
            let file = map.file(FileId(0)).expect("file");
            for at in 0..=text.len() + 2 {
                assert_eq!(
                    file.line_column(at),
                    LineColumn::of(text, at),
                    "{text:?} at {at}"
                );
                let at = at.min(text.len());
                let bytes = text.as_bytes();
                let start = bytes[..at].iter().rposition(|&b| b == b'\n');
                let end = bytes[at..].iter().position(|&b| b == b'\n');
                let (start, end) = (
                    start.map_or(0, |i| i + 1),
                    end.map_or(text.len(), |i| at + i),
                );
                assert_eq!(file.line_bounds(at), (start, end), "{text:?} at {at}");
            }
        }
        let map = SourceMap::single("t.seg", "a\r\nb\rc\n\r\nd");
        let file = map.file(FileId(0)).expect("file");
        assert_eq!(file.drawn_line_starts(), [0, 3, 5, 7, 9]);
        let map = SourceMap::single("t.seg", "a\nb\n");
        let file = map.file(FileId(0)).expect("file");
        assert_eq!(file.drawn_line_starts(), [0, 2, 4]);
    }
}
