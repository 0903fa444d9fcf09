"""``sim``: whole tests in the simulator, as a user runs them."""
from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

from tests.support import HarnessTestCase, node, run_harness

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
