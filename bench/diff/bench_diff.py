"""The benchmark of `segc diff` (see bench/README.md, "segc diff").

- semantic: `segc diff HEAD~1 HEAD` (and `--format json`) in a git repository holding two
  commits of a generated file of 5,000 segments: 50 thresholds moved (half of them narrowing),
  10 segments renamed, 10 removed, 10 added;
- data: `segc diff HEAD~1 HEAD --data` of bench.seg at SF 0.1 with one segment's threshold
  changed, next to `segc run` of the same file (the diff computes both versions in one pass);
- references: `segc check` of the 5,000-segment file (a diff reads and checks two versions) and
  `segc run` of bench.seg.

Each case runs `--reps` times (interleaved); the median wall and CPU time (user + system of
the process, from wait4) and the peak RSS are printed. Only the standard library is used.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
AS_OF = "2026-11-01"


def measured(command: list[str], cwd: str, env: dict) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (KiB) of `command`, which must succeed."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(command)} exited with {code}:\n{stderr}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def git(repo: str, *args: str) -> None:
    subprocess.run(
        ["git", "-C", repo, "-c", "user.name=bench", "-c", "user.email=bench@example.org",
         "-c", "commit.gpgsign=false", *args],
        check=True, stdout=subprocess.DEVNULL,
    )


def segments_file(segments: int, changed: bool) -> str:
    """The generated file (bench/run's compile-speed file), or its second version."""
    lines = [
        'source customers from parquet "c.parquet" {\n  key id: int\n  age: int?\n'
        '  income: int?\n  country: string\n  status: enum("prospect", "client")\n}\n',
        'source orders from parquet "o.parquet" {\n  key order_id: int\n'
        '  id: int references customers\n  amount: decimal(10, 2)\n  at: timestamp\n}\n',
        "population customers\n",
        "let spend = sum(orders.amount where at >= as_of - 12 months)\n",
    ]
    for i in range(segments):
        name = f"s{i}"
        low = 18 + i % 40
        if changed and i % 100 == 7:
            low += 1 if i % 200 == 7 else -1  # narrows, or widens
        if changed and i % 500 == 11:
            name = f"renamed_{i}"
        if changed and i % 500 == 13:
            continue  # removed
        lines.append(
            f'segment {name} "Segment {i}" = age between {low} and {60 + i % 30} '
            f'and (income >= {1000 * (i % 90)} or spend > {i % 500}) '
            f'and country in ["FR", "C{i % 97}"] and status == "client"\n'
        )
    if changed:
        for i in range(10):
            lines.append(f'segment added_{i} = age >= {20 + i} and status == "prospect"\n')
    return "".join(lines)


def repository(work: str, name: str, files: dict[str, tuple[str, str]]) -> str:
    """A git repository with two commits: each file's first text, then its second."""
    repo = os.path.join(work, name)
    os.makedirs(repo)
    git(repo, "init", "-q")
    for version in range(2):
        for file, texts in files.items():
            with open(os.path.join(repo, file), "w", encoding="utf-8") as f:
                f.write(texts[version])
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"version {version + 1}")
    return repo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segc", default="target/release/segc")
    parser.add_argument("--data", default=os.path.join(BENCH, "data", "sf0.1"),
                        help="the SF 0.1 data (bench/run generates it)")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    segc = os.path.abspath(args.segc)
    data = os.path.abspath(args.data)
    env = dict(os.environ, NO_COLOR="1", BENCH_DATA=data)
    work = tempfile.mkdtemp(prefix="segc-bench-diff-")
    try:
        semantic = repository(work, "semantic", {
            "rules.seg": (segments_file(5000, False), segments_file(5000, True)),
        })
        with open(os.path.join(BENCH, "bench.seg"), encoding="utf-8") as f:
            bench = f.read()
        changed, count = re.subn(r"(segment big_spenders .*spend_12m >= )2000", r"\g<1>1500", bench)
        assert count == 1, "bench.seg has big_spenders"
        data_repo = repository(work, "data", {"bench.seg": (bench, changed)})
        threads = ["--threads", str(args.threads), "--data-root", data]
        cases = {
            "diff 5,000 segments": (semantic, [segc, "diff", "HEAD~1", "HEAD", "rules.seg"]),
            "diff 5,000 segments, json": (
                semantic, [segc, "diff", "HEAD~1", "HEAD", "rules.seg", "--format", "json"]),
            "check 5,000 (reference)": (semantic, [segc, "check", "rules.seg"]),
            "diff --data SF 0.1": (data_repo, [
                segc, "diff", "HEAD~1", "HEAD", "bench.seg", "--data", "--as-of", AS_OF, *threads]),
            "run SF 0.1 (reference)": (data_repo, [
                segc, "run", "bench.seg", "--as-of", AS_OF, "--quiet", "--out",
                os.path.join(work, "out"), *threads]),
        }
        results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in cases}
        for _ in range(args.reps):
            for name, (cwd, command) in cases.items():
                results[name].append(measured(command, cwd, env))
        print(f"segc diff benchmark: {segc}, {args.reps} repetitions, {args.threads} threads")
        print(f"{'case':<28} {'wall (median)':>14} {'CPU (median)':>13} {'peak RSS':>10}")
        for name, runs in results.items():
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            rss = max(r[2] for r in runs) / 1024
            print(f"{name:<28} {wall:>12.3f} s {cpu:>11.3f} s {rss:>7.0f} MiB")
        ratios = [("diff 5,000 segments", "check 5,000 (reference)"),
                  ("diff --data SF 0.1", "run SF 0.1 (reference)")]
        for case, reference in ratios:
            # Per repetition, interleaved: steadier than a ratio of medians on a loaded host.
            for kind, index in (("wall", 0), ("CPU", 1)):
                ratio = statistics.median(
                    c[index] / r[index] for c, r in zip(results[case], results[reference]))
                print(f"{case} / {reference}, {kind}: {ratio:.2f}x (median of per-repetition ratios)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
