//! Files importing files: each folder of `tests/fixtures/imports/` is a small project whose
//! `main.seg` is checked with everything it imports; the diagnostics are rendered with the file
//! each of them points into.

use std::path::{Path, PathBuf};

use segc::check::{Settings, check_with};
use segc::diagnostics::FileProblem;
use segc::diagnostics::render::{Style, render_in};
use segc::load::{Disk, ReadFiles, Workspace};

/// Checks the first starting file of `workspace` as the command line does.
fn check_root(workspace: &Workspace) -> segc::check::Checked {
    let index = match &workspace.roots[0] {
        Ok(index) => *index,
        Err(problem) => panic!("unreadable: {problem:?}"),
    };
    let unit = workspace.unit(index);
    let settings = Settings {
        home: Some(unit.home),
        ..Settings::default()
    };
    check_with(&unit.program, &unit.diagnostics, &settings)
}

fn rendered(workspace: &Workspace, checked: &segc::check::Checked) -> String {
    checked
        .diagnostics
        .iter()
        .map(|d| render_in(d, &workspace.sources, Style::plain()))
        .collect()
}

#[test]
fn imports() {
    insta::glob!("fixtures/imports/*/main.seg", |main| {
        let workspace = Workspace::load(&[relative(main)], &Disk);
        let checked = check_root(&workspace);
        let case = main
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let text = rendered(&workspace, &checked);
        match case.as_str() {
            "shared" => {
                assert_eq!(text, "", "a clean project checks clean");
                let program = checked.program.expect("program");
                let names: Vec<&str> = program.sources.iter().map(|s| s.name.as_str()).collect();
                assert_eq!(names, ["customers", "orders"], "sources.seg is read once");
            }
            "account_population" => {
                assert_eq!(text, "", "a file chooses its own population");
                let program = checked.program.expect("program");
                assert_eq!(program.population().name, "companies");
            }
            "shared_tiers" => {
                assert_eq!(text, "", "imported tiers, segments and scores are usable");
                let program = checked.program.expect("program");
                let names = |ids: &[segc::hir::OutputId]| -> Vec<String> {
                    ids.iter()
                        .map(|o| program.output_name(*o).to_string())
                        .collect()
                };
                assert_eq!(names(&program.own_outputs()), ["vip_mailing", "engaged"]);
                assert_eq!(
                    names(&program.imported),
                    ["lifecycle", "emailable", "engagement"]
                );
                assert_eq!(program.kpis[0].groups.len(), 3, "one group per shared tier");
            }
            "lint_home" => {
                assert!(text.contains("unused_here"), "{text}");
                assert!(!text.contains("never_used"), "{text}");
                assert!(!text.contains("surveys"), "{text}");
            }
            _ => assert!(checked.program.is_none(), "{case} has errors"),
        }
        insta::assert_snapshot!(text);
    });
}

/// `path` relative to the crate root, so that snapshots do not depend on the checkout's place.
fn relative(path: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

/// Files held in memory, for the cases that need no fixture folder.
struct Memory(Vec<(&'static str, &'static str)>);

impl ReadFiles for Memory {
    fn read(&self, path: &Path) -> Result<String, FileProblem> {
        self.0
            .iter()
            .find(|(name, _)| Path::new(name) == path)
            .map(|(_, text)| text.to_string())
            .ok_or(FileProblem::NotFound)
    }

    fn rule_files_in(&self, _dir: &Path) -> Vec<String> {
        Vec::new()
    }
}

#[test]
fn a_file_imported_by_two_files_is_read_once_and_its_problems_belong_to_it() {
    let files = Memory(vec![
        (
            "common.seg",
            "source customers from parquet \"c.parquet\" {\n  key id: int\n  age: int\n}\nlet adult = age >= \"18\"\n",
        ),
        (
            "a.seg",
            "import \"common.seg\"\nsegment adults \"Adultes\" = adult\n",
        ),
        (
            "b.seg",
            "import \"common.seg\"\nsegment old \"Âgés\" = age > 70\n",
        ),
    ]);
    let workspace = Workspace::load(&[PathBuf::from("a.seg"), PathBuf::from("b.seg")], &files);
    assert_eq!(workspace.files.len(), 3, "common.seg is read once");
    let mut problems = Vec::new();
    for root in &workspace.roots {
        let index = *root.as_ref().expect("readable");
        let unit = workspace.unit(index);
        let checked = check_with(&unit.program, &unit.diagnostics, &Settings::default());
        assert!(checked.program.is_none(), "common.seg's error stops both");
        for d in checked.diagnostics {
            let (_, file) = workspace
                .sources
                .locate(d.primary_span().expect("span"))
                .expect("placed");
            problems.push((file.name.clone(), d.code()));
        }
    }
    // The command line reports a repeated diagnostic once; both checks see it in common.seg.
    assert_eq!(
        problems,
        [
            ("common.seg".to_string(), "E0402"),
            ("common.seg".to_string(), "E0402")
        ]
    );
}

#[test]
fn an_unreadable_starting_file_is_reported_and_the_others_are_still_read() {
    let files = Memory(vec![("ok.seg", "let x = 1\n")]);
    let workspace = Workspace::load(
        &[PathBuf::from("gone.seg"), PathBuf::from("ok.seg")],
        &files,
    );
    assert!(matches!(
        &workspace.roots[0],
        Err(segc::diagnostics::Diagnostic::Command(
            segc::diagnostics::CommandDiagnostic::FileUnreadable { .. }
        ))
    ));
    assert!(workspace.roots[1].is_ok());
}
