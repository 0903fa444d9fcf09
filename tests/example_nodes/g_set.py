#!/usr/bin/env python3
"""A correct g-set node (docs/maelstrom.md §6.4): a grow-only set every node converges on.

A grow-only set is the simplest state-based CRDT: two copies merge by union, in any order,
any number of times. So each node adds what its clients send it to its own copy, answers at
once, and every GOSSIP_S sends each peer its whole set; whatever a partition drops is sent
again in the next round, so every node holds every element soon after the heal. The whole
set per message is fine for an example and grows with the run; the broadcast challenges
(ch3c_broadcast and after) show how to send only what a peer lacks.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402  (importable once the path is set)

GOSSIP_S = 0.25

node = Node()
elements: set[int] = set()


@node.on("add", element=int)
def add(msg: Message) -> None:
    elements.add(msg.body["element"])
    node.reply(msg, {"type": "add_ok"})


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "value": sorted(elements)})


@node.on("merge", elements=list[int])
def merge(msg: Message) -> None:
    elements.update(msg.body["elements"])


@node.every(GOSSIP_S)
def gossip() -> None:
    if elements:
        for peer in node.peers:
            node.send(peer, {"type": "merge", "elements": sorted(elements)})


if __name__ == "__main__":
    node.run()
