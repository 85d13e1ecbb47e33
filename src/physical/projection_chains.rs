//! Long chains of projections kept apart, so that DataFusion does not collapse them into one.
//!
//! A chain of N dependent `let`s is planned as N/16 consecutive projections (`lower/layers.rs`),
//! and DataFusion's `ProjectionPushdown` collapses such a chain into one projection whose
//! expressions are N deep. The rules after it then look each node of those expressions up in
//! hash maps keyed by the node, hashing all of the node's own sub-expressions each time
//! (`EquivalenceGroup::normalize_expr`): quadratic in the chain's length. `segc run` of 3,000
//! `let`s took 0.56 s, of 12,000 4.9 s (release build, issue 15). Collapsing the chain here,
//! in linear time and before DataFusion's rules, was slower still (7.8 s): every rule then saw
//! the deep expressions.
//!
//! DataFusion collapses no projection that changes the metadata of its input's schema: each
//! projection of a chain of [`MIN_CHAIN`] or more is given its schema with a mark of its own
//! (`segc.chain_link`), and the chain's top its original schema, so that what reads the chain
//! sees the schema it was planned with. Shorter chains are left to DataFusion: the plans of
//! ordinary rule files are exactly DataFusion's.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::Schema;
use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::{ExecutionPlan, replace_children_if_necessary};

/// Consecutive projections from which a chain is kept apart (a chain of 512 `let`s); the plan
/// of a rule file has a few.
const MIN_CHAIN: usize = 32;

/// The schema metadata key that marks a link of a chain.
const LINK: &str = "segc.chain_link";

/// Keeps the projections of each chain of 32 or more (512 `let`s, each using the one before)
/// apart: DataFusion's later rules take time quadratic in a chain once it is collapsed.
#[derive(Debug, Default)]
pub struct SeparateProjectionChains;

impl SeparateProjectionChains {
    /// The rule's name, as the session's rule list shows it.
    pub const NAME: &str = "segc_separate_projection_chains";
}

impl PhysicalOptimizerRule for SeparateProjectionChains {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        separate(plan)
    }

    fn name(&self) -> &str {
        Self::NAME
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// `plan` with its long chains kept apart. Recursive over the nodes that are not projections
/// only: a chain is followed in a loop, however long.
fn separate(plan: Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>> {
    // The chain from the top, and the first node under it that is not a projection.
    let mut chain: Vec<Arc<dyn ExecutionPlan>> = Vec::new();
    let mut base = plan;
    while let Some(input) = base
        .downcast_ref::<ProjectionExec>()
        .map(|p| Arc::clone(p.input()))
    {
        chain.push(base);
        base = input;
    }
    let children = base
        .children()
        .into_iter()
        .map(|child| separate(Arc::clone(child)))
        .collect::<Result<Vec<_>>>()?;
    let mut input = replace_children_if_necessary(base, children)?;
    let links = chain.len();
    for (from_bottom, node) in chain.into_iter().rev().enumerate() {
        input = match node.downcast_ref::<ProjectionExec>() {
            Some(projection) if links >= MIN_CHAIN => {
                let is_top = from_bottom + 1 == links;
                linked(projection, input, (!is_top).then_some(from_bottom))?
            }
            _ => replace_children_if_necessary(node, vec![input])?,
        };
    }
    Ok(input)
}

/// `projection` over `input`, its schema marked as link `link` of a chain (`None`: its own
/// schema, unmarked).
fn linked(
    projection: &ProjectionExec,
    input: Arc<dyn ExecutionPlan>,
    link: Option<usize>,
) -> Result<Arc<dyn ExecutionPlan>> {
    let schema = projection.schema();
    let schema = match link {
        Some(link) => {
            let mut metadata: HashMap<String, String> = schema.metadata().clone();
            metadata.insert(LINK.to_string(), link.to_string());
            Arc::new(Schema::new_with_metadata(schema.fields().clone(), metadata))
        }
        None => schema,
    };
    let exprs = projection.expr().to_vec();
    let linked = ProjectionExec::try_new_with_schema_metadata(exprs, input, schema.as_ref())?;
    Ok(Arc::new(linked))
}
