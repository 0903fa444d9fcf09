#!/usr/bin/env python3
"""One table of every challenge's figures, from local harness runs at the official parameters.

    python3 bench/bench_all.py                 # every challenge (about 12 minutes)
    python3 bench/bench_all.py ch3d ch3e --seed 7

The flags come from the Makefile's CH* variables, so the table measures exactly what
`make test-chX` runs. Each run's store goes to a temporary directory; its path is printed.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (row name, node script, Makefile variable, extra flags)
CHALLENGES = [
    ("ch1", "ch1_echo/main.py", "CH1", []),
    ("ch2", "ch2_unique_id/main.py", "CH2", []),
    ("ch3a", "ch3a_broadcast/main.py", "CH3A", []),
    ("ch3b", "ch3b_broadcast/main.py", "CH3B", []),
    ("ch3c", "ch3c_broadcast/main.py", "CH3C", []),
    ("ch3d", "ch3d_broadcast/main.py", "CH3D", []),
    ("ch3d+partition", "ch3d_broadcast/main.py", "CH3D", ["--nemesis", "partition"]),
    ("ch3e", "ch3e_broadcast/main.py", "CH3E", []),
    ("ch3e+partition", "ch3e_broadcast/main.py", "CH3E", ["--nemesis", "partition"]),
    ("ch4", "ch4_counter/main.py", "CH4", []),
    ("ch5a", "ch5a_log/main.py", "CH5A", []),
    ("ch5b", "ch5b_log/main.py", "CH5B", []),
    ("ch5c", "ch5c_log/main.py", "CH5C", []),
    ("ch5c+partition", "ch5c_log/main.py", "CH5C", ["--nemesis", "partition"]),
    ("ch6a", "ch6a_txn/main.py", "CH6A", []),
    ("ch6b", "ch6b_txn/main.py", "CH6B", []),
    ("ch6b+partition", "ch6b_txn/main.py", "CH6B", ["--availability", "total", "--nemesis", "partition"]),
    ("ch6c", "ch6c_txn/main.py", "CH6C", []),
]


def makefile_flags() -> dict[str, list[str]]:
    """The CH* variables of the Makefile, with $(X) references expanded."""
    raw = {}
    for line in (ROOT / "Makefile").read_text().splitlines():
        m = re.match(r"^(CH\w+)\s*=\s*(.*)$", line)
        if m:
            raw[m.group(1)] = m.group(2).strip()
    expand = lambda v: re.sub(r"\$\((CH\w+)\)", lambda r: expand(raw[r.group(1)]), v)
    return {k: expand(v).split() for k, v in raw.items()}


def fmt(x, digits: int = 2) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def figures(results: dict, time_limit: float) -> dict:
    net, work = results.get("net", {}), results.get("workload", {})
    lat = work.get("stable-latencies") or {}
    ok = results.get("stats", {}).get("ok-count")
    return {
        "valid?": results.get("valid?"),
        "all": net.get("all", {}).get("msgs-per-op"),
        "servers": net.get("servers", {}).get("msgs-per-op"),
        "median ms": lat.get("0.5"),
        "max ms": lat.get("1"),
        "availability": results.get("availability", {}).get("ok-fraction"),
        "ok ops/s": (ok / time_limit) if ok is not None else None,
        "request median ms": results.get("harness", {}).get("op-latency-ms", {}).get("p50"),
        "lateness p99 ms": results.get("harness", {}).get("delivery-lateness-ms", {}).get("p99"),
    }


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("only", nargs="*", help="row names to run (default: all)")
    p.add_argument("--seed", type=int, help="passed to the harness as --seed")
    a = p.parse_args(argv)
    flags = makefile_flags()
    rows = [c for c in CHALLENGES if not a.only or c[0] in a.only]
    columns = ["valid?", "all", "servers", "median ms", "max ms", "request median ms", "availability", "ok ops/s",
               "lateness p99 ms"]
    table = []
    for name, script, var, extra in rows:
        if not (ROOT / script).exists():
            print(f"{name}: {script} does not exist yet, skipped", file=sys.stderr, flush=True)
            continue
        args = flags[var] + extra + (["--seed", str(a.seed)] if a.seed is not None else [])
        workdir = tempfile.mkdtemp(prefix=f"bench-{name}-")
        cmd = [sys.executable, "-m", "tests.harness", "test", "--bin", str(ROOT / script), *args]
        print(f"{name}: {' '.join(['python3 -m tests.harness test --bin', script, *args])}", file=sys.stderr, flush=True)
        proc = subprocess.run(cmd, cwd=workdir, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
        results_file = Path(workdir) / "store" / "latest" / "results.json"
        if not results_file.exists():
            print(f"{name}: no results (exit {proc.returncode}); see {workdir}", file=sys.stderr, flush=True)
            table.append([name] + ["ABORTED"] + ["-"] * (len(columns) - 1))
            continue
        time_limit = float(args[args.index("--time-limit") + 1])
        f = figures(json.loads(results_file.read_text()), time_limit)
        table.append([name] + [fmt(f[c], 1 if c in ("ok ops/s",) else 2 if c != "availability" else 4) for c in columns])
        print(f"{name}: {workdir}/store/latest", file=sys.stderr, flush=True)
    header = ["challenge"] + ["msgs/op all" if c == "all" else "msgs/op servers" if c == "servers" else c for c in columns]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in table:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
