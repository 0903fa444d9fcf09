#!/usr/bin/env python3
"""Broken on purpose: answers init, then writes well-formed messages to a peer in a hot loop,
as fast as its stdout pipe takes them, while still answering echoes."""
import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()


def flood() -> None:
    peer = (node.peers or [node.node_id])[0]
    line = (json.dumps({"src": node.node_id, "dest": peer, "body": {"type": "chatter", "n": 1}}) + "\n").encode()
    # Each write at most PIPE_BUF (4096) bytes, so that it never interleaves with a reply the
    # main thread writes meanwhile: the flood is of well-formed lines.
    block = line * max(1, 4000 // len(line))
    while True:
        os.write(1, block)


@node.on_init
def start() -> None:
    threading.Thread(target=flood, daemon=True).start()


@node.on("chatter")
def chatter(msg: Message) -> None:
    pass


@node.on("echo")
def echo(msg: Message) -> None:
    node.reply(msg, {"type": "echo_ok", "echo": msg.body["echo"]})


if __name__ == "__main__":
    node.run()
