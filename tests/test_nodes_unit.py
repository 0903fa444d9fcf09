"""The challenge nodes' own logic, each fed messages directly (no harness, no network).

Every test loads a fresh copy of a node script with common.testing.load_node and plays the
clients and the peer nodes itself. Where a test needs to know that a node sent *nothing*, it
follows up with a request the node certainly answers: messages are handled in order, so
anything sent in between would come out first.
"""
from __future__ import annotations

import unittest

from common.testing import NodeDriver, load_node
from tests.support import node as script


class NodeTest(unittest.TestCase):
    def start(self, path: str, node_id: str = "n0", node_ids: list[str] | None = None
              ) -> NodeDriver:
        driver = NodeDriver(load_node(script(path)))
        self.addCleanup(driver.close)
        driver.init(node_id, node_ids or [node_id])
        return driver

    def read(self, driver: NodeDriver) -> list:
        reply = driver.rpc("c1", {"type": "read"})
        self.assertEqual(reply["type"], "read_ok")
        return sorted(reply["messages"])

    def assert_nothing_else_sent(self, driver: NodeDriver) -> None:
        self.read(driver)
        self.assertEqual(driver.unclaimed(), [])


class EchoTest(NodeTest):
    def test_echo_returns_the_payload_unchanged(self):
        driver = self.start("ch1_echo/main.py")
        for payload in ("Please echo 35", {"nested": [1, None, "x"]}, 7):
            reply = driver.rpc("c1", {"type": "echo", "echo": payload})
            self.assertEqual((reply["type"], reply["echo"]), ("echo_ok", payload))


class UniqueIdsTest(NodeTest):
    def generate(self, driver: NodeDriver, count: int) -> list:
        return [driver.rpc("c1", {"type": "generate"})["id"] for _ in range(count)]

    def test_one_node_never_repeats_an_id(self):
        ids = self.generate(self.start("ch2_unique_id/main.py"), 200)
        self.assertEqual(len(set(ids)), 200)

    def test_nodes_generate_disjoint_ids_without_talking_to_each_other(self):
        nodes = ["n0", "n1", "n2"]
        ids = [self.generate(self.start("ch2_unique_id/main.py", n, nodes), 50) for n in nodes]
        self.assertEqual(len(set().union(*ids)), 150)

    def test_ids_are_strings_so_the_checker_can_order_them(self):
        ids = self.generate(self.start("ch2_unique_id/main.py"), 3)
        self.assertTrue(all(isinstance(i, str) for i in ids))


class SingleNodeBroadcastTest(NodeTest):
    def test_read_starts_empty(self):
        self.assertEqual(self.read(self.start("ch3a_broadcast/main.py")), [])

    def test_read_returns_every_value_broadcast(self):
        driver = self.start("ch3a_broadcast/main.py")
        for value in (3, 1, 2, 1):
            self.assertEqual(driver.rpc("c1", {"type": "broadcast", "message": value})["type"],
                             "broadcast_ok")
        self.assertEqual(self.read(driver), [1, 2, 3])

    def test_topology_is_acknowledged(self):
        driver = self.start("ch3a_broadcast/main.py")
        reply = driver.rpc("c1", {"type": "topology", "topology": {"n0": []}})
        self.assertEqual(reply, {"type": "topology_ok", "in_reply_to": reply["in_reply_to"]})


class MultiNodeBroadcastTest(NodeTest):
    NODES = ["n0", "n1", "n2"]

    def start_node(self) -> NodeDriver:
        driver = self.start("ch3b_broadcast/main.py", "n0", self.NODES)
        driver.rpc("c1", {"type": "topology", "topology": {"n0": ["n1"], "n1": ["n0", "n2"],
                                                           "n2": ["n1"]}})
        return driver

    def test_a_client_broadcast_is_acknowledged_and_sent_to_every_peer(self):
        driver = self.start_node()
        self.assertEqual(driver.rpc("c1", {"type": "broadcast", "message": 5})["type"],
                         "broadcast_ok")
        sent = sorted((m["dest"], m["body"]["message"]) for m in (driver.recv(), driver.recv()))
        self.assertEqual(sent, [("n1", 5), ("n2", 5)])
        self.assert_nothing_else_sent(driver)

    def test_a_value_already_known_is_not_sent_again(self):
        driver = self.start_node()
        driver.rpc("c1", {"type": "broadcast", "message": 5})
        for _peer in ("n1", "n2"):
            driver.recv()
        driver.rpc("c2", {"type": "broadcast", "message": 5})
        self.assert_nothing_else_sent(driver)

    def test_gossip_from_a_peer_is_stored_and_not_passed_on(self):
        driver = self.start_node()
        driver.send("n1", {"type": "gossip", "message": 8})
        self.assertEqual(self.read(driver), [8])
        self.assertEqual(driver.unclaimed(), [])


class FaultTolerantBroadcastTest(NodeTest):
    def start_node(self) -> NodeDriver:
        return self.start("ch3c_broadcast/main.py", "n0", ["n0", "n1"])

    def next_gossip_with(self, driver: NodeDriver, value: int) -> dict:
        """The first gossip the node sends that offers ``value``."""
        while True:
            message = driver.recv()
            if message["body"]["type"] == "gossip" and value in message["body"]["messages"]:
                return message

    def test_a_broadcast_is_acknowledged_before_any_peer_has_it(self):
        driver = self.start_node()
        self.assertEqual(driver.rpc("c1", {"type": "broadcast", "message": 1})["type"],
                         "broadcast_ok")
        self.assertEqual(self.read(driver), [1])

    def test_a_new_value_is_offered_to_every_peer(self):
        driver = self.start_node()
        driver.rpc("c1", {"type": "broadcast", "message": 1})
        self.assertEqual(self.next_gossip_with(driver, 1)["dest"], "n1")

    def test_an_unacknowledged_value_is_offered_again(self):
        driver = self.start_node()
        driver.rpc("c1", {"type": "broadcast", "message": 1})
        first = self.next_gossip_with(driver, 1)
        again = self.next_gossip_with(driver, 1)
        self.assertNotEqual(first["body"]["msg_id"], again["body"]["msg_id"])

    def test_an_acknowledged_value_is_not_offered_again(self):
        driver = self.start_node()
        driver.rpc("c1", {"type": "broadcast", "message": 1})
        push = self.next_gossip_with(driver, 1)
        driver.send("n1", {"type": "gossip_ok", "in_reply_to": push["body"]["msg_id"]})
        driver.rpc("c1", {"type": "broadcast", "message": 2})
        self.assertNotIn(1, self.next_gossip_with(driver, 2)["body"]["messages"])

    def test_gossip_from_a_peer_is_stored_acknowledged_and_not_offered_back(self):
        driver = self.start_node()
        self.assertEqual(driver.rpc("n1", {"type": "gossip", "messages": [7, 8]})["type"],
                         "gossip_ok")
        self.assertEqual(self.read(driver), [7, 8])
        driver.rpc("c1", {"type": "broadcast", "message": 9})
        self.assertEqual(self.next_gossip_with(driver, 9)["body"]["messages"], [9])


class SingleNodeLogTest(NodeTest):
    def setUp(self):
        self.driver = self.start("ch5a_log/main.py")

    def send(self, key: str, msg: int) -> int:
        reply = self.driver.rpc("c1", {"type": "send", "key": key, "msg": msg})
        self.assertEqual(reply["type"], "send_ok")
        return reply["offset"]

    def poll(self, offsets: dict) -> dict:
        reply = self.driver.rpc("c1", {"type": "poll", "offsets": offsets})
        self.assertEqual(reply["type"], "poll_ok")
        return reply["msgs"]

    def test_offsets_are_dense_from_0_per_key(self):
        offsets = [self.send(key, msg) for key, msg in
                   [("1", 10), ("1", 11), ("2", 20), ("1", 12), ("2", 21)]]
        self.assertEqual(offsets, [0, 1, 0, 2, 1])

    def test_poll_returns_each_keys_messages_from_the_requested_offset_on(self):
        for msg in (10, 11, 12):
            self.send("1", msg)
        self.send("2", 20)
        self.assertEqual(self.poll({"1": 1, "2": 0}), {"1": [[1, 11], [2, 12]], "2": [[0, 20]]})

    def test_poll_leaves_out_keys_with_nothing_to_return(self):
        self.send("1", 10)
        self.assertEqual(self.poll({"1": 1, "never-sent": 0}), {})

    def test_committed_offsets_are_listed_for_committed_keys_only(self):
        self.send("1", 10)
        self.driver.rpc("c1", {"type": "commit_offsets", "offsets": {"1": 0}})
        reply = self.driver.rpc("c1", {"type": "list_committed_offsets", "keys": ["1", "2"]})
        self.assertEqual(reply["offsets"], {"1": 0})

    def test_a_committed_offset_never_moves_back(self):
        for offset in (3, 1):
            reply = self.driver.rpc("c1", {"type": "commit_offsets", "offsets": {"1": offset}})
            self.assertEqual(reply["type"], "commit_offsets_ok")
        reply = self.driver.rpc("c1", {"type": "list_committed_offsets", "keys": ["1"]})
        self.assertEqual(reply["offsets"], {"1": 3})


if __name__ == "__main__":
    unittest.main()
