"""The multi-node Kafka-style log nodes of challenges 5b and 5c, fed messages directly.

5b (ch5b_log/main.py) keeps every log in lin-kv: the test plays the clients and lin-kv, which
it answers from a dict as the real linearizable store would. 5c (ch5c_log/main.py) is node n0
of the cluster n0, n1; the test plays the clients and n1. Integer keys belong to
``node_ids[key mod 2]``: "0" and "2" are n0's, "1" and "3" are n1's.

Waits are for messages the node must send. Where the test leaves a request unanswered, it
waits as long as the node does for the answer (1 s for a send, 0.5 s for a sync).
"""
from __future__ import annotations

import itertools
import unittest
from typing import Callable

from common.testing import NodeDriver, load_node
from tests.support import node as script

CH5B = script("ch5b_log/main.py")
CH5C = script("ch5c_log/main.py")


def error(code: int) -> dict:
    return {"type": "error", "code": code, "text": "from the test"}


class FakeLinKV:
    """lin-kv as the test plays it: answers the node's requests from ``store``, except those
    of the types in ``silent``, and keeps every request it got in ``requests`` (without
    its msg_id)."""

    def __init__(self, driver: NodeDriver):
        self.driver = driver
        self.store: dict = {}
        self.requests: list[dict] = []
        self.silent: set[str] = set()

    def answer(self, request: dict) -> None:
        self.requests.append({k: v for k, v in request.items() if k != "msg_id"})
        if request["type"] in self.silent:
            return
        key, store = request["key"], self.store
        if request["type"] == "read":
            reply = {"type": "read_ok", "value": store[key]} if key in store else error(20)
        elif key not in store and not request.get("create_if_not_exists"):
            reply = error(20)
        elif key in store and store[key] != request["from"]:
            reply = error(22)
        else:
            store[key] = request["to"]
            reply = {"type": "cas_ok"}
        self.driver.send("lin-kv", {**reply, "in_reply_to": request["msg_id"]})

    def serve_until(self, done: Callable[[dict], bool]) -> dict:
        """Answer the node's lin-kv requests until it sends a message ``done`` accepts."""
        while not done(message := self.driver.recv()):
            if message["dest"] != "lin-kv":
                raise AssertionError(f"a 5b node talks only to lin-kv, yet sent {message}")
            self.answer(message["body"])
        return message


class Ch5bTest(unittest.TestCase):
    def setUp(self):
        self.driver = NodeDriver(load_node(CH5B))
        self.addCleanup(self.driver.close)
        self.driver.init("n0", ["n0", "n1"])
        self.kv = FakeLinKV(self.driver)
        self.msg_ids = itertools.count(1000)

    def request(self, body: dict) -> dict:
        """A client request, answered while the test plays lin-kv; returns the reply body."""
        msg_id = next(self.msg_ids)
        self.driver.send("c1", {**body, "msg_id": msg_id})
        reply = self.kv.serve_until(lambda m: m["body"].get("in_reply_to") == msg_id)
        self.assertEqual(reply["dest"], "c1")
        return reply["body"]

    def send(self, key: str, msg: int) -> int:
        reply = self.request({"type": "send", "key": key, "msg": msg})
        self.assertEqual(reply["type"], "send_ok", reply)
        return reply["offset"]

    def poll(self, offsets: dict) -> dict:
        return self.request({"type": "poll", "offsets": offsets})["msgs"]

    def test_offsets_are_dense_from_0_per_key(self):
        sends = [("1", 10), ("1", 11), ("2", 20), ("1", 12)]
        offsets = [self.send(key, msg) for key, msg in sends]
        self.assertEqual(offsets, [0, 1, 0, 2])
        self.assertEqual(self.kv.store, {"log/1": [10, 11, 12], "log/2": [20]})

    def test_a_send_to_a_new_key_creates_its_log_with_one_cas(self):
        self.send("1", 10)
        self.assertEqual(self.kv.requests, [{"type": "cas", "key": "log/1", "from": [], "to": [10],
                                             "create_if_not_exists": True}])

    def test_a_send_builds_on_the_list_this_node_last_wrote_without_reading_it(self):
        self.send("1", 10)
        self.send("1", 11)
        last = self.kv.requests[-1]
        self.assertEqual((len(self.kv.requests), last["from"], last["to"]), (2, [10], [10, 11]))

    def test_a_send_after_another_nodes_appends_is_retried_on_top_of_them(self):
        self.kv.store["log/1"] = [7, 8]
        self.assertEqual(self.send("1", 10), 2)
        self.assertEqual([r["type"] for r in self.kv.requests], ["cas", "read", "cas"])
        self.assertEqual(self.kv.store["log/1"], [7, 8, 10])

    def test_a_send_whose_cas_goes_unanswered_fails_with_an_indefinite_error(self):
        self.kv.silent.add("cas")
        reply = self.request({"type": "send", "key": "1", "msg": 10})
        self.assertEqual((reply["type"], reply["code"]), ("error", 0))

    def test_poll_serves_what_this_node_wrote_without_asking_lin_kv(self):
        self.send("1", 10)
        self.send("1", 11)
        written = len(self.kv.requests)
        self.assertEqual(self.poll({"1": 0}), {"1": [[0, 10], [1, 11]]})
        self.assertEqual(len(self.kv.requests), written)

    def test_poll_reads_lin_kv_for_a_key_it_knows_nothing_new_of(self):
        self.kv.store["log/1"] = [5, 6, 7]
        self.assertEqual(self.poll({"1": 1}), {"1": [[1, 6], [2, 7]]})
        self.assertEqual([(r["type"], r["key"]) for r in self.kv.requests], [("read", "log/1")])

    def test_poll_leaves_out_keys_with_nothing_to_return(self):
        self.send("1", 10)
        self.assertEqual(self.poll({"1": 1, "never-sent": 0}), {})

    def test_a_commit_is_acknowledged_before_lin_kv_hears_of_it(self):
        self.assertEqual(self.request({"type": "commit_offsets", "offsets": {"1": 3}})["type"],
                         "commit_offsets_ok")
        self.assertEqual(self.kv.requests, [])

    def test_a_committed_offset_reaches_lin_kv(self):
        self.request({"type": "commit_offsets", "offsets": {"1": 3}})
        cas = self.kv.serve_until(lambda m: m["body"]["type"] == "cas"
                                  and m["body"]["key"] == "committed/1")
        self.assertEqual(cas["body"]["to"], 3)

    def test_listed_offsets_are_the_higher_of_this_nodes_and_lin_kvs(self):
        self.kv.store["committed/1"] = 5          # committed through another node
        self.request({"type": "commit_offsets", "offsets": {"1": 3, "2": 1}})
        reply = self.request({"type": "list_committed_offsets", "keys": ["1", "2", "3"]})
        self.assertEqual(reply["offsets"], {"1": 5, "2": 1})


class Ch5cTest(unittest.TestCase):
    def setUp(self):
        self.driver = NodeDriver(load_node(CH5C))
        self.addCleanup(self.driver.close)
        self.driver.init("n0", ["n0", "n1"])
        self.n1_logs: dict[str, list] = {}     # what n1 holds of what the node sent it

    def send(self, key: str, msg: int) -> int:
        reply = self.driver.rpc("c1", {"type": "send", "key": key, "msg": msg})
        self.assertEqual(reply["type"], "send_ok", reply)
        return reply["offset"]

    def poll(self, offsets: dict) -> dict:
        return self.driver.rpc("c1", {"type": "poll", "offsets": offsets})["msgs"]

    def next_to(self, dest: str, type_: str) -> dict:
        """The body of the next message of this type the node sends ``dest``."""
        while True:
            message = self.driver.recv()
            if message["dest"] == dest and message["body"]["type"] == type_:
                return message["body"]

    def answer_syncs_until(self, done: Callable[[], bool]) -> None:
        """Play n1: keep what the node sends it and answer each sync with the lengths of
        n1's copies, until ``done()``."""
        while not done():
            sync = self.next_to("n1", "sync")
            for key, (offset, messages) in sync["logs"].items():
                log = self.n1_logs.setdefault(key, [])
                if offset <= len(log):
                    log.extend(messages[len(log) - offset:])
            lengths = {key: len(self.n1_logs[key]) for key in sync["logs"]}
            self.driver.send("n1", {"type": "sync_ok", "lengths": lengths,
                                    "in_reply_to": sync["msg_id"]})

    def forwarded_send(self, key: str, msg: int, offset: int) -> dict:
        """The reply to a client's send of a key n1 owns, n1 giving it ``offset``."""
        self.driver.send("c1", {"type": "send", "key": key, "msg": msg, "msg_id": 7})
        forwarded = self.next_to("n1", "send")
        self.assertEqual((forwarded["key"], forwarded["msg"]), (key, msg))
        self.driver.send("n1", {"type": "send_ok", "offset": offset,
                                "in_reply_to": forwarded["msg_id"]})
        return self.next_to("c1", "send_ok")

    # -- requests served by the node itself ----------------------------------------------

    def test_sends_to_its_own_keys_get_dense_offsets_from_0_per_key(self):
        sends = [("0", 10), ("0", 11), ("2", 20), ("0", 12)]
        offsets = [self.send(key, msg) for key, msg in sends]
        self.assertEqual(offsets, [0, 1, 0, 2])

    def test_poll_returns_messages_from_the_requested_offset_on(self):
        for msg in (10, 11, 12):
            self.send("0", msg)
        self.send("2", 20)
        self.assertEqual(self.poll({"0": 1, "2": 0}), {"0": [[1, 11], [2, 12]], "2": [[0, 20]]})

    def test_poll_leaves_out_keys_with_nothing_to_return(self):
        self.send("0", 10)
        self.assertEqual(self.poll({"0": 1, "1": 0}), {})

    def test_committed_offsets_are_listed_for_committed_keys_only(self):
        self.driver.rpc("c1", {"type": "commit_offsets", "offsets": {"0": 3}})
        reply = self.driver.rpc("c1", {"type": "list_committed_offsets", "keys": ["0", "2"]})
        self.assertEqual(reply["offsets"], {"0": 3})

    def test_a_committed_offset_never_moves_back(self):
        for offset in (3, 1):
            self.driver.rpc("c1", {"type": "commit_offsets", "offsets": {"0": offset}})
        reply = self.driver.rpc("c1", {"type": "list_committed_offsets", "keys": ["0"]})
        self.assertEqual(reply["offsets"], {"0": 3})

    # -- sends for keys another node owns ------------------------------------------------

    def test_a_send_for_another_nodes_key_is_answered_with_the_owners_offset(self):
        self.assertEqual(self.forwarded_send("1", 10, offset=4),
                         {"type": "send_ok", "offset": 4, "in_reply_to": 7})

    def test_a_forwarded_message_landing_at_the_end_of_the_copy_is_readable_at_once(self):
        self.forwarded_send("1", 10, offset=0)
        self.assertEqual(self.poll({"1": 0}), {"1": [[0, 10]]})

    def test_a_forwarded_message_that_would_leave_a_gap_waits_for_the_owners_batch(self):
        self.forwarded_send("1", 10, offset=4)
        self.assertEqual(self.poll({"1": 0}), {})

    def test_a_forwarded_send_the_owner_does_not_answer_fails_with_an_indefinite_error(self):
        reply = self.driver.rpc("c1", {"type": "send", "key": "1", "msg": 10})
        self.assertEqual((reply["type"], reply["code"]), ("error", 0))

    def test_keys_that_only_look_numeric_have_an_owner_too(self):
        for key in ("\u00b2", "--5", "\ud800", "9" * 30):   # superscript 2 passes isdigit
            with self.subTest(key=key):
                self.driver.send("c1", {"type": "send", "key": key, "msg": 1, "msg_id": 9})
                message = self.driver.recv()
                while message["body"]["type"] == "sync":   # a round of replication
                    message = self.driver.recv()
                handled = (message["dest"], message["body"]["type"])
                self.assertIn(handled, [("c1", "send_ok"), ("n1", "send")], message)
                if handled[0] == "n1":
                    self.driver.send("n1", {"type": "send_ok", "offset": 0,
                                            "in_reply_to": message["body"]["msg_id"]})
                    self.assertEqual(self.next_to("c1", "send_ok")["offset"], 0)

    def test_after_a_forward_timed_out_sends_for_that_owner_fail_at_once_and_definitely(self):
        self.driver.rpc("c1", {"type": "send", "key": "1", "msg": 10})   # times out: error 0
        reply = self.driver.rpc("c1", {"type": "send", "key": "3", "msg": 11})
        self.assertEqual((reply["type"], reply["code"]), ("error", 11))
        self.assertNotIn(11, [m["body"].get("msg") for m in self.driver.unclaimed()
                              if m["body"]["type"] == "send"])   # never forwarded

    def test_a_cut_off_owner_is_forwarded_to_again_once_a_sync_from_it_arrives(self):
        self.driver.rpc("c1", {"type": "send", "key": "1", "msg": 10})   # times out: error 0
        self.next_to("n1", "send")                                         # its forward
        self.driver.rpc("n1", {"type": "sync", "logs": {}, "committed": {}})
        self.assertEqual(self.forwarded_send("1", 12, offset=1)["type"], "send_ok")

    def test_the_nodes_own_keys_stay_writable_while_a_peer_is_cut_off(self):
        self.driver.rpc("c1", {"type": "send", "key": "1", "msg": 10})   # times out: error 0
        self.assertEqual(self.send("0", 11), 0)

    def test_a_cut_off_peer_is_synced_even_with_nothing_new_to_learn_of_the_heal(self):
        self.driver.rpc("c1", {"type": "send", "key": "1", "msg": 10})   # times out: error 0
        self.assertEqual(self.next_to("n1", "sync")["logs"], {})

    # -- replication ---------------------------------------------------------------------

    def test_a_peer_is_sent_the_messages_of_this_nodes_own_keys_only(self):
        self.driver.rpc("n1", {"type": "sync", "logs": {"1": [0, [5]]}, "committed": {}})
        for key, msg in [("0", 10), ("0", 11), ("2", 20)]:
            self.send(key, msg)
        self.answer_syncs_until(lambda: len(self.n1_logs.get("0", [])) == 2
                                and len(self.n1_logs.get("2", [])) == 1)
        self.assertEqual(self.n1_logs, {"0": [10, 11], "2": [20]})

    def test_a_peer_that_acknowledged_a_batch_is_sent_only_what_follows_it(self):
        self.send("0", 10)
        self.send("0", 11)
        self.answer_syncs_until(lambda: self.n1_logs.get("0") == [10, 11])
        self.send("0", 12)
        self.assertEqual(self.next_to("n1", "sync")["logs"], {"0": [2, [12]]})

    def test_a_batch_the_peer_did_not_acknowledge_is_sent_again(self):
        self.send("0", 10)
        first = self.next_to("n1", "sync")      # left unanswered, as if lost in a partition
        self.assertEqual(self.next_to("n1", "sync")["logs"], first["logs"])

    def test_committed_offsets_travel_to_peers(self):
        self.driver.rpc("c1", {"type": "commit_offsets", "offsets": {"1": 3}})
        self.assertEqual(self.next_to("n1", "sync")["committed"], {"1": 3})

    def test_a_batch_from_a_peer_extends_the_copy_and_is_answered_with_its_length(self):
        batch = {"type": "sync", "logs": {"1": [0, [5, 6]]}, "committed": {}}
        reply = self.driver.rpc("n1", batch)
        self.assertEqual(reply["lengths"], {"1": 2})
        self.assertEqual(self.poll({"1": 0}), {"1": [[0, 5], [1, 6]]})

    def test_committed_offsets_from_a_peer_are_listed(self):
        self.driver.rpc("n1", {"type": "sync", "logs": {}, "committed": {"1": 4}})
        reply = self.driver.rpc("c1", {"type": "list_committed_offsets", "keys": ["1"]})
        self.assertEqual(reply["offsets"], {"1": 4})

    def test_a_batch_from_a_peer_that_would_leave_a_gap_is_ignored(self):
        reply = self.driver.rpc("n1", {"type": "sync", "logs": {"1": [3, [9]]}, "committed": {}})
        self.assertEqual(reply["lengths"], {"1": 0})
        self.assertEqual(self.poll({"1": 0}), {})


if __name__ == "__main__":
    unittest.main()
