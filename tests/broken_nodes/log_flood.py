#!/usr/bin/env python3
"""Broken on purpose: answers echoes correctly, but logs to stderr in a hot loop from the
moment it starts, gigabytes in seconds."""
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()


def chatter() -> None:
    line = b"debug: still here, nothing to report\n" * 1024
    while True:
        os.write(2, line)


@node.on("echo")
def echo(msg: Message) -> None:
    node.reply(msg, {"type": "echo_ok", "echo": msg.body["echo"]})


if __name__ == "__main__":
    threading.Thread(target=chatter, daemon=True).start()
    node.run()
