#!/usr/bin/env python3
"""Challenge 5c, efficient multi-node Kafka-style log: each key has an owner node, which
alone hands out its offsets and copies its log to the other nodes in batches (spec §6.7).

Design
------
*Ownership.* Key ``k`` belongs to ``node_ids[k mod N]`` (a hash for keys that are not
integers). The owner appends messages to the key's log, a plain list: offsets are dense
from 0 and nobody else can hand one out, so no two sends ever share an offset. A send that
arrives at another node is forwarded to the owner (one request, one reply) and the owner's
answer is passed back to the client. Only sends ever cross between nodes on the request
path; nothing else needs the owner.

*Replication.* Every ``SYNC_INTERVAL_S`` each node sends each peer, in one message, the
messages of its own keys that the peer does not have yet, plus the committed offsets the
peer has not been told. The peer's reply says how long its copy of each log now is, so a
batch lost to a partition is simply sent again, from where the peer really is, next time.
A copy only ever grows by appending right at its end, so every node holds, for every key,
a prefix of the owner's log. (A node that forwarded a send also appends the message to its
copy at once, when it lands right at the end.)

*Reads are local.* A poll is answered from the node's own copies: they may lag behind the
owner by a batch, but they never skip or reorder, which is all the checker demands
(consumers read on, and the final polls come after ten quiet seconds). Keys with nothing to
return are left out of the reply. Committed offsets are kept, raised and listed locally and
travel with the batches; a committed offset that lags only makes a consumer poll again.

Cost per client op: a forwarded send is 2 messages and about half the sends land on the
wrong node, about a quarter of all ops, so ~0.5; the batches add a few per second.

*Failures.* A forwarded send that gets no reply within ``FORWARD_TIMEOUT_S`` is answered
with error 0 (timeout): the owner may or may not have appended it, so the error must be
indefinite. That answer comes well inside the client's 5 s, as it must (a reply to a client
that has given up silences the node, spec §2.8). In a partition, sends to the far side's
keys fail that way and the copies stop growing; both recover when the partition heals.
"""
import asyncio
import sys
import zlib
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Message, Node, RPCError  # noqa: E402

SYNC_INTERVAL_S = 0.1      # how often a node sends its peers what they are missing
SYNC_TIMEOUT_S = 0.5
FORWARD_TIMEOUT_S = 1.0

node = Node()
logs: defaultdict[str, list] = defaultdict(list)    # key -> its log, or a prefix of it
committed: dict[str, int] = {}                       # key -> highest committed offset
# What each peer is known to hold: log lengths of our keys, and committed offsets.
peer_lengths: defaultdict[str, dict[str, int]] = defaultdict(dict)
peer_committed: defaultdict[str, dict[str, int]] = defaultdict(dict)


def owner(key: str) -> str:
    number = int(key) if key.lstrip("-").isdigit() else zlib.crc32(key.encode())
    return node.node_ids[number % len(node.node_ids)]


def append_at(key: str, offset: int, messages: list) -> None:
    """Add messages known to sit at ``offset`` onwards, if they extend our copy."""
    log = logs[key]
    if offset <= len(log):
        log.extend(messages[len(log) - offset:])


@node.on("send")
def send(msg: Message) -> None:
    key = msg.body["key"]
    if owner(key) != node.node_id:
        node.spawn(forward(msg))
        return
    log = logs[key]
    log.append(msg.body["msg"])
    node.reply(msg, {"type": "send_ok", "offset": len(log) - 1})


async def forward(msg: Message) -> None:
    key = msg.body["key"]
    try:
        reply = await node.rpc(owner(key), {"type": "send", "key": key, "msg": msg.body["msg"]},
                               timeout=FORWARD_TIMEOUT_S)
    except RPCError as e:          # a timeout is code 0: indefinite, as it must be
        node.reply(msg, e.to_body())
        return
    append_at(key, reply["offset"], [msg.body["msg"]])
    node.reply(msg, {"type": "send_ok", "offset": reply["offset"]})


@node.on("poll")
def poll(msg: Message) -> None:
    found = {}
    for key, start in msg.body["offsets"].items():
        log = logs.get(key, [])
        first = max(start, 0)
        if first < len(log):
            found[key] = [[offset, log[offset]] for offset in range(first, len(log))]
    node.reply(msg, {"type": "poll_ok", "msgs": found})


def raise_committed(offsets: dict[str, int]) -> None:
    for key, offset in offsets.items():
        if offset > committed.get(key, -1):
            committed[key] = offset


@node.on("commit_offsets")
def commit_offsets(msg: Message) -> None:
    raise_committed(msg.body["offsets"])
    node.reply(msg, {"type": "commit_offsets_ok"})


@node.on("list_committed_offsets")
def list_committed_offsets(msg: Message) -> None:
    offsets = {key: committed[key] for key in msg.body["keys"] if key in committed}
    node.reply(msg, {"type": "list_committed_offsets_ok", "offsets": offsets})


@node.on("sync")
def sync(msg: Message) -> None:
    for key, (offset, messages) in msg.body["logs"].items():
        append_at(key, offset, messages)
    raise_committed(msg.body["committed"])
    node.reply(msg, {"type": "sync_ok", "lengths": {key: len(logs[key]) for key in msg.body["logs"]}})


async def sync_peer(peer: str) -> None:
    known = peer_lengths[peer]
    missing = {}
    for key, log in logs.items():
        if len(log) > known.get(key, 0) and owner(key) == node.node_id:
            start = known.get(key, 0)
            missing[key] = [start, log[start:]]
    told = peer_committed[peer]
    news = {key: offset for key, offset in committed.items() if offset > told.get(key, -1)}
    if not missing and not news:
        return
    try:
        reply = await node.rpc(peer, {"type": "sync", "logs": missing, "committed": news},
                               timeout=SYNC_TIMEOUT_S)
    except RPCError:
        return                       # unreachable for now: the next round resends
    known.update(reply["lengths"])
    told.update(news)


@node.every(SYNC_INTERVAL_S)
async def sync_peers() -> None:
    await asyncio.gather(*(sync_peer(peer) for peer in node.peers))


if __name__ == "__main__":
    node.run()
