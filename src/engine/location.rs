//! Resolving a source's declared location to something DataFusion can list.

use std::path::{Path, PathBuf};

use super::stores::Cloud;
use crate::diagnostics::{DataDiagnostic, Diagnostic};
use crate::hir::Location;
use crate::span::Span;
use crate::vars::Variables;

/// A location ready for listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The absolute path (or URL), variable references filled in.
    pub path: String,
    /// Whether the path is a glob pattern.
    pub is_glob: bool,
    /// Whether the path is a directory (all files with the format's extension are read).
    pub is_directory: bool,
    /// How the location is shown in messages: as written when it names `${NAME}` variables
    /// (their values may be secrets and are never shown), else the path.
    pub shown: String,
    /// The written location's folder part and the path it expanded to, when variables were
    /// substituted: a file found under the folder is shown under the written form.
    written_prefix: Option<(String, String)>,
    /// The object store a remote location is read from (`None`: a local path).
    pub remote: Option<Cloud>,
}

impl Resolved {
    /// The path (local) or URL (remote) of a file found at `key`, as its store lists it.
    pub fn file_path(&self, key: &str) -> String {
        match self.remote {
            None => format!("/{key}"),
            Some(_) => match url::Url::parse(&self.path) {
                Ok(url) => format!("{}/{key}", super::stores::store_url(&url)),
                Err(_) => key.to_string(),
            },
        }
    }

    /// A file or folder at `path`, as a test names it.
    #[cfg(test)]
    pub(crate) fn at(path: &str, remote: Option<Cloud>) -> Resolved {
        Resolved {
            path: path.to_string(),
            is_glob: false,
            is_directory: path.ends_with('/'),
            shown: path.to_string(),
            written_prefix: None,
            remote,
        }
    }

    /// A remote location that names neither a folder (ending in `/`) nor a pattern, found not
    /// to be a file: it is read as the folder of that name.
    pub fn as_folder(&mut self) {
        self.is_directory = true;
        self.path.push('/');
        if let Some((written, expanded)) = &mut self.written_prefix {
            written.push('/');
            expanded.push('/');
        }
    }

    /// The file, the folder, or a pattern's folder part: what must lie in the data roots.
    pub fn listed_folder_or_file(&self) -> PathBuf {
        if self.is_glob {
            PathBuf::from(folder_part(&self.path))
        } else {
            PathBuf::from(&self.path)
        }
    }

    /// A file found at `path` (absolute) under this location, as shown in messages.
    pub fn show_file(&self, path: &str) -> String {
        match &self.written_prefix {
            None => shown(path),
            Some((written, expanded)) => match path.strip_prefix(expanded.as_str()) {
                Some(rest) => format!("{written}{rest}"),
                None => self.shown.clone(),
            },
        }
    }
}

/// The folder part of a path or pattern: up to the last `/` before any glob character.
pub(crate) fn folder_part(path: &str) -> &str {
    let first_pattern = path.find(['*', '?', '[']).unwrap_or(path.len());
    path[..first_pattern]
        .rfind('/')
        .map_or("", |slash| &path[..=slash])
}

/// The folders that relative locations are taken from: the folder of the rule file that declares
/// the source (a source imported from `common/sources.seg` reads from `common/`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseDirs {
    files: Vec<(Span, PathBuf)>,
    fallback: PathBuf,
}

impl BaseDirs {
    /// Every relative location is taken from `dir`.
    pub fn single(dir: &Path) -> Self {
        BaseDirs {
            files: Vec::new(),
            fallback: dir.to_path_buf(),
        }
    }

    /// Locations declared within `extent` (a file's spans) are taken from `dir`.
    pub fn add(&mut self, extent: Span, dir: PathBuf) {
        self.files.push((extent, dir));
    }

    /// The folder for a source declared at `declared_at`.
    pub fn of(&self, declared_at: Span) -> &Path {
        self.files
            .iter()
            .find(|(extent, _)| {
                extent.start <= declared_at.start && declared_at.start <= extent.end
            })
            .map_or(self.fallback.as_path(), |(_, dir)| dir.as_path())
    }
}

/// `path` as shown in messages: relative to the current folder when it lies under it.
pub(crate) fn shown(path: &str) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            std::path::Path::new(path)
                .strip_prefix(&cwd)
                .ok()
                // The current folder itself is `.`, not an empty name.
                .map(|p| match p.display().to_string() {
                    empty if empty.is_empty() => ".".to_string(),
                    relative => relative,
                })
        })
        .unwrap_or_else(|| path.to_string())
}

/// Fills variable references and anchors relative paths at `base_dir` (the rule file's folder).
pub fn resolve(
    location: &Location,
    base_dir: &Path,
    vars: &Variables,
) -> Result<Resolved, Diagnostic> {
    let expanded = vars.expand(&location.text).map_err(|name| {
        Diagnostic::Data(DataDiagnostic::UnsetVariable {
            name,
            span: location.span,
        })
    })?;
    let local = match expanded.split_once("://") {
        Some(("file", rest)) if PathBuf::from(rest).is_absolute() => PathBuf::from(rest),
        Some(("file", rest)) => base_dir.join(rest),
        Some((scheme, _)) => {
            return match Cloud::of_scheme(&scheme.to_ascii_lowercase()) {
                Some(cloud) => Ok(remote(location, expanded, cloud)),
                None => Err(Diagnostic::Data(DataDiagnostic::UnsupportedLocation {
                    scheme: scheme.to_string(),
                    span: location.span,
                })),
            };
        }
        None => {
            let path = PathBuf::from(&expanded);
            if path.is_absolute() {
                path
            } else {
                base_dir.join(path)
            }
        }
    };
    let text = local.to_string_lossy().to_string();
    let substituted = expanded != location.text;
    let shown_text = if substituted {
        location.text.clone()
    } else {
        shown(&text)
    };
    // A file or folder that exists under its literal name (`[2026].parquet`) is not a pattern.
    let is_glob = text.contains(['*', '?', '[']) && !local.exists();
    let is_directory = !is_glob && local.is_dir();
    let mut path = text;
    if is_directory && !path.ends_with('/') {
        path.push('/');
    }
    let written_prefix = substituted.then(|| {
        let mut written = location.text.clone();
        if is_directory && !written.ends_with('/') {
            written.push('/');
        }
        let written = if is_glob {
            folder_part(&written).to_string()
        } else {
            written
        };
        let expanded = if is_glob {
            folder_part(&path)
        } else {
            path.as_str()
        };
        // Listed files have absolute paths; the rule file's folder may be relative.
        let absolute = std::path::absolute(expanded).map_or_else(
            |_| expanded.to_string(),
            |p| p.to_string_lossy().to_string(),
        );
        let absolute = if expanded.ends_with('/') && !absolute.ends_with('/') {
            absolute + "/"
        } else {
            absolute
        };
        (written, absolute)
    });
    let resolved = Resolved {
        path,
        is_glob,
        is_directory,
        shown: shown_text,
        written_prefix,
        remote: None,
    };
    if is_glob {
        return Ok(resolved);
    }
    match std::fs::metadata(&local) {
        Err(_) => Err(Diagnostic::Data(DataDiagnostic::DataNotFound {
            span: location.span,
            location: resolved.shown,
        })),
        // A FIFO would wait for a writer and a device would never end.
        Ok(metadata) if !is_directory && !metadata.is_file() => {
            Err(Diagnostic::Data(DataDiagnostic::UnreadableData {
                span: location.span,
                file: Some(resolved.shown),
                message: crate::load::not_a_file(&metadata).to_string(),
            }))
        }
        Ok(_) => Ok(resolved),
    }
}

/// A remote location: a folder when it ends in `/`, a pattern when its path holds `*`, `?` or
/// `[`; whether a plain name is a file or a folder is found when its store is asked.
fn remote(location: &Location, expanded: String, cloud: Cloud) -> Resolved {
    let after_host = expanded
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map_or("", |(_, path)| path);
    let is_glob = after_host.contains(['*', '?', '[']);
    let is_directory = !is_glob && expanded.ends_with('/');
    let substituted = expanded != location.text;
    let written_prefix = substituted.then(|| {
        if is_glob {
            (
                folder_part(&location.text).to_string(),
                folder_part(&expanded).to_string(),
            )
        } else {
            (location.text.clone(), expanded.clone())
        }
    });
    Resolved {
        shown: if substituted {
            location.text.clone()
        } else {
            expanded.clone()
        },
        path: expanded,
        is_glob,
        is_directory,
        written_prefix,
        remote: Some(cloud),
    }
}

/// Whether the folder `out` lies in a folder that `location` lists (a folder source, or the
/// folder part of a glob), so that files written to `out` would be read as the source's data.
pub(crate) fn reads_folder_of(location: &Resolved, out: &Path) -> bool {
    let listed = if location.is_directory {
        location.path.as_str()
    } else if location.is_glob {
        folder_part(&location.path)
    } else {
        return false;
    };
    match (Path::new(listed).canonicalize(), resolved_to_be(out)) {
        (Ok(listed), Some(out)) => out.starts_with(listed),
        _ => false,
    }
}

/// `path` with links resolved, whether or not it exists yet: its deepest existing ancestor
/// canonicalized, the rest appended (an output folder is checked before it is created).
fn resolved_to_be(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let existing = absolute.ancestors().find(|a| a.exists())?;
    let rest = absolute.strip_prefix(existing).ok()?;
    Some(existing.canonicalize().ok()?.join(rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn location(text: &str) -> Location {
        Location {
            text: text.to_string(),
            span: Span::new(0, 1),
        }
    }

    #[test]
    fn resolves_relative_globs_and_schemes() {
        let vars = Variables::explicit_only(
            [("ENV".to_string(), "dev".to_string())]
                .into_iter()
                .collect(),
        );
        let dir = std::env::temp_dir();
        let r = resolve(&location("x/${ENV}/*.parquet"), &dir, &vars).expect("glob");
        assert!(r.is_glob);
        assert!(r.path.ends_with("x/dev/*.parquet"));
        let r = resolve(&location("s3://bucket/x/${ENV}/*.parquet"), &dir, &vars).expect("s3");
        assert_eq!(r.remote, Some(Cloud::S3));
        assert!(r.is_glob && !r.is_directory);
        assert_eq!(r.path, "s3://bucket/x/dev/*.parquet");
        assert_eq!(
            r.show_file(&r.file_path("x/dev/a.parquet")),
            "s3://bucket/x/${ENV}/a.parquet"
        );
        let r = resolve(&location("az://container/orders/"), &dir, &vars).expect("azure");
        assert!(r.is_directory && r.remote == Some(Cloud::Azure));
        assert!(matches!(
            resolve(&location("ftp://host/x.parquet"), &dir, &vars),
            Err(Diagnostic::Data(DataDiagnostic::UnsupportedLocation { .. }))
        ));
        assert!(matches!(
            resolve(&location("${NOPE_SEGC_TEST}/x.csv"), &dir, &vars),
            Err(Diagnostic::Data(DataDiagnostic::UnsetVariable { .. }))
        ));
        assert!(matches!(
            resolve(&location("definitely-missing.csv"), &dir, &vars),
            Err(Diagnostic::Data(DataDiagnostic::DataNotFound { .. }))
        ));
        // `file://` paths that are not absolute are relative to the rule file too.
        let r = resolve(&location("file://x/*.csv"), &dir, &vars).expect("glob");
        assert_eq!(r.path, dir.join("x/*.csv").to_string_lossy());
    }
}
