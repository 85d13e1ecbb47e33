//! Hive-style partitioned folders (`orders/order_year=2026/part-0.parquet`): partition columns
//! are declared `partition name: type`, read from the folder names, and filters on them prune
//! whole folders before a file is opened.

use std::path::Path;

use crate::common::cli::{repo, segc, transcript};

/// The retail example's orders written again as `dir/orders/order_year=YYYY/*.parquet` (by
/// DataFusion's own partitioned writer: the year is in the folder names, not in the files).
pub fn partitioned_orders(dir: &Path) {
    use datafusion::dataframe::DataFrameWriteOptions;
    use datafusion::functions::expr_fn::date_part;
    use datafusion::prelude::{ParquetReadOptions, SessionContext, cast, col, lit};
    let runtime = crate::common::runtime();
    runtime.block_on(async {
        let ctx = SessionContext::new();
        let orders = repo("examples/retail/data/orders.parquet");
        let df = ctx
            .read_parquet(orders.display().to_string(), ParquetReadOptions::default())
            .await
            .expect("orders");
        let year = cast(
            date_part(lit("year"), col("ordered_at")),
            datafusion::arrow::datatypes::DataType::Int64,
        );
        let df = df.with_column("order_year", year).expect("column");
        let out = dir.join("orders");
        df.write_parquet(
            &format!("{}/", out.display()),
            DataFrameWriteOptions::new().with_partition_by(vec!["order_year".into()]),
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
    let plan = transcript(&mut command);
    assert!(plan.starts_with("exit: 0"), "{plan}");
    let physical = plan
        .split("-- physical plan")
        .nth(1)
        .expect("a physical plan");
    let scans: Vec<&str> = physical
        .lines()
        .filter(|l| l.contains("DataSourceExec") && l.contains("order_year="))
        .collect();
    assert_eq!(scans.len(), 1, "{physical}");
    scans[0].to_string()
}

#[test]
fn partition_columns_of_other_types_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("rules.seg"),
        "source orders from parquet \"orders/\" {\n  partition order_day: timestamp\n  key order_id: int\n}\nsegment all_orders = true\n",
    )
    .expect("rules");
    let out = transcript(segc().current_dir(dir.path()).args(["check", "rules.seg"]));
    assert!(out.starts_with("exit: 1"), "{out}");
    assert!(out.contains("E0316"), "{out}");
}
