"""The txn-rw-register checker (Elle's rw-register under Maelstrom's wrapper, docs/maelstrom.md §6.9)
on hand-made histories: one history per anomaly class, and the consistency-model table."""
from __future__ import annotations

import unittest

from tests.harness.workloads.elle.consistency_models import prohibited_anomalies
from tests.harness.workloads.txn_rw_register.checker import check, elle_check, maelstrom_wrapper

RU, RC, SS = ["read-uncommitted"], ["read-committed"], ["strict-serializable"]


def txn(process: int, kind: str, *mops: tuple) -> tuple[dict, dict]:
    """An invoke (reads sent as null) and its completion; only ok completions carry what
    the node answered, the others repeat the invocation."""
    sent = [[f, k, None if f == "r" else v] for f, k, v in mops]
    done = [list(m) for m in mops] if kind == "ok" else sent
    return ({"type": "invoke", "process": process, "f": "txn", "value": sent},
            {"type": kind, "process": process, "f": "txn", "value": done})


def ok(process: int, *mops: tuple) -> tuple[dict, dict]:
    return txn(process, "ok", *mops)


def history(*txns: tuple[dict, dict], concurrent: bool = False) -> list[dict]:
    """One after another (each completes before the next is invoked), or all invoked
    before any completes, so that no real-time order exists between them."""
    if concurrent:
        ops = [i for i, _ in txns] + [d for _, d in txns]
    else:
        ops = [op for pair in txns for op in pair]
    return [{"index": i, "time": i * 1_000_000, **op} for i, op in enumerate(ops)]


def chain(*parts: list[dict]) -> list[dict]:
    """Histories one after the other, renumbered."""
    ops = [op for part in parts for op in part]
    return [{**op, "index": i, "time": i * 1_000_000} for i, op in enumerate(ops)]


# Something that always gives the transaction graph a vertex, where a test needs one.
BACKGROUND = (ok(8, ("w", "z", 1)), ok(9, ("r", "z", 1), ("w", "z", 2)))


class ModelTable(unittest.TestCase):
    def test_read_uncommitted_prohibits_only_write_cycles_and_cyclic_versions(self):
        self.assertEqual(prohibited_anomalies(RU), {
            "G0", "cyclic-versions", "duplicate-elements", "PL-1-cycle-exists"})

    def test_read_committed_adds_G1_but_neither_internal_nor_lost_update(self):
        self.assertEqual(prohibited_anomalies(RC) - prohibited_anomalies(RU), {
            "G1", "G1a", "G1b", "G1c", "future-read", "incompatible-order", "dirty-update",
            "PL-2-cycle-exists"})

    def test_strict_serializable_prohibits_every_cycle_and_single_txn_anomaly(self):
        expected = {"internal", "lost-update", "G1a", "G1b", "G-single-item", "G2-item",
                    "G-nonadjacent-item", "G1c-realtime", "G2-item-realtime",
                    "G0-process", "G-single-item-process", "PL-SS-cycle-exists"}
        self.assertLessEqual(expected | prohibited_anomalies(RC), prohibited_anomalies(SS))

    def test_canonical_model_names_mean_the_same_as_friendly_ones(self):
        self.assertEqual(prohibited_anomalies(["PL-2"]), prohibited_anomalies(RC))

    def test_several_models_prohibit_the_union(self):
        self.assertEqual(prohibited_anomalies(RU + ["update-atomic"]),
                         prohibited_anomalies(RU) | prohibited_anomalies(["update-atomic"]))

    def test_an_unknown_model_makes_the_verdict_unknown(self):
        result = check(history(*BACKGROUND), ["read-comitted"])
        self.assertEqual(result["valid?"], "unknown")
        self.assertIn("read-comitted", result["error"])


class Verdicts(unittest.TestCase):
    def test_serial_history_is_valid_with_no_anomalies(self):
        result = check(history(*BACKGROUND, ok(1, ("r", "z", 2), ("w", "x", 1))), SS)
        self.assertEqual(result, {"valid?": True, "anomaly-types": [], "anomalies": None})

    def test_history_without_dependencies_is_invalid_as_an_empty_transaction_graph(self):
        result = check(history(txn(0, "fail", ("w", "x", 1))), RU)
        self.assertIs(result["valid?"], False)
        self.assertEqual(result["anomaly-types"], ["empty-transaction-graph"])

    def test_elle_alone_calls_an_empty_transaction_graph_unknown(self):
        self.assertEqual(elle_check(history(), RU)["valid?"], "unknown")

    def test_wrapper_ignores_cycle_search_timeouts(self):
        elle = {"valid?": "unknown", "anomaly-types": ["cycle-search-timeout"],
                "anomalies": {"cycle-search-timeout": [{"scc-size": 9000}]}}
        self.assertEqual(maelstrom_wrapper(elle)["valid?"], True)

    def test_value_written_by_two_committed_txns_and_read_is_unknown(self):
        result = check(history(ok(0, ("w", "x", 1)), ok(1, ("w", "x", 1)),
                               ok(2, ("r", "x", 1))), RU)
        self.assertEqual(result["valid?"], "unknown")
        self.assertIn("more than one op", result["error"])

    def test_value_written_twice_but_never_read_is_not_an_error(self):
        result = check(history(*BACKGROUND, ok(0, ("w", "x", 1)), ok(1, ("w", "x", 1))), RU)
        self.assertIs(result["valid?"], True)

    def test_keys_of_mixed_types_are_unknown(self):
        result = check(history(*BACKGROUND, ok(0, ("w", 1, 1))), RU)
        self.assertEqual(result["valid?"], "unknown")

    def test_integer_and_float_values_are_different_versions(self):
        # Clojure's = keeps 1 and 1.0 apart, so the read did not see T0's write.
        result = check(history(ok(0, ("w", "x", 1)), ok(1, ("r", "x", 1.0), ("w", "y", 1))),
                       RC)
        self.assertEqual(result["anomaly-types"], ["empty-transaction-graph"])


class VersionOrder(unittest.TestCase):
    def test_read_then_write_cycle_on_one_key_is_cyclic_versions(self):
        h = history(ok(0, ("r", "x", 1), ("w", "x", 2)), ok(1, ("r", "x", 2), ("w", "x", 1)))
        result = check(h, RU)
        self.assertIs(result["valid?"], False)
        self.assertEqual(result["anomaly-types"], ["cyclic-versions"])
        self.assertEqual(sorted(result["anomalies"]["cyclic-versions"][0]["scc"]), [1, 2])

    def test_write_cycle_across_keys_is_a_PL1_marker_never_G0(self):
        # Each ww edge comes with a wr edge, and a wr explanation wins: the cycle is G1c.
        h = history(ok(0, ("r", "y", 1), ("w", "y", 2), ("w", "x", 1)),
                    ok(1, ("r", "x", 1), ("w", "x", 2), ("w", "y", 1)), concurrent=True)
        self.assertEqual(check(h, RU)["anomaly-types"], ["PL-1-cycle-exists"])
        self.assertEqual(check(h, RC)["anomaly-types"], ["G1c", "PL-1-cycle-exists"])

    def test_cycle_of_blind_writes_is_invisible(self):
        # x ends at T0's value, y at T1's: a write cycle (G0), but blind writes give no
        # version order (Maelstrom issue #56), so even strict-serializable passes.
        h = chain(history(ok(0, ("w", "x", 1), ("w", "y", 1)),
                          ok(1, ("w", "x", 2), ("w", "y", 2)), concurrent=True),
                  history(ok(2, ("r", "x", 1), ("r", "y", 2))))
        self.assertIs(check(h, SS)["valid?"], True)


class Cycles(unittest.TestCase):
    G1C = (ok(0, ("w", "x", 1), ("r", "y", 1)), ok(1, ("w", "y", 1), ("r", "x", 1)))

    def test_wr_cycle_is_G1c_which_read_uncommitted_allows(self):
        h = history(*self.G1C, concurrent=True)
        self.assertIs(check(h, RU)["valid?"], True)
        self.assertEqual(check(h, RC)["anomaly-types"], ["G1c"])

    def test_result_names_the_weakest_models_ruled_out(self):
        result = check(history(*self.G1C, concurrent=True), RC)
        self.assertEqual(result["not"], ["read-committed"])
        self.assertIn("serializable", result["also-not"])
        self.assertNotIn("read-uncommitted", result["also-not"])

    def test_cycle_report_names_transactions_and_edges(self):
        case = check(history(*self.G1C, concurrent=True), RC)["anomalies"]["G1c"][0]
        self.assertEqual(case["cycle"], 'T1 -wr("x")-> T2 -wr("y")-> T1')
        self.assertEqual(case["txns"]["T1"]["value"], [["w", "x", 1], ["r", "y", 1]])
        self.assertIn('T1 wrote key "x" = 1, which was read by T2', case["steps"][0])

    def test_one_rw_edge_is_G_single_item(self):
        # T1 read x from T0 but missed T0's write of y.
        h = history(ok(0, ("w", "x", 1), ("w", "y", 1)), ok(1, ("r", "x", 1), ("r", "y", None)),
                    concurrent=True)
        self.assertIs(check(h, RC)["valid?"], True)
        self.assertEqual(check(h, SS)["anomaly-types"], ["G-single-item"])

    def test_two_adjacent_rw_edges_are_G2_item(self):
        # Write skew: each read the other's key before the other wrote it.
        h = history(ok(0, ("r", "x", None), ("w", "y", 1)), ok(1, ("r", "y", None), ("w", "x", 1)),
                    concurrent=True)
        self.assertEqual(check(h, SS)["anomaly-types"], ["G2-item"])
        case = check(h, SS)["anomalies"]["G2-item"][0]
        self.assertEqual(case["cycle"], 'T1 -rw("x")-> T2 -rw("y")-> T1')

    def test_rw_edges_separated_by_wr_edges_are_G_nonadjacent_item(self):
        h = history(ok(0, ("r", "x", None), ("r", "b", 1)), ok(1, ("w", "x", 1), ("w", "a", 1)),
                    ok(2, ("r", "a", 1), ("r", "y", None)), ok(3, ("w", "y", 1), ("w", "b", 1)),
                    concurrent=True)
        self.assertEqual(check(h, SS)["anomaly-types"], ["G-nonadjacent-item"])

    def test_stale_read_after_a_completed_write_is_G_single_item_realtime(self):
        h = history(*BACKGROUND, ok(0, ("w", "x", 1)), ok(1, ("r", "x", None)))
        self.assertEqual(check(h, SS)["anomaly-types"], ["G-single-item-realtime"])
        self.assertIs(check(h, ["serializable"])["valid?"], True)

    def test_strong_session_models_order_a_process_own_transactions(self):
        h = history(*BACKGROUND, ok(0, ("w", "x", 1)), ok(0, ("r", "x", None)))
        result = check(h, ["strong-session-serializable"])
        self.assertEqual(result["anomaly-types"], ["G-single-item-process"])
        self.assertIn("-process->", result["anomalies"]["G-single-item-process"][0]["cycle"])

    def test_a_marker_ruled_out_by_a_concrete_cycle_is_dropped(self):
        result = elle_check(history(*self.G1C, concurrent=True), RC)
        self.assertNotIn("PL-2-cycle-exists", result["anomaly-types"])

    def test_a_marker_alone_stands_for_its_cycle(self):
        # Under read-uncommitted the G1c is not searched for, but its marker is reported.
        h = history(ok(0, ("r", "y", 1), ("w", "y", 2), ("w", "x", 1)),
                    ok(1, ("r", "x", 1), ("w", "x", 2), ("w", "y", 1)), concurrent=True)
        marker = check(h, RU)["anomalies"]["PL-1-cycle-exists"][0]
        self.assertEqual(marker["not"], "read-uncommitted")
        self.assertEqual(marker["scc-size"], 2)

    def test_out_of_time_search_reports_a_timeout_and_some_cycle(self):
        h = history(*self.G1C, concurrent=True)
        result = elle_check(h, RC, cycle_search_timeout=-1)
        self.assertIn("cycle-search-timeout", result["anomaly-types"])
        self.assertIn("G1c", result["anomaly-types"])   # the fallback cycle
        self.assertNotIn("cycle-search-timeout", check(h, RC, cycle_search_timeout=-1)["anomalies"])


class SingleTransactionAnomalies(unittest.TestCase):
    def test_read_of_a_failed_write_is_G1a(self):
        h = history(*BACKGROUND, txn(0, "fail", ("w", "x", 1)), ok(1, ("r", "x", 1)))
        result = check(h, RC)
        self.assertEqual(result["anomaly-types"], ["G1a"])
        self.assertEqual(result["anomalies"]["G1a"][0]["writer"]["type"], "fail")

    def test_read_uncommitted_allows_G1a(self):
        h = history(*BACKGROUND, txn(0, "fail", ("w", "x", 1)), ok(1, ("r", "x", 1)))
        self.assertIs(check(h, RU)["valid?"], True)

    def test_read_of_a_crashed_write_is_not_G1a(self):
        h = history(*BACKGROUND, txn(0, "info", ("w", "x", 1)), ok(1, ("r", "x", 1)))
        self.assertIs(check(h, RC)["valid?"], True)

    def test_read_of_an_overwritten_write_is_G1b(self):
        h = history(*BACKGROUND, ok(0, ("w", "x", 1), ("w", "x", 2)), ok(1, ("r", "x", 1)))
        result = check(h, RC)
        self.assertEqual(result["anomaly-types"], ["G1b"])
        self.assertEqual(result["anomalies"]["G1b"][0]["mop"], ["r", "x", 1])

    def test_intermediate_write_of_a_crashed_txn_counts_for_G1b(self):
        h = history(*BACKGROUND, txn(0, "info", ("w", "x", 1), ("w", "x", 2)),
                    ok(1, ("r", "x", 1)))
        self.assertEqual(check(h, RC)["anomaly-types"], ["G1b"])

    def test_reading_ones_own_intermediate_write_is_not_G1b(self):
        h = history(*BACKGROUND, ok(0, ("w", "x", 1), ("r", "x", 1), ("w", "x", 2)))
        self.assertIs(check(h, RC)["valid?"], True)

    def test_read_disagreeing_with_the_txn_own_write_is_internal(self):
        h = history(*BACKGROUND, ok(0, ("w", "x", 1), ("r", "x", 5)))
        self.assertIs(check(h, RC)["valid?"], True)
        result = check(h, SS)
        self.assertIn("internal", result["anomaly-types"])
        self.assertEqual(result["anomalies"]["internal"][0]["expected"], 1)

    def test_read_after_a_nil_read_is_not_internal(self):
        h = history(*BACKGROUND, ok(0, ("r", "x", None), ("r", "x", 5)))
        self.assertNotIn("internal", check(h, SS)["anomaly-types"])

    def test_two_txns_reading_and_writing_the_same_version_are_a_lost_update(self):
        h = history(*BACKGROUND, ok(0, ("w", "x", 1)), ok(1, ("r", "x", 1), ("w", "x", 2)),
                    ok(2, ("r", "x", 1), ("w", "x", 3)))
        self.assertIs(check(h, RC)["valid?"], True)
        result = check(h, SS)
        self.assertIn("lost-update", result["anomaly-types"])
        self.assertEqual(result["anomalies"]["lost-update"][0]["value"], 1)


if __name__ == "__main__":
    unittest.main()
