#!/usr/bin/env python3
"""What durability costs: the same runs with each ``GLOMERS_DURABILITY`` policy (common/wal.py).

    python3 bench/bench_durability.py                  # ch5a ch6a ch3d, seed 1 (about 4 minutes)
    python3 bench/bench_durability.py ch5c --seed 2 --repeat 3

Two parts. First, the write-ahead log alone: how many records a second one log appends (a
typical kafka send record, ``["k", 12345]``) with nothing written (``none``), with one
``write()`` each (``write``, the default) and with ``write()`` + ``fdatasync()`` each
(``fsync``). Then whole harness runs at a challenge's official parameters (the Makefile's
flags, as `make test-chX`), one per policy, on the same seed: ok ops/s, the client's
latency (invoke to ok; median and p99) and, for broadcast, the stable latency. ``none`` is
the node without its durable path: what it was before it kept anything on disk.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_all import CHALLENGES, ROOT, makefile_flags  # noqa: E402
from common import Node  # noqa: E402
from common.wal import POLICIES, WriteAheadLog  # noqa: E402

RECORDS = 20_000


def appends_per_second(policy: str, records: int = RECORDS) -> float:
    """Records one log appends per second under ``policy``, in a directory of its own."""
    os.environ["GLOMERS_DURABILITY"] = policy
    with tempfile.TemporaryDirectory(dir=ROOT) as data_dir:   # the disk the runs use
        node = Node()
        node.node_id, node.data_dir, node._stderr = "n0", Path(data_dir), os.open(os.devnull, os.O_WRONLY)
        wal = WriteAheadLog(node, "bench", apply=lambda record: None)
        wal._replay()   # what init does
        count = records if policy != "fsync" else records // 10
        start = time.perf_counter()
        for i in range(count):
            wal.append(["k", i])
        return count / (time.perf_counter() - start)


def run(script: str, args: list[str], policy: str) -> dict:
    workdir = tempfile.mkdtemp(prefix=f"bench-durability-{policy}-")
    subprocess.run([sys.executable, "-m", "tests.harness", "test", "--bin", str(ROOT / script), *args],
                   cwd=workdir, env={**os.environ, "PYTHONPATH": str(ROOT), "GLOMERS_DURABILITY": policy},
                   capture_output=True, text=True, stdin=subprocess.DEVNULL)
    store = Path(workdir) / "store" / "latest"
    results = json.loads((store / "results.json").read_text())
    latency = results["harness"]["op-latency-ms"]   # ok requests, from request to reply
    stable = results.get("workload", {}).get("stable-latencies") or {}
    time_limit = float(args[args.index("--time-limit") + 1])
    return {"valid": results.get("valid?"), "ok/s": results["stats"]["ok-count"] / time_limit,
            "median": latency["p50"], "p99": latency["p99"],
            "stable": (stable.get("0.5"), stable.get("1")), "store": str(store)}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("only", nargs="*", default=["ch5a", "ch6a", "ch3d"], help="rows of bench_all")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=1, help="runs per policy (interleaved)")
    a = p.parse_args(argv)
    print("| policy | appends/s (one log, one process) |\n|---|---|")
    for policy in POLICIES[::-1]:
        print(f"| {policy} | {appends_per_second(policy):,.0f} |", flush=True)
    flags = makefile_flags()
    print("\n| challenge | policy | valid | ok ops/s | op latency median / p99 ms "
          "| stable latency median / max ms |\n|---|---|---|---|---|---|")
    for name, script, var, extra in [c for c in CHALLENGES if c[0] in a.only]:
        args = flags[var] + extra + ["--seed", str(a.seed)]
        print(f"{name}: python3 -m tests.harness test --bin {script} {' '.join(args)}",
              file=sys.stderr, flush=True)
        for _ in range(a.repeat):
            for policy in POLICIES[::-1]:   # none, fsync, write: interleaved, same conditions
                f = run(script, args, policy)
                stable = " / ".join("-" if x is None else f"{x:.0f}" for x in f["stable"])
                print(f"| {name} | {policy} | {f['valid']} | {f['ok/s']:.1f} | "
                      f"{f['median']:.2f} / {f['p99']:.2f} | {stable} |", flush=True)
                print(f"  {policy}: {f['store']}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
