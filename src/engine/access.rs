//! The folders data may be read from (docs/security.md).
//!
//! A rule file names its data locations, and a rule file can come from a pull request that CI
//! runs: without a bound, `source x from csv "../../../etc/passwd"` would copy a file of the
//! runner into `membership.csv`. The command line confines data to the project's folder and
//! the folders it is told of; paths are compared after resolving links, so a link inside the
//! project that points out of it does not widen the bound.

use std::path::{Path, PathBuf};

/// Where data may be read from.
#[derive(Debug, Clone, Default)]
pub struct DataRoots {
    /// `None`: anywhere (the library's default; the command line always sets roots).
    roots: Option<Vec<PathBuf>>,
    /// URL prefixes remote data may be read under (`s3://lake/exports/`), each ending in `/`.
    remote: Vec<String>,
    /// The roots as given, for messages.
    shown: Vec<String>,
}

impl DataRoots {
    /// Data may be read from anywhere.
    pub fn anywhere() -> Self {
        DataRoots::default()
    }

    /// Data may be read from these folders and what lies under them, and from under the URLs
    /// among them (`s3://lake/`, a bucket; `https://host/exports/`). Folders that do not exist
    /// admit nothing.
    pub fn only(folders: impl IntoIterator<Item = PathBuf>) -> Self {
        let mut roots = Vec::new();
        let mut remote = Vec::new();
        let mut shown = Vec::new();
        for folder in folders {
            let text = folder.to_string_lossy();
            if is_url(&text) {
                let mut prefix = text.to_string();
                if !prefix.ends_with('/') {
                    prefix.push('/');
                }
                if !remote.contains(&prefix) {
                    shown.push(prefix.clone());
                    remote.push(prefix);
                }
                continue;
            }
            // A folder named twice (the project's, and again by `--data-root`) is shown once.
            if let Ok(real) = folder.canonicalize()
                && !roots.contains(&real)
            {
                shown.push(super::location::shown(&real.to_string_lossy()));
                roots.push(real);
            }
        }
        DataRoots {
            roots: Some(roots),
            remote,
            shown,
        }
    }

    /// The roots as shown in messages.
    pub fn shown(&self) -> &[String] {
        &self.shown
    }

    /// Whether the remote location `url` (a file, a folder, or a pattern) lies under a URL root:
    /// its text starts with the root's (the bucket and the key prefix, compared as written).
    pub fn admits_remote(&self, url: &str) -> bool {
        if self.roots.is_none() {
            return true;
        }
        let folder = if url.ends_with('/') {
            url.to_string()
        } else {
            format!("{url}/")
        };
        self.remote
            .iter()
            .any(|root| folder.starts_with(root.as_str()))
    }

    /// Whether `path` (a file or a folder; for a pattern, its folder part) lies under a root once
    /// links are resolved. A path that does not exist is admitted: reading it fails anyway, with
    /// the diagnostic for a missing file.
    pub fn admits(&self, path: &Path) -> bool {
        let Some(roots) = &self.roots else {
            return true;
        };
        match path.canonicalize() {
            // A checkout's `.git` may hold the CI's credentials (a token in `.git/config`).
            Ok(real) if real.components().any(|c| c.as_os_str() == ".git") => false,
            Ok(real) => roots.iter().any(|root| real.starts_with(root)),
            Err(_) => !path.exists() && path.symlink_metadata().is_err(),
        }
    }
}

/// Whether `text` is a URL (a scheme before `://`), not a local path.
pub fn is_url(text: &str) -> bool {
    text.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_locations_are_admitted_under_url_roots_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let roots = DataRoots::only([
            dir.path().to_path_buf(),
            PathBuf::from("s3://lake/exports"),
            PathBuf::from("s3://lake/exports/"),
        ]);
        assert_eq!(roots.shown().len(), 2, "{:?}", roots.shown());
        assert!(roots.admits_remote("s3://lake/exports/orders/*.parquet"));
        assert!(roots.admits_remote("s3://lake/exports"));
        assert!(!roots.admits_remote("s3://lake/exports-private/x.csv"));
        assert!(!roots.admits_remote("s3://lake/other/x.csv"));
        assert!(!roots.admits_remote("gs://lake/exports/x.csv"));
        assert!(DataRoots::anywhere().admits_remote("s3://any/x.csv"));
    }

    #[test]
    fn a_folder_named_twice_is_one_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let roots = DataRoots::only([dir.path().to_path_buf(), dir.path().join(".")]);
        assert_eq!(roots.shown().len(), 1);
    }

    #[test]
    fn paths_are_admitted_under_their_roots_after_links() {
        let dir = tempfile::tempdir().expect("tempdir");
        let project = dir.path().join("project");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(project.join("data")).expect("folders");
        std::fs::create_dir_all(&outside).expect("folders");
        std::fs::write(outside.join("secret.csv"), "x").expect("file");
        std::fs::write(project.join("data/c.csv"), "x").expect("file");
        std::os::unix::fs::symlink(outside.join("secret.csv"), project.join("data/link.csv"))
            .expect("link");
        let roots = DataRoots::only([project.clone()]);
        assert!(roots.admits(&project.join("data/c.csv")));
        assert!(roots.admits(&project.join("data")));
        assert!(!roots.admits(&project.join("data/link.csv")));
        assert!(!roots.admits(&project.join("../outside/secret.csv")));
        assert!(!roots.admits(&outside));
        std::fs::create_dir_all(project.join(".git")).expect("git");
        std::fs::write(project.join(".git/config"), "token").expect("file");
        assert!(!roots.admits(&project.join(".git/config")));
        assert!(roots.admits(&project.join("data/missing.csv")));
        assert!(DataRoots::anywhere().admits(&outside));
        assert!(!DataRoots::only([dir.path().join("nope")]).admits(&project));
    }
}
