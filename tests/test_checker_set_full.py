"""The set-full checker (docs/maelstrom.md §6.5) on hand-made histories, quirks included (docs/maelstrom.md §12)."""
from __future__ import annotations

import unittest

from tests.harness.workloads.set_full.checker import check_set_full

MS = 1_000_000  # history times are in ns


def history(*ops: dict) -> list[dict]:
    """Number the ops in order; an op's time, unless given, is its index in ms."""
    return [{"index": i, "time": i * MS, **op} for i, op in enumerate(ops)]


def invoke(process, f, value=None, **extra) -> dict:
    return {"type": "invoke", "process": process, "f": f, "value": value, **extra}


def ok(process, f, value=None, **extra) -> dict:
    return {"type": "ok", "process": process, "f": f, "value": value, **extra}


def done(kind, process, f, value=None, **extra) -> dict:
    return {"type": kind, "process": process, "f": f, "value": value, **extra}


def added(process, element) -> tuple[dict, dict]:
    return invoke(process, "add", element), ok(process, "add", element)


def read(process, elements) -> tuple[dict, dict]:
    return invoke(process, "read"), ok(process, "read", elements)


class Outcomes(unittest.TestCase):
    def test_element_seen_by_the_last_read_is_stable(self):
        result = check_set_full(history(*added(0, 0), *read(1, [0])))
        self.assertIs(result["valid?"], True)
        self.assertEqual(result["stable-count"], 1)
        self.assertEqual(result["attempt-count"], 1)

    def test_element_missing_from_a_read_after_it_was_known_is_lost(self):
        result = check_set_full(history(*added(0, 0), *read(1, [0]), *read(1, [])))
        self.assertIs(result["valid?"], False)
        self.assertEqual(result["lost-count"], 1)
        self.assertEqual(result["lost"], [0])
        self.assertEqual(result["stable-count"], 0)

    def test_acknowledged_element_never_seen_by_a_later_read_is_lost(self):
        result = check_set_full(history(*added(0, 0), *read(1, [])))
        self.assertEqual(result["lost"], [0])

    def test_element_added_after_the_last_read_is_never_read(self):
        result = check_set_full(history(*read(1, []), *added(0, 0)))
        self.assertEqual(result["never-read"], [0])
        self.assertEqual(result["never-read-count"], 1)

    def test_only_never_read_elements_make_the_result_unknown(self):
        result = check_set_full(history(*read(1, []), *added(0, 0)))
        self.assertEqual(result["valid?"], "unknown")

    def test_nothing_added_is_unknown(self):
        result = check_set_full(history(*read(0, []), *read(1, [])))
        self.assertEqual(result["valid?"], "unknown")
        self.assertEqual(result["attempt-count"], 0)
        self.assertNotIn("stable-latencies", result)
        self.assertNotIn("lost-latencies", result)

    def test_miss_by_a_read_concurrent_with_the_add_is_never_read(self):
        # The read began before the add was acknowledged, so it may have run before the add.
        result = check_set_full(history(
            invoke(0, "add", 0), invoke(1, "read"), ok(0, "add", 0), ok(1, "read", [])))
        self.assertEqual(result["never-read"], [0])

    def test_indeterminate_add_missing_from_every_read_is_never_read(self):
        result = check_set_full(history(invoke(0, "add", 0), done("info", 0, "add", 0), *read(1, [])))
        self.assertEqual(result["never-read"], [0])
        self.assertEqual(result["valid?"], "unknown")

    def test_indeterminate_add_seen_by_a_read_is_stable(self):
        result = check_set_full(history(invoke(0, "add", 0), done("info", 0, "add", 0), *read(1, [0])))
        self.assertEqual(result["stable-count"], 1)

    def test_failed_add_does_not_make_the_element_known(self):
        result = check_set_full(history(invoke(0, "add", 0), done("fail", 0, "add", 0), *read(1, [])))
        self.assertEqual(result["never-read"], [0])

    def test_reads_completed_before_the_add_was_invoked_do_not_count(self):
        result = check_set_full(history(*read(1, []), *added(0, 0), *read(1, [0])))
        self.assertEqual(result["stable-count"], 1)
        self.assertEqual(result["stale-count"], 0)

    def test_adding_a_value_again_restarts_its_tracking(self):
        result = check_set_full(history(
            *added(0, 0), *read(1, []), invoke(0, "add", 0), done("info", 0, "add", 0)))
        self.assertEqual(result["never-read"], [0])
        self.assertEqual(result["lost-count"], 0)

    def test_null_read_counts_as_empty(self):
        result = check_set_full(history(*added(0, 0), *read(1, None)))
        self.assertEqual(result["lost"], [0])

    def test_reads_compare_elements_as_json_values(self):
        result = check_set_full(history(*added(0, 1), *read(1, [1.0, True])))
        self.assertEqual(result["lost"], [1])

    def test_nemesis_ops_are_ignored(self):
        result = check_set_full(history(
            *added(0, 0),
            {"type": "info", "process": "nemesis", "f": "start-partition", "value": None},
            *read(1, [0])))
        self.assertIs(result["valid?"], True)

    def test_element_lists_are_sorted(self):
        result = check_set_full(history(*added(0, 2), *added(0, 0), *added(0, 1), *read(1, [])))
        self.assertEqual(result["lost"], [0, 1, 2])

    def test_add_op_can_have_another_name(self):
        result = check_set_full(history(invoke(0, "broadcast", 0), ok(0, "broadcast", 0), *read(1, [])),
                                add_f="broadcast")
        self.assertEqual(result["lost"], [0])


class Quirks(unittest.TestCase):
    def test_stale_element_is_stable_and_does_not_invalidate(self):
        result = check_set_full(history(*added(0, 0), *read(1, []), *read(1, [0])))
        self.assertIs(result["valid?"], True)
        self.assertEqual(result["stale"], [0])
        self.assertEqual(result["stale-count"], 1)
        self.assertEqual(result["stable-count"], 1)

    def test_duplicates_in_a_read_are_never_flagged(self):
        result = check_set_full(history(*added(0, 0), *read(1, [0, 0, 0])))
        self.assertIs(result["valid?"], True)
        self.assertEqual(result["duplicated-count"], 0)
        self.assertEqual(result["duplicated"], {})

    def test_elements_nobody_added_are_ignored(self):
        result = check_set_full(history(*added(0, 0), *read(1, [0, 99])))
        self.assertIs(result["valid?"], True)
        self.assertEqual(result["attempt-count"], 1)

    def test_final_read_invoked_last_decides_even_if_it_completed_first(self):
        # Two concurrent final reads: the one invoked later misses the element.
        result = check_set_full(history(
            *added(0, 0), invoke(1, "read"), invoke(2, "read"),
            ok(2, "read", []), ok(1, "read", [0])))
        self.assertEqual(result["lost"], [0])

    def test_miss_by_an_earlier_invoked_final_read_only_makes_the_element_stale(self):
        result = check_set_full(history(
            *added(0, 0), invoke(1, "read"), invoke(2, "read"),
            ok(1, "read", []), ok(2, "read", [0])))
        self.assertIs(result["valid?"], True)
        self.assertEqual(result["stale"], [0])


class Latencies(unittest.TestCase):
    def stale_by(self, delays_ms: list[int]) -> dict:
        """One element per delay, all known at 0 ms; element k is missed only by a read
        invoked ``delays_ms[k]`` ms later, and every element is seen by a last read."""
        elements = range(len(delays_ms))
        ops = []
        for element in elements:
            ops += [invoke(0, "add", element, time=0), ok(0, "add", element, time=0)]
        for element, delay in zip(elements, delays_ms):
            all_but_element = [e for e in elements if e != element]
            ops += [invoke(1, "read", time=delay * MS), ok(1, "read", all_but_element, time=delay * MS)]
        ops += [invoke(1, "read", time=60_000 * MS), ok(1, "read", list(elements), time=60_000 * MS)]
        return check_set_full(history(*ops))

    def test_stable_latency_runs_from_known_to_just_after_the_last_miss(self):
        result = self.stale_by([7])
        record = result["worst-stale"][0]
        self.assertEqual(record["stable-latency"], 7)
        self.assertEqual(record["outcome"], "stable")
        self.assertIsNone(record["lost-latency"])
        self.assertEqual(record["element"], 0)
        self.assertEqual(record["known"]["type"], "ok")
        self.assertEqual(record["last-absent"]["type"], "invoke")

    def test_latencies_are_truncated_milliseconds(self):
        result = check_set_full(history(
            invoke(0, "add", 0, time=0), ok(0, "add", 0, time=1_000_000),
            invoke(1, "read", time=3_999_998), ok(1, "read", [], time=4_000_000),  # 2.999999 ms on
            *read(1, [0])))
        self.assertEqual(result["stable-latencies"]["1"], 2)

    def test_stable_latencies_are_quantiles_over_stable_elements(self):
        result = self.stale_by([1, 2, 3])
        self.assertEqual(result["stable-latencies"], {"0": 1, "0.5": 2, "0.95": 3, "0.99": 3, "1": 3})

    def test_element_never_missed_has_latency_zero_and_is_not_stale(self):
        result = check_set_full(history(*added(0, 0), *read(1, [0])))
        self.assertEqual(result["stable-latencies"], {"0": 0, "0.5": 0, "0.95": 0, "0.99": 0, "1": 0})
        self.assertEqual(result["stale"], [])
        self.assertEqual(result["worst-stale"], [])

    def test_lost_latency_runs_from_known_to_just_after_the_last_sighting(self):
        result = check_set_full(history(
            invoke(0, "add", 0, time=0), ok(0, "add", 0, time=2 * MS),
            invoke(1, "read", time=7 * MS), ok(1, "read", [0], time=8 * MS),
            *read(1, [])))
        self.assertEqual(result["lost-latencies"], {"0": 5, "0.5": 5, "0.95": 5, "0.99": 5, "1": 5})

    def test_lost_element_never_seen_has_lost_latency_zero(self):
        result = check_set_full(history(*added(0, 0), *read(1, [])))
        self.assertEqual(result["lost-latencies"]["1"], 0)

    def test_worst_stale_keeps_the_eight_slowest_slowest_first(self):
        result = self.stale_by([5, 1, 9, 3, 7, 2, 8, 4, 6, 10])
        self.assertEqual([r["stable-latency"] for r in result["worst-stale"]], [10, 9, 8, 7, 6, 5, 4, 3])
        self.assertEqual(result["stale-count"], 10)


if __name__ == "__main__":
    unittest.main()
