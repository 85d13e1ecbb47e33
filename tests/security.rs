//! What a rule file can make segc read or print (docs/security.md): data outside the project
//! and its declared roots, files that are not rule files, values of placeholders.

use crate::common::cli::segc;
use crate::robustness::{SMALL, output};

#[test]
fn placeholder_values_never_appear_in_any_output() {
    const SECRET: &str = "Zq9-fake-secret-4471";
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // The secret names a real folder, so the readers' own messages carry it.
    let folder = d.join(SECRET);
    std::fs::create_dir(&folder).expect("folder");
    std::fs::write(folder.join("a.csv"), "customer_id,income\n1,5\n").expect("csv");
    std::fs::write(folder.join("b.csv"), "customer_id\n2\n").expect("csv");
    let values = d.join(format!("{SECRET}-v"));
    std::fs::create_dir(&values).expect("folder");
    std::fs::write(values.join("bad.csv"), "customer_id,income\n3,x\"y\n4\n").expect("csv");
    let rules = |location: &str| SMALL.replace("\"customers.csv\"", &format!("\"{location}\""));
    std::fs::write(d.join("folder.seg"), rules("${SEGC_SECRET}/")).expect("rules");
    std::fs::write(d.join("missing.seg"), rules("${SEGC_SECRET}/nope.csv")).expect("rules");
    std::fs::write(d.join("glob.seg"), rules("${SEGC_SECRET}/b*.csv")).expect("rules");
    std::fs::write(d.join("value.seg"), rules("${SEGC_SECRET}-v/bad.csv")).expect("rules");
    let mut seen = String::new();
    for file in ["folder.seg", "missing.seg", "glob.seg", "value.seg"] {
        for verb in [&["run", file, "--out", "out"][..], &["explain", file][..]] {
            let result = segc()
                .current_dir(d)
                .env("SEGC_SECRET", SECRET)
                .args(verb)
                .args(["--as-of", "2026-11-01"])
                .output()
                .expect("segc runs");
            assert_ne!(result.status.code(), Some(0), "{file} {verb:?}");
            seen.push_str(&String::from_utf8_lossy(&result.stdout));
            seen.push_str(&String::from_utf8_lossy(&result.stderr));
        }
    }
    let result = segc()
        .current_dir(d)
        .args(["run", "folder.seg", "--out", "out"])
        .args(["--var", &format!("1BAD={SECRET}"), "--var", SECRET])
        .output()
        .expect("segc runs");
    seen.push_str(&String::from_utf8_lossy(&result.stderr));
    assert!(!seen.contains(SECRET), "{seen}");
    assert!(!seen.contains("fake-secret"), "{seen}");
    // The problems are still told, with the placeholder as written.
    assert!(seen.contains("${SEGC_SECRET}/b.csv"), "{seen}");
    assert!(
        seen.contains("no data found at `${SEGC_SECRET}/nope.csv`"),
        "{seen}"
    );
}

#[test]
fn rule_files_read_data_only_under_the_project_and_declared_roots() {
    const PRIVATE: &str = "customer_id,income\n1,777777\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("project");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(project.join("data")).expect("folders");
    std::fs::create_dir_all(project.join(".git")).expect("folders");
    std::fs::create_dir_all(&outside).expect("folders");
    std::fs::write(outside.join("private.csv"), PRIVATE).expect("file");
    std::fs::write(project.join(".git/config"), PRIVATE).expect("file");
    std::fs::write(project.join("data/a.csv"), "customer_id,income\n2,5\n").expect("file");
    std::os::unix::fs::symlink(outside.join("private.csv"), project.join("data/b.csv"))
        .expect("link");
    let rules = |name: &str, location: &str| {
        let text = SMALL.replace("\"customers.csv\"", &format!("\"{location}\""));
        std::fs::write(project.join(name), text).expect("rules");
    };
    rules("up.seg", "../outside/private.csv");
    rules(
        "absolute.seg",
        &outside.join("private.csv").display().to_string(),
    );
    rules("link.seg", "data/");
    rules("git.seg", ".git/config");
    rules("home.seg", "${SEGC_OUTSIDE}/private.csv");
    let run = |file: &str, extra: &[&str]| {
        let result = segc()
            .current_dir(&project)
            .env("SEGC_OUTSIDE", &outside)
            .args([
                "run",
                file,
                "--out",
                "out",
                "--as-of",
                "2026-11-01",
                "--quiet",
            ])
            .args(extra)
            .output()
            .expect("segc runs");
        let text = String::from_utf8_lossy(&result.stderr).to_string();
        (result.status.code().unwrap_or(-1), text)
    };
    for file in ["up.seg", "absolute.seg", "link.seg", "git.seg", "home.seg"] {
        let (code, stderr) = run(file, &[]);
        assert_eq!(code, 2, "{file}: {stderr}");
        assert!(stderr.contains("E0717"), "{file}: {stderr}");
        assert!(!stderr.contains("777777"), "{file}: {stderr}");
        assert!(!project.join("out/membership.parquet").exists(), "{file}");
    }
    // The operator (or segc.toml, in review) widens the bound.
    let root = outside.display().to_string();
    assert_eq!(run("up.seg", &["--data-root", &root]).0, 0);
    assert_eq!(
        run("home.seg", &["--var", &format!("SEGC_OUTSIDE={root}")]).0,
        0
    );
    std::fs::write(
        project.join("segc.toml"),
        format!("[data]\nroots = [\"{root}\"]\n"),
    )
    .expect("settings");
    assert_eq!(run("absolute.seg", &[]).0, 0);
    // `.git` stays out whatever the roots.
    assert_eq!(run("git.seg", &["--data-root", "."]).0, 2);
}

#[test]
fn files_that_are_not_rule_files_are_never_parsed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let private = d.join("private.txt");
    std::fs::write(&private, "root:x:0:0:secret-line\n").expect("file");
    std::fs::write(
        d.join("imports.seg"),
        format!("import \"{}\"\n", private.display()),
    )
    .expect("rules");
    let (code, stderr) = output(segc().current_dir(d).args(["check", "imports.seg"]));
    assert_ne!(code, 0, "{stderr}");
    assert!(
        stderr.contains("E1201") && stderr.contains("not a rule file"),
        "{stderr}"
    );
    assert!(!stderr.contains("secret-line"), "{stderr}");
    std::fs::create_dir(d.join("p")).expect("project");
    std::fs::write(d.join("p/segc.toml"), "files = [\"../*\"]\n").expect("settings");
    let (code, stderr) = output(segc().current_dir(d.join("p")).arg("check"));
    assert!(!stderr.contains("secret-line"), "{stderr}");
    assert_ne!(code, 0, "imports.seg has an error: {stderr}");
}
