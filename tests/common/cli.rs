//! Running the `segc` binary in tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `segc` binary, without colours.
pub fn segc() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_segc"));
    command.env("NO_COLOR", "1").env_remove("SEGC_ENV");
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
