#!/usr/bin/env python3
"""Broken on purpose: answers every echo with a different string. The echo checker must fail it."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()


@node.on("echo")
def echo(msg: Message) -> None:
    node.reply(msg, {"type": "echo_ok", "echo": f"not {msg.body['echo']}"})


if __name__ == "__main__":
    node.run()
