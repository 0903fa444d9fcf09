#!/usr/bin/env python3
"""Broken on purpose: each node counts only the adds it received itself and never shares them."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()

total = 0


@node.on("add")
def add(msg: Message) -> None:
    global total
    total += msg.body["delta"]
    node.reply(msg, {"type": "add_ok"})


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "value": total})


if __name__ == "__main__":
    node.run()
