"""The interpreter: thread choice, process ids, client reuse, time limit and final phase (docs/maelstrom.md §5)."""
from __future__ import annotations

import asyncio
import random
import unittest
from unittest import mock

from tests.harness.client import ClientIds, NetClient
from tests.harness.clock import Clock
from tests.harness.errors import RPCError, RPCTimeout
from tests.harness.interpreter import Interpreter
from tests.harness.network import Latency, Network
from tests.harness.options import Options
from tests.harness.workloads.base import Workload


class Scripted(Workload):
    """Completes ops by their f: "ok", "info", "boom" (raises); records the client ids it saw."""

    name = "scripted"

    def __init__(self, opts, rng, script=("ok",), reusable=False):
        super().__init__(opts, rng)
        self.script = list(script)
        self.reusable_client = reusable
        self.clients_seen: list[str] = []

    def next_op(self, now):
        f = self.script.pop(0) if self.script else None
        return None if f is None else {"f": f, "value": len(self.clients_seen)}

    async def invoke(self, client, op):
        self.clients_seen.append(client.id)
        if op["f"] == "boom":
            raise ValueError("exploded")
        return {"type": "ok" if op["f"] != "info" else "info", "value": op["value"]}


def interpreter(workload_factory, **opts) -> Interpreter:
    o = Options(bin="x", nodes=["n0", "n1"], concurrency=opts.pop("concurrency", 2), **opts)
    net = Network(Latency(0, "constant", random.Random(1)), Clock(), log=lambda line: None)
    for n in o.nodes:
        net.register(n, lambda m: None)
    return Interpreter(o, workload_factory(o), net, Clock(), ClientIds(), random.Random(1), lambda line: None)


def run_main(make) -> list[dict]:
    """Build an interpreter with ``make()`` inside a running loop, run its main phase."""
    async def go():
        it = make()
        await it.main_phase()
        return it.history
    return asyncio.run(go())


class ThreadChoice(unittest.TestCase):
    def test_idle_threads_are_picked_in_rotation_with_the_nemesis_slot_wrapping_to_thread_0(self):
        async def picks():
            it = interpreter(lambda o: Scripted(o, random.Random(1)), concurrency=5)
            return [it._pick_thread(k) for k in range(12)]
        self.assertEqual(asyncio.run(picks()), [0, 1, 2, 3, 4, 0, 0, 1, 2, 3, 4, 0])


class ProcessesAndClients(unittest.TestCase):
    def run_ops(self, script, reusable):
        async def go():
            it = interpreter(lambda o: Scripted(o, random.Random(1), script, reusable),
                             concurrency=1, rate=1000.0, time_limit=1)
            await it.main_phase()
            return it
        return asyncio.run(go())

    def test_an_info_completion_gives_the_thread_a_new_process(self):
        it = self.run_ops(["ok", "info", "ok", "info", "ok"], reusable=False)
        processes = [op["process"] for op in it.history if op["type"] == "invoke"]
        self.assertEqual(processes, [0, 0, 1, 1, 2])

    def test_a_non_reusable_client_is_replaced_after_a_process_change(self):
        it = self.run_ops(["ok", "info", "ok"], reusable=False)
        self.assertEqual(it.workload.clients_seen, ["c0", "c0", "c1"])

    def test_a_reusable_client_survives_a_process_change(self):
        it = self.run_ops(["ok", "info", "ok"], reusable=True)
        self.assertEqual(it.workload.clients_seen, ["c0", "c0", "c0"])

    def test_an_exception_in_invoke_becomes_an_indeterminate_info_op(self):
        it = self.run_ops(["boom"], reusable=False)
        done = it.history[1]
        self.assertEqual(done["type"], "info")
        self.assertEqual(done["error"], "indeterminate: exploded")
        self.assertEqual(done["exception"]["class"], "ValueError")

    def test_every_invoke_is_completed_by_the_same_process(self):
        it = self.run_ops(["ok", "info", "boom", "ok"], reusable=False)
        ops = it.history
        for inv, done in zip(ops[::2], ops[1::2]):
            self.assertEqual((inv["type"], done["process"], done["f"]), ("invoke", inv["process"], inv["f"]))
        self.assertEqual([op["index"] for op in ops], list(range(len(ops))))


class TimeLimit(unittest.TestCase):
    def test_no_op_is_invoked_after_the_time_limit(self):
        history = run_main(lambda: interpreter(lambda o: Scripted(o, random.Random(1), ["ok"] * 100000),
                                               rate=500.0, time_limit=1))
        invokes = [op for op in history if op["type"] == "invoke"]
        self.assertTrue(invokes)
        first = invokes[0]["time"]
        self.assertTrue(all(op["time"] - first < 1_000_000_000 + 50_000_000 for op in invokes))

    def test_the_nemesis_starts_at_once_and_alternates_start_and_stop(self):
        history = run_main(lambda: interpreter(lambda o: Scripted(o, random.Random(1), []), rate=0.0,
                                               time_limit=1, nemesis=["partition"], nemesis_interval=0.1))
        fs = [op["f"] for op in history if op["process"] == "nemesis"]
        self.assertGreaterEqual(len(fs), 4)
        self.assertEqual(fs[:4], ["start-partition"] * 2 + ["stop-partition"] * 2)
        self.assertTrue(all(fs[i] == fs[i + 1] for i in range(0, len(fs) - 1, 2)))


class Slow(Scripted):
    """Every op takes ``seconds`` to complete, like a node that answers late."""

    def __init__(self, opts, rng, seconds):
        super().__init__(opts, rng, ["ok"] * 100000)
        self.seconds = seconds

    async def invoke(self, client, op):
        await asyncio.sleep(self.seconds)
        return {"type": "ok", "value": op["value"]}


class IndependentNemesis(unittest.TestCase):
    def setUp(self):
        self.history = run_main(lambda: interpreter(lambda o: Slow(o, random.Random(1), 1.5), rate=100.0,
                                                    time_limit=3, nemesis=["partition"], nemesis_interval=0.2))

    def test_nemesis_ops_stay_on_schedule_while_every_client_thread_waits_on_a_slow_node(self):
        # Stagger gaps are uniform on [0, 2 * interval) from each op's invocation; a nemesis
        # that waited for a free client thread would show 1.5 s gaps.
        # Each nemesis op is recorded as a pair (what it does, what it did): take the first.
        starts = [op["time"] / 1e9 for op in self.history if op["process"] == "nemesis"][::2]
        gaps = [b - a for a, b in zip(starts, starts[1:])]
        self.assertGreater(len(gaps), 8)
        self.assertLess(max(gaps), 2 * 0.2 + 0.05)

    def test_no_client_op_is_invoked_at_or_after_the_time_limit(self):
        first = self.history[0]["time"]
        invokes = [op["time"] - first for op in self.history if op["type"] == "invoke"]
        self.assertEqual(len(invokes), 4)    # two threads, each busy 1.5 s of the 3 s
        self.assertLess(max(invokes), 3 * 1_000_000_000)


class FinalPhase(Scripted):
    final_phase = True

    def __init__(self, opts, rng, ops=None):
        super().__init__(opts, rng, [])
        self.ops = ops or [{"f": "read", "value": None, "final?": True}]

    def final_ops(self, thread):
        yield from self.ops

    async def invoke(self, client, op):
        await asyncio.sleep(op.get("takes", 0))
        return {"type": "ok", "value": None}


def run_final(seed, concurrency=5, ops=None) -> list[dict]:
    async def go():
        it = interpreter(lambda o: FinalPhase(o, random.Random(1), ops), concurrency=concurrency)
        it.client_rng = random.Random(seed)   # the client stream draws the order
        with mock.patch("tests.harness.interpreter.RECOVERY_S", 0):
            await it.final_phase()
        return it.history
    return asyncio.run(go())


class FinalReadOrder(unittest.TestCase):
    def test_every_thread_makes_one_final_read(self):
        invokes = [op["process"] for op in run_final(1) if op["type"] == "invoke"]
        self.assertEqual(sorted(invokes), [0, 1, 2, 3, 4])

    def test_the_order_of_final_reads_is_random_and_set_by_the_seed(self):
        # Jepsen's each-thread breaks ties with rand-int, so the last final read does not
        # always go to nodes[(C-1) mod N].
        order = lambda seed: [op["process"] for op in run_final(seed) if op["type"] == "invoke"]
        orders = {tuple(order(seed)) for seed in range(8)}
        self.assertGreater(len(orders), 4)
        self.assertEqual(order(3), order(3))
        self.assertGreater(len({o[-1] for o in orders}), 1)


class FinalOpSpacing(unittest.TestCase):
    def invoke_gaps(self, gap, takes):
        ops = [{"f": "poll", "value": None, "_gap": gap, "takes": takes} for _ in range(4)]
        times = [op["time"] / 1e9 for op in run_final(1, concurrency=1, ops=ops) if op["type"] == "invoke"]
        return [b - a for a, b in zip(times, times[1:])]

    def test_the_gap_runs_from_the_previous_invocation_not_its_completion(self):
        gaps = self.invoke_gaps(gap=0.3, takes=0.1)
        self.assertTrue(all(0.3 <= g < 0.35 for g in gaps), gaps)

    def test_an_op_that_outlasts_the_gap_is_followed_as_soon_as_it_completes(self):
        gaps = self.invoke_gaps(gap=0.05, takes=0.2)
        self.assertTrue(all(0.2 <= g < 0.25 for g in gaps), gaps)


class Client(unittest.TestCase):
    def scenario(self, respond):
        """A client c1 talking to node n1, whose replies are made by ``respond(body)``."""
        async def go():
            net = Network(Latency(0, "constant", random.Random(1)), Clock(), log=lambda line: None)
            def node(msg):
                for reply in respond(msg["body"]):
                    net.send({"src": "n1", "dest": "c1", "body": reply})
            net.register("n1", node)
            client = NetClient(net, "c1", "n1")
            try:
                return await client.rpc({"type": "echo"}, timeout=0.2)
            finally:
                await net.close()
        return asyncio.run(go())

    def test_the_reply_is_matched_by_in_reply_to_and_others_are_discarded(self):
        reply = self.scenario(lambda b: [{"type": "stale", "in_reply_to": 99}, {"type": "no_irt"},
                                         {"type": "echo_ok", "in_reply_to": b["msg_id"]}])
        self.assertEqual(reply["type"], "echo_ok")

    def test_no_matching_reply_is_a_timeout(self):
        with self.assertRaises(RPCTimeout):
            self.scenario(lambda b: [{"type": "echo_ok", "in_reply_to": b["msg_id"] + 1}])

    def test_an_error_reply_raises_with_its_name_and_definiteness(self):
        with self.assertRaises(RPCError) as e:
            self.scenario(lambda b: [{"type": "error", "in_reply_to": b["msg_id"], "code": 11, "text": "busy"}])
        self.assertEqual((e.exception.name, e.exception.definite, e.exception.text),
                         ("temporarily-unavailable", True, "busy"))

    def test_an_unknown_error_code_is_indefinite(self):
        with self.assertRaises(RPCError) as e:
            self.scenario(lambda b: [{"type": "error", "in_reply_to": b["msg_id"], "code": 1000}])
        self.assertEqual((e.exception.name, e.exception.definite), ("unknown", False))

    def test_msg_ids_count_from_one(self):
        seen = []
        self.scenario(lambda b: seen.append(b["msg_id"]) or [{"type": "ok", "in_reply_to": b["msg_id"]}])
        self.assertEqual(seen, [1])


if __name__ == "__main__":
    unittest.main()
