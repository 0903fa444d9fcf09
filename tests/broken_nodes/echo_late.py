#!/usr/bin/env python3
"""Slow on purpose: answers every echo correctly, 1.5 s late, so every client thread waits."""
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

node = Node()


@node.on("echo")
async def echo(msg: Message) -> None:
    await asyncio.sleep(1.5)
    node.reply(msg, {"type": "echo_ok", "echo": msg.body["echo"]})


if __name__ == "__main__":
    node.run()
