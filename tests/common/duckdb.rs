//! DuckDB (from a Python venv installed once, like the storage servers' tools) as an
//! independent engine: tests compare segc's numbers with what DuckDB computes from the same
//! files.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The venv's Python, with DuckDB (installed on first use; reinstalled when
/// `tests/servers/duckdb-requirements.txt` changes).
fn python() -> PathBuf {
    let dir = super::servers::installed("duckdb", &["duckdb-requirements.txt"], &|dir| {
        super::servers::run("python3 -m venv", "python3 -m venv venv", dir);
        super::servers::run(
            "pip install",
            "venv/bin/pip install --quiet --disable-pip-version-check -r duckdb-requirements.txt",
            dir,
        );
    });
    dir.join("venv/bin/python")
}

/// The rows of `sql` run by DuckDB in the folder `dir`, one line each, values separated by
/// `,`. Panics (failing the test) with DuckDB's message when the query fails.
pub fn query(dir: &Path, sql: &str) -> Vec<String> {
    let script = "import sys, duckdb\nfor row in duckdb.sql(sys.argv[1]).fetchall():\n    print(','.join('' if v is None else str(v) for v in row))\n";
    run(dir, script, sql).lines().map(str::to_string).collect()
}

/// What DuckDB gives for `sql` (run in `dir`, so relative paths name its files): a header line
/// of the column names, then one line per row, values separated by commas, null empty.
pub fn csv(dir: &Path, sql: &str) -> String {
    let script = "import duckdb, sys\n\
        rel = duckdb.sql(sys.argv[1])\n\
        print(','.join(rel.columns))\n\
        for row in rel.fetchall():\n    \
        print(','.join('' if v is None else str(v) for v in row))\n";
    run(dir, script, sql)
}

/// The standard output of the Python `script` given `sql`, run in `dir`.
fn run(dir: &Path, script: &str, sql: &str) -> String {
    let output = Command::new(python())
        .arg("-c")
        .arg(script)
        .arg(sql)
        .current_dir(dir)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "DuckDB failed on {sql}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The benchmark's data at scale factor `sf` written to `out` by `bench/generate.py` (with the
/// tests' DuckDB).
pub fn bench_data(sf: &str, out: &Path) {
    let status = Command::new(python())
        .arg(super::cli::repo("bench/generate.py"))
        .args(["--sf", sf, "--out"])
        .arg(out)
        .output()
        .expect("python runs");
    assert!(
        status.status.success(),
        "bench/generate.py failed:\n{}",
        String::from_utf8_lossy(&status.stderr)
    );
}
