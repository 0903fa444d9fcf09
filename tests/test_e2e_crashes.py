"""Crashes and pauses end to end (docs/maelstrom.md §4.5): ``--nemesis kill`` and ``pause`` as
Maelstrom's main branch injects them, catching nodes that keep what they acknowledged only in
memory, and leaving no process behind. Short runs: the official parameters are not the point."""
from __future__ import annotations

import json
import os
import sys
import unittest
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.support import HarnessTestCase, node, run_harness

UNIQUE_IDS = "tests/broken_nodes/unique_ids_in_memory.py"
BROADCAST = "tests/broken_nodes/broadcast_in_memory.py"


def leftovers(script: str) -> list[int]:
    """Processes still running ``script`` (Linux; none found elsewhere)."""
    path = node(script).encode()
    found = []
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if path in f.read():
                        found.append(int(name))
            except OSError:
                pass
    return found


def history(run) -> list[dict]:
    return [json.loads(line) for line in (run.store / "history.jsonl").read_text().splitlines()]


def nemesis_completions(run, f: str) -> list[dict]:
    ops = [op for op in history(run) if op["process"] == "nemesis" and op["f"] == f]
    return ops[1::2]


def unique_ids(*extra: str):
    # Seed 3 restarts nodes early enough for their clients to ask them for more ids.
    return run_harness("-w", "unique-ids", "--bin", node(UNIQUE_IDS), "--node-count", "3",
                       "--concurrency", "2n", "--time-limit", "10", "--rate", "50", "--seed", "3",
                       *extra, timeout=120)


class UniqueIdsFromMemory(HarnessTestCase):
    """jepsen-io/maelstrom issue #93: ids from an in-memory counter pass every test without
    crashes, and repeat once a node has been restarted."""

    def test_are_valid_without_faults(self):
        self.assertValid(unique_ids())

    def test_repeat_after_a_kill(self):
        run = unique_ids("--nemesis", "kill", "--nemesis-interval", "1")
        self.assertIsNotNone(run.results, run.details())
        self.assertIs(run.results["valid?"], False, run.details())
        self.assertGreater(run.results["workload"]["duplicated-count"], 0)
        kills = nemesis_completions(run, "kill")
        starts = nemesis_completions(run, "start")
        self.assertTrue(any("killed" in k["value"].values() for k in kills), run.details())
        self.assertTrue(any("started" in s["value"].values() for s in starts), run.details())
        self.assertEqual(sorted(p.name for p in (run.store / "node-data").iterdir()), ["n0", "n1", "n2"])
        self.assertEqual(leftovers(UNIQUE_IDS), [])


class BroadcastFromMemory(HarnessTestCase):
    def test_loses_values_under_kill_on_most_seeds_and_none_without(self):
        def broadcast(seed: int, *extra: str):
            return run_harness("-w", "broadcast", "--bin", node(BROADCAST), "--node-count", "5",
                               "--time-limit", "5", "--rate", "10", "--seed", str(seed), *extra,
                               timeout=120)
        with ThreadPoolExecutor(4) as pool:
            killed = [pool.submit(broadcast, seed, "--nemesis", "kill", "--nemesis-interval", "1")
                      for seed in (1, 2, 3)]
            calm = pool.submit(broadcast, 1)
            killed = [f.result() for f in killed]
            calm = calm.result()
        self.assertValid(calm)
        for run in killed:
            self.assertIsNotNone(run.results, run.details())
        lost = [run for run in killed if run.results["workload"]["lost-count"] > 0]
        self.assertGreaterEqual(len(lost), 2, [run.results["workload"]["lost-count"] for run in killed])
        for run in lost:
            self.assertIs(run.results["valid?"], False)
        # The final generator restarted every node before the final reads.
        for run in killed:
            ops = [op for op in history(run) if op["process"] == "nemesis"]
            self.assertEqual((ops[-1]["f"], ops[-2]["value"]), ("start", "all"), run.details())
        self.assertEqual(leftovers(BROADCAST), [])


class Pause(HarnessTestCase):
    def test_requests_to_a_paused_node_time_out_and_what_it_was_sent_is_answered_after_resume(self):
        # Seed 4 pauses both nodes from the start for about 7 s, longer than a client waits.
        run = run_harness("-w", "unique-ids", "--bin", node(UNIQUE_IDS), "--node-count", "2",
                          "--concurrency", "4", "--time-limit", "10", "--rate", "20",
                          "--nemesis", "pause", "--nemesis-interval", "4", "--seed", "4", timeout=120)
        self.assertValid(run)
        ops = history(run)
        paused = {n: op["time"] for op in nemesis_completions(run, "pause")
                  for n, what in op["value"].items() if what == "paused"}
        resumed = min(op["time"] for op in nemesis_completions(run, "resume")
                      if "resumed" in op["value"].values())
        self.assertEqual(sorted(paused), ["n0", "n1"], run.details())
        timed_out = [op for op in ops if op["process"] != "nemesis" and op.get("error") == "net-timeout"]
        self.assertTrue(timed_out, run.details())
        # Requests the nodes received while paused were answered, late, once resumed.
        received, late_answers = {}, 0
        for line in (run.store / "net-journal.jsonl").read_text().splitlines():
            event = json.loads(line)
            msg, body = event["message"], event["message"]["body"]
            if event["event"] == "recv" and msg["dest"] in paused and "msg_id" in body:
                received[(msg["dest"], msg["src"], body["msg_id"])] = event["time"]
            if event["event"] == "send" and "in_reply_to" in body:
                got = received.get((msg["src"], msg["dest"], body["in_reply_to"]))
                if got is not None and paused[msg["src"]] <= got < resumed <= event["time"]:
                    late_answers += 1
        self.assertGreater(late_answers, 0, run.details())
        self.assertEqual(leftovers(UNIQUE_IDS), [])


if __name__ == "__main__":
    unittest.main()
