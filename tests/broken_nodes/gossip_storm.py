#!/usr/bin/env python3
"""Broken on purpose: ch3b's broadcast, except that every gossip received is gossiped again to
every peer, without asking whether it was already known. A learner's most common bug: one
broadcast on five nodes becomes 4, 16, 64, ... messages, a storm that never ends."""
import runpy
from pathlib import Path

ch3b = runpy.run_path(str(Path(__file__).resolve().parents[2] / "ch3b_broadcast" / "main.py"), run_name="ch3b")
node, messages = ch3b["node"], ch3b["messages"]


@node.on("gossip", message=int)
def gossip(msg) -> None:
    messages.add(msg.body["message"])
    for peer in node.peers:
        node.send(peer, {"type": "gossip", "message": msg.body["message"]})


if __name__ == "__main__":
    node.run()
