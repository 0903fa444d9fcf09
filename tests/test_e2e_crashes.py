"""Crashes and pauses end to end (docs/maelstrom.md §4.5): ``--nemesis kill`` and ``pause`` as
Maelstrom's main branch injects them, catching nodes that keep what they acknowledged only in
memory, and leaving no process behind. Short runs: the official parameters are not the point."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

from tests.support import ROOT, HarnessRun, HarnessTestCase, left_behind, node, run_harness

TEST_LOAD = "heavy"   # several runs at once (tests/run.py)

UNIQUE_IDS = "tests/broken_nodes/unique_ids_in_memory.py"
BROADCAST = "tests/broken_nodes/broadcast_in_memory.py"


def history(run) -> list[dict]:
    return [json.loads(line) for line in (run.store / "history.jsonl").read_text().splitlines()]


def nemesis_completions(run, f: str) -> list[dict]:
    ops = [op for op in history(run) if op["process"] == "nemesis" and op["f"] == f]
    return ops[1::2]


def concurrently(runs: dict[str, tuple]) -> dict:
    """Several short harness runs at once (they are light): name -> HarnessRun."""
    with ThreadPoolExecutor(len(runs)) as pool:
        futures = {name: pool.submit(run_harness, *args, timeout=120) for name, args in runs.items()}
        return {name: f.result() for name, f in futures.items()}


def kill_runs(base: tuple, seeds: tuple[int, ...]) -> dict:
    """``base`` without faults ("calm"), and under kill once per seed."""
    runs = {"calm": (*base, "--seed", "1")}
    runs.update({seed: (*base, "--seed", str(seed), "--nemesis", "kill", "--nemesis-interval", "1")
                 for seed in seeds})
    return runs


class InMemoryStateUnderKill(HarnessTestCase):
    """Nodes that keep what they acknowledged only in memory pass without faults and fail
    under kill on most seeds: 10 of seeds 1-12 for each (the same commands with --seed N).
    A seed fixes the faults but not the ops around them (a client that asked a node while
    it was down waits out its 5 s timeout), so each test runs four seeds that failed by a
    wide margin, at once, and asks for at least three failures."""

    def test_unique_ids_from_an_in_memory_counter_repeat_after_a_restart(self):
        # jepsen-io/maelstrom issue #93: such ids pass every test without crashes.
        runs = concurrently(kill_runs(("-w", "unique-ids", "--bin", node(UNIQUE_IDS), "--node-count", "3",
                                       "--concurrency", "30", "--time-limit", "10", "--rate", "20"),
                                      seeds=(2, 3, 4, 8)))
        self.assertValid(runs.pop("calm"))
        duplicated = []
        for seed, run in runs.items():
            self.assertIsNotNone(run.results, run.details())
            count = run.results["workload"]["duplicated-count"]
            self.assertIs(run.results["valid?"], count == 0, run.details())
            if count:
                duplicated.append(seed)
                self.assertTrue(any("killed" in k["value"].values() for k in nemesis_completions(run, "kill")))
                self.assertTrue(any("started" in k["value"].values() for k in nemesis_completions(run, "start")))
        self.assertGreaterEqual(len(duplicated), 3, {s: r.results["workload"]["duplicated-count"]
                                                     for s, r in runs.items()})
        self.assertEqual(sorted(p.name for p in (runs[2].store / "node-data").iterdir()), ["n0", "n1", "n2"])
        self.assertEqual([left_behind(run) for run in runs.values()], [[]] * len(runs))

    def test_broadcast_values_kept_in_memory_are_lost(self):
        runs = concurrently(kill_runs(("-w", "broadcast", "--bin", node(BROADCAST), "--node-count", "5",
                                       "--concurrency", "4n", "--time-limit", "6", "--rate", "10"),
                                      seeds=(2, 4, 8, 10)))
        self.assertValid(runs.pop("calm"))
        lost = []
        for seed, run in runs.items():
            self.assertIsNotNone(run.results, run.details())
            if run.results["workload"]["lost-count"] > 0:
                lost.append(seed)
                self.assertIs(run.results["valid?"], False)
            # The final generator restarted every node before the final reads.
            ops = [op for op in history(run) if op["process"] == "nemesis"]
            self.assertEqual((ops[-1]["f"], ops[-2]["value"]), ("start", "all"), run.details())
        self.assertGreaterEqual(len(lost), 3, {s: r.results["workload"]["lost-count"] for s, r in runs.items()})
        self.assertEqual([left_behind(run) for run in runs.values()], [[]] * len(runs))


class Pause(HarnessTestCase):
    def test_requests_to_a_paused_node_time_out_and_what_it_was_sent_is_answered_after_resume(self):
        # Seed 3 pauses both nodes at once for about 8 s, longer than a client waits (5 s).
        run = run_harness("-w", "unique-ids", "--bin", node(UNIQUE_IDS), "--node-count", "2",
                          "--concurrency", "4", "--time-limit", "10", "--rate", "20",
                          "--nemesis", "pause", "--nemesis-interval", "4", "--seed", "3", timeout=120)
        self.assertValid(run)
        ops = history(run)
        paused = {n: op["time"] for op in nemesis_completions(run, "pause")[:1]
                  for n, what in op["value"].items() if what == "paused"}
        # When the first resume that resumed anyone was invoked: SIGCONT goes out after that,
        # and a node may answer before the op's completion is recorded.
        resumes = [op for op in history(run) if op["process"] == "nemesis" and op["f"] == "resume"]
        resumed = min(invoked["time"] for invoked, done in zip(resumes[0::2], resumes[1::2])
                      if "resumed" in done["value"].values())
        self.assertEqual(sorted(paused), ["n0", "n1"], run.details())
        # Thread t (process mod 4) talks to node t mod 2 (docs/maelstrom.md §5.1).
        invoked = {op["process"]: op["time"] for op in ops if op["type"] == "invoke"}
        timed_out_while_paused = [
            op for op in ops if op.get("error") == "net-timeout"
            and paused[f"n{op['process'] % 4 % 2}"] <= invoked[op["process"]] < resumed]
        self.assertTrue(timed_out_while_paused, run.details())
        # Requests the nodes received while paused were answered, late, once resumed.
        received, late_answers = {}, 0
        for line in (run.store / "net-journal.jsonl").read_text().splitlines():
            event = json.loads(line)
            msg, body = event["message"], event["message"].get("body", {})
            if event["event"] == "recv" and msg["dest"] in paused and "msg_id" in body:
                received[(msg["dest"], msg["src"], body["msg_id"])] = event["time"]
            if event["event"] == "send" and "in_reply_to" in body:
                got = received.get((msg["src"], msg["dest"], body["in_reply_to"]))
                if got is not None and paused[msg["src"]] <= got < resumed <= event["time"]:
                    late_answers += 1
        self.assertGreater(late_answers, 0, run.details())
        self.assertEqual(left_behind(run), [])


class FailedRestart(HarnessTestCase):
    def test_a_node_that_does_not_answer_init_after_a_restart_is_named_and_the_run_goes_on(self):
        script = "tests/broken_nodes/silent_after_restart.py"
        # Seed 1 kills the only node about a second in; its restart then waits out init's 10 s.
        run = run_harness("-w", "echo", "--bin", node(script), "--node-count", "1", "--time-limit", "5",
                          "--rate", "5", "--nemesis", "kill", "--nemesis-interval", "1", "--seed", "1",
                          timeout=120)
        self.assertIsNotNone(run.results, run.details())
        failed = run.results["harness"]["faults"]["failed-restarts"]
        self.assertEqual([f["node"] for f in failed], ["n0"])
        self.assertIn("did not answer init within 10 s after its restart", failed[0]["error"])
        self.assertIn("restart-failed", [m["kind"] for m in run.results["harness"]["mistakes"]])
        self.assertIn("MISTAKE n0 did not come back after the nemesis restarted it", run.stderr)
        self.assertIn("1 restart FAILED", run.stdout)
        starts = nemesis_completions(run, "start")
        self.assertIn("n0: node n0 did not answer init", starts[-1]["error"])
        self.assertEqual(left_behind(run), [])


class Interrupted(unittest.TestCase):
    def test_sigterm_amid_kills_and_pauses_leaves_no_process_behind(self):
        script = UNIQUE_IDS
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.harness", "test", "-w", "unique-ids", "--bin", node(script),
             "--node-count", "3", "--time-limit", "30", "--rate", "20", "--nemesis", "kill,pause",
             "--nemesis-interval", "0.3", "--seed", "1"],
            cwd=tempfile.mkdtemp(prefix="glomers-e2e-"), env=dict(os.environ, PYTHONPATH=str(ROOT)),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(4)   # several kills, restarts and pauses in
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 143, err[-2000:])
        self.assertIn("Nemesis", err)
        self.assertEqual(left_behind(HarnessRun(proc.returncode, out, err, None, None, proc.pid)), [])


if __name__ == "__main__":
    unittest.main()
