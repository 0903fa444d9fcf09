"""``sim``: whole tests in the simulator, as a user runs them."""
from __future__ import annotations

import json
import re
import shlex
import tempfile
import unittest
from pathlib import Path

from tests.support import HarnessTestCase, node, run_harness

TEST_LOAD = "heavy"   # simulations use whole cores (tests/run.py)

BROKEN = "tests/broken_nodes/"
CH3C = ("-w", "broadcast", "--bin", node("ch3c_broadcast/main.py"), "--node-count", "5",
        "--time-limit", "20", "--rate", "10", "--nemesis", "partition")


def sim(*args: str, **kwargs):
    return run_harness(*args, command="sim", timeout=120, **kwargs)


class Determinism(HarnessTestCase):
    def test_a_seed_gives_the_same_history_and_journal_byte_for_byte(self):
        first, second = sim(*CH3C, "--seed", "3"), sim(*CH3C, "--seed", "3")
        self.assertValid(first)
        first, second = first.store, second.store
        for name in ("history.jsonl", "net-journal.jsonl"):
            self.assertEqual((first / name).read_bytes(), (second / name).read_bytes(), name)

    def test_another_seed_gives_another_history(self):
        a, b = sim(*CH3C, "--seed", "3"), sim(*CH3C, "--seed", "4")
        self.assertNotEqual((a.store / "history.jsonl").read_bytes(), (b.store / "history.jsonl").read_bytes())


class SweepAndShrink(unittest.TestCase):
    """The node retries a lost gossip only twice: a partition that outlasts its tries loses
    the value, which happens on a minority of seeds (20 of seeds 1-100)."""

    RETRY_TWICE = ("-w", "broadcast", "--bin", node(BROKEN + "broadcast_retry_twice.py"), "--node-count", "5",
                   "--time-limit", "20", "--rate", "10", "--nemesis", "partition")

    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="glomers-e2e-")
        cls.sweep = sim(*cls.RETRY_TWICE, "--seeds", "500", "--stop-on-failure", "--shrink", cwd=cls.workdir)
        out = cls.sweep.stdout
        cls.failing = re.search(r"^seed (\d+): invalid, ", out, re.M)
        cls.start = re.search(r"^Shrink: from (\d+) client ops, (\d+) nemesis op\(s\), (\d+) node\(s\)", out, re.M)
        cls.end = re.search(r"^Smallest failing test found \(\d+ runs\): (\d+) client ops, (\d+) nemesis op\(s\), "
                            r"(\d+) node\(s\)\n.*\n  stored in (\S+)\n  replay: +python3 -m tests.harness sim (.*)$",
                            out, re.M)

    def test_the_sweep_finds_a_failing_seed_and_exits_invalid(self):
        self.assertIsNotNone(self.failing, self.sweep.details())
        self.assertEqual(self.sweep.returncode, 1, self.sweep.details())

    def test_the_shrunk_test_is_smaller_and_still_fails(self):
        self.assertIsNotNone(self.start, self.sweep.details())
        self.assertIsNotNone(self.end, self.sweep.details())
        before, after = [int(x) for x in self.start.groups()], [int(x) for x in self.end.groups()[:3]]
        self.assertLess(sum(after), sum(before))
        self.assertLessEqual(after[0], before[0])
        results = json.loads((Path(self.workdir) / self.end.group(4) / "results.json").read_text())
        self.assertIs(results["valid?"], False)

    def test_replaying_the_printed_command_gives_the_same_history(self):
        self.assertIsNotNone(self.end, self.sweep.details())
        replay = sim(*shlex.split(self.end.group(5)))
        stored = Path(self.workdir) / self.end.group(4)
        self.assertEqual((replay.store / "history.jsonl").read_bytes(), (stored / "history.jsonl").read_bytes())
        self.assertEqual(replay.returncode, 1, replay.details())


class Sweeps(unittest.TestCase):
    def test_a_correct_node_passes_every_seed_and_the_sweep_exits_0(self):
        run = sim(*CH3C, "--seeds", "11..30", "--time-limit", "10")
        self.assertEqual(run.returncode, 0, run.details())
        self.assertIn("20 seed(s): 20 valid", run.stdout)


class ProcessFaults(unittest.TestCase):
    """--nemesis kill and pause act on simulated nodes as on processes (tests/test_e2e_crashes.py)."""

    IN_MEMORY = ("-w", "broadcast", "--bin", node(BROKEN + "broadcast_in_memory.py"), "--node-count", "3",
                 "--time-limit", "10", "--rate", "10")

    def test_a_node_keeping_values_only_in_memory_loses_them_under_kill_on_most_seeds(self):
        run = sim(*self.IN_MEMORY, "--nemesis", "kill", "--nemesis-interval", "1", "--seeds", "12")
        invalid = int(re.search(r"(\d+) invalid", run.stdout).group(1))
        self.assertGreaterEqual(invalid, 8, run.details())   # real time: 11 of 12 (test_e2e_crashes)

    def test_without_faults_the_same_node_passes(self):
        run = sim(*self.IN_MEMORY, "--seeds", "4")
        self.assertIn("4 seed(s): 4 valid", run.stdout, run.details())

    def test_a_run_with_kills_and_pauses_is_deterministic(self):
        args = (*CH3C, "--nemesis", "kill,pause,partition", "--nemesis-interval", "1", "--seed", "5")
        first, second = sim(*args), sim(*args)
        kills = [op for op in map(json.loads, (first.store / "history.jsonl").read_text().splitlines())
                 if op["process"] == "nemesis" and op["f"] in ("kill", "pause")]
        self.assertTrue(kills, first.details())
        for name in ("history.jsonl", "net-journal.jsonl"):
            self.assertEqual((first.store / name).read_bytes(), (second.store / name).read_bytes(), name)


class Refusals(unittest.TestCase):
    def test_a_node_that_blocks_in_time_sleep_is_ended_naming_the_call(self):
        run = sim("-w", "echo", "--bin", node(BROKEN + "sleeps_in_handler.py"), "--node-count", "1",
                  "--time-limit", "2", "--seed", "1")
        self.assertEqual(run.returncode, 255, run.details())
        self.assertIn("node n0", run.stdout)
        self.assertIn("time.sleep", run.stdout)
        self.assertIn("run this node with `test`", run.stdout)

    def test_a_node_not_on_the_library_is_refused(self):
        run = sim("-w", "echo", "--bin", node(BROKEN + "no_flush.py"), "--node-count", "1",
                  "--time-limit", "2", "--seed", "1")
        self.assertEqual(run.returncode, 255, run.details())
        self.assertIn("common/'s Node", run.stdout)

    def test_a_program_that_is_not_python_is_refused_before_anything_runs(self):
        with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
            f.write("#!/bin/sh\nexec cat\n")
        Path(f.name).chmod(0o755)
        run = sim("-w", "echo", "--bin", f.name, "--node-count", "1", "--time-limit", "2")
        self.assertEqual(run.returncode, 255, run.details())
        self.assertIn("not a Python script", run.stdout)


if __name__ == "__main__":
    unittest.main()
