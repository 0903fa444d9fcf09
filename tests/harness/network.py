"""The simulated network (docs/maelstrom.md §4): per-recipient delivery by deadline, partitions, journal.

Every registered id (node, client, service) has a priority queue ordered by delivery
deadline and one delivery task. The task takes the head, drops it if the receiver
currently holds a grudge against the sender (the partition decision is made at take
time, and a dropped message is never redelivered), otherwise sleeps until the deadline
and delivers. One sleeping head blocks the messages behind it, as in Maelstrom. Like
Maelstrom's ``recv!``, the sleep is the time left truncated to whole milliseconds.
"""
from __future__ import annotations

import asyncio
import heapq
import math
import random
import time
from dataclasses import dataclass, field
from typing import Callable

from .clock import Clock

Deliver = Callable[[dict], None]


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


class UnknownId(Exception):
    """A message from or to an id that is not registered (Maelstrom's "Invalid dest")."""


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
    """A message as the network carries it, plus its body's original JSON text if known."""

    __slots__ = ("raw_body",)


@dataclass
class Inbox:
    owner: str
    deliver: Deliver
    heap: list = field(default_factory=list)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    last_delivery: int = 0      # time.monotonic_ns() of the last delivery
    task: asyncio.Task | None = None


class Network:
    def __init__(self, latency: Latency, clock: Clock, log: Callable[[str], None],
                 log_send: bool = False, log_recv: bool = False):
        self.latency = latency
        self.clock = clock
        self.log = log
        self.log_send, self.log_recv = log_send, log_recv
        self.inboxes: dict[str, Inbox] = {}
        self.grudge: dict[str, set[str]] = {}   # receiver -> senders whose messages it drops
        self.journal: list[tuple[str, int, dict]] = []
        # How much later than the model says each message was delivered: the model takes it at
        # max(send time, previous delivery to the same receiver) -- the last term is
        # Maelstrom's head-of-line blocking, not harness slowness -- and sleeps whole_ms.
        self.lateness_s: list[float] = []
        self._next_id = 0
        self._seq = 0

    # --- membership -------------------------------------------------------------
    def register(self, node_id: str, deliver: Deliver) -> None:
        inbox = Inbox(node_id, deliver)
        self.inboxes[node_id] = inbox
        inbox.task = asyncio.get_running_loop().create_task(self._run(inbox), name=f"deliver-{node_id}")

    def unregister(self, node_id: str) -> None:
        """Remove an id; messages still queued for it vanish uncounted (docs/maelstrom.md §9)."""
        inbox = self.inboxes.pop(node_id, None)
        if inbox and inbox.task:
            inbox.task.cancel()

    async def close(self) -> None:
        tasks = [i.task for i in self.inboxes.values() if i.task]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
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
        if src not in self.inboxes:
            raise UnknownId(f"Invalid source for message {msg!r}")
        inbox = self.inboxes.get(dest)
        if inbox is None:
            raise UnknownId(f"Invalid dest for message {msg!r}")
        msg = Envelope(id=self._next_id, src=src, dest=dest, body=msg["body"])
        msg.raw_body = raw_body
        self._next_id += 1
        delay_ms = 0 if is_client(src) or is_client(dest) else self.latency.draw_ms()
        now = time.monotonic_ns()
        self.journal.append(("send", now - self.clock.origin_ns, msg))
        if self.log_send:
            self.log(f":send {msg}")
        self._seq += 1
        heapq.heappush(inbox.heap, (now + delay_ms * MS, self._seq, now, msg))
        if not inbox.wakeup.is_set():
            inbox.wakeup.set()

    async def _run(self, inbox: Inbox) -> None:
        heap, clock, journal = inbox.heap, self.clock, self.journal
        lateness, deliver = self.lateness_s, inbox.deliver
        while True:
            if not heap:
                inbox.wakeup.clear()
                await inbox.wakeup.wait()
                continue
            deadline, _, sent, msg = heapq.heappop(heap)
            if msg["src"] in self.grudge.get(inbox.owner, ()):
                msg.raw_body = None
                continue
            taken = time.monotonic_ns()
            pause = whole_ms(deadline - taken)
            if pause > 0:
                await asyncio.sleep(pause / 1000)
            now = time.monotonic_ns()
            model_taken = max(sent, inbox.last_delivery)
            lateness.append((now - model_taken - whole_ms(deadline - model_taken) * MS) / 1e9)
            inbox.last_delivery = now
            journal.append(("recv", now - clock.origin_ns, msg))
            if self.log_recv:
                self.log(f":recv {msg}")
            try:
                deliver(msg)
            except Exception as e:  # a receiver's fault must not stop its delivery loop
                self.log(f"WARN delivery to {inbox.owner} failed: {e!r}")
            msg.raw_body = None     # the journal keeps the parsed body only
