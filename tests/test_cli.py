"""`test` flags are parsed as Maelstrom parses them."""
from __future__ import annotations

import unittest

from tests.harness.cli import ArgumentError, parse_test_args


def parse(*args: str):
    return parse_test_args(["--bin", "node.py", *args])


class TestFlags(unittest.TestCase):
    def test_defaults_match_maelstrom(self):
        o = parse()
        self.assertEqual((o.workload, o.nodes, o.time_limit, o.rate, o.concurrency, o.latency),
                         ("lin-kv", ["n1", "n2", "n3", "n4", "n5"], 60, 5.0, 5, 0))
        self.assertEqual((o.latency_dist, o.nemesis, o.nemesis_interval, o.availability, o.topology),
                         ("constant", [], 10.0, None, "grid"))
        self.assertEqual(o.consistency_models, ["strict-serializable"])

    def test_node_count_names_nodes_from_n0(self):
        self.assertEqual(parse("--node-count", "3").nodes, ["n0", "n1", "n2"])

    def test_node_count_overrides_explicit_nodes(self):
        self.assertEqual(parse("--nodes", "a,b", "--node-count", "2").nodes, ["n0", "n1"])

    def test_explicit_nodes_merge_in_order(self):
        self.assertEqual(parse("--nodes", "a,b", "-n", "c").nodes, ["a", "b", "c"])

    def test_concurrency_kn_multiplies_by_the_node_count(self):
        self.assertEqual(parse("--node-count", "2", "--concurrency", "2n").concurrency, 4)
        self.assertEqual(parse("--node-count", "2", "--concurrency", "7").concurrency, 7)

    def test_consistency_models_accept_maelstroms_spaced_commas_and_plain_commas(self):
        self.assertEqual(parse("--consistency-models", "read-committed , serializable").consistency_models,
                         ["read-committed", "serializable"])
        self.assertEqual(parse("--consistency-models", "read-committed,serializable").consistency_models,
                         ["read-committed", "serializable"])

    def test_words_that_are_not_options_go_to_the_node_binary(self):
        o = parse("-w", "echo", "fast", "--rate", "3", "mode")
        self.assertEqual((o.bin_args, o.rate), (["fast", "mode"], 3.0))

    def test_an_en_dash_nemesis_flag_is_a_node_argument_as_under_maelstrom(self):
        o = parse("\u2013-nemesis", "partition")
        self.assertEqual((o.nemesis, o.bin_args), ([], ["\u2013-nemesis", "partition"]))

    def test_availability_is_total_or_a_fraction(self):
        self.assertEqual(parse("--availability", "total").availability, "total")
        self.assertEqual(parse("--availability", "0.99").availability, 0.99)

    def test_nemesis_list_may_have_spaces_around_commas(self):
        self.assertEqual(parse("--nemesis", "partition , partition").nemesis, ["partition", "partition"])

    def test_nemesis_takes_any_set_of_partition_kill_and_pause_as_maelstrom_main_does(self):
        self.assertEqual(parse("--nemesis", "kill").nemesis, ["kill"])
        self.assertEqual(parse("--nemesis", "pause,partition , kill").nemesis, ["pause", "partition", "kill"])

    def test_an_unknown_fault_is_refused_naming_the_three(self):
        with self.assertRaises(ArgumentError) as refused:
            parse_test_args(["--bin", "x", "--nemesis", "kill,crash"])
        self.assertIn("unknown nemesis fault 'crash': must be one of kill, partition, pause", str(refused.exception))

    def test_the_original_command_line_is_kept(self):
        self.assertEqual(parse("-w", "echo").argv, ["--bin", "node.py", "-w", "echo"])


class BadFlags(unittest.TestCase):
    def test_rejected_with_a_reason(self):
        cases = {
            "missing --bin": [],
            "negative rate": ["--bin", "x", "--rate", "-1"],
            "zero node count": ["--bin", "x", "--node-count", "0"],
            "fractional time limit": ["--bin", "x", "--time-limit", "2.5"],
            "unknown nemesis": ["--bin", "x", "--nemesis", "partition,crash"],
            "unknown workload": ["--bin", "x", "-w", "paxos"],
            "bad concurrency": ["--bin", "x", "--concurrency", "n2"],
            "bad latency dist": ["--bin", "x", "--latency-dist", "normal"],
            "unknown option": ["--bin", "x", "--frobnicate"],
            "duplicate nodes": ["--bin", "x", "--nodes", "a,a"],
        }
        for name, argv in cases.items():
            with self.subTest(name), self.assertRaises(ArgumentError):
                parse_test_args(argv)


if __name__ == "__main__":
    unittest.main()
