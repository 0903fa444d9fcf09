"""Challenge 4 end to end on the harness, with the official command (the challenge table in README.md):
three nodes sharing a grow-only counter through seq-kv, under partitions. Every final read
must be exactly the total of the acknowledged adds."""
from __future__ import annotations

import unittest

from tests.support import HarnessTestCase, node, run_harness

TEST_LOAD = "light"   # rate 100, 3 nodes (tests/run.py)

OFFICIAL = ("-w", "g-counter", "--bin", node("ch4_counter/main.py"), "--node-count", "3",
            "--rate", "100", "--time-limit", "20", "--nemesis", "partition")


class GrowOnlyCounter(HarnessTestCase):
    def test_every_final_read_is_the_total_despite_partitions(self):
        workload = self.assertValid(run_harness(*OFFICIAL))["workload"]
        self.assertEqual(len(workload["final-reads"]), 3)
        self.assertEqual(len(set(workload["final-reads"])), 1, workload)

if __name__ == "__main__":
    unittest.main()
