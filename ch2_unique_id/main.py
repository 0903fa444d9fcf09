#!/usr/bin/env python3
"""Challenge 2, unique ids: hand out ids that are unique across the cluster, even while the
network is partitioned and every request must still succeed, and even across restarts.

Asking other nodes is impossible under a total-availability partition, so no coordination is
used at all. Each node owns a namespace, its own node id, and numbers ids inside it with a
local counter. A counter in memory starts again at 0 when the node is killed and restarted
(Maelstrom issue #93), so the id also names the node's life: "n1-1-0", "n1-1-1", ... then,
after a restart, "n1-2-0". `Lives` saves the life number to disk before ``init_ok``, once per
start, so no two lives share a number and nothing is written per id. No two nodes share a
prefix, no two lives of a node share a number, no life repeats a count: no two ids collide.
(Ids are strings throughout so that the checker can order them.)

Persisted: the life number, at start. Acknowledged: at once. Recovery: a new life number.
"""
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Lives, Message, Node  # noqa: E402  (importable only once the path is set)

node = Node()
lives = Lives(node)
counter = itertools.count()


@node.on("generate")
def generate(msg: Message) -> None:
    node.reply(msg, {"type": "generate_ok", "id": f"{node.node_id}-{lives.number}-{next(counter)}"})


if __name__ == "__main__":
    node.run()
