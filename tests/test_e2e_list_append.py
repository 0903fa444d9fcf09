"""txn-list-append end to end: a correct single-node store passes strict serializability,
two nodes with private stores and a node exposing aborted appends are caught (in the
simulator). Runs are short; the anomalies show within seconds at this rate."""
from __future__ import annotations

import unittest

from tests.support import HarnessTestCase, node, run_harness

TEST_LOAD = "heavy"   # rate 1000 (tests/run.py)

CORRECT = node("tests/example_nodes/list_append.py")
DIRTY = node("tests/broken_nodes/list_append_dirty_read.py")


def run(bin_: str, nodes: int, seconds: int, *extra: str, command: str = "sim"):
    return run_harness("--bin", bin_, "-w", "txn-list-append", "--node-count", str(nodes),
                       "--concurrency", "2n", "--time-limit", str(seconds), "--rate", "1000",
                       *extra, command=command)


class ListAppend(HarnessTestCase):
    def test_one_node_applying_each_txn_whole_and_alone_is_strict_serializable(self):
        self.assertValid(run(CORRECT, 1, 10, command="test"))

    def test_two_nodes_with_private_stores_disagree_on_the_order_of_appends(self):
        result = run(CORRECT, 2, 5)
        self.assertIsNotNone(result.results, result.details())
        self.assertIs(result.results["valid?"], False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("incompatible-order", result.results["workload"]["anomaly-types"])
        anomalies = result.results["explanation"]["workload"]["anomalies"]
        cycle = next(a["cycles"][0] for a in anomalies.values() if "cycles" in a)
        self.assertTrue(cycle["steps"])
        self.assertRegex(result.stdout, r"\n +(G0|G1c|G-single\S*|G2\S*): T1 -\S+-> T2")
        self.assertIn(f"  {cycle['steps'][0]}", result.stdout)
        self.assertTrue(list(result.store.glob("explain-G*.svg")))

    def test_reading_appends_of_failed_txns_is_G1a_under_read_committed(self):
        result = run(DIRTY, 1, 5, "--consistency-models", "read-committed")
        self.assertIsNotNone(result.results, result.details())
        self.assertIs(result.results["valid?"], False)
        self.assertIn("G1a", result.results["workload"]["anomaly-types"])
        self.assertIn("G1a: aborted read: a transaction read a value written by a transaction that failed",
                      result.stdout)


if __name__ == "__main__":
    unittest.main()
