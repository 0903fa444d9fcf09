#!/usr/bin/env python3
"""Broken on purpose: ids come from a per-node counter alone, so two nodes hand out the same ids."""
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
    node.reply(msg, {"type": "generate_ok", "id": counter})


if __name__ == "__main__":
    node.run()
