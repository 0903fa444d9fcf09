#!/usr/bin/env python3
"""Challenge 3e, efficient broadcast II: few messages per operation, at a bounded latency
cost, and still no lost value under partitions.

Usage: ``main.py [FAN_OUT_MS]``: the hub's batching interval in milliseconds (default 350).
Maelstrom passes extra command-line words on to the node binary, so it can be set per run.

A star, batched only at its centre
----------------------------------
The first node of the cluster (``n0``, which also gets twice the client traffic of any other)
is the hub; every other node is a leaf, and talks to the hub only.

* A leaf sends each value a client broadcasts to it to the hub at once, in one message. At
  about 2 broadcasts per second per leaf, batching there would save few messages and add its
  whole wait to the latency.
* Every FAN_OUT_MS the hub sends each leaf, in one message, every value that leaf lacks. All
  leaves get their batch at the same moment: stable latency ends only when the *last* node
  shows a value, so a staggered fan-out would cost latency for nothing.

Message budget (the official 3e run: 25 nodes, 100 ms per hop, 100 ops/s, half of them
broadcasts): leaves send one message per broadcast they receive, ~45/s in all; the hub sends
24 per interval, ~69/s at 350 ms. That is ~115 messages/s, ~1.2 per operation. Nothing is sent
when nothing is new, so the quiet end of a run costs one confirmation per leaf and no more.

Latency bound: a value known at time t reaches the hub at t + 100 ms and leaves it with the
next batch, by t + 100 ms + FAN_OUT_MS; the batch is everywhere 100 ms later. Maelstrom hands
each node its messages one at a time in deadline order (spec §4.3), so with its default
constant latency a client request that reaches a leaf while the batch is on its way there is
delivered just after the batch: every read issued after the batch left the hub already shows
the value. Stable latency is therefore at most 100 ms + FAN_OUT_MS (450 ms at the default)
plus processing time, and the message cost falls as 24 / FAN_OUT_MS: the interval trades one
for the other.

Confirmations ride along with the data
--------------------------------------
Partitions drop messages, so each node keeps, per neighbour, a `Link`: the values the
neighbour surely holds, and those offered to it but not yet confirmed. Every message carries
*all* the values the neighbour is not known to hold, a sequence number, and an ``ack``: the
highest sequence number of a value-carrying message received from the neighbour. As each
message repeats everything still unconfirmed, confirming message n confirms every value
offered up to n, whichever messages before it were lost or reordered.

While data flows, confirmations cost nothing: the hub's batches carry them to the leaves, and
a leaf's next value carries its confirmation to the hub. A node confirms on its own only once
the neighbour has been silent for QUIET (the flow has stopped) or the confirmation is
ACK_DEADLINE old (which bounds how much each message repeats). Messages without values need
no confirmation, so confirmations never echo back and forth.

Recovery after a partition: offers that stay unconfirmed while nothing else has been sent for
RETRY seconds are made again, every RETRY, until one gets through; a value is offered again
and again until its confirmation arrives. Within RETRY + FAN_OUT_MS + two hops of the heal,
every value is everywhere. While the hub is cut off, the leaves' values wait at their origins
(still readable there, and re-offered) instead of finding another way: a partition costs
latency, never values.
"""
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Body, Message, Node  # noqa: E402  (importable only once the path is set)

DEFAULT_FAN_OUT_MS = 350
QUIET = 0.5          # a neighbour silent this long has stopped sending: confirm on our own
ACK_DEADLINE = 2.0   # no confirmation is held back longer than this
RETRY = 1.5          # offers unconfirmed this long (with nothing sent since) are repeated;
                     # longer than QUIET + a round trip, so a healthy link never repeats
CHECK_PERIOD = 0.1   # how often links are checked for due confirmations and repeats


class Link:
    """This node's knowledge of one neighbour: the values it surely holds, the values offered
    to it and not yet confirmed, and whether we owe it a confirmation."""

    def __init__(self, peer: str) -> None:
        self.peer = peer
        self.held: set[int] = set()          # values the neighbour surely holds
        self.pending: dict[int, int] = {}    # offered, unconfirmed value -> seq of first offer
        self.seq = 0                 # sequence number of our latest message to the neighbour
        self.last_sent = float("-inf")
        self.received = 0            # highest seq of a value-carrying message from it
        self.confirmed = 0           # the highest of its seqs we have confirmed
        self.owed_since: float | None = None   # when `received` went past `confirmed`
        self.last_heard = float("-inf")

    def has_news(self, values: set[int]) -> bool:
        """Whether the neighbour lacks some value that has not been offered to it yet."""
        return bool((values - self.held).difference(self.pending))

    def confirmation_due(self, now: float) -> bool:
        return self.owed_since is not None and (now - self.last_heard >= QUIET
                                                or now - self.owed_since >= ACK_DEADLINE)

    def repeat_due(self, now: float) -> bool:
        return bool(self.pending) and now - self.last_sent >= RETRY

    def next_message(self, values: set[int], now: float) -> Body:
        """The message that brings the neighbour up to date: it offers every value of
        ``values`` the neighbour is not known to hold, and confirms all we have received."""
        self.seq += 1
        offered = values - self.held
        for value in offered:
            self.pending.setdefault(value, self.seq)
        self.last_sent = now
        self.confirmed, self.owed_since = self.received, None
        return {"type": "gossip", "seq": self.seq, "ack": self.confirmed,
                "messages": list(offered)}

    def receive(self, seq: int, ack: int, values: list[int], now: float) -> None:
        """Take in a message from the neighbour: it holds the values it sent, and it has
        received our message ``ack``, which offered every value first offered up to then."""
        self.last_heard = now
        if values:
            self.held.update(values)
            self.received = max(self.received, seq)
            if self.received > self.confirmed and self.owed_since is None:
                self.owed_since = now
        for value in [v for v, first in self.pending.items() if first <= ack or v in self.held]:
            del self.pending[value]
            self.held.add(value)


node = Node()
messages: set[int] = set()
links: dict[str, Link] = {}       # neighbour -> link: the hub has 24, a leaf has one
hub = ""
fan_out_interval = DEFAULT_FAN_OUT_MS / 1000   # seconds; the command line may set it


@node.on_init
def join_star() -> None:
    global hub
    hub = node.node_ids[0]
    neighbours = node.peers if node.node_id == hub else [hub]
    for peer in neighbours:
        links[peer] = Link(peer)
    if node.node_id == hub:
        node.spawn(fan_out_forever())


def send_update(link: Link, now: float) -> None:
    node.send(link.peer, link.next_message(messages, now))


@node.on("broadcast")
def broadcast(msg: Message) -> None:
    value = msg.body["message"]
    fresh = value not in messages
    messages.add(value)
    node.reply(msg, {"type": "broadcast_ok"})
    if fresh and node.node_id != hub:
        send_update(links[hub], time.monotonic())


@node.on("gossip")
def gossip(msg: Message) -> None:
    body = msg.body
    messages.update(body["messages"])
    links[msg.src].receive(body["seq"], body["ack"], body["messages"], time.monotonic())


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "messages": list(messages)})


@node.on("topology")
def topology(msg: Message) -> None:
    node.reply(msg, {"type": "topology_ok"})   # the star is fixed; see the module docstring


async def fan_out_forever() -> None:
    """The hub's batches: every `fan_out_interval`, each leaf that lacks a value not yet
    offered to it gets one message. Ticks keep to a fixed schedule, so the time a batch
    takes does not stretch the interval; a tick missed altogether is skipped, not caught up."""
    next_tick = time.monotonic()
    while True:
        next_tick = max(next_tick + fan_out_interval, time.monotonic())
        await asyncio.sleep(next_tick - time.monotonic())
        now = time.monotonic()
        for link in links.values():
            if link.has_news(messages):
                send_update(link, now)


@node.every(CHECK_PERIOD)
def keep_links() -> None:
    """Send confirmations that are due, and repeat offers that went unconfirmed."""
    now = time.monotonic()
    for link in links.values():
        if link.confirmation_due(now) or link.repeat_due(now):
            send_update(link, now)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        fan_out_interval = float(sys.argv[1]) / 1000
    node.run()
