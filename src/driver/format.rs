//! `segc fmt` as calls: the rule files under folders, each read, formatted by [`crate::fmt`],
//! and written back atomically.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::diagnostics::{CommandDiagnostic, DataDiagnostic, Diagnostic};
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
