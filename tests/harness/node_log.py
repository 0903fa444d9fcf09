"""A node's stderr, written to ``node-logs/<id>.log`` with a cap (docs/maelstrom.md §2.1).

A node that logs in a hot loop once wrote 6 GB in ten seconds. Each node's log keeps the
first ``LOG_LIMIT`` bytes of its stderr; past that a line says so, the node is named (a
``log-flood`` mistake), and the rest is read and dropped, except for the last
``TAIL_KEEP`` bytes, which are written after a line counting what was dropped once the
node's stderr closes, so that a crash report still quotes its last words.

The node's stderr is a pipe read by a thread of its own, not by the event loop: a chatty
node costs the harness a read and a write per chunk on that thread, and never a delivery's
lateness. (The durable files a node keeps in its working directory are not capped: they
are the node's own business, issue 19.)
"""
from __future__ import annotations

import asyncio
import fcntl
import os
import threading
import time
from pathlib import Path
from typing import BinaryIO, Callable

LOG_LIMIT = 32 << 20      # bytes of a node's stderr kept from the start
TAIL_KEEP = 64 << 10      # and from the end, once the limit has been passed
READ_SIZE = 1 << 20
PIPE_SIZE = 1 << 20       # asked of the kernel, so that a busy node's writes seldom block
TRICKLE_BYTES = 64 << 10  # a read smaller than this: wait a moment to let more gather
TRICKLE_WAIT_S = 0.002


def limit_passed(limit: int, seconds: float) -> str:
    """What a node did, for its log-flood mistake."""
    return (f"wrote {limit >> 20} MiB on stderr in {seconds:.1f} s; the rest of its log is "
            f"dropped but for its last {TAIL_KEEP >> 10} KiB")


def passed_line(node: str, limit: int) -> bytes:
    """The log's line where the cap is reached."""
    return (f"\n[harness] {node} has written {limit >> 20} MiB on stderr, what each node may log: "
            f"the rest is dropped but for its last {TAIL_KEEP >> 10} KiB, written when the node "
            f"stops\n").encode()


def dropped_line(node: str, dropped: int) -> bytes:
    """The log's line before the tail kept of what was dropped."""
    return (f"\n[harness] {dropped:,} bytes of {node}'s stderr were dropped here; "
            f"its last {TAIL_KEEP >> 10} KiB follow\n").encode()


class CappedLog:
    """A node's log file, capped: the first ``limit`` bytes (LOG_LIMIT unless given) are
    written as they come; past that a line says so and ``on_passed()`` is called, once, and
    only the last TAIL_KEEP bytes are kept, written when the log is closed after a line
    counting what was dropped. A restarted node's log goes on where it ended. Used for a
    process's stderr (NodeLog, on its thread) and a simulated node's (sim/host.py)."""

    def __init__(self, file: BinaryIO, node: str, on_passed: Callable[[], None],
                 limit: int | None = None):
        self.file, self.node, self.on_passed = file, node, on_passed
        self.limit = LOG_LIMIT if limit is None else limit
        self.kept = os.fstat(file.fileno()).st_size
        self.dropped = 0
        self._tail = bytearray()

    def write(self, data: bytes) -> bytes:
        """Log ``data``; returns the part of it written in full (what --log-stderr echoes)."""
        head = b""
        if self.kept < self.limit:
            head = data[:self.limit - self.kept]
            self.file.write(head)
            self.kept += len(head)
            data = data[len(head):]
        if data:
            if not self.dropped:   # the first byte past the cap (a write may end on it)
                self.file.write(passed_line(self.node, self.limit))
                self.on_passed()
            self.dropped += len(data)
            self._tail += data
            del self._tail[:-TAIL_KEEP]
        return head

    def flush(self) -> None:
        self.file.flush()

    def close(self) -> None:
        if self.dropped:
            self.file.write(dropped_line(self.node, self.dropped)
                            + bytes(self._tail[self._tail.find(b"\n") + 1:]))
        self.file.close()


class NodeLog:
    """Drains the read end ``fd`` of a node's stderr pipe into ``path`` on a thread.

    ``on_limit(what)`` and ``echo(line)`` (with --log-stderr) are called on the event loop
    ``loop``; ``done`` is a future of that loop, set once the pipe has closed and the log is
    complete."""

    def __init__(self, fd: int, path: Path, loop: asyncio.AbstractEventLoop,
                 on_limit: Callable[[str], None], echo: Callable[[str], None] | None = None,
                 limit: int = LOG_LIMIT):
        self.fd = fd
        self.path = path
        self.loop = loop
        self.on_limit = on_limit
        self.echo = echo
        self.limit = limit
        self.done = loop.create_future()
        self._out = open(path, "ab", buffering=0)   # there from the start, even if never written
        try:
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        except (OSError, AttributeError):
            pass    # a smaller pipe only means more, smaller reads
        self._thread = threading.Thread(target=self._drain, name=f"stderr of {path.stem}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _drain(self) -> None:
        started = time.monotonic()
        partial = b""    # an echoed line not yet ended

        def passed() -> None:
            seconds = time.monotonic() - started
            self._call(lambda: self.on_limit(limit_passed(self.limit, seconds)))
        log = CappedLog(self._out, self.path.stem, passed, self.limit)
        try:
            while data := os.read(self.fd, READ_SIZE):
                head = log.write(data)
                if self.echo is not None and head:
                    partial = self._echo_lines(partial + head)
                if len(data) < TRICKLE_BYTES:
                    time.sleep(TRICKLE_WAIT_S)
            log.close()
        except OSError:
            pass    # a full disk or a closed pipe: what was written stays
        finally:
            self._out.close()
            os.close(self.fd)
            self._call(lambda: self.done.done() or self.done.set_result(None))

    def _echo_lines(self, data: bytes) -> bytes:
        *lines, partial = data.split(b"\n")
        for line in lines:
            text = line.decode("utf-8", errors="replace").rstrip()
            self._call(lambda text=text: self.echo(text))
        return partial

    def _call(self, fn: Callable[[], object]) -> None:
        try:
            self.loop.call_soon_threadsafe(fn)
        except RuntimeError:
            pass    # the loop is closed: the run is over

    async def wait(self, timeout: float) -> None:
        """Until the log is complete (the node's stderr closed), or ``timeout`` seconds."""
        try:
            await asyncio.wait_for(asyncio.shield(self.done), timeout)
        except asyncio.TimeoutError:
            pass
