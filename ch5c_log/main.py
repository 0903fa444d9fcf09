#!/usr/bin/env python3
"""Challenge 5c, efficient multi-node Kafka-style log: each key has an owner node, which
alone hands out its offsets and copies its log to the other nodes in batches (docs/maelstrom.md §6.7).

*Ownership.* Key ``k`` belongs to ``node_ids[k mod N]`` (a hash for other keys), which alone
appends to the key's log, a plain list: offsets are dense from 0 and unique. A send arriving
elsewhere (a quarter of all ops) is forwarded to the owner: 2 more messages, ~0.5 per op.

*Replication.* Every SYNC_INTERVAL_S a node sends each peer, in one message, what it lacks of
this node's keys and of the committed offsets; the reply says how long its copies now are, so
a lost batch is resent from where the peer really is. Copies only grow at their end: every
node holds a prefix of each log. *Reads are local*, from copies that may lag but never skip.

*Partitions.* A send for a cut-off owner's key cannot succeed; it must fail *fast*, or it
holds a client thread that could serve ops that can. A forward waits a few usual round trips
(``forwards``, a `common.RoundTrip` within [0.1, 1] s), then gets error 0 (the owner may have
appended it) and marks the owner unreachable: its keys' sends get error 11 at once (definite:
nothing is forwarded) until a sync from it, or a reply to one, arrives. It is synced every
round, even with nothing new, so the heal is seen within a round. Polls and commits are local.

*Restarts.* A node's logs, its own keys' and its copies, and its committed offsets are
`common.logs.Logs`: on disk before they are acknowledged (send_ok, commit_offsets_ok,
sync_ok) and read back at start. An owner goes on from the offset it stopped at, and what
peers were told it holds it still holds. A restarted node knows nothing of its peers' copies,
so it offers them everything once; their replies say where they really are.
"""
import asyncio
import re
import sys
import time
import zlib
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import ErrorCode, Logs, Message, Node, RoundTrip, RPCError  # noqa: E402

SYNC_INTERVAL_S, SYNC_TIMEOUT_S = 0.1, 0.5   # how often peers are sent what they miss
NUMBER = re.compile(r"-?[0-9]{1,18}")   # keys the workload makes: "0", "1", ...

node = Node()
store = Logs(node)   # key -> its log or a prefix of it, and its committed offset
peer_lengths: defaultdict[str, dict[str, int]] = defaultdict(dict)    # of our keys' logs
peer_committed: defaultdict[str, dict[str, int]] = defaultdict(dict)  # offsets told to peers
unreachable: set[str] = set()   # owners whose last forward timed out, not heard from since
forwards = RoundTrip(least=0.1, most=1.0)   # how long a forward waits for the owner


def owner(key: str) -> str:
    number = int(key) if NUMBER.fullmatch(key) else zlib.crc32(key.encode(errors="surrogatepass"))
    return node.node_ids[number % len(node.node_ids)]


@node.on("send", key=str, msg=object)
def send(msg: Message) -> None:
    key = msg.body["key"]
    if owner(key) in unreachable:
        raise RPCError(ErrorCode.TEMPORARILY_UNAVAILABLE, f"{key}'s owner {owner(key)} is cut off")
    if owner(key) != node.node_id:
        node.spawn(forward(msg))
    else:
        node.reply(msg, {"type": "send_ok", "offset": store.append(key, msg.body["msg"])})


async def forward(msg: Message) -> None:
    key, start = msg.body["key"], time.monotonic()
    try:
        reply = await node.rpc(owner(key), {"type": "send", "key": key, "msg": msg.body["msg"]},
                               timeout=forwards.timeout())
    except RPCError as e:          # a timeout is code 0: indefinite, as it must be
        if e.code == ErrorCode.TIMEOUT:
            unreachable.add(owner(key))
        node.reply(msg, e.to_body())
    else:
        unreachable.discard(owner(key))
        forwards.took(time.monotonic() - start)
        store.save({key: [reply["offset"], [msg.body["msg"]]]}, {})
        node.reply(msg, {"type": "send_ok", "offset": reply["offset"]})


@node.on("poll", offsets=dict[str, int])
def poll(msg: Message) -> None:
    node.reply(msg, {"type": "poll_ok", "msgs": store.poll(msg.body["offsets"])})


@node.on("commit_offsets", offsets=dict[str, int])
def commit_offsets(msg: Message) -> None:
    store.commit(msg.body["offsets"])
    node.reply(msg, {"type": "commit_offsets_ok"})


@node.on("list_committed_offsets", keys=list[str])
def list_committed_offsets(msg: Message) -> None:
    offsets = store.committed_offsets(msg.body["keys"])
    node.reply(msg, {"type": "list_committed_offsets_ok", "offsets": offsets})


@node.on("sync", logs=dict[str, tuple[int, list]], committed=dict[str, int])
def sync(msg: Message) -> None:
    unreachable.discard(msg.src)   # it reaches us, so (partitions being symmetric) we reach it
    store.save(msg.body["logs"], msg.body["committed"])
    lengths = {key: len(store.logs[key]) for key in msg.body["logs"]}
    node.reply(msg, {"type": "sync_ok", "lengths": lengths})


async def sync_peer(peer: str) -> None:
    known = peer_lengths[peer]
    missing = {}
    for key, log in store.logs.items():
        start = known.get(key, 0)
        if len(log) > start and owner(key) == node.node_id:
            missing[key] = [start, log[start:]]
    told = peer_committed[peer]
    news = {key: offset for key, offset in store.committed.items() if offset > told.get(key, -1)}
    if not missing and not news and peer not in unreachable:   # (its reply says it is back)
        return
    try:
        reply = await node.rpc(peer, {"type": "sync", "logs": missing, "committed": news},
                               timeout=SYNC_TIMEOUT_S)
    except RPCError:
        return                       # unreachable for now: the next round resends
    unreachable.discard(peer)
    known.update(reply["lengths"])
    told.update(news)


@node.every(SYNC_INTERVAL_S)
async def sync_peers() -> None:
    await asyncio.gather(*(sync_peer(peer) for peer in node.peers))


if __name__ == "__main__":
    node.run()
