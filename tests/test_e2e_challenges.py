"""Challenges 1 to 3c end to end on the harness, with their official parameters (the challenge table in README.md)."""
from __future__ import annotations

import unittest

from tests.support import HarnessTestCase, node, run_harness

TEST_LOAD = "light"   # low rates (tests/run.py)


class OfficialRunAtRate1000(HarnessTestCase):
    TEST_LOAD = "heavy"

    def test_ch2_unique_ids_are_unique_and_totally_available_under_partitions(self):
        run = run_harness("-w", "unique-ids", "--bin", node("ch2_unique_id/main.py"), "--time-limit", "30",
                          "--rate", "1000", "--node-count", "3", "--availability", "total",
                          "--nemesis", "partition")
        self.assertValid(run)
        self.assertEqual(run.results["workload"]["duplicated-count"], 0)
        self.assertEqual(run.results["availability"]["ok-fraction"], 1.0)


class OfficialRuns(HarnessTestCase):
    def test_ch1_echo(self):
        self.assertValid(run_harness("-w", "echo", "--bin", node("ch1_echo/main.py"),
                                     "--node-count", "1", "--time-limit", "10"))

    def test_ch3a_single_node_broadcast(self):
        self.assertValid(run_harness("-w", "broadcast", "--bin", node("ch3a_broadcast/main.py"),
                                     "--node-count", "1", "--time-limit", "20", "--rate", "10"))

    def test_ch3b_multi_node_broadcast(self):
        run = run_harness("-w", "broadcast", "--bin", node("ch3b_broadcast/main.py"),
                          "--node-count", "5", "--time-limit", "20", "--rate", "10")
        self.assertValid(run)
        self.assertEqual(run.results["workload"]["lost-count"], 0)

    def test_ch3c_fault_tolerant_broadcast_survives_partitions(self):
        run = run_harness("-w", "broadcast", "--bin", node("ch3c_broadcast/main.py"),
                          "--node-count", "5", "--time-limit", "20", "--rate", "10", "--nemesis", "partition")
        self.assertValid(run)
        self.assertEqual(run.results["workload"]["lost-count"], 0)


if __name__ == "__main__":
    unittest.main()
