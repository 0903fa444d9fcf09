"""Replicated last-writer-wins registers (common/registers.py), and the 6b/6c nodes built on them."""
from __future__ import annotations

import unittest

from common import Node, Registers
from common.testing import NodeDriver, load_node
from tests.support import ROOT


def replica() -> tuple[Node, Registers]:
    node = Node()
    return node, Registers(node)


class RegisterReplication(unittest.TestCase):
    def drive(self, node: Node) -> NodeDriver:
        driver = NodeDriver(node)
        self.addCleanup(driver.close)
        driver.init("n0", ["n0", "n1"])
        return driver

    def test_a_replicated_write_is_installed_acknowledged_and_outranked_by_the_next_stamp(self):
        node, registers = replica()
        driver = self.drive(node)
        driver.send("n1", {"type": "replicate", "writes": [["k", [5, "n1"], "v"]], "msg_id": 1})
        self.assertEqual(driver.recv()["body"], {"type": "replicate_ok", "in_reply_to": 1})
        self.assertEqual(registers.read("k"), "v")
        self.assertEqual(registers.next_stamp(), (6, "n0"))

    def test_an_older_stamp_never_replaces_a_newer_one(self):
        node, registers = replica()
        driver = self.drive(node)
        for msg_id, stamp, value in ((1, [7, "n1"], "new"), (2, [3, "n1"], "old")):
            driver.rpc("n1", {"type": "replicate", "writes": [["k", stamp, value]], "msg_id": msg_id})
        self.assertEqual(registers.read("k"), "new")

    def test_equal_counters_are_ordered_by_node_id(self):
        node, registers = replica()
        driver = self.drive(node)
        driver.rpc("n1", {"type": "replicate", "writes": [["k", [4, "n2"], "from n2"]]})
        driver.rpc("n1", {"type": "replicate", "writes": [["k", [4, "n1"], "from n1"]]})
        self.assertEqual(registers.read("k"), "from n2")

    def test_an_unread_register_is_none(self):
        self.assertIsNone(replica()[1].read("never written"))


class TransactionNodes(unittest.TestCase):
    def drive(self, script: str) -> NodeDriver:
        driver = NodeDriver(load_node(ROOT / script))
        self.addCleanup(driver.close)
        driver.init("n0", ["n0", "n1"])
        return driver

    def push_to_n1(self, driver: NodeDriver) -> dict:
        while (message := driver.recv())["body"]["type"] != "replicate":
            pass
        return message["body"]

    def test_6b_a_key_written_twice_in_one_transaction_keeps_the_later_value(self):
        driver = self.drive("ch6b_txn/main.py")
        driver.rpc("c1", {"type": "txn", "txn": [["w", 1, 3], ["w", 1, 4]]})
        reply = driver.rpc("c1", {"type": "txn", "txn": [["r", 1, None]]})
        self.assertEqual(reply["txn"], [["r", 1, 4]])

    def test_6b_writes_are_visible_to_later_reads_of_the_same_transaction(self):
        driver = self.drive("ch6b_txn/main.py")
        reply = driver.rpc("c1", {"type": "txn", "txn": [["r", 1, None], ["w", 1, 3], ["r", 1, None]]})
        self.assertEqual(reply["txn"], [["r", 1, None], ["w", 1, 3], ["r", 1, 3]])

    def test_6b_replicates_each_write_to_the_peer(self):
        driver = self.drive("ch6b_txn/main.py")
        driver.rpc("c1", {"type": "txn", "txn": [["w", 1, 3]]})
        self.assertEqual(self.push_to_n1(driver)["writes"], [[1, [1, "n0"], 3]])

    def test_6b_an_unacknowledged_push_is_sent_again(self):
        driver = self.drive("ch6b_txn/main.py")
        driver.rpc("c1", {"type": "txn", "txn": [["w", 1, 3]]})
        first, again = self.push_to_n1(driver), self.push_to_n1(driver)
        self.assertEqual(first["writes"], again["writes"])

    def test_6c_a_transaction_reads_its_own_writes(self):
        driver = self.drive("ch6c_txn/main.py")
        reply = driver.rpc("c1", {"type": "txn", "txn": [["w", 1, 3], ["r", 1, None]]})
        self.assertEqual(reply["txn"], [["w", 1, 3], ["r", 1, 3]])

    def test_6c_only_the_final_write_of_a_key_is_ever_replicated(self):
        driver = self.drive("ch6c_txn/main.py")
        driver.rpc("c1", {"type": "txn", "txn": [["w", 1, 3], ["w", 1, 4]]})
        self.assertEqual(self.push_to_n1(driver)["writes"], [[1, [1, "n0"], 4]])

    def test_6c_a_committed_write_is_visible_to_the_next_transaction(self):
        driver = self.drive("ch6c_txn/main.py")
        driver.rpc("c1", {"type": "txn", "txn": [["w", 1, 3], ["w", 1, 4]]})
        self.assertEqual(driver.rpc("c1", {"type": "txn", "txn": [["r", 1, None]]})["txn"], [["r", 1, 4]])


if __name__ == "__main__":
    unittest.main()
