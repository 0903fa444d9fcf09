#!/usr/bin/env python3
"""A correct pn-counter node (docs/maelstrom.md §6.6): a counter taking negative adds too.

A PN-counter is two grow-only counters, one of increments (P) and one of decrements (N),
each kept per node: a node changes only its own entries, and copies merge by taking the
larger value of every entry, so they agree once they have heard from each other, whatever
was dropped or repeated. The value is the sum of P less the sum of N. Each node answers adds
and reads at once and sends each peer its whole table every GOSSIP_S. Challenge 4
(ch4_counter) does the grow-only half through seq-kv instead of messages between nodes.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402  (importable once the path is set)

GOSSIP_S = 0.25

node = Node()
increments: dict[str, int] = {}   # node id -> total of its positive deltas
decrements: dict[str, int] = {}   # node id -> total of its negative deltas, as a positive number


@node.on("add", delta=int)
def add(msg: Message) -> None:
    delta = msg.body["delta"]
    table = increments if delta >= 0 else decrements
    table[node.node_id] = table.get(node.node_id, 0) + abs(delta)
    node.reply(msg, {"type": "add_ok"})


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "value": sum(increments.values()) - sum(decrements.values())})


@node.on("merge", p=dict[str, int], n=dict[str, int])
def merge(msg: Message) -> None:
    for table, theirs in ((increments, msg.body["p"]), (decrements, msg.body["n"])):
        for owner, count in theirs.items():
            table[owner] = max(table.get(owner, 0), count)


@node.every(GOSSIP_S)
def gossip() -> None:
    if increments or decrements:
        for peer in node.peers:
            node.send(peer, {"type": "merge", "p": increments, "n": decrements})


if __name__ == "__main__":
    node.run()
