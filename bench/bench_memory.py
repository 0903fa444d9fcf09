#!/usr/bin/env python3
"""The harness's own peak memory (``make bench-memory``): hostile nodes and a long run.

    python3 bench/bench_memory.py                    # storm, stdout flood, log flood, 3d for 120 s
    python3 bench/bench_memory.py storm 3d-120s
    python3 bench/bench_memory.py --official         # ... and every challenge's official command
    python3 bench/bench_memory.py --steps 3d-120s    # ... and the peak of each step of the run's end

Each scenario runs ``python3 -m tests.harness test`` in a process of its own, in a temporary
directory (its store is deleted afterwards unless ``--keep``), and reports the harness
process's peak resident memory (its own ``ru_maxrss``: the node processes are not counted),
its wall time, its exit code, and the size of the journal and node logs it left on disk.
With ``--steps``, the peak is also reset (``/proc/self/clear_refs``) as each step of the
run's end begins, and each step's own peak is reported: where the memory goes.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_all import CHALLENGES, makefile_flags  # noqa: E402

# The harness's own entry point, then its peak RSS (KiB on Linux) on the descriptor named.
# With BENCH_STEPS, each step's peak goes to stderr as "step <name> <KiB>" when the next begins.
WRAPPER = """
import os, resource, sys
from tests.harness.__main__ import main
if os.environ.get("BENCH_STEPS"):
    sys.path.insert(0, os.environ["BENCH_DIR"])
    from bench_memory import mark_steps
    mark_steps()
try:
    code = main(sys.argv[1:])
finally:
    if os.environ.get("BENCH_STEPS"):
        from bench_memory import end_step
        end_step()
    os.write(int(os.environ["BENCH_RSS_FD"]), str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss).encode())
sys.exit(code)
"""

# Where each step of a run's end begins: (module, owner, function) -> the step it starts.
STEPS = [("runner", "Run", "_analyse", "history read whole, checked; results, explanation"),
         ("runner", "Run", "draw_pictures", "history read again; latency.svg, rate.svg"),
         ("plots", None, "timeline_lines", "timeline.html"),
         ("plots", None, "timeline_html", "timeline.html"),      # before it was written line by line
         ("visuals", None, "write_messages_svg", "messages.svg")]
_step = ["the run itself"]


def _peak_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


def end_step(next_step: str = "") -> None:
    """Report the step that ends here, its peak, and start measuring the next one afresh."""
    print(f"step {_step[0]}\t{_peak_kib()}", file=sys.stderr, flush=True)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")   # resets VmHWM (and so ru_maxrss's source) to the current RSS
    _step[0] = next_step


def mark_steps() -> None:
    """In the harness process: end a step as each function of STEPS is entered."""
    import functools
    import importlib
    for module, owner, name, step in STEPS:
        target = importlib.import_module(f"tests.harness.{module}")
        target = getattr(target, owner) if owner else target
        if not hasattr(target, name) or (module, name) == ("plots", "timeline_html") and hasattr(target, "timeline_lines"):
            continue

        def entered(*args, _fn=getattr(target, name), _step=step, **kwargs):
            end_step(_step)
            return _fn(*args, **kwargs)
        setattr(target, name, functools.wraps(getattr(target, name))(entered))

BROKEN = "tests/broken_nodes"
# name -> (node script, flags after --bin)
SCENARIOS = {
    "storm": (f"{BROKEN}/gossip_storm.py",
              "-w broadcast --node-count 5 --time-limit 10 --rate 10".split()),
    "stdout-flood": (f"{BROKEN}/stdout_flood.py", "-w echo --node-count 5 --time-limit 10".split()),
    "log-flood": (f"{BROKEN}/log_flood.py", "-w echo --node-count 5 --time-limit 10".split()),
    "3d-120s": ("ch3d_broadcast/main.py",
                "-w broadcast --node-count 25 --time-limit 120 --rate 100 --latency 100".split()),
}


def measure(script: str, flags: list[str], keep: bool, steps: bool = False) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    read_end, write_end = os.pipe()
    cmd = [sys.executable, "-c", WRAPPER, "test", "--bin", str(ROOT / script), *flags]
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_RSS_FD": str(write_end)}
    if steps:
        env.update(BENCH_STEPS="1", BENCH_DIR=str(ROOT / "bench"))
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, pass_fds=(write_end,))
    os.close(write_end)
    _, stderr = proc.communicate()
    wall = time.monotonic() - started
    with os.fdopen(read_end, "rb") as f:
        rss = f.read().decode()
    run = workdir / "store" / "latest"
    size = lambda p: p.stat().st_size if p.is_file() else 0
    journal = size(run / "net-journal.jsonl")
    logs = sum(size(p) for p in (run / "node-logs").glob("*")) if (run / "node-logs").is_dir() else 0
    try:   # the nodes' busiest second, against the message budget (tests/harness/budget.py)
        busiest = json.loads((run / "results.json").read_text())["harness"]["busiest-second"]["messages"]
    except (OSError, ValueError, KeyError, TypeError):
        busiest = None
    lines = [line for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    step_peaks = [(line[5:].split("\t")[0], int(line.split("\t")[1]) / 1024)
                  for line in lines if line.startswith("step ") and "\t" in line]
    last = [line for line in lines if not line.startswith("step ")][-1:]
    if keep:
        print(f"  store kept: {workdir}/store", flush=True)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    peak = max([int(rss) / 1024 if rss else 0] + [mb for _, mb in step_peaks]) or None
    return {"peak MB": peak, "steps": step_peaks, "wall s": wall, "exit": proc.returncode,
            "journal MB": journal / 1e6, "node logs MB": logs / 1e6, "busiest": busiest,
            "last line": last[0] if last else ""}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="bench/bench_memory.py", description=__doc__.splitlines()[0])
    p.add_argument("only", nargs="*", help=f"scenarios to run (default all of {', '.join(SCENARIOS)})")
    p.add_argument("--official", action="store_true", help="also every challenge's official command")
    p.add_argument("--keep", action="store_true", help="keep each run's store")
    p.add_argument("--steps", action="store_true", help="also the peak of each step of the run's end")
    a = p.parse_args(argv)
    rows = [(name, *SCENARIOS[name]) for name in (a.only or SCENARIOS)]
    if a.official:
        flags = makefile_flags()
        rows += [(name, script, flags[var] + extra) for name, script, var, extra in CHALLENGES]
    print(f"harness at {ROOT}")
    table = []
    for name, script, flags in rows:
        print(f"{name}: python3 -m tests.harness test --bin {script} {' '.join(flags)}", flush=True)
        row = measure(script, flags, a.keep, a.steps)
        for step, mb in row["steps"]:
            print(f"  step peak {mb:4.0f} MB  {step}", flush=True)
        print(f"  peak {row['peak MB']:.0f} MB, {row['wall s']:.0f} s, exit {row['exit']}, journal "
              f"{row['journal MB']:.0f} MB, node logs {row['node logs MB']:.0f} MB; {row['last line'][:160]}",
              flush=True)
        table.append((name, row))
    print("\n| scenario | harness peak RSS | wall time | exit | journal on disk | node logs on disk "
          "| nodes' busiest second |")
    print("|---|---|---|---|---|---|---|")
    for name, r in table:
        busiest = "–" if r["busiest"] is None else f"{r['busiest']:,} messages"
        print(f"| {name} | {r['peak MB']:.0f} MB | {r['wall s']:.0f} s | {r['exit']} | "
              f"{r['journal MB']:.0f} MB | {r['node logs MB']:.0f} MB | {busiest} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
