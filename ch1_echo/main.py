#!/usr/bin/env python3
"""Challenge 1, echo: answer every ``echo`` request with the same payload.

The whole protocol (init, error replies, line framing) lives in `common`; what is left is the
one line that is actually about echo.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Message, Node  # noqa: E402  (importable only once the path is set)

node = Node()


@node.on("echo", echo=object)
def echo(msg: Message) -> None:
    node.reply(msg, {"type": "echo_ok", "echo": msg.body["echo"]})


if __name__ == "__main__":
    node.run()
