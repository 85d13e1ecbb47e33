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
    let written = std::fs::read_to_string(dir.path().join("exports/rules/clients/membership.csv"))
        .expect("csv membership in the file's own place of the project's output folder");
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

const LIFECYCLE: &str = "// Shared by every campaign: the tiers are declared once.
source customers from csv \"../data/customers.csv\" {
  key customer_id: int
  status: enum(\"prospect\", \"client\")
  income: int?
}
tiers lifecycle \"Cycle\" {
  high: income >= 50_000
  low: income is not null
  unknown: else
}
";

const CLIENTS: &str = "import \"../common/lifecycle.seg\"
segment clients \"Clients\" = status == \"client\"
kpi client_share \"Part de clients\" {
  value = share(clients)
  target +10% vs baseline
}
";

const PROSPECTS: &str = "import \"../common/lifecycle.seg\"
segment prospects \"Prospects\" = status == \"prospect\"
segment rich_prospects \"Prospects aisés\" = prospects and lifecycle == high
kpi prospect_count \"Prospects\" for each lifecycle {
  value = count(where prospects)
  target >= 1
}
";

/// A project of two campaign files sharing tiers, over the six customers of
/// `tests/fixtures/run/customers_csv` (clients 1, 3, 4, 6; incomes 65,000, none, 30,000,
/// 12,000, 90,000, none: `high` 1 and 5, `low` 3 and 4, `unknown` 2 and 6).
fn campaigns() -> tempfile::TempDir {
    let customers = std::fs::read_to_string(repo("tests/fixtures/run/customers_csv/customers.csv"))
        .expect("data");
    project(&[
        (
            "segc.toml",
            "files = [\"campaigns/*.seg\"]\n[output]\ndir = \"out\"\nformat = \"csv\"\n[kpi]\nbaseline = \"kpi-baseline.json\"\n",
        ),
        ("data/customers.csv", &customers),
        ("common/lifecycle.seg", LIFECYCLE),
        ("campaigns/clients.seg", CLIENTS),
        ("campaigns/prospects.seg", PROSPECTS),
    ])
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn a_project_run_writes_each_file_into_its_own_place() {
    let dir = campaigns();
    let mut run = segc();
    run.current_dir(dir.path())
        .args(["run", "--as-of", "2026-11-01"]);
    insta::assert_snapshot!("project_run_all", transcript(&mut run));
    // Each file's own segments; the shared tiers are computed where used, not written.
    assert_eq!(
        read(dir.path(), "out/campaigns/clients/membership.csv"),
        "customer_id,clients\n1,true\n2,false\n3,true\n4,true\n5,false\n6,true\n"
    );
    assert_eq!(
        read(dir.path(), "out/campaigns/prospects/membership.csv"),
        "customer_id,prospects,rich_prospects\n1,false,false\n2,true,false\n3,false,false\n\
         4,false,false\n5,true,true\n6,false,false\n"
    );
    let summary = read(dir.path(), "out/campaigns/prospects/summary.json");
    assert!(
        summary.contains("\"rules\": \"campaigns/prospects.seg\""),
        "{summary}"
    );
    assert!(!dir.path().join("out/membership.csv").exists());

    // One file alone, into the project's folder (by default or named): its own place again,
    // the other file's outputs untouched.
    let before = read(dir.path(), "out/campaigns/prospects/membership.csv");
    for extra in [&[][..], &["--out", "out"][..]] {
        let mut one = segc();
        one.current_dir(dir.path())
            .args([
                "run",
                "campaigns/clients.seg",
                "--as-of",
                "2026-11-01",
                "--quiet",
            ])
            .args(extra);
        assert_eq!(status(&mut one), 0);
    }
    assert_eq!(
        read(dir.path(), "out/campaigns/prospects/membership.csv"),
        before
    );
    assert!(!dir.path().join("out/membership.csv").exists());

    // An imported item is written when selected.
    let mut selected = segc();
    selected.current_dir(dir.path()).args([
        "run",
        "campaigns/clients.seg",
        "--as-of",
        "2026-11-01",
        "--segment",
        "lifecycle",
        "--out",
        "picked",
        "--quiet",
    ]);
    assert_eq!(status(&mut selected), 0);
    assert_eq!(
        read(dir.path(), "picked/membership.csv"),
        "customer_id,lifecycle\n1,high\n2,unknown\n3,low\n4,low\n5,high\n6,unknown\n"
    );
}

#[test]
fn kpi_files_of_a_project_record_their_baselines_side_by_side() {
    let dir = campaigns();
    for file in ["campaigns/clients.seg", "campaigns/prospects.seg"] {
        let mut save = segc();
        save.current_dir(dir.path()).args([
            "kpi",
            file,
            "--as-of",
            "2026-01-01",
            "--save-baseline",
            "kpi-baseline.json",
            "--format",
            "json",
        ]);
        let output = save.output().expect("segc runs");
        assert_eq!(output.status.code(), Some(0), "{file}");
    }
    let book: serde_json::Value =
        serde_json::from_str(&read(dir.path(), "kpi-baseline.json")).expect("json");
    assert_eq!(book["segc_baseline"], 2);
    let files = book["files"].as_array().expect("files");
    let rules: Vec<&str> = files.iter().filter_map(|f| f["rules"].as_str()).collect();
    assert_eq!(rules, ["campaigns/clients.seg", "campaigns/prospects.seg"]);
    assert_eq!(files[0]["values"][0]["value"], 4.0 / 6.0);
    assert_eq!(files[1]["values"].as_array().map(Vec::len), Some(3));
    // The first file is judged against its own recorded value, not the second file's.
    let mut judged = segc();
    judged
        .current_dir(dir.path())
        .args(["kpi", "campaigns/clients.seg", "--as-of", "2026-11-01"]);
    insta::assert_snapshot!("project_kpi_keyed_baseline", transcript(&mut judged));
}

/// `examples/b2b` as a project: one `segc run` writes the accounts and the contacts into their
/// own folders, equal to the expectations `generate_data.py` computed with SQLite; `kpis.seg`
/// (the KPIs over the imported sector tiers) has nothing of its own to write.
#[test]
fn the_b2b_project_runs_every_file_into_its_own_folder() {
    let out = tempfile::tempdir().expect("tempdir");
    let mut run = segc();
    run.current_dir(repo("examples/b2b")).args([
        "run",
        "--as-of",
        "2026-11-01",
        "--format",
        "csv",
        "--quiet",
        "--out",
        out.path().to_str().expect("path"),
    ]);
    let text = transcript(&mut run);
    assert!(text.starts_with("exit: 0"), "{text}");
    for file in ["accounts", "contacts"] {
        assert_eq!(
            read(out.path(), &format!("{file}/membership.csv")),
            read(&repo("examples/b2b"), &format!("expected/{file}.csv")),
            "{file}"
        );
    }
    assert!(
        !out.path().join("kpis").exists(),
        "nothing of its own to write"
    );
}
