"""The txn-list-append checker (Elle 0.2.2's list-append, unwrapped by Maelstrom) on
hand-made histories: one history per anomaly, each with what Elle returns for it and why."""
from __future__ import annotations

import unittest

from tests.harness.workloads.txn_list_append.checker import check
from tests.test_checker_txn import RC, RU, SS, chain, history, ok, txn

# Something that always gives the transaction graph a vertex (a wr edge), where a test
# needs one.
BACKGROUND = (ok(8, ("append", "z", 1)), ok(9, ("r", "z", [1])))


class Verdicts(unittest.TestCase):
    def test_serial_appends_and_reads_are_valid(self):
        h = history(ok(0, ("append", "x", 1)), ok(1, ("r", "x", [1]), ("append", "x", 2)),
                    ok(2, ("r", "x", [1, 2])))
        self.assertEqual(check(h, SS), {"valid?": True})

    def test_an_empty_transaction_graph_is_unknown_not_invalid(self):
        # Elle says :unknown; unlike txn-rw-register, Maelstrom does not wrap this checker.
        result = check(history(ok(0, ("append", "x", 1))), SS)
        self.assertEqual(result["valid?"], "unknown")
        self.assertEqual(result["anomaly-types"], ["empty-transaction-graph"])

    def test_a_cycle_search_timeout_is_kept(self):
        # Elle reports it with a fallback cycle; no Maelstrom wrapper drops it here.
        h = history(ok(0, ("append", "x", 1), ("r", "y", [1])),
                    ok(1, ("append", "y", 1), ("r", "x", [1])), concurrent=True)
        result = check(h, RC, cycle_search_timeout=-1)
        self.assertIn("cycle-search-timeout", result["anomaly-types"])

    def test_an_element_appended_by_two_invocations_is_unknown(self):
        # Elle's verify-unique-appends throws :duplicate-appends.
        result = check(history(ok(0, ("append", "x", 1)), ok(1, ("append", "x", 1))), SS)
        self.assertEqual(result["valid?"], "unknown")
        self.assertIn("appended to key 'x' multiple times", result["error"])

    def test_a_micro_op_other_than_read_or_append_is_unknown(self):
        # Elle's verify-mop-types throws :unexpected-txn-micro-op-types.
        result = check(history(ok(0, ("w", "x", 1))), SS)
        self.assertEqual(result["valid?"], "unknown")
        self.assertIn("other than appends or reads", result["error"])

    def test_an_element_nobody_appended_is_unknown(self):
        # dirty-update-cases asserts that a writer exists for every element it orders.
        result = check(history(*BACKGROUND, ok(0, ("r", "x", [7]))), SS)
        self.assertEqual(result["valid?"], "unknown")
        self.assertIn("No transaction wrote", result["error"])

    def test_an_unknown_model_is_unknown(self):
        self.assertEqual(check(history(*BACKGROUND), ["read-comitted"])["valid?"], "unknown")


class VersionOrder(unittest.TestCase):
    def test_reads_that_are_not_prefixes_of_each_other_are_an_incompatible_order(self):
        # Sorted by length, [1] is not a prefix of [2, 1]: Elle's :incompatible-order,
        # prohibited from read committed up (it implies G1a), not by read uncommitted.
        h = history(ok(0, ("append", "x", 1)), ok(1, ("append", "x", 2)),
                    ok(2, ("r", "x", [1])), ok(3, ("r", "x", [2, 1])))
        self.assertIs(check(h, RU)["valid?"], True)
        result = check(h, RC)
        self.assertEqual(result["anomaly-types"], ["incompatible-order"])
        self.assertEqual(result["anomalies"]["incompatible-order"],
                         [{"key": "x", "values": [[1], [2, 1]]}])

    def test_reads_give_the_order_even_of_a_key_appended_once(self):
        # Elle infers [1] from a lone committed append only for keys never read. Here x
        # was read as [5, 1] (5 from a failed txn), so 1 follows 5: T2 read [5] and
        # missed T1's append, which had completed before it began.
        h = history(txn(0, "fail", ("append", "x", 5)), ok(1, ("append", "x", 1)),
                    ok(2, ("r", "x", [5])), ok(3, ("r", "x", [5, 1])))
        self.assertEqual(check(h, SS)["anomaly-types"],
                         ["G-single-item-realtime", "G1a", "dirty-update"])

    def test_an_element_read_twice_in_one_list_is_duplicate_elements(self):
        # Prohibited even by read uncommitted; Elle lists element -> count.
        h = history(ok(0, ("append", "x", 1)), ok(1, ("r", "x", [1, 1])))
        result = check(h, RU)
        self.assertEqual(result["anomaly-types"], ["duplicate-elements"])
        self.assertEqual(result["anomalies"]["duplicate-elements"][0]["duplicates"], {1: 2})

    def test_a_write_cycle_is_G0_which_read_registers_cannot_see(self):
        # x's reads order T0's append first, y's order T1's first: a ww cycle, G0, which
        # read uncommitted prohibits. Blind writes in rw-register would show nothing.
        h = chain(history(ok(0, ("append", "x", 1), ("append", "y", 2)),
                          ok(1, ("append", "x", 2), ("append", "y", 1)), concurrent=True),
                  history(ok(2, ("r", "x", [1, 2]), ("r", "y", [1, 2]))))
        result = check(h, RU)
        self.assertEqual(result["anomaly-types"], ["G0"])
        self.assertEqual(result["not"], ["read-uncommitted"])

    def test_an_edge_both_ww_and_wr_is_explained_as_ww(self):
        # Each txn read the other's append and appended after it: every edge is ww and wr.
        # Elle's list-append explainer tries ww first, so the cycle is G0, not G1c.
        h = chain(history(ok(0, ("append", "x", 1), ("r", "y", [1]), ("append", "y", 2)),
                          ok(1, ("append", "y", 1), ("r", "x", [1]), ("append", "x", 2)),
                          concurrent=True),
                  history(ok(2, ("r", "x", [1, 2]), ("r", "y", [1, 2]))))
        case = check(h, RU)["anomalies"]["G0"][0]
        self.assertEqual(case["cycle"], "T1 -ww(\"x\")-> T2 -ww(\"y\")-> T1")
        self.assertIn('T2 appended 2 after T1 appended 1 to "x"', case["steps"][0])


class Cycles(unittest.TestCase):
    def test_reading_each_others_appends_is_G1c_which_read_uncommitted_allows(self):
        h = history(ok(0, ("append", "x", 1), ("r", "y", [1])),
                    ok(1, ("append", "y", 1), ("r", "x", [1])), concurrent=True)
        self.assertIs(check(h, RU)["valid?"], True)
        result = check(h, RC)
        self.assertEqual(result["anomaly-types"], ["G1c"])
        self.assertIn("T2 observed T1's append of 1 to key \"x\"",
                      result["anomalies"]["G1c"][0]["steps"][0])

    def test_seeing_one_append_of_a_txn_but_not_the_other_is_G_single_item(self):
        # T1 read x from T0 but y empty, before T0's append: wr one way, rw back.
        h = history(ok(0, ("append", "x", 1), ("append", "y", 1)),
                    ok(1, ("r", "x", [1]), ("r", "y", None)), concurrent=True)
        self.assertIs(check(h, RC)["valid?"], True)
        result = check(h, SS)
        self.assertEqual(result["anomaly-types"], ["G-single-item"])
        self.assertTrue(any('observed the initial (nil) state of "y"' in s
                            for s in result["anomalies"]["G-single-item"][0]["steps"]))

    def test_two_unread_appends_after_reading_a_key_empty_are_not_both_its_creation(self):
        # Both read key 9 empty and appended; no read shows either append, so Elle knows
        # each only to follow the initial state (previously-appended-element gives ::init)
        # and finds rw edges both ways: G2-item. Elle's text says each "created" the key,
        # which cannot be true of both; the explanation says what the history shows.
        h = history(ok(0, ("r", 9, None), ("append", 9, 1)),
                    ok(1, ("r", 9, None), ("append", 9, 2)), concurrent=True)
        result = check(h, SS)
        self.assertIn("G2-item", result["anomaly-types"])
        steps = result["anomalies"]["G2-item"][0]["steps"]
        self.assertEqual(len(steps), 2)
        for step in steps:
            self.assertNotIn("created", step)
            self.assertRegex(step, r"observed the initial \(nil\) state of 9, so it did not "
                                   r"observe T\d's append of [12] to 9 \(no read shows [12]")

    def test_the_append_a_read_shows_first_created_the_key(self):
        # A later read [1, 2] places 1 first: the reader of the empty key preceded the
        # transaction that created it (Elle's rw explanation from ::init).
        h = history(ok(0, ("r", 9, None), ("append", 9, 1)),
                    ok(1, ("r", 9, None), ("append", 9, 2)), ok(2, ("r", 9, [1, 2])),
                    concurrent=True)
        result = check(h, SS)
        steps = result["anomalies"]["G-single-item"][0]["steps"]
        self.assertTrue(any(s.endswith("observed the initial (nil) state of 9, before "
                                       "T2 created 9 by appending 1") for s in steps), steps)

    def test_write_skew_is_G2_item(self):
        h = history(ok(0, ("r", "x", None), ("append", "y", 1)),
                    ok(1, ("r", "y", None), ("append", "x", 1)), concurrent=True)
        self.assertIs(check(h, RC)["valid?"], True)
        self.assertEqual(check(h, SS)["anomaly-types"], ["G2-item"])

    def test_a_stale_read_after_a_completed_append_is_G_single_item_realtime(self):
        h = history(*BACKGROUND, ok(0, ("append", "x", 1)), ok(1, ("r", "x", None)))
        self.assertEqual(check(h, SS)["anomaly-types"], ["G-single-item-realtime"])
        self.assertIs(check(h, ["serializable"])["valid?"], True)

    def test_strong_session_models_order_a_process_own_transactions(self):
        h = history(*BACKGROUND, ok(0, ("append", "x", 1)), ok(0, ("r", "x", None)))
        result = check(h, ["strong-session-serializable"])
        self.assertEqual(result["anomaly-types"], ["G-single-item-process"])

    def test_an_append_never_read_comes_after_the_last_element_read(self):
        # Nobody read 2, so Elle places it after 1, the last element read: T1 read [1]
        # and missed it (rw), though T2 had completed first (realtime).
        h = history(*BACKGROUND, ok(0, ("append", "x", 1)), ok(2, ("append", "x", 2)),
                    ok(1, ("r", "x", [1])))
        self.assertEqual(check(h, SS)["anomaly-types"], ["G-single-item-realtime"])


class SingleTransactionAnomalies(unittest.TestCase):
    def test_reading_an_element_of_a_failed_txn_is_G1a(self):
        h = history(*BACKGROUND, txn(0, "fail", ("append", "x", 1)), ok(1, ("r", "x", [1])))
        self.assertIs(check(h, RU)["valid?"], True)
        result = check(h, RC)
        self.assertEqual(result["anomaly-types"], ["G1a"])
        self.assertEqual(result["anomalies"]["G1a"][0]["element"], 1)
        self.assertEqual(result["anomalies"]["G1a"][0]["writer"]["type"], "fail")

    def test_reading_an_element_of_a_crashed_txn_is_not_G1a(self):
        h = history(*BACKGROUND, txn(0, "info", ("append", "x", 1)), ok(1, ("r", "x", [1])))
        self.assertIs(check(h, RC)["valid?"], True)

    def test_a_committed_append_right_after_a_failed_one_is_a_dirty_update(self):
        h = history(txn(0, "fail", ("append", "x", 1)), ok(1, ("append", "x", 2)),
                    ok(2, ("r", "x", [1, 2])))
        result = check(h, RC)
        self.assertEqual(result["anomaly-types"], ["G1a", "dirty-update"])
        case = result["anomalies"]["dirty-update"][0]
        self.assertEqual((case["key"], case["values"], case["txns"][1]), ("x", [1, 2], "..."))

    def test_a_read_ending_in_a_non_final_append_of_another_txn_is_G1b(self):
        h = history(ok(0, ("append", "x", 1), ("append", "x", 2)), ok(1, ("r", "x", [1])))
        result = check(h, RC)
        self.assertEqual(result["anomaly-types"], ["G1b"])
        self.assertEqual(result["anomalies"]["G1b"][0]["mop"], ["r", "x", [1]])

    def test_reading_ones_own_non_final_append_is_not_G1b(self):
        h = history(*BACKGROUND, ok(0, ("append", "x", 1), ("r", "x", [1]), ("append", "x", 2)))
        self.assertIs(check(h, RC)["valid?"], True)

    def test_a_read_missing_the_txn_own_append_is_internal(self):
        # After appending 2 the txn knows x ends in 2, whatever came before.
        h = history(ok(0, ("append", "x", 1)), ok(1, ("append", "x", 2), ("r", "x", [1])))
        self.assertIs(check(h, RC)["valid?"], True)
        result = check(h, SS)
        self.assertEqual(result["anomaly-types"], ["internal"])
        self.assertEqual(result["anomalies"]["internal"][0]["expected"], ["...", 2])

    def test_a_read_disagreeing_with_the_txn_earlier_read_is_internal(self):
        h = history(ok(0, ("append", "x", 1), ("append", "x", 2)),
                    ok(1, ("r", "x", [1, 2]), ("r", "x", [1])))
        result = check(h, SS)
        self.assertEqual(result["anomalies"]["internal"][0]["expected"], [1, 2])

    def test_a_read_after_a_null_read_is_not_internal(self):
        # Elle knows nothing of a key after reading nil (falsy in its state map).
        h = history(ok(0, ("append", "x", 1)), ok(1, ("r", "x", None), ("r", "x", [1])))
        self.assertNotIn("internal", check(h, SS).get("anomaly-types", []))

    def test_reading_an_element_before_appending_it_is_a_future_read(self):
        # Prohibited from read committed: Elle's tables have future-read imply G1c.
        h = history(*BACKGROUND, ok(0, ("r", "x", [1]), ("append", "x", 1)))
        self.assertIs(check(h, RU)["valid?"], True)
        result = check(h, RC)
        self.assertEqual(result["anomaly-types"], ["future-read"])
        self.assertEqual(result["anomalies"]["future-read"][0]["mop"], ["r", "x", [1]])

    def test_two_txns_appending_after_reading_the_same_state_are_a_lost_update(self):
        h = history(ok(0, ("append", "x", 1)), ok(1, ("r", "x", [1]), ("append", "x", 2)),
                    ok(2, ("r", "x", [1]), ("append", "x", 3)))
        self.assertIs(check(h, RC)["valid?"], True)
        result = check(h, SS)
        self.assertIn("lost-update", result["anomaly-types"])
        case = result["anomalies"]["lost-update"][0]
        self.assertEqual((case["key"], case["value"]), ("x", [1]))
        self.assertEqual([t["process"] for t in case["txns"]], [1, 2])


if __name__ == "__main__":
    unittest.main()
