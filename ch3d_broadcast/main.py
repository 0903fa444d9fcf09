#!/usr/bin/env python3
"""Challenge 3d, efficient broadcast: 25 nodes, 100 ms links, partitions. Every value must
reach every node, with few messages and little delay.

Fast path, one hop. The node a client hands a value to stores it, acknowledges it at once and
sends it straight to each of the 24 other nodes, numbered with its own sequence number (this is
the origin's k-th value). Every node thus holds the value one link latency after the ack, and
nothing that crosses the network can be quicker. Broadcasts are half of the operations, so
these 24 messages cost 12 messages per operation.

Repair, nearly free when nothing is lost. A partition drops messages silently, so each node
keeps, per origin, its "prefix": how many of that origin's values it holds without a gap. Once
per round (SYNC_INTERVAL) each node owes one peer a digest of its prefixes, a different peer
each round: in round k node i tells node i+k, so each node also hears exactly one digest per
round. The digest rides for free on the first value the node sends that peer in the round, and
goes alone, at the round's end, only if there was none. The peer answers only if the two
differ: with the values the sender lacks, and with its own prefixes if it is the one behind,
which gets it sent what it lacks. In a run without losses nobody answers, and the digests that
go alone (idle nodes, and the quiet 10 s before the final reads) add about 0.15 messages per
operation: some 12.15 in all.

Values still in flight are not losses: a node does not send a peer a value that reached it by
the fast path less than IN_FLIGHT ago (ten link latencies), as the peer's copy may be on its
way, so a healthy run never pays for a repair. Repaired values are old news and count in
prefixes like any others, so a node passes on at once what it was given: after a heal each
holder of a value hands it to the peer it tells and to the peer that tells it, the holders
about triple each round, and every node holds every value a few rounds later, well within the
10 s before the final reads. Everything is fire-and-forget: whatever a partition drops, or a
node misses while it is down, shows up in a later digest as a difference, and is sent again.
Every value a node holds is in its write-ahead log (`common.wal`), with origin and number,
before it is acknowledged or counted in a prefix, and is replayed when the node restarts.
"""
import sys
import time
from pathlib import Path
from typing import TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Message, Node, WriteAheadLog  # noqa: E402  (importable once the path is set)

SYNC_INTERVAL = 1.0   # seconds per round: each node sends one digest per round
IN_FLIGHT = 1.0       # seconds a value that came by the fast path may still be on its way
ANSWERS = 2           # an exchange is at most: digest, answer, answer to the answer
DIGEST = dict[str, int]                  # origin -> prefix held
MISSING = list[tuple[str, int, list[int]]]   # [origin, first seq, values from there on]
Digest = TypedDict("Digest", {"have": DIGEST, "values": MISSING, "answers": int})   # a sync's fields

node = Node()
values: set[int] = set()                 # every value this node knows, for reads
logs: dict[str, dict[int, int]] = {}     # origin -> its sequence number -> value
prefix: dict[str, int] = {}              # origin -> how many of its values we hold gaplessly
fast_arrival: dict[tuple[str, int], float] = {}   # (origin, seq) -> when it came by fast path
turn = 0                                 # this round's peer is turn places after us
due: str | None = None                   # the peer still owed this round's digest
saved = WriteAheadLog(node, "values", apply=lambda record: hold(*record))


def store(origin: str, seq: int, value: int, fast: bool = False) -> None:
    """Record ``value`` as ``origin``'s value number ``seq``; ``fast``: it came by the fast
    path, so the other nodes' copies may still be on their way."""
    if seq not in logs.get(origin, ()):
        saved.append([origin, seq, value])
        if fast:
            fast_arrival[origin, seq] = time.monotonic()


def hold(origin: str, seq: int, value: int) -> None:
    log = logs.setdefault(origin, {})
    log[seq] = value
    values.add(value)
    held = prefix.get(origin, 0)
    while held in log:
        held += 1
    prefix[origin] = held


def in_flight(origin: str, seq: int) -> bool:
    """Whether our fast-path copy of this value came so lately that a peer's may be on its way."""
    return time.monotonic() - fast_arrival.get((origin, seq), float("-inf")) < IN_FLIGHT


def digest(answers: int = ANSWERS, missing: list | None = None) -> dict:
    """Our prefixes, the values the peer lacks, and how many more answers the exchange allows."""
    return {"have": prefix, "values": missing or [], "answers": answers}


@node.on("broadcast", message=int)
def broadcast(msg: Message) -> None:
    global due
    value = msg.body["message"]
    if value not in values:
        seq = prefix.get(node.node_id, 0)   # our own values never have gaps
        store(node.node_id, seq, value, fast=True)
        for peer in node.peers:
            body = {"type": "gossip", "seq": seq, "message": value}
            if peer == due:                 # the round's digest travels for free
                body["digest"] = digest()
                due = None
            node.send(peer, body)
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip", seq=int, message=int, digest=Digest | None)
def gossip(msg: Message) -> None:
    store(msg.src, msg.body["seq"], msg.body["message"], fast=True)
    if msg.body.get("digest") is not None:
        sync(msg._replace(body=msg.body["digest"]))


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "messages": list(values)})


@node.on("topology")
def topology(msg: Message) -> None:
    node.reply(msg, {"type": "topology_ok"})


@node.every(SYNC_INTERVAL)
def next_round() -> None:
    global turn, due
    if due is not None:                     # no value went its way: the digest goes alone
        node.send(due, {"type": "sync", **digest()})
    if node.peers:
        turn = turn % len(node.peers) + 1   # 1 .. n-1: every peer in turn, never ourselves
        me = node.node_ids.index(node.node_id)
        due = node.node_ids[(me + turn) % len(node.node_ids)]


@node.on("sync", have=DIGEST, values=MISSING, answers=int)
def sync(msg: Message) -> None:
    for origin, first, batch in msg.body["values"]:
        for offset, value in enumerate(batch):
            store(origin, first + offset, value)
    theirs: dict[str, int] = msg.body["have"]
    missing = []
    for origin, held in prefix.items():
        first = theirs.get(origin, 0)
        if held > first and not in_flight(origin, first):
            missing.append([origin, first, [logs[origin][seq] for seq in range(first, held)]])
    behind = any(held > prefix.get(origin, 0) for origin, held in theirs.items())
    answers = msg.body["answers"]
    if answers > 0 and (missing or behind):
        node.send(msg.src, {"type": "sync", **digest(answers - 1, missing)})


if __name__ == "__main__":
    node.run()
