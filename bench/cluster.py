"""The cluster variant of the benchmark: bench/bench.seg run here and on N local `segc worker`s.

    python bench/cluster.py --segc target/release/segc --sf 0.1 --workers 1,2 --reps 3

needs a segc built with the default `cluster` feature, the data of bench/generate.py under
bench/data/sf{SF} (or --data), and Python with DuckDB (bench/requirements.txt, as bench/run). For each repetition, interleaved: the local run, then the run on 1, 2, ...
workers (started once, from the same binary, on free ports of 127.0.0.1, with the same
threads). Reported per variant: the median wall time of the client, and the CPU time of the
client plus that of the workers during the run (read from /proc). The membership of every
cluster run is compared with the local run's, member for member, before anything is reported.
On one machine the point is the overhead of the cluster path, not a speed-up (docs/cluster.md).
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from run import AS_OF, run_measured, same_members  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of the process `pid` so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def start_worker(segc: str, threads: int) -> tuple[subprocess.Popen, str]:
    """A `segc worker` on a free port of 127.0.0.1, ready; its URL."""
    worker = subprocess.Popen(
        [segc, "worker", "--listen", "127.0.0.1:0", "--threads", str(threads)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    for line in worker.stderr:
        if line.startswith("segc worker listening on "):
            url = "http://" + line.split()[-1]
            threading.Thread(target=worker.stderr.read, daemon=True).start()
            return worker, url
    raise RuntimeError("the worker ended before it was ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segc", required=True)
    parser.add_argument("--sf", default="0.1")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    # The engine's default (16M per task) keeps SF 0.1 in one task: split finer so that every
    # worker gets a share.
    parser.add_argument("--split", default="1M", help="--cluster-split of the cluster runs")
    parser.add_argument("--work", default="/tmp/segc-cluster-bench")
    parser.add_argument("--data", help="the data folder [default: bench/data/sf{SF}]")
    args = parser.parse_args()
    data = os.path.abspath(args.data or os.path.join(HERE, "data", f"sf{args.sf}"))
    rules = os.path.join(HERE, "bench.seg")
    env = dict(os.environ, BENCH_DATA=data, NO_COLOR="1")
    counts = [int(n) for n in args.workers.split(",")]
    pools = {n: [start_worker(args.segc, args.threads) for _ in range(n)] for n in counts}
    times: dict[str, list[tuple[float, float]]] = {}
    try:
        for rep in range(args.reps):
            for n in [0] + counts:
                name = "local" if n == 0 else f"{n} worker" + ("s" if n > 1 else "")
                out = os.path.join(args.work, name.replace(" ", "-"))
                command = [args.segc, "run", rules, "--as-of", AS_OF, "--out", out, "--quiet",
                           "--threads", str(args.threads), "--data-root", data]
                workers = pools.get(n, [])
                if workers:
                    command += ["--cluster", ",".join(url for _, url in workers),
                                "--cluster-split", args.split]
                before = sum(cpu_seconds(w.pid) for w, _ in workers)
                wall, cpu, _, _ = run_measured(command, env)
                cpu += sum(cpu_seconds(w.pid) for w, _ in workers) - before
                times.setdefault(name, []).append((wall, cpu))
                if n and rep == 0:
                    problems = same_members(out, os.path.join(args.work, "local"))
                    if problems:
                        raise RuntimeError(f"{name}: members differ: {problems}")
                load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                print(f"rep {rep + 1} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU "
                      f"(load average {load})", flush=True)
    finally:
        for pool in pools.values():
            for worker, _ in pool:
                worker.kill()
    local = statistics.median(w for w, _ in times["local"])
    print(f"\nSF {args.sf}, {args.threads} threads each, median of {args.reps}:")
    print("| variant | wall (s) | CPU client + workers (s) | wall vs local |")
    print("|---|---|---|---|")
    for name, runs in times.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {wall / local:.2f}x |")
    # Runs of one repetition follow each other and share the machine's load: the median of the
    # per-repetition ratios is steadier than a ratio of medians.
    print()
    for name, runs in times.items():
        if name == "local":
            continue
        walls = [w / l for (w, _), (l, _) in zip(runs, times["local"])]
        cpus = [c / l for (_, c), (_, l) in zip(runs, times["local"])]
        print(f"{name} / local, per repetition: wall {statistics.median(walls):.2f}x "
              f"({', '.join(f'{x:.2f}' for x in walls)}), CPU {statistics.median(cpus):.2f}x "
              f"({', '.join(f'{x:.2f}' for x in cpus)})")


if __name__ == "__main__":
    main()
