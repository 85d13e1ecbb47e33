//! `--cluster` and `segc worker` (docs/cluster.md): two workers started from this build on
//! free ports of 127.0.0.1 run the examples and the benchmark's rules, member for member as a
//! local run; unreachable and lost workers are coded errors that publish nothing. Without the
//! `cluster` feature, the commands say so (E1804).

use crate::common::cli::{repo, segc};

/// `segc run` of the retail example into `out` with `--cluster CLUSTER`: its exit code and
/// stderr.
fn run_retail_on(out: &std::path::Path, cluster: &str) -> (Option<i32>, String) {
    let output = segc()
        .args([
            "run",
            "examples/retail/retail.seg",
            "--as-of",
            "2026-11-01",
            "--out",
        ])
        .arg(out)
        .args(["--cluster", cluster])
        .current_dir(repo("."))
        .output()
        .expect("segc runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}

#[cfg(not(feature = "cluster"))]
#[test]
fn without_the_feature_the_cluster_is_e1804() {
    let out = tempfile::tempdir().expect("temp");
    let (code, stderr) = run_retail_on(out.path(), "http://127.0.0.1:7100");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("E1804"), "{stderr}");
    assert!(!out.path().join("membership.parquet").exists());
    let worker = segc()
        .args(["worker", "--listen", "127.0.0.1:0"])
        .output()
        .expect("segc runs");
    assert_eq!(worker.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&worker.stderr).contains("E1804"));
}

#[test]
fn worker_urls_are_checked_before_anything_runs() {
    let out = tempfile::tempdir().expect("temp");
    let (code, stderr) = run_retail_on(out.path(), "ftp://node:1,http://node");
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stderr.matches("E1803").count(), 2, "{stderr}");
    assert!(std::fs::read_dir(out.path()).expect("dir").next().is_none());
}

#[test]
fn the_project_names_the_workers_and_the_command_line_overrides_them() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::copy(repo("examples/rfm/rfm.seg"), dir.path().join("rfm.seg")).expect("rules");
    let data = repo("examples/retail/data");
    let rules = std::fs::read_to_string(dir.path().join("rfm.seg")).expect("rules");
    let rules = rules.replace("\"../retail/data/", &format!("\"{}/", data.display()));
    std::fs::write(dir.path().join("rfm.seg"), rules).expect("rules");
    // Nothing listens on port 1.
    let toml = "[cluster]\nworkers = [\"http://127.0.0.1:1\"]\n";
    std::fs::write(dir.path().join("segc.toml"), toml).expect("toml");
    let root = data.to_string_lossy().into_owned();
    let run = |extra: &[&str]| {
        let output = segc()
            .args([
                "run",
                "rfm.seg",
                "--as-of",
                "2026-11-01",
                "--out",
                "out",
                "--quiet",
            ])
            .args(["--data-root", &root])
            .args(extra)
            .current_dir(dir.path())
            .output()
            .expect("segc runs");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.code(), stderr)
    };
    let (code, stderr) = run(&[]);
    assert_eq!(code, Some(2), "{stderr}");
    let expected = if cfg!(feature = "cluster") {
        "E1801"
    } else {
        "E1804"
    };
    assert!(stderr.contains(expected), "{stderr}");
    assert!(
        !dir.path().join("out").exists(),
        "nothing written: {stderr}"
    );
    let (code, stderr) = run(&["--cluster", "ftp://elsewhere:2"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("E1803") && !stderr.contains("127.0.0.1:1"),
        "{stderr}"
    );
}

#[cfg(feature = "cluster")]
pub(crate) mod on_workers {
    use std::io::{BufRead, BufReader};
    use std::path::Path;
    use std::process::{Child, Stdio};
    use std::sync::{Arc, Mutex};

    use crate::common::cli::{repo, segc};

    /// Runs `rules` with `extra` arguments into `out` (the membership as CSV), from the
    /// checkout: the exit code and stderr.
    fn run(rules: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
        let output = segc()
            .arg("run")
            .arg(rules)
            .args([
                "--as-of",
                "2026-11-01",
                "--quiet",
                "--format",
                "csv",
                "--out",
            ])
            .arg(out)
            .args(extra)
            .current_dir(repo("."))
            .output()
            .expect("segc runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// `segc worker` processes on free ports of 127.0.0.1, killed when dropped.
    pub(crate) struct Workers {
        children: Vec<Child>,
        pub(crate) urls: Vec<String>,
        /// What they wrote on stderr.
        log: Arc<Mutex<String>>,
    }

    impl Workers {
        /// `n` workers, each ready (its ready line read) before this returns.
        pub(crate) fn start(n: usize) -> Workers {
            Workers::start_with(n, &[])
        }

        /// `n` workers whose environment has no cloud credentials or settings but `env`.
        pub(crate) fn start_with(n: usize, env: &[(&str, &str)]) -> Workers {
            let mut workers = Workers {
                children: Vec::new(),
                urls: Vec::new(),
                log: Arc::default(),
            };
            for _ in 0..n {
                let mut command = segc();
                for (name, _) in std::env::vars() {
                    if ["AWS_", "AZURE_", "GOOGLE_"]
                        .iter()
                        .any(|p| name.starts_with(p))
                    {
                        command.env_remove(name);
                    }
                }
                let mut child = command
                    .envs(env.iter().copied())
                    .args(["worker", "--listen", "127.0.0.1:0", "--threads", "2"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("worker starts");
                let stderr = child.stderr.take().expect("stderr");
                workers.children.push(child);
                let mut reader = BufReader::new(stderr);
                let mut line = String::new();
                let address = loop {
                    line.clear();
                    let read = reader.read_line(&mut line).expect("worker's stderr");
                    assert!(read > 0, "the worker ended before it was ready");
                    if let Some(address) = line.trim().strip_prefix("segc worker listening on ") {
                        break address.to_string();
                    }
                };
                // Its later messages are read so that it never blocks on a full pipe.
                let log = Arc::clone(&workers.log);
                std::thread::spawn(move || {
                    for line in reader.lines().map_while(Result::ok) {
                        let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                        log.push_str(&line);
                        log.push('\n');
                    }
                });
                workers.urls.push(format!("http://{address}"));
            }
            workers
        }

        /// The `--cluster` argument, with small input splits so that small data is split
        /// over the workers too.
        pub(crate) fn args(&self) -> Vec<String> {
            vec![
                "--cluster".into(),
                self.urls.join(","),
                "--cluster-split".into(),
                "1".into(),
            ]
        }

        /// What the workers wrote on stderr after their ready lines.
        pub(crate) fn log(&self) -> String {
            self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
        }

        /// Kills the `i`th worker.
        fn kill(&mut self, i: usize) {
            let _ = self.children[i].kill();
            let _ = self.children[i].wait();
        }
    }

    impl Drop for Workers {
        fn drop(&mut self) {
            for child in &mut self.children {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    /// Runs `rules` here and on `workers` (with `extra` arguments): both succeed and write the
    /// same members, byte for byte.
    fn same_members(workers: &Workers, rules: &Path, extra: &[&str]) {
        let (local, cluster) = (
            tempfile::tempdir().expect("temp"),
            tempfile::tempdir().expect("temp"),
        );
        let (code, stderr) = run(rules, local.path(), extra);
        assert_eq!(code, 0, "local run of {}: {stderr}", rules.display());
        let on_cluster: Vec<String> = workers.args();
        let mut args: Vec<&str> = extra.to_vec();
        args.extend(on_cluster.iter().map(String::as_str));
        let (code, stderr) = run(rules, cluster.path(), &args);
        assert_eq!(code, 0, "cluster run of {}: {stderr}", rules.display());
        let members = |dir: &Path| std::fs::read(dir.join("membership.csv")).expect("membership");
        let local_members = members(local.path());
        assert!(
            local_members.len() > 100,
            "{} wrote members",
            rules.display()
        );
        assert!(
            local_members == members(cluster.path()),
            "{}: the cluster's members differ from the local run's",
            rules.display()
        );
    }

    #[test]
    fn the_examples_give_the_same_members_on_two_workers() {
        let workers = Workers::start(2);
        for rules in [
            "examples/retail/retail.seg",
            "examples/rfm/rfm.seg",
            "examples/b2b/accounts.seg",
            "examples/b2b/contacts.seg",
            "examples/project/campaigns/winback.seg",
            "examples/project/campaigns/loyalty.seg",
        ] {
            same_members(&workers, &repo(rules), &[]);
        }
        // examples/lake reads object storage: cluster_lake.rs runs it with moto's S3.
    }

    /// `segc run examples/rfm/rfm.seg` on `workers` into `out`, from the checkout, without a
    /// cluster token in its environment.
    fn rfm_on(workers: &Workers, out: &Path) -> std::process::Command {
        let mut command = segc();
        command
            .args([
                "run",
                "examples/rfm/rfm.seg",
                "--as-of",
                "2026-11-01",
                "--out",
            ])
            .arg(out)
            .args(workers.args())
            .env_remove("SEGC_CLUSTER_TOKEN")
            .current_dir(repo("."));
        command
    }

    #[test]
    fn progress_lines_say_each_stage_and_its_tasks() {
        let workers = Workers::start(2);
        let out = tempfile::tempdir().expect("temp");
        let stderr = |more: &[&str]| {
            let output = rfm_on(&workers, out.path())
                .args(["--progress", "lines"])
                .args(more)
                .output()
                .expect("segc runs");
            assert_eq!(output.status.code(), Some(0));
            String::from_utf8_lossy(&output.stderr).into_owned()
        };
        // The phases, then the stages of the distributed plan as the workers report them.
        let said = stderr(&[]);
        let lines: Vec<&str> = said.lines().filter(|l| l.starts_with("segc ")).collect();
        assert!(lines.iter().any(|l| l.ends_with(" planning")), "{said}");
        assert!(
            lines
                .iter()
                .any(|l| l.contains(" computing · stage 1 ") && l.contains(" tasks")),
            "{said}"
        );
        // `--quiet` wins: no progress at all.
        let said = stderr(&["--quiet"]);
        assert!(!said.contains("segc "), "{said}");
    }

    #[test]
    fn workers_with_a_token_refuse_clients_without_it() {
        const TOKEN: &str = "segc-test-token-5f2b9c";
        let workers = Workers::start_with(2, &[("SEGC_CLUSTER_TOKEN", TOKEN)]);
        let out = tempfile::tempdir().expect("temp");
        let run = |token: Option<&str>| {
            let mut command = rfm_on(&workers, out.path());
            if let Some(token) = token {
                command.env("SEGC_CLUSTER_TOKEN", token);
            }
            let output = command.output().expect("segc runs");
            (
                output.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            )
        };
        for wrong in [None, Some("another-token")] {
            let (code, stderr) = run(wrong);
            assert_eq!(code, 2, "{stderr}");
            assert!(stderr.contains("E1807"), "{stderr}");
            assert!(!out.path().join("membership.parquet").exists());
        }
        let (code, stderr) = run(Some(TOKEN));
        assert_eq!(code, 0, "{stderr}");
        assert!(out.path().join("membership.parquet").exists());
        // The token is never shown, by the client or the workers.
        assert!(!stderr.contains(TOKEN) && !workers.log().contains(TOKEN));
        // Workers without a token say so when they start.
        let open = Workers::start(1);
        // The warning follows the ready line: give the reader of its stderr a moment.
        for _ in 0..50 {
            if open.log().contains("SEGC_CLUSTER_TOKEN is not set") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(
            open.log().contains("SEGC_CLUSTER_TOKEN is not set"),
            "{}",
            open.log()
        );
    }

    /// `segc kpi --format json` of `rules`, with `extra` arguments: exit code and stdout.
    fn kpi(rules: &str, extra: &[String]) -> (i32, String) {
        let output = segc()
            .args(["kpi", rules, "--as-of", "2026-11-01", "--format", "json"])
            .args(extra)
            .current_dir(repo("."))
            .output()
            .expect("segc runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.code().is_some(), "{stderr}");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }

    #[test]
    fn kpis_measure_the_same_values_on_two_workers() {
        let workers = Workers::start(2);
        for rules in [
            "examples/kpi/kpis.seg",
            "examples/kpi/campaign.seg",
            "examples/b2b/kpis.seg",
        ] {
            let local = kpi(rules, &[]);
            assert!(
                local.1.contains("\"kpis\"") || local.1.len() > 10,
                "{rules}: {local:?}"
            );
            assert_eq!(kpi(rules, &workers.args()), local, "{rules}");
        }
    }

    #[test]
    fn the_benchmark_gives_the_same_members_on_two_workers_and_explain_shows_the_stages() {
        let data = tempfile::tempdir().expect("temp");
        crate::common::duckdb::bench_data("0.01", data.path());
        let shown = data.path().to_string_lossy().into_owned();
        let var = format!("BENCH_DATA={shown}");
        let extra = ["--var", &var, "--data-root", &shown];
        let workers = Workers::start(2);
        same_members(&workers, &repo("bench/bench.seg"), &extra);

        let output = segc()
            .args([
                "explain",
                "bench/bench.seg",
                "--as-of",
                "2026-11-01",
                "--physical",
            ])
            .args(extra)
            .args(workers.args())
            .current_dir(repo("."))
            .output()
            .expect("segc runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("DistributedExec"), "{stdout}");
        assert!(stdout.contains("Stage 1"), "{stdout}");
        assert!(stdout.contains("tasks=2"), "{stdout}");
    }

    #[test]
    fn an_unreachable_worker_is_e1801_and_nothing_is_written() {
        let workers = Workers::start(1);
        // A port that was free a moment ago: nothing listens there.
        let free = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        let gone = format!("http://{}", free.local_addr().expect("address"));
        drop(free);
        let out = tempfile::tempdir().expect("temp");
        let cluster = format!("{},{gone}", workers.urls[0]);
        let (code, stderr) = run(
            &repo("examples/retail/retail.seg"),
            out.path(),
            &["--cluster", &cluster],
        );
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("E1801") && stderr.contains(&gone),
            "{stderr}"
        );
        assert!(std::fs::read_dir(out.path()).expect("dir").next().is_none());
    }

    #[test]
    fn a_worker_lost_during_a_run_completes_or_fails_cleanly() {
        let data = tempfile::tempdir().expect("temp");
        crate::common::duckdb::bench_data("0.01", data.path());
        let shown = data.path().to_string_lossy().into_owned();
        let var = format!("BENCH_DATA={shown}");
        let rules = repo("bench/bench.seg");
        let out = tempfile::tempdir().expect("temp");
        let local = tempfile::tempdir().expect("temp");
        let base = ["--var", var.as_str(), "--data-root", shown.as_str()];
        // The outputs of an earlier run, which a failed run must leave as they are.
        assert_eq!(run(&rules, out.path(), &base).0, 0);
        assert_eq!(run(&rules, local.path(), &base).0, 0);
        let before = std::fs::read(out.path().join("membership.csv")).expect("earlier");

        let mut workers = Workers::start(2);
        let mut args: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        args.extend(workers.args());
        let mut client = segc()
            .arg("run")
            .arg(&rules)
            .args([
                "--as-of",
                "2026-11-01",
                "--quiet",
                "--format",
                "csv",
                "--out",
            ])
            .arg(out.path())
            .args(&args)
            .current_dir(repo("."))
            .stderr(Stdio::piped())
            .spawn()
            .expect("client starts");
        // Killed once the client is connected to it (or has ended).
        let port = workers.urls[1]
            .rsplit(':')
            .next()
            .expect("port")
            .to_string();
        while !connected(&port) && client.try_wait().expect("client").is_none() {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        workers.kill(1);
        let output = client.wait_with_output().expect("client ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let after = std::fs::read(out.path().join("membership.csv")).expect("membership");
        match output.status.code() {
            // The worker was lost after its stages ran: the members are those of a local run.
            Some(0) => assert_eq!(
                after,
                std::fs::read(local.path().join("membership.csv")).expect("local")
            ),
            Some(2) => {
                assert!(
                    stderr.contains("E1801") || stderr.contains("E1802"),
                    "{stderr}"
                );
                assert!(
                    stderr.contains(&workers.urls[1]),
                    "names the worker: {stderr}"
                );
                assert!(after == before, "a failed run publishes nothing");
            }
            other => panic!("exit {other:?}: {stderr}"),
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
    }

    /// Whether a TCP connection to `port` on this machine is established (Linux: /proc/net/tcp,
    /// local port in hexadecimal, state 01).
    fn connected(port: &str) -> bool {
        let port: u16 = port.parse().expect("port");
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
        let hex = format!(":{port:04X}");
        table.lines().skip(1).any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.len() > 3 && fields[1].ends_with(&hex) && fields[3] == "01"
        })
    }
}
