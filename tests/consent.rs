//! Consent-safe audiences at run time: audiences marked in the outputs, their members without
//! consent counted in the same pass, and a run refusing to publish when the data has some.

use std::path::Path;

use crate::common::{runtime, session};
use segc::driver::OutputChoice;
use segc::engine::{Layout, OutputFormat, OutputSpec, RunContext};
use segc::hir::{Audience, Channel, SegmentId};
use segc::lower::{Selection, consent_checks};

const RULES: &str = "tests/fixtures/run/audiences/rules.seg";

#[test]
fn audiences_are_marked_in_the_parquet_metadata() {
    let rules = Path::new(RULES);
    let session = session(rules, false).expect("checks");
    let out = tempfile::tempdir().expect("tempdir");
    let output = OutputChoice {
        dir: Some(out.path().to_path_buf()),
        format: Some(OutputFormat::Parquet),
        layout: Some(Layout::Long),
        ..Default::default()
    };
    let ran = runtime()
        .block_on(async {
            let engine = session.engine().await?;
            session.run(&engine, &Selection::All, &output).await
        })
        .map_err(|stopped| format!("{:?}", stopped.diagnostics()))
        .expect("runs");
    assert!(ran.diagnostics.is_empty(), "{:?}", ran.diagnostics);
    let file = std::fs::File::open(out.path().join("membership.parquet")).expect("parquet");
    let reader = parquet::file::reader::SerializedFileReader::new(file).expect("reader");
    use parquet::file::reader::FileReader;
    let metadata = reader.metadata().file_metadata();
    let kv = metadata.key_value_metadata().expect("key-value metadata");
    let audiences = kv
        .iter()
        .find(|k| k.key == "segc.audiences")
        .and_then(|k| k.value.clone());
    assert_eq!(
        audiences.as_deref(),
        Some(r#"{"letters":"post","mailing":"email"}"#)
    );
    // Long layout: one row per member and segment, and no hidden flag among the segments.
    let columns: Vec<String> = metadata
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    assert!(
        !columns.iter().any(|c| c.contains("without_consent")),
        "{columns:?}"
    );
    assert_eq!(
        metadata.num_rows(),
        8,
        "3 clients, 3 in the mailing, 2 letters"
    );
}

/// Runs the fixture with `clients` declared an email audience behind the checker's back (its
/// rules do not require the consent): what the run-time count is there for.
/// (The error as its code and message.)
fn run_unproven(warn: bool, out: &Path) -> Result<segc::engine::Summary, (String, String)> {
    run_unproven_as(&[(Channel::Email, warn)], OutputFormat::Csv, out)
        .map_err(|problems| problems[0].clone())
}

/// Runs the fixture with `clients` declared an audience of each channel given (with or without
/// `else warn`) behind the checker's back, written in `format`; the errors as codes and
/// messages.
fn run_unproven_as(
    audiences: &[(Channel, bool)],
    format: OutputFormat,
    out: &Path,
) -> Result<segc::engine::Summary, Vec<(String, String)>> {
    let rules = Path::new(RULES);
    let session = session(rules, false).expect("checks");
    let mut program = session.program().clone();
    let span = program.audiences[0].span;
    for (channel, warn) in audiences {
        program.audiences.push(Audience {
            segment: SegmentId(0),
            channel: *channel,
            warn: *warn,
            span,
        });
    }
    let checks = consent_checks(&program, &Selection::All).expect("audiences written");
    assert_eq!(checks.checks.len(), 2 + audiences.len());
    let spec = OutputSpec {
        dir: out.to_path_buf(),
        format,
        layout: Layout::Wide,
    };
    let context = RunContext {
        rules: "rules.seg".into(),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"),
        membership_shown: None,
        overlaps: false,
        consent_checks: checks.checks.clone(),
        freshness: Vec::new(),
    };
    runtime()
        .block_on(async {
            let engine = session
                .engine()
                .await
                .map_err(|s| s.diagnostics().to_vec())?;
            let plan = engine
                .membership_plan(&checks.program, session.params(), &checks.selection)
                .await
                .map_err(|d| vec![d])?;
            engine.run(&checks.program, &plan, &context, &spec).await
        })
        .map_err(|problems| {
            problems
                .iter()
                .map(|d| (d.code().to_string(), d.message()))
                .collect()
        })
}

#[test]
fn every_audience_refused_is_reported() {
    let out = tempfile::tempdir().expect("tempdir");
    // `clients` (customers 1 to 3) as an email audience (2 without: false, null) and a post
    // one (2 without: accounts 11 and 12).
    let audiences = [(Channel::Email, false), (Channel::Post, false)];
    let refused = run_unproven_as(&audiences, OutputFormat::Csv, out.path()).expect_err("refused");
    assert_eq!(
        refused,
        vec![
            (
                "E1710".to_string(),
                "2 members of audience `clients` have no `email` consent in the data".to_string()
            ),
            (
                "E1710".to_string(),
                "2 members of audience `clients` have no `post` consent in the data".to_string()
            ),
        ]
    );
    assert!(!out.path().join("summary.json").exists());
}

#[test]
fn a_delta_table_is_not_committed_when_an_audience_is_refused() {
    let out = tempfile::tempdir().expect("tempdir");
    let table = out.path().join("table");
    // A first run commits version 0.
    run_unproven_as(&[(Channel::Email, true)], OutputFormat::Delta, &table).expect("committed");
    let log = || {
        std::fs::read_dir(table.join("_delta_log"))
            .expect("log")
            .count()
    };
    let before = log();
    let refused = run_unproven_as(&[(Channel::Email, false)], OutputFormat::Delta, &table)
        .expect_err("refused");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].0, "E1710");
    // No new version: the transaction was never committed.
    assert_eq!(log(), before);
}

#[test]
fn members_without_consent_in_the_data_keep_the_outputs_from_being_published() {
    let out = tempfile::tempdir().expect("tempdir");
    let refused = run_unproven(false, out.path()).expect_err("refused");
    assert_eq!(
        refused,
        (
            "E1710".to_string(),
            "2 members of audience `clients` have no `email` consent in the data".to_string()
        )
    );
    assert!(!out.path().join("membership.csv").exists());
    assert!(!out.path().join("summary.json").exists());
}

#[test]
fn an_audience_with_else_warn_is_published_with_its_count() {
    let out = tempfile::tempdir().expect("tempdir");
    let summary = run_unproven(true, out.path()).expect("published");
    let clients = &summary.segments[0];
    assert_eq!(
        (clients.audience, clients.without_consent),
        (Some("email"), Some(2))
    );
    let findings = segc::engine::consent_findings(
        &[segc::lower::ConsentCheck {
            segment: "clients".into(),
            channel: Channel::Email,
            warn: true,
            span: segc::span::Span::default(),
        }],
        &[2],
    );
    assert_eq!(findings[0].code(), "W1701");
    let written = std::fs::read_to_string(out.path().join("membership.csv")).expect("written");
    assert!(
        written.starts_with("customer_id,clients,mailing,letters\n"),
        "{written}"
    );
}

#[test]
fn check_names_the_branch_without_consent_and_exits_with_1() {
    use crate::common::cli::{segc, transcript};
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = "source customers from csv \"customers.csv\" {\n  key customer_id: int\n  status: string\n  email_ok: bool? consent email\n}\n\nsegment winback = email_ok and status == \"lapsed\" or status == \"vip\"\n  audience email\n";
    std::fs::write(dir.path().join("rules.seg"), rules).expect("rules");
    insta::assert_snapshot!(transcript(
        segc().current_dir(dir.path()).args(["check", "rules.seg"])
    ));
}

#[test]
fn a_run_of_the_fixture_publishes_with_no_member_without_consent() {
    use crate::common::cli::{segc, status};
    let out = tempfile::tempdir().expect("tempdir");
    let code = status(segc().args([
        "run",
        RULES,
        "--out",
        &out.path().display().to_string(),
        "--as-of",
        "2026-11-01",
        "--quiet",
    ]));
    assert_eq!(code, 0);
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("summary.json")).expect("summary"),
    )
    .expect("json");
    let mailing = &summary["segments"][1];
    assert_eq!(
        (
            &mailing["name"],
            &mailing["audience"],
            &mailing["without_consent"]
        ),
        (&"mailing".into(), &"email".into(), &0.into())
    );
}

#[test]
fn a_consent_from_dates_is_the_consent_as_of_the_run_as_duckdb_computes_it() {
    use crate::common::cli::{repo, segc, status};
    let case = repo("tests/fixtures/run/dated_consent");
    for as_of in ["2026-09-30", "2026-10-01", "2026-11-01", "2026-12-01"] {
        let out = tempfile::tempdir().expect("tempdir");
        let rules = case.join("rules.seg").display().to_string();
        let out_dir = out.path().display().to_string();
        let code = status(
            segc()
                .args(["run", &rules, "--out", &out_dir, "--as-of", as_of])
                .args(["--format", "csv", "--quiet"]),
        );
        assert_eq!(code, 0, "{as_of}");
        let written = std::fs::read_to_string(out.path().join("membership.csv")).expect("out");
        let members: Vec<String> = written
            .lines()
            .skip(1)
            .filter(|l| l.ends_with(",true"))
            .map(|l| l.split(',').next().unwrap_or_default().to_string())
            .collect();
        // Given on or before `as_of`, and not withdrawn on or before it.
        let expected = crate::common::duckdb::query(
            &case,
            &format!(
                "SELECT customer_id FROM read_csv('customers.csv', header = true) \
                 WHERE status = 'client' AND email_optin_at <= DATE '{as_of}' \
                 AND (email_optout_at IS NULL OR email_optout_at > DATE '{as_of}') \
                 ORDER BY customer_id"
            ),
        );
        assert_eq!(members, expected, "{as_of}");
        // The run counted the members without consent again: none.
        let summary: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.path().join("summary.json")).expect("summary"),
        )
        .expect("json");
        assert_eq!(summary["segments"][1]["without_consent"], 0, "{as_of}");
    }
}

#[test]
fn consents_from_dates_that_cannot_be_used_are_errors() {
    use crate::common::cli::{segc, transcript};
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = "source customers from csv \"customers.csv\" {\n  key customer_id: int\n  status: string\n  email_optin_at: date?\n  account_id: int? references accounts\n  email_ok: consent email given email_optin_at withdrawn email_optut_at\n  sms_ok: consent sms given status\n}\n\nsource accounts from csv \"accounts.csv\" {\n  key account_id: int\n  since: date\n  post_ok: consent post given since\n}\n\npopulation customers\n\nsegment clients = status == \"client\" and email_ok and sms_ok and accounts.since > as_of\n";
    std::fs::write(dir.path().join("rules.seg"), rules).expect("rules");
    insta::assert_snapshot!(transcript(
        segc().current_dir(dir.path()).args(["check", "rules.seg"])
    ));
}
