//! Projects of several files on the command line: `segc check` over the example project, a
//! problem in a shared file reported once, data read relative to the declaring file, and the
//! `[output]` and `[kpi]` defaults of segc.toml.

use std::path::Path;

use crate::common::cli::{repo, segc, status, transcript};

const PROJECT: &str = "examples/project";

#[test]
fn the_example_project_checks_clean() {
    insta::assert_snapshot!(
        "project_check",
        transcript(segc().current_dir(repo(PROJECT)).arg("check"))
    );
}

#[test]
fn imported_sources_read_data_from_their_own_folder() {
    let out = tempfile::tempdir().expect("tempdir");
    let mut run = segc();
    run.current_dir(repo(PROJECT)).args([
        "run",
        "campaigns/winback.seg",
        "--as-of",
        "2026-11-01",
        "--out",
        out.path().to_str().expect("path"),
    ]);
    let text = transcript(&mut run).replace(out.path().to_str().expect("path"), "[OUT]");
    insta::assert_snapshot!("project_run", text);
    assert!(out.path().join("membership.parquet").is_file());
}

#[test]
fn kpis_are_judged_against_the_project_baseline() {
    let mut kpi = segc();
    kpi.current_dir(repo(PROJECT))
        .args(["kpi", "campaigns/loyalty.seg", "--as-of", "2026-11-01"]);
    insta::assert_snapshot!("project_kpi", transcript(&mut kpi));
}

/// A small project in a temporary folder: `files` maps paths to texts.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let path = dir.path().join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("folder");
        }
        std::fs::write(path, text).expect("write");
    }
    dir
}

const SHARED: &str = "source customers from csv \"customers.csv\" {
  key customer_id: int
  status: enum(\"prospect\", \"client\")
  income: int?
}
population customers
let wealthy = income >= \"a lot\"
";

#[test]
fn a_problem_in_a_shared_file_is_reported_once_under_that_file() {
    let dir = project(&[
        ("segc.toml", "files = [\"rules/*.seg\"]\n"),
        ("common/shared.seg", SHARED),
        (
            "rules/a.seg",
            "import \"../common/shared.seg\"\nsegment rich \"Riches\" = wealthy\n",
        ),
        (
            "rules/b.seg",
            "import \"../common/shared.seg\"\nsegment clients \"Clients\" = status == \"clinet\"\n",
        ),
    ]);
    let human = transcript(segc().current_dir(dir.path()).arg("check"));
    assert_eq!(human.matches("E0402").count(), 1, "{human}");
    insta::assert_snapshot!("project_shared_problem", human);

    let output = segc()
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .output()
        .expect("segc runs");
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let files: Vec<(String, Vec<String>)> = json["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            let codes = f["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .map(|d| d["code"].as_str().unwrap_or_default().to_string())
                .collect();
            (f["file"].as_str().unwrap_or_default().to_string(), codes)
        })
        .collect();
    assert_eq!(
        files,
        [
            ("rules/a.seg".to_string(), vec![]),
            ("rules/b.seg".to_string(), vec!["E0403".to_string()]),
            ("common/shared.seg".to_string(), vec!["E0402".to_string()]),
        ]
    );
}

#[test]
fn output_defaults_come_from_segc_toml() {
    let customers = std::fs::read_to_string(repo("tests/fixtures/run/customers_csv/customers.csv"))
        .expect("data");
    let rules =
        "import \"../common/sources.seg\"\nsegment clients \"Clients\" = status == \"client\"\n";
    let sources = "source customers from csv \"../data/customers.csv\" {
  key customer_id: int
  status: enum(\"prospect\", \"client\")
}
";
    let dir = project(&[
        (
            "segc.toml",
            "[output]\ndir = \"exports\"\nformat = \"csv\"\nlayout = \"long\"\n",
        ),
        ("data/customers.csv", &customers),
        ("common/sources.seg", sources),
        ("rules/clients.seg", rules),
    ]);
    let ran = status(segc().current_dir(dir.path()).args([
        "run",
        "rules/clients.seg",
        "--as-of",
        "2026-11-01",
        "--quiet",
    ]));
    assert_eq!(ran, 0);
    let written = std::fs::read_to_string(dir.path().join("exports/membership.csv"))
        .expect("csv membership in the project's output folder");
    assert!(written.starts_with("customer_id,segment"), "{written}");

    // Without a default, --out is required.
    std::fs::write(dir.path().join("segc.toml"), "").expect("write");
    let mut run = segc();
    run.current_dir(dir.path())
        .args(["run", "rules/clients.seg", "--as-of", "2026-11-01"]);
    insta::assert_snapshot!("project_no_output_dir", transcript(&mut run));
}

#[test]
fn import_cycles_are_reported_in_every_format() {
    let dir = project(&[
        ("a.seg", "import \"b.seg\"\nlet x = 1\n"),
        (
            "b.seg",
            "import \"a.seg\"\nsource customers from csv \"c.csv\" { key id: int }\n",
        ),
    ]);
    let run = |format: &str| {
        let mut command = segc();
        command
            .current_dir(dir.path())
            .args(["check", "a.seg", "--format", format]);
        transcript(&mut command)
    };
    let sarif = run("sarif");
    assert!(sarif.contains("\"uri\": \"b.seg\""), "{sarif}");
    assert!(sarif.contains("\"uri\": \"a.seg\""), "{sarif}");
    insta::assert_snapshot!("project_cycle_github", run("github"));
    insta::assert_snapshot!("project_cycle_human", run("human"));
    assert!(Path::new(&dir.path().join("a.seg")).is_file());
}
