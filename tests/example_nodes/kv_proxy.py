#!/usr/bin/env python3
"""A lin-kv node that keeps nothing itself: every read, write and cas is forwarded to one of
Maelstrom's key/value services, and its answer (or error) goes back to the client.

    kv_proxy.py [lin-kv|seq-kv|lww-kv]      (default lin-kv)

Through lin-kv this is linearizable by construction; through seq-kv (stale reads) or
lww-kv (two unsynchronised replicas) it is not, which is what the lin-kv checker must see.
The service is never partitioned, so the proxy stays valid under the partition nemesis.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node  # noqa: E402

SERVICE = sys.argv[1] if len(sys.argv) > 1 else "lin-kv"
node = Node()


@node.on("read")
@node.on("write")
@node.on("cas")
async def forward(msg: Message) -> None:
    request = {k: v for k, v in msg.body.items() if k != "msg_id"}
    reply = await node.rpc(SERVICE, request, timeout=5.0)
    node.reply(msg, {k: v for k, v in reply.items() if k not in ("msg_id", "in_reply_to")})


if __name__ == "__main__":
    node.run()
