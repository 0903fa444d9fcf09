#!/usr/bin/env python3
"""Broken under crashes only: values live in memory alone, so a killed node comes back with
none, and a value every node held is gone once they have all been killed. Without faults
it is valid: the node a client hands a value to tells every other node at once."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()
messages: set[int] = set()


@node.on("broadcast", message=int)
def broadcast(msg: Message) -> None:
    value = msg.body["message"]
    if value not in messages:
        messages.add(value)
        for peer in node.peers:
            node.send(peer, {"type": "gossip", "message": value})
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip", message=int)
def gossip(msg: Message) -> None:
    messages.add(msg.body["message"])


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "messages": list(messages)})


@node.on("topology")
def topology(msg: Message) -> None:
    node.reply(msg, {"type": "topology_ok"})


if __name__ == "__main__":
    node.run()
