#!/usr/bin/env python3
"""Broken on purpose: puts its own message counter in in_reply_to instead of the request's msg_id."""
import sys
from itertools import count
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()
replies = count(1000)


@node.on("echo")
def echo(msg: Message) -> None:
    node.send(msg.src, {"type": "echo_ok", "echo": msg.body["echo"], "in_reply_to": next(replies)})


if __name__ == "__main__":
    node.run()
