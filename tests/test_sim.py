"""The simulator's parts: the virtual-time loop, the sandbox node code runs in, and nodes
hosted in-process (tests/harness/sim/)."""
from __future__ import annotations

import asyncio
import random
import tempfile
import textwrap
import time
import unittest
from pathlib import Path
from unittest import mock

from tests.harness.client import NetClient
from tests.harness.errors import RPCTimeout
from tests.harness.network import Latency, Network
from tests.harness.sim import determinism
from tests.harness.sim.sandbox import Sandbox, current_node
from tests.harness.sim.simulation import Simulation
from tests.harness.sim.virtual_time import VirtualClock, VirtualTimeLoop


def run_virtual(coroutine_fn):
    """Run ``coroutine_fn(loop)`` to completion on a fresh virtual-time loop."""
    loop = VirtualTimeLoop(VirtualClock())
    try:
        return loop.run_until_complete(coroutine_fn(loop))
    finally:
        loop.close()


class Owner:
    """Stands for a simulated node in a handle's context."""


class VirtualTime(unittest.TestCase):
    def test_an_hour_of_sleep_moves_the_clock_an_hour(self):
        async def go(loop):
            start = loop.time()
            await asyncio.sleep(3600)
            return loop.time() - start
        self.assertAlmostEqual(run_virtual(go), 3600, places=6)

    def test_timers_fire_in_the_order_they_are_due_and_ties_in_the_order_they_were_set(self):
        async def go(loop):
            fired = []
            for name, delay in (("b", 2), ("a", 1), ("c", 2), ("d", 0.5)):
                loop.call_later(delay, fired.append, name)
            await asyncio.sleep(3)
            return fired
        self.assertEqual(run_virtual(go), ["d", "a", "b", "c"])

    def test_callbacks_that_never_stop_at_one_instant_still_let_time_pass(self):
        # A zero-latency message storm: each callback schedules the next at the same instant.
        async def go(loop):
            def again():
                loop.call_soon(again)
            loop.call_soon(again)
            await asyncio.sleep(1)
            return loop.time()
        self.assertGreaterEqual(run_virtual(go), 1)

    def test_a_taken_owners_timers_wait_and_fire_at_once_when_put_back_late(self):
        async def go(loop):
            owner, fired = Owner(), []
            mine = current_node.set(owner)
            loop.call_later(1, lambda: fired.append(("mine", loop.time())))
            current_node.reset(mine)
            loop.call_later(1, lambda: fired.append(("other", loop.time())))
            taken = loop.take(current_node, owner)
            await asyncio.sleep(5)
            loop.put_back(taken)
            await asyncio.sleep(0)
            return fired
        self.assertEqual(run_virtual(go), [("other", 1.0), ("mine", 5.0)])

    def test_a_taken_timer_put_back_before_it_is_due_fires_when_due(self):
        async def go(loop):
            owner, fired = Owner(), []
            mine = current_node.set(owner)
            loop.call_later(10, lambda: fired.append(loop.time()))
            current_node.reset(mine)
            loop.put_back(loop.take(current_node, owner))
            await asyncio.sleep(20)
            return fired
        self.assertEqual(run_virtual(go), [10.0])


class TheSandbox(unittest.TestCase):
    def test_node_code_reads_the_virtual_clock_and_the_harness_the_real_one(self):
        clock = VirtualClock()
        clock.now_ns = 7 * 10**9
        with Sandbox(clock.ns, random.Random(1)):
            token = current_node.set(Owner())
            node_view = time.monotonic()
            current_node.reset(token)
            harness_view = time.monotonic()
        self.assertEqual(node_view, 7.0)
        self.assertGreater(harness_view, 0)
        self.assertNotEqual(harness_view, 7.0)

    def test_the_global_random_generator_follows_the_seed_and_is_restored_after(self):
        before = random.getstate()
        draws = []
        for _ in range(2):
            with Sandbox(VirtualClock().ns, random.Random(5)):
                draws.append([random.random() for _ in range(3)])
        self.assertEqual(draws[0], draws[1])
        self.assertEqual(random.getstate(), before)

    def test_everything_replaced_is_put_back(self):
        originals = (time.monotonic, time.sleep, __import__("os").write, __import__("sys").stdout)
        with Sandbox(VirtualClock().ns, random.Random(1)):
            self.assertIsNot(time.monotonic, originals[0])
        self.assertEqual((time.monotonic, time.sleep, __import__("os").write, __import__("sys").stdout),
                         originals)


class NodesInProcess(unittest.TestCase):
    COUNTER = textwrap.dedent("""\
        import sys
        sys.path.insert(0, {root!r})
        from common import Message, Node

        node = Node()
        count = 0

        @node.on("count")
        def counted(msg: Message) -> None:
            global count
            count += 1
            node.reply(msg, {{"type": "count_ok", "count": count}})

        if __name__ == "__main__":
            node.run()
        """)

    def script(self, text: str) -> str:
        path = Path(tempfile.mkdtemp(prefix="glomers-sim-test-")) / "node.py"
        path.write_text(text.format(root=str(Path(__file__).resolve().parent.parent)))
        return str(path)

    def simulate(self, script: str, body, nodes=("n1", "n2")):
        """Start ``nodes`` from ``script`` on a network, init them, and run ``body(sim, hosts, net)``."""
        sim = Simulation()
        workdir = tempfile.mkdtemp(prefix="glomers-sim-test-")
        log = []

        async def go(loop):
            net = Network(Latency(0, "constant", random.Random(1)), sim.clock, log.append)
            hosts = {}
            for node_id in nodes:
                hosts[node_id] = sim.host(node_id, [script], workdir, Path(workdir) / f"{node_id}.log",
                                          net, log.append, False)
                net.register(node_id, hosts[node_id].deliver, hosts[node_id].flush)
            for host in hosts.values():
                await host.start()
            for i, node_id in enumerate(nodes):
                client = NetClient(net, f"c{100 + i}", node_id)
                await client.rpc({"type": "init", "node_id": node_id, "node_ids": list(nodes)})
            try:
                return await body(sim, hosts, net)
            finally:
                await sim.stop(list(hosts.values()))

        with sim.session(random.Random(1)):
            loop = sim.new_loop()
            try:
                return loop.run_until_complete(go(loop))
            finally:
                loop.close()

    def test_each_node_of_one_script_keeps_its_own_module_state(self):
        async def body(sim, hosts, net):
            counts = []
            for node_id in ("n1", "n2", "n1"):
                reply = await NetClient(net, f"c-{len(counts)}", node_id).rpc({"type": "count"})
                counts.append(reply["count"])
            return counts
        self.assertEqual(self.simulate(self.script(self.COUNTER), body), [1, 1, 2])

    def test_a_paused_node_answers_only_once_resumed(self):
        async def body(sim, hosts, net):
            await hosts["n1"].pause()
            client = NetClient(net, "c1", "n1")
            with self.assertRaises(RPCTimeout):
                await client.rpc({"type": "count"}, timeout=1.0)
            reply = asyncio.ensure_future(client.rpc({"type": "count"}, timeout=5.0))
            await asyncio.sleep(1)
            await hosts["n1"].resume()
            return (await reply)["count"]
        # The request that timed out was still waiting in the node's stdin: it is counted first.
        self.assertEqual(self.simulate(self.script(self.COUNTER), body), 2)

    CHATTY = COUNTER.replace("    count += 1\n", "    count += 1\n    node.log('x' * 99)\n")

    def test_a_nodes_log_keeps_its_first_bytes_and_its_last_beyond_the_cap(self):
        flooded = []

        async def body(sim, hosts, net):
            hosts["n1"]._logs_too_much = flooded.append
            for i in range(30):
                await NetClient(net, f"c{i}", "n1").rpc({"type": "count"})
            await hosts["n1"].kill()
            return hosts["n1"].log_path.read_text()
        with mock.patch("tests.harness.node_log.LOG_LIMIT", 1000), mock.patch("tests.harness.node_log.TAIL_KEEP", 300):
            log = self.simulate(self.script(self.CHATTY), body)
        self.assertEqual(len(flooded), 1)
        self.assertIn("has written", log)
        self.assertIn("were dropped here", log)
        self.assertTrue(log.endswith("x" * 99 + "\n"))
        self.assertLess(len(log), 1000 + 300 + 600)

    def test_a_killed_node_answers_nothing(self):
        async def body(sim, hosts, net):
            await hosts["n1"].kill()
            with self.assertRaises(RPCTimeout):
                await NetClient(net, "c1", "n1").rpc({"type": "count"}, timeout=1.0)
            return (await NetClient(net, "c2", "n2").rpc({"type": "count"}))["count"]
        self.assertEqual(self.simulate(self.script(self.COUNTER), body), 1)


if __name__ == "__main__":
    unittest.main()


class DeterminismReport(unittest.TestCase):
    def stored(self, history: list[str], journal: list[str]) -> Path:
        run = Path(tempfile.mkdtemp(prefix="glomers-sim-test-"))
        (run / "history.jsonl").write_text("".join(line + "\n" for line in history))
        (run / "net-journal.jsonl").write_text("".join(line + "\n" for line in journal))
        return run

    def test_the_same_files_are_reported_the_same(self):
        ops, events = ['{"index": 0, "time": 5}'], ['{"event": "send", "time": 5}']
        report = determinism.compare(self.stored(ops, events), self.stored(ops, events))
        self.assertTrue(report.same)
        self.assertIn("same history (1 ops) and network journal (1 events)", report.text)

    def test_the_first_differing_op_is_named_with_its_time_and_both_versions(self):
        a = self.stored(['{"index": 0, "time": 5}', '{"index": 1, "time": 2000000000, "value": 1}'], [])
        b = self.stored(['{"index": 0, "time": 5}', '{"index": 1, "time": 2000000000, "value": 2}'], [])
        report = determinism.compare(a, b)
        self.assertFalse(report.same)
        self.assertIn("history op 1 at 2.000000 s", report.text)
        self.assertIn('"value": 1', report.text)
        self.assertIn('"value": 2', report.text)

    def test_a_run_that_ends_early_differs_where_it_ends(self):
        a = self.stored(['{"index": 0, "time": 5}'], ['{"event": "send", "time": 1}', '{"event": "recv", "time": 2}'])
        b = self.stored(['{"index": 0, "time": 5}'], ['{"event": "send", "time": 1}'])
        report = determinism.compare(a, b)
        self.assertIn("network journal line 1", report.text)
        self.assertIn("(nothing: the run ended)", report.text)


class CheckDeterminism(unittest.TestCase):
    def test_the_second_run_gets_an_absolute_bin_as_it_starts_in_a_scratch_directory(self):
        # README's `sim ... --bin ch3c_broadcast/main.py --seed 7 --check-determinism`: with the
        # path left relative, the fresh process found no node and every run read as "NOT
        # deterministic" at op 0.
        from tests.harness.sim.cli import with_absolute_bin
        argv = ["-w", "broadcast", "--bin", "ch3c_broadcast/main.py", "--seed", "7"]
        self.assertEqual(with_absolute_bin(argv),
                         ["-w", "broadcast", "--bin", str(Path("ch3c_broadcast/main.py").resolve()),
                          "--seed", "7"])
        self.assertEqual(with_absolute_bin(["--bin=n.py"]), ["--bin=" + str(Path("n.py").resolve())])
