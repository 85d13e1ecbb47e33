//! `segc::physical::DenseAggregateExec` gives the hash aggregate's groups, whatever the keys:
//! sorted runs, keys below the first batch's, far apart, null, at the integer extremes.

use std::sync::Arc;

use datafusion::arrow::array::{Int64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode, TreeNodeRecursion};
use datafusion::datasource::MemTable;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode};
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion::prelude::{SessionConfig, SessionContext};
use segc::physical::DenseAggregateExec;

const QUERY: &str = "SELECT k, count(*) AS n, count(*) FILTER (WHERE v > 2) AS big, \
     max(v) AS top, sum(v) AS total FROM t GROUP BY k ORDER BY k NULLS FIRST";

/// Batches of keys over `partitions` partitions, as `MemTable` hands them out.
/// `probe_rows`: after how many rows a partition whose keys barely repeat hands the rest to
/// DataFusion's aggregate.
fn context(
    batches: Vec<Vec<(Option<i64>, Option<i64>)>>,
    partitions: usize,
    probe_rows: usize,
) -> SessionContext {
    let schema = Arc::new(Schema::new(vec![
        Field::new("k", DataType::Int64, true),
        Field::new("v", DataType::Int64, true),
    ]));
    let mut parts = vec![Vec::new(); partitions];
    for (i, rows) in batches.into_iter().enumerate() {
        let (keys, values): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
        let batch = RecordBatch::try_new(
            Arc::clone(&schema),
            vec![
                Arc::new(Int64Array::from(keys)),
                Arc::new(Int64Array::from(values)),
            ],
        )
        .expect("a batch");
        parts[i % partitions].push(batch);
    }
    let table = MemTable::try_new(schema, parts).expect("a table");
    let mut config = SessionConfig::new();
    config
        .options_mut()
        .execution
        .skip_partial_aggregation_probe_rows_threshold = probe_rows;
    let ctx = SessionContext::new_with_config(config);
    ctx.register_table("t", Arc::new(table))
        .expect("registered");
    ctx
}

/// The query's rows, with its aggregate's phases made dense when `dense`, and the rows the
/// dense partial phases gave.
async fn rows(ctx: &SessionContext, dense: bool) -> (String, usize) {
    let frame = ctx.sql(QUERY).await.expect("a query");
    let plan = frame.create_physical_plan().await.expect("a plan");
    let plan = plan
        .transform_up(|node| match node.downcast_ref::<AggregateExec>() {
            Some(a) if dense => {
                let dense =
                    DenseAggregateExec::try_new(Arc::new(a.clone())).expect("a dense aggregate");
                Ok(Transformed::yes(Arc::new(dense) as Arc<dyn ExecutionPlan>))
            }
            _ => Ok(Transformed::no(node)),
        })
        .data()
        .expect("replaced");
    let batches = collect(Arc::clone(&plan), ctx.task_ctx())
        .await
        .expect("rows");
    let text = pretty_format_batches(&batches)
        .expect("printed")
        .to_string();
    let (mut given, mut modes) = (0, Vec::new());
    plan.apply(|node| {
        if let Some(phase) = node.downcast_ref::<DenseAggregateExec>() {
            let mode = *phase.aggregate().mode();
            if mode == AggregateMode::Partial {
                given += node.metrics().and_then(|m| m.output_rows()).unwrap_or(0);
            }
            modes.push(mode);
        }
        Ok(TreeNodeRecursion::Continue)
    })
    .expect("walked");
    if dense {
        // Both phases, the merging one from the partial one's states.
        assert_eq!(
            modes,
            [AggregateMode::FinalPartitioned, AggregateMode::Partial]
        );
    }
    (text, given)
}

/// A deterministic pseudo-random stream (xorshift).
fn noise(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

#[tokio::test]
async fn dense_groups_are_the_hashed_groups() {
    let few = vec![
        vec![
            (Some(5), Some(1)),
            (Some(7), Some(3)),
            (Some(5), Some(4)),
            (Some(100), Some(9)),
            (None, Some(2)),
            (Some(6), None),
            (Some(-3), Some(5)),
        ],
        vec![
            (Some(7), Some(8)),
            (Some(100), Some(1)),
            (None, Some(6)),
            (Some(i64::MIN), Some(2)),
            (Some(i64::MAX), None),
            (Some(5), None),
        ],
    ];
    // Sorted runs, then the same keys shuffled and spread over a range far wider than the
    // groups, in batches of 4,096 over three partitions.
    let mut next = noise(99);
    let sorted: Vec<(Option<i64>, Option<i64>)> = (0..60_000)
        .map(|i| (Some(1_000 + i / 7), Some((next() % 50) as i64)))
        .collect();
    let spread: Vec<(Option<i64>, Option<i64>)> = (0..60_000)
        .map(|_| {
            let key = (next() % 2_000_000) as i64 - 1_000_000;
            (Some(key), Some((next() % 50) as i64))
        })
        .collect();
    let chunks = |rows: Vec<(Option<i64>, Option<i64>)>| -> Vec<Vec<(Option<i64>, Option<i64>)>> {
        rows.chunks(4096).map(<[_]>::to_vec).collect()
    };
    let distinct = |rows: &[(Option<i64>, Option<i64>)]| {
        rows.iter()
            .map(|r| r.0)
            .collect::<std::collections::HashSet<_>>()
            .len()
    };
    let (sorted_keys, spread_keys) = (distinct(&sorted), distinct(&spread));
    for (name, batches, partitions, probe_rows) in [
        ("few", few, 2, 100_000),
        ("sorted", chunks(sorted.clone()), 3, 100_000),
        ("sorted, probed early", chunks(sorted), 3, 5_000),
        ("spread", chunks(spread.clone()), 3, 100_000),
        ("spread, handed off", chunks(spread), 3, 5_000),
    ] {
        let ctx = context(batches, partitions, probe_rows);
        let (hashed, _) = rows(&ctx, false).await;
        let (dense, given) = rows(&ctx, true).await;
        assert!(dense == hashed, "{name}: the dense aggregate's rows differ");
        // Sorted keys stay dense; spread ones go to DataFusion after the probe's rows.
        let handed_off = match name {
            "sorted" | "sorted, probed early" => given < sorted_keys,
            "spread" => given < spread_keys,
            "spread, handed off" => given >= spread_keys / 2,
            _ => false,
        };
        assert!(
            !handed_off,
            "{name}: the dense aggregates gave {given} rows"
        );
    }
}
