"""Runs one DuckDB variant of the benchmark job in its own process (so that its peak memory is
its own) and prints the seconds the queries took: wall time, then CPU time (all threads).

    python bench/duck_worker.py single|per-segment|floor DATA OUT THREADS
"""

import os
import sys
import time

import duckdb

import queries


def main() -> int:
    mode, data, out, threads = sys.argv[1:5]
    db = duckdb.connect()
    db.execute(f"SET threads = {int(threads)}")
    if mode == "single":
        statements = [queries.single_query(data, os.path.join(out, "membership.parquet"))]
    elif mode == "per-segment":
        statements = queries.per_segment_queries(data, out)
    elif mode == "floor":
        statements = [queries.scan_floor(data)]
    else:
        print(f"unknown mode {mode}", file=sys.stderr)
        return 2
    os.makedirs(out, exist_ok=True)
    started, cpu = time.perf_counter(), time.process_time()
    for statement in statements:
        db.execute(statement).fetchall()
    print(f"{time.perf_counter() - started:.6f} {time.process_time() - cpu:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
