#!/usr/bin/env python3
"""Broken after a restart only: an echo node that, once restarted (it finds the file it left in
its working directory), never answers init again."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

if Path("started").exists():
    for _ in sys.stdin:   # reads everything, answers nothing
        pass
    sys.exit(0)
Path("started").write_text("yes\n")

node = Node()


@node.on("echo")
def echo(msg: Message) -> None:
    node.reply(msg, {"type": "echo_ok", "echo": msg.body["echo"]})


if __name__ == "__main__":
    node.run()
