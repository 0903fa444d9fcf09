#!/usr/bin/env python3
"""Challenge 6b, totally available read-uncommitted transactions on replicated registers.

Every node holds a full copy of the store and answers each transaction at once, from its
own copy, whatever the network does: total availability. Writes reach the other replicas
later, in the background.

What read uncommitted asks for
------------------------------
Read uncommitted (Adya's PL-1) forbids only G0, "dirty writes": a cycle of transactions
each overwriting the previous one's write, e.g. T1 wins on x but T2 wins on y. Anything may
be read, even a stale value or one written halfway through another transaction; what must
not happen is that replicas settle concurrent writes in different orders, key by key.

So all replicas order every key's writes the same way, by a *stamp* that the writing
transaction gets when it runs: ``[counter, node id]``, a Lamport clock. Each node keeps the
stamp of the value it holds for each key, and a replicated write replaces it only if its
stamp is larger: last writer wins, where "last" means the same thing everywhere. Stamps of
all transactions form one total order, and every key's versions follow it, so no write
cycle can form. The counter moves past every stamp the node has seen, so a transaction's
writes outrank every value it read: its writes follow its reads on every replica.

Replication
-----------
A node remembers, per peer, the newest stamped value of each key the peer may lack. Every
REPLICATE_INTERVAL it sends each peer all of them in one message; the acknowledgement
clears what was sent (unless a newer write came meanwhile). A push lost in a partition
times out and the values are sent again; only one push per peer is in flight at a time.
Applying a value twice, or an old one late, changes nothing (the stamp decides), so
retries are safe. Only the newest value per key is sent: with last writer wins, an older
one would be thrown away on arrival anyway.

A transaction runs from start to end without an await, so nothing, local or replicated,
runs in the middle of it. Its writes go to the store as they run; that is all read
uncommitted needs (6c is stricter about what others may see).

Cost: one push and one acknowledgement per peer per interval, a handful of messages per
second, almost nothing per operation at 1000 transactions per second.
"""
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Message, Node, RPCError  # noqa: E402  (importable once the path is set)

REPLICATE_INTERVAL = 0.1   # seconds between pushes to a peer
PUSH_TIMEOUT = 1.0         # seconds to wait for a push's acknowledgement

Stamp = tuple[int, str]

node = Node()
clock = 0
store: dict[Any, tuple[Stamp, Any]] = {}              # key -> (stamp, value)
unsent: dict[str, dict[Any, tuple[Stamp, Any]]] = {}  # peer -> key -> (stamp, value)
in_flight: set[str] = set()                           # peers with a push unacknowledged


@node.on_init
def meet_peers() -> None:
    for peer in node.peers:
        unsent[peer] = {}


def install(key: Any, stamp: Stamp, value: Any) -> None:
    """Keep a replicated write if its stamp is the newest seen for ``key``."""
    global clock
    clock = max(clock, stamp[0])
    held = store.get(key)
    if held is None or held[0] < stamp:
        store[key] = (stamp, value)


@node.on("txn")
def txn(msg: Message) -> None:
    global clock
    clock += 1
    stamp = (clock, node.node_id)
    done = []
    for f, k, v in msg.body["txn"]:
        if f == "r":
            held = store.get(k)
            done.append([f, k, held[1] if held else None])
        else:
            store[k] = (stamp, v)   # the newest stamp there is: it always wins here
            for pending in unsent.values():
                pending[k] = (stamp, v)
            done.append([f, k, v])
    node.reply(msg, {"type": "txn_ok", "txn": done})


@node.on("replicate")
def replicate(msg: Message) -> None:
    for k, (counter, origin), v in msg.body["writes"]:
        install(k, (counter, origin), v)
    node.reply(msg, {"type": "replicate_ok"})


@node.every(REPLICATE_INTERVAL)
def push_all() -> None:
    for peer, pending in unsent.items():
        if pending and peer not in in_flight:
            in_flight.add(peer)
            node.spawn(push(peer, dict(pending)))


async def push(peer: str, batch: dict[Any, tuple[Stamp, Any]]) -> None:
    try:
        writes = [[k, list(stamp), v] for k, (stamp, v) in batch.items()]
        await node.rpc(peer, {"type": "replicate", "writes": writes}, timeout=PUSH_TIMEOUT)
        pending = unsent[peer]
        for k, sent in batch.items():
            if pending.get(k) == sent:
                del pending[k]
    except RPCError:
        pass   # lost, or too slow: the next push carries these writes again
    finally:
        in_flight.discard(peer)


if __name__ == "__main__":
    node.run()
