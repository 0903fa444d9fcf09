"""The simulated network (docs/maelstrom.md §4): per-recipient delivery by deadline, partitions, journal.

Every registered id (node, client, service) has a priority queue ordered by delivery
deadline, and takes one message at a time, as Maelstrom's per-node ``recv!`` loop does: it
takes the head, drops it if the receiver currently holds a grudge against the sender (the
partition decision is made at take time, and a dropped message is never redelivered),
otherwise waits until the deadline and delivers. The journal records each message's
``send``, its ``recv``, or the ``drop`` that ended it instead (a grudge at take time, or a
queue discarded with its receiver): Maelstrom journals no drops, so its ``:net`` statistics
ignore them, but a failing run's explanation says where a value's messages died. One
waiting head blocks the messages behind it. Like Maelstrom's ``recv!``, the wait is the
time left truncated to whole milliseconds.

The wait is a timer callback on the event loop, not a task per receiver: a message costs
the loop one wake-up for its arrival and one for its delivery. An idle receiver takes a
message the moment it is sent (Maelstrom's waiting thread wakes at once). Everything due
by the time one delivery is made goes out in the same turn, and the receiver's ``flush``
(a node's stdin write) runs once after them.

Every event is written to the journal (recording.py) as it happens; the network itself
keeps only what is still queued.
"""
from __future__ import annotations

import asyncio
import heapq
import json
import math
import random
from dataclasses import dataclass, field
from typing import Callable

from .clock import Clock
from .recording import Journal

Deliver = Callable[[dict], None]
Flush = Callable[[], None]


LATENESS_WARNING_P99_MS = 10.0


def lateness_warning(lateness_ms: dict) -> str | None:
    """A plain warning when deliveries ran so late that the run's latency figures mislead."""
    p99 = lateness_ms.get("p99")
    if p99 is None or p99 <= LATENESS_WARNING_P99_MS:
        return None
    return (f"delivery lateness p99 was {p99:g} ms (max {lateness_ms['max']:g} ms), above "
            f"{LATENESS_WARNING_P99_MS:g} ms: the machine or the harness could not keep up with this "
            f"run's traffic, so its latency figures are not trustworthy (they include the harness's "
            f"own delays). Correctness verdicts still hold; rerun on an idle machine for latencies.")


# Why a message was never delivered (the "reason" of a journal "drop" event).
DROPPED_BY_PARTITION = "partition"       # its receiver held a grudge against its sender
DROPPED_RECEIVER_DOWN = "receiver-down"  # queued for a node that crashed (never delivered)
DROPPED_UNREGISTERED = "unregistered"    # queued for a client or node removed from the network


class UnknownId(Exception):
    """A message from or to an id that is not registered (Maelstrom's "Invalid dest")."""


# Said of a destination that was a client and has been closed (a late reply, typically).
CLOSED_CLIENT = "is a client that has already been closed"


def is_client(node_id: str) -> bool:
    return node_id.startswith("c")


class Latency:
    """Inter-node latency in whole milliseconds (docs/maelstrom.md §4.2)."""

    def __init__(self, mean_ms: int, dist: str, rng: random.Random):
        self.mean, self.dist, self.rng = mean_ms, dist, rng

    def draw_ms(self) -> int:
        if self.mean <= 0:
            return 0  # Maelstrom hangs (uniform) or fails (exponential) here; the CLI warns
        if self.dist == "constant":
            return self.mean
        if self.dist == "uniform":
            return self.rng.randint(0, 2 * self.mean - 1)
        if self.dist == "exponential":
            return math.floor(self.rng.expovariate(1.0 / self.mean))
        raise ValueError(f"unknown latency distribution {self.dist!r}")


MS = 1_000_000   # nanoseconds


def whole_ms(dt_ns: int) -> int:
    """How long Maelstrom's ``recv!`` sleeps for a message due in ``dt_ns``: ``(long dt)``
    milliseconds, truncated, so it delivers up to 1 ms before the deadline (0 if overdue)."""
    return dt_ns // MS if dt_ns > 0 else 0


class Envelope(dict):
    """A message as the network carries it, plus its JSON text: what its receiver is given
    and what the journal records, made once when it is sent."""

    __slots__ = ("text",)


def message_text(msg: Envelope, raw_body: str | None) -> str:
    """The one-line JSON of ``msg``; ``raw_body``, if given, is its body's text as its sender
    wrote it (then used as it is, not re-encoded)."""
    if raw_body is None:
        return json.dumps(msg, separators=(",", ":"))
    # Ids are names the harness registered (n1, c4, lin-kv; the CLI refuses ids that would
    # need escaping): nothing to escape.
    return f'{{"id":{msg["id"]},"src":"{msg["src"]}","dest":"{msg["dest"]}","body":{raw_body}}}'


US = 1_000   # nanoseconds
# Deliveries one receiver gets in one turn of the loop; the rest due follow in the next
# turn, at the same time. In the simulator a node answers within the turn, so an unbounded
# turn could hold a whole message storm (and its clock) in one callback.
DELIVERIES_PER_TURN = 1_000


class Lateness:
    """Delivery lateness as a histogram, so that it takes the same memory however long the
    run: exact to the microsecond below 1 ms, to three significant digits above (0.1-1 %)."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}   # microseconds (bucket floor) -> deliveries
        self.max_us = -math.inf

    def add_coarse(self, us: int) -> None:
        """A lateness of 1 ms or more (or as early): rounded down to three digits."""
        step = 10 ** (len(str(abs(us))) - 3)
        key = us // step * step
        self.counts[key] = self.counts.get(key, 0) + 1
        if us > self.max_us:
            self.max_us = us

    def copy(self) -> "Lateness":
        other = Lateness()
        other.counts, other.max_us = dict(self.counts), self.max_us
        return other

    def quantiles_ms(self) -> dict:
        """Count, p50, p99 and max in milliseconds: the sample at rank floor(count * q)."""
        count = sum(self.counts.values())
        if not count:
            return {"count": 0}
        keys = sorted(self.counts)
        ranks = {"p50": min(count - 1, int(count * 0.5)), "p99": min(count - 1, int(count * 0.99))}
        found, seen = {}, 0
        for key in keys:
            seen += self.counts[key]
            for name, rank in ranks.items():
                if name not in found and rank < seen:
                    found[name] = key
        top = max(keys[-1], self.max_us)
        ms = lambda us: round(us / 1000, 3)
        return {"count": count, "p50": ms(found["p50"]), "p99": ms(found["p99"]), "max": ms(top)}


@dataclass
class Inbox:
    owner: str
    deliver: Deliver
    flush: Flush | None = None
    heap: list = field(default_factory=list)
    client: bool = False            # messages to and from clients have no latency
    held: tuple | None = None       # the taken message, waiting for its delivery time
    timer: asyncio.Handle | None = None
    last_delivery: int = 0          # clock time (ns) of the last delivery
    halted: bool = False            # its process is down: nothing is taken


class Network:
    def __init__(self, latency: Latency, clock: Clock, log: Callable[[str], None],
                 log_send: bool = False, log_recv: bool = False, journal: Journal | None = None):
        self.latency = latency
        self.clock = clock
        self.log = log
        self.log_send, self.log_recv = log_send, log_recv
        self.inboxes: dict[str, Inbox] = {}
        self.grudge: dict[str, set[str]] = {}   # receiver -> senders whose messages it drops
        self.journal = journal if journal is not None else Journal()
        # How much later than the model says each message was delivered: the model takes it at
        # max(send time, previous delivery to the same receiver) -- the last term is
        # Maelstrom's head-of-line blocking, not harness slowness -- and sleeps whole_ms.
        self.lateness = Lateness()
        self._next_id = 0
        self._seq = 0
        self._closed: set[str] = set()   # clients unregistered: a message to one is a late reply

    # --- membership -------------------------------------------------------------
    def register(self, node_id: str, deliver: Deliver, flush: Flush | None = None) -> int:
        """Deliver messages for ``node_id`` by calling ``deliver``; ``flush``, if given, runs
        after each turn's deliveries (a node batches its stdin writes until then).

        Registering an id again gives it a fresh, empty queue (a restarted node's): what the
        old one held, sent while the node was down, is dropped. Returns how many that was."""
        old = self.inboxes.get(node_id)
        lost = 0 if old is None else len(old.heap) + (old.held is not None)
        self.discard(node_id, DROPPED_RECEIVER_DOWN)
        self.inboxes[node_id] = Inbox(node_id, deliver, flush, client=is_client(node_id))
        return lost

    def halt(self, node_id: str) -> None:
        """Stop taking messages for ``node_id`` (its process was killed): its queue stays
        registered, so sends to it still succeed, but they pile up undelivered until
        ``register`` replaces the queue (docs/maelstrom.md §4.5)."""
        inbox = self.inboxes[node_id]
        inbox.halted = True
        if inbox.timer:
            inbox.timer.cancel()
        if inbox.held is not None:   # taken but not yet delivered: it stays queued
            heapq.heappush(inbox.heap, inbox.held)
        inbox.held = inbox.timer = None

    def unregister(self, node_id: str) -> None:
        """Remove an id; messages still queued for it are never delivered (docs/maelstrom.md §9)
        and are journalled as dropped."""
        self.discard(node_id, DROPPED_UNREGISTERED)
        if self.inboxes.pop(node_id, None) is not None and is_client(node_id):
            self._closed.add(node_id)

    async def close(self) -> None:
        for inbox in self.inboxes.values():
            if inbox.timer:
                inbox.timer.cancel()
        self.inboxes.clear()

    # --- partitions ---------------------------------------------------------------
    def partition(self, grudge: dict[str, set[str]]) -> None:
        for receiver, senders in grudge.items():
            self.grudge.setdefault(receiver, set()).update(senders)

    def heal(self) -> None:
        self.grudge = {}

    # --- traffic --------------------------------------------------------------------
    def send(self, msg: dict, raw_body: str | None = None) -> None:
        """Validate, number, journal and enqueue one message. Raises UnknownId.

        ``raw_body`` is the body's JSON text as its sender wrote it, if ``msg["body"]`` is
        exactly that: a node then receives those bytes instead of a re-encoding."""
        src, dest = msg["src"], msg["dest"]
        source = self.inboxes.get(src)
        if source is None:
            raise UnknownId(f"Invalid source for message {msg!r}")
        inbox = self.inboxes.get(dest)
        if inbox is None:
            closed = f": {dest} {CLOSED_CLIENT}" if dest in self._closed else ""
            raise UnknownId(f"Invalid dest for message {msg!r}{closed}")
        body = msg["body"]
        msg = Envelope(id=self._next_id, src=src, dest=dest, body=body)
        text = msg.text = message_text(msg, raw_body)
        self._next_id += 1
        client = source.client or inbox.client
        delay_ms = 0 if client else self.latency.draw_ms()
        now = self.clock.monotonic_ns()
        self.journal.send(now - self.clock.origin_ns, text, src, body.get("type"), client)
        if self.log_send:
            self.log(f":send {msg}")
        self._seq += 1
        heapq.heappush(inbox.heap, (now + delay_ms * MS, self._seq, now, msg, client))
        if inbox.held is None and not inbox.halted:
            self._hold(inbox, self._next(inbox))

    def _next(self, inbox: Inbox) -> tuple[tuple, int] | None:
        """Take the receiver's next message, and the whole milliseconds to wait before it is
        delivered. Messages from a sender it holds a grudge against are dropped as they are
        taken, never to be redelivered."""
        heap, grudge = inbox.heap, self.grudge.get(inbox.owner, ())
        while heap:
            entry = heapq.heappop(heap)
            if entry[3]["src"] not in grudge:
                return entry, whole_ms(entry[0] - self.clock.monotonic_ns())
            self._drop(entry[3], DROPPED_BY_PARTITION)
        return None

    def _drop(self, msg: Envelope, reason: str) -> None:
        """Journal that ``msg`` will never be delivered, and why. The event carries only the
        message's id and ends: its body is in its ``send`` event."""
        self.journal.drop(self.clock.monotonic_ns() - self.clock.origin_ns, msg["id"], msg["src"],
                          msg["dest"], reason)

    def discard(self, node_id: str, reason: str) -> None:
        """Drop everything queued for ``node_id`` (its receiver went down, or is removed),
        journalling each message as dropped for ``reason``."""
        inbox = self.inboxes.get(node_id)
        if inbox is None:
            return
        if inbox.timer:
            inbox.timer.cancel()
        queued = [inbox.held[3]] if inbox.held else []
        queued += [entry[3] for entry in sorted(inbox.heap)]
        inbox.heap.clear()
        inbox.held = inbox.timer = None
        for msg in queued:
            self._drop(msg, reason)

    def _hold(self, inbox: Inbox, taken: tuple[tuple, int] | None) -> None:
        """Keep the taken message until its delivery time; with none, the receiver is idle
        until the next send."""
        if taken is None:
            inbox.held = inbox.timer = None
            return
        inbox.held, pause = taken
        loop = asyncio.get_running_loop()
        inbox.timer = (loop.call_later(pause / 1000, self._deliver, inbox) if pause > 0
                       else loop.call_soon(self._deliver, inbox))

    def _deliver(self, inbox: Inbox) -> None:
        """Deliver the held message and every next one already due, taking each in turn as
        Maelstrom's loop does; then hold the next one and flush once."""
        origin, journal, deliver = self.clock.origin_ns, self.journal, inbox.deliver
        lateness = self.lateness
        late_counts = lateness.counts
        clock_ns = self.clock.monotonic_ns
        deadline, _, sent, msg, client = inbox.held
        delivered = 0
        while True:
            now = clock_ns()
            # How late against the model: taken at max(send, previous delivery) -- the latter
            # is Maelstrom's head-of-line blocking, not harness slowness -- plus whole_ms.
            model_taken = sent if sent > inbox.last_delivery else inbox.last_delivery
            late_us = (now - model_taken - whole_ms(deadline - model_taken) * MS) // US
            if -1000 < late_us < 1000:
                late_counts[late_us] = late_counts.get(late_us, 0) + 1
            else:
                lateness.add_coarse(late_us)
            inbox.last_delivery = now
            journal.recv(now - origin, msg.text, client)
            if self.log_recv:
                self.log(f":recv {msg}")
            try:
                deliver(msg)
            except Exception as e:  # a receiver's fault must not stop its deliveries
                self.log(f"WARN delivery to {inbox.owner} failed: {e!r}")
            if self.inboxes.get(inbox.owner) is not inbox:
                return              # unregistered by what it was given
            taken = self._next(inbox)
            delivered += 1
            if taken is None or taken[1] > 0 or delivered >= DELIVERIES_PER_TURN:
                break
            deadline, _, sent, msg, client = taken[0]
        self._hold(inbox, taken)
        if inbox.flush is not None:
            try:
                inbox.flush()
            except Exception as e:
                self.log(f"WARN delivery to {inbox.owner} failed: {e!r}")
