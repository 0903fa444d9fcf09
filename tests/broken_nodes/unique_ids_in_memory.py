#!/usr/bin/env python3
"""Broken under crashes only: ids are the node's id and a counter kept in memory, unique
while the node lives, but a restarted node counts from 1 again and repeats its ids
(jepsen-io/maelstrom issue #93)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()

counter = 0


@node.on("generate")
def generate(msg: Message) -> None:
    global counter
    counter += 1
    node.reply(msg, {"type": "generate_ok", "id": f"{node.node_id}-{counter}"})


if __name__ == "__main__":
    node.run()
