//! The client's side: a session whose physical planner cuts plans into stages run by the
//! workers (datafusion-distributed's planner over a fixed list of workers), and the plans
//! made sendable: a worker finds a function by its name, so `segc_ntileN` gets the
//! boundaries its instance carries as a third argument.

use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Result, ScalarValue};
use datafusion::error::DataFusionError;
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::{Expr, LogicalPlan, lit};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionConfig;
use datafusion_distributed::{
    DistributedExt, SessionStateBuilderExt, WorkerResolver, display_plan_ascii,
};
use url::Url;

use super::Cluster;
use super::stores::SentStorage;
use crate::engine::StorageSettings;
use crate::engine::parts::{PartsCodec, PartsPlanner};
use crate::functions::sent_boundaries;

/// The workers of a [`Cluster`], for the planner.
struct Workers(Vec<Url>);

impl WorkerResolver for Workers {
    fn get_urls(&self) -> Result<Vec<Url>, DataFusionError> {
        Ok(self.0.clone())
    }
}

/// `state` with the distributed planner over `cluster`'s workers.
pub fn distributed_state(state: SessionState, cluster: &Cluster) -> Result<SessionState> {
    // segc's planner first: the distributed planner plans with the one it finds, then cuts.
    // Workers decode DataFusion's operators only: segc's own stay off cluster plans.
    let rules = state
        .physical_optimizers()
        .iter()
        .filter(|rule| rule.name() != crate::physical::DenseKeyAggregation::NAME)
        .cloned()
        .collect();
    let mut builder = SessionStateBuilder::new_from_existing(state)
        .with_physical_optimizer_rules(rules)
        .with_query_planner(std::sync::Arc::new(PartsPlanner))
        .with_distributed_worker_resolver(Workers(cluster.workers.clone()))
        .with_distributed_user_codec(PartsCodec)
        .with_distributed_channel_resolver(super::token::TokenChannels)
        .with_distributed_planner();
    if let Some(bytes) = cluster.split_bytes {
        builder = builder.with_distributed_file_scan_config_bytes_per_partition(bytes.max(1))?;
    }
    Ok(builder.build())
}

/// Sends `settings` to the workers with every later plan of the session `config` belongs to.
pub fn send_storage(config: &mut SessionConfig, settings: &StorageSettings) {
    // The settings are options and strings: they always serialize.
    if let Ok(sent) = SentStorage::of(settings) {
        config.set_distributed_option_extension(sent);
    }
}

/// `plan` with every `segc_ntileN(value, key)` that carries boundaries called as
/// `segc_ntileN(value, key, boundaries)`: the workers' instances carry none.
pub fn portable(plan: LogicalPlan) -> Result<LogicalPlan> {
    let rewritten = plan.transform_up_with_subqueries(|node| {
        node.map_expressions(|expr| expr.transform_up(|e| Ok(with_boundaries(e))))
    })?;
    match rewritten.transformed {
        // The calls keep their aliases, but a node's schema is derived from its expressions.
        true => rewritten.data.recompute_schema(),
        false => Ok(rewritten.data),
    }
}

fn with_boundaries(expr: Expr) -> Transformed<Expr> {
    let Expr::ScalarFunction(call) = &expr else {
        return Transformed::no(expr);
    };
    match (call.args.len(), sent_boundaries(&call.func)) {
        (2, Some(bytes)) => {
            let mut args = call.args.clone();
            args.push(lit(ScalarValue::Binary(Some(bytes))));
            Transformed::yes(Expr::ScalarFunction(ScalarFunction::new_udf(
                Arc::clone(&call.func),
                args,
            )))
        }
        _ => Transformed::no(expr),
    }
}

/// The physical plan as the distributed planner cut it: its stages, the tasks of each, and
/// the shuffles between them.
pub fn display_plan(plan: &dyn ExecutionPlan) -> String {
    display_plan_ascii(plan, false)
}
