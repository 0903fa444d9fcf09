#!/usr/bin/env python3
"""Slow on purpose: each echo is answered after a blocking ``time.sleep``.

A process may do that (it only delays its own replies), but in the simulator every node
shares one thread, so ``sim`` refuses it and names the call."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()


@node.on("echo")
def echo(msg: Message) -> None:
    time.sleep(0.01)
    node.reply(msg, {"type": "echo_ok", "echo": msg.body["echo"]})


if __name__ == "__main__":
    node.run()
