#!/usr/bin/env python3
"""Broken on purpose: answers an echo with type "echo" instead of "echo_ok"."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()


@node.on("echo")
def echo(msg: Message) -> None:
    node.reply(msg, {"type": "echo", "echo": msg.body["echo"]})


if __name__ == "__main__":
    node.run()
