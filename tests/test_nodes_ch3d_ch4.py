"""The 3d broadcast node and the 4 counter node fed messages directly.

3d (ch3d_broadcast/main.py): the one-hop fan-out, and the digests that repair what partitions
drop. The test plays the clients and the other nodes of a four-node cluster n0..n3, the node
under test being n0. 4 (ch4_counter/main.py): the test plays the clients and seq-kv of a
cluster n0..n2 (or n0, n1), answering the node's requests itself.

Waits for something the node must send are bounded generously. A node's silence is checked
after a client read: the node answers in order, so whatever it sent before answering the read
is already in hand.
"""
from __future__ import annotations

import runpy
import time
import unittest

from common.testing import NodeDriver, load_node
from tests.support import node as script

CH3D = script("ch3d_broadcast/main.py")
CH4 = script("ch4_counter/main.py")
CH3D_TIMING = runpy.run_path(CH3D, run_name="timing_constants")   # SYNC_INTERVAL, IN_FLIGHT
CH4_TIMING = runpy.run_path(CH4, run_name="timing_constants")     # ROUND
NODES = ["n0", "n1", "n2", "n3"]


def digest(have: dict[str, int], answers: int = 2, values: list | None = None) -> dict:
    return {"type": "sync", "have": have, "values": values or [], "answers": answers}


class Ch3dTest(unittest.TestCase):
    def start(self) -> NodeDriver:
        driver = NodeDriver(load_node(CH3D))
        self.addCleanup(driver.close)
        driver.init("n0", NODES)
        return driver

    def read(self, driver: NodeDriver) -> list[int]:
        return sorted(driver.rpc("c1", {"type": "read"})["messages"])

    def sent_before_a_read(self, driver: NodeDriver, type_: str) -> list[dict]:
        """Every node-to-node message of this type the node has sent, as {"dest", **body}."""
        self.read(driver)
        return [{"dest": m["dest"], **m["body"]} for m in driver.unclaimed()
                if m["body"]["type"] == type_]

    def next_answer(self, driver: NodeDriver) -> dict:
        """The next sync the node sends that answers another (round digests carry 2)."""
        while True:
            message = driver.recv()
            if message["body"]["type"] == "sync" and message["body"]["answers"] < 2:
                return {"dest": message["dest"], **message["body"]}

    def repair(self, driver: NodeDriver, origin: str, values: list[int]) -> None:
        """Give the node values of ``origin`` the way a repair does (not the fast path)."""
        driver.send("n1", digest({}, answers=0, values=[[origin, 0, values]]))


class Ch3dFastPathTest(Ch3dTest):
    def test_a_broadcast_is_acknowledged_and_readable_at_once(self):
        driver = self.start()
        self.assertEqual(driver.rpc("c1", {"type": "broadcast", "message": 5})["type"],
                         "broadcast_ok")
        self.assertEqual(self.read(driver), [5])

    def test_a_new_value_goes_once_to_every_other_node_numbered_in_order(self):
        driver = self.start()
        driver.rpc("c1", {"type": "broadcast", "message": 5})
        driver.rpc("c1", {"type": "broadcast", "message": 6})
        sent = sorted((m["dest"], m["seq"], m["message"])
                      for m in self.sent_before_a_read(driver, "gossip"))
        self.assertEqual(sent, sorted((peer, seq, value) for peer in NODES[1:]
                                      for seq, value in [(0, 5), (1, 6)]))

    def test_a_value_already_known_is_not_sent_again(self):
        driver = self.start()
        driver.rpc("c1", {"type": "broadcast", "message": 5})
        for _ in NODES[1:]:
            driver.recv()
        driver.rpc("c1", {"type": "broadcast", "message": 5})
        self.assertEqual(self.sent_before_a_read(driver, "gossip"), [])

    def test_a_value_from_a_peer_is_stored_and_not_passed_on(self):
        driver = self.start()
        driver.send("n2", {"type": "gossip", "seq": 0, "message": 7})
        self.assertEqual(self.read(driver), [7])
        self.assertEqual(self.sent_before_a_read(driver, "gossip"), [])


class Ch3dRepairTest(Ch3dTest):
    def test_a_peer_lacking_values_gets_them_in_answer_to_its_digest(self):
        driver = self.start()
        self.repair(driver, "n2", [10, 11])
        driver.send("n3", digest({}))
        answer = self.next_answer(driver)
        self.assertEqual((answer["dest"], answer["values"]), ("n3", [["n2", 0, [10, 11]]]))

    def test_the_answer_starts_where_the_peer_stops(self):
        driver = self.start()
        self.repair(driver, "n2", [10, 11, 12])
        driver.send("n3", digest({"n2": 2}))
        self.assertEqual(self.next_answer(driver)["values"], [["n2", 2, [12]]])

    def test_values_that_came_by_the_fast_path_are_not_offered_while_they_may_be_in_flight(self):
        driver = self.start()
        driver.send("n2", {"type": "gossip", "seq": 0, "message": 7})
        driver.send("n1", digest({}))
        self.assertEqual([m for m in self.sent_before_a_read(driver, "sync") if m["answers"] < 2],
                         [])

    def test_values_that_came_by_the_fast_path_are_offered_once_they_cannot_be_in_flight(self):
        driver = self.start()
        driver.send("n2", {"type": "gossip", "seq": 0, "message": 7})
        time.sleep(CH3D_TIMING["IN_FLIGHT"] + 0.1)
        driver.send("n1", digest({}))
        self.assertEqual(self.next_answer(driver)["values"], [["n2", 0, [7]]])

    def test_a_node_behind_a_digest_answers_with_its_prefixes_to_be_sent_the_rest(self):
        driver = self.start()
        driver.send("n2", {"type": "gossip", "seq": 0, "message": 7})
        driver.send("n1", digest({"n2": 3}))
        answer = self.next_answer(driver)
        self.assertEqual((answer["dest"], answer["have"], answer["values"], answer["answers"]),
                         ("n1", {"n2": 1}, [], 1))

    def test_a_prefix_stops_at_the_first_gap(self):
        driver = self.start()
        driver.send("n2", {"type": "gossip", "seq": 0, "message": 7})
        driver.send("n2", {"type": "gossip", "seq": 2, "message": 9})
        self.assertEqual(self.read(driver), [7, 9])
        driver.send("n1", digest({"n2": 5}))
        self.assertEqual(self.next_answer(driver)["have"], {"n2": 1})

    def test_values_in_an_answer_are_stored_and_fill_gaps(self):
        driver = self.start()
        driver.send("n2", {"type": "gossip", "seq": 1, "message": 8})
        driver.send("n1", digest({"n2": 2}, answers=1, values=[["n2", 0, [7, 8]]]))
        self.assertEqual(self.read(driver), [7, 8])
        driver.send("n3", digest({"n2": 3}))
        self.assertEqual(self.next_answer(driver)["have"], {"n2": 2})

    def test_an_answer_to_an_answer_is_answered_once_more_and_no_further(self):
        driver = self.start()
        self.repair(driver, "n2", [10])
        driver.send("n1", digest({}, answers=1))
        self.assertEqual(self.next_answer(driver)["answers"], 0)
        driver.send("n1", digest({"n3": 4}, answers=0))
        self.assertEqual([m for m in self.sent_before_a_read(driver, "sync") if m["answers"] < 2],
                         [])

    def test_equal_digests_are_not_answered(self):
        driver = self.start()
        self.repair(driver, "n2", [10])
        driver.send("n1", digest({"n2": 1}))
        self.assertEqual([m for m in self.sent_before_a_read(driver, "sync") if m["answers"] < 2],
                         [])


class Ch3dRoundTest(Ch3dTest):
    def round_digest(self, driver: NodeDriver) -> dict:
        while True:
            message = driver.recv(timeout=3 * CH3D_TIMING["SYNC_INTERVAL"] + 5)
            if message["body"]["type"] == "sync":
                return {"dest": message["dest"], **message["body"]}

    def test_with_no_values_to_carry_them_the_round_digests_go_alone_to_each_peer_in_turn(self):
        driver = self.start()
        self.repair(driver, "n2", [10])
        digests = [self.round_digest(driver) for _ in NODES[1:]]
        self.assertEqual([(d["dest"], d["have"], d["answers"]) for d in digests],
                         [(peer, {"n2": 1}, 2) for peer in NODES[1:]])

    def test_a_round_digest_rides_on_the_first_value_sent_to_its_peer(self):
        driver = self.start()
        self.assertEqual(self.round_digest(driver)["dest"], "n1")   # the next one is n2's
        driver.rpc("c1", {"type": "broadcast", "message": 5})
        carried = {m["dest"]: m.get("digest") for m in self.sent_before_a_read(driver, "gossip")}
        self.assertEqual(carried, {"n1": None, "n2": {"have": {"n0": 1}, "values": [], "answers": 2},
                                   "n3": None})

    def test_a_gossip_whose_digest_lacks_a_field_is_malformed_and_changes_nothing(self):
        # Issue 20: the digest's fields were each optional; a gossip carrying some of them
        # passed the shape check and then failed in the handler, with error 13.
        driver = self.start()
        reply = driver.rpc("n1", {"type": "gossip", "seq": 0, "message": 7,
                                  "digest": {"have": {"n1": 1}, "answers": 2}})
        self.assertEqual((reply["type"], reply["code"]), ("error", 12))
        self.assertIn("digest", reply["text"])
        self.assertEqual(driver.rpc("c1", {"type": "read"})["messages"], [])


class Ch4Test(unittest.TestCase):
    def start(self, nodes: list[str] = NODES[:3]) -> NodeDriver:
        driver = NodeDriver(load_node(CH4))
        self.addCleanup(driver.close)
        driver.init("n0", nodes)
        return driver

    def add(self, driver: NodeDriver, delta: int) -> None:
        self.assertEqual(driver.rpc("c1", {"type": "add", "delta": delta})["type"], "add_ok")

    def total(self, driver: NodeDriver) -> int:
        return driver.rpc("c1", {"type": "read"})["value"]

    def next_request(self, driver: NodeDriver) -> dict:
        """The next request the node sends seq-kv (a round starts every ROUND seconds)."""
        while True:
            message = driver.recv(timeout=CH4_TIMING["ROUND"] + 5)
            if message["dest"] == "seq-kv":
                return message["body"]

    def answer(self, driver: NodeDriver, request: dict, body: dict) -> None:
        driver.send("seq-kv", {**body, "in_reply_to": request["msg_id"]})

    def finish_round(self, driver: NodeDriver, stored: dict | None) -> dict:
        """Acknowledge the round's write and answer its read with ``stored`` (None: the key
        does not exist). Returns the write request."""
        write = self.next_request(driver)
        self.answer(driver, write, {"type": "write_ok"})
        read = self.next_request(driver)
        if stored is None:
            self.answer(driver, read, {"type": "error", "code": 20, "text": "key does not exist"})
        else:
            self.answer(driver, read, {"type": "read_ok", "value": stored})
        return write


class Ch4CounterTest(Ch4Test):
    def test_an_add_is_acknowledged_and_counted_in_reads_at_once(self):
        driver = self.start()
        self.add(driver, 3)
        self.add(driver, 4)
        self.assertEqual(self.total(driver), 7)

    def test_an_add_that_would_pass_what_the_counter_holds_is_refused_and_counts_nothing(self):
        # Issue 20: two acknowledged adds summed past Python's 4,300-digit limit, and from
        # then on every read failed.
        driver = self.start()
        most = 2 ** 63 - 1   # a Java long: what Maelstrom's checker sums in
        for delta, accepted, total in ((10 ** 4000, False, 0), (5, True, 5), (most - 5, True, most),
                                       (1, False, most)):
            with self.subTest(delta=delta):
                reply = driver.rpc("c1", {"type": "add", "delta": delta})
                self.assertEqual((reply["type"], reply.get("code")), ("add_ok", None) if accepted else ("error", 12))
                self.assertEqual(self.total(driver), total)

    def test_a_round_begins_by_writing_the_nodes_counts_under_its_own_key(self):
        driver = self.start()
        self.add(driver, 5)
        write = self.next_request(driver)
        self.assertEqual((write["type"], write["key"], write["value"]["counts"]),
                         ("write", "n0", {"n0": 5}))

    def test_every_write_changes_the_stored_value_even_without_adds(self):
        driver = self.start()
        first = self.finish_round(driver, None)
        second = self.next_request(driver)
        self.assertNotEqual(first["value"], second["value"])

    def test_nothing_is_read_before_the_write_is_acknowledged(self):
        driver = self.start()
        self.next_request(driver)
        with self.assertRaises(AssertionError):
            driver.recv(timeout=0.3)

    def test_after_its_write_a_node_reads_a_peer_and_adds_its_counts(self):
        driver = self.start()
        self.add(driver, 1)
        write = self.next_request(driver)
        self.answer(driver, write, {"type": "write_ok"})
        read = self.next_request(driver)
        self.assertEqual(read["type"], "read")
        self.assertIn(read["key"], ["n1", "n2"])
        self.answer(driver, read, {"type": "read_ok",
                                   "value": {"counts": {"n0": 0, "n1": 4, "n2": 2}, "round": 9}})
        self.assertEqual(self.next_request(driver)["value"]["counts"], {"n0": 1, "n1": 4, "n2": 2})
        self.assertEqual(self.total(driver), 7)

    def test_the_peers_are_read_in_turn(self):
        driver = self.start()
        keys = set()
        for _ in range(2):
            write = self.next_request(driver)
            self.answer(driver, write, {"type": "write_ok"})
            read = self.next_request(driver)
            keys.add(read["key"])
            self.answer(driver, read, {"type": "read_ok", "value": {"counts": {}, "round": 1}})
        self.assertEqual(keys, {"n1", "n2"})

    def test_a_stale_answer_never_lowers_a_count(self):
        driver = self.start(NODES[:2])
        self.finish_round(driver, {"counts": {"n1": 5}, "round": 2})
        self.finish_round(driver, {"counts": {"n1": 3}, "round": 1})
        self.assertEqual(self.next_request(driver)["value"]["counts"], {"n1": 5})
        self.assertEqual(self.total(driver), 5)

    def test_a_peer_that_has_not_written_yet_counts_as_nothing(self):
        driver = self.start(NODES[:2])
        self.add(driver, 2)
        self.finish_round(driver, None)
        self.assertEqual(self.next_request(driver)["value"]["counts"], {"n0": 2})
        self.assertEqual(self.total(driver), 2)

    def test_a_failed_write_skips_the_read_and_is_redone_next_round(self):
        driver = self.start()
        self.add(driver, 2)
        write = self.next_request(driver)
        self.answer(driver, write, {"type": "error", "code": 11, "text": "unavailable"})
        again = self.next_request(driver)
        self.assertEqual((again["type"], again["key"], again["value"]["counts"]),
                         ("write", "n0", {"n0": 2}))
        self.assertGreater(again["value"]["round"], write["value"]["round"])


if __name__ == "__main__":
    unittest.main()
