#!/usr/bin/env python3
"""Broken on purpose: copies the request's msg_id into in_reply_to as a string."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()


@node.on("echo")
def echo(msg: Message) -> None:
    node.send(msg.src, {"type": "echo_ok", "echo": msg.body["echo"], "in_reply_to": str(msg.body["msg_id"])})


if __name__ == "__main__":
    node.run()
