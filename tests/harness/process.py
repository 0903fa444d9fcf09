"""Node processes (spec §2.1, §2.8): launch, read stdout into the network, log stderr, kill.

A node is started from ``--bin`` directly (no shell) in a temporary working directory.
Each stdout line must be exactly one JSON message; the first line that is not (bad JSON,
a wrong envelope, an unknown src/dest) *silences* the node: as in Maelstrom, its stdout
is never read again for the rest of the run. stderr goes line by line to
``node-logs/<id>.log``; the last 32 lines are kept for crash reports.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
from collections import deque
from pathlib import Path
from typing import Callable

from .network import Network, UnknownId

LINE_LIMIT = 64 * 1024 * 1024
_ENVELOPE_KEYS = {"src", "dest", "body", "id"}


class BadLine(Exception):
    pass


def _reject_constant(name: str):
    raise BadLine(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def parse_line(line: str) -> dict:
    """Parse one stdout line as Maelstrom does: the first JSON value only, then the envelope."""
    text = line.lstrip()
    if not text:
        raise BadLine("blank line")
    try:
        value, _ = _DECODER.raw_decode(text)
    except json.JSONDecodeError as e:
        raise BadLine(f"not JSON: {e}") from None
    if not isinstance(value, dict):
        raise BadLine(f"not a JSON object: {line.strip()[:200]}")
    extra = set(value) - _ENVELOPE_KEYS
    if extra:
        raise BadLine(f"unexpected top-level key(s) {sorted(extra)}")
    if not isinstance(value.get("src"), str) or not isinstance(value.get("dest"), str):
        raise BadLine("src and dest must be strings")
    if "id" in value and not (isinstance(value["id"], int) and not isinstance(value["id"], bool)):
        raise BadLine("id must be an integer")
    body = value.get("body")
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise BadLine("body must be a JSON object")
    return {"src": value["src"], "dest": value["dest"], "body": body}


class NodeProcess:
    def __init__(self, node_id: str, argv: list[str], workdir: str, log_path: Path,
                 network: Network, log: Callable[[str], None], echo_stderr: bool = False):
        self.id = node_id
        self.argv = argv
        self.workdir = workdir
        self.log_path = log_path
        self.network = network
        self.log = log
        self.echo_stderr = echo_stderr
        self.proc: asyncio.subprocess.Process | None = None
        self.stderr_tail: deque[str] = deque(maxlen=32)
        self.stdout_tail: deque[str] = deque(maxlen=32)
        self.silenced: str | None = None    # why stdout stopped being read
        self.exit_status: int | None = None  # set when the process exits on its own
        self.killed = False
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, cwd=self.workdir, limit=LINE_LIMIT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, start_new_session=True)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._read_stdout()), loop.create_task(self._read_stderr()),
                       loop.create_task(self._watch_exit())]

    def deliver(self, msg: dict) -> None:
        """Write one message to the node's stdin; a dead node's stdin is ignored (spec §2.8)."""
        stdin = self.proc.stdin if self.proc else None
        if stdin is None or stdin.is_closing():
            return
        try:
            stdin.write((json.dumps(msg, separators=(",", ":")) + "\n").encode())
        except (BrokenPipeError, ConnectionResetError, RuntimeError):
            pass

    async def _read_stdout(self) -> None:
        reader = self.proc.stdout
        while True:
            try:
                raw = await reader.readline()
            except (ValueError, asyncio.LimitOverrunError):
                self._silence(f"a stdout line longer than {LINE_LIMIT} bytes")
                return
            if not raw:
                return
            line = raw.decode("utf-8", errors="replace")
            self.stdout_tail.append(line.rstrip("\n"))
            try:
                self.network.send(parse_line(line))
            except (BadLine, UnknownId) as e:
                self._silence(f"{e} in line {line.strip()[:300]!r}", line, str(e))
                return

    def _silence(self, why: str, line: str = "", error: str = "") -> None:
        self.silenced = why
        diagnostics = getattr(self.network, "diagnostics", None)
        if diagnostics is not None and line:
            return diagnostics.bad_line(self.id, line, error)
        self.log(f"WARN node {self.id} printed a line Maelstrom rejects: {why}. "
                 f"As in Maelstrom, nothing more is read from {self.id}'s stdout for the rest of the run.")

    async def _read_stderr(self) -> None:
        with open(self.log_path, "a", encoding="utf-8") as out:
            while True:
                try:
                    raw = await self.proc.stderr.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    continue
                if not raw:
                    return
                line = raw.decode("utf-8", errors="replace").rstrip("\n")
                self.stderr_tail.append(line)
                out.write(line + "\n")
                out.flush()
                if self.echo_stderr:
                    self.log(f"[{self.id} stderr] {line}")

    async def _watch_exit(self) -> None:
        status = await self.proc.wait()
        if not self.killed:
            self.exit_status = status
            diagnostics = getattr(self.network, "diagnostics", None)
            if diagnostics is None:
                return self.log(f"WARN node {self.id} exited with status {status} during the run")
            await asyncio.wait(self._tasks[1:2], timeout=0.5)   # its last words on stderr
            diagnostics.node_exited(self.id, status, self.stderr_tail[-1] if self.stderr_tail else None)

    def crash_report(self) -> str:
        tail = "\n".join(self.stderr_tail) or "(nothing on stderr)"
        return f"node {self.id} exited with status {self.exit_status}; last lines of its stderr:\n{tail}"

    async def kill(self) -> None:
        """SIGKILL the node's whole process group and wait up to 5 s (spec §1 step 9)."""
        if self.proc is None:
            return
        self.killed = self.exit_status is None
        if self.proc.returncode is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except asyncio.TimeoutError:
                self.log(f"WARN node {self.id} did not die within 5 s of SIGKILL")
        else:
            # The leader is gone; anything it spawned in its session must still go.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for t in self._tasks:
            if not t.done():
                t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for stream in (self.proc.stdin,):
            if stream is not None and not stream.is_closing():
                stream.close()
