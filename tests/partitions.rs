//! Hive-style partitioned folders (`orders/order_year=2026/part-0.parquet`): partition columns
//! are declared `partition name: type`, read from the folder names, and filters on them prune
//! whole folders before a file is opened.

use std::path::Path;

use crate::common::cli::{repo, segc, transcript};

/// The retail example's orders written again as `dir/orders/order_year=YYYY/*.parquet` (by
/// DataFusion's own partitioned writer: the year is in the folder names, not in the files).
pub fn partitioned_orders(dir: &Path) {
    partitioned_orders_by(dir, &["year"]);
}

/// The orders partitioned by `parts` of `ordered_at` (`year`, `month`), in that order, as
/// folders `order_year=2026/order_month=3/`.
pub fn partitioned_orders_by(dir: &Path, parts: &[&str]) {
    use datafusion::dataframe::DataFrameWriteOptions;
    use datafusion::functions::expr_fn::date_part;
    use datafusion::prelude::{ParquetReadOptions, SessionContext, cast, col, lit};
    let runtime = crate::common::runtime();
    runtime.block_on(async {
        let ctx = SessionContext::new();
        let orders = repo("examples/retail/data/orders.parquet");
        let mut df = ctx
            .read_parquet(orders.display().to_string(), ParquetReadOptions::default())
            .await
            .expect("orders");
        let mut names = Vec::new();
        for part in parts {
            let value = cast(
                date_part(lit(*part), col("ordered_at")),
                datafusion::arrow::datatypes::DataType::Int64,
            );
            let name = format!("order_{part}");
            df = df.with_column(&name, value).expect("column");
            names.push(name);
        }
        let out = dir.join("orders");
        df.write_parquet(
            &format!("{}/", out.display()),
            DataFrameWriteOptions::new().with_partition_by(names),
            None,
        )
        .await
        .expect("partitioned write");
    });
}

/// The retail customers with two aggregates over their orders, filtered on the year: by a
/// partition column (`partitioned`) or by the order date (otherwise).
pub fn rules(partitioned: bool) -> String {
    let customers = repo("examples/retail/data/customers.parquet");
    let (orders, year_column, this_year, since_last) = if partitioned {
        (
            "orders/".to_string(),
            "  partition order_year: int\n",
            "order_year == 2026",
            "order_year >= 2025",
        )
    } else {
        (
            repo("examples/retail/data/orders.parquet")
                .display()
                .to_string(),
            "",
            "ordered_at >= @2026-01-01 and ordered_at < @2027-01-01",
            "ordered_at >= @2025-01-01",
        )
    };
    format!(
        "source customers from parquet \"{}\" {{\n  key customer_id: int\n  country: string\n}}\n\
         source orders from parquet \"{orders}\" {{\n{year_column}  key order_id: int\n  \
         customer_id: int references customers\n  ordered_at: timestamp\n  amount: decimal(10, 2)\n}}\n\
         population customers\n\
         let orders_2026 = count(orders where {this_year})\n\
         let spend_since_2025 = sum(orders.amount where {since_last})\n\
         segment ordered_2026 = orders_2026 > 0\n\
         segment frequent_2026 = orders_2026 >= 3\n\
         segment spent_1000 = spend_since_2025 >= 1000\n",
        customers.display()
    )
}

pub fn run(dir: &Path) -> String {
    run_with(dir, &[])
}

/// `segc run rules.seg` in `dir` (with `env`), its membership as CSV.
pub fn run_with(dir: &Path, env: &[(&str, &str)]) -> String {
    let mut command = segc();
    command
        .current_dir(dir)
        .args([
            "run",
            "rules.seg",
            "--as-of",
            "2026-11-01",
            "--out",
            "out",
            "--format",
            "csv",
        ])
        .arg("--data-root")
        .arg(repo("examples/retail/data"))
        .envs(env.iter().copied());
    let out = transcript(&mut command);
    assert!(out.starts_with("exit: 0"), "{out}");
    std::fs::read_to_string(dir.join("out/membership.csv")).expect("membership")
}

#[test]
fn partition_columns_give_the_members_of_the_same_filters_on_the_data() {
    let partitioned = tempfile::tempdir().expect("tempdir");
    partitioned_orders(partitioned.path());
    std::fs::write(partitioned.path().join("rules.seg"), rules(true)).expect("rules");
    let plain = tempfile::tempdir().expect("tempdir");
    std::fs::write(plain.path().join("rules.seg"), rules(false)).expect("rules");
    let members = run(partitioned.path());
    assert_eq!(members, run(plain.path()));
    assert!(
        members.lines().skip(1).any(|l| l.contains("true")),
        "{members}"
    );
}

#[test]
fn filters_on_partition_columns_prune_folders_before_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    partitioned_orders(dir.path());
    let folders: Vec<String> = std::fs::read_dir(dir.path().join("orders"))
        .expect("folders")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(folders.len() >= 3, "{folders:?}");
    // Every aggregate over orders is filtered on the year: only 2025's and 2026's folders are
    // listed in the plan's scan of orders.
    std::fs::write(dir.path().join("rules.seg"), rules(true)).expect("rules");
    let scan = orders_scan(dir.path(), &[]);
    for folder in &folders {
        let kept = folder == "order_year=2025" || folder == "order_year=2026";
        assert_eq!(scan.contains(folder.as_str()), kept, "{folder}: {}", scan);
    }
}

/// The line of `segc explain --physical` (of `rules.seg` in `dir`) that scans the partitioned
/// orders: the files it reads.
pub fn orders_scan(dir: &Path, env: &[(&str, &str)]) -> String {
    let mut command = segc();
    command
        .current_dir(dir)
        .args([
            "explain",
            "rules.seg",
            "--as-of",
            "2026-11-01",
            "--physical",
        ])
        .arg("--data-root")
        .arg(repo("examples/retail/data"))
        .envs(env.iter().copied());
    let scans: Vec<String> = crate::common::cli::physical_nodes(&mut command)
        .into_iter()
        .filter(|l| l.contains("DataSourceExec") && l.contains("order_year="))
        .collect();
    assert_eq!(scans.len(), 1, "{scans:?}");
    scans[0].clone()
}

/// `segc check` of the rule file `text`, written in `dir`.
fn check(dir: &Path, text: &str) -> String {
    std::fs::write(dir.join("rules.seg"), text).expect("rules");
    transcript(segc().current_dir(dir).args(["check", "rules.seg"]))
}

#[test]
fn partition_columns_of_other_types_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = check(
        dir.path(),
        "source orders from parquet \"orders/\" {\n  partition order_day: timestamp\n  key order_id: int\n}\nsegment all_orders = true\n",
    );
    assert!(out.starts_with("exit: 1"), "{out}");
    assert!(out.contains("E0316"), "{out}");
}

/// The retail rules with windows on `ordered_at`, over orders partitioned by the year (and month)
/// of it, declared as derived, or over the plain file.
fn window_rules(partitions: &str) -> String {
    let plain = partitions.is_empty();
    let orders = if plain {
        repo("examples/retail/data/orders.parquet")
            .display()
            .to_string()
    } else {
        "orders/".to_string()
    };
    format!(
        "source customers from parquet \"{}\" {{\n  key customer_id: int\n}}\n\
         source orders from parquet \"{orders}\" {{\n{partitions}  key order_id: int\n  \
         customer_id: int references customers\n  ordered_at: timestamp\n  amount: decimal(10, 2)\n}}\n\
         population customers\n\
         let recent = count(orders where ordered_at >= as_of - 8 months)\n\
         let spend = sum(orders.amount where @2026-03-15 <= ordered_at)\n\
         segment active = recent > 0\n\
         segment big = spend >= 500\n",
        repo("examples/retail/data/customers.parquet").display()
    )
}

#[test]
fn filters_on_the_column_partitions_derive_from_prune_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    partitioned_orders_by(dir.path(), &["year", "month"]);
    let partitions = "  partition order_year: int = year(ordered_at)\n  partition order_month: int = month(ordered_at)\n";
    std::fs::write(dir.path().join("rules.seg"), window_rules(partitions)).expect("rules");
    let plain = tempfile::tempdir().expect("tempdir");
    std::fs::write(plain.path().join("rules.seg"), window_rules("")).expect("rules");
    // The same members as the filters over the plain file.
    assert_eq!(run(dir.path()), run(plain.path()));
    // As of 2026-11-01, the windows start on 2026-03-01 and 2026-03-15: months before March 2026
    // are not read.
    let scan = orders_scan(dir.path(), &[]);
    let mut read = 0;
    let mut pruned = 0;
    for year in std::fs::read_dir(dir.path().join("orders")).expect("years") {
        let year = year.expect("entry").path();
        let y: i64 = year
            .to_string_lossy()
            .rsplit('=')
            .next()
            .and_then(|v| v.parse().ok())
            .expect("year");
        for month in std::fs::read_dir(&year).expect("months") {
            let month = month.expect("entry").path();
            let m: i64 = month
                .to_string_lossy()
                .rsplit('=')
                .next()
                .and_then(|v| v.parse().ok())
                .expect("month");
            let folder = format!("order_year={y}/order_month={m}/");
            let kept = (y, m) >= (2026, 3);
            assert_eq!(scan.contains(&folder), kept, "{folder}: {scan}");
            if kept { read += 1 } else { pruned += 1 }
        }
    }
    assert!(read > 0 && pruned > 0, "read {read}, pruned {pruned}");
}

#[test]
fn derivations_that_cannot_prune_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = check(
        dir.path(),
        "source orders from parquet \"orders/\" {\n  partition a: int = week(ordered_at)\n  partition b: int = year(amount)\n  partition c: date = year(ordered_at)\n  partition d: int = year(nothing)\n  key order_id: int = year(ordered_at)\n  ordered_at: timestamp\n  amount: int\n}\nsegment all_orders = true\n",
    );
    assert!(out.starts_with("exit: 1"), "{out}");
    assert_eq!(out.matches("E0317").count(), 5, "{out}");
    let out = check(
        dir.path(),
        "source orders from csv \"orders/\" {\n  partition y: int = year(ordered_at)\n  key order_id: int\n  ordered_at: timestamp\n}\nsegment all_orders = true\n",
    );
    assert!(
        out.contains("E0317") && out.contains("only Parquet"),
        "{out}"
    );
}

#[test]
fn a_file_outside_the_folder_of_its_dates_stops_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    partitioned_orders(dir.path());
    let orders = dir.path().join("orders");
    // One year's file moved into another year's folder.
    let mut years: Vec<std::path::PathBuf> = std::fs::read_dir(&orders)
        .expect("years")
        .map(|e| e.expect("entry").path())
        .collect();
    years.sort();
    let moved = std::fs::read_dir(&years[0])
        .expect("files")
        .next()
        .expect("a file");
    let moved = moved.expect("entry").path();
    std::fs::rename(&moved, years[1].join("moved.parquet")).expect("move");
    let partitions = "  partition order_year: int = year(ordered_at)\n";
    std::fs::write(dir.path().join("rules.seg"), window_rules(partitions)).expect("rules");
    let mut command = segc();
    command
        .current_dir(dir.path())
        .args(["run", "rules.seg", "--as-of", "2026-11-01", "--out", "out"])
        .arg("--data-root")
        .arg(repo("examples/retail/data"));
    let out = transcript(&mut command);
    assert!(out.starts_with("exit: 1"), "{out}");
    assert!(out.contains("E0721"), "{out}");
    assert!(out.contains("moved.parquet"), "{out}");
    assert!(!dir.path().join("out").exists(), "nothing written");
}

#[test]
fn schema_infer_declares_the_partitions_of_a_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    partitioned_orders_by(dir.path(), &["year", "month"]);
    let out = transcript(
        segc()
            .current_dir(dir.path())
            .args(["schema", "infer", "orders/"]),
    );
    assert!(out.starts_with("exit: 0"), "{out}");
    let declaration = out
        .split("--- stdout\n")
        .nth(1)
        .and_then(|rest| rest.split("--- stderr").next())
        .expect("stdout");
    assert!(
        declaration.contains("source orders from parquet \"orders/\" {"),
        "{declaration}"
    );
    assert!(
        declaration.contains("  partition order_year: int\n"),
        "{declaration}"
    );
    assert!(
        declaration.contains("  partition order_month: int\n"),
        "{declaration}"
    );
    assert!(
        declaration.contains("  key order_id: int\n"),
        "{declaration}"
    );
    // What it declares reads the folder.
    std::fs::write(
        dir.path().join("rules.seg"),
        format!("{declaration}population orders\nsegment recent = order_year >= 2026 and order_month >= 3\n"),
    )
    .expect("rules");
    let out = transcript(segc().current_dir(dir.path()).args([
        "run",
        "rules.seg",
        "--as-of",
        "2026-11-01",
        "--out",
        "out",
        "--format",
        "csv",
    ]));
    assert!(out.starts_with("exit: 0"), "{out}");
    assert!(out.contains("recent"), "{out}");
}
