"""The message budget names a flooding node during the run and ends a flood that goes on
(issue 20: a storm of re-forwarded gossip took the harness to 4.57 GB and then printed
"Everything looks good!")."""
from __future__ import annotations

import unittest

from tests.harness.budget import ABORT_EXCESS, FLOOD_PER_OP, FLOOD_PER_S, MessageBudget
from tests.harness.diagnostics import Diagnostics
from tests.harness.recording import Journal


class Cluster:
    """A journal the test fills by hand, and a client op counter."""

    def __init__(self, nodes=("n0", "n1", "n2")):
        self.nodes = list(nodes)
        self.journal = Journal()
        self.ops = 0
        self.lines: list[str] = []
        self.diagnostics = Diagnostics(self.lines.append)
        self.budget = MessageBudget(self.nodes, self.journal, lambda: self.ops, self.diagnostics)

    def second(self, sends: dict[str, dict[str, int]], ops: int = 0) -> str | None:
        """One second in which each node sent so many messages of each type."""
        for node, by_type in sends.items():
            for kind, count in by_type.items():
                self.journal.sent.setdefault(node, {})
                self.journal.sent[node][kind] = self.journal.sent[node].get(kind, 0) + count
        self.ops += ops
        return self.budget.check(1.0)


class Allowance(unittest.TestCase):
    def test_traffic_within_the_allowance_is_neither_named_nor_stopped(self):
        c = Cluster()
        for _ in range(30):
            self.assertIsNone(c.second({"n0": {"gossip": FLOOD_PER_S // 3}, "n1": {"gossip": FLOOD_PER_S // 3}}))
        self.assertEqual(c.diagnostics.mistakes, {})

    def test_a_busy_workload_may_send_more_per_second_in_proportion_to_its_ops(self):
        c = Cluster()
        for _ in range(30):
            self.assertIsNone(c.second({"n0": {"kv": 50 * 2000}}, ops=2000))
        self.assertEqual(c.diagnostics.mistakes, {})

    def test_the_busiest_second_is_kept_for_the_results(self):
        c = Cluster()
        c.second({"n0": {"gossip": 10}}, ops=2)
        c.second({"n0": {"gossip": 40}, "n1": {"gossip": 2}}, ops=5)
        c.second({"n0": {"gossip": 1}})
        self.assertEqual(c.budget.busiest, {"messages": 42, "client-ops": 5})


class Flood(unittest.TestCase):
    def test_the_node_that_sent_most_is_named_with_its_commonest_type(self):
        c = Cluster()
        self.assertIsNone(c.second({"n1": {"gossip": 30_000, "read_ok": 5}, "n2": {"gossip": 1_000}}, ops=10))
        self.assertEqual(list(c.diagnostics.mistakes), [("message-flood", "n1")])
        self.assertIn("MISTAKE n1 sent 30,005 messages in 1 s, 3,000 per client op, 30,000 of them 'gossip'",
                      c.lines[0])
        self.assertIn("never forward it again", c.lines[0])

    def test_a_flood_that_goes_on_ends_the_run_naming_node_type_and_fix(self):
        c = Cluster()
        rate = FLOOD_PER_S + ABORT_EXCESS // 4 + 1
        reasons = [c.second({"n2": {"gossip": rate}}) for _ in range(5)]
        self.assertEqual(reasons[:3], [None] * 3)
        self.assertIn("the nodes flooded the network", reasons[3])
        self.assertIn("n2 sent", reasons[3])
        self.assertIn("'gossip'", reasons[3])
        self.assertIn("Fix: remember what you have already seen", reasons[3])

    def test_the_excess_counts_only_what_passes_the_allowance(self):
        c = Cluster()
        for _ in range(100):   # just over the allowance for a long time
            self.assertIsNone(c.second({"n0": {"gossip": FLOOD_PER_S + 1_000}}, ops=FLOOD_PER_S // FLOOD_PER_OP))
        self.assertEqual(c.budget.excess, 100 * 1_000)


if __name__ == "__main__":
    unittest.main()
