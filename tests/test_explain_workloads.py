"""The explanations of counters, kafka and Elle's checkers, on small stored histories."""
from __future__ import annotations

import unittest
from types import SimpleNamespace

from tests.harness.workloads.counter.explain import accounted_by
from tests.harness.workloads.elle.explain import chain, cycle_svg, explain_elle, meaning
from tests.harness.workloads.kafka.explain import Offsets, offset_of


class Counters(unittest.TestCase):
    NODES = {"n0": {"ok-sum": 5}, "n1": {"ok-sum": 7}, "n2": {"ok-sum": 11}}

    def test_a_read_equal_to_some_nodes_adds_names_those_nodes(self):
        self.assertEqual(accounted_by(12, self.NODES), ["n0", "n1"])
        self.assertEqual(accounted_by(7, self.NODES), ["n1"])

    def test_among_equally_small_sets_the_readers_own_node_is_preferred(self):
        nodes = {**self.NODES, "n3": {"ok-sum": 5}}
        self.assertEqual(accounted_by(5, nodes, "n3"), ["n3"])
        self.assertEqual(accounted_by(5, nodes, "n1"), ["n0"])

    def test_a_read_no_set_of_nodes_explains_names_none(self):
        self.assertIsNone(accounted_by(6, self.NODES))


class Kafka(unittest.TestCase):
    def poll(self, index, process, k, offsets):
        return {"index": index, "time": index, "type": "ok", "process": process, "f": "poll",
                "value": [["poll", {k: [[o, o * 10] for o in offsets]}]]}

    def test_polls_that_went_past_an_offset_are_found_inside_a_poll_and_between_polls(self):
        seen = Offsets({("k", 3)})
        seen.see({"index": 0, "time": 5, "type": "ok", "process": 1, "f": "send", "value": [["send", "k", [3, 30]]]})
        seen.see(self.poll(1, 2, "k", [1, 2]))
        seen.see(self.poll(2, 2, "k", [4, 5]))       # process 2 jumped from 2 to 4
        seen.see(self.poll(3, 4, "k", [0, 1, 2, 4]))  # a gap inside one poll
        self.assertEqual(seen.sent[("k", 3)], {"process": 1, "time-ns": 5, "value": 30})
        hows = [s["how"] for s in seen.skipped_by[("k", 3)]]
        self.assertEqual(hows, ["went from offset 2 (its previous poll) to 4",
                                "returned offsets 0..4 of key k without it"])

    def test_the_offset_of_a_lost_write_is_its_acknowledged_one(self):
        case = {"key": "k", "value": 30, "writer": {"value": [["send", "k", [3, 30]]]}}
        self.assertEqual(offset_of(case), 3)


class Elle(unittest.TestCase):
    CASE = {"cycle": "T1 -ww(3)-> T2 -rw(3)-> T1",
            "steps": ["T1 < T2, because T2 overwrote T1's write of 3", "T2 < T1, because T2 did not observe T1's write"],
            "txns": {"T1": {"process": 0, "value": [["w", 3, 1]]}, "T2": {"process": 1, "value": [["r", 3, None]]}}}

    def test_a_chain_gives_its_transactions_and_dependencies(self):
        self.assertEqual(chain(self.CASE["cycle"]), (["T1", "T2"], ["ww(3)", "rw(3)"]))

    def test_the_picture_draws_each_transaction_and_each_labelled_dependency(self):
        svg = cycle_svg("G2-item", self.CASE)
        self.assertEqual(svg.count("<circle"), 2)
        self.assertIn(">ww(3)</text>", svg)
        self.assertIn(">rw(3)</text>", svg)
        self.assertIn("process 1: r 3 null", svg)

    def test_every_class_and_its_process_and_realtime_variants_have_a_meaning(self):
        self.assertIn("write cycle", meaning("G0"))
        self.assertIn("counting real-time order", meaning("G-single-realtime"))
        self.assertIn("exists", meaning("serializable-cycle-exists"))

    def test_an_empty_transaction_graph_is_not_said_to_rule_out_a_model(self):
        # Elle's result for a history with no dependency at all, as Maelstrom's txn-rw-register
        # wrapper turns it invalid (any anomaly type fails the run): nothing is ruled out.
        result = {"valid?": False, "anomaly-types": ["empty-transaction-graph"],
                  "anomalies": {"empty-transaction-graph": True}, "not": [], "also-not": []}
        ctx = SimpleNamespace(results={"workload": result},
                              opts=SimpleNamespace(consistency_models=["read-uncommitted"]))
        part = explain_elle(ctx)
        self.assertIn("rules out no consistency model", part.lines[0])
        self.assertIn("Maelstrom counts any anomaly", part.lines[0])
        self.assertTrue(part.lines[1].endswith("could be inferred at all"), part.lines[1])


if __name__ == "__main__":
    unittest.main()
