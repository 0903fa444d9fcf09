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
The stamped copies and their replication are `common.registers.Registers`: per peer, the
newest stamped value of each key it may lack, pushed every 100 ms and again until
acknowledged; applying a value twice, or an old one late, changes nothing (the stamp
decides), so retries are safe.

A transaction runs from start to end without an await, so nothing, local or replicated,
runs in the middle of it. Its writes go to the store as they run; that is all read
uncommitted needs (6c is stricter about what others may see).

Cost: one push and one acknowledgement per peer per interval, a handful of messages per
second, almost nothing per operation at 1000 transactions per second.

Restarts: every write, made here or replicated, is on disk (`common.wal`, inside `Registers`)
before it is acknowledged and is read back at start; a restarted node pushes everything it
holds to every peer once. A write is saved as it runs: a node killed in the middle of a
transaction keeps the writes made so far, which read uncommitted allows (the transaction
gets no reply, so it is indefinite).
"""
import sys
from pathlib import Path
from typing import Literal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Message, Node, Registers  # noqa: E402  (importable once the path is set)

node = Node()
registers = Registers(node)


@node.on("txn", txn=list[tuple[Literal["r", "w"], int, int | None]])
def txn(msg: Message) -> None:
    stamp = registers.next_stamp()
    done = []
    for f, k, v in msg.body["txn"]:
        if f == "r":
            done.append([f, k, registers.read(k)])
        else:
            registers.write(stamp, {k: v})   # the newest stamp there is: it always wins here
            done.append([f, k, v])
    node.reply(msg, {"type": "txn_ok", "txn": done})


if __name__ == "__main__":
    node.run()
