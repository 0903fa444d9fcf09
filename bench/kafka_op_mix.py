#!/usr/bin/env python3
"""What the kafka workload asks of a node per op, under Jepsen 0.3.7 and under Jepsen 0.3.1.

    python3 bench/kafka_op_mix.py            # 5 runs of 20 000 ops each, seeds 1-5
    python3 bench/kafka_op_mix.py --runs 1

Maelstrom 0.2.4 (Jepsen 0.3.7), which the harness follows, swaps an op for an ``assign`` with
probability 1/64; Maelstrom 0.2.3 (Jepsen 0.3.1, ``subscribe-ratio`` in
jepsen.tests.kafka), which most published Gossip Glomers figures were measured with, does so
with probability 1/8. Nothing else in the workload differs. This drives the harness's own
kafka generator and client for 4 threads at 1000 ops/s (the 5b/5c command) against an ideal
log that answers at once, and counts the requests the client sends per op (assigns and crashes
count as ops, as in msgs-per-op). No node or network is involved, so the figures depend only on
the generator and the seed.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import sys
from collections import Counter
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.harness.options import Options  # noqa: E402
from tests.harness.workloads.kafka import workload as kafka_workload  # noqa: E402

VERSIONS = {"Maelstrom 0.2.4 / Jepsen 0.3.7": 1 / 64, "Maelstrom 0.2.3 / Jepsen 0.3.1": 1 / 8}
THREADS, RATE = 4, 1000


class IdealLog:
    """A single in-memory log answering every request at once; counts what it is asked."""

    def __init__(self) -> None:
        self.logs: dict[str, list[int]] = {}
        self.counts: Counter[str] = Counter()

    def answer(self, body: dict) -> dict:
        t = body["type"]
        self.counts[t] += 1
        if t == "send":
            log = self.logs.setdefault(body["key"], [])
            log.append(body["msg"])
            return {"type": "send_ok", "offset": len(log) - 1}
        keys = body.get("offsets") or body.get("keys") or ()
        self.counts[t + " keys"] += len(keys)
        if t == "poll":
            return {"type": "poll_ok", "msgs": {
                k: [[o, m] for o, m in enumerate(self.logs[k][start:], start)]
                for k, start in body["offsets"].items() if self.logs.get(k, [])[start:]}}
        if t == "list_committed_offsets":
            return {"type": "list_committed_offsets_ok", "offsets": {}}
        return {"type": t + "_ok"}


class Client:
    def __init__(self, log: IdealLog, client_id: str) -> None:
        self.id, self.log = client_id, log

    async def rpc(self, body: dict, timeout: float = 5.0) -> dict:
        return self.log.answer(body)


def one_run(assign_probability: float, seed: int, ops: int) -> tuple[Counter, Counter]:
    """The op kinds issued and the requests the client sent, for ``ops`` main-phase ops."""
    workload = kafka_workload.Kafka(Options(concurrency=THREADS, nodes=["n0", "n1"]),
                                    random.Random(seed))
    log, kinds = IdealLog(), Counter()
    processes = list(range(THREADS))
    clients = [Client(log, f"c{t}") for t in range(THREADS)]
    for i in range(ops):
        thread = i % THREADS
        with mock.patch.object(kafka_workload, "ASSIGN_PROBABILITY", assign_probability):
            op = workload.next_op(i / RATE)
        kinds[op["f"]] += 1
        invoke = {**op, "type": "invoke", "process": processes[thread]}
        completion = {**invoke, **asyncio.run(workload.invoke(clients[thread], op))}
        workload.update(invoke, completion)
        if completion["type"] == "info":       # a crash: the thread gets a fresh client
            processes[thread] += THREADS
            clients[thread] = Client(log, f"c{processes[thread]}")
    return kinds, log.counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per version, seeds 1..runs")
    parser.add_argument("--ops", type=int, default=20000, help="ops per run")
    args = parser.parse_args()
    print(f"per op, {args.runs} runs of {args.ops} ops, {THREADS} threads at {RATE}/s")
    print(f"{'':32} {'assign':>7} {'send':>6} {'poll':>6} {'keys/poll':>9} {'poll keys':>9} "
          f"{'commits':>7} {'commit keys':>11} {'listed keys':>11}")
    for name, p in VERSIONS.items():
        kinds, requests = Counter(), Counter()
        for seed in range(1, args.runs + 1):
            k, r = one_run(p, seed, args.ops)
            kinds.update(k)
            requests.update(r)
        n = sum(kinds.values())
        per_poll = requests["poll keys"] / requests["poll"]
        print(f"{name:32} {kinds['assign'] / n:7.3f} {kinds['send'] / n:6.3f} "
              f"{kinds['poll'] / n:6.3f} {per_poll:9.2f} {requests['poll keys'] / n:9.3f} "
              f"{requests['commit_offsets'] / n:7.3f} {requests['commit_offsets keys'] / n:11.3f} "
              f"{requests['list_committed_offsets keys'] / n:11.3f}")


if __name__ == "__main__":
    main()
