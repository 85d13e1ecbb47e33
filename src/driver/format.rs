//! `segc fmt` as calls: the rule files under folders, each read, formatted by [`crate::fmt`]
//! for the line width of its project, and written back atomically.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::Project;
use crate::diagnostics::{CommandDiagnostic, DataDiagnostic, Diagnostic};
use crate::fmt::Options;
use crate::load::ReadFiles as _;

/// A rule file read from disk.
#[derive(Debug, Clone)]
pub struct RuleFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its name as shown.
    pub name: String,
    /// Its text.
    pub text: String,
}

/// The rule files named in `roots` and the `.seg` files under the folders among them
/// (current folder when empty), sorted; hidden folders, `target` and links to folders skipped.
pub fn rule_files_under(roots: &[PathBuf]) -> Vec<PathBuf> {
    let roots = if roots.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        roots.to_vec()
    };
    let mut files = Vec::new();
    for root in &roots {
        if root.is_dir() {
            collect(root, &mut files);
        } else {
            files.push(root.clone());
        }
    }
    files.sort();
    files
}

/// The formatting options of rule files, from the `segc.toml` of each one's folder (or the
/// nearest above it; the defaults without one), each folder's settings read once.
#[derive(Debug, Default)]
pub struct FormatOptions {
    by_folder: HashMap<PathBuf, Result<Options, Diagnostic>>,
}

impl FormatOptions {
    /// The options of the rule file at `path`, or why its `segc.toml` cannot be used.
    pub fn of_file(&mut self, path: &Path) -> Result<Options, Diagnostic> {
        let folder = path.parent().unwrap_or(Path::new("")).to_path_buf();
        self.by_folder
            .entry(folder)
            .or_insert_with(|| {
                let project = Project::of_file(path)?;
                Ok(Options {
                    line_width: project.line_width.unwrap_or(crate::fmt::DEFAULT_LINE_WIDTH),
                })
            })
            .clone()
    }
}

/// The text of `file` formatted with `options`, or its syntax diagnostics.
pub fn format_file(file: &RuleFile, options: Options) -> Result<String, Vec<Diagnostic>> {
    crate::fmt::format_with(&file.text, options)
}

/// Reads the rule file at `path`.
pub fn read(path: &Path) -> Result<RuleFile, Diagnostic> {
    match crate::load::Disk.read(path) {
        Ok(text) => Ok(RuleFile {
            path: path.to_path_buf(),
            name: path.display().to_string(),
            text,
        }),
        Err(message) => Err(Diagnostic::Command(CommandDiagnostic::FileUnreadable {
            path: path.display().to_string(),
            message: message.to_string(),
        })),
    }
}

/// The `.seg` files under `dir`, skipping hidden folders and `target`.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        // Links to folders are not followed: a link to `.` or a parent would never end.
        let linked_folder = entry.file_type().is_ok_and(|t| t.is_symlink()) && path.is_dir();
        if linked_folder {
            continue;
        }
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                collect(&path, files);
            }
        } else if path.extension().is_some_and(|e| e == "seg") {
            files.push(path);
        }
    }
}

/// Replaces `path` with `text` through a temporary file in the same folder.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), Diagnostic> {
    let failed = |e: std::io::Error| {
        Diagnostic::Data(DataDiagnostic::OutputFailed {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    };
    // A link to a rule file stays a link: the file it points to is replaced.
    let resolved = std::fs::canonicalize(path).map_err(failed)?;
    let path = resolved.as_path();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(&dir).map_err(failed)?;
    temp.write_all(text.as_bytes()).map_err(failed)?;
    if let Ok(metadata) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(temp.path(), metadata.permissions());
    }
    temp.persist(path).map(|_| ()).map_err(|e| failed(e.error))
}
