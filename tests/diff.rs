//! `segc diff`: a temporary git repository holding `fixtures/diff/v1`, then `v2` (see its
//! README), compared in each format; changes in the work tree; the prover's verdicts; and the
//! errors (no repository, an unknown revision, rules with errors in a version).

use std::path::Path;
use std::process::Command;

use crate::common::cli::{repo, segc, transcript};

/// Runs git in `dir`, which must succeed.
fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=segc", "-c", "user.email=segc@example.org"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(status.status.success(), "git {args:?}: {status:?}");
}

/// Replaces the files of the work tree (all but `.git`) by those of `fixtures/diff/VERSION`.
fn check_out(dir: &Path, version: &str) {
    for entry in std::fs::read_dir(dir).expect("listed") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n != ".git") {
            if path.is_dir() {
                std::fs::remove_dir_all(&path).expect("removed");
            } else {
                std::fs::remove_file(&path).expect("removed");
            }
        }
    }
    let from = repo("tests/fixtures/diff").join(version);
    for entry in std::fs::read_dir(&from).expect("listed") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("named");
        std::fs::copy(&path, dir.join(name)).expect("copied");
    }
}

/// A repository with `v1` committed, then `v2`.
fn two_commits() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    git(dir.path(), &["init", "-q"]);
    for version in ["v1", "v2"] {
        check_out(dir.path(), version);
        git(dir.path(), &["add", "-A"]);
        git(dir.path(), &["commit", "-q", "-m", version]);
    }
    dir
}

/// The transcript of `segc diff ARGS` in `dir`.
fn diff(dir: &Path, args: &[&str]) -> String {
    let mut command = segc();
    command.current_dir(dir).arg("diff").args(args);
    transcript(&mut command).replace(&dir.display().to_string(), "[REPO]")
}

#[test]
fn two_revisions_for_people() {
    let dir = two_commits();
    insta::assert_snapshot!(diff(dir.path(), &["HEAD~1", "HEAD"]));
}

#[test]
fn two_revisions_as_json() {
    let dir = two_commits();
    insta::assert_snapshot!(diff(dir.path(), &["HEAD~1", "HEAD", "--format", "json"]));
}

#[test]
fn two_revisions_as_markdown() {
    let dir = two_commits();
    insta::assert_snapshot!(diff(
        dir.path(),
        &["HEAD~1", "HEAD", "--format", "markdown"]
    ));
}

#[test]
fn one_revision_is_compared_with_the_work_tree() {
    let dir = two_commits();
    // The work tree is v2: the same as comparing with HEAD.
    assert_eq!(
        diff(dir.path(), &["HEAD~1"]).replace("work tree", "HEAD"),
        diff(dir.path(), &["HEAD~1", "HEAD"])
    );
    // Nothing changed since HEAD.
    insta::assert_snapshot!(diff(dir.path(), &[]), @r"
    exit: 0
    --- stdout
    HEAD → work tree
    rules.seg: unchanged
    sources.seg: unchanged
    no change in 2 files
    --- stderr
    ");
}

#[test]
fn uncommitted_changes_and_files() {
    let dir = two_commits();
    let rules = dir.path().join("rules.seg");
    let text = std::fs::read_to_string(&rules).expect("read");
    let text = text.replace(
        "revenue_12m >= 300",
        "revenue_12m >= 250 or orders_12m >= 5",
    );
    std::fs::write(&rules, text).expect("written");
    std::fs::write(
        dir.path().join("extra.seg"),
        "import \"sources.seg\"\npopulation customers\nsegment clients = status == \"client\"\n",
    )
    .expect("written");
    insta::assert_snapshot!(diff(dir.path(), &["rules.seg", "extra.seg"]));
}

#[test]
fn rules_with_errors_in_a_version_exit_1() {
    let dir = two_commits();
    let rules = dir.path().join("rules.seg");
    let text = std::fs::read_to_string(&rules).expect("read");
    std::fs::write(
        &rules,
        text.replace("revenue_12m >= 300", "revenue_12m >= "),
    )
    .expect("written");
    git(dir.path(), &["commit", "-q", "-am", "broken"]);
    insta::assert_snapshot!(diff(dir.path(), &["HEAD~1", "HEAD"]));
}

#[test]
fn outside_a_repository_exits_2() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = diff(dir.path(), &["rules.seg"]);
    assert!(out.starts_with("exit: 2") && out.contains("E1502"), "{out}");
}

#[test]
fn revision_and_file_problems_exit_2() {
    let dir = two_commits();
    let unknown = diff(dir.path(), &["no-such-branch"]);
    assert!(
        unknown.starts_with("exit: 2") && unknown.contains("E1503"),
        "{unknown}"
    );
    let three = diff(dir.path(), &["HEAD", "HEAD~1", "main"]);
    assert!(
        three.starts_with("exit: 2") && three.contains("E1504"),
        "{three}"
    );
    let outside = diff(dir.path(), &["../elsewhere.seg"]);
    assert!(
        outside.starts_with("exit: 2") && outside.contains("E1505"),
        "{outside}"
    );
    let neither = diff(dir.path(), &["missing.seg"]);
    assert!(
        neither.starts_with("exit: 2") && neither.contains("E1507"),
        "{neither}"
    );
}
