//! Delta Lake tables: written here with the `deltalake` crate in several versions, read by segc
//! at the latest version, at a version, at an instant and at the end of the `as_of` day, locally
//! and from S3 (moto) and Azure (azurite).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType as ArrowType, Field, Schema};
use deltalake_core::DeltaTable;
use deltalake_core::kernel::{DataType, PrimitiveType, StructField};
use deltalake_core::protocol::SaveMode;

use crate::common::cli::{segc, transcript};
use crate::common::servers;

fn batch(rows: &[(i64, &str, i64)]) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("customer_id", ArrowType::Int64, false),
        Field::new("region", ArrowType::Utf8, true),
        Field::new("amount", ArrowType::Int64, true),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1))),
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.2))),
        ],
    )
    .expect("batch")
}

/// A Delta table of customers at `dir`: version 0 created empty (partitioned by region),
/// 1 appends 4 customers, 2 appends 2, 3 overwrites with 2. Returns an instant (to the second)
/// between versions 1 and 2, as a segc timestamp literal.
pub(crate) fn customers_table(dir: &Path) -> String {
    std::fs::create_dir_all(dir).expect("folder");
    crate::common::runtime().block_on(async {
        let url = url::Url::from_directory_path(dir).expect("url");
        let table = DeltaTable::try_from_url(url).await.expect("table");
        let table = table
            .create()
            .with_table_name("customers")
            .with_columns([
                StructField::new(
                    "customer_id",
                    DataType::Primitive(PrimitiveType::Long),
                    false,
                ),
                StructField::new("region", DataType::Primitive(PrimitiveType::String), true),
                StructField::new("amount", DataType::Primitive(PrimitiveType::Long), true),
            ])
            .with_partition_columns(["region"])
            .await
            .expect("create");
        let rows = [(1, "eu", 50), (2, "eu", 150), (3, "us", 250), (4, "us", 5)];
        let table = table
            .write([batch(&rows)])
            .with_save_mode(SaveMode::Append)
            .await
            .expect("version 1");
        // The commit times are to the millisecond; the literal is to the second.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let between = chrono::Utc::now().format("@%Y-%m-%dT%H:%M:%S").to_string();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let table = table
            .write([batch(&[(5, "apac", 500), (6, "apac", 600)])])
            .with_save_mode(SaveMode::Append)
            .await
            .expect("version 2");
        table
            .write([batch(&[(7, "eu", 700), (8, "eu", 8)])])
            .with_save_mode(SaveMode::Overwrite)
            .await
            .expect("version 3");
        between
    })
}

/// Rules reading the table at `location` with `options` (`with (...)`), counting big customers.
pub(crate) fn rules(location: &str, options: &str) -> String {
    format!(
        "source customers from delta \"{location}\"{options} {{\n  key customer_id: int\n  region: string?\n  amount: int?\n}}\npopulation customers\nsegment big = amount >= 100\nsegment eu = region == \"eu\"\n"
    )
}

/// `segc run` of `rules` in `dir`: the transcript and the summary's member counts
/// (population, big, eu).
fn run(dir: &Path, rules: &str, env: &[(&str, &str)]) -> (String, Option<(u64, u64, u64)>) {
    std::fs::write(dir.join("rules.seg"), rules).expect("rules");
    let _ = std::fs::remove_dir_all(dir.join("out"));
    let mut command = segc();
    command
        .current_dir(dir)
        .args(["run", "rules.seg", "--as-of", "2026-11-01", "--out", "out"])
        .envs(env.iter().copied());
    let out = transcript(&mut command);
    let summary = std::fs::read_to_string(dir.join("out/summary.json")).ok();
    let counts = summary.map(|text| {
        let json: serde_json::Value = serde_json::from_str(&text).expect("json");
        let members = |name: &str| {
            json["segments"]
                .as_array()
                .and_then(|s| s.iter().find(|s| s["name"] == name))
                .and_then(|s| s["members"].as_u64())
                .expect("segment")
        };
        let population = json["population"]["members"].as_u64().expect("members");
        (population, members("big"), members("eu"))
    });
    (out, counts)
}

#[test]
fn delta_tables_are_read_at_the_version_asked_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let between = customers_table(&dir.path().join("customers"));
    let at = |options: &str| run(dir.path(), &rules("customers", options), &[]);
    // Latest: version 3, customers 7 and 8.
    assert_eq!(at("").1, Some((2, 1, 2)), "{}", at("").0);
    assert_eq!(at(" with (version = 1)").1, Some((4, 2, 2)));
    assert_eq!(at(" with (version = 2)").1, Some((6, 4, 2)));
    let (out, counts) = at(&format!(" with (at = {between})"));
    assert_eq!(counts, Some((4, 2, 2)), "{out}");
    // The end of the as_of day (2026-11-01) is before the table was written today: no version.
    let (out, counts) = at(" with (at_as_of = true)");
    assert!(out.starts_with("exit: 2") && out.contains("E0722"), "{out}");
    assert_eq!(counts, None, "nothing written");
    // As of today, the end of the day is after every version: the latest.
    std::fs::write(
        dir.path().join("rules.seg"),
        rules("customers", " with (at_as_of = true)"),
    )
    .expect("rules");
    let today = chrono::Utc::now().date_naive().to_string();
    let mut command = segc();
    command
        .current_dir(dir.path())
        .args(["run", "rules.seg", "--as-of", &today, "--out", "today"]);
    let out = transcript(&mut command);
    assert!(out.starts_with("exit: 0"), "{out}");
    let summary = std::fs::read_to_string(dir.path().join("today/summary.json")).expect("summary");
    let summary: serde_json::Value = serde_json::from_str(&summary).expect("json");
    assert_eq!(summary["population"]["members"], 2, "the latest version");
    let (out, _) = at(" with (version = 42)");
    assert!(out.starts_with("exit: 2") && out.contains("E0722"), "{out}");
    assert!(out.contains("has no version 42"), "{out}");
}

#[test]
fn a_delta_table_is_checked_against_its_declaration() {
    let dir = tempfile::tempdir().expect("tempdir");
    customers_table(&dir.path().join("customers"));
    let wrong = "source customers from delta \"customers\" {\n  key customer_id: int\n  region: date?\n  missing: int\n}\npopulation customers\nsegment all_customers = true\n";
    let (out, _) = run(dir.path(), wrong, &[]);
    assert!(out.starts_with("exit: 1"), "{out}");
    assert!(out.contains("E0702") && out.contains("E0703"), "{out}");
    let (out, _) = run(dir.path(), &rules("nothing_here", ""), &[]);
    assert!(out.contains("E0701"), "{out}");
    let (out, _) = run(
        dir.path(),
        &rules("customers", " with (version = 1, at_as_of = true)"),
        &[],
    );
    assert!(out.contains("E0311"), "{out}");
}

#[test]
fn delta_tables_in_s3_read_like_local_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    customers_table(&dir.path().join("customers"));
    let server = servers::s3();
    servers::seed(
        "s3",
        server,
        "deltalake",
        &dir.path().join("customers"),
        "tables/customers/",
    );
    let settings = format!(
        "[data]\nroots = [\"s3://deltalake/tables/\"]\n\n[storage.s3]\nendpoint = \"{}\"\nregion = \"us-east-1\"\nallow_http = true\n",
        server.endpoint
    );
    let remote = tempfile::tempdir().expect("tempdir");
    std::fs::write(remote.path().join("segc.toml"), settings).expect("settings");
    let env = [
        ("AWS_ACCESS_KEY_ID", "segc-test"),
        ("AWS_SECRET_ACCESS_KEY", "segc-test-secret"),
    ];
    let location = "s3://deltalake/tables/customers";
    for options in ["", " with (version = 1)", " with (version = 2)"] {
        let (out, counts) = run(remote.path(), &rules(location, options), &env);
        assert!(out.starts_with("exit: 0"), "{out}");
        assert_eq!(
            counts,
            run(dir.path(), &rules("customers", options), &[]).1,
            "{options}"
        );
    }
}

#[test]
fn unreachable_and_refused_delta_tables_are_coded_and_write_nothing() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = format!(
        "[data]\nroots = [\"s3://deltalake/tables/\"]\n\n[storage]\nretries = 1\n\n[storage.s3]\nendpoint = \"http://127.0.0.1:{closed}\"\nregion = \"us-east-1\"\nallow_http = true\n"
    );
    std::fs::write(dir.path().join("segc.toml"), settings).expect("settings");
    let env = [
        ("AWS_ACCESS_KEY_ID", "segc-test"),
        ("AWS_SECRET_ACCESS_KEY", "segc-test-secret"),
    ];
    let (out, counts) = run(
        dir.path(),
        &rules("s3://deltalake/tables/customers", ""),
        &env,
    );
    assert!(out.starts_with("exit: 2"), "{out}");
    assert!(out.contains("E0720"), "{out}");
    assert!(!out.contains("segc-test-secret"), "{out}");
    assert_eq!(counts, None, "nothing written");

    // azurite checks the shared key's signatures: a wrong key is refused, the right one reads
    // the table as from a local folder.
    let local = tempfile::tempdir().expect("tempdir");
    customers_table(&local.path().join("customers"));
    let server = servers::azure();
    servers::seed(
        "azure",
        server,
        "deltalake",
        &local.path().join("customers"),
        "tables/customers/",
    );
    let settings = format!(
        "[data]\nroots = [\"az://deltalake/tables/\"]\n\n[storage]\nretries = 1\n\n[storage.azure]\naccount = \"{account}\"\nendpoint = \"{}/{account}\"\nallow_http = true\n",
        server.endpoint,
        account = servers::AZURITE_ACCOUNT,
    );
    std::fs::write(dir.path().join("segc.toml"), settings).expect("settings");
    let location = "az://deltalake/tables/customers";
    let wrong = "d3JvbmcgYnV0IHdlbGwgZm9ybWVkIGtleSBmb3IgYXp1cml0ZSB0ZXN0cw==";
    let (out, counts) = run(
        dir.path(),
        &rules(location, ""),
        &[("AZURE_STORAGE_ACCOUNT_KEY", wrong)],
    );
    assert!(out.starts_with("exit: 2") && out.contains("E0719"), "{out}");
    assert!(!out.contains(wrong), "{out}");
    assert_eq!(counts, None, "nothing written");
    let (out, counts) = run(
        dir.path(),
        &rules(location, " with (version = 1)"),
        &[("AZURE_STORAGE_ACCOUNT_KEY", servers::AZURITE_KEY)],
    );
    assert!(out.starts_with("exit: 0"), "{out}");
    assert_eq!(
        counts,
        run(
            local.path(),
            &rules("customers", " with (version = 1)"),
            &[]
        )
        .1
    );
}

#[test]
fn filters_on_a_delta_tables_partitions_skip_its_other_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    customers_table(&dir.path().join("orders"));
    std::fs::write(dir.path().join("people.csv"), "customer_id\n7\n8\n9\n").expect("people");
    let rules = "source people from csv \"people.csv\" {\n  key customer_id: int\n}\nsource orders from delta \"orders\" with (version = 2) {\n  customer_id: int references people\n  region: string?\n  amount: int?\n}\npopulation people\nsegment eu_buyers = exists(orders where region == \"eu\")\n";
    std::fs::write(dir.path().join("rules.seg"), rules).expect("rules");
    let mut command = segc();
    command.current_dir(dir.path()).args([
        "explain",
        "rules.seg",
        "--as-of",
        "2026-11-01",
        "--physical",
    ]);
    // Version 2 has files in eu, us and apac: the scan lists only the eu one.
    let scan = crate::common::cli::physical_nodes(&mut command)
        .into_iter()
        .find(|l| l.contains("DataSourceExec") && l.contains("parquet"))
        .expect("a scan of the table");
    assert!(scan.contains("region=eu"), "{scan}");
    assert!(
        !scan.contains("region=us") && !scan.contains("region=apac"),
        "{scan}"
    );
}

/// `fresh within 1 day by modified` judges a Delta table by the commit of the version read:
/// written today, it is fresh as of today and stale five days later (`E0725`, nothing written).
#[test]
fn a_delta_table_is_fresh_by_its_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    customers_table(&dir.path().join("customers"));
    let source = "source customers from delta \"customers\" fresh within 1 day by modified {";
    let text =
        rules("customers", "").replacen("source customers from delta \"customers\" {", source, 1);
    std::fs::write(dir.path().join("rules.seg"), &text).expect("rules");
    let today = chrono::Utc::now().date_naive();
    let at = |as_of: &str, out: &str| {
        let mut command = segc();
        command
            .current_dir(dir.path())
            .args(["run", "rules.seg", "--as-of", as_of, "--out", out]);
        transcript(&mut command)
    };
    let shown = at(&today.to_string(), "today");
    assert!(shown.starts_with("exit: 0"), "{shown}");
    let summary = std::fs::read_to_string(dir.path().join("today/summary.json")).expect("summary");
    let summary: serde_json::Value = serde_json::from_str(&summary).expect("json");
    let newest = summary["freshness"][0]["newest"]
        .as_str()
        .unwrap_or_default();
    assert!(newest.starts_with(&today.to_string()), "{summary}");
    let later = (today + chrono::Duration::days(5)).to_string();
    let shown = at(&later, "later");
    assert!(
        shown.starts_with("exit: 2") && shown.contains("E0725"),
        "{shown}"
    );
    assert!(shown.contains("its data was last modified"), "{shown}");
    assert!(!dir.path().join("later").exists(), "nothing written");
}
