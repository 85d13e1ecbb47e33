//! Real storage servers on 127.0.0.1 for the lake tests: moto (S3) and gcp-storage-emulator (GCS)
//! from a Python venv, azurite (Azure Blob) from npm; and SciPy, in a venv of its own, for the
//! statistics of A/B readouts (`scipy_python`). They are installed once into a cache folder
//! (`$SEGC_TEST_TOOLS`, else `~/.cache/segc-test-tools`; reinstalled when `tests/servers/`
//! changes) and started once per test process on free ports. A server that cannot be installed or
//! started fails the tests that need it: never a silent skip.
//!
//! Each server runs under a small shell watchdog that stops it when the test process is gone, so
//! an interrupted `cargo test` leaves no server behind.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A server started for the tests.
#[derive(Debug)]
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// Where its output goes (shown when it does not start).
    pub log: PathBuf,
}

/// Installs are done one at a time (pip and npm share the cache folder).
static INSTALLING: Mutex<()> = Mutex::new(());

/// The S3 server (moto).
pub fn s3() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let venv = python_tools();
        start("moto", |port| {
            format!(
                "{} -H 127.0.0.1 -p {port}",
                venv.join("bin/moto_server").display()
            )
        })
    })
}

/// The Google Cloud Storage server (gcp-storage-emulator, in memory).
pub fn gcs() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let venv = python_tools();
        start("gcs", |port| {
            format!(
                "{} start --host 127.0.0.1 --port {port} --in-memory",
                venv.join("bin/gcp-storage-emulator").display()
            )
        })
    })
}

/// The Azure Blob server (azurite), with its well-known development account.
pub fn azure() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let node = node_tools();
        let data = tempfile::Builder::new()
            .prefix("segc-azurite-")
            .tempdir()
            .expect("azurite's folder")
            .keep();
        start("azurite", |port| {
            format!(
                "{} --blobHost 127.0.0.1 --blobPort {port} --location {} --silent --skipApiVersionCheck --loose",
                node.join("node_modules/.bin/azurite-blob").display(),
                data.display()
            )
        })
    })
}

/// The azurite development account's name and key (public, documented by Microsoft).
pub const AZURITE_ACCOUNT: &str = "devstoreaccount1";
/// See [`AZURITE_ACCOUNT`].
pub const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// The folder test tools are installed in.
fn tools_dir() -> PathBuf {
    std::env::var_os("SEGC_TEST_TOOLS").map_or_else(
        || {
            let home = std::env::var_os("HOME").expect("HOME is set");
            PathBuf::from(home).join(".cache/segc-test-tools")
        },
        PathBuf::from,
    )
}

/// The declared tools' files: an install is redone when they change.
fn specification(files: &[&str]) -> String {
    files
        .iter()
        .map(|f| {
            std::fs::read_to_string(Path::new("tests/servers").join(f))
                .unwrap_or_else(|e| panic!("tests/servers/{f}: {e}"))
        })
        .collect()
}

/// Runs `command` (shell words), panicking with its output when it fails.
fn run(what: &str, command: &str, dir: &Path) {
    let output = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Installs `files` of `tests/servers` into `name` under the tools folder with `install` (run
/// there), unless the same files were installed before. Returns the folder.
fn installed(name: &str, files: &[&str], install: &dyn Fn(&Path)) -> PathBuf {
    let _one_at_a_time = INSTALLING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tools_dir().join(name);
    let wanted = specification(files);
    let stamp = dir.join(".installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tools folder");
    for file in files {
        std::fs::copy(Path::new("tests/servers").join(file), dir.join(file)).expect("copy");
    }
    install(&dir);
    std::fs::write(&stamp, wanted).expect("stamp");
    dir
}

/// The Python venv with moto and gcp-storage-emulator.
fn python_tools() -> PathBuf {
    let dir = installed("python", &["requirements.txt"], &|dir| {
        run("python3 -m venv", "python3 -m venv venv", dir);
        run(
            "pip install",
            "venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt",
            dir,
        );
    });
    dir.join("venv")
}

/// The Python interpreter of a venv with SciPy, the reference the A/B readouts' statistics
/// are checked against (installed once like the servers; never skipped).
pub fn scipy_python() -> PathBuf {
    let dir = installed("scipy", &["scipy-requirements.txt"], &|dir| {
        run("python3 -m venv", "python3 -m venv venv", dir);
        run(
            "pip install",
            "venv/bin/pip install --quiet --disable-pip-version-check -r scipy-requirements.txt",
            dir,
        );
    });
    dir.join("venv/bin/python")
}

/// The npm packages (azurite).
fn node_tools() -> PathBuf {
    installed("node", &["package.json", "package-lock.json"], &|dir| {
        run("npm ci", "npm ci --silent --no-audit --no-fund", dir);
    })
}

/// A port free at the time of asking.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `command(port)` under a watchdog and waits until it accepts connections.
fn start(name: &str, command: impl Fn(u16) -> String) -> Server {
    let port = free_port();
    let log = std::env::temp_dir().join(format!("segc-test-{name}-{}.log", std::process::id()));
    let watched = format!(
        "{} > {} 2>&1 & server=$!; while kill -0 {} 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 0.5; done; kill $server 2>/dev/null",
        command(port),
        log.display(),
        std::process::id()
    );
    let mut watchdog = Command::new("sh")
        .arg("-c")
        .arg(watched)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {name}: {e}"));
    // Reaped when it ends (with the server, or with this process).
    std::thread::spawn(move || watchdog.wait());
    let deadline = Instant::now() + Duration::from_secs(90);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let output = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("{name} did not start on port {port}:\n{output}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Server {
        endpoint: format!("http://127.0.0.1:{port}"),
        log,
    }
}

/// Creates `bucket` on `server` (of `kind`: `s3`, `azure` or `gcs`) and uploads the files of
/// `source` under `prefix` (`tests/servers/seed.py`).
pub fn seed(kind: &str, server: &Server, bucket: &str, source: &Path, prefix: &str) {
    seed_with(kind, server, bucket, source, prefix, &[]);
}

/// [`seed`] with more arguments of `seed.py` (`public`).
pub fn seed_with(
    kind: &str,
    server: &Server,
    bucket: &str,
    source: &Path,
    prefix: &str,
    more: &[&str],
) {
    let python = python_tools().join("bin/python");
    let output = Command::new(python)
        .arg("tests/servers/seed.py")
        .args([kind, &server.endpoint, bucket])
        .arg(source)
        .arg(prefix)
        .args(more)
        .output()
        .expect("seed.py");
    assert!(
        output.status.success(),
        "seeding {kind} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
