#!/usr/bin/env python3
"""Broken on purpose: an echo handler on the library that raises (it reads a field echo
requests do not have). The library answers every echo with error 13 and logs the traceback."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()


@node.on("echo")
def echo(msg: Message) -> None:
    node.reply(msg, {"type": "echo_ok", "echo": msg.body["text"]})


if __name__ == "__main__":
    node.run()
