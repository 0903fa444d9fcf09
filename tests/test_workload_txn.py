"""The txn-rw-register workload (docs/maelstrom.md §6.9): its generator, its client and its checker hook."""
from __future__ import annotations

import asyncio
import random
import unittest
from collections import Counter

from tests.harness.errors import MalformedResponse, RPCError, RPCTimeout
from tests.harness.options import Options
from tests.harness.workloads.txn_rw_register.workload import TxnGenerator, TxnRwRegister


def generator(seed: int = 7, key_count: int = 10, max_txn_length: int = 4,
              max_writes_per_key: int = 16) -> TxnGenerator:
    return TxnGenerator(random.Random(seed), key_count, max_txn_length, max_writes_per_key)


def micro_ops(n_txns: int, **kwargs) -> list[list]:
    g = generator(**kwargs)
    return [mop for _ in range(n_txns) for mop in g.txn()]


class Generator(unittest.TestCase):
    def test_lengths_are_uniform_between_one_and_the_maximum(self):
        g = generator(max_txn_length=4)
        lengths = Counter(len(g.txn()) for _ in range(4000))
        self.assertEqual(set(lengths), {1, 2, 3, 4})
        for n in lengths.values():
            self.assertAlmostEqual(n / 4000, 0.25, delta=0.03)

    def test_reads_and_writes_are_equally_likely(self):
        kinds = Counter(f for f, _, _ in micro_ops(3000))
        self.assertAlmostEqual(kinds["r"] / sum(kinds.values()), 0.5, delta=0.03)

    def test_reads_are_sent_with_null_values(self):
        self.assertTrue(all(v is None for f, _, v in micro_ops(200) if f == "r"))

    def test_writes_to_each_key_count_up_from_one(self):
        written: dict[int, list[int]] = {}
        for f, k, v in micro_ops(2000):
            if f == "w":
                written.setdefault(k, []).append(v)
        for values in written.values():
            self.assertEqual(values, list(range(1, len(values) + 1)))

    def test_key_pool_starts_as_the_first_key_count_integers(self):
        first = micro_ops(5, key_count=10)
        self.assertTrue(all(0 <= k < 10 for _, k, _ in first))

    def test_a_key_is_retired_after_max_writes_and_replaced_by_a_fresh_one(self):
        g = generator(key_count=3, max_writes_per_key=2)
        writes = Counter()
        for _ in range(300):
            for f, k, _ in g.txn():
                writes[k] += f == "w"
        self.assertLessEqual(max(writes.values()), 2)
        self.assertGreater(max(writes), 10)          # fresh keys keep coming
        self.assertEqual(len(set(g.active)), 3)
        # Each fresh key is max(pool) + 1: no key number is skipped.
        self.assertEqual(set(writes) | set(g.active), set(range(max(g.active) + 1)))

    def test_last_pool_slot_gets_about_half_the_draws(self):
        # Slot i has probability 2^(i+1) / (2 (2^k - 1)): 8/14, 4/14, 2/14 for k = 3.
        g = generator(key_count=3, max_writes_per_key=10**9)
        draws = Counter(g.key() for _ in range(20000))
        for key, p in ((2, 8 / 14), (1, 4 / 14), (0, 2 / 14)):
            self.assertAlmostEqual(draws[key] / 20000, p, delta=0.015)

    def test_key_count_defaults_to_ten(self):
        wl = TxnRwRegister(Options(key_count=None), random.Random(1))
        self.assertEqual(wl.generator.active, list(range(10)))

    def test_ops_are_txns(self):
        wl = TxnRwRegister(Options(), random.Random(1))
        op = wl.next_op(0.0)
        self.assertEqual(op["f"], "txn")
        self.assertIsInstance(op["value"], list)


class FakeClient:
    """Answers every rpc with a canned reply, or raises a canned exception."""

    id, node = "c1", "n0"

    def __init__(self, reply=None, raises: Exception | None = None):
        self.reply, self.raises, self.sent = reply, raises, []

    async def rpc(self, body: dict, timeout: float = 5.0) -> dict:
        self.sent.append(body)
        if self.raises:
            raise self.raises
        return self.reply


TXN = [["r", 1, None], ["w", 1, 3]]


def invoke(client: FakeClient) -> dict:
    wl = TxnRwRegister(Options(), random.Random(1))
    return asyncio.run(wl.invoke(client, {"f": "txn", "value": TXN}))


class Client(unittest.TestCase):
    def test_clients_are_reusable(self):
        self.assertTrue(TxnRwRegister.reusable_client)

    def test_request_carries_the_txn(self):
        client = FakeClient({"type": "txn_ok", "txn": [["r", 1, 2], ["w", 1, 3]]})
        invoke(client)
        self.assertEqual(client.sent, [{"type": "txn", "txn": TXN}])

    def test_reply_with_read_values_completes_ok(self):
        done = invoke(FakeClient({"type": "txn_ok", "in_reply_to": 1,
                                  "txn": [["r", 1, 2], ["w", 1, 3]]}))
        self.assertEqual(done, {"type": "ok", "value": [["r", 1, 2], ["w", 1, 3]]})

    def test_null_txn_is_accepted_as_empty(self):
        self.assertEqual(invoke(FakeClient({"type": "txn_ok", "txn": None}))["value"], [])

    def test_reply_with_an_extra_field_is_malformed(self):
        with self.assertRaises(MalformedResponse):
            invoke(FakeClient({"type": "txn_ok", "txn": TXN, "note": "hi"}))

    def test_micro_op_of_unknown_kind_is_malformed(self):
        with self.assertRaises(MalformedResponse):
            invoke(FakeClient({"type": "txn_ok", "txn": [["append", 1, 3]]}))

    def test_micro_op_of_the_wrong_length_is_malformed(self):
        with self.assertRaises(MalformedResponse):
            invoke(FakeClient({"type": "txn_ok", "txn": [["r", 1]]}))

    def test_timeout_is_indeterminate(self):
        done = invoke(FakeClient(raises=RPCTimeout(5.0)))
        self.assertEqual(done, {"type": "info", "value": TXN, "error": "net-timeout"})

    def test_definite_error_fails_the_txn(self):
        done = invoke(FakeClient(raises=RPCError({"type": "error", "code": 30, "text": "no"})))
        self.assertEqual(done, {"type": "fail", "value": TXN, "error": ["txn-conflict", "no"]})

    def test_indefinite_error_is_indeterminate(self):
        done = invoke(FakeClient(raises=RPCError({"type": "error", "code": 13, "text": "boom"})))
        self.assertEqual(done["type"], "info")


class Checker(unittest.TestCase):
    # T0 and T1 read each other's writes: G1c, allowed by read-uncommitted only.
    G1C = [
        {"index": 0, "time": 0, "type": "invoke", "process": 0, "f": "txn",
         "value": [["w", 0, 1], ["r", 1, None]]},
        {"index": 1, "time": 1, "type": "invoke", "process": 1, "f": "txn",
         "value": [["w", 1, 1], ["r", 0, None]]},
        {"index": 2, "time": 2, "type": "ok", "process": 0, "f": "txn",
         "value": [["w", 0, 1], ["r", 1, 1]]},
        {"index": 3, "time": 3, "type": "ok", "process": 1, "f": "txn",
         "value": [["w", 1, 1], ["r", 0, 1]]},
    ]

    def test_checks_against_the_consistency_models_asked_for(self):
        def valid(models):
            return TxnRwRegister(Options(consistency_models=models), random.Random(1)) \
                .check(self.G1C)["valid?"]
        self.assertIs(valid(["read-uncommitted"]), True)
        self.assertIs(valid(["read-committed"]), False)


if __name__ == "__main__":
    unittest.main()
