#!/usr/bin/env python3
"""Broken on purpose: every value is kept by the node that took it and forwarded only to the
last node of node_ids, so only that node's reads see everything. It passes only when the
final read that decides set-full's verdict happens to land on that node."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()
messages: set[int] = set()


@node.on("broadcast")
def broadcast(msg: Message) -> None:
    messages.add(msg.body["message"])
    hub = node.node_ids[-1]
    if hub != node.node_id:
        node.send(hub, {"type": "gossip", "message": msg.body["message"]})
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip")
def gossip(msg: Message) -> None:
    messages.add(msg.body["message"])


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "messages": sorted(messages)})


@node.on("topology")
def topology(msg: Message) -> None:
    node.reply(msg, {"type": "topology_ok"})


if __name__ == "__main__":
    node.run()
