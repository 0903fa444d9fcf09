"""The 3e broadcast node (ch3e_broadcast/main.py) fed messages directly: the star's batching,
and the confirmations and repeats that make it survive partitions.

The test plays the clients and every other node of a four-node cluster, n0 (the hub) and the
leaves n1..n3, and takes the place of either the hub or a leaf. Waits for something the node
must send are bounded generously; the few tests that check the node stays *silent* wait for
a fixed time derived from the node's own timing constants.
"""
from __future__ import annotations

import json
import runpy
import time
import unittest

from common.testing import NodeDriver, load_node
from tests.support import node as script

SCRIPT = script("ch3e_broadcast/main.py")
NODES = ["n0", "n1", "n2", "n3"]
HUB, LEAVES = NODES[0], NODES[1:]
TIMING = runpy.run_path(SCRIPT, run_name="timing_constants")   # QUIET, RETRY, ...


def gossip(seq: int, ack: int, values: list[int]) -> dict:
    return {"type": "gossip", "seq": seq, "ack": ack, "messages": values}


class Ch3eTest(unittest.TestCase):
    def start(self, node_id: str) -> NodeDriver:
        driver = NodeDriver(load_node(SCRIPT))
        self.addCleanup(driver.close)
        driver.init(node_id, NODES)
        return driver

    def read(self, driver: NodeDriver) -> list[int]:
        return sorted(driver.rpc("c1", {"type": "read"})["messages"])

    def next_gossip(self, driver: NodeDriver) -> dict:
        """The next node-to-node message, as {"dest", **body}, values sorted."""
        while True:
            message = driver.recv()
            if message["body"]["type"] == "gossip":
                body = message["body"]
                return {**body, "dest": message["dest"], "messages": sorted(body["messages"])}

    def assert_silent_for(self, driver: NodeDriver, seconds: float) -> None:
        time.sleep(seconds)
        self.read(driver)   # answered only after everything sent before it
        self.assertEqual([m for m in driver.unclaimed() if m["body"]["type"] == "gossip"], [])


class LeafTest(Ch3eTest):
    def test_a_broadcast_is_acknowledged_and_readable_before_the_hub_has_it(self):
        leaf = self.start("n1")
        self.assertEqual(leaf.rpc("c1", {"type": "broadcast", "message": 5})["type"],
                         "broadcast_ok")
        self.assertEqual(self.read(leaf), [5])

    def test_a_new_value_goes_to_the_hub_at_once_and_only_to_the_hub(self):
        leaf = self.start("n1")
        leaf.rpc("c1", {"type": "broadcast", "message": 5})
        self.read(leaf)
        sent = [m for m in leaf.unclaimed() if m["body"]["type"] == "gossip"]
        self.assertEqual([(m["dest"], m["body"]["messages"]) for m in sent], [(HUB, [5])])

    def test_values_from_the_hub_are_stored_and_not_offered_back(self):
        leaf = self.start("n1")
        leaf.send(HUB, gossip(1, 0, [7, 8]))
        self.assertEqual(self.read(leaf), [7, 8])
        leaf.rpc("c1", {"type": "broadcast", "message": 9})
        self.assertEqual(self.next_gossip(leaf)["messages"], [9])

    def test_the_next_value_carries_the_confirmation_of_the_hubs_last_message(self):
        leaf = self.start("n1")
        leaf.send(HUB, gossip(4, 0, [7]))
        leaf.rpc("c1", {"type": "broadcast", "message": 9})
        self.assertEqual(self.next_gossip(leaf)["ack"], 4)

    def test_an_unconfirmed_value_rides_along_with_the_next_one(self):
        leaf = self.start("n1")
        leaf.rpc("c1", {"type": "broadcast", "message": 1})
        first = self.next_gossip(leaf)
        leaf.rpc("c1", {"type": "broadcast", "message": 2})
        second = self.next_gossip(leaf)
        self.assertEqual(second["messages"], [1, 2])
        self.assertGreater(second["seq"], first["seq"])

    def test_a_confirmed_value_is_not_offered_again(self):
        leaf = self.start("n1")
        leaf.rpc("c1", {"type": "broadcast", "message": 1})
        offer = self.next_gossip(leaf)
        leaf.send(HUB, gossip(1, offer["seq"], [3]))
        leaf.rpc("c1", {"type": "broadcast", "message": 2})
        self.assertEqual(self.next_gossip(leaf)["messages"], [2])

    def test_a_confirmation_of_a_later_message_covers_a_lost_earlier_one(self):
        leaf = self.start("n1")
        leaf.rpc("c1", {"type": "broadcast", "message": 1})
        leaf.rpc("c1", {"type": "broadcast", "message": 2})
        self.next_gossip(leaf)                 # say this one, offering 1, was lost
        later = self.next_gossip(leaf)         # offering 1 and 2 again
        leaf.send(HUB, gossip(1, later["seq"], [3]))
        leaf.rpc("c1", {"type": "broadcast", "message": 4})
        self.assertEqual(self.next_gossip(leaf)["messages"], [4])

    def test_an_unconfirmed_offer_is_repeated_until_confirmed(self):
        leaf = self.start("n1")
        leaf.rpc("c1", {"type": "broadcast", "message": 1})
        first = self.next_gossip(leaf)
        again = self.next_gossip(leaf)
        self.assertEqual((again["dest"], again["messages"]), (HUB, [1]))
        self.assertGreater(again["seq"], first["seq"])

    def test_once_the_hub_falls_silent_its_values_are_confirmed_on_their_own(self):
        leaf = self.start("n1")
        leaf.send(HUB, gossip(3, 0, [7]))
        confirmation = self.next_gossip(leaf)
        self.assertEqual((confirmation["dest"], confirmation["ack"], confirmation["messages"]),
                         (HUB, 3, []))

    def test_a_message_without_values_is_not_confirmed(self):
        leaf = self.start("n1")
        leaf.send(HUB, gossip(3, 0, []))
        self.assert_silent_for(leaf, TIMING["QUIET"] + 3 * TIMING["CHECK_PERIOD"])


class HubTest(Ch3eTest):
    def deliver_together(self, hub: NodeDriver, *messages: tuple[str, dict]) -> None:
        """Several leaves' messages in one write, so that no batch falls between them."""
        hub.write(b"".join(
            json.dumps({"src": src, "dest": HUB, "body": body}).encode() + b"\n"
            for src, body in messages))

    def batch(self, hub: NodeDriver) -> dict[str, dict]:
        """The next batch: one message per leaf that gets one, by leaf."""
        first = self.next_gossip(hub)
        batch = {first["dest"]: first}
        while len(batch) < len(LEAVES):
            message = self.next_gossip(hub)
            self.assertNotIn(message["dest"], batch, "a leaf got two messages in one batch")
            batch[message["dest"]] = message
        return batch

    def test_each_leaf_gets_one_message_with_every_value_it_lacks(self):
        hub = self.start(HUB)
        self.deliver_together(hub, ("n1", gossip(1, 0, [1])), ("n2", gossip(1, 0, [2])))
        batch = self.batch(hub)
        self.assertEqual({leaf: m["messages"] for leaf, m in batch.items()},
                         {"n1": [2], "n2": [1], "n3": [1, 2]})

    def test_a_batch_confirms_what_each_leaf_sent(self):
        hub = self.start(HUB)
        self.deliver_together(hub, ("n1", gossip(5, 0, [1])), ("n2", gossip(1, 0, [2])))
        batch = self.batch(hub)
        self.assertEqual({leaf: m["ack"] for leaf, m in batch.items()},
                         {"n1": 5, "n2": 1, "n3": 0})

    def test_the_hubs_own_broadcast_goes_to_every_leaf(self):
        hub = self.start(HUB)
        self.assertEqual(hub.rpc("c1", {"type": "broadcast", "message": 6})["type"],
                         "broadcast_ok")
        self.assertEqual({leaf: m["messages"] for leaf, m in self.batch(hub).items()},
                         {leaf: [6] for leaf in LEAVES})

    def test_a_leaf_that_does_not_confirm_is_offered_the_values_again(self):
        hub = self.start(HUB)
        hub.rpc("c1", {"type": "broadcast", "message": 6})
        batch = self.batch(hub)
        for leaf in ("n1", "n2"):
            hub.send(leaf, gossip(1, batch[leaf]["seq"], []))
        repeat = self.next_gossip(hub)
        self.assertEqual((repeat["dest"], repeat["messages"]), ("n3", [6]))
        self.assertGreater(repeat["seq"], batch["n3"]["seq"])

    def test_once_every_leaf_has_confirmed_the_hub_falls_silent(self):
        hub = self.start(HUB)
        hub.rpc("c1", {"type": "broadcast", "message": 6})
        for leaf, message in self.batch(hub).items():
            hub.send(leaf, gossip(1, message["seq"], []))
        self.assert_silent_for(hub, TIMING["RETRY"] + 3 * TIMING["CHECK_PERIOD"])


if __name__ == "__main__":
    unittest.main()
