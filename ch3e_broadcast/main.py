#!/usr/bin/env python3
"""Challenge 3e, efficient broadcast II: as few messages per operation as possible, at a
bounded latency cost, and still no lost value under partitions.

Usage: ``main.py [FAN_OUT_MS]``. FAN_OUT_MS is the hub's batching interval (default 250);
Maelstrom passes extra command-line words on to the node, so it can be set per run.

Shape: a star, with the batching done only at its centre
---------------------------------------------------------
The first node of the cluster (``n0``, which also gets twice the client traffic of any other)
is the hub; every other node is a leaf that talks to the hub only.

* A leaf sends each value a client broadcasts to it to the hub at once, in one message. At
  about 2 broadcasts per second per leaf, batching here would save almost nothing and would
  add its whole wait to the latency.
* Every FAN_OUT_MS the hub sends each leaf, in one message, all the values that leaf lacks.
  All leaves get a batch at the same moment, so a value reaches the last of them no later
  than the first: what matters for stable latency, which ends when the *last* node shows it.

Budget and bound (25 nodes, 100 ms per hop, 100 ops/s of which half are broadcasts): leaves
send ~46 messages/s to the hub and the hub sends 24 per interval, 96/s at 250 ms; that is
~140 messages/s, ~1.4 per operation. A value takes one hop to the hub, waits there for the
next batch, and takes one hop to every leaf: its latency is at most 2 x 100 ms + FAN_OUT_MS
(450 ms at the default) and on average 200 ms + FAN_OUT_MS / 2, plus processing time.
Nothing is sent when nothing is new, so a quiet cluster costs no messages.

Acknowledgements ride along with the data
-----------------------------------------
Messages can be dropped by partitions, so each node keeps, per neighbour, a `Link`: the values
the neighbour surely holds, and the messages it has not yet confirmed. Every message carries
*all* the values the neighbour is not known to hold, a sequence number, and an ``ack``: the
highest sequence number received from the neighbour. Since each message repeats everything
still unconfirmed, confirming message n confirms everything offered up to n, whichever
messages before it were lost or reordered.

Confirmations cost no messages while data flows: the hub's batches carry them to the leaves,
and a leaf's next value carries its confirmation to the hub. A node sends a confirmation on
its own only once the neighbour has been silent for QUIET (the flow has stopped: about one
message per leaf at the end of a run) or the confirmation is ACK_DEADLINE old (which keeps
the re-sent sets small).

Recovery after a partition: a node that has offered values and heard no confirmation for
RETRY seconds without sending anything else offers them again, every RETRY, until one
message gets through. Within RETRY + FAN_OUT_MS + 2 hops of the heal, every value broadcast
anywhere is everywhere. While the hub itself is cut off, leaves' values wait at their origin
(and are re-offered) rather than finding another way: a partition costs latency, never values.
"""
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Body, Message, Node  # noqa: E402  (importable only once the path is set)

DEFAULT_FAN_OUT_MS = 250
QUIET = 0.5          # a neighbour silent this long has stopped sending: confirm on our own
ACK_DEADLINE = 2.0   # no confirmation is held back longer than this
RETRY = 1.5          # offers unconfirmed this long (with nothing sent since) are repeated;
                     # longer than QUIET + a round trip, so a healthy link never repeats
CHECK_PERIOD = 0.1   # how often links are checked for due confirmations and repeats


class Link:
    """This node's knowledge of one neighbour: the values it surely holds, our offers it has
    not confirmed, and the messages of its that we have not confirmed yet."""

    def __init__(self, peer: str) -> None:
        self.peer = peer
        self.held: set[int] = set()                 # values the neighbour surely holds
        self.unconfirmed: dict[int, frozenset[int]] = {}   # our seq -> the values it offered
        self.seq = 0                 # sequence number of our latest message to the neighbour
        self.last_sent = float("-inf")
        self.received = 0            # highest seq of a value-carrying message from it
        self.confirmed = 0           # the highest of its seqs we have confirmed
        self.owed_since: float | None = None   # when `received` went past `confirmed`
        self.last_heard = float("-inf")

    def has_news(self, values: set[int]) -> bool:
        """Whether the neighbour lacks some value that our latest message did not offer."""
        return bool(values - self.held - self.unconfirmed.get(self.seq, frozenset()))

    def confirmation_due(self, now: float) -> bool:
        return self.owed_since is not None and (now - self.last_heard >= QUIET
                                                or now - self.owed_since >= ACK_DEADLINE)

    def repeat_due(self, now: float) -> bool:
        return bool(self.unconfirmed) and now - self.last_sent >= RETRY

    def next_message(self, values: set[int], now: float) -> Body:
        """The message that brings the neighbour up to date, offering every value of
        ``values`` it is not known to hold and confirming all we have received from it."""
        self.seq += 1
        offered = frozenset(values - self.held)
        if offered:
            self.unconfirmed[self.seq] = offered
        self.last_sent = now
        self.confirmed, self.owed_since = self.received, None
        return {"type": "gossip", "seq": self.seq, "ack": self.confirmed,
                "messages": list(offered)}

    def receive(self, seq: int, ack: int, values: list[int], now: float) -> None:
        """Take in a message from the neighbour: the values it sent, it holds; and every
        value we offered up to message ``ack`` has reached it."""
        self.last_heard = now
        if values:
            self.held.update(values)
            self.received = max(self.received, seq)
            if self.received > self.confirmed and self.owed_since is None:
                self.owed_since = now
        offered = self.unconfirmed.get(ack)
        if offered is not None:
            self.held |= offered
        # Earlier offers are covered: each repeats all that was unconfirmed when it left.
        for seq_ in [s for s in self.unconfirmed if s <= ack]:
            del self.unconfirmed[seq_]


node = Node()
messages: set[int] = set()
links: dict[str, Link] = {}       # neighbour -> link: the hub has 24, a leaf has one
hub = ""
fan_out_interval = DEFAULT_FAN_OUT_MS / 1000   # seconds; see the end of the file


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
    offered to it gets one message. The schedule is kept to fixed ticks, so slow ticks do
    not make the interval creep."""
    next_tick = time.monotonic()
    while True:
        next_tick += fan_out_interval
        await asyncio.sleep(max(0.0, next_tick - time.monotonic()))
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
