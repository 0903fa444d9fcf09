#!/usr/bin/env python3
"""Challenge 4, grow-only counter: nodes take adds and must agree on the total, through the
sequentially consistent seq-kv service, under partitions.

Each node counts the adds it acknowledged itself: that count is exact, and only this node ever
changes it. The counter is the sum of the nodes' counts, so a node keeps a view of all of them
(a G-counter): its own, and the latest it has learnt of each peer's. Counts only grow, so two
views merge by taking the larger count of each node, and a stale view can only lag, never
mislead. In seq-kv each node owns one key, its name. Every ROUND seconds a node writes its view
under its key, then reads one peer's key, the peers in turn, and merges what it finds. An add
is answered at once; a read sums the view. Nodes never message each other, so partitions,
which cut nodes only from each other, never from seq-kv, change nothing.

Cost: one write and one read, four messages per node per round, 12 a second for 3 nodes: about
0.2 messages per operation. A peer's adds show in reads within about two rounds.

Why the final reads are exact. seq-kv may answer a node from an old state, but never from one
older than the newest it has made or seen; and a request that changes the state is applied to
the newest state, which moves the node's view there (docs/maelstrom.md §7.3). Every write here changes the
state, even when no count has moved, because it carries the node's life and round number,
which no earlier write of the node carried.
So a read after a node's own write sees every write that seq-kv applied before that write.
Adds stop at the end of the main phase. Within a round every node has written its final count;
in the rounds after that, every read follows a write made after those, so it returns that
peer's final count, and once a node has read each peer (two rounds for three nodes) its view
holds every final count: about three seconds after the last add, long before the final reads,
which come 10 s after the heal. A write or read that fails is simply redone next round: the
counts it would have carried are still in the view.

Restarts. A node's own count exists nowhere else until it is shared, so each add writes the
new count to the node's write-ahead log (`common.wal`) before ``add_ok``; the log is replayed
at start (and, as only the latest count matters, compacted to one record). Peers' counts are
not saved: seq-kv holds them, and the next rounds read them back. A restarted node starts a
new life (`Lives`) and numbers its rounds again from 1, so its writes still never repeat.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import KV, SEQ_KV, ErrorCode, Lives, Message, Natural, Node, RPCError, WriteAheadLog  # noqa: E402

ROUND = 1.0   # seconds between a node's writes (and reads) of seq-kv
LIMIT = 2 ** 63 - 1   # the largest total an add may make: a Java long, what Maelstrom's checker holds

node = Node()
kv = KV(node, SEQ_KV)
counts: dict[str, int] = {}   # node -> how much it has counted, as far as this node knows
rounds = 0
lives = Lives(node)


def set_own_count(count: int) -> None:
    counts[node.node_id] = count


own_count = WriteAheadLog(node, "count", apply=set_own_count,
                          snapshot=lambda: [counts.get(node.node_id, 0)])


@node.on("add", delta=Natural)
def add(msg: Message) -> None:
    if sum(counts.values()) + msg.body["delta"] > LIMIT:   # refused: nothing counted
        raise RPCError(ErrorCode.MALFORMED_REQUEST, f"add: the counter would pass {LIMIT}")
    own_count.append(counts.get(node.node_id, 0) + msg.body["delta"])
    node.reply(msg, {"type": "add_ok"})


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "value": sum(counts.values())})


@node.every(ROUND)
async def share() -> None:
    global rounds
    rounds += 1
    try:
        await kv.write(node.node_id, {"counts": counts, "round": [lives.number, rounds]})
        if not node.peers:
            return
        peer = node.peers[rounds % len(node.peers)]
        theirs = await kv.read(peer, default={"counts": {}})
    except RPCError as e:
        node.log(f"round {rounds} failed, retried next round: {e}")
        return
    for who, count in theirs["counts"].items():
        counts[who] = max(counts.get(who, 0), count)


if __name__ == "__main__":
    node.run()
