"""The example nodes for workloads no challenge covers (g-set, pn-counter), fed messages
directly: each is a state-based CRDT, so a node must answer at once from its own copy, merge a
peer's copy whatever order or how often it arrives, and send its copy to its peers."""
from __future__ import annotations

import unittest

from common.testing import NodeDriver, load_node
from tests.support import node as script


def start(test: unittest.TestCase, path: str) -> NodeDriver:
    driver = NodeDriver(load_node(script(path)))
    test.addCleanup(driver.close)
    driver.init("n0", ["n0", "n1", "n2"])
    return driver


def read(driver: NodeDriver):
    reply = driver.rpc("c1", {"type": "read"})
    assert reply["type"] == "read_ok", reply
    return reply["value"]


def next_merge_to(driver: NodeDriver, peer: str) -> dict:
    while True:
        message = driver.recv()
        if message["dest"] == peer and message["body"]["type"] == "merge":
            return message["body"]


class GSetExample(unittest.TestCase):
    def test_reads_show_own_adds_and_every_merged_element_once(self):
        driver = start(self, "tests/example_nodes/g_set.py")
        self.assertEqual(driver.rpc("c1", {"type": "add", "element": 3})["type"], "add_ok")
        for _ in range(2):   # a repeated merge changes nothing
            driver.send("n1", {"type": "merge", "elements": [1, 3, 5]})
        self.assertEqual(read(driver), [1, 3, 5])

    def test_the_whole_set_is_sent_to_every_peer(self):
        driver = start(self, "tests/example_nodes/g_set.py")
        driver.rpc("c1", {"type": "add", "element": 4})
        self.assertEqual(next_merge_to(driver, "n1")["elements"], [4])
        self.assertEqual(next_merge_to(driver, "n2")["elements"], [4])


class PNCounterExample(unittest.TestCase):
    def test_negative_adds_count_down(self):
        driver = start(self, "tests/example_nodes/pn_counter.py")
        for delta in (5, -7, 1):
            self.assertEqual(driver.rpc("c1", {"type": "add", "delta": delta})["type"], "add_ok")
        self.assertEqual(read(driver), -1)

    def test_merging_keeps_the_larger_entry_per_node_so_repeats_and_old_copies_change_nothing(self):
        driver = start(self, "tests/example_nodes/pn_counter.py")
        driver.rpc("c1", {"type": "add", "delta": 2})
        newer = {"type": "merge", "p": {"n1": 10}, "n": {"n1": 4}}
        older = {"type": "merge", "p": {"n1": 6}, "n": {"n1": 1, "n0": 0}}
        for body in (newer, newer, older):
            driver.send("n1", body)
        self.assertEqual(read(driver), 2 + 10 - 4)

    def test_its_table_is_sent_to_every_peer(self):
        driver = start(self, "tests/example_nodes/pn_counter.py")
        driver.rpc("c1", {"type": "add", "delta": -3})
        self.assertEqual(next_merge_to(driver, "n2"), {"type": "merge", "p": {}, "n": {"n0": 3}})


if __name__ == "__main__":
    unittest.main()
