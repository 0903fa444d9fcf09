"""Node processes: stdout split into messages without holding on to them, exits noticed
from the process itself, and nothing a node spawned outliving the run."""
from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import textwrap
import time
import tracemalloc
import unittest
from pathlib import Path
from unittest import mock

from tests.harness import process
from tests.harness.process import NodeProcess


class Collecting:
    """A network stand-in that keeps (or just counts) what the node sends."""

    def __init__(self, keep: bool = True):
        self.keep, self.sent, self.count = keep, [], 0

    def send(self, msg, raw_body=None):
        self.count += 1
        if self.keep:
            self.sent.append(msg)


def make_node(network, argv=("true",), log=None) -> NodeProcess:
    workdir = tempfile.mkdtemp(prefix="glomers-test-")
    return NodeProcess("n0", list(argv), workdir, Path(workdir) / "n0.log", network,
                       log or (lambda line: None))


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[1].split()[0] != "Z"
    except OSError:
        return False


class StdoutLines(unittest.TestCase):
    def test_lines_split_across_chunks_become_one_message_each(self):
        net = Collecting()
        node = make_node(net)
        data = b'{"src":"n0","dest":"c1","body":{"i":1}}\n{"src":"n0","dest":"c1","body":{"i":2}}\n'
        for i in range(0, len(data), 7):
            node._stdout_data(data[i:i + 7])
        self.assertEqual([m["body"]["i"] for m in net.sent], [1, 2])

    def test_huge_lines_are_not_kept_once_handed_on(self):
        # Before: the last 32 stdout lines (up to 64 MiB each) were kept and never read.
        net = Collecting(keep=False)
        node = make_node(net)
        line = b'{"src":"n0","dest":"c1","body":{"x":"' + b"a" * 8_000_000 + b'"}}\n'
        tracemalloc.start()
        try:
            for _ in range(5):
                for i in range(0, len(line), 65536):
                    node._stdout_data(line[i:i + 65536])
            retained, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertEqual(net.count, 5)
        self.assertLess(retained, 1_000_000)

    def test_a_line_longer_than_the_limit_silences_the_node_and_is_dropped(self):
        node = make_node(Collecting())
        with mock.patch.object(process, "LINE_LIMIT", 1000):
            for _ in range(30):
                node._stdout_data(b"x" * 100)
        self.assertIn("longer than 1000 bytes", node.silenced)
        self.assertEqual(len(node._partial), 0)


def run_node(script: str, body, log=None, echo_stderr: bool = False) -> None:
    """Start ``script`` as node n0 and run ``body(node)`` (a coroutine function), then kill."""
    async def go():
        node = make_node(Collecting(), [sys.executable, "-c", textwrap.dedent(script)], log)
        node.echo_stderr = echo_stderr
        await node.start()
        try:
            await body(node)
        finally:
            await node.kill()
    asyncio.run(go())


async def wait_for(predicate, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return predicate()


class Exits(unittest.TestCase):
    def test_a_node_that_exits_while_its_child_holds_its_pipes_is_seen_to_exit(self):
        # The child inherits stdout and stderr, so the pipes stay open after the node exits.
        script = """
            import os, sys, time
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
            sys.exit(3)
        """
        seen = {}

        async def body(node):
            seen["noticed"] = await wait_for(lambda: node.exit_status is not None)
            seen["status"] = node.exit_status
        run_node(script, body)
        self.assertEqual((seen["noticed"], seen["status"]), (True, 3))


class Stderr(unittest.TestCase):
    SCRIPT = """
        import sys, time
        for i in range(100):
            print("line", i, file=sys.stderr)
        sys.stderr.flush()
        time.sleep(60)
    """

    def test_a_nodes_stderr_goes_to_its_log_and_the_tail_is_its_last_lines(self):
        seen = {}

        async def body(node):
            await wait_for(lambda: "line 99" in node.log_path.read_text())
            seen["log"], seen["tail"] = node.log_path.read_text().splitlines(), node.stderr_tail
        run_node(self.SCRIPT, body)
        self.assertEqual(seen["log"], [f"line {i}" for i in range(100)])
        self.assertEqual(seen["tail"], [f"line {i}" for i in range(68, 100)])

    def test_with_log_stderr_each_line_is_also_echoed_to_the_console(self):
        console, seen = [], {}

        async def body(node):
            await wait_for(lambda: len(console) == 100)
            seen["log"] = node.log_path.read_text().splitlines()
        run_node(self.SCRIPT, body, console.append, echo_stderr=True)
        self.assertEqual(console[-1], "[n0 stderr] line 99")
        self.assertEqual(len(seen["log"]), 100)

    def test_the_tail_of_a_long_log_holds_whole_lines_only(self):
        node = make_node(Collecting())
        node.log_path.write_text("".join(f"{i:>2999}\n" for i in range(40)))   # 120 KB
        tail = node.stderr_tail
        self.assertEqual({len(line) for line in tail}, {2999})
        self.assertEqual(tail[-1].strip(), "39")


@unittest.skipUnless(sys.platform.startswith("linux"), "finds processes through /proc")
class NothingOutlivesTheRun(unittest.TestCase):
    def pids_after_kill(self, script: str) -> list[int]:
        pids = []

        async def body(node):
            pidfile = Path(node.workdir) / "pids"
            await wait_for(lambda: pidfile.exists() and len(pidfile.read_text().split()) >= 1)
            await asyncio.sleep(0.1)
            pids.extend(int(p) for p in pidfile.read_text().split())
        run_node(script, body)
        time.sleep(0.2)
        return pids

    def test_a_child_that_calls_setsid_is_killed_with_the_node(self):
        script = """
            import os, time
            pid = os.fork()
            if pid == 0:
                os.setsid()
                time.sleep(60)
                os._exit(0)
            open("pids", "w").write(str(pid))
            time.sleep(60)
        """
        pids = self.pids_after_kill(script)
        self.assertTrue(pids)
        self.assertEqual([p for p in pids if alive(p)], [])

    def test_a_daemon_that_double_forks_away_from_the_node_is_killed_too(self):
        script = """
            import os, time
            if os.fork() == 0:
                os.setsid()
                pid = os.fork()
                if pid == 0:
                    time.sleep(60)
                    os._exit(0)
                open("pids", "w").write(str(pid))
                os._exit(0)
            time.sleep(60)
        """
        pids = self.pids_after_kill(script)
        self.assertTrue(pids)
        self.assertEqual([p for p in pids if alive(p)], [])


if __name__ == "__main__":
    unittest.main()
