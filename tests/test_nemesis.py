"""Partition shapes of the partition nemesis (docs/maelstrom.md §4.4)."""
from __future__ import annotations

import json
import random
import unittest

from tests.harness.nemesis import SHAPES, describe, grudge, majority, random_grudge

SIZES = range(1, 26)
SEEDS = range(4)


def nodes(n: int) -> list[str]:
    return [f"n{i}" for i in range(1, n + 1)]


def heard(g: dict[str, set[str]], node: str) -> set[str]:
    """Who ``node`` still receives from, itself included."""
    return set(g) - g[node]


def clean_split_sizes(test: unittest.TestCase, g: dict[str, set[str]]) -> list[int]:
    """Sizes of the components of a grudge that must cut cleanly (both ways), smallest first."""
    components = set()
    for node in g:
        component = frozenset(heard(g, node))
        for member in component:
            test.assertEqual(heard(g, member), component, "not a clean two-way cut")
        components.add(component)
    return sorted(len(c) for c in components)


def every_grudge(shape: str):
    for n in SIZES:
        for seed in SEEDS:
            yield n, grudge(shape, nodes(n), random.Random(seed))


class EveryShapeTest(unittest.TestCase):
    def test_names_every_node_and_nothing_else(self):
        for shape in SHAPES:
            for n, g in every_grudge(shape):
                self.assertEqual(set(g), set(nodes(n)), (shape, n))
                for dropped in g.values():
                    self.assertLessEqual(dropped, set(nodes(n)), (shape, n))

    def test_no_node_drops_itself(self):
        for shape in SHAPES:
            for n, g in every_grudge(shape):
                for node, dropped in g.items():
                    self.assertNotIn(node, dropped, (shape, n))

    def test_same_seed_gives_same_grudge(self):
        for shape in SHAPES:
            for n in SIZES:
                self.assertEqual(grudge(shape, nodes(n), random.Random(7)),
                                 grudge(shape, nodes(n), random.Random(7)), (shape, n))

    def test_unknown_shape_is_rejected(self):
        with self.assertRaises(ValueError):
            grudge("bridge", nodes(5), random.Random(1))


class OneTest(unittest.TestCase):
    def test_cuts_one_node_off_both_ways(self):
        for n, g in every_grudge("one"):
            self.assertEqual(clean_split_sizes(self, g), [1, n - 1] if n > 1 else [1], n)

    def test_loner_is_random(self):
        loners = set()
        for seed in range(60):
            g = grudge("one", nodes(5), random.Random(seed))
            loners |= {node for node in g if len(g[node]) == 4}
        self.assertEqual(loners, set(nodes(5)))


class MajorityTest(unittest.TestCase):
    def test_splits_off_floor_half_of_the_nodes_both_ways(self):
        for n, g in every_grudge("majority"):
            expected = sorted(size for size in (n // 2, n - n // 2) if size)
            self.assertEqual(clean_split_sizes(self, g), expected, n)

    def test_sides_are_random(self):
        minorities = {frozenset(node for node in g if len(heard(g, node)) == 2)
                      for g in (grudge("majority", nodes(5), random.Random(s)) for s in range(40))}
        self.assertGreater(len(minorities), 1)


class MinorityThirdTest(unittest.TestCase):
    def test_splits_off_less_than_a_third_both_ways(self):
        for n, g in every_grudge("minority-third"):
            third = (n - 1) // 3
            expected = sorted(size for size in (third, n - third) if size)
            self.assertEqual(clean_split_sizes(self, g), expected, n)
            self.assertLess(3 * third, n)

    def test_three_or_fewer_nodes_cut_nothing(self):
        for n in (1, 2, 3):
            g = grudge("minority-third", nodes(n), random.Random(1))
            self.assertTrue(all(not dropped for dropped in g.values()), n)


class MajoritiesRingTest(unittest.TestCase):
    def test_every_node_still_hears_a_majority_counting_itself(self):
        for n, g in every_grudge("majorities-ring"):
            for node in g:
                self.assertGreaterEqual(len(heard(g, node)), majority(n), n)

    def test_small_clusters_hear_exactly_a_majority(self):
        for n, g in every_grudge("majorities-ring"):
            if n <= 5:
                self.assertEqual({len(heard(g, node)) for node in g}, {majority(n)}, n)

    def test_from_three_nodes_on_every_node_drops_someone(self):
        for n, g in every_grudge("majorities-ring"):
            if n >= 3:
                self.assertTrue(all(g.values()), n)

    def test_one_or_two_nodes_cut_nothing(self):
        for n in (1, 2):
            g = grudge("majorities-ring", nodes(n), random.Random(1))
            self.assertTrue(all(not dropped for dropped in g.values()), n)

    def test_ring_views_are_all_different_for_three_to_five_nodes(self):
        # Only the exact ring guarantees this: the random graph used above five nodes
        # sometimes gives two nodes the same view, in Jepsen as here.
        for n, g in every_grudge("majorities-ring"):
            if 3 <= n <= 5:
                views = {frozenset(heard(g, node)) for node in g}
                self.assertEqual(len(views), n, n)

    def test_three_node_ring_is_asymmetric(self):
        g = grudge("majorities-ring", nodes(3), random.Random(1))
        one_way = [(a, b) for a in g for b in g[a] if a not in g[b]]
        self.assertEqual(len(one_way), 3)

    def test_above_five_nodes_links_are_mutual(self):
        for n, g in every_grudge("majorities-ring"):
            if n > 5:
                for a, dropped in g.items():
                    for b in dropped:
                        self.assertIn(a, g[b], n)


class RandomGrudgeTest(unittest.TestCase):
    def test_draws_every_shape(self):
        rng = random.Random(3)
        drawn = {random_grudge(nodes(5), rng)[0] for _ in range(100)}
        self.assertEqual(drawn, set(SHAPES))

    def test_is_deterministic_for_a_seed(self):
        self.assertEqual([random_grudge(nodes(7), random.Random(s)) for s in range(10)],
                         [random_grudge(nodes(7), random.Random(s)) for s in range(10)])

    def test_grudge_has_the_drawn_shape(self):
        rng = random.Random(5)
        for _ in range(50):
            shape, g = random_grudge(nodes(6), rng)
            if shape == "one":
                self.assertEqual(clean_split_sizes(self, g), [1, 5])
            elif shape == "majority":
                self.assertEqual(clean_split_sizes(self, g), [3, 3])
            elif shape == "minority-third":
                self.assertEqual(clean_split_sizes(self, g), [1, 5])
            else:
                self.assertTrue(all(len(heard(g, node)) >= 4 for node in g))


class DescribeTest(unittest.TestCase):
    def test_gives_sorted_lists_under_sorted_nodes(self):
        described = describe({"n2": {"n3", "n1"}, "n1": {"n2"}, "n3": set()})
        self.assertEqual(list(described.items()),
                         [("n1", ["n2"]), ("n2", ["n1", "n3"]), ("n3", [])])

    def test_is_json_ready(self):
        g = grudge("majority", nodes(5), random.Random(2))
        self.assertEqual(json.loads(json.dumps(describe(g))), describe(g))


if __name__ == "__main__":
    unittest.main()
