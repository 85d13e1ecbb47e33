//! `segc diff`: a temporary git repository holding `fixtures/diff/v1`, then `v2` (see its
//! README), compared in each format; changes in the work tree; the prover's verdicts; and the
//! errors (no repository, an unknown revision, rules with errors in a version).

use std::path::Path;
use std::process::Command;

use crate::common::cli::{repo, segc, transcript};

/// Runs git in `dir`, which must succeed.
pub(crate) fn git(dir: &Path, args: &[&str]) {
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

/// Commits `file` of the repository `dir` with `edit.0` replaced by `edit.1`.
fn commit_edit(dir: &Path, file: &str, edit: (&str, &str), message: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(edit.0), "{file} holds {}", edit.0);
    std::fs::write(&path, text.replace(edit.0, edit.1)).expect("written");
    git(dir, &["commit", "-q", "-am", message]);
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
        "import \"sources.seg\"\npopulation customers\nsegment buyers = status == \"client\"\n",
    )
    .expect("written");
    insta::assert_snapshot!(diff(dir.path(), &["rules.seg", "extra.seg"]));
}

#[test]
fn rules_with_errors_in_a_version_exit_1() {
    let dir = two_commits();
    commit_edit(
        dir.path(),
        "rules.seg",
        ("revenue_12m >= 300", "revenue_12m >= "),
        "broken",
    );
    insta::assert_snapshot!(diff(dir.path(), &["HEAD~1", "HEAD"]));
}

#[test]
fn without_git_exits_2() {
    let dir = two_commits();
    let mut command = segc();
    command.current_dir(dir.path()).env("PATH", "").arg("diff");
    let out = transcript(&mut command);
    assert!(out.starts_with("exit: 2") && out.contains("E1501"), "{out}");
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

/// Both versions as one program (`diff::merge`) lower to one plan that scans each source once:
/// the sources' rows are read once for both versions' segments.
#[test]
fn both_versions_are_planned_with_one_scan_per_source() {
    use segc::lower::{DeclaredTables, Selection, Wanted, membership_plan, planned_passes};
    let program = |version: &str| {
        let rules = repo("tests/fixtures/diff").join(version).join("rules.seg");
        let session = crate::common::session(&rules, false).expect("opened");
        session.program().clone()
    };
    let merged = segc::diff::merge::merge(&program("v1"), &program("v2")).expect("merged");
    let params = crate::common::params();
    let wanted = Wanted::Outputs(&Selection::All);
    let (_, ranks) =
        planned_passes(&merged, &DeclaredTables, params, wanted, true).expect("passes");
    let plan = membership_plan(&merged, &DeclaredTables, params, &Selection::All, &ranks)
        .expect("plan")
        .plan;
    let text = plan.display_indent().to_string();
    for source in ["customers", "orders"] {
        let scans = text
            .lines()
            .filter(|l| l.trim_start().starts_with(&format!("TableScan: {source}")))
            .count();
        assert_eq!(scans, 1, "{source} is scanned {scans} times:\n{text}");
    }
    insta::assert_snapshot!(text);
}

/// A membership CSV written by `segc run`: per column, the keys whose value is `true`, or
/// per key its text.
fn run_rows(rules: &Path, out: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let status = segc()
        .args([
            "run",
            "--as-of",
            "2026-11-01",
            "--format",
            "csv",
            "-q",
            "--out",
        ])
        .arg(out)
        .arg(rules)
        .status()
        .expect("segc runs");
    assert!(status.success());
    let text = std::fs::read_to_string(out.join("membership.csv")).expect("membership");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// A member's tier in a row of a run (`None`: no tier).
fn tier(row: &std::collections::BTreeMap<String, String>) -> Option<&str> {
    Some(row["value"].as_str()).filter(|t| !t.is_empty())
}

/// `--data` counts agree with `segc run` of each version and a set difference.
#[test]
fn data_diff_agrees_with_runs_of_each_version() {
    let dir = two_commits();
    let mut command = segc();
    command
        .current_dir(dir.path())
        .args(["diff", "HEAD~1", "HEAD", "--data", "--as-of", "2026-11-01"])
        .args(["--format", "json", "rules.seg"]);
    let output = command.output().expect("segc runs");
    assert!(output.status.success(), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let data = &report["files"][0]["data"];
    let runs = tempfile::tempdir().expect("temporary folder");
    let fixtures = repo("tests/fixtures/diff");
    let old = run_rows(&fixtures.join("v1/rules.seg"), &runs.path().join("v1"));
    let new = run_rows(&fixtures.join("v2/rules.seg"), &runs.path().join("v2"));
    let members = |rows: &[std::collections::BTreeMap<String, String>], column: &str| {
        let mut keys: Vec<i64> = rows
            .iter()
            .filter(|r| r.get(column).is_some_and(|v| v == "true"))
            .map(|r| r["customer_id"].parse().expect("key"))
            .collect();
        keys.sort();
        keys
    };
    let mut checked = 0;
    for segment in data["segments"].as_array().expect("segments") {
        let name = segment["name"].as_str().expect("name");
        let old_name = match name {
            "dormant" => "lapsed",
            other => other,
        };
        let (before, after) = (members(&old, old_name), members(&new, name));
        let entered: Vec<i64> = after
            .iter()
            .filter(|k| !before.contains(k))
            .copied()
            .collect();
        let left: Vec<i64> = before
            .iter()
            .filter(|k| !after.contains(k))
            .copied()
            .collect();
        let sample =
            |keys: &[i64]| -> Vec<String> { keys.iter().take(5).map(i64::to_string).collect() };
        assert_eq!(segment["before"], before.len(), "{name}");
        assert_eq!(segment["after"], after.len(), "{name}");
        assert_eq!(segment["entered"], entered.len(), "{name}");
        assert_eq!(segment["left"], left.len(), "{name}");
        assert_eq!(
            segment["entered_sample"],
            serde_json::json!(sample(&entered)),
            "{name}"
        );
        assert_eq!(
            segment["left_sample"],
            serde_json::json!(sample(&left)),
            "{name}"
        );
        checked += 1;
    }
    assert_eq!(checked, 7, "{data}");
    // The KPI, `share(vip)`, before and after.
    let kpi = &data["kpis"][0];
    assert_eq!(kpi["kpi"], "vip_share");
    let share = |rows: &[std::collections::BTreeMap<String, String>]| {
        members(rows, "vip").len() as f64 / rows.len() as f64
    };
    assert_eq!(kpi["before"].as_f64(), Some(share(&old)));
    assert_eq!(kpi["after"].as_f64(), Some(share(&new)));
    // The tiers' moves: every member's tier before and after.
    let tiers = &data["tiers"][0];
    for transition in tiers["transitions"].as_array().expect("transitions") {
        let (from, to) = (transition["from"].as_str(), transition["to"].as_str());
        let moved = old
            .iter()
            .zip(&new)
            .filter(|(a, b)| tier(a) == from && tier(b) == to)
            .count();
        assert_eq!(transition["members"], moved, "{from:?} → {to:?}");
    }
}

/// Runs `segc run` of `rules` at `as_of` into `out` with more options.
fn run_into(rules: &Path, as_of: &str, out: &Path, options: &[&str]) {
    let status = segc()
        .args(["run", "-q", "--as-of", as_of, "--out"])
        .arg(out)
        .args(options)
        .arg(rules)
        .status()
        .expect("segc runs");
    assert!(status.success());
}

/// `--runs` over a wide Parquet run and a long CSV run of the same rules at two dates agrees
/// with the set differences of the same runs written as wide CSV.
#[test]
fn runs_are_compared_in_both_layouts() {
    let rules = repo("tests/fixtures/diff/v1/rules.seg");
    let dir = tempfile::tempdir().expect("temporary folder");
    let at = |name: &str| dir.path().join(name);
    run_into(&rules, "2026-11-01", &at("wide"), &[]);
    run_into(
        &rules,
        "2026-05-01",
        &at("long"),
        &["--layout", "long", "--format", "csv"],
    );
    let mut command = segc();
    command
        .current_dir(dir.path())
        .args(["diff", "--runs", "wide", "long"]);
    let report = transcript(&mut command).replace(&rules.display().to_string(), "[RULES]");
    insta::assert_snapshot!(report);
    let json = segc()
        .current_dir(dir.path())
        .args(["diff", "--runs", "wide", "long", "--format", "json"])
        .output()
        .expect("segc runs");
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let old = run_rows(&rules, &at("csv-old"));
    let new = {
        run_into(&rules, "2026-05-01", &at("csv-new"), &["--format", "csv"]);
        let text = std::fs::read_to_string(at("csv-new/membership.csv")).expect("read");
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .expect("header")
            .split(',')
            .map(String::from)
            .collect();
        lines
            .map(|l| {
                header
                    .iter()
                    .cloned()
                    .zip(l.split(',').map(String::from))
                    .collect()
            })
            .collect::<Vec<std::collections::BTreeMap<String, String>>>()
    };
    for segment in json["segments"].as_array().expect("segments") {
        let name = segment["name"].as_str().expect("name");
        let members = |rows: &[std::collections::BTreeMap<String, String>]| -> Vec<String> {
            rows.iter()
                .filter(|r| r[name] == "true")
                .map(|r| r["customer_id"].clone())
                .collect()
        };
        let (before, after) = (members(&old), members(&new));
        let entered = after.iter().filter(|k| !before.contains(k)).count();
        let left = before.iter().filter(|k| !after.contains(k)).count();
        assert_eq!(segment["before"], before.len(), "{name}");
        assert_eq!(segment["after"], after.len(), "{name}");
        assert_eq!(segment["entered"], entered, "{name}");
        assert_eq!(segment["left"], left, "{name}");
    }
    for transition in json["tiers"][0]["transitions"].as_array().expect("moves") {
        let (from, to) = (transition["from"].as_str(), transition["to"].as_str());
        let moved = old
            .iter()
            .zip(&new)
            .filter(|(a, b)| tier(a) == from && tier(b) == to)
            .count();
        assert_eq!(transition["members"], moved, "{from:?} → {to:?}");
    }
}

#[test]
fn runs_problems_exit_2() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let one = diff(dir.path(), &["--runs", "a"]);
    assert!(one.starts_with("exit: 2") && one.contains("E1515"), "{one}");
    let missing = diff(dir.path(), &["--runs", "a", "b"]);
    assert!(
        missing.starts_with("exit: 2") && missing.contains("E1514"),
        "{missing}"
    );
}

#[test]
fn gates_fail_the_command() {
    let dir = two_commits();
    let gate = |gates: &[&str]| {
        let mut args = vec![
            "HEAD~1",
            "HEAD",
            "--data",
            "--as-of",
            "2026-11-01",
            "rules.seg",
        ];
        for g in gates {
            args.extend(["--fail-if", g]);
        }
        diff(dir.path(), &args)
    };
    let passed = gate(&["big_spender: left > 1", "vip: change > 50%"]);
    assert!(passed.starts_with("exit: 0"), "{passed}");
    let tripped = gate(&["frequent: change > 20%", "value: entered >= 3"]);
    let stderr = tripped.split("--- stderr\n").nth(1).expect("stderr");
    insta::assert_snapshot!(format!("{}\n{stderr}", &tripped[..7]));
    let markdown = diff(
        dir.path(),
        &[
            "HEAD~1",
            "HEAD",
            "--data",
            "--as-of",
            "2026-11-01",
            "--format",
            "markdown",
        ]
        .into_iter()
        .chain(["--fail-if", "frequent: change > 20%"])
        .collect::<Vec<_>>(),
    );
    assert!(
        markdown.contains("**Gates passed** (the check fails):\n\n- E1513: `frequent` passes"),
        "{markdown}"
    );
    let without_data = diff(dir.path(), &["--fail-if", "change > 1%"]);
    assert!(without_data.starts_with("exit: 2") && without_data.contains("E1510"));
    let unreadable = gate(&["growth > 1"]);
    assert!(unreadable.starts_with("exit: 2") && unreadable.contains("E1511"));
    let unknown = gate(&["vipp: left > 1"]);
    assert!(
        unknown.starts_with("exit: 2") && unknown.contains("did you mean `vip`"),
        "{unknown}"
    );
}

/// The JSON reports of the versions (with and without `--data`) and of `--runs` follow
/// `docs/schemas/diff.schema.json`, which rejects what does not.
#[test]
fn json_reports_follow_the_documented_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo("docs/schemas/diff.schema.json")).expect("schema"),
    )
    .expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let dir = two_commits();
    let report = |args: &[&str]| -> serde_json::Value {
        let output = segc()
            .current_dir(dir.path())
            .arg("diff")
            .args(args)
            .args(["--format", "json"])
            .output()
            .expect("segc runs");
        serde_json::from_slice(&output.stdout).expect("JSON")
    };
    let rules = repo("tests/fixtures/diff/v1/rules.seg");
    run_into(
        &rules,
        "2026-11-01",
        &dir.path().join("out-a"),
        &["--layout", "long"],
    );
    run_into(
        &rules,
        "2026-05-01",
        &dir.path().join("out-b"),
        &["--format", "csv"],
    );
    let reports = [
        report(&["HEAD~1", "HEAD"]),
        report(&["HEAD~1", "HEAD", "--data", "--as-of", "2026-11-01"]),
        report(&["--runs", "out-a", "out-b"]),
    ];
    for report in &reports {
        let problems: Vec<String> = validator
            .iter_errors(report)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(problems.is_empty(), "{problems:#?}");
    }
    assert!(
        reports[1]["files"][0]["data"]["segments"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
    let mut broken = reports[0].clone();
    broken["files"][0]["changes"][0]["effect"] = serde_json::json!("maybe");
    assert!(validator.iter_errors(&broken).count() > 0);
}

/// What changing segment `s` from `old` to `new` does, as the prover finds it.
fn effect_of(old: &str, new: &str) -> segc::diff::Effect {
    let program = |condition: &str| {
        let text = format!(
            "source c from parquet \"c.parquet\" {{\n  key id: int\n  spend: int\n  \
             status: enum(\"a\", \"b\", \"c\")\n  flag: bool\n}}\n\npopulation c\n\n\
             let floor = 100\n\nsegment s = {condition}\n"
        );
        let (program, diagnostics) = crate::common::compile("s.seg", &text);
        program.unwrap_or_else(|| panic!("{diagnostics}"))
    };
    let (before, after) = (program(old), program(new));
    let (canon_before, canon_after) = (
        segc::diff::canon::Canon::new(&before),
        segc::diff::canon::Canon::new(&after),
    );
    segc::diff::effect::of_conditions(
        (&canon_before, &before.segments[0].condition),
        (&canon_after, &after.segments[0].condition),
    )
}

#[test]
fn the_prover_tells_widening_from_narrowing() {
    use segc::diff::Effect::*;
    let cases = [
        ("spend > 100", "spend > 200", Narrows),
        ("spend > 200", "spend > floor", Widens),
        ("spend > 100 and flag", "spend > 100", Widens),
        ("status == \"a\"", "status in [\"a\", \"b\"]", Widens),
        ("spend > 100", "spend > 100 or flag", Widens),
        (
            "spend > 100 and (flag or status == \"a\")",
            "spend > 50 and (flag or status == \"a\")",
            Widens,
        ),
        (
            "spend >= 100 and spend <= 200",
            "spend between 100 and 200",
            Equivalent,
        ),
        ("status != \"c\"", "status in [\"a\", \"b\"]", Equivalent),
        ("spend > 100", "spend < 50", Unknown),
        ("flag", "not flag", Unknown),
        ("spend > 100 or flag", "spend > 100", Narrows),
    ];
    for (old, new, expected) in cases {
        assert_eq!(effect_of(old, new), expected, "{old} → {new}");
    }
}

#[test]
fn versions_reading_other_rows_are_not_computed_in_one_pass() {
    let dir = two_commits();
    let edit = (
        "source orders from csv \"orders.csv\" {",
        "source orders from csv \"orders.csv\" where channel != \"app\" {",
    );
    commit_edit(dir.path(), "sources.seg", edit, "app orders left out");
    // Without data, the source's new `where` is a change like any other.
    let rules_only = diff(dir.path(), &["HEAD~1", "HEAD", "rules.seg"]);
    assert!(rules_only.starts_with("exit: 0"), "{rules_only}");
    assert!(rules_only.contains("orders"), "{rules_only}");
    let with_data = diff(
        dir.path(),
        &[
            "HEAD~1",
            "HEAD",
            "--data",
            "--as-of",
            "2026-11-01",
            "rules.seg",
        ],
    );
    assert!(with_data.starts_with("exit: 2"), "{with_data}");
    assert!(with_data.contains("E1516"), "{with_data}");
    assert!(with_data.contains("other rows of `orders`"), "{with_data}");
}

#[test]
fn an_audience_or_a_consent_column_changes_what_diff_reports() {
    let dir = two_commits();
    let consent = (
        "  country: string?\n",
        "  country: string?\n  opt_in: bool?\n",
    );
    commit_edit(dir.path(), "sources.seg", consent, "opt-in column");
    let mailable = (
        "segment frequent = orders_12m >= min_orders\n",
        "segment frequent = orders_12m >= min_orders\nsegment mailable = frequent and opt_in\n",
    );
    commit_edit(dir.path(), "rules.seg", mailable, "mailable segment");
    let marked = ("  opt_in: bool?\n", "  opt_in: bool? consent email\n");
    commit_edit(
        dir.path(),
        "sources.seg",
        marked,
        "opt-in is the email consent",
    );
    let audience = (
        "segment mailable = frequent and opt_in\n",
        "segment mailable = frequent and opt_in\n  audience email\n",
    );
    commit_edit(
        dir.path(),
        "rules.seg",
        audience,
        "mailable is an email audience",
    );
    let report = |base: &str, head: &str| {
        let mut command = segc();
        command
            .current_dir(dir.path())
            .args(["diff", base, head, "--format", "json", "rules.seg"]);
        let output = command.output().expect("segc runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).expect("utf-8")
    };
    // The consent mark changes the declaration of the column; the audience, the segment.
    let marked = report("HEAD~2", "HEAD~1");
    assert!(marked.contains("consent email"), "{marked}");
    let audience = report("HEAD~1", "HEAD");
    assert!(audience.contains("\"mailable\""), "{audience}");
    assert!(audience.contains("audience email"), "{audience}");
}
