"""The generic checkers and the composed results map (docs/maelstrom.md §3.4, §8, §9)."""
from __future__ import annotations

import unittest

from tests.harness import results
from tests.harness.options import Options


def history_of(*ops: tuple) -> list[dict]:
    """Ops from (process, type, f[, extras]) tuples, with dense indices and times."""
    history = []
    for i, (process, type_, f, *extras) in enumerate(ops):
        op = {"index": i, "time": i * 1000, "type": type_, "process": process, "f": f,
              "value": None}
        for extra in extras:
            op.update(extra)
        history.append(op)
    return history


def completed(process: int, f: str, outcome: str, **extras) -> list[tuple]:
    """An invoke and its completion."""
    return [(process, "invoke", f), (process, outcome, f, extras)]


def msg(id_: int, src: str, dest: str) -> dict:
    return {"id": id_, "src": src, "dest": dest, "body": {"type": "x"}}


class Stats(unittest.TestCase):
    def test_counts_client_completions_by_type(self):
        h = history_of(*completed(0, "read", "ok"), *completed(1, "read", "fail"),
                       *completed(2, "add", "info"), *completed(0, "add", "ok"))
        s = results.stats(h)
        self.assertEqual((s["count"], s["ok-count"], s["fail-count"], s["info-count"]),
                         (4, 2, 1, 1))

    def test_ignores_nemesis_ops(self):
        h = history_of(("nemesis", "info", "start-partition"),
                       ("nemesis", "info", "start-partition"), *completed(0, "read", "ok"))
        s = results.stats(h)
        self.assertEqual(s["count"], 1)
        self.assertNotIn("start-partition", s["by-f"])

    def test_by_f_is_sorted_by_f_with_its_own_counts(self):
        h = history_of(*completed(0, "read", "ok"), *completed(0, "add", "fail"),
                       *completed(0, "add", "ok"))
        by_f = results.stats(h)["by-f"]
        self.assertEqual(list(by_f), ["add", "read"])
        self.assertEqual(by_f["add"], {"count": 2, "ok-count": 1, "fail-count": 1,
                                       "info-count": 0, "valid?": True})

    def test_an_f_that_never_succeeded_is_invalid(self):
        h = history_of(*completed(0, "read", "ok"), *completed(0, "add", "fail"),
                       *completed(1, "add", "info"))
        s = results.stats(h)
        self.assertIs(s["by-f"]["add"]["valid?"], False)
        self.assertIs(s["valid?"], False)

    def test_crash_and_debug_ops_never_succeeding_do_not_invalidate(self):
        h = history_of(*completed(0, "send", "ok"), *completed(0, "crash", "info"),
                       *completed(1, "debug-topic-partitions", "fail"))
        s = results.stats(h)
        self.assertIs(s["by-f"]["crash"]["valid?"], False)
        self.assertIs(s["valid?"], True)

    def test_empty_history_is_valid(self):
        self.assertIs(results.stats([])["valid?"], True)


class Availability(unittest.TestCase):
    # three of four ops ok
    H = history_of(*completed(0, "read", "ok"), *completed(0, "read", "ok"),
                   *completed(1, "read", "ok"), *completed(1, "read", "fail"))

    def test_reports_fraction_of_invocations_that_completed_ok(self):
        self.assertEqual(results.availability(self.H, None)["ok-fraction"], 0.75)

    def test_no_requirement_is_always_valid(self):
        self.assertIs(results.availability(self.H, None)["valid?"], True)

    def test_total_requires_every_op_to_succeed(self):
        self.assertIs(results.availability(self.H, "total")["valid?"], False)
        all_ok = history_of(*completed(0, "read", "ok"))
        self.assertIs(results.availability(all_ok, "total")["valid?"], True)

    def test_a_fraction_is_a_lower_bound(self):
        self.assertIs(results.availability(self.H, 0.75)["valid?"], True)
        self.assertIs(results.availability(self.H, 0.8)["valid?"], False)

    def test_compares_the_32_bit_fraction_as_maelstrom_does(self):
        nine_of_ten = history_of(*[op for p in range(10)
                                   for op in completed(p, "read", "ok" if p else "fail")])
        a = results.availability(nine_of_ten, 0.9)
        self.assertEqual(a["ok-fraction"], 0.9)
        self.assertIs(a["valid?"], False)   # 0.9f < 0.9

    def test_no_invocations_means_fully_available(self):
        h = history_of(("nemesis", "info", "start-partition"))
        self.assertEqual(results.availability(h, "total"), {"valid?": True, "ok-fraction": 1.0})

    def test_unknown_requirement_is_an_error(self):
        with self.assertRaises(ValueError):
            results.availability(self.H, "most")


class Net(unittest.TestCase):
    # c1 inits n1; n1 gossips to n2 (delivered) and to n3 (dropped); n1 asks lin-kv.
    JOURNAL = [
        ("send", -5, msg(0, "c1", "n1")), ("recv", -4, msg(0, "c1", "n1")),
        ("send", -3, msg(1, "n1", "c1")), ("recv", -2, msg(1, "n1", "c1")),
        ("send", 10, msg(2, "n1", "n2")), ("recv", 11, msg(2, "n1", "n2")),
        ("send", 12, msg(3, "n1", "n3")), ("drop", 13, {"id": 3, "src": "n1", "dest": "n3", "reason": "partition"}),
        ("send", 13, msg(4, "n1", "lin-kv")), ("recv", 14, msg(4, "n1", "lin-kv")),
    ]
    # four client invocations: ok, failed, timed out and a final read; plus nemesis ops
    HISTORY = history_of(*completed(0, "add", "ok"), ("nemesis", "info", "start-partition"),
                         *completed(1, "add", "fail"), ("nemesis", "info", "start-partition"),
                         *completed(2, "add", "info"), *completed(0, "read", "ok",
                                                                  **{"final?": True}))

    def setUp(self):
        self.net = results.net(results.fold_journal(self.JOURNAL), self.HISTORY)

    def test_splits_client_and_server_traffic(self):
        self.assertEqual(self.net["clients"],
                         {"send-count": 2, "recv-count": 2, "msg-count": 2})
        self.assertEqual({k: self.net["servers"][k] for k in ("send-count", "recv-count")},
                         {"send-count": 3, "recv-count": 2})

    def test_a_dropped_message_is_sent_but_never_received_and_its_drop_is_not_counted(self):
        self.assertEqual((self.net["all"]["send-count"], self.net["all"]["recv-count"]), (5, 4))

    def test_msg_count_counts_each_message_once(self):
        self.assertEqual(self.net["all"]["msg-count"], 5)
        self.assertEqual(self.net["servers"]["msg-count"], 3)

    def test_msgs_per_op_divides_by_every_client_invocation(self):
        self.assertEqual(self.net["all"]["msgs-per-op"], 5 / 4)
        self.assertEqual(self.net["servers"]["msgs-per-op"], 3 / 4)
        self.assertNotIn("msgs-per-op", self.net["clients"])

    def test_no_msgs_per_op_without_client_invocations(self):
        net = results.net(results.fold_journal(self.JOURNAL), history_of(("nemesis", "info", "start-partition")))
        self.assertNotIn("msgs-per-op", net["all"])
        self.assertNotIn("msgs-per-op", net["servers"])

    def test_is_always_valid(self):
        self.assertIs(results.net(results.NetCounts(), [])["valid?"], True)


class Exceptions(unittest.TestCase):
    def test_without_exceptions_only_validity(self):
        h = history_of(*completed(0, "read", "info", error="net-timeout"))
        self.assertEqual(results.exceptions(h), {"valid?": True})

    def test_groups_info_ops_by_class_most_frequent_first(self):
        timeout = {"class": "RPCTimeout", "message": "Client read timeout"}
        malformed = {"class": "MalformedResponse", "message": "bad"}
        h = history_of(*completed(0, "add", "info", exception=malformed),
                       *completed(1, "add", "info", exception=timeout),
                       *completed(2, "add", "info", exception=timeout))
        ex = results.exceptions(h)
        self.assertIs(ex["valid?"], True)
        self.assertEqual([(e["class"], e["count"]) for e in ex["exceptions"]],
                         [("RPCTimeout", 2), ("MalformedResponse", 1)])
        self.assertEqual(ex["exceptions"][0]["example"], h[3])


class MergeValid(unittest.TestCase):
    def test_false_beats_unknown(self):
        self.assertIs(results.merge_valid(True, "unknown", False), False)

    def test_unknown_beats_true(self):
        self.assertEqual(results.merge_valid(True, "unknown", True), "unknown")

    def test_all_true_is_true(self):
        self.assertIs(results.merge_valid(True, True), True)

    def test_a_missing_validity_is_unknown(self):
        self.assertEqual(results.merge_valid(True, None), "unknown")


class Safely(unittest.TestCase):
    def test_passes_a_result_through(self):
        self.assertEqual(results.safely(lambda: {"valid?": False}), {"valid?": False})

    def test_turns_an_exception_into_an_unknown_result(self):
        def broken():
            raise ValueError("boom")
        self.assertEqual(results.safely(broken),
                         {"valid?": "unknown", "error": "ValueError: boom"})


class Compose(unittest.TestCase):
    HISTORY = history_of(*completed(0, "read", "ok"))

    def test_has_maelstrom_keys_in_order(self):
        r = results.compose(self.HISTORY, results.NetCounts(), Options(), {"valid?": True})
        self.assertEqual(list(r), ["perf", "timeline", "exceptions", "stats", "availability",
                                   "net", "workload", "valid?"])
        self.assertIs(r["valid?"], True)

    def test_an_invalid_workload_invalidates_the_run(self):
        r = results.compose(self.HISTORY, results.NetCounts(), Options(), {"valid?": False, "lost": [1]})
        self.assertEqual(r["workload"], {"valid?": False, "lost": [1]})
        self.assertIs(r["valid?"], False)

    def test_a_failing_sub_checker_makes_the_run_unknown(self):
        r = results.compose(self.HISTORY, [], Options(availability="most"), {"valid?": True})
        self.assertEqual(r["availability"]["valid?"], "unknown")
        self.assertIn("ValueError", r["availability"]["error"])
        self.assertEqual(r["valid?"], "unknown")

    def test_harness_statistics_are_included_and_always_valid(self):
        r = results.compose(self.HISTORY, results.NetCounts(), Options(), {"valid?": True},
                            harness={"delivered": 3})
        self.assertEqual(r["harness"], {"delivered": 3, "valid?": True})
        self.assertEqual(list(r)[-2:], ["harness", "valid?"])


class OpLatency(unittest.TestCase):
    def test_only_ok_client_ops_count_from_invocation_to_completion(self):
        ms = 1_000_000
        history = [{"process": 0, "type": "invoke", "time": 0},
                   {"process": 1, "type": "invoke", "time": 1 * ms},
                   {"process": "nemesis", "type": "invoke", "time": 2 * ms},
                   {"process": 1, "type": "ok", "time": 4 * ms},        # waited 3 ms
                   {"process": "nemesis", "type": "info", "time": 9 * ms},
                   {"process": 0, "type": "ok", "time": 10 * ms},       # waited 10 ms
                   {"process": 0, "type": "invoke", "time": 11 * ms},
                   {"process": 0, "type": "info", "time": 5011 * ms}]   # a timeout: not ok
        self.assertEqual(results.op_latency_ms(history), {"count": 2, "p50": 10.0, "p99": 10.0, "max": 10.0})

    def test_no_ok_op_gives_only_a_count(self):
        self.assertEqual(results.op_latency_ms([{"process": 0, "type": "invoke", "time": 0}]), {"count": 0})


class Verdict(unittest.TestCase):
    def test_sentences(self):
        self.assertTrue(results.verdict_line(True).startswith("Everything looks good!"))
        self.assertTrue(results.verdict_line(False).startswith("Analysis invalid!"))
        self.assertTrue(results.verdict_line("unknown").startswith(
            "Errors occurred during analysis, but no anomalies found."))

    def test_exit_codes(self):
        self.assertEqual([results.exit_code(v) for v in (True, False, "unknown")], [0, 1, 2])


if __name__ == "__main__":
    unittest.main()
