//! Sources in object storage and Delta tables on two `segc worker`s (docs/cluster.md, "Object
//! storage on workers"): the workers build the stores from the client's `[storage]` settings
//! and their own credentials, and give the members of a local run; workers that cannot read the
//! store give a coded error that publishes nothing; no secret appears anywhere.

use std::path::Path;

use crate::cluster::on_workers::Workers;
use crate::common::cli::{repo, segc, transcript};
use crate::common::servers::AZURITE_KEY;
use crate::lake::{S3_CREDENTIALS, azure_lake, azure_settings, lake_project, s3_lake, s3_settings};

/// `segc run RULES` in `dir` into `dir/OUT` as CSV, with `extra` arguments and no cloud
/// credentials or settings in the environment but `env`.
fn run_in(dir: &Path, rules: &str, out: &str, env: &[(&str, &str)], extra: &[String]) -> String {
    let mut command = segc();
    for (name, _) in std::env::vars() {
        if ["AWS_", "AZURE_", "GOOGLE_"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            command.env_remove(name);
        }
    }
    command
        .current_dir(dir)
        .args(["run", rules, "--as-of", "2026-11-01", "--quiet"])
        .args(["--format", "csv", "--out", out])
        .args(extra)
        .envs(env.iter().copied());
    transcript(&mut command)
}

fn members(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("membership.csv")).expect("membership")
}

/// Whether a run published members or a summary to `out`.
fn published(out: &Path) -> bool {
    ["membership.csv", "summary.json"]
        .iter()
        .any(|file| out.join(file).exists())
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port()
}

#[test]
fn sources_in_s3_give_the_local_runs_members_on_two_workers() {
    let server = s3_lake();
    let dir = lake_project("s3://lake/retail/", &s3_settings(server));
    // The endpoint comes from segc.toml, sent with the plans; the credentials from the
    // workers' own environment.
    let workers = Workers::start_with(2, &S3_CREDENTIALS);
    let local = run_in(dir.path(), "retail.seg", "local", &S3_CREDENTIALS, &[]);
    assert!(local.starts_with("exit: 0"), "{local}");
    let cluster = run_in(
        dir.path(),
        "retail.seg",
        "cluster",
        &S3_CREDENTIALS,
        &workers.args(),
    );
    assert!(cluster.starts_with("exit: 0"), "{cluster}");
    let local_members = members(&dir.path().join("local"));
    assert!(local_members.len() > 100, "members written");
    assert!(
        local_members == members(&dir.path().join("cluster")),
        "the cluster's members differ from the local run's"
    );

    // The scans of the S3 files are stages of two tasks, run by the workers.
    let mut explain = segc();
    explain
        .current_dir(dir.path())
        .args([
            "explain",
            "retail.seg",
            "--as-of",
            "2026-11-01",
            "--physical",
        ])
        .args(workers.args())
        .envs(S3_CREDENTIALS.iter().copied());
    let plan = transcript(&mut explain);
    assert!(plan.starts_with("exit: 0"), "{plan}");
    assert!(
        plan.contains("tasks=2") && plan.contains("DistributedLeafExec"),
        "{plan}"
    );

    let secret = S3_CREDENTIALS[1].1;
    let mut outputs = vec![local, cluster, plan, workers.log()];
    for out in ["local", "cluster"] {
        for entry in std::fs::read_dir(dir.path().join(out)).expect("outputs") {
            let bytes = std::fs::read(entry.expect("entry").path()).expect("output");
            outputs.push(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    for output in &outputs {
        assert!(!output.contains(secret), "a secret in:\n{output}");
    }
}

#[test]
fn sources_in_azure_give_the_local_runs_members_on_two_workers() {
    let server = azure_lake();
    let dir = lake_project("az://lake/retail/", &azure_settings(server, ""));
    // The account's name and endpoint come from segc.toml, its key from each environment.
    let key = [("AZURE_STORAGE_ACCOUNT_KEY", AZURITE_KEY)];
    let workers = Workers::start_with(2, &key);
    let local = run_in(dir.path(), "retail.seg", "local", &key, &[]);
    assert!(local.starts_with("exit: 0"), "{local}");
    let cluster = run_in(dir.path(), "retail.seg", "cluster", &key, &workers.args());
    assert!(cluster.starts_with("exit: 0"), "{cluster}");
    let local_members = members(&dir.path().join("local"));
    assert!(local_members.len() > 100, "members written");
    assert!(
        local_members == members(&dir.path().join("cluster")),
        "the cluster's members differ from the local run's"
    );
    for output in [&local, &cluster, &workers.log()] {
        assert!(!output.contains(AZURITE_KEY), "a secret in:\n{output}");
    }
}

#[test]
fn the_lake_example_gives_the_local_runs_members_on_two_workers() {
    let server = s3_lake();
    // examples/lake takes its endpoint from the environment, on the client and the workers.
    let mut env = S3_CREDENTIALS.to_vec();
    env.extend([
        ("AWS_ENDPOINT_URL", server.endpoint.as_str()),
        ("AWS_ALLOW_HTTP", "true"),
    ]);
    let workers = Workers::start_with(2, &env);
    let out = tempfile::tempdir().expect("tempdir");
    let at = |name: &str| out.path().join(name).display().to_string();
    let rules = "examples/lake/lake.seg";
    let local = run_in(&repo(""), rules, &at("local"), &env, &[]);
    assert!(local.starts_with("exit: 0"), "{local}");
    let cluster = run_in(&repo(""), rules, &at("cluster"), &env, &workers.args());
    assert!(cluster.starts_with("exit: 0"), "{cluster}");
    let local_members = members(&out.path().join("local"));
    assert!(local_members.len() > 100, "members written");
    assert!(
        local_members == members(&out.path().join("cluster")),
        "the cluster's members differ from the local run's"
    );
}

#[test]
fn workers_that_cannot_read_the_store_are_coded_and_publish_nothing() {
    let server = s3_lake();
    let settings =
        s3_settings(server).replace("[storage.s3]", "[storage]\nretries = 1\n\n[storage.s3]");
    let dir = lake_project("s3://lake/retail/", &settings);
    // No credentials on the workers, and no instance metadata service to fall back to: the
    // client's credentials never travel with the plans.
    let metadata = format!("http://127.0.0.1:{}", closed_port());
    let workers = Workers::start_with(2, &[("AWS_METADATA_ENDPOINT", metadata.as_str())]);
    let out = run_in(
        dir.path(),
        "retail.seg",
        "out",
        &S3_CREDENTIALS,
        &workers.args(),
    );
    assert!(out.starts_with("exit: 2"), "{out}");
    assert!(out.contains("E0719") || out.contains("E0720"), "{out}");
    assert!(out.contains("workers"), "the help names the workers: {out}");
    assert!(!published(&dir.path().join("out")), "{out}");
    assert!(!out.contains(S3_CREDENTIALS[1].1), "{out}");
    assert!(
        !workers.log().contains(S3_CREDENTIALS[1].1),
        "the workers never see it"
    );
    assert!(!out.contains("panicked"), "{out}");

    // Credentials, but an endpoint (the workers' own, examples/lake's way) that does not answer.
    let mut env = S3_CREDENTIALS.to_vec();
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    env.extend([
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ALLOW_HTTP", "true"),
    ]);
    let workers = Workers::start_with(2, &env);
    let mut client_env = S3_CREDENTIALS.to_vec();
    client_env.extend([
        ("AWS_ENDPOINT_URL", server.endpoint.as_str()),
        ("AWS_ALLOW_HTTP", "true"),
    ]);
    let folder = tempfile::tempdir().expect("tempdir");
    let shown = folder.path().join("out").display().to_string();
    let rules = "examples/lake/lake.seg";
    let out = run_in(&repo(""), rules, &shown, &client_env, &workers.args());
    assert!(out.starts_with("exit: 2"), "{out}");
    assert!(out.contains("E0720"), "{out}");
    assert!(!published(&folder.path().join("out")), "{out}");
}

/// A Delta table (`delta::customers_table`, three files at version 2) aggregated for a
/// population read from CSV: on two workers, the stage reading it cannot be sent (deltalake has
/// no codec for its scan), a coded error before anything runs; explain shows the stages.
#[test]
fn delta_sources_on_workers_are_a_coded_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::delta::customers_table(&dir.path().join("customers"));
    let people: String = (1..=8).map(|id| format!("{id}\n")).collect();
    std::fs::write(
        dir.path().join("people.csv"),
        format!("customer_id\n{people}"),
    )
    .expect("people");
    let rules = "source people from csv \"people.csv\" {\n  key customer_id: int\n}\nsource orders from delta \"customers\" with (version = 2) {\n  customer_id: int references people\n  region: string?\n  amount: int?\n}\npopulation people\nsegment eu_buyers = exists(orders where region == \"eu\")\nsegment big_buyers = count(orders where amount >= 100) >= 1\n";
    std::fs::write(dir.path().join("rules.seg"), rules).expect("rules");
    let workers = Workers::start(2);
    let local = run_in(dir.path(), "rules.seg", "local", &[], &[]);
    assert!(local.starts_with("exit: 0"), "{local}");
    let started = std::time::Instant::now();
    let cluster = run_in(dir.path(), "rules.seg", "cluster", &[], &workers.args());
    assert!(cluster.starts_with("exit: 2"), "{cluster}");
    assert!(
        cluster.contains("E1806") && cluster.contains("Delta"),
        "{cluster}"
    );
    assert!(!published(&dir.path().join("cluster")), "{cluster}");
    // Before any stage ran: the workers' time-out waiting for a plan is 10 s.
    assert!(started.elapsed().as_secs() < 8, "{cluster}");

    let mut explain = segc();
    explain
        .current_dir(dir.path())
        .args([
            "explain",
            "rules.seg",
            "--as-of",
            "2026-11-01",
            "--physical",
        ])
        .args(workers.args());
    let plan = transcript(&mut explain);
    assert!(plan.starts_with("exit: 0"), "{plan}");
    assert!(
        plan.contains("DeltaScanExec") && plan.contains("tasks=2"),
        "{plan}"
    );

    // A plan whose stages all have one task runs in the client: Delta reads there.
    let one = run_in(
        dir.path(),
        "rules.seg",
        "one",
        &[],
        &["--cluster".into(), workers.urls[0].clone()],
    );
    assert!(one.starts_with("exit: 0"), "{one}");
    assert_eq!(
        members(&dir.path().join("local")),
        members(&dir.path().join("one"))
    );
}
