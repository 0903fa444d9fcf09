"""Drive a `Node` in-process for unit tests, speaking to it as Maelstrom would.

`NodeDriver` runs the node's real event loop on a background thread, wired to pipes instead of
the process's stdio, so a test exercises exactly the code path of a deployed node: it writes
request lines and reads the lines the node writes back. `load_node` gives a fresh node from a
challenge script without running it.

    with NodeDriver(load_node("ch1_echo/main.py")) as driver:
        driver.init("n0")
        assert driver.rpc("c1", {"type": "echo", "echo": "hi"})["echo"] == "hi"

Waiting is always for something the node will certainly produce (a reply, a log line), with a
generous deadline that only a broken node reaches, so tests do not depend on timing.
"""
from __future__ import annotations

import itertools
import json
import os
import queue
import runpy
import tempfile
import threading
from pathlib import Path
from typing import Any

from .node import Node


def load_node(script: str | Path) -> Node:
    """Execute a node script as a module (not as ``__main__``, so it does not start serving)
    and return its module-level ``node``, with fresh state on every call."""
    return runpy.run_path(str(script), run_name="node_under_test")["node"]


class NodeDriver:
    """A node served on a background thread, with Maelstrom's side of its pipes in hand.

    The node keeps its durable state (`common.wal`) in ``data_dir``: by default a temporary
    directory removed at `close`. To restart a node as ``--nemesis kill`` does, serve a
    fresh `load_node` of the same script with the same ``data_dir``."""

    def __init__(self, node: Node, data_dir: str | Path | None = None):
        self.node = node
        self._own_dir = tempfile.TemporaryDirectory() if data_dir is None else None
        node.data_dir = Path(data_dir if data_dir is not None else self._own_dir.name)
        self.node_id = "n0"
        self._stdin_read, self._stdin = os.pipe()
        stdout_read, stdout_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        self._output: queue.Queue[dict[str, Any]] = queue.Queue()
        self._set_aside: list[dict[str, Any]] = []   # read while looking for an rpc's reply
        self._log = ""
        self._log_changed = threading.Condition()
        self._crash: BaseException | None = None
        self._msg_ids = itertools.count(1)
        self._closed = False
        self._threads = [
            threading.Thread(target=self._serve, args=(stdout_write, stderr_write), daemon=True),
            threading.Thread(target=self._read_output, args=(stdout_read,), daemon=True),
            threading.Thread(target=self._read_log, args=(stderr_read,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def __enter__(self) -> NodeDriver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- talking to the node -------------------------------------------------------------

    def init(self, node_id: str = "n0", node_ids: list[str] | None = None) -> dict[str, Any]:
        """Initialise the node as Maelstrom does; returns the init_ok body."""
        self.node_id = node_id
        reply = self.rpc("c0", {"type": "init", "node_id": node_id,
                                "node_ids": node_ids or [node_id]})
        assert reply.get("type") == "init_ok", f"init answered with {reply}"
        return reply

    def write(self, data: bytes) -> None:
        """Write raw bytes to the node's stdin, as they are."""
        os.write(self._stdin, data)

    def send(self, src: str, body: dict[str, Any], dest: str | None = None) -> None:
        """Write one message from ``src`` to the node (or to ``dest``)."""
        message = {"src": src, "dest": dest or self.node_id, "body": body}
        self.write(json.dumps(message).encode() + b"\n")

    def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next whole message the node wrote to stdout."""
        if self._set_aside:
            return self._set_aside.pop(0)
        try:
            return self._output.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the node wrote nothing within {timeout} s"
                                 + (f"; it crashed: {self._crash!r}" if self._crash else "")
                                 ) from None

    def rpc(self, src: str, body: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        """Send ``body`` from ``src`` with a fresh msg_id and return the body of its reply.
        Other messages the node writes meanwhile are kept, in order, for `recv`."""
        msg_id = next(self._msg_ids)
        self.send(src, {**body, "msg_id": msg_id})
        others = []
        try:
            while True:
                message = self.recv(timeout)
                if message["dest"] == src and message["body"].get("in_reply_to") == msg_id:
                    return message["body"]
                others.append(message)
        finally:
            self._set_aside[:0] = others

    def unclaimed(self) -> list[dict[str, Any]]:
        """Messages `rpc` read past while waiting for its reply, not yet taken by `recv`.
        Right after an `rpc`, these are exactly what the node sent before answering it."""
        return list(self._set_aside)

    def logs(self) -> str:
        """Everything the node has written to stderr so far."""
        with self._log_changed:
            return self._log

    def wait_for_log(self, text: str, timeout: float = 5.0) -> str:
        """The node's stderr, once it contains ``text``."""
        with self._log_changed:
            if not self._log_changed.wait_for(lambda: text in self._log, timeout):
                raise AssertionError(f"{text!r} never appeared in the log:\n{self._log}")
            return self._log

    def close(self) -> None:
        """End the node's stdin, which stops it, and wait for it to finish."""
        if self._closed:
            return
        self._closed = True
        os.close(self._stdin)
        for thread in self._threads:
            thread.join(timeout=5.0)
        if self._own_dir is not None:
            self._own_dir.cleanup()

    # -- background threads --------------------------------------------------------------

    def _serve(self, stdout: int, stderr: int) -> None:
        try:
            self.node.run(stdin=self._stdin_read, stdout=stdout, stderr=stderr)
        except BaseException as exc:   # surfaced through recv's error message
            self._crash = exc
        finally:
            for fd in (self._stdin_read, stdout, stderr):
                os.close(fd)

    def _read_output(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as lines:
            for line in lines:
                self._output.put(json.loads(line))

    def _read_log(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as stderr:
            while chunk := stderr.read1():
                with self._log_changed:
                    self._log += chunk.decode(errors="replace")
                    self._log_changed.notify_all()
