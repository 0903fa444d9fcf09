"""Carrying nemesis ops out on node hosts (docs/maelstrom.md §4.5), with stand-in hosts: what
Jepsen's ``db-nemesis`` records (a map from each targeted node to what happened), restarts
that send init again, a failed restart recorded as Jepsen records a nemesis op that threw,
and the nemesis as one process in the interpreter."""
from __future__ import annotations

import asyncio
import random
import unittest
import unittest.mock

from tests.harness.client import ClientIds
from tests.harness.clock import Clock
from tests.harness.interpreter import Interpreter
from tests.harness.nemesis.perform import Nemesis, NodeDidNotRestart
from tests.harness.network import Latency, Network
from tests.harness.options import Options
from tests.test_interpreter import Scripted

NODES = ["n0", "n1", "n2"]


class FakeHost:
    def __init__(self, start_s: float = 0.0):
        self.state = "running"
        self.calls: list[str] = []
        self.start_s = start_s

    async def start(self):
        self.calls.append("start")
        await asyncio.sleep(self.start_s)
        self.state = "running"

    async def crash(self):
        self.calls.append("crash")
        self.state = "down"

    async def pause(self):
        self.calls.append("pause")
        self.state = "paused"

    async def resume(self):
        self.calls.append("resume")
        self.state = "running"


def network() -> Network:
    return Network(Latency(0, "constant", random.Random(1)), Clock(), lambda line: None)


def nemesis(hosts, restart=None, log=None) -> Nemesis:
    return Nemesis(network(), hosts, NODES, random.Random(1), log or (lambda line: None), restart)


def invoke(n: Nemesis, f: str, value) -> dict:
    return asyncio.run(n.invoke({"f": f, "value": value}))


class Values(unittest.TestCase):
    def test_a_kill_names_each_node_it_killed(self):
        hosts = {n: FakeHost() for n in NODES}
        done = invoke(nemesis(hosts), "kill", "all")
        self.assertEqual(done, {"value": {"n0": "killed", "n1": "killed", "n2": "killed"}})
        self.assertEqual({h.state for h in hosts.values()}, {"down"})

    def test_start_and_resume_go_to_all_nodes_and_touch_only_those_that_need_it(self):
        hosts = {n: FakeHost() for n in NODES}
        hosts["n1"].state, hosts["n2"].state = "down", "paused"
        restarted = []

        async def restart(node):
            restarted.append(node)
        n = nemesis(hosts, restart)
        self.assertEqual(invoke(n, "start", "all")["value"],
                         {"n0": "already-running", "n1": "started", "n2": "already-running"})
        self.assertEqual(invoke(n, "resume", "all")["value"],
                         {"n0": "not-paused", "n1": "not-paused", "n2": "resumed"})
        self.assertEqual(restarted, ["n1"])
        self.assertEqual([h.calls for h in hosts.values()], [[], ["start"], ["resume"]])

    def test_a_down_node_is_neither_killed_nor_paused_again(self):
        hosts = {n: FakeHost() for n in NODES}
        for h in hosts.values():
            h.state = "down"
        n = nemesis(hosts)
        self.assertEqual(set(invoke(n, "kill", "all")["value"].values()), {"already-down"})
        self.assertEqual(set(invoke(n, "pause", "all")["value"].values()), {"already-down"})
        self.assertEqual([h.calls for h in hosts.values()], [[], [], []])

    def test_a_failed_restart_completes_with_an_error_naming_the_node_and_the_cause(self):
        hosts = {n: FakeHost() for n in NODES}
        hosts["n2"].state = "down"
        console = []

        async def restart(node):
            raise NodeDidNotRestart(f"node {node} did not answer init within 10 s after its restart")
        done = invoke(nemesis(hosts, restart, console.append), "start", "all")
        self.assertEqual(done["value"], "all")   # the invocation's value, as Jepsen keeps it
        self.assertIn("n2", done["error"])
        self.assertIn("did not answer init", done["error"])
        self.assertTrue(done["error"].startswith("indeterminate: "))
        self.assertEqual(done["outcomes"], {"n0": "already-running", "n1": "already-running", "n2": "failed"})
        self.assertTrue(any(line.startswith("ERROR nemesis start failed on n2") for line in console))

    def test_a_node_is_disturbed_since_a_time_if_a_fault_touched_it_then_or_holds_it_now(self):
        hosts = {n: FakeHost() for n in NODES}

        async def go():
            n = nemesis(hosts)
            before = asyncio.get_running_loop().time()
            await n.invoke({"f": "pause", "value": "all"})
            await n.invoke({"f": "resume", "value": "all"})
            after = asyncio.get_running_loop().time() + 1
            return [n.disturbed_since("n0", before), n.disturbed_since("n0", after)]
        self.assertEqual(asyncio.run(go()), [True, False])
        hosts["n1"].state = "paused"
        self.assertTrue(nemesis(hosts).disturbed_since("n1", 1e9))

    def test_the_status_names_the_partition_and_the_nodes_down_and_paused(self):
        hosts = {n: FakeHost() for n in NODES}
        hosts["n0"].state, hosts["n2"].state = "down", "paused"
        n = nemesis(hosts)
        n.partitioned = "majority"
        self.assertEqual(n.status(), "partition: majority, down: n0, paused: n2")
        self.assertEqual(nemesis({m: FakeHost() for m in NODES}).status(), "")


def interpreter(hosts, **opts) -> Interpreter:
    o = Options(bin="x", nodes=NODES, concurrency=1, rate=0.0, **opts)
    net = network()
    for node in NODES:
        net.register(node, lambda m: None)
    nem = Nemesis(net, hosts, NODES, random.Random(2), lambda line: None)
    return Interpreter(o, Scripted(o, random.Random(1), []), net, Clock(), ClientIds(),
                       random.Random(1), lambda line: None, nem, random.Random(2))


class OneProcess(unittest.TestCase):
    def test_the_next_op_waits_until_a_slow_restart_is_done(self):
        hosts = {n: FakeHost(start_s=0.3) for n in NODES}

        async def go():
            it = interpreter(hosts, time_limit=1, nemesis=["kill"], nemesis_interval=0.01)
            await it.main_phase()
            return it.history
        history = asyncio.run(go())
        nem = [op for op in history if op["process"] == "nemesis"]
        # Invocation and completion pairs never overlap: each invocation follows a completion.
        self.assertEqual([op["f"] for op in nem[0::2]], [op["f"] for op in nem[1::2]])
        for done, nxt in zip(nem[1::2], nem[2::2]):
            self.assertLessEqual(done["time"], nxt["time"])
        starts = [(i, c) for i, c in zip(nem[0::2], nem[1::2])
                  if i["f"] == "start" and "started" in c["value"].values()]
        self.assertTrue(starts)
        self.assertTrue(all(c["time"] - i["time"] >= 0.29e9 for i, c in starts))

    def test_teardown_stops_a_restart_under_way(self):
        hosts = {n: FakeHost(start_s=30) for n in NODES}
        hosts["n0"].state = "down"

        async def go():
            it = interpreter(hosts, time_limit=60, nemesis=["kill"])
            it._start_nemesis({"f": "start", "value": "all"})
            await asyncio.sleep(0.05)
            began = asyncio.get_running_loop().time()
            await it.stop_nemesis()
            return asyncio.get_running_loop().time() - began, it._nemesis_task
        waited, task = asyncio.run(go())
        self.assertLess(waited, 1.0)
        self.assertIsNone(task)
        self.assertEqual((hosts["n0"].calls, hosts["n0"].state), (["start"], "down"))

    def test_the_final_phase_heals_resumes_and_restarts_before_the_final_reads(self):
        hosts = {n: FakeHost() for n in NODES}
        hosts["n0"].state, hosts["n1"].state = "down", "paused"

        async def go():
            it = interpreter(hosts, time_limit=1, nemesis=["partition", "kill", "pause"])
            with unittest.mock.patch("tests.harness.interpreter.RECOVERY_S", 0.0):
                await it.final_phase()
            return it.history
        history = asyncio.run(go())
        self.assertEqual([op["f"] for op in history if op["process"] == "nemesis"],
                         ["stop-partition"] * 2 + ["resume"] * 2 + ["start"] * 2)
        self.assertEqual({h.state for h in hosts.values()}, {"running"})


if __name__ == "__main__":
    unittest.main()
