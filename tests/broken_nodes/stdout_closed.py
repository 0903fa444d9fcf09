#!/usr/bin/env python3
"""Broken on purpose: answers its first echo, then closes its stdout and runs on, so nothing
it writes afterwards reaches anyone."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()


@node.on("echo")
def echo(msg: Message) -> None:
    node.reply(msg, {"type": "echo_ok", "echo": msg.body["echo"]})
    os.close(1)
    os.open(os.devnull, os.O_WRONLY)   # descriptor 1 again, so the library's writes go nowhere


if __name__ == "__main__":
    node.run()
