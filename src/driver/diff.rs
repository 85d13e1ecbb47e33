//! `segc diff` as a call: two versions of rule files (git revisions, or a revision and the work
//! tree), each read with its imports as that version has them and checked, then compared item
//! by item ([`crate::diff`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::check::project_rule_files;
use super::rule_files::{Reported, Rules};
use super::{Project, Stopped};
use crate::diagnostics::{CommandDiagnostic, Diagnostic, DiffDiagnostic, FileProblem, Severity};
use crate::diff::{self, Change, Version};
use crate::files::SourceMap;
use crate::git::{Repository, Revision};
use crate::hir;
use crate::load::{Disk, ReadFiles};

/// What `segc diff` compares.
#[derive(Debug, Clone, Default)]
pub struct DiffRequest {
    /// Zero to two revisions: the base (default `HEAD`), then the head (default: the work
    /// tree).
    pub revisions: Vec<String>,
    /// The rule files, from the current folder (default: the `files` of the project of the
    /// current folder).
    pub files: Vec<PathBuf>,
}

/// One of the two versions compared.
pub enum VersionOf {
    /// The files on disk.
    WorkTree,
    /// A commit.
    Revision(Revision),
}

impl VersionOf {
    /// How the version is shown: the revision as given, or `work tree`.
    pub fn name(&self) -> String {
        match self {
            VersionOf::WorkTree => "work tree".into(),
            VersionOf::Revision(r) => r.name().to_string(),
        }
    }

    fn reader(&self) -> &dyn ReadFiles {
        match self {
            VersionOf::WorkTree => &Disk,
            VersionOf::Revision(r) => r,
        }
    }

    /// Reads `paths` and their imports as this version has them, each checked with the
    /// settings of this version's segc.toml.
    fn rules(&self, paths: &[PathBuf]) -> Rules {
        match self {
            VersionOf::WorkTree => Rules::load_from(paths, &Disk),
            VersionOf::Revision(r) => Rules::load_at(paths, r),
        }
    }

    /// The rule files of the `files` of this version's segc.toml (of the current folder).
    fn project_files(&self) -> Result<Vec<PathBuf>, Diagnostic> {
        let VersionOf::Revision(revision) = self else {
            return project_rule_files(Path::new("."));
        };
        let project = Project::of_dir_in(Path::new("."), revision, revision.top())?;
        match &project.path {
            Some(_) if !project.files.is_empty() => {
                project.rule_files_among(&revision.rule_files()?)
            }
            path => Err(Diagnostic::Command(CommandDiagnostic::NoRuleFiles {
                project: path.as_ref().map(|p| p.display().to_string()),
            })),
        }
    }
}

/// How a rule file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Only in the new version.
    Added,
    /// Only in the old version.
    Removed,
    /// Some item changed.
    Changed,
    /// Nothing changed in meaning.
    Unchanged,
    /// The rules have errors in a version: not compared.
    Errors,
}

/// One rule file compared.
pub struct DiffedFile {
    /// Its name as given (as imported, for an imported file).
    pub name: String,
    /// For a file imported by the files given: the one whose rules hold its items in both
    /// versions (with `--data`, they run with that file's rules), if one does.
    pub checked_with: Option<String>,
    /// How it changed.
    pub status: FileStatus,
    /// Its changed items.
    pub changes: Vec<Change>,
    /// The checked rules holding its items in the old version (its own for a file given;
    /// see `checked_with` for an imported one), when there and without errors.
    pub old: Option<hir::Program>,
    /// The same in the new version.
    pub new: Option<hir::Program>,
    /// What the change does to its members over the data (`segc diff --data`).
    pub data: Option<super::diff_data::FileData>,
    /// The settings it runs over the data with: the new version's segc.toml (the old
    /// version's for a removed file).
    pub settings: Option<Project>,
}

/// The errors of the rules in one version, with the texts to draw them.
pub struct VersionProblems {
    /// The version.
    pub version: String,
    /// The text of its files.
    pub sources: SourceMap,
    /// Errors in its rules, then `E1506` per file that has some.
    pub diagnostics: Vec<Diagnostic>,
}

/// What `segc diff` found.
pub struct Diffed {
    /// The old version's name.
    pub base: String,
    /// The new version's name.
    pub head: String,
    /// The files, in the order given.
    pub files: Vec<DiffedFile>,
    /// Errors in the rules of either version.
    pub problems: Vec<VersionProblems>,
    /// The new version's files: the places of the data's problems.
    head_rules: Arc<Rules>,
    /// The old version's files: where a removed file's data problems are.
    base_rules: Arc<Rules>,
    /// Whether the problems `--data` stopped on are in the old version's files (a removed
    /// file ran alone).
    pub(super) stopped_in_base: bool,
}

impl Diffed {
    /// The text of the new version's files (where problems with the data are drawn).
    pub fn head_sources(&self) -> &SourceMap {
        self.head_rules.sources()
    }

    /// The text of the files the problems `--data` stopped on are in: the new version's,
    /// or the old version's when a removed file ran alone.
    pub fn data_sources(&self) -> &SourceMap {
        match self.stopped_in_base {
            true => self.base_rules.sources(),
            false => self.head_rules.sources(),
        }
    }

    pub(super) fn head_rules(&self) -> Arc<Rules> {
        Arc::clone(&self.head_rules)
    }

    pub(super) fn base_rules(&self) -> Arc<Rules> {
        Arc::clone(&self.base_rules)
    }
}

/// One version of the files: read, checked, and the items of each file.
struct Loaded {
    name: String,
    rules: Arc<Rules>,
    /// Per starting file: its program, when it is there without errors.
    programs: Vec<Option<hir::Program>>,
    /// Per starting file: the settings of its project in this version.
    projects: Vec<Option<Project>>,
    /// Per starting file: its items, when it is there.
    roots: Vec<Option<Vec<diff::OwnItem>>>,
    /// The files they import: path, the starting file whose program has its items, its items.
    imports: Vec<(PathBuf, usize, Vec<diff::OwnItem>)>,
    errors: Vec<Diagnostic>,
}

/// What a version has of one file: the program its items are checked in (`None`: errors),
/// and its items.
type Side<'a> = Option<(Option<&'a hir::Program>, &'a [diff::OwnItem])>;

impl Loaded {
    fn root(&self, index: usize) -> Side<'_> {
        let items = self.roots[index].as_deref()?;
        Some((self.programs[index].as_ref(), items))
    }

    fn imported(&self, path: &Path) -> Side<'_> {
        let (_, root, items) = self.imports.iter().find(|(p, _, _)| p == path)?;
        Some((self.programs[*root].as_ref(), items))
    }
}

/// Reads and checks `paths` as `version` has them (its errors reported once each, then `E1506`
/// per file that has some).
fn load(version: &VersionOf, paths: &[PathBuf]) -> Loaded {
    let reader = version.reader();
    // A file missing from a version is added or removed by the change, not a problem.
    let present: Vec<bool> = paths
        .iter()
        .map(|p| !matches!(reader.read(p), Err(FileProblem::NotFound)))
        .collect();
    let mut loaded = Loaded {
        name: version.name(),
        rules: Arc::new(version.rules(paths)),
        programs: Vec::new(),
        projects: Vec::new(),
        roots: Vec::new(),
        imports: Vec::new(),
        errors: Vec::new(),
    };
    let checked = loaded.rules.check_all(false);
    let mut reported = Reported::default();
    for (root, (checked, there)) in checked.into_iter().zip(&present).enumerate() {
        if !there {
            loaded.programs.push(None);
            loaded.projects.push(None);
            loaded.roots.push(None);
            continue;
        }
        let (program, problems, project) = match checked {
            Ok(root) => (
                root.checked.program,
                root.checked.diagnostics,
                Some(root.project),
            ),
            Err(problem) => (None, vec![problem], None),
        };
        loaded.projects.push(project);
        let errors = problems
            .into_iter()
            .filter(|d| d.severity() == Severity::Error)
            .collect();
        loaded.errors.extend(reported.fresh(errors));
        if program.is_none() {
            loaded
                .errors
                .push(Diagnostic::Diff(DiffDiagnostic::RulesWithErrors {
                    file: paths[root].display().to_string(),
                    version: version.name(),
                }));
        }
        for (path, items) in loaded.rules.imported_items(root) {
            if !loaded.imports.iter().any(|(p, _, _)| *p == path) {
                loaded.imports.push((path, root, items));
            }
        }
        loaded.programs.push(program);
        loaded.roots.push(Some(loaded.rules.own_items(root)));
    }
    loaded
}

/// The two versions a request names (`E1501`–`E1504`).
fn versions(request: &DiffRequest) -> Result<(Repository, VersionOf, VersionOf), Diagnostic> {
    if request.revisions.len() > 2 {
        return Err(Diagnostic::Diff(DiffDiagnostic::TooManyRevisions {
            given: request.revisions.clone(),
        }));
    }
    let repository = Repository::of(Path::new("."))?;
    let base = request.revisions.first().map_or("HEAD", String::as_str);
    let base = VersionOf::Revision(repository.revision(base)?);
    let head = match request.revisions.get(1) {
        Some(name) => VersionOf::Revision(repository.revision(name)?),
        None => VersionOf::WorkTree,
    };
    Ok((repository, base, head))
}

/// `segc diff`: the changes of each rule file from the base version to the head version.
pub fn diff(request: &DiffRequest) -> Result<Diffed, Stopped> {
    let (repository, base, head) = versions(request).map_err(Stopped::standalone)?;
    let files = match request.files.is_empty() {
        true => both_projects_files(&base, &head).map_err(Stopped::standalone)?,
        false => request.files.clone(),
    };
    let shown: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let outside: Vec<Diagnostic> = files
        .iter()
        .zip(&shown)
        .filter(|(f, _)| repository.inside(f).is_none())
        .map(|(_, name)| {
            Diagnostic::Diff(DiffDiagnostic::OutsideRepository {
                path: name.clone(),
                top: repository.top().display().to_string(),
            })
        })
        .collect();
    if !outside.is_empty() {
        return Err(Stopped::Standalone(outside));
    }
    let old = load(&base, &files);
    let new = load(&head, &files);
    let mut diffed = Vec::new();
    let mut missing = Vec::new();
    for (index, name) in shown.into_iter().enumerate() {
        match (old.root(index), new.root(index)) {
            (None, None) => missing.push(Diagnostic::Diff(DiffDiagnostic::InNeither {
                path: name,
                base: old.name.clone(),
                head: new.name.clone(),
            })),
            (before, after) => {
                let mut file = compared(name, before, after);
                file.settings = match after {
                    Some(_) => new.projects[index].clone(),
                    None => old.projects[index].clone(),
                };
                diffed.push(file);
            }
        }
    }
    let both = (&base, &head);
    for path in imported_files(&old, &new, &files) {
        diffed.push(imported_file(both, (&old, &new), &files, path));
    }
    if !missing.is_empty() {
        return Err(Stopped::Standalone(missing));
    }
    let head_rules = Arc::clone(&new.rules);
    let base_rules = Arc::clone(&old.rules);
    let problems = [old, new]
        .into_iter()
        .filter(|side| !side.errors.is_empty())
        .map(|side| VersionProblems {
            version: side.name,
            sources: side.rules.sources().clone(),
            diagnostics: side.errors,
        })
        .collect();
    Ok(Diffed {
        base: base.name(),
        head: head.name(),
        files: diffed,
        problems,
        head_rules,
        base_rules,
        stopped_in_base: false,
    })
}

/// The rule files of either version's segc.toml (`files`), the new version's first: a file one
/// version lists is compared in both (where it is). An error when neither lists any.
fn both_projects_files(base: &VersionOf, head: &VersionOf) -> Result<Vec<PathBuf>, Diagnostic> {
    match (head.project_files(), base.project_files()) {
        (Err(problem), Err(_)) => Err(problem),
        (Ok(files), Err(_)) | (Err(_), Ok(files)) => Ok(files),
        (Ok(mut files), Ok(more)) => {
            for file in more {
                if !files.contains(&file) {
                    files.push(file);
                }
            }
            Ok(files)
        }
    }
}

/// A file imported by the files compared, compared: its items are checked in its importer's
/// rules, and run over the data with them when the same file given imports it in both
/// versions (or when the new version imports it first).
fn imported_file(
    (base, head): (&VersionOf, &VersionOf),
    (old, new): (&Loaded, &Loaded),
    files: &[PathBuf],
    path: PathBuf,
) -> DiffedFile {
    let (before, after) = (old.imported(&path), new.imported(&path));
    if (before.is_none() || after.is_none()) && same_text(base, head, &path) {
        // Imported by the files compared in one version only, and the same in both: the file
        // is neither added nor removed.
        return unchanged(path.display().to_string());
    }
    let mut file = compared(path.display().to_string(), before, after);
    file.old = None;
    file.new = None;
    let importer = |side: &Loaded| {
        side.imports
            .iter()
            .find(|(p, _, _)| *p == path)
            .map(|i| i.1)
    };
    if let (Some(a), Some(b)) = (importer(old), importer(new))
        && a == b
        && file.status != FileStatus::Errors
    {
        file.old = old.programs[a].clone();
        file.new = new.programs[b].clone();
        file.checked_with = Some(files[a].display().to_string());
        file.settings = new.projects[b].clone();
    } else if let (None, Some(b)) = (importer(old), importer(new))
        && file.status == FileStatus::Added
    {
        // A file the new version imports first: its definitions enter with its importer.
        file.new = new.programs[b].clone();
        file.checked_with = Some(files[b].display().to_string());
        file.settings = new.projects[b].clone();
    }
    file
}

/// The files imported in either version that are not starting files, the new version's first.
fn imported_files(old: &Loaded, new: &Loaded, roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for (path, _, _) in new.imports.iter().chain(&old.imports) {
        if !roots.contains(path) && !paths.contains(path) {
            paths.push(path.clone());
        }
    }
    paths
}

/// Whether both versions have the file at `path` with the same text.
fn same_text(base: &VersionOf, head: &VersionOf, path: &Path) -> bool {
    match (base.reader().read(path), head.reader().read(path)) {
        (Ok(old), Ok(new)) => old == new,
        _ => false,
    }
}

/// A file without changes.
fn unchanged(name: String) -> DiffedFile {
    DiffedFile {
        name,
        checked_with: None,
        status: FileStatus::Unchanged,
        changes: Vec::new(),
        old: None,
        new: None,
        data: None,
        settings: None,
    }
}

/// One file compared, from what each version has of it.
fn compared(name: String, before: Side, after: Side) -> DiffedFile {
    let errors = |side: Side<'_>| side.is_some_and(|(p, _)| p.is_none());
    let owned = |side: Side<'_>| side.and_then(|(p, _)| p.cloned());
    if errors(before) || errors(after) {
        return DiffedFile {
            name,
            checked_with: None,
            status: FileStatus::Errors,
            changes: Vec::new(),
            old: None,
            new: None,
            data: None,
            settings: None,
        };
    }
    let changes = diff::compare(version(before), version(after));
    let status = match (before, after) {
        (None, _) => FileStatus::Added,
        (_, None) => FileStatus::Removed,
        _ if changes.is_empty() => FileStatus::Unchanged,
        _ => FileStatus::Changed,
    };
    DiffedFile {
        name,
        checked_with: None,
        status,
        changes,
        old: owned(before),
        new: owned(after),
        data: None,
        settings: None,
    }
}

/// A version of a file without errors, for [`diff::compare`].
fn version(side: Side<'_>) -> Option<Version<'_>> {
    side.and_then(|(program, items)| {
        Some(Version {
            program: program?,
            items,
        })
    })
}
