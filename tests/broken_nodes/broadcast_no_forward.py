#!/usr/bin/env python3
"""Broken on purpose: keeps broadcast values to itself, so other nodes' reads never show them."""
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
    messages.add(msg.body["message"])
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "messages": sorted(messages)})


if __name__ == "__main__":
    node.run()
