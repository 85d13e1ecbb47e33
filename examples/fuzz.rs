//! A longer fuzz run than the test suite's (docs/robustness.md): mutates rule files and data
//! files of the examples and runs the `segc` binary on each mutant, looking for crashes (a
//! panic, a signal), hangs (no answer within the time limit) and exit codes other than 0, 1, 2.
//!
//! ```sh
//! cargo build --release && cargo run --release --example fuzz -- --minutes 30
//! ```
//!
//! Options: `--minutes N` (default 5), `--seed N`, `--segc PATH` (default: the `segc` binary
//! beside this example's), `--keep DIR` (where failing inputs are copied; default
//! `target/fuzz-failures`). Exits 1 when any input failed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The rule files whose text is mutated, and the data files whose bytes are.
const RULES: [&str; 3] = [
    "examples/retail/retail.seg",
    "examples/rfm/rfm.seg",
    "examples/kpi/kpis.seg",
];
const DATA: [&str; 3] = [
    "examples/retail/data/customers.parquet",
    "examples/retail/data/orders.parquet",
    "examples/retail/data/customers.csv",
];
/// Words spliced into rule files: keywords, operators, functions, literals at their edges.
const WORDS: [&str; 24] = [
    "segment",
    "let",
    "source",
    "kpi",
    "tiers",
    "score",
    "import",
    "and",
    "or",
    "not",
    "(",
    ")",
    "{",
    "}",
    "\"",
    "@2026-13-45",
    "9223372036854775808",
    "1e400",
    "quintile(",
    "count(",
    "percent_rank(",
    "${X}",
    "between",
    "-",
];
/// A run taking longer than this is a hang.
const TIME_LIMIT: Duration = Duration::from_secs(60);

struct Options {
    minutes: u64,
    seed: u64,
    segc: PathBuf,
    keep: PathBuf,
}

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let here = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut o = Options {
        minutes: 5,
        seed: 0x5e9c,
        segc: here
            .parent()
            .and_then(Path::parent)
            .map(|d| d.join("segc"))
            .ok_or("no segc beside this example")?,
        keep: PathBuf::from("target/fuzz-failures"),
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--minutes" => o.minutes = value.parse().map_err(|_| "--minutes takes a number")?,
            "--seed" => o.seed = value.parse().map_err(|_| "--seed takes a number")?,
            "--segc" => o.segc = PathBuf::from(value),
            "--keep" => o.keep = PathBuf::from(value),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(o)
}

/// xorshift64*: reproducible from `--seed` without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation of rule text: a splice of a word, a deleted, repeated or swapped line, or a
/// flipped character.
fn mutate_rules(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    match rng.below(5) {
        0 => {
            let line = &mut lines[rng.below(n)];
            let mut at = rng.below(line.len() + 1);
            while !line.is_char_boundary(at) {
                at -= 1;
            }
            line.insert_str(at, &format!(" {} ", WORDS[rng.below(WORDS.len())]));
        }
        1 => {
            lines.remove(rng.below(n));
        }
        2 => {
            let line = lines[rng.below(n)].clone();
            lines.insert(rng.below(n), line);
        }
        3 => lines.swap(rng.below(n), rng.below(n)),
        _ => {
            let mut bytes = lines[rng.below(n)].clone().into_bytes();
            if !bytes.is_empty() {
                let at = rng.below(bytes.len());
                const CHARACTERS: &[u8] = b" (){}\"=<>0a.%@";
                bytes[at] = CHARACTERS[rng.below(CHARACTERS.len())];
            }
            let i = rng.below(n);
            lines[i] = String::from_utf8_lossy(&bytes).to_string();
        }
    }
    lines.join("\n") + "\n"
}

/// One mutation of a data file: a few flipped bits, or a truncation.
fn mutate_data(bytes: &mut Vec<u8>, rng: &mut Rng) {
    if rng.below(10) == 0 {
        bytes.truncate(rng.below(bytes.len()));
        return;
    }
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len());
        bytes[at] ^= 1 << rng.below(8);
    }
}

/// What a run of segc did, when it did something wrong.
fn failure(segc: &Path, dir: &Path, args: &[&str]) -> Option<String> {
    let mut child = Command::new(segc)
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut stderr = String::new();
                if let Some(mut pipe) = child.stderr.take() {
                    use std::io::Read as _;
                    let _ = pipe.read_to_string(&mut stderr);
                }
                let crashed = stderr.contains("unexpectedly") || stderr.contains("panicked at");
                return match status.code() {
                    Some(0..=2) if !crashed => None,
                    code => Some(format!("exit {code:?}: {}", stderr.trim())),
                };
            }
            Ok(None) if started.elapsed() > TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return Some(format!("no answer within {TIME_LIMIT:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Some(e.to_string()),
        }
    }
}

fn copy_examples(to: &Path) -> std::io::Result<()> {
    // A checkout, as the examples are in: the KPI example reads the retail example's data.
    std::fs::create_dir_all(to.join(".git"))?;
    for file in RULES.iter().chain(DATA.iter()) {
        let target = to.join(file);
        if let Some(folder) = target.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::copy(file, &target)?;
    }
    for extra in ["examples/kpi/data", "examples/kpi/baseline.json"] {
        let from = Path::new(extra);
        if from.is_dir() {
            std::fs::create_dir_all(to.join(extra))?;
            for entry in std::fs::read_dir(from)? {
                let entry = entry?;
                std::fs::copy(entry.path(), to.join(extra).join(entry.file_name()))?;
            }
        } else if from.is_file() {
            std::fs::copy(from, to.join(extra))?;
        }
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("fuzz: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let work = std::env::temp_dir().join(format!("segc-fuzz-{}", std::process::id()));
    if let Err(e) = copy_examples(&work) {
        eprintln!("fuzz: cannot copy the examples (run from the checkout): {e}");
        return std::process::ExitCode::from(2);
    }
    let mut rng = Rng(o.seed.max(1));
    let deadline = Instant::now() + Duration::from_secs(o.minutes * 60);
    let (mut runs, mut failures) = (0u64, 0u64);
    while Instant::now() < deadline {
        let rules = RULES[rng.below(RULES.len())];
        let data = DATA[rng.below(DATA.len())];
        let original_rules = std::fs::read_to_string(rules).unwrap_or_default();
        let original_data = std::fs::read(data).unwrap_or_default();
        let mut text = original_rules.clone();
        for _ in 0..=rng.below(3) {
            text = mutate_rules(&text, &mut rng);
        }
        let mut bytes = original_data.clone();
        if rng.below(2) == 0 {
            mutate_data(&mut bytes, &mut rng);
        }
        let _ = std::fs::write(work.join(rules), &text);
        let _ = std::fs::write(work.join(data), &bytes);
        let verbs: [&[&str]; 4] = [
            &["check", rules],
            &["fmt", "--check", rules],
            &[
                "run",
                rules,
                "--as-of",
                "2026-11-01",
                "--out",
                "out",
                "--quiet",
            ],
            &["kpi", "examples/kpi/kpis.seg", "--as-of", "2026-11-01"],
        ];
        let args = verbs[rng.below(verbs.len())];
        runs += 1;
        if let Some(what) = failure(&o.segc, &work, args) {
            failures += 1;
            let keep = o.keep.join(format!("failure-{failures}"));
            let _ = std::fs::create_dir_all(&keep);
            let _ = std::fs::write(keep.join("rules.seg"), &text);
            let _ = std::fs::write(keep.join("data"), &bytes);
            let _ = std::fs::write(
                keep.join("what.txt"),
                format!("{args:?} ({rules}, {data})\n{what}\n"),
            );
            eprintln!("failure {failures}: segc {args:?}: {what}");
        }
        let _ = std::fs::write(work.join(rules), &original_rules);
        let _ = std::fs::write(work.join(data), &original_data);
    }
    let _ = std::fs::remove_dir_all(&work);
    println!(
        "{runs} runs, {failures} failures (seed {}, {} minutes)",
        o.seed, o.minutes
    );
    std::process::ExitCode::from(u8::from(failures > 0))
}
