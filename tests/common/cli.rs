//! Running the `segc` binary in tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `segc` binary, without colours.
pub fn segc() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_segc"));
    command.env("NO_COLOR", "1").env_remove("SEGC_ENV");
    command
}

/// `segc run RULES --as-of AS_OF --out OUT --quiet` in `dir`.
pub fn run_file(dir: &Path, rules: &str, as_of: &str, out: &str) -> Command {
    let mut command = segc();
    command
        .current_dir(dir)
        .args(["run", rules, "--as-of", as_of, "--out", out, "--quiet"]);
    command
}

/// `segc run rules.seg --as-of AS_OF --out out --quiet` in `dir`, then `extra` arguments.
pub fn run_rules(dir: &Path, as_of: &str, extra: &[&str]) -> Command {
    let mut command = run_file(dir, "rules.seg", as_of, "out");
    command.args(extra);
    command
}

/// A path of the checkout.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Exit code, stdout and stderr of a finished command, with machine paths replaced.
pub fn transcript(command: &mut Command) -> String {
    let output = command.output().expect("segc runs");
    let root = env!("CARGO_MANIFEST_DIR");
    let clean = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(root, "[ROOT]");
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output.status.code().unwrap_or(-1),
        clean(&output.stdout),
        clean(&output.stderr)
    )
}

/// The exit code of a finished command.
pub fn status(command: &mut Command) -> i32 {
    command
        .output()
        .expect("segc runs")
        .status
        .code()
        .unwrap_or(-1)
}

/// The nodes of a plan printed by `segc explain`, one string each: the lines it wraps a long
/// node into (indented 4 more than the node) joined back.
pub fn plan_nodes(plan: &str) -> Vec<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut nodes: Vec<(usize, String)> = Vec::new();
    for line in plan.lines() {
        match nodes.last_mut() {
            Some((at, node)) if indent(line) >= *at + 4 && !line.trim().is_empty() => {
                node.push(' ');
                node.push_str(line.trim());
            }
            _ => nodes.push((indent(line), line.to_string())),
        }
    }
    nodes.into_iter().map(|(_, node)| node).collect()
}

/// The nodes of the physical plan `segc explain ... --physical` (`command`) prints, which must
/// succeed.
pub fn physical_nodes(command: &mut Command) -> Vec<String> {
    let plan = transcript(command);
    assert!(plan.starts_with("exit: 0"), "{plan}");
    let physical = plan
        .split("-- physical plan")
        .nth(1)
        .expect("a physical plan");
    plan_nodes(physical)
}
