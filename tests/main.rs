//! The integration tests of segc, in one binary (each test binary links DataFusion once).
//! Fixture folders under `fixtures/` drive insta snapshots in `snapshots/`.

mod common;

mod check;
mod cli;
mod cli_explain;
mod cli_kpi;
mod cli_project;
mod cli_test;
mod cluster;
#[cfg(feature = "cluster")]
mod cluster_lake;
#[cfg(feature = "cluster")]
mod cluster_parts;
mod consent;
mod coverage;
mod delta;
mod delta_out;
mod delta_runs;
mod dense_aggregate;
mod diff;
mod diff_versions;
mod driver;
mod fmt;
mod freshness;
mod frozen;
mod imports;
mod kpi;
mod lake;
mod lists;
mod overlaps;
mod partitions;
mod plan;
mod plan_scaling;
mod project_run;
mod readout;
mod robustness;
mod run;
mod scaling;
mod security;
mod sizes;
mod syntax;
mod testing;
mod ties;
mod time;
