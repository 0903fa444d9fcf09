"""6b and 6c replicas converge: after a partition heals and replication settles, every replica
holds the same value for every key.

The txn checker cannot show this (its histories have no final reads), so two real node
instances are wired together here, through a relay that can cut the link between them.
Conflicting writes go to both sides of the cut; once it heals, both replicas must settle on
the same value for each key, the one with the larger stamp. (tests/broken_nodes/
txn_divergent_order.py, which applies writes in arrival order, fails the partition test.)
"""
from __future__ import annotations

import itertools
import json
import queue
import threading
import time
import unittest
from pathlib import Path

from common.testing import NodeDriver, load_node

ROOT = Path(__file__).resolve().parent.parent
NODES = ("n0", "n1")
KEYS = range(1, 6)
SETTLE_S = 10.0   # replication retries every 100 ms; this is only reached by a broken node


class Cluster:
    """Two nodes whose messages to each other pass through a relay that a test can cut."""

    def __init__(self, script: str):
        self.drivers = {node_id: NodeDriver(load_node(ROOT / script)) for node_id in NODES}
        self.replies: dict[str, queue.Queue] = {node_id: queue.Queue() for node_id in NODES}
        self.cut = threading.Event()
        self.stopped = threading.Event()
        self.msg_ids = itertools.count(1)
        for node_id, driver in self.drivers.items():
            driver.init(node_id, list(NODES))
        self.relays = [threading.Thread(target=self._relay, args=(node_id,), daemon=True)
                       for node_id in NODES]
        for relay in self.relays:
            relay.start()

    def close(self) -> None:
        self.stopped.set()
        for relay in self.relays:
            relay.join()
        for driver in self.drivers.values():
            driver.close()

    def txn(self, node_id: str, ops: list) -> list:
        msg_id = next(self.msg_ids)
        self.drivers[node_id].send("c1", {"type": "txn", "txn": ops, "msg_id": msg_id})
        while True:
            body = self.replies[node_id].get(timeout=5.0)
            if body.get("in_reply_to") == msg_id:
                assert body["type"] == "txn_ok", body
                return body["txn"]

    def values(self, node_id: str) -> dict[int, object]:
        """What this replica holds for every key, read by one transaction."""
        return {k: v for _, k, v in self.txn(node_id, [["r", k, None] for k in KEYS])}

    def _relay(self, node_id: str) -> None:
        driver = self.drivers[node_id]
        while not self.stopped.is_set():
            try:
                message = driver.recv(timeout=0.05)
            except AssertionError:   # nothing written meanwhile
                continue
            if message["dest"] in self.drivers:
                if not self.cut.is_set():   # a cut link drops, as a partition does
                    self.drivers[message["dest"]].write(json.dumps(message).encode() + b"\n")
            else:
                self.replies[node_id].put(message["body"])


class ReplicasConverge:
    """Mixed into a TestCase for each transactional node."""

    script = ""

    def setUp(self):
        self.cluster = Cluster(self.script)
        self.addCleanup(self.cluster.close)

    def settled(self) -> tuple[dict, dict]:
        deadline = time.monotonic() + SETTLE_S
        while True:
            views = tuple(self.cluster.values(node_id) for node_id in NODES)
            if views[0] == views[1] or time.monotonic() > deadline:
                return views
            time.sleep(0.05)

    def test_replicas_that_took_conflicting_writes_in_a_partition_agree_after_the_heal(self):
        self.cluster.cut.set()
        for k in KEYS:
            self.cluster.txn("n0", [["w", k, 100 + k]])
            self.cluster.txn("n1", [["w", k, 200 + k], ["w", k, 300 + k]])
        time.sleep(0.3)   # several replication rounds, all dropped
        apart = [self.cluster.values(node_id) for node_id in NODES]
        self.assertNotEqual(apart[0], apart[1])   # the cut held: the check below can fail
        self.cluster.cut.clear()
        n0, n1 = self.settled()
        self.assertEqual(n0, n1)
        self.assertEqual(set(n0.values()) - {None}, set(n0.values()))   # every key written

    def test_replicas_agree_with_writes_on_both_sides_and_no_partition(self):
        for i, k in enumerate(KEYS):
            self.cluster.txn(NODES[i % 2], [["w", k, i]])
        n0, n1 = self.settled()
        self.assertEqual(n0, n1)
        self.assertEqual(n0, {k: i for i, k in enumerate(KEYS)})


class Ch6bReplicas(ReplicasConverge, unittest.TestCase):
    script = "ch6b_txn/main.py"


class Ch6cReplicas(ReplicasConverge, unittest.TestCase):
    script = "ch6c_txn/main.py"


if __name__ == "__main__":
    unittest.main()


class ForgedStamps(unittest.TestCase):
    """Issue 20: a replicate with a huge stamp counter moved the clock there, and every later
    stamp could pass what can be encoded; such a stamp is refused (error 12), state kept."""

    def test_a_replicated_stamp_past_the_limit_is_refused_and_changes_nothing(self):
        for script in ("ch6b_txn/main.py", "ch6c_txn/main.py"):
            with self.subTest(script):
                driver = NodeDriver(load_node(ROOT / script))
                self.addCleanup(driver.close)
                driver.init("n0", list(NODES))
                for counter in (2 ** 62 + 1, 10 ** 4000):
                    reply = driver.rpc("n1", {"type": "replicate", "writes": [[1, [counter, "n1"], 9]]})
                    self.assertEqual((reply["type"], reply["code"]), ("error", 12))
                self.assertEqual(driver.rpc("c1", {"type": "txn", "txn": [["r", 1, None]]})["txn"],
                                 [["r", 1, None]])
                reply = driver.rpc("n1", {"type": "replicate", "writes": [[1, [2 ** 62, "n1"], 9]]})
                self.assertEqual(reply["type"], "replicate_ok")
