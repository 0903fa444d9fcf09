#!/usr/bin/env python3
"""How long the txn-list-append checker takes on a 20 s run at --rate 1000.

    python3 bench/bench_list_append.py            # one node (valid) and two (invalid)
    python3 bench/bench_list_append.py --seed 1

Each run is a real harness run of tests/example_nodes/list_append.py (--concurrency 2n),
stored in a temporary directory; the checker then re-checks its history three times under
strict-serializable and the fastest time is shown. On two nodes the node is wrong on purpose,
so that history is full of anomalies and cycles.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.harness import store  # noqa: E402
from tests.harness.workloads.txn_list_append import checker  # noqa: E402

NODE = ROOT / "tests" / "example_nodes" / "list_append.py"


def harness_run(nodes: int, seed: int | None) -> Path:
    """A 20 s run at rate 1000; returns its store directory."""
    workdir = tempfile.mkdtemp(prefix="glomers-bench-la-")
    flags = ["-w", "txn-list-append", "--bin", str(NODE), "--node-count", str(nodes),
             "--concurrency", "2n", "--time-limit", "20", "--rate", "1000"]
    if seed is not None:
        flags += ["--seed", str(seed)]
    subprocess.run([sys.executable, "-m", "tests.harness", "test", *flags], cwd=workdir,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (Path(workdir) / "store" / "latest").resolve()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int)
    a = p.parse_args()
    print(f"{'nodes':>5} {'txns':>6} {'micro-ops':>9} {'verdict':>8} {'check s':>8}  store")
    for nodes in (1, 2):
        run_dir = harness_run(nodes, a.seed)
        history = list(store.read_history(run_dir))
        txns = [op for op in history if op["type"] != "invoke" and op["process"] != "nemesis"]
        mops = sum(len(op["value"] or ()) for op in txns)
        best, result = float("inf"), {}
        for _ in range(3):
            start = time.perf_counter()
            result = checker.check(history, ["strict-serializable"])
            best = min(best, time.perf_counter() - start)
        verdict = str(result["valid?"])
        print(f"{nodes:>5} {len(txns):>6} {mops:>9} {verdict:>8} {best:>8.2f}  {run_dir}")


if __name__ == "__main__":
    main()
