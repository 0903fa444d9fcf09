"""The unique-ids checker (docs/maelstrom.md §6.2) on hand-made histories."""
from __future__ import annotations

import random
import unittest

from tests.harness.options import Options
from tests.harness.workloads.unique_ids import UniqueIds


def history(*completions: tuple) -> list[dict]:
    """Each ``(kind, value)`` becomes a generate invoke on its own process, then its completion."""
    out = []
    for process, (kind, value) in enumerate(completions):
        for op_type, op_value in (("invoke", None), (kind, value)):
            out.append({"index": len(out), "time": len(out) * 1_000_000, "type": op_type,
                        "process": process, "f": "generate", "value": op_value})
    return out


def check(*ids, failed: int = 0, crashed: int = 0) -> dict:
    ops = [("ok", i) for i in ids] + [("fail", None)] * failed + [("info", None)] * crashed
    return UniqueIds(Options(), random.Random(0)).check(history(*ops))


class Verdict(unittest.TestCase):
    def test_distinct_ids_are_valid(self):
        result = check(3, 1, 2)
        self.assertIs(result["valid?"], True)
        self.assertEqual(result["duplicated-count"], 0)
        self.assertEqual(result["duplicated"], {})

    def test_repeated_id_is_invalid(self):
        result = check(1, 2, 1)
        self.assertIs(result["valid?"], False)
        self.assertEqual(result["duplicated-count"], 1)
        self.assertEqual(result["duplicated"], {"1": 2})

    def test_counts_attempts_and_acknowledgements(self):
        result = check(1, 2, failed=3, crashed=1)
        self.assertEqual(result["attempted-count"], 6)
        self.assertEqual(result["acknowledged-count"], 2)

    def test_range_is_smallest_and_largest_id(self):
        self.assertEqual(check(5, -2, 9, 0)["range"], [-2, 9])

    def test_range_of_nothing_is_empty(self):
        self.assertEqual(check(failed=1)["range"], [None, None])

    def test_string_ids_range_lexicographically(self):
        self.assertEqual(check("n2-7", "n10-3", "n1-9")["range"], ["n1-9", "n2-7"])

    def test_duplicates_show_highest_counts_first_at_most_48(self):
        ids = [i for i in range(60) for _ in range(2 + (i >= 50))]   # 50..59 three times
        result = check(*ids)
        self.assertEqual(result["duplicated-count"], 60)
        self.assertEqual(len(result["duplicated"]), 48)
        self.assertEqual([result["duplicated"][str(i)] for i in range(50, 60)], [3] * 10)

    def test_duplicated_map_is_in_id_order(self):
        result = check(9, 9, 4, 4, 4, 7, 7)
        self.assertEqual(list(result["duplicated"]), ["4", "7", "9"])


class JsonEquality(unittest.TestCase):
    def test_integer_and_float_ids_are_different(self):
        self.assertIs(check(1, 1.0)["valid?"], True)

    def test_array_ids_compare_structurally(self):
        result = check([1, 2], [1, 2], [1, 3])
        self.assertIs(result["valid?"], False)
        self.assertEqual(result["duplicated"], {"[1, 2]": 2})

    def test_shorter_arrays_sort_first(self):
        self.assertEqual(check([9], [1, 1])["range"], [[9], [1, 1]])


class IncomparableIds(unittest.TestCase):
    def test_object_ids_give_an_unknown_result_with_an_error(self):
        result = check({"a": 1}, {"a": 2})
        self.assertEqual(result["valid?"], "unknown")
        self.assertIn("error", result)

    def test_mixed_strings_and_numbers_give_an_unknown_result(self):
        result = check("1", 2)
        self.assertEqual(result["valid?"], "unknown")
        self.assertIn("not mutually comparable", result["error"])

    def test_a_single_object_id_is_never_compared(self):
        self.assertIs(check({"a": 1})["valid?"], True)


if __name__ == "__main__":
    unittest.main()
