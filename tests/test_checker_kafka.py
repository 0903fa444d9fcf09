"""The kafka checker (docs/maelstrom.md §6.7) on small hand-made histories, one error class per test."""
from __future__ import annotations

import unittest

from tests.harness.workloads.kafka.checker import check_kafka


class History:
    """Builds a kafka history. Each op is invoked and completed before the next one starts,
    unless ``invoke`` and ``complete`` are used separately; times advance 1 ms per entry."""

    def __init__(self):
        self.ops: list[dict] = []

    def _add(self, process, type_, f, value, **extra) -> dict:
        op = {"index": len(self.ops), "time": len(self.ops) * 1_000_000, "type": type_,
              "process": process, "f": f, "value": value, **extra}
        self.ops.append(op)
        return op

    def invoke(self, process, f, value, **extra) -> dict:
        return self._add(process, "invoke", f, value, **extra)

    def complete(self, process, type_, f, value, **extra) -> dict:
        return self._add(process, type_, f, value, **extra)

    def send(self, process, key, msg, offset=None, type_="ok", **extra) -> None:
        self.invoke(process, "send", [["send", key, msg]])
        done = [["send", key, [offset, msg]]] if type_ == "ok" else [["send", key, msg]]
        self.complete(process, type_, "send", done, **extra)

    def poll(self, process, msgs, type_="ok", **extra) -> None:
        self.invoke(process, "poll", [["poll"]])
        self.complete(process, type_, "poll", [["poll", msgs]] if type_ == "ok" else [["poll"]], **extra)

    def assign(self, process, keys, type_="ok") -> None:
        self.invoke(process, "assign", keys)
        self.complete(process, type_, "assign", keys)

    def check(self) -> dict:
        return check_kafka(self.ops)


def sent_and_polled(h: History, key="x", count=3, process=9) -> None:
    """Values 1..count sent to ``key`` at offsets 0..count-1, all polled by one process."""
    for i in range(count):
        h.send(process, key, i + 1, i)
    h.poll(process + 1, {key: [[i, i + 1] for i in range(count)]})


class ValidHistories(unittest.TestCase):
    def test_sends_all_polled_in_order_are_valid(self):
        h = History()
        sent_and_polled(h)
        result = h.check()
        self.assertIs(result["valid?"], True)
        self.assertEqual(result["error-types"], [])
        self.assertEqual(result["bad-error-types"], [])

    def test_nemesis_ops_are_ignored(self):
        h = History()
        h.complete("nemesis", "info", "start-partition", "majority")
        sent_and_polled(h)
        h.complete("nemesis", "info", "stop-partition", "network-healed")
        self.assertIs(h.check()["valid?"], True)

    def test_null_message_lists_count_as_empty(self):
        h = History()
        sent_and_polled(h)
        h.poll(1, {"x": None})
        self.assertIs(h.check()["valid?"], True)


class OffsetAgreement(unittest.TestCase):
    def test_a_value_at_two_offsets_is_a_duplicate(self):
        h = History()
        h.send(0, "x", 1, 0)
        h.send(0, "x", 2, 1)
        h.poll(1, {"x": [[0, 1], [1, 2], [2, 1]]})
        result = h.check()
        self.assertIn("duplicate", result["bad-error-types"])
        self.assertEqual(result["duplicate"]["errs"][0],
                         {"key": "x", "value": 1, "count": 2, "offsets": [0, 2]})

    def test_two_values_at_one_offset_are_inconsistent_offsets(self):
        h = History()
        h.send(0, "x", 1, 0)
        h.send(0, "x", 2, 0)
        h.poll(1, {"x": [[0, 1]]})
        h.poll(2, {"x": [[0, 2]]})
        result = h.check()
        self.assertIn("inconsistent-offsets", result["bad-error-types"])
        self.assertEqual(result["inconsistent-offsets"]["errs"][0],
                         {"key": "x", "offset": 0, "index": 0, "values": [1, 2]})

    def test_holes_in_offsets_do_not_count_as_skips(self):
        h = History()
        h.send(0, "x", 1, 0)
        h.send(0, "x", 2, 5)
        h.poll(1, {"x": [[0, 1], [5, 2]]})
        self.assertIs(h.check()["valid?"], True)


class InsideOneOp(unittest.TestCase):
    def test_a_poll_jumping_over_a_known_offset_is_an_int_poll_skip(self):
        h = History()
        sent_and_polled(h)
        h.poll(1, {"x": [[0, 1], [2, 3]]})
        result = h.check()
        self.assertIn("int-poll-skip", result["bad-error-types"])
        err = result["int-poll-skip"]["errs"][0]
        self.assertEqual((err["values"], err["delta"], err["skipped"]), ([1, 3], 2, [2]))

    def test_a_poll_going_backwards_is_an_int_nonmonotonic_poll(self):
        h = History()
        sent_and_polled(h)
        h.poll(1, {"x": [[1, 2], [0, 1]]})
        result = h.check()
        self.assertIn("int-nonmonotonic-poll", result["bad-error-types"])
        self.assertEqual(result["int-nonmonotonic-poll"]["errs"][0]["delta"], -1)

    def test_a_txn_sending_over_a_known_offset_is_an_allowed_int_send_skip(self):
        h = History()
        h.send(0, "x", 2, 1)
        h.invoke(1, "txn", [["send", "x", 1], ["send", "x", 3]])
        h.complete(1, "ok", "txn", [["send", "x", [0, 1]], ["send", "x", [2, 3]]])
        h.poll(2, {"x": [[0, 1], [1, 2], [2, 3]]})
        result = h.check()
        self.assertIn("int-send-skip", result["error-types"])
        self.assertEqual(result["bad-error-types"], [])
        self.assertIs(result["valid?"], True)

    def test_a_txn_sending_backwards_is_an_int_nonmonotonic_send(self):
        h = History()
        h.invoke(1, "txn", [["send", "x", 2], ["send", "x", 1]])
        h.complete(1, "ok", "txn", [["send", "x", [1, 2]], ["send", "x", [0, 1]]])
        h.poll(2, {"x": [[0, 1], [1, 2]]})
        self.assertIn("int-nonmonotonic-send", h.check()["bad-error-types"])

    def test_a_txn_polling_its_own_send_is_a_precommitted_read(self):
        h = History()
        h.invoke(1, "txn", [["send", "x", 1], ["poll"]])
        h.complete(1, "ok", "txn", [["send", "x", [0, 1]], ["poll", {"x": [[0, 1]]}]])
        result = h.check()
        self.assertIn("precommitted-read", result["bad-error-types"])
        self.assertEqual(result["precommitted-read"]["errs"][0]["value"], 1)


class AcrossOneProcess(unittest.TestCase):
    def test_a_process_resuming_past_a_known_offset_is_a_poll_skip(self):
        h = History()
        sent_and_polled(h)
        h.poll(1, {"x": [[0, 1]]})
        h.poll(1, {"x": [[2, 3]]})
        result = h.check()
        self.assertIn("poll-skip", result["bad-error-types"])
        err = result["poll-skip"]["errs"][0]
        self.assertEqual((err["delta"], err["skipped"]), (2, [2]))

    def test_a_process_polling_a_value_again_is_a_nonmonotonic_poll(self):
        h = History()
        sent_and_polled(h)
        h.poll(1, {"x": [[0, 1], [1, 2]]})
        h.poll(1, {"x": [[1, 2], [2, 3]]})
        result = h.check()
        self.assertIn("nonmonotonic-poll", result["bad-error-types"])
        self.assertEqual(result["nonmonotonic-poll"]["errs"][0]["values"], [2, 2])

    def test_an_empty_list_in_between_hides_a_skip(self):
        h = History()
        sent_and_polled(h)
        h.poll(1, {"x": [[0, 1]]})
        h.poll(1, {"x": []})
        h.poll(1, {"x": [[2, 3]]})
        self.assertIs(h.check()["valid?"], True)

    def test_an_assign_dropping_the_key_forgets_where_the_process_was(self):
        h = History()
        sent_and_polled(h)
        h.poll(1, {"x": [[0, 1]]})
        h.assign(1, ["y"])
        h.poll(1, {"x": [[2, 3]]})
        self.assertIs(h.check()["valid?"], True)

    def test_an_assign_keeping_the_key_remembers_where_the_process_was(self):
        h = History()
        sent_and_polled(h)
        h.poll(1, {"x": [[0, 1]]})
        h.assign(1, ["x"])
        h.poll(1, {"x": [[2, 3]]})
        self.assertIn("poll-skip", h.check()["bad-error-types"])

    def test_polls_of_different_processes_are_not_compared(self):
        h = History()
        sent_and_polled(h)
        h.poll(1, {"x": [[0, 1]]})
        h.poll(2, {"x": [[2, 3]]})
        self.assertIs(h.check()["valid?"], True)

    def test_a_process_sending_behind_its_previous_send_is_a_nonmonotonic_send(self):
        h = History()
        h.send(1, "x", 1, 1)
        h.send(1, "x", 2, 0)
        h.poll(2, {"x": [[0, 2], [1, 1]]})
        result = h.check()
        self.assertIn("nonmonotonic-send", result["bad-error-types"])
        self.assertEqual(result["nonmonotonic-send"]["errs"][0]["values"], [1, 2])


class LostAndAborted(unittest.TestCase):
    def test_polling_a_failed_send_is_g1a(self):
        h = History()
        h.send(0, "x", 1, 0)
        h.send(0, "x", 2, type_="fail", error=["temporarily-unavailable", None])
        h.poll(1, {"x": [[0, 1], [1, 2]]})
        result = h.check()
        self.assertIn("G1a", result["bad-error-types"])
        self.assertEqual(result["G1a"]["errs"][0]["value"], 2)

    def test_an_acknowledged_value_below_a_polled_one_never_polled_is_a_lost_write(self):
        h = History()
        for i in range(3):
            h.send(0, "x", i + 1, i)
        h.poll(1, {"x": [[0, 1]]})
        h.poll(2, {"x": [[2, 3]]})
        result = h.check()
        self.assertIn("lost-write", result["bad-error-types"])
        err = result["lost-write"]["errs"][0]
        self.assertEqual((err["key"], err["value"], err["index"], err["max-read-index"]), ("x", 2, 1, 2))

    def test_an_acknowledged_value_no_poll_returned_is_unseen(self):
        h = History()
        sent_and_polled(h)
        h.send(0, "x", 4, 3)
        result = h.check()
        self.assertEqual(result["bad-error-types"], ["unseen"])
        self.assertEqual(result["unseen"]["unseen"], {"x": 1})
        self.assertEqual(result["unseen"]["messages"], {"x": [4]})

    def test_an_indeterminate_send_nobody_polled_is_not_unseen(self):
        h = History()
        sent_and_polled(h)
        h.send(0, "x", 4, type_="info", error="net-timeout")
        self.assertIs(h.check()["valid?"], True)


class Cycles(unittest.TestCase):
    def test_polling_a_value_before_its_send_began_is_a_g1c_realtime_cycle(self):
        h = History()
        h.poll(1, {"x": [[0, 1]]})
        h.send(0, "x", 1, 0)
        result = h.check()
        self.assertEqual(result["bad-error-types"], ["G1c-realtime", "strong-PL-2-cycle-exists"])
        cycle = result["G1c-realtime"]["errs"][0]
        self.assertEqual([s["type"] for s in cycle["steps"]], ["wr", "realtime"])
        self.assertEqual(result["strong-PL-2-cycle-exists"]["errs"][0]["scc-size"], 2)

    def test_real_time_order_is_transitive_across_ops_and_keys(self):
        h = History()
        h.poll(1, {"x": [[0, 1]]})
        h.poll(2, {"y": [[0, 1]]})
        h.send(3, "x", 1, 0)
        h.send(4, "y", 1, 0)
        result = h.check()
        [component] = result["strong-PL-2-cycle-exists"]["errs"]
        self.assertEqual(component["scc-size"], 4)
        self.assertEqual(component["scc"], [1, 3, 5, 7])

    def test_a_poll_concurrent_with_the_send_it_returns_makes_no_cycle(self):
        h = History()
        h.invoke(0, "send", [["send", "x", 1]])
        h.invoke(1, "poll", [["poll"]])
        h.complete(1, "ok", "poll", [["poll", {"x": [[0, 1]]}]])
        h.complete(0, "ok", "send", [["send", "x", [0, 1]]])
        self.assertIs(h.check()["valid?"], True)

    def test_a_history_without_dependencies_is_an_empty_transaction_graph(self):
        h = History()
        h.send(0, "x", 1, type_="fail", error=["temporarily-unavailable", None])
        result = h.check()
        self.assertEqual(result["bad-error-types"], ["empty-transaction-graph"])
        self.assertIs(result["valid?"], False)


class CheckerCrashes(unittest.TestCase):
    def test_polling_a_value_nobody_sent_is_unknown(self):
        h = History()
        sent_and_polled(h)
        h.poll(1, {"x": [[3, 99]]})
        self.assertEqual(h.check()["valid?"], "unknown")

    def test_a_key_ok_polls_name_but_never_fill_is_unknown(self):
        h = History()
        sent_and_polled(h)
        h.poll(1, {"y": []})
        self.assertEqual(h.check()["valid?"], "unknown")

    def test_a_key_whose_ok_polls_hold_only_negative_offsets_is_unknown(self):
        # Jepsen 0.3.7 version-orders leaves the key with an empty log; lost-write-cases then
        # looks up index -1 in it and throws.
        h = History()
        h.send(0, "x", 1, -1)
        h.poll(1, {"x": [[-1, 1]]})
        self.assertEqual(h.check()["valid?"], "unknown")


class NegativeOffsets(unittest.TestCase):
    def test_a_negative_offset_is_left_out_of_the_version_order_and_the_rest_is_judged(self):
        # Jepsen 0.3.7 datafy-version-order-log copies offsets 0..max into the log, so the
        # value at -1 has no index: poll-skip and lost-write treat it as unknown (delta 1,
        # no error), and the valid part of the history stays valid.
        h = History()
        sent_and_polled(h)
        h.send(0, "x", 4, -1)
        h.poll(1, {"x": [[-1, 4]]})
        result = h.check()
        self.assertIs(result["valid?"], True, result)

    def test_errors_at_other_offsets_are_still_found(self):
        h = History()
        sent_and_polled(h)
        h.send(0, "x", 4, -1)
        h.poll(1, {"x": [[-1, 4], [0, 2]]})
        self.assertIn("inconsistent-offsets", h.check()["error-types"])


class Reporting(unittest.TestCase):
    def test_info_txn_causes_lists_the_distinct_errors_of_indeterminate_sends_and_polls(self):
        h = History()
        sent_and_polled(h)
        h.send(0, "x", 4, type_="info", error="net-timeout")
        h.poll(2, {}, type_="info", error="net-timeout")
        h.poll(4, {}, type_="info", error=["crash", "boom"])
        self.assertEqual(h.check()["info-txn-causes"], ["net-timeout", ["crash", "boom"]])

    def test_worst_realtime_lag_is_zero_without_polls(self):
        h = History()
        h.send(0, "x", 1, 0)
        self.assertEqual(h.check()["worst-realtime-lag"], {"time": 0.0, "lag": 0.0})

    def test_worst_realtime_lag_measures_from_when_the_next_offset_was_known(self):
        h = History()
        h.assign(1, ["x"])
        h.send(0, "x", 1, 0)         # completes at index 3: offset 0 known at 3 ms
        h.poll(1, {"x": []})         # invoked at 4 ms, still at offset -1
        h.poll(2, {"x": [[0, 1]]})   # up to date: no lag
        lag = h.check()["worst-realtime-lag"]
        self.assertEqual((lag["process"], lag["key"]), (1, "x"))
        self.assertAlmostEqual(lag["lag"], 0.001)
        self.assertAlmostEqual(lag["time"], 0.004)

    def test_skip_errors_are_truncated_to_the_eight_largest(self):
        h = History()
        for i in range(30):
            h.send(0, "x", i + 1, i)
        h.poll(100, {"x": [[i, i + 1] for i in range(30)]})
        for n in range(10):   # process n skips n + 1 values
            h.poll(n, {"x": [[0, 1]]})
            h.poll(n, {"x": [[n + 2, n + 3]]})
        result = h.check()["poll-skip"]
        self.assertEqual(result["count"], 10)
        self.assertEqual([e["delta"] for e in result["errs"]], list(range(4, 12)))


if __name__ == "__main__":
    unittest.main()
