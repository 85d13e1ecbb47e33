//! Planning stays near-linear in the size of the rules (issue 15): chains of dependent `let`s
//! (shown and run) and sources of many columns once took minutes.
//!
//! Each test runs the same command on inputs of size N and 4N, the best of three runs each, and
//! checks the ratio of the times: about 4 when linear, 16 when quadratic, 64 when cubic; below 8
//! passes. Ratios, not times, so that the machine's speed cancels out. A run of the larger input
//! that already takes 8 times the smaller one's best is stopped: it has failed.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::cli::{physical_nodes, run_file, segc};

/// Runs of each input; the best one counts.
const REPEATS: usize = 3;
/// The largest accepted ratio of the time for 4N to the time for N.
const MAX_RATIO: f64 = 8.0;
/// The longest a run of the smaller input may take (the code before the fix took 4 s).
const SMALL_LIMIT: Duration = Duration::from_secs(120);

/// How long `command` took, or `None` when it was still running after `limit` (then stopped).
/// Panics when it fails: a crash would otherwise pass for a quick run.
fn timed(mut command: Command, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("segc starts");
    loop {
        if let Some(status) = child.try_wait().expect("segc runs") {
            assert!(status.success(), "{command:?} failed: {status}");
            return Some(start.elapsed());
        }
        if start.elapsed() > limit {
            child.kill().expect("segc stops");
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Checks that `command(large)` takes less than [`MAX_RATIO`] times `command(small)`, where
/// `large` is 4 times `small`: the best of [`REPEATS`] runs each.
fn assert_near_linear(what: &str, command: impl Fn(usize) -> Command, small: usize) {
    let _serial = crate::common::TIMED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let best_small = (0..REPEATS)
        .map(|_| timed(command(small), SMALL_LIMIT).expect("the smaller input finishes"))
        .min()
        .expect("runs");
    let limit = best_small.mul_f64(MAX_RATIO);
    let best_large = (0..REPEATS)
        .filter_map(|_| timed(command(4 * small), limit))
        .min();
    let Some(best_large) = best_large else {
        panic!(
            "{what}: {} took more than {MAX_RATIO} times as long as {small} ({best_small:?}): \
             every run of the larger input was stopped after {limit:?}",
            4 * small
        );
    };
    let ratio = best_large.as_secs_f64() / best_small.as_secs_f64();
    eprintln!(
        "{what}: {small} in {best_small:?}, {} in {best_large:?}: ratio {ratio:.1}",
        4 * small
    );
    assert!(ratio < MAX_RATIO, "{what}: ratio {ratio:.1}");
}

/// A population of one member and a chain of `n` `let`s, each adding one to the one before, read
/// by one segment.
fn chain(dir: &Path, n: usize) -> String {
    std::fs::write(dir.join("c.csv"), "customer_id,income,country\n1,5,FR\n").expect("data");
    let mut rules = String::from(
        "source customers from csv \"c.csv\" {\n  key customer_id: int\n  income: int?\n  \
         country: string\n}\nlet l0 = income\n",
    );
    for i in 1..n {
        rules.push_str(&format!("let l{i} = l{} + 1\n", i - 1));
    }
    rules.push_str(&format!("segment s = l{} > 3\n", n - 1));
    let name = format!("chain{n}.seg");
    std::fs::write(dir.join(&name), rules).expect("rules");
    name
}

/// A source of `columns` integer columns (and its CSV file of one row), with a segment on every
/// `step`th column.
fn wide(dir: &Path, columns: usize, step: usize) -> String {
    let names: Vec<String> = (0..columns).map(|i| format!("c{i}")).collect();
    let csv = format!(
        "customer_id,{}\n1,{}\n",
        names.join(","),
        vec!["5"; columns].join(",")
    );
    let data = format!("w{columns}.csv");
    std::fs::write(dir.join(&data), csv).expect("data");
    wide_rules(dir, "csv", &data, columns, step)
}

/// The rule file declaring a source of `columns` integer columns `c0`, `c1`, … in `format` at
/// `data`, with a segment on every `step`th column; its file name.
fn wide_rules(dir: &Path, format: &str, data: &str, columns: usize, step: usize) -> String {
    let mut rules =
        format!("source customers from {format} \"{data}\" {{\n  key customer_id: int\n");
    for i in 0..columns {
        rules.push_str(&format!("  c{i}: int?\n"));
    }
    rules.push_str("}\n");
    for i in (0..columns).step_by(step) {
        rules.push_str(&format!("segment s{i} = c{i} > 3\n"));
    }
    let name = format!("wide{columns}by{step}{format}.seg");
    std::fs::write(dir.join(&name), rules).expect("rules");
    name
}

/// A source of `columns` integer columns read from a Parquet file of one row, with a segment on
/// every hundredth column.
fn wide_parquet(dir: &Path, columns: usize) -> String {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    let mut fields = vec![Field::new("customer_id", DataType::Int64, false)];
    fields.extend((0..columns).map(|i| Field::new(format!("c{i}"), DataType::Int64, true)));
    let schema = Arc::new(Schema::new(fields));
    let arrays: Vec<ArrayRef> = (0..=columns)
        .map(|_| Arc::new(Int64Array::from(vec![5])) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(Arc::clone(&schema), arrays).expect("batch");
    let data = format!("w{columns}.parquet");
    let file = std::fs::File::create(dir.join(&data)).expect("data");
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    wide_rules(dir, "parquet", &data, columns, 100)
}

/// `segc explain RULES --declared` in `dir`: the plan from the declarations, no data read.
fn explain_declared(dir: &Path, rules: &str) -> Command {
    let mut command = segc();
    command
        .current_dir(dir)
        .args(["explain", rules, "--declared", "--as-of", "2026-11-01"]);
    command
}

/// `segc explain --declared` of a chain: each `let` is a layer of the plan. Before the fix,
/// every layer carried every earlier column and DataFusion's optimizer merged the layers one at a
/// time into one expression as deep as the chain: 250 `let`s took 4 s, 1,000 more than 120 s.
#[test]
fn explaining_a_chain_of_lets_is_near_linear() {
    let dir = tempfile::tempdir().expect("tempdir");
    let explain = |n: usize| explain_declared(dir.path(), &chain(dir.path(), n));
    assert_near_linear("explain a chain of lets", explain, 250);
}

/// `segc run` over a chain: planning as above, then DataFusion's physical planning and the
/// evaluation of the chain (once deeper than a worker thread's stack).
#[test]
fn running_a_chain_of_lets_is_near_linear() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |n: usize| {
        run_file(
            dir.path(),
            &chain(dir.path(), n),
            "2026-11-01",
            &format!("out{n}"),
        )
    };
    assert_near_linear("run a chain of lets", run, 400);
}

/// `segc explain` over the data of a source of many columns: each declared column was looked up
/// among the file's columns one by one (and the file's schema merged with itself the same way).
#[test]
fn explaining_a_wide_source_is_near_linear() {
    let dir = tempfile::tempdir().expect("tempdir");
    let explain = |columns: usize| {
        let rules = wide(dir.path(), columns, 100);
        let mut command = segc();
        command
            .current_dir(dir.path())
            .args(["explain", &rules, "--as-of", "2026-11-01"]);
        command
    };
    assert_near_linear("explain a wide source", explain, 5_000);
}

/// `segc explain`, then `segc run`, over a source with a segment on each of its columns: DataFusion
/// found each column by comparing its name with every field of the schema, in every projection it
/// built and every optimizer rule that rebuilt one (upstream apache/datafusion#7698). The patched
/// copies in vendor/ index a schema's names. Before them (debug build), 4,000 columns took 12.8×
/// as long as 1,000 to explain and 9.7× to run; 4.2× and 4.1× with them.
#[test]
fn planning_and_running_a_source_read_in_every_column_is_near_linear() {
    let dir = tempfile::tempdir().expect("tempdir");
    let explain = |columns: usize| explain_declared(dir.path(), &wide(dir.path(), columns, 1));
    assert_near_linear("explain a source read in every column", explain, 1_000);
    let run = |columns: usize| {
        let rules = wide(dir.path(), columns, 1);
        run_file(dir.path(), &rules, "2026-11-01", &format!("out{columns}"))
    };
    assert_near_linear("run a source read in every column", run, 1_000);
}

/// The text of `segc explain` over a chain: the plan as built is a projection per `let`, each
/// one level deeper, and DataFusion indents each level by two more spaces, so the text grew as
/// N² (16,000 `let`s: 294 MB). Sizes, not times: the ratio is exact.
#[test]
fn the_explained_text_of_a_chain_of_lets_grows_linearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let size = |n: usize| {
        let output = explain_declared(dir.path(), &chain(dir.path(), n))
            .output()
            .expect("segc runs");
        assert!(output.status.success(), "explain of {n} lets failed");
        output.stdout.len() as f64
    };
    let ratio = size(1_000) / size(250);
    assert!(ratio < 5.0, "the text grew {ratio:.1}× for 4× the lets");
}

/// `segc explain` over a Parquet file of many columns: DataFusion's schema inference merged the
/// file's schema with itself, looking each column up among the ones before it.
#[test]
fn explaining_a_wide_parquet_source_is_near_linear() {
    let dir = tempfile::tempdir().expect("tempdir");
    let explain = |columns: usize| {
        let rules = wide_parquet(dir.path(), columns);
        let mut command = segc();
        command
            .current_dir(dir.path())
            .args(["explain", &rules, "--as-of", "2026-11-01"]);
        command
    };
    assert_near_linear("explain a wide Parquet source", explain, 5_000);
}

/// A chain long enough to be kept apart (`physical::SeparateProjectionChains`): its physical plan
/// keeps a projection per 16 `let`s instead of one expression as deep as the chain, and the run
/// computes the same members.
#[test]
fn a_long_chain_of_lets_stays_apart_and_computes_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rules = String::from(
        "source customers from csv \"c.csv\" {\n  key customer_id: int\n  income: int?\n}\n\
         let l0 = income\n",
    );
    for i in 1..1_000 {
        rules.push_str(&format!("let l{i} = l{} + 1\n", i - 1));
    }
    rules.push_str("segment rich = l999 > 1003\n");
    std::fs::write(dir.path().join("chain.seg"), rules).expect("rules");
    std::fs::write(
        dir.path().join("c.csv"),
        "customer_id,income\n1,1\n2,5\n3,10\n4,\n",
    )
    .expect("data");
    let physical = physical_nodes(segc().current_dir(dir.path()).args([
        "explain",
        "chain.seg",
        "--physical",
        "--as-of",
        "2026-11-01",
    ]));
    let projections = physical
        .iter()
        .filter(|node| node.contains("ProjectionExec"))
        .count();
    assert!(
        projections >= 60,
        "{projections} projections:\n{physical:#?}"
    );
    let run = run_file(dir.path(), "chain.seg", "2026-11-01", "out")
        .args(["--format", "csv"])
        .output()
        .expect("segc runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let members = std::fs::read_to_string(dir.path().join("out/membership.csv")).expect("csv");
    assert_eq!(
        members,
        "customer_id,rich\n1,false\n2,true\n3,true\n4,false\n"
    );
}

/// A chain deeper than the plan can take is refused by `check` (`E0508`, exit 1), and so is a
/// run of it, instead of overflowing the stack (100,000 `let`s did in a release build). The
/// limit itself still runs.
#[test]
fn a_chain_deeper_than_the_limit_is_e0508() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 4,999 `let`s and the segment: 5,000 definitions deep, the most allowed.
    let allowed = chain(dir.path(), 4_999);
    let refused = chain(dir.path(), 5_000);
    let status = |args: &[&str]| {
        segc()
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("segc runs")
    };
    let ok = status(&[
        "run",
        &allowed,
        "--as-of",
        "2026-11-01",
        "--out",
        "ok",
        "--quiet",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    for verb in ["check", "run"] {
        let mut args = vec![verb, refused.as_str(), "--color", "never"];
        if verb == "run" {
            args.extend(["--as-of", "2026-11-01", "--out", "refused"]);
        }
        let output = status(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{verb}: {stderr}");
        assert!(
            stderr.contains("E0508") && stderr.contains("`s` ends a chain of 5001 definitions"),
            "{verb}: {stderr}"
        );
    }
    assert!(!dir.path().join("refused").exists());
}
