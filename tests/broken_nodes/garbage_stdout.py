#!/usr/bin/env python3
"""Broken on purpose: answers init, then prints a line that is not JSON before every echo reply.

Maelstrom stops reading a node's stdout at its first bad line, so every echo times out."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()



@node.on("echo")
def echo(msg: Message) -> None:
    os.write(1, b"hello, this is not JSON\n")
    node.reply(msg, {"type": "echo_ok", "echo": msg.body["echo"]})


if __name__ == "__main__":
    node.run()
