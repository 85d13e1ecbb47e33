//! `segc diff` of versions that differ by more than their items: a rule file added or removed
//! between the revisions, run alone over the data (every member enters or leaves), and
//! revisions whose `segc.toml` differ (the files listed, lint levels, variables): each version
//! is read with its own.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::cli::segc;
use crate::diff::{diff, git, run_rows, two_commits};

/// A rule file over the fixture's sources, with a segment, tiers and a KPI of its own.
const WEB: &str = "import \"sources.seg\"

population customers

let web_orders = count(orders where channel == \"web\")

segment web_buyers = web_orders >= 1

tiers web_level {
  many: web_orders >= 2
  some: web_orders >= 1
}

kpi web_share \"Web buyers\" {
  value = share(web_buyers)
  target >= 10%
}
";

/// `segc diff ARGS --format json` in `dir`, which must exit 0, parsed.
fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let output = segc()
        .current_dir(dir)
        .arg("diff")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("segc runs");
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// The keys of the rows whose `column` is `true`, in order.
fn members(rows: &[BTreeMap<String, String>], column: &str) -> Vec<String> {
    let mut keys: Vec<i64> = rows
        .iter()
        .filter(|r| r[column] == "true")
        .map(|r| r["customer_id"].parse().expect("key"))
        .collect();
    keys.sort();
    keys.iter().map(i64::to_string).collect()
}

#[test]
fn a_file_added_or_removed_runs_alone_over_the_data() {
    let dir = two_commits();
    std::fs::write(dir.path().join("web.seg"), WEB).expect("written");
    git(dir.path(), &["add", "web.seg"]);
    git(dir.path(), &["commit", "-q", "-m", "web rules"]);
    let runs = tempfile::tempdir().expect("temporary folder");
    let rows = run_rows(&dir.path().join("web.seg"), &runs.path().join("web"));
    let buyers = members(&rows, "web_buyers");
    assert!(
        !buyers.is_empty() && buyers.len() < rows.len(),
        "{buyers:?}"
    );
    let many = rows.iter().filter(|r| r["web_level"] == "many").count();
    let share = buyers.len() as f64 / rows.len() as f64;
    let data = "--data";
    let added = json(
        dir.path(),
        &["HEAD~1", "HEAD", data, "--as-of", "2026-11-01", "web.seg"],
    );
    let file = &added["files"][0];
    assert_eq!(file["status"], "added");
    // The file it imports is the same in both commits: neither added nor removed.
    assert_eq!(added["files"][1]["file"], "sources.seg");
    assert_eq!(added["files"][1]["status"], "unchanged");
    let segment = &file["data"]["segments"][0];
    assert_eq!(segment["name"], "web_buyers");
    assert_eq!(segment["status"], "added");
    assert_eq!(segment["before"], 0);
    assert_eq!(segment["after"], buyers.len());
    assert_eq!(segment["entered"], buyers.len());
    assert_eq!(segment["left"], 0);
    assert_eq!(segment["entered_sample"], serde_json::json!(buyers[..5]));
    let tiers = &file["data"]["tiers"][0];
    assert_eq!(tiers["tiers"][0]["tier"], "many");
    assert_eq!(tiers["tiers"][0]["before"], 0);
    assert_eq!(tiers["tiers"][0]["entered"], many);
    let kpi = &file["data"]["kpis"][0];
    assert_eq!(kpi["kpi"], "web_share");
    assert_eq!(kpi["before"], serde_json::Value::Null);
    assert_eq!(kpi["after"].as_f64(), Some(share));
    // The other way round, the file is removed: every member leaves, the KPI disappears.
    let removed = json(
        dir.path(),
        &["HEAD", "HEAD~1", data, "--as-of", "2026-11-01", "web.seg"],
    );
    let file = &removed["files"][0];
    assert_eq!(file["status"], "removed");
    let segment = &file["data"]["segments"][0];
    assert_eq!(segment["status"], "removed");
    assert_eq!(segment["before"], buyers.len());
    assert_eq!(segment["after"], 0);
    assert_eq!(segment["left"], buyers.len());
    assert_eq!(segment["left_sample"], serde_json::json!(buyers[..5]));
    let tiers = &file["data"]["tiers"][0];
    assert_eq!(tiers["tiers"][0]["left"], many);
    let kpi = &file["data"]["kpis"][0];
    assert_eq!(kpi["before"].as_f64(), Some(share));
    assert_eq!(kpi["after"], serde_json::Value::Null);
    // For people: the counts are printed with the added file's items.
    let human = diff(
        dir.path(),
        &["HEAD~1", "HEAD", data, "--as-of", "2026-11-01", "web.seg"],
    );
    let entered = format!("members 0 → {}: {} entered", buyers.len(), buyers.len());
    assert!(human.contains(&entered), "{human}");
}

#[test]
fn each_revision_is_read_with_its_own_segc_toml() {
    let dir = two_commits();
    let path = dir.path();
    // The project grows: a second file, listed by a pattern; an unused `let` allowed; the data
    // folder given by a variable.
    std::fs::create_dir(path.join("more")).expect("folder");
    let web = WEB.replace("\"sources.seg\"", "\"../sources.seg\"") + "\nlet unused = 1\n";
    std::fs::write(path.join("more/web.seg"), web).expect("written");
    let sources = std::fs::read_to_string(path.join("sources.seg")).expect("read");
    let sources = sources.replace("\"customers.csv\"", "\"${DATA}/customers.csv\"");
    std::fs::write(path.join("sources.seg"), sources).expect("written");
    let grown = "files = [\"rules.seg\", \"more/*.seg\"]\n\n[vars]\nDATA = \".\"\n\n\
                 [lints]\nunused-let = \"allow\"\n";
    std::fs::write(path.join("segc.toml"), grown).expect("written");
    git(path, &["add", "-A"]);
    git(path, &["commit", "-q", "-m", "project grows"]);
    // The work tree's segc.toml, not committed, lists one file, denies the lint, sets no
    // variable.
    let narrow = "files = [\"rules.seg\"]\n\n[lints]\nunused-let = \"deny\"\n";
    std::fs::write(path.join("segc.toml"), narrow).expect("written");
    // Between two commits, the files either commit lists, each checked with its commit's
    // settings; over the data, the head commit's variables.
    let commits = diff(path, &["HEAD~1", "HEAD", "--data", "--as-of", "2026-11-01"]);
    assert!(commits.starts_with("exit: 0"), "{commits}");
    assert!(commits.contains("more/web.seg: added"), "{commits}");
    assert!(commits.contains("web_buyers"), "{commits}");
    assert!(commits.contains("sources.seg: changed"), "{commits}");
    // With the work tree, its own settings: the unused `let` is an error there, not in HEAD.
    let work_tree = diff(path, &["HEAD"]);
    assert!(work_tree.starts_with("exit: 1"), "{work_tree}");
    assert!(
        work_tree.contains("in the work tree version:"),
        "{work_tree}"
    );
    assert!(!work_tree.contains("in the HEAD version:"), "{work_tree}");
    assert!(work_tree.contains("E1506"), "{work_tree}");
    assert!(work_tree.contains("more/web.seg"), "{work_tree}");
    // The first commit's segc.toml lists only rules.seg: the second file is added.
    let json = json(path, &["HEAD~2", "HEAD~1"]);
    let names: Vec<&str> = json["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["file"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["rules.seg", "sources.seg"]);
}
