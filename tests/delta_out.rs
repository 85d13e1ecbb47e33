//! Writing to Delta tables: `segc run --format delta` keeps each date's members in an `as_of`
//! partition, replaced by a re-run in one transaction; `segc kpi --save-history` keeps one row
//! per KPI, group and date. Tables are read back with the `deltalake` crate and DataFusion and
//! compared with the Parquet outputs and JSON reports of the same runs; locally and in S3 (moto).

use std::path::Path;
use std::process::Command;

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::SessionContext;
use deltalake_core::DeltaTable;

use crate::common::cli::{repo, segc, transcript};
use crate::common::servers;

const CREDENTIALS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "segc-test"),
    ("AWS_SECRET_ACCESS_KEY", "segc-test-secret"),
];

/// The retail example's rules, reading its data by absolute path, in `dir` (with `more`
/// appended), and a segc.toml admitting that data.
pub(crate) fn retail_project(dir: &Path, more: &str) {
    let example = std::fs::read_to_string(repo("examples/retail/retail.seg")).expect("example");
    let data = repo("examples/retail/data");
    let rules = example.replace("\"data/", &format!("\"{}/", data.display()));
    std::fs::write(dir.join("retail.seg"), format!("{rules}\n{more}")).expect("rules");
    let settings = format!("[data]\nroots = [\"{}\"]\n", data.display());
    std::fs::write(dir.join("segc.toml"), settings).expect("settings");
}

/// `segc run rules.seg` in `dir` at `as_of` into the Delta table `members`.
fn rules_into_delta(dir: &Path, as_of: &str) -> Command {
    let mut command = segc();
    command
        .current_dir(dir)
        .args(["run", "rules.seg", "--as-of", as_of]);
    command.args(["--out", "members", "--format", "delta"]);
    command
}

/// `segc run retail.seg` in `dir` at `as_of`, with `args`.
pub(crate) fn run(dir: &Path, as_of: &str, args: &[&str]) -> Command {
    let mut command = segc();
    command
        .current_dir(dir)
        .args(["run", "retail.seg", "--as-of", as_of])
        .args(args);
    command
}

/// The Delta table at `table` (a local folder), at `version` or the latest.
pub(crate) fn table(table: &Path, version: Option<i64>) -> DeltaTable {
    crate::common::runtime().block_on(async {
        let url = url::Url::from_directory_path(table).expect("url");
        let mut table = DeltaTable::try_from_url(url).await.expect("table");
        match version {
            Some(v) => table.load_version(v as _).await.expect("version"),
            None => table.load().await.expect("load"),
        }
        table
    })
}

/// `sql` over the Delta table `t` (and the Parquet file `m`, when given), as printed rows.
fn query(delta: &DeltaTable, parquet: Option<&Path>, sql: &str) -> String {
    crate::common::runtime().block_on(async {
        let ctx = SessionContext::new();
        let delta = delta.clone();
        delta
            .update_datafusion_session(&ctx.state())
            .expect("session");
        ctx.register_table("t", delta.table_provider().await.expect("provider"))
            .expect("register");
        if let Some(file) = parquet {
            ctx.register_parquet("m", file.to_string_lossy().as_ref(), Default::default())
                .await
                .expect("parquet");
        }
        let batches = ctx
            .sql(sql)
            .await
            .expect("sql")
            .collect()
            .await
            .expect("rows");
        pretty_format_batches(&batches).expect("pretty").to_string()
    })
}

/// The membership columns of the Parquet file `file`, in order, quoted for SQL.
fn columns(file: &Path) -> String {
    let reader = parquet::file::reader::SerializedFileReader::new(
        std::fs::File::open(file).expect("membership"),
    )
    .expect("parquet");
    use parquet::file::reader::FileReader as _;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    schema
        .columns()
        .iter()
        .map(|c| format!("\"{}\"", c.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn each_run_replaces_its_date_in_a_delta_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    retail_project(dir.path(), "");
    let members = dir.path().join("members");
    let delta = ["--out", "members", "--format", "delta"];
    for (as_of, version) in [("2026-10-01", 0), ("2026-11-01", 1), ("2026-11-01", 2)] {
        let out = transcript(&mut run(dir.path(), as_of, &delta));
        assert!(out.starts_with("exit: 0"), "{out}");
        let said = format!(
            "replaced the as_of = {as_of} partition of the Delta table members (version {version})"
        );
        assert!(out.contains(&said), "{out}");
    }
    assert!(!members.join("summary.json").exists());
    // The Parquet run of each date gives the same rows as its partition.
    for as_of in ["2026-10-01", "2026-11-01"] {
        let out = transcript(&mut run(dir.path(), as_of, &["--out", "files"]));
        assert!(out.starts_with("exit: 0"), "{out}");
        let file = dir.path().join("files/membership.parquet");
        let cols = columns(&file);
        let latest = table(&members, None);
        let expected = query(
            &latest,
            Some(&file),
            &format!("SELECT {cols} FROM m ORDER BY 1"),
        );
        let partition = format!("SELECT {cols} FROM t WHERE as_of = DATE '{as_of}' ORDER BY 1");
        assert_eq!(query(&latest, None, &partition), expected, "{as_of}");
        assert!(expected.lines().count() > 3000, "every customer is a row");
    }
    // The re-run replaced its date: one copy of each member per date, at every version.
    let count = "SELECT CAST(as_of AS VARCHAR) AS d, count(*) AS n, count(DISTINCT customer_id) AS k FROM t GROUP BY 1 ORDER BY 1";
    let latest = query(&table(&members, None), None, count);
    assert!(latest.contains("| 2026-10-01 | 3000 | 3000 |"), "{latest}");
    assert!(latest.contains("| 2026-11-01 | 3000 | 3000 |"), "{latest}");
    assert_eq!(query(&table(&members, Some(1)), None, count), latest);
    let first = query(&table(&members, Some(0)), None, count);
    assert!(!first.contains("2026-11-01"), "{first}");
    // Each commit says which run made it.
    let log = std::fs::read_to_string(members.join("_delta_log/00000000000000000002.json"))
        .expect("commit");
    let info: serde_json::Value = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .find(|a| a.get("commitInfo").is_some())
        .expect("commitInfo");
    assert_eq!(info["commitInfo"]["segc"]["as_of"], "2026-11-01");
    assert_eq!(info["commitInfo"]["segc"]["rules"], "retail.seg");
    assert_eq!(
        info["commitInfo"]["operationParameters"]["mode"],
        "Overwrite"
    );
}

#[test]
fn the_long_layout_is_kept_in_a_delta_table_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    retail_project(dir.path(), "");
    let args = ["--out", "tags", "--format", "delta", "--layout", "long"];
    let out = transcript(&mut run(dir.path(), "2026-11-01", &args));
    assert!(out.starts_with("exit: 0"), "{out}");
    let out = transcript(&mut run(
        dir.path(),
        "2026-11-01",
        &["--out", "files", "--layout", "long"],
    ));
    assert!(out.starts_with("exit: 0"), "{out}");
    let file = dir.path().join("files/membership.parquet");
    let tags = table(&dir.path().join("tags"), None);
    assert_eq!(
        query(
            &tags,
            None,
            "SELECT customer_id, segment FROM t ORDER BY 1, 2"
        ),
        query(
            &tags,
            Some(&file),
            "SELECT customer_id, segment FROM m ORDER BY 1, 2"
        )
    );
}

#[test]
fn new_segments_join_a_delta_table_and_changed_types_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    retail_project(dir.path(), "");
    let delta = ["--out", "members", "--format", "delta"];
    let out = transcript(&mut run(dir.path(), "2026-10-01", &delta));
    assert!(out.starts_with("exit: 0"), "{out}");
    // A segment added later: a new column, null on the earlier date's rows.
    retail_project(dir.path(), "segment everyone = true\n");
    let out = transcript(&mut run(dir.path(), "2026-11-01", &delta));
    assert!(out.starts_with("exit: 0"), "{out}");
    let members = dir.path().join("members");
    let rows = query(
        &table(&members, None),
        None,
        "SELECT CAST(as_of AS VARCHAR) AS d, count(everyone) AS n FROM t GROUP BY 1 ORDER BY 1",
    );
    assert!(rows.contains("| 2026-10-01 | 0    |"), "{rows}");
    assert!(rows.contains("| 2026-11-01 | 3000 |"), "{rows}");
    // The same name as a score (a number, not a flag): refused, the table unchanged.
    retail_project(dir.path(), "score everyone {\n  +10 when true\n}\n");
    let out = transcript(&mut run(dir.path(), "2026-11-02", &delta));
    assert!(out.starts_with("exit: 2"), "{out}");
    assert!(
        out.contains("E0724") && out.contains("the table is unchanged"),
        "{out}"
    );
    assert_eq!(table(&members, None).version(), Some(1));
}

#[test]
fn a_run_that_fails_commits_nothing_to_its_delta_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = "source customers from csv \"customers.csv\" {\n  key id: int\n  spend: int\n}\npopulation customers\nsegment big = spend >= 100\n";
    std::fs::write(dir.path().join("rules.seg"), rules).expect("rules");
    let run = |as_of: &str| transcript(&mut rules_into_delta(dir.path(), as_of));
    std::fs::write(dir.path().join("customers.csv"), "id,spend\n1,50\n2,150\n").expect("data");
    assert!(run("2026-10-01").starts_with("exit: 0"));
    // A repeated key stops the run while the members stream into the table.
    std::fs::write(
        dir.path().join("customers.csv"),
        "id,spend\n1,50\n2,150\n2,300\n",
    )
    .expect("data");
    let out = run("2026-11-01");
    assert!(out.starts_with("exit: 1") && out.contains("E0711"), "{out}");
    let members = table(&dir.path().join("members"), None);
    assert_eq!(members.version(), Some(0));
    let rows = query(&members, None, "SELECT count(*) AS n FROM t");
    assert!(rows.contains("| 2 |"), "{rows}");
}

#[test]
fn kpi_history_keeps_one_row_per_kpi_group_and_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    let history = dir.path().join("history");
    let kpi = |as_of: &str, format: &str| {
        let mut command = segc();
        command.args([
            "kpi",
            "examples/kpi/kpis.seg",
            "--baseline",
            "examples/kpi/baseline.json",
            "--as-of",
            as_of,
            "--format",
            format,
            "--save-history",
        ]);
        command.arg(&history).current_dir(repo("."));
        transcript(&mut command)
    };
    for as_of in ["2026-10-01", "2026-11-01", "2026-11-01"] {
        let out = kpi(as_of, "table");
        assert!(out.starts_with("exit: 0"), "{out}");
        assert!(out.contains("recorded 10 KPI rows in the history"), "{out}");
    }
    let json = segc()
        .current_dir(repo("."))
        .args([
            "kpi",
            "examples/kpi/kpis.seg",
            "--baseline",
            "examples/kpi/baseline.json",
        ])
        .args(["--as-of", "2026-11-01", "--format", "json"])
        .output()
        .expect("segc runs");
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json report");
    // Three runs of one date: its rows once.
    let counts = query(
        &table(&history, None),
        None,
        "SELECT CAST(as_of AS VARCHAR) AS d, count(*) AS n FROM t GROUP BY 1 ORDER BY 1",
    );
    assert!(counts.contains("| 2026-10-01 | 10 |"), "{counts}");
    assert!(counts.contains("| 2026-11-01 | 10 |"), "{counts}");
    // Each row as the JSON report has it.
    let rows = query(
        &table(&history, None),
        None,
        "SELECT concat_ws('/', kpi, \"group\", CAST(members AS VARCHAR), coalesce(CAST(CAST(round(value * 1000000) AS BIGINT) AS VARCHAR), '-'), status) AS line FROM t WHERE as_of = DATE '2026-11-01' AND rules = 'examples/kpi/kpis.seg'",
    );
    let reported = report["kpis"].as_array().expect("kpis in the report");
    assert_eq!(reported.len(), 10);
    for row in reported {
        let value = row["value"]
            .as_f64()
            .map_or("-".to_string(), |v| format!("{}", (v * 1e6).round() as i64));
        let line = format!(
            "{}/{}/{}/{value}/{}",
            row["kpi"].as_str().expect("kpi"),
            row["group"]["name"].as_str().expect("group"),
            row["members"],
            row["status"].as_str().expect("status"),
        );
        assert!(rows.contains(&format!("| {line}")), "{line} in\n{rows}");
    }
}

#[test]
fn delta_outputs_and_history_in_s3_match_the_local_ones() {
    let server = servers::s3();
    let empty = tempfile::tempdir().expect("tempdir");
    servers::seed("s3", server, "deltaout", empty.path(), "");
    let dir = tempfile::tempdir().expect("tempdir");
    retail_project(dir.path(), "");
    let settings = std::fs::read_to_string(dir.path().join("segc.toml")).expect("settings");
    let storage = format!(
        "{settings}\n[storage.s3]\nendpoint = \"{}\"\nregion = \"us-east-1\"\nallow_http = true\npath_style = true\n",
        server.endpoint
    );
    std::fs::write(dir.path().join("segc.toml"), storage).expect("settings");
    for as_of in ["2026-10-01", "2026-11-01", "2026-11-01"] {
        let remote = ["--out", "s3://deltaout/members", "--format", "delta"];
        let out = transcript(run(dir.path(), as_of, &remote).envs(CREDENTIALS));
        assert!(out.starts_with("exit: 0"), "{out}");
        assert!(!out.contains("segc-test-secret"), "{out}");
        let local = ["--out", "members", "--format", "delta"];
        let out = transcript(&mut run(dir.path(), as_of, &local));
        assert!(out.starts_with("exit: 0"), "{out}");
    }
    // The bucket's table, copied here, has the local table's rows.
    let copy = dir.path().join("copy");
    download(server, "deltaout", "members/", &copy);
    let all = "SELECT * FROM t ORDER BY as_of, customer_id";
    assert_eq!(
        query(&table(&copy, None), None, all),
        query(&table(&dir.path().join("members"), None), None, all)
    );
    assert_eq!(table(&copy, None).version(), Some(2));
    // `segc diff --runs` reads two dates of the bucket's table as it reads the local one's.
    let compared = |table: &str| {
        let out = segc()
            .current_dir(dir.path())
            .envs(CREDENTIALS)
            .args(["diff", "--format", "json", "--runs"])
            .args(["2026-10-01", "2026-11-01"].map(|d| format!("{table}@{d}")))
            .output()
            .expect("segc runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        json["segments"].clone()
    };
    assert_eq!(compared("s3://deltaout/members"), compared("members"));
}

/// Copies the objects of `bucket` under `prefix` to the folder `to`.
fn download(server: &servers::Server, bucket: &str, prefix: &str, to: &Path) {
    use futures::TryStreamExt as _;
    use object_store::{ObjectStore as _, ObjectStoreExt as _};
    let store = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_endpoint(&server.endpoint)
        .with_region("us-east-1")
        .with_allow_http(true)
        .with_access_key_id(CREDENTIALS[0].1)
        .with_secret_access_key(CREDENTIALS[1].1)
        .build()
        .expect("store");
    crate::common::runtime().block_on(async {
        let listed: Vec<_> = store
            .list(Some(&object_store::path::Path::from(prefix)))
            .try_collect()
            .await
            .expect("list");
        for object in listed {
            let key = object.location.to_string();
            let local = to.join(key.strip_prefix(prefix).expect("under the prefix"));
            std::fs::create_dir_all(local.parent().expect("folder")).expect("folder");
            let bytes = store
                .get(&object.location)
                .await
                .expect("get")
                .bytes()
                .await;
            std::fs::write(local, bytes.expect("bytes")).expect("write");
        }
    });
}

#[test]
fn a_run_killed_while_writing_a_delta_table_leaves_it_as_it_was() {
    use datafusion::arrow::array::{Int64Array, RecordBatch};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    // A population large enough for kills to land while its members are written.
    const MEMBERS: i64 = 1_500_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let schema = std::sync::Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("spend", DataType::Int64, false),
    ]));
    let file = std::fs::File::create(dir.path().join("customers.parquet")).expect("data");
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, schema.clone(), None).expect("writer");
    let ids = Int64Array::from_iter_values(0..MEMBERS);
    let spend = Int64Array::from_iter_values((0..MEMBERS).map(|i| (i * 7919) % 1000));
    let batch = RecordBatch::try_new(
        schema,
        vec![std::sync::Arc::new(ids), std::sync::Arc::new(spend)],
    )
    .expect("batch");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    let rules = "source customers from parquet \"customers.parquet\" {\n  key id: int\n  spend: int\n}\npopulation customers\nsegment big = spend >= 500\nsegment small = spend < 10\n";
    std::fs::write(dir.path().join("rules.seg"), rules).expect("rules");
    let run = |as_of: &str| {
        let mut command = rules_into_delta(dir.path(), as_of);
        command.arg("-q");
        command
    };
    let started = std::time::Instant::now();
    assert!(transcript(&mut run("2026-10-01")).starts_with("exit: 0"));
    let whole = started.elapsed().as_millis() as u64;
    let members = dir.path().join("members");
    let mut delays = Seeded(29);
    let (mut committed, mut killed) = (0, 0);
    for round in 0..8 {
        let as_of = format!("2026-11-{:02}", round + 1);
        let mut child = run(&as_of)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("segc starts");
        if round % 2 == 0 {
            let delay = delays.next() % (whole + whole / 4);
            std::thread::sleep(std::time::Duration::from_millis(delay));
        } else {
            // Killed once the date's folder appears: while its data files are written.
            let folder = members.join(format!("as_of={as_of}"));
            let waited = std::time::Instant::now();
            while !folder.exists() && waited.elapsed().as_secs() < 60 {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        // Whatever the instant: the table loads, and each date it has is whole.
        let counts = query(
            &table(&members, None),
            None,
            "SELECT CAST(as_of AS VARCHAR) AS d, count(*) AS n FROM t GROUP BY 1 ORDER BY 1",
        );
        for line in counts.lines().filter(|l| l.contains("| 2026-")) {
            assert!(
                line.contains(&format!("| {MEMBERS} |")),
                "round {round}: {counts}"
            );
        }
        if counts.contains(&as_of) {
            committed += 1;
        } else {
            killed += 1;
        }
    }
    // Some kills landed before the commit point (those while writing, at least).
    assert!(killed > 0, "committed {committed}, killed {killed}");
}

/// xorshift64, for kill delays.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
