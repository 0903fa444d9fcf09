"""The Maelstrom node runtime that every challenge node is built on.

A node is a process that reads one JSON message per line on stdin and writes one per line on
stdout (docs/maelstrom.md §2). This module turns that into message handlers::

    node = Node()

    @node.on("echo")
    def echo(msg: Message) -> None:
        node.reply(msg, {"type": "echo_ok", "echo": msg.body["echo"]})

    node.run()

Design, and why
---------------
Everything runs on one asyncio event loop in one thread, so handlers never race each other and
need no locks: a plain handler runs to completion before the next message is looked at, and an
``async def`` handler can be interleaved with others only at its ``await`` points. Coroutines
are needed only to wait for something (an RPC reply, a timer), so plain functions are the usual
case and the fast path.

asyncio's usual shape, a stream reader with one task per message, spends nearly as much time
in the event loop as on the messages: measured as bench/bench_lib.py does, it echoes about a
third fewer messages per second than this design. So the loop is used only for what it is
good at, waiting, and the per-message path is ordinary function calls:

* stdin is watched with ``loop.add_reader``; once it is readable, one ``os.read`` takes all that
  is available (many messages, under load), which is split into lines here;
* each line is decoded and dispatched at once: plain handlers are called inline, and only
  coroutine handlers become tasks;
* each outgoing message is written straight to the stdout file descriptor with ``os.write``.
  Nothing is buffered, so every line is flushed the moment it is sent (docs/maelstrom.md §2.5).

The event loop's overhead is thus paid per chunk of input, not per message.

Protocol duties the library performs, so that nodes need not:

* ``init`` is answered here: ``node_id`` and ``node_ids`` are recorded, `on_init` hooks run,
  `every` timers start, and ``init_ok`` goes back (error 12 if ``node_ids`` lacks ``node_id``);
* a reply to one of our own RPCs (its ``in_reply_to`` names a pending request) wakes the `rpc`
  awaiting it. Any other message goes to the handler for its type; a reply with no handler
  (typically one that came after its RPC had timed out) is dropped;
* input is checked before any handler sees it: a line with a non-finite number, absurd
  nesting or an over-long integer (`common.wire`), a body whose ``type`` is missing or not a
  string, or one that does not fit the shape its handler declared (`common.schema`): error 12,
  naming what is wrong. Unknown type: error 10. Any request but ``init`` before ``init``: error
  11, sent from the id it was addressed to. A handler that raises: error 13 carrying the
  exception, or the code of an `RPCError` it raised, unless it had already replied (a request
  gets one answer; the error is logged). Lines that are not a JSON message with an
  object body are logged and skipped. The node keeps serving after all of these, and a refused
  request changes nothing;
* replies go only to requests that carry a ``msg_id``. Maelstrom's clients always send one; a
  message without one (fire-and-forget gossip between nodes, or a body that is not even an
  object) has nobody waiting for an answer and nothing an ``in_reply_to`` could name;
* a client's request is not answered once its client has given up on it. A Maelstrom client
  waits 5 s, then gives up, and many workloads then close it: a reply to a closed client makes
  Maelstrom stop reading the node for good (docs/maelstrom.md §2.7, §2.8). So a reply to a
  client later than PATIENCE_S after the request was read is dropped (and logged), and so is
  one to any client request that piled up while the node was stopped (``--nemesis pause``) or
  blocked for longer than PATIENCE_S: how long each of those waited is unknown. A timer that
  ticks every TICK_S notices such a stall. The request is still handled; only its answer is
  withheld, which the client already records as indefinite. Requests from other nodes are
  always answered: nodes are never closed.
"""
from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import math
import os
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from .errors import ErrorCode, RPCError, RPCTimeout
from .schema import Shape
from .wire import Lines, decode

Body = dict[str, Any]
Handler = Callable[["Message"], None] | Callable[["Message"], Awaitable[None]]
F = TypeVar("F", bound=Callable[..., Any])

# Compact output, and no NaN/Infinity: Maelstrom's parser rejects them and would then stop
# reading this node's stdout for good (docs/maelstrom.md §2.8).
_encode = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
_READ_SIZE = 1 << 16  # a full pipe buffer
PATIENCE_S = 4.0      # a client waits 5 s for a reply; this leaves a second for the network
TICK_S = 0.5          # how often the node checks that it has not been stopped

# Set by an in-process host (the simulator) while it loads a node script: `Node.run` then
# hands the node to it instead of starting an event loop of its own.
in_process_host: Callable[[Node], None] | None = None


class Message(NamedTuple):
    """One received message: who sent it, to whom, and its body (a dict)."""

    src: str
    dest: str
    body: Body


class Node:
    """A Maelstrom node: register handlers with `on`, then call `run`."""

    def __init__(self) -> None:
        self.node_id: str | None = None   # this node's id, known once init has arrived
        self.node_ids: list[str] = []     # every server node, this one included, in CLI order
        self._servers: frozenset[str] = frozenset()   # node_ids, to look up
        # Where durable state lives (`common.wal`); None: the working directory at start.
        self.data_dir: Path | None = None
        self._handlers: dict[str, tuple[Handler, bool, Shape | None]] = {
            "init": (self._init, False, Shape({"node_id": str, "node_ids": list[str]}))}
        self._init_hooks: list[Callable[[], None]] = []
        self._timers: list[tuple[float, Callable[[], Any]]] = []
        self._pending: dict[int, asyncio.Future[Body]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        # id() of the body of each request being handled and not yet answered -> until when
        # its sender still waits for the answer (for ever, for a node)
        self._unanswered: dict[int, float] = {}
        self._last_tick = 0.0    # loop time of the latest tick, or of the end of a stall
        self._backlog = False    # input that piled up during a stall is still to be read
        self._timers.append((TICK_S, self._tick))
        self._msg_ids = itertools.count(1)
        self._lines = Lines()
        self._stdout = 1
        self._stderr = 2

    @property
    def peers(self) -> list[str]:
        """Every other server node."""
        return [n for n in self.node_ids if n != self.node_id]

    # -- registration ----------------------------------------------------------------

    def on(self, type_: str, **fields: Any) -> Callable[[F], F]:
        """Decorator: handle messages whose body has this ``type``. The handler gets a
        `Message`; it may be a plain function or an ``async def`` coroutine function.
        ``fields`` declare the body fields it reads and their shapes (see `common.schema`):
        a body that does not fit is answered with error 12 and never reaches the handler."""
        if type_ == "init":
            raise ValueError("init is answered by the library; use @node.on_init for set-up")
        shape = Shape(fields) if fields else None

        def register(handler: F) -> F:
            self._handlers[type_] = (handler, inspect.iscoroutinefunction(handler), shape)
            return handler
        return register

    def on_init(self, hook: F) -> F:
        """Decorator: call ``hook()`` once ``node_id``/``node_ids`` are known, before
        ``init_ok`` is sent. Hooks run on the first init only."""
        self._init_hooks.append(hook)
        return hook

    def every(self, seconds: float) -> Callable[[F], F]:
        """Decorator: call ``fn()`` (plain or ``async``) every ``seconds``, from init on.
        A run that raises is logged and the next one still happens. An async run is awaited
        before the next wait starts, so runs never overlap."""
        def register(fn: F) -> F:
            self._timers.append((seconds, fn))
            if self.node_id is not None:   # registered after init: start right away
                self.spawn(self._repeat(seconds, fn))
            return fn
        return register

    # -- sending ---------------------------------------------------------------------

    def send(self, dest: str, body: Body) -> None:
        """Send a message and expect nothing back."""
        self._write_stdout(_encode({"src": self.node_id, "dest": dest, "body": body}))

    def reply(self, request: Message, body: Body) -> None:
        """Answer ``request`` with ``body`` (``in_reply_to`` is added). Does nothing if the
        request had no ``msg_id``: then nobody is waiting for an answer."""
        msg_id = request.body.get("msg_id")
        if msg_id is not None:
            until = self._unanswered.get(id(request.body), math.inf)
            if until < math.inf and asyncio.get_running_loop().time() > until:
                self.log(f"not answering {request.src}'s {request.body.get('type')} {msg_id}: "
                         "its client has given up waiting (the node was stopped or slow)")
            else:
                self.send(request.src, {**body, "in_reply_to": msg_id})
            self._unanswered.pop(id(request.body), None)

    async def rpc(self, dest: str, body: Body, timeout: float = 1.0) -> Body:
        """Send a request and return its reply body. Raises `RPCError` (or a subclass such as
        `KeyDoesNotExist`) for an error reply, and `RPCTimeout` (code 0) if no reply has
        arrived after ``timeout`` seconds; the request may still have taken effect then."""
        msg_id = next(self._msg_ids)
        answer = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = answer
        try:
            self.send(dest, {**body, "msg_id": msg_id})
            async with asyncio.timeout(timeout):
                reply = await answer
        except TimeoutError:
            raise RPCTimeout(f"no reply from {dest} to {body.get('type')} "
                             f"within {timeout:g} s") from None
        finally:
            del self._pending[msg_id]
        if reply.get("type") == "error":
            raise RPCError.from_body(reply)
        return reply

    def log(self, *parts: object) -> None:
        """Write one line to stderr, which Maelstrom keeps as this node's log."""
        self._write_stderr(" ".join(map(str, parts)))

    # -- running ---------------------------------------------------------------------

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run a coroutine in the background (e.g. an RPC started by a plain handler).
        If it raises, the exception is logged."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)   # the loop keeps only a weak reference to tasks
        task.add_done_callback(self._task_done)
        return task

    def run(self, stdin: int = 0, stdout: int = 1, stderr: int = 2) -> None:
        """Serve messages until stdin ends. The file descriptors default to the process's
        own standard streams; tests pass pipes. Under an in-process host (the simulator,
        tests/harness/sim) the node is handed to it instead, and this returns at once."""
        if in_process_host is not None:
            return in_process_host(self)
        self._stdout, self._stderr = stdout, stderr
        asyncio.run(self._serve_until_eof(stdin))

    async def _serve_until_eof(self, stdin: int) -> None:
        loop = asyncio.get_running_loop()
        eof = loop.create_future()

        def on_readable() -> None:
            chunk = os.read(stdin, _READ_SIZE)
            if not chunk:
                loop.remove_reader(stdin)
                if last := self._lines.rest():
                    self._handle_line(last)
                eof.set_result(None)
                return
            self._receive(chunk)

        loop.add_reader(stdin, on_readable)
        await eof

    def _receive(self, chunk: bytes) -> None:
        """Handle the lines in a chunk of stdin (an in-process host calls this too)."""
        now = asyncio.get_running_loop().time()
        stalled = self._backlog or (self.node_id is not None
                                    and now - self._last_tick > TICK_S + PATIENCE_S)
        if stalled:   # what piled up meanwhile may be older than any client still waits for
            self._last_tick = now
        self._backlog = stalled and len(chunk) >= _READ_SIZE   # a full read: there is more
        clients_wait_until = -math.inf if stalled else now + PATIENCE_S
        for line in self._lines.feed(chunk):
            self._handle_line(line, clients_wait_until)

    def _tick(self) -> None:
        # Late by a stall (a pause, or a loop blocked) with the input not read yet, as when
        # an in-process host runs overdue timers before it delivers what waited.
        now = asyncio.get_running_loop().time()
        self._backlog = now - self._last_tick > TICK_S + PATIENCE_S
        self._last_tick = now

    # -- dispatch --------------------------------------------------------------------

    def _handle_line(self, line: bytes, clients_wait_until: float = math.inf) -> None:
        try:
            raw, refused = decode(line)
        except ValueError:
            self.log("skipping a line that is not JSON:", repr(line[:200]))
            return
        if not (isinstance(raw, dict) and isinstance(raw.get("src"), str)
                and isinstance(raw.get("body"), dict)):
            self.log("skipping a message without a src or an object body:", repr(line[:200]))
            return
        msg = Message(raw["src"], raw.get("dest"), raw["body"])
        if refused:
            self._refuse(msg, ErrorCode.MALFORMED_REQUEST, refused)
            return
        body = msg.body
        in_reply_to = body.get("in_reply_to")
        if isinstance(in_reply_to, int) and in_reply_to in self._pending:
            answer = self._pending[in_reply_to]
            if not answer.done():
                answer.set_result(body)
            return
        type_ = body.get("type")
        if not isinstance(type_, str):
            self._refuse(msg, ErrorCode.MALFORMED_REQUEST, "the body needs a string type")
            return
        entry = self._handlers.get(type_)
        if entry is None:
            if in_reply_to is None:   # otherwise a late reply to an RPC that timed out
                self._refuse(msg, ErrorCode.NOT_SUPPORTED, f"unknown message type {type_!r}")
            return
        handler, is_async, shape = entry
        if self.node_id is None and handler != self._init:
            self._refuse(msg, ErrorCode.TEMPORARILY_UNAVAILABLE,
                         f"{type_} before init: this node does not know its id yet")
            return
        problem = shape.problem(body) if shape else None
        if problem:
            self._refuse(msg, ErrorCode.MALFORMED_REQUEST, f"{type_}: {problem}")
            return
        if "msg_id" in body:
            client = msg.src not in self._servers
            self._unanswered[id(body)] = clients_wait_until if client else math.inf
        if is_async:
            self.spawn(self._serve(handler, msg))
        else:
            try:
                handler(msg)
            except Exception as exc:
                self._fail(msg, exc)
            finally:
                self._unanswered.pop(id(body), None)

    async def _serve(self, handler: Handler, msg: Message) -> None:
        try:
            await handler(msg)
        except Exception as exc:
            self._fail(msg, exc)
        finally:
            self._unanswered.pop(id(msg.body), None)

    def _fail(self, msg: Message, exc: Exception) -> None:
        """Answer a request whose handler raised. An `RPCError` is a deliberate answer;
        anything else is a bug, reported as a crash (indefinite: it may have half-happened).
        A request already answered gets no second answer: the error is only logged."""
        if "msg_id" in msg.body and id(msg.body) not in self._unanswered:
            self.log(f"handler for {msg.body.get('type')!r} raised after answering {msg}:\n"
                     + "".join(traceback.format_exception(exc)).rstrip())
            return
        if isinstance(exc, RPCError):
            self.reply(msg, exc.to_body())
            return
        self.log(f"handler for {msg.body.get('type')!r} crashed on {msg}:\n"
                 + "".join(traceback.format_exception(exc)).rstrip())
        self.reply(msg, RPCError(ErrorCode.CRASH, f"{type(exc).__name__}: {exc}").to_body())

    def _refuse(self, msg: Message, code: ErrorCode, text: str) -> None:
        self.log(f"error {code.value} to {msg.src}: {text}")
        msg_id = msg.body.get("msg_id")
        me = self.node_id or msg.dest   # before init: the id the request was addressed to
        if msg_id is not None and isinstance(me, str):
            self._write_stdout(_encode({"src": me, "dest": msg.src, "body": {
                **RPCError(code, text).to_body(), "in_reply_to": msg_id}}))

    def _init(self, msg: Message) -> None:
        node_id, node_ids = msg.body["node_id"], msg.body["node_ids"]
        if node_id not in node_ids:
            self._refuse(msg, ErrorCode.MALFORMED_REQUEST,
                         f"init: node_ids {node_ids} must include this node's own id {node_id!r}")
            return
        first = self.node_id is None
        self.node_id, self.node_ids, self._servers = node_id, node_ids, frozenset(node_ids)
        if first:
            # Timers a hook registers start themselves (node_id is set by now): start only
            # those registered before init, or they would run twice.
            timers = list(self._timers)
            for hook in self._init_hooks:
                hook()
            for seconds, fn in timers:
                self.spawn(self._repeat(seconds, fn))
            self._last_tick = asyncio.get_running_loop().time()
        self.reply(msg, {"type": "init_ok"})

    async def _repeat(self, seconds: float, fn: Callable[[], Any]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                result = fn()
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:
                self.log(f"periodic {getattr(fn, '__name__', fn)} failed:\n"
                         + "".join(traceback.format_exception(exc)).rstrip())

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.log("background task failed:\n"
                     + "".join(traceback.format_exception(task.exception())).rstrip())

    # An in-process host replaces these two on the instance.
    def _write_stdout(self, line: str) -> None:
        self._write(self._stdout, line)

    def _write_stderr(self, line: str) -> None:
        self._write(self._stderr, line)

    @staticmethod
    def _write(fd: int, line: str) -> None:
        data = (line + "\n").encode(errors="replace")
        while data:   # a pipe write can be partial if a signal interrupts it
            data = data[os.write(fd, data):]
