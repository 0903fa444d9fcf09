#!/usr/bin/env python3
"""Challenge 2, unique ids: hand out ids that are unique across the cluster, even while the
network is partitioned and every request must still succeed.

Asking other nodes is impossible under a total-availability partition, so no coordination is
used at all. Each node owns a namespace, its own node id, and numbers ids inside it with a
local counter: "n1-0", "n1-1", ... No two nodes share a prefix and no node repeats a number,
so no two ids can collide. (Ids are strings throughout so that the checker can order them.)
"""
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import Message, Node  # noqa: E402  (importable only once the path is set)

node = Node()
counter = itertools.count()


@node.on("generate")
def generate(msg: Message) -> None:
    node.reply(msg, {"type": "generate_ok", "id": f"{node.node_id}-{next(counter)}"})


if __name__ == "__main__":
    node.run()
