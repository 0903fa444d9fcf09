"""Maelstrom's built-in services (docs/maelstrom.md §7) as pure state machines.

Each service answers one request body at a time: ``handle(src, body)`` returns the reply
body, or None where Maelstrom sends no reply (a request of unknown type makes its service
worker throw and log a warning). The engine owns queues, latency and delivery.

Maelstrom is written in Clojure, so values are compared with Clojure's ``=`` over decoded
JSON: ``1``, ``1.0``, ``true`` and ``"1"`` are four different keys, and ``[1]`` is not
``[1.0]``. Python's ``==`` disagrees (``1 == 1.0 == True``), so stores are keyed by
:func:`~tests.harness.jsonvalues.json_key` and cas preconditions use ``json_equal``.
"""
from __future__ import annotations

import math
import random
from collections import deque
from decimal import Decimal
from typing import Any, Hashable

from .jsonvalues import json_equal, json_key

# A store maps keys, as json_key gives them, to the values written under them. Stores inside
# seq-kv's history are never mutated once built, so one dict may be shared by several
# buffered states.
Store = dict[Hashable, Any]

# (json_key of the key, new value): what a request would write, decided before anything is
# changed.
Change = tuple[Hashable, Any]

KEY_DOES_NOT_EXIST = 20
PRECONDITION_FAILED = 22


# Error texts embed values the way Clojure prints them, so they must be rendered as such.

_STRING_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r",
                   "\f": "\\f", "\b": "\\b"}


def _print_double(x: float) -> str:
    """Java's ``Double.toString``: positional in [1e-3, 1e7), else ``d.dddE<exp>``."""
    if math.isnan(x):
        return "##NaN"
    if math.isinf(x):
        return "##Inf" if x > 0 else "##-Inf"
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        return repr(x)                   # Python is positional over this range too
    shortest = Decimal(repr(x))
    digits = "".join(map(str, shortest.as_tuple().digits)).rstrip("0") or "0"
    sign = "-" if x < 0 else ""
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{shortest.adjusted()}"


def pr_str(value: Any) -> str:
    """Clojure's ``pr-str`` of a value decoded from JSON by Maelstrom.

    Object keys stay strings (Maelstrom keywordises only the envelope and the body's top
    level). Entries print in insertion order, which is Clojure's order for objects of up to
    8 entries; larger ones print in hash order there."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _print_double(value)
    if isinstance(value, str):
        return '"' + "".join(_STRING_ESCAPES.get(c, c) for c in value) + '"'
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(pr_str(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{pr_str(k)} {pr_str(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"not a decoded JSON value: {value!r}")


def clj_str(value: Any) -> str:
    """Clojure's ``str``: like ``pr-str`` except that nil is empty and strings are bare."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return pr_str(value)


def _is_truthy(value: Any) -> bool:
    """Clojure truthiness: only nil and false are false; 0, "" and [] are true."""
    return value is not None and value is not False


def _error(code: int, text: str) -> dict:
    return {"type": "error", "code": code, "text": text}


def _answer(request: dict, reply: dict) -> dict:
    """Address the reply: the service copies the request's msg_id, and sends none of its own."""
    reply["in_reply_to"] = request.get("msg_id")
    return reply


def _decide_kv(store: Store, body: dict, *, lww: bool) -> tuple[Change | None, dict] | None:
    """Decide a key/value request (docs/maelstrom.md §7.1) against ``store`` without changing it.

    Returns ``(change, reply)``, where ``change`` is None when the request leaves the store
    equal to what it was (a read, a failed cas, rewriting the value already there); or None
    for a request type the service does not know. ``lww`` selects lww-kv's replica rules:
    cas never creates a missing key, and the cas error text prints ``from`` with ``str``.
    """
    kind = body.get("type")
    key = json_key(body.get("key"))
    if kind == "read":
        if key in store:
            return None, {"type": "read_ok", "value": store[key]}
        return None, _error(KEY_DOES_NOT_EXIST, "key does not exist")
    if kind == "write":
        value = body.get("value")
        unchanged = key in store and json_equal(store[key], value)
        return (None if unchanged else (key, value)), {"type": "write_ok"}
    if kind == "cas":
        to = body.get("to")
        if key in store:
            current, expected = store[key], body.get("from")
            if not json_equal(current, expected):
                shown = clj_str(expected) if lww else pr_str(expected)
                return None, _error(PRECONDITION_FAILED,
                                    f"current value {pr_str(current)} is not {shown}")
            return (None if json_equal(current, to) else (key, to)), {"type": "cas_ok"}
        if not lww and _is_truthy(body.get("create_if_not_exists")):
            return (key, to), {"type": "cas_ok"}
        return None, _error(KEY_DOES_NOT_EXIST, "key does not exist")
    return None


def _with_change(store: Store, change: Change | None) -> Store:
    """The store after ``change``, as a new dict; ``store`` itself when nothing changes."""
    if change is None:
        return store
    key, value = change
    return {**store, key: value}


class LinKV:
    """``lin-kv`` (docs/maelstrom.md §7.2): one store, requests applied atomically in arrival order."""

    def __init__(self) -> None:
        self._store: Store = {}

    def handle(self, src: str, body: dict) -> dict | None:
        decided = _decide_kv(self._store, body, lww=False)
        if decided is None:
            return None
        change, reply = decided
        if change is not None:
            key, value = change
            self._store[key] = value
        return _answer(body, reply)


class SeqKV:
    """``seq-kv`` (docs/maelstrom.md §7.3): sequentially consistent, with stale reads.

    The service keeps the last ``HISTORY`` states of a single timeline. Each caller (keyed
    by ``src``) has an index into that timeline it has observed. A request runs against a
    random state no older than the caller's index; if that leaves the state unchanged the
    (possibly stale) result stands. Otherwise it is re-run on the newest state, which becomes
    a new state at the end of the timeline, and the caller jumps to it.
    """

    HISTORY = 32

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._states: deque[Store] = deque([{}], maxlen=self.HISTORY)
        self._last_index = 0                   # timeline number of self._states[-1]
        self._observed: dict[str, int] = {}    # src -> last timeline index it observed

    def handle(self, src: str, body: dict) -> dict | None:
        index = self._rng.randint(self._observed.get(src, 0), self._last_index)
        # QUIRK (kept on purpose): positions count back from the newest state modulo the
        # buffer length, so an index that fell out of the window wraps around to some other
        # buffered state instead of the oldest; a caller can then see time go backwards.
        chosen = self._states[(index - self._last_index - 1) % len(self._states)]
        decided = _decide_kv(chosen, body, lww=False)
        if decided is None:
            return None
        change, reply = decided
        if change is None:
            self._observed[src] = index
            return _answer(body, reply)
        # Changing an old state would fork the timeline: redo the request on the newest one.
        # Its outcome is appended even if it happens to leave the newest state as it was.
        newest = self._states[-1]
        change, reply = _decide_kv(newest, body, lww=False)
        self._states.append(_with_change(newest, change))
        self._last_index += 1
        self._observed[src] = self._last_index
        return _answer(body, reply)


class LwwKV:
    """``lww-kv`` (docs/maelstrom.md §7.4): each request goes to one of ``REPLICAS`` independent stores.

    QUIRK (kept on purpose): Maelstrom computes a last-write-wins merge of two replicas on
    every request but throws the result away, so replicas never converge. Simulating that
    merge would change nothing, so it is left out; only the choice of replica matters.
    """

    REPLICAS = 2

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._replicas: list[Store] = [{} for _ in range(self.REPLICAS)]

    def handle(self, src: str, body: dict) -> dict | None:
        replica = self._replicas[self._rng.randrange(self.REPLICAS)]
        decided = _decide_kv(replica, body, lww=True)
        if decided is None:
            return None
        change, reply = decided
        if change is not None:
            key, value = change
            replica[key] = value
        return _answer(body, reply)


class LinTSO:
    """``lin-tso`` (docs/maelstrom.md §7.5): hands out timestamps 0, 1, 2, ..., one per ``ts`` request."""

    def __init__(self) -> None:
        self._next = 0

    def handle(self, src: str, body: dict) -> dict | None:
        if body.get("type") != "ts":
            return None
        ts, self._next = self._next, self._next + 1
        return _answer(body, {"type": "ts_ok", "ts": ts})


SERVICE_IDS = ("lin-kv", "seq-kv", "lww-kv", "lin-tso")


def make_services(rng: random.Random) -> dict[str, LinKV | SeqKV | LwwKV | LinTSO]:
    """Fresh services under their network ids, as every Maelstrom run starts them."""
    return {"lin-kv": LinKV(), "seq-kv": SeqKV(rng), "lww-kv": LwwKV(rng), "lin-tso": LinTSO()}
