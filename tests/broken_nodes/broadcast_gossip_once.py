#!/usr/bin/env python3
"""Broken on purpose (under partitions): a broadcast node that passes each new value once to
its topology neighbours, fire-and-forget. Without faults the value floods the grid; a message
a partition drops is never sent again, so the nodes behind it never get the value."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()
messages: set[int] = set()
neighbours: list[str] = []


def learn(value: int, source: str) -> None:
    if value not in messages:
        messages.add(value)
        for peer in neighbours:
            if peer != source:
                node.send(peer, {"type": "gossip", "message": value})


@node.on("topology")
def topology(msg: Message) -> None:
    neighbours[:] = msg.body["topology"].get(node.node_id, [])
    node.reply(msg, {"type": "topology_ok"})


@node.on("broadcast", message=int)
def broadcast(msg: Message) -> None:
    learn(msg.body["message"], msg.src)
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip", message=int)
def gossip(msg: Message) -> None:
    learn(msg.body["message"], msg.src)


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "messages": list(messages)})


if __name__ == "__main__":
    node.run()
