"""The g-counter / pn-counter checker (docs/maelstrom.md §6.6) on hand-made histories."""
from __future__ import annotations

import random
import unittest

from tests.harness.options import Options
from tests.harness.workloads.counter.workload import GCounter, PNCounter, acceptable_sums


def history(*ops: tuple) -> list[dict]:
    """Each op ``(kind, process, f, value, *flags)`` becomes an invoke and its completion."""
    out = []
    for kind, process, f, value, *flags in ops:
        extra = {flag: True for flag in flags}
        for op_type, op_value in (("invoke", value if f == "add" else None), (kind, value)):
            out.append({"index": len(out), "time": len(out) * 1_000_000, "type": op_type,
                        "process": process, "f": f, "value": op_value, **extra})
    return out


def check(*ops: tuple) -> dict:
    return PNCounter(Options(), random.Random(0)).check(history(*ops))


class AcceptableSet(unittest.TestCase):
    def test_acknowledged_adds_alone_give_a_single_sum(self):
        result = check(("ok", 0, "add", 2), ("ok", 1, "add", 3), ("ok", 0, "read", 5, "final?"))
        self.assertEqual(result["acceptable"], [[5, 5]])

    def test_each_indeterminate_add_may_or_may_not_have_happened(self):
        result = check(("ok", 0, "add", 3), ("info", 1, "add", 2), ("info", 2, "add", 4))
        self.assertEqual(result["acceptable"], [[3, 3], [5, 5], [7, 7], [9, 9]])

    def test_adjacent_sums_merge_into_one_run(self):
        result = check(("info", 0, "add", 1), ("info", 1, "add", 1))
        self.assertEqual(result["acceptable"], [[0, 2]])

    def test_indeterminate_decrements_widen_downwards(self):
        result = check(("ok", 0, "add", -2), ("info", 1, "add", -3))
        self.assertEqual(result["acceptable"], [[-5, -5], [-2, -2]])

    def test_failed_adds_are_ignored(self):
        result = check(("ok", 0, "add", 1), ("fail", 1, "add", 4))
        self.assertEqual(result["acceptable"], [[1, 1]])

    def test_hundreds_of_indeterminate_adds_collapse_into_runs(self):
        deltas = [d for _ in range(60) for d in range(-5, 5)]   # 600 indeterminate adds
        runs = acceptable_sums(0, deltas)
        self.assertEqual(runs, [(sum(d for d in deltas if d < 0), sum(d for d in deltas if d > 0))])

    def test_runs_of_equal_even_deltas_keep_their_gaps(self):
        self.assertEqual(acceptable_sums(0, [2] * 300), [(s, s) for s in range(0, 601, 2)])


class FinalReads(unittest.TestCase):
    def test_final_read_inside_the_acceptable_set_is_valid(self):
        result = check(("ok", 0, "add", 3), ("info", 1, "add", 2), ("ok", 2, "read", 5, "final?"))
        self.assertIs(result["valid?"], True)
        self.assertIsNone(result["errors"])
        self.assertEqual(result["final-reads"], [5])

    def test_final_read_outside_the_acceptable_set_is_invalid(self):
        result = check(("ok", 0, "add", 3), ("info", 1, "add", 2), ("ok", 2, "read", 4, "final?"),
                       ("ok", 3, "read", 3, "final?"))
        self.assertIs(result["valid?"], False)
        self.assertEqual([op["value"] for op in result["errors"]], [4])
        self.assertEqual(result["errors"][0]["type"], "ok")
        self.assertEqual(result["final-reads"], [4, 3])

    def test_non_final_reads_are_not_checked(self):
        result = check(("ok", 0, "add", 3), ("ok", 1, "read", 100), ("ok", 1, "read", 3, "final?"))
        self.assertIs(result["valid?"], True)
        self.assertEqual(result["final-reads"], [3])

    def test_no_final_reads_is_valid(self):
        result = check(("ok", 0, "add", 3), ("info", 1, "read", None, "final?"))
        self.assertIs(result["valid?"], True)
        self.assertEqual(result["final-reads"], [])

    def test_g_counter_checks_the_same_way(self):
        h = history(("ok", 0, "add", 3), ("ok", 1, "read", 2, "final?"))
        self.assertIs(GCounter(Options(), random.Random(0)).check(h)["valid?"], False)


if __name__ == "__main__":
    unittest.main()
