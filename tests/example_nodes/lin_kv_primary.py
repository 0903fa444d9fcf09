#!/usr/bin/env python3
"""A linearizable lin-kv node without consensus: the first node holds every register, and
the others forward each request to it and relay its answer.

One copy, changed by one node in its message order, is linearizable. It is not available:
a partition that cuts a node off from the primary makes its requests time out (after 250 ms), so writes
and cas ops end indeterminate (error 0, recorded as info), which is what the checker's
partition benchmark needs plenty of.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Message, Node  # noqa: E402
from kv_state import apply  # noqa: E402

node = Node()
values: dict = {}


@node.on("read")
@node.on("write")
@node.on("cas")
async def handle(msg: Message) -> None:
    primary = node.node_ids[0]
    if node.node_id == primary:
        node.reply(msg, apply(values, msg.body))
        return
    request = {k: v for k, v in msg.body.items() if k != "msg_id"}
    reply = await node.rpc(primary, request, timeout=0.25)
    node.reply(msg, {k: v for k, v in reply.items() if k not in ("msg_id", "in_reply_to")})


if __name__ == "__main__":
    node.run()
