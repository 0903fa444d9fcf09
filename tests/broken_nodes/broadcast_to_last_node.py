#!/usr/bin/env python3
"""Broken on purpose: ch3b's broadcast, except that a value is forwarded only to the last
node of node_ids, so only that node's reads see everything. It passes only when the final
read that decides set-full's verdict happens to land on that node."""
import runpy
from pathlib import Path

ch3b = runpy.run_path(str(Path(__file__).resolve().parents[2] / "ch3b_broadcast" / "main.py"), run_name="ch3b")
node, messages = ch3b["node"], ch3b["messages"]


@node.on("broadcast")
def broadcast(msg) -> None:
    messages.add(msg.body["message"])
    hub = node.node_ids[-1]
    if hub != node.node_id:
        node.send(hub, {"type": "gossip", "message": msg.body["message"]})
    node.reply(msg, {"type": "broadcast_ok"})


if __name__ == "__main__":
    node.run()
