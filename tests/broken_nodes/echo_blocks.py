#!/usr/bin/env python3
"""Broken on purpose: an echo handler that blocks for two seconds (time.sleep in a plain
handler stops the node's whole event loop), so the node serves one request every 2 s."""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()


@node.on("echo")
def echo(msg: Message) -> None:
    time.sleep(2)
    node.reply(msg, {"type": "echo_ok", "echo": msg.body["echo"]})


if __name__ == "__main__":
    node.run()
