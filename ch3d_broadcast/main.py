#!/usr/bin/env python3
"""Challenge 3d, efficient broadcast: 25 nodes, 100 ms links, partitions. Every value must
reach every node, with few messages and little delay.

Fast path, one hop. The node a client hands a value to stores it, acknowledges it at once and
sends it straight to each of the 24 other nodes, numbered with its own sequence number (this is
the origin's k-th value). Every node thus holds the value one link latency after the ack, and
nothing that crosses the network can be quicker. Broadcasts are half of the operations, so
these 24 messages cost 12 messages per operation.

Repair, nearly free when nothing is lost. A partition drops messages silently, so each node
keeps, per origin, its "prefix": how many of that origin's values it holds without a gap. Every
SYNC_INTERVAL each node sends its prefixes to one peer, a different peer each round (in round
k node i writes to node i+k, so each node is also written to exactly once per round). The peer
answers only if the two differ: with the values the sender lacks, and with its own prefixes if
it is the one behind, which gets it sent what it lacks in turn. When nothing was lost a round is
one message per node, 25 a second, about 0.4 per operation: some 12.4 in all.

Values still in flight are not losses: a peer sends back only values it already held a whole
round ago, far longer than a link's latency, so a healthy run never pays for a repair. Repaired
values count in prefixes like any others, so a node passes on what it was given: after a heal
the values spread like an epidemic (the nodes that hold them about triple each round) and every
node holds every value a few rounds later, well within the 10 s before the final reads. All of
it is fire-and-forget: a message lost in a partition is simply repaired in a later round.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Message, Node  # noqa: E402  (importable only once the path is set)

SYNC_INTERVAL = 1.0   # seconds between anti-entropy rounds
ANSWERS = 2           # an exchange is at most: prefixes, answer, answer to the answer

node = Node()
values: set[int] = set()                 # every value this node knows, for reads
logs: dict[str, dict[int, int]] = {}     # origin -> its sequence number -> value
prefix: dict[str, int] = {}              # origin -> how many of its values we hold gaplessly
recent: dict[str, int] = {}              # the prefixes at the latest round
settled: dict[str, int] = {}             # the prefixes at the round before: held for a round
round_no = 0


def store(origin: str, seq: int, value: int) -> None:
    log = logs.setdefault(origin, {})
    if seq in log:
        return
    log[seq] = value
    values.add(value)
    held = prefix.get(origin, 0)
    while held in log:
        held += 1
    prefix[origin] = held


@node.on("broadcast")
def broadcast(msg: Message) -> None:
    value = msg.body["message"]
    if value not in values:
        seq = prefix.get(node.node_id, 0)   # our own values never have gaps
        store(node.node_id, seq, value)
        for peer in node.peers:
            node.send(peer, {"type": "gossip", "seq": seq, "message": value})
    node.reply(msg, {"type": "broadcast_ok"})


@node.on("gossip")
def gossip(msg: Message) -> None:
    store(msg.src, msg.body["seq"], msg.body["message"])


@node.on("read")
def read(msg: Message) -> None:
    node.reply(msg, {"type": "read_ok", "messages": list(values)})


@node.on("topology")
def topology(msg: Message) -> None:
    node.reply(msg, {"type": "topology_ok"})


@node.every(SYNC_INTERVAL)
def start_round() -> None:
    global round_no, recent, settled
    settled, recent = recent, dict(prefix)
    if not node.peers:
        return
    round_no = round_no % len(node.peers) + 1   # 1 .. n-1: a different peer, never ourselves
    me = node.node_ids.index(node.node_id)
    peer = node.node_ids[(me + round_no) % len(node.node_ids)]
    node.send(peer, {"type": "sync", "have": prefix, "values": [], "answers": ANSWERS})


@node.on("sync")
def sync(msg: Message) -> None:
    for origin, first, batch in msg.body["values"]:
        for offset, value in enumerate(batch):
            store(origin, first + offset, value)
    theirs: dict[str, int] = msg.body["have"]
    missing = [[origin, theirs.get(origin, 0), [logs[origin][s] for s in
                                                range(theirs.get(origin, 0), prefix[origin])]]
               for origin, held in settled.items() if held > theirs.get(origin, 0)]
    behind = any(held > prefix.get(origin, 0) for origin, held in theirs.items())
    if msg.body["answers"] > 0 and (missing or behind):
        node.send(msg.src, {"type": "sync", "have": prefix, "values": missing,
                            "answers": msg.body["answers"] - 1})


if __name__ == "__main__":
    node.run()
