//! Rule files as a git revision has them, read with the `git` program (`git ls-tree`,
//! `git cat-file`): no checkout, no temporary clone. A [`Revision`] is a [`ReadFiles`], so the
//! loader reads a revision's files and their imports as it reads the work tree's.

use std::path::{Component, Path, PathBuf};
use std::process::{Command, Output};

use crate::diagnostics::{Diagnostic, DiffDiagnostic, FileProblem};
use crate::load::ReadFiles;

/// The git repository a command runs in.
#[derive(Debug, Clone)]
pub struct Repository {
    /// The top folder of its work tree.
    top: PathBuf,
    /// The folder paths are taken from (the current folder, made absolute).
    cwd: PathBuf,
}

/// The files of one commit.
#[derive(Debug, Clone)]
pub struct Revision {
    repository: Repository,
    /// The full commit id.
    commit: String,
    /// The revision as given (`main`, `HEAD~1`).
    name: String,
}

/// Runs git in `dir` with `args`.
fn git(dir: &Path, args: &[&str]) -> Result<Output, Diagnostic> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        // Messages in English and no pager, whatever the user's configuration.
        .env("LC_ALL", "C")
        .env("GIT_PAGER", "cat")
        .output()
        .map_err(|e| {
            Diagnostic::Diff(DiffDiagnostic::GitUnavailable {
                message: e.to_string(),
            })
        })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim_end().to_string()
}

impl Repository {
    /// The repository whose work tree holds `cwd`.
    pub fn of(cwd: &Path) -> Result<Repository, Diagnostic> {
        let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
        let output = git(&cwd, &["rev-parse", "--show-toplevel"])?;
        if !output.status.success() {
            return Err(Diagnostic::Diff(DiffDiagnostic::NotARepository {
                dir: cwd.display().to_string(),
            }));
        }
        let top = PathBuf::from(text(&output.stdout));
        let top = std::fs::canonicalize(&top).unwrap_or(top);
        Ok(Repository { top, cwd })
    }

    /// The commit `name` names (`E1503` when none).
    pub fn revision(&self, name: &str) -> Result<Revision, Diagnostic> {
        let unknown = || {
            Diagnostic::Diff(DiffDiagnostic::UnknownRevision {
                revision: name.to_string(),
            })
        };
        // `--end-of-options` keeps a revision starting with `-` from being read as an option.
        let wanted = format!("{name}^{{commit}}");
        let args = [
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &wanted,
        ];
        let output = git(&self.top, &args)?;
        if !output.status.success() || name.is_empty() {
            return Err(unknown());
        }
        Ok(Revision {
            repository: self.clone(),
            commit: text(&output.stdout),
            name: name.to_string(),
        })
    }

    /// `path` (taken from the current folder) relative to the top of the work tree, with `/`
    /// between its parts; `None` outside it.
    pub fn inside(&self, path: &Path) -> Option<String> {
        let joined = self.cwd.join(path);
        let mut absolute = PathBuf::new();
        for component in joined.components() {
            match component {
                Component::CurDir => {}
                Component::ParentDir => {
                    absolute.pop();
                }
                other => absolute.push(other),
            }
        }
        let relative = absolute.strip_prefix(&self.top).ok()?;
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    }

    /// The top folder of the work tree.
    pub fn top(&self) -> &Path {
        &self.top
    }
}

impl Revision {
    /// The revision as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The full commit id.
    pub fn commit(&self) -> &str {
        &self.commit
    }

    /// The top folder of the repository's work tree.
    pub fn top(&self) -> &Path {
        &self.repository.top
    }

    /// Every rule file (`*.seg`) of the commit, as paths under the top of the work tree: what
    /// the `files` patterns of the commit's segc.toml are matched against.
    pub fn rule_files(&self) -> Result<Vec<PathBuf>, Diagnostic> {
        let args = ["ls-tree", "-r", "-z", "--name-only", &self.commit];
        let output = git(&self.repository.top, &args)?;
        if !output.status.success() {
            return Err(Diagnostic::Diff(DiffDiagnostic::UnknownRevision {
                revision: self.name.clone(),
            }));
        }
        Ok(String::from_utf8_lossy(&output.stdout)
            .split('\0')
            .filter(|p| p.ends_with(".seg"))
            .map(|p| self.repository.top.join(p))
            .collect())
    }

    /// The entry of the commit's tree at `relative`: (type, object id), if there is one.
    fn entry(&self, relative: &str) -> Result<Option<(String, String)>, FileProblem> {
        let system = |d: Diagnostic| FileProblem::System(d.message());
        let args = ["ls-tree", "-z", &self.commit, "--", relative];
        let output = git(&self.repository.top, &args).map_err(system)?;
        if !output.status.success() {
            return Err(FileProblem::System(text(&output.stderr)));
        }
        let listed = String::from_utf8_lossy(&output.stdout);
        // `<mode> SP <type> SP <object> TAB <path>`
        let Some(line) = listed.split('\0').find(|l| !l.is_empty()) else {
            return Ok(None);
        };
        let mut fields = line.split(['\t', ' ']);
        let (_, kind, object) = (fields.next(), fields.next(), fields.next());
        Ok(kind
            .zip(object)
            .map(|(k, o)| (k.to_string(), o.to_string())))
    }
}

impl ReadFiles for Revision {
    fn read(&self, path: &Path) -> Result<String, FileProblem> {
        let Some(relative) = self.repository.inside(path) else {
            return Err(FileProblem::System(format!(
                "outside the git repository {}",
                self.repository.top.display()
            )));
        };
        let object = match self.entry(&relative)? {
            None => return Err(FileProblem::NotFound),
            Some((kind, _)) if kind == "tree" => return Err(FileProblem::NotRegular("a folder")),
            Some((kind, _)) if kind == "link" => {
                return Err(FileProblem::NotRegular("a symbolic link"));
            }
            Some((kind, _)) if kind != "blob" => {
                return Err(FileProblem::NotRegular("a submodule"));
            }
            Some((_, object)) => object,
        };
        let output = git(&self.repository.top, &["cat-file", "blob", &object])
            .map_err(|d| FileProblem::System(d.message()))?;
        if !output.status.success() {
            return Err(FileProblem::System(text(&output.stderr)));
        }
        let text = String::from_utf8(output.stdout).map_err(|_| FileProblem::NotUtf8)?;
        // As on disk: a byte-order mark is not part of the rules.
        Ok(match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        })
    }

    fn rule_files_in(&self, dir: &Path) -> Vec<String> {
        let Some(relative) = self.repository.inside(dir) else {
            return Vec::new();
        };
        let folder = format!("{relative}/");
        let mut args = vec!["ls-tree", "-z", "--name-only", &self.commit];
        if !relative.is_empty() {
            args.extend(["--", &folder]);
        }
        let Ok(output) = git(&self.repository.top, &args) else {
            return Vec::new();
        };
        let listed = String::from_utf8_lossy(&output.stdout);
        let mut names: Vec<String> = listed
            .split('\0')
            .filter_map(|p| p.rsplit('/').next())
            .filter(|n| n.ends_with(".seg"))
            .map(str::to_string)
            .collect();
        names.sort();
        names
    }
}
