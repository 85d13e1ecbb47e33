//! Publishing a run's outputs into the output folder as a pair, under a lock.
//!
//! `membership.*` and `summary.json` describe one run and must never be mixed with another's.
//! A run holds an exclusive lock on the output folder from before it computes until it has
//! published (a second run into the same folder stops at once with E0715), writes both files
//! to temporary files there, then publishes them:
//!
//! 1. every file it will replace or remove is hard-linked to a backup (`.segc-old-NAME`);
//! 2. a journal (`.segc-publish.json`) listing the targets and their backups is written (to a
//!    temporary file, synced, renamed: it exists whole or not at all);
//! 3. the temporary files are renamed onto the targets, and a membership file of the other
//!    format is removed (a CSV run after a Parquet run leaves no stale `membership.parquet`);
//! 4. the journal is removed: this is the commit point; then the backups are removed.
//!
//! If a step of 3 fails the run rolls back (backups renamed onto the targets) and reports E0708.
//! If the process dies during 3, the next run into the folder finds the journal under the lock
//! and rolls back the same way, so a run that did not finish never replaces a previous one.
//! What a reader sees: the previous pair until step 3, the new pair after it; while step 3 runs
//! (a few renames) or after a run died in it, the folder holds `.segc-publish.json`, and a
//! reader that sees that file should wait for the next run or read the `.segc-old-*` backups.
//! Temporary files of runs that died (`.segc-*.tmp`) are removed by the next run: it holds
//! the lock, so no live run owns them.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::output::PendingOutput;
use crate::diagnostics::{DataDiagnostic, Diagnostic};

/// The journal of a publication in progress.
const JOURNAL: &str = ".segc-publish.json";
/// Backups of replaced files are named with this prefix and the file's name.
const BACKUP_PREFIX: &str = ".segc-old-";
/// Temporary files of a run (and, for files of earlier versions, `.membership-*.tmp`).
const TEMP_PREFIXES: [&str; 2] = [".segc-", ".membership-"];

/// An exclusive lock on an output folder (released when dropped, or when the process ends
/// however it ends: it is an advisory lock of the operating system on the folder itself).
#[derive(Debug)]
pub struct OutputLock {
    dir: PathBuf,
    _handle: File,
}

impl OutputLock {
    /// Creates `dir` if needed, locks it, and undoes what a run that died there left: an
    /// interrupted publication is rolled back, temporary files are removed.
    pub fn acquire(dir: &Path) -> Result<OutputLock, Diagnostic> {
        let failed = |e: std::io::Error| failed(dir, e);
        std::fs::create_dir_all(dir).map_err(failed)?;
        let handle = File::open(dir).map_err(failed)?;
        match handle.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Diagnostic::Data(DataDiagnostic::OutputBusy {
                    path: dir.display().to_string(),
                }));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(failed(e)),
        }
        let lock = OutputLock {
            dir: dir.to_path_buf(),
            _handle: handle,
        };
        lock.recover()?;
        Ok(lock)
    }

    /// The locked folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn recover(&self) -> Result<(), Diagnostic> {
        let journal = self.dir.join(JOURNAL);
        if journal.exists() {
            let text = std::fs::read_to_string(&journal).map_err(|e| failed(&journal, e))?;
            let entries: Journal = serde_json::from_str(&text).map_err(|e| failed(&journal, e))?;
            self.roll_back(&entries.entries)?;
        }
        let entries = std::fs::read_dir(&self.dir).map_err(|e| failed(&self.dir, e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let temporary =
                TEMP_PREFIXES.iter().any(|p| name.starts_with(p)) && name.ends_with(".tmp");
            if temporary || name.starts_with(BACKUP_PREFIX) {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(|e| failed(&path, e))?;
            }
        }
        Ok(())
    }

    /// Puts every target back as the journal found it, then removes the journal.
    fn roll_back(&self, entries: &[Entry]) -> Result<(), Diagnostic> {
        for entry in entries.iter().rev() {
            let (Some(target), backup) = (plain_name(&entry.target), entry.backup.as_deref())
            else {
                continue;
            };
            let target = self.dir.join(target);
            match backup.and_then(plain_name).map(|b| self.dir.join(b)) {
                Some(backup) if backup.exists() => {
                    std::fs::rename(&backup, &target).map_err(|e| failed(&target, e))?
                }
                Some(_) => {}
                None => remove_if_present(&target)?,
            }
        }
        sync_dir(&self.dir)?;
        remove_if_present(&self.dir.join(JOURNAL))?;
        sync_dir(&self.dir)
    }
}

/// One file a publication replaces, adds or removes.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// The file's name in the output folder.
    target: String,
    /// The backup's name, when the file existed.
    backup: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    entries: Vec<Entry>,
}

/// Moves `files` onto their targets and removes `obsolete` files, all or nothing (see the module
/// documentation).
pub(super) fn publish(
    lock: &OutputLock,
    files: Vec<PendingOutput>,
    obsolete: &[PathBuf],
) -> Result<(), Diagnostic> {
    let swapped = swap(lock, files, obsolete)?;
    commit(lock, &swapped)
}

/// One folder's outputs of a project run, staged under its lock: published with the others.
pub(super) struct Staged {
    /// The lock on the folder, held until published.
    pub lock: OutputLock,
    /// The temporary files and their targets.
    pub files: Vec<PendingOutput>,
    /// The files the publication removes.
    pub obsolete: Vec<PathBuf>,
}

/// Publishes the outputs of several folders all or nothing: each folder's files are moved into
/// place with its journal kept (steps 1 to 3), and only once every folder's are the journals
/// removed. A failure rolls back the folders already moved; a process that dies before the
/// last journal is removed leaves journals that the next lock on each folder rolls back, so
/// what a reader sees after a crash is either every folder's new pair or, once rolled back, the
/// previous ones (a folder whose journal was already removed keeps its new pair).
pub(super) fn publish_all(staged: Vec<Staged>) -> Result<(), Diagnostic> {
    let mut locks = Vec::with_capacity(staged.len());
    let mut pending = Vec::with_capacity(staged.len());
    for folder in staged {
        locks.push(folder.lock);
        pending.push((folder.files, folder.obsolete));
    }
    let mut swapped: Vec<(&OutputLock, Journal)> = Vec::with_capacity(locks.len());
    for (lock, (files, obsolete)) in locks.iter().zip(pending) {
        match swap(lock, files, &obsolete) {
            Ok(journal) => swapped.push((lock, journal)),
            Err(problem) => {
                for (lock, journal) in swapped.iter().rev() {
                    let _ = lock.roll_back(&journal.entries);
                }
                return Err(problem);
            }
        }
    }
    let mut first = Ok(());
    for (lock, journal) in &swapped {
        if let Err(problem) = commit(lock, journal) {
            first = first.and(Err(problem));
        }
    }
    first
}

/// Steps 1 to 3: backups, the journal, the files moved into place (rolled back on failure).
fn swap(
    lock: &OutputLock,
    files: Vec<PendingOutput>,
    obsolete: &[PathBuf],
) -> Result<Journal, Diagnostic> {
    let dir = lock.dir();
    let targets: Vec<&Path> = files
        .iter()
        .map(PendingOutput::target)
        .chain(obsolete.iter().map(PathBuf::as_path))
        .collect();
    let journal = Journal {
        entries: back_up(dir, &targets)?,
    };
    if let Err(problem) = write_journal(dir, &journal) {
        remove_backups(dir, &journal.entries);
        return Err(problem);
    }
    if let Err(problem) = move_into_place(files, obsolete).and_then(|()| sync_dir(dir)) {
        // The original problem is the one to report; a failed rollback leaves the journal for
        // the next run to finish it.
        let _ = lock.roll_back(&journal.entries);
        return Err(problem);
    }
    Ok(journal)
}

/// Step 4: the journal removed (the commit point), then the backups.
fn commit(lock: &OutputLock, journal: &Journal) -> Result<(), Diagnostic> {
    let dir = lock.dir();
    let committed = remove_if_present(&dir.join(JOURNAL)).and_then(|()| sync_dir(dir));
    if let Err(problem) = committed {
        let _ = lock.roll_back(&journal.entries);
        return Err(problem);
    }
    remove_backups(dir, &journal.entries);
    Ok(())
}

/// Hard-links (or copies, where links are not supported) each existing target to its backup;
/// on failure the backups made so far are removed and nothing else has changed.
fn back_up(dir: &Path, targets: &[&Path]) -> Result<Vec<Entry>, Diagnostic> {
    let mut entries = Vec::with_capacity(targets.len());
    for target in targets {
        let name = file_name(target);
        let mut entry = Entry {
            target: name.clone(),
            backup: None,
        };
        if target.exists() {
            let backup = format!("{BACKUP_PREFIX}{name}");
            let path = dir.join(&backup);
            let linked = remove_if_present(&path).and_then(|()| {
                std::fs::hard_link(target, &path)
                    .or_else(|_| std::fs::copy(target, &path).map(|_| ()))
                    .map_err(|e| failed(target, e))
            });
            if let Err(problem) = linked {
                remove_backups(dir, &entries);
                return Err(problem);
            }
            entry.backup = Some(backup);
        }
        entries.push(entry);
    }
    Ok(entries)
}

/// Best effort: a backup left behind is removed by the next run.
fn remove_backups(dir: &Path, entries: &[Entry]) {
    for backup in entries.iter().filter_map(|e| e.backup.as_ref()) {
        let _ = std::fs::remove_file(dir.join(backup));
    }
}

fn move_into_place(files: Vec<PendingOutput>, obsolete: &[PathBuf]) -> Result<(), Diagnostic> {
    for file in files {
        file.commit()?;
    }
    for path in obsolete {
        remove_if_present(path)?;
    }
    Ok(())
}

fn write_journal(dir: &Path, journal: &Journal) -> Result<(), Diagnostic> {
    let target = dir.join(JOURNAL);
    let text = serde_json::to_string(journal).map_err(|e| failed(&target, e))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".segc-journal-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| failed(&target, e))?;
    use std::io::Write;
    temp.write_all(text.as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| failed(&target, e))?;
    temp.persist(&target)
        .map_err(|e| failed(&target, e.error))?;
    sync_dir(dir)
}

/// `name` if it is a plain file name: a journal never moves files outside its folder.
fn plain_name(name: &str) -> Option<&str> {
    let path = Path::new(name);
    (path.file_name().is_some_and(|f| f == path.as_os_str())).then_some(name)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

fn remove_if_present(path: &Path) -> Result<(), Diagnostic> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(failed(path, e)),
        _ => Ok(()),
    }
}

/// Makes the renames in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), Diagnostic> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| failed(dir, e))
}

fn failed(path: &Path, error: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::Data(DataDiagnostic::OutputFailed {
        path: path.display().to_string(),
        message: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(dir: &Path, name: &str, text: &str) -> PendingOutput {
        let mut temp = tempfile::Builder::new()
            .prefix(".segc-test-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .expect("temp");
        std::io::Write::write_all(&mut temp, text.as_bytes()).expect("write");
        PendingOutput::new(temp, dir.join(name))
    }

    fn read(dir: &Path, name: &str) -> String {
        std::fs::read_to_string(dir.join(name)).unwrap_or_else(|_| "<none>".into())
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn publishes_the_pair_and_removes_the_other_format() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::write(d.join("membership.csv"), "old csv").expect("old");
        std::fs::write(d.join("summary.json"), "old summary").expect("old");
        let lock = OutputLock::acquire(d).expect("lock");
        let files = vec![
            pending(d, "membership.parquet", "new membership"),
            pending(d, "summary.json", "new summary"),
        ];
        publish(&lock, files, &[d.join("membership.csv")]).expect("publish");
        assert_eq!(names(d), ["membership.parquet", "summary.json"]);
        assert_eq!(read(d, "summary.json"), "new summary");
    }

    #[test]
    fn a_failed_rename_rolls_back_to_the_previous_pair() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::write(d.join("membership.parquet"), "old membership").expect("old");
        std::fs::write(d.join("summary.json"), "old summary").expect("old");
        std::fs::write(d.join("membership.csv"), "old csv").expect("old");
        let lock = OutputLock::acquire(d).expect("lock");
        let summary = pending(d, "summary.json", "new summary");
        // The summary's temporary file vanishes: its rename, after the membership's, fails.
        std::fs::remove_file(summary.temp_path()).expect("remove");
        let files = vec![pending(d, "membership.parquet", "new membership"), summary];
        let result = publish(&lock, files, &[d.join("membership.csv")]);
        assert!(matches!(
            result,
            Err(Diagnostic::Data(DataDiagnostic::OutputFailed { .. }))
        ));
        assert_eq!(read(d, "membership.parquet"), "old membership");
        assert_eq!(read(d, "summary.json"), "old summary");
        assert_eq!(read(d, "membership.csv"), "old csv");
        drop(lock);
        // Nothing is left behind for the next run to clean.
        let _lock = OutputLock::acquire(d).expect("lock");
        assert_eq!(
            names(d),
            ["membership.csv", "membership.parquet", "summary.json"]
        );
    }

    /// A project run's folders: the second cannot be published (a folder where its summary
    /// goes), so the first, already moved into place, is rolled back.
    #[test]
    fn folders_published_together_roll_back_together() {
        let (one, two) = (
            tempfile::tempdir().expect("tmp"),
            tempfile::tempdir().expect("tmp"),
        );
        let (a, b) = (one.path(), two.path());
        std::fs::write(a.join("membership.csv"), "old a").expect("old");
        std::fs::write(a.join("summary.json"), "old a summary").expect("old");
        std::fs::create_dir_all(b.join("summary.json/x")).expect("a folder in the way");
        let staged = |d: &Path, text: &str| Staged {
            lock: OutputLock::acquire(d).expect("lock"),
            files: vec![
                pending(d, "membership.csv", text),
                pending(d, "summary.json", text),
            ],
            obsolete: Vec::new(),
        };
        let result = publish_all(vec![staged(a, "new a"), staged(b, "new b")]);
        assert!(result.is_err());
        assert_eq!(read(a, "membership.csv"), "old a");
        assert_eq!(read(a, "summary.json"), "old a summary");
        assert_eq!(read(b, "membership.csv"), "<none>");
        // Without the obstacle, both are published.
        std::fs::remove_dir_all(b.join("summary.json")).expect("remove");
        publish_all(vec![staged(a, "new a"), staged(b, "new b")]).expect("publish");
        assert_eq!(
            (read(a, "membership.csv"), read(b, "summary.json")),
            ("new a".into(), "new b".into())
        );
        assert_eq!(names(a), ["membership.csv", "summary.json"]);
    }

    #[test]
    fn a_target_that_cannot_be_backed_up_changes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::write(d.join("membership.parquet"), "old membership").expect("old");
        std::fs::create_dir_all(d.join("summary.json/x")).expect("a folder in the way");
        let lock = OutputLock::acquire(d).expect("lock");
        let files = vec![
            pending(d, "membership.parquet", "new membership"),
            pending(d, "summary.json", "new summary"),
        ];
        assert!(publish(&lock, files, &[]).is_err());
        assert_eq!(read(d, "membership.parquet"), "old membership");
        assert_eq!(names(d), ["membership.parquet", "summary.json"]);
    }

    #[test]
    fn the_next_lock_rolls_back_a_publication_that_died_midway() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        // The state after a kill between the two renames: the membership replaced (its old
        // version kept as a backup), the summary's temporary file not yet moved, the journal.
        std::fs::write(d.join("membership.parquet"), "new membership").expect("new");
        std::fs::write(d.join(".segc-old-membership.parquet"), "old membership").expect("old");
        std::fs::write(d.join("summary.json"), "old summary").expect("old");
        std::fs::write(d.join(".segc-old-summary.json"), "old summary").expect("old");
        std::fs::write(d.join(".segc-summary-x1.tmp"), "new summary").expect("temp");
        let journal = Journal {
            entries: vec![
                Entry {
                    target: "membership.parquet".into(),
                    backup: Some(".segc-old-membership.parquet".into()),
                },
                Entry {
                    target: "summary.json".into(),
                    backup: Some(".segc-old-summary.json".into()),
                },
                // A file that did not exist before the run: removed.
                Entry {
                    target: "membership.csv".into(),
                    backup: None,
                },
                // Never outside the folder.
                Entry {
                    target: "../escape".into(),
                    backup: None,
                },
            ],
        };
        std::fs::write(d.join("membership.csv"), "new csv").expect("new");
        std::fs::write(d.join("../escape"), "kept").expect("outside");
        std::fs::write(
            d.join(JOURNAL),
            serde_json::to_string(&journal).expect("json"),
        )
        .expect("journal");
        let lock = OutputLock::acquire(d).expect("lock");
        assert_eq!(names(d), ["membership.parquet", "summary.json"]);
        assert_eq!(read(d, "membership.parquet"), "old membership");
        assert_eq!(read(d, "summary.json"), "old summary");
        assert_eq!(read(d, "../escape"), "kept");
        drop(lock);
    }

    #[test]
    fn a_folder_is_locked_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lock = OutputLock::acquire(dir.path()).expect("lock");
        assert!(matches!(
            OutputLock::acquire(dir.path()),
            Err(Diagnostic::Data(DataDiagnostic::OutputBusy { .. }))
        ));
        drop(lock);
        OutputLock::acquire(dir.path()).expect("free again");
    }
}
