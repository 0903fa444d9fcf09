#!/usr/bin/env python3
"""Challenge 5b, multi-node Kafka-style log: every key's log lives in lin-kv (docs/maelstrom.md §6.7, §7.2).

Each key's log is one lin-kv value, the JSON list of its messages under ``log/<key>``; a
message's offset is its index. A send appends with compare-and-set, from the list this node
last saw to that list plus the message. The CAS succeeds only if nobody appended in between,
so no two nodes hand out the same offset and offsets are dense from 0; when it is refused,
the node reads the current list and tries again. Nodes talk only to lin-kv, which is never
partitioned, so a partition between them changes nothing.

Logs only grow, so every list a node has seen is a true prefix of its key's log and is
remembered: the next send tries its CAS on it without reading first, and a poll serves from
it, reading lin-kv only for keys it has nothing new for (if that read fails the poll answers
from memory: it may lag, it must not skip). Sends to one key queue behind a per-key lock, so
a node's own requests never make each other's CAS fail.

Committed offsets are raised in memory at once and in lin-kv (``committed/<key>``, by CAS)
in batches a little later: a consumer that resumes from a lagging offset only polls again.
What is acknowledged but not yet in lin-kv must survive a restart: each commit is written to
a write-ahead log (`common.wal`) before ``commit_offsets_ok``; the log is replayed at start,
which also marks every key for flushing again. Sends need nothing: lin-kv holds the logs.

A send gives up after ``SEND_DEADLINE_S``, inside the client's 5 s (a late reply silences the
node, docs/maelstrom.md §2.8). A CAS that timed out may have been applied, hence error 0 (indefinite); if
every CAS was refused, nothing was appended, hence error 11 (definite).
"""
import asyncio
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import (KV, ErrorCode, Message, Node, PreconditionFailed, RPCError,  # noqa: E402
                    RPCTimeout, WriteAheadLog)

SEND_DEADLINE_S = 2.5      # no new lin-kv request for a send after this long
FLUSH_INTERVAL_S = 0.1     # how often committed offsets are written to lin-kv

node = Node()
kv = KV(node)
logs: dict[str, list] = {}                          # key -> the longest list seen in lin-kv
send_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
committed: dict[str, int] = {}                      # key -> highest offset committed here
unflushed: set[str] = set()                         # keys lin-kv has not heard the commit of


def commit(offsets: dict[str, int]) -> None:
    for key, offset in offsets.items():
        if offset > committed.get(key, -1):
            committed[key] = offset
            unflushed.add(key)


commits = WriteAheadLog(node, "commits", apply=commit, snapshot=lambda: [committed])


def remember(key: str, log: list) -> list:
    """Keep ``log`` if it is longer than what we have of ``key``; return the longest."""
    if len(log) > len(logs.get(key, ())):
        logs[key] = log
    return logs.get(key, [])


async def read_or_none(key: str) -> list | int | None:
    """lin-kv's value of ``key``, or None if it is missing or lin-kv does not answer."""
    try:
        return await kv.read(key)
    except RPCError:
        return None


@node.on("send", key=str, msg=object)
async def send(msg: Message) -> None:
    key, value = msg.body["key"], msg.body["msg"]
    deadline = time.monotonic() + SEND_DEADLINE_S
    async with send_locks[key]:
        log = logs.get(key, [])
        while time.monotonic() < deadline:
            try:
                # Creates a key that has no log yet. A timeout escapes and is answered as error 0.
                await kv.cas(f"log/{key}", log, log + [value], create_if_not_exists=not log)
            except PreconditionFailed:
                try:
                    log = remember(key, await kv.read(f"log/{key}"))
                except RPCTimeout:
                    break
            else:
                remember(key, log + [value])
                node.reply(msg, {"type": "send_ok", "offset": len(log)})
                return
    raise RPCError(ErrorCode.TEMPORARILY_UNAVAILABLE, f"could not append to {key!r} in time")


@node.on("poll", offsets=dict[str, int])
async def poll(msg: Message) -> None:
    wanted = {key: max(start, 0) for key, start in msg.body["offsets"].items()}
    stale = [key for key, start in wanted.items() if start >= len(logs.get(key, ()))]
    latest = await asyncio.gather(*(read_or_none(f"log/{key}") for key in stale))
    for key, log in zip(stale, latest):
        remember(key, log or [])   # no answer, or nothing sent yet: serve what we have
    found = {}
    for key, start in wanted.items():
        if start < len(logs.get(key, ())):
            found[key] = [[offset, m] for offset, m in enumerate(logs[key][start:], start)]
    node.reply(msg, {"type": "poll_ok", "msgs": found})


@node.on("commit_offsets", offsets=dict[str, int])
def commit_offsets(msg: Message) -> None:
    commits.append(msg.body["offsets"])
    node.reply(msg, {"type": "commit_offsets_ok"})


@node.on("list_committed_offsets", keys=list[str])
async def list_committed_offsets(msg: Message) -> None:
    keys = msg.body["keys"]
    stored = await asyncio.gather(*(read_or_none(f"committed/{key}") for key in keys))
    best = {key: max(committed.get(key, -1), -1 if remote is None else remote)
            for key, remote in zip(keys, stored)}
    offsets = {key: offset for key, offset in best.items() if offset >= 0}
    node.reply(msg, {"type": "list_committed_offsets_ok", "offsets": offsets})


async def raise_stored_offset(key: str, offset: int) -> None:
    """Make lin-kv's committed offset of ``key`` at least ``offset``."""
    current = await read_or_none(f"committed/{key}")
    while current is None or current < offset:
        try:
            await kv.cas(f"committed/{key}", current, offset, create_if_not_exists=current is None)
            return
        except PreconditionFailed:
            current = await read_or_none(f"committed/{key}")


@node.every(FLUSH_INTERVAL_S)
async def flush_commits() -> None:
    keys = list(unflushed)
    unflushed.clear()
    results = await asyncio.gather(*(raise_stored_offset(k, committed[k]) for k in keys),
                                   return_exceptions=True)
    unflushed.update(k for k, r in zip(keys, results) if isinstance(r, Exception))


if __name__ == "__main__":
    node.run()
