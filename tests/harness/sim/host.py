"""A node served inside the simulator's process: `SimNode`, the in-process `NodeHost`.

The node script is run as ``__main__`` with the node's argv, once per node id (and again at
each restart), in a fresh module namespace; modules it imports from its own folder are
loaded afresh for it too, so no two nodes share state the way no two processes do. When it
calls ``Node.run()`` the library hands the node over (``common.node.in_process_host``)
instead of starting an event loop, and from then on

- what the network delivers reaches the node as the very lines a process would read on
  stdin, handled in a callback of the node's own;
- every line it writes to stdout goes at once through the same parse and network path as
  a process's stdout, sent as the harness (what the network schedules for it is not the
  node's, so pausing the node does not hold it);
- its stderr goes to ``node-logs/<id>.log``.

Everything the node schedules runs in its own context (``sandbox.current_node``), which is
how its clock reads virtual time and how `pause` finds and freezes its timers.
"""
from __future__ import annotations

import asyncio
import contextvars
import os
import sys
import sysconfig
import traceback
import types
from pathlib import Path
from typing import Callable

from ..network import Network
from ..node_log import CappedLog, limit_passed
from ..process import NodeHost, delivery_line
from .sandbox import LIBRARY_FIX, NodeExit, current_node

_ROOT = Path(__file__).resolve().parents[3]
if str(_ROOT) not in sys.path:   # the library the nodes are built on: shared by all of them
    sys.path.append(str(_ROOT))
import common.node as library  # noqa: E402

_SHARED_PATHS = tuple({sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")})
_code_cache: dict[str, tuple[float, types.CodeType]] = {}


def is_python_script(path: str) -> bool:
    if path.endswith(".py"):
        return True
    try:
        with open(path, "rb") as f:
            first = f.readline(200)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def _compiled(path: str) -> types.CodeType:
    mtime = os.stat(path).st_mtime
    cached = _code_cache.get(path)
    if cached is None or cached[0] != mtime:
        with open(path, "rb") as f:
            cached = _code_cache[path] = (mtime, compile(f.read(), path, "exec"))
    return cached[1]


def _private(name: str, module: types.ModuleType | None) -> bool:
    """A module a node imported for itself (from its own folder, say), not the standard
    library, an installed package or the node library: each node gets its own copy."""
    if name == "common" or name.startswith("common."):
        return False
    where = getattr(module, "__file__", None)
    return bool(where) and not where.startswith(_SHARED_PATHS)


def run_script(argv: list[str], adopt: Callable[[library.Node], None]) -> None:
    """Run a node script as ``__main__`` with ``argv``; its ``Node.run()`` calls ``adopt``."""
    path = argv[0]
    code = _compiled(path)
    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__builtins__ = __builtins__
    saved_argv, saved_path, saved_main = sys.argv, list(sys.path), sys.modules["__main__"]
    before = set(sys.modules)
    library.in_process_host = adopt
    sys.argv = list(argv)
    sys.modules["__main__"] = module
    try:
        exec(code, module.__dict__)
    finally:
        library.in_process_host = None
        sys.argv, sys.modules["__main__"] = saved_argv, saved_main
        sys.path[:] = saved_path
        for name in set(sys.modules) - before:
            if _private(name, sys.modules[name]):
                del sys.modules[name]


class SimNode(NodeHost):
    def __init__(self, node_id: str, argv: list[str], workdir: str, log_path: Path,
                 network: Network, log: Callable[[str], None], echo_stderr: bool = False,
                 pid: int = 0, startup_s: float = 0.0):
        super().__init__(node_id, argv, workdir, log_path, network, log, echo_stderr)
        self.pid = pid
        self.startup_s = startup_s   # from launch until the script runs, as a process's start-up
        self.data_dir = Path(workdir)
        self.node: library.Node | None = None
        self.context = contextvars.Context()
        self.context.run(current_node.set, self)
        self._alive = False             # launched, and neither exited nor killed since
        self._loaded = False            # its script has run (it reads its stdin)
        self._lives = 0
        self._loop = None
        self._stdin: list[str] = []     # lines delivered, for the next flush
        self._unread: list[str] = []    # stdin waiting while the node starts up or is paused
        self._text = {"stdout": "", "stderr": ""}   # print()ed text without its newline yet
        self._frozen: list[asyncio.Handle] = []
        self._exited: asyncio.Future | None = None
        self._log_file = None

    @property
    def state(self) -> str:
        return "down" if not self._alive else "paused" if self.paused else "running"

    # --- life ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Launch the node (again, after `crash`): its script runs ``startup_s`` later (what
        is delivered meanwhile waits, as in a pipe), and it is served from its
        ``Node.run()`` on."""
        if self._lives:
            if self._alive:
                raise RuntimeError(f"node {self.id} is still running; crash() it before starting it again")
            self._restarting()
        self._lives += 1
        self._loop = asyncio.get_running_loop()
        self._exited = self._loop.create_future()
        started = self._loop.time()
        self._log_file = CappedLog(open(self.log_path, "ab"), self.log_path.stem,
                                   lambda: self._logs_too_much(limit_passed(self._log_file.limit,
                                                                            self._loop.time() - started)))
        self.node, self._alive, self._loaded = None, True, False
        self._stdin, self._unread, self._frozen = [], [], []
        self._text = {"stdout": "", "stderr": ""}
        self._loop.call_later(self.startup_s, self._load, context=self.context)

    def _load(self) -> None:
        self._loaded = True
        try:
            run_script(self.argv, self._adopt)
        except NodeExit:
            return
        except BaseException:   # what a process would print on dying of it
            self.stderr_text(traceback.format_exc())
            self.exit(1, unwind=False)
            return
        if self.node is None and self._alive:
            self.refuse(f"never called Node.run(). Fix: {LIBRARY_FIX}", unwind=False)
        elif self._unread and self.state == "running":
            self._feed_unread()

    def _adopt(self, node: library.Node) -> None:
        if self.node is not None:
            self.refuse("called Node.run() twice")
        self.node = node
        node._write_stdout = self._stdout_line
        node._write_stderr = self._stderr_line
        node.data_dir = self.data_dir

    def exit(self, status: int, unwind: bool = True) -> None:
        """The node exits by itself (sys.exit, os._exit, a crash at start)."""
        if self._alive:
            self._stop()
            self._report_exit(status)
            self._exited.set_result(status)
        if unwind:
            raise NodeExit(status)

    def refuse(self, what: str, unwind: bool = True) -> None:
        """End a node that did what the simulator cannot run, saying so in its log."""
        self._stderr_line(f"[sim] {self.id} {what}")
        self.log(f"ERROR node {self.id} {what}")
        self.exit(1, unwind)

    def _stop(self, status: int | None = None) -> None:
        """Nothing of the node runs any more: its pending callbacks are dropped."""
        self._alive = self.paused = False
        self._loop.take(current_node, self)
        self._frozen, self._unread, self._stdin = [], [], []
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if status is not None and not self._exited.done():
            self._exited.set_result(status)

    async def exited(self) -> int:
        return await asyncio.shield(self._exited)

    async def end_stdin(self, wait_s: float) -> None:
        """Stdin ends: a node on the library then returns from ``Node.run()`` and exits."""
        self.killed = True
        if self._alive:
            self._stop(0)

    async def kill(self, table: object = None) -> None:
        """Teardown: the node is gone, whatever it was doing."""
        if self._alive:
            self.killed = True
            self._stop(-9)

    async def crash(self) -> None:
        """The nemesis's kill: gone at once; its queue is kept but no longer taken."""
        if self._alive:
            self.network.halt(self.id)
            self.killed = True
            self._stop(-9)
            self._log_mark("killed (SIGKILL) by the nemesis")

    async def pause(self) -> None:
        """As SIGSTOP: nothing of the node runs, and what is delivered waits, until `resume`."""
        if self.state == "running":
            self.paused = True
            self._frozen = self._loop.take(current_node, self)
            self._log_mark("paused (SIGSTOP) by the nemesis")

    async def resume(self) -> None:
        """As SIGCONT: timers that fell due meanwhile fire at once, then the waiting input."""
        if self.state == "paused":
            self.paused = False
            frozen, self._frozen = self._frozen, []
            self._loop.put_back(frozen)
            if self._unread and self._loaded:
                self._feed_unread()
            self._log_mark("resumed (SIGCONT) by the nemesis")

    def _log_mark(self, what: str) -> None:
        if self._log_file is not None:
            self._log_file.flush()
        super()._log_mark(what)

    def _feed_unread(self) -> None:
        data, self._unread = "".join(self._unread), []
        self._loop.call_soon(self._feed, data.encode(), context=self.context)

    # --- stdin ---------------------------------------------------------------------------
    def deliver(self, msg: dict) -> None:
        self._stdin.append(delivery_line(msg))

    def flush(self) -> None:
        if not self._stdin:
            return
        lines, self._stdin = self._stdin, []
        if not self._alive:
            return
        if self._loaded and not self.paused:
            # The node reads its stdin at once: nothing else can happen at this virtual
            # instant that its reading later would let in first.
            if self._loop.owner is not self:
                self._loop.enter(self)
            self.context.run(self._feed, "".join(lines).encode())
        else:
            self._unread += lines

    def _feed(self, data: bytes) -> None:
        if self.state != "running" or self.node is None:
            return
        try:
            self.node._receive(data)
        except NodeExit:
            pass
        except Exception:   # the library itself failed: a process's asyncio would log it
            self.stderr_text(traceback.format_exc())

    # --- stdout and stderr ---------------------------------------------------------------
    def _stdout_line(self, line: str) -> None:
        """A line the node writes goes to the network at once, as the harness's reading
        it a moment later would, but sent as the harness: what the network schedules for
        it is not the node's (a pause must not hold other nodes' messages)."""
        if not self._alive or self.silenced:
            return      # a process that is gone writes nothing
        self._loop.at_this_instant += 1     # a message costs time, however many one callback sends
        token = current_node.set(None)
        try:
            self._send_lines(line.split("\n") if "\n" in line else (line,))
        finally:
            current_node.reset(token)

    def _stderr_line(self, line: str) -> None:
        if self._log_file is None:
            return
        self._log_file.write((line + "\n").encode(errors="replace"))
        if self.echo_stderr:
            self.log(f"[{self.id} stderr] {line}")

    def stdout_text(self, text: str) -> None:
        """What node code print()s: whole lines go out as the node's stdout lines."""
        self._split_text("stdout", text, self._stdout_line)

    def stderr_text(self, text: str) -> None:
        self._split_text("stderr", text, self._stderr_line)

    def _split_text(self, stream: str, text: str, write: Callable[[str], None]) -> None:
        *lines, self._text[stream] = (self._text[stream] + text).split("\n")
        for line in lines:
            write(line)

    @property
    def stderr_tail(self) -> list[str]:
        if self._log_file is not None:
            self._log_file.flush()
        return super().stderr_tail
