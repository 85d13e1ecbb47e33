//! Members written in parts by the processes that compute them: on a cluster, with `--out` in
//! object storage, each worker writes the members of its own partitions to the lake and the
//! client receives one row per part (its URL and what was counted), never the members
//! (docs/cluster.md, "Members written by the workers").
//!
//! - `node.rs`: the logical node [`WriteParts`] over the membership plan (its final sort left
//!   out: each part is sorted by key instead) and the planner that makes it a
//!   [`WritePartsExec`];
//! - `exec.rs`: [`WritePartsExec`], the execution kernel, run where its partition is: shapes,
//!   checks, counts and writes the partition's members like a local run's writer, then uploads
//!   the part;
//! - `codec.rs`: how the node travels to the workers inside the plan;
//! - `run.rs`: the client's side of such a run: counts added up, `summary.json`, and
//!   `latest.json` naming the parts, written last.

mod codec;
mod exec;
mod node;
mod run;
mod wire;

pub(crate) use codec::PartsCodec;
pub(crate) use node::PartsPlanner;

use serde::{Deserialize, Serialize};

use super::output::{Layout, OutputFormat};
use super::overlaps::OverlapSubjects;
use super::shape::{ColumnKind, KeyProblem};
use super::stores::StorageSettings;
use crate::lower::Packing;

/// What a [`WritePartsExec`] needs to write its partitions' members: all of it travels inside
/// the plan sent to the workers (never a secret: each worker reads credentials from its own
/// environment, as the client does).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct PartsSpec {
    /// The folder the parts are written to: `OUT/runs/RUN/membership` (a URL).
    pub folder: String,
    /// The parts' format (Parquet or CSV).
    pub format: OutputFormat,
    /// The parts' layout.
    pub layout: Layout,
    /// The population key's column (the plan's first).
    pub key: String,
    /// Each output's column name and kind, in order.
    pub columns: Vec<(String, ColumnKind)>,
    /// Flags counted and never written (audiences' members without consent).
    pub hidden: Vec<String>,
    /// How the plan's columns carry the outputs.
    pub packing: Packing,
    /// The tiers compared with the segments, when overlaps are counted.
    pub overlaps: Option<OverlapSubjects>,
    /// The Parquet files' key-value metadata.
    pub metadata: Vec<(String, String)>,
    /// The object stores' settings (segc.toml `[storage]`: endpoints, regions; no secrets).
    pub storage: StorageSettings,
}

/// Why a part was not written, sent back as its row's `problem`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum PartProblem {
    /// The population key does not identify one member.
    Key(KeyProblem),
    /// The part could not be written or uploaded (the system's words).
    Output(String),
}

/// The name of part `partition` of task `task`, in `format`: parts sort in plan order.
fn part_name(task: usize, partition: usize, format: OutputFormat) -> String {
    format!("part-{task:05}-{partition:05}.{}", format.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_sort_by_task_then_partition() {
        let mut names = vec![
            part_name(1, 0, OutputFormat::Parquet),
            part_name(0, 10, OutputFormat::Parquet),
            part_name(0, 2, OutputFormat::Parquet),
        ];
        names.sort();
        assert_eq!(
            names,
            [
                "part-00000-00002.parquet",
                "part-00000-00010.parquet",
                "part-00001-00000.parquet"
            ]
        );
        assert_eq!(part_name(0, 0, OutputFormat::Csv), "part-00000-00000.csv");
    }
}
