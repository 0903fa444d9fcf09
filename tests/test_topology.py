"""Broadcast topologies (docs/maelstrom.md §6.3)."""
from __future__ import annotations

import unittest

from tests.harness.topology import TOPOLOGIES, topology


def nodes(n: int) -> list[str]:
    return [f"n{i}" for i in range(1, n + 1)]


def is_symmetric(neighbours: dict[str, list[str]]) -> bool:
    return all(node in neighbours[other] for node, others in neighbours.items() for other in others)


class GridTest(unittest.TestCase):
    def test_five_nodes_match_the_spec_example(self):
        self.assertEqual(topology("grid", nodes(5)), {
            "n1": ["n4", "n2"],
            "n2": ["n5", "n3", "n1"],
            "n3": ["n2"],
            "n4": ["n1", "n5"],
            "n5": ["n2", "n4"],
        })

    def test_centre_of_a_full_square_lists_down_up_right_left(self):
        self.assertEqual(topology("grid", nodes(9))["n5"], ["n8", "n2", "n6", "n4"])

    def test_rows_are_ceil_sqrt_wide(self):
        # 10 nodes: side 4, so n5 starts the second row, under n1.
        self.assertEqual(topology("grid", nodes(10))["n1"], ["n5", "n2"])

    def test_no_node_has_more_than_four_neighbours(self):
        for n in range(1, 40):
            self.assertLessEqual(max(len(v) for v in topology("grid", nodes(n)).values()), 4)

    def test_single_node_has_no_neighbours(self):
        self.assertEqual(topology("grid", ["a"]), {"a": []})


class LineTest(unittest.TestCase):
    def test_ends_have_one_neighbour_and_middles_previous_then_next(self):
        self.assertEqual(topology("line", nodes(4)), {
            "n1": ["n2"], "n2": ["n1", "n3"], "n3": ["n2", "n4"], "n4": ["n3"],
        })

    def test_two_nodes_see_each_other(self):
        self.assertEqual(topology("line", ["a", "b"]), {"a": ["b"], "b": ["a"]})

    def test_fewer_than_two_nodes_give_an_empty_map(self):
        self.assertEqual(topology("line", ["a"]), {})
        self.assertEqual(topology("line", []), {})


class TreeTest(unittest.TestCase):
    def test_binary_tree_lists_parent_then_children(self):
        self.assertEqual(topology("tree2", nodes(7)), {
            "n1": ["n2", "n3"],
            "n2": ["n1", "n4", "n5"],
            "n3": ["n1", "n6", "n7"],
            "n4": ["n2"], "n5": ["n2"], "n6": ["n3"], "n7": ["n3"],
        })

    def test_partial_last_tier_fills_from_the_first_parent(self):
        self.assertEqual(topology("tree3", nodes(6)), {
            "n1": ["n2", "n3", "n4"],
            "n2": ["n1", "n5", "n6"],
            "n3": ["n1"], "n4": ["n1"], "n5": ["n2"], "n6": ["n2"],
        })

    def test_kth_node_of_a_tier_gets_the_kth_group_of_the_next(self):
        tree = topology("tree4", nodes(21))   # tiers of 1, 4, 16
        self.assertEqual(tree["n3"], ["n1", "n10", "n11", "n12", "n13"])
        self.assertEqual(tree["n5"], ["n1", "n18", "n19", "n20", "n21"])

    def test_tree_means_tree2(self):
        for n in range(0, 20):
            self.assertEqual(topology("tree", nodes(n)), topology("tree2", nodes(n)))

    def test_every_tree_is_connected_with_one_fewer_link_than_nodes(self):
        for name in ("tree2", "tree3", "tree4"):
            for n in range(1, 40):
                tree = topology(name, nodes(n))
                links = sum(len(v) for v in tree.values()) // 2
                self.assertEqual(links, n - 1, (name, n))
                reached, frontier = {"n1"}, ["n1"]
                while frontier:
                    for other in tree[frontier.pop()]:
                        if other not in reached:
                            reached.add(other)
                            frontier.append(other)
                self.assertEqual(reached, set(nodes(n)), (name, n))

    def test_single_node_has_no_neighbours(self):
        self.assertEqual(topology("tree3", ["a"]), {"a": []})


class TotalTest(unittest.TestCase):
    def test_every_node_lists_all_others_in_node_order(self):
        self.assertEqual(topology("total", ["c", "a", "b"]),
                         {"c": ["a", "b"], "a": ["c", "b"], "b": ["c", "a"]})


class AllTopologiesTest(unittest.TestCase):
    def test_neighbourhoods_are_symmetric(self):
        for name in TOPOLOGIES:
            for n in range(0, 30):
                self.assertTrue(is_symmetric(topology(name, nodes(n))), (name, n))

    def test_every_node_is_present_and_only_nodes_are_named(self):
        for name in TOPOLOGIES:
            for n in range(2, 30):
                neighbours = topology(name, nodes(n))
                self.assertEqual(list(neighbours), nodes(n), (name, n))
                named = {other for others in neighbours.values() for other in others}
                self.assertLessEqual(named, set(nodes(n)), (name, n))

    def test_no_node_is_its_own_neighbour(self):
        for name in TOPOLOGIES:
            for n in range(0, 30):
                for node, others in topology(name, nodes(n)).items():
                    self.assertNotIn(node, others, (name, n))

    def test_unknown_name_is_rejected(self):
        with self.assertRaises(ValueError):
            topology("ring", nodes(3))


if __name__ == "__main__":
    unittest.main()
