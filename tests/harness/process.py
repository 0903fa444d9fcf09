"""Node processes (docs/maelstrom.md §2.1, §2.8, §4.5): launch, read stdout into the network, log stderr, kill.

A node is started from ``--bin`` directly (no shell) in a working directory of its own,
which lives for the whole run and survives the node's restarts (see `NodeHost` for the
interface the runner and the nemesis use).
Each stdout line must be exactly one JSON message; the first line that is not (bad JSON,
a wrong envelope, an unknown src/dest) *silences* the node: as in Maelstrom, its stdout
is never read again for the rest of the run. The node's stderr goes to
``node-logs/<id>.log`` through a pipe drained by a thread (node_log.py), so a chatty node
never delays a delivery and its log is capped; crash reports quote the log's last lines.

Hot path: stdout bytes are split into lines as they arrive (no coroutine per line), each
line is parsed once, and a message whose body the harness leaves as it is reaches its
receiver with the sender's own body text; what the network delivers to a node in one
turn is written to its stdin in one go.

A node has exited when its process has, even if a child it left behind still holds its
pipes. At the end of a run the harness kills the node's process group, every process still
descended from the node, and every process that carries the node's ``GLOMERS_NODE`` mark in
its environment (Linux), so children that call ``setsid`` die with the node too; a process
that both leaves the node's process tree and clears its environment is not found.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from json.decoder import scanstring
from pathlib import Path
from typing import Callable

from .network import Envelope, Network, UnknownId, is_client
from .node_log import NodeLog
from .services import SERVICE_IDS

LINE_LIMIT = 64 * 1024 * 1024
READ_SIZE = 64 * 1024
TAIL_LINES, TAIL_BYTES = 32, 64 * 1024
STDOUT_CLOSED_GRACE_S = 0.5   # a node whose stdout ended and is still running this later closed it
_ENVELOPE_KEYS = {"src", "dest", "body", "id"}
MARK = "GLOMERS_NODE"


class BadLine(Exception):
    pass


def _reject_constant(name: str):
    raise BadLine(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_scan_value = _DECODER.scan_once


# One top-level key with the ':' after it, and what follows a value: regexes run in C, the
# values themselves go to json's C scanner, so a line costs one pass however big its body.
_KEY = re.compile(r'[ \t\n\r]*"((?:[^"\\]|\\.)*)"[ \t\n\r]*:[ \t\n\r]*', re.S)
_AFTER_VALUE = re.compile(r"[ \t\n\r]*([,}])")
_EMPTY = re.compile(r"[ \t\n\r]*}")
_STR = r'"([^"\\\x00-\x1f]*)"'
_WS = r"[ \t\n\r]*"
_SRC_DEST_BODY = re.compile(_WS.join(
    [r"\{", '"src"', ":", _STR, ",", '"dest"', ":", _STR, ",", '"body"', ":", ""]))


def _object_with_spans(text: str) -> tuple[dict, dict[str, tuple[int, int]]]:
    """Decode the JSON object at the start of ``text`` (anything after it is ignored), and
    where each top-level value's text lies, so a body can be passed on without re-encoding."""
    value: dict = {}
    spans: dict[str, tuple[int, int]] = {}
    if _EMPTY.match(text, 1):
        return value, spans
    i = 1
    while True:
        m = _KEY.match(text, i)
        if m is None:
            raise ValueError(f"expected a key at {i}")
        key = m.group(1)
        if "\\" in key:
            key = scanstring(key + '"', 0)[0]
        start = m.end()
        try:
            value[key], i = _scan_value(text, start)
        except StopIteration as e:
            raise ValueError(f"expected a value at {e.value}") from None
        spans[key] = (start, i)
        m = _AFTER_VALUE.match(text, i)
        if m is None:
            raise ValueError(f"expected ',' or '}}' at {i}")
        if m.group(1) == "}":
            return value, spans
        i = m.end()


def parse_line(line: str) -> dict:
    """Parse one stdout line as Maelstrom does: the first JSON value only, then the envelope."""
    return _parse(line)[0]


# The body a node last sent to another node, as text and decoded: a node that gossips
# often sends one body to many peers in a row, and decoding a big body (~100 us for 1,000
# numbers) was most of what a burst of such messages cost the harness. A body is reused
# only on its way to another node: the harness reads those (type, in_reply_to) but never
# changes them; what goes to clients and services is decoded afresh.
_REUSED_BODY_MIN = 512
_last_node_body: tuple[str, dict] | None = None


def _to_a_node(dest: str) -> bool:
    return not is_client(dest) and dest not in SERVICE_IDS


def _common_layout(line: str) -> tuple[dict, str] | None:
    """The envelope and body text of a line laid out ``{"src":..,"dest":..,"body":{..}}``,
    as nearly every node writes it, in one regex and one scan; None for anything else,
    which the general path then parses or rejects."""
    global _last_node_body
    m = _SRC_DEST_BODY.match(line)
    if m is None:
        return None
    start = m.end()
    last = _last_node_body
    if last is not None and line.startswith(last[0], start) and _to_a_node(m.group(2)):
        body, end = last[1], start + len(last[0])
    else:
        try:
            body, end = _scan_value(line, start)
        except StopIteration:
            return None
        if end - start >= _REUSED_BODY_MIN and type(body) is dict and _to_a_node(m.group(2)):
            _last_node_body = line[start:end], body
    after = _AFTER_VALUE.match(line, end)
    if after is None or after.group(1) != "}" or type(body) is not dict:
        return None
    return {"src": m.group(1), "dest": m.group(2), "body": body}, line[start:end]


def _parse(line: str) -> tuple[dict, str | None]:
    """The envelope, and the body's own text when it can be delivered as the node wrote it."""
    text = line.lstrip()
    if not text:
        raise BadLine("blank line")
    try:
        common = _common_layout(text)
    except (ValueError, RecursionError) as e:
        raise BadLine(f"not JSON: {e}") from None
    if common is not None:
        return common
    if text[0] == "{":
        try:
            value, spans = _object_with_spans(text)
        except (ValueError, RecursionError) as e:
            raise BadLine(f"not JSON: {e}") from None
    else:
        try:
            value, _ = _DECODER.raw_decode(text)
        except (json.JSONDecodeError, RecursionError) as e:
            raise BadLine(f"not JSON: {e}") from None
        raise BadLine(f"not a JSON object: {line.strip()[:200]}")
    extra = set(value) - _ENVELOPE_KEYS
    if extra:
        raise BadLine(f"unexpected top-level key(s) {sorted(extra)}")
    if not isinstance(value.get("src"), str) or not isinstance(value.get("dest"), str):
        raise BadLine("src and dest must be strings")
    if "id" in value and not (isinstance(value["id"], int) and not isinstance(value["id"], bool)):
        raise BadLine("id must be an integer")
    body = value.get("body")
    raw_body = None
    if body is None:
        body = {}
    elif not isinstance(body, dict):
        raise BadLine("body must be a JSON object")
    else:
        start, end = spans["body"]
        raw_body = text[start:end]
    return {"src": value["src"], "dest": value["dest"], "body": body}, raw_body


def _split_lines(text: str) -> list[str]:
    """``text.split("\n")``, quicker when lines are long: split() compares every character,
    find() runs memchr."""
    if len(text) < 4096 or text.find("\n", 0, 1024) >= 0:
        return text.split("\n")
    lines, start = [], 0
    while (newline := text.find("\n", start)) >= 0:
        lines.append(text[start:newline])
        start = newline + 1
    lines.append(text[start:])
    return lines


def delivery_line(msg: dict) -> str:
    """The line written to a node's stdin for ``msg``."""
    if type(msg) is Envelope:
        return msg.text + "\n"   # made once, when it was sent (network.message_text)
    return json.dumps(msg, separators=(",", ":")) + "\n"


class _NodeProtocol(asyncio.subprocess.SubprocessStreamProtocol):
    """Hands stdout bytes straight to the node, and says when the process itself exits."""

    def __init__(self, node: NodeProcess, limit: int, loop: asyncio.AbstractEventLoop):
        super().__init__(limit=limit, loop=loop)
        self.node = node
        self.exited = loop.create_future()

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        if fd == 1:
            self.node._stdout_data(data)
        else:
            super().pipe_data_received(fd, data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        super().pipe_connection_lost(fd, exc)
        if fd == 1:
            self.node._stdout_closed(self)

    def process_exited(self) -> None:
        status = self._transport.get_returncode()
        super().process_exited()
        if not self.exited.done():
            self.exited.set_result(status)


class ProcessTable:
    """Every process we can see (Linux /proc; empty elsewhere): its parent, and the node mark
    in its environment if it has one. Read once for a whole teardown, however many nodes."""

    def __init__(self) -> None:
        self.parents: dict[int, int] = {}
        self.marks: dict[int, bytes] = {}
        try:
            entries = os.listdir("/proc")
        except OSError:
            return
        prefix = MARK.encode() + b"="
        me = os.getpid()
        for name in entries:
            if not name.isdigit() or (pid := int(name)) == me:
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    stat = f.read()
                self.parents[pid] = int(stat[stat.rindex(b")") + 2:].split()[1])
                with open(f"/proc/{name}/environ", "rb") as f:
                    environ = f.read().split(b"\0")
            except (OSError, ValueError, IndexError):
                continue
            mark = next((entry for entry in environ if entry.startswith(prefix)), None)
            if mark is not None:
                self.marks[pid] = mark

    def node_processes(self, root: int | None, mark: str) -> set[int]:
        """Every process descended from ``root`` (if given) or carrying ``mark`` in its environment."""
        children: dict[int, list[int]] = {}
        for pid, ppid in self.parents.items():
            children.setdefault(ppid, []).append(pid)
        found, todo = set(), [] if root is None else [root]
        while todo:
            pid = todo.pop()
            if pid not in found:
                found.add(pid)
                todo += children.get(pid, ())
        needle = mark.encode()
        return found | {pid for pid, m in self.marks.items() if m == needle}


class NodeHost:
    """What the runner knows of a node however it is hosted, as a process (`NodeProcess`)
    or in the simulator's process (tests/harness/sim/host.py): its stdout lines go to the
    network here, its stderr is in its log.

    The interface: ``start()``, ``deliver(msg)`` then ``flush()`` (stdin), ``exited()``,
    ``end_stdin()``, ``kill(table)`` (teardown); ``silenced``, ``exit_status``,
    ``stderr_tail``, ``crash_report()``, ``crashed``. The nemesis's process faults
    (docs/maelstrom.md §4.5, as Maelstrom's main branch does them):

    - ``await crash()``: the nemesis's kill: SIGKILL the node and whatever it spawned. Its
      network queue stays registered but is no longer taken: messages sent to it pile up
      and are never delivered;
    - ``await start()`` once more after a crash: a fresh process with the same argv and
      working directory and a fresh, empty network queue (the runner then sends ``init``);
    - ``await pause()`` / ``await resume()``: SIGSTOP / SIGCONT the node's process group;
      the network goes on delivering into its stdin pipe, and it reads them once resumed;
    - ``state``: ``"running"``, ``"paused"`` or ``"down"``.
    """

    def __init__(self, node_id: str, argv: list[str], workdir: str, log_path: Path,
                 network: Network, log: Callable[[str], None], echo_stderr: bool = False):
        self.id = node_id
        self.argv = argv
        self.workdir = workdir
        self.log_path = log_path
        self.network = network
        self.log = log
        self.echo_stderr = echo_stderr
        self.silenced: str | None = None    # why stdout stopped being read
        self.exit_status: int | None = None  # set when the node exits on its own
        self.killed = False                  # its exit is ours (teardown, nemesis), not the node's
        self.paused = False
        self.restarts = 0
        self.earlier_crashes: list[str] = []   # reports of earlier lives that exited on their own

    def _send_lines(self, lines: list[str]) -> bool:
        """Parse each stdout line and send it; False once a bad line silenced the node."""
        send = self.network.send
        for line in lines:
            try:
                msg, raw_body = _parse(line)
                if msg["body"].get("in_reply_to", 0) is None:
                    self._null_in_reply_to(msg)
                send(msg, raw_body)
            except (BadLine, UnknownId) as e:
                self._silence(f"{e} in line {line.strip()[:300]!r}", line, str(e))
                return False
        return True

    def _null_in_reply_to(self, msg: dict) -> None:
        """A reply to another node or a service naming no request: Maelstrom passes it on
        silently, and its receiver can match it to nothing."""
        diagnostics = getattr(self.network, "diagnostics", None)
        if diagnostics is not None and not msg["dest"].startswith("c"):
            diagnostics.null_in_reply_to(self.id, msg["dest"], msg["body"])

    def _silence(self, why: str, line: str = "", error: str = "") -> None:
        self.silenced = why
        self._stop_reading()
        diagnostics = getattr(self.network, "diagnostics", None)
        if diagnostics is not None and line:
            return diagnostics.bad_line(self.id, line, error)
        self.log(f"WARN node {self.id} printed a line Maelstrom rejects: {why}. "
                 f"As in Maelstrom, nothing more is read from {self.id}'s stdout for the rest of the run.")

    def _stop_reading(self) -> None:
        """Read nothing more from the node's stdout."""

    @property
    def stderr_tail(self) -> list[str]:
        """The last lines the node wrote on stderr, from its log."""
        try:
            with open(self.log_path, "rb") as f:
                size = f.seek(0, os.SEEK_END)
                f.seek(max(0, size - TAIL_BYTES))
                lines = f.read().decode("utf-8", errors="replace").splitlines()
        except OSError:
            return []
        return lines[1 if size > TAIL_BYTES else 0:][-TAIL_LINES:]

    @property
    def crashed(self) -> bool:
        """Whether the node exited on its own at some point of the run."""
        return self.exit_status is not None or bool(self.earlier_crashes)

    def crash_report(self) -> str:
        """Each time the node exited on its own, with the last lines of its stderr."""
        return "\n".join([*self.earlier_crashes, *([self._exit_report()] if self.exit_status is not None else [])])

    def _exit_report(self) -> str:
        tail = "\n".join(self.stderr_tail) or "(nothing on stderr)"
        return f"node {self.id} exited with status {self.exit_status}; last lines of its stderr:\n{tail}"

    def _restarting(self) -> None:
        """Forget the life that ended: what a restarted node's host must reset."""
        if self.exit_status is not None:
            self.earlier_crashes.append(self._exit_report())
        self.restarts += 1
        self.silenced = None
        self.exit_status = None
        self.killed = self.paused = False
        # A fresh queue: what was sent to the node while it was down is never delivered.
        lost = self.network.register(self.id, self.deliver, self.flush)
        self._log_mark(f"restarted (start #{self.restarts + 1}); {lost} message(s) sent to it "
                       f"while it was down were never delivered")

    def _log_mark(self, what: str) -> None:
        """A line in the node's log, so that its stderr reads in order with the faults."""
        try:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(f"--- glomers harness: {self.id} {what} ---\n")
        except OSError:
            pass

    def _logs_too_much(self, what: str) -> None:
        diagnostics = getattr(self.network, "diagnostics", None)
        if diagnostics is None:
            return self.log(f"WARN node {self.id} {what}")
        diagnostics.report("log-flood", self.id, what)

    def _report_exit(self, status: int) -> None:
        self.exit_status = status
        diagnostics = getattr(self.network, "diagnostics", None)
        if diagnostics is None:
            return self.log(f"WARN node {self.id} exited with status {status} during the run")
        tail = self.stderr_tail
        diagnostics.node_exited(self.id, status, tail[-1] if tail else None)


class NodeProcess(NodeHost):
    def __init__(self, node_id: str, argv: list[str], workdir: str, log_path: Path,
                 network: Network, log: Callable[[str], None], echo_stderr: bool = False):
        super().__init__(node_id, argv, workdir, log_path, network, log, echo_stderr)
        self.proc: asyncio.subprocess.Process | None = None
        self.mark = f"{MARK}={os.getpid()}-{id(self)}-{node_id}"
        self._protocol: _NodeProtocol | None = None
        self._partial = bytearray()          # an incomplete last stdout line
        # Loop times of the two latest stdout reads: a reply read after a long silence was
        # held by a blocked node (diagnostics.slow_reply).
        self.previous_output = self.last_output = 0.0
        self._loop_time: Callable[[], float] = lambda: 0.0   # the event loop's clock, once started
        self._outbox: list[str] = []         # stdin lines waiting for this turn's flush
        self._stderr: NodeLog | None = None
        self._exit_task: asyncio.Task | None = None

    @property
    def state(self) -> str:
        """``"down"`` before the first start, after ``crash()`` and once the process has exited;
        otherwise ``"paused"`` or ``"running"``."""
        if self.proc is None or self.proc.returncode is not None or self._protocol.exited.done():
            return "down"
        return "paused" if self.paused else "running"

    async def start(self) -> None:
        """Launch the node; after ``crash()``, launch it afresh (see `NodeHost`)."""
        if self.proc is not None:
            if self.state != "down":
                raise RuntimeError(f"node {self.id} is still running; crash() it before starting it again")
            self.proc = None
            self._partial = bytearray()
            self._outbox = []
            self._restarting()
        loop = asyncio.get_running_loop()
        name, value = self.mark.split("=", 1)
        stderr, stderr_end = os.pipe()
        try:
            transport, self._protocol = await loop.subprocess_exec(
                lambda: _NodeProtocol(self, LINE_LIMIT, loop), *self.argv, cwd=self.workdir,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=stderr_end,
                start_new_session=True, env={**os.environ, name: value})
        except BaseException:
            os.close(stderr)
            raise
        finally:
            os.close(stderr_end)
        self.proc = asyncio.subprocess.Process(transport, self._protocol, loop)
        echo = (lambda line: self.log(f"[{self.id} stderr] {line}")) if self.echo_stderr else None
        self._stderr = NodeLog(stderr, self.log_path, loop, self._logs_too_much, echo)
        self._stderr.start()
        self._loop_time = loop.time
        for fd in (1, 2):
            # asyncio reads 256 KiB at a time: a buffer that size is mmap'ed and unmapped on
            # every read, ten times the cost of reading a small line. A pipe holds 64 KiB.
            if pipe := transport.get_pipe_transport(fd):
                pipe.max_size = READ_SIZE
        # asyncio passes each stdout chunk on through call_soon, a second turn of the loop
        # per read; taking it straight from the pipe keeps the order and saves that turn.
        transport.get_pipe_transport(1).get_protocol().data_received = self._stdout_data
        self._exit_task = loop.create_task(self._watch_exit())

    # --- faults --------------------------------------------------------------------------
    async def crash(self) -> None:
        """The nemesis's kill (see `NodeHost`)."""
        if self.proc is None:
            return
        self.network.halt(self.id)
        self._outbox = []
        await self._kill_everything(await asyncio.to_thread(ProcessTable))
        self.paused = False
        self._log_mark("killed (SIGKILL) by the nemesis")

    async def pause(self) -> None:
        """SIGSTOP the node's process group."""
        if self.state == "running":
            self._signal_group(signal.SIGSTOP)
            self.paused = True
            self._log_mark("paused (SIGSTOP) by the nemesis")

    async def resume(self) -> None:
        """SIGCONT the node's process group."""
        if self.state == "paused":
            self._signal_group(signal.SIGCONT)
            self.paused = False
            self._log_mark("resumed (SIGCONT) by the nemesis")

    def _signal_group(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    # --- stdin -------------------------------------------------------------------------
    def deliver(self, msg: dict) -> None:
        """Queue one message for the node's stdin, written by the next ``flush``."""
        self._outbox.append(delivery_line(msg))

    def flush(self) -> None:
        """Write the queued messages in one go; a dead node's stdin is ignored (docs/maelstrom.md §2.8)."""
        if not self._outbox:
            return
        data, self._outbox = "".join(self._outbox).encode(), []
        stdin = self.proc.stdin if self.proc else None
        if stdin is None or stdin.is_closing():
            return
        try:
            stdin.write(data)
        except (BrokenPipeError, ConnectionResetError, RuntimeError):
            pass

    # --- stdout ------------------------------------------------------------------------
    def _stdout_data(self, data: bytes) -> None:
        if self.silenced:
            return
        self.previous_output, self.last_output = self.last_output, self._loop_time()
        end = data.rfind(b"\n")
        if end < 0:
            self._partial += data
            return self._check_partial()
        if self._partial:
            end += len(self._partial)
            self._partial += data
            data, self._partial = bytes(self._partial), bytearray()
        if end > LINE_LIMIT:
            return self._long_lines(data)
        # One decode for every complete line: a newline byte is never inside a UTF-8 sequence.
        if not self._send_lines(_split_lines(str(memoryview(data)[:end], "utf-8", "replace"))):
            return
        if end + 1 < len(data):
            self._partial = bytearray(data[end + 1:])
            self._check_partial()

    def _long_lines(self, data: bytes) -> None:
        """Lines that may be longer than LINE_LIMIT: checked one by one, in bytes."""
        lines = data.split(b"\n")
        tail = lines.pop()
        for raw in lines:
            if len(raw) > LINE_LIMIT:
                self._partial = bytearray(raw)
                return self._check_partial()
            self._stdout_data(raw + b"\n")
            if self.silenced:
                return
        if tail:
            self._partial = bytearray(tail)
            self._check_partial()

    def _check_partial(self) -> None:
        if len(self._partial) > LINE_LIMIT:
            self._partial = bytearray()
            self._silence(f"a stdout line longer than {LINE_LIMIT} bytes")

    def _stdout_closed(self, protocol: _NodeProtocol) -> None:
        """The stdout of the node's process ``protocol`` ended: it is exiting, or it closed
        its stdout and runs on, mute to everyone. Which, is known a moment later."""
        asyncio.get_running_loop().call_later(STDOUT_CLOSED_GRACE_S, self._name_if_mute, protocol)

    def _name_if_mute(self, protocol: _NodeProtocol) -> None:
        if self.killed or protocol.exited.done() or protocol is not self._protocol:
            return
        diagnostics = getattr(self.network, "diagnostics", None)
        what = ("closed its stdout but is still running: nothing it sends reaches anyone, so "
                "every request to it times out")
        if diagnostics is None:
            return self.log(f"WARN node {self.id} {what}")
        diagnostics.report("stdout-closed", self.id, what)

    def _stop_reading(self) -> None:
        pipe = self.proc._transport.get_pipe_transport(1) if self.proc else None
        if pipe is not None:
            pipe.pause_reading()   # the node blocks once the pipe is full, as in Maelstrom

    # --- stderr and exit ---------------------------------------------------------------
    async def exited(self) -> int:
        """The node's exit status, once the process itself has exited: a child left behind
        may keep its pipes open, so those say nothing."""
        return await asyncio.shield(self._protocol.exited)

    async def _watch_exit(self) -> None:
        status = await self.exited()
        if not self.killed:
            self.exit_status = status
            await self._stderr.wait(0.5)   # its last words
            self._report_exit(status)

    async def end_stdin(self, wait_s: float) -> None:
        """Close the node's stdin and give it ``wait_s`` to exit (most programs do, and
        exiting flushes what they buffered); its last stdout lines are read meanwhile."""
        self.killed = True   # this exit is ours, not the node's
        self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.exited(), wait_s)
        except asyncio.TimeoutError:
            pass
        await asyncio.sleep(0.1)

    async def kill(self, table: ProcessTable | None = None) -> None:
        """SIGKILL the node, its process group and whatever it spawned (found in ``table``,
        read now if not given), paused or not, and wait up to 5 s for the node itself
        (docs/maelstrom.md §1 step 9)."""
        if self.proc is None:
            return
        if table is None:   # off the event loop: deliveries to the other nodes go on meanwhile
            table = await asyncio.to_thread(ProcessTable)
        await self._kill_everything(table)

    async def _kill_everything(self, table: ProcessTable) -> None:
        alive = self.proc.returncode is None and not self._protocol.exited.done()
        self.killed = self.killed or (self.exit_status is None and alive)
        # Once the node has exited its pid may be reused: then only its mark finds what it left.
        pids = table.node_processes(self.proc.pid if alive else None, self.mark)
        for pid in pids | ({self.proc.pid} if alive else set()):
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        try:
            await asyncio.wait_for(asyncio.shield(self._protocol.exited), 5)
        except asyncio.TimeoutError:
            self.log(f"WARN node {self.id} did not die within 5 s of SIGKILL")
        await self._stderr.wait(1.0)   # the log complete, unless a survivor holds its pipe
        if self._exit_task and not self._exit_task.done():
            self._exit_task.cancel()
        await asyncio.gather(*[t for t in (self._exit_task,) if t], return_exceptions=True)
        self.proc._transport.close()
