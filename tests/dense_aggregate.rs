//! `segc::physical::DenseAggregateExec` gives the hash aggregate's groups, whatever the range
//! it is told: keys outside it and null keys are grouped too.

use std::sync::Arc;

use datafusion::arrow::array::{Int64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::datasource::MemTable;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode};
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion::prelude::SessionContext;
use segc::physical::DenseAggregateExec;

const QUERY: &str = "SELECT k, count(*) AS n, count(*) FILTER (WHERE v > 2) AS big, \
     max(v) AS top, sum(v) AS total FROM t GROUP BY k ORDER BY k NULLS FIRST";

/// Two batches of keys, some outside 5..=7, one null, over two partitions.
fn context() -> SessionContext {
    let schema = Arc::new(Schema::new(vec![
        Field::new("k", DataType::Int64, true),
        Field::new("v", DataType::Int64, true),
    ]));
    let batch = |keys: Vec<Option<i64>>, values: Vec<Option<i64>>| {
        RecordBatch::try_new(
            Arc::clone(&schema),
            vec![
                Arc::new(Int64Array::from(keys)),
                Arc::new(Int64Array::from(values)),
            ],
        )
        .expect("a batch")
    };
    let first = batch(
        vec![Some(5), Some(7), Some(5), Some(100), None, Some(6), Some(-3)],
        vec![Some(1), Some(3), Some(4), Some(9), Some(2), None, Some(5)],
    );
    let second = batch(
        vec![Some(7), Some(100), None, Some(i64::MIN), Some(5)],
        vec![Some(8), Some(1), Some(6), Some(2), None],
    );
    let table = MemTable::try_new(schema, vec![vec![first], vec![second]]).expect("a table");
    let ctx = SessionContext::new();
    ctx.register_table("t", Arc::new(table)).expect("registered");
    ctx
}

/// The query's rows, its partial aggregate made dense over `range` when given.
async fn rows(range: Option<(i64, i64)>) -> (String, usize) {
    let ctx = context();
    let frame = ctx.sql(QUERY).await.expect("a query");
    let plan = frame.create_physical_plan().await.expect("a plan");
    let mut replaced = 0;
    let plan = plan
        .transform_up(|node| {
            let Some((min, max)) = range else {
                return Ok(Transformed::no(node));
            };
            match node.downcast_ref::<AggregateExec>() {
                Some(a) if *a.mode() == AggregateMode::Partial => {
                    let dense = DenseAggregateExec::try_new(Arc::new(a.clone()), min, max)
                        .expect("a dense aggregate");
                    replaced += 1;
                    Ok(Transformed::yes(Arc::new(dense) as Arc<dyn ExecutionPlan>))
                }
                _ => Ok(Transformed::no(node)),
            }
        })
        .data()
        .expect("replaced");
    let batches = collect(plan, ctx.task_ctx()).await.expect("rows");
    let text = pretty_format_batches(&batches).expect("printed").to_string();
    (text, replaced)
}

#[tokio::test]
async fn dense_groups_are_the_hashed_groups() {
    let (hashed, _) = rows(None).await;
    for range in [(5, 7), (-3, 100), (6, 6), (1000, 2000)] {
        let (dense, replaced) = rows(Some(range)).await;
        assert_eq!(replaced, 1, "{range:?}");
        assert_eq!(dense, hashed, "{range:?}");
    }
    assert!(hashed.contains("| 100 "), "{hashed}");
}
