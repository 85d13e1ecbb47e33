//! End-to-end runs: fixture folders under `fixtures/run` hold rules, data and hand-computed
//! expectations; `fixtures/data_errors` hold declarations that do not match their data.

use std::path::Path;

use crate::common::{file_name, rendered, run_csv, runtime, session};
use segc::driver::OutputChoice;
use segc::engine::{Layout, OutputFormat, Summary};
use segc::lower::Selection;

/// Runs `rules` (a path) into `out` through the library driver, returning the summary.
fn run(rules: &Path, out: &Path, format: OutputFormat, layout: Layout) -> Result<Summary, String> {
    let session = session(rules, false)?;
    let output = OutputChoice {
        dir: Some(out.to_path_buf()),
        format: Some(format),
        layout: Some(layout),
        ..Default::default()
    };
    runtime()
        .block_on(async {
            let engine = session.engine().await?;
            session.run(&engine, &Selection::All, &output).await
        })
        .map(|ran| Summary {
            // Snapshots name the rule file, not the folder the test found it in.
            rules: file_name(rules),
            ..ran.summary
        })
        .map_err(|stopped| rendered(rules, stopped.diagnostics()))
}

#[test]
fn runs_match_hand_computed_expectations() {
    insta::glob!("fixtures/run/*/rules.seg", |rules| {
        let case = rules.parent().expect("case folder");
        let out = tempfile::tempdir().expect("tempdir");
        let summary = run(rules, out.path(), OutputFormat::Csv, Layout::Wide).expect("run");
        let expected = std::fs::read_to_string(case.join("expected.csv")).expect("expected.csv");
        let actual = std::fs::read_to_string(out.path().join("membership.csv")).expect("output");
        assert_eq!(actual, expected, "{}", case.display());

        let long_expected = case.join("expected_long.csv");
        if long_expected.exists() {
            let out = tempfile::tempdir().expect("tempdir");
            run(rules, out.path(), OutputFormat::Csv, Layout::Long).expect("long run");
            let actual = std::fs::read_to_string(out.path().join("membership.csv")).expect("out");
            let expected = std::fs::read_to_string(long_expected).expect("expected_long.csv");
            assert_eq!(actual, expected, "{} (long)", case.display());
        }
        let mut summary = summary;
        summary.output.membership = "membership.csv".into();
        insta::assert_json_snapshot!(summary);
    });
}

#[test]
fn parquet_example_runs_and_records_as_of() {
    let out = tempfile::tempdir().expect("tempdir");
    let rules = Path::new("examples/retail/retail.seg");
    let mut summary =
        run(rules, out.path(), OutputFormat::Parquet, Layout::Wide).expect("example runs");
    summary.output.membership = "membership.parquet".into();
    insta::assert_json_snapshot!(summary);

    let file = std::fs::File::open(out.path().join("membership.parquet")).expect("parquet");
    let reader = parquet::file::reader::SerializedFileReader::new(file).expect("reader");
    use parquet::file::reader::FileReader;
    let metadata = reader.metadata().file_metadata();
    let kv = metadata.key_value_metadata().expect("key-value metadata");
    let as_of = kv
        .iter()
        .find(|k| k.key == "segc.as_of")
        .and_then(|k| k.value.clone());
    assert_eq!(as_of.as_deref(), Some("2026-11-01"));
    assert_eq!(metadata.num_rows(), 3000);
    let written: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("summary.json")).expect("summary.json"),
    )
    .expect("json");
    assert_eq!(written["as_of"], "2026-11-01");
    assert_eq!(written["population"]["members"], 3000);
}

#[test]
fn declarations_that_do_not_match_the_data() {
    let mut settings = insta::Settings::clone_current();
    let root = std::env::current_dir().expect("cwd").display().to_string();
    settings.add_filter(&regex::escape(&root), "[ROOT]");
    let _guard = settings.bind_to_scope();
    insta::glob!("fixtures/data_errors/*.seg", |rules| {
        let out = tempfile::tempdir().expect("tempdir");
        let error = run(rules, out.path(), OutputFormat::Csv, Layout::Wide)
            .expect_err("the declarations do not match the data");
        assert!(
            std::fs::read_dir(out.path()).expect("dir").next().is_none(),
            "nothing written"
        );
        insta::assert_snapshot!(error);
    });
}

#[test]
fn a_failed_run_keeps_the_previous_outputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("customers.csv");
    let mut csv = String::from("customer_id,score\n");
    // More rows than schema inference reads.
    for i in 1..=10_500 {
        csv.push_str(&format!("{i},{}\n", i % 100));
    }
    std::fs::write(&data, &csv).expect("data");
    let rules = dir.path().join("rules.seg");
    std::fs::write(
        &rules,
        "source customers from csv \"customers.csv\" {\n  key customer_id: int\n  score: int\n}\nsegment high = score > 50\n",
    )
    .expect("rules");
    let out = dir.path().join("out");
    run(&rules, &out, OutputFormat::Parquet, Layout::Wide).expect("first run");
    let before = std::fs::read(out.join("membership.parquet")).expect("membership");
    let summary_before = std::fs::read(out.join("summary.json")).expect("summary");

    // A bad value past the rows used to infer types: the failure happens mid-stream.
    csv.push_str("10501,not-a-number\n");
    std::fs::write(&data, &csv).expect("data");
    let error = run(&rules, &out, OutputFormat::Parquet, Layout::Wide).expect_err("bad data");
    assert!(error.contains("E0706"), "{error}");

    assert_eq!(
        std::fs::read(out.join("membership.parquet")).expect("kept"),
        before
    );
    assert_eq!(
        std::fs::read(out.join("summary.json")).expect("kept"),
        summary_before
    );
    let names: Vec<String> = std::fs::read_dir(&out)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(
        names,
        ["membership.parquet", "summary.json"],
        "no temporary file left"
    );
}

#[test]
fn aggregates_agree_with_the_generators_totals() {
    // The example data precomputes each customer's last-12-month totals from the orders; the same
    // totals computed by segc from the orders must agree for all 3,000 customers.
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules.seg");
    let example = std::fs::read_to_string("examples/retail/retail.seg").expect("example");
    let data = std::fs::canonicalize("examples/retail/data").expect("data");
    let text = example.replace("\"data/", &format!("\"{}/", data.display()))
        + "let orders_year = count(orders where ordered_at >= as_of - 12 months)\n\
           let revenue_year = sum(orders.amount where ordered_at >= as_of - 12 months)\n\
           let latest = max(orders.ordered_at)\n\
           let last_store = last(orders.ordered_at by ordered_at where channel == \"store\")\n\
           let first_web = first(orders.ordered_at by ordered_at where channel == \"web\")\n\
           let last_channel_any = last(orders.channel by ordered_at)\n\
           segment ordered_ok = coalesce(last_store == max(orders.ordered_at where channel == \"store\"), last_store is null)\n\
             and coalesce(first_web == min(orders.ordered_at where channel == \"web\"), first_web is null)\n\
           segment consistent = orders_year == orders_12m and revenue_year == revenue_12m\n\
             and (if latest is null then last_purchase_at is null else date(latest) == last_purchase_at)\n";
    std::fs::write(&rules, text).expect("rules");
    let summary = run(
        &rules,
        &dir.path().join("out"),
        OutputFormat::Csv,
        Layout::Wide,
    )
    .expect("runs");
    let consistent = summary
        .segments
        .iter()
        .find(|s| s.name == "consistent")
        .expect("segment");
    assert_eq!(consistent.members, 3000);
    let ordered = summary
        .segments
        .iter()
        .find(|s| s.name == "ordered_ok")
        .expect("segment");
    assert_eq!(
        ordered.members, 3000,
        "first/last with where agree with min/max"
    );
}

#[test]
fn rfm_example_maps_every_buyer() {
    let out = tempfile::tempdir().expect("tempdir");
    let rules = Path::new("examples/rfm/rfm.seg");
    let mut summary = run(rules, out.path(), OutputFormat::Parquet, Layout::Wide).expect("runs");
    let tiers = &summary.tiers[0];
    let total: u64 = tiers.tiers.iter().map(|t| t.members).sum();
    assert_eq!(total, 3000, "every member gets exactly one RFM segment");
    let no_purchase = tiers
        .tiers
        .iter()
        .find(|t| t.tier.as_deref() == Some("no_purchase"));
    assert_eq!(no_purchase.map(|t| t.members), Some(892), "the prospects");
    summary.output.membership = "membership.parquet".into();
    insta::assert_json_snapshot!(summary);
}

/// Rules with `segments` segments `s{i} = v >= i` over `v = id * 37 % 200`, a score after the
/// 70th and tiers after the 140th (outputs in declaration order).
fn many_segments(dir: &Path, rows: i64, segments: usize) -> std::path::PathBuf {
    let mut csv = String::from("customer_id,v\n");
    // Written in descending keys: the output must come back sorted.
    for id in (1..=rows).rev() {
        csv.push_str(&format!("{id},{}\n", id * 37 % 200));
    }
    std::fs::write(dir.join("customers.csv"), csv).expect("data");
    let mut rules = String::from(
        "source customers from csv \"customers.csv\" {\n  key customer_id: int\n  v: int\n}\n",
    );
    for i in 0..segments {
        rules.push_str(&format!("segment s{i} = v >= {i}\n"));
        if i == 69 {
            rules.push_str("score points {\n  +1 when v >= 100\n  +2 when v >= 150\n}\n");
        }
        if i == 139 {
            rules.push_str("tiers band {\n  high: v >= 150\n  low: else\n}\n");
        }
    }
    let path = dir.join("rules.seg");
    std::fs::write(&path, rules).expect("rules");
    path
}

#[test]
fn flags_packed_for_the_sort_come_back_in_place_past_a_word() {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::Int64Type;

    let dir = tempfile::tempdir().expect("tempdir");
    let (rows, segments) = (20_000, 150);
    let rules = many_segments(dir.path(), rows, segments);
    let out = dir.path().join("out");
    run(&rules, &out, OutputFormat::Parquet, Layout::Wide).expect("run");
    let file = std::fs::File::open(out.join("membership.parquet")).expect("membership");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("reader")
        .build()
        .expect("batches");
    let batches: Vec<_> = reader.collect::<Result<_, _>>().expect("read");
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let mut expected_names = vec!["customer_id".to_string()];
    expected_names.extend((0..70).map(|i| format!("s{i}")));
    expected_names.push("points".into());
    expected_names.extend((70..140).map(|i| format!("s{i}")));
    expected_names.push("band".into());
    expected_names.extend((140..segments).map(|i| format!("s{i}")));
    assert_eq!(names, expected_names);
    let mut next_key = 1;
    for batch in &batches {
        let keys = batch.column(0).as_primitive::<Int64Type>();
        for row in 0..batch.num_rows() {
            let key = keys.value(row);
            assert_eq!(key, next_key, "sorted by key");
            next_key += 1;
            let v = key * 37 % 200;
            for (column, name) in names.iter().enumerate().skip(1) {
                let array = batch.column(column);
                if let Some(i) = name.strip_prefix('s') {
                    let i: i64 = i.parse().expect("index");
                    assert_eq!(array.null_count(), 0);
                    assert_eq!(array.as_boolean().value(row), v >= i, "{name} of {key}");
                }
            }
            let points = (v >= 100) as i64 + 2 * (v >= 150) as i64;
            let score = datafusion::arrow::compute::cast(
                &batch.column(71).slice(row, 1),
                &datafusion::arrow::datatypes::DataType::Int64,
            )
            .expect("cast");
            assert_eq!(score.as_primitive::<Int64Type>().value(0), points);
            let band = datafusion::arrow::compute::cast(
                &batch.column(142).slice(row, 1),
                &datafusion::arrow::datatypes::DataType::Utf8,
            )
            .expect("cast");
            let band = band.as_string::<i32>().value(0).to_string();
            assert_eq!(band, if v >= 150 { "high" } else { "low" });
        }
    }
    assert_eq!(next_key, rows + 1);

    // The same members in CSV.
    let csv_out = dir.path().join("csv");
    let summary = run(&rules, &csv_out, OutputFormat::Csv, Layout::Wide).expect("csv run");
    let text = std::fs::read_to_string(csv_out.join("membership.csv")).expect("csv");
    let line = text.lines().nth(7).expect("row 7");
    let v = 7 * 37 % 200;
    assert!(line.starts_with(&format!("7,{}", 0 <= v)), "{line}");
    assert_eq!(
        line.split(',').filter(|f| *f == "true").count() as i64,
        (v + 1).min(segments as i64),
        "{line}"
    );
    let s100 = summary
        .segments
        .iter()
        .find(|s| s.name == "s100")
        .expect("s100");
    assert_eq!(
        s100.members,
        (1..=rows).filter(|k| k * 37 % 200 >= 100).count() as u64
    );
}

/// `examples/b2b`: companies as the population (chains orders → contacts → companies), and
/// contacts as the population (lookups of their company), both importing one file of sources,
/// against the expectations `generate_data.py` computed with SQLite.
#[test]
fn the_b2b_example_matches_sqlite_expectations() {
    for (rules, expected) in [
        (
            "examples/b2b/accounts.seg",
            "examples/b2b/expected/accounts.csv",
        ),
        (
            "examples/b2b/contacts.seg",
            "examples/b2b/expected/contacts.csv",
        ),
    ] {
        let out = tempfile::tempdir().expect("tempdir");
        run(
            Path::new(rules),
            out.path(),
            OutputFormat::Csv,
            Layout::Wide,
        )
        .expect(rules);
        let actual = std::fs::read_to_string(out.path().join("membership.csv")).expect("output");
        let expected = std::fs::read_to_string(expected).expect("expected");
        assert_eq!(actual, expected, "{rules}");
    }
}

#[test]
fn output_lets_are_typed_columns_in_parquet_and_csv() {
    use datafusion::arrow::datatypes::DataType;
    let rules = Path::new("tests/fixtures/run/values/rules.seg");
    let out = tempfile::tempdir().expect("tempdir");
    let summary = run(rules, out.path(), OutputFormat::Parquet, Layout::Wide).expect("run");
    assert_eq!(summary.values.len(), 8);
    let file = std::fs::File::open(out.path().join("membership.parquet")).expect("parquet");
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).expect("read");
    let schema = reader.schema().clone();
    let types: Vec<(String, DataType)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    let expected = [
        ("customer_id", DataType::Int64),
        ("spend_12m", DataType::Decimal128(20, 2)),
        ("orders_12m", DataType::Int64),
        ("last_order", DataType::Date32),
        ("recency_days", DataType::Int64),
        ("code", DataType::Utf8),
        ("label", DataType::Utf8),
        ("local", DataType::Boolean),
        ("tenure_years", DataType::Float64),
        ("value", DataType::Float64),
        ("active", DataType::Boolean),
    ];
    let expected: Vec<(String, DataType)> = expected
        .into_iter()
        .map(|(n, t)| (n.to_string(), t))
        .collect();
    assert_eq!(types, expected);
    // Values may be null (no order: no last order); segments never are.
    assert!(
        schema
            .field_with_name("last_order")
            .expect("field")
            .is_nullable()
    );
    assert!(
        !schema
            .field_with_name("active")
            .expect("field")
            .is_nullable()
    );
    let batches: Vec<_> = reader
        .build()
        .expect("batches")
        .collect::<Result<_, _>>()
        .expect("rows");
    let codes = batches[0]
        .column(5)
        .as_any()
        .downcast_ref::<datafusion::arrow::array::StringArray>();
    let codes: Vec<&str> = codes.expect("strings").iter().flatten().collect();
    assert_eq!(codes, ["002-AR", "000-BE", "000-CR", "000-DE"]);

    // CSV: the same columns, selected by name like segments.
    let out = tempfile::tempdir().expect("tempdir");
    let session = session(rules, false).expect("session");
    let program = session.program();
    let selection = Selection::Only(
        ["code", "spend_12m"]
            .iter()
            .filter_map(|n| program.output_named(n))
            .collect(),
    );
    let ran = run_csv(&session, rules, &selection, out.path()).expect("selected run");
    assert_eq!(ran.summary.values.len(), 2);
    let csv = std::fs::read_to_string(out.path().join("membership.csv")).expect("csv");
    assert_eq!(
        csv,
        "customer_id,spend_12m,code\n1,1200.50,002-AR\n2,35.25,000-BE\n3,80.00,000-CR\n4,0.00,000-DE\n"
    );
}

#[test]
fn returns_totalled_through_kept_orders_aggregates_match() {
    // Without a memory limit, the ranking pass (`quintile(spend)`) computes the orders'
    // aggregates and keeps them for the membership plan, which aggregates the returns; the
    // fixture's own run above has a memory limit, so the plan aggregates both.
    let case = Path::new("tests/fixtures/run/returns_hop");
    let rules = case.join("rules.seg");
    let options = segc::driver::Options {
        ignore_environment: true,
        as_of: Some(crate::common::as_of()),
        threads: Some(2),
        memory_limit: None,
        data_roots: vec![case.to_path_buf()],
        ..Default::default()
    };
    let opened = segc::driver::Session::open(&rules, options).expect("opens");
    let session = opened.into_session().expect("checks");
    let out = tempfile::tempdir().expect("tempdir");
    run_csv(&session, &rules, &Selection::All, out.path()).expect("runs");
    let expected = std::fs::read_to_string(case.join("expected.csv")).expect("expected.csv");
    let actual = std::fs::read_to_string(out.path().join("membership.csv")).expect("output");
    assert_eq!(actual, expected);
}
