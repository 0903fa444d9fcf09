#!/usr/bin/env python3
"""Broken on purpose: an echo node that greets on stdout before anything else. Maelstrom stops
reading its stdout at that first line, so even its init_ok is never read."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

print("echo node starting", flush=True)
node = Node()


@node.on("echo")
def echo(msg: Message) -> None:
    node.reply(msg, {"type": "echo_ok", "echo": msg.body["echo"]})


if __name__ == "__main__":
    node.run()
