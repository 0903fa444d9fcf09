#!/usr/bin/env python3
"""Challenge 3c, fault-tolerant broadcast: every value must reach every node even though
partitions drop messages, as long as the network heals eventually.

A message lost in a partition is never redelivered, so nobody may fire and forget: a node
keeps offering a value to a peer until it knows the peer has it. For that, each node tracks
per peer the values the peer is known to hold: those it acknowledged, and those it sent us.
Every SYNC_INTERVAL the node sends each peer, in one RPC, all the values the peer is not known
to hold; the reply marks them as held. A push lost in a partition times out, and a later round
offers those values again, with anything new. Only one push per peer is in flight at a time,
so a partitioned peer costs one message per PUSH_TIMEOUT, not one per round. Once the network
heals, one round closes every gap.

Periodic sync rather than an immediate push per value batches all that was learnt in an
interval into one message per peer. The price is up to SYNC_INTERVAL of extra latency, which
this challenge does not limit.

Restarts. The values are a `DurableSet`: each is on disk (`common.wal`) before it is
acknowledged, to a client (broadcast_ok) or to a peer (gossip_ok), and is read back at start,
so what a peer is known to hold it still holds after a restart. A restarted node knows nothing
of its peers, so its first round offers each of them everything once; what was sent to it
while it was down went unacknowledged, and its senders offer it again.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import DurableSet, Message, Node, RPCError  # noqa: E402  (importable once path is set)

SYNC_INTERVAL = 0.25   # seconds between sync rounds
PUSH_TIMEOUT = 1.0     # seconds to wait for a push's acknowledgement

node = Node()
messages = DurableSet(node, "messages")   # a set of ints, kept on disk
held_by: dict[str, set[int]] = {}   # peer -> the values it is known to hold
in_flight: set[str] = set()          # peers with a push awaiting its acknowledgement


@node.on_init
def meet_peers() -> None:
    for peer in node.peers:
        held_by[peer] = set()


@node.on("broadcast", message=int)
def broadcast(msg: Message) -> None:
    messages.add(msg.body["message"])
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "messages": list(messages)})


@node.on("topology")
def topology(msg: Message) -> None:
    node.reply(msg, {"type": "topology_ok"})


@node.on("gossip", messages=list[int])
def gossip(msg: Message) -> None:
    values = msg.body["messages"]
    held_by[msg.src].update(values)   # the sender holds what it sends
    messages.update(values)
    node.reply(msg, {"type": "gossip_ok"})


@node.every(SYNC_INTERVAL)
def sync() -> None:
    for peer, held in held_by.items():
        missing = messages - held
        if missing and peer not in in_flight:
            in_flight.add(peer)
            node.spawn(push(peer, missing))


async def push(peer: str, values: set[int]) -> None:
    try:
        await node.rpc(peer, {"type": "gossip", "messages": list(values)},
                       timeout=PUSH_TIMEOUT)
        held_by[peer].update(values)
    except RPCError:
        pass   # lost, or too slow: a later round offers these values again
    finally:
        in_flight.discard(peer)


if __name__ == "__main__":
    node.run()
