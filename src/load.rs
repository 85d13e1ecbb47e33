//! Rule files and their imports: the files a command starts from and every file they import.
//!
//! [`Workspace::load`] reads each file once (through [`ReadFiles`], so tests need no disk), adds
//! it to one [`SourceMap`] and parses it there; `import "PATH"` is taken from the folder of the
//! importing file. Problems with imports (unreadable files `E1201`, cycles `E1202`, imported files
//! declaring KPIs `E1203`) belong to the importing file. [`Workspace::unit`] then gives what the
//! checker sees for one file: the sources, `let`s, population, segments, scores, tiers and splits
//! of everything it imports, directly or not, followed by its own items.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::ast::{self, Item, ItemKind};
use crate::diagnostics::{CommandDiagnostic, Diagnostic, FileProblem, ImportDiagnostic};
use crate::files::{FileId, SourceMap};
use crate::span::Span;
use crate::syntax::{self, Parsed};

/// Where rule files come from.
pub trait ReadFiles {
    /// The text of the file at `path`, or why it cannot be read.
    fn read(&self, path: &Path) -> Result<String, FileProblem>;

    /// The names of the rule files (`*.seg`) in folder `dir`, for suggestions.
    fn rule_files_in(&self, dir: &Path) -> Vec<String>;
}

/// Rule files larger than this are refused (the largest generated benchmark file is 2 MiB).
const MAX_RULE_FILE_BYTES: u64 = 64 << 20;

/// Why a path that exists is not a file that can be read.
pub fn not_a_file(metadata: &std::fs::Metadata) -> FileProblem {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    FileProblem::NotRegular(if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    })
}

fn io_reason(e: &std::io::Error) -> FileProblem {
    match e.kind() {
        std::io::ErrorKind::NotFound => FileProblem::NotFound,
        std::io::ErrorKind::PermissionDenied => FileProblem::PermissionDenied,
        std::io::ErrorKind::InvalidData => FileProblem::NotUtf8,
        _ => FileProblem::System(e.to_string()),
    }
}

/// The metadata of `path` if it is a regular file, else why it cannot be read.
/// Checked before opening: opening a FIFO waits for a writer, and a device such as `/dev/zero`
/// never ends.
pub fn regular_file(path: &Path) -> Result<std::fs::Metadata, FileProblem> {
    let metadata = std::fs::metadata(path).map_err(|e| io_reason(&e))?;
    if metadata.is_file() {
        Ok(metadata)
    } else {
        Err(not_a_file(&metadata))
    }
}

/// Rule files on the local disk.
#[derive(Debug, Clone, Copy, Default)]
pub struct Disk;

impl ReadFiles for Disk {
    fn read(&self, path: &Path) -> Result<String, FileProblem> {
        let metadata = regular_file(path)?;
        if metadata.len() > MAX_RULE_FILE_BYTES {
            return Err(FileProblem::TooLarge {
                mib: metadata.len() >> 20,
                limit: MAX_RULE_FILE_BYTES >> 20,
            });
        }
        let text = std::fs::read_to_string(path).map_err(|e| io_reason(&e))?;
        // Some editors start files with a byte-order mark; it is not part of the rules.
        Ok(match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        })
    }

    fn rule_files_in(&self, dir: &Path) -> Vec<String> {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".seg"))
            .collect();
        names.sort();
        names
    }
}

/// An `import` whose file could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Import {
    /// The path literal.
    pub span: Span,
    /// The imported file (an index into [`Workspace::files`]).
    pub file: usize,
}

/// One rule file, parsed.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// Its place in the source map.
    pub id: FileId,
    /// Its path (as given for a starting file, joined to the importer's folder for an import).
    pub path: PathBuf,
    /// Its AST and syntax diagnostics (spans in the source map's address space).
    pub parsed: Parsed,
    /// Its imports that could be read, in order.
    pub imports: Vec<Import>,
    /// Problems with its imports.
    pub problems: Vec<Diagnostic>,
}

/// The files of a command: those it starts from and everything they import.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// The text of every file.
    pub sources: SourceMap,
    /// Every file read, starting files first.
    pub files: Vec<LoadedFile>,
    /// Per starting file: its index in `files`, or why it could not be read (`E0803`).
    pub roots: Vec<Result<usize, Diagnostic>>,
}

/// What the checker sees for one file.
#[derive(Debug, Clone)]
pub struct Unit<'w> {
    /// The imported declarations, then the file's own items (the file's own program, not a
    /// copy, when it imports nothing).
    pub program: Cow<'w, ast::Program>,
    /// Syntax and import problems of the file and of every file it imports.
    pub diagnostics: Vec<Diagnostic>,
    /// The extent of the file itself: lints only report what lies in it.
    pub home: Span,
}

impl Workspace {
    /// Reads `roots` and, transitively, what they import.
    pub fn load(roots: &[PathBuf], reader: &dyn ReadFiles) -> Workspace {
        let mut workspace = Workspace::default();
        let mut known: HashMap<PathBuf, usize> = HashMap::new();
        for root in roots {
            let index = match known.get(&normalize(root)) {
                Some(&i) => Ok(i),
                None => match reader.read(root) {
                    Ok(text) => Ok(workspace.add(root.clone(), &text, &mut known)),
                    Err(problem) => Err(Diagnostic::Command(CommandDiagnostic::FileUnreadable {
                        path: root.display().to_string(),
                        message: problem.to_string(),
                    })),
                },
            };
            workspace.roots.push(index);
        }
        // Files are appended while their importers are processed: a plain index walk visits all.
        let mut next = 0;
        while next < workspace.files.len() {
            workspace.resolve_imports(next, reader, &mut known);
            next += 1;
        }
        workspace.report_cycles();
        workspace.report_unshareable();
        workspace
    }

    fn add(&mut self, path: PathBuf, text: &str, known: &mut HashMap<PathBuf, usize>) -> usize {
        let id = self.sources.add(&path.display().to_string(), text);
        let base = self.sources.file(id).map_or(0, |f| f.base);
        let parsed = syntax::parse_file(text, base);
        known.insert(normalize(&path), self.files.len());
        self.files.push(LoadedFile {
            id,
            path,
            parsed,
            imports: Vec::new(),
            problems: Vec::new(),
        });
        self.files.len() - 1
    }

    fn resolve_imports(
        &mut self,
        index: usize,
        reader: &dyn ReadFiles,
        known: &mut HashMap<PathBuf, usize>,
    ) {
        let importer = self.files[index].path.clone();
        let written: Vec<ast::StringLit> = self.files[index]
            .parsed
            .program
            .items
            .iter()
            .filter_map(|item| match &item.kind {
                ItemKind::Import(path) => Some(path.clone()),
                _ => None,
            })
            .collect();
        for literal in written {
            let path = beside(&importer, &literal.value);
            if path.extension().is_none_or(|e| e != "seg") {
                // Never read (nor quote in a syntax error) a file that is not a rule file:
                // `import "/etc/passwd"` would print its first line.
                let message = "not a rule file: imports name `.seg` files".to_string();
                let problem = unreadable(&literal, &path, message, reader);
                self.files[index].problems.push(problem);
                continue;
            }
            let target = match known.get(&normalize(&path)) {
                Some(&i) => i,
                None => match reader.read(&path) {
                    Ok(text) => self.add(path, &text, known),
                    Err(problem) => {
                        let problem = unreadable(&literal, &path, problem.to_string(), reader);
                        self.files[index].problems.push(problem);
                        continue;
                    }
                },
            };
            let import = Import {
                span: literal.span,
                file: target,
            };
            if !self.files[index].imports.contains(&import) {
                self.files[index].imports.push(import);
            }
        }
    }

    /// Reports each cycle of imports once, at the import that closes it.
    fn report_cycles(&mut self) {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let mut marks = vec![Mark::New; self.files.len()];
        let mut found = Vec::new();
        for start in 0..self.files.len() {
            if marks[start] != Mark::New {
                continue;
            }
            // (file, next import to follow, the import that led here)
            let mut stack: Vec<(usize, usize, Option<Span>)> = vec![(start, 0, None)];
            marks[start] = Mark::Open;
            while let Some(&(file, next, _)) = stack.last() {
                let Some(import) = self.files[file].imports.get(next).copied() else {
                    marks[file] = Mark::Done;
                    stack.pop();
                    continue;
                };
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                match marks[import.file] {
                    Mark::New => {
                        marks[import.file] = Mark::Open;
                        stack.push((import.file, 0, Some(import.span)));
                    }
                    Mark::Open => {
                        let from = stack.iter().position(|(f, _, _)| *f == import.file);
                        let cycle = &stack[from.unwrap_or(0)..];
                        let mut files: Vec<String> =
                            cycle.iter().map(|(f, _, _)| self.name(*f)).collect();
                        files.push(self.name(import.file));
                        let others = cycle.iter().skip(1).filter_map(|(_, _, s)| *s).collect();
                        found.push((
                            file,
                            Diagnostic::Import(ImportDiagnostic::Cycle {
                                files,
                                span: import.span,
                                others,
                            }),
                        ));
                    }
                    Mark::Done => {}
                }
            }
        }
        for (file, problem) in found {
            self.files[file].problems.push(problem);
        }
    }

    /// Reports imports of files that declare what cannot be shared.
    fn report_unshareable(&mut self) {
        let mut found = Vec::new();
        for (index, file) in self.files.iter().enumerate() {
            for import in &file.imports {
                let imported = &self.files[import.file];
                let first = imported.parsed.program.items.iter().find_map(unshareable);
                if let Some((keyword, item)) = first {
                    found.push((
                        index,
                        Diagnostic::Import(ImportDiagnostic::NotShareable {
                            file: self.name(import.file),
                            keyword,
                            span: import.span,
                            item,
                        }),
                    ));
                }
            }
        }
        for (file, problem) in found {
            self.files[file].problems.push(problem);
        }
    }

    fn name(&self, file: usize) -> String {
        self.sources
            .file(self.files[file].id)
            .map_or_else(String::new, |f| f.name.clone())
    }

    /// The files `file` imports, directly or not, those imported by others first; never `file`.
    pub fn imported_by(&self, file: usize) -> Vec<usize> {
        let mut order = Vec::new();
        let mut seen = vec![false; self.files.len()];
        seen[file] = true;
        // Depth-first post-order without recursion: (file, next import to follow).
        let mut stack = vec![(file, 0usize)];
        while let Some((current, next)) = stack.pop() {
            match self.files[current].imports.get(next) {
                Some(import) => {
                    stack.push((current, next + 1));
                    if !seen[import.file] {
                        seen[import.file] = true;
                        stack.push((import.file, 0));
                    }
                }
                None if current != file => order.push(current),
                None => {}
            }
        }
        order
    }

    /// What the checker sees for `file` (an index into [`Workspace::files`]).
    pub fn unit(&self, file: usize) -> Unit<'_> {
        let own = &self.files[file];
        let mut diagnostics = Vec::new();
        let home = self
            .sources
            .file(own.id)
            .map_or_else(Span::default, |f| f.extent());
        let imports = self.imported_by(file);
        let own_items = &own.parsed.program.items;
        if imports.is_empty()
            && !own_items
                .iter()
                .any(|i| matches!(i.kind, ItemKind::Import(_)))
        {
            diagnostics.extend(own.parsed.diagnostics.iter().cloned());
            diagnostics.extend(own.problems.iter().cloned());
            return Unit {
                program: Cow::Borrowed(&own.parsed.program),
                diagnostics,
                home,
            };
        }
        let mut items: Vec<Item> = Vec::new();
        // A file's own `population` chooses its members: an imported one is left out, so
        // shared declarations serve files of every population (customers, companies, ...).
        let own_population = own_items
            .iter()
            .any(|i| matches!(i.kind, ItemKind::Population(_)));
        for dep in imports {
            let imported = &self.files[dep];
            items.extend(
                imported
                    .parsed
                    .program
                    .items
                    .iter()
                    .filter(|i| shared(i))
                    .filter(|i| !own_population || !matches!(i.kind, ItemKind::Population(_)))
                    .cloned(),
            );
            diagnostics.extend(imported.parsed.diagnostics.iter().cloned());
            diagnostics.extend(imported.problems.iter().cloned());
        }
        items.extend(
            own.parsed
                .program
                .items
                .iter()
                .filter(|i| !matches!(i.kind, ItemKind::Import(_)))
                .cloned(),
        );
        diagnostics.extend(own.parsed.diagnostics.iter().cloned());
        diagnostics.extend(own.problems.iter().cloned());
        Unit {
            program: Cow::Owned(ast::Program {
                items,
                comments: own.parsed.program.comments.clone(),
            }),
            diagnostics,
            home,
        }
    }
}

/// Whether an imported item is seen by the importer: everything but imports and KPIs (a KPI
/// belongs to the file that measures it).
fn shared(item: &Item) -> bool {
    match &item.kind {
        ItemKind::Source(_)
        | ItemKind::Let(_)
        | ItemKind::Population(_)
        | ItemKind::Segment(_)
        | ItemKind::Score(_)
        | ItemKind::Tiers(_)
        | ItemKind::Split(_) => true,
        ItemKind::Broken(b) => matches!(
            b.keyword.as_deref(),
            Some("source" | "let" | "population" | "segment" | "score" | "tiers" | "split")
        ),
        ItemKind::Import(_) | ItemKind::Kpi(_) | ItemKind::Test(_) => false,
    }
}

/// The keyword and name span of an item that cannot be imported. A `test` item is not shared
/// either, but importing its file is fine: the test stays its file's own (it tests the segments
/// declared there, and `segc test` runs it with that file), so a file can be both tested and
/// imported.
fn unshareable(item: &Item) -> Option<(&'static str, Span)> {
    Some(match &item.kind {
        ItemKind::Kpi(k) => ("KPI", k.name.span),
        _ => return None,
    })
}

fn unreadable(
    literal: &ast::StringLit,
    path: &Path,
    message: String,
    reader: &dyn ReadFiles,
) -> Diagnostic {
    let written = Path::new(&literal.value);
    let wanted = written
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let names = reader.rule_files_in(&folder(path));
    let near = crate::suggest::similar(&wanted, names.iter().map(String::as_str));
    let candidates = near
        .into_iter()
        .map(|name| match written.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.join(name).display().to_string(),
            _ => name,
        })
        .collect();
    Diagnostic::Import(ImportDiagnostic::Unreadable {
        path: literal.value.clone(),
        resolved: path.display().to_string(),
        message,
        span: literal.span,
        candidates,
    })
}

/// The folder of a file (`.` for a bare file name).
pub fn folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `relative` taken from the folder of `importer`, with `dir/..` pairs removed for display.
fn beside(importer: &Path, relative: &str) -> PathBuf {
    let joined = match importer.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join(relative),
        _ => PathBuf::from(relative),
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// `path` made absolute with `.` and `..` removed, so two spellings of one file compare equal.
fn normalize(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
