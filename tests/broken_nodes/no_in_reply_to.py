#!/usr/bin/env python3
"""Broken on purpose: sends each echo_ok back as a new message, without in_reply_to."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()


@node.on("echo")
def echo(msg: Message) -> None:
    node.send(msg.src, {"type": "echo_ok", "echo": msg.body["echo"]})


if __name__ == "__main__":
    node.run()
