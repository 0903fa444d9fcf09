"""What a run says on the console and keeps in jepsen.log, beyond the verdict."""
from __future__ import annotations

import os
import tempfile
import unittest

from tests.support import node, run_harness

TEST_LOAD = "light"   # short, low-rate runs (tests/run.py)


class Console(unittest.TestCase):
    def test_partitions_are_logged_as_they_start_and_heal(self):
        run = run_harness("-w", "echo", "--bin", node("ch1_echo/main.py"), "--node-count", "3",
                          "--time-limit", "3", "--nemesis", "partition", "--nemesis-interval", "0.5",
                          "--seed", "2", timeout=60)
        self.assertIn("Partition started (", run.stderr, run.details())
        self.assertIn("Partition healed", run.stderr, run.details())

    def test_jepsen_log_holds_the_whole_console_verdict_and_figures_included(self):
        run = run_harness("-w", "echo", "--bin", node("ch1_echo/main.py"), "--node-count", "1",
                          "--time-limit", "1", "--seed", "1", timeout=60)
        log = (run.store / "jepsen.log").read_text()
        for text in ("Running echo", "Everything looks good", "availability", "make serve"):
            self.assertIn(text, log)

    def test_the_footer_names_the_challenge_and_its_limits(self):
        run = run_harness("-w", "broadcast", "--bin", node("ch3b_broadcast/main.py"), "--node-count", "5",
                          "--time-limit", "2", "--rate", "10", "--latency", "100", "--seed", "1",
                          env={"GLOMERS_CHALLENGE": "3d"}, timeout=60)
        footer = run.stdout.split("Everything looks good")[1]
        self.assertIn("Challenge 3d", footer, run.details())
        self.assertRegex(footer, r"servers msgs-per-op +[\d.]+ +< 30 +pass")
        self.assertRegex(footer, r"stable latency max +[\d,]+ ms +< 600 ms +(pass|FAIL)")
        self.assertIn(f"Stored in store/broadcast/{run.store.name}/", footer)

    def test_a_run_over_its_challenges_latency_limits_names_its_slowest_values_and_their_paths(self):
        # Each value hops once per node along a line of five: 4 x 300 ms, past 3d's 600 ms max.
        run = run_harness("-w", "broadcast", "--bin", node("tests/broken_nodes/broadcast_gossip_once.py"),
                          "--node-count", "5", "--topology", "line", "--time-limit", "3", "--rate", "40",
                          "--latency", "300", "--seed", "1", env={"GLOMERS_CHALLENGE": "3d"}, timeout=60)
        self.assertIs(run.results["valid?"], True, run.details())    # Maelstrom calls it valid
        self.assertRegex(run.stdout, r"Why it misses the challenge's limits:\n +Stable latency misses the "
                                     r"challenge's limits: (median [\d,]+ ms \(< 400 ms\), )?max [\d,]+ ms \(< 600 ms\)")
        self.assertRegex(run.stdout, r"value \d+: stable [\d,]+ ms after it was known; it reached the last of 5 "
                                     r"nodes, n\d, [\d,]+ ms after its acknowledgement, along n\d( → n\d){4} \(4 hops\)")
        slowest = run.results["explanation"]["latency"]["slowest"][0]
        self.assertEqual(len(slowest["had"]), 5)


class NodesThatCannotRun(unittest.TestCase):
    def script(self, text: str) -> str:
        with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
            f.write(text)
        os.chmod(f.name, 0o755)
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_a_script_without_a_shebang_is_told_to_add_one(self):
        run = run_harness("-w", "echo", "--bin", self.script("echo hi\n"), "--node-count", "1", "--time-limit", "1")
        self.assertEqual(run.returncode, 255)
        self.assertIn("#!/usr/bin/env python3", run.stdout)

    def test_nodes_that_die_at_start_end_the_run_without_waiting_for_init(self):
        run = run_harness("-w", "echo", "--bin", self.script("#!/bin/sh\necho 'cannot start' >&2\nexit 7\n"),
                          "--node-count", "3", "--time-limit", "1", timeout=60)
        self.assertEqual(run.returncode, 255)
        self.assertIn("exited with status 7", run.stdout)
        self.assertIn("cannot start", run.stdout)
        self.assertNotIn("did not answer init within", run.stdout)


if __name__ == "__main__":
    unittest.main()
