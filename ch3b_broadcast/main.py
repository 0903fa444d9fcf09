#!/usr/bin/env python3
"""Challenge 3b, multi-node broadcast: every value broadcast to any node must soon be
returned by every node's read.

The node a client hands a value to tells every other node directly, in one "gossip" message
each: one network hop, so the value is everywhere after a single message latency. Gossip is
fire-and-forget (no msg_id, no reply), which is enough while the network loses nothing, and
whoever receives gossip does not pass it on, because the origin has already told everyone.
The suggested topology would only add hops, so it is acknowledged and ignored.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Message, Node  # noqa: E402  (importable only once the path is set)

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
