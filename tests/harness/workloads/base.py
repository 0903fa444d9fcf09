"""The contract between the harness engine and a workload module.

A workload is one module or subpackage under ``tests/harness/workloads/`` exporting
``WORKLOAD``, a subclass of :class:`Workload`. It brings its RPC shapes (what ``invoke``
sends and the closed schema it checks replies against), its generator
(``next_op``/``final_ops``) and its checker (``check``). The engine
(``tests/harness/interpreter.py``) owns time, threads, processes, clients and the history.

History ops are plain dicts (docs/maelstrom.md §5.4), the same shape as ``history.jsonl``:
``{"index": 0, "time": <ns>, "type": "invoke"|"ok"|"fail"|"info",
"process": <int>|"nemesis", "f": "read", "value": ..., ["error": ...], ["final?": true], ...}``.
Clojure keywords are written as plain strings ("read", "send", "net-timeout").

Validity values are ``True``, ``False`` or the string ``"unknown"``.
"""
from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterator, Protocol

from ..errors import RPCError, RPCTimeout
from ..options import Options

if TYPE_CHECKING:
    from ..explain import Context, Part


class Client(Protocol):
    """One Maelstrom client (``cK``), bound to one node. Handles one request at a time."""

    id: str
    node: str

    async def rpc(self, body: dict, timeout: float = 5.0) -> dict:
        """Send ``body`` to the node; return the reply body.

        Raises RPCError for an error reply and RPCTimeout when nothing matching arrived.
        The reply's schema is the workload's to check (``schema.check_response``)."""
        ...


class TestCannotRun(Exception):
    """The test as configured cannot run, whatever the nodes do (Jepsen throws before the
    first op; Maelstrom exits 255). Raised from ``setup``, it aborts without blaming a node."""


class Workload:
    name: str = ""
    # Reusable clients keep their id when the thread's process changes (docs/maelstrom.md §5.1).
    reusable_client: bool = False
    # True: main-phase ops go to a uniformly random free thread (echo's each-thread
    # generator). False: Jepsen's rotation over threads (docs/maelstrom.md §5.1).
    each_thread: bool = False
    # Whether the run ends with heal, 10 s of recovery and a final phase (docs/maelstrom.md §5.3).
    final_phase: bool = False
    # The final phase is cut off after this many seconds (kafka: 10); None = no limit.
    final_time_limit: float | None = None

    def __init__(self, opts: Options, rng: random.Random):
        self.opts = opts
        self.rng = rng

    async def setup(self, client: Client) -> None:
        """Runs once per node, on that node's setup client, before the main phase.
        An exception aborts the run (exit 255), naming the node unless it is TestCannotRun."""

    def next_op(self, now: float) -> dict | None:
        """The next main-phase op, ``{"f": ..., "value": ...}`` plus any extra keys.
        ``now`` is seconds since the main phase began. None means the stream is exhausted."""
        raise NotImplementedError

    def next_op_for(self, thread: int, now: float) -> dict | None:
        """The next main-phase op, for the free ``thread`` the engine picked for it. Only a
        generator whose ops depend on the thread (lin-kv's key groups) overrides this."""
        return self.next_op(now)

    def update(self, invoke: dict, completion: dict) -> None:
        """Feedback: called with each client op's invoke and completion as they are recorded."""

    def final_ops(self, thread: int) -> Iterator[dict]:
        """The final-phase ops of one thread, invoked one after another on that thread.
        Produced lazily, so a generator may look at what ``update`` has seen meanwhile.
        An op may carry ``"_gap": seconds``: it is invoked no sooner than that long after the
        previous op of the same thread was invoked (Jepsen's stagger)."""
        yield {"f": "read", "value": None, "final?": True}

    async def invoke(self, client: Client, op: dict) -> dict:
        """Perform one op: return its completion ``{"type": ..., "value": ..., ["error": ...]}``.
        Exceptions that escape become ``info`` ops with an ``exception`` (docs/maelstrom.md §5.5)."""
        raise NotImplementedError

    def check(self, history: list[dict]) -> dict:
        """The workload checker over the whole history (nemesis ops included)."""
        raise NotImplementedError

    def explain(self, ctx: "Context") -> "Part | list[Part] | None":
        """Why this workload's checker found the run invalid or unknown (or, when it misses
        its challenge's latency limits, slow), from the stored run (tests/harness/explain.py).
        None: nothing to add to the checker's own result."""
        return None


async def with_errors(idempotent: bool, value: Any, call: Callable[[], Awaitable[dict]]) -> dict:
    """Maelstrom's standard error wrapper (docs/maelstrom.md §5.5).

    A timeout fails an idempotent op and leaves any other indeterminate (info); an error
    reply fails the op when its code is definite or the op is idempotent."""
    try:
        return await call()
    except RPCTimeout:
        return {"type": "fail" if idempotent else "info", "value": value, "error": "net-timeout"}
    except RPCError as e:
        kind = "fail" if (e.definite or idempotent) else "info"
        return {"type": kind, "value": value, "error": [e.name, e.text]}


def invokes_and_completions(history: list[dict]) -> Iterator[tuple[dict, dict]]:
    """Pair every client invoke with its completion (the next op of the same process)."""
    open_ops: dict[Any, dict] = {}
    for op in history:
        p = op["process"]
        if p == "nemesis":
            continue
        if op["type"] == "invoke":
            open_ops[p] = op
        elif p in open_ops:
            yield open_ops.pop(p), op
