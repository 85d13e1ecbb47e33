//! Project settings: the `segc.toml` of a rule file's folder or of the nearest folder above it.
//!
//! ```toml
//! files = ["rules/*.seg"]      # what `segc check` checks when given no file
//!
//! [vars]                       # values of ${NAME} in source locations
//! DATA = "/srv/exports"        # (the environment and --var override them)
//!
//! [lints]
//! all = "warn"                 # every lint not named below
//! unused-let = "allow"
//! always-empty = "deny"
//!
//! [output]                     # defaults of `segc run` (its options override them)
//! dir = "out"                  # --out, relative to this file's folder
//! format = "parquet"           # --format: parquet, csv or delta
//! layout = "wide"              # --layout: wide or long
//!
//! [kpi]
//! baseline = "kpi-baseline.json"   # --baseline of `segc kpi`, relative to this file's folder
//!
//! [fmt]
//! line_width = 100             # the width `segc fmt` keeps lines within where it can
//!
//! [overlaps]
//! max_jaccard = 0.8            # `segc run` warns about segments overlapping more (W1402)
//!
//! [data]
//! roots = ["/srv/exports", "s3://lake/exports/"]   # where else data may be read from
//!
//! [cluster]                    # run on these `segc worker`s (--cluster overrides them)
//! workers = ["http://10.0.0.5:7100", "http://10.0.0.6:7100"]
//!
//! [storage.s3]                 # object stores' settings; never secrets (they come from the
//! region = "eu-west-3"         # environment: AWS_SECRET_ACCESS_KEY, AZURE_STORAGE_ACCOUNT_KEY, ...)
//! endpoint = "http://127.0.0.1:9000"
//! allow_http = true
//! path_style = true
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::check::{self, LintLevels};
use crate::diagnostics::{CommandDiagnostic, Diagnostic, FileProblem, Level, Lint, ProjectProblem};
use crate::engine::{Layout, OutputFormat, SECRET_SETTINGS, StorageSettings};
use crate::load::ReadFiles;
use crate::span::Span;
use crate::suggest::similar;
use crate::vars::is_variable_name;

/// The settings file's name.
const FILE_NAME: &str = "segc.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectFile {
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    vars: BTreeMap<String, String>,
    #[serde(default)]
    lints: BTreeMap<String, String>,
    #[serde(default)]
    output: OutputSection,
    #[serde(default)]
    kpi: KpiSection,
    #[serde(default)]
    fmt: FmtSection,
    #[serde(default)]
    overlaps: OverlapsSection,
    #[serde(default)]
    data: DataSection,
    #[serde(default)]
    storage: StorageSettings,
    #[serde(default)]
    cluster: ClusterSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClusterSection {
    #[serde(default)]
    workers: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataSection {
    #[serde(default)]
    roots: Vec<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputSection {
    dir: Option<PathBuf>,
    format: Option<OutputFormat>,
    layout: Option<Layout>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct KpiSection {
    baseline: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FmtSection {
    line_width: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverlapsSection {
    max_jaccard: Option<f64>,
}

/// The settings that apply to a rule file (the defaults when there is no `segc.toml`).
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// The settings file, if there is one.
    pub path: Option<PathBuf>,
    /// Rule file patterns, relative to the settings file's folder.
    pub files: Vec<String>,
    /// Default values of variables.
    pub vars: BTreeMap<String, String>,
    /// Lint levels.
    pub lints: LintLevels,
    /// The default output folder of `segc run` (already joined to the project's folder).
    pub output_dir: Option<PathBuf>,
    /// The default output format of `segc run`.
    pub output_format: Option<OutputFormat>,
    /// The default output layout of `segc run`.
    pub output_layout: Option<Layout>,
    /// The KPI baseline file (already joined to the project's folder).
    pub baseline: Option<PathBuf>,
    /// The line width of `segc fmt` (`[fmt] line_width`; [`crate::fmt::DEFAULT_LINE_WIDTH`]
    /// when unset).
    pub line_width: Option<usize>,
    /// The Jaccard index above which `segc run` warns about two segments (`[overlaps]
    /// max_jaccard`, `W1402`).
    pub max_jaccard: Option<f64>,
    /// Folders data may be read from besides the project's (joined to the project's folder),
    /// and URL prefixes remote data may be read under.
    pub data_roots: Vec<PathBuf>,
    /// The object stores' settings.
    pub storage: StorageSettings,
    /// The cluster workers data commands run on (`[cluster] workers`; `--cluster` overrides
    /// them).
    pub cluster_workers: Vec<String>,
}

/// The `segc.toml` in `dir` or the nearest folder above it, stopping at the root of a git
/// checkout.
fn find(dir: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(dir).ok()?;
    let mut dir = Some(absolute.as_path());
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if d.join(".git").exists() {
            return None;
        }
        dir = d.parent();
    }
    None
}

impl Project {
    /// The project of the rule file `rule_file`.
    pub fn of_file(rule_file: &Path) -> Result<Project, Diagnostic> {
        let dir = rule_file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Project::of_dir(dir)
    }

    /// The project of the folder `dir`.
    pub fn of_dir(dir: &Path) -> Result<Project, Diagnostic> {
        match find(dir) {
            Some(path) => Project::read(path),
            None => Ok(Project::default()),
        }
    }

    /// The project of the rule file `rule_file` as `reader` has the files (a git revision):
    /// the `segc.toml` of its folder or of the nearest folder above it, up to `top` (the top of
    /// the repository).
    pub fn of_file_in(
        rule_file: &Path,
        reader: &dyn ReadFiles,
        top: &Path,
    ) -> Result<Project, Diagnostic> {
        let folder = rule_file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Project::of_dir_in(folder, reader, top)
    }

    /// The project of the folder `dir` as `reader` has the files, looked for up to `top`.
    pub fn of_dir_in(
        dir: &Path,
        reader: &dyn ReadFiles,
        top: &Path,
    ) -> Result<Project, Diagnostic> {
        // As the repository's top is: with symbolic links resolved.
        let Some(absolute) = std::fs::canonicalize(dir).ok().or_else(|| normalized(dir)) else {
            return Ok(Project::default());
        };
        for folder in absolute.ancestors() {
            let candidate = folder.join(FILE_NAME);
            match reader.read(&candidate) {
                Ok(text) => return Project::parse(shown(&candidate), &text),
                Err(FileProblem::NotFound | FileProblem::NotRegular(_)) => {}
                Err(problem) => {
                    return Err(Diagnostic::Command(CommandDiagnostic::InvalidProject {
                        path: shown(&candidate).display().to_string(),
                        problem: ProjectProblem::Unreadable(problem.to_string()),
                    }));
                }
            }
            if folder == top || !folder.starts_with(top) {
                break;
            }
        }
        Ok(Project::default())
    }

    fn read(path: PathBuf) -> Result<Project, Diagnostic> {
        let path = shown(&path);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Diagnostic::Command(CommandDiagnostic::InvalidProject {
                path: path.display().to_string(),
                problem: ProjectProblem::Unreadable(e.to_string()),
            })
        })?;
        Project::parse(path, &text)
    }

    /// The settings of the file at `path` (as shown), whose text is `text`.
    fn parse(path: PathBuf, text: &str) -> Result<Project, Diagnostic> {
        let display = path.display().to_string();
        let invalid = |problem: ProjectProblem| {
            Diagnostic::Command(CommandDiagnostic::InvalidProject {
                path: display.clone(),
                problem,
            })
        };
        let unreadable = |message: String| invalid(ProjectProblem::Unreadable(message));
        if let Some(key) = secret_setting(text) {
            return Err(Diagnostic::Command(CommandDiagnostic::SecretInProject {
                path: display.clone(),
                key,
            }));
        }
        let file: ProjectFile =
            toml::from_str(text).map_err(|e| unreadable(e.message().trim().to_string()))?;
        let mut lints = LintLevels::default();
        for (name, level) in &file.lints {
            let level = Level::from_name(level).ok_or_else(|| {
                invalid(ProjectProblem::LintLevel {
                    lint: name.clone(),
                    level: level.clone(),
                })
            })?;
            if name == "all" {
                lints.set_all(level);
                continue;
            }
            let lint = Lint::from_name(name).ok_or_else(|| {
                let candidates = similar(name, Lint::ALL.map(Lint::name));
                invalid(ProjectProblem::UnknownLint {
                    name: name.clone(),
                    close: candidates.into_iter().next(),
                })
            })?;
            lints.set(lint, level);
        }
        if let Some(x) = file
            .overlaps
            .max_jaccard
            .filter(|x| !(0.0..=1.0).contains(x))
        {
            return Err(invalid(ProjectProblem::JaccardThreshold(x)));
        }
        if let Some(name) = file.vars.keys().find(|n| !is_variable_name(n)) {
            return Err(invalid(ProjectProblem::VariableName(name.clone())));
        }
        let root = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let anchored = |p: Option<PathBuf>| p.map(|p| shown(&root.join(p)));
        // An output folder in object storage is a URL, not a path under this folder.
        let output_dir = match file.output.dir {
            Some(dir) if crate::engine::is_url(&dir.to_string_lossy()) => Some(dir),
            dir => anchored(dir),
        };
        Ok(Project {
            output_dir,
            output_format: file.output.format,
            output_layout: file.output.layout,
            baseline: anchored(file.kpi.baseline),
            line_width: file.fmt.line_width,
            max_jaccard: file.overlaps.max_jaccard,
            data_roots: file
                .data
                .roots
                .iter()
                .map(|r| {
                    if crate::engine::is_url(&r.to_string_lossy()) {
                        r.clone()
                    } else {
                        root.join(r)
                    }
                })
                .collect(),
            storage: file.storage,
            cluster_workers: file.cluster.workers,
            path: Some(path),
            files: file.files,
            vars: file.vars,
            lints,
        })
    }

    /// The rule files of the project's `files` patterns, sorted, shown relative to the current
    /// folder when they are under it.
    pub fn rule_files(&self) -> Result<Vec<PathBuf>, Diagnostic> {
        let Some(path) = &self.path else {
            return Ok(Vec::new());
        };
        let invalid = |problem: ProjectProblem| {
            Diagnostic::Command(CommandDiagnostic::InvalidProject {
                path: path.display().to_string(),
                problem,
            })
        };
        let root = path.parent().unwrap_or(Path::new("."));
        let mut found = Vec::new();
        for pattern in &self.files {
            let full = root.join(pattern);
            let matches = glob::glob(&full.to_string_lossy()).map_err(|e| {
                invalid(ProjectProblem::FilePattern {
                    pattern: pattern.clone(),
                    message: e.to_string(),
                })
            })?;
            let before = found.len();
            for entry in matches {
                let file = entry.map_err(|e| invalid(ProjectProblem::Unreadable(e.to_string())))?;
                // Only rule files: a pattern such as `../../etc/*` must not make segc read
                // (and quote, in a syntax error) files of the machine.
                if file.is_file() && file.extension().is_some_and(|e| e == "seg") {
                    found.push(shown(&file));
                }
            }
            if found.len() == before {
                return Err(invalid(ProjectProblem::NoMatch(pattern.clone())));
            }
        }
        found.sort();
        found.dedup();
        Ok(found)
    }

    /// The rule files of the project's `files` patterns among `files` (absolute paths: the
    /// rule files a git revision has), sorted, shown relative to the current folder when they
    /// are under it. A pattern matches as on disk: `*` within a folder, `**` across folders.
    pub fn rule_files_among(&self, files: &[PathBuf]) -> Result<Vec<PathBuf>, Diagnostic> {
        let Some(path) = &self.path else {
            return Ok(Vec::new());
        };
        let invalid = |problem: ProjectProblem| {
            Diagnostic::Command(CommandDiagnostic::InvalidProject {
                path: path.display().to_string(),
                problem,
            })
        };
        let root = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let root = std::fs::canonicalize(root)
            .ok()
            .or_else(|| normalized(root))
            .unwrap_or_else(|| root.to_path_buf());
        let options = glob::MatchOptions {
            require_literal_separator: true,
            ..glob::MatchOptions::new()
        };
        let mut found = Vec::new();
        for pattern in &self.files {
            let full = normalized(&root.join(pattern)).unwrap_or_else(|| root.join(pattern));
            let compiled = glob::Pattern::new(&full.to_string_lossy()).map_err(|e| {
                invalid(ProjectProblem::FilePattern {
                    pattern: pattern.clone(),
                    message: e.to_string(),
                })
            })?;
            let before = found.len();
            found.extend(
                files
                    .iter()
                    .filter(|f| f.extension().is_some_and(|e| e == "seg"))
                    .filter(|f| compiled.matches_path_with(f, options))
                    .map(|f| shown(f)),
            );
            if found.len() == before {
                return Err(invalid(ProjectProblem::NoMatch(pattern.clone())));
            }
        }
        found.sort();
        found.dedup();
        Ok(found)
    }

    /// The folder data is read from by default: the git checkout the rule file is in (its
    /// data often sits beside the rules' folder), else the settings file's folder, else the
    /// rule file's.
    pub fn data_home(&self, rule_file: &Path) -> PathBuf {
        let folder = |p: &Path| {
            p.parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        };
        let rules_folder = folder(rule_file);
        if let Some(checkout) = std::path::absolute(&rules_folder).ok().and_then(|dir| {
            dir.ancestors()
                .find(|d| d.join(".git").exists())
                .map(Path::to_path_buf)
        }) {
            return checkout;
        }
        self.path.as_deref().map_or(rules_folder, folder)
    }

    /// Where a rule file's outputs go under an output folder of the project: its path from the
    /// project's folder without `.seg` (`campaigns/winback.seg` → `campaigns/winback`), so that
    /// the files of a project never write into one folder; the file's name without `.seg` when
    /// it lies outside the project's folder.
    pub fn place_of(&self, rule_file: &Path) -> PathBuf {
        let stem = || PathBuf::from(rule_file.file_stem().unwrap_or(rule_file.as_os_str()));
        let Some(root) = self.path.as_deref().and_then(Path::parent) else {
            return stem();
        };
        let root = if root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            root
        };
        let (Some(root), Some(file)) = (normalized(root), normalized(rule_file)) else {
            return stem();
        };
        match file.strip_prefix(&root) {
            Ok(relative) => relative.with_extension(""),
            Err(_) => stem(),
        }
    }

    /// The output folder of `rule_file` in the project's `[output] dir`, if there is one.
    pub fn output_dir_of(&self, rule_file: &Path) -> Option<PathBuf> {
        let dir = self.output_dir.as_ref()?;
        Some(join_place(dir, &self.place_of(rule_file)))
    }

    /// The checker's settings for a file of this project whose spans lie in `home`.
    pub fn settings(&self, home: Span) -> check::Settings {
        check::Settings {
            lints: self.lints.clone(),
            home: Some(home),
            baseline: Some(self.baseline.is_some()),
        }
    }
}

/// The first setting of `[storage]` whose name says it holds a secret (its value is never read
/// into segc's settings, nor shown).
fn secret_setting(text: &str) -> Option<String> {
    let document: toml::Table = toml::from_str(text).ok()?;
    let storage = document.get("storage")?.as_table()?;
    let mut tables = vec![("storage".to_string(), storage)];
    while let Some((prefix, table)) = tables.pop() {
        for (key, value) in table {
            let name = format!("{prefix}.{key}");
            if SECRET_SETTINGS.contains(&key.to_ascii_lowercase().as_str()) {
                return Some(name);
            }
            if let Some(inner) = value.as_table() {
                tables.push((name, inner));
            }
        }
    }
    None
}

/// `place` under the output folder `dir` (a path, or a URL in object storage).
pub fn join_place(dir: &Path, place: &Path) -> PathBuf {
    let text = dir.to_string_lossy();
    if crate::engine::is_url(&text) {
        let place = place.to_string_lossy().replace('\\', "/");
        PathBuf::from(format!("{}/{place}", text.trim_end_matches('/')))
    } else {
        dir.join(place)
    }
}

/// `path` made absolute with `.` and `..` removed.
fn normalized(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// `path` relative to the current folder when it lies under it.
fn shown(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|here| path.strip_prefix(here).ok())
        .map_or_else(|| path.to_path_buf(), Path::to_path_buf)
}
