//! Progress of a plan's stages on the workers: each worker serves datafusion-distributed's
//! observability service (`segc worker`), which lists the tasks it runs with the rows each
//! produced so far; the client asks every worker and adds them up per stage of its own query
//! (the query and its stages are in the distributed plan's network boundaries).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_distributed::NetworkBoundaryExt;
use datafusion_distributed::grpc::{GetTaskProgressRequest, ObservabilityServiceClient};
use url::Url;

use super::token::WithToken;
use crate::engine::StageProgress;

/// How long one worker may take to answer before its tasks are left out of this report.
const ANSWER_TIMEOUT: Duration = Duration::from_millis(400);

/// Whether `plan` runs (in part) on workers: the distributed planner cut it into stages.
pub fn distributed(plan: &Arc<dyn ExecutionPlan>) -> bool {
    plan.exists(|node| Ok(node.is_network_boundary()))
        .unwrap_or(false)
}

/// Asks the workers how the stages of one distributed plan are doing.
pub struct StageWatch {
    /// The plan's query, as the workers name it.
    query: Vec<u8>,
    /// Each stage run by workers: its number and tasks.
    stages: BTreeMap<usize, usize>,
    workers: Vec<(Url, Option<ObservabilityServiceClient<WithToken>>)>,
}

impl StageWatch {
    /// A watch over the stages of `plan` on `workers`, when `plan` is distributed.
    pub fn of(plan: &Arc<dyn ExecutionPlan>, workers: &[Url]) -> Option<StageWatch> {
        let mut query = None;
        let mut stages = BTreeMap::new();
        let _ = plan.apply(|node| {
            if let Some(boundary) = node.as_network_boundary() {
                let stage = boundary.input_stage();
                query = Some(stage.query_id().as_bytes().to_vec());
                stages.insert(stage.num(), stage.task_count());
            }
            Ok(TreeNodeRecursion::Continue)
        });
        Some(StageWatch {
            query: query?,
            stages,
            workers: workers.iter().map(|url| (url.clone(), None)).collect(),
        })
    }

    /// Each stage's tasks running and rows produced now, in stage order (stages no worker
    /// reports yet have none).
    pub async fn poll(&mut self) -> Vec<StageProgress> {
        let mut seen: BTreeMap<usize, (usize, u64)> = BTreeMap::new();
        for (url, client) in &mut self.workers {
            let answer = tokio::time::timeout(ANSWER_TIMEOUT, ask(url, client)).await;
            let Ok(Some(tasks)) = answer else {
                // A worker that does not answer is asked again from scratch next time.
                *client = None;
                continue;
            };
            for (query, stage, rows) in tasks {
                if query == self.query {
                    let entry = seen.entry(stage).or_default();
                    entry.0 += 1;
                    entry.1 += rows;
                }
            }
        }
        self.stages
            .iter()
            .map(|(&stage, &tasks)| {
                let (running, rows) = seen.get(&stage).copied().unwrap_or_default();
                StageProgress {
                    stage,
                    tasks,
                    running,
                    rows,
                }
            })
            .collect()
    }
}

/// The tasks the worker at `url` runs: (query, stage, rows produced).
async fn ask(
    url: &Url,
    client: &mut Option<ObservabilityServiceClient<WithToken>>,
) -> Option<Vec<(Vec<u8>, usize, u64)>> {
    if client.is_none() {
        *client = super::token::channel(url)
            .await
            .ok()
            .map(ObservabilityServiceClient::new);
    }
    let answer = client
        .as_mut()?
        .get_task_progress(GetTaskProgressRequest {})
        .await
        .ok()?;
    let tasks = answer
        .into_inner()
        .tasks
        .into_iter()
        .filter_map(|task| {
            let key = task.task_key?;
            Some((key.query_id, key.stage_id as usize, task.output_rows))
        })
        .collect();
    Some(tasks)
}
