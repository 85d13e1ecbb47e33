//! Freshness limits (`fresh within 2 days [else warn]`): measured before anything is written,
//! a stale source stops `segc run` and `segc kpi` (`E0725`, exit 2) and leaves the previous
//! outputs as they were, or warns (`W0702`); `summary.json` records what was measured.

use std::path::Path;
use std::process::Command;

use crate::common::cli::{segc, status, transcript};
use crate::common::{compile, params};
use segc::lower::{DeclaredTables, event_times_plan};

/// Orders from 2026-09-01 to 2026-09-20 17:02 (a test order dated later, and one undated).
fn write_data(dir: &Path) {
    let customers = "customer_id\n1\n2\n3\n";
    let mut orders = String::from("order_id,customer_id,amount,ordered_at,status\n");
    for day in 1..=20 {
        let time = if day == 20 { "17:02:00" } else { "09:00:00" };
        let customer = day % 2 + 1;
        orders.push_str(&format!(
            "{day},{customer},{},2026-09-{day:02}T{time},paid\n",
            day * 10
        ));
    }
    orders.push_str("21,3,5,2026-09-30T08:00:00,test\n");
    orders.push_str("22,3,5,,paid\n");
    std::fs::write(dir.join("customers.csv"), customers).expect("customers");
    std::fs::write(dir.join("orders.csv"), orders).expect("orders");
}

/// The rules, the orders' limit written as `limit`.
fn rules(limit: &str) -> String {
    format!(
        r#"source customers from csv "customers.csv" {{
  key customer_id: int
}}

source orders from csv "orders.csv" {limit} where status != "test" {{
  key order_id: int
  customer_id: int references customers
  amount: int
  event ordered_at: timestamp?
  status: string
}}

population customers

segment buyers = exists(orders)

kpi spend for buyers {{
  value = avg(sum(orders.amount))
  target >= 10
}}
"#
    )
}

/// A folder with the data and `rules.seg` with the orders' limit `limit`.
fn project(limit: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_data(dir.path());
    std::fs::write(dir.path().join("rules.seg"), rules(limit)).expect("rules");
    dir
}

/// `segc run rules.seg` as of `as_of` into `out/`, as CSV.
fn run(dir: &Path, as_of: &str) -> Command {
    crate::common::cli::run_rules(dir, as_of, &["--format", "csv"])
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join("out").join(file)).expect("output")
}

/// The `freshness` entries of the run's `summary.json`.
fn freshness(dir: &Path) -> serde_json::Value {
    let summary: serde_json::Value =
        serde_json::from_str(&read(dir, "summary.json")).expect("summary");
    summary["freshness"].clone()
}

/// Fresh data runs and `summary.json` records the newest time; stale data (the test order
/// dated later does not count: the source's `where` leaves it out) stops the run with `E0725`
/// and exit 2, and the outputs of the last run stay as they were.
#[test]
fn stale_data_stops_the_run_and_keeps_the_previous_outputs() {
    let dir = project("fresh within 2 days");
    assert_eq!(status(&mut run(dir.path(), "2026-09-21")), 0);
    let fresh = serde_json::json!([{
        "source": "orders",
        "column": "ordered_at",
        "within": "2 days",
        "since": "2026-09-19T00:00:00",
        "newest": "2026-09-20T17:02:00",
        "fresh": true,
    }]);
    assert_eq!(freshness(dir.path()), fresh);
    let (membership, summary) = (
        read(dir.path(), "membership.csv"),
        read(dir.path(), "summary.json"),
    );
    insta::assert_snapshot!(transcript(&mut run(dir.path(), "2026-10-01")));
    assert_eq!(read(dir.path(), "membership.csv"), membership);
    assert_eq!(read(dir.path(), "summary.json"), summary);
    // Nothing is left behind beside the two outputs (no temporary file, no lock).
    let mut left: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .expect("out")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["membership.csv", "summary.json"]);
}

/// The limit counts from the start of the `as_of` day, as `ordered_at >= as_of - 2 days`
/// does in the rules: the last order (the 20th, 17:02) is within 2 days of the 22nd, not of
/// the 23rd, and within 12 hours of the 21st (from the 20th, 12:00), not of the 22nd.
#[test]
fn the_limit_is_as_of_moved_back_by_its_length() {
    let dir = project("fresh within 2 days");
    assert_eq!(status(&mut run(dir.path(), "2026-09-22")), 0);
    assert_eq!(status(&mut run(dir.path(), "2026-09-23")), 2);
    let hours = project("fresh within 12 hours");
    assert_eq!(status(&mut run(hours.path(), "2026-09-21")), 0);
    assert_eq!(status(&mut run(hours.path(), "2026-09-22")), 2);
    // Rows dated after `as_of` are fresh data: an old `as_of` over today's data runs.
    assert_eq!(status(&mut run(dir.path(), "2026-09-05")), 0);
}

/// With `else warn`, stale data is `W0702`: the run goes on (exit 0) and `summary.json` says
/// the source was stale.
#[test]
fn else_warn_runs_over_stale_data_with_a_warning() {
    let dir = project("fresh within 2 days else warn");
    insta::assert_snapshot!(transcript(&mut run(dir.path(), "2026-10-01")));
    let measured = freshness(dir.path());
    assert_eq!(measured[0]["fresh"], serde_json::json!(false));
    assert_eq!(
        measured[0]["newest"],
        serde_json::json!("2026-09-20T17:02:00")
    );
}

/// `segc kpi` judges freshness before measuring: stale data stops it with no baseline saved;
/// fresh data measures and saves it.
#[test]
fn stale_data_stops_segc_kpi_before_a_baseline_is_saved() {
    let dir = project("fresh within 2 days");
    let kpi = |as_of: &str| {
        let mut command = segc();
        command.current_dir(dir.path()).args([
            "kpi",
            "rules.seg",
            "--as-of",
            as_of,
            "--save-baseline",
            "baseline.json",
        ]);
        command
    };
    insta::assert_snapshot!(transcript(&mut kpi("2026-10-01")));
    assert!(!dir.path().join("baseline.json").exists());
    assert_eq!(status(&mut kpi("2026-09-21")), 0);
    assert!(dir.path().join("baseline.json").exists());
}

/// A source without any dated row is stale, and the error says that no row is dated.
#[test]
fn a_source_without_dated_rows_is_stale() {
    let dir = project("fresh within 30 days");
    let orders = "order_id,customer_id,amount,ordered_at,status\n1,1,10,,paid\n";
    std::fs::write(dir.path().join("orders.csv"), orders).expect("orders");
    let shown = transcript(&mut run(dir.path(), "2026-10-01"));
    assert!(shown.starts_with("exit: 2\n"), "{shown}");
    assert!(shown.contains("E0725"), "{shown}");
    assert!(shown.contains("no row has a `ordered_at`"), "{shown}");
    assert!(!dir.path().join("out").join("membership.csv").exists());
}

/// The plan measuring freshness reads only the event column, with the limit on the scan (so
/// Parquet row groups ending before it are skipped); the count and the newest of the rows
/// dated after `as_of` are filtered aggregates of the same pass.
#[test]
fn the_event_times_plan_reads_the_event_column_from_the_limit_on() {
    let text = rules("fresh within 2 days").replace("csv \"", "parquet \"");
    let (program, diagnostics) = compile("fresh.seg", &text);
    let program = program.unwrap_or_else(|| panic!("{diagnostics}"));
    let orders = program
        .sources
        .iter()
        .position(|s| s.name == "orders")
        .map(segc::hir::SourceId)
        .expect("orders");
    let plan = event_times_plan(&program, &DeclaredTables, params(), orders).expect("plan");
    insta::assert_snapshot!(plan.display_indent().to_string());
}

/// `by modified` judges the files' last modification (no event column needed): files written
/// just now are fresh as of today, stale as of a date after the limit; the limit is an error,
/// or with `else warn` a warning.
#[test]
fn by_modified_judges_the_files_last_modification() {
    let dir = project("fresh within 2 days");
    let rules = |limit: &str| {
        rules(limit).replace(
            "  event ordered_at: timestamp?\n",
            "  ordered_at: timestamp?\n",
        )
    };
    std::fs::write(
        dir.path().join("rules.seg"),
        rules("fresh within 1 day by modified"),
    )
    .expect("rules");
    let today = chrono::Utc::now().date_naive();
    let later = (today + chrono::Duration::days(5)).to_string();
    assert_eq!(status(&mut run(dir.path(), &today.to_string())), 0);
    let measured = freshness(dir.path());
    assert_eq!(measured[0]["column"], serde_json::Value::Null);
    assert_eq!(measured[0]["fresh"], serde_json::json!(true));
    let shown = transcript(&mut run(dir.path(), &later));
    assert!(shown.starts_with("exit: 2\n"), "{shown}");
    assert!(shown.contains("E0725"), "{shown}");
    assert!(shown.contains("its data was last modified"), "{shown}");
    std::fs::write(
        dir.path().join("rules.seg"),
        rules("fresh within 1 day by modified else warn"),
    )
    .expect("rules");
    let shown = transcript(&mut run(dir.path(), &later));
    assert!(shown.starts_with("exit: 0\n"), "{shown}");
    assert!(shown.contains("W0702"), "{shown}");
}
