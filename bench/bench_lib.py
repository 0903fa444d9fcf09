#!/usr/bin/env python3
"""Echo throughput of a node built on `common`, against a bare loop (``make bench-lib``).

Each contender is a real process: ch1_echo/main.py, and bench/bare_echo.py (readline,
json.loads, json.dumps, write, flush). After init, N echo requests are pipelined into its stdin
by a writer thread while this thread reads the N replies, so what is timed is how fast the
process can turn requests into replies. The rounds alternate between the two, so both see the
same machine load, and each one's best round counts.

The library is meant to keep at least half the bare loop's rate; below ``--min-ratio`` the
script exits with status 1.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENDERS = {
    "library (ch1_echo)": ROOT / "ch1_echo" / "main.py",
    "bare loop": ROOT / "bench" / "bare_echo.py",
}
INIT = {"src": "c0", "dest": "n0",
        "body": {"type": "init", "node_id": "n0", "node_ids": ["n0"], "msg_id": 1}}


def echo_requests(count: int) -> bytes:
    """``count`` echo requests from one client, one per line, numbered from 1."""
    return b"".join(
        json.dumps({"src": "c1", "dest": "n0", "body": {
            "type": "echo", "echo": f"Please echo {i % 128}", "msg_id": i}}).encode() + b"\n"
        for i in range(1, count + 1))


def echo_rate(script: Path, requests: bytes, count: int) -> float:
    """Messages per second ``script`` echoes, over ``count`` pipelined requests."""
    proc = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        proc.stdin.write(json.dumps(INIT).encode() + b"\n")
        proc.stdin.flush()
        proc.stdout.readline()   # init_ok: the process is up, so start-up is not timed
        writer = threading.Thread(target=proc.stdin.write, args=(requests,), daemon=True)
        start = time.perf_counter()
        writer.start()
        for _ in range(count - 1):
            proc.stdout.readline()
        last = json.loads(proc.stdout.readline())
        elapsed = time.perf_counter() - start
        writer.join()
    finally:
        proc.kill()
        proc.wait()
    if last["body"].get("in_reply_to") != count:
        raise SystemExit(f"{script}: the last reply is not an answer to request {count}: {last}")
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--messages", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--min-ratio", type=float, default=0.5)
    args = parser.parse_args()

    requests = echo_requests(args.messages)
    best = dict.fromkeys(CONTENDERS, 0.0)
    for _ in range(args.rounds):
        for name, script in CONTENDERS.items():
            best[name] = max(best[name], echo_rate(script, requests, args.messages))
    for name, rate in best.items():
        print(f"{name:>20}: {rate:10,.0f} msgs/s")
    library, bare = best.values()
    ratio = library / bare
    print(f"{'ratio':>20}: {ratio:10.2f}  (library / bare, must be >= {args.min_ratio})")
    if ratio < args.min_ratio:
        sys.exit(1)


if __name__ == "__main__":
    main()
