//! The check that every stage of a distributed plan can be sent to the workers, made before a
//! run starts. datafusion-distributed encodes a stage only when it sends it; when one fails to
//! encode (a node no codec knows, such as deltalake's `DeltaScanExec`), the workers of the
//! other stages wait for plans that never come, and the run fails with their time-out (10 s)
//! instead of the cause. Here each node a worker would run is encoded alone, with the codecs
//! the session sends with (`DistributedCodec::new_combined_with_user`), and the first that
//! cannot be is E1806.

use std::sync::Arc;

use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::error::DataFusionError;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::{ChildrenPropertiesMode, ExecutionPlan, ReplaceChildrenOptions};
use datafusion::prelude::SessionConfig;
use datafusion_distributed::{DistributedCodec, DistributedLeafExec, NetworkBoundaryExt};
use datafusion_proto::bytes::physical_plan_to_bytes_with_extension_codec;
use datafusion_proto::physical_plan::PhysicalExtensionCodec;

/// Why a stage of `plan` cannot be sent to the workers, if one cannot.
pub fn unsendable(plan: &Arc<dyn ExecutionPlan>, config: &SessionConfig) -> Option<String> {
    let codec = DistributedCodec::new_combined_with_user(config);
    let mut problem = None;
    // A network boundary's children are its stage's plan: the walk reaches every stage.
    let _ = plan.apply(|node| {
        if let Some(stage) = node
            .as_network_boundary()
            .and_then(|b| b.input_stage().local_plan())
        {
            problem = node_problem(stage, &codec);
        }
        Ok(match problem {
            Some(_) => TreeNodeRecursion::Stop,
            None => TreeNodeRecursion::Continue,
        })
    });
    problem
}

/// Why `node` or a node below it in its stage cannot be encoded, if one cannot.
fn node_problem(
    node: &Arc<dyn ExecutionPlan>,
    codec: &dyn PhysicalExtensionCodec,
) -> Option<String> {
    if node.as_network_boundary().is_some() {
        // The stage below is checked as a stage; the boundary is datafusion-distributed's own.
        return None;
    }
    if let Some(leaf) = node.downcast_ref::<DistributedLeafExec>() {
        // Replaced by one of its variants in each task's plan before it is sent.
        return leaf.variants().iter().find_map(|v| node_problem(v, codec));
    }
    let children = node.children();
    let alone = match children.is_empty() {
        true => Some(Arc::clone(node)),
        false => {
            // Each child stands in as an empty node of its schema: the node is encoded alone.
            let stand_ins = children
                .iter()
                .map(|c| Arc::new(EmptyExec::new(c.schema())) as Arc<dyn ExecutionPlan>)
                .collect();
            // A node that refuses the stand-ins is not checked (encoding never needed them).
            let recompute = ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute);
            Arc::clone(node).replace_children(stand_ins, recompute).ok()
        }
    };
    if let Some(alone) = alone
        && let Err(error) = physical_plan_to_bytes_with_extension_codec(alone, codec)
    {
        return Some(message(node.as_ref(), &error));
    }
    children.into_iter().find_map(|c| node_problem(c, codec))
}

/// The message of E1806 for `node`, which failed to encode with `error`: a Delta table's scan
/// is a known limit (deltalake 1.1 has no codec for its `DeltaScanExec`, docs/cluster.md).
fn message(node: &dyn ExecutionPlan, error: &DataFusionError) -> String {
    match node.name() {
        "DeltaScanExec" => "a stage reads a Delta table, and Delta scans cannot be sent to \
            workers yet (docs/cluster.md, Limits)"
            .to_string(),
        name => format!("`{name}` cannot be encoded: {error}"),
    }
}
