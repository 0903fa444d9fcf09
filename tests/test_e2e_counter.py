"""Challenge 4 end to end on the harness, with the official command (shared/challenges.md):
three nodes sharing a grow-only counter through seq-kv, under partitions. Every final read
must be exactly the total of the acknowledged adds."""
from __future__ import annotations

import unittest

from tests.support import node, run_harness

OFFICIAL = ("-w", "g-counter", "--bin", node("ch4_counter/main.py"), "--node-count", "3",
            "--rate", "100", "--time-limit", "20", "--nemesis", "partition")


class GrowOnlyCounter(unittest.TestCase):
    def test_every_final_read_is_the_total_despite_partitions(self):
        run = run_harness(*OFFICIAL)
        self.assertIsNotNone(run.results, f"no results; exit {run.returncode}\n"
                                          f"{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
        workload = run.results["workload"]
        self.assertIs(run.results["valid?"], True, run.stdout[-3000:])
        self.assertEqual(len(workload["final-reads"]), 3)
        self.assertEqual(run.returncode, 0)


if __name__ == "__main__":
    unittest.main()
