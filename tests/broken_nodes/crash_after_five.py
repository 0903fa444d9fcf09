#!/usr/bin/env python3
"""Broken on purpose: answers five echoes, then dies with a message on stderr."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()

answered = 0


@node.on("echo")
def echo(msg: Message) -> None:
    global answered
    if answered == 5:
        node.log("giving up: simulated crash after five echoes")
        os._exit(3)
    answered += 1
    node.reply(msg, {"type": "echo_ok", "echo": msg.body["echo"]})


if __name__ == "__main__":
    node.run()
