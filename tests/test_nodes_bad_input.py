"""Every challenge node against the catalogue of bad input: wrong types, missing fields,
non-finite numbers, deep nesting, huge lines, unknown or malformed types, requests before init.

For each node the specification is the same: every bad request gets a definite error reply
(12 malformed, 10 unknown type, 11 before init), nothing it carried shows up in the node's
state, and the node answers the next valid request correctly. Requests between nodes (gossip,
sync, replicate) are fed the same catalogue, as if from a peer gone wrong.
"""
from __future__ import annotations

import json
import unittest
from dataclasses import dataclass, field
from pathlib import Path

from common import ErrorCode
from common.testing import NodeDriver, load_node

ROOT = Path(__file__).resolve().parent.parent

# Values of the wrong kind for each kind of field (each node declares the kind it reads).
NOT_INT = ["x", 1.5, True, None, [1], {"a": 1}]
WRONG = {
    "int": NOT_INT,
    "natural": NOT_INT + [-5],
    "str": [1, None, ["k"], True],
    "any": [],
    "ints": ["x", 1, None, [1, "x"], [1.5], [True]],
    "strs": ["k", None, [1], [None]],
    "offsets": ["x", 1, None, [["k", 1]], {"k": "x"}, {"k": 1.5}, {"k": None}],
    "txn": ["x", None, [["append", 1, 2]], [["r", "x", None]], [["w", 1, "x"]], [["r", 1]],
            [[1, 2, 3]], [["w", 1, 2.5]]],
    "digest": ["x", {"n1": "x"}, [1]],
    "log_batch": [{"k": [0]}, {"k": ["x", [1]]}, {"k": [0, 1]}, ["k"]],
    "writes": [[[1, [1], 2]], [[[1], [1, "n1"], 2]], [[1, [1, 2], 2]], "x"],
}


@dataclass
class Case:
    """A node, requests it must serve (with the kind of each field), and requests whose
    answers are its observable state."""

    script: str
    requests: list[tuple[dict, dict[str, str]]]
    probes: list[dict] = field(default_factory=list)
    internal: list[tuple[dict, dict[str, str]]] = field(default_factory=list)  # from peers
    unserved: tuple[str, ...] = ()   # request types needing a service the test does not run

    @property
    def name(self) -> str:
        return self.script.split("/")[0]


BROADCAST = [({"type": "broadcast", "message": 7}, {"message": "int"}),
             ({"type": "read"}, {}), ({"type": "topology", "topology": {"n0": []}}, {})]
KAFKA = [({"type": "send", "key": "5", "msg": 9}, {"key": "str", "msg": "any"}),
         ({"type": "commit_offsets", "offsets": {"5": 0}}, {"offsets": "offsets"}),
         ({"type": "poll", "offsets": {"5": 0}}, {"offsets": "offsets"}),
         ({"type": "list_committed_offsets", "keys": ["5"]}, {"keys": "strs"})]
KAFKA_PROBES = [{"type": "poll", "offsets": {"5": 0}},
                {"type": "list_committed_offsets", "keys": ["5"]}]
TXN = [({"type": "txn", "txn": [["w", 1, 5], ["r", 1, None]]}, {"txn": "txn"})]
TXN_PROBES = [{"type": "txn", "txn": [["r", 1, None], ["r", 2, None]]}]
REPLICATE = [({"type": "replicate", "writes": [[1, [9, "n1"], 3]]}, {"writes": "writes"})]
READ = [{"type": "read"}]

CASES = [
    Case("ch1_echo/main.py", [({"type": "echo", "echo": "hi"}, {"echo": "any"})]),
    Case("ch2_unique_id/main.py", [({"type": "generate"}, {})]),
    Case("ch3a_broadcast/main.py", BROADCAST, READ),
    Case("ch3b_broadcast/main.py", BROADCAST, READ,
         [({"type": "gossip", "message": 3}, {"message": "int"})]),
    Case("ch3c_broadcast/main.py", BROADCAST, READ,
         [({"type": "gossip", "messages": [3]}, {"messages": "ints"})]),
    Case("ch3d_broadcast/main.py", BROADCAST, READ,
         [({"type": "gossip", "seq": 0, "message": 3}, {"seq": "int", "message": "int"}),
          ({"type": "sync", "have": {}, "values": [], "answers": 1},
           {"have": "digest", "answers": "int"})]),
    Case("ch3e_broadcast/main.py", BROADCAST, READ,
         [({"type": "gossip", "seq": 1, "ack": 0, "messages": [3]},
           {"seq": "int", "ack": "int", "messages": "ints"})]),
    Case("ch4_counter/main.py", [({"type": "add", "delta": 3}, {"delta": "natural"}),
                                 ({"type": "read"}, {})], READ),
    Case("ch5a_log/main.py", KAFKA, KAFKA_PROBES),
    Case("ch5b_log/main.py", KAFKA, unserved=("send", "poll", "list_committed_offsets")),
    Case("ch5c_log/main.py", KAFKA, KAFKA_PROBES,
         [({"type": "sync", "logs": {"5": [0, [1]]}, "committed": {"5": 0}},
           {"logs": "log_batch", "committed": "offsets"})]),
    Case("ch6a_txn/main.py", TXN, TXN_PROBES),
    Case("ch6b_txn/main.py", TXN, TXN_PROBES, REPLICATE),
    Case("ch6c_txn/main.py", TXN, TXN_PROBES, REPLICATE),
]

DEEP = "[" * 1000 + "]" * 1000
HUGE = 20 << 20   # bytes of padding in the huge line


class BadInputTest(unittest.TestCase):
    def start(self, case: Case, init: bool = True) -> NodeDriver:
        driver = NodeDriver(load_node(ROOT / case.script))
        self.addCleanup(driver.close)
        if init:
            driver.init("n0", ["n0"])
        return driver

    def assert_all_served(self, driver: NodeDriver, case: Case) -> None:
        for request, _ in case.requests:
            if request["type"] not in case.unserved:
                reply = driver.rpc("c1", request)
                self.assertEqual(reply["type"], request["type"] + "_ok", reply)

    def state(self, driver: NodeDriver, case: Case) -> list[dict]:
        """The answers to the node's probes, without their in_reply_to."""
        answers = [driver.rpc("c1", probe) for probe in case.probes]
        return [{k: v for k, v in answer.items() if k != "in_reply_to"} for answer in answers]

    def assert_error(self, reply: dict, codes: set[int], what: str) -> None:
        self.assertEqual(reply.get("type"), "error", f"{what} was answered with {reply}")
        self.assertIn(reply["code"], codes, f"{what}: {reply}")

    def check_catalogue(self, make_bad) -> None:
        """Feed each node the bad lines ``make_bad(request, kinds)`` yields (a line, or a
        body to send from c1), then check state unchanged and valid requests served."""
        for case in CASES:
            with self.subTest(node=case.name):
                driver = self.start(case)
                self.assert_all_served(driver, case)
                before = self.state(driver, case)
                for request, kinds in case.requests + case.internal:
                    for what, bad in make_bad(request, kinds):
                        self.assert_error(self.ask(driver, bad), {10, 12}, f"{case.name}: {what}")
                self.assertEqual(self.state(driver, case), before)
                self.assert_all_served(driver, case)

    def ask(self, driver: NodeDriver, bad: dict | str) -> dict:
        if isinstance(bad, dict):
            return driver.rpc("c1", bad)
        msg_id = 10 ** 6
        driver.write(bad.replace("MSG_ID", str(msg_id)).encode() + b"\n")
        while True:
            reply = driver.recv()["body"]
            if reply.get("in_reply_to") == msg_id:
                return reply

    def test_fields_of_the_wrong_type_are_refused_and_change_nothing(self):
        def bad(request, kinds):
            for name, kind in kinds.items():
                for value in WRONG[kind]:
                    yield f"{request['type']} with {name}={value!r}", {**request, name: value}
        self.check_catalogue(bad)

    def test_missing_fields_are_refused_and_change_nothing(self):
        def bad(request, kinds):
            for name, kind in kinds.items():
                yield (f"{request['type']} without {name}",
                       {k: v for k, v in request.items() if k != name})
        self.check_catalogue(bad)

    def test_non_finite_numbers_are_refused_and_change_nothing(self):
        def bad(request, kinds):
            for name in kinds:
                for number in ("NaN", "Infinity", "-Infinity", "1e400"):
                    yield f"{request['type']} with {name}={number}", raw(request, name, number)
        self.check_catalogue(bad)

    def test_deep_nesting_is_refused_and_changes_nothing(self):
        def bad(request, kinds):
            for name in kinds:
                yield f"{request['type']} with {name} nested 1000 deep", raw(request, name, DEEP)
        self.check_catalogue(bad)

    def test_unknown_and_malformed_types_are_refused(self):
        def bad(request, kinds):
            yield "an unknown type", {**request, "type": request["type"] + "_nonsense"}
            yield "a numeric type", {**request, "type": 3}
        self.check_catalogue(bad)

    def test_a_huge_line_is_answered_and_the_node_keeps_serving(self):
        for case in CASES:
            with self.subTest(node=case.name):
                driver = self.start(case)
                huge = {"type": "nonsense", "padding": "x" * HUGE}
                self.assert_error(driver.rpc("c1", huge), {ErrorCode.NOT_SUPPORTED}, "20 MB line")
                self.assert_all_served(driver, case)

    def test_requests_before_init_get_error_11_and_change_nothing(self):
        for case in CASES:
            with self.subTest(node=case.name):
                driver = self.start(case, init=False)
                for request, _ in case.requests + case.internal:
                    self.assert_error(driver.rpc("c1", request), {ErrorCode.TEMPORARILY_UNAVAILABLE},
                                      f"{case.name}: {request['type']} before init")
                driver.init("n0", ["n0"])
                fresh = self.start(case)
                self.assertEqual(self.state(driver, case), self.state(fresh, case))
                self.assert_all_served(driver, case)


def raw(request: dict, name: str, text: str) -> str:
    """The line of ``request`` from c1, with field ``name`` written as ``text`` verbatim."""
    body = {**request, name: "FIELD", "msg_id": "MSG_ID"}
    line = json.dumps({"src": "c1", "dest": "n0", "body": body})
    return line.replace('"FIELD"', text).replace('"MSG_ID"', "MSG_ID")


if __name__ == "__main__":
    unittest.main()
