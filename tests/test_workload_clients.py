"""The engine-facing side of the simple workloads: registry, generators, setup and invoke.

Each workload runs against a fake client that answers with canned replies, so what is sent,
what ends up in the completion and which failures escape (docs/maelstrom.md §5.5) can be checked
without nodes or the engine.
"""
from __future__ import annotations

import asyncio
import random
import unittest
from collections import Counter
from unittest import mock

from tests.harness import workloads
from tests.harness.errors import MalformedResponse, RPCError, RPCTimeout
from tests.harness.options import Options
from tests.harness.topology import topology
from tests.harness.workloads.broadcast import Broadcast
from tests.harness.workloads.counter import GCounter, PNCounter
from tests.harness.workloads.echo import Echo
from tests.harness.workloads.g_set import GSet
from tests.harness.workloads.unique_ids import UniqueIds

BUSY = RPCError({"type": "error", "code": 11, "text": "busy"})        # definite
CRASHED = RPCError({"type": "error", "code": 13, "text": "crashed"})  # indefinite
TIMEOUT = RPCTimeout(5.0)


class FakeClient:
    """Answers each RPC with the next canned reply, raising it if it is an exception."""

    id = "c10"
    node = "n1"

    def __init__(self, *replies):
        self.replies = list(replies)
        self.sent: list[tuple[dict, float]] = []

    async def rpc(self, body: dict, timeout: float = 5.0) -> dict:
        self.sent.append((body, timeout))
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def make(workload_class, **opts):
    return workload_class(Options(**opts), random.Random(42))


def invoke(workload, op: dict, *replies) -> tuple[dict, list[dict]]:
    """The completion of ``op`` and the bodies sent for it."""
    client = FakeClient(*replies)
    completion = asyncio.run(workload.invoke(client, op))
    return completion, [body for body, _ in client.sent]


def reply(type_: str, **fields) -> dict:
    return {"type": type_, "in_reply_to": 1, **fields}


def draw(workload, n: int) -> list[dict]:
    return [workload.next_op(0.0) for _ in range(n)]


class Registry(unittest.TestCase):
    def test_implemented_workloads_load_by_name(self):
        for name in ("echo", "unique-ids", "broadcast", "g-set", "g-counter", "pn-counter"):
            with self.subTest(name=name):
                self.assertEqual(workloads.load(name).name, name)

    def test_names_include_the_workloads_written_elsewhere(self):
        for name in ("kafka", "txn-rw-register", "lin-kv"):
            self.assertIn(name, workloads.WORKLOAD_NAMES)

    def test_unknown_name_is_rejected(self):
        with self.assertRaises(workloads.UnknownWorkload):
            workloads.load("g-map")

    def test_known_workload_without_a_module_says_so(self):
        with mock.patch.dict(workloads._MODULES, {"imaginary": "imaginary"}):
            with self.assertRaisesRegex(workloads.WorkloadNotImplemented, "imaginary"):
                workloads.load("imaginary")


class EchoClient(unittest.TestCase):
    def test_ok_value_is_the_whole_reply_body(self):
        body = reply("echo_ok", echo="Please echo 1")
        done, sent = invoke(make(Echo), {"f": "echo", "value": "Please echo 1"}, body)
        self.assertEqual(sent, [{"type": "echo", "echo": "Please echo 1"}])
        self.assertEqual(done, {"type": "ok", "value": body})

    def test_extra_reply_field_escapes_as_malformed(self):
        with self.assertRaises(MalformedResponse):
            invoke(make(Echo), {"f": "echo", "value": "x"}, reply("echo_ok", echo="x", extra=True))


class UniqueIdsClient(unittest.TestCase):
    def test_client_is_reusable_and_there_is_no_final_phase(self):
        self.assertTrue(UniqueIds.reusable_client)
        self.assertFalse(UniqueIds.final_phase)

    def test_generate_returns_the_id(self):
        done, sent = invoke(make(UniqueIds), {"f": "generate", "value": None}, reply("generate_ok", id="n1-1"))
        self.assertEqual(sent, [{"type": "generate"}])
        self.assertEqual(done, {"type": "ok", "value": "n1-1"})

    def test_extra_reply_field_escapes_as_malformed(self):
        with self.assertRaises(MalformedResponse):
            invoke(make(UniqueIds), {"f": "generate", "value": None}, reply("generate_ok", id=1, node="n1"))

    def test_timeout_is_indeterminate(self):
        done, _ = invoke(make(UniqueIds), {"f": "generate", "value": None}, TIMEOUT)
        self.assertEqual(done, {"type": "info", "value": None, "error": "net-timeout"})

    def test_definite_error_fails(self):
        done, _ = invoke(make(UniqueIds), {"f": "generate", "value": None}, BUSY)
        self.assertEqual(done, {"type": "fail", "value": None, "error": ["temporarily-unavailable", "busy"]})

    def test_indefinite_error_is_indeterminate(self):
        done, _ = invoke(make(UniqueIds), {"f": "generate", "value": None}, CRASHED)
        self.assertEqual(done["type"], "info")


class BroadcastSetup(unittest.TestCase):
    def test_every_node_gets_the_whole_topology_with_a_5_s_timeout(self):
        nodes = ["n1", "n2", "n3", "n4", "n5"]
        client = FakeClient(reply("topology_ok"))
        asyncio.run(make(Broadcast, nodes=nodes, topology="line").setup(client))
        self.assertEqual(client.sent, [({"type": "topology", "topology": topology("line", nodes)}, 5.0)])

    def test_malformed_topology_ok_aborts_setup(self):
        with self.assertRaises(MalformedResponse):
            asyncio.run(make(Broadcast).setup(FakeClient(reply("topology_ok", extra=1))))

    def test_error_reply_aborts_setup(self):
        with self.assertRaises(RPCError):
            asyncio.run(make(Broadcast).setup(FakeClient(BUSY)))


class BroadcastClient(unittest.TestCase):
    def test_client_is_not_reusable_and_there_is_a_final_phase(self):
        self.assertFalse(Broadcast.reusable_client)
        self.assertTrue(Broadcast.final_phase)

    def test_broadcast_sends_the_value_as_message(self):
        done, sent = invoke(make(Broadcast), {"f": "broadcast", "value": 3}, reply("broadcast_ok"))
        self.assertEqual(sent, [{"type": "broadcast", "message": 3}])
        self.assertEqual(done, {"type": "ok", "value": 3})

    def test_read_returns_the_messages(self):
        done, sent = invoke(make(Broadcast), {"f": "read", "value": None}, reply("read_ok", messages=[1, 0]))
        self.assertEqual(sent, [{"type": "read"}])
        self.assertEqual(done, {"type": "ok", "value": [1, 0]})

    def test_null_messages_are_accepted(self):
        done, _ = invoke(make(Broadcast), {"f": "read", "value": None}, reply("read_ok", messages=None))
        self.assertEqual(done, {"type": "ok", "value": None})

    def test_read_with_an_extra_field_escapes_as_malformed(self):
        with self.assertRaises(MalformedResponse):
            invoke(make(Broadcast), {"f": "read", "value": None}, reply("read_ok", messages=[], value=[]))

    def test_read_timeout_fails_because_reads_are_idempotent(self):
        done, _ = invoke(make(Broadcast), {"f": "read", "value": None}, TIMEOUT)
        self.assertEqual(done, {"type": "fail", "value": None, "error": "net-timeout"})

    def test_read_indefinite_error_fails(self):
        done, _ = invoke(make(Broadcast), {"f": "read", "value": None}, CRASHED)
        self.assertEqual(done["type"], "fail")

    def test_broadcast_timeout_is_indeterminate(self):
        done, _ = invoke(make(Broadcast), {"f": "broadcast", "value": 3}, TIMEOUT)
        self.assertEqual(done, {"type": "info", "value": 3, "error": "net-timeout"})

    def test_broadcast_definite_error_fails(self):
        done, _ = invoke(make(Broadcast), {"f": "broadcast", "value": 3}, BUSY)
        self.assertEqual(done["type"], "fail")


class BroadcastGenerator(unittest.TestCase):
    def test_messages_count_up_in_the_order_they_are_handed_out(self):
        ops = draw(make(Broadcast), 200)
        self.assertEqual([op["value"] for op in ops if op["f"] == "broadcast"],
                         list(range(sum(op["f"] == "broadcast" for op in ops))))

    def test_about_half_the_ops_are_reads(self):
        reads = sum(op["f"] == "read" for op in draw(make(Broadcast), 4000))
        self.assertAlmostEqual(reads / 4000, 0.5, delta=0.05)

    def test_each_thread_ends_with_one_final_read(self):
        self.assertEqual(list(make(Broadcast).final_ops(0)), [{"f": "read", "value": None, "final?": True}])


class GSetClient(unittest.TestCase):
    def test_add_sends_the_value_as_element(self):
        done, sent = invoke(make(GSet), {"f": "add", "value": 4}, reply("add_ok"))
        self.assertEqual(sent, [{"type": "add", "element": 4}])
        self.assertEqual(done, {"type": "ok", "value": 4})

    def test_read_returns_the_value_field(self):
        done, _ = invoke(make(GSet), {"f": "read", "value": None}, reply("read_ok", value=[4, 2]))
        self.assertEqual(done, {"type": "ok", "value": [4, 2]})

    def test_read_with_elements_instead_of_value_is_malformed(self):
        with self.assertRaises(MalformedResponse):
            invoke(make(GSet), {"f": "read", "value": None}, reply("read_ok", elements=[4]))

    def test_even_a_definite_error_escapes(self):
        with self.assertRaises(RPCError):
            invoke(make(GSet), {"f": "read", "value": None}, BUSY)

    def test_timeout_escapes(self):
        with self.assertRaises(RPCTimeout):
            invoke(make(GSet), {"f": "add", "value": 4}, TIMEOUT)

    def test_elements_count_up_in_the_order_they_are_handed_out(self):
        ops = draw(make(GSet), 200)
        adds = [op["value"] for op in ops if op["f"] == "add"]
        self.assertEqual(adds, list(range(len(adds))))
        self.assertGreater(len(adds), 0)

    def test_final_read_has_no_final_flag(self):
        self.assertEqual(list(make(GSet).final_ops(3)), [{"f": "read", "value": None}])


class CounterClient(unittest.TestCase):
    def test_add_sends_the_value_as_delta(self):
        done, sent = invoke(make(PNCounter), {"f": "add", "value": -3}, reply("add_ok"))
        self.assertEqual(sent, [{"type": "add", "delta": -3}])
        self.assertEqual(done, {"type": "ok", "value": -3})

    def test_read_returns_the_value(self):
        done, sent = invoke(make(GCounter), {"f": "read", "value": None}, reply("read_ok", value=12))
        self.assertEqual(sent, [{"type": "read"}])
        self.assertEqual(done, {"type": "ok", "value": 12})

    def test_fractional_read_is_malformed(self):
        with self.assertRaises(MalformedResponse):
            invoke(make(GCounter), {"f": "read", "value": None}, reply("read_ok", value=12.0))

    def test_even_a_definite_error_on_a_read_escapes(self):
        with self.assertRaises(RPCError):
            invoke(make(GCounter), {"f": "read", "value": None}, BUSY)

    def test_timeout_escapes(self):
        with self.assertRaises(RPCTimeout):
            invoke(make(PNCounter), {"f": "add", "value": 1}, TIMEOUT)

    def test_final_reads_are_flagged(self):
        self.assertEqual(list(make(GCounter).final_ops(0)), [{"f": "read", "value": None, "final?": True}])


class CounterGenerators(unittest.TestCase):
    def test_pn_counter_mixes_reads_and_deltas_from_minus_5_to_4(self):
        ops = draw(make(PNCounter), 4000)
        deltas = Counter(op["value"] for op in ops if op["f"] == "add")
        self.assertEqual(set(deltas), set(range(-5, 5)))
        self.assertAlmostEqual(sum(op["f"] == "read" for op in ops) / 4000, 0.5, delta=0.05)

    def test_g_counter_drops_negative_adds_leaving_two_thirds_reads(self):
        ops = draw(make(GCounter), 4000)
        deltas = Counter(op["value"] for op in ops if op["f"] == "add")
        self.assertEqual(set(deltas), set(range(0, 5)))
        self.assertAlmostEqual(sum(op["f"] == "read" for op in ops) / 4000, 2 / 3, delta=0.05)


if __name__ == "__main__":
    unittest.main()
