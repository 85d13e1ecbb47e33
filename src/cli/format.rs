//! `segc fmt`: rewriting rule files in place, or checking them.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::Outcome;
use super::args::FmtArgs;
use super::report::{Reporter, outcome_of};
use crate::diagnostics::{CommandDiagnostic, DataDiagnostic, Diagnostic};

/// Formats (or checks) every rule file named or found under the given folders.
pub(super) fn run(args: &FmtArgs, reporter: &Reporter) -> Outcome {
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
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
    let mut outcome = Outcome::Success;
    let mut changed = 0;
    for path in &files {
        let file = match read_rules(path, reporter) {
            Ok(file) => file,
            Err(o) => {
                outcome = outcome.max(o);
                continue;
            }
        };
        let formatted = match crate::fmt::format(&file.text) {
            Ok(text) => text,
            Err(problems) => {
                reporter.file_diagnostics(&file.name, &file.text, &problems);
                outcome = outcome.max(outcome_of(&problems));
                continue;
            }
        };
        if formatted == file.text {
            continue;
        }
        changed += 1;
        if args.check {
            let diff = super::diff::line_diff(&file.text, &formatted);
            print!(
                "{}",
                diff.unified_diff()
                    .context_radius(2)
                    .header(&file.name, &format!("{} (formatted)", file.name))
            );
            outcome = outcome.max(Outcome::RuleErrors);
        } else if let Err(problem) = write_atomically(&file.path, &formatted) {
            reporter.standalone(&problem);
            outcome = outcome.max(Outcome::Environment);
        }
    }
    let verb = if args.check {
        "would reformat"
    } else {
        "reformatted"
    };
    eprintln!(
        "{verb} {changed} of {} file{}",
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    );
    outcome
}

/// A rule file read from disk.
struct RuleFile {
    path: PathBuf,
    name: String,
    text: String,
}

/// Reads one rule file, printing why it cannot be read.
fn read_rules(path: &Path, reporter: &Reporter) -> Result<RuleFile, Outcome> {
    use crate::load::ReadFiles as _;
    match crate::load::Disk.read(path) {
        Ok(text) => Ok(RuleFile {
            path: path.to_path_buf(),
            name: path.display().to_string(),
            text,
        }),
        Err(message) => {
            reporter.standalone(&Diagnostic::Command(CommandDiagnostic::FileUnreadable {
                path: path.display().to_string(),
                message,
            }));
            Err(Outcome::Environment)
        }
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
fn write_atomically(path: &Path, text: &str) -> Result<(), Diagnostic> {
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
