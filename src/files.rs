//! The rule files of one run, laid out in a single address space of byte offsets.
//!
//! Each file added to a [`SourceMap`] gets a base offset past the end of the previous one, and is
//! parsed with it (`syntax::parse_file`), so every [`Span`] of every stage names one place in one
//! file without carrying a file id: declarations imported from other files keep spans that point
//! into their own file. Only the edges (rendering, machine outputs) turn a span back into a file
//! and a local offset, with [`SourceMap::locate`].

use crate::span::Span;

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
}

/// The files of a run, each at its own base offset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
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
}
