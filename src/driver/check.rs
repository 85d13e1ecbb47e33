//! `segc check` as a call: every rule file given read with its imports and checked with its
//! project's settings; a problem in a file imported by several is reported once.

use std::path::{Path, PathBuf};

use super::project::Project;
use super::rule_files::{Reported, Rules};
use crate::diagnostics::{CommandDiagnostic, Diagnostic};
use crate::files::SourceMap;
use crate::hir;

/// One file given to [`check_files`].
#[derive(Debug)]
pub struct CheckedFile {
    /// Its name as given.
    pub name: String,
    /// Whether it could be read and checked (else `diagnostics` says why not).
    pub checked: bool,
    /// Its program, when it has no error.
    pub program: Option<hir::Program>,
    /// Its diagnostics not reported for an earlier file.
    pub diagnostics: Vec<Diagnostic>,
}

/// The files of one `segc check`.
pub struct CheckedFiles {
    /// The files read (those given and those they import).
    pub rules: Rules,
    /// One entry per file given, in order (a file given twice is checked once).
    pub files: Vec<CheckedFile>,
}

impl CheckedFiles {
    /// The text of every file read.
    pub fn sources(&self) -> &SourceMap {
        self.rules.sources()
    }
}

/// Checks `paths` (a path given twice is checked once) with the settings of each one's project.
pub fn check_files(paths: &[PathBuf]) -> CheckedFiles {
    let mut seen = std::collections::HashSet::new();
    let paths: Vec<PathBuf> = paths.iter().filter(|p| seen.insert(*p)).cloned().collect();
    let rules = Rules::load(&paths);
    let mut reported = Reported::default();
    let files = rules
        .check_all(false)
        .into_iter()
        .zip(&paths)
        .map(|(result, path)| match result {
            Ok(file) => CheckedFile {
                name: file.name,
                checked: true,
                program: file.checked.program,
                diagnostics: reported.fresh(file.checked.diagnostics),
            },
            Err(problem) => CheckedFile {
                name: path.display().to_string(),
                checked: false,
                program: None,
                diagnostics: vec![problem],
            },
        })
        .collect();
    CheckedFiles { rules, files }
}

/// The rule files of the project of the folder `dir` (its segc.toml `files`), for a `segc check`
/// given no file: `E0805` when there is no project or it names none.
pub fn project_rule_files(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let project = Project::of_dir(dir)?;
    match &project.path {
        Some(_) if !project.files.is_empty() => project.rule_files(),
        path => Err(Diagnostic::Command(CommandDiagnostic::NoRuleFiles {
            project: path.as_ref().map(|p| p.display().to_string()),
        })),
    }
}
