//! Inputs that were quadratic (issue 15): each case is timed at `n` and `4 n` items in the same
//! run, and the time may grow at most twice as fast as the input (a ratio under 8, where linear
//! is about 4 and quadratic about 16). Timings are not asserted on their own: the machine's speed
//! and its load change, the ratio of two runs taken one after the other much less.
//!
//! Before the fixes (debug build) these cases grew 16.7× (unknown names), 16.5× (as JSON),
//! 15.3× (always-true segments), 13.9× (duplicate segments) and 12.4× (`and` chain); after,
//! 2.8–4.3×.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::common::cli::segc;

/// The population every generated file starts with.
const HEADER: &str = "source customers from csv \"c.csv\" {
  key customer_id: int
  income: int?
  country: string
}
";

/// Growth of the time from `n` to `4 n` items that fails a case.
const MAX_RATIO: f64 = 8.0;

/// Repetitions of each timing (the minimum is kept: the run least disturbed by the rest of the
/// machine).
const REPETITIONS: usize = 3;

/// The header followed by `n` items made by `item`, one per line.
fn items(n: usize, item: impl Fn(usize) -> String) -> String {
    let mut text = HEADER.to_string();
    for i in 0..n {
        text.push_str(&item(i));
        text.push('\n');
    }
    text
}

/// The header followed by one segment whose condition is an `and` of `n` comparisons.
fn and_chain(n: usize) -> String {
    let terms: Vec<String> = (0..n).map(|i| format!("income > {i}")).collect();
    format!("{HEADER}segment s = {}\n", terms.join(" and "))
}

/// One run of `segc args…`, checking that its output has `expected` lines containing `marker`
/// (the case measures what it means to).
fn timed(args: &[&str], marker: &str, expected: usize) -> Duration {
    let start = Instant::now();
    let output = segc().args(args).output().expect("segc runs");
    let time = start.elapsed();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let found = text.lines().filter(|l| l.contains(marker)).count();
    assert_eq!(found, expected, "`{marker}` lines of segc {args:?}");
    time
}

/// Times `segc <verb…> FILE` on the files `text(n)` and `text(4 n)` and checks the growth. The
/// sizes alternate (n, 4n, n, 4n, …) and each keeps its fastest run, so that the other tests of
/// the suite, running at the same time, weigh on both alike.
fn assert_near_linear(
    case: &str,
    verb: &[&str],
    n: usize,
    text: impl Fn(usize) -> String,
    marker: &str,
    expected: impl Fn(usize) -> usize,
) {
    let _alone = crate::common::TIMED
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("tempdir");
    let sizes = [n, 4 * n];
    let files: Vec<String> = sizes
        .iter()
        .map(|size| {
            let path = dir.path().join(format!("{case}{size}.seg"));
            std::fs::write(&path, text(*size)).expect("write the generated file");
            path.to_str().expect("utf-8 path").to_string()
        })
        .collect();
    let mut best = [Duration::MAX; 2];
    for _ in 0..REPETITIONS {
        for (i, file) in files.iter().enumerate() {
            let args: Vec<&str> = verb.iter().copied().chain([file.as_str()]).collect();
            best[i] = best[i].min(timed(&args, marker, expected(sizes[i])));
        }
    }
    let mut report = String::new();
    for (size, time) in sizes.iter().zip(best) {
        let _ = write!(report, "{size}: {time:?}  ");
    }
    let ratio = best[1].as_secs_f64() / best[0].as_secs_f64();
    eprintln!("{case}: {report}ratio {ratio:.1}");
    assert!(
        ratio < MAX_RATIO,
        "{case}: {report}the time grew {ratio:.1}× for 4× the input (linear is about 4×)"
    );
}

#[test]
fn unknown_names() {
    assert_near_linear(
        "unknown",
        &["check"],
        500,
        |n| items(n, |i| format!("segment s{i} = nope{i} > 1")),
        "unknown name",
        |n| n,
    );
}

#[test]
fn unknown_names_as_json() {
    assert_near_linear(
        "unknown_json",
        &["check", "--format", "json"],
        500,
        |n| items(n, |i| format!("segment s{i} = nope{i} > 1")),
        "\"code\": \"E0201\"",
        |n| n,
    );
}

#[test]
fn always_true_segments() {
    assert_near_linear(
        "true",
        &["check"],
        500,
        |n| items(n, |i| format!("segment s{i} = income > 1 or true")),
        "has the same condition as",
        |n| n - 1,
    );
}

#[test]
fn duplicate_segments() {
    assert_near_linear(
        "dup",
        &["check"],
        500,
        |n| items(n, |i| format!("segment s{i} = income > 5")),
        "has the same condition as",
        |n| n - 1,
    );
}

#[test]
fn long_and_chain() {
    assert_near_linear(
        "and",
        &["fmt", "--check"],
        5_000,
        and_chain,
        "ould reformat",
        |_| 1,
    );
}

#[test]
fn long_list() {
    // Broken one element per line: each element's comments and separators found once.
    assert_near_linear(
        "list",
        &["fmt", "--check"],
        5_000,
        |n| {
            let names: Vec<String> = (0..n).map(|i| format!("\"C{i}\"")).collect();
            format!("{HEADER}segment s = country in [{}]\n", names.join(", "))
        },
        "ould reformat",
        |_| 1,
    );
}

#[test]
fn aligned_comments() {
    // The comments after code of consecutive lines are aligned as one run.
    assert_near_linear(
        "aligned",
        &["fmt", "--check"],
        5_000,
        |n| items(n, |i| format!("let v{i} = income + {i} // value {i}")),
        "ould reformat",
        |_| 1,
    );
}

#[test]
fn commented_items() {
    // Each item looked for its comments among all of the file's (10.6× before, debug build).
    assert_near_linear(
        "comments",
        &["fmt", "--check"],
        2_000,
        |n| {
            items(n, |i| {
                format!("// segment {i}\nsegment s{i} = income > {i} // why")
            })
        },
        "of 1 file",
        |_| 1,
    );
}

#[test]
fn unknown_columns_of_a_wide_source() {
    // Each unknown column was compared with every declared one (17.8× before, debug build).
    assert_near_linear(
        "columns",
        &["check"],
        500,
        |n| {
            let columns: String = (0..n).map(|i| format!("  col{i}: int?\n")).collect();
            let mut text = format!(
                "source customers from csv \"c.csv\" {{\n  key customer_id: int\n{columns}}}\n"
            );
            for i in 0..n {
                text.push_str(&format!("segment s{i} = customers.nope{i} > 1\n"));
            }
            text
        },
        "has no column",
        |n| n,
    );
}

#[test]
fn a_long_chain_with_every_other_line_indented_wrongly() {
    // No line is found once on each side, so no anchor: the Myers search over the item cost its
    // length times the changes (0.11 s for 5,000 lines, 0.96 s for 20,000, release build). Past
    // 1,000 edits the item is replaced whole.
    assert_near_linear(
        "indented",
        &["fmt", "--check"],
        2_000,
        |n| {
            let terms: Vec<&str> = (0..n)
                .map(|i| match i % 2 {
                    0 => "  and income > 3",
                    _ => "    and income > 3",
                })
                .collect();
            format!("{HEADER}segment s =\n  income > 3\n{}\n", terms.join("\n"))
        },
        "would reformat 1 of 1 file",
        |_| 1,
    );
}

#[test]
fn scattered_changes() {
    // Every other item reformatted: the diff's Myers search costs the file's length times the
    // number of changes (15× before, debug build); patience pairs the unchanged lines first.
    assert_near_linear(
        "scattered",
        &["fmt", "--check"],
        2_000,
        |n| {
            items(n, |i| match i % 2 {
                0 => format!("segment   s{i} =  income > {i}"),
                _ => format!("segment s{i} = income > {i}"),
            })
        },
        "-segment   s",
        |n| n / 2,
    );
}
