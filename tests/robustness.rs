//! Inputs that once gave wrong results, panics or half-published outputs (issue 15): sources of
//! many files, corrupt Parquet files, output folders shared by runs or runs killed midway.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use crate::common::cli::{run_file, segc};
use datafusion::arrow::array::{ArrayRef, Int64Array, StringArray};
use datafusion::arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;

/// A tiny deterministic generator (xorshift64*): the suite needs no `rand`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn write_parquet(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let batch = RecordBatch::try_from_iter(columns).expect("batch");
    let file = std::fs::File::create(path).expect("create");
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
}

fn ints(values: impl IntoIterator<Item = i64>) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(values))
}

pub(crate) fn output(command: &mut Command) -> (i32, String) {
    let Output { status, stderr, .. } = command.output().expect("segc runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stderr).to_string(),
    )
}

pub(crate) fn run_in(dir: &Path, rules: &str, out: &str, extra: &[&str]) -> (i32, String) {
    let mut command = run_file(dir, rules, "2026-11-01", out);
    command.args(extra);
    output(&mut command)
}

const CUSTOMERS: &str = "
source customers from parquet \"customers/\" {
  key customer_id: int
  income: int?
}
segment rich = income >= 100
";

/// Files in a folder source: far more than the 32 whose schemas were read before, so that a bad
/// file was likely beyond them (in the folder's listing order, which is not the path order).
const FILES: usize = 120;

/// `FILES` Parquet files of 10 customers each; `part-NN.parquet` in path order.
fn customer_folder(dir: &Path, mut file: impl FnMut(usize, &Path) -> bool) {
    let folder = dir.join("customers");
    std::fs::create_dir_all(&folder).expect("folder");
    for i in 0..FILES {
        let path = folder.join(format!("part-{i:03}.parquet"));
        if file(i, &path) {
            continue;
        }
        let keys = (0..10).map(|k| (i * 10 + k) as i64);
        write_parquet(
            &path,
            vec![
                ("customer_id", ints(keys.clone())),
                ("income", ints(keys.map(|k| k * 3))),
            ],
        );
    }
    std::fs::write(dir.join("rules.seg"), CUSTOMERS).expect("rules");
}

#[test]
fn every_file_of_a_folder_is_checked_against_the_declaration() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Files 37 and 39 lack `income`: unchecked, their rows read nulls.
    customer_folder(dir.path(), |i, path| {
        if i == 37 || i == 39 {
            write_parquet(path, vec![("customer_id", ints([i as i64 * 10]))]);
            return true;
        }
        false
    });
    let (code, stderr) = run_in(dir.path(), "rules.seg", "out", &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("E0702"), "{stderr}");
    assert!(
        stderr.contains(
            "column `income` of `customers` is not in `customers/part-037.parquet` (nor in 1 other file)"
        ),
        "{stderr}"
    );
    assert!(!dir.path().join("out/membership.parquet").exists());
}

#[test]
fn a_file_with_another_type_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    customer_folder(dir.path(), |i, path| {
        if i == 35 {
            let text: ArrayRef = Arc::new(StringArray::from(vec!["high"]));
            write_parquet(path, vec![("customer_id", ints([350])), ("income", text)]);
            return true;
        }
        false
    });
    let (code, stderr) = run_in(dir.path(), "rules.seg", "out", &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("`customers/part-035.parquet` holds text"),
        "{stderr}"
    );
}

#[test]
fn every_csv_file_is_checked_for_its_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("customers");
    std::fs::create_dir_all(&folder).expect("folder");
    for i in 0..FILES {
        // File 38 has the same columns in another order: read by position, its values swap.
        let text = if i == 38 {
            format!("income,customer_id\n5,{}\n", i * 10)
        } else {
            format!("customer_id,income\n{},5\n", i * 10)
        };
        std::fs::write(folder.join(format!("part-{i:03}.csv")), text).expect("csv");
    }
    std::fs::write(
        dir.path().join("rules.seg"),
        CUSTOMERS.replace("from parquet", "from csv"),
    )
    .expect("rules");
    let (code, stderr) = run_in(dir.path(), "rules.seg", "out", &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("E0712"), "{stderr}");
    assert!(stderr.contains("customers/part-038.csv"), "{stderr}");
}

/// Copies the retail example into `dir` (rules and data).
fn retail_copy(dir: &Path) {
    let source = crate::common::cli::repo("examples/retail");
    std::fs::create_dir_all(dir.join("data")).expect("data");
    std::fs::copy(source.join("retail.seg"), dir.join("retail.seg")).expect("rules");
    for file in ["customers.parquet", "orders.parquet"] {
        std::fs::copy(source.join("data").join(file), dir.join("data").join(file)).expect("data");
    }
}

/// A crash of segc rather than a diagnostic.
fn crashed(code: i32, stderr: &str) -> bool {
    !(0..=2).contains(&code) || stderr.contains("unexpectedly") || stderr.contains("panicked at")
}

#[test]
fn corrupt_parquet_files_are_diagnostics_not_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    retail_copy(dir.path());
    let files = ["data/customers.parquet", "data/orders.parquet"];
    let originals: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(dir.path().join(f)).expect("read"))
        .collect();
    let mut rng = Rng(0x5eed_5e9c);
    let mut failures = 0;
    for round in 0..60 {
        let which = rng.below(files.len());
        let mut bytes = originals[which].clone();
        for _ in 0..=rng.below(3) {
            let at = rng.below(bytes.len());
            bytes[at] ^= 1 << rng.below(8);
        }
        let path = dir.path().join(files[which]);
        std::fs::write(&path, &bytes).expect("corrupt");
        let (code, stderr) = match round % 6 {
            0 => output(
                segc()
                    .current_dir(dir.path())
                    .args(["schema", "infer", files[which]]),
            ),
            1 => output(segc().current_dir(dir.path()).args([
                "explain",
                "retail.seg",
                "--as-of",
                "2026-11-01",
                "--analyze",
            ])),
            _ => run_in(dir.path(), "retail.seg", "out", &[]),
        };
        assert!(!crashed(code, &stderr), "round {round}: {code} {stderr}");
        // A reader that stopped on a corrupt page is traced to its file.
        if stderr.contains("malformed data") && round % 6 > 1 {
            assert!(stderr.contains(files[which]), "round {round}: {stderr}");
        }
        failures += usize::from(code != 0);
        std::fs::write(&path, &originals[which]).expect("restore");
    }
    // Most flips land in values (the run succeeds); some must have been caught.
    assert!(failures > 0, "no flip was noticed");

    // A footer length of 0x7fffffff: the metadata reader panicked on it.
    let mut bytes = originals[0].clone();
    let n = bytes.len();
    bytes[n - 8..n - 4].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    std::fs::write(dir.path().join(files[0]), &bytes).expect("corrupt");
    let (code, stderr) = run_in(dir.path(), "retail.seg", "out", &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("E0707") && stderr.contains("data/customers.parquet"),
        "{stderr}"
    );
    let (code, stderr) = output(
        segc()
            .current_dir(dir.path())
            .args(["schema", "infer", files[0]]),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("E0803"), "{stderr}");
}

pub(crate) const SMALL: &str = "
source customers from csv \"customers.csv\" {
  key customer_id: int
  income: int?
}
segment rich = income >= 100
";

pub(crate) fn small_project(dir: &Path) {
    std::fs::write(dir.join("rules.seg"), SMALL).expect("rules");
    std::fs::write(
        dir.join("customers.csv"),
        "customer_id,income\n1,50\n2,150\n",
    )
    .expect("csv");
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn a_second_run_into_a_locked_folder_stops_before_writing() {
    let dir = tempfile::tempdir().expect("tempdir");
    small_project(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("out");
    let held = std::fs::File::open(&out).expect("open");
    held.try_lock().expect("lock");
    let (code, stderr) = run_in(dir.path(), "rules.seg", "out", &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("E0715") && stderr.contains("another segc run is writing to `out`"),
        "{stderr}"
    );
    assert!(names_in(&out).is_empty(), "{:?}", names_in(&out));
    drop(held);
    let (code, stderr) = run_in(dir.path(), "rules.seg", "out", &[]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_run_removes_what_dead_runs_left_and_outputs_of_the_other_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    small_project(dir.path());
    let out = dir.path().join("out");
    let (code, stderr) = run_in(dir.path(), "rules.seg", "out", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(names_in(&out), ["membership.parquet", "summary.json"]);
    // Left by runs that were killed (this version's names and an earlier version's).
    for leftover in [
        ".segc-membership-a1b2.tmp",
        ".membership-x9.tmp",
        ".segc-old-summary.json",
    ] {
        std::fs::write(out.join(leftover), "partial").expect("leftover");
    }
    let (code, stderr) = run_in(dir.path(), "rules.seg", "out", &["--format", "csv"]);
    assert_eq!(code, 0, "{stderr}");
    // No stale Parquet membership next to a summary of the CSV run.
    assert_eq!(names_in(&out), ["membership.csv", "summary.json"]);
}

#[test]
fn an_output_folder_inside_a_source_folder_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    customer_folder(dir.path(), |_, _| false);
    let (code, stderr) = run_in(dir.path(), "rules.seg", "customers/segments", &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("E0716"), "{stderr}");
    assert!(
        !dir.path().join("customers/segments").exists(),
        "nothing created in the data"
    );
    // A glob's folder counts too.
    let rules = CUSTOMERS.replace("\"customers/\"", "\"customers/part-*.parquet\"");
    std::fs::write(dir.path().join("glob.seg"), rules).expect("rules");
    let (code, stderr) = run_in(dir.path(), "glob.seg", "customers/x", &[]);
    assert_eq!(code, 2, "{stderr}");
    let (code, stderr) = run_in(dir.path(), "glob.seg", "elsewhere", &[]);
    assert_eq!(code, 0, "{stderr}");
}

/// `segc.as_of` of a membership Parquet file.
fn parquet_as_of(path: &Path) -> Option<String> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(path).ok()?).ok()?;
    let metadata = reader
        .metadata()
        .file_metadata()
        .key_value_metadata()?
        .clone();
    metadata
        .into_iter()
        .find(|kv| kv.key == "segc.as_of")
        .and_then(|kv| kv.value)
}

fn summary_as_of(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["as_of"].as_str().map(str::to_string)
}

#[test]
fn runs_killed_at_any_point_leave_a_matching_pair_and_no_leftovers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("customers");
    std::fs::create_dir_all(&folder).expect("folder");
    // Enough rows for a run to take a while in a debug build, so kills land in every phase.
    for part in 0..4 {
        let keys = (0..150_000).map(|k| part * 150_000 + k);
        write_parquet(
            &folder.join(format!("part-{part}.parquet")),
            vec![
                ("customer_id", ints(keys.clone())),
                ("income", ints(keys.map(|k| k % 1000))),
            ],
        );
    }
    std::fs::write(dir.path().join("rules.seg"), CUSTOMERS).expect("rules");
    let out = dir.path().join("out");
    let run = |as_of: &str| crate::common::cli::run_rules(dir.path(), as_of, &[]);
    let started = std::time::Instant::now();
    assert!(run("2026-01-01").status().expect("run").success());
    let full = started.elapsed();
    let mut rng = Rng(0xdead_beef);
    for round in 0..10 {
        let as_of = format!("2026-02-{:02}", round + 1);
        let mut child = run(&as_of).spawn().expect("spawn");
        let wait = full.mul_f64(rng.below(1000) as f64 / 1000.0 * 1.2);
        std::thread::sleep(wait);
        let _ = child.kill();
        let _ = child.wait();
        let membership = out.join("membership.parquet");
        let summary = out.join("summary.json");
        if !out.join(".segc-publish.json").exists() {
            // Killed before or after publishing: whichever pair is there belongs together.
            let (m, s) = (parquet_as_of(&membership), summary_as_of(&summary));
            assert!(m.is_some() && m == s, "round {round}: {m:?} next to {s:?}");
        }
    }
    // The next run rolls back an interrupted publication and removes every leftover.
    assert!(run("2026-03-01").status().expect("run").success());
    assert_eq!(names_in(&out), ["membership.parquet", "summary.json"]);
    assert_eq!(
        parquet_as_of(&out.join("membership.parquet")).as_deref(),
        Some("2026-03-01")
    );
    assert_eq!(
        summary_as_of(&out.join("summary.json")).as_deref(),
        Some("2026-03-01")
    );
}

/// Threads of processes run by user `uid` now (what `RLIMIT_NPROC` counts).
fn threads_of_user(uid: u32) -> usize {
    use std::os::unix::fs::MetadataExt;
    std::fs::read_dir("/proc")
        .expect("proc")
        .flatten()
        .filter(|e| e.metadata().is_ok_and(|m| m.uid() == uid))
        .filter_map(|e| std::fs::read_dir(e.path().join("task")).ok())
        .map(|tasks| tasks.count())
        .sum()
}

#[test]
fn refused_threads_are_a_diagnostic_not_a_hang() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().expect("tempdir");
    small_project(dir.path());
    // Readable and writable by the user the run is limited as.
    let mut permissions = std::fs::metadata(dir.path()).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o777);
    std::fs::set_permissions(dir.path(), permissions).expect("chmod");
    let binary = dir.path().join("segc");
    std::fs::hard_link(env!("CARGO_BIN_EXE_segc"), &binary)
        .or_else(|_| std::fs::copy(env!("CARGO_BIN_EXE_segc"), &binary).map(|_| ()))
        .expect("binary");
    let uid = std::fs::metadata("/proc/self").expect("self").uid();
    // Root is not held to RLIMIT_NPROC: the run is limited as `nobody`, who runs nothing else.
    let (limit, user): (usize, &[&str]) = if uid == 0 {
        (
            8,
            &[
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
            ],
        )
    } else {
        (threads_of_user(uid) + 8, &[])
    };
    let mut command = Command::new("timeout");
    command
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["60", "prlimit", &format!("--nproc={limit}")])
        .args(user)
        .arg(&binary)
        .args(["run", "rules.seg", "--out", "out", "--as-of", "2026-11-01"])
        .args(["--threads", "40"]);
    let (code, stderr) = output(&mut command);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("E0709") && stderr.contains("Resource temporarily unavailable"),
        "{stderr}"
    );
}

/// `segc ARGS` in `dir`, stopped after 30 s (a hang is the failure these tests look for).
fn bounded(dir: &Path, args: &[&str]) -> (i32, String) {
    let mut command = Command::new("timeout");
    command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .arg("30")
        .arg(env!("CARGO_BIN_EXE_segc"))
        .args(args);
    output(&mut command)
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(made.success());
}

#[test]
fn pipes_devices_and_folders_are_refused_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    small_project(d);
    mkfifo(&d.join("pipe.seg"));
    mkfifo(&d.join("pipe.csv"));
    let (code, stderr) = bounded(d, &["check", "pipe.seg"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("a named pipe, not a regular file"),
        "{stderr}"
    );
    let (code, stderr) = bounded(d, &["check", "/dev/zero"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("a device, not a regular file"), "{stderr}");
    std::fs::write(d.join("imports.seg"), "import \"pipe.seg\"\n").expect("rules");
    let (code, stderr) = bounded(d, &["check", "imports.seg"]);
    assert!(code != 0 && code != 124, "{code} {stderr}");
    assert!(stderr.contains("a named pipe"), "{stderr}");
    for (location, words) in [("pipe.csv", "a named pipe"), ("/dev/zero", "a device")] {
        std::fs::write(
            d.join("data.seg"),
            SMALL.replace("\"customers.csv\"", &format!("\"{location}\"")),
        )
        .expect("rules");
        let (code, stderr) = bounded(
            d,
            &["run", "data.seg", "--out", "out", "--as-of", "2026-11-01"],
        );
        assert_eq!(code, 2, "{location}: {stderr}");
        assert!(
            stderr.contains("E0707") && stderr.contains(words),
            "{stderr}"
        );
    }
    let (code, stderr) = bounded(d, &["schema", "infer", "pipe.csv"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("a named pipe, not a regular file"),
        "{stderr}"
    );
}

#[test]
fn fmt_follows_no_folder_links_and_keeps_file_links() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir(d.join("rules")).expect("folder");
    std::fs::write(
        d.join("rules/a.seg"),
        SMALL.replace("  income", "      income"),
    )
    .expect("rules");
    std::os::unix::fs::symlink(".", d.join("rules/loop")).expect("link");
    std::os::unix::fs::symlink("a.seg", d.join("rules/b.seg")).expect("link");
    let (code, stderr) = bounded(d, &["fmt", "rules"]);
    assert_eq!(code, 0, "{stderr}");
    let link = std::fs::symlink_metadata(d.join("rules/b.seg")).expect("b");
    assert!(link.file_type().is_symlink(), "the link was replaced");
    let formatted = std::fs::read_to_string(d.join("rules/a.seg")).expect("a");
    assert!(formatted.contains("\n  income"), "{formatted}");
    let (code, stderr) = bounded(d, &["fmt", "--check", "rules"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn rules_that_pass_check_plan_and_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    retail_copy(dir.path());
    let base = std::fs::read_to_string(dir.path().join("retail.seg")).expect("rules");
    // The sources and the population, without the example's own definitions.
    let declarations = &base[..base.find("// Derived values").expect("marker")];
    let cases = [
        // A decimal literal beyond the column's decimal type (was cast to a decimal: E0901).
        ("revenue_12m < 1234567890123456789.5", 3000),
        (
            "revenue_12m between -0.5 and 1000000000000000000000.5",
            3000,
        ),
        // Integers stay integers: through a float, 2^53 + 1 was not itself.
        ("round(9007199254740993) == 9007199254740993", 3000),
        (
            "round(9223372036854775807) > 0 and floor(9223372036854775807) == ceil(9223372036854775807)",
            3000,
        ),
        (
            "round(orders_12m) == orders_12m and ceil(orders_12m) == orders_12m",
            3000,
        ),
        // A percent rank of an aggregate with a quintile of another (the window named its
        // column unqualified while the ranking pass's table qualifies it: E0901).
        (
            "percent_rank(max(orders.amount)) >= 0 or quintile(count(orders)) >= 1",
            3000,
        ),
    ];
    for (condition, members) in cases {
        let rules = format!("{declarations}\nsegment t = {condition}\n");
        std::fs::write(dir.path().join("t.seg"), rules).expect("rules");
        let (code, stderr) = run_in(dir.path(), "t.seg", "out", &[]);
        assert_eq!(code, 0, "{condition}: {stderr}");
        let summary =
            std::fs::read_to_string(dir.path().join("out/summary.json")).expect("summary");
        let json: serde_json::Value = serde_json::from_str(&summary).expect("json");
        assert_eq!(json["segments"][0]["members"], members, "{condition}");
    }
}

#[test]
fn names_with_pattern_characters_are_read_as_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let data = "customer_id,income\n1,500\n2,5\n";
    std::fs::write(d.join("[2026].csv"), data).expect("csv");
    std::fs::create_dir(d.join("export[1]")).expect("folder");
    std::fs::write(d.join("export[1]/part.csv"), data).expect("csv");
    for location in ["[2026].csv", "export[1]/"] {
        std::fs::write(
            d.join("rules.seg"),
            SMALL.replace("\"customers.csv\"", &format!("\"{location}\"")),
        )
        .expect("rules");
        let (code, stderr) = run_in(d, "rules.seg", "out", &[]);
        assert_eq!(code, 0, "{location}: {stderr}");
        let summary = std::fs::read_to_string(d.join("out/summary.json")).expect("summary");
        assert!(summary.contains("\"members\": 2"), "{location}: {summary}");
    }
}

#[test]
fn data_and_system_failures_are_told_apart_and_worded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // A value that does not parse, beyond the rows read to infer types.
    let mut csv = String::from("customer_id,income,born\n");
    for i in 0..12_000 {
        csv.push_str(&format!("{i},{i},2020-01-01\n"));
    }
    csv.push_str("12000,5,private-value\n");
    std::fs::write(d.join("customers.csv"), csv).expect("csv");
    std::fs::write(
        d.join("rules.seg"),
        "source customers from csv \"customers.csv\" {\n  key customer_id: int\n  income: int?\n  born: date?\n}\nsegment old = born < @2021-01-01\n",
    )
    .expect("rules");
    let (code, stderr) = run_in(d, "rules.seg", "out", &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("E0706") && stderr.contains("for column `born`"),
        "{stderr}"
    );
    // The value is named by the parser; the rest of the row is not quoted.
    assert!(!stderr.contains("Row data"), "{stderr}");
    // Spilling into a temporary "folder" that cannot hold files: the machine's problem.
    retail_copy(d);
    let mut command = segc();
    command
        .current_dir(d)
        .env("TMPDIR", d.join("rules.seg"))
        .args(["run", "retail.seg", "--out", "out", "--as-of", "2026-11-01"])
        .args(["--memory-limit", "1M", "--quiet"]);
    let (code, stderr) = output(&mut command);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("E0718") && stderr.contains("(os error"),
        "{stderr}"
    );
}

#[test]
fn decimals_compare_exactly_with_the_literals_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("c.csv"),
        "customer_id,revenue\n1,99.99\n2,1234567890.12\n3,0.07\n",
    )
    .expect("csv");
    std::fs::write(
        d.join("r.seg"),
        "source customers from csv \"c.csv\" {\n  key customer_id: int\n  revenue: decimal(12, 2)\n}\n\
         segment eq = revenue == 1234567890.12\nsegment le = revenue <= 99.99\n\
         segment listed = revenue in [0.07, 1234567890.12]\n\
         segment within = revenue between 0.07 and 1234567890.12\n",
    )
    .expect("rules");
    let (code, stderr) = run_in(d, "r.seg", "out", &["--format", "csv"]);
    assert_eq!(code, 0, "{stderr}");
    let members = std::fs::read_to_string(d.join("out/membership.csv")).expect("csv");
    // Through a float, 1234567890.12 was 1234567890.119999885… and customer 2 was not equal.
    assert_eq!(
        members,
        "customer_id,eq,le,listed,within\n1,false,true,false,true\n2,true,false,true,true\n3,false,true,true,true\n"
    );
}
