#!/usr/bin/env python3
"""Broken on purpose, and only sometimes: a value's gossip to a peer is retried twice, then
given up.

The node a client hands a value to tells every other node in an RPC, and tries again after
RETRY_S if no acknowledgement comes back within TIMEOUT_S, at most twice. A partition that
cuts the two apart for longer than the three tries span loses the value on that peer for
good. Most partitions are shorter, or hit no fresh value on the wrong side, so most seeds of
a partitioned run pass: the kind of bug a seed sweep exists to find."""
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from common import Message, Node, RPCError  # noqa: E402

TIMEOUT_S = 1.0
RETRY_S = 8.0
TRIES = 3

node = Node()
messages: set[int] = set()


async def tell(peer: str, value: int) -> None:
    for attempt in range(TRIES):
        try:
            await node.rpc(peer, {"type": "gossip", "message": value}, timeout=TIMEOUT_S)
            return
        except RPCError:
            await asyncio.sleep(RETRY_S)


@node.on("broadcast", message=int)
def broadcast(msg: Message) -> None:
    value = msg.body["message"]
    if value not in messages:
        messages.add(value)
        for peer in node.peers:
            node.spawn(tell(peer, value))
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip", message=int)
def gossip(msg: Message) -> None:
    messages.add(msg.body["message"])
    node.reply(msg, {"type": "gossip_ok"})


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "messages": list(messages)})


@node.on("topology")
def topology(msg: Message) -> None:
    node.reply(msg, {"type": "topology_ok"})


if __name__ == "__main__":
    node.run()
