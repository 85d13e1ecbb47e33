//! The library driver as a front end uses it: what each call returns, and where each problem
//! belongs (a rule file, or none).

use std::path::{Path, PathBuf};

use segc::driver::{
    ExplainRequest, OutputChoice, Session, Stopped, check_files, project_rule_files,
};
use segc::lower::Selection;

use crate::common::{as_of, runtime, session};

const QUANTILES: &str = "tests/fixtures/run/quantiles/rules.seg";

fn codes(diagnostics: &[segc::diagnostics::Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code()).collect()
}

/// Writes `text` as `rules.seg` in a new folder.
fn rule_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rules.seg");
    std::fs::write(&path, text).expect("rules");
    (dir, path)
}

#[test]
fn a_file_with_errors_opens_with_its_diagnostics_and_no_session() {
    let (_dir, path) = rule_file(
        "source c from csv \"c.csv\" {\n  key id: int\n}\nsegment a = nope > 1\nsegment b = also_nope\n",
    );
    let opened = Session::open(&path, segc::driver::Options::default()).expect("read");
    assert_eq!(codes(opened.diagnostics()), ["E0201", "E0201"]);
    assert!(opened.sources().file(segc::files::FileId(0)).is_some());
    assert!(opened.into_session().is_none());
}

#[test]
fn bad_variables_stop_before_any_file_is_read() {
    let options = segc::driver::Options {
        vars: vec!["1X=secret".into(), "NOEQUALS".into(), "GOOD=1".into()],
        ..Default::default()
    };
    let Err(Stopped::Standalone(problems)) = Session::open(Path::new("missing.seg"), options)
    else {
        panic!("variables are checked first, outside any rule file");
    };
    assert_eq!(codes(&problems), ["E0801", "E0801"]);
    let shown = format!("{problems:?}");
    assert!(!shown.contains("secret"), "a value is never shown: {shown}");
}

#[test]
fn data_problems_belong_to_the_rules_and_output_problems_to_none() {
    let (_dir, path) = rule_file("source c from csv \"absent.csv\" {\n  key id: int\n}\n");
    let session = session(&path, false).expect("checks");
    let Err(Stopped::InRules(problems)) = runtime().block_on(session.engine()) else {
        panic!("a missing data file is a problem of the declaration");
    };
    assert_eq!(codes(&problems), ["E0701"]);

    let session = session_of(QUANTILES);
    let stopped = runtime().block_on(async {
        let engine = session.engine().await.expect("registers");
        session
            .run(&engine, &Selection::All, &OutputChoice::default())
            .await
    });
    let Err(Stopped::Standalone(problems)) = stopped else {
        panic!("no output folder is a problem of the command, not of a rule file");
    };
    assert_eq!(codes(&problems), ["E0806"]);
}

fn session_of(path: &str) -> Session {
    session(Path::new(path), false).unwrap_or_else(|rendered| panic!("{rendered}"))
}

#[test]
fn a_run_returns_its_summary_and_where_it_wrote() {
    let session = session_of(QUANTILES);
    let out = tempfile::tempdir().expect("tempdir");
    let selection = session
        .select(&["top_spend".to_string()])
        .expect("a known segment");
    let ran = runtime()
        .block_on(async {
            let engine = session.engine().await?;
            let output = OutputChoice {
                dir: Some(out.path().to_path_buf()),
                ..Default::default()
            };
            session.run(&engine, &selection, &output).await
        })
        .expect("runs");
    assert_eq!(ran.summary.as_of, as_of().to_string());
    let names: Vec<&str> = ran
        .summary
        .segments
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["top_spend"]);
    assert!(ran.spec.membership_path().is_file());
    assert!(ran.spec.summary_path().is_file());

    let Err(Stopped::Standalone(problems)) = session.select(&["top_spnd".to_string()]) else {
        panic!("an unknown segment is a problem of the arguments");
    };
    assert_eq!(codes(&problems), ["E0802"]);
}

#[test]
fn explain_over_the_declarations_reads_no_data() {
    // The data file does not exist: plans over the declarations never look for it.
    let (_dir, path) = rule_file(
        "source c from csv \"absent.csv\" {\n  key id: int\n  spend: int\n}\nlet tile = ntile(4, spend)\nsegment top = tile == 4\n",
    );
    let session = session(&path, false).expect("checks");
    let engine = session.bare_engine().expect("engine");
    let request = ExplainRequest {
        declared: true,
        ..Default::default()
    };
    let explanation = runtime()
        .block_on(session.explain(&engine, &Selection::All, request))
        .expect("plans");
    assert_eq!(explanation.passes.len(), 1);
    assert_eq!(
        explanation.passes[0].quantiles.len(),
        1,
        "one quantile ranked"
    );
    assert!(explanation.physical.is_none() && explanation.analyzed.is_none());
    let optimized = explanation.optimized.display_indent().to_string();
    assert!(optimized.contains("segc_ntile4"), "{optimized}");

    let kpis = ExplainRequest {
        kpis: true,
        ..request
    };
    let Err(Stopped::InRules(problems)) =
        runtime().block_on(session.explain(&engine, &Selection::All, kpis))
    else {
        panic!("no KPI to explain");
    };
    assert_eq!(codes(&problems), ["E1019"]);
}

#[test]
fn check_files_checks_a_file_given_twice_once() {
    let (_dir, path) =
        rule_file("source c from csv \"c.csv\" {\n  key id: int\n}\nsegment a = nope > 1\n");
    let checked = check_files(&[path.clone(), path.clone()]);
    assert_eq!(checked.files.len(), 1);
    assert!(checked.files[0].checked && checked.files[0].program.is_none());
    assert_eq!(codes(&checked.files[0].diagnostics), ["E0201"]);

    let empty = tempfile::tempdir().expect("tempdir");
    let problem = project_rule_files(empty.path()).expect_err("no project");
    assert_eq!(problem.code(), "E0805");
}

/// Files opened together share what they import: a source declared in a shared file is
/// registered (its location listed, its files' schemas checked) once in an engine they share;
/// one declared by a file of its own is registered for that file.
#[test]
fn files_opened_together_register_a_shared_source_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |path: &str, text: &str| {
        std::fs::write(dir.path().join(path), text).expect("write");
    };
    write(
        "customers.csv",
        "customer_id,status\n1,client\n2,prospect\n",
    );
    write(
        "shared.seg",
        "source customers from csv \"customers.csv\" {\n  key customer_id: int\n  status: string\n}\n\
         tiers kind {\n  client: status == \"client\"\n  other: else\n}\n",
    );
    write(
        "a.seg",
        "import \"shared.seg\"\nsegment a = kind == client\n",
    );
    write(
        "b.seg",
        "import \"shared.seg\"\nsegment b = kind == other\n",
    );
    let paths = [dir.path().join("a.seg"), dir.path().join("b.seg")];
    let options = segc::driver::Options {
        ignore_environment: true,
        as_of: Some(as_of()),
        threads: Some(2),
        ..Default::default()
    };
    let sessions: Vec<Session> = Session::open_all(&paths, options)
        .expect("opened")
        .into_iter()
        .map(|o| o.expect("readable").into_session().expect("no errors"))
        .collect();
    runtime().block_on(async {
        let mut engine = sessions[0].bare_engine().expect("engine");
        sessions[0]
            .register_in(&mut engine)
            .await
            .expect("registered");
        // Gone from the disk: registering it again would fail (E0701).
        std::fs::remove_file(dir.path().join("customers.csv")).expect("remove");
        sessions[1]
            .register_in(&mut engine)
            .await
            .expect("the shared source is not registered again");
        let alone = sessions[1].engine().await;
        assert!(
            matches!(alone, Err(Stopped::InRules(_))),
            "a fresh engine lists it"
        );
    });
    assert_eq!(sessions[0].place(), Path::new("a"));
}
