#!/usr/bin/env python3
"""``serve`` under load (``make bench-serve``): many readers of the index of a large store.

    python3 bench/bench_serve.py                      # 1,000 runs, 200 parallel requests, 3 rounds
    python3 bench/bench_serve.py --runs 5000 --parallel 400

Builds a store of ``--runs`` copies of one small real run (made first with the harness, a
2-second echo), starts ``python3 -m tests.harness serve`` on it in a process of its own, and
sends ``--parallel`` index requests at once, ``--rounds`` times: the first round builds the
index, the later ones find it built. Reports every request's answer (status or error), the
latency quantiles of each round, and the server's peak resident memory (VmHWM).
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_store(count: int) -> Path:
    """A store of ``count`` runs, each a copy of one real echo run under its own time stamp."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    subprocess.run([sys.executable, "-m", "tests.harness", "test", "-w", "echo", "--bin",
                    str(ROOT / "ch1_echo" / "main.py"), "--node-count", "1", "--time-limit", "2",
                    "--seed", "1"], cwd=workdir, env={**os.environ, "PYTHONPATH": str(ROOT)},
                   capture_output=True, check=True)
    store = workdir / "store"
    model = (store / "latest").resolve()
    for k in range(count):
        stamp = (datetime(2024, 1, 1) + timedelta(minutes=k)).strftime("%Y%m%dT%H%M%S.000+0000")
        shutil.copytree(model, store / "echo" / stamp)
    shutil.rmtree(model)
    return store


def one_round(port: int, parallel: int) -> tuple[list[float], list[str]]:
    latencies, failures = [], []
    lock = threading.Lock()
    start = threading.Barrier(parallel)

    def get() -> None:
        start.wait()
        began = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("GET", "/")
            response = conn.getresponse()
            response.read()
            conn.close()
            outcome = None if response.status == 200 else f"status {response.status}"
        except OSError as e:
            outcome = f"{type(e).__name__}: {e}"
        with lock:
            (failures.append(outcome) if outcome else latencies.append(time.monotonic() - began))
    threads = [threading.Thread(target=get) for _ in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(latencies), failures


def quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="bench/bench_serve.py", description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1000)
    p.add_argument("--parallel", type=int, default=200)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args(argv)
    store = make_store(a.runs)
    server = subprocess.Popen([sys.executable, "-m", "tests.harness", "serve", "-p", "0", "--store", str(store)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(re.search(r":(\d+)/", server.stdout.readline()).group(1))
        print(f"harness at {ROOT}; {a.runs} runs, {a.parallel} parallel index requests")
        for k in range(a.rounds):
            latencies, failures = one_round(port, a.parallel)
            print(f"  round {k + 1}: {len(latencies)} of {a.parallel} answered 200, "
                  f"p50 {quantile(latencies, 0.5):.2f} s, p99 {quantile(latencies, 0.99):.2f} s, "
                  f"max {quantile(latencies, 1):.2f} s" + (f"; failed: {sorted(set(failures))}" if failures else ""),
                  flush=True)
        with open(f"/proc/{server.pid}/status") as f:
            peak = next(line.split()[1] for line in f if line.startswith("VmHWM"))
        print(f"  server peak memory: {int(peak) / 1024:.0f} MB")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(store.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
