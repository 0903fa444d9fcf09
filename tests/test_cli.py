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
        self.assertEqual(parse("--nodes", "a,b", "-n", "d").nodes, ["a", "b", "d"])

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


class Refused(unittest.TestCase):
    """Issue 20: values no run can use, and node ids the harness would take for something
    else, are refused with one line (exit 254) instead of starting a run that fails later
    or blames a correct node."""

    def refusal(self, *args: str) -> str:
        with self.assertRaises(ArgumentError) as caught:
            parse(*args)
        message = str(caught.exception)
        self.assertNotIn("\n", message)
        return message

    def test_a_node_id_starting_with_c_clashes_with_the_clients(self):
        self.assertIn("'c1' starts with 'c'", self.refusal("--nodes", "c1,c2"))

    def test_a_node_id_that_is_a_service(self):
        self.assertIn("'lin-kv' is the id of a Maelstrom service", self.refusal("--nodes", "lin-kv,n1"))

    def test_a_duplicate_node_id(self):
        self.assertIn("'n1' twice", self.refusal("--nodes", "n1,n2", "-n", "n1"))

    def test_a_node_id_that_would_need_escaping(self):
        for bad in ('a"b', "a\\b", "a b", "n\u00e9"):
            with self.subTest(bad):
                self.assertIn("letters, digits", self.refusal("--nodes", f"n1,{bad}"))

    def test_an_absurd_node_count_is_refused_before_any_process_starts(self):
        self.assertIn("at most 256", self.refusal("--node-count", "100000"))
        self.assertIn("at most 256", self.refusal("--node-count", "1" + "0" * 40))

    def test_too_many_explicit_nodes(self):
        self.assertIn("at most 256 nodes", self.refusal("--nodes", ",".join(f"n{i}" for i in range(300))))

    def test_non_finite_numbers(self):
        for flag in ("--rate", "--nemesis-interval"):
            for value in ("inf", "-inf", "nan", "1e999"):
                with self.subTest(flag=flag, value=value):
                    self.assertIn("finite", self.refusal(f"{flag}={value}"))

    def test_absurd_rates_times_and_sizes(self):
        for flag, value in (("--rate", "1e300"), ("--time-limit", "100000000000000000000"),
                            ("--latency", "99999999999"), ("--concurrency", "100000000"),
                            ("--concurrency", "5000n"), ("--key-count", "100000000000"),
                            ("--max-txn-length", "1000000000"), ("--test-count", "1000000000")):
            with self.subTest(flag=flag):
                self.assertIn("must be at most", self.refusal(flag, value))

    def test_the_official_commands_are_within_every_limit(self):
        for args in (["--node-count", "25", "--rate", "100", "--latency", "100", "--time-limit", "20"],
                     ["--node-count", "2", "--concurrency", "2n", "--rate", "1000", "--time-limit", "20"]):
            with self.subTest(args=args):
                parse(*args)


if __name__ == "__main__":
    unittest.main()
