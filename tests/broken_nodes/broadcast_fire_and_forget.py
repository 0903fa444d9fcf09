#!/usr/bin/env python3
"""Broken on purpose: forwards each value once and never retries, so partitions lose values."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()

messages: set[int] = set()


@node.on("topology")
def topology(msg: Message) -> None:
    node.reply(msg, {"type": "topology_ok"})


@node.on("broadcast")
def broadcast(msg: Message) -> None:
    value = msg.body["message"]
    if value not in messages:
        messages.add(value)
        for peer in node.peers:
            node.send(peer, {"type": "gossip", "message": value})
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip")
def gossip(msg: Message) -> None:
    messages.add(msg.body["message"])


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "messages": sorted(messages)})


if __name__ == "__main__":
    node.run()
