#!/usr/bin/env python3
"""Broken on purpose (beyond one node): each node keeps its own dict and never talks to the
others. Alone it is a perfectly linearizable register store; with three nodes a client
reads what its own node was told and misses every write made through another."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "example_nodes"))
from common import Message, Node  # noqa: E402
from kv_state import apply  # noqa: E402

node = Node()
values: dict = {}


@node.on("read")
@node.on("write")
@node.on("cas")
def handle(msg: Message) -> None:
    node.reply(msg, apply(values, msg.body))


if __name__ == "__main__":
    node.run()
