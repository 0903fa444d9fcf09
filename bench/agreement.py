#!/usr/bin/env python3
"""Does the simulator agree with real time? Every node on the library, run by ``sim`` and by ``test``.

    python3 bench/agreement.py                  # every case (about 25 minutes: the real runs)
    python3 bench/agreement.py ch3c retry-twice  # some cases
    python3 bench/agreement.py --json out.json   # also keep every figure

For each case both commands run with the same flags and seed(s); the table gives each one's
verdict (over seeds 1-5 where the verdict depends on the seed), the anomaly kinds found,
servers msgs-per-op and latency (broadcast: stable latency median / max; other workloads:
request latency median / p99). Challenges run at their official parameters (the Makefile's);
the others at the short parameters of their end-to-end tests.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_all import CHALLENGES, makefile_flags  # noqa: E402

FIVE = (1, 2, 3, 4, 5)
B = "tests/broken_nodes/"
E = "tests/example_nodes/"


def cases() -> list[tuple[str, str, list[str], tuple[int, ...]]]:
    """(name, node script, flags, seeds)."""
    flags = makefile_flags()
    out = [(name, script, flags[var] + extra, (1,)) for name, script, var, extra in CHALLENGES]
    lin = ["-w", "lin-kv", "--concurrency", "2n", "--rate", "100", "--time-limit", "10"]
    out += [
        ("kv_proxy", E + "kv_proxy.py", lin + ["--node-count", "3"], (1,)),
        ("kv_proxy seq-kv", E + "kv_proxy.py", lin + ["--node-count", "3", "seq-kv"], (1,)),
        ("lin_kv_primary", E + "lin_kv_primary.py", lin + ["--node-count", "3", "--nemesis", "partition"], FIVE),
        ("raft_kv", E + "raft_kv.py", lin + ["--node-count", "3", "--nemesis", "partition"], FIVE),
        ("list_append", E + "list_append.py", ["-w", "txn-list-append", "--node-count", "1", "--concurrency", "2n",
                                               "--time-limit", "10", "--rate", "100"], (1,)),
        ("list_append 2 nodes", E + "list_append.py", ["-w", "txn-list-append", "--node-count", "2",
                                                       "--concurrency", "2n", "--time-limit", "10", "--rate", "100"], (1,)),
        ("g_set", E + "g_set.py", ["-w", "g-set", "--node-count", "3", "--time-limit", "10", "--rate", "10",
                                   "--nemesis", "partition"], (1,)),
        ("pn_counter", E + "pn_counter.py", ["-w", "pn-counter", "--node-count", "3", "--time-limit", "10",
                                             "--rate", "10", "--nemesis", "partition"], (1,)),
        ("echo_wrong", B + "echo_wrong.py", ["-w", "echo", "--node-count", "1", "--time-limit", "5", "--rate", "10"], (1,)),
        ("echo_late", B + "echo_late.py", ["-w", "echo", "--node-count", "1", "--time-limit", "5", "--rate", "10"], (1,)),
        ("garbage_stdout", B + "garbage_stdout.py", ["-w", "echo", "--node-count", "1", "--time-limit", "5", "--rate", "5"], (1,)),
        ("crash_after_five", B + "crash_after_five.py", ["-w", "echo", "--node-count", "1", "--time-limit", "5",
                                                         "--rate", "10"], (1,)),
        ("wrong_reply_type", B + "wrong_reply_type.py", ["-w", "echo", "--node-count", "1", "--time-limit", "5",
                                                         "--rate", "5"], (1,)),
        ("no_in_reply_to", B + "no_in_reply_to.py", ["-w", "echo", "--node-count", "1", "--time-limit", "5",
                                                     "--rate", "5"], (1,)),
        ("unique_ids_counter", B + "unique_ids_counter.py", ["-w", "unique-ids", "--node-count", "3", "--time-limit", "5",
                                                             "--rate", "100", "--nemesis", "partition"], (1,)),
        ("counter_local", B + "counter_local.py", ["-w", "g-counter", "--node-count", "3", "--time-limit", "5",
                                                   "--rate", "50"], (1,)),
        ("broadcast_gossip_once", B + "broadcast_gossip_once.py",
         ["-w", "broadcast", "--node-count", "5", "--time-limit", "10", "--rate", "10", "--nemesis", "partition"], FIVE),
        ("retry-twice", B + "broadcast_retry_twice.py",
         ["-w", "broadcast", "--node-count", "5", "--time-limit", "20", "--rate", "10", "--nemesis", "partition"], FIVE),
        ("broadcast_in_memory kill", B + "broadcast_in_memory.py",
         ["-w", "broadcast", "--node-count", "3", "--time-limit", "10", "--rate", "10", "--nemesis", "kill",
          "--nemesis-interval", "1"], FIVE),
        ("unique_ids_in_memory kill", B + "unique_ids_in_memory.py",
         ["-w", "unique-ids", "--node-count", "3", "--time-limit", "10", "--rate", "50", "--nemesis", "kill",
          "--nemesis-interval", "1"], FIVE),
        ("kafka_lose_send", B + "kafka_lose_send.py", ["-w", "kafka", "--node-count", "1", "--concurrency", "2n",
                                                       "--time-limit", "5", "--rate", "200"], (1,)),
        ("kafka_duplicate_offset", B + "kafka_duplicate_offset.py", ["-w", "kafka", "--node-count", "1",
                                                                     "--concurrency", "2n", "--time-limit", "5",
                                                                     "--rate", "200"], (1,)),
        ("lin_kv_local", B + "lin_kv_local.py", lin + ["--node-count", "3"], (1,)),
        ("list_append_dirty_read", B + "list_append_dirty_read.py",
         ["-w", "txn-list-append", "--node-count", "1", "--concurrency", "2n", "--time-limit", "10", "--rate", "100",
          "--consistency-models", "read-committed"], (1,)),
        ("txn_dirty_read", B + "txn_dirty_read.py", ["-w", "txn-rw-register", "--node-count", "1", "--concurrency", "2n",
                                                     "--time-limit", "10", "--rate", "100",
                                                     "--consistency-models", "read-committed"], (1,)),
    ]
    return out


def run(command: str, script: str, flags: list[str], seed: int) -> dict:
    workdir = tempfile.mkdtemp(prefix="glomers-agreement-")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "tests.harness", command, "--bin", str(ROOT / script),
                           *flags, "--seed", str(seed)], cwd=workdir, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=900)
    latest = Path(workdir) / "store" / "latest" / "results.json"
    if not latest.exists():
        return {"verdict": "aborted" if proc.returncode == 255 else f"exit {proc.returncode}"}
    r = json.loads(latest.read_text())
    workload = r.get("workload") or {}
    kinds = sorted(k for k, v in r.items() if isinstance(v, dict) and v.get("valid?") is False)
    kinds += [f"{k}" for k in workload.get("anomaly-types", []) or []]
    if workload.get("lost-count"):
        kinds.append("lost")
    stable = workload.get("stable-latencies")
    latency = ((stable or {}).get("0.5"), (stable or {}).get("1")) if stable else \
        tuple((r.get("harness", {}).get("op-latency-ms") or {}).get(q) for q in ("p50", "p99"))
    kinds += [m.get("kind") for m in (r.get("harness") or {}).get("mistakes", []) or []]
    return {"verdict": r.get("valid?"), "kinds": sorted(set(kinds) - {"explanation", None}),
            "msgs": ((r.get("net") or {}).get("servers") or {}).get("msgs-per-op"),
            "latency": latency, "stable": bool(stable)}


def summarise(runs: list[dict]) -> dict:
    verdicts = [r["verdict"] for r in runs]
    word = {True: "valid", False: "invalid"}
    if len(verdicts) == 1:
        verdict = word.get(verdicts[0], str(verdicts[0]))
    else:
        verdict = f"{sum(v is True for v in verdicts)}/{len(verdicts)} valid"
    first = runs[0]
    return {"verdict": verdict, "verdicts": verdicts, "kinds": sorted({k for r in runs for k in r.get("kinds", [])}),
            "msgs": first.get("msgs"), "latency": first.get("latency"), "stable": first.get("stable")}


def fmt_pair(a, b, digits=2) -> str:
    f = lambda x: "-" if x is None else f"{x:.{digits}f}" if isinstance(x, float) else str(x)
    return f"{f(a)} / {f(b)}"


def fmt_latency(lat, stable: bool) -> str:
    if not lat or lat[0] is None:
        return "-"
    unit = "ms"
    return f"{lat[0]:g} / {lat[1]:g} {unit}"


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="bench/agreement.py")
    p.add_argument("only", nargs="*", help="case names (default: all)")
    p.add_argument("--json", help="write every figure to this file")
    a = p.parse_args(argv)
    chosen = [c for c in cases() if not a.only or c[0] in a.only]
    rows, everything = [], {}
    print("| case | seeds | verdict sim / test | anomalies sim / test | msgs-per-op sim / test | "
          "latency sim | latency test |")
    print("|---|---|---|---|---|---|---|")
    for name, script, flags, seeds in chosen:
        sim = summarise([run("sim", script, flags, s) for s in seeds])
        test = summarise([run("test", script, flags, s) for s in seeds])
        everything[name] = {"flags": flags, "seeds": list(seeds), "sim": sim, "test": test}
        kinds = f"{' '.join(sim['kinds']) or '-'} / {' '.join(test['kinds']) or '-'}"
        seed_text = f"{seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])
        print(f"| {name} | {seed_text} | {sim['verdict']} / {test['verdict']} | {kinds} | "
              f"{fmt_pair(sim['msgs'], test['msgs'])} | {fmt_latency(sim['latency'], sim['stable'])} | "
              f"{fmt_latency(test['latency'], test['stable'])} |", flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(everything, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
