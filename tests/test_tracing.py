"""Following values through the journal: which messages carry a value, whatever the node's
message format, and what became of them."""
from __future__ import annotations

import unittest

from tests.harness.tracing import Tracer, carried_ints, diagram_events


def send(t: int, mid: int, src: str, dest: str, body: dict) -> tuple:
    return ("send", t, {"id": mid, "src": src, "dest": dest, "body": body})


def recv(t: int, mid: int, src: str, dest: str) -> tuple:
    return ("recv", t, {"id": mid, "src": src, "dest": dest, "body": {}})


def drop(t: int, mid: int, src: str, dest: str, reason: str = "partition") -> tuple:
    return ("drop", t, {"id": mid, "src": src, "dest": dest, "reason": reason})


# c1 broadcasts 5 to n0, which acknowledges it and gossips it to n1 (delivered) and n2
# (dropped by a partition); n1 passes it on to n2 in a batch, still in flight at the end.
JOURNAL = [
    send(1, 0, "c1", "n0", {"type": "broadcast", "message": 5, "msg_id": 1}), recv(1, 0, "c1", "n0"),
    send(2, 1, "n0", "c1", {"type": "broadcast_ok", "in_reply_to": 1}), recv(2, 1, "n0", "c1"),
    send(3, 2, "n0", "n1", {"type": "gossip", "message": 5}), recv(8, 2, "n0", "n1"),
    send(3, 3, "n0", "n2", {"type": "gossip", "message": 5}), drop(3, 3, "n0", "n2"),
    send(9, 4, "n1", "n2", {"type": "batch", "values": {"5": True, "7": True}}),
]


class CarriedIntegers(unittest.TestCase):
    def test_integers_at_any_depth_and_integer_keys_are_found(self):
        body = {"type": "gossip", "batch": [1, [2, {"x": 3}]], "seen": {"4": True}}
        self.assertEqual(sorted(carried_ints(body)), [1, 2, 3, 4])

    def test_protocol_fields_are_never_values(self):
        body = {"type": "gossip", "msg_id": 5, "in_reply_to": 6, "code": 7, "inner": {"msg_id": 8}}
        self.assertEqual(list(carried_ints(body)), [])

    def test_booleans_floats_and_strings_are_not_integers(self):
        self.assertEqual(list(carried_ints({"a": True, "b": 5.0, "c": "5"})), [])


class Paths(unittest.TestCase):
    def setUp(self):
        self.trace = Tracer([5], "broadcast").run(JOURNAL)[5]

    def test_the_add_and_its_acknowledgement_are_found(self):
        self.assertEqual((self.trace.request.src, self.trace.request.dest), ("c1", "n0"))
        self.assertEqual((self.trace.ack.src, self.trace.ack.sent), ("n0", 2))

    def test_each_holder_is_known_with_the_message_that_brought_the_value(self):
        self.assertEqual({n: (t, via and via.src) for n, (t, via) in self.trace.had.items()},
                         {"n0": (1, None), "n1": (8, "n0")})

    def test_the_last_message_to_each_receiver_says_what_became_of_it(self):
        last = self.trace.last_to
        self.assertEqual((last["n1"].fate, last["n1"].at), ("delivered", 8))
        self.assertEqual(last["n2"].src, "n1")       # a value in an object key counts
        self.assertEqual(last["n2"].fate, "in-flight")
        self.assertEqual(self.trace.sent_to["n2"], 2)

    def test_a_dropped_message_keeps_its_reason(self):
        first_to_n2 = Tracer([5], "broadcast").run(JOURNAL[:8])[5].last_to["n2"]
        self.assertEqual((first_to_n2.fate, first_to_n2.reason, first_to_n2.at), ("dropped", "partition", 3))

    def test_a_number_sent_before_its_sender_had_the_value_is_not_a_carrier(self):
        journal = [send(0, 9, "n2", "n1", {"type": "tick", "seq": 5}), *JOURNAL]
        trace = Tracer([5], "broadcast").run(journal)[5]
        self.assertEqual(trace.carriers, 3)
        self.assertEqual(trace.sent_to["n1"], 1)

    def test_a_read_reply_to_a_client_does_not_carry_a_value(self):
        journal = [*JOURNAL, send(10, 5, "n0", "c2", {"type": "read_ok", "messages": [5], "in_reply_to": 1})]
        self.assertEqual(Tracer([5], "broadcast").run(journal)[5].carriers, 3)

    def test_the_path_to_a_holder_runs_back_to_the_first(self):
        self.assertEqual(self.trace.path_to("n1"), ["n0", "n1"])

    def test_the_diagram_holds_the_add_the_spread_and_the_last_message_to_each_missing_node(self):
        events = diagram_events(self.trace)
        self.assertEqual(sorted({e["message"]["id"] for e in events}), [0, 1, 2, 4])
        self.assertEqual([e["time"] for e in events], sorted(e["time"] for e in events))


if __name__ == "__main__":
    unittest.main()
