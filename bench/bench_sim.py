#!/usr/bin/env python3
"""The simulator's speed: ``make bench-sim``.

    python3 bench/bench_sim.py               # the four cases of issue 21, three sittings each
    python3 bench/bench_sim.py --profile 3d  # where one case's time goes, by part of the code
    python3 bench/bench_sim.py --real 3d     # also the same run in real time, for the cost per message

Each case is the whole command (``python3 -m tests.harness sim ...``: start-up, the run, the
checkers, the store and its pictures), timed from outside, median of three sittings. "x real
time" divides the run's length in real time (its time limit, plus the 10 s of recovery the
workloads with final reads wait) by the simulator's wall time. The cost per delivered message
is the CPU time of the simulation phase (nodes, network and harness: no store, checkers or
pictures) over the messages the network delivered.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES = {
    # name: (node, flags, seconds of real time the run takes, seeds for a sweep)
    "3b": ("ch3c_broadcast/main.py", "-w broadcast --node-count 5 --time-limit 20 --rate 10 --nemesis partition",
           30, None),
    "3d": ("ch3d_broadcast/main.py", "-w broadcast --node-count 25 --time-limit 20 --rate 100 --latency 100", 30, None),
    "5c": ("ch5c_log/main.py", "-w kafka --node-count 2 --concurrency 2n --time-limit 20 --rate 1000", 30, None),
    "3c x1000": ("ch3c_broadcast/main.py",
                 "-w broadcast --node-count 5 --time-limit 20 --rate 10 --nemesis partition", 30 * 1000, "1..1000"),
}
TARGETS = {"3b": "<= 0.3 s (>= 60x)", "3d": ">= 10x", "5c": ">= 5x", "3c x1000": "<= 5 min"}


def command(case: str, mode: str = "sim") -> list[str]:
    script, flags, _, seeds = CASES[case]
    argv = [sys.executable, "-m", "tests.harness", mode, "--bin", str(ROOT / script), *flags.split()]
    return argv + (["--seeds", seeds] if seeds else ["--seed", "1"])


def timed(argv: list[str]) -> tuple[float, float, int]:
    """Wall seconds and CPU seconds (the command and the node processes it started) of one
    command, and the messages its run delivered."""
    workdir = tempfile.mkdtemp(prefix="glomers-bench-sim-")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=workdir, env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"},
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} exited {proc.returncode}")
    try:
        results = json.loads((Path(workdir) / "store" / "latest" / "results.json").read_text())
        delivered = results["net"]["all"]["recv-count"]
    except (OSError, ValueError, KeyError):
        delivered = 0
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), delivered


def simulation_phase(case: str) -> tuple[float, int]:
    """CPU seconds of the simulation alone (no store, checkers or pictures), and the
    messages delivered, in this process."""
    sys.path.insert(0, str(ROOT))
    from tests.harness import runner, store
    from tests.harness.cli import parse_test_args
    from tests.harness.sim.simulation import Simulation
    script, flags, _, _ = CASES[case]
    opts = parse_test_args(["--bin", str(ROOT / script), *flags.split(), "--seed", "1"])
    run = runner.Run(opts, runner.Console(echo=False), Simulation(),
                     store_base=Path(tempfile.mkdtemp(prefix="glomers-bench-sim-")), pictures=False)
    phases = {}
    original_analyse, original_finish = runner.Run._analyse, store.finish_history

    def mark_end(self, workload):   # the run is over: nothing is checked
        phases["run"] = time.process_time()
        return {"valid?": True}
    runner.Run._analyse = mark_end
    store.finish_history = lambda run_dir: None   # history.txt and .edn: not the simulation
    started = time.process_time()
    try:
        run.carry_out()
    finally:
        runner.Run._analyse, store.finish_history = original_analyse, original_finish
    return phases.get("run", time.process_time()) - started, sum(run.journal.net.recvs)


def phases(case: str) -> None:
    """CPU seconds of each phase of a whole run in this process (a second run: the first
    imports and compiles): the simulation, the history files, the checkers and explanation,
    the pictures."""
    sys.path.insert(0, str(ROOT))
    from tests.harness import runner, store
    from tests.harness.cli import parse_test_args
    from tests.harness.sim.simulation import Simulation
    script, flags, _, _ = CASES[case]
    spent: dict[str, float] = {}

    def timed(owner, name, label):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - started
        setattr(owner, name, wrapper)
        return original
    originals = [(runner.Run, "carry_out", timed(runner.Run, "carry_out", "whole run")),
                 (store, "finish_history", timed(store, "finish_history", "history files")),
                 (runner.Run, "_analyse", timed(runner.Run, "_analyse", "checkers, explanation, pictures")),
                 (runner.Run, "draw_pictures", timed(runner.Run, "draw_pictures", "pictures"))]
    try:
        for _ in range(2):
            spent.clear()
            opts = parse_test_args(["--bin", str(ROOT / script), *flags.split(), "--seed", "1"])
            runner.Run(opts, runner.Console(echo=False), Simulation(),
                       store_base=Path(tempfile.mkdtemp(prefix="glomers-bench-sim-"))).carry_out()
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
    spent["checkers, explanation"] = spent.pop("checkers, explanation, pictures") - spent["pictures"]
    spent["simulation"] = spent["whole run"] - spent["history files"] - spent["checkers, explanation"] \
        - spent["pictures"]
    print(f"{case}: " + ", ".join(f"{k} {v:.2f} s" for k, v in spent.items()) + " (CPU)")


def profile(case: str) -> None:
    """Where the simulation phase's time goes, by part of the code (cProfile's own time), in
    a second run in this process (the first one imports and compiles)."""
    simulation_phase(case)
    prof = cProfile.Profile()
    prof.enable()
    simulation_phase(case)
    prof.disable()
    stats = pstats.Stats(prof)
    groups: dict[str, float] = {}
    total = 0.0
    for (path, _, name), (_, _, own, _, _) in stats.stats.items():
        total += own
        groups[_part(path, name)] = groups.get(_part(path, name), 0.0) + own
    print(f"where the simulation phase of {case} spends its time (cProfile, {total:.1f} s profiled):")
    for part, seconds in sorted(groups.items(), key=lambda kv: -kv[1]):
        if seconds / total >= 0.01:
            print(f"  {100 * seconds / total:5.1f} %  {part}")


def _part(path: str, name: str) -> str:
    p = path.replace("\\", "/")
    if "/asyncio/" in p or name in ("<method 'run' of '_contextvars.Context' objects>",):
        return "asyncio event loop (callbacks, tasks, timers)"
    if "/json/" in p or "json" in name or "scan_once" in name or "raw_decode" in name:
        return "JSON encoding and decoding"
    if "/common/" in p:
        return "node library (common/)"
    if "/ch" in p and "/main.py" in p or "/example_nodes/" in p or "/broken_nodes/" in p:
        return "node code (the challenge node)"
    if "/harness/sim/" in p:
        return "simulator (virtual loop, in-process host, sandbox)"
    if p.endswith("network.py"):
        return "network model (queues, journal)"
    if p.endswith("process.py"):
        return "stdout parsing (process.py)"
    if p.endswith(("interpreter.py", "client.py", "schedule.py")) or "/workloads/" in p or "/nemesis/" in p:
        return "clients, generators, schedule"
    if p.endswith("services.py"):
        return "services (lin-kv, seq-kv...)"
    if "/harness/" in p:
        return "rest of the harness"
    if "heapq" in name or "/heapq" in p:
        return "heaps"
    if "compile" in name or "importlib" in p or "marshal" in name:
        return "loading node scripts"
    return "built-in calls (dicts, strings, regexes, writes, chdir)"


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="bench/bench_sim.py")
    p.add_argument("cases", nargs="*", default=list(CASES))
    p.add_argument("--sittings", type=int, default=3)
    p.add_argument("--profile", action="store_true", help="where the time goes, instead of timings")
    p.add_argument("--phases", action="store_true", help="CPU time of each phase of a run, instead of timings")
    p.add_argument("--real", action="store_true", help="also time the run in real time (test)")
    a = p.parse_args(argv)
    if a.profile or a.phases:
        for case in a.cases:
            (profile if a.profile else phases)(case)
        return 0
    print("| case | command | wall (median of %d) | x real time | target | CPU per delivered msg: "
          "whole command | simulation phase |" % a.sittings)
    print("|---|---|---|---|---|---|---|")
    for case in a.cases:
        sittings = [timed(command(case)) for _ in range(a.sittings if "x1000" not in case else 1)]
        wall = statistics.median(w for w, _, _ in sittings)
        real_s = CASES[case][2]
        whole = phase = ""
        if CASES[case][3] is None:
            _, cpu, delivered = sorted(sittings)[len(sittings) // 2]
            whole = f"{1e6 * cpu / max(1, delivered):.0f} µs"
            cpu, delivered = simulation_phase(case)
            phase = f"{1e6 * cpu / max(1, delivered):.0f} µs ({delivered} msgs)"
        flags = " ".join(command(case)[4:]).replace(str(ROOT) + "/", "")
        print(f"| {case} | `sim {flags}` | {wall:.2f} s | {real_s / wall:.0f}x | {TARGETS[case]} | {whole} | {phase} |",
              flush=True)
        if a.real and CASES[case][3] is None:
            real_wall, real_cpu, delivered = timed(command(case, "test"))
            print(f"| {case} in real time | `test {flags}` | {real_wall:.2f} s | "
                  f"sim {real_wall / wall:.1f}x quicker | | "
                  f"{1e6 * real_cpu / max(1, delivered):.0f} µs (harness and nodes) | |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
