#!/usr/bin/env python3
"""How long the lin-kv checker takes on 60-second runs and on hard bursts (the figures in
docs/harness.md).

    python3 bench/bench_lin_kv.py --seed 1      # two harness runs, then the timings (~3 min)
    python3 bench/bench_lin_kv.py store/lin-kv/latest ...   # time stored runs instead

The runs: a correct proxy to the lin-kv service (3 nodes, --concurrency 2n, --rate 100), and
the same load with --nemesis partition on tests/example_nodes/lin_kv_primary.py, whose
requests cut off from the primary time out as info ops. Only the checker is timed (best of
three, with the garbage collector off as in the runner), on the history the run stored.
Then the bursts of tests/lin_kv_bursts.py: one key, k = 18 or 20 acknowledged ops in flight
at once (writes only, or reads, writes and cas), and a read no order of them explains.
"""
from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.harness import store  # noqa: E402
from tests.harness.workloads.lin_kv.checker import check_independent  # noqa: E402
from tests.lin_kv_bursts import burst_history  # noqa: E402

LOAD = ["-w", "lin-kv", "--node-count", "3", "--concurrency", "2n", "--time-limit", "60", "--rate", "100"]
RUNS = [("proxy", ["--bin", str(ROOT / "tests/example_nodes/kv_proxy.py")]),
        ("primary+partition", ["--bin", str(ROOT / "tests/example_nodes/lin_kv_primary.py"),
                               "--nemesis", "partition"])]


def harness_run(name: str, flags: list[str], seed: int | None) -> Path:
    workdir = tempfile.mkdtemp(prefix=f"bench-lin-kv-{name}-")
    cmd = [sys.executable, "-m", "tests.harness", "test", *LOAD, *flags]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    subprocess.run(cmd, cwd=workdir, env={**os.environ, "PYTHONPATH": str(ROOT)},
                   capture_output=True, stdin=subprocess.DEVNULL, check=False)
    return Path(workdir) / "store" / "latest"


def best_of_three(history: list[dict]) -> tuple[dict, float]:
    best = float("inf")
    gc.disable()   # as the runner does for the length of a run
    try:
        for _ in range(3):
            start = time.perf_counter()
            result = check_independent(history)
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return result, best


def time_checker(run_dir: Path) -> str:
    history = list(store.read_history(run_dir))
    result, best = best_of_three(history)
    count = {t: sum(1 for op in history if op["type"] == t and op["process"] != "nemesis")
             for t in ("ok", "fail", "info")}
    return (f"{count['ok'] + count['fail'] + count['info']:>6} ops ({count['info']:>3} info) "
            f"{len(result['results']):>3} keys  valid? {str(result['valid?']):<7} checked in {best:.2f} s")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="*", type=Path, help="stored run directories (default: make two runs)")
    p.add_argument("--seed", type=int)
    a = p.parse_args()
    targets = [(str(d), d) for d in a.runs] or [(n, harness_run(n, f, a.seed)) for n, f in RUNS]
    for name, run_dir in targets:
        print(f"{name:<18} {time_checker(run_dir)}   ({run_dir})", flush=True)
    for k in (18, 20):
        for mix in ("writes", "mixed"):
            for ending in ("unwritten", "overwritten"):
                result, best = best_of_three(burst_history(k, 1, mix, ending))
                print(f"burst k={k} {mix:<6} {ending:<11} valid? {str(result['valid?']):<7} "
                      f"checked in {best:.2f} s", flush=True)


if __name__ == "__main__":
    main()
