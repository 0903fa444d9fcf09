"""Fault periods read back from a history (docs/maelstrom.md §4.5), as the pictures, the results'
``harness.faults`` and the footer show them."""
from __future__ import annotations

import unittest

from tests.harness import footer
from tests.harness.nemesis.periods import Period, fault_periods, footer_text, summary

S = 1_000_000_000


def nemesis(t: int, f: str, invoked, completed, **extra) -> list[dict]:
    return [{"time": t, "type": "info", "process": "nemesis", "f": f, "value": invoked},
            {"time": t + 1, "type": "info", "process": "nemesis", "f": f, "value": completed, **extra}]


class Periods(unittest.TestCase):
    def test_a_node_is_down_from_its_kill_to_its_restart(self):
        history = nemesis(0, "kill", "one", {"n1": "killed"}) + \
            nemesis(2 * S, "start", "all", {"n0": "already-running", "n1": "started"})
        self.assertEqual(fault_periods(history), [Period("down", "n1", 1, 2 * S + 1)])

    def test_a_kill_ends_a_pause_and_a_fault_never_undone_lasts_to_the_end(self):
        history = nemesis(0, "pause", "all", {"n0": "paused", "n1": "paused"}) + \
            nemesis(S, "kill", "one", {"n0": "killed"}) + \
            nemesis(2 * S, "resume", "all", {"n0": "not-paused", "n1": "resumed"})
        self.assertEqual(fault_periods(history),
                         [Period("paused", "n0", 1, S + 1), Period("paused", "n1", 1, 2 * S + 1),
                          Period("down", "n0", S + 1, None)])

    def test_nothing_happens_to_a_node_the_op_found_already_so(self):
        history = nemesis(0, "kill", "all", {"n0": "already-down"}) + \
            nemesis(S, "pause", "all", {"n0": "already-down"})
        self.assertEqual(fault_periods(history), [])

    def test_a_failed_restart_leaves_the_node_down_and_is_counted(self):
        history = nemesis(0, "kill", "one", {"n1": "killed"}) + \
            nemesis(S, "start", "all", "all", error="indeterminate: n1: did not answer init",
                    outcomes={"n0": "already-running", "n1": "failed"})
        periods = fault_periods(history)
        self.assertEqual(periods, [Period("down", "n1", 1, None)])
        faults = summary(periods, history)
        self.assertEqual(faults["failed-restarts"],
                         [{"time": S + 1, "node": "n1", "error": "indeterminate: n1: did not answer init"}])
        self.assertEqual(footer_text(faults), "1 node kill, 1 restart FAILED")


class Summary(unittest.TestCase):
    def test_counts_each_kind(self):
        periods = [Period("partition", None, 0, 1), Period("down", "n1", 0, 1), Period("down", "n2", 0, 1),
                   Period("paused", "n1", 2, None)]
        self.assertEqual(summary(periods), {"partitions": 1, "node-kills": 2, "node-pauses": 1})
        self.assertEqual(footer_text(summary(periods)), "1 partition, 2 node kills, 1 node pause")

    def test_the_footer_says_which_faults_the_run_had(self):
        results = {"valid?": True, "harness": {"faults": {"partitions": 0, "node-kills": 3, "node-pauses": 0}}}
        self.assertIn(("faults", "3 node kills", "injected by the nemesis"), footer.rows(results))
        quiet = {"valid?": True, "harness": {"faults": {"partitions": 0, "node-kills": 0, "node-pauses": 0}}}
        self.assertIn(("faults", "none happened", "injected by the nemesis"), footer.rows(quiet))
        self.assertNotIn("faults", [label for label, _, _ in footer.rows({"valid?": True, "harness": {}})])


if __name__ == "__main__":
    unittest.main()
