"""What node code sees of the process while a simulation runs, so that a run is a function of its seed.

Every simulated node shares the harness's process, so the few process-wide things a node can
read are replaced for the length of a run (`Sandbox`), and answer differently depending on
who asks: code running for a node (`current_node` is set in its context) gets

- the virtual clock from ``time.time``, ``monotonic``, ``perf_counter`` and their ``_ns``
  forms (``time.time`` counts from 2026-01-01 00:00 UTC);
- randomness from the run's seed: the global ``random`` generator is seeded, and
  ``os.urandom`` (behind ``uuid4``, ``secrets``, ``SystemRandom``) draws from it;
- a pid of its own from ``os.getpid``;
- its own stdout (the network) and stderr (its log) behind ``print``, ``sys.stdout`` and
  ``os.write`` to descriptors 1 and 2;
- an exit of its own from ``sys.exit`` and ``os._exit``;
- a clear refusal, ending the node, from what would block the one thread every node runs
  on: ``time.sleep``, reading ``sys.stdin``, starting a thread, opening a socket.

Harness code (no node in its context) gets the real functions, so the checkers' own
timeouts still run on the wall clock.
"""
from __future__ import annotations

import contextvars
import os
import random
import socket
import sys
import threading
import time
from typing import Any, Callable

# The simulated node whose code is running, in every callback and task it scheduled.
current_node: contextvars.ContextVar[Any] = contextvars.ContextVar("glomers_sim_node", default=None)

EPOCH_S = 1_767_225_600   # what a node's time.time() reads at virtual time 0

BLOCKING_FIX = ("the simulator runs every node on one thread, so a node may wait only by "
                "awaiting (await asyncio.sleep, node.rpc, @node.every); run this node with `test` instead")
LIBRARY_FIX = ("the simulator runs only nodes built on common/'s Node, which get their messages "
               "through Node.run(); run this node with `test` instead")


class NodeExit(Exception):
    """Unwinds a node's code once the node has exited (``sys.exit``) or been refused.

    An Exception, not a BaseException, so that the node library's handlers catch it like
    any other failure: the node is already gone, so whatever they write is dropped."""


class _Stream:
    """sys.stdout / sys.stderr: a node's own stream for node code, the real one otherwise."""

    def __init__(self, real, line_writer: str):
        self._real = real
        self._writer = line_writer   # "stdout_text" or "stderr_text" on the node

    def write(self, text: str) -> int:
        node = current_node.get()
        if node is None:
            return self._real.write(text)
        getattr(node, self._writer)(text)
        return len(text)

    def flush(self) -> None:
        if current_node.get() is None:
            self._real.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _Stdin:
    def __init__(self, real):
        self._real = real

    def __getattr__(self, name: str) -> Any:
        node = current_node.get()
        if node is not None and name in ("read", "readline", "readlines", "buffer", "fileno", "__iter__"):
            node.refuse(f"read sys.stdin itself. Fix: {LIBRARY_FIX}")
        return getattr(self._real, name)

    def __iter__(self):
        return self.__getattr__("__iter__")()


class Sandbox:
    """Installs the replacements for the length of a ``with`` block, then restores everything."""

    def __init__(self, clock_ns: Callable[[], int], rng: random.Random):
        self.clock_ns = clock_ns
        self.rng = rng
        self._saved: list[tuple[Any, str, Any]] = []
        self._random_state = None

    def _replace(self, owner: Any, name: str, make: Callable[[Any], Any]) -> None:
        real = getattr(owner, name)
        self._saved.append((owner, name, real))
        setattr(owner, name, make(real))

    def __enter__(self) -> Sandbox:
        clock_ns = self.clock_ns
        self._random_state = random.getstate()
        random.seed(self.rng.getrandbits(64))

        def virtual(real, convert):
            def now(*args):
                return real(*args) if current_node.get() is None else convert(clock_ns())
            return now
        for name, convert in (("monotonic", lambda ns: ns / 1e9), ("perf_counter", lambda ns: ns / 1e9),
                              ("time", lambda ns: EPOCH_S + ns / 1e9),
                              ("monotonic_ns", lambda ns: ns), ("perf_counter_ns", lambda ns: ns),
                              ("time_ns", lambda ns: EPOCH_S * 10**9 + ns)):
            self._replace(time, name, lambda real, c=convert: virtual(real, c))

        def blocking(real, what):
            def call(*args, **kwargs):
                node = current_node.get()
                if node is not None:
                    node.refuse(f"called {what}, which would stop every node. Fix: {BLOCKING_FIX}")
                return real(*args, **kwargs)
            return call
        self._replace(time, "sleep", lambda real: blocking(real, "time.sleep"))
        self._replace(threading.Thread, "start", lambda real: blocking(real, "threading.Thread.start"))

        class RefusedSocket(socket.socket):
            def __init__(self, *args, **kwargs):
                node = current_node.get()
                if node is not None:
                    node.refuse(f"opened a socket, which the simulator cannot serve. Fix: {BLOCKING_FIX}")
                super().__init__(*args, **kwargs)
        self._replace(socket, "socket", lambda real: RefusedSocket)

        def exiting(real, status_of):
            def exit_(*args):
                node = current_node.get()
                if node is None:
                    return real(*args)
                node.exit(status_of(*args))
            return exit_
        self._replace(os, "_exit", lambda real: exiting(real, lambda status: status))
        self._replace(sys, "exit", lambda real: exiting(real, _exit_status))

        def urandom(real):
            def draw(n: int) -> bytes:
                return real(n) if current_node.get() is None else random.randbytes(n)
            return draw
        self._replace(os, "urandom", urandom)
        self._replace(random, "_urandom", urandom)

        def getpid(real):
            def pid() -> int:
                node = current_node.get()
                return real() if node is None else node.pid
            return pid
        self._replace(os, "getpid", getpid)

        def write(real):
            def write_(fd: int, data: bytes) -> int:
                node = current_node.get()
                if node is None or fd not in (1, 2):
                    return real(fd, data)
                text = bytes(data).decode("utf-8", errors="replace")
                (node.stdout_text if fd == 1 else node.stderr_text)(text)
                return len(data)
            return write_
        self._replace(os, "write", write)

        self._replace(sys, "stdout", lambda real: _Stream(real, "stdout_text"))
        self._replace(sys, "stderr", lambda real: _Stream(real, "stderr_text"))
        self._replace(sys, "stdin", _Stdin)
        return self

    def __exit__(self, *exc: object) -> None:
        while self._saved:
            owner, name, real = self._saved.pop()
            setattr(owner, name, real)
        random.setstate(self._random_state)


def _exit_status(code: object = None) -> int:
    """The status ``sys.exit(code)`` gives a process."""
    if code is None:
        return 0
    if isinstance(code, int) and not isinstance(code, bool):
        return code & 0xFF
    return 1   # a message: printed on stderr, status 1
