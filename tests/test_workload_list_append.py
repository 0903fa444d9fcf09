"""The txn-list-append workload (docs/maelstrom.md §6.10): its name, generator and client. The generator
is txn-rw-register's with appends for writes (tests/test_workload_txn.py tests its
distributions); here, what list-append changes."""
from __future__ import annotations

import asyncio
import random
import unittest
from collections import Counter

from tests.harness import workloads
from tests.harness.cli import parse_test_args
from tests.harness.errors import MalformedResponse
from tests.harness.options import Options
from tests.harness.workloads.txn_list_append import TxnListAppend
from tests.test_workload_txn import FakeClient

TXN = [["r", 1, None], ["append", 1, 3]]


def workload(**opts) -> TxnListAppend:
    return TxnListAppend(Options(workload="txn-list-append", **opts), random.Random(7))


def micro_ops(n_txns: int) -> list[list]:
    wl = workload()
    return [mop for _ in range(n_txns) for mop in wl.next_op(0.0)["value"]]


def invoke(reply: dict) -> dict:
    return asyncio.run(workload().invoke(FakeClient(reply), {"f": "txn", "value": TXN}))


class Registry(unittest.TestCase):
    def test_the_name_loads_the_workload(self):
        self.assertIs(workloads.load("txn-list-append"), TxnListAppend)

    def test_the_command_line_accepts_the_name(self):
        opts = parse_test_args(["-w", "txn-list-append", "--bin", "node.py"])
        self.assertEqual(opts.workload, "txn-list-append")

    def test_strict_serializable_is_the_default_model(self):
        self.assertEqual(workload().opts.consistency_models, ["strict-serializable"])


class Generator(unittest.TestCase):
    def test_micro_ops_are_reads_and_appends_at_even_odds(self):
        kinds = Counter(f for f, _, _ in micro_ops(3000))
        self.assertEqual(set(kinds), {"r", "append"})
        self.assertAlmostEqual(kinds["r"] / sum(kinds.values()), 0.5, delta=0.03)

    def test_elements_appended_to_each_key_count_up_from_one(self):
        appended: dict[int, list[int]] = {}
        for f, k, v in micro_ops(2000):
            if f == "append":
                appended.setdefault(k, []).append(v)
        for elements in appended.values():
            self.assertEqual(elements, list(range(1, len(elements) + 1)))

    def test_a_key_takes_at_most_max_writes_per_key_appends(self):
        appended = Counter(k for f, k, _ in micro_ops(2000) if f == "append")
        self.assertEqual(max(appended.values()), 16)

    def test_transactions_are_one_to_max_txn_length_long(self):
        wl = workload(max_txn_length=3)
        self.assertEqual({len(wl.next_op(0.0)["value"]) for _ in range(500)}, {1, 2, 3})


class Client(unittest.TestCase):
    def test_clients_are_reusable(self):
        self.assertTrue(TxnListAppend.reusable_client)

    def test_reads_come_back_as_whole_lists(self):
        done = invoke({"type": "txn_ok", "txn": [["r", 1, [1, 2]], ["append", 1, 3]]})
        self.assertEqual(done, {"type": "ok", "value": [["r", 1, [1, 2]], ["append", 1, 3]]})

    def test_a_null_read_is_accepted(self):
        done = invoke({"type": "txn_ok", "txn": [["r", 1, None], ["append", 1, 3]]})
        self.assertEqual(done["value"][0], ["r", 1, None])

    def test_a_read_that_is_not_a_list_is_malformed(self):
        with self.assertRaises(MalformedResponse):
            invoke({"type": "txn_ok", "txn": [["r", 1, 5], ["append", 1, 3]]})

    def test_a_register_write_is_malformed(self):
        with self.assertRaises(MalformedResponse):
            invoke({"type": "txn_ok", "txn": [["r", 1, [1]], ["w", 1, 3]]})


class Checker(unittest.TestCase):
    def test_checks_against_the_consistency_models_asked_for(self):
        # Each txn read the other's append: G1c, allowed by read uncommitted only.
        h = [{"index": 0, "type": "invoke", "process": 0, "f": "txn",
              "value": [["append", 0, 1], ["r", 1, None]]},
             {"index": 1, "type": "invoke", "process": 1, "f": "txn",
              "value": [["append", 1, 1], ["r", 0, None]]},
             {"index": 2, "type": "ok", "process": 0, "f": "txn",
              "value": [["append", 0, 1], ["r", 1, [1]]]},
             {"index": 3, "type": "ok", "process": 1, "f": "txn",
              "value": [["append", 1, 1], ["r", 0, [1]]]}]
        self.assertIs(workload(consistency_models=["read-uncommitted"]).check(h)["valid?"], True)
        self.assertIs(workload(consistency_models=["read-committed"]).check(h)["valid?"], False)


if __name__ == "__main__":
    unittest.main()
