"""Every challenge node, killed and started again on the same disk, keeps what it acknowledged.

Each test serves one process of a node (`load_node`: fresh module state), talks to it, ends
it, and serves a fresh one on the same ``data_dir``, as ``--nemesis kill`` restarts a node
with the same command and working directory and sends ``init`` again. Ending the first
process by closing its stdin is as abrupt as a SIGKILL for what the second finds: the node
library has no shutdown step, and `common.wal` writes each record with one ``write()``
before the node replies, so nothing waits in the process to be written at exit. The test
plays the clients and, where there are any, the node's peers and services.
"""
from __future__ import annotations

import os
import tempfile
import time
import unittest
from pathlib import Path
from unittest import mock
from unittest.mock import ANY

from common.testing import NodeDriver, load_node
from tests.support import node as script
from tests.test_nodes_ch5 import FakeLinKV


class RestartTest(unittest.TestCase):
    SCRIPT = ""
    NODES = ["n0"]

    def setUp(self):
        self.dir = Path(self.enterContext(tempfile.TemporaryDirectory()))

    def start(self, node_id: str = "n0") -> NodeDriver:
        """A fresh process of the node on this test's disk, initialised."""
        driver = self.enterContext(NodeDriver(load_node(script(self.SCRIPT)), data_dir=self.dir))
        driver.init(node_id, self.NODES)
        return driver

    def restart(self, driver: NodeDriver, node_id: str = "n0") -> NodeDriver:
        driver.close()
        return self.start(node_id)

    def next_to(self, driver: NodeDriver, dest: str, type_: str) -> dict:
        """The body of the next message of this type the node sends ``dest``."""
        while True:
            message = driver.recv()
            if message["dest"] == dest and message["body"]["type"] == type_:
                return message["body"]


class UniqueIds(RestartTest):
    SCRIPT = "ch2_unique_id/main.py"

    def ids(self, driver: NodeDriver, count: int = 5) -> list[str]:
        return [driver.rpc("c1", {"type": "generate"})["id"] for _ in range(count)]

    def test_ids_after_a_restart_differ_from_every_id_before_it(self):
        first = self.start()
        before = self.ids(first)
        after = self.ids(self.restart(first))
        self.assertEqual(set(before) & set(after), set())

    def test_without_durability_a_restarted_node_repeats_ids(self):
        # Maelstrom issue #93: an in-memory counter starts again from 0 after a restart.
        with mock.patch.dict(os.environ, {"GLOMERS_DURABILITY": "none"}):
            first = self.start()
            before = self.ids(first)
            after = self.ids(self.restart(first))
        self.assertEqual(before, after)


class SingleNodeBroadcast(RestartTest):
    SCRIPT = "ch3a_broadcast/main.py"

    def test_acknowledged_values_are_read_after_a_restart(self):
        first = self.start()
        for value in (1, 2, 3):
            first.rpc("c1", {"type": "broadcast", "message": value})
        second = self.restart(first)
        self.assertEqual(sorted(second.rpc("c1", {"type": "read"})["messages"]), [1, 2, 3])


class MultiNodeBroadcast(RestartTest):
    SCRIPT = "ch3b_broadcast/main.py"
    NODES = ["n0", "n1"]

    def test_a_restarted_node_reads_its_peers_values_it_missed_while_down(self):
        first = self.start()
        first.rpc("c1", {"type": "broadcast", "message": 1})
        second = self.restart(first)
        request = self.next_to(second, "n1", "read")   # the test plays n1, which holds 1 and 2
        second.send("n1", {"type": "read_ok", "messages": [1, 2], "in_reply_to": request["msg_id"]})
        # The reply wakes the node's catch-up task, which may run just after the next request.
        reads = [sorted(second.rpc("c1", {"type": "read"})["messages"]) for _ in range(2)]
        self.assertEqual(reads[-1], [1, 2])

    def test_a_restarted_node_asks_a_silent_peer_again(self):
        second = self.restart(self.start())
        first_ask = self.next_to(second, "n1", "read")
        self.assertNotEqual(self.next_to(second, "n1", "read")["msg_id"], first_ask["msg_id"])

    def test_a_first_start_asks_nobody(self):
        driver = self.start()
        driver.rpc("c1", {"type": "read"})
        self.assertEqual(driver.unclaimed(), [])


class FaultTolerantBroadcast(RestartTest):
    SCRIPT = "ch3c_broadcast/main.py"
    NODES = ["n0", "n1"]

    def test_values_acknowledged_to_clients_and_peers_survive_and_are_offered_again(self):
        first = self.start()
        first.rpc("n1", {"type": "gossip", "messages": [7]})
        first.rpc("c1", {"type": "broadcast", "message": 8})
        second = self.restart(first)
        self.assertEqual(sorted(second.rpc("c1", {"type": "read"})["messages"]), [7, 8])
        self.assertEqual(sorted(self.next_to(second, "n1", "gossip")["messages"]), [7, 8])


class EfficientBroadcast(RestartTest):
    SCRIPT = "ch3d_broadcast/main.py"
    NODES = ["n0", "n1"]

    def test_a_restarted_origin_numbers_its_values_on_from_where_it_stopped(self):
        first = self.start()
        for value in (10, 11):
            first.rpc("c1", {"type": "broadcast", "message": value})
        second = self.restart(first)
        second.rpc("c1", {"type": "broadcast", "message": 12})
        self.assertEqual(self.next_to(second, "n1", "gossip")["seq"], 2)
        self.assertEqual(sorted(second.rpc("c1", {"type": "read"})["messages"]), [10, 11, 12])

    def test_values_from_other_origins_survive(self):
        first = self.start()
        first.send("n1", {"type": "gossip", "seq": 0, "message": 5})
        first.rpc("c1", {"type": "read"})   # handled in order: the gossip is in by now
        second = self.restart(first)
        self.assertEqual(second.rpc("c1", {"type": "read"})["messages"], [5])


class StarBroadcast(RestartTest):
    SCRIPT = "ch3e_broadcast/main.py"
    NODES = ["n0", "n1", "n2", "n3"]

    def test_a_restarted_leaf_offers_the_hub_everything_numbered_above_its_earlier_life(self):
        first = self.start("n1")
        first.rpc("c1", {"type": "broadcast", "message": 5})
        before = self.next_to(first, "n0", "gossip")
        second = self.restart(first, "n1")
        after = self.next_to(second, "n0", "gossip")
        self.assertEqual(after["messages"], [5])
        self.assertGreater(after["seq"], before["seq"])


class GrowOnlyCounter(RestartTest):
    SCRIPT = "ch4_counter/main.py"

    def test_the_nodes_own_count_survives(self):
        first = self.start()
        for delta in (3, 4):
            first.rpc("c1", {"type": "add", "delta": delta})
        second = self.restart(first)
        self.assertEqual(second.rpc("c1", {"type": "read"})["value"], 7)

    def test_a_restarted_node_writes_rounds_no_earlier_life_wrote(self):
        first = self.start()
        before = self.next_to(first, "seq-kv", "write")["value"]["round"]
        after = self.next_to(self.restart(first), "seq-kv", "write")["value"]["round"]
        self.assertEqual((before, after), ([1, 1], [2, 1]))


class SingleNodeLog(RestartTest):
    SCRIPT = "ch5a_log/main.py"

    def test_offsets_go_on_after_a_restart_and_commits_survive(self):
        first = self.start()
        self.assertEqual([first.rpc("c1", {"type": "send", "key": "k", "msg": m})["offset"]
                          for m in (10, 11)], [0, 1])
        first.rpc("c1", {"type": "commit_offsets", "offsets": {"k": 1}})
        second = self.restart(first)
        self.assertEqual(second.rpc("c1", {"type": "send", "key": "k", "msg": 12})["offset"], 2)
        self.assertEqual(second.rpc("c1", {"type": "poll", "offsets": {"k": 0}})["msgs"],
                         {"k": [[0, 10], [1, 11], [2, 12]]})
        listed = second.rpc("c1", {"type": "list_committed_offsets", "keys": ["k"]})
        self.assertEqual(listed["offsets"], {"k": 1})


class LinKvLog(RestartTest):
    SCRIPT = "ch5b_log/main.py"
    NODES = ["n0", "n1"]

    def test_a_commit_acknowledged_but_not_yet_in_lin_kv_survives(self):
        first = self.start()
        first.rpc("c1", {"type": "commit_offsets", "offsets": {"k": 3}})   # lin-kv never answers
        second = self.restart(first)
        second.send("c1", {"type": "list_committed_offsets", "keys": ["k"], "msg_id": 1})
        lin_kv = FakeLinKV(second)   # holds nothing
        reply = lin_kv.serve_until(lambda m: m["body"].get("in_reply_to") == 1)
        self.assertEqual(reply["body"]["offsets"], {"k": 3})

    def test_a_restarted_node_flushes_replayed_commits_to_lin_kv(self):
        first = self.start()
        first.rpc("c1", {"type": "commit_offsets", "offsets": {"k": 3}})
        second = self.restart(first)
        lin_kv = FakeLinKV(second)
        lin_kv.serve_until(lambda m: m["body"].get("type") == "cas"
                           and m["body"]["key"] == "committed/k" and m["body"]["to"] == 3)


class EfficientLog(RestartTest):
    SCRIPT = "ch5c_log/main.py"
    NODES = ["n0", "n1"]   # "0" is n0's key, "1" is n1's

    def test_an_owner_hands_out_the_next_offset_after_a_restart(self):
        first = self.start()
        self.assertEqual(first.rpc("c1", {"type": "send", "key": "0", "msg": 1})["offset"], 0)
        second = self.restart(first)
        self.assertEqual(second.rpc("c1", {"type": "send", "key": "0", "msg": 2})["offset"], 1)

    def test_copies_and_commits_acknowledged_to_a_peer_survive(self):
        first = self.start()
        synced = first.rpc("n1", {"type": "sync", "logs": {"1": [0, [7, 8]]},
                                  "committed": {"1": 1}})
        self.assertEqual(synced["lengths"], {"1": 2})
        second = self.restart(first)
        self.assertEqual(second.rpc("c1", {"type": "poll", "offsets": {"1": 0}})["msgs"],
                         {"1": [[0, 7], [1, 8]]})
        listed = second.rpc("c1", {"type": "list_committed_offsets", "keys": ["1"]})
        self.assertEqual(listed["offsets"], {"1": 1})


class SingleNodeTransactions(RestartTest):
    SCRIPT = "ch6a_txn/main.py"

    def test_committed_writes_survive(self):
        first = self.start()
        first.rpc("c1", {"type": "txn", "txn": [["w", 1, 5], ["w", 2, 6], ["w", 1, 7]]})
        second = self.restart(first)
        reply = second.rpc("c1", {"type": "txn", "txn": [["r", 1, None], ["r", 2, None]]})
        self.assertEqual(reply["txn"], [["r", 1, 7], ["r", 2, 6]])


class ReplicatedTransactions(RestartTest):
    NODES = ["n0", "n1"]

    def check_writes_survive_and_are_pushed_again_with_newer_stamps(self, script_: str):
        self.SCRIPT = script_
        first = self.start()
        first.rpc("c1", {"type": "txn", "txn": [["w", 1, 3]]})
        first.rpc("n1", {"type": "replicate", "writes": [[2, [9, "n1"], 4]]})
        second = self.restart(first)
        reply = second.rpc("c1", {"type": "txn", "txn": [["r", 1, None], ["r", 2, None]]})
        self.assertEqual(reply["txn"], [["r", 1, 3], ["r", 2, 4]])
        pushed = self.next_to(second, "n1", "replicate")["writes"]
        self.assertEqual(sorted(key for key, _, _ in pushed), [1, 2])   # everything, once
        second.rpc("c1", {"type": "txn", "txn": [["w", 3, 1]]})
        newest = max(stamp for _, stamp, _ in self.next_to(second, "n1", "replicate")["writes"])
        self.assertGreater(newest, [9, "n1"])   # the clock moved past every stamp held

    def test_6b(self):
        self.check_writes_survive_and_are_pushed_again_with_newer_stamps("ch6b_txn/main.py")

    def test_6c(self):
        self.check_writes_survive_and_are_pushed_again_with_newer_stamps("ch6c_txn/main.py")


if __name__ == "__main__":
    unittest.main()


class RaftExample(RestartTest):
    """tests/example_nodes/raft_kv.py keeps Raft's persistent state: term, vote and log."""

    SCRIPT = "tests/example_nodes/raft_kv.py"

    def until_ok(self, driver: NodeDriver, body: dict) -> dict:
        """Ask until the node answers other than "not the leader" (it elects itself alone
        within about a second)."""
        for _ in range(50):
            reply = driver.rpc("c1", body)
            if reply.get("code") != 11:
                return reply
            time.sleep(0.1)
        raise AssertionError(f"no leader within 5 s: {reply}")

    def test_a_committed_write_is_read_after_a_restart(self):
        first = self.start()
        self.assertEqual(self.until_ok(first, {"type": "write", "key": 1, "value": 7})["type"],
                         "write_ok")
        second = self.restart(first)
        self.assertEqual(self.until_ok(second, {"type": "read", "key": 1}),
                         {"type": "read_ok", "value": 7, "in_reply_to": ANY})

    def test_a_vote_is_not_given_twice_in_one_term_across_a_restart(self):
        self.NODES = ["n0", "n1", "n2"]
        ask = {"type": "request_vote", "term": 5, "last_index": 0, "last_term": 0}
        first = self.start()
        first.send("n1", ask)
        self.assertEqual(self.next_to(first, "n1", "vote"), {"type": "vote", "term": 5, "granted": True})
        second = self.restart(first)
        second.send("n2", ask)   # at once: long before its own election timer could fire
        self.assertEqual(self.next_to(second, "n2", "vote"), {"type": "vote", "term": 5, "granted": False})
