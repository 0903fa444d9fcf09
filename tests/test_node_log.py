"""A node's stderr reaches its log through a pipe, capped: the first bytes kept, a line
where the cap was passed, the rest dropped but for the last bytes (issue 20: a node once
wrote a 6.0 GB log in ten seconds)."""
from __future__ import annotations

import asyncio
import os
import tempfile
import unittest
from pathlib import Path

from tests.harness.node_log import TAIL_KEEP, NodeLog


def drained(chunks: list[bytes], limit: int, echo: bool = False) -> tuple[bytes, list[str], list[str]]:
    """What the log holds after a node wrote ``chunks``, what was said at the limit, what
    was echoed."""
    async def scenario():
        read_end, write_end = os.pipe()
        said, echoed = [], []
        with tempfile.TemporaryDirectory(prefix="glomers-node-log-unit-") as tmp:
            path = Path(tmp) / "n3.log"
            log = NodeLog(read_end, path, asyncio.get_running_loop(), said.append,
                          echoed.append if echo else None, limit=limit)
            log.start()
            for chunk in chunks:
                await asyncio.to_thread(os.write, write_end, chunk)
            os.close(write_end)
            await log.wait(5)
            await asyncio.sleep(0)   # what the thread handed to the loop
            return path.read_bytes(), said, echoed
    return asyncio.run(scenario())


class Cap(unittest.TestCase):
    def test_below_the_cap_the_log_is_the_stderr_exactly(self):
        text, said, _ = drained([b"one\n", b"two\n"], limit=1000)
        self.assertEqual((text, said), (b"one\ntwo\n", []))

    def test_past_the_cap_the_head_is_kept_and_the_passing_said(self):
        text, said, _ = drained([b"x" * 99 + b"\n"] * 20, limit=1000)
        self.assertTrue(text.startswith(b"x" * 99 + b"\n"))
        self.assertIn(b"\n[harness] n3 has written 0 MiB on stderr", text)
        self.assertEqual(len(said), 1)
        self.assertIn("the rest of its log is dropped", said[0])

    def test_what_was_dropped_is_counted_and_the_last_lines_kept(self):
        data = b"".join(f"line {i}\n".encode() for i in range(100_000))
        text, _, _ = drained([data], limit=1000)
        self.assertEqual(text[:1000], data[:1000])   # the head, cut at the cap
        self.assertEqual(text[1000:1011], b"\n[harness] ")
        dropped = len(data) - 1000
        self.assertIn(f"[harness] {dropped:,} bytes of n3's stderr were dropped here".encode(), text)
        self.assertTrue(text.endswith(b"line 99999\n"))
        self.assertLessEqual(len(text.rpartition(b"follow\n")[2]), TAIL_KEEP)

    def test_echoed_lines_are_those_kept(self):
        _, _, echoed = drained([b"a\nb", b"c\n", b"d" * 50 + b"\n"], limit=20, echo=True)
        self.assertEqual(echoed, ["a", "bc"])


if __name__ == "__main__":
    unittest.main()
