//! Rule files as commands see them: read with their imports, checked with their project's
//! settings, diagnostics reported once even when a file is imported by several others.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::project::Project;
use crate::ast::ItemKind;
use crate::check;
use crate::diagnostics::Diagnostic;
use crate::diff;
use crate::engine::BaseDirs;
use crate::files::SourceMap;
use crate::git::Revision;
use crate::load::{self, Disk, Workspace};
use crate::span::Span;

/// The rule files of one command.
pub struct Rules {
    workspace: Workspace,
    /// The git revision the files were read from (its segc.toml files are the projects'), or
    /// `None` for the files on disk.
    revision: Option<Revision>,
}

/// One starting file, checked.
pub struct CheckedRoot {
    /// Its name as given.
    pub name: String,
    /// The checker's result (over the file and what it imports).
    pub checked: check::Checked,
    /// The settings of its project (read once, for the check and the command).
    pub project: Project,
}

impl Rules {
    /// Reads `paths` and everything they import.
    pub fn load(paths: &[PathBuf]) -> Rules {
        Rules::load_from(paths, &Disk)
    }

    /// Reads `paths` and everything they import from `reader` (the work tree, a git revision).
    pub fn load_from(paths: &[PathBuf], reader: &dyn load::ReadFiles) -> Rules {
        Rules {
            workspace: Workspace::load(paths, reader),
            revision: None,
        }
    }

    /// Reads `paths` and everything they import as the git revision `revision` has them; each
    /// file is checked with the settings of that revision's segc.toml.
    pub fn load_at(paths: &[PathBuf], revision: &Revision) -> Rules {
        Rules {
            workspace: Workspace::load(paths, revision),
            revision: Some(revision.clone()),
        }
    }

    /// The settings of the project of `rule_file`, from the segc.toml of the version read.
    pub fn project_of(&self, rule_file: &Path) -> Result<Project, Diagnostic> {
        match &self.revision {
            Some(revision) => Project::of_file_in(rule_file, revision, revision.top()),
            None => Project::of_file(rule_file),
        }
    }

    /// The items of the `root`-th starting file itself (not of what it imports), as written.
    pub fn own_items(&self, root: usize) -> Vec<diff::OwnItem> {
        match self.workspace.roots.get(root) {
            Some(Ok(index)) => self.items_of(*index),
            _ => Vec::new(),
        }
    }

    /// The files the `root`-th starting file imports, directly or not: each one's path and
    /// items, as written.
    pub fn imported_items(&self, root: usize) -> Vec<(PathBuf, Vec<diff::OwnItem>)> {
        let Some(Ok(index)) = self.workspace.roots.get(root) else {
            return Vec::new();
        };
        self.workspace
            .imported_by(*index)
            .into_iter()
            .map(|i| (self.workspace.files[i].path.clone(), self.items_of(i)))
            .collect()
    }

    /// The items of the `index`-th file read, as written.
    fn items_of(&self, index: usize) -> Vec<diff::OwnItem> {
        let file = &self.workspace.files[index];
        let Some(source) = self.workspace.sources.file(file.id) else {
            return Vec::new();
        };
        file.parsed
            .program
            .items
            .iter()
            .filter_map(|item| {
                let (kind, name) = match &item.kind {
                    ItemKind::Source(s) => (diff::Kind::Source, &s.name),
                    ItemKind::Population(p) => (diff::Kind::Population, &p.name),
                    ItemKind::Let(l) => (diff::Kind::Let, &l.name),
                    ItemKind::Segment(s) => (diff::Kind::Segment, &s.name),
                    ItemKind::Score(s) => (diff::Kind::Score, &s.name),
                    ItemKind::Tiers(t) => (diff::Kind::Tiers, &t.name),
                    ItemKind::Split(s) => (diff::Kind::Split, &s.name),
                    ItemKind::Kpi(k) => (diff::Kind::Kpi, &k.name),
                    ItemKind::Import(_) | ItemKind::Test(_) | ItemKind::Broken(_) => return None,
                };
                Some(diff::OwnItem {
                    kind,
                    name: name.name.clone(),
                    text: source
                        .local(item.span)
                        .text(&source.text)
                        .trim()
                        .to_string(),
                })
            })
            .collect()
    }

    /// The text of every file read.
    pub fn sources(&self) -> &SourceMap {
        &self.workspace.sources
    }

    /// Checks every starting file with the settings of its project: per file, the checked
    /// result, or why it could not be read or has no valid project (`E0803`, `E0804`).
    /// `baseline_given`: a KPI baseline file was named on the command line.
    pub fn check_all(&self, baseline_given: bool) -> Vec<Result<CheckedRoot, Diagnostic>> {
        self.workspace
            .roots
            .iter()
            .map(|root| match root {
                Ok(index) => self.check_file(*index, baseline_given),
                Err(problem) => Err(problem.clone()),
            })
            .collect()
    }

    fn check_file(&self, index: usize, baseline_given: bool) -> Result<CheckedRoot, Diagnostic> {
        let file = &self.workspace.files[index];
        let project = self.project_of(&file.path)?;
        let unit = self.workspace.unit(index);
        let mut settings = project.settings(unit.home);
        settings.baseline = Some(baseline_given || project.baseline.is_some());
        let checked = check::check_with(&unit.program, &unit.diagnostics, &settings);
        Ok(CheckedRoot {
            name: file.path.display().to_string(),
            checked,
            project,
        })
    }

    /// The folder each source's relative location is taken from: its declaring file's.
    pub fn base_dirs(&self) -> BaseDirs {
        let mut dirs = BaseDirs::single(Path::new("."));
        for file in &self.workspace.files {
            if let Some(source) = self.workspace.sources.file(file.id) {
                dirs.add(source.extent(), load::folder(&file.path));
            }
        }
        dirs
    }
}

/// Remembers the diagnostics already reported, so that a problem in a file imported by several
/// checked files is reported once.
#[derive(Default)]
pub struct Reported {
    seen: HashSet<(&'static str, Option<Span>, String)>,
}

impl Reported {
    /// The diagnostics of `diagnostics` not reported before (now counted as reported).
    pub fn fresh(&mut self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        diagnostics
            .into_iter()
            .filter(|d| self.seen.insert((d.code(), d.primary_span(), d.message())))
            .collect()
    }
}
