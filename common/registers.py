"""Replicated last-writer-wins registers: every node a full copy, writes spread in the background.

Each write carries a *stamp* ``(counter, node id)``, a Lamport clock: `next_stamp` moves past
every stamp this node has seen, so a new write outranks everything it could have read. A
replica keeps a value only if its stamp beats the one it holds, so every replica settles every
key's writes in the same order (last writer wins, with "last" the same everywhere), whatever
order the writes arrive in.

Replication: per peer, the newest stamped value of each key the peer may lack. Every
``interval`` seconds each peer gets all of them in one ``replicate`` RPC; the acknowledgement
clears what was sent (unless a newer write came meanwhile). A push lost in a partition times
out and its values go again; only one push per peer is in flight at a time. Applying a value
twice, or an old one late, changes nothing (the stamp decides), so retries are safe. Only the
newest value per key is sent: an older one would lose on arrival anyway.

Cost: one push and one acknowledgement per peer per interval, whatever the write rate.

Restarts. Every write a copy holds, made here or replicated, is in a write-ahead log
(`common.wal`) before it is acknowledged (to the client, or ``replicate_ok``), one record per
`write` or push, so a transaction's writes are on disk whole or not at all. The log is
replayed at start, which also moves the clock past every stamp held; its snapshot is the
newest write of each key. What a node had not yet pushed is not saved: a restarted node
queues everything it holds for every peer, once.
"""
from __future__ import annotations

from typing import Any

from .errors import ErrorCode, RPCError
from .node import Message, Node
from .wal import WriteAheadLog

Stamp = tuple[int, str]
# No run makes this many transactions: a replicated stamp past it is forged, and refused, so
# that a clock (and every stamp after it) always stays a small integer.
STAMP_LIMIT = 2 ** 62


class Registers:
    """The node's copy of every register, kept in step with its peers' copies."""

    def __init__(self, node: Node, interval: float = 0.1, timeout: float = 1.0):
        self.node = node
        self.timeout = timeout
        self.clock = 0
        self.values: dict[Any, tuple[Stamp, Any]] = {}               # key -> (stamp, value)
        self.unsent: dict[str, dict[Any, tuple[Stamp, Any]]] = {}    # peer -> key -> (stamp, value)
        self.in_flight: set[str] = set()                             # peers with a push unacknowledged
        self._saved = WriteAheadLog(node, "registers", apply=self._install, snapshot=lambda: [
            [[key, stamp, value] for key, (stamp, value) in self.values.items()]])
        node.on_init(self._meet_peers)   # after the log's replay
        node.on("replicate", writes=list[tuple[int | str, tuple[int, str], object]])(
            self._replicate)
        node.every(interval)(self._push_all)

    def read(self, key: Any) -> Any:
        """The value this copy holds for ``key``, or None if it has never been written."""
        held = self.values.get(key)
        return held[1] if held else None

    def next_stamp(self) -> Stamp:
        """A stamp newer than every stamp this node has made or seen."""
        self.clock += 1
        return (self.clock, self.node.node_id)

    def write(self, stamp: Stamp, writes: dict[Any, Any]) -> None:
        """Install writes made here with ``stamp`` (on disk first, all or none), and queue
        them for every peer."""
        if not writes:
            return
        self._saved.append([[key, stamp, value] for key, value in writes.items()])
        for pending in self.unsent.values():
            for key, value in writes.items():
                pending[key] = (stamp, value)

    def _install(self, writes: list) -> None:
        """Apply ``[[key, [counter, node id], value], ...]``."""
        for key, (counter, origin), value in writes:
            self.clock = max(self.clock, counter)
            held = self.values.get(key)
            # An equal stamp is the same transaction writing the key again: the later write wins.
            if held is None or held[0] <= (counter, origin):
                self.values[key] = ((counter, origin), value)

    def _meet_peers(self) -> None:
        for peer in self.node.peers:
            self.unsent[peer] = dict(self.values)   # after a restart: everything, once

    def _replicate(self, msg: Message) -> None:
        if any(counter > STAMP_LIMIT for _, (counter, _), _ in msg.body["writes"]):
            raise RPCError(ErrorCode.MALFORMED_REQUEST, f"replicate: a stamp counter past {STAMP_LIMIT}")
        news = [[key, stamp, value] for key, stamp, value in msg.body["writes"]
                if key not in self.values or self.values[key][0] < tuple(stamp)]
        if news:
            self._saved.append(news)
        self.node.reply(msg, {"type": "replicate_ok"})

    def _push_all(self) -> None:
        for peer, pending in self.unsent.items():
            if pending and peer not in self.in_flight:
                self.in_flight.add(peer)
                self.node.spawn(self._push(peer, dict(pending)))

    async def _push(self, peer: str, batch: dict[Any, tuple[Stamp, Any]]) -> None:
        try:
            writes = [[key, list(stamp), value] for key, (stamp, value) in batch.items()]
            await self.node.rpc(peer, {"type": "replicate", "writes": writes}, timeout=self.timeout)
            pending = self.unsent[peer]
            for key, sent in batch.items():
                if pending.get(key) == sent:
                    del pending[key]
        except RPCError:
            pass   # lost, or too slow: the next push carries these writes again
        finally:
            self.in_flight.discard(peer)
