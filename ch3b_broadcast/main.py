#!/usr/bin/env python3
"""Challenge 3b, multi-node broadcast: every value broadcast to any node must soon be
returned by every node's read.

The node a client hands a value to tells every other node directly, in one "gossip" message
each: one network hop, so the value is everywhere after a single message latency. Gossip is
fire-and-forget (no msg_id, no reply), which is enough while the network loses nothing, and
whoever receives gossip does not pass it on, because the origin has already told everyone.
The suggested topology would only add hops, so it is acknowledged and ignored.

Restarts. The values are a `DurableSet`: each is on disk (`common.wal`) before it is
acknowledged, and is read back at start. What a restarted node cannot have is the gossip sent
to it while it was down, which nobody delivers. So a node on its second or later life
(`Lives`) reads every peer's values once, asking again until the peer answers: a peer that is
down too answers once it is back, from its own disk.
"""
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import DurableSet, Lives, Message, Node, RPCError  # noqa: E402  (importable once path is set)

node = Node()
lives = Lives(node)
messages = DurableSet(node, "messages")   # a set of ints, kept on disk


@node.on("broadcast", message=int)
def broadcast(msg: Message) -> None:
    value = msg.body["message"]
    if value not in messages:
        messages.add(value)
        for peer in node.peers:
            node.send(peer, {"type": "gossip", "message": value})
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip", message=int)
def gossip(msg: Message) -> None:
    messages.add(msg.body["message"])


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "messages": list(messages)})


@node.on("topology")
def topology(msg: Message) -> None:
    node.reply(msg, {"type": "topology_ok"})


@node.on_init
def catch_up_after_restart() -> None:
    if lives.number > 1:   # a first start has missed nothing
        for peer in node.peers:
            node.spawn(catch_up(peer))


async def catch_up(peer: str) -> None:
    while True:
        try:
            reply = await node.rpc(peer, {"type": "read"}, timeout=1.0)
            break
        except RPCError:   # down, paused, or not yet initialised: ask again
            await asyncio.sleep(1.0)
    messages.update(reply["messages"])


if __name__ == "__main__":
    node.run()
