#!/usr/bin/env python3
"""Challenge 3e, efficient broadcast II: few messages per operation at a bounded latency cost,
and still no value lost under partitions. Usage: ``main.py [FAN_OUT_MS]`` (default 350).

A star, batched only at its centre: ``n0`` is the hub and every other node a leaf that talks
to the hub only. A leaf passes each new value to the hub at once. Every FAN_OUT_MS the hub
sends each leaf one message with every value it lacks, to all leaves together, as stable
latency ends only when the *last* node shows a value. That latency is at most one hop plus
FAN_OUT_MS, and the hub's message count falls as 1 / FAN_OUT_MS.

Each node keeps a `Link` per neighbour. A message carries every value the neighbour is not
known to hold, a sequence number and an ``ack`` of the highest one received from it, so
confirming message n confirms all values offered up to n, even if a partition dropped earlier
messages. Confirmations ride along with the data. README.md in this folder has the details.

Restarts: values are a `DurableSet` (on disk before they are acknowledged or confirmed, read
back at start); links are not, so a restarted node offers everything once, numbering its
messages above any an earlier life (`Lives`) used, as a neighbour's ``received`` only grows.
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Body, DurableSet, Lives, Message, Node  # noqa: E402  (importable once path is set)

QUIET = 0.5          # a neighbour silent this long has stopped sending: confirm on our own
ACK_DEADLINE = 2.0   # no confirmation waits longer, which bounds what each message repeats
RETRY = 1.5          # offers unconfirmed this long (with nothing sent since) are repeated;
                     # longer than QUIET + a round trip, so a healthy link never repeats
CHECK_PERIOD = 0.1   # how often links are checked for due confirmations and repeats


class Link:
    """What this node knows of one neighbour, and what it owes it."""

    def __init__(self, first_seq: int) -> None:
        self.held: set[int] = set()          # values the neighbour surely holds
        self.pending: dict[int, int] = {}    # offered, unconfirmed value -> seq of first offer
        self.seq = first_seq         # sequence number of our latest message to the neighbour
        self.last_sent = float("-inf")
        self.received = 0            # highest seq of a value-carrying message from it
        self.confirmed = 0           # the highest of its seqs we have confirmed
        self.owed_since: float | None = None   # when `received` went past `confirmed`
        self.last_heard = float("-inf")

    def needs_message(self, now: float) -> bool:
        """Whether a confirmation is due, or unconfirmed offers are due to be repeated."""
        confirm = self.owed_since is not None and (now - self.last_heard >= QUIET
                                                   or now - self.owed_since >= ACK_DEADLINE)
        return confirm or (bool(self.pending) and now - self.last_sent >= RETRY)

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
        if values:   # only these are confirmed, so confirmations never echo back and forth
            self.held.update(values)
            self.received = max(self.received, seq)
            if self.received > self.confirmed and self.owed_since is None:
                self.owed_since = now
        for value in [v for v, first in self.pending.items() if first <= ack or v in self.held]:
            del self.pending[value]
            self.held.add(value)


node = Node()
lives = Lives(node)
messages = DurableSet(node, "messages")   # a set of ints, kept on disk
links: dict[str, Link] = {}       # neighbour -> link: the hub has 24, a leaf has one
hub = ""
fan_out_interval = 0.350         # seconds between the hub's batches; see the usage line


def send_update(peer: str, now: float) -> None:
    node.send(peer, links[peer].next_message(messages, now))


@node.on_init
def join_star() -> None:
    global hub
    hub = node.node_ids[0]
    for peer in node.peers if node.node_id == hub else [hub]:
        links[peer] = Link(first_seq=lives.number << 32)   # no life sends 2**32 messages
    if node.node_id == hub:
        node.every(fan_out_interval)(fan_out)
    elif messages:   # restarted: the hub may lack what we offered before
        send_update(hub, time.monotonic())


def fan_out() -> None:
    """The hub's batch: one message to each leaf that lacks a value not yet offered to it."""
    now = time.monotonic()
    for peer, link in links.items():
        if (messages - link.held).difference(link.pending):
            send_update(peer, now)


@node.every(CHECK_PERIOD)
def keep_links() -> None:
    """Send confirmations that are due, and repeat offers that went unconfirmed."""
    now = time.monotonic()
    for peer, link in links.items():
        if link.needs_message(now):
            send_update(peer, now)


@node.on("broadcast", message=int)
def broadcast(msg: Message) -> None:
    fresh = msg.body["message"] not in messages
    messages.add(msg.body["message"])
    node.reply(msg, {"type": "broadcast_ok"})
    if fresh and node.node_id != hub:
        send_update(hub, time.monotonic())


@node.on("gossip", seq=int, ack=int, messages=list[int])
def gossip(msg: Message) -> None:
    body, link = msg.body, links[msg.src]   # raises for a sender that is not a neighbour
    messages.update(body["messages"])
    link.receive(body["seq"], body["ack"], body["messages"], time.monotonic())


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "messages": list(messages)})


@node.on("topology")
def topology(msg: Message) -> None:
    node.reply(msg, {"type": "topology_ok"})   # the star is fixed; see the module docstring


if __name__ == "__main__":
    if len(sys.argv) > 1:
        fan_out_interval = float(sys.argv[1]) / 1000
    node.run()
