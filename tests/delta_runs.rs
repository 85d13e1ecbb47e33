//! `segc diff --runs TABLE@DATE TABLE@DATE`: two dates of a Delta table `segc run --format delta`
//! wrote, compared. The counts are checked against the set differences of the two partitions
//! read back with the `deltalake` crate, and against `--runs` over the Parquet outputs of the
//! same runs; a missing table, date or record of the outputs is a coded error.

use std::collections::BTreeSet;
use std::path::Path;

use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::Int64Type;
use datafusion::prelude::SessionContext;
use deltalake_core::DeltaTable;

use crate::common::cli::{segc, transcript};
use crate::delta_out::{retail_project, run, table};

/// Tiers whose members move between the two dates (web orders in the last 90 days).
const TIERS: &str = "tiers web_activity \"Activité web\" {
  frequent: web_orders_90d >= 2
  occasional: web_orders_90d >= 1
  quiet: else
}
";

const DATES: [&str; 2] = ["2026-10-01", "2026-11-01"];

/// `segc diff ARGS --format json` in `dir`, parsed.
fn diff_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = segc()
        .current_dir(dir)
        .args(["diff", "--format", "json"])
        .args(args)
        .output()
        .expect("segc runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// The keys of the rows of `as_of` in the Delta table `delta` for which `condition` holds.
fn keys(delta: &DeltaTable, as_of: &str, condition: &str) -> BTreeSet<i64> {
    crate::common::runtime().block_on(async {
        let ctx = SessionContext::new();
        delta
            .update_datafusion_session(&ctx.state())
            .expect("session");
        let provider = delta.table_provider().await.expect("provider");
        ctx.register_table("t", provider).expect("register");
        let sql =
            format!("SELECT customer_id FROM t WHERE as_of = DATE '{as_of}' AND ({condition})");
        let batches = ctx
            .sql(&sql)
            .await
            .expect("sql")
            .collect()
            .await
            .expect("rows");
        batches
            .iter()
            .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
            .collect()
    })
}

/// Runs the retail rules (with the tiers) at both dates into the Delta tables `members` (wide)
/// and `tags` (long), and into the Parquet folders `files-DATE`.
fn runs(dir: &Path) {
    retail_project(dir, TIERS);
    for as_of in DATES {
        let files = format!("files-{as_of}");
        let outputs: [&[&str]; 3] = [
            &["--out", "members", "--format", "delta"],
            &["--out", "tags", "--format", "delta", "--layout", "long"],
            &["--out", &files],
        ];
        for args in outputs {
            let out = transcript(&mut run(dir, as_of, args));
            assert!(out.starts_with("exit: 0"), "{out}");
        }
    }
}

#[test]
fn two_dates_of_a_delta_table_compare_as_their_partitions_and_parquet_runs_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    runs(dir.path());
    let [before, after] = DATES.map(|d| format!("members@{d}"));
    let delta = diff_json(dir.path(), &["--runs", &before, &after]);
    assert_eq!(delta["base"]["dir"], before.as_str());
    assert_eq!(delta["head"]["as_of"], "2026-11-01");
    assert_eq!(delta["head"]["rules"], "retail.seg");
    // The same counts as the Parquet outputs of the same runs, and from the long layout.
    let [old, new] = DATES.map(|d| format!("files-{d}"));
    let parquet = diff_json(dir.path(), &["--runs", &old, &new]);
    let [long_before, long_after] = DATES.map(|d| format!("tags@{d}"));
    let long = diff_json(dir.path(), &["--runs", &long_before, &long_after]);
    for field in ["segments", "tiers"] {
        assert_eq!(delta[field], parquet[field], "{field}");
        assert_eq!(delta[field], long[field], "{field}");
    }
    // The counts are the set differences of the two partitions read back.
    let members = table(&dir.path().join("members"), None);
    let segments = delta["segments"].as_array().expect("segments");
    assert!(segments.len() >= 15, "{segments:?}");
    let mut moved = 0;
    for segment in segments {
        let name = segment["name"].as_str().expect("name");
        let [was, is] = DATES.map(|d| keys(&members, d, &format!("\"{name}\"")));
        assert_eq!(segment["before"], was.len(), "{name}");
        assert_eq!(segment["after"], is.len(), "{name}");
        assert_eq!(segment["entered"], is.difference(&was).count(), "{name}");
        assert_eq!(segment["left"], was.difference(&is).count(), "{name}");
        moved += is.symmetric_difference(&was).count();
    }
    assert!(moved > 0, "the dates differ");
    let tiers = &delta["tiers"][0];
    assert_eq!(tiers["name"], "web_activity");
    let mut transitions = 0;
    for transition in tiers["transitions"].as_array().expect("transitions") {
        let (from, to) = (&transition["from"], &transition["to"]);
        let tier =
            |t: &serde_json::Value| format!("web_activity = '{}'", t.as_str().expect("tier"));
        let [was, is] =
            [(DATES[0], from), (DATES[1], to)].map(|(d, t)| keys(&members, d, &tier(t)));
        let both = was.intersection(&is).count();
        assert_eq!(transition["members"], both, "{from} → {to}");
        transitions += both;
    }
    // Every member has a tier at both dates: the matrix holds them all.
    assert_eq!(transitions, keys(&members, DATES[1], "true").len());
}

#[test]
fn a_missing_table_date_or_record_of_the_outputs_is_a_coded_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    retail_project(dir.path(), "");
    let out = transcript(&mut run(
        dir.path(),
        "2026-11-01",
        &["--out", "members", "--format", "delta"],
    ));
    assert!(out.starts_with("exit: 0"), "{out}");
    let diff = |args: &[&str]| {
        transcript(
            segc()
                .current_dir(dir.path())
                .args(["diff", "--runs"])
                .args(args),
        )
    };
    let shown = [
        diff(&["members@2026-10-01", "members@2026-11-01"]),
        diff(&["nowhere@2026-10-01", "members@2026-11-01"]),
        diff(&["members", "members@2026-11-01"]),
    ];
    for (out, code) in shown.iter().zip(["E1518", "E1517", "E1514"]) {
        assert!(out.starts_with("exit: 2") && out.contains(code), "{out}");
    }
    assert!(
        shown[0].contains("it has runs of 2026-11-01"),
        "{}",
        shown[0]
    );
    assert!(
        shown[2].contains("a Delta table: give the dates"),
        "{}",
        shown[2]
    );
    // A folder that is no Delta table.
    std::fs::create_dir(dir.path().join("empty")).expect("folder");
    let empty = diff(&["empty@2026-11-01", "members@2026-11-01"]);
    assert!(
        empty.starts_with("exit: 2") && empty.contains("E1517"),
        "{empty}"
    );
    // A commit without the record of its outputs, as an earlier segc wrote them.
    let commit = dir
        .path()
        .join("members/_delta_log/00000000000000000000.json");
    let log = std::fs::read_to_string(&commit).expect("commit");
    let mut lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("action"))
        .collect();
    for action in &mut lines {
        if let Some(segc) = action.pointer_mut("/commitInfo/segc") {
            segc.as_object_mut().expect("object").remove("outputs");
        }
    }
    let log: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(&commit, log.join("\n") + "\n").expect("write");
    let older = diff(&["members@2026-11-01", "members@2026-11-01"]);
    assert!(
        older.starts_with("exit: 2") && older.contains("E1519"),
        "{older}"
    );
}

/// `TABLE@vN` reads the run version N committed as the table was then: the rules of a date
/// run again, compared with their earlier run of the same date, count as the Parquet outputs of
/// both runs do; a missing version and a version that is no run are coded errors.
#[test]
fn versions_of_a_delta_table_compare_a_date_run_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let as_of = DATES[1];
    for (tiers, files) in [
        (TIERS, "files-before"),
        (&TIERS.replace(">= 2", ">= 3"), "files-after"),
    ] {
        retail_project(dir.path(), tiers);
        for args in [
            &["--out", "members", "--format", "delta"][..],
            &["--out", files],
        ] {
            let out = transcript(&mut run(dir.path(), as_of, args));
            assert!(out.starts_with("exit: 0"), "{out}");
        }
    }
    let versions = diff_json(dir.path(), &["--runs", "members@v0", "members@v1"]);
    assert_eq!(versions["base"]["dir"], "members@v0");
    assert_eq!(versions["base"]["as_of"], as_of);
    let parquet = diff_json(dir.path(), &["--runs", "files-before", "files-after"]);
    let dated = diff_json(
        dir.path(),
        &["--runs", "members@v0", &format!("members@{as_of}")],
    );
    for field in ["segments", "tiers"] {
        assert_eq!(versions[field], parquet[field], "{field}");
        assert_eq!(versions[field], dated[field], "{field}");
    }
    let tiers = &versions["tiers"][0]["tiers"];
    let frequent = tiers
        .as_array()
        .expect("tiers")
        .iter()
        .find(|t| t["tier"] == "frequent");
    let frequent = frequent.expect("the frequent tier");
    assert!(frequent["left"].as_u64() > Some(0), "{tiers}");
    let diff = |args: &[&str]| {
        transcript(
            segc()
                .current_dir(dir.path())
                .args(["diff", "--runs"])
                .args(args),
        )
    };
    let missing = diff(&["members@v0", "members@v7"]);
    assert!(
        missing.starts_with("exit: 2") && missing.contains("E1520") && missing.contains("up to 1"),
        "{missing}"
    );
    // A commit of another writer records nothing of segc.
    let commit = dir
        .path()
        .join("members/_delta_log/00000000000000000000.json");
    let log = std::fs::read_to_string(&commit).expect("commit");
    let mut lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("action"))
        .collect();
    for action in &mut lines {
        if let Some(info) = action.pointer_mut("/commitInfo") {
            info.as_object_mut().expect("object").remove("segc");
        }
    }
    let log: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(&commit, log.join("\n") + "\n").expect("write");
    let other = diff(&["members@v0", "members@v1"]);
    assert!(
        other.starts_with("exit: 2") && other.contains("E1521"),
        "{other}"
    );
}
