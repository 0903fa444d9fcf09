"""kafka (docs/maelstrom.md §6.7): append-only logs per key, with sends, polls and committed offsets.

The op stream is Jepsen's kafka generator with transactions of length one:

* half the ops ``send`` the next value (1, 2, 3, … per key) to a key, half ``poll``;
  keys come from a pool of ``--key-count`` keys with Elle's exponential distribution, and
  a key that has taken ``--max-writes-per-key`` values is retired for a fresh one;
* with probability 1/64 an ``assign`` of the op's key is emitted instead and the op itself
  waits for the next turn; a third of those assigns also take every key with
  acknowledged-but-unpolled sends;
* a separate stream of ``crash`` ops (about one per client every 30 s) is merged in.

The final phase gives every thread a fresh client that seeks to the beginning of every
key and polls until it has read up to the highest offset seen during the main phase; each
poll is invoked a uniform [0, 0.4) s after the previous one was (or when it completes, if
later), as Jepsen's ``final-polls`` with ``(gen/stagger 1/5)`` does.

The client keeps one offsets map (key -> next offset to poll) per client id; a crash
replaces the client, so the new one starts empty. The checker lives in checker.py.
"""
from __future__ import annotations

import math
from typing import Iterator

from ...schema import check_response, is_int, is_object, object_of
from ..base import Workload, with_errors
from .checker import check_kafka, max_poll_offsets, max_send_offsets
from .explain import explain_kafka

ASSIGN_PROBABILITY = 1 / 64          # Jepsen 0.3.7 (0.3.1 used 1/8)
UNPOLLED_ASSIGN_PROBABILITY = 1 / 3
CRASH_INTERVAL_S = 30.0              # mean seconds between crashes of one client
FINAL_POLL_GAP_S = 0.4               # (gen/stagger 1/5): a final poll goes [0, 0.4) s after the last one went
DEFAULT_KEY_COUNT = 10


def is_pairs(v) -> bool:
    """An array (or null) of ``[offset, message]`` pairs with integer offsets."""
    if v is None:
        return True
    return isinstance(v, list) and all(
        isinstance(p, list) and len(p) == 2 and is_int(p[0]) for p in v)


def is_msgs(v) -> bool:
    return is_object(v) and all(is_pairs(pairs) for pairs in v.values())


def raise_to(target: dict[str, int], *updates: dict[str, int]) -> dict[str, int]:
    """Raise ``target``'s value of every key in ``updates`` to the highest one given."""
    for update in updates:
        for k, v in update.items():
            target[k] = max(v, target.get(k, v))
    return target


def key_order(k: str):
    """Integer keys in numeric order, anything else after them."""
    return (0, int(k), "") if k.lstrip("-").isdigit() else (1, 0, k)


class KeyPool:
    """Elle's pool of active keys: position i is chosen with probability 2^i / (2^n - 1),
    so the newest slot is the likeliest (docs/maelstrom.md §6.9)."""

    # Beyond this many slots the oldest ones have probability below 2^-60: treat as zero.
    EXACT_SLOTS = 60

    def __init__(self, key_count: int, max_writes: int, rng):
        self.active = list(range(key_count))
        self.max_writes = max_writes
        self.writes: dict[int, int] = {}
        self.rng = rng

    def choose(self) -> int:
        n = len(self.active)
        m = min(n, self.EXACT_SLOTS)
        i = int(math.log2(1 + self.rng.random() * (2.0 ** m - 1)))
        return self.active[n - m + min(i, m - 1)]

    def next_value(self, k: int) -> int | None:
        """The next value to send to ``k``, or None (and ``k`` retired) if it has had enough."""
        v = self.writes.get(k, 0) + 1
        if v > self.max_writes:
            self.active[self.active.index(k)] = max(self.active) + 1
            return None
        self.writes[k] = v
        return v


class Kafka(Workload):
    name = "kafka"
    reusable_client = False
    final_phase = True
    final_time_limit = 10.0

    def __init__(self, opts, rng):
        super().__init__(opts, rng)
        key_count = opts.key_count or DEFAULT_KEY_COUNT
        self.keys = KeyPool(key_count, opts.max_writes_per_key, rng)
        self.deferred: tuple[dict, str] | None = None     # an op an assign stood in for
        self.next_crash = 0.0                              # the first crash is due at once
        # Highest offsets acknowledged by ok sends and returned by ok polls, per key,
        # for keys whose polls have not caught up with their sends yet.
        self.unpolled_sent: dict[str, int] = {}
        self.unpolled_polled: dict[str, int] = {}
        # Highest offset seen per key in any ok op: the final phase's target.
        self.seen_offsets: dict[str, int] = {}
        self.final_target: dict[str, int] | None = None
        self.final_remaining: dict[int, dict[str, int]] = {}
        self.client_offsets: dict[str, dict[str, int]] = {}

    # --- generator ------------------------------------------------------------------------
    def next_op(self, now: float) -> dict:
        if now >= self.next_crash:
            self.next_crash += self.rng.uniform(0, 2 * CRASH_INTERVAL_S / self.opts.concurrency)
            return {"f": "crash", "value": None}
        op, key = self.deferred or self._next_txn()
        if self.rng.random() < ASSIGN_PROBABILITY:
            self.deferred = (op, key)
            return self._assign(key)
        self.deferred = None
        return op

    def _next_txn(self) -> tuple[dict, str]:
        """One send or poll, and the key it touches (a poll's key only matters for assigns)."""
        while True:
            poll = self.rng.random() < 0.5
            k = self.keys.choose()
            if poll:
                return {"f": "poll", "value": [["poll"]]}, str(k)
            v = self.keys.next_value(k)
            if v is not None:
                return {"f": "send", "value": [["send", str(k), v]]}, str(k)

    def _assign(self, key: str) -> dict:
        op = {"f": "assign", "value": [key]}
        if self.rng.random() < UNPOLLED_ASSIGN_PROBABILITY and self.unpolled_sent:
            keys = list(self.unpolled_sent)
            op["value"] = keys + [k for k in op["value"] if k not in keys]
            # Jepsen records why, for whoever reads the history.
            op["unseen"] = {k: {"polled": self.unpolled_polled.get(k, -1), "sent": s}
                            for k, s in sorted(self.unpolled_sent.items(), key=lambda kv: key_order(kv[0]))}
        return op

    def update(self, invoke: dict, completion: dict) -> None:
        if completion["type"] != "ok":
            return
        sent, polled = max_send_offsets(completion), max_poll_offsets(completion)
        self._track_unpolled(sent, polled)
        seen = raise_to({}, sent, polled)
        raise_to(self.seen_offsets, seen)
        remaining = self.final_remaining.get(completion["process"] % self.opts.concurrency)
        if remaining is not None and completion["f"] == "poll":
            for k, o in seen.items():
                if remaining.get(k, -1) <= o:
                    remaining.pop(k, None)

    def _track_unpolled(self, sent: dict[str, int], polled: dict[str, int]) -> None:
        raise_to(self.unpolled_sent, sent)
        raise_to(self.unpolled_polled, polled)
        for k in set(sent) | set(polled):
            if self.unpolled_polled.get(k, -1) >= self.unpolled_sent.get(k, -1):
                self.unpolled_sent.pop(k, None)
                self.unpolled_polled.pop(k, None)

    def final_ops(self, thread: int) -> Iterator[dict]:
        if self.final_target is None:
            self.final_target = dict(sorted(self.seen_offsets.items(), key=lambda kv: key_order(kv[0])))
        remaining = dict(self.final_target)
        self.final_remaining[thread] = remaining
        if not remaining:
            return
        yield {"f": "crash", "value": None}
        yield {"f": "assign", "value": list(self.final_target), "seek-to-beginning?": True}
        gap = 0.0
        while remaining:
            yield {"f": "poll", "value": [["poll"]], "poll-ms": 1000, "_gap": gap}
            gap = self.rng.uniform(0, FINAL_POLL_GAP_S)

    # --- client ---------------------------------------------------------------------------
    async def invoke(self, client, op):
        f = op["f"]
        if f == "crash":
            self.client_offsets.pop(client.id, None)
            return {"type": "info", "value": None}
        offsets = self.client_offsets.setdefault(client.id, {})
        if f == "assign":
            return await with_errors(True, op["value"], lambda: self._assign_rpc(client, op, offsets))
        if f == "poll":
            return await with_errors(False, op["value"], lambda: self._poll(client, offsets))
        return await with_errors(False, op["value"], lambda: self._send(client, op["value"][0]))

    async def _assign_rpc(self, client, op: dict, offsets: dict[str, int]) -> dict:
        keys = op["value"]
        if op.get("seek-to-beginning?"):
            fresh = {k: 0 for k in keys}
        else:
            body = await client.rpc({"type": "list_committed_offsets", "keys": keys})
            check_response(body, "list_committed_offsets_ok", {"offsets": object_of(is_int)})
            # QUIRK (docs/maelstrom.md §6.7): Maelstrom looks the keys up in the wrong map, so the
            # committed offsets it just fetched are never used.
            fresh = {k: offsets.get(k, 0) for k in keys}
        offsets.clear()
        offsets.update(fresh)
        return {"type": "ok", "value": keys}

    async def _poll(self, client, offsets: dict[str, int]) -> dict:
        body = await client.rpc({"type": "poll", "offsets": dict(offsets)})
        check_response(body, "poll_ok", {"msgs": is_msgs})
        msgs = body["msgs"]
        highest: dict[str, int] = {}
        for k, pairs in msgs.items():
            top = max((p[0] for p in pairs or ()), default=-1)
            offsets[k] = max(offsets.get(k, top + 1), top + 1)
            if pairs:
                highest[k] = max(0, top)
        # Offsets advance before the commit: a commit that fails definitely leaves this
        # client past messages the history never shows it polled (docs/maelstrom.md §6.7).
        if highest:
            reply = await client.rpc({"type": "commit_offsets", "offsets": highest})
            check_response(reply, "commit_offsets_ok", {})
        return {"type": "ok", "value": [["poll", msgs]]}

    async def _send(self, client, mop: list) -> dict:
        _, k, v = mop
        body = await client.rpc({"type": "send", "key": k, "msg": v})
        check_response(body, "send_ok", {"offset": is_int})
        return {"type": "ok", "value": [["send", k, [body["offset"], v]]]}

    def check(self, history: list[dict]) -> dict:
        return check_kafka(history)

    def explain(self, ctx):
        return explain_kafka(ctx)

