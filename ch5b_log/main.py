#!/usr/bin/env python3
"""Challenge 5b, multi-node Kafka-style log: every key's log lives in lin-kv (spec §6.7, §7.2).

Design
------
Each key's whole log is one lin-kv value, a JSON list of its messages under ``log/<key>``;
a message's offset is its index. Sending appends with compare-and-set: from the list this
node last saw to that list plus the message. The CAS succeeds only if nobody appended in
between, so two nodes can never hand out the same offset, and offsets are dense from 0.
If it fails, the node reads the current list and tries again on top of it.

The nodes never talk to each other, only to lin-kv, which is never partitioned: a network
partition between the nodes changes nothing.

Every list a node reads or writes is remembered. Logs only grow, so a remembered list is
always a true prefix of the key's log:

* the next send to the key tries its CAS on it at once, without reading first;
* a poll serves from it and reads lin-kv only for keys it has nothing new for. If that read
  fails the poll still answers from memory: a poll may lag behind, it must not skip;
* sends to one key are queued behind a per-key lock, so a node's own requests never make
  each other's CAS fail.

Offsets a consumer commits are kept in memory at once and written to lin-kv
(``committed/<key>``, raised with a CAS, never lowered) a little later, in batches. The
reply can come before the write because a committed offset may safely lag: a consumer that
resumes from too low an offset only polls some messages again. list_committed_offsets
reports the higher of memory and lin-kv.

Failures. A request must be answered before Maelstrom's client gives up (5 s); otherwise the
late reply, sent to a client that has been closed meanwhile, silences the node (spec §2.8).
So a send gives up after ``SEND_DEADLINE_S``. The error it gives tells the truth: a CAS that
timed out may still have been applied, hence an indefinite error (timeout, 0); if every CAS
was refused, nothing was appended, hence a definite one (temporarily unavailable, 11).
"""
import asyncio
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import KV, ErrorCode, Message, Node, PreconditionFailed, RPCError, RPCTimeout  # noqa: E402

SEND_DEADLINE_S = 2.5      # no new lin-kv request for a send after this long
FLUSH_INTERVAL_S = 0.1     # how often committed offsets are written to lin-kv

node = Node()
kv = KV(node)
logs: dict[str, list] = {}                          # key -> the longest list seen in lin-kv
send_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
committed: dict[str, int] = {}                      # key -> highest offset committed here
unflushed: set[str] = set()                         # keys lin-kv has not heard the commit of


def remember(key: str, log: list) -> list:
    if len(log) > len(logs.get(key, ())):
        logs[key] = log
    return logs.get(key, [])


@node.on("send")
async def send(msg: Message) -> None:
    key, value = msg.body["key"], msg.body["msg"]
    deadline = time.monotonic() + SEND_DEADLINE_S
    async with send_locks[key]:
        log = logs.get(key, [])
        while time.monotonic() < deadline:
            try:
                # A key with no log yet is created by this very CAS. A timeout escapes: the
                # CAS may have been applied, and the library answers with its code 0.
                await kv.cas(f"log/{key}", log, log + [value], create_if_not_exists=not log)
            except PreconditionFailed:
                try:
                    log = remember(key, await kv.read(f"log/{key}"))
                except RPCTimeout:
                    break
                continue
            remember(key, log + [value])
            node.reply(msg, {"type": "send_ok", "offset": len(log)})
            return
    raise RPCError(ErrorCode.TEMPORARILY_UNAVAILABLE, f"could not append to {key!r} in time")


async def refresh(key: str) -> None:
    """Learn the latest list of ``key``, if lin-kv answers."""
    try:
        remember(key, await kv.read(f"log/{key}"))
    except RPCError:   # missing (nothing sent yet) or no answer: serve what we have
        pass


@node.on("poll")
async def poll(msg: Message) -> None:
    wanted = {key: max(start, 0) for key, start in msg.body["offsets"].items()}
    stale = [key for key, start in wanted.items() if start >= len(logs.get(key, ()))]
    await asyncio.gather(*(refresh(key) for key in stale))
    found = {}
    for key, start in wanted.items():
        log = logs.get(key, [])
        if start < len(log):
            found[key] = [[offset, log[offset]] for offset in range(start, len(log))]
    node.reply(msg, {"type": "poll_ok", "msgs": found})


@node.on("commit_offsets")
def commit_offsets(msg: Message) -> None:
    for key, offset in msg.body["offsets"].items():
        if offset > committed.get(key, -1):
            committed[key] = offset
            unflushed.add(key)
    node.reply(msg, {"type": "commit_offsets_ok"})


async def stored_offset(key: str) -> int | None:
    try:
        return await kv.read(f"committed/{key}")
    except RPCError:
        return None


@node.on("list_committed_offsets")
async def list_committed_offsets(msg: Message) -> None:
    keys = msg.body["keys"]
    stored = await asyncio.gather(*(stored_offset(key) for key in keys))
    offsets = {}
    for key, remote in zip(keys, stored):
        best = max(committed.get(key, -1), -1 if remote is None else remote)
        if best >= 0:
            offsets[key] = best
    node.reply(msg, {"type": "list_committed_offsets_ok", "offsets": offsets})


async def raise_stored_offset(key: str, offset: int) -> None:
    """Make lin-kv's committed offset of ``key`` at least ``offset``."""
    current = await stored_offset(key)
    while current is None or current < offset:
        try:
            await kv.cas(f"committed/{key}", current, offset, create_if_not_exists=current is None)
            return
        except PreconditionFailed:
            current = await stored_offset(key)


@node.every(FLUSH_INTERVAL_S)
async def flush_commits() -> None:
    keys = list(unflushed)
    unflushed.clear()
    results = await asyncio.gather(*(raise_stored_offset(k, committed[k]) for k in keys),
                                   return_exceptions=True)
    unflushed.update(k for k, r in zip(keys, results) if isinstance(r, Exception))


if __name__ == "__main__":
    node.run()
