"""The lin-kv workload end to end (docs/maelstrom.md §6.8): verdicts on nodes whose linearizability is
known, with short runs of the issue's command (3 nodes, --concurrency 2n, --rate 100): the correct
proxy in real time, partitions and the wrong nodes in the simulator."""
from __future__ import annotations

import unittest

from tests.support import HarnessTestCase, node, run_harness

TEST_LOAD = "light"   # rate 100 (tests/run.py)

LOAD = ("-w", "lin-kv", "--concurrency", "2n", "--rate", "100")
PROXY = node("tests/example_nodes/kv_proxy.py")
LOCAL = node("tests/broken_nodes/lin_kv_local.py")


def lin_kv(bin_: str, nodes: int, seconds: int, *extra: str, command: str = "test"):
    return run_harness("--bin", bin_, *LOAD, "--node-count", str(nodes), "--time-limit", str(seconds),
                       *extra, command=command)


class CorrectNodes(HarnessTestCase):
    def test_a_proxy_to_the_lin_kv_service_is_linearizable(self):
        results = self.assertValid(lin_kv(PROXY, 3, 10))
        self.assertEqual(results["workload"]["failures"], [])
        self.assertGreater(results["stats"]["by-f"]["cas"]["ok-count"], 0)

    def test_a_proxy_to_the_lin_kv_service_stays_linearizable_under_partitions(self):
        # Services are never partitioned, so the proxy keeps answering.
        self.assertValid(lin_kv(PROXY, 3, 10, "--nemesis", "partition", command="sim"))

    def test_a_raft_cluster_stays_linearizable_under_partitions(self):
        # With seed 1 the partitions leave a leader long enough for writes to succeed. Under
        # some majorities-ring partitions this Raft, like Maelstrom's demo, elects no lasting
        # leader: every op fails and the stats checker calls the run invalid, as Maelstrom would.
        results = self.assertValid(lin_kv(node("tests/example_nodes/raft_kv.py"), 3, 10,
                                          "--nemesis", "partition", "--seed", "1", command="sim"))
        self.assertGreater(results["stats"]["by-f"]["write"]["ok-count"], 0)

    def test_a_node_keeping_its_own_dict_is_linearizable_alone(self):
        self.assertValid(lin_kv(LOCAL, 1, 5))

    def test_a_run_short_of_total_availability_names_the_error_codes_and_that_they_are_normal(self):
        run = lin_kv(LOCAL, 1, 3, "--availability", "total")
        self.assertEqual(run.returncode, 1, run.details())
        self.assertRegex(run.stdout, r"Only [\d.]+ of client ops succeeded; --availability total asks for every one\.\n"
                                     r" +The failures, most frequent first: \d+ error 2[02] from n0 \(e\.g\. '[^']+'\): "
                                     r"(precondition-failed|key-does-not-exist) \(normal in lin-kv")
        codes = {e["code"] for e in run.results["explanation"]["availability"]["errors"]}
        self.assertLessEqual(codes, {20, 22})


class WrongNodes(unittest.TestCase):
    def assertNotLinearizable(self, run) -> None:  # noqa: N802
        self.assertIsNotNone(run.results, run.details())
        self.assertIs(run.results["valid?"], False, run.details())
        self.assertEqual(run.returncode, 1, run.details())
        workload = run.results["workload"]
        self.assertIn(0, [int(k) for k in workload["failures"]])
        self.assertIs(workload["results"]["0"]["linearizable"]["valid?"], False)

    def test_three_nodes_each_keeping_their_own_dict_are_not_linearizable(self):
        # A client reads what its own node was told and misses writes made through others.
        run = lin_kv(LOCAL, 3, 5, command="sim")
        self.assertNotLinearizable(run)
        key = run.results["explanation"]["workload"]["keys"][0]
        self.assertTrue(key["minimal"])
        self.assertGreaterEqual(len(key["ops"]), 2)      # a read, and the write it should have seen
        self.assertRegex(run.stdout, r"key 0: these \d operations cannot be linearized .*Every order real "
                                     r"time allows fails; the furthest get to \(\d\) and find the register holding .*: can't ")
        self.assertTrue((run.store / "explain-key-0.svg").exists())

    def test_a_proxy_to_seq_kv_is_not_linearizable(self):
        # seq-kv serves each node some state at least as new as the last one it saw, often
        # an old one (docs/maelstrom.md §7.3), so a read through one node misses a write that completed
        # through another before the read began: a stale read, which Knossos rejects.
        self.assertNotLinearizable(lin_kv(PROXY, 3, 10, "seq-kv", command="sim"))

    def test_a_proxy_to_lww_kv_is_not_linearizable(self):
        # lww-kv is two replicas that never synchronise; a read served by the replica that
        # missed the last write returns an older value, again a stale read.
        self.assertNotLinearizable(lin_kv(PROXY, 3, 10, "lww-kv", command="sim"))


class Concurrency(unittest.TestCase):
    def test_concurrency_that_is_not_a_multiple_of_2n_aborts_the_run(self):
        # Jepsen's independent generator asserts on its first op; Maelstrom exits 255.
        run = run_harness("--bin", PROXY, "-w", "lin-kv", "--node-count", "3", "--concurrency", "8",
                          "--time-limit", "5")
        self.assertEqual(run.returncode, 255, run.details())
        self.assertIn("multiple of 6", run.stdout)
        self.assertNotIn("n0", run.stdout)   # the flags are at fault, not a node


if __name__ == "__main__":
    unittest.main()
