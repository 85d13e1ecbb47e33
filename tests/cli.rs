//! The `segc` binary: verbs, outputs and exit codes.

use crate::common::cli::{repo, segc, status, transcript};

#[test]
fn help() {
    insta::assert_snapshot!(transcript(segc().arg("--help")));
    insta::assert_snapshot!(transcript(segc().args(["run", "--help"])));
}

#[test]
fn check_clean_file() {
    insta::assert_snapshot!(transcript(
        segc()
            .current_dir(repo(""))
            .args(["check", "examples/retail/retail.seg"])
    ));
}

#[test]
fn check_reports_every_file_and_exits_1() {
    insta::assert_snapshot!(transcript(segc().current_dir(repo("")).args([
        "check",
        "tests/fixtures/check/errors/enums.seg",
        "examples/retail/retail.seg",
        "tests/fixtures/check/errors/cycles.seg",
    ])));
}

#[test]
fn check_missing_file_exits_2() {
    insta::assert_snapshot!(transcript(segc().args(["check", "no/such/file.seg"])));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(status(segc().args(["check"])), 2);
    assert_eq!(status(segc().args(["frobnicate"])), 2);
    assert_eq!(
        status(segc().args(["run", "x.seg", "--out", "o", "--as-of", "2026-13-01"])),
        2
    );
}

#[test]
fn run_prints_the_summary_and_writes_outputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = repo("examples/retail/retail.seg");
    let text = transcript(segc().current_dir(dir.path()).args([
        "run",
        rules.to_str().expect("path"),
        "--as-of",
        "2026-11-01",
        "--out",
        "out",
    ]));
    insta::assert_snapshot!(text);
    assert!(dir.path().join("out/membership.parquet").is_file());
    assert!(dir.path().join("out/summary.json").is_file());
}

#[test]
fn run_long_csv_with_selected_segments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = repo("tests/fixtures/run/customers_csv/rules.seg");
    let text = transcript(segc().current_dir(dir.path()).args([
        "run",
        rules.to_str().expect("path"),
        "--as-of",
        "2026-11-01",
        "--out",
        "out",
        "--format",
        "csv",
        "--layout",
        "long",
        "--segment",
        "campaign",
        "--quiet",
    ]));
    insta::assert_snapshot!(text);
    let written = std::fs::read_to_string(dir.path().join("out/membership.csv")).expect("csv");
    assert_eq!(
        written,
        "customer_id,segment\n4,campaign\n5,campaign\n6,campaign\n"
    );
}

#[test]
fn run_rejects_bad_arguments_with_exit_2() {
    let rules = repo("tests/fixtures/run/customers_csv/rules.seg");
    let rules = rules.to_str().expect("path");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let out = out.to_str().expect("path");
    insta::assert_snapshot!(
        "invalid_var",
        transcript(segc().args([
            "run", rules, "--out", out, "--var", "1BAD=x", "--var", "novalue"
        ]))
    );
    insta::assert_snapshot!(
        "unknown_segment",
        transcript(segc().args(["run", rules, "--out", out, "--segment", "campaing"]))
    );
    assert!(!dir.path().join("out").exists(), "nothing written");
}

#[test]
fn run_fills_placeholders_from_vars_and_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        repo("tests/fixtures/run/customers_csv/customers.csv"),
        dir.path().join("customers.csv"),
    )
    .expect("copy");
    let rules = dir.path().join("rules.seg");
    std::fs::write(
        &rules,
        "source customers from csv \"${SEGC_DATA}/customers.csv\" {\n  key customer_id: int\n  income: int?\n}\nsegment rich = income >= 60000\n",
    )
    .expect("rules");
    let data = dir.path().to_str().expect("path");
    let out = dir.path().join("out");
    let run = |extra: &[&str]| {
        let mut command = segc();
        command
            .args(["run", rules.to_str().expect("path"), "--quiet", "--out"])
            .arg(&out)
            .args(extra);
        command
    };
    assert_eq!(
        status(run(&[]).env_remove("SEGC_DATA")),
        2,
        "unset variable"
    );
    assert_eq!(
        status(run(&[]).env("SEGC_DATA", data)),
        0,
        "from the environment"
    );
    let var = format!("SEGC_DATA={data}");
    assert_eq!(
        status(run(&["--var", &var]).env("SEGC_DATA", "/nowhere")),
        0,
        "--var wins over the environment"
    );
}

#[test]
fn run_data_mismatch_exits_1_and_missing_data_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let mismatch = repo("tests/fixtures/data_errors/wrong_csv_types.seg");
    let missing = repo("tests/fixtures/data_errors/not_found.seg");
    assert_eq!(
        status(segc().arg("run").arg(&mismatch).arg("--out").arg(&out)),
        1
    );
    assert_eq!(
        status(segc().arg("run").arg(&missing).arg("--out").arg(&out)),
        2
    );
    assert!(!out.exists());
}

#[test]
fn schema_infer_parquet_and_csv() {
    insta::assert_snapshot!(
        "parquet",
        transcript(segc().current_dir(repo("")).args([
            "schema",
            "infer",
            "examples/retail/data/customers.parquet",
            "--name",
            "customers",
        ]))
    );
    insta::assert_snapshot!(
        "csv",
        transcript(segc().current_dir(repo("")).args([
            "schema",
            "infer",
            "tests/fixtures/run/customers_csv/customers.csv",
        ]))
    );
}

#[test]
fn inferred_schema_checks_and_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = repo("examples/retail/data/customers.parquet");
    let output = segc()
        .args(["schema", "infer", "--name", "customers"])
        .arg(&data)
        .output()
        .expect("runs");
    let mut rules = String::from_utf8(output.stdout).expect("utf8");
    rules.push_str("segment everyone = true\n");
    let path = dir.path().join("rules.seg");
    std::fs::write(&path, rules).expect("write");
    let out = dir.path().join("out");
    let run = |extra: &[&std::path::Path]| {
        let mut command = segc();
        command
            .arg("run")
            .arg(&path)
            .arg("--quiet")
            .arg("--out")
            .arg(&out);
        for root in extra {
            command.arg("--data-root").arg(root);
        }
        status(&mut command)
    };
    assert_eq!(
        run(&[]),
        2,
        "the data lies outside the rule file's folder (E0717)"
    );
    assert_eq!(run(&[&repo("examples/retail/data")]), 0);
}

#[test]
fn fmt_check_then_rewrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("rules.seg");
    std::fs::write(
        &file,
        "source c from csv \"c.csv\" { key id: int  age: int }\nsegment   adults=age>=18 // grown-ups\n",
    )
    .expect("write");
    let broken = dir.path().join("broken.seg");
    std::fs::write(&broken, "segment = 1\n").expect("write");
    let before_broken = std::fs::read(&broken).expect("read");

    let check = transcript(
        segc()
            .current_dir(dir.path())
            .args(["fmt", "--check", "rules.seg"]),
    );
    insta::assert_snapshot!("fmt_check", check);
    assert_eq!(
        status(segc().current_dir(dir.path()).args(["fmt", "rules.seg"])),
        0
    );
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "source c from csv \"c.csv\" {\n  key id: int\n  age: int\n}\nsegment adults = age >= 18 // grown-ups\n"
    );
    assert_eq!(
        status(
            segc()
                .current_dir(dir.path())
                .args(["fmt", "--check", "rules.seg"])
        ),
        0
    );
    // A file that does not parse is reported and left alone; the folder form finds both files.
    assert_eq!(status(segc().current_dir(dir.path()).args(["fmt"])), 1);
    assert_eq!(std::fs::read(&broken).expect("read"), before_broken);
}

#[test]
fn memory_limit_runs_within_a_small_pool_and_rejects_bad_sizes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = repo("examples/rfm/rfm.seg");
    let run = |limit: &str| {
        let mut command = segc();
        command
            .arg("run")
            .arg(&rules)
            .args([
                "--as-of",
                "2026-11-01",
                "--quiet",
                "--memory-limit",
                limit,
                "--out",
            ])
            .arg(dir.path().join("out"));
        status(&mut command)
    };
    assert_eq!(run("32M"), 0);
    assert_eq!(run("2X"), 2);
    assert_eq!(run("10"), 2, "below 1M");
    // Too little memory is the machine's problem, said as such, not an engine error.
    let tiny = segc()
        .arg("run")
        .arg(&rules)
        .args(["--as-of", "2026-11-01", "--memory-limit", "1M", "--out"])
        .arg(dir.path().join("tiny"))
        .output()
        .expect("segc runs");
    let stderr = String::from_utf8_lossy(&tiny.stderr);
    assert_eq!(tiny.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("E0714"), "{stderr}");
    assert!(stderr.contains("raise `--memory-limit`"), "{stderr}");
    assert!(!dir.path().join("tiny/membership.parquet").exists());
}

#[test]
fn check_formats_for_tools() {
    let files = [
        "tests/fixtures/check/errors/enums.seg",
        "tests/fixtures/check/warnings/tiers.seg",
        "examples/retail/retail.seg",
        "no/such/file.seg",
    ];
    for format in ["json", "github", "junit"] {
        let mut command = segc();
        command
            .current_dir(repo(""))
            .args(["check", "--format", format])
            .args(files);
        insta::assert_snapshot!(format!("check_{format}"), transcript(&mut command));
    }
    let output = segc()
        .current_dir(repo(""))
        .args(["check", "--format", "json"])
        .args(files)
        .output()
        .expect("runs");
    // Errors in the rules and an unreadable file: the environment wins the exit code.
    assert_eq!(output.status.code(), Some(2));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid json");
    assert_eq!(document["version"], 1);
    assert_eq!(document["files"].as_array().map(Vec::len), Some(4));
    let first = &document["files"][0]["diagnostics"][0];
    assert_eq!(first["code"], "E0403");
    assert_eq!(first["primary"]["start"]["line"], 6);
    assert_eq!(document["summary"]["warnings"], 5);
    let clean = segc()
        .current_dir(repo(""))
        .args(["check", "--format", "json", "examples/retail/retail.seg"])
        .output()
        .expect("runs");
    assert_eq!(clean.status.code(), Some(0));
}

#[test]
fn deny_warnings_turns_warnings_into_failures() {
    let warned = "tests/fixtures/check/warnings/tiers.seg";
    assert_eq!(
        status(segc().current_dir(repo("")).args(["check", warned])),
        0
    );
    assert_eq!(
        status(
            segc()
                .current_dir(repo(""))
                .args(["check", "--deny-warnings", warned])
        ),
        1
    );
    assert_eq!(
        status(segc().current_dir(repo("")).args([
            "check",
            "--deny-warnings",
            "--format",
            "json",
            warned
        ])),
        1
    );
    assert_eq!(
        status(segc().current_dir(repo("")).args([
            "check",
            "--deny-warnings",
            "examples/retail/retail.seg"
        ])),
        0
    );
}

#[test]
fn project_lint_levels_from_segc_toml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).expect("rules folder");
    std::fs::copy(
        repo("tests/fixtures/lints/firing.seg"),
        rules.join("firing.seg"),
    )
    .expect("copy");
    let check = || {
        let mut command = segc();
        command
            .current_dir(dir.path())
            .args(["check", "rules/firing.seg"]);
        command
    };
    // Defaults: warnings only.
    assert_eq!(status(&mut check()), 0);
    // The nearest segc.toml above the file sets the levels.
    std::fs::write(
        dir.path().join("segc.toml"),
        "[lints]\nall = \"allow\"\nunused-source = \"deny\"\n",
    )
    .expect("write");
    insta::assert_snapshot!("segc_toml_levels", transcript(&mut check()));
    std::fs::write(
        dir.path().join("segc.toml"),
        "[lints]\nunused-sorce = \"deny\"\n",
    )
    .expect("write");
    let shown = transcript(&mut check()).replace(dir.path().to_str().expect("path"), "[TMP]");
    insta::assert_snapshot!("segc_toml_unknown_lint", shown);
}

#[test]
fn check_sarif_is_valid_sarif_2_1_0() {
    let output = segc()
        .current_dir(repo(""))
        .args([
            "check",
            "--format",
            "sarif",
            "tests/fixtures/check/errors/enums.seg",
            "tests/fixtures/lints/firing.seg",
            "examples/retail/retail.seg",
            "no/such/file.seg",
        ])
        .output()
        .expect("segc runs");
    assert_eq!(output.status.code(), Some(2), "an unreadable file exits 2");
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo("tests/schemas/sarif-schema-2.1.0.json")).expect("schema"),
    )
    .expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let problems: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(results.iter().any(|r| r["level"] == "warning"));
    assert!(results.iter().any(|r| r["ruleId"] == "E0803"));
    // The schema does reject what is not SARIF 2.1.0.
    let mut broken = log.clone();
    broken["version"] = serde_json::json!("2.0");
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(validator.iter_errors(&broken).count() >= 2);
    insta::assert_snapshot!(
        "check_sarif",
        transcript(segc().current_dir(repo("")).args([
            "check",
            "--format",
            "sarif",
            "tests/fixtures/check/errors/enums.seg"
        ]))
    );
}

#[test]
fn a_project_lists_its_rule_files_and_variables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("rules")).expect("rules");
    std::fs::create_dir_all(root.join("exports")).expect("exports");
    std::fs::copy(
        repo("tests/fixtures/run/customers_csv/customers.csv"),
        root.join("exports/customers.csv"),
    )
    .expect("data");
    let rules = std::fs::read_to_string(repo("tests/fixtures/run/customers_csv/rules.seg"))
        .expect("rules")
        .replace("\"customers.csv\"", "\"${EXPORTS}/customers.csv\"");
    std::fs::write(root.join("rules/customers.seg"), rules).expect("write");
    let exports = root.join("exports");
    std::fs::write(
        root.join("segc.toml"),
        format!(
            "files = [\"rules/*.seg\"]\n\n[vars]\nEXPORTS = {:?}\n",
            exports.to_str().expect("path")
        ),
    )
    .expect("write");

    // `segc check` alone checks the project's files, from any folder below it.
    let checked = segc()
        .current_dir(root.join("rules"))
        .arg("check")
        .env_remove("EXPORTS")
        .output()
        .expect("segc runs");
    assert_eq!(checked.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&checked.stdout),
        "customers.seg: ok (1 source, 2 lets, 7 segments)\n"
    );
    // The project's variables fill `${EXPORTS}`; --var overrides them.
    let run = |extra: &[&str]| {
        let mut command = segc();
        command
            .current_dir(root)
            .env_remove("EXPORTS")
            .args([
                "run",
                "rules/customers.seg",
                "--as-of",
                "2026-11-01",
                "--out",
                "out",
                "--quiet",
            ])
            .args(extra);
        status(&mut command)
    };
    assert_eq!(run(&[]), 0);
    assert!(root.join("out/membership.parquet").is_file());
    assert_eq!(run(&["--var", "EXPORTS=/no/such/folder"]), 2);

    // Without files to check, `segc check` says so.
    std::fs::write(root.join("segc.toml"), "[lints]\nall = \"warn\"\n").expect("write");
    let shown = transcript(segc().current_dir(root).arg("check"))
        .replace(root.to_str().expect("path"), "[TMP]");
    insta::assert_snapshot!("project_without_files", shown);
}

#[test]
fn every_example_passes_check_with_warnings_denied() {
    // The CI docs recommend `segc check --deny-warnings`: the shipped examples must pass it,
    // each rule file of an example folder (shared files under `common/` through their importers).
    let mut checked = 0;
    for example in std::fs::read_dir(repo("examples")).expect("examples") {
        let folder = example.expect("example").path();
        let Ok(files) = std::fs::read_dir(&folder) else {
            continue;
        };
        let settings = std::fs::read_to_string(folder.join("segc.toml")).unwrap_or_default();
        if settings.contains("files =") {
            // A project: its `files`.
            let out = transcript(
                segc()
                    .current_dir(&folder)
                    .args(["check", "--deny-warnings"]),
            );
            assert!(out.starts_with("exit: 0"), "{}: {out}", folder.display());
            checked += 1;
        }
        for file in files {
            let file = file.expect("file").path();
            if file.extension().is_some_and(|e| e == "seg") {
                let out = transcript(
                    segc()
                        .current_dir(&folder)
                        .args(["check", "--deny-warnings"])
                        .arg(file.file_name().expect("name")),
                );
                assert!(out.starts_with("exit: 0"), "{}: {out}", file.display());
                checked += 1;
            }
        }
    }
    assert!(checked >= 7, "{checked} example files and projects");
}

#[test]
fn outputs_to_urls_segc_cannot_write_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    for out in [
        "ftp://lake/out/run1",
        "http://127.0.0.1:9/out",
        "file:///tmp/out",
    ] {
        let transcript = transcript(
            segc()
                .current_dir(dir.path())
                .arg("run")
                .arg(repo("examples/retail/retail.seg"))
                .args(["--as-of", "2026-11-01", "--out", out]),
        );
        assert!(transcript.starts_with("exit: 2"), "{transcript}");
        assert!(transcript.contains("E0708"), "{transcript}");
        assert!(
            transcript.contains("outputs cannot be written"),
            "{transcript}"
        );
    }
    // No local folder named after the URL.
    assert_eq!(std::fs::read_dir(dir.path()).expect("folder").count(), 0);
}

#[test]
fn schema_infer_of_files_together_declares_their_references() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("data")).expect("folder");
    std::fs::create_dir(dir.path().join("rules")).expect("folder");
    // A text key without `_id` (unique emails), and orders referencing it by name.
    std::fs::write(
        dir.path().join("data/clients.csv"),
        "email,tier\na@x.fr,gold\nb@x.fr,silver\nc@x.fr,gold\nd@x.fr,silver\n",
    )
    .expect("clients");
    std::fs::write(
        dir.path().join("data/orders.csv"),
        "order_id,email,amount\n1,a@x.fr,10\n2,a@x.fr,20\n3,c@x.fr,5\n",
    )
    .expect("orders");
    let infer = |extra: &[&str]| {
        transcript(
            segc()
                .current_dir(dir.path())
                .args(["schema", "infer", "data/clients.csv", "data/orders.csv"])
                .args(extra),
        )
    };
    let declared = infer(&["--for", "rules/shop.seg"]);
    assert!(declared.starts_with("exit: 0"), "{declared}");
    assert!(
        declared.contains("// Locations are relative to `rules`"),
        "{declared}"
    );
    assert!(declared.contains("\"../data/clients.csv\""), "{declared}");
    assert!(declared.contains("  key email: string\n"), "{declared}");
    assert!(
        declared.contains("  email: string references clients\n"),
        "{declared}"
    );
    assert!(
        declared.contains("Enum values are listed alphabetically"),
        "{declared}"
    );
    // The declarations check where the rule file is.
    let body = declared
        .split("--- stdout\n")
        .nth(1)
        .and_then(|s| s.split("--- stderr").next())
        .expect("stdout");
    std::fs::write(
        dir.path().join("rules/shop.seg"),
        format!("{body}\npopulation clients\nsegment buyers = exists(orders)\n"),
    )
    .expect("rules");
    let checked = transcript(
        segc()
            .current_dir(dir.path())
            .args(["check", "rules/shop.seg"]),
    );
    assert!(checked.starts_with("exit: 0"), "{checked}");
    // `--name` names one file's source only.
    let named = infer(&["--name", "x"]);
    assert!(named.starts_with("exit: 2"), "{named}");
}
