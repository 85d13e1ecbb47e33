//! `segc explain`: plans as built, optimized, physical and run with metrics; the ranking
//! passes; what a selection reads; lineage.

use crate::common::cli::{repo, segc, transcript};

#[test]
fn explain_declared_plan() {
    insta::assert_snapshot!(transcript(segc().current_dir(repo("")).args([
        "explain",
        "tests/fixtures/plan/shared_lets.seg",
        "--declared",
        "--as-of",
        "2026-11-01",
        "--segment",
        "targets",
    ])));
}

/// The stdout of `segc explain FILE ARGS... --as-of 2026-11-01`, which must succeed.
fn explain_output(file: &str, args: &[&str]) -> String {
    let output = segc()
        .current_dir(repo(""))
        .args(["explain", file])
        .args(args)
        .args(["--as-of", "2026-11-01"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    String::from_utf8_lossy(&output.stdout).to_string()
}

/// The stdout of `segc explain` of the retail example with `option`, which must succeed.
fn explain_retail(option: &str) -> String {
    explain_output("examples/retail/retail.seg", &[option])
}

#[test]
fn explain_physical_plan_over_the_data() {
    let text = explain_retail("--physical");
    assert!(text.contains("-- physical plan"), "{text}");
    assert!(text.contains("DataSourceExec"), "{text}");
    assert!(text.contains("customers.parquet"), "{text}");
}

#[test]
fn explain_shows_the_ranking_pass_of_quantile_groups_and_analyze_runs_it() {
    let explain = |args: &[&str]| explain_output("tests/fixtures/run/quantiles/rules.seg", args);
    let planned = explain(&["--declared"]);
    assert!(
        planned.contains("-- ranking pass (group boundaries of __quantile_0, __quantile_2)"),
        "{planned}"
    );
    assert!(
        planned.contains("segc_ntile3(spend, customer_id)"),
        "{planned}"
    );
    assert!(
        planned.contains("segc_ntile3_desc(recency, customer_id)"),
        "{planned}"
    );
    // Analyzing runs the pass first: the membership plan then runs with the boundaries.
    let analyzed = explain(&["--analyze"]);
    assert!(analyzed.contains("-- ranking pass"), "{analyzed}");
    assert!(analyzed.contains("output_rows=6"), "{analyzed}");
}

#[test]
fn the_ranking_pass_aggregates_related_sources_once_unless_memory_is_limited() {
    let plan = |extra: &[&str]| {
        let args: Vec<&str> = ["--analyze"].iter().chain(extra).copied().collect();
        let text = explain_output("tests/fixtures/run/quantile_aggregates/rules.seg", &args);
        // The membership plan, after the ranking passes.
        let start = text.find("-- logical plan").expect("logical plan");
        text[start..].to_string()
    };
    let kept = plan(&[]);
    assert!(kept.contains("TableScan: __orders_aggregates"), "{kept}");
    assert!(!kept.contains("TableScan: orders"), "{kept}");
    let limited = plan(&["--memory-limit", "512M"]);
    assert!(limited.contains("TableScan: orders"), "{limited}");
    assert!(!limited.contains("__orders_aggregates"), "{limited}");
}

#[test]
fn aggregates_by_an_integer_key_group_through_an_array_unless_memory_is_limited() {
    let plan = |extra: &[&str]| {
        let args: Vec<&str> = ["--physical"].iter().chain(extra).copied().collect();
        explain_output("tests/fixtures/run/relational/rules.seg", &args)
    };
    let dense = plan(&[]);
    assert!(
        dense.contains("DenseAggregateExec: AggregateExec: mode=Partial"),
        "{dense}"
    );
    // With a limit, DataFusion's hash aggregate, which can spill.
    let limited = plan(&["--memory-limit", "512M"]);
    assert!(!limited.contains("DenseAggregateExec"), "{limited}");
    assert!(limited.contains("AggregateExec: mode=Partial"), "{limited}");
}

#[test]
fn explain_analyze_runs_the_plan_and_shows_its_metrics() {
    let text = explain_retail("--analyze");
    assert!(
        text.contains("-- physical plan, run, with metrics"),
        "{text}"
    );
    // The scan of the 3,000 customers reports its rows.
    assert!(text.contains("output_rows=3.00 K"), "{text}");
    assert!(text.contains("elapsed_compute="), "{text}");
}

#[test]
fn a_selection_reads_only_the_data_its_segments_need() {
    // The orders file is missing: segments of the customers alone still run.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("data")).expect("folder");
    std::fs::copy(
        repo("examples/retail/data/customers.parquet"),
        dir.path().join("data/customers.parquet"),
    )
    .expect("copy");
    std::fs::copy(
        repo("examples/retail/retail.seg"),
        dir.path().join("retail.seg"),
    )
    .expect("copy");
    let run = |segment: &str| {
        transcript(segc().current_dir(dir.path()).args([
            "run",
            "retail.seg",
            "--as-of",
            "2026-11-01",
            "--out",
            "out",
            "--segment",
            segment,
        ]))
    };
    let young = run("young_adults");
    assert!(young.starts_with("exit: 0"), "{young}");
    let dormant = run("dormant");
    assert!(
        dormant.starts_with("exit: 1") || dormant.starts_with("exit: 2"),
        "{dormant}"
    );
    assert_eq!(dormant.matches("E0701").count(), 1, "{dormant}");
    assert!(dormant.contains("orders.parquet"), "{dormant}");
}

#[test]
fn explain_shows_the_plan_that_runs() {
    // The ranking pass of the RFM quintiles aggregates the orders and keeps them: the
    // membership plan reads them, it does not aggregate the orders again.
    let explain = |extra: &[&str]| {
        transcript(
            segc()
                .current_dir(repo(""))
                .args(["explain", "examples/rfm/rfm.seg", "--as-of", "2026-11-01"])
                .args(extra),
        )
    };
    let kept = explain(&[]);
    assert!(kept.starts_with("exit: 0"), "{kept}");
    assert!(
        kept.contains("the aggregates of orders it computes are kept for the plans after it"),
        "{kept}"
    );
    let membership = kept.split("-- logical plan").nth(1).expect("the plan");
    assert!(
        membership.contains("TableScan: __orders_aggregates"),
        "{membership}"
    );
    assert!(!membership.contains("TableScan: orders"), "{membership}");
    // Under a memory limit, nothing is kept: the plan aggregates the orders itself.
    let limited = explain(&["--memory-limit", "1G"]);
    assert!(
        limited.contains("ranking passes keep no aggregates"),
        "{limited}"
    );
    let membership = limited.split("-- logical plan").nth(1).expect("the plan");
    assert!(membership.contains("TableScan: orders"), "{membership}");
}

#[test]
fn explain_lineage_lists_the_columns_each_output_reads() {
    let lineage = |file: &str, extra: &[&str]| {
        transcript(
            segc()
                .current_dir(repo(""))
                .args(["explain", file, "--lineage"])
                .args(extra),
        )
    };
    // Through lets (`lapsed`, `emailable`, `promoters`) and aggregates over orders.
    insta::assert_snapshot!(
        "lineage",
        lineage(
            "examples/retail/retail.seg",
            &["winback", "dormant", "web_shoppers"]
        )
    );
    let json = lineage("examples/kpi/kpis.seg", &["cac", "--json"]);
    let body = json
        .split("--- stdout\n")
        .nth(1)
        .and_then(|s| s.split("--- stderr").next());
    let parsed: serde_json::Value = serde_json::from_str(body.expect("stdout")).expect("json");
    assert_eq!(parsed[0]["kind"], "kpi");
    assert_eq!(parsed[0]["sources"][1]["source"], "acquisition");
    let unknown = lineage("examples/retail/retail.seg", &["winbak"]);
    assert!(
        unknown.starts_with("exit: 2") && unknown.contains("winback"),
        "{unknown}"
    );
}

#[test]
fn plans_have_three_partitions_per_thread() {
    /// The number after each `marker` and the first `close` that follows it, wherever the plan
    /// text wraps.
    fn counts(text: &str, marker: &str, close: &str) -> Vec<String> {
        text.split(marker)
            .skip(1)
            .map(|rest| {
                let at = rest.find(close).expect("the partition count follows") + close.len();
                rest[at..]
                    .trim_start()
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect()
            })
            .collect()
    }
    for threads in [1, 2] {
        let text = explain_output(
            "tests/fixtures/run/relational/rules.seg",
            &["--physical", "--threads", &threads.to_string()],
        );
        let mut found = counts(&text, "partitioning=Hash(", "],");
        found.extend(counts(&text, "partitioning=RoundRobinBatch", "("));
        assert!(found.len() >= 4, "{text}");
        let wanted = (3 * threads).to_string();
        assert!(found.iter().all(|n| *n == wanted), "{found:?} in {text}");
    }
}
