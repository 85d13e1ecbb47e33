"""The segc benchmark: the job of bench/bench.seg run by segc and, written by hand, by DuckDB.

    bench/run                      # SF 0.1 and 1, five repetitions (see bench/README.md)
    bench/run --sf 0.01 --reps 3   # a quick look

For each scale factor, interleaved repetitions of:
- `segc`: `segc run bench/bench.seg` (27 segments with the holdout, a score, tiers);
- `segc 250`: the same file with 225 more segments (bench_250.seg, generated);
- `duckdb`: the whole job as one hand-written DuckDB query (bench/queries.py);
- `duckdb per segment`: one DuckDB query per segment;
- `scan floor`: DuckDB reading every needed column once and doing nothing else.
Every variant runs in its own process with the same number of threads; its peak RSS is read from
the operating system (wait4). segc's time is the whole command (parse, check, plan, read, write);
DuckDB's is the time of its queries, measured inside its process (Python start-up excluded).
segc's and DuckDB's memberships are compared column by column before anything is timed.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import duckdb  # noqa: E402

AS_OF = "2026-11-01"


class Runner:
    """Runs the variants of one scale factor."""

    def __init__(self, segc: str, data: str, work: str, threads: int):
        self.segc = segc
        self.base = None  # another segc binary, run as its own variants
        self.data = data
        self.work = work
        self.threads = threads
        self.env = dict(os.environ, BENCH_DATA=data, NO_COLOR="1")

    def segc_run(self, rules: str, base: bool = False) -> tuple[float, float, int]:
        """Wall seconds, CPU seconds and peak RSS of the whole `segc run` command."""
        name = ("base-" if base else "segc-") + os.path.basename(rules)[:-4]
        out = os.path.join(self.work, name)
        wall, cpu, rss, _ = run_measured(
            [self.base if base else self.segc, "run", rules, "--as-of", AS_OF, "--out", out, "--quiet",
             "--threads", str(self.threads), "--data-root", self.data],
            self.env,
        )
        return wall, cpu, rss

    def duckdb(self, mode: str) -> tuple[float, float, int]:
        """Wall and CPU seconds of DuckDB's queries (inside its process), its peak RSS."""
        out = os.path.join(self.work, "duckdb-" + mode)
        _, _, rss, stdout = run_measured(
            [sys.executable, os.path.join(HERE, "duck_worker.py"), mode, self.data, out,
             str(self.threads)],
            self.env,
        )
        wall, cpu = stdout.strip().splitlines()[-1].split()
        return float(wall), float(cpu), rss


def run_measured(command: list[str], env: dict) -> tuple[float, float, int, str]:
    """`command`'s wall time, CPU time (user + system), peak RSS (bytes, this process only) and
    stdout."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    # wait4 reports the resources of this one child (getrusage would mix all children).
    stdout_chunks: list[bytes] = []
    stderr_chunks: list[bytes] = []

    def drain(stream, into):
        into.append(stream.read())

    readers = [
        threading.Thread(target=drain, args=(process.stdout, stdout_chunks)),
        threading.Thread(target=drain, args=(process.stderr, stderr_chunks)),
    ]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    for r in readers:
        r.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        message = b"".join(stderr_chunks).decode(errors="replace")
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}:\n{message}")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, int(usage.ru_maxrss) * 1024, b"".join(stdout_chunks).decode()


def same_members(segc_out: str, duckdb_out: str) -> list[str]:
    """The columns where segc's and DuckDB's memberships differ (with the number of members)."""
    db = duckdb.connect()
    s = os.path.join(segc_out, "membership.parquet")
    d = os.path.join(duckdb_out, "membership.parquet")
    columns = [r[0] for r in db.execute(f"DESCRIBE SELECT * FROM '{s}'").fetchall()]
    other = {r[0] for r in db.execute(f"DESCRIBE SELECT * FROM '{d}'").fetchall()}
    problems = [f"{c}: missing in DuckDB's output" for c in columns if c not in other]
    counts = db.execute(f"SELECT (SELECT count(*) FROM '{s}'), (SELECT count(*) FROM '{d}')").fetchone()
    if counts[0] != counts[1]:
        problems.append(f"rows: segc {counts[0]}, DuckDB {counts[1]}")
    for c in columns[1:]:
        if c not in other:
            continue
        n = db.execute(
            f"SELECT count(*) FROM '{s}' s FULL JOIN '{d}' d USING (customer_id) "
            f"WHERE s.{c} IS DISTINCT FROM d.{c}"
        ).fetchone()[0]
        if n:
            problems.append(f"{c}: {n} members differ")
    return problems


def many_segments(source: str, target: str, extra: int) -> None:
    """bench.seg with `extra` more segments over the same values (thresholds varied)."""
    with open(source, encoding="utf-8") as f:
        text = f.read()
    lines = [text, "\n// Generated: more segments over the same values.\n"]
    templates = [
        "orders_12m >= {a} and spend_12m >= {b}",
        "visits_30d >= {a} or searches_90d >= {c}",
        "email_opens_90d >= {a} and consent_email and age >= {d}",
        "income >= {e} and country in [\"FR\", \"BE\"]",
        "days_since_order <= {f} and web_orders_90d >= 1",
    ]
    for i in range(extra):
        # Every threshold grows with i: no two segments have the same condition.
        condition = templates[i % len(templates)].format(
            a=1 + i % 15, b=10 * i, c=1 + i, d=18 + i // 5, e=20000 + 100 * i, f=30 + i,
        )
        lines.append(f'segment generated_{i} "Généré {i}" = {condition}\n')
    with open(target, "w", encoding="utf-8") as f:
        f.write("".join(lines))


def compile_speed(
    binaries: dict[str, str], work: str, segments: int = 5000, reps: int = 5
) -> dict[str, float]:
    """Median seconds of `segc check` on a generated file of `segments` segments, per binary
    (their runs interleaved)."""
    path = os.path.join(work, f"check_{segments}.seg")
    lines = [
        'source customers from parquet "c.parquet" {\n  key id: int\n  age: int?\n'
        '  income: int?\n  country: string\n  status: enum("prospect", "client")\n}\n',
        'source orders from parquet "o.parquet" {\n  key order_id: int\n'
        '  id: int references customers\n  amount: decimal(10, 2)\n  at: timestamp\n}\n',
        "population customers\n",
        "let spend = sum(orders.amount where at >= as_of - 12 months)\n",
    ]
    for i in range(segments):
        lines.append(
            f'segment s{i} "Segment {i}" = age between {18 + i % 40} and {60 + i % 30} '
            f'and (income >= {1000 * (i % 90)} or spend > {i % 500}) '
            f'and country in ["FR", "C{i % 97}"] and status == "client"\n'
        )
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(lines))
    times: dict[str, list[float]] = {name: [] for name in binaries}
    for _ in range(reps):
        for name, segc in binaries.items():
            times[name].append(run_measured([segc, "check", path], dict(os.environ))[0])
    return {name: statistics.median(t) for name, t in times.items()}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}"


def main() -> int:
    parser = argparse.ArgumentParser(description="segc vs DuckDB on the benchmark job")
    parser.add_argument("--sf", default="0.1,1", help="scale factors, comma-separated")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--segc", default=os.path.join(ROOT, "target", "release", "segc"))
    parser.add_argument("--skip", default="", help="variants to skip, comma-separated")
    parser.add_argument(
        "--base", help="another segc binary (say, main's) timed as `segc (base)` variants, interleaved"
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    results = {"machine": machine(), "threads": args.threads, "duckdb": duckdb.__version__,
               "scale_factors": []}
    print(f"machine: {results['machine']}; {args.threads} threads; DuckDB {duckdb.__version__}")
    work = os.path.join(HERE, "results", "work")
    os.makedirs(work, exist_ok=True)
    rules = os.path.join(HERE, "bench.seg")
    rules_250 = os.path.join(work, "bench_250.seg")
    many_segments(rules, rules_250, 225)
    for sf_text in args.sf.split(","):
        sf = float(sf_text)
        data = os.path.join(HERE, "data", f"sf{sf:g}")
        tables = ["customers", "companies", "orders", "returns", "events"]
        if not all(os.path.exists(os.path.join(data, f"{t}.parquet")) for t in tables):
            print(f"generating SF {sf:g} ...", flush=True)
            subprocess.run(
                [sys.executable, os.path.join(HERE, "generate.py"), "--sf", str(sf), "--out", data],
                check=True,
            )
        sf_work = os.path.join(work, f"sf{sf:g}")
        os.makedirs(sf_work, exist_ok=True)
        runner = Runner(args.segc, data, sf_work, args.threads)
        runner.base = args.base
        variants = {
            "segc": lambda: runner.segc_run(rules),
            "segc (base)": lambda: runner.segc_run(rules, base=True),
            "segc 250 segments": lambda: runner.segc_run(rules_250),
            "segc 250 segments (base)": lambda: runner.segc_run(rules_250, base=True),
            "duckdb": lambda: runner.duckdb("single"),
            "duckdb per segment": lambda: runner.duckdb("per-segment"),
            "scan floor": lambda: runner.duckdb("floor"),
        }
        variants = {
            k: v for k, v in variants.items() if k not in skip and (args.base or "(base)" not in k)
        }
        # One untimed round warms the file cache and gives the outputs to compare.
        for run in variants.values():
            run()
        problems = same_members(os.path.join(sf_work, "segc-bench"), os.path.join(sf_work, "duckdb-single"))
        if problems:
            print(f"SF {sf:g}: segc and DuckDB disagree:\n  " + "\n  ".join(problems))
            return 1
        print(f"SF {sf:g}: segc and DuckDB give the same members", flush=True)
        times: dict[str, list[float]] = {k: [] for k in variants}
        cpus: dict[str, list[float]] = {k: [] for k in variants}
        peaks: dict[str, int] = {k: 0 for k in variants}
        rsss: dict[str, list[int]] = {k: [] for k in variants}
        loads: list[list[float]] = []
        for rep in range(args.reps):
            for name, run in variants.items():
                wall, cpu, rss = run()
                times[name].append(wall)
                cpus[name].append(cpu)
                rsss[name].append(rss)
                peaks[name] = max(peaks[name], rss)
                print(f"  rep {rep + 1} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU, "
                      f"{rss / 2**20:.0f} MiB", flush=True)
            # The load average after each repetition: wall times mean little on a loaded host.
            loads.append(list(os.getloadavg()))
            print(f"  repetition {rep + 1}/{args.reps} done (load average "
                  f"{' '.join(f'{x:.2f}' for x in loads[-1])})", flush=True)
        medians = {k: statistics.median(v) for k, v in times.items()}
        cpu_medians = {k: statistics.median(v) for k, v in cpus.items()}
        results["scale_factors"].append(
            {"sf": sf, "median_seconds": medians, "median_cpu_seconds": cpu_medians,
             "peak_rss_bytes": peaks, "runs": times, "cpu_runs": cpus, "rss_runs": rsss,
             "load_average_after_each_rep": loads}
        )
        print_table(sf, medians, cpu_medians, peaks)
        print_paired(times, cpus)
    binaries = {"segc": args.segc, **({"segc (base)": args.base} if args.base else {})}
    speeds = compile_speed(binaries, work)
    results["check_5000_segments_seconds"] = speeds["segc"]
    for name, seconds in speeds.items():
        print(f"\n{name} check on 5,000 segments: {seconds * 1000:.0f} ms (median of 5)", end="")
    print()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(HERE, "results", f"{stamp}.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
    return 0


def print_table(
    sf: float, medians: dict[str, float], cpu: dict[str, float], peaks: dict[str, int]
) -> None:
    duck, duck_cpu = medians.get("duckdb"), cpu.get("duckdb")
    floor = medians.get("scan floor")
    print(f"\n| SF {sf:g} | median | vs DuckDB | vs scan floor | CPU | CPU vs DuckDB | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, seconds in medians.items():
        ratio = f"{seconds / duck:.2f}×" if duck else "–"
        over_floor = f"{seconds / floor:.2f}×" if floor else "–"
        cpu_ratio = f"{cpu[name] / duck_cpu:.2f}×" if duck_cpu else "–"
        print(
            f"| {name} | {seconds:.3f} s | {ratio} | {over_floor} | {cpu[name]:.3f} s | {cpu_ratio} "
            f"| {peaks[name] / 2**20:.0f} MiB |"
        )
    print(flush=True)


def print_paired(times: dict[str, list[float]], cpus: dict[str, list[float]]) -> None:
    """The median of the ratios of each repetition (runs of one repetition are next to each
    other, so they share the machine's load): steadier than a ratio of medians."""
    pairs = [("segc", "duckdb"), ("segc", "segc (base)"),
             ("segc 250 segments", "segc 250 segments (base)"), ("segc 250 segments", "segc")]
    for a, b in pairs:
        if a not in times or b not in times:
            continue
        wall = statistics.median(x / y for x, y in zip(times[a], times[b]))
        cpu = statistics.median(x / y for x, y in zip(cpus[a], cpus[b]))
        print(f"{a} / {b}, per repetition: wall {wall:.2f}×, CPU {cpu:.2f}×")
    print(flush=True)


if __name__ == "__main__":
    sys.exit(main())
