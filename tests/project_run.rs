//! Project runs planned together (`driver::ProjectRun`): the files that can share a plan are
//! computed by one (each source scanned once, each definition they share computed once), each
//! file's outputs are what running it alone writes, and a file that fails keeps every file of
//! the project from being published.

use std::path::Path;

use crate::common::cli::{plan_nodes, repo, segc, status, transcript};

/// Three campaign files: `a.seg` and `b.seg` share the segment, `let` and quintile tiers of
/// `common/value.seg`; `c.seg` keeps other members.
const FIXTURE: &str = "tests/fixtures/project_run";

/// A copy of the project at `from` (without its outputs) in a temporary folder.
fn copied(from: &Path) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("folder");
        for entry in std::fs::read_dir(from).expect("folder").flatten() {
            let path = entry.path();
            let target = to.join(entry.file_name());
            if path.is_dir() && entry.file_name() != "out" {
                copy(&path, &target);
            } else if path.is_file() {
                std::fs::copy(&path, &target).expect("copy");
            }
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    copy(from, dir.path());
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs the project at `project` into `OUT/together`, and each of `files` alone into
/// `OUT/alone/<its place>`; checks that both wrote the same membership file and summary.
fn runs_as_alone(project: &Path, files: &[&str]) -> String {
    let out = tempfile::tempdir().expect("tempdir");
    let (together, alone) = (out.path().join("together"), out.path().join("alone"));
    let mut run = segc();
    run.current_dir(project)
        .args(["run", "--as-of", "2026-11-01", "--format", "csv"]);
    run.args(["--verbose", "--out"]).arg(&together);
    let text = transcript(&mut run);
    assert!(text.starts_with("exit: 0"), "{text}");
    for file in files {
        let place = file.trim_end_matches(".seg");
        let mut one = segc();
        one.current_dir(project)
            .args([
                "run",
                file,
                "--as-of",
                "2026-11-01",
                "--format",
                "csv",
                "--quiet",
            ])
            .arg("--out")
            .arg(alone.join(place));
        assert_eq!(status(&mut one), 0, "{file}");
        let (a, b) = (together.join(place), alone.join(place));
        assert_eq!(
            read(&a.join("membership.csv")),
            read(&b.join("membership.csv")),
            "{file}"
        );
        let summary =
            |dir: &Path| read(&dir.join("summary.json")).replace(&*dir.to_string_lossy(), "[OUT]");
        assert_eq!(summary(&a), summary(&b), "{file}");
    }
    text.replace(&*together.to_string_lossy(), "[OUT]")
}

#[test]
fn a_project_run_writes_what_each_file_alone_writes() {
    let text = runs_as_alone(
        &repo(FIXTURE),
        &["campaigns/a.seg", "campaigns/b.seg", "campaigns/c.seg"],
    );
    // Which files share a plan, and why the others do not (`--verbose`).
    assert!(
        text.contains("-- plan 1 of 2: campaigns/a.seg, campaigns/b.seg\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "-- plan 2 of 2: campaigns/c.seg (apart: other rows of the population `customers`)\n"
        ),
        "{text}"
    );
}

#[test]
fn the_b2b_project_writes_what_each_file_alone_writes() {
    let text = runs_as_alone(&repo("examples/b2b"), &["accounts.seg", "contacts.seg"]);
    assert!(
        text.contains("-- plan 2 of 2: contacts.seg (apart: another population (`contacts`))"),
        "{text}"
    );
}

/// The scans of each data file in one plan's physical plan.
fn scans(nodes: &[String], file: &str) -> usize {
    nodes
        .iter()
        .filter(|n| n.contains("DataSourceExec") && n.contains(file))
        .count()
}

/// `segc explain` of the project: the plan of `a.seg` and `b.seg` scans each source once and
/// ranks by the shared quintile once, where the two files alone scan each twice. Under a memory
/// limit, the ranking pass keeps no aggregates, so the plan itself reads `orders`.
#[test]
fn files_sharing_a_plan_scan_each_source_once() {
    let explain = |args: &[&str]| {
        let mut command = segc();
        command
            .current_dir(repo(FIXTURE))
            .args(["explain", "--physical"]);
        command
            .args(["--as-of", "2026-11-01", "--memory-limit", "1G"])
            .args(args);
        let text = transcript(&mut command);
        assert!(text.starts_with("exit: 0"), "{text}");
        text
    };
    let project = explain(&[]);
    let plans: Vec<&str> = project.split("-- plan ").skip(1).collect();
    assert_eq!(plans.len(), 2, "{project}");
    assert!(plans[0].starts_with("1 of 2: campaigns/a.seg, campaigns/b.seg\n"));
    let shared = plan_nodes(plans[0].split("-- physical plan").nth(1).expect("physical"));
    let mut alone = 0;
    for file in ["campaigns/a.seg", "campaigns/b.seg"] {
        let text = explain(&[file]);
        let physical = plan_nodes(text.split("-- physical plan").nth(1).expect("physical"));
        alone += scans(&physical, "customers.csv") + scans(&physical, "orders.csv");
        assert_eq!(text.matches("-- ranking pass").count(), 1, "{file}");
    }
    assert_eq!(scans(&shared, "customers.csv"), 1, "{}", plans[0]);
    assert_eq!(scans(&shared, "orders.csv"), 1, "{}", plans[0]);
    assert_eq!(alone, 4);
    // The segment both files import is computed once.
    let logical = plans[0]
        .split("-- optimized logical plan")
        .next()
        .unwrap_or_default();
    assert_eq!(logical.matches("AS big_spenders").count(), 1, "{logical}");
    // One ranking pass finds the boundaries of both files' quantiles.
    assert_eq!(
        plans[0].matches("-- ranking pass").count(),
        1,
        "{}",
        plans[0]
    );
}

/// A file that fails keeps every file's previous outputs: nothing of the project is published
/// (`E1210`), no temporary file is left; once it can run, all are published.
#[test]
fn a_failing_file_publishes_nothing_of_the_project() {
    let dir = copied(&repo(FIXTURE));
    let run = || {
        let mut run = segc();
        run.current_dir(dir.path())
            .args(["run", "--as-of", "2026-11-01", "--quiet"]);
        run
    };
    assert_eq!(status(&mut run()), 0);
    let membership = |file: &str| {
        read(
            &dir.path()
                .join(format!("out/campaigns/{file}/membership.csv")),
        )
    };
    let before = membership("b");
    // Every customer's income now known (`reach`), and `c.seg`'s folder a file: it cannot write.
    let customers = read(&dir.path().join("data/customers.csv"));
    let known: String = customers
        .lines()
        .map(|l| match l.strip_suffix(',') {
            Some(l) => format!("{l},1000\n"),
            None => format!("{l}\n"),
        })
        .collect();
    std::fs::write(dir.path().join("data/customers.csv"), known).expect("write");
    let blocked = dir.path().join("out/campaigns/c");
    std::fs::remove_dir_all(&blocked).expect("remove");
    std::fs::write(&blocked, "not a folder").expect("write");

    let failed = transcript(&mut run());
    insta::assert_snapshot!("project_run_failed", failed);
    assert_eq!(membership("b"), before);
    let left: Vec<String> = std::fs::read_dir(dir.path().join("out/campaigns/b"))
        .expect("folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");

    std::fs::remove_file(&blocked).expect("remove");
    assert_eq!(status(&mut run()), 0);
    assert_ne!(membership("b"), before);
    assert!(!membership("b").contains("unknown"));
}

/// The joined program of `a.seg` and `b.seg` holds each definition they share once: the
/// imported `let`, segment, tiers and quintiles, and the aggregates under them; `b.seg`'s own
/// definitions are added, and `c.seg` (other members) does not fit their plan.
#[test]
fn definitions_shared_by_files_are_joined_once() {
    use segc::merge::project::{JoinProblem, fits, join};
    let root = repo(FIXTURE);
    let paths: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|f| root.join(format!("campaigns/{f}.seg")))
        .collect();
    let opened =
        segc::driver::Session::open_all(&paths, segc::driver::Options::default()).expect("read");
    let sessions: Vec<_> = opened
        .into_iter()
        .map(|o| o.expect("opened").into_session().expect("checked"))
        .collect();
    let [a, b, c] = [0, 1, 2].map(|i| sessions[i].program());
    let joined = join(a, &[b]).expect("joined");
    let program = &joined.program;
    let count = |name: &str| program.segments.iter().filter(|s| s.name == name).count();
    assert_eq!(count("big_spenders"), 1);
    assert_eq!(program.lets.iter().filter(|l| l.name == "spend").count(), 1);
    assert_eq!(
        program.tiers.iter().filter(|t| t.name == "value").count(),
        1
    );
    // `value`'s two quintiles and `b.seg`'s decile.
    assert_eq!(program.quantiles.len(), a.quantiles.len() + 1);
    // Both files' `sum(orders.amt)`, once; `b.seg`'s web orders.
    assert_eq!(program.aggregates.len(), a.aggregates.len() + 1);
    assert_eq!(program.segments.len(), a.segments.len() + 2);
    // `b.seg`'s segments are written under their own names by its writer, wherever they sit.
    let placement = &joined.placements[1];
    for output in b.own_outputs() {
        let placed = placement.output(output);
        assert!(program.outputs.contains(&placed));
        assert_eq!(program.output_name(placed), b.output_name(output));
    }
    assert_eq!(
        fits(a, c),
        Err(JoinProblem::PopulationRows("customers".into()))
    );
}
