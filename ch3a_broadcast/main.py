#!/usr/bin/env python3
"""Challenge 3a, single-node broadcast: remember every value broadcast to this node, and
return them all when read.

With one node there is nobody to tell, so the node is just a set. The topology message
matters only once there are neighbours; here it is acknowledged and ignored.

Restarts: the set is a `DurableSet`, so each new value is on disk (`common.wal`) before its
``broadcast_ok``, and the set is read back at start, before ``init_ok``.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import DurableSet, Message, Node  # noqa: E402  (importable once the path is set)

node = Node()
messages = DurableSet(node, "messages")   # a set of ints, kept on disk


@node.on("broadcast", message=int)
def broadcast(msg: Message) -> None:
    messages.add(msg.body["message"])
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "messages": list(messages)})


@node.on("topology")
def topology(msg: Message) -> None:
    node.reply(msg, {"type": "topology_ok"})


if __name__ == "__main__":
    node.run()
