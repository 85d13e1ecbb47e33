//! Members written by the cluster's workers: `--out` in object storage (moto's S3 on
//! 127.0.0.1) on two `segc worker`s writes the membership in parts from the workers, named by
//! `latest.json`; together they hold the members of the local run, and a run that fails
//! publishes nothing.

use std::path::Path;

use bytes::Bytes;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::{concat_batches, sort_to_indices, take_record_batch};
use datafusion::arrow::util::pretty::pretty_format_batches;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::cluster::on_workers::Workers;
use crate::common::cli::{repo, segc, transcript};
use crate::lake::{S3_CREDENTIALS, lake_store, manifest, object, s3_lake};

/// A folder with `rules` (reading `data`, a local folder) as `rules.seg` and a segc.toml
/// allowing `data` and naming the S3 server's endpoint.
fn project(rules: &str, data: &Path, endpoint: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("rules.seg"), rules).expect("rules");
    let settings = format!(
        "[data]\nroots = [\"{}\"]\n\n[storage.s3]\nendpoint = \"{endpoint}\"\nregion = \"us-east-1\"\nallow_http = true\npath_style = true\n",
        data.display()
    );
    std::fs::write(dir.path().join("segc.toml"), settings).expect("settings");
    dir
}

/// `segc run rules.seg` in `dir` into `out`, with the S3 credentials and `extra` arguments.
fn run(dir: &Path, out: &str, extra: &[String]) -> String {
    let mut command = segc();
    command
        .current_dir(dir)
        .envs(S3_CREDENTIALS.iter().copied())
        .args(["run", "rules.seg", "--as-of", "2026-11-01", "--out", out])
        .args(extra);
    transcript(&mut command)
}

/// The rows of Parquet files, in order.
fn rows(files: &[Vec<u8>]) -> RecordBatch {
    let mut batches = Vec::new();
    for file in files {
        let reader = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(file.clone()))
            .expect("parquet")
            .build()
            .expect("reader");
        batches.extend(reader.map(|b| b.expect("batch")));
    }
    let schema = batches.first().expect("rows").schema();
    concat_batches(&schema, &batches).expect("concat")
}

/// `batch` sorted by its first column (the key).
fn by_key(batch: &RecordBatch) -> RecordBatch {
    let order = sort_to_indices(batch.column(0), None, None).expect("sort");
    take_record_batch(batch, &order).expect("take")
}

fn shown(batch: &RecordBatch) -> String {
    pretty_format_batches(std::slice::from_ref(batch))
        .expect("pretty")
        .to_string()
}

/// The retail example reading its local data, in a project allowing it.
fn retail(endpoint: &str) -> tempfile::TempDir {
    let data = repo("examples/retail/data");
    let example = std::fs::read_to_string(repo("examples/retail/retail.seg")).expect("example");
    let rules = example.replace("\"data/", &format!("\"{}/", data.display()));
    project(&rules, &data, endpoint)
}

#[test]
fn the_workers_write_the_members_to_s3_in_parts_named_by_the_manifest() {
    let server = s3_lake();
    let dir = retail(&server.endpoint);
    let out = run(dir.path(), "local", &[]);
    assert!(out.starts_with("exit: 0"), "{out}");
    let local = std::fs::read(dir.path().join("local/membership.parquet")).expect("local");
    let local_summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("local/summary.json")).expect("summary"),
    )
    .expect("json");

    let workers = Workers::start_with(2, &S3_CREDENTIALS);
    let out = run(dir.path(), "s3://lake/parts/retail", &workers.args());
    assert!(out.starts_with("exit: 0"), "{out}");
    assert!(
        out.contains("published by s3://lake/parts/retail/latest.json"),
        "{out}"
    );
    let store = lake_store(server);
    let latest = manifest(&store, "parts/retail").expect("latest.json");
    assert_eq!(latest["segc_outputs"], 2);
    let parts: Vec<String> = latest["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| p.as_str().expect("text").to_string())
        .collect();
    // Two workers, each task with partitions of its own: one part per partition, written
    // by the task (part-TASK-PARTITION): both tasks wrote.
    assert!(parts.len() >= 2, "{parts:?}");
    assert!(
        parts.iter().any(|p| p.contains("/part-00001-")),
        "{parts:?}"
    );
    let mut files = Vec::new();
    for part in &parts {
        assert!(
            part.starts_with(latest["membership"].as_str().expect("folder")),
            "{part}"
        );
        let file = object(&store, &format!("parts/retail/{part}")).expect("part");
        // Each part is sorted by key, as a local run's file is.
        let rows = rows(std::slice::from_ref(&file));
        assert_eq!(shown(&by_key(&rows)), shown(&rows), "{part} is sorted");
        files.push(file);
    }
    // Together, the parts hold the local run's members, row for row.
    assert_eq!(shown(&by_key(&rows(&files))), shown(&rows(&[local])));

    let summary_key = format!("parts/retail/{}", latest["summary"].as_str().expect("key"));
    let mut summary: serde_json::Value =
        serde_json::from_slice(&object(&store, &summary_key).expect("summary")).expect("json");
    assert_eq!(
        summary["output"]["membership"],
        format!(
            "s3://lake/parts/retail/{}",
            latest["membership"].as_str().expect("folder")
        )
    );
    // The counts the client added up from the parts are the local run's.
    let mut local_summary = local_summary;
    summary["output"] = serde_json::Value::Null;
    local_summary["output"] = serde_json::Value::Null;
    assert_eq!(summary, local_summary);
}

#[test]
fn csv_parts_hold_the_members_of_the_local_csv() {
    let server = s3_lake();
    let dir = retail(&server.endpoint);
    let csv = ["--format".to_string(), "csv".to_string()];
    let out = run(dir.path(), "local", &csv);
    assert!(out.starts_with("exit: 0"), "{out}");
    let local = std::fs::read_to_string(dir.path().join("local/membership.csv")).expect("csv");

    let workers = Workers::start_with(2, &S3_CREDENTIALS);
    let mut args = csv.to_vec();
    args.extend(workers.args());
    let out = run(dir.path(), "s3://lake/parts/csv", &args);
    assert!(out.starts_with("exit: 0"), "{out}");
    let store = lake_store(server);
    let latest = manifest(&store, "parts/csv").expect("latest.json");
    let mut lines = Vec::new();
    let header = local.lines().next().expect("header");
    for part in latest["parts"].as_array().expect("parts") {
        let part = part.as_str().expect("text");
        assert!(part.ends_with(".csv"), "{part}");
        let text = String::from_utf8(object(&store, &format!("parts/csv/{part}")).expect("part"))
            .expect("utf-8");
        let mut part_lines = text.lines();
        assert_eq!(part_lines.next(), Some(header), "each part has the header");
        lines.extend(part_lines.map(str::to_string));
    }
    let mut expected: Vec<String> = local.lines().skip(1).map(str::to_string).collect();
    // Keys are integers: compare as the rows, in any order.
    lines.sort();
    expected.sort();
    assert_eq!(lines, expected);
}

#[test]
fn a_repeated_key_found_by_a_worker_stops_the_run_and_publishes_nothing() {
    let server = s3_lake();
    let data = repo("tests/fixtures/data_errors");
    let rules = std::fs::read_to_string(data.join("repeated_key.seg"))
        .expect("fixture")
        .replace(
            "\"repeated_key.csv\"",
            &format!("\"{}\"", data.join("repeated_key.csv").display()),
        );
    let dir = project(&rules, &data, &server.endpoint);
    let workers = Workers::start_with(2, &S3_CREDENTIALS);
    let out = run(dir.path(), "s3://lake/parts/repeated", &workers.args());
    assert!(out.starts_with("exit: 1"), "{out}");
    assert!(out.contains("E0711"), "{out}");
    let store = lake_store(server);
    assert!(manifest(&store, "parts/repeated").is_none(), "{out}");
}

#[test]
fn a_part_the_workers_cannot_write_is_e0708_and_nothing_is_published() {
    let server = s3_lake();
    let dir = retail(&server.endpoint);
    let workers = Workers::start_with(2, &S3_CREDENTIALS);
    let out = run(dir.path(), "s3://no-such-bucket/segments", &workers.args());
    assert!(out.starts_with("exit: 2"), "{out}");
    assert!(out.contains("E0708"), "{out}");
    for (_, secret) in S3_CREDENTIALS {
        assert!(!out.contains(secret), "{out}");
    }
}

#[test]
fn lake_to_lake_the_workers_read_s3_and_write_the_parts_there() {
    let server = s3_lake();
    let local_dir = retail(&server.endpoint);
    let out = run(local_dir.path(), "local", &[]);
    assert!(out.starts_with("exit: 0"), "{out}");
    let local = std::fs::read(local_dir.path().join("local/membership.parquet")).expect("local");

    // The rules read the example's data from S3; the workers get only their own credentials.
    let dir = crate::lake::lake_project("s3://lake/retail/", &crate::lake::s3_settings(server));
    std::fs::rename(dir.path().join("retail.seg"), dir.path().join("rules.seg")).expect("rename");
    let workers = Workers::start_with(2, &S3_CREDENTIALS);
    let out = run(dir.path(), "s3://lake/parts/lake", &workers.args());
    assert!(out.starts_with("exit: 0"), "{out}");
    let store = lake_store(server);
    let latest = manifest(&store, "parts/lake").expect("latest.json");
    let files: Vec<Vec<u8>> = latest["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| {
            object(&store, &format!("parts/lake/{}", p.as_str().expect("text"))).expect("part")
        })
        .collect();
    assert!(files.len() >= 2, "{latest:#}");
    assert_eq!(shown(&by_key(&rows(&files))), shown(&rows(&[local])));
}
