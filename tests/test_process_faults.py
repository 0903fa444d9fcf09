"""Process faults on a real node process (docs/maelstrom.md §4.5): the nemesis's kill, start,
pause and resume, as Maelstrom's main branch does them (pull request #102): SIGKILL of the
whole process group with its queue left registered but untaken, a fresh process and queue on
start, SIGSTOP/SIGCONT with deliveries piling up in the stdin pipe meanwhile."""
from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import textwrap
import time
import unittest
from pathlib import Path

from tests.harness.clock import Clock
from tests.harness.network import Latency, Network
from tests.harness.process import NodeProcess
from tests.harness.recording import Journal
from tests.harness.store import read_journal
from tests.test_process import alive, wait_for

# Answers every message with an echo_ok to its sender, and notes each start in its working
# directory; a forked child (in its own session) sleeps and writes its pid too.
ECHO = """
    import json, os, sys, time
    with open("starts", "a") as f:
        f.write(f"{os.getpid()}\\n")
    if os.fork() == 0:
        os.setsid()
        with open("child", "w") as f:
            f.write(str(os.getpid()))
        time.sleep(60)
        os._exit(0)
    for line in sys.stdin:
        msg = json.loads(line)
        print(json.dumps({"src": "n0", "dest": msg["src"],
                          "body": {"type": "echo_ok", "in_reply_to": msg["body"]["msg_id"]}}), flush=True)
"""


def state_letter(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[1].split()[0]


class Cluster:
    """One node n0 and a client c0 on a real network; ``replies`` are the msg_ids answered."""

    def __init__(self) -> None:
        workdir = Path(tempfile.mkdtemp(prefix="glomers-test-"))
        self.network = Network(Latency(0, "constant", random.Random(1)), Clock(), lambda line: None,
                               journal=Journal(workdir / "net-journal.jsonl"))
        self.node = NodeProcess("n0", [sys.executable, "-c", textwrap.dedent(ECHO)], str(workdir),
                                workdir / "n0.log", self.network, lambda line: None)
        self.network.register("n0", self.node.deliver, self.node.flush)
        self.replies: list[int] = []
        self.network.register("c0", lambda msg: self.replies.append(msg["body"]["in_reply_to"]))
        self.workdir = workdir

    def send(self, msg_id: int) -> None:
        self.network.send({"src": "c0", "dest": "n0", "body": {"type": "echo", "msg_id": msg_id}})

    def delivered_to_node(self) -> list[int]:
        self.network.journal.flush()
        return [m["body"]["msg_id"] for event, _, m in read_journal(self.workdir)
                if event == "recv" and m["dest"] == "n0"]

    async def child(self) -> int:
        path = self.workdir / "child"
        await wait_for(lambda: path.exists() and path.read_text())
        return int(path.read_text())


def run(body) -> None:
    async def go():
        cluster = Cluster()
        await cluster.node.start()
        try:
            await body(cluster)
        finally:
            await cluster.node.kill()
    asyncio.run(go())


@unittest.skipUnless(sys.platform.startswith("linux"), "reads process states from /proc")
class Kill(unittest.TestCase):
    def test_a_crash_kills_the_node_and_what_it_spawned_and_is_no_crash_of_the_node(self):
        seen = {}

        async def body(c):
            child, pid = await c.child(), c.node.proc.pid
            await c.node.crash()
            await asyncio.sleep(0.1)
            seen.update(state=c.node.state, alive=[alive(pid), alive(child)],
                        crashed=c.node.crashed, exit_status=c.node.exit_status)
        run(body)
        self.assertEqual(seen, {"state": "down", "alive": [False, False], "crashed": False,
                                "exit_status": None})

    def test_messages_to_a_down_node_pile_up_undelivered_and_are_gone_after_its_restart(self):
        seen = {}

        async def body(c):
            c.send(1)
            await wait_for(lambda: c.replies == [1])
            await c.node.crash()
            c.send(2)   # accepted by the network: the queue is still registered
            await asyncio.sleep(0.3)
            seen["while down"] = (list(c.replies), c.delivered_to_node())
            await c.node.start()
            c.send(3)
            await wait_for(lambda: c.replies == [1, 3])
            await asyncio.sleep(0.1)
            seen["after restart"] = (list(c.replies), c.delivered_to_node())
        run(body)
        self.assertEqual(seen["while down"], ([1], [1]))
        self.assertEqual(seen["after restart"], ([1, 3], [1, 3]))

    def test_a_restart_is_a_fresh_process_in_the_same_working_directory(self):
        seen = {}

        async def body(c):
            first = c.node.proc.pid
            await c.child()   # written after "starts"
            await c.node.crash()
            await c.node.start()
            await wait_for(lambda: len((c.workdir / "starts").read_text().split()) == 2)
            seen["starts"] = [int(p) for p in (c.workdir / "starts").read_text().split()]
            seen["pids"] = [first, c.node.proc.pid]
            seen["state"] = c.node.state
        run(body)
        self.assertEqual(seen["starts"], seen["pids"])
        self.assertNotEqual(*seen["pids"])
        self.assertEqual(seen["state"], "running")

    def test_each_life_that_ended_on_its_own_is_in_the_crash_report_once(self):
        script = """
            import os, sys
            with open("starts", "a") as f:
                f.write("x")
            sys.exit(2 + len(open("starts").read()))
        """
        seen = {}

        async def go():
            c = Cluster()
            c.node.argv = [sys.executable, "-c", textwrap.dedent(script)]
            await c.node.start()
            await wait_for(lambda: c.node.exit_status == 3)
            await c.node.start()    # the nemesis's start finds it down and launches it again
            await wait_for(lambda: c.node.exit_status == 4)
            seen.update(crashed=c.node.crashed, report=c.node.crash_report())
            await c.node.kill()
        asyncio.run(go())
        self.assertTrue(seen["crashed"])
        self.assertEqual((seen["report"].count("exited with status 3"),
                          seen["report"].count("exited with status 4")), (1, 1))

    def test_a_running_node_cannot_be_started_twice(self):
        async def body(c):
            with self.assertRaises(RuntimeError):
                await c.node.start()
        run(body)


@unittest.skipUnless(sys.platform.startswith("linux"), "reads process states from /proc")
class Pause(unittest.TestCase):
    def test_a_paused_node_is_stopped_and_reads_what_was_sent_meanwhile_once_resumed(self):
        seen = {}

        async def body(c):
            await c.child()
            await c.node.pause()
            # A signal is delivered asynchronously: the stop shows a moment later.
            seen["stopped"] = await wait_for(lambda: state_letter(c.node.proc.pid) == "T", 2.0)
            seen["state"] = c.node.state
            c.send(1)
            await asyncio.sleep(0.3)
            seen["while paused"] = (list(c.replies), c.delivered_to_node())
            await c.node.resume()
            await wait_for(lambda: c.replies == [1])
            seen["after resume"] = (list(c.replies), c.node.state)
        run(body)
        self.assertTrue(seen["stopped"])
        self.assertEqual(seen["state"], "paused")
        # Delivered into its stdin pipe (journaled), but not read until it runs again.
        self.assertEqual(seen["while paused"], ([], [1]))
        self.assertEqual(seen["after resume"], ([1], "running"))

    def test_teardown_kills_a_paused_node_and_its_children(self):
        pids = []

        async def body(c):
            pids.extend([c.node.proc.pid, await c.child()])
            await c.node.pause()
        run(body)
        time.sleep(0.1)
        self.assertEqual([p for p in pids if alive(p)], [])


if __name__ == "__main__":
    unittest.main()
