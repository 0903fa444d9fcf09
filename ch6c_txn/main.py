#!/usr/bin/env python3
"""Challenge 6c, totally available read-committed transactions on replicated registers.

The replication is 6b's (`common.registers.Registers`): every node answers from its own full copy at once, stamps each
transaction with a Lamport clock ``[counter, node id]``, and pushes the newest stamped value
of each written key to every peer in the background, again and again until acknowledged;
a replica keeps a value only if its stamp beats the one it holds (last writer wins, the
same way everywhere). That already rules out the write cycles read uncommitted forbids.

What read committed adds
------------------------
Read committed (Adya's PL-2) also forbids G1, "dirty reads", in three forms:

* G1a, aborted read: seeing a write of a transaction that did not commit;
* G1b, intermediate read: seeing a value a transaction wrote and then overwrote itself;
* G1c, circular information flow: T1 sees T2's write and T2 sees T1's (or a longer ring).

All three are about *what others can see, and when*. So a transaction here writes into a
private buffer while it runs; its own reads look there first. Only when it has run to the
end does it commit: the last value it wrote to each key goes into the store and into the
outboxes, all at once. Hence:

* nothing is visible before its transaction commits, and every transaction that starts
  here commits, so there is no aborted write to see (G1a);
* a value overwritten within its own transaction is never installed, here or on any
  replica, so nobody can read it (G1b);
* a transaction reads only what committed before it started, and its writes become
  visible after all its reads: reading each other's writes would need each of two
  transactions to commit before the other started (G1c).

In 6b, writes go straight into the store. That is equivalent only because a transaction
never waits for anything midway; the buffer makes the guarantee part of the design instead
of an accident of the event loop, and would keep it if a transaction ever had to await
(say, to fetch a key from a peer). Nothing needs to abort, so error 30 is never sent:
conflicting writes are not refused but ordered, by their stamps.

A partition changes nothing for clients: they are answered from the local copy, possibly
stale, which read committed allows. Replication catches up once the network heals.

Restarts: a commit is one record on disk (`common.wal`, inside `Registers`), written before
``txn_ok``, so a killed node keeps a transaction whole or not at all; replicated writes are on
disk before ``replicate_ok``. All is read back at start, and a restarted node pushes
everything it holds to every peer once.
"""
import sys
from pathlib import Path
from typing import Any, Literal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Message, Node, Registers  # noqa: E402  (importable once the path is set)

node = Node()
registers = Registers(node)   # committed values only


@node.on("txn", txn=list[tuple[Literal["r", "w"], int, int | None]])
def txn(msg: Message) -> None:
    written: dict[Any, Any] = {}   # this transaction's own writes, invisible to others
    done = []
    for f, k, v in msg.body["txn"]:
        if f == "r":
            done.append([f, k, written[k] if k in written else registers.read(k)])
        else:
            written[k] = v
            done.append([f, k, v])
    # Commit: the final write per key becomes visible, here and (soon) on every peer.
    registers.write(registers.next_stamp(), written)   # on disk whole, or not at all
    node.reply(msg, {"type": "txn_ok", "txn": done})


if __name__ == "__main__":
    node.run()
